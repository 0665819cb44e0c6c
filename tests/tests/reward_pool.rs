//! reward-pool: pools bound to a device network, quorum-posted roots, the dispute window and its
//! veto, time-locked loosening changes the guardian can cancel, rotations, and the claim's
//! network and device-status rules. Claims against real Bubblegum trees are tested in
//! tests/bubblegum/tests/claims.rs; here a claim proves ownership against a tree account written
//! by the test (the program checks a proof in place against the tree's current root).
use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use device_registry::state::{DeviceInfo, DeviceKind, DeviceStatus, Location};
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_merkle::{leaf_hash, MerkleTree};
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::network::network_address;
use fieldproof_tests::oracles::{naming_instruction, signed_by, Oracle};
use fieldproof_tests::tokens::{SPL_TOKEN, TOKEN_2022};
use fieldproof_tests::{assert_program_error, Bank};
use reward_pool::errors::RewardPoolError;
use reward_pool::instructions::{ClaimArgs, CreatePoolArgs, OracleSetArgs, PostRootArgs};
use reward_pool::message::RootMessage;
use reward_pool::state::{Pool, PoolConfig, Role, CLAIM_SEED, MAX_EPOCH_STEP, MAX_TIMELOCK_SECS, POOL_SEED, VAULT_SEED};
use solana_account::{Account, AccountSharedData};
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const POOL_ID: u16 = 0;
const FUNDING: u64 = 1_000_000;
const HOUR: i64 = 3_600;
/// The pools' time lock: every loosening change waits this long.
const TIMELOCK: i64 = 2 * HOUR;
/// SPL account compression, the owner of the device trees written by the claim tests.
const SPL_COMPRESSION: Pubkey = device_registry::bubblegum::SPL_ACCOUNT_COMPRESSION_ID;

fn wide_breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(10_000) }
}

struct Fixture {
    bank: Bank,
    token_program: Pubkey,
    mint: Pubkey,
    mint_authority: Keypair,
    network: Pubkey,
    dc_config: Pubkey,
    pool: Pubkey,
    vault: Pubkey,
    /// The network's authority, which creates the pool and becomes its authority.
    authority: Keypair,
    guardian: Keypair,
    oracles: Vec<Oracle>,
}

/// The reward file of one epoch: each asset's cumulative amount and the tree over them.
struct Rewards {
    leaves: Vec<(Pubkey, u64)>,
    tree: MerkleTree,
}

impl Rewards {
    fn new(leaves: Vec<(Pubkey, u64)>) -> Self {
        let tree = MerkleTree::new(leaves.iter().map(|(a, amt)| leaf_hash(&a.to_bytes(), *amt)).collect());
        Self { leaves, tree }
    }

    fn total(&self) -> u64 {
        self.leaves.iter().map(|(_, a)| a).sum()
    }
}

/// Everything a refused instruction must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    pool: Vec<u8>,
    vault: u64,
}

impl Fixture {
    async fn new(dispute_window_secs: i64, breaker: BreakerConfig) -> Self {
        Self::with_token_program(SPL_TOKEN, dispute_window_secs, breaker).await
    }

    /// A network token, its DC config and device network, and pool 0 of it (not yet created
    /// when `create` is false), funded.
    async fn prepared(token_program: Pubkey) -> Self {
        let mut bank = Bank::start().await;
        let mint_authority = Keypair::new();
        let mint = bank.create_mint(token_program, &mint_authority.pubkey(), 6).await;
        let now = bank.now().await;
        let (dc_config, network) = bank.create_network(mint, &mint_authority, now, 60).await;
        let pool = Pubkey::find_program_address(&[POOL_SEED, mint.as_ref(), &POOL_ID.to_le_bytes()], &reward_pool::ID).0;
        let vault = Pubkey::find_program_address(&[VAULT_SEED, pool.as_ref()], &reward_pool::ID).0;
        Fixture {
            bank,
            token_program,
            mint,
            authority: mint_authority.insecure_clone(),
            mint_authority,
            network,
            dc_config,
            pool,
            vault,
            guardian: Keypair::new(),
            oracles: (1..=3).map(Oracle::from_seed).collect(),
        }
    }

    fn pool_args(&self, dispute_window_secs: i64, breaker: BreakerConfig) -> CreatePoolArgs {
        CreatePoolArgs {
            id: POOL_ID,
            guardian: self.guardian.pubkey(),
            oracles: self.oracles.iter().map(Oracle::pubkey).collect(),
            threshold: 2,
            dispute_window_secs,
            breaker,
            timelock_secs: TIMELOCK,
        }
    }

    async fn with_token_program(token_program: Pubkey, dispute_window_secs: i64, breaker: BreakerConfig) -> Self {
        let mut fx = Self::prepared(token_program).await;
        let ix = fx.create_pool_ix(&fx.authority.pubkey(), fx.pool_args(dispute_window_secs, breaker));
        let authority = fx.authority.insecure_clone();
        fx.bank.send(&[ix], &[&authority]).await.expect("create pool");
        let (mint, vault, mint_authority) = (fx.mint, fx.vault, fx.mint_authority.insecure_clone());
        fx.bank.mint_tokens(token_program, &mint, &vault, &mint_authority, FUNDING).await;
        fx
    }

    fn create_pool_ix(&self, authority: &Pubkey, args: CreatePoolArgs) -> Instruction {
        self.create_pool_ix_with(authority, self.network, self.dc_config, args)
    }

