// The operations console: sign in with a token, then the live picture (map),
// the queues, notifying, the operations, figures and the log's activity.
import './style.css';
import { api, ApiError, savedToken, setToken, setUnauthenticatedHandler, type Me } from './api';
import { AREA_COLORS, STATE_COLORS, partyColor, setParties } from './colors';
import { $, h } from './dom';
import { DrawTool } from './draw';
import { FiguresPanel } from './figures';
import { fmtTime, fromLocalInput, toLocalInput } from './geo';
import { MapView } from './map';
import { NotifyPanel } from './notify';
import { OperationsPanel } from './operations';
import { QueuesPanel } from './queues';
import { Store } from './store';
import { Threads, errorText, partyChip, toast } from './ui';

const TABS = ['queues', 'notify', 'operations', 'figures', 'log'] as const;
type Tab = (typeof TABS)[number];

let store: Store | null = null;

async function signIn(token: string): Promise<Me> {
  setToken(token);
  return api<Me>('GET', '/v1/whoami');
}

function showLogin(message?: string): void {
  store?.stop();
  store = null;
  $('#app').hidden = true;
  $('#login').hidden = false;
  const err = $('#login-error');
  err.hidden = !message;
  err.textContent = message ?? '';
  ($('#login-token') as HTMLInputElement).focus();
}

async function boot(): Promise<void> {
  setUnauthenticatedHandler(() => {
    setToken(null);
    showLogin('The center no longer accepts this token (401). Sign in again.');
  });
  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('#login-token') as HTMLInputElement;
    const btn = $('#login-submit') as HTMLButtonElement;
    const token = input.value.trim();
    if (!token) return;
    btn.disabled = true;
    try {
      await signIn(token);
      input.value = '';
      await start();
    } catch (err) {
      setToken(null);
      const text = err instanceof ApiError && err.status === 401
        ? `The center does not know this token: ${err.body.message}`
        : errorText(err);
      showLogin(text);
    } finally {
      btn.disabled = false;
    }
  });
  const saved = savedToken();
  if (saved) {
    try {
      await signIn(saved);
      await start();
      return;
    } catch (err) {
      setToken(null);
      showLogin(errorText(err));
      return;
    }
  }
  showLogin();
}

let mapView: MapView | null = null;
let drawTool: DrawTool | null = null;
const hooks = {
  selectOperation: (_id: string) => {},
  selectAlert: (_id: string) => {},
  shapesChanged: () => {},
  hint: (_t: string) => {},
};

