// The offline basemap: Natural Earth countries from the world-atlas package
// (TopoJSON, bundled as an asset and served by the center itself), turned
// into land, coastlines and borders. The coarse 1:50m set loads first; the
// detailed 1:10m set replaces it, around where the map is, once it is zoomed
// in past `DETAIL_ZOOM` (and again when it moves far from there).
import { feature, mesh } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import countries50 from 'world-atlas/countries-50m.json?url';
import countries10 from 'world-atlas/countries-10m.json?url';

export const DETAIL_ZOOM = 7;

export interface Basemap {
  land: GeoJSON.FeatureCollection;
  coastline: GeoJSON.MultiLineString;
  borders: GeoJSON.MultiLineString;
}

async function load(url: string): Promise<Basemap> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`basemap ${url}: HTTP ${res.status}`);
  const topo = (await res.json()) as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const c = topo.objects.countries;
  const land = feature(topo, c) as unknown as GeoJSON.FeatureCollection;
  return {
    land,
    coastline: mesh(topo, c, (a, b) => a === b) as GeoJSON.MultiLineString,
    borders: mesh(topo, c, (a, b) => a !== b) as GeoJSON.MultiLineString,
  };
}

export const loadCoarse = () => load(countries50);
let detailed: Promise<Basemap> | null = null;
export const loadDetailed = () => (detailed ??= load(countries10));

type Box = [number, number, number, number]; // west, south, east, north

function lineBox(coords: number[][]): Box {
  let w = 180, s = 90, e = -180, n = -90;
  for (const [x, y] of coords) {
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return [w, s, e, n];
}
const meets = (a: Box, b: Box) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];

/**
 * The part of a basemap near `box`: the countries, coastlines and borders
 * that reach into it. The 1:10m world is too much to cut into tiles whole on
 * a busy machine; a region of it is not.
 */
export function crop(b: Basemap, box: Box): Basemap {
  const lines = (m: GeoJSON.MultiLineString): GeoJSON.MultiLineString =>
    ({ type: 'MultiLineString', coordinates: m.coordinates.filter((l) => meets(lineBox(l), box)) });
  return {
    land: {
      type: 'FeatureCollection',
      features: b.land.features.filter((f) => {
        const g = f.geometry;
        const rings = g.type === 'Polygon' ? [g.coordinates[0]] : g.type === 'MultiPolygon' ? g.coordinates.map((p) => p[0]) : [];
        return rings.some((r) => meets(lineBox(r), box));
      }),
    },
    coastline: lines(b.coastline),
    borders: lines(b.borders),
  };
}
