//! The world the SDK's, the command line's, the migrations' and the oracle's tests run in: by
//! default an in-process bank with the Fieldproof programs registered natively
//! ([`crate::native_programs`]); with `FIELDPROOF_RPC_URL` set, a JSON-RPC node such as
//! solana-test-validator with the programs loaded as SBF binaries (`scripts/test-rpc.sh`). The
//! tests are the same; only the chain under the SDK client changes. On a node, the compute units
//! of every instruction sent are appended to the file named by `FIELDPROOF_CU_LOG`, for the
//! compute-unit table and its budgets.

use std::io::Write as _;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use fieldproof_sdk::{AccountFilter, BanksChain, Chain, ChainError, Client, RpcChain};
use solana_account::Account;
use solana_clock::Clock;
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_program_test::ProgramTestContext;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

/// The name `program` gave its refusal of `result`. The caller asserts the name; it is recorded
/// for the check that every named error is asserted by some test (`scripts/error_coverage.py`).
#[track_caller]
pub fn refusal(result: Result<(), fieldproof_sdk::SdkError>, program: &str) -> &'static str {
    match result {
        Err(fieldproof_sdk::SdkError::Program { error, .. }) if error.program == program => {
            let lane = if std::env::var_os("FIELDPROOF_RPC_URL").is_some() { "node" } else { "native" };
            crate::errors::record_refusal(lane, program, error.name);
            error.name
        }
        other => panic!("expected a refusal by {program}, got {other:?}"),
    }
}

pub use crate::tokens::{SPL_TOKEN, TOKEN_2022};
/// Lamports the payer of a test on a node is funded with.
const RPC_PAYER_LAMPORTS: u64 = 100_000_000_000;

/// The chain under the tests' SDK client.
pub enum TestChain {
    Bank(BanksChain),
    Rpc(RpcChain),
}

impl Chain for TestChain {
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        match self {
            TestChain::Bank(c) => c.get_account(address).await,
            TestChain::Rpc(c) => c.get_account(address).await,
        }
    }

    async fn get_multiple_accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        match self {
            TestChain::Bank(c) => c.get_multiple_accounts(addresses).await,
            TestChain::Rpc(c) => c.get_multiple_accounts(addresses).await,
        }
    }

    async fn get_program_accounts(&self, program: &Pubkey, filters: &[AccountFilter]) -> Result<Vec<(Pubkey, Account)>, ChainError> {
        match self {
            TestChain::Bank(c) => c.get_program_accounts(program, filters).await,
            TestChain::Rpc(c) => c.get_program_accounts(program, filters).await,
        }
    }

    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        match self {
            TestChain::Bank(c) => c.latest_blockhash().await,
            TestChain::Rpc(c) => c.latest_blockhash().await,
        }
    }

    async fn send_transaction(&self, transaction: &VersionedTransaction) -> Result<Signature, ChainError> {
        match self {
            TestChain::Bank(c) => c.send_transaction(transaction).await,
            TestChain::Rpc(c) => c.send_transaction(transaction).await,
        }
    }

    async fn clock(&self) -> Result<Clock, ChainError> {
        match self {
            TestChain::Bank(c) => c.clock().await,
            TestChain::Rpc(c) => c.clock().await,
        }
    }
}

/// The SDK's chain over the node at `url`.
pub fn rpc_chain(url: String) -> RpcChain {
    RpcChain::new(url, Duration::from_secs(30), CommitmentConfig::confirmed())
}

/// Where the chain lives.
enum Backend {
    // Boxed: the bank's context is large beside an RPC client.
    Bank(Box<ProgramTestContext>),
    Rpc(RpcClient),
}

pub struct World {
    backend: Backend,
    payer: Keypair,
    pub client: Client<TestChain>,
}

impl World {
    pub async fn start() -> Self {
        match std::env::var("FIELDPROOF_RPC_URL") {
            Ok(url) => Self::on_node(url).await,
            Err(_) => Self::in_process().await,
        }
    }

    async fn in_process() -> Self {
        let ctx = crate::native_programs::program_test().start_with_context().await;
        let client = Client::new(TestChain::Bank(BanksChain::new(ctx.banks_client.clone())));
        let payer = ctx.payer.insecure_clone();
        Self { backend: Backend::Bank(Box::new(ctx)), payer, client }
    }

