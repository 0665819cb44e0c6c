// The owner's covered H3 cells as an SVG drawn from the cells' own boundaries (h3-js): no map
// tiles, no third-party server. Longitudes are scaled by the cosine of the mean latitude, so
// hexagons keep their shape at any latitude.
import { cellToBoundary, cellToLatLng, isValidCell } from 'h3-js';

const SVG = 'http://www.w3.org/2000/svg';

export interface CellGroup {
  cells: string[];
  /** CSS class of the group's polygons, and the legend's words. */
  className: string;
  label: string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

export function coverageMap(groups: CellGroup[]): Element {
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
  const points = boundaries.flat();
  const lats = points.map(([lat]) => lat);
  const lngs = points.map(([, lng]) => lng);
  const [minLat, maxLat, minLng, maxLng] = [Math.min(...lats), Math.max(...lats), Math.min(...lngs), Math.max(...lngs)];
  const scale = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const width = Math.max((maxLng - minLng) * scale, 1e-4);
  const height = Math.max(maxLat - minLat, 1e-4);
  const pad = Math.max(width, height) * 0.05;
  // y grows downwards in SVG: north is up when latitude is negated.
  const project = ([lat, lng]: number[]) => `${((lng - minLng) * scale + pad).toFixed(6)},${(maxLat - lat + pad).toFixed(6)}`;
  const map = svg('svg', {
    viewBox: `0 0 ${(width + 2 * pad).toFixed(6)} ${(height + 2 * pad).toFixed(6)}`,
    role: 'img',
    'aria-labelledby': 'map-caption',
    preserveAspectRatio: 'xMidYMid meet',
  });
  // A hotspot's cell is metres wide on a map kilometres across: a dot at its centre, a fixed
  // share of the map, keeps every cell visible at any zoom of the data.
  const dot = (Math.max(width, height) * 0.008).toFixed(6);
  for (const group of drawn) {
    for (const cell of group.cells) {
      const [lat, lng] = cellToLatLng(cell);
      const title = svg('title', {});
      title.textContent = `${group.label}: cell ${cell} (${lat.toFixed(5)}, ${lng.toFixed(5)})`;
      const [cx, cy] = project([lat, lng]).split(',');
      const marker = svg('g', { class: group.className });
      marker.append(
        title,
        svg('polygon', { points: cellToBoundary(cell).map(project).join(' '), class: group.className, 'data-cell': cell }),
        svg('circle', { cx, cy, r: dot, class: 'dot' }),
      );
      map.append(marker);
    }
  }
  const caption = document.createElement('figcaption');
  caption.id = 'map-caption';
  caption.textContent = drawn.map((g) => `${g.cells.length} ${g.label.toLowerCase()}`).join(', ') + '.';
  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const group of drawn) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${group.className}`;
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, ` ${group.label}`);
    legend.append(item);
  }
  figure.append(map, caption, legend);
  return figure;
}
