// Notify: the volumes drawn on the map (or pasted as GeoJSON or ASTM
// Volume4D), altitudes, times, category and aircraft; the decision that
// comes back, each finding with its rule's text, and what it involves
// highlighted on the map.
import { api, ApiError, type Decision, type Operation, type Volume4D } from './api';
import type { DrawTool, Shape } from './draw';
import { $, h } from './dom';
import { fmtTime, fromLocalInput, rfc3339, toLocalInput, volumePolygon, circleRing } from './geo';
import type { MapView } from './map';
import type { Store } from './store';
import { decisionView, showError, toast } from './ui';

interface Pasted {
  shapes: Shape[];
  /** Volumes given whole (ASTM), with their own altitudes and times. */
  volumes: Volume4D[];
  operation?: Partial<Operation>;
}

export class NotifyPanel {
  private readonly root: HTMLElement;
  private pastedVolumes: Volume4D[] = [];

  constructor(
    root: HTMLElement,
    private readonly store: Store,
    private readonly view: MapView,
    private readonly draw: DrawTool,
    private readonly onNotified: (op: Operation) => void,
  ) {
    this.root = root;
    this.build();
    store.on('agreement', () => this.fillChoices());
    store.on('me', () => this.fillChoices());
  }

  private build(): void {
    const start = Math.ceil((Date.now() + 2 * 3600e3) / 900e3) * 900e3;
    this.root.append(
      h('form', { id: 'notify-form', novalidate: true, 'aria-describedby': 'notify-help' },
        h('p', { id: 'notify-help', class: 'help' },
          'Draw the volumes on the map, or paste them; set who flies what, where and when; the center decides at once and says why.'),
        h('fieldset', {},
          h('legend', {}, 'Where'),
          h('div', { class: 'row' },
            h('button', { type: 'button', id: 'draw-polygon', onclick: () => this.draw.startPolygon() }, 'Draw polygon'),
            h('button', { type: 'button', id: 'draw-circle', onclick: () => this.draw.startCircle() }, 'Draw circle'),
            h('button', { type: 'button', id: 'draw-clear', onclick: () => this.clearShapes() }, 'Clear'),
          ),
          h('p', { id: 'draw-hint', class: 'hint', role: 'status' }, 'No volume yet.'),
          h('ul', { id: 'shape-list', class: 'shape-list', 'aria-label': 'Volumes to notify' }),
          h('details', { id: 'paste-box' },
            h('summary', {}, 'Paste GeoJSON or ASTM volumes'),
            h('label', { for: 'paste-text' }, 'A GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection (a Point with properties.radius_m is a circle), a list of ASTM Volume4D, or a whole notification'),
            h('textarea', { id: 'paste-text', rows: 5, spellcheck: 'false' }),
            h('button', { type: 'button', id: 'paste-apply', onclick: () => this.applyPaste() }, 'Use these volumes'),
          ),
        ),
        h('fieldset', {},
          h('legend', {}, 'Who and what'),
          h('div', { class: 'grid2' },
            h('label', { for: 'n-operator' }, 'Operator (party)'),
            h('select', { id: 'n-operator', name: 'operator', required: true }),
            h('label', { for: 'n-category' }, 'Category'),
            h('select', { id: 'n-category', name: 'category', required: true }),
            h('label', { for: 'n-callsign' }, 'Aircraft callsign'),
            h('input', { id: 'n-callsign', name: 'callsign', autocomplete: 'off', placeholder: 'RFF7001' }),
            h('label', { for: 'n-icao24' }, 'ICAO 24-bit address'),
            h('input', { id: 'n-icao24', name: 'icao24', autocomplete: 'off', placeholder: '150152', pattern: '[0-9a-fA-F]{6}' }),
            h('label', { for: 'n-more-aircraft' }, 'More aircraft'),
            h('input', { id: 'n-more-aircraft', autocomplete: 'off', placeholder: 'CALLSIGN/icao24, …' }),
          ),
        ),
        h('fieldset', {},
          h('legend', {}, 'Altitudes (metres, WGS84) and times (UTC)'),
          h('div', { class: 'grid2' },
            h('label', { for: 'n-alt-lower' }, 'Lower'),
            h('input', { id: 'n-alt-lower', type: 'number', value: 3000, step: 100, min: -500, max: 30000 }),
            h('label', { for: 'n-alt-upper' }, 'Upper'),
            h('input', { id: 'n-alt-upper', type: 'number', value: 7000, step: 100, min: -500, max: 30000 }),
            h('label', { for: 'n-start' }, 'Start (UTC)'),
            h('input', { id: 'n-start', type: 'datetime-local', value: toLocalInput(start) }),
            h('label', { for: 'n-end' }, 'End (UTC)'),
            h('input', { id: 'n-end', type: 'datetime-local', value: toLocalInput(start + 2 * 3600e3) }),
          ),
        ),
        h('div', { class: 'row' },
          h('button', { type: 'submit', id: 'notify-submit', class: 'primary' }, 'Notify'),
        ),
        h('div', { id: 'notify-error', class: 'error', role: 'alert', hidden: true }),
      ),
      h('section', { id: 'notify-result', 'aria-live': 'polite', 'aria-label': 'Decision' }),
    );
    $('#notify-form', this.root).addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.renderShapes();
  }

