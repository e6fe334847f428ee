// Figures: notifications per hour by outcome (the last 48 hours), alerts per
// day by type and by party (the last 7 days), and the operations by state now.
// Computed here from GET /v1/operations and GET /v1/alerts, kept current by
// the same events as everything else.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ALERT_COLORS, OUTCOME_COLORS, STATE_COLORS, partyColor } from './colors';
import { h } from './dom';
import type { Store } from './store';

const HOUR = 3600, DAY = 86400;

interface Stack {
  x: number[];
  cats: string[];
  values: number[][]; // per category, per x
}

/** Counts of `items` per bucket of `step` seconds over the last `n` buckets, by category. */
export function bucket<T>(items: T[], when: (t: T) => number, cat: (t: T) => string[], cats: string[], step: number, n: number, now = Date.now() / 1000): Stack {
  const end = Math.floor(now / step) * step + step;
  const start = end - n * step;
  const x = Array.from({ length: n }, (_, i) => start + i * step);
  const values = cats.map(() => new Array<number>(n).fill(0));
  for (const it of items) {
    const t = when(it);
    if (!Number.isFinite(t) || t < start || t >= end) continue;
    const i = Math.floor((t - start) / step);
    for (const c of cat(it)) {
      const k = cats.indexOf(c);
      if (k >= 0) values[k][i]++;
    }
  }
  return { x, cats, values };
}

