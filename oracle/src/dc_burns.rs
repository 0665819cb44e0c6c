//! Data-credit usage burns: accepted data-transfer sessions, aggregated per payer escrow, are
//! burned through data-credits' delegated burn by the oracle's burn authority.
//!
//! Exactly once, across crashes: a batch is recorded as `sent` together with its sessions and the
//! escrow's lifetime `burned` total it will reach once it lands, before the transaction goes out.
//! Settling a `sent` batch reads that total on chain: reached means the burn landed
//! (`confirmed`); not reached after `resend_after_secs` (longer than a transaction's blockhash
//! lives) means it never will (`failed`), and its sessions return to pending for the next batch.
//! An escrow with a batch in flight gets no new one. No batch exceeds the escrow's DC balance:
//! sessions that do not fit wait for the payer to delegate more.
use std::collections::BTreeMap;

use fieldproof_reports::{ReportBody, SignedReport};
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, DelegatedEscrow};
use fieldproof_sdk::{Chain, ChainError, Client, Pubkey, SdkError};
use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::storage::{SentBatch, Store, StoreError};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DcBurnConfig {
    /// The data-credits config's burn authority (a Solana keypair file); burns are off without it.
    pub burn_authority_keypair: Option<std::path::PathBuf>,
    /// The data-credits config (base58).
    pub dc_config: Option<String>,
    /// The node burns are sent through.
    pub rpc_url: Option<String>,
    /// The usage category the burns are booked under (the treasury's usage-weighted split).
    pub category: u8,
    pub every_secs: u64,
    /// A sent burn not on chain after this long never will be: its blockhash has expired.
    pub resend_after_secs: u64,
}

