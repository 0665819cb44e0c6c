//! [`Chain`] over solana-program-test's in-process bank.
use std::collections::BTreeSet;
use std::sync::Mutex;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_program_test::{BanksClient, BanksClientError};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use super::{AccountFilter, Chain, ChainError};

/// A [`Chain`] over a program-test [`BanksClient`].
///
/// The bank has no `getProgramAccounts`, so this chain remembers every address it has read or
/// that a transaction it sent referenced (plus any [`watch`](Self::watch)ed), and answers
/// program-account queries from those. Accounts created by a transaction sent through it are
/// therefore always found.
pub struct BanksChain {
    client: BanksClient,
    known: Mutex<BTreeSet<Pubkey>>,
}

impl BanksChain {
    /// A chain over `client`.
    pub fn new(client: BanksClient) -> Self {
        Self { client, known: Mutex::new(BTreeSet::new()) }
    }

    /// Adds addresses that program-account queries consider (e.g. accounts set up directly in
    /// the bank's genesis).
    pub fn watch(&self, addresses: impl IntoIterator<Item = Pubkey>) {
        // A poisoned lock only means another thread panicked mid-insert; the set is still valid.
        self.known.lock().unwrap_or_else(|e| e.into_inner()).extend(addresses);
    }

    fn known(&self) -> Vec<Pubkey> {
        self.known.lock().unwrap_or_else(|e| e.into_inner()).iter().copied().collect()
    }
}

fn bank_error(error: BanksClientError) -> ChainError {
    match error {
        BanksClientError::TransactionError(error) => ChainError::Transaction { error, logs: Vec::new() },
        BanksClientError::SimulationError { err, logs, .. } => ChainError::Transaction { error: err, logs },
        other => ChainError::Unreachable(other.to_string()),
    }
}

impl Chain for BanksChain {
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.watch([*address]);
        self.client.get_account(*address).await.map_err(bank_error)
    }

    async fn get_multiple_accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        let mut accounts = Vec::with_capacity(addresses.len());
        for address in addresses {
            accounts.push(self.get_account(address).await?);
        }
        Ok(accounts)
    }

    async fn get_program_accounts(&self, program: &Pubkey, filters: &[AccountFilter]) -> Result<Vec<(Pubkey, Account)>, ChainError> {
        let mut found = Vec::new();
        for address in self.known() {
            if let Some(account) = self.client.get_account(address).await.map_err(bank_error)? {
                if account.owner == *program && filters.iter().all(|f| f.matches(&account.data)) {
                    found.push((address, account));
                }
            }
        }
        Ok(found)
    }

    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        self.client.get_latest_blockhash().await.map_err(bank_error)
    }

    async fn send_transaction(&self, transaction: &VersionedTransaction) -> Result<Signature, ChainError> {
        self.watch(transaction.message.static_account_keys().iter().copied());
        let signature = transaction.signatures.first().copied().unwrap_or_default();
        self.client.process_transaction(transaction.clone()).await.map_err(bank_error)?;
        Ok(signature)
    }

    async fn clock(&self) -> Result<Clock, ChainError> {
        self.client.get_sysvar::<Clock>().await.map_err(bank_error)
    }
}
