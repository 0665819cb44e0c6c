// The wallet app: connect a wallet, see the devices it holds with their rewards, claim one or
// all, choose where a device's rewards go, see why reports were refused, and a map of what the
// devices cover. Every state a user can meet has its own words (see README.md).
import type { WalletAccount } from '@wallet-standard/base';
import { BatchFailed, runBatch, type Signer } from './batches';
import { Chain, explorerUrl, NodeUnreachable } from './chain';
import { loadConfig, type AppConfig } from './config';
import { byId, h } from './dom';
import { deviceName, kindName, place, shortKey, tokens, when } from './format';
import { HttpFailure } from './http';
import { coverageMap } from './map';
import { OracleApi, type DeviceView, type OwnerDevices, type PoolView } from './oracle';
import { ASSOCIATED_TOKEN_PROGRAM, COMPUTE_BUDGET_PROGRAM, REWARD_POOL_PROGRAM } from './programs';
import { clear, progress, say } from './status';
import { checkTransactions, NotAllowedTransaction, type CheckedTransaction } from './transactions';
import { connect, onAccountChanged, onWalletsChanged, solanaWallets, WalletRefused, type SolanaWallet } from './wallets';

const CLAIM_PROGRAMS = [REWARD_POOL_PROGRAM, COMPUTE_BUDGET_PROGRAM, ASSOCIATED_TOKEN_PROGRAM];
const DESTINATION_PROGRAMS = [REWARD_POOL_PROGRAM];

interface Session {
  wallet: SolanaWallet;
  account: WalletAccount;
  owner: string;
  /** Stops following the wallet's account changes. */
  unfollow: () => void;
}

interface Token {
  decimals: number;
  balance: bigint;
}

let config: AppConfig;
let node: Chain;
let oracle: OracleApi;
let session: Session | undefined;
let view: OwnerDevices | undefined;
let tokensByMint = new Map<string, Token>();
let busy = false;

function signer(s: Session): Signer {
  return { wallet: s.wallet, account: s.account, chain: config.chain };
}

function setBusy(value: boolean): void {
  busy = value;
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
    button.disabled = value || button.dataset.idle === 'disabled';
  }
}

/** Words for a failure of the oracle, the node or the wallet; `what` is what was being done. */
function sayFailure(what: string, e: unknown, retry?: () => void): void {
  const again = retry ? h('button', { type: 'button', 'data-action': 'retry' }, 'Try again') : undefined;
  again?.addEventListener('click', retry!);
  if (e instanceof HttpFailure && (e.kind === 'unreachable' || e.kind === 'timeout')) {
    say('error', 'The oracle cannot be reached', `${what}: ${e.message}. Your devices and rewards are safe on chain; try again in a moment.`, again ?? '');
  } else if (e instanceof HttpFailure) {
    say('error', `The oracle refused: ${e.code ?? e.status}`, `${what}: ${e.message}.`, again ?? '');
  } else if (e instanceof NodeUnreachable) {
    say('error', 'The network cannot be reached', `${what}: ${e.message}.`, again ?? '');
  } else if (e instanceof WalletRefused) {
    say('warning', 'Not signed', `${what}: ${e.message}. Nothing was sent.`);
  } else if (e instanceof NotAllowedTransaction) {
    say('error', 'Refused to sign', `${what}: ${e.message}. The oracle prepared something that is not what you asked for; nothing was signed.`);
  } else if (e instanceof BatchFailed) {
    say('error', 'Transaction failed', e.message, ...signatureList(e.confirmed, 'Confirmed before the failure'), ...(e.failedSignature ? signatureList([e.failedSignature], 'Failed transaction') : []));
  } else {
    say('error', 'Something went wrong', `${what}: ${e instanceof Error ? e.message : String(e)}`, again ?? '');
  }
}

function signatureList(signatures: string[], title: string): Node[] {
  if (signatures.length === 0) return [];
  return [
    h('p', {}, `${title}:`),
    h(
      'ul',
      { class: 'signatures' },
      ...signatures.map((s) => h('li', {}, h('a', { href: explorerUrl(s, config.rpcUrl), target: '_blank', rel: 'noopener', class: 'signature' }, s))),
    ),
  ];
}

// ---- wallet ------------------------------------------------------------------------------

