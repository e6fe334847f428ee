// End-to-end tests of the operations console in a real browser (Debian's
// Chromium, driven by playwright-core) against a real `jic serve`.
//
//   cd web && npm test                      (after `npm run build` and the C++ build)
//   JIC_BINARY=build-x/jic npm test         another build of jic
//   node tests/run.mjs notify approve       only the tests whose names contain these words
//
// Prints each test, then "N passed, N failed"; exits 1 when any failed.
// Screenshots go to build/test-output/console/ (CONSOLE_OUT).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Center, JIC, OUT, assert, launchBrowser, mapPoint, openConsole, rfc3339, shot, signIn } from './harness.mjs';

const USERS = [
  ['ru-planner', 'RU', 'planner'],
  ['ru-officer', 'RU', 'officer'],
  ['us-officer', 'US', 'officer'],
  ['us-watch', 'US', 'watch'],
  ['un-observer', 'UN', 'observer'],
];

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

const external = [];
const errors = [];
let center, browser, closeBrowser = null;

const inFuture = (h) => Math.ceil((Date.now() + h * 3600e3) / 900e3) * 900e3;

function volume(vertices, lower, upper, start, end) {
  return {
    volume: {
      outline_polygon: { vertices: vertices.map(([lat, lng]) => ({ lat, lng })) },
      altitude_lower: { value: lower, reference: 'W84', units: 'M' },
      altitude_upper: { value: upper, reference: 'W84', units: 'M' },
    },
    time_start: { value: rfc3339(start), format: 'RFC3339' },
    time_end: { value: rfc3339(end), format: 'RFC3339' },
  };
}

// Near Palmyra, where R2 puts RU air support to the US for approval.
const PALMYRA = [[34.48, 38.12], [34.46, 38.4], [34.6, 38.46], [34.68, 38.3]];

async function notifyPending(callsign) {
  const start = inFuture(3);
  const r = await center.api('POST', '/v1/operations', {
    operator: 'RU', category: 'defensive_air_support',
    aircraft: [{ callsign, icao24: '150152' }],
    volumes: [volume(PALMYRA, 3000, 7000, start, start + 2 * 3600e3)],
  }, 'ru-planner');
  assert(r.status === 201 && r.json.state === 'pending_approval', `notify: ${r.status} ${r.text}`);
  return r.json.id;
}

// ---------------------------------------------------------------- the tests

test('the center serves the console: types, caching, no token, no traversal', async () => {
  const index = await center.raw('/');
  assert(index.status === 200, `GET / answered ${index.status}`);
  assert(index.headers['content-type'] === 'text/html; charset=utf-8', `content-type ${index.headers['content-type']}`);
  assert(index.headers['cache-control'] === 'no-cache', `cache-control ${index.headers['cache-control']}`);
  assert(/^"[0-9a-f]{16}"$/.test(index.headers.etag), `etag ${index.headers.etag}`);
  assert(/default-src 'self'/.test(index.headers['content-security-policy']), 'a Content-Security-Policy keeps the page on this origin');
  const again = await center.raw('/', { 'If-None-Match': index.headers.etag });
  assert(again.status === 304 && again.body.length === 0, `conditional GET answered ${again.status}`);
  const html = index.body.toString();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assert(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `assets in index.html: ${assets}`);
  for (const a of assets) {
    const r = await center.raw(a);
    assert(r.status === 200, `${a}: ${r.status}`);
    assert(r.headers['cache-control'] === 'public, max-age=31536000, immutable', `${a}: cache-control ${r.headers['cache-control']}`);
    const want = a.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assert(r.headers['content-type'] === want, `${a}: content-type ${r.headers['content-type']}`);
  }
  const favicon = await center.raw('/favicon.svg');
  assert(favicon.status === 200 && favicon.headers['content-type'] === 'image/svg+xml', 'favicon.svg');
  for (const p of ['/nope.html', '/../../etc/passwd', '/assets/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2fetc%2fpasswd', '/assets/%2e%2e%2findex.html', '/.gitignore', '/assets']) {
    const r = await center.raw(p);
    assert(r.status === 404, `${p} answered ${r.status}`);
    assert(!r.body.toString().includes('root:'), `${p} leaked a file`);
  }
  // The API still wants a token.
  const ops = await center.raw('/v1/operations');
  assert(ops.status === 401, `/v1/operations without a token: ${ops.status}`);
});