function stackedOpts(title: string, width: number, colors: (c: string) => string, s: Stack, step: number): uPlot.Options {
  const bars = uPlot.paths.bars!({ size: [0.85, 40], align: 0 });
  const series: uPlot.Series[] = [{ label: step >= DAY ? 'day' : 'hour', value: (_u, v) => (v == null ? 'all' : fmtX(v, step)) }];
  for (let k = s.cats.length - 1; k >= 0; k--) {
    const c = s.cats[k];
    series.push({
      label: c.replace(/_/g, ' '),
      stroke: colors(c),
      fill: colors(c),
      width: 0,
      paths: bars,
      points: { show: false },
      // Hovering: that bar's count; otherwise the total over the figure.
      value: (_u, _v, _si, i) => String(i == null ? s.values[k].reduce((a, b) => a + b, 0) : s.values[k][i]),
    });
  }
  return {
    title,
    width,
    height: 190,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    series,
    legend: { live: true },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    scales: { x: { time: true, range: (_u, min, max) => [min - step * 0.1, max + step * 1.0] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] } },
    axes: [
      {
        stroke: '#b0bec5', grid: { stroke: '#26343e', width: 1 }, ticks: { stroke: '#26343e' }, space: 46,
        incrs: step >= DAY ? [DAY] : [HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY],
        values: (_u, splits) => splits.map((v) => axisLabel(v, step)),
      },
      { stroke: '#b0bec5', grid: { stroke: '#26343e', width: 1 }, ticks: { stroke: '#26343e' }, size: 36, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
    ],
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function axisLabel(v: number, step: number): string {
  const d = new Date(v * 1000);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  if (step >= DAY || d.getUTCHours() === 0) return day;
  return `${String(d.getUTCHours()).padStart(2, '0')}Z`;
}

function fmtX(v: number, step: number): string {
  const d = new Date(v * 1000).toISOString();
  return step >= DAY ? d.slice(0, 10) : `${d.slice(5, 10)} ${d.slice(11, 13)}:00Z`;
}

/** The stacked series uPlot draws: cumulative sums, the full stack first. */
function stackedData(s: Stack): uPlot.AlignedData {
  const cum: number[][] = [];
  let acc = new Array<number>(s.x.length).fill(0);
  for (const v of s.values) {
    acc = acc.map((a, i) => a + v[i]);
    cum.push(acc);
  }
  return [s.x, ...cum.reverse()];
}

export class FiguresPanel {
  private charts = new Map<string, uPlot>();
  private timer: number | null = null;
  visible = false;

  constructor(private readonly root: HTMLElement, private readonly store: Store) {
    root.append(
      h('section', { class: 'figure', 'aria-labelledby': 'fig-states-h' },
        h('h2', { id: 'fig-states-h' }, 'Operations now'),
        h('div', { id: 'fig-states', class: 'state-bars' })),
      h('section', { class: 'figure' }, h('div', { id: 'fig-notify', role: 'img', 'aria-label': 'Notifications per hour by outcome, last 48 hours' })),
      h('section', { class: 'figure' }, h('div', { id: 'fig-alert-type', role: 'img', 'aria-label': 'Alerts raised per day by type, last 7 days' })),
      h('section', { class: 'figure' }, h('div', { id: 'fig-alert-party', role: 'img', 'aria-label': 'Alerts raised per day by party, last 7 days' })),
      h('p', { class: 'help' }, 'Times in UTC. Notifications are counted by the hour the center received them and the outcome of their current decision; alerts by the day they were raised, predicted ones included.'),
    );
    for (const t of ['operations', 'alerts', 'agreement'] as const) store.on(t, () => this.schedule());
  }

  show(): void {
    this.visible = true;
    this.render();
  }

  private schedule(): void {
    if (!this.visible || this.timer !== null) return;
    this.timer = window.setTimeout(() => {
      this.timer = null;
      this.render();
    }, 500);
  }

  render(): void {
    if (!this.visible) return;
    const width = Math.max(280, this.root.clientWidth - 8);
    const ops = [...this.store.operations.values()];
    const alerts = [...this.store.alerts.values()];

    // Operations by state, as bars a person reads at a glance.
    const states = ['pending_approval', 'accepted', 'activated', 'rejected', 'ended', 'cancelled'];
    const counts = states.map((s) => ops.filter((o) => o.state === s).length);
    const max = Math.max(1, ...counts);
    this.root.querySelector('#fig-states')!.replaceChildren(...states.map((s, i) => {
      const bar = h('span', { class: 'bar' });
      bar.style.width = `${(100 * counts[i]) / max}%`;
      bar.style.background = STATE_COLORS[s];
      return h('div', { class: 'state-bar', 'data-state': s }, h('span', { class: 'lbl' }, s.replace('_', ' ')), h('span', { class: 'track' }, bar), h('span', { class: 'num' }, String(counts[i])));
    }));

    const outcomes = ['accepted', 'needs_approval', 'rejected'];
    const notif = bucket(ops, (o) => Date.parse(o.received_at) / 1000, (o) => [o.decision.outcome], outcomes, HOUR, 48);
    this.chart('fig-notify', 'Notifications per hour by outcome (48 h)', width, (c) => OUTCOME_COLORS[c] ?? '#9e9e9e', notif, HOUR);

    const types = Object.keys(ALERT_COLORS);
    for (const a of alerts) if (!types.includes(a.type)) types.push(a.type);
    const byType = bucket(alerts, (a) => Date.parse(a.raised_at) / 1000, (a) => [a.type], types, DAY, 7);
    this.chart('fig-alert-type', 'Alerts per day by type (7 days)', width, (c) => ALERT_COLORS[c] ?? '#90a4ae', byType, DAY);

    const parties = [...(this.store.agreement?.parties.map((p) => p.id) ?? [])];
    for (const a of alerts) for (const p of a.parties) if (!parties.includes(p)) parties.push(p);
    const byParty = bucket(alerts, (a) => Date.parse(a.raised_at) / 1000, (a) => a.parties, parties, DAY, 7);
    this.chart('fig-alert-party', 'Alerts per day by party (7 days)', width, partyColor, byParty, DAY);
  }

  private chart(id: string, title: string, width: number, colors: (c: string) => string, s: Stack, step: number): void {
    const el = this.root.querySelector(`#${id}`) as HTMLElement;
    const key = `${id}:${s.cats.join(',')}:${width}`;
    const old = this.charts.get(id);
    if (old && (old as unknown as { _key: string })._key === key) {
      old.setData(stackedData(s));
      // The legend reads the raw counts: refresh its closures' data.
      (old as unknown as { _stack: Stack })._stack.values = s.values;
      return;
    }
    old?.destroy();
    el.replaceChildren();
    const u = new uPlot(stackedOpts(title, width, colors, s, step), stackedData(s), el);
    (u as unknown as { _key: string })._key = key;
    (u as unknown as { _stack: Stack })._stack = s;
    this.charts.set(id, u);
  }
}