    fn create_pool_ix_with(&self, authority: &Pubkey, network: Pubkey, dc_config: Pubkey, args: CreatePoolArgs) -> Instruction {
        anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::CreatePool {
                payer: self.bank.payer().pubkey(),
                authority: *authority,
                network,
                dc_config,
                pool: self.pool,
                vault: self.vault,
                mint: self.mint,
                token_program: self.token_program,
                system_program: anchor_lang::system_program::ID,
            },
            reward_pool::instruction::CreatePool { args },
        )
    }

    async fn pool(&mut self) -> Pool {
        let pool = self.pool;
        self.bank.account(pool).await
    }

    async fn snapshot(&mut self) -> Snapshot {
        let (pool, vault) = (self.pool, self.vault);
        Snapshot { pool: self.bank.raw_account(pool).await.expect("the pool").data, vault: self.bank.token_balance(vault).await }
    }

    /// Sends `ixs` signed by `signer`, expecting `error` and no change to the pool or its vault.
    async fn assert_refused(&mut self, ixs: &[Instruction], signers: &[&Keypair], error: RewardPoolError) {
        let before = self.snapshot().await;
        let result = self.bank.send(ixs, signers).await;
        assert_program_error(result, error);
        assert_eq!(self.snapshot().await, before, "a refused instruction changed the pool or its vault");
    }

    /// Root arguments for `rewards` at `epoch`, signed for the pool's current version.
    async fn root_args(&mut self, epoch: u64, rewards: &Rewards) -> PostRootArgs {
        let pool = self.pool().await;
        let expires_at = self.bank.now().await + 10 * HOUR;
        PostRootArgs {
            config_version: pool.config_version,
            epoch,
            root: rewards.tree.root(),
            cumulative_total: rewards.total(),
            leaf_count: rewards.leaves.len() as u64,
            content_hash: [epoch as u8; 32],
            expires_at,
        }
    }

    fn message(&self, args: &PostRootArgs) -> RootMessage {
        args.message(self.pool)
    }

    fn post_ix(&self, args: PostRootArgs) -> Instruction {
        anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::PostRoot {
                pool: self.pool,
                vault: self.vault,
                instructions: solana_sdk_ids::sysvar::instructions::ID,
            },
            reward_pool::instruction::PostRoot { args },
        )
    }

    /// The precompile instruction signed by `signers` over `message`, then post_root of `args`.
    fn post_ixs_signed(&self, args: PostRootArgs, message: &RootMessage, signers: &[&Oracle]) -> [Instruction; 2] {
        [signed_by(&message.to_bytes(), signers), self.post_ix(args)]
    }

    /// The instructions that post `args` signed by the oracles at `indexes`.
    fn post_ixs(&self, args: PostRootArgs, indexes: &[usize]) -> [Instruction; 2] {
        let message = self.message(&args);
        let oracles: Vec<&Oracle> = indexes.iter().map(|&i| &self.oracles[i]).collect();
        self.post_ixs_signed(args, &message, &oracles)
    }

    /// Posts `args` signed by the oracles at `indexes`.
    async fn post(&mut self, args: PostRootArgs, indexes: &[usize]) -> Result<(), TransactionError> {
        let ixs = self.post_ixs(args, indexes);
        self.bank.send(&ixs, &[]).await
    }

    async fn assert_post_refused(&mut self, args: PostRootArgs, indexes: &[usize], error: RewardPoolError) {
        let ixs = self.post_ixs(args, indexes);
        self.assert_refused(&ixs, &[], error).await;
    }

    async fn post_rewards(&mut self, epoch: u64, rewards: &Rewards) {
        let args = self.root_args(epoch, rewards).await;
        self.post(args, &[0, 1]).await.expect("post root");
    }

    async fn vault_balance(&mut self) -> u64 {
        let vault = self.vault;
        self.bank.token_balance(vault).await
    }

    fn activate_ix(&self) -> Instruction {
        pool_ix(reward_pool::instruction::ActivateRoot {}, reward_pool::accounts::ActivateRoot { pool: self.pool })
    }

    fn veto_ix(&self, guardian: Pubkey) -> Instruction {
        pool_ix(reward_pool::instruction::VetoRoot {}, reward_pool::accounts::VetoRoot { pool: self.pool, guardian })
    }

    fn tighten_ix(&self, signer: Pubkey, config: PoolConfig) -> Instruction {
        pool_ix(reward_pool::instruction::TightenPoolConfig { config }, reward_pool::accounts::TightenPoolConfig { pool: self.pool, authority: signer })
    }

    fn propose_config_ix(&self, signer: Pubkey, config: PoolConfig) -> Instruction {
        pool_ix(reward_pool::instruction::ProposePoolConfig { config }, reward_pool::accounts::ProposePoolConfig { pool: self.pool, authority: signer })
    }

    fn apply_config_ix(&self, signer: Pubkey) -> Instruction {
        pool_ix(reward_pool::instruction::ApplyPoolConfig {}, reward_pool::accounts::ApplyPoolConfig { pool: self.pool, authority: signer })
    }

    fn cancel_config_ix(&self, signer: Pubkey) -> Instruction {
        pool_ix(reward_pool::instruction::CancelPoolConfig {}, reward_pool::accounts::CancelPoolConfig { pool: self.pool, signer })
    }

    fn propose_oracles_ix(&self, signer: Pubkey, oracle_set: OracleSetArgs) -> Instruction {
        pool_ix(reward_pool::instruction::ProposeOracleSet { oracle_set }, reward_pool::accounts::ProposeOracleSet { pool: self.pool, authority: signer })
    }

    fn apply_oracles_ix(&self, signer: Pubkey) -> Instruction {
        pool_ix(reward_pool::instruction::ApplyOracleSet {}, reward_pool::accounts::ApplyOracleSet { pool: self.pool, authority: signer })
    }

    fn cancel_oracles_ix(&self, signer: Pubkey) -> Instruction {
        pool_ix(reward_pool::instruction::CancelOracleSet {}, reward_pool::accounts::CancelOracleSet { pool: self.pool, signer })
    }

    fn propose_role_ix(&self, signer: Pubkey, role: Role, new_holder: Pubkey) -> Instruction {
        pool_ix(reward_pool::instruction::ProposeRole { role, new_holder }, reward_pool::accounts::ProposeRole { pool: self.pool, authority: signer })
    }

    fn accept_role_ix(&self, signer: Pubkey, role: Role) -> Instruction {
        pool_ix(reward_pool::instruction::AcceptRole { role }, reward_pool::accounts::AcceptRole { pool: self.pool, new_holder: signer })
    }

    fn cancel_role_ix(&self, signer: Pubkey, role: Role) -> Instruction {
        pool_ix(reward_pool::instruction::CancelRole { role }, reward_pool::accounts::CancelRole { pool: self.pool, signer })
    }

    fn raise_timelock_ix(&self, signer: Pubkey, timelock_secs: i64) -> Instruction {
        pool_ix(reward_pool::instruction::RaiseTimelock { timelock_secs }, reward_pool::accounts::RaiseTimelock { pool: self.pool, authority: signer })
    }
}

fn pool_ix(data: impl anchor_lang::InstructionData, accounts: impl anchor_lang::ToAccountMetas) -> Instruction {
    anchor_ix(reward_pool::ID, accounts, data)
}

fn rewards(amounts: &[u64]) -> Rewards {
    Rewards::new(amounts.iter().map(|&a| (Pubkey::new_unique(), a)).collect())
}

fn same_assets(previous: &Rewards, amounts: &[u64]) -> Rewards {
    Rewards::new(previous.leaves.iter().zip(amounts).map(|((asset, _), &a)| (*asset, a)).collect())
}

// ---------------------------------------------------------------- create_pool

#[tokio::test]
async fn create_pool_stores_config_and_a_vault_owned_by_the_pool() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let pool = fx.pool().await;
    assert_eq!(pool.network, fx.network);
    assert_eq!(pool.mint, fx.mint);
    assert_eq!(pool.vault, fx.vault);
    assert_eq!(pool.authority, fx.authority.pubkey());
    assert_eq!(pool.guardian, fx.guardian.pubkey());
    assert_eq!(pool.oracles.keys(), fx.oracles.iter().map(Oracle::pubkey).collect::<Vec<_>>().as_slice());
    assert_eq!(pool.oracles.threshold, 2);
    assert_eq!(pool.timelock_secs, TIMELOCK);
    assert!(pool.config_version > 0 && pool.config_version < 1 << 62, "{}", pool.config_version);
    assert_eq!(pool.active.epoch, 0);
    assert_eq!(fx.vault_balance().await, FUNDING);
}

#[tokio::test]
async fn create_pool_works_with_token_2022() {
    // Claims out of a Token-2022 pool: tests/bubblegum/tests/claims.rs.
    let mut fx = Fixture::with_token_program(TOKEN_2022, 0, wide_breaker()).await;
    assert_eq!(fx.vault_balance().await, FUNDING);
    fx.post_rewards(1, &rewards(&[10, 20])).await;
    assert_eq!(fx.pool().await.active.epoch, 1);
}

