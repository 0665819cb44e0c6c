// The wallet app: connect a wallet — or, on the local network, its test wallet — and see the
// devices it holds with their rewards, claim one or all, choose where a device's rewards go, see
// why reports were refused, and a map of what the devices cover. Any owner's devices can be
// looked at read-only (`?owner=<address>` or the address typed in); where an owner's dashcams
// drove is shown only to the owner, who signs in with the wallet. Every state a user can meet
// has its own words (see README.md).
import { isAddress } from '@solana/kit';
import type { WalletAccount } from '@wallet-standard/base';
import { BatchFailed, runBatch, type Signer } from './batches';
import { Chain, explorerUrl, NodeUnreachable } from './chain';
import { loadConfig, LOCAL_CHAIN, type AppConfig } from './config';
import { deviceCard, PAY_THE_OWNER, streamName, type CardActions, type Token } from './device-card';
import { byId, h } from './dom';
import { deviceName, shortKey, tokens } from './format';
import { HttpFailure } from './http';
import { isLocalTestWallet, LOCAL_WALLET_NAME, useLocalTestWallet } from './local-wallet';
import { renderCells, type CellGroup } from './map';
import { OracleApi, type DeviceView, type OwnerDevices, type OwnerMappedCells, type PoolView } from './oracle';
import { forgetSignIn, mappedCellsAgain, signInForMappedCells } from './private-cells';
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

let config: AppConfig;
let node: Chain;
let oracle: OracleApi;
let session: Session | undefined;
/** The owner looked at without their wallet (`?owner=` or typed in). */
let watched: string | undefined;
let view: OwnerDevices | undefined;
/** Where the connected owner's dashcams drove, once they signed in. */
let mapped: OwnerMappedCells | undefined;
/** The oracle's words when the owner's signed challenge expired. */
let signInExpired: string | undefined;
let tokensByMint = new Map<string, Token>();
let busy = false;

/** The owner on screen: the connected wallet's, or the one looked at. */
function shownOwner(): string | undefined {
  return session?.owner ?? watched;
}

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

function localWalletButton(): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'test-wallet', 'data-action': 'use-local-wallet' }, 'Use the local test wallet');
  button.addEventListener('click', () => void connectLocalWallet());
  return button;
}

function renderWallets(): void {
  const panel = byId('wallet');
  const testBanner = byId('test-wallet-banner');
  testBanner.hidden = !(session && isLocalTestWallet(session.wallet));
  if (session) {
    const disconnect = h('button', { type: 'button', class: 'secondary' }, 'Disconnect');
    disconnect.addEventListener('click', () => {
      endSession();
      clear();
      renderWallets();
    });
    const test = isLocalTestWallet(session.wallet);
    panel.replaceChildren(h('span', { class: test ? 'account test' : 'account', title: session.owner }, `${session.wallet.name}${test ? ' (test only)' : ''}: ${shortKey(session.owner)}`), disconnect);
    return;
  }
  const wallets = solanaWallets();
  const local = config.chain === LOCAL_CHAIN;
  const buttons = wallets.map((wallet) => {
    const button = h('button', { type: 'button', 'data-action': 'connect', 'data-wallet': wallet.name }, h('img', { src: wallet.icon, alt: '', width: '20', height: '20' }), `Connect ${wallet.name}`);
    button.addEventListener('click', () => void connectWallet(wallet));
    return button;
  });
  // On the local network, the test wallet is offered until it registered (then it is listed
  // among the wallets found, like any other).
  const offerLocal = local && !wallets.some(isLocalTestWallet);
  panel.replaceChildren(...buttons, ...(offerLocal ? [localWalletButton()] : []));
  if (view) return;
  if (wallets.length === 0) {
    say(
      'warning',
      'No wallet found',
      'This page needs a Solana wallet that supports the wallet standard, such as Phantom, Solflare or Backpack. Install one in this browser, then reload the page.',
      ...(local ? ['This is a local network: use its test wallet, which holds the devices of the local fleet, to try everything at once.', localWalletButton()] : []),
    );
    return;
  }
  say('info', 'Connect your wallet', 'Connect the wallet that holds your devices to see them and claim their rewards.');
}