  private fillChoices(): void {
    const ag = this.store.agreement, me = this.store.me;
    if (!ag) return;
    const op = $('#n-operator', this.root) as HTMLSelectElement;
    const cat = $('#n-category', this.root) as HTMLSelectElement;
    const prevOp = op.value, prevCat = cat.value;
    // Parties this user may notify for: its own, and those it reports.
    const mine = ag.parties.filter((p) => !me || p.id === me.party || (p.reported_by ?? []).includes(me.party));
    const list = mine.length ? mine : ag.parties;
    op.replaceChildren(...list.map((p) => h('option', { value: p.id }, `${p.id} — ${p.name}`)));
    if (list.some((p) => p.id === prevOp)) op.value = prevOp;
    cat.replaceChildren(...ag.categories.map((c) => h('option', { value: c.id }, `${c.id.replace(/_/g, ' ')} (priority ${c.priority})`)));
    if (ag.categories.some((c) => c.id === prevCat)) cat.value = prevCat;
  }

  setHint(text: string): void {
    $('#draw-hint', this.root).textContent = text;
  }

  shapesChanged(): void {
    this.renderShapes();
  }

  private clearShapes(): void {
    this.pastedVolumes = [];
    this.draw.clear();
    this.view.highlight([], [], []);
    this.setHint('No volume yet.');
  }

  private renderShapes(): void {
    const ul = $('#shape-list', this.root);
    const items: HTMLElement[] = [];
    this.draw.shapes.forEach((s, i) => {
      const what = s.kind === 'polygon'
        ? `polygon, ${s.vertices.length} corners (${s.vertices[0].lat.toFixed(3)}, ${s.vertices[0].lng.toFixed(3)} …)`
        : `circle, ${(s.radius_m / 1000).toFixed(2)} km around ${s.center.lat.toFixed(3)}, ${s.center.lng.toFixed(3)}`;
      items.push(h('li', {}, `Volume ${i + 1}: ${what} `,
        h('button', { type: 'button', class: 'link', 'aria-label': `Remove volume ${i + 1}`, onclick: () => this.draw.removeShape(i) }, 'remove')));
    });
    this.pastedVolumes.forEach((v, i) => {
      const n = this.draw.shapes.length + i + 1;
      items.push(h('li', {}, `Volume ${n}: pasted ASTM volume, ${v.volume.altitude_lower?.value ?? '?'}–${v.volume.altitude_upper?.value ?? '?'} m, ${fmtTime(v.time_start?.value)} – ${fmtTime(v.time_end?.value)} `,
        h('button', { type: 'button', class: 'link', 'aria-label': `Remove volume ${n}`, onclick: () => { this.pastedVolumes.splice(i, 1); this.renderShapes(); this.preview(); } }, 'remove')));
    });
    ul.replaceChildren(...items);
    this.preview();
  }

  private preview(): void {
    const vols = this.pastedVolumes;
    this.view.highlight(this.view.highlightedIds().areas, this.view.highlightedIds().operations, vols);
  }

  private applyPaste(): void {
    const text = ($('#paste-text', this.root) as HTMLTextAreaElement).value.trim();
    const err = $('#notify-error', this.root);
    err.hidden = true;
    if (!text) return;
    let parsed: Pasted;
    try {
      parsed = parsePaste(JSON.parse(text));
    } catch (e) {
      showError(err, `The pasted text is not usable: ${(e as Error).message}`);
      return;
    }
    this.draw.setShapes([...this.draw.shapes, ...parsed.shapes]);
    this.pastedVolumes.push(...parsed.volumes);
    const op = parsed.operation;
    if (op) {
      if (op.operator) ($('#n-operator', this.root) as HTMLSelectElement).value = op.operator;
      if (op.category) ($('#n-category', this.root) as HTMLSelectElement).value = op.category;
      const ac = op.aircraft ?? [];
      if (ac[0]) {
        ($('#n-callsign', this.root) as HTMLInputElement).value = ac[0].callsign ?? '';
        ($('#n-icao24', this.root) as HTMLInputElement).value = ac[0].icao24 ?? '';
      }
      ($('#n-more-aircraft', this.root) as HTMLInputElement).value = ac.slice(1).map((a) => `${a.callsign ?? ''}/${a.icao24 ?? ''}`).join(', ');
    }
    this.renderShapes();
    const n = parsed.shapes.length + parsed.volumes.length;
    this.setHint(`${n} volume${n === 1 ? '' : 's'} taken from the pasted text.`);
    const geoms: GeoJSON.Geometry[] = this.draw.shapes.map(shapeGeometry);
    for (const v of this.pastedVolumes) {
      const g = volumePolygon(v);
      if (g) geoms.push(g);
    }
    this.view.fitTo(geoms, 10);
  }

