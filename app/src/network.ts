// The network page: devices by kind and status, the hotspots per cell and the cells dashcams
// mapped in the last day (aggregated by the oracle, never one device's track), each pool's
// epochs with their roots, totals and states, each oracle's health and newest signed epoch, and
// the treasury's emissions with the data credits burned, per epoch. Each part loads on its own:
// one that fails says why without hiding the others.
import { Chain } from './chain';
import { loadConfig, type AppConfig } from './config';
import { byId, h } from './dom';
import { shortKey, tokens } from './format';
import { HttpFailure } from './http';
import { renderCells } from './map';
import { OracleApi, type EpochRow, type NetworkDevices, type NetworkEmissions, type NetworkOracles, type NetworkPools, type PoolRow } from './oracle';
import { say } from './status';

/** The page reads everything again this often (the dispute windows count down). */
const REFRESH_MS = 60_000;

let config: AppConfig;
let oracle: OracleApi;
let node: Chain;
/** Decimals of the network token, once the emissions named it. */
let decimals: number | undefined;

function body(section: string): HTMLElement {
  return byId(section).querySelector<HTMLElement>('.body')!;
}

function failed(section: string, what: string, e: unknown): void {
  const words =
    e instanceof HttpFailure && e.kind !== 'refused'
      ? `The oracle cannot be reached: ${e.message}.`
      : e instanceof HttpFailure
        ? `The oracle refused: ${e.code ?? e.status}: ${e.message}.`
        : `${e instanceof Error ? e.message : String(e)}.`;
  body(section).replaceChildren(h('p', { class: 'error', role: 'alert' }, `${what} could not be read. ${words}`));
}

function amount(units: number | bigint | null): string {
  if (units === null) return '—';
  return decimals === undefined ? `${units.toLocaleString('en-US')} units` : tokens(BigInt(units), decimals);
}

function utcTime(unixSecs: number): string {
  return `${new Date(unixSecs * 1000).toISOString().slice(11, 19)} UTC`;
}

function table(caption: string, head: string[], rows: Node[]): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h('table', {}, h('caption', {}, caption), h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, ...rows)),
  );
}

// ---- devices and coverage ----------------------------------------------------------------

function renderDevices(d: NetworkDevices): void {
  const kinds: ('hotspot' | 'mapper')[] = ['hotspot', 'mapper'];
  const count = (kind: string, status: string) => d.devices.find((c) => c.kind === kind && c.status === status) ?? { count: 0, located: 0 };
  const rows = kinds.map((kind) => {
    const [active, inactive] = [count(kind, 'active'), count(kind, 'inactive')];
    return h(
      'tr',
      { 'data-kind': kind },
      h('th', { scope: 'row' }, kind === 'hotspot' ? 'Hotspots' : 'Dashcams'),
      h('td', { 'data-field': 'active' }, String(active.count)),
      h('td', { 'data-field': 'inactive' }, String(inactive.count)),
      h('td', { 'data-field': 'located' }, String(active.located + inactive.located)),
    );
  });
  body('net-devices').replaceChildren(table('Devices registered on the network', ['Kind', 'Active', 'Deactivated', 'Located'], rows));

  const hotspots = new Map(d.hotspot_cells.cells.map((c) => [c.cell, c.devices]));
  const dashcams = new Map(d.mapped_cells.cells.map((c) => [c.cell, c.devices]));
  const m = d.mapped_cells;
  const withheld =
    m.withheld_cells > 0
      ? ` ${m.withheld_cells} more cell${m.withheld_cells === 1 ? ' was' : 's were'} mapped by fewer than ${m.min_dashcams} dashcams and ${m.withheld_cells === 1 ? 'is' : 'are'} not shown, so that no one’s drive can be read from the map.`
      : '';
  body('net-coverage').replaceChildren(
    h(
      'p',
      { class: 'explain' },
      `Hotspots are counted per resolution-${d.hotspot_cells.resolution} cell, where the rewards’ density rule counts them. Dashcams’ cells of the last day are shown at resolution ${m.resolution} (about 5 km² each), with how many dashcams mapped each.${withheld}`,
    ),
  );
  void renderCells(
    byId('net-map'),
    [
      { cells: [...hotspots.keys()], className: 'hotspot-cell', label: 'Cells with hotspots', detail: (cell) => `${hotspots.get(cell)} hotspots` },
      { cells: [...dashcams.keys()], className: 'mapped-cell', label: 'Cells mapped in the last day', detail: (cell) => `${dashcams.get(cell)} dashcams` },
    ],
    config.basemap,
  );
}