impl Default for DcBurnConfig {
    fn default() -> Self {
        Self { burn_authority_keypair: None, dc_config: None, rpc_url: None, category: 0, every_secs: 60, resend_after_secs: 180 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BurnError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chain(#[from] SdkError),
    #[error("the data-credits epoch cannot be read from the config: {0}")]
    Epoch(String),
    #[error("a DC amount of {0} does not fit the store's 63-bit integers")]
    Amount(u64),
}

impl From<ChainError> for BurnError {
    fn from(e: ChainError) -> Self {
        Self::Chain(SdkError::Chain(e))
    }
}

/// A batch recorded as sent: burn `amount` from `escrow`, after which its lifetime burned total
/// is `expected_burned`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub id: i64,
    pub escrow: Pubkey,
    pub amount: u64,
    pub expected_burned: u64,
}

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BurnSummary {
    pub confirmed: usize,
    pub failed: usize,
    pub sent: usize,
    pub burned: u64,
    pub refused_sessions: usize,
}

pub struct DcBurner<C: Chain> {
    pub store: Store,
    pub client: Client<C>,
    pub burn_authority: Keypair,
    pub dc_config: Pubkey,
    pub category: u8,
    pub resend_after_ms: i64,
}

/// A pending session: its report's id, escrow, router and DC.
struct Session {
    id: [u8; 32],
    escrow: Pubkey,
    router: Pubkey,
    dc: u64,
}

impl<C: Chain> DcBurner<C> {
    /// Settles the batches in flight, then batches and burns the pending sessions.
    pub async fn step(&self, now_ms: i64) -> Result<BurnSummary, BurnError> {
        let mut summary = self.settle(now_ms).await?;
        let (batches, refused) = self.plan(now_ms).await?;
        summary.refused_sessions = refused;
        for batch in batches {
            match self.send(&batch, now_ms).await {
                Ok(()) => {
                    summary.sent += 1;
                    summary.burned += batch.amount;
                }
                Err(e) => tracing::warn!(escrow = %batch.escrow, amount = batch.amount, error = %e, "burn not confirmed; settled next pass"),
            }
        }
        Ok(summary)
    }

    /// Resolves every `sent` batch against the escrow's burned total on chain.
    pub async fn settle(&self, now_ms: i64) -> Result<BurnSummary, BurnError> {
        let mut summary = BurnSummary::default();
        for SentBatch { id, escrow, expected_burned: expected, sent_at_ms: sent_at } in self.store.sent_burn_batches().await? {
            let escrow = Pubkey::new_from_array(escrow);
            let burned = self.client.optional_account::<DelegatedEscrow>(&escrow).await?.map_or(0, |e| e.burned);
            if i64::try_from(burned).unwrap_or(i64::MAX) >= expected {
                self.finish(id, "confirmed", None, now_ms).await?;
                summary.confirmed += 1;
            } else if now_ms.saturating_sub(sent_at) >= self.resend_after_ms {
                self.finish(id, "failed", None, now_ms).await?;
                summary.failed += 1;
                tracing::warn!(%escrow, batch = id, "a burn never landed; its sessions are pending again");
            }
        }
        Ok(summary)
    }

    /// Batches the pending sessions per escrow, within each escrow's DC balance, and records each
    /// batch as sent (durably, before anything is sent). Returns them, and how many sessions
    /// were refused for good.
    pub async fn plan(&self, now_ms: i64) -> Result<(Vec<Batch>, usize), BurnError> {
        let mut by_escrow: BTreeMap<Pubkey, Vec<Session>> = BTreeMap::new();
        for session in self.pending_sessions().await? {
            by_escrow.entry(session.escrow).or_default().push(session);
        }
        let in_flight: Vec<[u8; 32]> = self.store.sent_burn_batches().await?.iter().map(|b| b.escrow).collect();
        let mut batches = Vec::new();
        let mut refused = 0;
        for (escrow, sessions) in by_escrow {
            if in_flight.contains(&escrow.to_bytes()) {
                continue;
            }
            let Some(account) = self.client.optional_account::<DelegatedEscrow>(&escrow).await? else {
                refused += self.refuse(&sessions, "unknown_escrow").await?;
                continue;
            };
            let (theirs, others): (Vec<Session>, Vec<Session>) =
                sessions.into_iter().partition(|s| account.config == self.dc_config && s.router == account.router);
            refused += self.refuse(&others, "wrong_escrow").await?;
            let dc_mint = data_credits::dc_mint_address(&self.dc_config);
            let mut balance = self.client.token_amount(&data_credits::escrow_dc_account_address(&escrow, &dc_mint)).await?;
            let mut taken = Vec::new();
            for session in theirs {
                if session.dc <= balance {
                    balance -= session.dc;
                    taken.push(session);
                }
            }
            let amount: u64 = taken.iter().map(|s| s.dc).sum();
            if amount == 0 {
                continue;
            }
            batches.push(self.record(escrow, amount, account.burned.saturating_add(amount), &taken, now_ms).await?);
        }
        Ok((batches, refused))
    }

    /// Sends a recorded batch's burn, under the data-credits epoch of the chain's clock.
    pub async fn send(&self, batch: &Batch, now_ms: i64) -> Result<(), BurnError> {
        let config: DataCreditsConfig = self.client.account(&self.dc_config).await?;
        let now = self.client.chain().clock().await?.unix_timestamp;
        let epoch = config.epoch_at(now).map_err(|e| BurnError::Epoch(e.to_string()))?;
        let authority = self.burn_authority.pubkey();
        let burn = data_credits::burn_delegated(&authority, &authority, &self.dc_config, &batch.escrow, batch.amount, self.category, epoch);
        match self.client.send(&[burn], &self.burn_authority, &[]).await {
            Ok(signature) => {
                self.finish(batch.id, "confirmed", Some(signature.to_string()), now_ms).await?;
                tracing::info!(escrow = %batch.escrow, amount = batch.amount, epoch, transaction = %signature, "usage burned");
                Ok(())
            }
            // The program refused it: it did not land and never will.
            Err(refused @ SdkError::Program { .. }) => {
                self.finish(batch.id, "failed", None, now_ms).await?;
                Err(refused.into())
            }
            Err(unknown) => Err(unknown.into()),
        }
    }

    /// Valid data-transfer sessions (judged in a coverage epoch and not refused: countersigned
    /// by their router) not yet in a live batch nor refused here, oldest first.
    async fn pending_sessions(&self) -> Result<Vec<Session>, BurnError> {
        let rows = self.store.unburned_sessions().await?;
        let mut sessions = Vec::with_capacity(rows.len());
        for (id, body) in rows {
            match SignedReport::from_bytes(&body).map(|r| r.body) {
                Ok(ReportBody::DataTransfer(s)) => sessions.push(Session {
                    id,
                    escrow: Pubkey::new_from_array(s.payer_escrow),
                    router: Pubkey::new_from_array(s.router),
                    dc: s.dc_amount,
                }),
                _ => tracing::error!(id = %hex::encode(id), "a valid data-transfer session does not decode; skipped"),
            }
        }
        Ok(sessions)
    }

    async fn record(&self, escrow: Pubkey, amount: u64, expected_burned: u64, sessions: &[Session], now_ms: i64) -> Result<Batch, BurnError> {
        let ids: Vec<[u8; 32]> = sessions.iter().map(|s| s.id).collect();
        let (stored_amount, stored_expected) = (
            i64::try_from(amount).map_err(|_| BurnError::Amount(amount))?,
            i64::try_from(expected_burned).map_err(|_| BurnError::Amount(expected_burned))?,
        );
        let id = self.store.record_burn_batch(&escrow.to_bytes(), stored_amount, stored_expected, &ids, now_ms).await?;
        Ok(Batch { id, escrow, amount, expected_burned })
    }

    async fn finish(&self, id: i64, status: &str, tx_signature: Option<String>, now_ms: i64) -> Result<(), BurnError> {
        Ok(self.store.finish_burn_batch(id, status, tx_signature, now_ms).await?)
    }

    async fn refuse(&self, sessions: &[Session], reason: &str) -> Result<usize, BurnError> {
        for s in sessions {
            self.store.refuse_session(&s.id, reason).await?;
            tracing::warn!(id = %hex::encode(s.id), escrow = %s.escrow, reason, "data-transfer session cannot be burned");
        }
        Ok(sessions.len())
    }
}

