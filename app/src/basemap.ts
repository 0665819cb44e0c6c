// The cells over a real map, where config.json names map tiles: MapLibre GL renders the tiles
// (raster, from the configured URL template, credited as configured) with the cells as polygons
// above them. Loaded only when a basemap is configured, so the default page needs nothing from
// outside; a browser without WebGL gets the offline map instead, with a note.
import { AttributionControl, Map as MapLibreMap, NavigationControl, setWorkerUrl, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { cellToBoundary, isValidCell } from 'h3-js';
import type { Basemap } from './config';
import { captionOf, legendOf, type CellGroup } from './map';

// The worker is bundled as an asset of its own: MapLibre would look for it beside its own module.
setWorkerUrl(workerUrl);

function cssColor(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * Draws `groups` over the basemap into `target` (which must be in the page, so the map has a
 * size). The figure says where it stands in `data-basemap`: `loading`, then `loaded` once the
 * tiles under the view are drawn, or `tiles-failed` when the tile server did not answer.
 */
export function drawOverBasemap(target: HTMLElement, groups: CellGroup[], basemap: Basemap): void {
  const drawn = groups.map((g) => ({ ...g, cells: g.cells.filter((c) => isValidCell(c)) }));
  const features = drawn.flatMap((g) =>
    g.cells.map((cell) => ({
      type: 'Feature' as const,
      properties: { group: g.className, cell, detail: g.detail?.(cell) ?? '' },
      geometry: { type: 'Polygon' as const, coordinates: [cellToBoundary(cell, true)] },
    })),
  );
  const figure = document.createElement('figure');
  figure.className = 'map basemap';
  figure.dataset.basemap = 'loading';
  figure.dataset.cells = String(features.length);
  const canvas = document.createElement('div');
  canvas.className = 'map-canvas';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `Map of ${captionOf(drawn)}`);
  const note = document.createElement('p');
  note.className = 'map-note';
  note.hidden = true;
  figure.append(canvas, note);
  const caption = document.createElement('figcaption');
  caption.textContent = `${captionOf(drawn)}.`;
  figure.append(caption, legendOf(drawn));
  target.replaceChildren(figure);

  const points = features.flatMap((f) => f.geometry.coordinates[0]);
  const lngs = points.map(([lng]) => lng);
  const lats = points.map(([, lat]) => lat);
  const colors: Record<string, string> = { 'hotspot-cell': cssColor('--hotspot', '#0b5cad'), 'mapped-cell': cssColor('--mapped', '#1f8a4c') };
  const style: StyleSpecification = {
    version: 8,
    sources: {
      basemap: { type: 'raster', tiles: [basemap.tiles], tileSize: 256, maxzoom: basemap.maxZoom ?? 19, attribution: basemap.attribution },
      cells: { type: 'geojson', data: { type: 'FeatureCollection', features } },
    },
    layers: [
      { id: 'basemap', type: 'raster', source: 'basemap' },
      ...drawn.flatMap((g) => [
        { id: `${g.className}-fill`, type: 'fill' as const, source: 'cells', filter: ['==', ['get', 'group'], g.className] as ['==', ['get', string], string], paint: { 'fill-color': colors[g.className] ?? '#555', 'fill-opacity': 0.5 } },
        { id: `${g.className}-line`, type: 'line' as const, source: 'cells', filter: ['==', ['get', 'group'], g.className] as ['==', ['get', string], string], paint: { 'line-color': colors[g.className] ?? '#555', 'line-width': 1.5 } },
      ]),
    ],
  };
  const map = new MapLibreMap({
    container: canvas,
    style,
    bounds: points.length > 0 ? [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)] : undefined,
    fitBoundsOptions: { padding: 24, maxZoom: 15 },
    // The credit is part of the map, always in full: the tiles' terms ask for it.
    attributionControl: false,
    cooperativeGestures: true,
  });
  map.addControl(new AttributionControl({ compact: false }), 'bottom-right');
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  let tilesFailed = false;
  map.on('error', (event) => {
    const source = (event as { sourceId?: string }).sourceId;
    if (source !== 'basemap' || tilesFailed) return;
    tilesFailed = true;
    figure.dataset.basemap = 'tiles-failed';
    note.hidden = false;
    note.textContent = `The map tiles could not be loaded from ${new URL(basemap.tiles.replace(/[{}]/g, '')).host}; the cells are drawn without them.`;
  });
  map.once('idle', () => {
    if (!tilesFailed) figure.dataset.basemap = 'loaded';
  });
}