// ---- pools -----------------------------------------------------------------------------------

function stateInWords(row: EpochRow, pool: PoolRow, chainTime: number | null): string {
  if (row.pending_until !== null) {
    const left = chainTime === null ? '' : ` (${Math.max(0, row.pending_until - chainTime)} s)`;
    return `pending until ${utcTime(row.pending_until)}${left}`;
  }
  switch (row.status) {
    case 'computing':
      return 'computing';
    case 'signed':
      return 'signed, gathering the other oracles’ signatures';
    case 'posted':
      return 'posted';
    case 'pending':
      return 'pending';
    case 'active':
      return row.epoch === pool.active_epoch ? 'active (the current root)' : 'active';
  }
}

function renderPools(p: NetworkPools): void {
  if (p.pools.length === 0) {
    body('net-pools').replaceChildren(h('p', {}, 'This oracle computes no reward pool.'));
    return;
  }
  body('net-pools').replaceChildren(
    ...p.pools.map((pool) => {
      const name = pool.stream === 'coverage' ? 'Coverage' : 'Mapping';
      const facts = [
        pool.active_epoch === null ? 'The chain was not read.' : pool.active_epoch === 0 && pool.active_root === null ? 'No root activated yet.' : `Active root: epoch ${pool.active_epoch}, ${amount(pool.active_cumulative_total)} granted in all, ${amount(pool.total_claimed)} claimed.`,
        pool.pending_epoch !== null && pool.pending_until !== null ? `Epoch ${pool.pending_epoch} is in its dispute window until ${utcTime(pool.pending_until)}.` : '',
        pool.dispute_window_secs !== null ? `Dispute window: ${pool.dispute_window_secs} s.` : '',
      ].filter(Boolean);
      const rows = pool.epochs.map((row) =>
        h(
          'tr',
          { 'data-epoch': String(row.epoch), 'data-status': row.status },
          h('th', { scope: 'row' }, String(row.epoch)),
          h('td', { 'data-field': 'state' }, stateInWords(row, pool, p.chain_time)),
          h('td', { class: 'mono', title: row.root ?? '' }, row.root ? `${row.root.slice(0, 8)}…` : '—'),
          h('td', {}, amount(row.cumulative_total)),
          h('td', {}, row.leaf_count === null ? '—' : String(row.leaf_count)),
          h('td', {}, String(row.signatures)),
        ),
      );
      return h(
        'article',
        { class: 'pool', 'data-pool': pool.pool, 'aria-label': `${name} pool` },
        h('h3', {}, `${name} pool `, h('span', { class: 'mono', title: pool.pool }, shortKey(pool.pool))),
        ...facts.map((f) => h('p', {}, f)),
        rows.length === 0
          ? h('p', {}, 'This oracle has computed no epoch of this pool yet.')
          : table(`The newest epochs in this oracle’s pipeline`, ['Epoch', 'State', 'Root', 'Total granted', 'Devices', 'Signatures'], rows),
      );
    }),
  );
}

// ---- oracles ---------------------------------------------------------------------------------

function renderOracles(o: NetworkOracles, pools: NetworkPools | undefined): void {
  const names = new Map((pools?.pools ?? []).map((p) => [p.pool, p.stream === 'coverage' ? 'coverage' : 'mapping']));
  const rows = o.oracles.map((row) => {
    const health = row.health;
    const state = !row.reachable ? 'unreachable' : !health ? 'unknown' : health.healthy ? 'healthy' : 'failing';
    const words = state === 'healthy' ? 'Healthy' : state === 'failing' ? `Failing: ${health?.problem ?? ''}` : state === 'unreachable' ? `Unreachable: ${row.error ?? ''}` : `Unknown: ${row.error ?? ''}`;
    const signed = (health?.last_signed ?? []).map((s) => `${names.get(s.pool) ?? shortKey(s.pool)}: ${s.epoch === null ? 'none yet' : `epoch ${s.epoch}`}`).join(', ') || '—';
    return h(
      'tr',
      { 'data-oracle': row.oracle, 'data-health': state },
      h('th', { scope: 'row', class: 'mono', title: row.oracle }, shortKey(row.oracle), row.url === null ? ' (this one)' : ''),
      h('td', {}, row.url ?? new URL(oracle.base).host),
      h('td', { class: `health-${state}`, 'data-field': 'health' }, words),
      h('td', { 'data-field': 'last-signed' }, signed),
    );
  });
  body('net-oracles').replaceChildren(table('The oracles of the quorum, as this oracle sees them', ['Oracle', 'Address', 'Health', 'Newest signed epoch'], rows));
}

