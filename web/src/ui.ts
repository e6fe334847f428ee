// Pieces shared by the panels: state badges, a decision with its findings,
// comment threads, errors and toasts.
import { api, ApiError, type Comment, type Finding, type Operation } from './api';
import { h } from './dom';
import { fmtSpan, fmtTime, volumeSpan } from './geo';
import type { MapView } from './map';
import type { Store } from './store';
import { STATE_COLORS, partyColor } from './colors';

export function badge(text: string, kind: string): HTMLElement {
  return h('span', { class: `badge badge-${kind}` }, text.replace(/_/g, ' '));
}

export function stateBadge(state: string): HTMLElement {
  const el = badge(state, state);
  el.style.setProperty('--c', STATE_COLORS[state] ?? '#9e9e9e');
  return el;
}

export function partyChip(party: string): HTMLElement {
  const el = h('span', { class: 'party' }, party);
  el.style.setProperty('--c', partyColor(party));
  return el;
}

export function showError(el: HTMLElement, text: string): void {
  el.textContent = text;
  el.hidden = false;
}

export function errorText(e: unknown): string {
  return e instanceof ApiError ? e.describe() : (e as Error).message;
}

export function toast(text: string, kind: 'good' | 'bad' | 'warn' | 'info' = 'info'): void {
  const box = document.getElementById('toasts');
  if (!box) return;
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'bad' ? 'alert' : 'status' }, text);
  box.append(el);
  window.setTimeout(() => el.remove(), kind === 'bad' ? 12000 : 6000);
}

const EFFECT_TEXT: Record<string, string> = {
  reject: 'rejects',
  require_approval: 'needs approval',
  warn: 'warning',
  preempt: 'takes priority',
  preempted: 'preempted',
  flag: 'flagged',
};

/** One finding: the rule, its effect, its text (the agreement's), what it involves. */
export function findingView(f: Finding, store: Store, view: MapView | null): HTMLElement {
  const effect = String(f.effect ?? '');
  const rule = store.agreement?.rules.find((r) => r.id === f.rule);
  const involved: HTMLElement[] = [];
  if (f.area) {
    const name = store.areaName(f.area);
    involved.push(h('button', {
      type: 'button', class: 'link show-on-map', 'data-area': f.area,
      onclick: () => {
        const g = view?.geometryOfArea(f.area!);
        if (view && g) {
          view.highlight([f.area!], view.highlightedIds().operations);
          view.fitTo([g]);
        }
      },
    }, `area ${f.area}${name ? ` (${name})` : ''}`));
  }
  if (f.operation) {
    involved.push(h('button', {
      type: 'button', class: 'link show-on-map', 'data-operation': f.operation,
      onclick: () => {
        const op = store.operations.get(f.operation!);
        if (view && op) {
          view.highlight(view.highlightedIds().areas, [f.operation!]);
          view.fitToOperation(op);
        }
      },
    }, `operation ${f.operation}`));
  }
  const extra: string[] = [];
  if (f.approvers?.length) extra.push(`approval by ${f.approvers.join(', ')}`);
  if (typeof f.volume === 'number') extra.push(`volume ${f.volume + 1}`);
  if (typeof f.distance_m === 'number') extra.push(`${Math.round(f.distance_m)} m apart`);
  return h('li', { class: `finding effect-${effect}`, 'data-rule': f.rule },
    h('div', { class: 'finding-head' },
      h('strong', {}, f.rule === 'separation' ? 'Separation' : `Rule ${f.rule}`), ' ',
      badge(EFFECT_TEXT[effect] ?? effect, `effect-${effect}`),
      extra.length ? h('span', { class: 'muted' }, ` · ${extra.join(' · ')}`) : null),
    h('blockquote', { class: 'rule-text' }, f.text ?? rule?.text ?? ''),
    rule && f.text && rule.text !== f.text ? h('p', { class: 'muted' }, `The agreement's ${rule.id}: “${rule.text}”`) : null,
    involved.length ? h('div', { class: 'involves' }, 'Involves ', ...join(involved, ', '), ' — shown on the map') : null,
  );
}

function join(items: HTMLElement[], sep: string): (HTMLElement | string)[] {
  return items.flatMap((x, i) => (i ? [sep, x] : [x]));
}