    /// A fresh payer funded by the node's faucet.
    async fn on_node(url: String) -> Self {
        let rpc = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
        let payer = crate::keys::keypair();
        let signature = rpc.request_airdrop(&payer.pubkey(), RPC_PAYER_LAMPORTS).await.expect("airdrop from the node's faucet");
        for _ in 0..120 {
            if rpc.confirm_transaction(&signature).await.expect("airdrop status") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(rpc.get_balance(&payer.pubkey()).await.expect("balance"), RPC_PAYER_LAMPORTS, "the airdrop did not arrive");
        let chain = rpc_chain(url);
        Self { backend: Backend::Rpc(rpc), payer, client: Client::new(TestChain::Rpc(chain)) }
    }

    /// The node's URL; `None` in process.
    pub fn rpc_url(&self) -> Option<String> {
        match &self.backend {
            Backend::Bank(_) => None,
            Backend::Rpc(rpc) => Some(rpc.url()),
        }
    }

    /// Another handle on the chain under `client`, for code that owns its client.
    pub fn chain(&self) -> TestChain {
        match &self.backend {
            Backend::Bank(ctx) => TestChain::Bank(BanksChain::new(ctx.banks_client.clone())),
            Backend::Rpc(rpc) => TestChain::Rpc(rpc_chain(rpc.url())),
        }
    }

    /// The in-process bank, for tests that set accounts up directly; they cannot run on a node.
    pub fn ctx(&self) -> &ProgramTestContext {
        match &self.backend {
            Backend::Bank(ctx) => ctx,
            Backend::Rpc(_) => panic!("this test sets bank state directly and runs only in process"),
        }
    }

    pub fn ctx_mut(&mut self) -> &mut ProgramTestContext {
        match &mut self.backend {
            Backend::Bank(ctx) => ctx,
            Backend::Rpc(_) => panic!("this test sets bank state directly and runs only in process"),
        }
    }

    pub fn payer(&self) -> Keypair {
        self.payer.insecure_clone()
    }

    pub async fn clock(&self) -> Clock {
        self.client.chain().clock().await.expect("clock")
    }

    /// Moves the bank's clock forward; on a node, waits until its clock has moved that far.
    pub async fn advance_clock(&self, secs: i64) {
        let target = self.clock().await.unix_timestamp + secs;
        match &self.backend {
            Backend::Bank(ctx) => {
                let mut clock = self.clock().await;
                clock.unix_timestamp = target;
                ctx.set_sysvar(&clock);
            }
            Backend::Rpc(_) => {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(secs.unsigned_abs() + 60);
                while self.clock().await.unix_timestamp < target {
                    assert!(tokio::time::Instant::now() < deadline, "the node's clock did not reach {target}");
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
            }
        }
    }

    pub async fn send(&self, ixs: &[anchor_lang::solana_program::instruction::Instruction], signers: &[&Keypair]) -> Result<(), fieldproof_sdk::SdkError> {
        match self.client.send(ixs, &self.payer, signers).await {
            Ok(signature) => {
                self.record(&signature).await;
                Ok(())
            }
            Err(refused) => {
                self.record_refusal(ixs, &refused);
                Err(refused)
            }
        }
    }

    /// On a node, logs a named refusal of one of `ixs`, sent through the client directly.
    pub fn record_refusal(&self, ixs: &[anchor_lang::solana_program::instruction::Instruction], refused: &fieldproof_sdk::SdkError) {
        if let (Backend::Rpc(_), fieldproof_sdk::SdkError::Program { instruction, error }) = (&self.backend, refused) {
            // The client puts no compute-budget instructions in front with default options, so
            // the index is the instruction's in `ixs`.
            if let Some(ix) = ixs.get(usize::from(*instruction)) {
                record_rejection(error.program, &ix.data, error.name);
            }
        }
    }

    /// On a node, logs the compute units of a transaction sent through the client directly.
    pub async fn record(&self, signature: &Signature) {
        if let Backend::Rpc(rpc) = &self.backend {
            record_compute_units(rpc, signature).await;
        }
    }

    async fn create_account(&self, space: usize, owner: &Pubkey) -> (Keypair, anchor_lang::solana_program::instruction::Instruction) {
        let account = crate::keys::keypair();
        let rent = anchor_lang::prelude::Rent::default().minimum_balance(space);
        let ix = anchor_lang::solana_program::system_instruction::create_account(&self.payer().pubkey(), &account.pubkey(), rent, space as u64, owner);
        (account, ix)
    }

    pub async fn create_mint(&self, token_program: Pubkey, authority: &Pubkey, decimals: u8) -> Pubkey {
        let (mint, create) = self.create_account(spl_token_2022::state::Mint::LEN, &token_program).await;
        let init = spl_token_2022::instruction::initialize_mint2(&token_program, &mint.pubkey(), authority, None, decimals).unwrap();
        self.send(&[create, init], &[&mint]).await.expect("create mint");
        mint.pubkey()
    }

    pub async fn create_token_account(&self, token_program: Pubkey, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let (account, create) = self.create_account(spl_token_2022::state::Account::LEN, &token_program).await;
        let init = spl_token_2022::instruction::initialize_account3(&token_program, &account.pubkey(), mint, owner).unwrap();
        self.send(&[create, init], &[&account]).await.expect("create token account");
        account.pubkey()
    }

    pub async fn mint_tokens(&self, token_program: Pubkey, mint: &Pubkey, to: &Pubkey, authority: &Keypair, amount: u64) {
        let ix = spl_token_2022::instruction::mint_to(&token_program, mint, to, &authority.pubkey(), &[], amount).unwrap();
        self.send(&[ix], &[authority]).await.expect("mint tokens");
    }

    pub async fn token_balance(&self, account: Pubkey) -> u64 {
        match self.client.chain().get_account(&account).await.expect("chain") {
            Some(a) => StateWithExtensions::<spl_token_2022::state::Account>::unpack(&a.data).expect("token account").base.amount,
            None => 0,
        }
    }

    /// Creates the data-credits config (with `args`) and the device network of `mint`, both
    /// governed by its mint authority `authority`, as the programs require. Returns the config.
    pub async fn create_network_of(&self, mint: &Pubkey, authority: &Keypair, args: fieldproof_sdk::data_credits::InitializeArgs) -> Pubkey {
        use fieldproof_sdk::{data_credits, device_registry};
        let payer = self.payer().pubkey();
        let dc_config = data_credits::config_address(mint);
        let network = device_registry::NetworkArgs { onboarding_fee: 0, location_fee: 0, metadata_uri: "https://fieldproof.example/d.json".into() };
        let ixs = [
            data_credits::initialize(&payer, &authority.pubkey(), mint, args),
            device_registry::initialize_network(&payer, &authority.pubkey(), &dc_config, network),
        ];
        self.send(&ixs, &[authority]).await.expect("the DC config and the network");
        dc_config
    }
}

/// Time lock of the tests' configs: short enough to wait out on a node.
pub const TIMELOCK_SECS: i64 = 6;

/// Data-credits arguments priced by `price_source`, with burn epochs from `epoch_start`, a fresh
/// guardian and [`TIMELOCK_SECS`].
pub fn dc_args(price_source: fieldproof_sdk::data_credits::PriceSource, epoch_start: i64, epoch_length_secs: i64) -> fieldproof_sdk::data_credits::InitializeArgs {
    fieldproof_sdk::data_credits::InitializeArgs {
        burn_authority: crate::keys::pubkey(),
        guardian: crate::keys::pubkey(),
        timelock_secs: TIMELOCK_SECS,
        price_source,
        max_price_staleness_secs: 600,
        epoch_start,
        epoch_length_secs,
        breaker: fieldproof_sdk::BreakerConfig { window_secs: 3_600, threshold: fieldproof_sdk::Threshold::Absolute(u64::MAX) },
    }
}

/// Appends each of our programs' top-level instructions in the transaction, with the compute
/// units it consumed, to `FIELDPROOF_CU_LOG` as `program instruction units` lines. Read from the
/// transaction's log: Anchor logs `Instruction: <Name>` first thing in every instruction.
async fn record_compute_units(rpc: &RpcClient, signature: &Signature) {
    let Ok(path) = std::env::var("FIELDPROOF_CU_LOG") else { return };
    let config = solana_rpc_client_api::config::RpcTransactionConfig {
        encoding: None,
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let transaction = rpc.get_transaction_with_config(signature, config).await.expect("the sent transaction");
    let logs: Option<Vec<String>> = transaction.transaction.meta.and_then(|meta| meta.log_messages.into());
    let mut lines = String::new();
    for (program, instruction, units) in top_level_units(&logs.unwrap_or_default()) {
        lines.push_str(&format!("{program} {instruction} {units}\n"));
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("compute-unit log");
    file.write_all(lines.as_bytes()).expect("write the compute-unit log");
}

/// Appends a refusal by name to `FIELDPROOF_CU_LOG` as `! program discriminator ErrorName`, so
/// the table's check can see that every instruction was refused at least once by name.
fn record_rejection(program: &str, data: &[u8], name: &str) {
    let Ok(path) = std::env::var("FIELDPROOF_CU_LOG") else { return };
    let discriminator: String = data.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("compute-unit log");
    file.write_all(format!("! {program} {discriminator} {name}\n").as_bytes()).expect("write the compute-unit log");
}

/// (program, instruction, units) of every depth-1 invocation of one of our programs.
fn top_level_units(logs: &[String]) -> Vec<(&'static str, String, u64)> {
    let ours = [
        (reward_pool::ID.to_string(), "reward_pool"),
        (treasury::ID.to_string(), "treasury"),
        (data_credits::ID.to_string(), "data_credits"),
        (device_registry::ID.to_string(), "device_registry"),
    ];
    let mut found = Vec::new();
    let mut depth = 0usize;
    // The depth-1 invocation of ours being read, and its instruction name once logged.
    let mut current: Option<(&'static str, Option<String>)> = None;
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else { continue };
        let words: Vec<&str> = rest.split(' ').collect();
        if words.len() == 3 && words[1] == "invoke" {
            depth = words[2].trim_matches(|c| c == '[' || c == ']').parse().unwrap_or(depth + 1);
            if depth == 1 {
                current = ours.iter().find(|(id, _)| id == words[0]).map(|(_, name)| (*name, None));
            }
        } else if words.len() == 2 && words[1] == "success" || words.len() >= 2 && words[1] == "failed:" {
            depth = depth.saturating_sub(1);
        } else if let Some(name) = rest.strip_prefix("log: Instruction: ") {
            if let (1, Some((_, logged @ None))) = (depth, &mut current) {
                *logged = Some(name.to_string());
            }
        } else if depth == 1 && words.len() == 7 && words[1] == "consumed" {
            if let Some((program, name)) = current.take() {
                let units = words[2].parse().expect("compute units");
                found.push((program, name.unwrap_or_else(|| "?".into()), units));
            }
        }
    }
    found
}