#[tokio::test]
async fn create_pool_rejects_invalid_oracle_sets_and_configs() {
    let mut fx = Fixture::prepared(SPL_TOKEN).await;
    let key = |seed| Oracle::from_seed(seed).pubkey();
    let base = CreatePoolArgs { oracles: vec![key(1), key(2)], threshold: 2, ..fx.pool_args(0, wide_breaker()) };
    let authority = fx.authority.insecure_clone();
    let cases: Vec<(CreatePoolArgs, RewardPoolError)> = vec![
        (CreatePoolArgs { threshold: 3, ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { oracles: vec![key(1), key(1)], ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { oracles: vec![key(1), Pubkey::default()], ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { oracles: (0..11).map(key).collect(), ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { oracles: vec![], threshold: 0, ..base.clone() }, RewardPoolError::OracleThresholdTooLow),
        (CreatePoolArgs { threshold: 0, ..base.clone() }, RewardPoolError::OracleThresholdTooLow),
        // No single oracle key posts a root: 1-of-1 and 1-of-n are refused, as are minorities.
        (CreatePoolArgs { oracles: vec![key(1)], threshold: 1, ..base.clone() }, RewardPoolError::OracleThresholdTooLow),
        (CreatePoolArgs { threshold: 1, ..base.clone() }, RewardPoolError::OracleThresholdTooLow),
        (CreatePoolArgs { oracles: (1..=4).map(key).collect(), threshold: 2, ..base.clone() }, RewardPoolError::OracleThresholdTooLow),
        (CreatePoolArgs { dispute_window_secs: -1, ..base.clone() }, RewardPoolError::InvalidDisputeWindow),
        (CreatePoolArgs { dispute_window_secs: 7 * 86_400 + 1, ..base.clone() }, RewardPoolError::InvalidDisputeWindow),
        (CreatePoolArgs { timelock_secs: 0, ..base.clone() }, RewardPoolError::InvalidTimeLock),
        (CreatePoolArgs { timelock_secs: MAX_TIMELOCK_SECS + 1, ..base.clone() }, RewardPoolError::InvalidTimeLock),
        (CreatePoolArgs { guardian: authority.pubkey(), ..base.clone() }, RewardPoolError::GuardianIsAuthority),
        (CreatePoolArgs { guardian: Pubkey::default(), ..base.clone() }, RewardPoolError::GuardianIsAuthority),
        (
            CreatePoolArgs { breaker: BreakerConfig { window_secs: 0, threshold: Threshold::Absolute(1) }, ..base.clone() },
            RewardPoolError::InvalidBreakerConfig,
        ),
        (
            CreatePoolArgs { breaker: BreakerConfig { window_secs: 1, threshold: Threshold::Percent(10_001) }, ..base.clone() },
            RewardPoolError::InvalidBreakerConfig,
        ),
    ];
    for (args, error) in cases {
        let ix = fx.create_pool_ix(&authority.pubkey(), args);
        assert_program_error(fx.bank.send(&[ix], &[&authority]).await, error);
        assert!(!fx.bank.exists(fx.pool).await, "no pool was created");
    }
    let ix = fx.create_pool_ix(&authority.pubkey(), CreatePoolArgs { oracles: vec![key(1), key(2), key(3)], ..base });
    fx.bank.send(&[ix], &[&authority]).await.expect("a 2-of-3 set creates the pool");
}

#[tokio::test]
async fn only_the_network_authority_creates_a_pool_of_the_network_token() {
    // The pool's address derives from the mint and the id: whoever created it first would own
    // the vault the treasury emits into.
    let mut fx = Fixture::prepared(SPL_TOKEN).await;
    let args = fx.pool_args(0, wide_breaker());
    let stranger = Keypair::new();
    let ix = fx.create_pool_ix(&stranger.pubkey(), args.clone());
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, RewardPoolError::NotNetworkAuthority);

    // The stranger's own network, of another token, does not make it the authority of this one.
    let other_authority = Keypair::new();
    let other_mint = fx.bank.create_mint(SPL_TOKEN, &other_authority.pubkey(), 6).await;
    let now = fx.bank.now().await;
    let (other_dc, other_network) = fx.bank.create_network(other_mint, &other_authority, now, 60).await;
    let ix = fx.create_pool_ix_with(&other_authority.pubkey(), other_network, other_dc, args.clone());
    assert_program_error(fx.bank.send(&[ix], &[&other_authority]).await, RewardPoolError::WrongNetworkMint);
    let ix = fx.create_pool_ix_with(&other_authority.pubkey(), other_network, fx.dc_config, args.clone());
    assert_program_error(fx.bank.send(&[ix], &[&other_authority]).await, RewardPoolError::WrongDcConfig);
    assert!(!fx.bank.exists(fx.pool).await && !fx.bank.exists(fx.vault).await, "nothing was created");

    let authority = fx.authority.insecure_clone();
    let ix = fx.create_pool_ix(&authority.pubkey(), args);
    fx.bank.send(&[ix], &[&authority]).await.expect("the network's authority creates it");
    assert_eq!(fx.pool().await.network, network_address(&fx.dc_config));
}

#[tokio::test]
async fn a_pool_at_the_same_address_on_another_cluster_refuses_this_clusters_roots() {
    // Two banks stand for two clusters; the same mint key gives the pool the same address on
    // both. Its config version, part of every root message, is drawn from its creation.
    let mint_key = Keypair::new();
    let mut versions = Vec::new();
    let mut signed = Vec::new();
    for offset in [0, 1] {
        let mut fx = Fixture::prepared(SPL_TOKEN).await;
        fx.bank.advance_clock(offset).await;
        let mint_authority = fx.mint_authority.insecure_clone();
        fx.mint = fx.bank.create_mint_at(SPL_TOKEN, &mint_key, &mint_authority.pubkey(), 6).await;
        let now = fx.bank.now().await;
        let (dc_config, network) = fx.bank.create_network(fx.mint, &mint_authority, now, 60).await;
        (fx.dc_config, fx.network) = (dc_config, network);
        fx.pool = Pubkey::find_program_address(&[POOL_SEED, fx.mint.as_ref(), &POOL_ID.to_le_bytes()], &reward_pool::ID).0;
        fx.vault = Pubkey::find_program_address(&[VAULT_SEED, fx.pool.as_ref()], &reward_pool::ID).0;
        let ix = fx.create_pool_ix(&mint_authority.pubkey(), fx.pool_args(0, wide_breaker()));
        fx.bank.send(&[ix], &[&mint_authority]).await.expect("create pool");
        let (mint, vault) = (fx.mint, fx.vault);
        fx.bank.mint_tokens(SPL_TOKEN, &mint, &vault, &mint_authority, FUNDING).await;
        versions.push(fx.pool().await.config_version);
        if signed.is_empty() {
            let args = fx.root_args(1, &rewards(&[100])).await;
            signed.push(fx.post_ixs(args, &[0, 1]));
        } else {
            let [sigs, post] = signed[0].clone();
            fx.assert_refused(&[sigs, post], &[], RewardPoolError::ConfigVersionMismatch).await;
        }
    }
    assert_ne!(versions[0], versions[1]);
}

// ---------------------------------------------------------------- post_root

#[tokio::test]
async fn post_root_with_a_quorum_activates_without_dispute_window() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let r = rewards(&[100, 200, 300]);
    let args = fx.root_args(1, &r).await;
    fx.post(args.clone(), &[2, 0]).await.unwrap();
    let pool = fx.pool().await;
    assert_eq!(pool.active.epoch, 1);
    assert_eq!(pool.active.root, r.tree.root());
    assert_eq!(pool.active.cumulative_total, 600);
    assert_eq!(pool.active.leaf_count, 3);
    assert_eq!(pool.active.content_hash, args.content_hash);
    assert!(pool.pending.is_none());
}

#[tokio::test]
async fn post_root_accepts_all_three_oracles() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[1])).await;
    fx.post(args, &[0, 1, 2]).await.unwrap();
    assert_eq!(fx.pool().await.active.epoch, 1);
}

