// A small draw tool on MapLibre's own events: polygons (click the vertices;
// double-click, Enter or a click on the first vertex closes it; Backspace
// takes the last one back; Escape gives up) and circles (click the centre,
// click again at the radius). The shapes become the notification's volumes.
import type * as maplibregl from 'maplibre-gl';
import type { LatLng } from './api';
import { circleRing, distance } from './geo';
import type { MapView } from './map';

export type Shape =
  | { kind: 'polygon'; vertices: LatLng[] }
  | { kind: 'circle'; center: LatLng; radius_m: number };

type Mode = { kind: 'idle' } | { kind: 'polygon'; pts: LatLng[] } | { kind: 'circle'; center: LatLng | null };

export class DrawTool {
  shapes: Shape[] = [];
  private mode: Mode = { kind: 'idle' };
  private cursor: LatLng | null = null;
  private readonly map: maplibregl.Map;

  constructor(
    private readonly view: MapView,
    private readonly onChange: (shapes: Shape[]) => void,
    private readonly onHint: (text: string) => void,
  ) {
    this.map = view.map;
    void view.ready.then(() => this.setup());
  }

  get active(): boolean {
    return this.mode.kind !== 'idle';
  }

  private setup(): void {
    const m = this.map;
    m.addSource('draw', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    m.addLayer({
      id: 'draw-fill', type: 'fill', source: 'draw', filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': '#80deea', 'fill-opacity': 0.2 },
    });
    m.addLayer({
      id: 'draw-line', type: 'line', source: 'draw', filter: ['!=', ['geometry-type'], 'Point'],
      paint: { 'line-color': '#80deea', 'line-width': 2, 'line-dasharray': ['case', ['get', 'pending'], ['literal', [2, 2]], ['literal', [1, 0]]] },
    });
    m.addLayer({
      id: 'draw-vertex', type: 'circle', source: 'draw', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 4, 'circle-color': '#80deea', 'circle-stroke-color': '#0d1f2d', 'circle-stroke-width': 1.5 },
    });
    m.on('click', (e) => this.click(e.lngLat));
    m.on('dblclick', (e) => {
      if (this.mode.kind !== 'polygon') return;
      e.preventDefault();
      this.finishPolygon();
    });
    m.on('mousemove', (e) => {
      if (this.mode.kind === 'idle') return;
      this.cursor = { lat: e.lngLat.lat, lng: e.lngLat.lng };
      this.render();
    });
    window.addEventListener('keydown', (e) => {
      if (this.mode.kind === 'idle') return;
      const target = e.target as HTMLElement | null;
      if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      if (e.key === 'Escape') {
        this.cancel();
        e.preventDefault();
      } else if (e.key === 'Enter' && this.mode.kind === 'polygon') {
        this.finishPolygon();
        e.preventDefault();
      } else if (e.key === 'Backspace' && this.mode.kind === 'polygon') {
        this.mode.pts.pop();
        this.render();
        e.preventDefault();
      }
    });
  }

  startPolygon(): void {
    this.begin({ kind: 'polygon', pts: [] });
    this.onHint('Polygon: click each corner on the map; double-click, Enter or a click on the first corner closes it; Backspace removes the last corner; Esc cancels.');
  }

  startCircle(): void {
    this.begin({ kind: 'circle', center: null });
    this.onHint('Circle: click the centre, then click again at the edge; Esc cancels.');
  }

  private begin(mode: Mode): void {
    this.mode = mode;
    this.view.drawing = true;
    this.map.doubleClickZoom.disable();
    this.map.getCanvas().style.cursor = 'crosshair';
    this.render();
  }

  private end(): void {
    this.mode = { kind: 'idle' };
    this.cursor = null;
    this.view.drawing = false;
    this.map.getCanvas().style.cursor = '';
    // Re-enable after the dblclick that may have ended the polygon.
    window.setTimeout(() => this.map.doubleClickZoom.enable(), 300);
    this.render();
  }

  cancel(): void {
    if (this.mode.kind === 'idle') return;
    this.end();
    this.onHint('Drawing cancelled.');
  }

