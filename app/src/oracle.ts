// The oracle API the app reads (see the README's "HTTP API"): the owner's devices and rewards,
// ready-to-sign claim and destination transactions, and the reports the verifier refused.
import { getJson } from './http';

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
  mapped_cells: string[];
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

export class OracleApi {
  constructor(private readonly base: string) {}

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
}
