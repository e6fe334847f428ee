// What the console knows of the center: loaded once, then kept current from
// GET /v1/events (each entry names what changed; the console reads that
// resource again) and, for the track picture (tracks are not log entries),
// by polling GET /v1/tracks.
import { api, currentToken, type AgreementDoc, type Alert, type Amendment, type AreaFeature, type Me, type Operation, type Track } from './api';
import { EventStream, type LogEvent, type StreamStatus } from './events';

export type Topic = 'me' | 'agreement' | 'areas' | 'operations' | 'amendments' | 'alerts' | 'tracks' | 'stream' | 'comments';

export class Store {
  me: Me | null = null;
  agreement: AgreementDoc | null = null;
  agreementVersion = 0;
  areas: AreaFeature[] = [];
  operations = new Map<string, Operation>();
  amendments = new Map<string, Amendment>();
  alerts = new Map<string, Alert>();
  tracks: Track[] = [];
  tracksTime: string | null = null;
  monitor = true;
  streamStatus: StreamStatus = 'connecting';
  streamDetail = '';
  lastSeq = 0;
  /** The subjects of comment.add entries seen, newest last (threads to refresh). */
  commentSubjects: string[] = [];
  /** Events as they came, newest first (the activity feed). */
  recent: LogEvent[] = [];

  private listeners = new Map<Topic, Set<() => void>>();
  private pending = new Set<Topic>();
  private scheduled = false;
  private stream: EventStream | null = null;
  private tracksTimer: number | null = null;
  private refetch = { ops: new Set<string>(), alerts: new Set<string>(), amendments: false, agreement: false, all: false };
  private refetchTimer: number | null = null;

  on(topic: Topic, f: () => void): void {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    this.listeners.get(topic)!.add(f);
  }

