//! What changed on a cluster since a point in its history, read from the node's index of
//! transactions by address (`getSignaturesForAddress`, then `getTransaction`). Followers of a
//! program use it to re-read only the accounts its recent transactions wrote instead of
//! rescanning every account it owns.
use anchor_lang::prelude::Pubkey;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::{option_serializer::OptionSerializer, UiTransactionEncoding, UiTransactionStatusMeta};

use super::{ChainError, ProgramChanges, RpcChain};

/// Signatures per `getSignaturesForAddress` page (the node's maximum).
const SIGNATURES_PER_PAGE: usize = 1000;

/// Transactions fetched at once while collecting what a stretch of history wrote.
const TRANSACTIONS_IN_FLIGHT: usize = 8;

/// A transaction as the node stored it: the message, its status, and every account key in the
/// order the message's indexes use (the static keys, then the lookup tables' writable and
/// read-only ones).
pub(crate) struct StoredTransaction {
    pub(crate) transaction: VersionedTransaction,
    pub(crate) meta: UiTransactionStatusMeta,
    pub(crate) keys: Vec<Pubkey>,
    /// How many of `keys` past the static ones were loaded writable.
    loaded_writable: usize,
}

impl StoredTransaction {
    /// The accounts the transaction could write: the message's writable keys and the lookup
    /// tables' writable ones.
    pub(crate) fn written(&self) -> Vec<Pubkey> {
        let message = &self.transaction.message;
        let statics = message.static_account_keys().len();
        let mut written: Vec<Pubkey> = (0..statics).filter(|&i| message.is_maybe_writable(i, None)).map(|i| self.keys[i]).collect();
        written.extend(self.keys[statics..statics + self.loaded_writable].iter().copied());
        written
    }
}

impl RpcChain {
    /// The commitment history reads are made at: the chain's own, but never below confirmed,
    /// which is the least the node's history index serves.
    fn history_commitment(&self) -> CommitmentConfig {
        if self.commitment.is_at_least_confirmed() {
            self.commitment
        } else {
            CommitmentConfig::confirmed()
        }
    }

    /// The signatures of `address`'s successful transactions newer than `after` (all of them
    /// with `None`), oldest first; at most `limit` of the newest when given.
    pub(crate) async fn signatures_since(&self, address: &Pubkey, after: Option<Signature>, limit: Option<usize>) -> Result<Vec<Signature>, ChainError> {
        let mut signatures = Vec::new();
        let mut before = None;
        loop {
            let page_size = limit.map_or(SIGNATURES_PER_PAGE, |l| l.min(SIGNATURES_PER_PAGE));
            let config = || GetConfirmedSignaturesForAddress2Config {
                before,
                until: after,
                limit: Some(page_size),
                commitment: Some(self.history_commitment()),
            };
            let page = self.retry.run(|| self.client.get_signatures_for_address_with_config(address, config())).await?;
            let full = page.len() == page_size;
            for status in page {
                let signature: Signature =
                    status.signature.parse().map_err(|e| ChainError::Unexpected(format!("signature {}: {e}", status.signature)))?;
                before = Some(signature);
                if status.err.is_none() {
                    signatures.push(signature);
                }
            }
            if !full || limit.is_some_and(|l| signatures.len() >= l) {
                break;
            }
        }
        signatures.reverse();
        Ok(signatures)
    }

    /// Transaction `signature` as the node stored it.
    pub(crate) async fn stored_transaction(&self, signature: &Signature) -> Result<StoredTransaction, ChainError> {
        let config = || RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(self.history_commitment()),
            max_supported_transaction_version: Some(0),
        };
        let confirmed = self.retry.run(|| self.client.get_transaction_with_config(signature, config())).await?;
        let unexpected = |what: &str| ChainError::Unexpected(format!("transaction {signature}: {what}"));
        let transaction = confirmed.transaction.transaction.decode().ok_or_else(|| unexpected("undecodable"))?;
        let meta = confirmed.transaction.meta.ok_or_else(|| unexpected("no status meta"))?;
        let mut keys: Vec<Pubkey> = transaction.message.static_account_keys().to_vec();
        let mut loaded_writable = 0;
        if let OptionSerializer::Some(loaded) = &meta.loaded_addresses {
            loaded_writable = loaded.writable.len();
            for key in loaded.writable.iter().chain(&loaded.readonly) {
                keys.push(key.parse().map_err(|_| unexpected("bad loaded address"))?);
            }
        }
        Ok(StoredTransaction { transaction, meta, keys, loaded_writable })
    }

    pub(crate) async fn newest_signature(&self, address: &Pubkey) -> Result<Option<Signature>, ChainError> {
        Ok(self.signatures_since(address, None, Some(1)).await?.pop())
    }

    pub(crate) async fn written_since(&self, address: &Pubkey, cursor: &Signature) -> Result<Option<ProgramChanges>, ChainError> {
        // A node whose history no longer reaches the cursor would answer with everything it
        // still holds, silently missing what came between: the caller must read everything.
        let status = self.retry.run(|| self.client.get_signature_status_with_commitment_and_history(cursor, self.history_commitment(), true)).await?;
        if status.is_none() {
            return Ok(None);
        }
        let signatures = self.signatures_since(address, Some(*cursor), None).await?;
        let Some(newest) = signatures.last().copied() else {
            return Ok(Some(ProgramChanges { newest: *cursor, transactions: 0, written: Vec::new() }));
        };
        let mut written = std::collections::BTreeSet::new();
        for batch in signatures.chunks(TRANSACTIONS_IN_FLIGHT) {
            for stored in futures_util::future::try_join_all(batch.iter().map(|s| self.stored_transaction(s))).await? {
                written.extend(stored.written());
            }
        }
        Ok(Some(ProgramChanges { newest, transactions: signatures.len(), written: written.into_iter().collect() }))
    }
}
