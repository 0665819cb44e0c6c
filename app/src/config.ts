// Where the app finds its network: config.json beside the page, written by whoever serves it
// (scripts/localnet.sh for the local network), so nothing about a network is built into the app.
import { getJson } from './http';

export interface Basemap {
  /** A raster tile URL template, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`. */
  tiles: string;
  /** Shown on the map, as the tiles' terms require (e.g. `© OpenStreetMap contributors`). */
  attribution: string;
  /** The deepest zoom the tile server has (19 unless said). */
  maxZoom?: number;
}

export interface AppConfig {
  /** JSON-RPC endpoint of the network's node. */
  rpcUrl: string;
  /** The wallet-standard chain the network is, e.g. `solana:localnet`. */
  chain: `${string}:${string}`;
  /** The node's genesis hash: a node of any other network is refused. */
  genesisHash: string;
  /** The oracle API; the page's own origin when absent (the oracle serves the app). */
  oracleUrl?: string;
  /** Map tiles under the cells; without them the map is drawn offline, cells alone. */
  basemap?: Basemap;
}

export const LOCAL_CHAIN = 'solana:localnet';

function basemapOf(value: unknown): Basemap | undefined {
  if (value === undefined) return undefined;
  const b = value as Partial<Basemap>;
  if (typeof b.tiles !== 'string' || !/^https?:\/\//.test(b.tiles) || !b.tiles.includes('{z}') || !b.tiles.includes('{x}') || !b.tiles.includes('{y}')) {
    throw new Error('config.json basemap.tiles must be an http(s) URL template with {z}, {x} and {y}');
  }
  if (typeof b.attribution !== 'string' || b.attribution.trim() === '') {
    throw new Error('config.json basemap.attribution is required: map tiles come with terms that ask to be credited');
  }
  if (b.maxZoom !== undefined && (!Number.isInteger(b.maxZoom) || b.maxZoom < 0 || b.maxZoom > 24)) {
    throw new Error('config.json basemap.maxZoom must be a whole number from 0 to 24');
  }
  return { tiles: b.tiles, attribution: b.attribution, maxZoom: b.maxZoom };
}

export async function loadConfig(): Promise<AppConfig> {
  const config = await getJson<Partial<AppConfig>>(new URL('config.json', document.baseURI).href);
  const { rpcUrl, chain, genesisHash } = config;
  if (typeof rpcUrl !== 'string' || typeof chain !== 'string' || !chain.includes(':') || typeof genesisHash !== 'string') {
    throw new Error('config.json needs rpcUrl, chain (e.g. solana:localnet) and genesisHash');
  }
  return { rpcUrl, chain: chain as AppConfig['chain'], genesisHash, oracleUrl: config.oracleUrl, basemap: basemapOf(config.basemap) };
}
