// The browser tests' harness: a real `jic serve` on a free loopback port in a
// fresh data folder (first start with the jic-2016 agreement, stop, users
// added with `jic user add`, start again, as tests/api/jic_center.py does),
// and Debian's Chromium driven by playwright-core.
//
//   JIC_BINARY        the jic binary (default: build/jic of this tree)
//   JIC_WEB           the built console (default: web/dist)
//   CONSOLE_OUT       where screenshots go (default: build/test-output/console)
//   CHROMIUM          the browser (default: /usr/bin/chromium)
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = path.resolve(HERE, '..', '..');
export const JIC = process.env.JIC_BINARY || path.join(SOURCE_DIR, 'build', 'jic');
export const WEB = process.env.JIC_WEB || path.join(SOURCE_DIR, 'web', 'dist');
export const OUT = process.env.CONSOLE_OUT || path.join(SOURCE_DIR, 'build', 'test-output', 'console');
export const AGREEMENT = path.join(SOURCE_DIR, 'scenarios', 'jic-2016', 'agreement.yaml');
const BROWSER = process.env.CHROMIUM || '/usr/bin/chromium';

export class Center {
  constructor(users) {
    this.users = users;
    this.tokens = {};
    this.data = fs.mkdtempSync(path.join(os.tmpdir(), 'jic-console-'));
    this.proc = null;
    this.port = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async setup() {
    await this.start(['--agreement', AGREEMENT]);
    await this.stop();
    for (const [name, party, role] of this.users) {
      this.tokens[name] = execFileSync(JIC, ['user', 'add', '--data', this.data, '--name', name, '--party', party, '--role', role],
        { encoding: 'utf8' }).trim();
    }
    await this.start([]);
  }

  start(extra) {
    return new Promise((resolve, reject) => {
      const log = fs.openSync(path.join(this.data, 'server.log'), 'a');
      this.proc = spawn(JIC, ['serve', '--data', this.data, '--listen', '127.0.0.1:0', '--web', WEB, ...extra],
        { stdio: ['ignore', 'pipe', log] });
      const timer = setTimeout(() => reject(new Error(`jic serve did not start; see ${this.data}/server.log`)), 30000);
      const rl = readline.createInterface({ input: this.proc.stdout });
      rl.on('line', (line) => {
        const m = /^listening on .*:(\d+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          this.port = Number(m[1]);
          resolve();
        }
      });
      this.proc.on('exit', (code) => {
        clearTimeout(timer);
        if (!this.port) reject(new Error(`jic serve exited with ${code}: ${fs.readFileSync(path.join(this.data, 'server.log'), 'utf8').slice(-2000)}`));
      });
    });
  }

  stop() {
    return new Promise((resolve) => {
      if (!this.proc || this.proc.exitCode !== null) return resolve();
      const p = this.proc;
      const kill = setTimeout(() => p.kill('SIGKILL'), 20000);
      p.on('exit', () => {
        clearTimeout(kill);
        this.port = 0;
        resolve();
      });
      p.kill('SIGTERM');
    });
  }

  async close() {
    await this.stop();
    fs.rmSync(this.data, { recursive: true, force: true });
  }

  /** An API call as `user`; resolves to {status, headers, json, text}. */
  async api(method, p, body, user) {
    const headers = { Accept: 'application/json' };
    if (user) headers.Authorization = `Bearer ${this.tokens[user]}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** A raw GET (the path as given: no normalisation of "..", unlike fetch). */
  raw(p, headers = {}) {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.port, path: p, method: 'GET', headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  }
}

export async function launchBrowser() {
  // Playwright gives each launch a fresh, empty profile of its own; the flags
  // keep Chromium from calling home (this machine's network is closed:
  // without them it retries for ever).
  const browser = await chromium.launch({
    executablePath: BROWSER,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { browser, close: () => browser.close() };
}

/**
 * A page on the console at 1280×800 in a fresh context (its own
 * sessionStorage). Every request that is not to the center is refused and
 * recorded in `external`; page errors are recorded in `errors`.
 */
export async function openConsole(browser, center, external, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(center.url + '/') || u.startsWith('blob:') || u.startsWith('data:')) return route.continue();
    external.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(center.url + '/');
  return { context, page };
}

export async function signIn(page, token) {
  await page.fill('#login-token', token);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not([hidden])');
  await page.waitForFunction(() => document.querySelector('#stream-status')?.classList.contains('stream-live'));
}

export async function shot(page, name) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Pixel position (page coordinates) of a lng/lat on the map. */
export async function mapPoint(page, lng, lat) {
  const p = await page.evaluate(([x, y]) => {
    const pt = window.jic.view.map.project([x, y]);
    return { x: pt.x, y: pt.y };
  }, [lng, lat]);
  const box = await page.locator('#map').boundingBox();
  return { x: box.x + p.x, y: box.y + p.y };
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function rfc3339(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