#[tokio::test]
async fn post_root_rejects_too_few_and_duplicate_signatures() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5, 6])).await;
    fx.assert_post_refused(args.clone(), &[1], RewardPoolError::InsufficientSignatures).await;
    fx.assert_post_refused(args, &[1, 1], RewardPoolError::DuplicateOracleSignature).await;
    assert_eq!(fx.pool().await.active.epoch, 0);
}

#[tokio::test]
async fn post_root_rejects_a_signature_by_a_key_outside_the_set() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5])).await;
    let message = fx.message(&args);
    let stranger = Oracle::from_seed(99);
    let ixs = fx.post_ixs_signed(args, &message, &[&fx.oracles[0], &stranger]);
    fx.assert_refused(&ixs, &[], RewardPoolError::UnknownOracle).await;
}

#[tokio::test]
async fn post_root_fails_on_a_forged_signature() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5])).await;
    let [mut sigs, post] = fx.post_ixs(args, &[0, 1]);
    // Flip a bit of the first signature: the precompile itself refuses the transaction.
    let first_signature_at = 2 + 2 * 14 + 2 * 32;
    sigs.data[first_signature_at] ^= 1;
    let before = fx.snapshot().await;
    let res = fx.bank.send(&[sigs, post], &[]).await;
    // Instruction 0 is the harness's compute-budget instruction, 1 the precompile.
    assert!(matches!(res, Err(TransactionError::InstructionError(1, _))), "{res:?}");
    assert_eq!(fx.snapshot().await, before);
}

#[tokio::test]
async fn post_root_requires_the_precompile_instruction_first() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5])).await;
    let post = fx.post_ix(args);
    fx.assert_refused(&[post], &[], RewardPoolError::MissingSignatures).await;
}

#[tokio::test]
async fn post_root_refuses_signatures_over_bytes_of_another_instruction() {
    // The precompile verifies the signatures over whichever instruction its offsets name; only
    // its own bytes are the root message the program reads back.
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5])).await;
    let [sigs, post] = fx.post_ixs(args, &[0, 1]);
    // The harness puts its compute-budget instruction first: the precompile is instruction 1.
    let sigs = naming_instruction(sigs, 1);
    fx.assert_refused(&[sigs, post], &[], RewardPoolError::MalformedSignatureInstruction).await;
}

#[tokio::test]
async fn post_root_rejects_signatures_over_another_pool_program_version_or_epoch() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5, 7])).await;
    let good = fx.message(&args);
    let variants = [
        RootMessage { pool: Pubkey::new_unique(), ..good },
        RootMessage { program_id: Pubkey::new_unique(), ..good },
        RootMessage { config_version: good.config_version + 1, ..good },
        RootMessage { epoch: 2, ..good },
        RootMessage { root: [9; 32], ..good },
        RootMessage { cumulative_total: 1, ..good },
        RootMessage { leaf_count: 3, ..good },
        RootMessage { content_hash: [0; 32], ..good },
        RootMessage { expires_at: good.expires_at + 1, ..good },
    ];
    for message in variants {
        let ixs = fx.post_ixs_signed(args.clone(), &message, &[&fx.oracles[0], &fx.oracles[1]]);
        fx.assert_refused(&ixs, &[], RewardPoolError::SignedMessageMismatch).await;
    }
    // Arguments naming another version than the pool's are refused before any signature check.
    let stale = PostRootArgs { config_version: good.config_version - 1, ..args.clone() };
    fx.assert_post_refused(stale, &[0, 1], RewardPoolError::ConfigVersionMismatch).await;
    fx.post(args, &[0, 1]).await.expect("the genuine message posts");
}

#[tokio::test]
async fn post_root_rejects_expired_messages() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let mut args = fx.root_args(1, &rewards(&[5])).await;
    args.expires_at = fx.bank.now().await - 1;
    fx.assert_post_refused(args, &[0, 1], RewardPoolError::RootMessageExpired).await;
}

#[tokio::test]
async fn post_root_rejects_non_increasing_epochs_and_decreasing_totals() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let first = rewards(&[100, 100]);
    fx.post_rewards(5, &first).await;
    for epoch in [5, 4] {
        let args = fx.root_args(epoch, &same_assets(&first, &[150, 150])).await;
        fx.assert_post_refused(args, &[0, 1], RewardPoolError::EpochNotIncreasing).await;
    }
    let args = fx.root_args(6, &same_assets(&first, &[100, 99])).await;
    fx.assert_post_refused(args, &[0, 1], RewardPoolError::TotalDecreased).await;
    fx.post_rewards(6, &same_assets(&first, &[100, 100])).await;
}

#[tokio::test]
async fn post_root_rejects_an_epoch_that_would_leave_no_room_for_later_roots() {
    // A root at epoch u64::MAX would leave no later epoch: the pool would take no root again.
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let r = rewards(&[10]);
    fx.post_rewards(3, &r).await;
    for epoch in [u64::MAX, 3 + MAX_EPOCH_STEP + 1] {
        let args = fx.root_args(epoch, &same_assets(&r, &[20])).await;
        fx.assert_post_refused(args, &[0, 1], RewardPoolError::EpochTooFarAhead).await;
    }
    fx.post_rewards(3 + MAX_EPOCH_STEP, &same_assets(&r, &[20])).await;
    assert_eq!(fx.pool().await.active.epoch, 3 + MAX_EPOCH_STEP, "a long silence of the oracles is no error");
}

#[tokio::test]
async fn post_root_rejects_totals_above_funding() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[FUNDING, 1])).await;
    fx.assert_post_refused(args, &[0, 1], RewardPoolError::TotalExceedsFunding).await;
    // That paid-out rewards still count as funding is tested with claims in
    // tests/bubblegum/tests/claims.rs.
    fx.post_rewards(1, &rewards(&[FUNDING])).await;
}

// ---------------------------------------------------------------- dispute window

#[tokio::test]
async fn pending_root_activates_only_after_the_dispute_window() {
    // That a pending root pays nothing is tested with claims in tests/bubblegum/tests/claims.rs.
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let r1 = rewards(&[100, 200]);
    fx.post_rewards(1, &r1).await;
    let pool = fx.pool().await;
    assert_eq!(pool.active.epoch, 0);
    assert_eq!(pool.pending.unwrap().root.epoch, 1);

    let activate = fx.activate_ix();
    fx.assert_refused(std::slice::from_ref(&activate), &[], RewardPoolError::DisputeWindowOpen).await;

    fx.bank.advance_clock(HOUR).await;
    fx.bank.send(std::slice::from_ref(&activate), &[]).await.expect("anyone activates after the window");
    let pool = fx.pool().await;
    assert_eq!(pool.active.epoch, 1);
    assert!(pool.pending.is_none());
    fx.assert_refused(&[activate], &[], RewardPoolError::NoPendingRoot).await;
}

#[tokio::test]
async fn post_root_activates_a_matured_pending_root_before_posting_the_next() {
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let r1 = rewards(&[100, 200]);
    fx.post_rewards(1, &r1).await;
    fx.bank.advance_clock(HOUR).await;
    let r2 = same_assets(&r1, &[150, 250]);
    fx.post_rewards(2, &r2).await;
    let pool = fx.pool().await;
    assert_eq!((pool.active.epoch, pool.active.root, pool.active.cumulative_total), (1, r1.tree.root(), 300), "epoch 1 became active");
    let pending = pool.pending.expect("epoch 2 waits out its own window");
    assert_eq!((pending.root.epoch, pending.activates_at), (2, fx.bank.now().await + HOUR));
}

