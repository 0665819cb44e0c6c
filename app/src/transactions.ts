// What the owner is asked to sign, checked before the wallet sees it: the oracle prepares the
// transactions, so a compromised oracle must not be able to slip in a transfer. The same rule as
// the SDK's `ClaimTransactions::check_only_claims`: the owner pays and is the only signer, and
// only the allowed programs are called (programs cannot come from lookup tables, so the static
// account keys name them all).
import {
  getBase64Encoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  type CompiledTransactionMessage,
} from '@solana/kit';

export class NotAllowedTransaction extends Error {}

export interface CheckedTransaction {
  /** The wire bytes, as the oracle gave them. */
  bytes: Uint8Array;
  message: CompiledTransactionMessage;
}

export function decodeTransaction(base64: string): CheckedTransaction {
  const bytes = new Uint8Array(getBase64Encoder().encode(base64));
  const transaction = getTransactionDecoder().decode(bytes);
  const message = getCompiledTransactionMessageDecoder().decode(transaction.messageBytes);
  return { bytes, message };
}

export function checkTransactions(base64s: string[], owner: string, allowedPrograms: readonly string[]): CheckedTransaction[] {
  return base64s.map((base64, i) => {
    let checked: CheckedTransaction;
    try {
      checked = decodeTransaction(base64);
    } catch (e) {
      throw new NotAllowedTransaction(`transaction ${i + 1} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    const { message } = checked;
    if (message.version !== 'legacy' && message.version !== 0) {
      throw new NotAllowedTransaction(`transaction ${i + 1} is of a version this app does not check`);
    }
    if (message.staticAccounts[0] !== owner) {
      throw new NotAllowedTransaction(`transaction ${i + 1} is not paid by your wallet`);
    }
    if (message.header.numSignerAccounts !== 1) {
      throw new NotAllowedTransaction(`transaction ${i + 1} needs ${message.header.numSignerAccounts} signers; your wallet must be the only one`);
    }
    for (const instruction of message.instructions) {
      const program = message.staticAccounts[instruction.programAddressIndex];
      if (!program || !allowedPrograms.includes(program)) {
        throw new NotAllowedTransaction(`transaction ${i + 1} calls program ${program ?? '(none)'}, which is not allowed here`);
      }
    }
    return checked;
  });
}

/** The program an instruction of `message` calls. */
export function instructionProgram(message: CompiledTransactionMessage, index: number): string | undefined {
  if (message.version !== 'legacy' && message.version !== 0) return undefined;
  const instruction = message.instructions[index];
  return instruction ? message.staticAccounts[instruction.programAddressIndex] : undefined;
}