async function start(): Promise<void> {
  $('#login').hidden = true;
  $('#app').hidden = false;
  const s = new Store();
  store = s;
  const threads = new Threads(() => !!s.me && s.me.role !== 'observer');

  // The map and its draw tool are made once per page; signing in again reuses them.
  if (!mapView) {
    mapView = new MapView($('#map'), { onSelectOperation: (id) => hooks.selectOperation(id), onSelectAlert: (id) => hooks.selectAlert(id) });
    drawTool = new DrawTool(mapView, () => hooks.shapesChanged(), (t) => hooks.hint(t));
  }
  const view = mapView;
  const draw = drawTool!;
  draw.clear();

  for (const id of TABS) $(`#pane-${id}`).replaceChildren();
  const queues = new QueuesPanel($('#pane-queues'), s, view, threads, (n) => {
    $('#queue-count').textContent = n ? `(${n})` : '';
  });
  // A notified operation becomes the chosen one (drawn whatever its state).
  const notify = new NotifyPanel($('#pane-notify'), s, view, draw, (op) => operations.choose(op.id));
  const operations = new OperationsPanel($('#pane-operations'), s, view, threads, (id) => view.setOperations(s.operationList(), id));
  const figures = new FiguresPanel($('#pane-figures'), s);
  const log = new LogPanel($('#pane-log'), s);

  hooks.shapesChanged = () => notify.shapesChanged();
  hooks.hint = (t) => notify.setHint(t);
  hooks.selectOperation = (id: string) => {
    showTab('operations');
    operations.select(id);
  };
  hooks.selectAlert = (id: string) => {
    showTab('queues');
    const a = s.alerts.get(id);
    if (a) queues.locate(a);
    const card = document.getElementById(`al-card-${id}`);
    card?.classList.add('flash');
    window.setTimeout(() => card?.classList.remove('flash'), 1500);
  };

  const showTab = (t: Tab) => {
    for (const x of TABS) {
      const tab = $(`#tab-${x}`), pane = $(`#pane-${x}`);
      const on = x === t;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      pane.hidden = !on;
    }
    figures.visible = t === 'figures';
    if (t === 'figures') figures.show();
    if (t === 'log') log.render();
  };
  const tablist = document.querySelector('[role=tablist]') as HTMLElement;
  tablist.onclick = (e) => {
    const b = (e.target as HTMLElement).closest('[role=tab]') as HTMLElement | null;
    if (b) showTab(b.id.replace('tab-', '') as Tab);
  };
  tablist.onkeydown = (e) => {
    const i = TABS.findIndex((x) => $(`#tab-${x}`).getAttribute('aria-selected') === 'true');
    let j = i;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') j = (i + TABS.length - 1) % TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = TABS.length - 1;
    else return;
    e.preventDefault();
    showTab(TABS[j]);
    $(`#tab-${TABS[j]}`).focus();
  };
  showTab('queues');

  // Keep the map current.
  s.on('areas', () => view.setAreas(s.areas));
  s.on('operations', () => view.setOperations(s.operationList(), operations.selected));
  s.on('tracks', () => view.setTracks(s.tracks));
  s.on('alerts', () => view.setAlerts(s.alertList()));
  s.on('comments', () => threads.changed(s.commentSubjects.splice(0)));
  s.on('agreement', () => {
    setParties(s.agreement?.parties.map((p) => p.id) ?? []);
    $('#agreement-title').textContent = s.agreement ? `${s.agreement.title} · agreement v${s.agreementVersion}` : '';
    renderLegend(view);
  });
  s.on('me', () => {
    const me = s.me!;
    $('#me').replaceChildren(h('span', {}, `${me.name} · `), partyChip(me.party), h('span', {}, ` · ${me.role}`));
    if (me.role === 'observer' || me.role === 'watch' || me.role === 'integrator') {
      $('#tab-notify').title = 'Your role reads; planners and officers notify.';
    }
  });
  s.on('stream', () => {
    const el = $('#stream-status');
    const text = { connecting: 'connecting…', live: 'live', retrying: 'reconnecting…', stopped: 'stopped' }[s.streamStatus];
    el.textContent = `${text}${s.lastSeq ? ` · entry ${s.lastSeq}` : ''}`;
    el.className = `stream stream-${s.streamStatus}`;
    el.title = s.streamDetail || 'GET /v1/events';
    if (!$('#pane-log').hidden) log.render();
  });
  let noticed = new Set<string>();
  s.on('alerts', () => {
    // A new open alert is worth a toast.
    const open = s.alertList().filter((a) => a.state === 'open');
    for (const a of open) {
      if (!noticed.has(a.id) && noticed.size) toast(`Alert ${a.id}: ${a.type.replace(/_/g, ' ')} (${a.parties.join(', ')})`, 'bad');
    }
    noticed = new Set(['', ...open.map((a) => a.id)]);
  });

  setupTime(view);
  $('#logout').onclick = () => {
    setToken(null);
    showLogin();
  };

  // A handle for the browser tests and for whoever debugs from the devtools.
  (window as unknown as { jic: unknown }).jic = { view, store: s, draw };
  await view.ready;
  try {
    await s.load();
  } catch (err) {
    toast(`Could not load the center's state: ${errorText(err)}`, 'bad');
    throw err;
  }
  view.fitToAll();
  s.start();
  void queues;
}

