//! [`Chain`] over a JSON-RPC node (solana-rpc-client, nonblocking).
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_clock::Clock;
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use super::{decode_clock, AccountFilter, Chain, ChainError, ProgramChanges};

/// Most addresses one `getMultipleAccounts` request may carry.
const MAX_ACCOUNTS_PER_REQUEST: usize = 100;

/// How often and how patiently requests that failed in transport are retried.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubled after each one.
    pub initial_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
    /// Time between two confirmation polls of a sent transaction.
    pub confirmation_poll: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(4),
            confirmation_poll: Duration::from_millis(500),
        }
    }
}

impl RetryPolicy {
    /// Runs `request` until it succeeds, fails with a non-transport error, or the attempts run
    /// out. Only transport failures are retried: a refused transaction stays refused.
    pub(crate) async fn run<T, F, Fut>(&self, mut request: F) -> Result<T, ChainError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let mut backoff = self.initial_backoff;
        let mut attempt = 1;
        loop {
            match request().await {
                Ok(value) => return Ok(value),
                Err(error) if is_transport(&error) && attempt < self.attempts => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.max_backoff);
                    attempt += 1;
                }
                Err(error) => return Err(client_error(error)),
            }
        }
    }
}

fn is_transport(error: &ClientError) -> bool {
    matches!(error.kind(), ErrorKind::Io(_) | ErrorKind::Reqwest(_) | ErrorKind::Middleware(_))
}

fn client_error(error: ClientError) -> ChainError {
    if let Some(transaction) = error.get_transaction_error() {
        let logs = match error.kind() {
            ErrorKind::RpcError(RpcError::RpcResponseError {
                data: RpcResponseErrorData::SendTransactionPreflightFailure(simulation), ..
            }) => simulation.logs.clone().unwrap_or_default(),
            _ => Vec::new(),
        };
        return ChainError::Transaction { error: transaction, logs };
    }
    if is_transport(&error) {
        ChainError::Unreachable(error.to_string())
    } else {
        ChainError::Unexpected(error.to_string())
    }
}

/// A [`Chain`] over a JSON-RPC endpoint.
pub struct RpcChain {
    pub(super) client: RpcClient,
    pub(super) commitment: CommitmentConfig,
    pub(super) retry: RetryPolicy,
}

impl RpcChain {
    /// Talks to `url` at `commitment`, with `timeout` per HTTP request and the default retries.
    pub fn new(url: impl Into<String>, timeout: Duration, commitment: CommitmentConfig) -> Self {
        Self::with_retry(url, timeout, commitment, RetryPolicy::default())
    }

    /// Like [`new`](Self::new) with an explicit retry policy.
    pub fn with_retry(url: impl Into<String>, timeout: Duration, commitment: CommitmentConfig, retry: RetryPolicy) -> Self {
        Self { client: RpcClient::new_with_timeout_and_commitment(url.into(), timeout, commitment), commitment, retry }
    }

    /// The underlying RPC client, for requests this interface does not cover.
    pub fn rpc_client(&self) -> &RpcClient {
        &self.client
    }

    async fn confirm(&self, signature: &Signature, blockhash: &Hash) -> Result<(), ChainError> {
        loop {
            let statuses = self.retry.run(|| self.client.get_signature_statuses(std::slice::from_ref(signature))).await?;
            if let Some(Some(status)) = statuses.value.into_iter().next() {
                if let Some(error) = status.err {
                    return Err(ChainError::Transaction { error, logs: Vec::new() });
                }
                if status.satisfies_commitment(self.commitment) {
                    return Ok(());
                }
            } else if !self.retry.run(|| self.client.is_blockhash_valid(blockhash, self.commitment)).await? {
                // Checked only while the signature is unknown: once its blockhash is invalid,
                // an unknown transaction can no longer be processed.
                return Err(ChainError::Expired);
            }
            tokio::time::sleep(self.retry.confirmation_poll).await;
        }
    }
}

impl Chain for RpcChain {
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        // Through getMultipleAccounts: the client's getAccountInfo turns every failure, transport
        // included, into an "account not found" error that cannot be told apart.
        let accounts = self.get_multiple_accounts(std::slice::from_ref(address)).await?;
        Ok(accounts.into_iter().next().flatten())
    }

    async fn get_multiple_accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        let mut accounts = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(MAX_ACCOUNTS_PER_REQUEST) {
            let response = self.retry.run(|| self.client.get_multiple_accounts_with_commitment(chunk, self.commitment)).await?;
            accounts.extend(response.value);
        }
        Ok(accounts)
    }

    async fn get_program_accounts(&self, program: &Pubkey, filters: &[AccountFilter]) -> Result<Vec<(Pubkey, Account)>, ChainError> {
        let filters: Vec<RpcFilterType> = filters
            .iter()
            .map(|f| match f {
                AccountFilter::DataSize(len) => RpcFilterType::DataSize(*len),
                AccountFilter::Memcmp { offset, bytes } => RpcFilterType::Memcmp(Memcmp::new_raw_bytes(*offset, bytes.clone())),
            })
            .collect();
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.commitment),
                ..RpcAccountInfoConfig::default()
            },
            with_context: None,
            sort_results: None,
        };
        let accounts = self.retry.run(|| self.client.get_program_ui_accounts_with_config(program, config.clone())).await?;
        accounts
            .into_iter()
            .map(|(address, account)| {
                account
                    .decode::<Account>()
                    .map(|account| (address, account))
                    .ok_or_else(|| ChainError::Unexpected(format!("account {address} came back in an encoding other than base64")))
            })
            .collect()
    }

    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        let (hash, _) = self.retry.run(|| self.client.get_latest_blockhash_with_commitment(self.commitment)).await?;
        Ok(hash)
    }

    async fn send_transaction(&self, transaction: &VersionedTransaction) -> Result<Signature, ChainError> {
        let config = RpcSendTransactionConfig {
            preflight_commitment: Some(self.commitment.commitment),
            ..RpcSendTransactionConfig::default()
        };
        // Resending the same signed bytes is idempotent: the cluster processes a signature once.
        let signature = self.retry.run(|| self.client.send_transaction_with_config(transaction, config)).await?;
        self.confirm(&signature, transaction.message.recent_blockhash()).await?;
        Ok(signature)
    }

    async fn clock(&self) -> Result<Clock, ChainError> {
        let account = self
            .get_account(&solana_sdk_ids::sysvar::clock::ID)
            .await?
            .ok_or_else(|| ChainError::Unexpected("the clock sysvar does not exist".into()))?;
        decode_clock(&account.data)
    }

    async fn newest_change(&self, program: &Pubkey) -> Result<Option<Signature>, ChainError> {
        self.newest_signature(program).await
    }

    async fn changes_since(&self, program: &Pubkey, cursor: &Signature) -> Result<Option<ProgramChanges>, ChainError> {
        self.written_since(program, cursor).await
    }
}