#[tokio::test]
async fn post_root_refuses_to_replace_a_root_in_its_dispute_window() {
    // Replacing it would restart the window: with a window as long as an epoch, no root would
    // ever become active. The oracles wait until it matures, then post.
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let r1 = rewards(&[100, 200]);
    fx.post_rewards(1, &r1).await;
    fx.bank.advance_clock(HOUR - 1).await;
    let args = fx.root_args(2, &same_assets(&r1, &[150, 250])).await;
    fx.assert_post_refused(args.clone(), &[0, 1], RewardPoolError::PendingRootInDisputeWindow).await;
    fx.bank.advance_clock(1).await;
    fx.post(args, &[0, 1]).await.expect("posted once epoch 1 matured");
    assert_eq!(fx.pool().await.active.epoch, 1);
}

#[tokio::test]
async fn roots_become_active_when_the_dispute_window_is_as_long_as_an_epoch() {
    // The oracles post each epoch's root as soon as the epoch is settled; each post promotes the
    // previous root, so claims never freeze.
    let epoch_secs = 60;
    let mut fx = Fixture::new(epoch_secs, wide_breaker()).await;
    let mut amounts = vec![0u64, 0];
    let first = rewards(&amounts);
    for epoch in 1..=5u64 {
        amounts.iter_mut().for_each(|a| *a += 10);
        fx.post_rewards(epoch, &same_assets(&first, &amounts)).await;
        assert_eq!(fx.pool().await.active.epoch, epoch - 1);
        fx.bank.advance_clock(epoch_secs).await;
    }
    let activate = fx.activate_ix();
    fx.bank.send(&[activate], &[]).await.expect("the last one is activated by anyone");
    assert_eq!(fx.pool().await.active.epoch, 5);
}

#[tokio::test]
async fn guardian_vetoes_a_pending_root() {
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let bad = rewards(&[900_000]);
    fx.post_rewards(1, &bad).await;
    let version = fx.pool().await.config_version;

    let stranger = Keypair::new();
    let veto = fx.veto_ix(stranger.pubkey());
    fx.assert_refused(&[veto], &[&stranger], RewardPoolError::NotGuardian).await;
    let authority = fx.authority.insecure_clone();
    let veto = fx.veto_ix(authority.pubkey());
    fx.assert_refused(&[veto], &[&authority], RewardPoolError::NotGuardian).await;

    let guardian = fx.guardian.insecure_clone();
    fx.bank.send(&[fx.veto_ix(guardian.pubkey())], &[&guardian]).await.unwrap();
    let pool = fx.pool().await;
    assert!(pool.pending.is_none());
    assert_eq!(pool.config_version, version + 1, "the veto voids every earlier signature");
    fx.assert_refused(&[fx.veto_ix(guardian.pubkey())], &[&guardian], RewardPoolError::NoPendingRoot).await;

    fx.bank.advance_clock(HOUR).await;
    fx.assert_refused(&[fx.activate_ix()], &[], RewardPoolError::NoPendingRoot).await;
    assert_eq!(fx.pool().await.active.epoch, 0, "the vetoed root never became active");

    // The oracles sign a corrected root for the same epoch under the new version.
    fx.post_rewards(1, &rewards(&[1_000])).await;
    assert_eq!(fx.pool().await.pending.unwrap().root.epoch, 1);
}

#[tokio::test]
async fn a_config_version_at_its_end_is_refused_not_wrapped() {
    // Versions start below 2^62 and rise by one per change: no pool gets there, but a version
    // that wrapped would make old signatures valid again, so the bump is checked.
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    fx.post_rewards(1, &rewards(&[1_000])).await;
    let pool = fx.pool;
    fx.bank.modify_account(pool, |p: &mut Pool| p.config_version = u64::MAX).await;
    let guardian = fx.guardian.insecure_clone();
    fx.assert_refused(&[fx.veto_ix(guardian.pubkey())], &[&guardian], RewardPoolError::ArithmeticOverflow).await;
    assert!(fx.pool().await.pending.is_some(), "the root is still pending");
}

#[tokio::test]
async fn a_vetoed_root_can_never_be_posted_again() {
    // Its signatures stay valid until they expire and post_root is permissionless; an inflated
    // total reposted would block every honest root (TotalDecreased) and restart the window.
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let honest = rewards(&[1_000, 2_000]);
    let inflated = same_assets(&honest, &[900_000, 2_000]);
    let args = fx.root_args(1, &inflated).await;
    let signed = fx.post_ixs(args, &[0, 1]);
    fx.bank.send(&signed, &[]).await.expect("the bad root is posted");
    let guardian = fx.guardian.insecure_clone();
    fx.bank.send(&[fx.veto_ix(guardian.pubkey())], &[&guardian]).await.expect("veto");

    fx.assert_refused(&signed, &[], RewardPoolError::ConfigVersionMismatch).await;
    fx.bank.advance_clock(2 * HOUR).await;
    fx.assert_refused(&signed, &[], RewardPoolError::ConfigVersionMismatch).await;

    fx.post_rewards(1, &honest).await;
    assert_eq!(fx.pool().await.pending.unwrap().root.cumulative_total, 3_000, "the honest root is not blocked");
}

// ---------------------------------------------------------------- time-locked changes

#[tokio::test]
async fn the_authority_alone_cannot_loosen_the_pool() {
    // The audit's attack: a zero dispute window, an unlimited breaker, an oracle set of the
    // authority's own keys and a guardian it holds, all at once. Each waits out the time lock,
    // and the guardian cancels each.
    let mut fx = Fixture::new(HOUR, BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(1_000) }).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let open = PoolConfig { dispute_window_secs: 0, breaker: BreakerConfig { window_secs: 1, threshold: Threshold::Absolute(u64::MAX) } };
    fx.assert_refused(&[fx.tighten_ix(authority.pubkey(), open)], &[&authority], RewardPoolError::ChangeLoosensSafety).await;

    let own: Vec<Oracle> = (40..=42).map(Oracle::from_seed).collect();
    let own_set = OracleSetArgs { oracles: own.iter().map(Oracle::pubkey).collect(), threshold: 2 };
    let own_guardian = Keypair::new();
    let proposals = [
        fx.propose_config_ix(authority.pubkey(), open),
        fx.propose_oracles_ix(authority.pubkey(), own_set),
        fx.propose_role_ix(authority.pubkey(), Role::Guardian, own_guardian.pubkey()),
    ];
    fx.bank.send(&proposals, &[&authority]).await.expect("proposals");
    let before = fx.pool().await;
    let unlock = before.pending_config.unwrap().applicable_at;
    assert_eq!(unlock, fx.bank.now().await + TIMELOCK);
    assert_eq!(before.pending_oracles.unwrap().applicable_at, unlock);
    assert_eq!(before.pending_guardian.unwrap().applicable_at, unlock);

    // Nothing applies before the time lock.
    fx.assert_refused(&[fx.apply_config_ix(authority.pubkey())], &[&authority], RewardPoolError::TimeLockNotElapsed).await;
    fx.assert_refused(&[fx.apply_oracles_ix(authority.pubkey())], &[&authority], RewardPoolError::OracleSetTimeLocked).await;
    fx.assert_refused(&[fx.accept_role_ix(own_guardian.pubkey(), Role::Guardian)], &[&own_guardian], RewardPoolError::TimeLockNotElapsed).await;

    // The guardian cancels all three.
    let cancels = [
        fx.cancel_config_ix(guardian.pubkey()),
        fx.cancel_oracles_ix(guardian.pubkey()),
        fx.cancel_role_ix(guardian.pubkey(), Role::Guardian),
    ];
    fx.bank.send(&cancels, &[&guardian]).await.expect("the guardian cancels");
    fx.bank.advance_clock(TIMELOCK).await;
    fx.assert_refused(&[fx.apply_config_ix(authority.pubkey())], &[&authority], RewardPoolError::NoPendingConfig).await;
    fx.assert_refused(&[fx.apply_oracles_ix(authority.pubkey())], &[&authority], RewardPoolError::NoPendingOracleSet).await;
    fx.assert_refused(&[fx.accept_role_ix(own_guardian.pubkey(), Role::Guardian)], &[&own_guardian], RewardPoolError::NotPendingHolder).await;
    let after = fx.pool().await;
    assert_eq!((after.dispute_window_secs, after.breaker.config, after.guardian), (HOUR, before.breaker.config, guardian.pubkey()));
    assert_eq!(after.oracles, before.oracles);
    assert_eq!(after.config_version, before.config_version);
}