function renderWallets(): void {
  const panel = byId('wallet');
  if (session) {
    const disconnect = h('button', { type: 'button', class: 'secondary' }, 'Disconnect');
    disconnect.addEventListener('click', () => {
      endSession();
      clear();
      renderWallets();
    });
    panel.replaceChildren(h('span', { class: 'account', title: session.owner }, `${session.wallet.name}: ${shortKey(session.owner)}`), disconnect);
    return;
  }
  const wallets = solanaWallets();
  if (wallets.length === 0) {
    panel.replaceChildren();
    say(
      'warning',
      'No wallet found',
      'This page needs a Solana wallet that supports the wallet standard, such as Phantom, Solflare or Backpack. Install one in this browser, then reload the page.',
    );
    return;
  }
  const buttons = wallets.map((wallet) => {
    const button = h('button', { type: 'button', 'data-action': 'connect', 'data-wallet': wallet.name }, h('img', { src: wallet.icon, alt: '', width: '20', height: '20' }), `Connect ${wallet.name}`);
    button.addEventListener('click', () => void connectWallet(wallet));
    return button;
  });
  panel.replaceChildren(...buttons);
  if (!view) say('info', 'Connect your wallet', 'Connect the wallet that holds your devices to see them and claim their rewards.');
}

async function connectWallet(wallet: SolanaWallet): Promise<void> {
  setBusy(true);
  say('progress', `Connecting ${wallet.name}…`, 'Approve the connection in your wallet.');
  try {
    const account = await connect(wallet);
    if (!account.chains.includes(config.chain)) {
      say(
        'error',
        'Wrong network',
        `Your wallet's account is on ${account.chains.join(', ') || 'no Solana network'}, and this app is on ${config.chain}. Switch your wallet to ${config.chain.split(':')[1]} and connect again.`,
      );
      return;
    }
    const genesis = await node.genesisHash();
    if (genesis !== config.genesisHash) {
      say('error', 'Wrong network', `The node at ${config.rpcUrl} is another network (genesis ${shortKey(genesis)}) than this app's ${config.chain} (genesis ${shortKey(config.genesisHash)}).`);
      return;
    }
    endSession();
    // Another account chosen in the wallet is another owner: the page starts over with it.
    const unfollow = onAccountChanged(wallet, (next) => {
      if (next?.address === session?.owner) return;
      endSession();
      renderWallets();
      if (next) say('info', 'The wallet changed account', 'Connect again to see the devices of the account now selected.');
    });
    session = { wallet, account, owner: account.address, unfollow };
    renderWallets();
    await refresh();
  } catch (e) {
    sayFailure(`Connecting ${wallet.name}`, e, () => void connectWallet(wallet));
  } finally {
    setBusy(false);
  }
}

function endSession(): void {
  session?.unfollow();
  session = undefined;
  view = undefined;
  renderOwner();
}

// ---- the owner's devices -----------------------------------------------------------------

async function refresh(): Promise<void> {
  const s = session;
  if (!s) return;
  say('progress', 'Loading your devices…', 'Reading your devices and rewards from the oracle.');
  const answer = await oracle.ownerDevices(s.owner);
  const mints = [...new Set(answer.pools.map((p) => p.mint))];
  const read = await Promise.all(mints.map(async (mint) => [mint, { decimals: await node.decimals(mint), balance: await node.tokenBalance(s.owner, mint) }] as const));
  if (session !== s) return;
  tokensByMint = new Map(read);
  view = answer;
  renderOwner();
  sayRewardState(answer);
}

async function refreshOrSay(): Promise<void> {
  try {
    await refresh();
  } catch (e) {
    sayFailure('Loading your devices', e, () => void refreshOrSay());
  }
}

function token(pool: PoolView): Token {
  return tokensByMint.get(pool.mint) ?? { decimals: 0, balance: 0n };
}

function claimableOf(answer: OwnerDevices, pool: string): bigint {
  return answer.devices.reduce((sum, d) => sum + BigInt(d.rewards.find((r) => r.pool === pool)?.claimable ?? 0), 0n);
}

function streamName(pool: PoolView): string {
  return pool.stream === 'coverage' ? 'Coverage' : 'Mapping';
}