async function connectLocalWallet(): Promise<void> {
  setBusy(true);
  say('progress', 'Starting the local test wallet…', 'Reading the local network’s test key from the oracle.');
  let wallet: SolanaWallet;
  try {
    wallet = await useLocalTestWallet(oracle);
  } catch (e) {
    setBusy(false);
    if (e instanceof HttpFailure && e.status === 404) {
      say('error', 'No local test wallet here', `The oracle at ${new URL(oracle.base).host} serves no test wallet: only a local network's first oracle does (scripts/localnet.sh).`);
    } else {
      sayFailure('Starting the local test wallet', e, () => void connectLocalWallet());
    }
    return;
  }
  setBusy(false);
  await connectWallet(wallet);
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
    // The wallet's own devices replace any owner looked at.
    watch(undefined);
    renderWallets();
    await refresh();
  } catch (e) {
    sayFailure(`Connecting ${wallet.name}`, e, () => void connectWallet(wallet));
  } finally {
    setBusy(false);
  }
}

function endSession(): void {
  if (session) forgetSignIn(session.owner);
  session?.unfollow();
  session = undefined;
  view = undefined;
  mapped = undefined;
  signInExpired = undefined;
  renderOwner();
}

// ---- an owner looked at without their wallet -----------------------------------------------

/** Looks at `owner`'s devices read-only (none: stop), and keeps the address in the page's URL. */
function watch(owner: string | undefined): void {
  watched = owner;
  const url = new URL(window.location.href);
  if (owner) url.searchParams.set('owner', owner);
  else url.searchParams.delete('owner');
  if (url.href !== window.location.href) window.history.pushState(null, '', url);
  renderWatching();
}

function renderWatching(): void {
  const banner = byId('watching');
  banner.hidden = !watched || session !== undefined;
  if (watched) {
    byId('watching-owner').textContent = watched;
  }
}

async function lookAt(owner: string): Promise<void> {
  if (!isAddress(owner)) {
    say('error', 'Not an address', `“${owner}” is not a Solana address (32 to 44 base58 characters).`);
    return;
  }
  if (session) endSession();
  view = undefined;
  watch(owner);
  renderWallets();
  await refreshOrSay();
}

// ---- the owner's devices -----------------------------------------------------------------

async function refresh(): Promise<void> {
  const owner = shownOwner();
  if (!owner) return;
  const own = session !== undefined;
  say('progress', own ? 'Loading your devices…' : 'Loading the devices…', `Reading the devices and rewards of ${shortKey(owner)} from the oracle.`);
  const answer = await oracle.ownerDevices(owner);
  const mints = [...new Set(answer.pools.map((p) => p.mint))];
  const read = await Promise.all(mints.map(async (mint) => [mint, { decimals: await node.decimals(mint), balance: await node.tokenBalance(owner, mint) }] as const));
  if (shownOwner() !== owner) return;
  tokensByMint = new Map(read);
  view = answer;
  if (mapped && mapped.owner === owner) await readMappedAgain(owner);
  renderOwner();
  sayRewardState(answer);
}

async function refreshOrSay(): Promise<void> {
  try {
    await refresh();
  } catch (e) {
    sayFailure(session ? 'Loading your devices' : 'Loading the devices', e, () => void refreshOrSay());
  }
}

function token(pool: PoolView): Token {
  return tokensByMint.get(pool.mint) ?? { decimals: 0, balance: 0n };
}

function claimableOf(answer: OwnerDevices, pool: string): bigint {
  return answer.devices.reduce((sum, d) => sum + BigInt(d.rewards.find((r) => r.pool === pool)?.claimable ?? 0), 0n);
}

/** What the owner can do now: claim, or why not (no root yet, dispute window, nothing owed). */
function sayRewardState(answer: OwnerDevices): void {
  const own = session !== undefined;
  if (answer.devices.length === 0) {
    say('info', 'No devices', own ? 'This wallet holds no device of the network. Devices appear here once they are issued to it.' : `${answer.owner} holds no device of the network.`);
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
    say('info', 'Rewards to claim', own ? 'Claim one device, or all of them at once.' : 'The owner’s wallet claims them: connect it to claim.', ...waiting);
    return;
  }
  if (answer.pools.every((p) => p.claimable_epoch === null)) {
    say(
      'info',
      'Nothing to claim yet',
      waiting.length > 0 ? 'The first rewards are posted and waiting out their dispute window.' : 'No reward epoch has been activated yet: rewards appear after the first epoch the devices worked in.',
      ...waiting,
    );
    return;
  }
  say('info', 'Nothing to claim', 'Every reward the devices earned so far has been claimed.', ...waiting);
}

