// Operations: the list (by state, party, text), and one operation in full:
// its decision and findings, answers, notices, volumes, the moves its party
// may make (activate, end, cancel), and its thread.
import { api, type Operation } from './api';
import { $, h, KeyedList } from './dom';
import { fmtSpan, fmtTime, volumeSpan } from './geo';
import type { MapView } from './map';
import type { Store } from './store';
import { decisionView, errorText, partyChip, showError, stateBadge, toast, type Threads } from './ui';

const MOVES: Record<string, string[]> = {
  accepted: ['activate', 'cancel'],
  pending_approval: ['cancel'],
  rejected: ['cancel'],
  activated: ['end'],
};

export class OperationsPanel {
  selected: string | null = null;
  private list: KeyedList<Operation>;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: Store,
    private readonly view: MapView,
    private readonly threads: Threads,
    private readonly onSelect: (id: string | null) => void,
  ) {
    root.append(
      h('div', { class: 'filters' },
        h('label', { for: 'ops-state' }, 'State'),
        h('select', { id: 'ops-state' },
          h('option', { value: '' }, 'all'),
          ...['pending_approval', 'accepted', 'activated', 'rejected', 'ended', 'cancelled'].map((s) => h('option', { value: s }, s.replace('_', ' ')))),
        h('label', { for: 'ops-party' }, 'Party'),
        h('select', { id: 'ops-party' }, h('option', { value: '' }, 'all')),
        h('label', { for: 'ops-text' }, 'Find'),
        h('input', { id: 'ops-text', type: 'search', placeholder: 'id, callsign, category' }),
      ),
      h('div', { id: 'op-detail', 'aria-live': 'polite' }),
      h('div', { id: 'ops-list', class: 'op-list', role: 'list', 'aria-label': 'Operations' }),
    );
    for (const id of ['#ops-state', '#ops-party', '#ops-text']) $(id, root).addEventListener('input', () => this.render());
    this.list = new KeyedList($('#ops-list', root), (o) => o.id, (o) => `${o.version}:${o.state}:${o.id === this.selected}`, (o) => this.row(o));
    store.on('operations', () => this.render());
    store.on('agreement', () => {
      const sel = $('#ops-party', root) as HTMLSelectElement;
      const v = sel.value;
      sel.replaceChildren(h('option', { value: '' }, 'all'), ...(store.agreement?.parties ?? []).map((p) => h('option', { value: p.id }, p.id)));
      sel.value = v;
    });
  }

  /** Makes `id` the chosen operation without moving the map (a new notification). */
  choose(id: string | null): void {
    this.selected = id;
    this.onSelect(id);
    this.render();
  }

  select(id: string | null): void {
    this.selected = id;
    this.onSelect(id);
    this.render();
    const op = id ? this.store.operations.get(id) : undefined;
    if (op) {
      const areas = op.decision.findings.map((f) => f.area).filter((x): x is string => !!x);
      const ops = op.decision.findings.map((f) => f.operation).filter((x): x is string => !!x);
      this.view.highlight(areas, ops);
      this.view.fitToOperation(op);
    }
  }

  render(): void {
    const state = ($('#ops-state', this.root) as HTMLSelectElement).value;
    const party = ($('#ops-party', this.root) as HTMLSelectElement).value;
    const text = ($('#ops-text', this.root) as HTMLInputElement).value.trim().toLowerCase();
    const ops = this.store.operationList().filter((o) => (!state || o.state === state) && (!party || o.operator === party)
      && (!text || [o.id, o.category, o.operator, ...o.aircraft.flatMap((a) => [a.callsign, a.icao24])].some((x) => (x ?? '').toLowerCase().includes(text))));
    this.list.update(ops.slice(0, 300));
    if (!ops.length) $('#ops-list', this.root).replaceChildren(h('p', { class: 'empty' }, 'No operation matches.'));
    this.renderDetail();
  }

  private row(o: Operation): HTMLElement {
    const [a, b] = volumeSpan(o.volumes);
    return h('div', { role: 'listitem', class: `op-row${o.id === this.selected ? ' selected' : ''}` },
      h('button', {
        type: 'button', class: 'op-button', 'aria-pressed': String(o.id === this.selected), 'data-operation': o.id,
        onclick: () => this.select(o.id === this.selected ? null : o.id),
      },
      h('span', { class: 'op-id' }, o.id), partyChip(o.operator),
      h('span', { class: 'op-cat' }, o.category.replace(/_/g, ' ')),
      stateBadge(o.state),
      h('span', { class: 'op-time muted' }, fmtSpan(new Date(a).toISOString(), new Date(b).toISOString()))));
  }

  private renderDetail(): void {
    const box = $('#op-detail', this.root);
    const op = this.selected ? this.store.operations.get(this.selected) : undefined;
    if (!op) {
      box.replaceChildren();
      return;
    }
    if (box.dataset.sig === `${op.id}:${op.version}:${op.state}`) return;
    box.dataset.sig = `${op.id}:${op.version}:${op.state}`;
    const me = this.store.me;
    const mayMove = me && ['planner', 'officer'].includes(me.role) &&
      (op.submitted_by === me.party || op.operator === me.party);
    const error = h('div', { class: 'error', role: 'alert', hidden: true });
    const moves = (MOVES[op.state] ?? []).map((mv) => {
      const b = h('button', { type: 'button', class: mv === 'cancel' ? 'bad' : '' }, `${mv[0].toUpperCase()}${mv.slice(1)} ${op.id}`) as HTMLButtonElement;
      b.addEventListener('click', async () => {
        error.hidden = true;
        b.disabled = true;
        try {
          const r = await api<{ state: string }>('POST', `/v1/operations/${encodeURIComponent(op.id)}/${mv}`, { body: {} });
          toast(`${op.id}: ${r.state}`, 'good');
          const fresh = await api<Operation>('GET', `/v1/operations/${encodeURIComponent(op.id)}`);
          this.store.operations.set(fresh.id, fresh);
          this.store.emit('operations');
        } catch (e) {
          showError(error, errorText(e));
          b.disabled = false;
        }
      });
      return b;
    });
    box.replaceChildren(h('article', { class: 'card detail' },
      h('header', {}, h('h3', {}, `Operation ${op.id}`),
        h('button', { type: 'button', class: 'link', onclick: () => this.select(null) }, 'Close')),
      decisionView(op, this.store, this.view),
      h('table', { class: 'volumes' },
        h('caption', {}, 'Volumes'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'shape'), h('th', { scope: 'col' }, 'altitude (m)'), h('th', { scope: 'col' }, 'time (UTC)'))),
        h('tbody', {}, ...op.volumes.map((v, i) => h('tr', {},
          h('td', {}, String(i + 1)),
          h('td', {}, v.volume.outline_polygon ? `polygon (${v.volume.outline_polygon.vertices.length})` : v.volume.outline_circle ? `circle ${Math.round(v.volume.outline_circle.radius.value)} m` : '—'),
          h('td', {}, `${v.volume.altitude_lower?.value ?? '—'}–${v.volume.altitude_upper?.value ?? '—'}`),
          h('td', {}, fmtSpan(v.time_start?.value, v.time_end?.value)))))),
      h('p', { class: 'muted' }, `Aircraft: ${op.aircraft.map((a) => `${a.callsign ?? '?'} (${a.icao24 ?? '—'})`).join(', ') || 'none named'}; `,
        `notified by ${op.created_by ?? '?'} of ${op.submitted_by} at ${fmtTime(op.received_at)}; version ${op.version}`),
      mayMove && moves.length ? h('div', { class: 'row' }, ...moves) : null, error,
      this.threads.get(`operation:${op.id}`).el,
    ));
  }
}