export function decisionView(op: Operation, store: Store, view: MapView | null): HTMLElement {
  const d = op.decision;
  const [a, b] = volumeSpan(op.volumes);
  const summary = d.outcome === 'rejected'
    ? 'Rejected: the agreement does not allow this as notified.'
    : d.outcome === 'needs_approval'
      ? `Needs the approval of ${d.approvers.join(', ')} before it may fly.`
      : 'Accepted.';
  return h('div', { class: 'decision', 'data-operation': op.id },
    h('p', { class: 'decision-head' }, stateBadge(op.state), ' ',
      h('strong', {}, op.id), ` ${op.operator} ${op.category.replace(/_/g, ' ')}`,
      h('span', { class: 'muted' }, ` · ${fmtSpan(new Date(a).toISOString(), new Date(b).toISOString())}`)),
    h('p', { class: `outcome outcome-${d.outcome}` }, summary),
    d.findings.length
      ? h('ol', { class: 'findings', 'aria-label': 'Findings' }, ...d.findings.map((f) => findingView(f, store, view)))
      : h('p', { class: 'muted' }, 'No finding: nothing in the agreement or the current state stands against it.'),
    op.approvals.length ? h('div', { class: 'approvals' }, h('h4', {}, 'Answers'),
      h('ul', {}, ...op.approvals.map((ap) => h('li', {},
        partyChip(ap.party), ` ${ap.user} ${ap.approve ? 'approved' : 'refused'} at ${fmtTime(ap.at)}`,
        ap.reason ? h('span', { class: 'muted' }, ` — “${ap.reason}”`) : null)))) : null,
    op.awaiting?.length ? h('p', { class: 'muted' }, `Waiting for: ${op.awaiting.join(', ')}`) : null,
    op.notices?.length ? h('div', { class: 'notices' }, h('h4', {}, 'Notices'),
      h('ul', {}, ...op.notices.map((n) => h('li', {}, String(n.text ?? n.kind ?? JSON.stringify(n)))))) : null,
  );
}

/** A thread of comments on a subject ("operation:op-3", "alert:al-9", "amendment:am-2"). */
export class ThreadView {
  readonly el: HTMLDetailsElement;
  private readonly list: HTMLElement;
  private loaded = false;
  private count: HTMLElement;

  constructor(readonly subject: string, canPost: boolean) {
    const id = `thread-${subject.replace(/[^a-zA-Z0-9]/g, '-')}`;
    this.count = h('span', { class: 'muted' }, '');
    this.list = h('ol', { class: 'comments', 'aria-label': `Comments on ${subject}` });
    const input = h('textarea', { id: `${id}-text`, rows: 2, maxlength: 4000 }) as HTMLTextAreaElement;
    const error = h('div', { class: 'error', role: 'alert', hidden: true });
    const form = h('form', { class: 'comment-form' },
      h('label', { for: `${id}-text` }, 'Add a comment'), input,
      h('button', { type: 'submit' }, 'Post'), error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      error.hidden = true;
      try {
        await api('POST', `/v1/threads/${encodeURIComponent(subject)}/comments`, { body: { text } });
        input.value = '';
        await this.refresh();
      } catch (err) {
        showError(error, errorText(err));
      }
    });
    this.el = h('details', { class: 'thread' },
      h('summary', {}, 'Thread ', this.count),
      this.list,
      canPost ? form : h('p', { class: 'muted' }, 'Your role reads threads; it does not post to them.')) as HTMLDetailsElement;
    this.el.addEventListener('toggle', () => {
      if (this.el.open && !this.loaded) void this.refresh();
    });
  }

  async refresh(): Promise<void> {
    try {
      const r = await api<{ comments: Comment[] }>('GET', `/v1/threads/${encodeURIComponent(this.subject)}/comments`);
      this.loaded = true;
      this.count.textContent = `(${r.comments.length})`;
      this.list.replaceChildren(...r.comments.map((c) => h('li', {},
        h('div', { class: 'comment-head' }, partyChip(c.party), ` ${c.user} · ${fmtTime(c.at)}`),
        h('div', { class: 'comment-text' }, c.text))));
      if (!r.comments.length) this.list.replaceChildren(h('li', { class: 'muted' }, 'No comment yet.'));
    } catch (e) {
      // A subject that does not exist yet has no thread.
      if (e instanceof ApiError && e.status === 404) {
        this.loaded = true;
        this.list.replaceChildren(h('li', { class: 'muted' }, 'No comment yet.'));
      } else {
        this.list.replaceChildren(h('li', { class: 'error' }, errorText(e)));
      }
    }
  }

  /** A comment.add event for this subject: re-read when open. */
  changed(): void {
    if (this.el.open) void this.refresh();
    else this.loaded = false;
  }
}

/** Threads live as long as the console: a card redrawn keeps its thread open. */
export class Threads {
  private map = new Map<string, ThreadView>();
  constructor(private readonly canPost: () => boolean) {}
  get(subject: string): ThreadView {
    let t = this.map.get(subject);
    if (!t) {
      t = new ThreadView(subject, this.canPost());
      this.map.set(subject, t);
    }
    return t;
  }
  changed(subjects: string[]): void {
    for (const s of subjects) this.map.get(s)?.changed();
  }
}