// ---- emissions ---------------------------------------------------------------------------------

function renderEmissions(e: NetworkEmissions, pools: NetworkPools | undefined): void {
  const streams = new Map((pools?.pools ?? []).map((p) => [p.pool, p.stream === 'coverage' ? 'coverage' : 'mapping']));
  const rows = e.epochs.map((row) => {
    const split = row.recipients.map((r) => `${r.pool ? `${streams.get(r.pool) ?? shortKey(r.pool)} pool` : shortKey(r.token_account)}: ${amount(r.amount)}`).join(', ');
    return h(
      'tr',
      { 'data-epoch': String(row.epoch), 'data-emitted': String(row.emitted) },
      h('th', { scope: 'row' }, String(row.epoch)),
      h('td', {}, `${new Date(row.start_ts * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC`),
      h('td', { 'data-field': 'emission' }, `${amount(row.scheduled)}${row.emitted ? '' : row.epoch === e.current_epoch ? ' (in progress)' : ' (not emitted yet)'}`),
      h('td', {}, split),
      h('td', { 'data-field': 'dc' }, `${row.dc_burned.usage.toLocaleString('en-US')} usage + ${row.dc_burned.fees.toLocaleString('en-US')} fees`),
    );
  });
  body('net-emissions').replaceChildren(
    h('p', {}, `Epochs of ${e.epoch_length_secs} s; the treasury has emitted ${amount(e.total_emitted)} in all, up to epoch ${e.next_epoch - 1}.`),
    table('Per epoch, newest first', ['Epoch', 'Started', 'Emission', 'To the pools', 'DC burned'], rows),
  );
}

// ---- loading ---------------------------------------------------------------------------------

async function load(): Promise<void> {
  say('progress', 'Reading the network…', 'From the oracle and the chain.');
  const [devices, pools, oracles, emissions] = await Promise.allSettled([oracle.networkDevices(), oracle.networkPools(), oracle.networkOracles(), oracle.networkEmissions()]);
  if (emissions.status === 'fulfilled' && decimals === undefined) {
    decimals = await node.decimals(emissions.value.mint).catch(() => undefined);
  }
  const poolsRead = pools.status === 'fulfilled' ? pools.value : undefined;
  if (devices.status === 'fulfilled') renderDevices(devices.value);
  else {
    failed('net-devices', 'The devices', devices.reason);
    failed('net-coverage', 'The coverage', devices.reason);
  }
  if (pools.status === 'fulfilled') renderPools(pools.value);
  else failed('net-pools', 'The pools', pools.reason);
  if (oracles.status === 'fulfilled') renderOracles(oracles.value, poolsRead);
  else failed('net-oracles', 'The oracles', oracles.reason);
  if (emissions.status === 'fulfilled') renderEmissions(emissions.value, poolsRead);
  else failed('net-emissions', 'The emissions', emissions.reason);
  const failures = [devices, pools, oracles, emissions].filter((r) => r.status === 'rejected').length;
  if (failures === 0) say('info', 'The network', `Read at ${new Date().toISOString().slice(11, 19)} UTC; read again every minute.`);
  else say('warning', 'Part of the network could not be read', `${failures} of 4 parts failed; each says why below.`);
}

async function start(): Promise<void> {
  try {
    config = await loadConfig();
  } catch (e) {
    say('error', 'The app is not configured', `config.json could not be read: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  oracle = new OracleApi(config.oracleUrl ?? document.baseURI);
  node = new Chain(config.rpcUrl);
  byId('refresh').addEventListener('click', () => void load());
  await load();
  setInterval(() => void load(), REFRESH_MS);
}

void start();