#[tokio::test]
async fn tightening_the_config_applies_at_once() {
    let breaker = BreakerConfig { window_secs: 100, threshold: Threshold::Absolute(1_000) };
    let mut fx = Fixture::new(HOUR, breaker).await;
    let authority = fx.authority.insecure_clone();
    let version = fx.pool().await.config_version;
    let tighter = PoolConfig { dispute_window_secs: 2 * HOUR, breaker: BreakerConfig { window_secs: 200, threshold: Threshold::Absolute(500) } };
    let stranger = Keypair::new();
    fx.assert_refused(&[fx.tighten_ix(stranger.pubkey(), tighter)], &[&stranger], RewardPoolError::NotAuthority).await;
    fx.bank.send(&[fx.tighten_ix(authority.pubkey(), tighter)], &[&authority]).await.expect("tighten");
    let pool = fx.pool().await;
    assert_eq!((pool.dispute_window_secs, pool.breaker.config), (2 * HOUR, tighter.breaker));
    assert_eq!(pool.config_version, version, "who may sign did not change");

    // Each part alone that loosens is refused, whatever the others do.
    let looser = [
        PoolConfig { dispute_window_secs: 2 * HOUR - 1, ..tighter },
        PoolConfig { breaker: BreakerConfig { window_secs: 199, threshold: Threshold::Absolute(500) }, ..tighter },
        PoolConfig { breaker: BreakerConfig { window_secs: 200, threshold: Threshold::Absolute(501) }, ..tighter },
        PoolConfig { breaker: BreakerConfig { window_secs: 200, threshold: Threshold::Percent(1) }, ..tighter },
    ];
    for config in looser {
        fx.assert_refused(&[fx.tighten_ix(authority.pubkey(), config)], &[&authority], RewardPoolError::ChangeLoosensSafety).await;
    }
    let too_long = PoolConfig { dispute_window_secs: 7 * 86_400 + 1, ..tighter };
    fx.assert_refused(&[fx.tighten_ix(authority.pubkey(), too_long)], &[&authority], RewardPoolError::InvalidDisputeWindow).await;
}

#[tokio::test]
async fn a_looser_config_applies_after_the_time_lock_unless_cancelled() {
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let looser = PoolConfig { dispute_window_secs: 60, breaker: BreakerConfig { window_secs: 10, threshold: Threshold::Absolute(5) } };
    let stranger = Keypair::new();
    fx.assert_refused(&[fx.propose_config_ix(stranger.pubkey(), looser)], &[&stranger], RewardPoolError::NotAuthority).await;
    let invalid = PoolConfig { dispute_window_secs: -5, ..looser };
    fx.assert_refused(&[fx.propose_config_ix(authority.pubkey(), invalid)], &[&authority], RewardPoolError::InvalidDisputeWindow).await;
    fx.assert_refused(&[fx.apply_config_ix(authority.pubkey())], &[&authority], RewardPoolError::NoPendingConfig).await;
    fx.assert_refused(&[fx.cancel_config_ix(guardian.pubkey())], &[&guardian], RewardPoolError::NoPendingConfig).await;

    // The authority may withdraw its own proposal; a stranger cancels nothing.
    fx.bank.send(&[fx.propose_config_ix(authority.pubkey(), looser)], &[&authority]).await.unwrap();
    fx.assert_refused(&[fx.cancel_config_ix(stranger.pubkey())], &[&stranger], RewardPoolError::NotAuthorityOrGuardian).await;
    fx.bank.send(&[fx.cancel_config_ix(authority.pubkey())], &[&authority]).await.expect("withdraw");
    assert!(fx.pool().await.pending_config.is_none());

    fx.bank.send(&[fx.propose_config_ix(authority.pubkey(), looser)], &[&authority]).await.unwrap();
    fx.bank.advance_clock(TIMELOCK - 1).await;
    fx.assert_refused(&[fx.apply_config_ix(authority.pubkey())], &[&authority], RewardPoolError::TimeLockNotElapsed).await;
    fx.bank.advance_clock(1).await;
    fx.assert_refused(&[fx.apply_config_ix(stranger.pubkey())], &[&stranger], RewardPoolError::NotAuthority).await;
    fx.bank.send(&[fx.apply_config_ix(authority.pubkey())], &[&authority]).await.expect("apply after the time lock");
    let pool = fx.pool().await;
    assert_eq!((pool.dispute_window_secs, pool.breaker.config), (60, looser.breaker));
    assert!(pool.pending_config.is_none());
}

#[tokio::test]
async fn the_time_lock_only_rises() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let stranger = Keypair::new();
    fx.assert_refused(&[fx.raise_timelock_ix(stranger.pubkey(), 3 * HOUR)], &[&stranger], RewardPoolError::NotAuthority).await;
    for lower in [TIMELOCK, TIMELOCK - 1] {
        fx.assert_refused(&[fx.raise_timelock_ix(authority.pubkey(), lower)], &[&authority], RewardPoolError::TimeLockNotRaised).await;
    }
    // Bounded, or the authority could freeze every later change.
    fx.assert_refused(&[fx.raise_timelock_ix(authority.pubkey(), MAX_TIMELOCK_SECS + 1)], &[&authority], RewardPoolError::InvalidTimeLock).await;
    fx.bank.send(&[fx.raise_timelock_ix(authority.pubkey(), 3 * HOUR)], &[&authority]).await.expect("raise");
    assert_eq!(fx.pool().await.timelock_secs, 3 * HOUR);
    let config = PoolConfig { dispute_window_secs: 0, breaker: wide_breaker() };
    fx.bank.send(&[fx.propose_config_ix(authority.pubkey(), config)], &[&authority]).await.unwrap();
    assert_eq!(fx.pool().await.pending_config.unwrap().applicable_at, fx.bank.now().await + 3 * HOUR);
}

// ---------------------------------------------------------------- rotations

