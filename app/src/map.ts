// Covered H3 cells on a map. By default an SVG drawn from the cells' own boundaries (h3-js): no
// map tiles, no third-party server, so it works offline. Longitudes are scaled by the cosine of
// the mean latitude, so hexagons keep their shape at any latitude. Where config.json names map
// tiles, the cells are drawn over them instead (basemap.ts, loaded only then).
import { cellToBoundary, cellToLatLng, isValidCell } from 'h3-js';
import type { Basemap } from './config';

const SVG = 'http://www.w3.org/2000/svg';

export interface CellGroup {
  cells: string[];
  /** CSS class of the group's polygons, and the legend's words. */
  className: string;
  label: string;
  /** More words on one cell (e.g. how many devices), for its tooltip. */
  detail?: (cell: string) => string;
}

/** "3 hotspot cells, 5 cells mapped in the last day". */
export function captionOf(groups: CellGroup[]): string {
  return groups.map((g) => `${g.cells.length} ${g.label.toLowerCase()}`).join(', ');
}

export function legendOf(groups: CellGroup[]): HTMLUListElement {
  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const group of groups) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${group.className}`;
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, ` ${group.label}`);
    legend.append(item);
  }
  return legend;
}

/**
 * Draws `groups` into `target`: over the configured basemap, or as the offline SVG without one
 * (and when the basemap cannot be drawn here, saying why).
 */
export async function renderCells(target: HTMLElement, groups: CellGroup[], basemap?: Basemap): Promise<void> {
  if (!basemap || groups.every((g) => g.cells.length === 0)) {
    target.replaceChildren(coverageMap(groups));
    return;
  }
  try {
    const { drawOverBasemap } = await import('./basemap');
    drawOverBasemap(target, groups, basemap);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    target.replaceChildren(coverageMap(groups, `The map tiles cannot be drawn in this browser (${why}); the cells are drawn without them.`));
  }
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

export function coverageMap(groups: CellGroup[], note?: string): Element {
  const drawn = groups.map((g) => ({ ...g, cells: g.cells.filter((c) => isValidCell(c)) }));
  const boundaries = drawn.flatMap((g) => g.cells.map((c) => cellToBoundary(c)));
  const figure = document.createElement('figure');
  figure.className = 'map';
  if (boundaries.length === 0) {
    const empty = document.createElement('p');
    empty.textContent = 'No covered cells yet: hotspots appear once located, dashcams once a drive was verified.';
    figure.append(empty);
    return figure;
  }
  if (note) {
    const said = document.createElement('p');
    said.className = 'map-note';
    said.textContent = note;
    figure.append(said);
  }
  const points = boundaries.flat();
  const lats = points.map(([lat]) => lat);
  const lngs = points.map(([, lng]) => lng);
  const [minLat, maxLat, minLng, maxLng] = [Math.min(...lats), Math.max(...lats), Math.min(...lngs), Math.max(...lngs)];
  const scale = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const width = Math.max((maxLng - minLng) * scale, 1e-4);
  const height = Math.max(maxLat - minLat, 1e-4);
  // y grows downwards in SVG: north is up when latitude is negated.
  const x = (lng: number) => (lng - minLng) * scale;
  const y = (lat: number) => maxLat - lat;
  const project = ([lat, lng]: number[]) => `${x(lng).toFixed(6)},${y(lat).toFixed(6)}`;
  const box = (x0: number, y0: number, w: number, h: number) => {
    const pad = Math.max(w, h, 1e-4) * 0.05;
    return `${(x0 - pad).toFixed(6)} ${(y0 - pad).toFixed(6)} ${(w + 2 * pad).toFixed(6)} ${(h + 2 * pad).toFixed(6)}`;
  };
  const whole = box(0, 0, width, height);
  const map = svg('svg', { viewBox: whole, role: 'img', 'aria-labelledby': 'map-caption', preserveAspectRatio: 'xMidYMid meet' });
  // A hotspot's cell is metres wide on a map kilometres across: a dot at its centre keeps every
  // cell visible. Its size follows the view (set below), so it is sized after it.
  const dots: SVGCircleElement[] = [];
  const sizeDots = () => {
    const [, , w, h] = (map.getAttribute('viewBox') ?? whole).split(' ').map(Number);
    for (const dot of dots) dot.setAttribute('r', (Math.max(w, h) * 0.008).toFixed(6));
  };
  for (const group of drawn) {
    for (const cell of group.cells) {
      const [lat, lng] = cellToLatLng(cell);
      const title = svg('title', {});
      const detail = group.detail?.(cell);
      title.textContent = `${group.label}: cell ${cell} (${lat.toFixed(5)}, ${lng.toFixed(5)})${detail ? `, ${detail}` : ''}`;
      const [cx, cy] = project([lat, lng]).split(',');
      const marker = svg('g', { class: group.className });
      const dot = svg('circle', { cx, cy, r: '0', class: 'dot' });
      dots.push(dot);
      marker.append(title, svg('polygon', { points: cellToBoundary(cell).map(project).join(' '), class: group.className, 'data-cell': cell }), dot);
      map.append(marker);
    }
  }
  const caption = document.createElement('figcaption');
  caption.id = 'map-caption';
  const counts = captionOf(drawn);
  caption.textContent = `${counts}.`;
  // A few far cells (a hotspot asserted across town) would shrink the rest to a speck: the map
  // opens on where most cells are, and says how many it leaves out until asked for all.
  const centres = drawn.flatMap((g) => g.cells.map((c) => cellToLatLng(c)));
  const within = (q: number, values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
  const [x0, x1] = [within(0.1, centres.map(([, lng]) => x(lng))), within(0.9, centres.map(([, lng]) => x(lng)))];
  const [y0, y1] = [within(0.1, centres.map(([lat]) => y(lat))), within(0.9, centres.map(([lat]) => y(lat)))];
  // The middle cells' span, widened by as much again on each side and to at least a twentieth of
  // the whole, so that a crowd in one spot still shows its neighbourhood.
  const least = Math.max(width, height) / 20;
  const widen = (a: number, b: number) => {
    const half = Math.max((b - a) * 1.5, least / 2);
    return [(a + b) / 2 - half, (a + b) / 2 + half];
  };
  const [cx0, cx1] = widen(x0, x1);
  const [cy0, cy1] = widen(y0, y1);
  const core = { x0: cx0, x1: cx1, y0: cy0, y1: cy1 };
  const outside = centres.filter(([lat, lng]) => x(lng) < core.x0 || x(lng) > core.x1 || y(lat) < core.y0 || y(lat) > core.y1).length;
  let toggle: HTMLButtonElement | undefined;
  if (outside > 0 && (core.x1 - core.x0) * (core.y1 - core.y0) < (width * height) / 4) {
    const near = box(core.x0, core.y0, core.x1 - core.x0, core.y1 - core.y0);
    map.setAttribute('viewBox', near);
    toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'secondary';
    const label = () => {
      const all = map.getAttribute('viewBox') === whole;
      toggle!.textContent = all ? 'Show where most cells are' : `Show all cells (${outside} outside this view)`;
      caption.textContent = all ? `${counts}, all shown.` : `${counts}; ${outside} outside this view.`;
    };
    toggle.addEventListener('click', () => {
      map.setAttribute('viewBox', map.getAttribute('viewBox') === whole ? near : whole);
      label();
      sizeDots();
    });
    label();
  }
  sizeDots();
  figure.append(map, caption, legendOf(drawn));
  if (toggle) figure.append(toggle);
  return figure;
}
