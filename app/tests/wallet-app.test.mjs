// The wallet app in a real browser (Debian's chromium through playwright-core) against the local
// network: scripts/localnet.sh's validator, three oracles in quorum and the simulated fleet. The
// owner's flows run with the app's own local test wallet (the key the first oracle serves in
// local mode); the failure states with a wallet-standard test wallet installed in the page. The
// tests run in order, following the network's life: before any root, the dispute window, the
// first root, read-only views, the claims, where the dashcams drove, the network page and a
// basemap. Screenshots land in target/app-screenshots/.
//   cd app && npm test            (CHROMIUM=/path/to/chromium to use another browser)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, sign as signEd25519 } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AccountRole,
  address,
  appendTransactionMessageInstruction,
  compileTransaction,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit';
import { chromium } from 'playwright-core';
import { startLocalnet } from './localnet.mjs';
import { installTestWallet } from './test-wallet.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const screenshots = join(root, 'target/app-screenshots');
const WALLET = 'Fieldproof test wallet';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
/** The first roots are active about four minutes after the network is up; room for a slow CI. */
const FIRST_ROOT_TIMEOUT_MS = 12 * 60_000;
/** How long an owner's signed challenge lasts on the test network (the oracle's default is 600). */
const CHALLENGE_TTL_SECS = 40;
const LOCAL_WALLET = 'Local test wallet';
const ORACLE_LISTEN = process.env.FIELDPROOF_APP_TEST_ORACLE ?? '127.0.0.1:28180';

let net;
let browser;
let config;
let shot = 0;

before(async () => {
  rmSync(screenshots, { recursive: true, force: true });
  mkdirSync(screenshots, { recursive: true });
  net = await startLocalnet(root, {
    rpcPort: Number(process.env.FIELDPROOF_APP_TEST_RPC_PORT ?? 28899),
    // Outside the validator's gossip/TPU range (RPC port − 899 .. − 799).
    oracleListen: ORACLE_LISTEN,
    challengeTtlSecs: CHALLENGE_TTL_SECS,
    timeoutMs: 40 * 60_000,
  });
  // A run stopped from outside (CI's time bound) still stops the network it started.
  process.once('SIGTERM', () => void net.stop().finally(() => process.exit(143)));
  config = await fetchJson(new URL('config.json', net.appUrl).href);
  // WebGL through SwiftShader, for the basemap (MapLibre) on a machine without a GPU.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
  });
});

after(async () => {
  await browser?.close();
  await net?.stop();
});

async function fetchJson(url, init) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** What the oracle says of the owner's devices: the truth the page is checked against. */
function ownerView() {
  return fetchJson(new URL(`v1/owners/${net.owner}/devices`, net.appUrl).href);
}

