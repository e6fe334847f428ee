// The queues that need a person: operations waiting for the officer's
// party, amendments to sign, open alerts to acknowledge; each with its
// thread of comments. Live: the store re-reads what each event names.
import { api, type Alert, type Amendment, type Operation } from './api';
import { ALERT_COLORS } from './colors';
import { $, h, KeyedList } from './dom';
import { fmtSpan, fmtTime, volumeSpan } from './geo';
import type { MapView } from './map';
import type { Store } from './store';
import { badge, errorText, findingView, partyChip, showError, stateBadge, toast, type Threads } from './ui';

export class QueuesPanel {
  private approvals: KeyedList<Operation>;
  private amendments: KeyedList<Amendment>;
  private alerts: KeyedList<Alert>;
  private reasons = new Map<string, string>();

  constructor(
    private readonly root: HTMLElement,
    private readonly store: Store,
    private readonly view: MapView,
    private readonly threads: Threads,
    private readonly onCount: (n: number) => void,
  ) {
    root.append(
      h('section', { class: 'queue', 'aria-labelledby': 'q-approvals-h' },
        h('h2', { id: 'q-approvals-h' }, 'Approvals ', h('span', { id: 'q-approvals-n', class: 'count' })),
        h('p', { id: 'q-approvals-help', class: 'help' }),
        h('div', { id: 'q-approvals', class: 'cards' })),
      h('section', { class: 'queue', 'aria-labelledby': 'q-amendments-h' },
        h('h2', { id: 'q-amendments-h' }, 'Amendments to sign ', h('span', { id: 'q-amendments-n', class: 'count' })),
        h('div', { id: 'q-amendments', class: 'cards' })),
      h('section', { class: 'queue', 'aria-labelledby': 'q-alerts-h' },
        h('h2', { id: 'q-alerts-h' }, 'Open alerts ', h('span', { id: 'q-alerts-n', class: 'count' })),
        h('div', { id: 'q-alerts', class: 'cards' })),
    );
    this.approvals = new KeyedList($('#q-approvals', root), (o) => o.id, (o) => `${this.who()}:${o.version}:${o.state}`, (o) => this.approvalCard(o));
    this.amendments = new KeyedList($('#q-amendments', root), (a) => a.id, (a) => `${this.who()}:${a.state}:${a.approvals.length}`, (a) => this.amendmentCard(a));
    this.alerts = new KeyedList($('#q-alerts', root), (a) => a.id, (a) => `${this.who()}:${a.state}:${a.acks.length}:${a.predicted}:${a.operation ?? ''}:${a.area ?? ''}`, (a) => this.alertCard(a));
    for (const t of ['operations', 'amendments', 'alerts', 'me', 'agreement'] as const) store.on(t, () => this.render());
  }

  private who(): string {
    return this.store.me ? `${this.store.me.party}/${this.store.me.role}` : '';
  }

  private get me() {
    return this.store.me;
  }

  private isOfficer(): boolean {
    return this.me?.role === 'officer';
  }

  render(): void {
    const me = this.me;
    const pending = this.store.operationList().filter((o) => o.state === 'pending_approval');
    // An officer sees what waits for the own party first; others see all, read-only.
    const mine = pending.filter((o) => me && (o.awaiting ?? o.decision.approvers).includes(me.party));
    const shown = this.isOfficer() ? mine : pending;
    $('#q-approvals-help', this.root).textContent = this.isOfficer()
      ? `Operations the agreement puts to ${me!.party}. ${pending.length - mine.length ? `${pending.length - mine.length} more wait for other parties.` : ''}`
      : 'Operations waiting for a party\'s approval (officers answer them).';
    this.approvals.update(shown.slice(0, 100));
    $('#q-approvals-n', this.root).textContent = `(${shown.length})`;
    if (!shown.length) $('#q-approvals', this.root).replaceChildren(h('p', { class: 'empty' }, 'Nothing waits for an answer.'));

    const amendments = this.store.amendmentList().filter((a) => a.state === 'pending');
    const toSign = amendments.filter((a) => me && (a.signatories ?? this.store.agreement?.signatories ?? []).includes(me.party)
      && !a.approvals.some((x) => x.party === me.party));
    const amShown = this.isOfficer() ? toSign : amendments;
    this.amendments.update(amShown);
    $('#q-amendments-n', this.root).textContent = `(${amShown.length})`;
    if (!amShown.length) $('#q-amendments', this.root).replaceChildren(h('p', { class: 'empty' }, 'No amendment to sign.'));

    const alerts = this.store.alertList().filter((a) => a.state !== 'resolved')
      .sort((a, b) => Number(a.state !== 'open') - Number(b.state !== 'open') || Date.parse(b.raised_at) - Date.parse(a.raised_at));
    this.alerts.update(alerts.slice(0, 100));
    const open = alerts.filter((a) => a.state === 'open').length;
    $('#q-alerts-n', this.root).textContent = `(${open} open${alerts.length > open ? `, ${alerts.length - open} acknowledged` : ''})`;
    if (!alerts.length) $('#q-alerts', this.root).replaceChildren(h('p', { class: 'empty' }, 'No alert.'));
    this.onCount(shown.length + amShown.length + open);
  }