/** What the owner can do now: claim, or why not (no root yet, dispute window, nothing owed). */
function sayRewardState(answer: OwnerDevices): void {
  if (answer.devices.length === 0) {
    say('info', 'No devices', 'This wallet holds no device of the network. Devices appear here once they are issued to it.');
    return;
  }
  const nowSecs = answer.now_ms / 1000;
  const waiting = answer.pools
    .filter((p) => p.pending_epoch !== null && p.pending_activates_at !== null)
    .map((p) => {
      const left = Math.max(0, Math.round((p.pending_activates_at ?? 0) - nowSecs));
      const at = new Date((p.pending_activates_at ?? 0) * 1000).toISOString().slice(11, 19);
      return `${streamName(p)} rewards of epoch ${p.pending_epoch} are in their dispute window until ${at} UTC (${left} s); they become claimable after it.`;
    });
  const total = answer.pools.reduce((sum, p) => sum + claimableOf(answer, p.pool), 0n);
  if (total > 0n) {
    say('info', 'Rewards to claim', 'Claim one device, or all of them at once.', ...waiting);
    return;
  }
  if (answer.pools.every((p) => p.claimable_epoch === null)) {
    say(
      'info',
      'Nothing to claim yet',
      waiting.length > 0 ? 'The first rewards are posted and waiting out their dispute window.' : 'No reward epoch has been activated yet: rewards appear after the first epoch your devices worked in.',
      ...waiting,
    );
    return;
  }
  say('info', 'Nothing to claim', 'Every reward your devices earned so far has been claimed.', ...waiting);
}

function renderOwner(): void {
  const summary = byId('summary');
  const devices = byId('devices');
  const coverage = byId('coverage');
  if (!view || !session) {
    summary.hidden = devices.hidden = coverage.hidden = true;
    return;
  }
  const answer = view;
  summary.hidden = devices.hidden = coverage.hidden = false;

  const rows = answer.pools.map((pool) => {
    const t = token(pool);
    return h(
      'tr',
      { 'data-pool': pool.pool },
      h('th', { scope: 'row' }, streamName(pool)),
      h('td', { 'data-field': 'claimable' }, tokens(claimableOf(answer, pool.pool), t.decimals)),
      h('td', {}, pool.claimable_epoch === null ? 'none yet' : String(pool.claimable_epoch)),
    );
  });
  // Pools usually pay the same token: its balance is said once.
  const mints = [...new Set(answer.pools.map((p) => p.mint))];
  const held = mints.map((mint) => {
    const t = tokensByMint.get(mint) ?? { decimals: 0, balance: 0n };
    const which = mints.length > 1 ? ` of token ${shortKey(mint)}` : '';
    return h('p', { class: 'held', 'data-mint': mint }, `In your wallet${which}: `, h('strong', { 'data-field': 'balance' }, tokens(t.balance, t.decimals)));
  });
  const total = answer.pools.reduce((sum, p) => sum + claimableOf(answer, p.pool), 0n);
  const claimAll = h('button', { type: 'button', 'data-action': 'claim-all', 'data-idle': total === 0n ? 'disabled' : undefined }, 'Claim all');
  claimAll.disabled = busy || total === 0n;
  claimAll.addEventListener('click', () => void claim());
  byId('summary-body').replaceChildren(
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h('caption', {}, `Wallet ${shortKey(answer.owner)}, ${answer.devices.length} devices`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Pool'), h('th', { scope: 'col' }, 'Claimable'), h('th', { scope: 'col' }, 'Epoch'))),
        h('tbody', {}, ...rows),
      ),
    ),
    ...held,
    claimAll,
  );

  byId('device-list').replaceChildren(...answer.devices.map((d) => deviceCard(d, answer)));
  byId('map').replaceChildren(
    coverageMap([
      { cells: answer.hotspot_cells, className: 'hotspot-cell', label: 'Hotspot cells' },
      { cells: answer.mapped_cells, className: 'mapped-cell', label: 'Cells mapped in the last day' },
    ]),
  );
}

