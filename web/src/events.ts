// GET /v1/events read with fetch (EventSource cannot send the Authorization
// header): the text/event-stream is parsed here, and a dropped stream is
// resumed with Last-Event-ID, so that no entry is missed or seen twice.

export interface LogEvent {
  id: number;
  type: string;
  data: LogEntry;
}
export interface LogEntry {
  seq: number;
  type: string;
  at: string;
  actor: { user: string; party: string; role: string };
  command: Record<string, unknown>;
  result: Record<string, unknown>;
  [k: string]: unknown;
}

export type StreamStatus = 'connecting' | 'live' | 'retrying' | 'stopped';

/** Parses SSE text incrementally (https://html.spec.whatwg.org/#event-stream-interpretation). */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;
  lastId: string | null = null;
  retryMs: number | null = null;

  constructor(private readonly dispatch: (e: { id: string | null; event: string; data: string }) => void) {}

  push(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.id !== null) this.lastId = this.id;
      if (this.data.length > 0) {
        this.dispatch({ id: this.lastId, event: this.event || 'message', data: this.data.join('\n') });
      }
      this.data = [];
      this.event = '';
      this.id = null;
      return;
    }
    if (line.startsWith(':')) return; // a comment (keepalive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data': this.data.push(value); break;
      case 'event': this.event = value; break;
      case 'id': if (!value.includes('\0')) this.id = value; break;
      case 'retry': if (/^\d+$/.test(value)) this.retryMs = Number(value); break;
    }
  }
}

export interface EventStreamOptions {
  token: () => string | null;
  /** The last sequence number already seen: the stream resumes after it. */
  after: number;
  onEvent: (e: LogEvent) => void;
  onStatus: (s: StreamStatus, detail?: string) => void;
  /** The server refused the token (401): stop. */
  onUnauthenticated?: () => void;
}

export class EventStream {
  private abort: AbortController | null = null;
  private stopped = false;
  private lastSeq: number;
  private retryMs = 2000;
  private failures = 0;
  private timer: number | null = null;

  constructor(private readonly opts: EventStreamOptions) {
    this.lastSeq = opts.after;
  }

  get last(): number {
    return this.lastSeq;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.abort?.abort();
    this.opts.onStatus('stopped');
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.opts.onStatus(this.failures === 0 ? 'connecting' : 'retrying');
    const abort = new AbortController();
    this.abort = abort;
    const headers: Record<string, string> = { Accept: 'text/event-stream', 'Last-Event-ID': String(this.lastSeq) };
    const token = this.opts.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      const res = await fetch('/v1/events', { headers, signal: abort.signal, cache: 'no-store' });
      if (res.status === 401) {
        this.stopped = true;
        this.opts.onStatus('stopped', 'the token is no longer valid');
        this.opts.onUnauthenticated?.();
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      this.opts.onStatus('live');
      this.failures = 0;
      const parser = new SseParser((m) => {
        const seq = Number(m.id);
        if (!Number.isFinite(seq) || seq <= this.lastSeq) return;
        let data: LogEntry;
        try {
          data = JSON.parse(m.data) as LogEntry;
        } catch {
          return;
        }
        this.lastSeq = seq;
        this.opts.onEvent({ id: seq, type: m.event, data });
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        if (parser.retryMs !== null) this.retryMs = Math.max(500, parser.retryMs);
      }
      throw new Error('the stream ended');
    } catch (e) {
      if (this.stopped || abort.signal.aborted) return;
      this.failures++;
      // Back off a little more each time the center does not answer, up to 30 s.
      const wait = Math.min(30000, this.retryMs * Math.min(8, 2 ** Math.max(0, this.failures - 1)));
      this.opts.onStatus('retrying', `${(e as Error).message}; again in ${Math.round(wait / 1000)} s`);
      this.timer = window.setTimeout(() => void this.connect(), wait);
    }
  }
}