async function rpc(method, params) {
  const answer = await fetchJson(config.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

/** The owner's balance of `mint`, in base units, read from the node (not through the app). */
async function balance(mint) {
  const { value } = await rpc('getTokenAccountsByOwner', [net.owner, { mint }, { encoding: 'jsonParsed', commitment: 'confirmed' }]);
  return value.reduce((sum, a) => sum + BigInt(a.account.data.parsed.info.tokenAmount.amount), 0n);
}

async function decimals(mint) {
  return (await rpc('getTokenSupply', [mint, { commitment: 'confirmed' }])).value.decimals;
}

function claimable(view, device) {
  return device.rewards.reduce((sum, r) => sum + BigInt(r.claimable), 0n);
}

/** Claimable per mint over `devices`. */
function claimableByMint(view, devices) {
  const out = new Map();
  for (const device of devices) {
    for (const reward of device.rewards) {
      const mint = view.pools.find((p) => p.pool === reward.pool).mint;
      out.set(mint, (out.get(mint) ?? 0n) + BigInt(reward.claimable));
    }
  }
  return out;
}

async function balances(mints) {
  return new Map(await Promise.all([...mints].map(async (m) => [m, await balance(m)])));
}

async function until(what, condition, timeoutMs, everyMs = 1000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (net.exited()) throw new Error(`the local network stopped while waiting for ${what} (log: ${net.logPath})`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the network's last warnings:\n${net.diagnostics()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A fresh page of the app (`path` beside it); with the installed test wallet when `wallet` is
 * true (holding `secretKey`, the owner's by default), none otherwise. `before` runs before the
 * page loads (routes).
 */
async function openApp({ wallet = true, chains = [config.chain], viewport = PHONE, secretKey = net.secretKey, path = '', before } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  if (wallet) await page.addInitScript(installTestWallet, { secretKey, chains, name: WALLET });
  // Every message the status region announced, in order: the progress of a batch is checked here.
  await page.addInitScript(() => {
    window.__announced = [];
    new MutationObserver(() => {
      const status = document.getElementById('status');
      const text = status?.textContent?.trim();
      if (text && window.__announced.at(-1) !== text) window.__announced.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  if (before) await before(page);
  await page.goto(new URL(path, net.appUrl).href);
  return page;
}

async function connect(page) {
  await page.getByRole('button', { name: `Connect ${WALLET}` }).click();
}

/** Presses *Use the local test wallet* and waits until it is connected. */
async function useLocalWallet(page) {
  await page.locator('#wallet').getByRole('button', { name: 'Use the local test wallet' }).click();
  await page.locator('#wallet .account.test').waitFor();
}

/** The app with its local test wallet connected and the devices shown. */
async function openWithLocalWallet(options = {}) {
  const page = await openApp({ wallet: false, ...options });
  await useLocalWallet(page);
  await page.locator('li.device').first().waitFor();
  return page;
}

/** The owner's key as node's crypto takes it (PKCS#8 around the seed, RFC 8410). */
function privateKeyOf(secretKey) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(secretKey.slice(0, 32))]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** Asks the oracle for a challenge of `owner`, signs it with `secretKey`: the request body. */
async function signedChallenge(owner, secretKey) {
  const challenge = await fetchJson(new URL(`v1/owners/${owner}/challenge`, net.appUrl).href, { method: 'POST' });
  const signature = signEd25519(null, Buffer.from(challenge.message, 'utf8'), privateKeyOf(secretKey)).toString('hex');
  const { nonce, issued_at_ms, expires_at_ms, token } = challenge;
  return { nonce, issued_at_ms, expires_at_ms, token, signature };
}

/** POSTs a signed challenge for `owner`'s mapped cells: `{status, body}`. */
async function mappedCells(owner, signed) {
  const response = await fetch(new URL(`v1/owners/${owner}/mapped-cells`, net.appUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(signed),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.json() };
}

/** What the user sees (the screen, or the whole page with `fullPage`), or one element. */
async function screenshot(page, name, { fullPage = false, of } = {}) {
  shot += 1;
  const path = join(screenshots, `${String(shot).padStart(2, '0')}-${name}.png`);
  await (of ? of.screenshot({ path }) : page.screenshot({ path, fullPage }));
}

function status(page) {
  return page.locator('#status .notice');
}

test('without a wallet the page says to install one, and on the local network offers its test wallet', async () => {
  const page = await openApp({ wallet: false });
  await status(page).filter({ hasText: 'No wallet found' }).waitFor();
  assert.match(await status(page).innerText(), /Phantom, Solflare or Backpack/);
  assert.match(await status(page).innerText(), /local network: use its test wallet/);
  assert.equal(await page.getByRole('button', { name: /Connect/ }).count(), 0);
  assert.equal(await page.locator('#wallet').getByRole('button', { name: 'Use the local test wallet' }).count(), 1);
  await screenshot(page, 'no-wallet');
  await page.context().close();
});

test('outside the local network there is no test wallet: the route does not exist and the page does not offer it', async () => {
  // The other oracles of the same network run without local mode: the route is not theirs.
  const [host, port] = [ORACLE_LISTEN.split(':')[0], Number(ORACLE_LISTEN.split(':')[1])];
  for (const other of [port + 1, port + 2]) {
    const response = await fetch(`http://${host}:${other}/v1/local/test-wallet`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 404, `oracle on port ${other}`);
    assert.ok(!(await response.text()).includes('secret_key'));
  }
  // The same page told it is on devnet offers no test wallet and never asks for the key.
  const asked = [];
  const page = await openApp({
    wallet: false,
    before: async (p) => {
      p.on('request', (request) => asked.push(request.url()));
      await p.route('**/config.json', async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, json: { ...(await response.json()), chain: 'solana:devnet' } });
      });
    },
  });
  await status(page).filter({ hasText: 'No wallet found' }).waitFor();
  assert.doesNotMatch(await status(page).innerText(), /test wallet/);
  assert.equal(await page.getByRole('button', { name: 'Use the local test wallet' }).count(), 0);
  assert.ok(!asked.some((u) => u.includes('/v1/local/')), asked.join('\n'));
  await screenshot(page, 'no-test-wallet-on-devnet');
  await page.context().close();
});

test('a wallet on another network is refused with the network named', async () => {
  const page = await openApp({ chains: ['solana:devnet'] });
  await connect(page);
  await status(page).filter({ hasText: 'Wrong network' }).waitFor();
  assert.match(await status(page).innerText(), /solana:devnet.*solana:localnet/s);
  assert.ok(await page.locator('#devices').isHidden(), 'no devices shown on the wrong network');
  await screenshot(page, 'wrong-network');
  await page.context().close();
});

test('an unreachable oracle is said, and the page recovers when it answers again', async () => {
  const page = await openApp();
  await page.route('**/v1/owners/**', (route) => route.abort('connectionrefused'));
  await connect(page);
  await status(page).filter({ hasText: 'The oracle cannot be reached' }).waitFor();
  await screenshot(page, 'oracle-unreachable');
  await page.unroute('**/v1/owners/**');
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.locator('li.device').first().waitFor();
  await page.context().close();
});

test('the local test wallet registers through the wallet standard, says it is a test wallet, and shows every device; nothing to claim before the first root', async () => {
  const view = await ownerView();
  assert.ok(view.devices.length >= 30, `the fleet's devices belong to the test wallet (${view.devices.length})`);
  const page = await openWithLocalWallet();
  // Registered like any wallet: an app asking the wallet standard finds it, with its features.
  const registered = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const found = [];
        const register = (...wallets) => {
          found.push(...wallets.map((w) => ({ name: w.name, chains: [...w.chains], features: Object.keys(w.features), accounts: w.accounts.map((a) => a.address) })));
          return () => {};
        };
        window.dispatchEvent(new CustomEvent('wallet-standard:app-ready', { detail: { register } }));
        resolve(found);
      }),
  );
  const local = registered.find((w) => w.name === LOCAL_WALLET);
  assert.ok(local, JSON.stringify(registered));
  assert.deepEqual(local.chains, ['solana:localnet']);
  for (const feature of ['standard:connect', 'standard:events', 'solana:signTransaction', 'solana:signMessage']) assert.ok(local.features.includes(feature), feature);
  assert.deepEqual(local.accounts, [net.owner]);
  // It says what it is, in the wallet panel and in a banner.
  assert.match(await page.locator('#wallet .account').innerText(), /Local test wallet \(test only\)/);
  const banner = page.locator('#test-wallet-banner');
  assert.ok(await banner.isVisible());
  assert.match(await banner.innerText(), /Test wallet\..*test key.*only on this local network/s);
  assert.equal(await page.locator('li.device').count(), view.devices.length);
  for (const device of view.devices.slice(0, 5)) {
    const card = page.locator(`li.device[data-asset="${device.asset}"]`);
    const text = await card.innerText();
    assert.match(text, device.kind === 'hotspot' ? /Hotspot/ : /Dashcam/);
    assert.match(text, new RegExp(device.device_key.slice(0, 6)));
    assert.match(text, device.location_h3 ? new RegExp(`cell ${device.location_h3}`) : /not located/);
    assert.match(text, device.status === 'active' ? /Active/ : /Deactivated/);
  }
  // The map is drawn from the oracle's cells: one polygon per hotspot's cell.
  const drawn = (cls) => page.locator(`#map polygon.${cls}`).evaluateAll((ps) => ps.map((p) => p.dataset.cell));
  assert.deepEqual((await drawn('hotspot-cell')).sort(), [...view.hotspot_cells].sort());
  assert.ok(view.hotspot_cells.length > 0, 'the fleet has located hotspots');
  if (view.pools.every((p) => p.claimable_epoch === null && p.pending_epoch === null)) {
    await status(page).filter({ hasText: 'Nothing to claim yet' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Claim all' }).isDisabled());
  }
  // Where the dashcams drove is not public: not in the owner's public answer, not on the map yet.
  assert.equal(view.mapped_cells, undefined);
  assert.equal(await page.locator('#map polygon.mapped-cell').count(), 0);
  await page.getByRole('button', { name: 'Show where my dashcams drove' }).waitFor();
  await screenshot(page, 'local-test-wallet-phone');
  await screenshot(page, 'devices-phone');
  await screenshot(page, 'device-card-phone', { of: page.locator('li.device').first() });
  await page.setViewportSize(DESKTOP);
  await screenshot(page, 'devices-desktop', { fullPage: true });
  await page.context().close();
});

test('a posted root in its dispute window is said, with when it becomes claimable', async () => {
  const view = await until(
    'a root in its dispute window',
    async () => {
      const v = await ownerView();
      return v.pools.some((p) => p.pending_activates_at !== null && p.pending_activates_at * 1000 > Date.now() + 8_000) ? v : null;
    },
    FIRST_ROOT_TIMEOUT_MS,
  );
  const pending = view.pools.find((p) => p.pending_activates_at !== null);
  const page = await openApp();
  await connect(page);
  await status(page).filter({ hasText: 'dispute window' }).waitFor();
  assert.match(await status(page).innerText(), new RegExp(`epoch ${pending.pending_epoch} are in their dispute window`));
  await screenshot(page, 'dispute-window');
  await page.context().close();
});

/** Waits until both pools serve an active root with the fleet's first round in it. */
async function firstRootsActive() {
  return until(
    'the first active roots',
    async () => {
      const v = await ownerView();
      // Earned, not still claimable: the claim tests take everything the first round earned,
      // and the fleet's next round comes ten minutes later.
      const earned = v.devices.some((d) => d.rewards.some((r) => BigInt(r.cumulative) > 0n));
      const ready = v.pools.every((p) => p.claimable_epoch !== null) && earned;
      return ready ? v : null;
    },
    FIRST_ROOT_TIMEOUT_MS,
    2000,
  );
}

/** A transfer of the owner's lamports, paid by the owner: what a compromised oracle might slip in. */
async function transferOfTheOwners() {
  const { value: lifetime } = await rpc('getLatestBlockhash', [{ commitment: 'confirmed' }]);
  const data = new Uint8Array(12);
  new DataView(data.buffer).setUint32(0, 2, true);
  new DataView(data.buffer).setBigUint64(4, 1_000_000_000n, true);
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(address(net.owner), m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: lifetime.blockhash, lastValidBlockHeight: BigInt(lifetime.lastValidBlockHeight) }, m),
    (m) =>
      appendTransactionMessageInstruction(
        {
          programAddress: address('11111111111111111111111111111111'),
          accounts: [
            { address: address(net.owner), role: AccountRole.WRITABLE_SIGNER },
            { address: address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'), role: AccountRole.WRITABLE },
          ],
          data,
        },
        m,
      ),
  );
  return getBase64EncodedWireTransaction(compileTransaction(message));
}

test('a transaction that is not a claim is refused before the wallet is asked to sign', async () => {
  const view = await firstRootsActive();
  const device = view.devices.find((d) => d.rewards.some((r) => r.claimable > 0));
  const page = await openApp();
  const smuggled = await transferOfTheOwners();
  await page.route('**/v1/claims/**', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    await route.fulfill({ response, json: { ...body, transactions: [...body.transactions, smuggled] } });
  });
  await connect(page);
  await page.locator(`li.device[data-asset="${device.asset}"] button[data-action="claim"]`).click();
  await status(page).filter({ hasText: 'Refused to sign' }).waitFor();
  assert.match(await status(page).innerText(), /calls program 11111111111111111111111111111111, which is not allowed/);
  assert.equal(await page.evaluate(() => window.__testWallet.signed.length), 0, 'the wallet was asked for nothing');
  await screenshot(page, 'refused-to-sign');
  await page.context().close();
});

test("a failed transaction is named with the program's error in words, and nothing is paid", async () => {
  const view = await firstRootsActive();
  const device = view.devices.find((d) => d.rewards.some((r) => r.claimable > 0));
  const reward = device.rewards.find((r) => r.claimable > 0);
  const mint = view.pools.find((p) => p.pool === reward.pool).mint;
  const before = await balance(mint);
  const page = await openApp();
  // The oracle's claim, with its amount raised by one token unit: a well-formed claim the
  // program refuses, since the leaf no longer matches the root.
  const discriminator = createHash('sha256').update('global:claim').digest().subarray(0, 8);
  await page.route('**/v1/claims/**', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.transactions = body.transactions.map((t) => {
      const bytes = Buffer.from(t, 'base64');
      const amount = Buffer.alloc(8);
      amount.writeBigUInt64LE(BigInt(reward.cumulative));
      const at = bytes.indexOf(Buffer.concat([discriminator, amount]));
      if (at >= 0) bytes.writeBigUInt64LE(BigInt(reward.cumulative) + 1n, at + 8);
      return bytes.toString('base64');
    });
    await route.fulfill({ response, json: body });
  });
  await connect(page);
  await page.locator(`li.device[data-asset="${device.asset}"] button[data-action="claim"]`).click();
  await status(page).filter({ hasText: 'Transaction failed' }).waitFor({ timeout: 60_000 });
  assert.match(await status(page).innerText(), /reward_pool: InvalidProof/);
  assert.equal(await balance(mint), before, 'a refused claim pays nothing');
  await screenshot(page, 'transaction-failed');
  await page.context().close();
});

test('read-only: any owner linked or typed in shows their devices, rewards and refused reports; claiming asks for the wallet', async () => {
  const view = await firstRootsActive();
  const owed = claimableByMint(view, view.devices);
  const before = await balances(owed.keys());
  const page = await openApp({ wallet: false, path: `?owner=${net.owner}` });
  await page.locator('li.device').first().waitFor();
  assert.equal(await page.locator('li.device').count(), view.devices.length);
  const watching = page.locator('#watching');
  assert.ok(await watching.isVisible());
  assert.match(await watching.innerText(), new RegExp(`Read-only.*${net.owner}`, 's'));
  assert.equal(await page.locator('#devices-title').innerText(), 'Devices');
  assert.match(await page.locator('#summary caption').innerText(), /^Owner /);
  // The rewards are the oracle's, to the token unit, per pool.
  const summaryClaimable = await page.locator('#summary tr[data-pool] [data-field="claimable"]').allInnerTexts();
  assert.equal(summaryClaimable.length, view.pools.length);
  assert.ok(summaryClaimable.some((t) => t !== '0'), 'rewards are shown read-only');
  // Refused reports are public: a cheat's card lists them.
  const cheat = view.devices.find((d) => d.kind === 'hotspot' && d.status === 'active');
  const card = page.locator(`li.device[data-asset="${cheat.asset}"]`);
  await card.getByText('Refused reports', { exact: true }).click();
  await card.locator('.refused-body p, .refused-body ul.reasons').first().waitFor();
  // No destination form, and claiming says the wallet is needed; nothing is signed or paid.
  assert.equal(await page.locator('form.destination').count(), 0);
  await page.getByRole('button', { name: 'Claim all' }).click();
  await status(page).filter({ hasText: 'Claiming needs the owner’s wallet' }).waitFor();
  assert.match(await status(page).innerText(), /Connect the wallet that holds/);
  await page.locator(`li.device[data-asset="${view.devices.find((d) => claimable(view, d) > 0n).asset}"] button[data-action="claim"]`).click();
  await status(page).filter({ hasText: 'Claiming needs the owner’s wallet' }).waitFor();
  for (const [mint, amount] of before) assert.equal(await balance(mint), amount, 'nothing was claimed');
  // The map shows the hotspots; where the dashcams drove stays the owner's.
  assert.equal(await page.locator('#map polygon.hotspot-cell').count(), view.hotspot_cells.length);
  assert.equal(await page.locator('#map polygon.mapped-cell').count(), 0);
  assert.match(await page.locator('#private-cells').innerText(), /private: only the owner sees it/);
  assert.equal(await page.getByRole('button', { name: 'Show where my dashcams drove' }).count(), 0);
  await screenshot(page, 'read-only-claim-asks-for-wallet');
  await screenshot(page, 'read-only-desktop', { fullPage: true });
  await page.context().close();

  // Typed in: the same owner, and the address lands in the page's address.
  const typed = await openApp({ wallet: false });
  await typed.getByLabel(/Look at any owner/).fill(net.owner);
  await typed.getByRole('button', { name: 'Show', exact: true }).click();
  await typed.locator('li.device').first().waitFor();
  assert.equal(await typed.locator('li.device').count(), view.devices.length);
  assert.equal(new URL(typed.url()).searchParams.get('owner'), net.owner);
  // Something that is not an address is said so, and nothing is asked of the oracle.
  await typed.getByLabel(/Look at any owner/).fill('not-an-address');
  await typed.getByRole('button', { name: 'Show', exact: true }).click();
  await status(typed).filter({ hasText: 'Not an address' }).waitFor();
  await screenshot(typed, 'read-only-not-an-address');
  await typed.context().close();
});

test('claim one device with the local test wallet: the balance grows by exactly its claimable rewards', async () => {
  const view = await firstRootsActive();
  const device = [...view.devices].sort((a, b) => Number(claimable(view, b) - claimable(view, a)))[0];
  const expected = claimableByMint(view, [device]);
  const before = await balances(expected.keys());
  const page = await openWithLocalWallet();
  const card = page.locator(`li.device[data-asset="${device.asset}"]`);
  await card.getByRole('button', { name: /^Claim/ }).click();
  await status(page).filter({ hasText: 'Claimed' }).waitFor({ timeout: 120_000 });
  const text = await status(page).innerText();
  assert.match(text, /[1-9A-HJ-NP-Za-km-z]{64,88}/, 'the signature is shown');
  assert.ok(await status(page).locator('a.signature').first().getAttribute('href').then((h) => h.startsWith('https://explorer.solana.com/tx/')));
  for (const [mint, amount] of expected) {
    assert.equal(await balance(mint), before.get(mint) + amount, `the balance of ${mint} grew by the device's claimable rewards`);
  }
  // The page shows the device claimed and the new balance.
  const after = await ownerView();
  assert.equal(claimable(after, after.devices.find((d) => d.asset === device.asset)), 0n);
  for (const claimableText of await card.locator('[data-field="claimable"]').allInnerTexts()) assert.equal(claimableText, '0');
  const mint = [...expected.keys()][0];
  const digits = await decimals(mint);
  const shown = await page.locator(`#summary [data-mint="${mint}"] [data-field="balance"]`).innerText();
  assert.equal(shown.replace(/,/g, ''), formatUnits(await balance(mint), digits));
  await screenshot(page, 'claimed-one');
  await page.context().close();
});

function formatUnits(units, digits) {
  const base = 10n ** BigInt(digits);
  const fraction = (units % base).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction ? `${units / base}.${fraction}` : `${units / base}`;
}

test('claim all with the local test wallet: progress is shown, the balance grows by exactly everything claimable, then nothing is left', async () => {
  const view = await firstRootsActive();
  const expected = claimableByMint(view, view.devices);
  assert.ok([...expected.values()].some((v) => v > 0n), 'something left to claim after the first device');
  const before = await balances(expected.keys());
  const page = await openWithLocalWallet();
  await page.getByRole('button', { name: 'Claim all' }).click();
  await status(page).filter({ hasText: 'Claimed' }).waitFor({ timeout: 300_000 });
  // Every transaction the wallet signed was sent and confirmed, and is listed.
  const signed = await page.locator('#status a.signature').count();
  assert.ok(signed >= view.pools.filter((p) => (expected.get(p.mint) ?? 0n) > 0n).length, 'at least one transaction per pool with rewards');
  const announced = await page.evaluate(() => window.__announced);
  assert.ok(announced.some((t) => /Approve \d+ transactions in your wallet|Approve the transaction/.test(t)), announced.join('\n'));
  assert.ok(announced.some((t) => new RegExp(`Sending transaction 1 of ${signed}`).test(t)), announced.join('\n'));
  for (const [mint, amount] of expected) {
    assert.equal(await balance(mint), before.get(mint) + amount, `the balance of ${mint} grew by everything claimable`);
  }
  await screenshot(page, 'claimed-all');
  await page.context().close();

  // A second visit: nothing is left, and the page says so.
  const again = await openWithLocalWallet();
  await status(again).filter({ hasText: 'Nothing to claim' }).waitFor();
  assert.ok(await again.getByRole('button', { name: 'Claim all' }).isDisabled());
  const left = await ownerView();
  assert.equal(left.devices.reduce((sum, d) => sum + claimable(left, d), 0n), 0n);
  await screenshot(again, 'nothing-to-claim');
  await again.context().close();
});

test("a cheating device's refused reports are explained in plain words", async () => {
  const view = await ownerView();
  const refusedOf = async (device) => fetchJson(new URL(`v1/devices/${device.device_key}/rejections`, net.appUrl).href);
  const cheats = [];
  for (const device of view.devices) {
    const refused = await refusedOf(device);
    if (refused.some((r) => r.reason === 'rssi_above_free_space') && !cheats.some((c) => c.kind === 'hotspot')) cheats.push({ device, kind: 'hotspot', refused });
    if (refused.some((r) => r.reason === 'impossible_speed' || r.reason === 'position_jump') && !cheats.some((c) => c.kind === 'mapper')) cheats.push({ device, kind: 'mapper', refused });
  }
  assert.deepEqual(cheats.map((c) => c.kind).sort(), ['hotspot', 'mapper'], 'the fleet has a loud witness and a teleporting dashcam');
  const page = await openWithLocalWallet();
  for (const { device, refused } of cheats) {
    const card = page.locator(`li.device[data-asset="${device.asset}"]`);
    await card.getByText('Refused reports', { exact: true }).click();
    const reasons = card.locator('ul.reasons li');
    await reasons.first().waitFor();
    // The fleet keeps reporting: the page may have read a few more than the test did.
    assert.ok((await reasons.count()) >= refused.length);
    const text = await card.locator('ul.reasons').innerText();
    for (const r of refused) assert.ok(text.includes(r.explanation), `"${r.explanation}" is shown`);
    await card.scrollIntoViewIfNeeded();
  }
  const hotspotText = await page.locator(`li.device[data-asset="${cheats.find((c) => c.kind === 'hotspot').device.asset}"] ul.reasons`).innerText();
  assert.match(hotspotText, /stronger than physics allows/);
  const mapperText = await page.locator(`li.device[data-asset="${cheats.find((c) => c.kind === 'mapper').device.asset}"] ul.reasons`).innerText();
  assert.match(mapperText, /faster than a vehicle|jumped farther than a vehicle/);
  for (const { device, kind } of cheats) {
    await screenshot(page, `refused-reports-${kind}`, { of: page.locator(`li.device[data-asset="${device.asset}"]`) });
  }
  await screenshot(page, 'coverage-map', { of: page.locator('#coverage') });
  // The spoofers' far-away cells: the map opens on the crowd and shows everything on request,
  // every cell drawn either way.
  const showAll = page.getByRole('button', { name: /Show all cells \(\d+ outside this view\)/ });
  const cells = await page.locator('#map polygon').count();
  await showAll.click();
  await page.getByRole('button', { name: 'Show where most cells are' }).waitFor();
  assert.equal(await page.locator('#map polygon').count(), cells);
  assert.match(await page.locator('#map figcaption').innerText(), /all shown/);
  await screenshot(page, 'coverage-map-all', { of: page.locator('#coverage') });
  await page.context().close();
});

test("where the dashcams drove is shown to the owner who signs the challenge, the oracle's cells exactly", async () => {
  const page = await openWithLocalWallet();
  await page.getByRole('button', { name: 'Show where my dashcams drove' }).click();
  await status(page).filter({ hasText: 'Signed in' }).waitFor({ timeout: 60_000 });
  const drawn = await page.locator('#map polygon.mapped-cell').evaluateAll((ps) => ps.map((p) => p.dataset.cell));
  // The oracle's answer to the owner's own signed challenge (signed here, with the owner's key).
  const { status: answered, body } = await mappedCells(net.owner, await signedChallenge(net.owner, net.secretKey));
  assert.equal(answered, 200, JSON.stringify(body));
  assert.ok(body.cells.length > 0, "the fleet's honest dashcams mapped cells in the last day");
  assert.ok(drawn.length > 0);
  // Dashcams keep driving: what the page drew is among what the oracle says a moment later.
  for (const cell of drawn) assert.ok(body.cells.includes(cell), `mapped cell ${cell} is the oracle's`);
  assert.match(await page.locator('#private-cells').innerText(), /shown to you alone: you signed in until/);
  await screenshot(page, 'dashcams-drove-signed-in', { of: page.locator('#coverage') });
  await page.context().close();

  // Anyone else's signature over the owner's challenge shows nothing.
  const stranger = [...Array(32).keys()].map((i) => i + 1);
  const { status: refused, body: words } = await mappedCells(net.owner, await signedChallenge(net.owner, stranger));
  assert.deepEqual([refused, words.code], [401, 'not_signed_by_owner']);
  assert.equal(words.cells, undefined);
});

test('a wallet that cannot sign for the owner is refused, and an expired sign-in is said and renewed', async () => {
  // A wallet showing the owner's address but holding another key: its signature is not the owner's.
  const impostorKey = [...[...Array(32).keys()].map((i) => 200 - i), ...net.secretKey.slice(32)];
  const impostor = await openApp({ secretKey: impostorKey });
  await connect(impostor);
  await impostor.locator('li.device').first().waitFor();
  await impostor.getByRole('button', { name: 'Show where my dashcams drove' }).click();
  await status(impostor).filter({ hasText: 'The oracle refused: not_signed_by_owner' }).waitFor({ timeout: 60_000 });
  assert.equal(await impostor.locator('#map polygon.mapped-cell').count(), 0);
  assert.equal((await impostor.evaluate(() => window.__testWallet.messages)).length, 1, 'the wallet was asked to sign the challenge');
  assert.match((await impostor.evaluate(() => window.__testWallet.messages))[0], new RegExp(`${net.owner}[\\s\\S]*Expiration Time:`));
  await screenshot(impostor, 'sign-in-refused-not-the-owners-key');
  await impostor.context().close();

  // The owner signs in; once the challenge expired the oracle refuses it, the page says so and
  // the owner signs again.
  const page = await openWithLocalWallet();
  await page.getByRole('button', { name: 'Show where my dashcams drove' }).click();
  await status(page).filter({ hasText: 'Signed in' }).waitFor({ timeout: 60_000 });
  const expiresAt = await page.evaluate(() => document.querySelector('#private-cells')?.textContent ?? '');
  assert.match(expiresAt, /signed in until/);
  await new Promise((r) => setTimeout(r, (CHALLENGE_TTL_SECS + 2) * 1000));
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('#private-cells [data-signed-in="expired"]').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#private-cells').innerText(), /Your sign-in expired: the challenge expired at/);
  assert.equal(await page.locator('#map polygon.mapped-cell').count(), 0, 'nothing private is shown once expired');
  await screenshot(page, 'sign-in-expired', { of: page.locator('#coverage') });
  await page.getByRole('button', { name: 'Sign in again' }).click();
  await status(page).filter({ hasText: 'Signed in' }).waitFor({ timeout: 60_000 });
  assert.ok((await page.locator('#map polygon.mapped-cell').count()) > 0);
  await page.context().close();
});

test('a payout destination is set through the wallet, and reset', async () => {
  const view = await ownerView();
  const device = view.devices[0];
  const reward = device.rewards[0];
  const mint = view.pools.find((p) => p.pool === reward.pool).mint;
  // The owner's own token account of the pool's mint (it exists after the claims): a valid
  // destination whose effect is read back from the claim record on chain.
  const { value } = await rpc('getTokenAccountsByOwner', [net.owner, { mint }, { encoding: 'jsonParsed', commitment: 'confirmed' }]);
  const destination = value[0].pubkey;
  const page = await openWithLocalWallet();
  const card = page.locator(`li.device[data-asset="${device.asset}"]`);
  await card.getByText('Payout destination', { exact: true }).click();
  await card.getByLabel('Pool', { exact: true }).selectOption(reward.pool);
  await card.getByLabel(/Pay future claims to/).fill(destination);
  await card.getByRole('button', { name: 'Set destination' }).click();
  await status(page).filter({ hasText: 'Destination set' }).waitFor({ timeout: 120_000 });
  const set = await ownerView();
  assert.equal(set.devices.find((d) => d.asset === device.asset).rewards.find((r) => r.pool === reward.pool).destination, destination);
  await screenshot(page, 'destination-set');
  // The page was redrawn from the chain: open the form again.
  await card.getByText('Payout destination', { exact: true }).click();
  await card.getByLabel('Pool', { exact: true }).selectOption(reward.pool);
  await card.getByRole('button', { name: 'Pay my wallet' }).click();
  await status(page).filter({ hasText: 'Future claims pay your wallet' }).waitFor({ timeout: 120_000 });
  const reset = await ownerView();
  assert.equal(reset.devices.find((d) => d.asset === device.asset).rewards.find((r) => r.pool === reward.pool).destination, null);
  await page.context().close();
});

test('the network page: devices by kind and status, aggregated cells, each pool’s epochs with roots and states, the oracles, emissions and burns', async () => {
  await firstRootsActive();
  const api = (path) => fetchJson(new URL(`v1/network/${path}`, net.appUrl).href);
  const [devices, pools, oracles, emissions] = await Promise.all([api('devices'), api('pools'), api('oracles'), api('emissions')]);
  const page = await openApp({ wallet: false, path: 'network.html' });
  await page.locator('#net-pools article.pool').first().waitFor({ timeout: 60_000 });
  await page.locator('#net-emissions tr[data-epoch]').first().waitFor();

  // Devices: the counts the oracle's directory has.
  for (const kind of ['hotspot', 'mapper']) {
    const row = page.locator(`#net-devices tr[data-kind="${kind}"]`);
    const count = (status) => String(devices.devices.find((d) => d.kind === kind && d.status === status).count);
    assert.equal(await row.locator('[data-field="active"]').innerText(), count('active'));
    assert.equal(await row.locator('[data-field="inactive"]').innerText(), count('inactive'));
  }
  assert.ok(devices.devices.find((d) => d.kind === 'hotspot' && d.status === 'active').count >= 20);
  // Cells: as aggregated by the oracle, one polygon each, no device named.
  assert.equal(await page.locator('#net-map polygon.hotspot-cell').count(), devices.hotspot_cells.cells.length);
  assert.equal(await page.locator('#net-map polygon.mapped-cell').count(), devices.mapped_cells.cells.length);
  assert.ok(devices.mapped_cells.cells.every((c) => c.devices >= devices.mapped_cells.min_dashcams));
  const owners = await ownerView();
  const text = JSON.stringify(devices);
  assert.ok(owners.devices.every((d) => !text.includes(d.device_key) && !text.includes(d.asset)), 'no device is named');
  if (devices.mapped_cells.withheld_cells > 0) assert.match(await page.locator('#net-coverage').innerText(), /not shown, so that no one’s drive can be read/);

  // Pools: each epoch's root is the one the oracle signed, the chain's active root is marked.
  for (const pool of pools.pools) {
    const article = page.locator(`#net-pools article[data-pool="${pool.pool}"]`);
    assert.match(await article.innerText(), new RegExp(`Active root: epoch ${pool.active_epoch}`));
    const current = article.locator(`tr[data-epoch="${pool.active_epoch}"]`);
    assert.match(await current.locator('[data-field="state"]').innerText(), /active \(the current root\)/);
    const epoch = await fetchJson(new URL(`v1/epochs/${pool.pool}/${pool.active_epoch}`, net.appUrl).href);
    assert.equal(await current.locator('td.mono').getAttribute('title'), epoch.root);
    assert.equal(epoch.root, pool.active_root, "the oracle's root is the chain's");
    for (const row of pool.epochs.filter((e) => e.pending_until !== null)) {
      assert.match(await article.locator(`tr[data-epoch="${row.epoch}"] [data-field="state"]`).innerText(), /pending until \d\d:\d\d:\d\d UTC/);
    }
  }
  // Oracles: the three of the quorum, healthy, each with its newest signed epoch.
  assert.equal(oracles.oracles.length, 3);
  assert.equal(await page.locator('#net-oracles tr[data-oracle]').count(), 3);
  assert.equal(await page.locator('#net-oracles tr[data-health="healthy"]').count(), 3);
  for (const o of oracles.oracles) {
    assert.ok(o.health.last_signed.every((s) => s.epoch !== null && s.epoch >= 1), JSON.stringify(o));
    assert.match(await page.locator(`#net-oracles tr[data-oracle="${o.oracle}"] [data-field="last-signed"]`).innerText(), /coverage: epoch \d+, mapping: epoch \d+/);
  }
  // Emissions: per epoch, emitted or not, and what was burned.
  assert.equal(await page.locator('#net-emissions tr[data-epoch]').count(), emissions.epochs.length);
  for (const row of emissions.epochs.filter((e) => e.emitted)) {
    assert.equal(await page.locator(`#net-emissions tr[data-epoch="${row.epoch}"]`).getAttribute('data-emitted'), 'true');
  }
  assert.ok(emissions.epochs.some((e) => e.emitted && e.scheduled > 0));
  assert.ok(emissions.epochs.every((e) => e.recipients.filter((r) => r.pool).length === pools.pools.length));
  await screenshot(page, 'network-phone', { fullPage: true });
  await page.setViewportSize(DESKTOP);
  await screenshot(page, 'network-desktop', { fullPage: true });
  await page.context().close();
});

/** A 256×256 PNG of one colour: a map tile. */
function solidPng(r, g, b) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(256, 0);
  header.writeUInt32BE(256, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: 256 }, () => [r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: 256 }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

test('a basemap where config.json names map tiles: the cells over the tiles, credited; without the tiles, the cells still', async () => {
  const tiles = 'https://tiles.fieldproof.test/{z}/{x}/{y}.png';
  const attribution = 'Test tiles © Fieldproof contributors';
  const view = await ownerView();
  const withBasemap = (serveTiles) => async (page) => {
    await page.route('**/config.json', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), basemap: { tiles, attribution } } });
    });
    await page.route('https://tiles.fieldproof.test/**', (route) => serveTiles(route));
  };
  let served = 0;
  const tile = solidPng(226, 232, 240);
  const page = await openWithLocalWallet({
    viewport: DESKTOP,
    before: withBasemap((route) => {
      served += 1;
      return route.fulfill({ status: 200, contentType: 'image/png', body: tile });
    }),
  });
  const figure = page.locator('#map figure.basemap');
  await figure.waitFor();
  await page.locator('#map figure[data-basemap="loaded"]').waitFor({ timeout: 60_000 });
  assert.ok(served > 0, 'tiles were asked from the configured URL');
  assert.equal(await figure.getAttribute('data-cells'), String(view.hotspot_cells.length));
  assert.match(await page.locator('#map .maplibregl-ctrl-attrib').innerText(), /Test tiles © Fieldproof contributors/);
  await screenshot(page, 'basemap', { of: page.locator('#coverage') });
  await page.context().close();

  // Tiles that cannot be loaded (no internet): the cells are drawn, and the map says why.
  const offline = await openWithLocalWallet({ viewport: DESKTOP, before: withBasemap((route) => route.abort('internetdisconnected')) });
  await offline.locator('#map figure[data-basemap="tiles-failed"]').waitFor({ timeout: 60_000 });
  assert.match(await offline.locator('#map .map-note').innerText(), /could not be loaded from tiles\.fieldproof\.test; the cells are drawn without them/);
  await screenshot(offline, 'basemap-tiles-unreachable', { of: offline.locator('#coverage') });
  await offline.context().close();
});