  /** The notification the form describes. */
  body(): Record<string, unknown> {
    const val = (id: string) => ($(id, this.root) as HTMLInputElement).value.trim();
    const lower = Number(val('#n-alt-lower')), upper = Number(val('#n-alt-upper'));
    const start = fromLocalInput(val('#n-start')), end = fromLocalInput(val('#n-end'));
    const alt = (v: number) => ({ value: v, reference: 'W84', units: 'M' });
    const time = (t: number) => ({ value: Number.isFinite(t) ? rfc3339(t) : '', format: 'RFC3339' });
    const volumes: Volume4D[] = this.draw.shapes.map((s) => ({
      volume: {
        ...(s.kind === 'polygon'
          ? { outline_polygon: { vertices: s.vertices } }
          : { outline_circle: { center: s.center, radius: { value: s.radius_m, units: 'M' } } }),
        altitude_lower: alt(lower),
        altitude_upper: alt(upper),
      },
      time_start: time(start),
      time_end: time(end),
    }));
    volumes.push(...this.pastedVolumes);
    const aircraft: { callsign?: string; icao24?: string }[] = [];
    const first = { callsign: val('#n-callsign'), icao24: val('#n-icao24').toLowerCase() };
    if (first.callsign || first.icao24) aircraft.push(clean(first));
    for (const part of val('#n-more-aircraft').split(',')) {
      const [cs, icao] = part.trim().split('/');
      if (cs || icao) aircraft.push(clean({ callsign: cs?.trim(), icao24: icao?.trim().toLowerCase() }));
    }
    return { operator: val('#n-operator'), category: val('#n-category'), aircraft, volumes };
  }

  private async submit(): Promise<void> {
    const err = $('#notify-error', this.root);
    err.hidden = true;
    this.root.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
    const body = this.body();
    if (!(body.volumes as unknown[]).length) {
      showError(err, 'Draw or paste at least one volume first.');
      ($('#draw-polygon', this.root) as HTMLButtonElement).focus();
      return;
    }
    const btn = $('#notify-submit', this.root) as HTMLButtonElement;
    btn.disabled = true;
    try {
      const r = await api<{ id: string; version: number; state: string; decision: Decision }>('POST', '/v1/operations', {
        body,
        headers: { 'Idempotency-Key': `console-${crypto.randomUUID()}` },
      });
      const op = await api<Operation>('GET', `/v1/operations/${encodeURIComponent(r.id)}`);
      this.store.operations.set(op.id, op);
      this.store.emit('operations');
      this.pastedVolumes = [];
      this.draw.clear();
      this.onNotified(op);
      this.showDecision(op);
      toast(`${op.id}: ${op.state.replace('_', ' ')}`, op.state === 'rejected' ? 'bad' : op.state === 'pending_approval' ? 'warn' : 'good');
    } catch (e) {
      if (e instanceof ApiError) {
        showError(err, e.describe());
        markField(this.root, e.body.field);
      } else {
        showError(err, (e as Error).message);
      }
    } finally {
      btn.disabled = false;
    }
  }

  showDecision(op: Operation): void {
    const out = $('#notify-result', this.root);
    out.replaceChildren(
      h('h3', {}, `Decision on ${op.id}`),
      decisionView(op, this.store, this.view),
    );
    // The notified volumes in their state's colour, what the findings involve
    // in yellow, all of it in view; the decision in view in the panel.
    const areas = op.decision.findings.map((f) => f.area).filter((x): x is string => !!x);
    const ops = op.decision.findings.map((f) => f.operation).filter((x): x is string => !!x);
    this.view.select(op.id);
    this.view.highlight(areas, ops, []);
    const geoms: GeoJSON.Geometry[] = op.volumes.map(volumePolygon).filter((g): g is GeoJSON.Polygon => !!g);
    for (const a of areas) {
      const g = this.view.geometryOfArea(a);
      if (g) geoms.push(g);
    }
    for (const id of ops) {
      for (const v of this.store.operations.get(id)?.volumes ?? []) {
        const g = volumePolygon(v);
        if (g) geoms.push(g);
      }
    }
    this.view.fitTo(geoms, 10);
    out.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }
}

