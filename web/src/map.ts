// The live picture: an offline basemap, the agreement's areas by kind, the
// operations' volumes by state, tracks with trails and labels in their
// party's colour, alerts where they are, and whatever is highlighted (the
// areas and operations a decision's findings involve). No text is drawn by
// MapLibre itself (that would need a glyph server): every label is an HTML
// marker.
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { Alert, AreaFeature, Operation, Track, Volume4D } from './api';
import { DETAIL_ZOOM, crop, loadCoarse, loadDetailed, type Basemap } from './basemap';
import { AREA_COLORS, STATE_COLORS, partyColor } from './colors';
import { activeAt, areaGeometry, areaValidAt, boundsOf, fmtTime, labelPoint, volumePolygon } from './geo';
import { PLACES } from './places';

maplibregl.setWorkerUrl(workerUrl);

type FC = GeoJSON.FeatureCollection;
const empty = (): FC => ({ type: 'FeatureCollection', features: [] });

export interface MapCallbacks {
  onSelectOperation: (id: string) => void;
  onSelectAlert: (id: string) => void;
}

export interface LayerToggles {
  areas: boolean;
  operations: boolean;
  rejected: boolean;
  tracks: boolean;
  labels: boolean;
  places: boolean;
}

const VISIBLE_OPS = new Set(['accepted', 'pending_approval', 'activated', 'submitted']);

export class MapView {
  readonly map: maplibregl.Map;
  readonly ready: Promise<void>;
  toggles: LayerToggles = { areas: true, operations: true, rejected: false, tracks: true, labels: true, places: true };
  /** Set by the draw tool: map clicks are its own while it draws. */
  drawing = false;
  private areas: AreaFeature[] = [];
  private ops: Operation[] = [];
  private tracks: Track[] = [];
  private alerts: Alert[] = [];
  private time: number | null = null;
  private highlighted = { areas: new Set<string>(), operations: new Set<string>() };
  private candidate: Volume4D[] = [];
  private selectedOp: string | null = null;
  private areaMarkers = new Map<string, maplibregl.Marker>();
  private trackMarkers = new Map<string, maplibregl.Marker>();
  private alertMarkers = new Map<string, maplibregl.Marker>();
  private placeMarkers: { m: maplibregl.Marker; rank: number }[] = [];
  /** The region the detailed basemap covers (west, south, east, north), or its state. */
  private detailed: 'no' | 'loading' | [number, number, number, number] = 'no';
  private popup: maplibregl.Popup | null = null;
  private sent = new Map<string, string>();

