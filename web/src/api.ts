// The center's HTTP API (docs/api.md, GET /v1/openapi.json), as the console
// calls it: every request carries the token of the signed-in user.

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  details?: { field: string; reason: string }[];
}

/** A refusal from the server: its status and its `error` object. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody;
  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.status = status;
    this.body = body;
  }
  /** One line for a person: the server's message, the field at fault. */
  describe(): string {
    const b = this.body;
    const head = `${this.status} ${b.code}`;
    const field = b.field && !b.message.startsWith(b.field) ? ` (field: ${b.field})` : '';
    return `${head}: ${b.message}${field}`;
  }
}

const TOKEN_KEY = 'jic.token';

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function saveToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let token: string | null = savedToken();
export function setToken(t: string | null): void {
  token = t;
  saveToken(t);
}
export function currentToken(): string | null {
  return token;
}

/** Called when the server says the token is no longer valid. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(f: () => void): void {
  onUnauthenticated = f;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, signal: opts.signal, cache: 'no-store' });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, { code: 'network', message: `the center did not answer (${(e as Error).message})` });
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const err = (json as { error?: ApiErrorBody } | undefined)?.error;
    const e = new ApiError(res.status, err ?? { code: `http_${res.status}`, message: text.slice(0, 300) || res.statusText });
    if (res.status === 401) onUnauthenticated();
    throw e;
  }
  return json as T;
}

// ----------------------------------------------------------------- the types

export type OperationState =
  | 'submitted' | 'accepted' | 'pending_approval' | 'rejected' | 'activated' | 'ended' | 'cancelled';

export interface LatLng { lat: number; lng: number }
export interface Altitude { value: number; reference?: string; units?: string }
export interface Volume4D {
  volume: {
    outline_polygon?: { vertices: LatLng[] };
    outline_circle?: { center: LatLng; radius: { value: number; units?: string } };
    altitude_lower?: Altitude;
    altitude_upper?: Altitude;
  };
  time_start?: { value: string; format?: string };
  time_end?: { value: string; format?: string };
}
export interface Finding {
  rule: string;
  effect: string;
  text?: string;
  area?: string;
  operation?: string;
  approvers?: string[];
  volume?: number;
  other_volume?: number;
  distance_m?: number;
  [k: string]: unknown;
}
export interface Decision { outcome: string; approvers: string[]; findings: Finding[] }
export interface Approval { approve: boolean; at: string; party: string; reason?: string; user: string; seq?: number }
export interface Operation {
  id: string;
  operator: string;
  submitted_by: string;
  category: string;
  aircraft: { callsign?: string; icao24?: string }[];
  volumes: Volume4D[];
  state: OperationState;
  version: number;
  decision: Decision;
  approvals: Approval[];
  awaiting?: string[];
  notices?: { kind?: string; text?: string; [k: string]: unknown }[];
  received_at: string;
  updated_at?: string;
  created_by?: string;
  title?: string;
}
export interface Amendment {
  id: string;
  summary: string;
  state: string;
  party: string;
  proposed_by: string;
  proposed_at: string;
  changes: Record<string, unknown>;
  approvals: { approve: boolean; party: string; user: string; at: string; reason?: string }[];
  flagged: { operation?: string; id?: string; [k: string]: unknown }[];
  signatories?: string[];
  agreement_version?: number;
}
export interface Alert {
  id: string;
  key: string;
  type: string;
  state: 'open' | 'acknowledged' | 'resolved';
  parties: string[];
  predicted: boolean;
  tracks: string[];
  operation?: string;
  area?: string;
  detail: Record<string, unknown>;
  acks: { user: string; party: string; at: string }[];
  raised_at: string;
  updated_at: string;
  resolved_at?: string;
}
export interface Comment { id: string; at: string; party: string; user: string; text: string }
export interface Track {
  icao24: string;
  callsign?: string;
  lat: number;
  lng: number;
  alt_m?: number;
  gs_mps?: number;
  track_deg?: number;
  time: string;
  party?: string;
  operations: string[];
  trail: [number, number, number | null, string][];
}
export interface AgreementDoc {
  id: string;
  title: string;
  signatories: string[];
  parties: { id: string; name: string; aircraft?: string[]; reported_by?: string[] }[];
  categories: { id: string; priority: number }[];
  rules: { id: string; text: string; when?: unknown; effect: unknown }[];
  areas: unknown[];
  separation?: Record<string, unknown>;
  monitoring?: Record<string, unknown>;
}
export interface AreaFeature {
  type: 'Feature';
  id: string;
  geometry: GeoJSON.Geometry;
  properties: {
    id: string;
    kind: string;
    name: string;
    radius_m?: number;
    altitude?: { lower?: number; upper?: number };
    valid?: { from?: string; to?: string };
  };
}
export interface Me { name: string; party: string; role: string }