#[tokio::test]
async fn oracle_set_rotation_is_time_locked_and_kills_old_signatures() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let new_oracles: Vec<Oracle> = (10..=12).map(Oracle::from_seed).collect();
    let proposal = OracleSetArgs { oracles: new_oracles.iter().map(Oracle::pubkey).collect(), threshold: 2 };
    let authority = fx.authority.insecure_clone();
    let version = fx.pool().await.config_version;

    let stranger = Keypair::new();
    fx.assert_refused(&[fx.propose_oracles_ix(stranger.pubkey(), proposal.clone())], &[&stranger], RewardPoolError::NotAuthority).await;
    fx.assert_refused(&[fx.apply_oracles_ix(authority.pubkey())], &[&authority], RewardPoolError::NoPendingOracleSet).await;
    // A set any single key or a minority could sign for is refused outright.
    for weak in [OracleSetArgs { threshold: 1, ..proposal.clone() }, OracleSetArgs { oracles: vec![stranger.pubkey()], threshold: 1 }] {
        fx.assert_refused(&[fx.propose_oracles_ix(authority.pubkey(), weak)], &[&authority], RewardPoolError::OracleThresholdTooLow).await;
    }

    fx.bank.send(&[fx.propose_oracles_ix(authority.pubkey(), proposal.clone())], &[&authority]).await.unwrap();
    // Signatures gathered now, by the old set under the old version.
    let r = rewards(&[10]);
    let old_args = fx.root_args(1, &r).await;

    fx.bank.advance_clock(TIMELOCK - 1).await;
    fx.assert_refused(&[fx.apply_oracles_ix(authority.pubkey())], &[&authority], RewardPoolError::OracleSetTimeLocked).await;
    fx.bank.advance_clock(1).await;
    fx.bank.send(&[fx.apply_oracles_ix(authority.pubkey())], &[&authority]).await.unwrap();
    let pool = fx.pool().await;
    assert_eq!(pool.config_version, version + 1);
    assert_eq!(pool.oracles.keys(), proposal.oracles.as_slice());
    assert!(pool.pending_oracles.is_none());

    fx.assert_post_refused(old_args.clone(), &[0, 1], RewardPoolError::ConfigVersionMismatch).await;
    let new_version = PostRootArgs { config_version: version + 1, ..old_args };
    fx.assert_post_refused(new_version.clone(), &[0, 1], RewardPoolError::UnknownOracle).await;
    fx.oracles = new_oracles;
    fx.post(new_version, &[0, 2]).await.expect("the new set signs");
}

#[tokio::test]
async fn guardian_or_authority_cancels_a_pending_oracle_set() {
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let set = OracleSetArgs { oracles: (50..=52).map(|s| Oracle::from_seed(s).pubkey()).collect(), threshold: 2 };
    let propose = fx.propose_oracles_ix(authority.pubkey(), set);
    fx.bank.send(std::slice::from_ref(&propose), &[&authority]).await.unwrap();
    let stranger = Keypair::new();
    fx.assert_refused(&[fx.cancel_oracles_ix(stranger.pubkey())], &[&stranger], RewardPoolError::NotAuthorityOrGuardian).await;
    fx.bank.send(&[fx.cancel_oracles_ix(guardian.pubkey())], &[&guardian]).await.unwrap();
    assert!(fx.pool().await.pending_oracles.is_none());
    fx.assert_refused(&[fx.cancel_oracles_ix(guardian.pubkey())], &[&guardian], RewardPoolError::NoPendingOracleSet).await;
    let version = fx.pool().await.config_version;
    fx.bank.send(&[propose], &[&authority]).await.unwrap();
    fx.bank.send(&[fx.cancel_oracles_ix(authority.pubkey())], &[&authority]).await.unwrap();
    assert_eq!(fx.pool().await.config_version, version, "cancelled sets change nothing");
}

#[tokio::test]
async fn the_authority_hands_over_at_once_in_two_steps() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let next = Keypair::new();
    let stranger = Keypair::new();
    let version = fx.pool().await.config_version;
    fx.assert_refused(&[fx.propose_role_ix(stranger.pubkey(), Role::Authority, next.pubkey())], &[&stranger], RewardPoolError::NotAuthority).await;
    fx.assert_refused(&[fx.accept_role_ix(next.pubkey(), Role::Authority)], &[&next], RewardPoolError::NotPendingHolder).await;
    fx.assert_refused(&[fx.cancel_role_ix(authority.pubkey(), Role::Authority)], &[&authority], RewardPoolError::NoPendingRole).await;

    // The guardian's key may never hold the authority too.
    fx.bank.send(&[fx.propose_role_ix(authority.pubkey(), Role::Authority, guardian.pubkey())], &[&authority]).await.unwrap();
    fx.assert_refused(&[fx.accept_role_ix(guardian.pubkey(), Role::Authority)], &[&guardian], RewardPoolError::GuardianIsAuthority).await;
    // A proposal is withdrawn by the authority only.
    fx.assert_refused(&[fx.cancel_role_ix(guardian.pubkey(), Role::Authority)], &[&guardian], RewardPoolError::NotAuthority).await;
    fx.bank.send(&[fx.cancel_role_ix(authority.pubkey(), Role::Authority)], &[&authority]).await.expect("withdraw");
    assert_eq!(fx.pool().await.pending_authority, Pubkey::default());

    fx.bank.send(&[fx.propose_role_ix(authority.pubkey(), Role::Authority, next.pubkey())], &[&authority]).await.unwrap();
    fx.assert_refused(&[fx.accept_role_ix(stranger.pubkey(), Role::Authority)], &[&stranger], RewardPoolError::NotPendingHolder).await;
    fx.bank.send(&[fx.accept_role_ix(next.pubkey(), Role::Authority)], &[&next]).await.expect("accept at once");
    let pool = fx.pool().await;
    assert_eq!((pool.authority, pool.pending_authority, pool.config_version), (next.pubkey(), Pubkey::default(), version + 1));
    fx.assert_refused(&[fx.propose_role_ix(authority.pubkey(), Role::Authority, stranger.pubkey())], &[&authority], RewardPoolError::NotAuthority).await;
}

#[tokio::test]
async fn a_new_guardian_waits_out_the_time_lock_and_the_guardian_can_cancel_it() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let next = Keypair::new();
    let stranger = Keypair::new();
    // The authority may not make itself the guardian.
    fx.assert_refused(&[fx.propose_role_ix(authority.pubkey(), Role::Guardian, authority.pubkey())], &[&authority], RewardPoolError::GuardianIsAuthority).await;
    fx.assert_refused(&[fx.propose_role_ix(guardian.pubkey(), Role::Guardian, next.pubkey())], &[&guardian], RewardPoolError::NotAuthority).await;

    fx.bank.send(&[fx.propose_role_ix(authority.pubkey(), Role::Guardian, stranger.pubkey())], &[&authority]).await.unwrap();
    fx.assert_refused(&[fx.cancel_role_ix(next.pubkey(), Role::Guardian)], &[&next], RewardPoolError::NotAuthorityOrGuardian).await;
    fx.bank.send(&[fx.cancel_role_ix(guardian.pubkey(), Role::Guardian)], &[&guardian]).await.expect("the guardian objects");
    fx.assert_refused(&[fx.cancel_role_ix(guardian.pubkey(), Role::Guardian)], &[&guardian], RewardPoolError::NoPendingRole).await;
    fx.bank.advance_clock(TIMELOCK).await;
    fx.assert_refused(&[fx.accept_role_ix(stranger.pubkey(), Role::Guardian)], &[&stranger], RewardPoolError::NotPendingHolder).await;

    let version = fx.pool().await.config_version;
    fx.bank.send(&[fx.propose_role_ix(authority.pubkey(), Role::Guardian, next.pubkey())], &[&authority]).await.unwrap();
    fx.bank.advance_clock(TIMELOCK - 1).await;
    fx.assert_refused(&[fx.accept_role_ix(next.pubkey(), Role::Guardian)], &[&next], RewardPoolError::TimeLockNotElapsed).await;
    fx.bank.advance_clock(1).await;
    fx.assert_refused(&[fx.accept_role_ix(stranger.pubkey(), Role::Guardian)], &[&stranger], RewardPoolError::NotPendingHolder).await;
    fx.bank.send(&[fx.accept_role_ix(next.pubkey(), Role::Guardian)], &[&next]).await.expect("accept after the time lock");
    let pool = fx.pool().await;
    assert_eq!((pool.guardian, pool.pending_guardian, pool.config_version), (next.pubkey(), None, version + 1));
    // The old guardian vetoes nothing any more.
    fx.post_rewards(1, &rewards(&[1])).await;
    fx.assert_refused(&[fx.veto_ix(guardian.pubkey())], &[&guardian], RewardPoolError::NotGuardian).await;
}

