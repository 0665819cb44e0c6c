// The network's node through @solana/kit: which network it is, token balances, and sending a
// signed transaction and waiting for its confirmation, every call under a deadline. A failed
// transaction is named in words: the program's error name and message from its IDL.
import {
  address,
  createSolanaRpc,
  getBase58Decoder,
  getBase64Decoder,
  getSolanaErrorFromTransactionError,
  getTransactionDecoder,
  isSolanaError,
  signature as toSignature,
  SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM,
  SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR,
  type Base64EncodedWireTransaction,
  type CompiledTransactionMessage,
} from '@solana/kit';
import { programErrorInWords } from './programs';
import { instructionProgram } from './transactions';

const RPC_TIMEOUT_MS = 15_000;
/** A blockhash lives about a minute: a transaction not confirmed by then will not land. */
const CONFIRM_TIMEOUT_MS = 90_000;

export class NodeUnreachable extends Error {}

export class TransactionFailed extends Error {
  constructor(
    message: string,
    /** Set when the transaction reached the chain (and failed there, or was not confirmed). */
    readonly signature?: string,
  ) {
    super(message);
  }
}

function deadline(): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(RPC_TIMEOUT_MS) };
}

/** The words for a failed transaction: a program's custom error by name, otherwise kit's text. */
export function failureInWords(error: unknown, message: CompiledTransactionMessage): string {
  for (let e: unknown = error; e; e = e instanceof Error ? e.cause : undefined) {
    if (isSolanaError(e, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM)) {
      return programErrorInWords(instructionProgram(message, e.context.index), e.context.code);
    }
  }
  const innermost = (function last(e: unknown): unknown {
    return e instanceof Error && e.cause ? last(e.cause) : e;
  })(error);
  return innermost instanceof Error ? innermost.message : String(innermost);
}

export class Chain {
  private readonly rpc;

  constructor(readonly url: string) {
    this.rpc = createSolanaRpc(url);
  }

  private async call<T>(what: string, request: { send(config: { abortSignal: AbortSignal }): Promise<T> }): Promise<T> {
    try {
      return await request.send(deadline());
    } catch (e) {
      // The node answered with an error of its own: that is the caller's to word.
      if (isSolanaError(e) && !isSolanaError(e, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR)) throw e;
      throw new NodeUnreachable(`the network's node (${this.url}) did not answer ${what}`);
    }
  }

  genesisHash(): Promise<string> {
    return this.call('which network it is', this.rpc.getGenesisHash());
  }

  /** The owner's balance of `mint` over all their token accounts, in base units. */
  async tokenBalance(owner: string, mint: string): Promise<bigint> {
    const { value } = await this.call(
      'the token balance',
      this.rpc.getTokenAccountsByOwner(address(owner), { mint: address(mint) }, { encoding: 'jsonParsed', commitment: 'confirmed' }),
    );
    return value.reduce((sum, { account }) => sum + BigInt(account.data.parsed.info.tokenAmount.amount), 0n);
  }

  async decimals(mint: string): Promise<number> {
    const { value } = await this.call('the token', this.rpc.getTokenSupply(address(mint), { commitment: 'confirmed' }));
    return value.decimals;
  }

  /** Sends a signed transaction and waits until it is confirmed; returns its signature. */
  async sendAndConfirm(signed: Uint8Array, message: CompiledTransactionMessage): Promise<string> {
    const transaction = getTransactionDecoder().decode(signed);
    const first = Object.values(transaction.signatures)[0];
    if (!first) throw new TransactionFailed('the wallet returned the transaction without its signature');
    const signature = getBase58Decoder().decode(first);
    const wire = getBase64Decoder().decode(signed) as Base64EncodedWireTransaction;
    try {
      await this.call('the transaction', this.rpc.sendTransaction(wire, { encoding: 'base64', preflightCommitment: 'confirmed' }));
    } catch (e) {
      if (e instanceof NodeUnreachable) throw e;
      // A preflight failure carries the program's error as its cause; any other refusal (an
      // expired blockhash, a bad signature) is worded by kit.
      throw new TransactionFailed(failureInWords(e, message));
    }
    const until = Date.now() + CONFIRM_TIMEOUT_MS;
    while (Date.now() < until) {
      const { value } = await this.call('the transaction status', this.rpc.getSignatureStatuses([toSignature(signature)]));
      const status = value[0];
      if (status?.err) {
        throw new TransactionFailed(failureInWords(getSolanaErrorFromTransactionError(status.err), message), signature);
      }
      if (status && (status.confirmationStatus === 'confirmed' || status.confirmationStatus === 'finalized')) return signature;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new TransactionFailed(`not confirmed within ${CONFIRM_TIMEOUT_MS / 1000} s; it may still land`, signature);
  }
}

/** An explorer link for a signature on the app's node. */
export function explorerUrl(signature: string, rpcUrl: string): string {
  return `https://explorer.solana.com/tx/${signature}?cluster=custom&customUrl=${encodeURIComponent(rpcUrl)}`;
}
