// The local network's test wallet: on `solana:localnet` only, the page offers to use the key the
// local network issued its simulated fleet to, which the first oracle serves in local mode
// (`GET /v1/local/test-wallet`). It registers through the wallet standard like any installed
// wallet, and the page then connects to it like any other; it signs in the page with WebCrypto
// (@solana/kit's key functions). Its name and the page's banner say it is a test wallet.
import {
  address as toAddress,
  createKeyPairFromBytes,
  getTransactionDecoder,
  getTransactionEncoder,
  partiallySignTransaction,
  signBytes,
} from '@solana/kit';
import { SolanaSignMessage, SolanaSignTransaction, type SolanaSignMessageInput, type SolanaSignTransactionInput } from '@solana/wallet-standard-features';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import { StandardConnect, StandardEvents, type StandardEventsListeners } from '@wallet-standard/features';
import { ReadonlyWalletAccount, registerWallet } from '@wallet-standard/wallet';
import { LOCAL_CHAIN } from './config';
import type { OracleApi } from './oracle';
import type { SolanaWallet } from './wallets';

export const LOCAL_WALLET_NAME = 'Local test wallet';

// An orange square marked TEST: it must not pass for a real wallet's icon.
const ICON = `data:image/svg+xml;base64,${btoa(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#c25400"/><text x="16" y="20" font-family="sans-serif" font-size="9" font-weight="700" text-anchor="middle" fill="#fff">TEST</text></svg>',
)}` as const;

let registered: Promise<SolanaWallet> | undefined;

/** The local test wallet, registered once per page; fails when the oracle serves no test key. */
export function useLocalTestWallet(oracle: OracleApi): Promise<SolanaWallet> {
  registered ??= register(oracle).catch((e: unknown) => {
    registered = undefined;
    throw e;
  });
  return registered;
}

export function isLocalTestWallet(wallet: Wallet): boolean {
  return wallet.name === LOCAL_WALLET_NAME;
}

async function register(oracle: OracleApi): Promise<SolanaWallet> {
  const served = await oracle.localTestWallet();
  if (!Array.isArray(served.secret_key) || served.secret_key.length !== 64) throw new Error('the oracle served a test key that is not 64 bytes');
  const keyPair = await createKeyPairFromBytes(Uint8Array.from(served.secret_key));
  const address = toAddress(served.address);
  const account: WalletAccount = new ReadonlyWalletAccount({
    address,
    publicKey: Uint8Array.from(served.secret_key.slice(32)),
    chains: [LOCAL_CHAIN],
    features: [SolanaSignTransaction, SolanaSignMessage],
  });
  let connected = false;
  const listeners = new Set<StandardEventsListeners['change']>();
  const check = (input: { account: WalletAccount }) => {
    if (input.account.address !== address) throw new Error(`the local test wallet holds ${address}, not ${input.account.address}`);
  };
  const wallet: SolanaWallet & Wallet = {
    version: '1.0.0',
    name: LOCAL_WALLET_NAME,
    icon: ICON,
    chains: [LOCAL_CHAIN],
    get accounts() {
      return connected ? [account] : [];
    },
    features: {
      [StandardConnect]: {
        version: '1.0.0',
        connect: async () => {
          connected = true;
          for (const listener of listeners) listener({ accounts: [account] });
          return { accounts: [account] };
        },
      },
      [StandardEvents]: {
        version: '1.0.0',
        on: (event: 'change', listener: StandardEventsListeners['change']) => {
          if (event !== 'change') return () => {};
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      [SolanaSignTransaction]: {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signTransaction: (...inputs: readonly SolanaSignTransactionInput[]) =>
          Promise.all(
            inputs.map(async (input) => {
              check(input);
              const transaction = getTransactionDecoder().decode(input.transaction);
              if (!(address in transaction.signatures)) throw new Error('the local test wallet is not a signer of this transaction');
              const signed = await partiallySignTransaction([keyPair], transaction);
              return { signedTransaction: new Uint8Array(getTransactionEncoder().encode(signed)) };
            }),
          ),
      },
      [SolanaSignMessage]: {
        version: '1.0.0',
        signMessage: (...inputs: readonly SolanaSignMessageInput[]) =>
          Promise.all(
            inputs.map(async (input) => {
              check(input);
              return { signedMessage: input.message, signature: new Uint8Array(await signBytes(keyPair.privateKey, input.message)) };
            }),
          ),
      },
    },
  } as SolanaWallet & Wallet;
  registerWallet(wallet);
  return wallet;
}