  clear(): void {
    this.shapes = [];
    if (this.mode.kind !== 'idle') this.end();
    this.render();
    this.onChange(this.shapes);
  }

  setShapes(shapes: Shape[]): void {
    this.shapes = shapes;
    this.render();
  }

  removeShape(i: number): void {
    this.shapes.splice(i, 1);
    this.render();
    this.onChange(this.shapes);
  }

  private click(at: maplibregl.LngLat): void {
    const p = { lat: at.lat, lng: at.lng };
    if (this.mode.kind === 'polygon') {
      const pts = this.mode.pts;
      if (pts.length >= 3) {
        // A click near the first corner closes the ring.
        const a = this.map.project([pts[0].lng, pts[0].lat]), b = this.map.project([p.lng, p.lat]);
        if (Math.hypot(a.x - b.x, a.y - b.y) < 10) return this.finishPolygon();
      }
      const last = pts[pts.length - 1];
      if (last && Math.abs(last.lat - p.lat) < 1e-9 && Math.abs(last.lng - p.lng) < 1e-9) return;
      pts.push(round(p));
      this.render();
      this.onHint(`Polygon: ${pts.length} corner${pts.length === 1 ? '' : 's'}. ${pts.length >= 3 ? 'Double-click or Enter to close it.' : 'Keep clicking.'}`);
    } else if (this.mode.kind === 'circle') {
      if (!this.mode.center) {
        this.mode.center = round(p);
        this.onHint('Circle: now click at the edge.');
        this.render();
      } else {
        const r = Math.max(50, Math.round(distance(this.mode.center, p) / 10) * 10);
        this.shapes.push({ kind: 'circle', center: this.mode.center, radius_m: r });
        this.end();
        this.onChange(this.shapes);
        this.onHint(`Circle of ${(r / 1000).toFixed(2)} km added.`);
      }
    }
  }

  private finishPolygon(): void {
    if (this.mode.kind !== 'polygon') return;
    // A double-click also adds its point twice as clicks: drop duplicates.
    const pts: LatLng[] = [];
    for (const p of this.mode.pts) {
      const q = pts[pts.length - 1];
      if (!q || distance(p, q) > 1) pts.push(p);
    }
    if (pts.length < 3) {
      this.onHint('A polygon needs at least three corners; keep clicking (Esc cancels).');
      this.mode.pts = pts;
      return;
    }
    this.shapes.push({ kind: 'polygon', vertices: pts });
    this.end();
    this.onChange(this.shapes);
    this.onHint(`Polygon of ${pts.length} corners added.`);
  }

  private render(): void {
    const src = this.map.getSource('draw') as maplibregl.GeoJSONSource | undefined;
    if (!src) return;
    const f: GeoJSON.Feature[] = [];
    for (const s of this.shapes) {
      const ring = s.kind === 'polygon'
        ? [...s.vertices.map((v) => [v.lng, v.lat]), [s.vertices[0].lng, s.vertices[0].lat]]
        : circleRing(s.center, s.radius_m);
      f.push({ type: 'Feature', properties: { pending: false }, geometry: { type: 'Polygon', coordinates: [ring] } });
    }
    if (this.mode.kind === 'polygon') {
      const pts = [...this.mode.pts, ...(this.cursor ? [this.cursor] : [])];
      if (pts.length >= 2) {
        f.push({ type: 'Feature', properties: { pending: true }, geometry: { type: 'LineString', coordinates: pts.map((v) => [v.lng, v.lat]) } });
      }
      for (const v of this.mode.pts) f.push({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [v.lng, v.lat] } });
    } else if (this.mode.kind === 'circle' && this.mode.center) {
      const c = this.mode.center;
      f.push({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [c.lng, c.lat] } });
      if (this.cursor) {
        f.push({ type: 'Feature', properties: { pending: true }, geometry: { type: 'LineString', coordinates: circleRing(c, distance(c, this.cursor)) } });
      }
    }
    src.setData({ type: 'FeatureCollection', features: f });
  }
}

function round(p: LatLng): LatLng {
  return { lat: Math.round(p.lat * 1e5) / 1e5, lng: Math.round(p.lng * 1e5) / 1e5 };
}