test('sign in: a wrong token is refused with the server\'s message, a right one opens the console', async () => {
  const { context, page } = await openConsole(browser, center, external, errors);
  try {
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-token', 'jic_not_a_token');
    await page.press('#login-token', 'Enter');
    await page.waitForSelector('#login-error:not([hidden])');
    const msg = await page.textContent('#login-error');
    assert(/token is not valid/.test(msg), `login error: ${msg}`);
    await shot(page, '01-login-refused');
    await signIn(page, center.tokens['us-officer']);
    const me = await page.textContent('#me');
    assert(me.includes('us-officer') && me.includes('US') && me.includes('officer'), `signed in as: ${me}`);
    // The token stays in this tab: a reload keeps the session.
    await page.reload();
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForFunction(() => document.querySelector('#stream-status')?.classList.contains('stream-live'));
    // The areas of the agreement are on the map, labelled.
    await page.waitForFunction(() => window.jic.view.map.querySourceFeatures('areas').length >= 10);
    await page.waitForSelector('.area-label >> text=DA-2');
    await page.waitForTimeout(500);
    await shot(page, '02-signed-in');
    await page.click('#logout');
    await page.waitForSelector('#login:not([hidden])');
  } finally {
    await context.close();
  }
});

test('notify by drawing: a rejected operation shows its finding, rule text and area on the map', async () => {
  const { context, page } = await openConsole(browser, center, external, errors);
  try {
    await signIn(page, center.tokens['ru-planner']);
    await page.click('#tab-notify');
    // A server refusal is shown as the server words it, naming the field.
    await page.evaluate(() => window.jic.view.map.jumpTo({ center: [36.56, 35.8], zoom: 9 }));
    await page.waitForTimeout(300);
    await page.click('#draw-circle');
    let p = await mapPoint(page, 36.55, 35.78);
    await page.mouse.click(p.x, p.y);
    p = await mapPoint(page, 36.6, 35.78);
    await page.mouse.click(p.x, p.y);
    await page.waitForSelector('#shape-list li >> text=circle');
    const end = await page.inputValue('#n-end');
    await page.fill('#n-end', await page.inputValue('#n-start'));
    await page.click('#notify-submit');
    await page.waitForSelector('#notify-error:not([hidden])');
    const err = await page.textContent('#notify-error');
    assert(/400 invalid_argument/.test(err) && /time_end|time_start/.test(err), `error shown: ${err}`);
    await shot(page, '03-notify-refused-by-the-server');
    await page.fill('#n-end', end);
    await page.click('#draw-clear');

    // A SY combat sortie drawn inside DA-2 (Idlib): rule R1 rejects it.
    await page.click('#draw-polygon');
    const corners = [[36.5, 35.74], [36.6, 35.74], [36.6, 35.84], [36.5, 35.84]];
    for (const [lng, lat] of corners) {
      p = await mapPoint(page, lng, lat);
      await page.mouse.click(p.x, p.y);
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector('#shape-list li >> text=polygon, 4 corners');
    await page.selectOption('#n-operator', 'SY');
    await page.selectOption('#n-category', 'combat');
    await page.fill('#n-callsign', 'SYAF21');
    await page.fill('#n-icao24', '7781a2');
    await page.fill('#n-alt-lower', '0');
    await page.fill('#n-alt-upper', '4000');
    await page.click('#notify-submit');
    await page.waitForSelector('#notify-result .decision');
    const outcome = await page.textContent('#notify-result .outcome');
    assert(/Rejected/.test(outcome), `outcome: ${outcome}`);
    const finding = page.locator('#notify-result .finding[data-rule="R1"]');
    assert(await finding.count() === 1, 'finding R1 listed');
    const text = await finding.textContent();
    assert(text.includes('SY may not operate in designated areas except medevac, humanitarian and personnel recovery'), `rule text: ${text}`);
    assert(await page.locator('#notify-result button[data-area="DA-2"]').count() === 1, 'the finding names area DA-2');
    // On the map: DA-2 highlighted, and the rejected operation drawn.
    const id = await page.getAttribute('#notify-result .decision', 'data-operation');
    await page.waitForFunction((opId) => {
      const m = window.jic.view.map;
      const lit = m.queryRenderedFeatures({ layers: ['highlight-line'] }).map((f) => f.properties.area || f.properties.op);
      const ops = m.queryRenderedFeatures({ layers: ['ops-fill'] }).map((f) => f.properties.op);
      return lit.includes('DA-2') && ops.includes(opId);
    }, id, { timeout: 10000 });
    await page.waitForTimeout(600);
    await shot(page, '04-notify-rejected-R1-DA-2');

    // Pasted GeoJSON: a circle (Point + radius_m) becomes a volume.
    await page.click('#paste-box summary');
    await page.fill('#paste-text', JSON.stringify({ type: 'Feature', properties: { radius_m: 3000 }, geometry: { type: 'Point', coordinates: [38.3, 34.55] } }));
    await page.click('#paste-apply');
    await page.waitForSelector('#shape-list li >> text=circle, 3.00 km');
  } finally {
    await context.close();
  }
});

test('approvals: an officer of the other party approves a pending operation, live on both sides', async () => {
  const planner = await openConsole(browser, center, external, errors);
  const officer = await openConsole(browser, center, external, errors);
  try {
    const first = await notifyPending('RFF7001');
    await signIn(planner.page, center.tokens['ru-planner']);
    await planner.page.click('#tab-operations');
    await planner.page.waitForSelector(`.op-button[data-operation="${first}"] >> text=pending approval`);

    await signIn(officer.page, center.tokens['us-officer']);
    const card = officer.page.locator(`#q-approvals .card[data-operation="${first}"]`);
    await card.waitFor();
    assert((await card.textContent()).includes('only if agreed in advance by US'), 'the card shows why: R2');
    // A new request appears in the queue while the officer watches (no reload).
    const second = await notifyPending('RFF7002');
    await officer.page.waitForSelector(`#q-approvals .card[data-operation="${second}"]`, { timeout: 10000 });
    await shot(officer.page, '05-approvals-queue');

    // Refusing needs a reason.
    await card.locator('button:has-text("Reject")').click();
    await card.locator('.answer .error:not([hidden])').waitFor();
    assert(/reason/.test(await card.locator('.answer .error').textContent()), 'a refusal without a reason is stopped');
    await card.locator('.answer textarea').fill('deconflicted with coalition ISR; agreed');
    await card.locator('button:has-text("Approve")').click();
    await card.waitFor({ state: 'detached', timeout: 10000 });
    const op = await center.api('GET', `/v1/operations/${first}`, undefined, 'ru-planner');
    assert(op.json.state === 'accepted', `after approval: ${op.json.state}`);
    assert(op.json.approvals[0].reason === 'deconflicted with coalition ISR; agreed', 'the reason is recorded');

    // The planner's page follows without a reload.
    await planner.page.waitForSelector(`.op-button[data-operation="${first}"] >> text=accepted`, { timeout: 10000 });
    await planner.page.click(`.op-button[data-operation="${first}"]`);
    await planner.page.waitForSelector('#op-detail .approvals >> text=deconflicted with coalition ISR');
    await planner.page.waitForTimeout(500);
    await shot(planner.page, '06-planner-sees-the-approval');

    // The second is refused, with a reason, and a comment on its thread.
    const c2 = officer.page.locator(`#q-approvals .card[data-operation="${second}"]`);
    await c2.locator('.answer textarea').fill('conflicts with a planned medevac');
    await c2.locator('button:has-text("Reject")').click();
    await c2.waitFor({ state: 'detached', timeout: 10000 });
    const op2 = await center.api('GET', `/v1/operations/${second}`, undefined, 'ru-planner');
    assert(op2.json.state === 'rejected', `after refusal: ${op2.json.state}`);
  } finally {
    await planner.context.close();
    await officer.context.close();
  }
});

test('tracks: a replayed track moves on the map and an alert appears, is discussed and acknowledged', async () => {
  const { context, page } = await openConsole(browser, center, external, errors);
  try {
    await signIn(page, center.tokens['us-watch']);
    await page.evaluate(() => window.jic.view.map.jumpTo({ center: [38.0, 35.05], zoom: 8 }));
    // An RU aircraft nobody notified, flying north at 110 m/s, recorded as an
    // SBS-1 feed (what dump1090 serves on port 30003) and replayed by
    // `jic replay` at 10x its own pace: a report every 5 s of recording.
    const t0 = Math.floor(Date.now() / 1000) - 150;
    const sbsTime = (ms) => {
      const iso = new Date(ms).toISOString();  // 2026-11-25T19:05:04.123Z
      return `${iso.slice(0, 10).replaceAll('-', '/')},${iso.slice(11, 23)}`;
    };
    const lines = [];
    for (let i = 0; i <= 24; i++) {
      const at = sbsTime((t0 + i * 5) * 1000);
      if (i === 0) lines.push(`MSG,1,1,1,15C0A1,1,${at},${at},RSD01   ,,,,,,,,,,,`);
      lines.push(`MSG,3,1,1,15C0A1,1,${at},${at},,16404,,,${(35.0 + i * 0.005).toFixed(5)},38.00000,,,0,0,0,0`);
      lines.push(`MSG,4,1,1,15C0A1,1,${at},${at},,,214,0,,,0,,0,0,0,0`);
    }
    const recording = path.join(center.data, 'rsd01.sbs');
    fs.writeFileSync(recording, lines.join('\n') + '\n');
    const replay = spawn(JIC, ['replay', recording, '--to', center.url, '--token', center.tokens['us-watch'], '--speed', '10'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let replayErr = '';
    replay.stderr.on('data', (d) => { replayErr += d; });
    const replayed = new Promise((resolve) => replay.on('exit', (code) => resolve(code)));
    const label = page.locator('.track-label[data-icao24="15c0a1"]');
    await label.waitFor({ timeout: 15000 });
    assert((await label.textContent()).includes('RSD01'), 'the label names the callsign');
    const before = await page.evaluate(() => window.jic.store.tracks.find((t) => t.icao24 === '15c0a1'));
    const box1 = await label.boundingBox();
    const code = await replayed;
    assert(code === 0, `jic replay exited ${code}: ${replayErr}`);
    await page.waitForFunction((lat) => (window.jic.store.tracks.find((t) => t.icao24 === '15c0a1')?.lat ?? 0) > lat + 0.02, before.lat, { timeout: 10000 });
    await page.waitForTimeout(300);
    const box2 = await label.boundingBox();
    assert(box2.y < box1.y - 10, `the track moved north on the screen: ${box1.y} → ${box2.y}`);
    const trail = await page.evaluate(() => window.jic.view.map.querySourceFeatures('trails').length);
    assert(trail >= 1, 'a trail is drawn');

    // The monitor raises an unreported-flight alert; it appears live.
    const card = page.locator('#q-alerts .alert-card >> text=unreported flight');
    await card.first().waitFor({ timeout: 15000 });
    const alertCard = page.locator('#q-alerts .alert-card').first();
    const alertId = await alertCard.getAttribute('data-alert');
    assert((await alertCard.textContent()).includes('RU should have notified it'), 'the alert says who should have notified');
    await page.waitForSelector('.alert-ring');
    await page.waitForTimeout(400);
    await shot(page, '07-track-and-alert');

    // Discuss it, then acknowledge it.
    await alertCard.locator('details.thread summary').click();
    await alertCard.locator('.thread textarea').fill('RSD01 squawking; calling RU desk');
    await alertCard.locator('button:has-text("Post")').click();
    await alertCard.locator('.comments >> text=calling RU desk').waitFor({ timeout: 10000 });
    await alertCard.locator(`button:has-text("Acknowledge ${alertId}")`).click();
    await page.waitForSelector(`#q-alerts .alert-card[data-alert="${alertId}"] .badge-acknowledged`, { timeout: 10000 });
    const a = await center.api('GET', `/v1/alerts/${alertId}`, undefined, 'us-watch');
    assert(a.json.state === 'acknowledged' && a.json.acks[0].user === 'us-watch', `alert after ack: ${a.text}`);
    await shot(page, '08-alert-acknowledged');
  } finally {
    await context.close();
  }
});

test('figures: notifications per hour by outcome, alerts by type and party', async () => {
  const { context, page } = await openConsole(browser, center, external, errors);
  try {
    await signIn(page, center.tokens['un-observer']);
    await page.click('#tab-figures');
    await page.waitForSelector('#fig-notify canvas');
    await page.waitForSelector('#fig-alert-type canvas');
    await page.waitForSelector('#fig-alert-party canvas');
    const rejected = await page.textContent('.state-bar[data-state="rejected"] .num');
    const ops = await center.api('GET', '/v1/operations?state=rejected', undefined, 'un-observer');
    assert(Number(rejected) === ops.json.operations.length, `rejected: ${rejected} vs ${ops.json.operations.length}`);
    // The notify figure counts this hour's notifications: hover the last bar.
    const total = await page.evaluate(() => [...window.jic.store.operations.values()].length);
    assert(total >= 3, `operations known: ${total}`);
    // Keyboard: the tabs move with the arrow keys.
    await page.focus('#tab-figures');
    await page.keyboard.press('ArrowRight');
    assert(await page.getAttribute('#tab-log', 'aria-selected') === 'true', 'ArrowRight selects the next tab');
    await page.keyboard.press('ArrowLeft');
    await page.waitForTimeout(400);
    await shot(page, '09-figures');
    // An observer reads: no buttons to answer or acknowledge.
    await page.click('#tab-queues');
    assert(await page.locator('#q-alerts button:has-text("Acknowledge")').count() === 0, 'an observer cannot acknowledge');
  } finally {
    await context.close();
  }
});

test('usable: every control has a label; the time slider filters what the map shows', async () => {
  // An accepted RU ISR flight near Palmyra, three hours from now.
  const start = inFuture(3);
  const r = await center.api('POST', '/v1/operations', {
    operator: 'RU', category: 'isr', aircraft: [{ callsign: 'RFF9001', icao24: '15c0a2' }],
    volumes: [volume(PALMYRA, 8000, 9000, start, start + 2 * 3600e3)],
  }, 'ru-planner');
  assert(r.status === 201 && r.json.state === 'accepted', `notify: ${r.status} ${r.text}`);
  const { context, page } = await openConsole(browser, center, external, errors);
  try {
    await signIn(page, center.tokens['ru-officer']);
    await page.click('#tab-notify');
    const unlabelled = await page.evaluate(() => {
      const bad = [];
      for (const el of document.querySelectorAll('input, select, textarea, button')) {
        if (el.closest('[hidden]') || el.type === 'hidden') continue;
        const name = el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent) ||
          el.closest('label')?.textContent || (el.tagName === 'BUTTON' ? el.textContent.trim() || el.title : '');
        if (!name || !name.trim()) bad.push(el.outerHTML.slice(0, 100));
      }
      return bad;
    });
    assert(unlabelled.length === 0, `controls without a label: ${unlabelled.join(' | ')}`);
    // That operation is on the map (all times), not in the slider's first
    // quarter hour, and again at +3.5 h.
    const opsAt = () => page.evaluate(() => window.jic.view.map.querySourceFeatures('ops').map((f) => f.properties.op));
    await page.evaluate(() => window.jic.view.map.jumpTo({ center: [38.3, 34.6], zoom: 7 }));
    await page.waitForFunction(() => window.jic.view.map.querySourceFeatures('ops').length > 0);
    const all = await opsAt();
    await page.selectOption('#time-mode', 'at');
    await page.click('#time-now');
    await page.waitForTimeout(400);
    const now = await opsAt();
    const slider = page.locator('#time-slider');
    const v = Number(await slider.inputValue());
    await slider.focus();
    for (let i = 0; i < 14; i++) await page.keyboard.press('ArrowRight');
    assert(Number(await slider.inputValue()) === v + 14, 'the slider moves with the keyboard (15 min a step)');
    await page.waitForTimeout(400);
    const later = await opsAt();
    assert(all.length > 0 && later.length > now.length, `operations shown: all ${all.length}, now ${now.length}, +3.5 h ${later.length}`);
    assert(/\+\d/.test(await page.textContent('#time-label')), 'the label says how far ahead');
    await shot(page, '10-time-slider');
  } finally {
    await context.close();
  }
});

test('amendments: a proposal waits for the officer\'s signature, then comes into force live', async () => {
  const r = await center.api('POST', '/v1/amendments', {
    summary: 'warn on SY ISR flights',
    changes: { rules: { put: [{ id: 'R9', text: 'SY ISR flights are to be reported to the US desk', when: { operator: ['SY'], category: ['isr'] }, effect: 'warn' }] } },
  }, 'ru-officer');
  assert(r.status === 201, `propose: ${r.status} ${r.text}`);
  const id = r.json.id;
  const { context, page } = await openConsole(browser, center, external, errors);
  try {
    await signIn(page, center.tokens['us-officer']);
    await page.click('#tab-queues');
    const card = page.locator(`#q-amendments .card[data-amendment="${id}"]`);
    await card.waitFor({ timeout: 10000 });
    assert((await card.textContent()).includes('rule R9'), 'the card lists the change');
    await card.locator('details.thread summary').click();
    await card.locator('.thread textarea').fill('US agrees; signing');
    await card.locator('button:has-text("Post")').click();
    await card.locator('.thread >> text=US agrees; signing').waitFor({ timeout: 10000 });
    await card.locator('button:has-text("Sign")').click();
    await page.waitForFunction((a) => document.querySelector(`#q-amendments .card[data-amendment="${a}"]`) === null ||
      !document.querySelector(`#q-amendments .card[data-amendment="${a}"] button.good`), id, { timeout: 10000 });
    let am = await center.api('GET', `/v1/amendments/${id}`, undefined, 'us-officer');
    assert(am.json.state === 'pending' && am.json.approvals.some((x) => x.party === 'US' && x.approve), `after US: ${am.text}`);
    // Russia signs too (through the API): the agreement's version goes up on the open page.
    const v = await center.api('POST', `/v1/amendments/${id}/approvals`, { approve: true }, 'ru-officer');
    assert(v.status === 200 && v.json.state === 'in_force', `RU sign-off: ${v.status} ${v.text}`);
    await page.waitForFunction(() => /agreement v2/.test(document.body.textContent), undefined, { timeout: 10000 });
    await shot(page, '11-amendment-in-force');
  } finally {
    await context.close();
  }
});

test('nothing left the machine, and the pages raised no error', async () => {
  assert(external.length === 0, `requests to elsewhere: ${external.join(', ')}`);
  const real = errors.filter((e) => !/status of 4\d\d|GPU stall|WebGL/.test(e));
  assert(real.length === 0, `errors in the page: ${real.join('\n')}`);
});

// ------------------------------------------------------------------ runner

const only = process.argv.slice(2);
const chosen = only.length ? tests.filter((t) => only.some((w) => t.name.includes(w))) : tests;
let passed = 0, failed = 0;
const t0 = Date.now();
try {
  fs.mkdirSync(OUT, { recursive: true });
  center = new Center(USERS);
  await center.setup();
  const b = await launchBrowser();
  browser = b.browser;
  closeBrowser = b.close;
  for (const t of chosen) {
    const s = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`ok   ${t.name} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name} (${((Date.now() - s) / 1000).toFixed(1)} s)\n     ${String(e.stack || e).split('\n').slice(0, 6).join('\n     ')}`);
    }
  }
} catch (e) {
  failed++;
  console.log(`FAIL setting up: ${e.stack || e}`);
} finally {
  if (closeBrowser) await closeBrowser().catch(() => {});
  if (center) {
    if (failed) console.log(`server log: ${center.data}/server.log (kept)`);
    if (failed) await center.stop();
    else await center.close();
  }
}
console.log(`screenshots in ${OUT}`);
console.log(`${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