  // ------------------------------------------------------------- approvals

  private approvalCard(o: Operation): HTMLElement {
    const [a, b] = volumeSpan(o.volumes);
    const id = `ap-${o.id}`;
    const canAnswer = this.isOfficer() && !!this.me && (o.awaiting ?? []).includes(this.me.party);
    const reason = h('textarea', { id: `${id}-reason`, rows: 2, maxlength: 2000 }) as HTMLTextAreaElement;
    reason.value = this.reasons.get(o.id) ?? '';
    reason.addEventListener('input', () => this.reasons.set(o.id, reason.value));
    const error = h('div', { class: 'error', role: 'alert', hidden: true });
    const answer = async (approve: boolean, btn: HTMLButtonElement) => {
      error.hidden = true;
      if (!approve && !reason.value.trim()) {
        showError(error, 'Say why you refuse: the reason goes to the log and to the other party.');
        reason.focus();
        return;
      }
      btn.disabled = true;
      try {
        const body: Record<string, unknown> = { approve };
        if (reason.value.trim()) body.reason = reason.value.trim();
        const r = await api<{ state: string }>('POST', `/v1/operations/${encodeURIComponent(o.id)}/approvals`, { body });
        this.reasons.delete(o.id);
        toast(`${o.id} ${approve ? 'approved' : 'refused'}: now ${r.state.replace('_', ' ')}`, approve ? 'good' : 'warn');
        const fresh = await api<Operation>('GET', `/v1/operations/${encodeURIComponent(o.id)}`);
        this.store.operations.set(fresh.id, fresh);
        this.store.emit('operations');
      } catch (e) {
        showError(error, errorText(e));
        btn.disabled = false;
      }
    };
    const approveBtn = h('button', { type: 'button', class: 'good', 'aria-describedby': `${id}-title` }, 'Approve') as HTMLButtonElement;
    const rejectBtn = h('button', { type: 'button', class: 'bad', 'aria-describedby': `${id}-title` }, 'Reject') as HTMLButtonElement;
    approveBtn.addEventListener('click', () => void answer(true, approveBtn));
    rejectBtn.addEventListener('click', () => void answer(false, rejectBtn));
    return h('article', { class: 'card', id, 'data-operation': o.id },
      h('header', {},
        h('h3', { id: `${id}-title` }, h('button', { type: 'button', class: 'link', onclick: () => this.show(o) }, o.id), ' ',
          partyChip(o.operator), ` ${o.category.replace(/_/g, ' ')}`), stateBadge(o.state)),
      h('p', { class: 'muted' }, `${fmtSpan(new Date(a).toISOString(), new Date(b).toISOString())} · ${o.volumes.length} volume${o.volumes.length === 1 ? '' : 's'} · `,
        `${o.aircraft.map((x) => x.callsign || x.icao24).join(', ') || 'no aircraft named'} · by ${o.created_by ?? o.submitted_by}`),
      h('ul', { class: 'findings compact' }, ...o.decision.findings.map((f) => findingView(f, this.store, this.view))),
      h('p', { class: 'muted' }, `Waiting for ${(o.awaiting ?? []).join(', ') || '—'}`),
      canAnswer ? h('div', { class: 'answer' },
        h('label', { for: `${id}-reason` }, 'Reason (required to reject)'), reason,
        h('div', { class: 'row' }, approveBtn, rejectBtn), error) : null,
      this.threads.get(`operation:${o.id}`).el,
    );
  }

  private show(o: Operation): void {
    const areas = o.decision.findings.map((f) => f.area).filter((x): x is string => !!x);
    this.view.highlight(areas, [o.id]);
    this.view.fitToOperation(o);
  }

  // ------------------------------------------------------------ amendments

