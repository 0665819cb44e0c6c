//! The small interface everything that reads or writes the chain goes through, so the same
//! code runs against a cluster ([`RpcChain`]) or an in-process bank (`BanksChain`, with the
//! `program-test` feature).
use std::future::Future;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

#[cfg(feature = "program-test")]
mod banks;
pub(crate) mod history;
mod rpc;

#[cfg(feature = "program-test")]
pub use banks::BanksChain;
pub use rpc::{RetryPolicy, RpcChain};

/// Why a chain request failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The node could not be reached or answered garbage, after every retry.
    #[error("chain unreachable: {0}")]
    Unreachable(String),
    /// The transaction was executed (or simulated before sending) and failed.
    #[error("transaction failed: {error}")]
    Transaction {
        /// What the runtime reported.
        error: TransactionError,
        /// The program log of the failed execution, when the node returned it (a refused
        /// preflight simulation does); it tells which program, however deep in CPIs, failed.
        logs: Vec<String>,
    },
    /// The transaction's blockhash expired before it was confirmed; it can never land, so
    /// re-signing with a fresh blockhash is safe.
    #[error("transaction expired before it was confirmed")]
    Expired,
    /// The node answered with data that does not decode.
    #[error("unexpected answer from the chain: {0}")]
    Unexpected(String),
}

/// A condition on a program account, as the RPC `getProgramAccounts` filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountFilter {
    /// The account data is exactly this long.
    DataSize(u64),
    /// The account data holds `bytes` at `offset`.
    Memcmp {
        /// Where in the data the bytes start.
        offset: usize,
        /// The bytes expected there.
        bytes: Vec<u8>,
    },
}

impl AccountFilter {
    /// Whether `data` passes the filter.
    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            AccountFilter::DataSize(len) => data.len() as u64 == *len,
            AccountFilter::Memcmp { offset, bytes } => {
                offset.checked_add(bytes.len()).and_then(|end| data.get(*offset..end)) == Some(bytes.as_slice())
            }
        }
    }
}

/// Read accounts, send transactions, read the clock.
pub trait Chain: Send + Sync {
    /// The account at `address`, `None` when it does not exist.
    fn get_account(&self, address: &Pubkey) -> impl Future<Output = Result<Option<Account>, ChainError>> + Send;

    /// The accounts at `addresses`, in order.
    fn get_multiple_accounts(&self, addresses: &[Pubkey]) -> impl Future<Output = Result<Vec<Option<Account>>, ChainError>> + Send;

    /// Every account owned by `program` that passes all `filters`.
    fn get_program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> impl Future<Output = Result<Vec<(Pubkey, Account)>, ChainError>> + Send;

    /// A recent blockhash to sign transactions with.
    fn latest_blockhash(&self) -> impl Future<Output = Result<Hash, ChainError>> + Send;

    /// Sends `transaction` and waits until it is confirmed (or fails, or expires).
    fn send_transaction(&self, transaction: &VersionedTransaction) -> impl Future<Output = Result<Signature, ChainError>> + Send;

    /// The cluster's clock.
    fn clock(&self) -> impl Future<Output = Result<Clock, ChainError>> + Send;

    /// The newest successful transaction that names `program`: the cursor to ask
    /// [`changes_since`](Self::changes_since) from. `None` when there is none, or when the chain
    /// keeps no history by address (the in-process bank, which this default describes).
    fn newest_change(&self, program: &Pubkey) -> impl Future<Output = Result<Option<Signature>, ChainError>> + Send {
        let _ = program;
        async { Ok(None) }
    }

    /// The accounts written by the successful transactions that named `program` after `cursor`.
    /// `None` when the chain cannot tell (no history by address, which this default describes, or
    /// a node whose history no longer reaches `cursor`): the caller must read everything again.
    fn changes_since(&self, program: &Pubkey, cursor: &Signature) -> impl Future<Output = Result<Option<ProgramChanges>, ChainError>> + Send {
        let _ = (program, cursor);
        async { Ok(None) }
    }
}

/// What a program's transactions wrote over a stretch of the chain's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramChanges {
    /// The newest transaction read: the cursor to ask from next time (the one asked from when
    /// nothing is new).
    pub newest: Signature,
    /// How many successful transactions the stretch held.
    pub transactions: usize,
    /// Every account they could write, each once, in address order (not only the program's:
    /// callers keep the accounts they recognise).
    pub written: Vec<Pubkey>,
}

/// Decodes the Clock sysvar's account data: five little-endian 64-bit fields.
pub(crate) fn decode_clock(data: &[u8]) -> Result<Clock, ChainError> {
    let field = |i: usize| -> Result<[u8; 8], ChainError> {
        data.get(i * 8..i * 8 + 8)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ChainError::Unexpected(format!("clock sysvar is {} bytes", data.len())))
    };
    Ok(Clock {
        slot: u64::from_le_bytes(field(0)?),
        epoch_start_timestamp: i64::from_le_bytes(field(1)?),
        epoch: u64::from_le_bytes(field(2)?),
        leader_schedule_epoch: u64::from_le_bytes(field(3)?),
        unix_timestamp: i64::from_le_bytes(field(4)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_like_the_rpc_node() {
        let data = [1, 2, 3, 4];
        assert!(AccountFilter::DataSize(4).matches(&data));
        assert!(!AccountFilter::DataSize(5).matches(&data));
        assert!(AccountFilter::Memcmp { offset: 1, bytes: vec![2, 3] }.matches(&data));
        assert!(!AccountFilter::Memcmp { offset: 1, bytes: vec![3] }.matches(&data));
        assert!(!AccountFilter::Memcmp { offset: 3, bytes: vec![4, 5] }.matches(&data), "past the end");
        assert!(!AccountFilter::Memcmp { offset: usize::MAX, bytes: vec![1] }.matches(&data), "offset overflow");
    }

    #[test]
    fn clock_sysvar_decodes_and_short_data_is_refused() {
        let mut data = Vec::new();
        for field in [5u64, 6, 7, 8, 9] {
            data.extend_from_slice(&field.to_le_bytes());
        }
        let clock = decode_clock(&data).unwrap();
        assert_eq!((clock.slot, clock.epoch_start_timestamp, clock.epoch, clock.leader_schedule_epoch, clock.unix_timestamp), (5, 6, 7, 8, 9));
        assert!(matches!(decode_clock(&data[..39]), Err(ChainError::Unexpected(_))));
    }
}
