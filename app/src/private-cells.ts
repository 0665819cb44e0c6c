// Where an owner's dashcams drove is the owner's alone: the oracle shows it only against a
// short-lived challenge signed by the owner's wallet (in the manner of Sign-In-With-Solana). The
// signed challenge is kept for the page's life and shown again until the oracle says it expired.
import type { WalletAccount } from '@wallet-standard/base';
import type { OracleApi, OwnerMappedCells, SignedChallenge } from './oracle';
import { signMessage, type SolanaWallet } from './wallets';

const signedChallenges = new Map<string, SignedChallenge>();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Asks the oracle for a challenge, has the wallet sign it, and reads the owner's mapped cells. */
export async function signInForMappedCells(oracle: OracleApi, wallet: SolanaWallet, account: WalletAccount): Promise<OwnerMappedCells> {
  const owner = account.address;
  const challenge = await oracle.challenge(owner);
  if (challenge.owner !== owner) throw new Error(`the oracle's challenge names ${challenge.owner}, not ${owner}`);
  const signature = await signMessage(wallet, account, new TextEncoder().encode(challenge.message));
  const signed: SignedChallenge = {
    nonce: challenge.nonce,
    issued_at_ms: challenge.issued_at_ms,
    expires_at_ms: challenge.expires_at_ms,
    token: challenge.token,
    signature: hex(signature),
  };
  const cells = await oracle.mappedCells(owner, signed);
  signedChallenges.set(owner, signed);
  return cells;
}

/** The owner's mapped cells again, with the challenge signed before; none signed yet: none. */
export function mappedCellsAgain(oracle: OracleApi, owner: string): Promise<OwnerMappedCells> | undefined {
  const signed = signedChallenges.get(owner);
  return signed && oracle.mappedCells(owner, signed);
}

/** Forgets the owner's signed challenge (it expired, or the wallet left). */
export function forgetSignIn(owner: string): void {
  signedChallenges.delete(owner);
}
