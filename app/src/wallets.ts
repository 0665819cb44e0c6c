// Wallets through the wallet standard: any installed wallet that registers itself (Phantom,
// Solflare, Backpack, ...) and can connect and sign Solana transactions is offered.
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import { StandardConnect, StandardEvents, type StandardConnectFeature, type StandardEventsFeature } from '@wallet-standard/features';
import { SolanaSignMessage, SolanaSignTransaction, type SolanaSignMessageFeature, type SolanaSignTransactionFeature } from '@solana/wallet-standard-features';

export type SolanaWallet = Wallet & { features: StandardConnectFeature & SolanaSignTransactionFeature };

/** How long a wallet may take to answer (the owner reads and approves in it). */
const WALLET_TIMEOUT_MS = 5 * 60_000;

function usable(wallet: Wallet): wallet is SolanaWallet {
  return StandardConnect in wallet.features && SolanaSignTransaction in wallet.features;
}

export function solanaWallets(): SolanaWallet[] {
  return getWallets().get().filter(usable);
}

/** Calls `changed` whenever a wallet registers or leaves (extensions load after the page). */
export function onWalletsChanged(changed: () => void): void {
  const wallets = getWallets();
  wallets.on('register', changed);
  wallets.on('unregister', changed);
}

export class WalletRefused extends Error {}

async function withTimeout<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WalletRefused(`the wallet did not answer the ${what} within ${WALLET_TIMEOUT_MS / 60_000} minutes`)), WALLET_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (e) {
    if (e instanceof WalletRefused) throw e;
    throw new WalletRefused(`the wallet refused the ${what}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    clearTimeout(timer);
  }
}

export async function connect(wallet: SolanaWallet): Promise<WalletAccount> {
  const { accounts } = await withTimeout('connection', wallet.features[StandardConnect].connect());
  const account = accounts[0] ?? wallet.accounts[0];
  if (!account) throw new WalletRefused('the wallet connected no account');
  return account;
}

/**
 * Calls `changed` with the wallet's first account whenever the wallet changes its accounts (the
 * owner switched account or disconnected in the wallet); a wallet without events never calls it.
 * Returns the unsubscribe function.
 */
export function onAccountChanged(wallet: SolanaWallet, changed: (account: WalletAccount | undefined) => void): () => void {
  const events = (wallet.features as Partial<StandardEventsFeature>)[StandardEvents];
  if (!events) return () => {};
  return events.on('change', ({ accounts }) => {
    if (accounts) changed(accounts[0]);
  });
}

/** Signs every transaction in one request, so the owner approves a batch once. */
export async function signTransactions(
  wallet: SolanaWallet,
  account: WalletAccount,
  chain: `${string}:${string}`,
  transactions: Uint8Array[],
): Promise<Uint8Array[]> {
  const inputs = transactions.map((transaction) => ({ account, transaction, chain }));
  const outputs = await withTimeout('signature', wallet.features[SolanaSignTransaction].signTransaction(...inputs));
  if (outputs.length !== transactions.length) {
    throw new WalletRefused(`the wallet signed ${outputs.length} of ${transactions.length} transactions`);
  }
  return outputs.map((o) => o.signedTransaction);
}

/**
 * Signs `message` (bytes shown to the owner as text) with the account's key: how an owner proves
 * they hold an address without sending anything. Wallets without message signing are refused.
 */
export async function signMessage(wallet: SolanaWallet, account: WalletAccount, message: Uint8Array): Promise<Uint8Array> {
  const feature = (wallet.features as Partial<SolanaSignMessageFeature>)[SolanaSignMessage];
  if (!feature) throw new WalletRefused(`${wallet.name} cannot sign messages, which proving you own this address takes`);
  const [output] = await withTimeout('message signature', feature.signMessage({ account, message }));
  if (!output) throw new WalletRefused('the wallet returned no signature');
  // A wallet may prefix what it signs (the standard allows it): only the message itself proves
  // anything here.
  if (output.signedMessage.length !== message.length || output.signedMessage.some((b, i) => b !== message[i])) {
    throw new WalletRefused('the wallet signed another message than the one shown');
  }
  return output.signature;
}