  private amendmentCard(a: Amendment): HTMLElement {
    const id = `am-card-${a.id}`;
    const me = this.me;
    const canSign = this.isOfficer() && !!me && !a.approvals.some((x) => x.party === me.party);
    const error = h('div', { class: 'error', role: 'alert', hidden: true });
    const sign = async (approve: boolean, btn: HTMLButtonElement) => {
      error.hidden = true;
      btn.disabled = true;
      try {
        const r = await api<{ state: string }>('POST', `/v1/amendments/${encodeURIComponent(a.id)}/approvals`, { body: { approve } });
        toast(`${a.id} ${approve ? 'signed' : 'refused'}: now ${r.state.replace('_', ' ')}`, approve ? 'good' : 'warn');
        await this.store.loadAmendments();
      } catch (e) {
        showError(error, errorText(e));
        btn.disabled = false;
      }
    };
    const signBtn = h('button', { type: 'button', class: 'good' }, 'Sign') as HTMLButtonElement;
    const refuseBtn = h('button', { type: 'button', class: 'bad' }, 'Refuse') as HTMLButtonElement;
    signBtn.addEventListener('click', () => void sign(true, signBtn));
    refuseBtn.addEventListener('click', () => void sign(false, refuseBtn));
    const changes = a.changes as { areas?: { put?: { id: string }[]; remove?: string[] }; rules?: { put?: { id: string; text: string }[]; remove?: string[] } };
    const lines: string[] = [];
    for (const x of changes.areas?.put ?? []) lines.push(`area ${x.id}: added or replaced`);
    for (const x of changes.areas?.remove ?? []) lines.push(`area ${x}: removed`);
    for (const x of changes.rules?.put ?? []) lines.push(`rule ${x.id}: “${x.text}”`);
    for (const x of changes.rules?.remove ?? []) lines.push(`rule ${x}: removed`);
    for (const k of Object.keys(a.changes)) if (k !== 'areas' && k !== 'rules') lines.push(`${k}: replaced`);
    return h('article', { class: 'card', id, 'data-amendment': a.id },
      h('header', {}, h('h3', {}, `${a.id} `, partyChip(a.party), ` ${a.summary}`), badge(a.state, a.state)),
      h('p', { class: 'muted' }, `proposed by ${a.proposed_by} at ${fmtTime(a.proposed_at)}; signed by ${a.approvals.filter((x) => x.approve).map((x) => x.party).join(', ') || 'nobody yet'}`),
      h('ul', { class: 'changes' }, ...lines.map((l) => h('li', {}, l))),
      h('details', {}, h('summary', {}, 'The changes as sent'), h('pre', { class: 'json' }, JSON.stringify(a.changes, null, 1))),
      canSign ? h('div', { class: 'row' }, signBtn, refuseBtn) : null, error,
      this.threads.get(`amendment:${a.id}`).el,
    );
  }

  // ---------------------------------------------------------------- alerts

  private alertCard(a: Alert): HTMLElement {
    const id = `al-card-${a.id}`;
    const role = this.me?.role;
    const canAck = a.state === 'open' && (role === 'watch' || role === 'officer');
    const error = h('div', { class: 'error', role: 'alert', hidden: true });
    const ack = h('button', { type: 'button', class: 'warn' }, `Acknowledge ${a.id}`) as HTMLButtonElement;
    ack.addEventListener('click', async () => {
      error.hidden = true;
      ack.disabled = true;
      try {
        await api('POST', `/v1/alerts/${encodeURIComponent(a.id)}/ack`, { body: {} });
        const fresh = await api<Alert>('GET', `/v1/alerts/${encodeURIComponent(a.id)}`);
        this.store.alerts.set(fresh.id, fresh);
        this.store.emit('alerts');
        toast(`${a.id} acknowledged`, 'good');
      } catch (e) {
        showError(error, errorText(e));
        ack.disabled = false;
      }
    });
    const d = a.detail ?? {};
    const facts: string[] = [];
    if (d.callsign) facts.push(String(d.callsign));
    if (a.tracks.length) facts.push(`track${a.tracks.length > 1 ? 's' : ''} ${a.tracks.join(', ')}`);
    if (a.operation) facts.push(`operation ${a.operation}`);
    if (a.area) facts.push(`area ${a.area}${this.store.areaName(a.area) ? ` (${this.store.areaName(a.area)})` : ''}`);
    if (d.should_notify) facts.push(`${d.should_notify} should have notified it`);
    if (typeof d.horizontal_m === 'number') facts.push(`${Math.round(d.horizontal_m as number)} m apart`);
    if (typeof d.alt_m === 'number') facts.push(`${Math.round(d.alt_m as number)} m`);
    if (d.why) facts.push(String(d.why));
    const card = h('article', { class: `card alert-card state-${a.state}`, id, 'data-alert': a.id },
      h('header', {},
        h('h3', {}, h('button', { type: 'button', class: 'link', onclick: () => this.locate(a) }, a.id), ' ',
          badge(a.type, `alert-${a.type}`), a.predicted ? badge('predicted', 'predicted') : null, ' ',
          ...a.parties.map(partyChip)),
        badge(a.state, a.state)),
      h('p', {}, facts.join(' · ')),
      h('p', { class: 'muted' }, `raised ${fmtTime(a.raised_at)}, updated ${fmtTime(a.updated_at)}` +
        (a.acks.length ? `; acknowledged by ${a.acks.map((x) => `${x.user} (${x.party})`).join(', ')}` : '')),
      canAck ? h('div', { class: 'row' }, ack) : null, error,
      this.threads.get(`alert:${a.id}`).el,
    );
    const badgeEl = card.querySelector(`.badge-alert-${a.type}`) as HTMLElement | null;
    badgeEl?.style.setProperty('--c', ALERT_COLORS[a.type] ?? '#ef5350');
    return card;
  }

  locate(a: Alert): void {
    const pos = this.view.alertPositions(a);
    this.view.highlight(a.area ? [a.area] : [], a.operation ? [a.operation] : []);
    if (pos.length) this.view.flyTo(pos[0], 8);
    else if (a.area) {
      const g = this.view.geometryOfArea(a.area);
      if (g) this.view.fitTo([g]);
    }
    document.getElementById(`al-card-${a.id}`)?.scrollIntoView({ block: 'nearest' });
  }
}