function cardActions(): CardActions {
  return {
    readOnly: session === undefined,
    busy,
    claim: (device) => void claim(device),
    setDestination: (device, pool, to) => void setDestination(device, pool, to),
    token,
  };
}

function renderOwner(): void {
  const summary = byId('summary');
  const devices = byId('devices');
  const coverage = byId('coverage');
  renderWatching();
  const owner = shownOwner();
  if (!view || !owner || view.owner !== owner) {
    summary.hidden = devices.hidden = coverage.hidden = true;
    return;
  }
  const answer = view;
  const own = session !== undefined;
  summary.hidden = devices.hidden = coverage.hidden = false;
  byId('devices-title').textContent = own ? 'Your devices' : 'Devices';
  byId('coverage-title').textContent = own ? 'Where your devices cover' : 'Where the devices cover';

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
    return h('p', { class: 'held', 'data-mint': mint }, `${own ? 'In your wallet' : 'Held by this owner'}${which}: `, h('strong', { 'data-field': 'balance' }, tokens(t.balance, t.decimals)));
  });
  const total = answer.pools.reduce((sum, p) => sum + claimableOf(answer, p.pool), 0n);
  const claimAll = h('button', { type: 'button', 'data-action': 'claim-all', 'data-idle': total === 0n ? 'disabled' : undefined }, 'Claim all');
  claimAll.disabled = busy || total === 0n;
  claimAll.addEventListener('click', () => void claim());
  const reload = h('button', { type: 'button', class: 'secondary', 'data-action': 'refresh' }, 'Refresh');
  reload.disabled = busy;
  reload.addEventListener('click', () => void refreshOrSay());
  byId('summary-body').replaceChildren(
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h('caption', {}, `${own ? 'Wallet' : 'Owner'} ${shortKey(answer.owner)}, ${answer.devices.length} devices`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Pool'), h('th', { scope: 'col' }, 'Claimable'), h('th', { scope: 'col' }, 'Epoch'))),
        h('tbody', {}, ...rows),
      ),
    ),
    ...held,
    h('div', { class: 'actions' }, claimAll, reload),
  );

  const actions = cardActions();
  byId('device-list').replaceChildren(...answer.devices.map((d) => deviceCard(d, answer, oracle, actions)));
  renderMap(answer);
}

// ---- the map, and where the dashcams drove --------------------------------------------------

function renderMap(answer: OwnerDevices): void {
  const groups: CellGroup[] = [{ cells: answer.hotspot_cells, className: 'hotspot-cell', label: 'Hotspot cells' }];
  const ownCells = mapped && mapped.owner === answer.owner ? mapped : undefined;
  if (ownCells) groups.push({ cells: ownCells.cells, className: 'mapped-cell', label: 'Cells your dashcams mapped in the last day' });
  void renderCells(byId('map'), groups, config.basemap);
  const privacy = byId('private-cells');
  const dashcams = answer.devices.filter((d) => d.kind === 'mapper').length;
  if (dashcams === 0) {
    privacy.replaceChildren();
  } else if (!session) {
    privacy.replaceChildren(h('p', { class: 'private' }, `Where this owner’s ${dashcams} dashcams drove is private: only the owner sees it, after signing in with their wallet.`));
  } else if (signInExpired && !ownCells) {
    const again = h('button', { type: 'button', 'data-action': 'sign-in' }, 'Sign in again');
    again.disabled = busy;
    again.addEventListener('click', () => void signIn());
    privacy.replaceChildren(h('p', { class: 'private', 'data-signed-in': 'expired' }, `Your sign-in expired: ${signInExpired}. Sign in again to see where your dashcams drove.`), again);
  } else if (ownCells) {
    const until = new Date(ownCells.challenge_expires_at_ms).toISOString().slice(11, 19);
    privacy.replaceChildren(h('p', { class: 'private', 'data-signed-in': 'true' }, `Where your dashcams drove is shown to you alone: you signed in until ${until} UTC.`));
  } else {
    const show = h('button', { type: 'button', 'data-action': 'sign-in' }, 'Show where my dashcams drove');
    show.disabled = busy;
    show.addEventListener('click', () => void signIn());
    privacy.replaceChildren(h('p', { class: 'private' }, `Where your ${dashcams} dashcams drove is private. Your wallet signs a message to prove it is yours: nothing is sent, nothing is paid.`), show);
  }
}