function clean<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (!o[k]) delete o[k];
  return o;
}

function shapeGeometry(s: Shape): GeoJSON.Geometry {
  return s.kind === 'polygon'
    ? { type: 'Polygon', coordinates: [s.vertices.map((v) => [v.lng, v.lat])] }
    : { type: 'Polygon', coordinates: [circleRing(s.center, s.radius_m)] };
}

/** Marks the form control a server error names (volumes[0].time_end → the end time). */
function markField(root: HTMLElement, field: string | undefined): void {
  if (!field) return;
  const map: [RegExp, string][] = [
    [/altitude_lower/, '#n-alt-lower'], [/altitude_upper/, '#n-alt-upper'],
    [/time_start/, '#n-start'], [/time_end/, '#n-end'],
    [/^category/, '#n-category'], [/^operator/, '#n-operator'],
    [/icao24/, '#n-icao24'], [/callsign/, '#n-callsign'],
    [/vertices|outline|radius|volume/, '#draw-polygon'],
  ];
  for (const [re, sel] of map) {
    if (re.test(field)) {
      const el = root.querySelector(sel) as HTMLElement | null;
      el?.setAttribute('aria-invalid', 'true');
      el?.focus();
      return;
    }
  }
}

// ------------------------------------------------------------------ pasting

function ringToVertices(ring: number[][]): { lat: number; lng: number }[] {
  const pts = ring.map(([lng, lat]) => {
    if (!Number.isFinite(lng) || !Number.isFinite(lat)) throw new Error('a coordinate is not a number');
    return { lat, lng };
  });
  const [a, b] = [pts[0], pts[pts.length - 1]];
  if (pts.length > 1 && a.lat === b.lat && a.lng === b.lng) pts.pop();
  if (pts.length < 3) throw new Error('a polygon needs at least three corners');
  return pts;
}

function geometryShapes(g: GeoJSON.Geometry, props: Record<string, unknown> | null): Shape[] {
  switch (g.type) {
    case 'Polygon':
      if (g.coordinates.length > 1) throw new Error('polygons with holes cannot be notified as ASTM volumes');
      return [{ kind: 'polygon', vertices: ringToVertices(g.coordinates[0]) }];
    case 'MultiPolygon':
      return g.coordinates.flatMap((p) => geometryShapes({ type: 'Polygon', coordinates: p }, props));
    case 'Point': {
      const r = Number(props?.radius_m ?? props?.radius);
      if (!Number.isFinite(r) || r <= 0) throw new Error('a Point needs properties.radius_m (metres) to be a circle');
      const [lng, lat] = g.coordinates;
      return [{ kind: 'circle', center: { lat, lng }, radius_m: r }];
    }
    case 'GeometryCollection':
      return g.geometries.flatMap((x) => geometryShapes(x, props));
    default:
      throw new Error(`a ${g.type} is not an area (use Polygon, MultiPolygon, or Point with radius_m)`);
  }
}

export function parsePaste(j: unknown): Pasted {
  const out: Pasted = { shapes: [], volumes: [] };
  const isVolume4D = (x: unknown): x is Volume4D => !!x && typeof x === 'object' && 'volume' in (x as object);
  if (Array.isArray(j)) {
    if (j.every(isVolume4D)) out.volumes = j;
    else throw new Error('a list must hold ASTM Volume4D objects ({"volume": …, "time_start": …})');
  } else if (j && typeof j === 'object') {
    const o = j as Record<string, unknown>;
    if (o.operation && typeof o.operation === 'object') return parsePaste(o.operation);
    if (Array.isArray(o.volumes)) {
      if (!o.volumes.every(isVolume4D)) throw new Error('volumes must be ASTM Volume4D objects');
      out.volumes = o.volumes as Volume4D[];
      if (o.operator || o.category || o.aircraft) out.operation = o as Partial<Operation>;
    } else if (isVolume4D(o)) {
      out.volumes = [o];
    } else if (o.type === 'FeatureCollection') {
      for (const f of (o.features as GeoJSON.Feature[]) ?? []) out.shapes.push(...geometryShapes(f.geometry, f.properties));
    } else if (o.type === 'Feature') {
      out.shapes = geometryShapes((o as unknown as GeoJSON.Feature).geometry, (o as unknown as GeoJSON.Feature).properties);
    } else if (typeof o.type === 'string') {
      out.shapes = geometryShapes(o as unknown as GeoJSON.Geometry, null);
    } else {
      throw new Error('expected GeoJSON, a list of ASTM volumes, or a notification');
    }
  } else {
    throw new Error('expected a JSON object or list');
  }
  if (!out.shapes.length && !out.volumes.length) throw new Error('no volume in it');
  return out;
}