function deviceCard(device: DeviceView, answer: OwnerDevices): HTMLElement {
  const name = deviceName(device.kind, device.device_key);
  // A hotspot earns from the coverage pool and a dashcam from the mapping pool; another pool is
  // listed only when the device has something in it.
  const stream = device.kind === 'hotspot' ? 'coverage' : 'mapping';
  const pools = answer.pools.filter((p) => p.stream === stream || (device.rewards.find((r) => r.pool === p.pool)?.cumulative ?? 0) > 0);
  const rewards = pools.map((pool) => {
    const reward = device.rewards.find((r) => r.pool === pool.pool);
    const t = token(pool);
    return h(
      'li',
      { 'data-pool': pool.pool },
      `${streamName(pool)}: `,
      h('span', { 'data-field': 'claimable' }, tokens(reward?.claimable ?? 0, t.decimals)),
      ` claimable, ${tokens(reward?.claimed ?? 0, t.decimals)} claimed`,
      reward?.destination ? ` (paid to ${shortKey(reward.destination)})` : '',
    );
  });
  const claimable = device.rewards.some((r) => r.claimable > 0);
  const claimOne = h('button', { type: 'button', 'data-action': 'claim', 'data-idle': claimable ? undefined : 'disabled', 'aria-label': `Claim ${name}` }, 'Claim');
  claimOne.disabled = busy || !claimable;
  claimOne.addEventListener('click', () => void claim(device));

  const refused = h('details', { class: 'refused' }, h('summary', {}, 'Refused reports'), h('div', { class: 'refused-body' }, 'Loading…'));
  refused.addEventListener('toggle', () => {
    if (refused.open) void showRefused(device, refused.querySelector('.refused-body')!);
  });

  return h(
    'li',
    { class: 'device', 'data-asset': device.asset, 'data-device-key': device.device_key, 'data-kind': device.kind },
    h(
      'article',
      { 'aria-label': name },
      h('h3', {}, name),
      h(
        'dl',
        {},
        h('dt', {}, 'Kind'),
        h('dd', {}, kindName(device.kind)),
        h('dt', {}, 'Location'),
        h('dd', {}, place(device.location_h3)),
        h('dt', {}, 'Status'),
        h('dd', { class: `status-${device.status}` }, device.status === 'active' ? 'Active' : 'Deactivated by the network'),
        h('dt', {}, 'Last valid report'),
        h('dd', {}, when(device.last_valid_report_ms, answer.now_ms)),
        h('dt', {}, 'Asset'),
        h('dd', { class: 'mono', title: device.asset }, shortKey(device.asset)),
      ),
      h('ul', { class: 'rewards' }, ...rewards),
      h('div', { class: 'actions' }, claimOne),
      refused,
      destinationForm(device, answer, name),
    ),
  );
}

async function showRefused(device: DeviceView, body: Element): Promise<void> {
  body.replaceChildren('Loading…');
  try {
    const refused = await oracle.rejections(device.device_key);
    if (refused.length === 0) {
      body.replaceChildren(h('p', {}, 'No refused reports: every report this device sent was accepted.'));
      return;
    }
    body.replaceChildren(
      h(
        'ul',
        { class: 'reasons' },
        ...refused.map((r) =>
          h('li', { 'data-reason': r.reason }, h('span', { class: 'explanation' }, r.explanation || r.reason), ' ', h('small', {}, `${new Date(r.signed_at_ms).toISOString().replace('T', ' ').slice(0, 19)} UTC · ${r.reason}`)),
        ),
      ),
    );
  } catch (e) {
    body.replaceChildren(h('p', { class: 'error', role: 'alert' }, e instanceof HttpFailure && e.kind !== 'refused' ? `The oracle cannot be reached: ${e.message}.` : `Could not load the refused reports: ${e instanceof Error ? e.message : String(e)}`));
  }
}

function destinationForm(device: DeviceView, answer: OwnerDevices, name: string): HTMLElement {
  const id = `dest-${device.asset}`;
  const pool = h('select', { id: `${id}-pool`, name: 'pool' }, ...answer.pools.map((p) => h('option', { value: p.pool }, streamName(p))));
  const to = h('input', { id: `${id}-to`, name: 'to', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'token account address', pattern: '[1-9A-HJ-NP-Za-km-z]{32,44}' });
  const set = h('button', { type: 'submit', 'data-action': 'set-destination' }, 'Set destination');
  const reset = h('button', { type: 'button', class: 'secondary', 'data-action': 'reset-destination' }, 'Pay my wallet');
  const form = h(
    'form',
    { class: 'destination', 'aria-label': `Payout destination of ${name}` },
    h('label', { for: pool.id }, 'Pool'),
    pool,
    h('label', { for: to.id }, 'Pay future claims to (a token account of the pool’s token)'),
    to,
    h('div', { class: 'actions' }, set, reset),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void setDestination(device, pool.value, to.value.trim());
  });
  // The zero key (all ones in base58) is what the program reads as "pay the owner".
  reset.addEventListener('click', () => void setDestination(device, pool.value, '11111111111111111111111111111111'));
  return h('details', { class: 'destination-details' }, h('summary', {}, 'Payout destination'), form);
}

