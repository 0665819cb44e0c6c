// Where the app finds its network: config.json beside the page, written by whoever serves it
// (scripts/localnet.sh for the local network), so nothing about a network is built into the app.
import { getJson } from './http';

export interface AppConfig {
  /** JSON-RPC endpoint of the network's node. */
  rpcUrl: string;
  /** The wallet-standard chain the network is, e.g. `solana:localnet`. */
  chain: `${string}:${string}`;
  /** The node's genesis hash: a node of any other network is refused. */
  genesisHash: string;
  /** The oracle API; the page's own origin when absent (the oracle serves the app). */
  oracleUrl?: string;
}

export async function loadConfig(): Promise<AppConfig> {
  const config = await getJson<Partial<AppConfig>>(new URL('config.json', document.baseURI).href);
  const { rpcUrl, chain, genesisHash } = config;
  if (typeof rpcUrl !== 'string' || typeof chain !== 'string' || !chain.includes(':') || typeof genesisHash !== 'string') {
    throw new Error('config.json needs rpcUrl, chain (e.g. solana:localnet) and genesisHash');
  }
  return { rpcUrl, chain: chain as AppConfig['chain'], genesisHash, oracleUrl: config.oracleUrl };
}
