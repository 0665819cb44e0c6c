// Running a batch of prepared transactions: checked, signed by the wallet in one approval, then
// sent one after the other (each confirmed before the next, in the oracle's order), with
// progress. A failure stops the batch and says which transaction failed, in words.
import type { WalletAccount } from '@wallet-standard/base';
import { Chain, NodeUnreachable, TransactionFailed } from './chain';
import { signTransactions, type SolanaWallet } from './wallets';
import type { CheckedTransaction } from './transactions';

export interface Signer {
  wallet: SolanaWallet;
  account: WalletAccount;
  chain: `${string}:${string}`;
}

export type BatchStep = { phase: 'signing'; total: number } | { phase: 'sending'; done: number; total: number };

export class BatchFailed extends Error {
  constructor(
    message: string,
    /** Signatures of the transactions confirmed before the failure. */
    readonly confirmed: string[],
    readonly failedSignature?: string,
  ) {
    super(message);
  }
}

export async function runBatch(node: Chain, signer: Signer, transactions: CheckedTransaction[], step: (s: BatchStep) => void): Promise<string[]> {
  step({ phase: 'signing', total: transactions.length });
  const signed = await signTransactions(signer.wallet, signer.account, signer.chain, transactions.map((t) => t.bytes));
  const confirmed: string[] = [];
  for (const [i, transaction] of transactions.entries()) {
    step({ phase: 'sending', done: i, total: transactions.length });
    try {
      confirmed.push(await node.sendAndConfirm(signed[i], transaction.message));
    } catch (e) {
      const position = transactions.length > 1 ? `Transaction ${i + 1} of ${transactions.length}` : 'The transaction';
      if (e instanceof TransactionFailed) throw new BatchFailed(`${position} failed: ${e.message}`, confirmed, e.signature);
      if (e instanceof NodeUnreachable) throw new BatchFailed(`${position} could not be sent: ${e.message}`, confirmed);
      throw e;
    }
  }
  step({ phase: 'sending', done: transactions.length, total: transactions.length });
  return confirmed;
}