// ---------------------------------------------------------------- claims: network and status

/// A device tree of depth 2 written by the test, holding one device cNFT owned by `owner`.
struct WrittenDevice {
    device: Pubkey,
    info: DeviceInfo,
    tree: Pubkey,
    /// The leaf's two siblings, bottom up.
    siblings: [[u8; 32]; 2],
}

fn keccak_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

impl Fixture {
    /// Writes a DeviceInfo of `network` with `status`, and an account-compression tree whose
    /// current root holds its leaf (index 0) as owned by `owner`.
    fn write_device(&mut self, network: Pubkey, status: DeviceStatus, owner: &Pubkey) -> WrittenDevice {
        const DEPTH: usize = 2;
        let tree = Pubkey::new_unique();
        let info = DeviceInfo {
            network,
            device_key: Pubkey::new_unique(),
            asset: Pubkey::new_unique(),
            tree,
            leaf_nonce: 0,
            data_hash: [1; 32],
            creator_hash: [2; 32],
            maker: Pubkey::new_unique(),
            kind: DeviceKind::Hotspot,
            status,
            location: Location::default(),
            location_asserts: 0,
            last_location_assert_at: 0,
            onboarding_nonce: 0,
            issued_at: 0,
            bump: 255,
        };
        let leaf = device_registry::ownership::leaf_schema(&info.leaf(), owner, None).hash();
        let siblings = [[7; 32], [8; 32]];
        let root = keccak_pair(&keccak_pair(&leaf, &siblings[0]), &siblings[1]);
        // Account compression's layout: a 56-byte header (type 1, max buffer size, max depth),
        // then the sequence number, the active changelog index and the buffer size, one
        // changelog entry (root, path, index, padding), the rightmost path, no canopy.
        let buffer = 1usize;
        let change_log = 32 + 32 * DEPTH + 8;
        let mut data = vec![0u8; 56 + 24 + buffer * change_log + 32 * DEPTH + 40];
        data[0] = 1;
        data[2..6].copy_from_slice(&(buffer as u32).to_le_bytes());
        data[6..10].copy_from_slice(&(DEPTH as u32).to_le_bytes());
        data[80..112].copy_from_slice(&root);
        self.set_account(tree, SPL_COMPRESSION, data);
        let mut device_data = Vec::new();
        info.try_serialize(&mut device_data).unwrap();
        let device = Pubkey::new_unique();
        self.set_account(device, device_registry::ID, device_data);
        WrittenDevice { device, info, tree, siblings }
    }

    fn set_account(&mut self, key: Pubkey, owner: Pubkey, data: Vec<u8>) {
        let account = Account { lamports: 1_000_000_000, data, owner, executable: false, rent_epoch: 0 };
        self.bank.ctx.set_account(&key, &AccountSharedData::from(account));
    }

    fn claim_ix(&self, owner: &Pubkey, device: &WrittenDevice, recipient: Pubkey, cumulative_amount: u64, proof: Vec<[u8; 32]>) -> Instruction {
        let claim_record = Pubkey::find_program_address(&[CLAIM_SEED, self.pool.as_ref(), device.info.asset.as_ref()], &reward_pool::ID).0;
        let mut ix = pool_ix(
            reward_pool::instruction::Claim {
                args: ClaimArgs {
                    cumulative_amount,
                    proof,
                    ownership: device_registry::ownership::OwnershipProof { root: [0; 32], delegate: None },
                },
            },
            reward_pool::accounts::Claim {
                payer: self.bank.payer().pubkey(),
                owner: *owner,
                pool: self.pool,
                device: device.device,
                claim_record,
                vault: self.vault,
                mint: self.mint,
                recipient,
                merkle_tree: device.tree,
                compression_program: SPL_COMPRESSION,
                token_program: self.token_program,
                system_program: anchor_lang::system_program::ID,
            },
        );
        ix.accounts.extend(device.siblings.iter().map(|s| AccountMeta::new_readonly(Pubkey::new_from_array(*s), false)));
        ix
    }
}

#[tokio::test]
async fn a_claim_for_a_device_of_another_network_is_refused() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let owner = Keypair::new();
    let foreign = fx.write_device(Pubkey::new_unique(), DeviceStatus::Active, &owner.pubkey());
    let own = fx.write_device(fx.network, DeviceStatus::Active, &owner.pubkey());
    let r = Rewards::new(vec![(foreign.info.asset, 500), (own.info.asset, 300)]);
    fx.post_rewards(1, &r).await;
    let (mint, token_program) = (fx.mint, fx.token_program);
    let recipient = fx.bank.create_token_account(token_program, &mint, &owner.pubkey()).await;

    let ix = fx.claim_ix(&owner.pubkey(), &foreign, recipient, 500, r.tree.proof(0).unwrap());
    fx.assert_refused(&[ix], &[&owner], RewardPoolError::WrongNetwork).await;
    assert_eq!(fx.bank.token_balance(recipient).await, 0);

    let ix = fx.claim_ix(&owner.pubkey(), &own, recipient, 300, r.tree.proof(1).unwrap());
    fx.bank.send(&[ix], &[&owner]).await.expect("the network's own device claims");
    assert_eq!(fx.bank.token_balance(recipient).await, 300);
}

#[tokio::test]
async fn an_inactive_device_is_paid_what_the_roots_already_grant_it() {
    // Deactivation is the network authority's alone and immediate: it stops the oracles from
    // crediting the device, but it does not let one key freeze rewards the posted, undisputed
    // roots already grant (docs/security.md).
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let owner = Keypair::new();
    let device = fx.write_device(fx.network, DeviceStatus::Inactive, &owner.pubkey());
    let r = Rewards::new(vec![(device.info.asset, 250), (Pubkey::new_unique(), 50)]);
    fx.post_rewards(1, &r).await;
    let (mint, token_program) = (fx.mint, fx.token_program);
    let recipient = fx.bank.create_token_account(token_program, &mint, &owner.pubkey()).await;
    let ix = fx.claim_ix(&owner.pubkey(), &device, recipient, 250, r.tree.proof(0).unwrap());
    fx.bank.send(&[ix], &[&owner]).await.expect("claim");
    assert_eq!(fx.bank.token_balance(recipient).await, 250);
    assert_eq!(fx.vault_balance().await, FUNDING - 250);
}
