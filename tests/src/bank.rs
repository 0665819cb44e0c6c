//! A started in-process bank with a funded payer.
use anchor_lang::{AccountDeserialize, InstructionData, ToAccountMetas};
use solana_account::Account;
use solana_clock::Clock;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::ProgramTestContext;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

type Pubkey = anchor_lang::prelude::Pubkey;

/// Most compute units a transaction may ask for.
const MAX_COMPUTE_UNITS: u32 = 1_400_000;

pub struct Bank {
    pub ctx: ProgramTestContext,
    /// Makes every transaction unique, so resending the same instructions is a new transaction
    /// (and can be refused by the program) rather than a duplicate the runtime drops.
    sent: u32,
}

/// `ix` with every account `from` replaced by `to`.
pub fn with_account(mut ix: Instruction, from: Pubkey, to: Pubkey) -> Instruction {
    let mut found = false;
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == from) {
        meta.pubkey = to;
        found = true;
    }
    assert!(found, "the instruction has no account {from}");
    ix
}

/// Builds an Anchor instruction from its generated accounts struct and instruction data.
pub fn anchor_ix(program_id: Pubkey, accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id, accounts: accounts.to_account_metas(None), data: data.data() }
}

impl Bank {
    /// A bank with every Fieldproof program loaded natively.
    pub async fn start() -> Self {
        Self::from_context(crate::native_programs::program_test().start_with_context().await)
    }

    pub fn from_context(ctx: ProgramTestContext) -> Self {
        Self { ctx, sent: 0 }
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// Sends `ixs` in one transaction paid by the payer and signed by `signers` too.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), TransactionError> {
        self.sent += 1;
        let unique = solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
            MAX_COMPUTE_UNITS - self.sent,
        );
        let mut all = vec![unique];
        all.extend_from_slice(ixs);
        let payer = self.payer();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend_from_slice(signers);
        // The bank registers a new blockhash every slot; one older than 150 slots (about a minute)
        // is refused, so a slow test must not keep using the one it started with.
        let blockhash = self.ctx.banks_client.get_latest_blockhash().await.expect("latest blockhash");
        let tx = Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, blockhash);
        self.ctx.banks_client.process_transaction(tx).await.map_err(|e| e.unwrap())
    }

    pub async fn raw_account(&mut self, key: Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(key).await.expect("banks client")
    }

    /// Decodes an Anchor account; panics when it does not exist.
    pub async fn account<T: AccountDeserialize>(&mut self, key: Pubkey) -> T {
        let account = self.raw_account(key).await.unwrap_or_else(|| panic!("account {key} does not exist"));
        T::try_deserialize(&mut account.data.as_slice()).expect("account decodes")
    }

    pub async fn exists(&mut self, key: Pubkey) -> bool {
        self.raw_account(key).await.is_some()
    }

    pub async fn lamports(&mut self, key: Pubkey) -> u64 {
        self.raw_account(key).await.map_or(0, |a| a.lamports)
    }

    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.expect("clock")
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    /// Moves the bank's clock forward by `secs` (the bank never moves it back).
    pub async fn advance_clock(&mut self, secs: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp += secs;
        self.ctx.set_sysvar(&clock);
    }

    /// Rewrites the Anchor account at `key` with `change` applied to its decoded state: how a
    /// test reaches the refusals that guard states no instruction sequence gets to within a test
    /// (a counter at its maximum, an index past its type).
    pub async fn modify_account<T: AccountDeserialize + anchor_lang::AccountSerialize>(&mut self, key: Pubkey, change: impl FnOnce(&mut T)) {
        let mut account = self.raw_account(key).await.unwrap_or_else(|| panic!("account {key} does not exist"));
        let mut state = T::try_deserialize(&mut account.data.as_slice()).expect("account decodes");
        change(&mut state);
        let mut data = Vec::with_capacity(account.data.len());
        state.try_serialize(&mut data).expect("account encodes");
        data.resize(account.data.len(), 0);
        account.data = data;
        self.ctx.set_account(&key, &account.into());
    }

    /// Gives `key` `lamports` SOL lamports from the payer.
    pub async fn airdrop(&mut self, key: Pubkey, lamports: u64) {
        let payer = self.payer();
        let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &key, lamports);
        self.send(&[ix], &[]).await.expect("airdrop");
    }
}