  emit(topic: Topic): void {
    this.pending.add(topic);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const topics = [...this.pending];
      this.pending.clear();
      for (const t of topics) for (const f of this.listeners.get(t) ?? []) f();
    });
  }

  async load(): Promise<void> {
    // Where the log is now: the stream resumes from here, so that nothing
    // committed while the lists load is missed.
    const health = await fetch('/healthz', { cache: 'no-store' }).then((r) => r.json() as Promise<{ committed_seq: number }>);
    this.lastSeq = health.committed_seq;
    this.me = await api<Me>('GET', '/v1/whoami');
    this.emit('me');
    await Promise.all([
      this.loadAgreement(),
      this.loadOperations(),
      this.loadAmendments(),
      this.loadAlerts(),
      this.loadTracks(),
    ]);
  }

  async loadAgreement(): Promise<void> {
    const [ag, areas] = await Promise.all([
      api<{ agreement: AgreementDoc; version: number }>('GET', '/v1/agreement'),
      api<{ features: AreaFeature[] }>('GET', '/v1/areas'),
    ]);
    this.agreement = ag.agreement;
    this.agreementVersion = ag.version;
    this.areas = areas.features;
    this.emit('agreement');
    this.emit('areas');
  }

  async loadOperations(): Promise<void> {
    const r = await api<{ operations: Operation[] }>('GET', '/v1/operations');
    this.operations = new Map(r.operations.map((o) => [o.id, o]));
    this.emit('operations');
  }

  async loadAmendments(): Promise<void> {
    const r = await api<{ amendments: Amendment[] }>('GET', '/v1/amendments');
    this.amendments = new Map(r.amendments.map((a) => [a.id, a]));
    this.emit('amendments');
  }

  async loadAlerts(): Promise<void> {
    const r = await api<{ alerts: Alert[] }>('GET', '/v1/alerts');
    this.alerts = new Map(r.alerts.map((a) => [a.id, a]));
    this.emit('alerts');
  }

  async loadTracks(): Promise<void> {
    try {
      const r = await api<{ tracks: Track[]; time?: string }>('GET', '/v1/tracks');
      this.tracks = r.tracks;
      this.tracksTime = r.time ?? null;
      this.monitor = true;
    } catch (e) {
      // A center without a monitor answers 503: no tracks, not an error.
      if ((e as { status?: number }).status === 503) this.monitor = false;
      else throw e;
    }
    this.emit('tracks');
  }

  start(): void {
    this.stream = new EventStream({
      token: currentToken,
      after: this.lastSeq,
      onEvent: (e) => this.onEvent(e),
      // Entries missed while away arrive on the resumed stream: nothing to reload.
      onStatus: (s, d) => {
        this.streamStatus = s;
        this.streamDetail = d ?? '';
        this.emit('stream');
      },
    });
    this.stream.start();
    const poll = async () => {
      try {
        await this.loadTracks();
      } catch {
        /* the stream's status tells when the center is away */
      }
      this.tracksTimer = window.setTimeout(poll, document.hidden ? 10000 : 2000);
    };
    this.tracksTimer = window.setTimeout(poll, 2000);
  }

  stop(): void {
    this.stream?.stop();
    if (this.tracksTimer !== null) window.clearTimeout(this.tracksTimer);
    if (this.refetchTimer !== null) window.clearTimeout(this.refetchTimer);
  }

  private onEvent(e: LogEvent): void {
    this.lastSeq = e.id;
    this.recent.unshift(e);
    if (this.recent.length > 200) this.recent.length = 200;
    const d = e.data;
    const res = (d.result ?? {}) as Record<string, unknown>;
    const cmd = (d.command ?? {}) as Record<string, unknown>;
    const id = String(res.id ?? cmd.id ?? (cmd.operation as Record<string, unknown> | undefined)?.id ?? '');
    const type = e.type;
    if (type.startsWith('operation.')) {
      if (id) this.refetch.ops.add(id);
      // A notification may preempt another operation: read that one too.
      const findings = ((res.decision as { findings?: { operation?: string }[] } | undefined)?.findings ?? []);
      for (const f of findings) if (f.operation) this.refetch.ops.add(f.operation);
    } else if (type.startsWith('alert.')) {
      if (id) this.refetch.alerts.add(id);
      else this.refetch.all = true;
    } else if (type.startsWith('amendment.')) {
      this.refetch.amendments = true;
      // An amendment in force changes the agreement and flags operations.
      if (res.state === 'in_force') {
        this.refetch.agreement = true;
        this.refetch.all = true;
      }
    } else if (type === 'comment.add') {
      const subject = String(cmd.subject ?? cmd.target ?? res.subject ?? '');
      if (subject) this.commentSubjects.push(subject);
      this.emit('comments');
    } else if (type.startsWith('agreement.')) {
      this.refetch.agreement = true;
    }
    this.emit('stream');
    this.scheduleRefetch();
  }

  private scheduleRefetch(): void {
    if (this.refetchTimer !== null) return;
    this.refetchTimer = window.setTimeout(() => {
      this.refetchTimer = null;
      void this.runRefetch();
    }, 60);
  }

  private async runRefetch(): Promise<void> {
    const r = this.refetch;
    this.refetch = { ops: new Set(), alerts: new Set(), amendments: false, agreement: false, all: false };
    const jobs: Promise<unknown>[] = [];
    if (r.agreement) jobs.push(this.loadAgreement());
    if (r.amendments) jobs.push(this.loadAmendments());
    if (r.all) {
      jobs.push(this.loadOperations(), this.loadAlerts());
    } else {
      if (r.ops.size > 20) jobs.push(this.loadOperations());
      else {
        for (const id of r.ops) {
          jobs.push(api<Operation>('GET', `/v1/operations/${encodeURIComponent(id)}`).then((op) => {
            this.operations.set(op.id, op);
            this.emit('operations');
          }));
        }
      }
      if (r.alerts.size > 20) jobs.push(this.loadAlerts());
      else {
        for (const id of r.alerts) {
          jobs.push(api<Alert>('GET', `/v1/alerts/${encodeURIComponent(id)}`).then((a) => {
            this.alerts.set(a.id, a);
            this.emit('alerts');
          }));
        }
      }
    }
    const results = await Promise.allSettled(jobs);
    for (const x of results) if (x.status === 'rejected') console.warn('refresh failed', x.reason);
  }

  // ------------------------------------------------------------- derived

  operationList(): Operation[] {
    return [...this.operations.values()].sort((a, b) => seqOf(b.id) - seqOf(a.id));
  }
  alertList(): Alert[] {
    return [...this.alerts.values()].sort((a, b) => Date.parse(b.raised_at) - Date.parse(a.raised_at));
  }
  amendmentList(): Amendment[] {
    return [...this.amendments.values()].sort((a, b) => Date.parse(b.proposed_at) - Date.parse(a.proposed_at));
  }
  ruleText(id: string): string | undefined {
    return this.agreement?.rules.find((r) => r.id === id)?.text;
  }
  areaName(id: string): string | undefined {
    return this.areas.find((a) => a.properties.id === id)?.properties.name;
  }
}

/** "op-12" → 12, for newest-first ordering. */
export function seqOf(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}
