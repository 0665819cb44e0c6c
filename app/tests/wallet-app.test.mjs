// The wallet app in a real browser (Debian's chromium through playwright-core) against the local
// network: scripts/localnet.sh's validator, three oracles in quorum and the simulated fleet,
// with a wallet-standard test wallet in the page holding the fleet owner's key. The tests run in
// order, following the network's life: before any root, the dispute window, the first root, the
// claims. Screenshots land in target/app-screenshots/.
//   cd app && npm test            (CHROMIUM=/path/to/chromium to use another browser)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
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
    oracleListen: process.env.FIELDPROOF_APP_TEST_ORACLE ?? '127.0.0.1:28180',
    timeoutMs: 40 * 60_000,
  });
  // A run stopped from outside (CI's time bound) still stops the network it started.
  process.once('SIGTERM', () => void net.stop().finally(() => process.exit(143)));
  config = await fetchJson(new URL('config.json', net.appUrl).href);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
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

/** A fresh page of the app; with a wallet unless `wallet` is false. */
async function openApp({ wallet = true, chains = [config.chain], viewport = PHONE } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  if (wallet) await page.addInitScript(installTestWallet, { secretKey: net.secretKey, chains, name: WALLET });
  // Every message the status region announced, in order: the progress of a batch is checked here.
  await page.addInitScript(() => {
    window.__announced = [];
    new MutationObserver(() => {
      const status = document.getElementById('status');
      const text = status?.textContent?.trim();
      if (text && window.__announced.at(-1) !== text) window.__announced.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.goto(net.appUrl);
  return page;
}

async function connect(page) {
  await page.getByRole('button', { name: `Connect ${WALLET}` }).click();
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

test('without a wallet the page says to install one', async () => {
  const page = await openApp({ wallet: false });
  await status(page).filter({ hasText: 'No wallet found' }).waitFor();
  assert.match(await status(page).innerText(), /Phantom, Solflare or Backpack/);
  assert.equal(await page.getByRole('button', { name: /Connect/ }).count(), 0);
  await screenshot(page, 'no-wallet');
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

test('connected: every device of the wallet, and nothing to claim before the first root', async () => {
  const view = await ownerView();
  assert.ok(view.devices.length >= 30, `the fleet's devices belong to the test wallet (${view.devices.length})`);
  const page = await openApp();
  await connect(page);
  await page.locator('li.device').first().waitFor();
  assert.equal(await page.locator('li.device').count(), view.devices.length);
  for (const device of view.devices.slice(0, 5)) {
    const card = page.locator(`li.device[data-asset="${device.asset}"]`);
    const text = await card.innerText();
    assert.match(text, device.kind === 'hotspot' ? /Hotspot/ : /Dashcam/);
    assert.match(text, new RegExp(device.device_key.slice(0, 6)));
    assert.match(text, device.location_h3 ? new RegExp(`cell ${device.location_h3}`) : /not located/);
    assert.match(text, device.status === 'active' ? /Active/ : /Deactivated/);
  }
  // The map is drawn from the oracle's cells: one polygon per covered cell. Hotspots stand still;
  // the dashcams' mapped cells only grow while the fleet drives, so those the page drew are
  // among those the oracle reports a moment later.
  const drawn = (cls) => page.locator(`#map polygon.${cls}`).evaluateAll((ps) => ps.map((p) => p.dataset.cell));
  assert.deepEqual((await drawn('hotspot-cell')).sort(), [...view.hotspot_cells].sort());
  assert.ok(view.hotspot_cells.length > 0, 'the fleet has located hotspots');
  const later = await ownerView();
  for (const cell of await drawn('mapped-cell')) assert.ok(later.mapped_cells.includes(cell), `mapped cell ${cell} is the oracle's`);
  if (view.pools.every((p) => p.claimable_epoch === null && p.pending_epoch === null)) {
    await status(page).filter({ hasText: 'Nothing to claim yet' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Claim all' }).isDisabled());
  }
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
      const ready = v.pools.every((p) => p.claimable_epoch !== null) && v.devices.some((d) => claimable(v, d) > 0n);
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

test('claim one device: the balance grows by exactly its claimable rewards', async () => {
  const view = await firstRootsActive();
  const device = [...view.devices].sort((a, b) => Number(claimable(view, b) - claimable(view, a)))[0];
  const expected = claimableByMint(view, [device]);
  const before = await balances(expected.keys());
  const page = await openApp();
  await connect(page);
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
  assert.ok((await page.evaluate(() => window.__testWallet.signed.length)) >= 1, 'the wallet signed the claim');
  await screenshot(page, 'claimed-one');
  await page.context().close();
});

function formatUnits(units, digits) {
  const base = 10n ** BigInt(digits);
  const fraction = (units % base).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction ? `${units / base}.${fraction}` : `${units / base}`;
}

test('claim all: progress is shown, the balance grows by exactly everything claimable, then nothing is left', async () => {
  const view = await firstRootsActive();
  const expected = claimableByMint(view, view.devices);
  assert.ok([...expected.values()].some((v) => v > 0n), 'something left to claim after the first device');
  const before = await balances(expected.keys());
  const page = await openApp();
  await connect(page);
  await page.getByRole('button', { name: 'Claim all' }).click();
  await status(page).filter({ hasText: 'Claimed' }).waitFor({ timeout: 300_000 });
  const signed = await page.evaluate(() => window.__testWallet.signed.length);
  assert.ok(signed >= view.pools.filter((p) => (expected.get(p.mint) ?? 0n) > 0n).length, 'at least one transaction per pool with rewards');
  const announced = await page.evaluate(() => window.__announced);
  assert.ok(announced.some((t) => /Approve \d+ transactions in your wallet|Approve the transaction/.test(t)), announced.join('\n'));
  assert.ok(announced.some((t) => new RegExp(`Sending transaction 1 of ${signed}`).test(t)), announced.join('\n'));
  for (const [mint, amount] of expected) {
    assert.equal(await balance(mint), before.get(mint) + amount, `the balance of ${mint} grew by everything claimable`);
  }
  assert.equal(await page.locator('#status a.signature').count(), signed);
  await screenshot(page, 'claimed-all');
  await page.context().close();

  // A second visit: nothing is left, and the page says so.
  const again = await openApp();
  await connect(again);
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
  const page = await openApp();
  await connect(page);
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

test('a payout destination is set through the wallet, and reset', async () => {
  const view = await ownerView();
  const device = view.devices[0];
  const reward = device.rewards[0];
  const mint = view.pools.find((p) => p.pool === reward.pool).mint;
  // The owner's own token account of the pool's mint (it exists after the claims): a valid
  // destination whose effect is read back from the claim record on chain.
  const { value } = await rpc('getTokenAccountsByOwner', [net.owner, { mint }, { encoding: 'jsonParsed', commitment: 'confirmed' }]);
  const destination = value[0].pubkey;
  const page = await openApp();
  await connect(page);
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