  constructor(container: HTMLElement, private readonly cb: MapCallbacks) {
    this.map = new maplibregl.Map({
      container,
      style: {
        version: 8,
        sources: {},
        layers: [{ id: 'sea', type: 'background', paint: { 'background-color': '#0a1721' } }],
      },
      center: [38.2, 34.9],
      zoom: 5.6,
      attributionControl: { compact: true, customAttribution: 'Natural Earth (public domain), world-atlas' },
      dragRotate: false,
      pitchWithRotate: false,
      maxZoom: 14,
      fadeDuration: 0,
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.ready = new Promise((resolve) => {
      this.map.on('load', () => {
        this.addLayers();
        void this.loadBasemap();
        this.addPlaces();
        this.bindEvents();
        resolve();
      });
    });
  }

  /** Gives a source new data, unless it is what it has (each change re-tiles and repaints). */
  private setData(id: string, data: GeoJSON.GeoJSON): void {
    const src = this.map.getSource(id) as maplibregl.GeoJSONSource | undefined;
    if (!src) return;
    const text = JSON.stringify(data);
    if (this.sent.get(id) === text) return;
    this.sent.set(id, text);
    src.setData(data);
  }

  // ------------------------------------------------------------ the layers

  private addLayers(): void {
    const m = this.map;
    // The basemap's tiles are cut up to zoom 7 and stretched beyond: the data
    // has no more detail than that, and cutting them is the costly part.
    for (const id of ['land', 'coastline', 'borders']) {
      m.addSource(id, { type: 'geojson', data: empty(), maxzoom: 7, tolerance: 0.5 });
    }
    for (const id of ['areas', 'ops', 'candidate', 'highlight', 'alert-shapes', 'trails', 'tracks']) {
      m.addSource(id, { type: 'geojson', data: empty() });
    }
    m.addLayer({ id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#22343f' } });
    m.addLayer({ id: 'coastline', type: 'line', source: 'coastline', paint: { 'line-color': '#4f7285', 'line-width': 1 } });
    m.addLayer({
      id: 'borders', type: 'line', source: 'borders',
      paint: { 'line-color': '#8aa3b3', 'line-width': 1, 'line-dasharray': [3, 2], 'line-opacity': 0.8 },
    });
    const areaColor: maplibregl.ExpressionSpecification = ['match', ['get', 'kind'],
      'designated', AREA_COLORS.designated, 'protected_site', AREA_COLORS.protected_site,
      'restricted', AREA_COLORS.restricted, 'corridor', AREA_COLORS.corridor, '#90a4ae'];
    m.addLayer({ id: 'areas-fill', type: 'fill', source: 'areas', paint: { 'fill-color': areaColor, 'fill-opacity': 0.16 } });
    m.addLayer({
      id: 'areas-line', type: 'line', source: 'areas',
      paint: { 'line-color': areaColor, 'line-width': ['match', ['get', 'kind'], 'protected_site', 2, 1.5], 'line-opacity': 0.9 },
    });
    m.addLayer({
      id: 'areas-corridor', type: 'line', source: 'areas', filter: ['==', ['get', 'kind'], 'corridor'],
      paint: { 'line-color': AREA_COLORS.corridor, 'line-width': 3, 'line-dasharray': [2, 1] },
    });
    m.addLayer({ id: 'highlight-fill', type: 'fill', source: 'highlight', paint: { 'fill-color': '#ffd54f', 'fill-opacity': 0.1 } });
    m.addLayer({
      id: 'highlight-line', type: 'line', source: 'highlight',
      paint: { 'line-color': '#ffd54f', 'line-width': 4, 'line-opacity': 0.95 },
    });
    // Operations above the highlight: the chosen one keeps its state's colour.
    const stateColor = ['match', ['get', 'state'],
      ...Object.entries(STATE_COLORS).flat(), '#9e9e9e'] as unknown as maplibregl.ExpressionSpecification;
    m.addLayer({
      id: 'ops-fill', type: 'fill', source: 'ops',
      paint: { 'fill-color': stateColor, 'fill-opacity': ['case', ['get', 'selected'], 0.45, 0.25] },
    });
    m.addLayer({
      id: 'ops-line', type: 'line', source: 'ops',
      paint: { 'line-color': stateColor, 'line-width': ['case', ['get', 'selected'], 3, 1.5] },
    });
    m.addLayer({
      id: 'candidate-line', type: 'line', source: 'candidate',
      paint: { 'line-color': '#ffffff', 'line-width': 2, 'line-dasharray': [2, 2] },
    });
    m.addLayer({
      id: 'alert-shapes', type: 'line', source: 'alert-shapes',
      paint: { 'line-color': '#ff1744', 'line-width': 3, 'line-dasharray': [1, 1] },
    });
    m.addLayer({
      id: 'trails', type: 'line', source: 'trails',
      paint: { 'line-color': ['get', 'color'], 'line-width': 2, 'line-opacity': 0.7 },
      layout: { 'line-cap': 'round', 'line-join': 'round' },
    });
    m.addLayer({
      id: 'tracks', type: 'circle', source: 'tracks',
      paint: {
        'circle-radius': ['case', ['get', 'alerting'], 8, 6],
        'circle-color': ['get', 'color'],
        'circle-stroke-color': ['case', ['get', 'alerting'], '#ff1744', '#ffffff'],
        'circle-stroke-width': ['case', ['get', 'alerting'], 3, 1.5],
      },
    });
  }

  private async loadBasemap(detailed = false): Promise<void> {
    try {
      let b: Basemap;
      if (detailed) {
        // Ten degrees around the view: the detail the eye can use, at a cost a busy machine bears.
        const c = this.map.getCenter();
        const box: [number, number, number, number] = [c.lng - 10, c.lat - 8, c.lng + 10, c.lat + 8];
        b = crop(await loadDetailed(), box);
        this.detailed = box;
      } else {
        b = await loadCoarse();
      }
      (this.map.getSource('land') as maplibregl.GeoJSONSource).setData(b.land);
      (this.map.getSource('coastline') as maplibregl.GeoJSONSource).setData(b.coastline);
      (this.map.getSource('borders') as maplibregl.GeoJSONSource).setData(b.borders);
    } catch (e) {
      console.error('basemap', e);
      if (detailed) this.detailed = 'no';
    }
  }

  /** Whether the detailed basemap should be (re)loaded for the current view. */
  private wantDetail(): boolean {
    if (this.map.getZoom() < DETAIL_ZOOM || this.detailed === 'loading') return false;
    if (this.detailed === 'no') return true;
    const c = this.map.getCenter(), [w, s, e, n] = this.detailed;
    return c.lng < w + 4 || c.lng > e - 4 || c.lat < s + 3 || c.lat > n - 3;
  }

  private addPlaces(): void {
    for (const p of PLACES) {
      const el = document.createElement('div');
      el.className = `place-label${p.capital ? ' capital' : ''}`;
      el.innerHTML = '<span class="dot"></span>';
      el.append(document.createTextNode(p.name));
      el.setAttribute('aria-hidden', 'true');
      const m = new maplibregl.Marker({ element: el, anchor: 'left', offset: [-3, 0] }).setLngLat([p.lng, p.lat]).addTo(this.map);
      this.placeMarkers.push({ m, rank: p.rank });
    }
    this.updatePlaces();
  }

  private updatePlaces(): void {
    const z = this.map.getZoom();
    const minZoom = [0, 3, 5, 7];
    for (const { m, rank } of this.placeMarkers) {
      m.getElement().style.display = this.toggles.places && z >= minZoom[rank] ? '' : 'none';
    }
    // Small areas (sites, corridors) are labelled only once they are big enough to see.
    const areaLabels = this.toggles.labels && this.toggles.areas;
    for (const m of this.areaMarkers.values()) {
      const el = m.getElement();
      const min = el.dataset.kind === 'protected_site' || el.dataset.kind === 'corridor' ? 8.5 : 6;
      el.style.display = areaLabels && z >= min ? '' : 'none';
    }
  }

  private bindEvents(): void {
    const m = this.map;
    m.on('moveend', () => {
      this.updatePlaces();
      if (this.wantDetail()) {
        this.detailed = 'loading';
        void this.loadBasemap(true);
      }
    });
    for (const layer of ['ops-fill', 'areas-fill', 'tracks']) {
      m.on('mouseenter', layer, () => { if (!this.drawing) m.getCanvas().style.cursor = 'pointer'; });
      m.on('mouseleave', layer, () => { if (!this.drawing) m.getCanvas().style.cursor = ''; });
    }
    m.on('click', (e) => {
      if (this.drawing) return;
      const hits = m.queryRenderedFeatures(e.point, { layers: ['tracks', 'ops-fill', 'areas-fill'] });
      if (!hits.length) return;
      const f = hits[0];
      const p = f.properties as Record<string, unknown>;
      if (f.layer.id === 'tracks') {
        const t = this.tracks.find((x) => x.icao24 === p.icao24);
        if (t) this.showPopup(e.lngLat, trackHtml(t));
      } else if (f.layer.id === 'ops-fill') {
        this.cb.onSelectOperation(String(p.op));
      } else {
        const a = this.areas.find((x) => x.properties.id === p.id);
        if (a) this.showPopup(e.lngLat, areaHtml(a));
      }
    });
  }

  private showPopup(at: maplibregl.LngLatLike, html: string): void {
    this.popup?.remove();
    this.popup = new maplibregl.Popup({ closeButton: true, maxWidth: '320px' }).setLngLat(at).setHTML(html).addTo(this.map);
  }

  // --------------------------------------------------------------- the data

  setTime(t: number | null): void {
    this.time = t;
    this.renderAreas();
    this.renderOps();
  }

  setToggles(t: Partial<LayerToggles>): void {
    Object.assign(this.toggles, t);
    const vis = (on: boolean) => (on ? 'visible' : 'none');
    for (const id of ['areas-fill', 'areas-line', 'areas-corridor']) this.map.setLayoutProperty(id, 'visibility', vis(this.toggles.areas));
    for (const id of ['ops-fill', 'ops-line']) this.map.setLayoutProperty(id, 'visibility', vis(this.toggles.operations));
    for (const id of ['tracks', 'trails']) this.map.setLayoutProperty(id, 'visibility', vis(this.toggles.tracks));
    this.renderOps();
    this.renderTracks();
    this.updatePlaces();
  }

  setAreas(areas: AreaFeature[]): void {
    this.areas = areas;
    this.renderAreas();
    this.renderHighlight();
  }

  private renderAreas(): void {
    const shown = this.areas.filter((a) => this.time === null || areaValidAt(a, this.time));
    const features = shown.map((a) => ({
      type: 'Feature' as const,
      properties: { id: a.properties.id, kind: a.properties.kind, name: a.properties.name },
      geometry: areaGeometry(a),
    }));
    this.setData('areas', { type: 'FeatureCollection', features });
    // Labels: the area's id at its middle.
    const keep = new Set<string>();
    for (const a of shown) {
      const id = a.properties.id;
      keep.add(id);
      const at = labelPoint(a.geometry);
      if (!at) continue;
      let mk = this.areaMarkers.get(id);
      if (!mk) {
        const el = document.createElement('div');
        el.className = `area-label kind-${a.properties.kind}`;
        el.dataset.kind = a.properties.kind;
        el.textContent = id;
        el.title = `${a.properties.name} (${a.properties.kind.replace('_', ' ')})`;
        mk = new maplibregl.Marker({ element: el }).setLngLat(at).addTo(this.map);
        this.areaMarkers.set(id, mk);
      } else {
        mk.setLngLat(at);
      }
    }
    for (const [id, mk] of this.areaMarkers) {
      if (!keep.has(id)) {
        mk.remove();
        this.areaMarkers.delete(id);
      }
    }
    this.updatePlaces();
  }

  setOperations(ops: Operation[], selected: string | null): void {
    this.ops = ops;
    this.selectedOp = selected;
    this.renderOps();
    this.renderHighlight();
  }

  /** The operation drawn as chosen (thicker, shown whatever its state). */
  select(id: string | null): void {
    this.selectedOp = id;
    this.renderOps();
  }

  private renderOps(): void {
    const features: GeoJSON.Feature[] = [];
    for (const op of this.ops) {
      const isSel = op.id === this.selectedOp;
      const lit = this.highlighted.operations.has(op.id);
      if (!isSel && !lit) {
        if (op.state === 'rejected' ? !this.toggles.rejected : !VISIBLE_OPS.has(op.state)) continue;
      }
      op.volumes.forEach((v, vi) => {
        if (this.time !== null && !activeAt(v, this.time) && !isSel) return;
        const g = volumePolygon(v);
        if (!g) return;
        features.push({ type: 'Feature', properties: { op: op.id, state: op.state, vi, selected: isSel }, geometry: g });
      });
    }
    this.setData('ops', { type: 'FeatureCollection', features });
  }

  setTracks(tracks: Track[]): void {
    this.tracks = tracks;
    this.renderTracks();
    this.renderAlerts();
  }

  private renderTracks(): void {
    const alerting = new Set(this.alerts.filter((a) => a.state !== 'resolved').flatMap((a) => a.tracks));
    const pts: GeoJSON.Feature[] = [], trails: GeoJSON.Feature[] = [];
    for (const t of this.tracks) {
      const color = partyColor(t.party);
      pts.push({
        type: 'Feature',
        properties: { icao24: t.icao24, color, alerting: alerting.has(t.icao24) },
        geometry: { type: 'Point', coordinates: [t.lng, t.lat] },
      });
      if (t.trail.length > 1) {
        trails.push({
          type: 'Feature', properties: { color },
          geometry: { type: 'LineString', coordinates: t.trail.map((p) => [p[1], p[0]]) },
        });
      }
    }
    this.setData('tracks', { type: 'FeatureCollection', features: pts });
    this.setData('trails', { type: 'FeatureCollection', features: trails });
    // Labels: callsign (or address) and flight level, in the party's colour.
    const keep = new Set<string>();
    const show = this.toggles.tracks && this.toggles.labels;
    for (const t of show ? this.tracks.slice(0, 300) : []) {
      keep.add(t.icao24);
      let mk = this.trackMarkers.get(t.icao24);
      if (!mk) {
        const el = document.createElement('div');
        el.className = 'track-label';
        el.dataset.icao24 = t.icao24;
        mk = new maplibregl.Marker({ element: el, anchor: 'left', offset: [10, -10] }).setLngLat([t.lng, t.lat]).addTo(this.map);
        this.trackMarkers.set(t.icao24, mk);
      }
      mk.setLngLat([t.lng, t.lat]);
      const el = mk.getElement();
      el.style.borderColor = partyColor(t.party);
      el.classList.toggle('alerting', alerting.has(t.icao24));
      const fl = t.alt_m !== undefined && t.alt_m !== null ? `FL${String(Math.round(t.alt_m / 0.3048 / 100)).padStart(3, '0')}` : '';
      el.textContent = `${t.callsign || t.icao24} ${fl}${t.party ? ' · ' + t.party : ''}`;
      el.title = `${t.icao24} ${t.callsign ?? ''} ${t.party ?? 'unknown party'}, ${fmtTime(t.time)}`;
    }
    for (const [id, mk] of this.trackMarkers) {
      if (!keep.has(id)) {
        mk.remove();
        this.trackMarkers.delete(id);
      }
    }
  }

  setAlerts(alerts: Alert[]): void {
    this.alerts = alerts;
    this.renderAlerts();
    this.renderTracks();
  }

  /** Where an alert is: its tracks' positions, else its detail's position(s). */
  alertPositions(a: Alert): [number, number][] {
    const d = a.detail ?? {};
    const out: [number, number][] = [];
    for (const t of a.tracks) {
      const tr = this.tracks.find((x) => x.icao24 === t);
      if (tr) out.push([tr.lng, tr.lat]);
    }
    if (out.length) return out;
    if (typeof d.lat === 'number' && typeof d.lng === 'number') out.push([d.lng as number, d.lat as number]);
    if (Array.isArray(d.positions)) {
      for (const p of d.positions as { lat: number; lng: number }[]) out.push([p.lng, p.lat]);
    }
    return out;
  }

  private renderAlerts(): void {
    const live = this.alerts.filter((a) => a.state !== 'resolved');
    const keep = new Set<string>();
    const shapes: GeoJSON.Feature[] = [];
    for (const a of live) {
      const pos = this.alertPositions(a);
      if (pos.length) {
        keep.add(a.id);
        let mk = this.alertMarkers.get(a.id);
        if (!mk) {
          const el = document.createElement('button');
          el.type = 'button';
          el.className = 'alert-ring';
          el.addEventListener('click', (ev) => {
            ev.stopPropagation();
            this.cb.onSelectAlert(a.id);
          });
          mk = new maplibregl.Marker({ element: el }).setLngLat(pos[0]).addTo(this.map);
          this.alertMarkers.set(a.id, mk);
        }
        mk.setLngLat(pos[0]);
        const el = mk.getElement();
        el.classList.toggle('acknowledged', a.state === 'acknowledged');
        el.classList.toggle('predicted', a.predicted);
        el.setAttribute('aria-label', `alert ${a.id}: ${a.type.replace(/_/g, ' ')}${a.predicted ? ' (predicted)' : ''}`);
        el.title = `${a.id} ${a.type.replace(/_/g, ' ')}${a.predicted ? ' (predicted)' : ''} — ${a.state}`;
      }
      if (a.area) {
        const area = this.areas.find((x) => x.properties.id === a.area);
        if (area) shapes.push({ type: 'Feature', properties: { alert: a.id }, geometry: areaGeometry(area) });
      }
      if (a.operation) {
        const op = this.ops.find((x) => x.id === a.operation);
        for (const v of op?.volumes ?? []) {
          const g = volumePolygon(v);
          if (g) shapes.push({ type: 'Feature', properties: { alert: a.id }, geometry: g });
        }
      }
    }
    for (const [id, mk] of this.alertMarkers) {
      if (!keep.has(id)) {
        mk.remove();
        this.alertMarkers.delete(id);
      }
    }
    this.setData('alert-shapes', { type: 'FeatureCollection', features: shapes });
  }

  /** Marks areas and operations (a decision's findings), and a candidate's volumes. */
  highlight(areas: string[], operations: string[], candidate: Volume4D[] = []): void {
    this.highlighted = { areas: new Set(areas), operations: new Set(operations) };
    this.candidate = candidate;
    this.renderOps();
    this.renderHighlight();
  }

  highlightedIds(): { areas: string[]; operations: string[] } {
    return { areas: [...this.highlighted.areas], operations: [...this.highlighted.operations] };
  }

  private renderHighlight(): void {
    const features: GeoJSON.Feature[] = [];
    for (const a of this.areas) {
      if (this.highlighted.areas.has(a.properties.id)) {
        features.push({ type: 'Feature', properties: { area: a.properties.id }, geometry: areaGeometry(a) });
      }
    }
    for (const op of this.ops) {
      if (!this.highlighted.operations.has(op.id)) continue;
      for (const v of op.volumes) {
        const g = volumePolygon(v);
        if (g) features.push({ type: 'Feature', properties: { op: op.id }, geometry: g });
      }
    }
    this.setData('highlight', { type: 'FeatureCollection', features });
    const cand: GeoJSON.Feature[] = [];
    for (const v of this.candidate) {
      const g = volumePolygon(v);
      if (g) cand.push({ type: 'Feature', properties: {}, geometry: g });
    }
    this.setData('candidate', { type: 'FeatureCollection', features: cand });
  }

  // ----------------------------------------------------------------- camera

  geometryOfArea(id: string): GeoJSON.Geometry | null {
    const a = this.areas.find((x) => x.properties.id === id);
    return a ? areaGeometry(a) : null;
  }

  fitTo(geoms: GeoJSON.Geometry[], maxZoom = 10): void {
    const b = boundsOf(geoms);
    if (!b) return;
    // Room for the time bar at the top.
    this.map.fitBounds(b, { padding: { top: 100, bottom: 40, left: 50, right: 40 }, maxZoom, duration: 400 });
  }

  fitToAll(): void {
    const geoms: GeoJSON.Geometry[] = this.areas.map(areaGeometry);
    for (const op of this.ops) {
      if (!VISIBLE_OPS.has(op.state)) continue;
      for (const v of op.volumes) {
        const g = volumePolygon(v);
        if (g) geoms.push(g);
      }
    }
    if (geoms.length) this.fitTo(geoms, 8);
  }

  fitToOperation(op: Operation): void {
    const geoms = op.volumes.map(volumePolygon).filter((g): g is GeoJSON.Polygon => !!g);
    this.fitTo(geoms);
  }

  flyTo(lnglat: [number, number], zoom = 9): void {
    this.map.flyTo({ center: lnglat, zoom: Math.max(this.map.getZoom(), zoom), duration: 400 });
  }
}

function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function areaHtml(a: AreaFeature): string {
  const p = a.properties;
  const alt = p.altitude ? `${p.altitude.lower ?? 0}–${p.altitude.upper ?? '∞'} m` : 'all altitudes';
  const valid = p.valid ? `${p.valid.from ? fmtTime(p.valid.from) : 'always'} → ${p.valid.to ? fmtTime(p.valid.to) : 'open'}` : 'always';
  return `<strong>${esc(p.id)}</strong> ${esc(p.name)}<br><span class="muted">${esc(p.kind.replace('_', ' '))}` +
    `${p.radius_m ? `, radius ${p.radius_m} m` : ''}; ${alt}; valid ${esc(valid)}</span>`;
}

function trackHtml(t: Track): string {
  const alt = t.alt_m !== undefined && t.alt_m !== null ? `${Math.round(t.alt_m)} m` : '—';
  const gs = t.gs_mps !== undefined && t.gs_mps !== null ? `${Math.round(t.gs_mps)} m/s` : '—';
  return `<strong>${esc(t.callsign || t.icao24)}</strong> <span class="mono">${esc(t.icao24)}</span><br>` +
    `party ${esc(t.party ?? 'unknown')}; ${alt}; ${gs}; hdg ${t.track_deg !== undefined ? Math.round(t.track_deg) + '°' : '—'}<br>` +
    `operations: ${t.operations.length ? esc(t.operations.join(', ')) : '<em>none associated</em>'}<br>` +
    `<span class="muted">last report ${esc(fmtTime(t.time))}</span>`;
}
