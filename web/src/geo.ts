// Geometry and time helpers: ASTM volumes to GeoJSON for the map, circles on
// the sphere, and the UTC formatting the console uses everywhere.
import type { AreaFeature, LatLng, Volume4D } from './api';

const R = 6371008.8; // mean Earth radius, m
const rad = (d: number) => (d * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

/** The point `dist` metres from (lat, lng) on bearing `brg` degrees (great circle). */
export function destination(lat: number, lng: number, brg: number, dist: number): [number, number] {
  const d = dist / R, b = rad(brg), p1 = rad(lat), l1 = rad(lng);
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [((deg(l2) + 540) % 360) - 180, deg(p2)];
}

/** Great-circle distance in metres. */
export function distance(a: LatLng, b: LatLng): number {
  const dp = rad(b.lat - a.lat), dl = rad(b.lng - a.lng);
  const h = Math.sin(dp / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dl / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A ring of `n` points around a circle, closed, GeoJSON order. */
export function circleRing(center: LatLng, radius_m: number, n = 64): [number, number][] {
  const ring: [number, number][] = [];
  for (let i = 0; i < n; i++) ring.push(destination(center.lat, center.lng, (360 * i) / n, radius_m));
  ring.push(ring[0]);
  return ring;
}

export function radiusMetres(r: { value: number; units?: string }): number {
  const u = (r.units ?? 'M').toUpperCase();
  if (u === 'FT') return r.value * 0.3048;
  if (u === 'KM') return r.value * 1000;
  if (u === 'NM') return r.value * 1852;
  return r.value;
}

/** One ASTM volume's outline as a GeoJSON polygon (null when it has none). */
export function volumePolygon(v: Volume4D): GeoJSON.Polygon | null {
  const vol = v.volume;
  if (vol.outline_polygon?.vertices?.length) {
    const ring = vol.outline_polygon.vertices.map((p) => [p.lng, p.lat] as [number, number]);
    const [f, l] = [ring[0], ring[ring.length - 1]];
    if (f[0] !== l[0] || f[1] !== l[1]) ring.push(f);
    return { type: 'Polygon', coordinates: [ring] };
  }
  if (vol.outline_circle) {
    return { type: 'Polygon', coordinates: [circleRing(vol.outline_circle.center, radiusMetres(vol.outline_circle.radius))] };
  }
  return null;
}

/** A protected site is a point with a radius: drawn as its circle. */
export function areaGeometry(a: AreaFeature): GeoJSON.Geometry {
  if (a.geometry.type === 'Point' && a.properties.radius_m) {
    const [lng, lat] = a.geometry.coordinates as [number, number];
    return { type: 'Polygon', coordinates: [circleRing({ lat, lng }, a.properties.radius_m)] };
  }
  return a.geometry;
}

/** Every [lng, lat] of a geometry. */
export function coordsOf(g: GeoJSON.Geometry): [number, number][] {
  switch (g.type) {
    case 'Point': return [g.coordinates as [number, number]];
    case 'MultiPoint':
    case 'LineString': return g.coordinates as [number, number][];
    case 'Polygon':
    case 'MultiLineString': return (g.coordinates as [number, number][][]).flat();
    case 'MultiPolygon': return (g.coordinates as [number, number][][][]).flat(2);
    case 'GeometryCollection': return g.geometries.flatMap(coordsOf);
  }
}

export type Bounds = [[number, number], [number, number]];
export function boundsOf(geoms: GeoJSON.Geometry[]): Bounds | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const g of geoms) {
    for (const [x, y] of coordsOf(g)) {
      w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y);
    }
  }
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

/** A point inside-ish a geometry for its label: the centre of its largest ring's bounds. */
export function labelPoint(g: GeoJSON.Geometry): [number, number] | null {
  let rings: [number, number][][] = [];
  if (g.type === 'Polygon') rings = [g.coordinates[0] as [number, number][]];
  else if (g.type === 'MultiPolygon') rings = g.coordinates.map((p) => p[0] as [number, number][]);
  else if (g.type === 'Point') return g.coordinates as [number, number];
  if (!rings.length) return null;
  let best = rings[0], bestArea = -1;
  for (const r of rings) {
    const b = boundsOf([{ type: 'LineString', coordinates: r }])!;
    const a = (b[1][0] - b[0][0]) * (b[1][1] - b[0][1]);
    if (a > bestArea) { bestArea = a; best = r; }
  }
  const b = boundsOf([{ type: 'LineString', coordinates: best }])!;
  return [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2];
}

// --------------------------------------------------------------------- time

export function parseTime(s: string | undefined): number {
  if (!s) return NaN;
  return Date.parse(s);
}

/** "25 Nov 19:00Z" */
export function fmtTime(t: number | string | undefined, withDate = true): string {
  const ms = typeof t === 'string' ? Date.parse(t) : t;
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0'), mm = String(d.getUTCMinutes()).padStart(2, '0');
  if (!withDate) return `${hh}:${mm}Z`;
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const year = d.getUTCFullYear() !== new Date().getUTCFullYear() ? ` ${d.getUTCFullYear()}` : '';
  return `${d.getUTCDate()} ${mon}${year} ${hh}:${mm}Z`;
}

export function fmtSpan(a?: string, b?: string): string {
  const ta = parseTime(a), tb = parseTime(b);
  if (!Number.isFinite(ta)) return '—';
  const same = Number.isFinite(tb) && new Date(ta).toISOString().slice(0, 10) === new Date(tb).toISOString().slice(0, 10);
  return `${fmtTime(ta)} – ${same ? fmtTime(tb, false) : fmtTime(tb)}`;
}

/** For <input type="datetime-local">, read as UTC. */
export function toLocalInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}
export function fromLocalInput(v: string): number {
  return Date.parse(v.length === 16 ? `${v}:00Z` : `${v}Z`);
}
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The time span of an operation's volumes. */
export function volumeSpan(vs: Volume4D[]): [number, number] {
  let a = Infinity, b = -Infinity;
  for (const v of vs) {
    a = Math.min(a, parseTime(v.time_start?.value));
    b = Math.max(b, parseTime(v.time_end?.value));
  }
  return [a, b];
}

export function activeAt(v: Volume4D, t: number): boolean {
  const a = parseTime(v.time_start?.value), b = parseTime(v.time_end?.value);
  return (!Number.isFinite(a) || a <= t) && (!Number.isFinite(b) || t < b);
}

export function areaValidAt(a: AreaFeature, t: number): boolean {
  const from = parseTime(a.properties.valid?.from), to = parseTime(a.properties.valid?.to);
  return (!Number.isFinite(from) || from <= t) && (!Number.isFinite(to) || t < to);
}