async function signIn(): Promise<void> {
  const s = session;
  if (!s || busy) return;
  setBusy(true);
  say('progress', 'Signing in…', 'Sign the message in your wallet to prove this address is yours.');
  try {
    mapped = await signInForMappedCells(oracle, s.wallet, s.account);
    signInExpired = undefined;
    if (session !== s) return;
    if (view) renderOwner();
    say('success', 'Signed in', `${mapped.cells.length} cells your dashcams mapped in the last day are on the map.`);
  } catch (e) {
    sayFailure('Signing in to see where your dashcams drove', e);
  } finally {
    setBusy(false);
  }
}

/**
 * The connected owner's cells again, with the challenge signed before. Once the oracle says it
 * expired, the map says so beside a *Sign in again* (the owner decides when to sign).
 */
async function readMappedAgain(owner: string): Promise<void> {
  const again = mappedCellsAgain(oracle, owner);
  if (!again) return;
  try {
    mapped = await again;
  } catch (e) {
    mapped = undefined;
    forgetSignIn(owner);
    if (e instanceof HttpFailure && e.code === 'challenge_expired') {
      signInExpired = e.message;
      return;
    }
    throw e;
  }
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

function sayWalletNeeded(what: string): void {
  const owner = shownOwner() ?? '';
  say('warning', `${what} needs the owner’s wallet`, `You are looking at ${owner} without its wallet. Connect the wallet that holds ${shortKey(owner)} to ${what.toLowerCase()}; nothing was sent.`);
}

/** Claims `device`'s rewards from every pool, or every device's when none is given. */
async function claim(device?: DeviceView): Promise<void> {
  const s = session;
  const answer = view;
  if (!answer || busy) return;
  if (!s) {
    sayWalletNeeded('Claiming');
    return;
  }
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
  if (busy) return;
  if (!s) {
    sayWalletNeeded('Setting a payout destination');
    return;
  }
  setBusy(true);
  const title = `Payout destination of ${deviceName(device.kind, device.device_key)}`;
  try {
    say('progress', title, 'Preparing the transaction…');
    const prepared = await oracle.destination(pool, s.owner, device.asset, to);
    const transactions = checkTransactions([prepared.transaction], s.owner, DESTINATION_PROGRAMS);
    const signatures = await runBatch(node, signer(s), transactions, batchProgress(title));
    await refreshOrSay();
    const words = prepared.destination === PAY_THE_OWNER ? 'Future claims pay your wallet.' : `Future claims pay ${prepared.destination}.`;
    say('success', 'Destination set', words, ...signatureList(signatures, 'Signature'));
  } catch (e) {
    sayFailure(title, e);
  } finally {
    setBusy(false);
  }
}

// ---- start -------------------------------------------------------------------------------

function ownerInUrl(): string | undefined {
  return new URL(window.location.href).searchParams.get('owner')?.trim() || undefined;
}

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
  byId('test-wallet-name').textContent = LOCAL_WALLET_NAME;
  const lookup = byId<HTMLFormElement>('lookup');
  lookup.addEventListener('submit', (event) => {
    event.preventDefault();
    void lookAt(byId<HTMLInputElement>('lookup-owner').value.trim());
  });
  // Back and forward move between the owners looked at.
  window.addEventListener('popstate', () => {
    const owner = ownerInUrl();
    if (owner && owner !== watched && !session) void lookAt(owner);
  });
  onWalletsChanged(() => renderWallets());
  renderWallets();
  const owner = ownerInUrl();
  if (owner) {
    byId<HTMLInputElement>('lookup-owner').value = owner;
    await lookAt(owner);
  }
}

void start();