function setupTime(view: MapView): void {
  const mode = $('#time-mode') as HTMLSelectElement;
  const from = $('#time-from') as HTMLInputElement;
  const slider = $('#time-slider') as HTMLInputElement;
  const label = $('#time-label') as HTMLOutputElement;
  const startOfHour = () => Math.floor(Date.now() / 3600e3) * 3600e3;
  from.value = toLocalInput(startOfHour());
  const apply = () => {
    const on = mode.value === 'at';
    from.disabled = !on;
    slider.disabled = !on;
    if (!on) {
      label.textContent = 'all times';
      view.setTime(null);
      return;
    }
    const base = fromLocalInput(from.value);
    const t = base + Number(slider.value) * 15 * 60e3;
    const txt = `${fmtTime(t)} (+${(Number(slider.value) / 4).toFixed(2).replace(/\.?0+$/, '')} h)`;
    label.textContent = txt;
    slider.setAttribute('aria-valuetext', txt);
    view.setTime(t);
  };
  mode.onchange = apply;
  from.onchange = apply;
  slider.oninput = apply;
  $('#time-now').onclick = () => {
    mode.value = 'at';
    from.value = toLocalInput(startOfHour());
    slider.value = String(Math.floor((Date.now() - startOfHour()) / (15 * 60e3)));
    apply();
  };
  apply();
}

function renderLegend(view: MapView): void {
  const box = $('#legend-body');
  const toggle = (key: keyof MapView['toggles'], text: string) => {
    const id = `layer-${key}`;
    const input = h('input', { type: 'checkbox', id, checked: view.toggles[key] }) as HTMLInputElement;
    input.onchange = () => view.setToggles({ [key]: input.checked });
    return h('div', { class: 'toggle' }, input, h('label', { for: id }, text));
  };
  const sw = (color: string, text: string, cls = '') => {
    const s = h('span', { class: `swatch ${cls}` });
    s.style.setProperty('--c', color);
    return h('li', {}, s, text);
  };
  box.replaceChildren(
    h('div', { class: 'toggles' },
      toggle('areas', 'Areas'), toggle('operations', 'Operations'), toggle('rejected', 'Rejected ones'),
      toggle('tracks', 'Tracks'), toggle('labels', 'Labels'), toggle('places', 'Places')),
    h('ul', { class: 'swatches', 'aria-label': 'Area kinds' },
      ...Object.entries(AREA_COLORS).map(([k, c]) => sw(c, k.replace('_', ' '), 'area'))),
    h('ul', { class: 'swatches', 'aria-label': 'Operation states' },
      ...['pending_approval', 'accepted', 'activated', 'rejected'].map((k) => sw(STATE_COLORS[k], k.replace('_', ' '), 'op'))),
    h('ul', { class: 'swatches', 'aria-label': 'Parties (tracks)' },
      ...(store?.agreement?.parties ?? []).map((p) => sw(partyColor(p.id), `${p.id} aircraft`, 'dot')),
      sw('#bdbdbd', 'unknown', 'dot'), sw('#ff1744', 'alert', 'ring'), sw('#ffd54f', 'highlighted', 'area')),
  );
}

/** The log's activity as it arrives: each entry, who, what, the outcome. */
class LogPanel {
  constructor(private readonly root: HTMLElement, private readonly store: Store) {
    root.append(h('p', { class: 'help' }, 'Entries of the center\'s log since this page opened, newest first (GET /v1/events).'),
      h('ol', { id: 'log-list', class: 'log-list' }));
  }
  render(): void {
    const list = $('#log-list', this.root);
    list.replaceChildren(...this.store.recent.slice(0, 100).map((e) => {
      const r = e.data.result ?? {};
      const a = e.data.actor ?? { user: '', party: '', role: '' };
      const what = String(r.id ?? (e.data.command as Record<string, unknown>)?.id ?? '');
      const state = r.state ? ` → ${String(r.state).replace('_', ' ')}` : '';
      return h('li', {}, h('span', { class: 'mono' }, `#${e.id}`), ` ${fmtTime(e.data.at)} `, h('strong', {}, e.type), ` ${what}${state} `,
        h('span', { class: 'muted' }, `by ${a.user}${a.party ? ` (${a.party})` : ''}`));
    }));
    if (!this.store.recent.length) list.replaceChildren(h('li', { class: 'muted' }, 'Nothing yet: entries appear here as they are committed.'));
  }
}

void boot().catch((e) => console.error(e));
