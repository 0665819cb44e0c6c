// The oracle API the app reads (see the README's "HTTP API"): the owner's devices and rewards,
// ready-to-sign claim and destination transactions, the reports the verifier refused, the
// challenge an owner signs to see where their dashcams drove, the network page's aggregates,
// and on a local network its test owner key.
import { getJson, postJson } from './http';

export interface PoolView {
  pool: string;
  stream: 'coverage' | 'mapping';
  mint: string;
  active_epoch: number;
  claimable_epoch: number | null;
  pending_epoch: number | null;
  pending_activates_at: number | null;
}

export interface DeviceReward {
  pool: string;
  cumulative: number;
  claimed: number;
  claimable: number;
  destination: string | null;
}

export interface DeviceView {
  asset: string;
  device_key: string;
  kind: 'hotspot' | 'mapper';
  location_h3: string | null;
  status: 'active' | 'inactive';
  last_valid_report_ms: number | null;
  rewards: DeviceReward[];
}

export interface OwnerDevices {
  owner: string;
  now_ms: number;
  pools: PoolView[];
  devices: DeviceView[];
  hotspot_cells: string[];
}

export interface ClaimTransactions {
  pool: string;
  owner: string;
  epoch: number;
  paid: number;
  claimed: string[];
  nothing_to_claim: string[];
  /** base64 of each unsigned transaction's wire bytes, in the order to send them. */
  transactions: string[];
}

export interface DestinationTransaction {
  pool: string;
  owner: string;
  asset: string;
  destination: string;
  transaction: string;
}

export interface RefusedReport {
  /** The report id, hex. */
  id: string;
  /** The epoch whose judgement refused it. */
  epoch: number;
  kind: number;
  reason: string;
  explanation: string;
  signed_at_ms: number;
}

/** What an owner's wallet signs to see where the owner's dashcams drove. */
export interface OwnerChallenge {
  owner: string;
  nonce: string;
  issued_at_ms: number;
  expires_at_ms: number;
  /** The text the wallet signs. */
  message: string;
  token: string;
}

export interface SignedChallenge {
  nonce: string;
  issued_at_ms: number;
  expires_at_ms: number;
  token: string;
  /** The owner's ed25519 signature over the message, hex. */
  signature: string;
}

export interface OwnerMappedCells {
  owner: string;
  cells: string[];
  resolution: number;
  since_ms: number;
  judged_through_ms: number | null;
  challenge_expires_at_ms: number;
}

export interface LocalTestWalletKey {
  address: string;
  /** The keypair file's 64 bytes: seed, then public key. */
  secret_key: number[];
  warning: string;
}

export interface CellCount {
  cell: string;
  devices: number;
}

export interface NetworkDevices {
  now_ms: number;
  devices: { kind: 'hotspot' | 'mapper'; status: 'active' | 'inactive'; count: number; located: number }[];
  hotspot_cells: { resolution: number; cells: CellCount[] };
  mapped_cells: { resolution: number; since_ms: number; judged_through_ms: number | null; min_dashcams: number; cells: CellCount[]; withheld_cells: number };
}

export interface EpochRow {
  epoch: number;
  status: 'computing' | 'signed' | 'posted' | 'pending' | 'active';
  root: string | null;
  cumulative_total: number | null;
  leaf_count: number | null;
  signatures: number;
  post_tx: string | null;
  pending_until: number | null;
}

export interface PoolRow {
  pool: string;
  stream: 'coverage' | 'mapping';
  active_epoch: number | null;
  active_root: string | null;
  active_cumulative_total: number | null;
  total_claimed: number | null;
  pending_epoch: number | null;
  pending_until: number | null;
  dispute_window_secs: number | null;
  epochs: EpochRow[];
}

export interface NetworkPools {
  chain_time: number | null;
  pools: PoolRow[];
}

export interface EmissionRow {
  epoch: number;
  start_ts: number;
  scheduled: number;
  emitted: boolean;
  recipients: { token_account: string; pool: string | null; amount: number }[];
  dc_burned: { usage: number; fees: number };
}

export interface NetworkEmissions {
  treasury: string;
  mint: string;
  epoch_length_secs: number;
  current_epoch: number;
  next_epoch: number;
  total_emitted: number;
  epochs: EmissionRow[];
}

export interface OracleHealth {
  oracle: string;
  healthy: boolean;
  problem: string | null;
  last_signed: { pool: string; epoch: number | null }[];
}

export interface NetworkOracles {
  oracles: { oracle: string; url: string | null; reachable: boolean; health: OracleHealth | null; error: string | null }[];
}

export class OracleApi {
  constructor(readonly base: string) {}

  private url(path: string): string {
    return new URL(path, this.base).href;
  }

  ownerDevices(owner: string): Promise<OwnerDevices> {
    return getJson(this.url(`v1/owners/${owner}/devices`), 30_000);
  }

  claims(pool: string, owner: string, asset?: string): Promise<ClaimTransactions> {
    const query = asset ? `?asset=${encodeURIComponent(asset)}` : '';
    return getJson(this.url(`v1/claims/${pool}/${owner}${query}`), 30_000);
  }

  destination(pool: string, owner: string, asset: string, to: string): Promise<DestinationTransaction> {
    return getJson(this.url(`v1/destinations/${pool}/${owner}/${asset}?to=${encodeURIComponent(to)}`));
  }

  rejections(deviceKey: string): Promise<RefusedReport[]> {
    return getJson(this.url(`v1/devices/${deviceKey}/rejections`));
  }

  challenge(owner: string): Promise<OwnerChallenge> {
    return postJson(this.url(`v1/owners/${owner}/challenge`), undefined);
  }

  mappedCells(owner: string, signed: SignedChallenge): Promise<OwnerMappedCells> {
    return postJson(this.url(`v1/owners/${owner}/mapped-cells`), signed, 30_000);
  }

  localTestWallet(): Promise<LocalTestWalletKey> {
    return getJson(this.url('v1/local/test-wallet'));
  }

  networkDevices(): Promise<NetworkDevices> {
    return getJson(this.url('v1/network/devices'), 30_000);
  }

  networkPools(): Promise<NetworkPools> {
    return getJson(this.url('v1/network/pools'), 30_000);
  }

  networkEmissions(): Promise<NetworkEmissions> {
    return getJson(this.url('v1/network/emissions'), 30_000);
  }

  networkOracles(): Promise<NetworkOracles> {
    return getJson(this.url('v1/network/oracles'), 30_000);
  }
}