// ---- claims and destinations ---------------------------------------------------------------

function batchProgress(title: string) {
  return (step: Parameters<Parameters<typeof runBatch>[3]>[0]) => {
    if (step.phase === 'signing') {
      progress(title, 0, step.total, `Approve ${step.total === 1 ? 'the transaction' : `${step.total} transactions`} in your wallet.`);
    } else {
      progress(title, step.done, step.total, step.done < step.total ? `Sending transaction ${step.done + 1} of ${step.total}…` : 'All confirmed.');
    }
  };
}

/** Claims `device`'s rewards from every pool, or every device's when none is given. */
async function claim(device?: DeviceView): Promise<void> {
  const s = session;
  const answer = view;
  if (!s || !answer || busy) return;
  setBusy(true);
  const title = device ? `Claiming ${deviceName(device.kind, device.device_key)}` : 'Claiming all devices';
  try {
    say('progress', title, 'Preparing the claim transactions…');
    const pools = answer.pools.filter((p) => (device ? (device.rewards.find((r) => r.pool === p.pool)?.claimable ?? 0) > 0 : claimableOf(answer, p.pool) > 0n));
    const transactions: CheckedTransaction[] = [];
    const paid = new Map<string, bigint>();
    for (const pool of pools) {
      const prepared = await oracle.claims(pool.pool, s.owner, device?.asset);
      transactions.push(...checkTransactions(prepared.transactions, s.owner, CLAIM_PROGRAMS));
      paid.set(pool.mint, (paid.get(pool.mint) ?? 0n) + BigInt(prepared.paid));
    }
    if (transactions.length === 0) {
      say('info', 'Nothing to claim', 'Everything your devices earned so far has already been paid.');
      return;
    }
    const signatures = await runBatch(node, signer(s), transactions, batchProgress(title));
    const amounts = [...paid].map(([mint, amount]) => tokens(amount, tokensByMint.get(mint)?.decimals ?? 0)).join(' + ');
    await refreshOrSay();
    say('success', 'Claimed', `${amounts} tokens paid in ${signatures.length} transaction${signatures.length === 1 ? '' : 's'}.`, ...signatureList(signatures, 'Signatures'));
  } catch (e) {
    sayFailure(title, e);
    if (e instanceof BatchFailed && e.confirmed.length > 0) void refreshOrSay();
  } finally {
    setBusy(false);
  }
}

async function setDestination(device: DeviceView, pool: string, to: string): Promise<void> {
  const s = session;
  if (!s || busy) return;
  setBusy(true);
  const title = `Payout destination of ${deviceName(device.kind, device.device_key)}`;
  try {
    say('progress', title, 'Preparing the transaction…');
    const prepared = await oracle.destination(pool, s.owner, device.asset, to);
    const transactions = checkTransactions([prepared.transaction], s.owner, DESTINATION_PROGRAMS);
    const signatures = await runBatch(node, signer(s), transactions, batchProgress(title));
    await refreshOrSay();
    const words = prepared.destination === '11111111111111111111111111111111' ? 'Future claims pay your wallet.' : `Future claims pay ${prepared.destination}.`;
    say('success', 'Destination set', words, ...signatureList(signatures, 'Signature'));
  } catch (e) {
    sayFailure(title, e);
  } finally {
    setBusy(false);
  }
}

// ---- start -------------------------------------------------------------------------------

async function start(): Promise<void> {
  say('progress', 'Starting…', 'Reading the network this app is for.');
  try {
    config = await loadConfig();
  } catch (e) {
    say('error', 'The app is not configured', `config.json could not be read: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  node = new Chain(config.rpcUrl);
  oracle = new OracleApi(config.oracleUrl ?? document.baseURI);
  byId('wallet').setAttribute('data-chain', config.chain);
  onWalletsChanged(() => renderWallets());
  renderWallets();
}

void start();
