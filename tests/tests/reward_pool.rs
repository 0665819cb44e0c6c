//! reward-pool: pools, quorum-posted roots, dispute window, rotations. Claims are bound to the
//! device cNFT's owner, so they are tested against Bubblegum in tests/bubblegum/tests/claims.rs.
use anchor_lang::prelude::Pubkey;
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_merkle::{leaf_hash, MerkleTree};
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::oracles::{signed_by, Oracle};
use fieldproof_tests::tokens::{SPL_TOKEN, TOKEN_2022};
use fieldproof_tests::{assert_program_error, Bank};
use reward_pool::errors::RewardPoolError;
use reward_pool::instructions::{CreatePoolArgs, OracleSetArgs, PostRootArgs, UpdatePoolConfigArgs};
use reward_pool::message::RootMessage;
use reward_pool::state::{Pool, Role, POOL_SEED, VAULT_SEED};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const POOL_ID: u16 = 0;
const FUNDING: u64 = 1_000_000;
const HOUR: i64 = 3_600;

fn wide_breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(10_000) }
}

struct Fixture {
    bank: Bank,
    token_program: Pubkey,
    mint: Pubkey,
    mint_authority: Keypair,
    pool: Pubkey,
    vault: Pubkey,
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


impl Fixture {
    async fn new(dispute_window_secs: i64, breaker: BreakerConfig) -> Self {
        Self::with_token_program(SPL_TOKEN, dispute_window_secs, breaker).await
    }

    async fn with_token_program(token_program: Pubkey, dispute_window_secs: i64, breaker: BreakerConfig) -> Self {
        let mut bank = Bank::start().await;
        let mint_authority = Keypair::new();
        let mint = bank.create_mint(token_program, &mint_authority.pubkey(), 6).await;
        let authority = Keypair::new();
        let guardian = Keypair::new();
        let oracles: Vec<Oracle> = (1..=3).map(Oracle::from_seed).collect();
        let pool = Pubkey::find_program_address(&[POOL_SEED, mint.as_ref(), &POOL_ID.to_le_bytes()], &reward_pool::ID).0;
        let vault = Pubkey::find_program_address(&[VAULT_SEED, pool.as_ref()], &reward_pool::ID).0;
        let mut fx = Fixture { bank, token_program, mint, mint_authority, pool, vault, authority, guardian, oracles };
        let args = CreatePoolArgs {
            id: POOL_ID,
            guardian: fx.guardian.pubkey(),
            oracles: fx.oracles.iter().map(Oracle::pubkey).collect(),
            threshold: 2,
            dispute_window_secs,
            breaker,
        };
        let ix = fx.create_pool_ix(args);
        let authority = fx.authority.insecure_clone();
        fx.bank.send(&[ix], &[&authority]).await.expect("create pool");
        let (mint, vault, mint_authority) = (fx.mint, fx.vault, fx.mint_authority.insecure_clone());
        fx.bank.mint_tokens(token_program, &mint, &vault, &mint_authority, FUNDING).await;
        fx
    }

    fn create_pool_ix(&self, args: CreatePoolArgs) -> Instruction {
        anchor_ix(
            reward_pool::ID,
            reward_pool::accounts::CreatePool {
                payer: self.bank.payer().pubkey(),
                authority: self.authority.pubkey(),
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

    /// Root arguments for `rewards` at `epoch`, signed for the pool's current version.
    async fn root_args(&mut self, epoch: u64, rewards: &Rewards) -> PostRootArgs {
        let pool = self.pool().await;
        let expires_at = self.bank.now().await + HOUR;
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

    /// Posts `args` with a precompile instruction signed by `signers` over `message`.
    async fn post_signed(&mut self, args: PostRootArgs, message: &RootMessage, signers: &[&Oracle]) -> Result<(), TransactionError> {
        let sigs = signed_by(&message.to_bytes(), signers);
        let post = self.post_ix(args);
        self.bank.send(&[sigs, post], &[]).await
    }

    /// Posts `args` signed by the oracles at `indexes`.
    async fn post(&mut self, args: PostRootArgs, indexes: &[usize]) -> Result<(), TransactionError> {
        let message = self.message(&args);
        let oracles: Vec<Oracle> = indexes.iter().map(|&i| self.oracles[i].clone()).collect();
        let refs: Vec<&Oracle> = oracles.iter().collect();
        self.post_signed(args, &message, &refs).await
    }

    async fn post_rewards(&mut self, epoch: u64, rewards: &Rewards) {
        let args = self.root_args(epoch, rewards).await;
        self.post(args, &[0, 1]).await.expect("post root");
    }




    async fn vault_balance(&mut self) -> u64 {
        let vault = self.vault;
        self.bank.token_balance(vault).await
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
    assert_eq!(pool.mint, fx.mint);
    assert_eq!(pool.vault, fx.vault);
    assert_eq!(pool.authority, fx.authority.pubkey());
    assert_eq!(pool.guardian, fx.guardian.pubkey());
    assert_eq!(pool.oracles.keys(), fx.oracles.iter().map(Oracle::pubkey).collect::<Vec<_>>().as_slice());
    assert_eq!(pool.oracles.threshold, 2);
    assert_eq!(pool.config_version, 1);
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
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let other_mint_authority = Keypair::new();
    let mint = fx.bank.create_mint(SPL_TOKEN, &other_mint_authority.pubkey(), 6).await;
    fx.mint = mint;
    fx.pool = Pubkey::find_program_address(&[POOL_SEED, mint.as_ref(), &POOL_ID.to_le_bytes()], &reward_pool::ID).0;
    fx.vault = Pubkey::find_program_address(&[VAULT_SEED, fx.pool.as_ref()], &reward_pool::ID).0;
    let key = Oracle::from_seed(1).pubkey();
    let base = CreatePoolArgs {
        id: POOL_ID,
        guardian: fx.guardian.pubkey(),
        oracles: vec![key, Oracle::from_seed(2).pubkey()],
        threshold: 2,
        dispute_window_secs: 0,
        breaker: wide_breaker(),
    };
    let authority = fx.authority.insecure_clone();
    let cases: Vec<(CreatePoolArgs, RewardPoolError)> = vec![
        (CreatePoolArgs { threshold: 3, ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { threshold: 0, ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { oracles: vec![key, key], ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { oracles: vec![], threshold: 0, ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { oracles: (0..11).map(Oracle::from_seed).map(|o| o.pubkey()).collect(), ..base.clone() }, RewardPoolError::InvalidOracleSet),
        (CreatePoolArgs { dispute_window_secs: -1, ..base.clone() }, RewardPoolError::InvalidDisputeWindow),
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
        let ix = fx.create_pool_ix(args);
        assert_program_error(fx.bank.send(&[ix], &[&authority]).await, error);
        assert!(!fx.bank.exists(fx.pool).await, "no pool was created");
    }
    let ix = fx.create_pool_ix(base);
    fx.bank.send(&[ix], &[&authority]).await.expect("valid config creates the pool");
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

/// Posts `args` expecting `error`, and checks the pool did not change.
async fn assert_post_rejected(fx: &mut Fixture, result: Result<(), TransactionError>, error: RewardPoolError) {
    let before = fx.pool().await;
    assert_program_error(result, error);
    let after = fx.pool().await;
    assert_eq!(before.active, after.active);
    assert_eq!(before.pending, after.pending);
}

#[tokio::test]
async fn post_root_rejects_too_few_and_duplicate_signatures() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5, 6])).await;
    let res = fx.post(args.clone(), &[1]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::InsufficientSignatures).await;
    let res = fx.post(args.clone(), &[1, 1]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::DuplicateOracleSignature).await;
    assert_eq!(fx.pool().await.active.epoch, 0);
}

#[tokio::test]
async fn post_root_rejects_a_signature_by_a_key_outside_the_set() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5])).await;
    let message = fx.message(&args);
    let stranger = Oracle::from_seed(99);
    let res = fx.post_signed(args, &message, &[&fx.oracles[0].clone(), &stranger]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::UnknownOracle).await;
}

#[tokio::test]
async fn post_root_fails_on_a_forged_signature() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5])).await;
    let message = fx.message(&args).to_bytes();
    let mut sigs = signed_by(&message, &[&fx.oracles[0].clone(), &fx.oracles[1].clone()]);
    // Flip a bit of the first signature: the precompile itself refuses the transaction.
    let first_signature_at = 2 + 2 * 14 + 2 * 32;
    sigs.data[first_signature_at] ^= 1;
    let post = fx.post_ix(args);
    let res = fx.bank.send(&[sigs, post], &[]).await;
    // Instruction 0 is the harness's compute-budget instruction, 1 the precompile.
    assert!(matches!(res, Err(TransactionError::InstructionError(1, _))), "{res:?}");
    assert_eq!(fx.pool().await.active.epoch, 0);
}

#[tokio::test]
async fn post_root_requires_the_precompile_instruction_first() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[5])).await;
    let post = fx.post_ix(args);
    let res = fx.bank.send(&[post], &[]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::MissingSignatures).await;
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
    let signers = [fx.oracles[0].clone(), fx.oracles[1].clone()];
    for message in variants {
        let res = fx.post_signed(args.clone(), &message, &[&signers[0], &signers[1]]).await;
        assert_post_rejected(&mut fx, res, RewardPoolError::SignedMessageMismatch).await;
    }
    // Arguments naming another version than the pool's are refused before any signature check.
    let stale = PostRootArgs { config_version: 0, ..args.clone() };
    let res = fx.post(stale, &[0, 1]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::ConfigVersionMismatch).await;
    fx.post(args, &[0, 1]).await.expect("the genuine message posts");
}

#[tokio::test]
async fn post_root_rejects_expired_messages() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let mut args = fx.root_args(1, &rewards(&[5])).await;
    args.expires_at = fx.bank.now().await - 1;
    let res = fx.post(args, &[0, 1]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::RootMessageExpired).await;
}

#[tokio::test]
async fn post_root_rejects_non_increasing_epochs_and_decreasing_totals() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let first = rewards(&[100, 100]);
    fx.post_rewards(5, &first).await;
    for epoch in [5, 4] {
        let args = fx.root_args(epoch, &same_assets(&first, &[150, 150])).await;
        let res = fx.post(args, &[0, 1]).await;
        assert_post_rejected(&mut fx, res, RewardPoolError::EpochNotIncreasing).await;
    }
    let args = fx.root_args(6, &same_assets(&first, &[100, 99])).await;
    let res = fx.post(args, &[0, 1]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::TotalDecreased).await;
    fx.post_rewards(6, &same_assets(&first, &[100, 100])).await;
}

#[tokio::test]
async fn post_root_rejects_totals_above_funding() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let args = fx.root_args(1, &rewards(&[FUNDING, 1])).await;
    let res = fx.post(args, &[0, 1]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::TotalExceedsFunding).await;
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

    let activate = anchor_ix(reward_pool::ID, reward_pool::accounts::ActivateRoot { pool: fx.pool }, reward_pool::instruction::ActivateRoot {});
    let res = fx.bank.send(&[activate.clone()], &[]).await;
    assert_program_error(res, RewardPoolError::DisputeWindowOpen);
    assert_eq!(fx.pool().await.active.epoch, 0);

    fx.bank.advance_clock(HOUR).await;
    fx.bank.send(&[activate.clone()], &[]).await.expect("anyone activates after the window");
    let pool = fx.pool().await;
    assert_eq!(pool.active.epoch, 1);
    assert!(pool.pending.is_none());
    let res = fx.bank.send(&[activate], &[]).await;
    assert_program_error(res, RewardPoolError::NoPendingRoot);
}

#[tokio::test]
async fn guardian_vetoes_a_pending_root() {
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let pool = fx.pool;
    let bad = rewards(&[900_000]);
    fx.post_rewards(1, &bad).await;

    let veto = |guardian: Pubkey| {
        anchor_ix(reward_pool::ID, reward_pool::accounts::VetoRoot { pool, guardian }, reward_pool::instruction::VetoRoot {})
    };
    let stranger = Keypair::new();
    let res = fx.bank.send(&[veto(stranger.pubkey())], &[&stranger]).await;
    assert_program_error(res, RewardPoolError::NotGuardian);
    assert!(fx.pool().await.pending.is_some());

    let guardian = fx.guardian.insecure_clone();
    fx.bank.send(&[veto(guardian.pubkey())], &[&guardian]).await.unwrap();
    assert!(fx.pool().await.pending.is_none());
    let res = fx.bank.send(&[veto(guardian.pubkey())], &[&guardian]).await;
    assert_program_error(res, RewardPoolError::NoPendingRoot);

    fx.bank.advance_clock(HOUR).await;
    let activate = anchor_ix(reward_pool::ID, reward_pool::accounts::ActivateRoot { pool: fx.pool }, reward_pool::instruction::ActivateRoot {});
    let res = fx.bank.send(&[activate], &[]).await;
    assert_program_error(res, RewardPoolError::NoPendingRoot);
    assert_eq!(fx.pool().await.active.epoch, 0, "the vetoed root never became active");

    // The oracles may post a corrected root for the same epoch.
    fx.post_rewards(1, &rewards(&[1_000])).await;
    assert_eq!(fx.pool().await.pending.unwrap().root.epoch, 1);
}

// ---------------------------------------------------------------- rotations

#[tokio::test]
async fn oracle_set_rotation_is_time_locked_and_kills_old_signatures() {
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let pool = fx.pool;
    let new_oracles: Vec<Oracle> = (10..=12).map(Oracle::from_seed).collect();
    let proposal = OracleSetArgs { oracles: new_oracles.iter().map(Oracle::pubkey).collect(), threshold: 2 };
    let authority = fx.authority.insecure_clone();
    let propose = |signer: Pubkey| {
        pool_ix(
            reward_pool::instruction::ProposeOracleSet { oracle_set: proposal.clone() },
            reward_pool::accounts::ProposeOracleSet { pool, authority: signer },
        )
    };
    let apply = pool_ix(
        reward_pool::instruction::ApplyOracleSet {},
        reward_pool::accounts::ApplyOracleSet { pool, authority: authority.pubkey() },
    );

    let stranger = Keypair::new();
    let res = fx.bank.send(&[propose(stranger.pubkey())], &[&stranger]).await;
    assert_program_error(res, RewardPoolError::NotAuthority);
    let res = fx.bank.send(&[apply.clone()], &[&authority]).await;
    assert_program_error(res, RewardPoolError::NoPendingOracleSet);

    fx.bank.send(&[propose(authority.pubkey())], &[&authority]).await.unwrap();
    // Signatures gathered now, under version 1 by the old set.
    let r = rewards(&[10]);
    let old_args = fx.root_args(1, &r).await;

    let res = fx.bank.send(&[apply.clone()], &[&authority]).await;
    assert_program_error(res, RewardPoolError::OracleSetTimeLocked);
    assert_eq!(fx.pool().await.config_version, 1);

    fx.bank.advance_clock(HOUR).await;
    fx.bank.send(&[apply], &[&authority]).await.unwrap();
    let pool = fx.pool().await;
    assert_eq!(pool.config_version, 2);
    assert_eq!(pool.oracles.keys(), proposal.oracles.as_slice());
    assert!(pool.pending_oracles.is_none());

    let mut old_args = old_args;
    old_args.expires_at = fx.bank.now().await + HOUR;
    let res = fx.post(old_args.clone(), &[0, 1]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::ConfigVersionMismatch).await;
    let new_version = PostRootArgs { config_version: 2, ..old_args };
    let res = fx.post(new_version.clone(), &[0, 1]).await;
    assert_post_rejected(&mut fx, res, RewardPoolError::UnknownOracle).await;
    fx.oracles = new_oracles;
    fx.post(new_version, &[0, 2]).await.expect("the new set signs");
}

#[tokio::test]
async fn guardian_or_authority_cancels_a_pending_oracle_set() {
    let mut fx = Fixture::new(HOUR, wide_breaker()).await;
    let pool = fx.pool;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let propose = pool_ix(
        reward_pool::instruction::ProposeOracleSet {
            oracle_set: OracleSetArgs { oracles: vec![Oracle::from_seed(50).pubkey()], threshold: 1 },
        },
        reward_pool::accounts::ProposeOracleSet { pool, authority: authority.pubkey() },
    );
    let cancel = |signer: Pubkey| {
        pool_ix(reward_pool::instruction::CancelOracleSet {}, reward_pool::accounts::CancelOracleSet { pool, signer })
    };
    fx.bank.send(&[propose.clone()], &[&authority]).await.unwrap();
    let stranger = Keypair::new();
    let res = fx.bank.send(&[cancel(stranger.pubkey())], &[&stranger]).await;
    assert_program_error(res, RewardPoolError::NotAuthorityOrGuardian);
    fx.bank.send(&[cancel(guardian.pubkey())], &[&guardian]).await.unwrap();
    assert!(fx.pool().await.pending_oracles.is_none());
    let res = fx.bank.send(&[cancel(guardian.pubkey())], &[&guardian]).await;
    assert_program_error(res, RewardPoolError::NoPendingOracleSet);
    fx.bank.send(&[propose], &[&authority]).await.unwrap();
    fx.bank.send(&[cancel(authority.pubkey())], &[&authority]).await.unwrap();
    assert_eq!(fx.pool().await.config_version, 1, "cancelled sets change nothing");
}

#[tokio::test]
async fn roles_rotate_in_two_steps() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let pool = fx.pool;
    let mut authority = fx.authority.insecure_clone();
    let next = Keypair::new();
    let stranger = Keypair::new();
    for role in [Role::Authority, Role::Guardian] {
        let version = fx.pool().await.config_version;
        let propose = |signer: Pubkey| {
            pool_ix(
                reward_pool::instruction::ProposeRole { role, new_holder: next.pubkey() },
                reward_pool::accounts::ProposeRole { pool, authority: signer },
            )
        };
        let accept = |signer: Pubkey| {
            pool_ix(reward_pool::instruction::AcceptRole { role }, reward_pool::accounts::AcceptRole { pool, new_holder: signer })
        };
        let res = fx.bank.send(&[propose(stranger.pubkey())], &[&stranger]).await;
        assert_program_error(res, RewardPoolError::NotAuthority);
        let res = fx.bank.send(&[accept(next.pubkey())], &[&next]).await;
        assert_program_error(res, RewardPoolError::NotPendingHolder);
        fx.bank.send(&[propose(authority.pubkey())], &[&authority]).await.unwrap();
        let res = fx.bank.send(&[accept(stranger.pubkey())], &[&stranger]).await;
        assert_program_error(res, RewardPoolError::NotPendingHolder);
        fx.bank.send(&[accept(next.pubkey())], &[&next]).await.unwrap();
        let pool = fx.pool().await;
        let holder = match role {
            Role::Authority => pool.authority,
            Role::Guardian => pool.guardian,
        };
        assert_eq!(holder, next.pubkey());
        assert_eq!(pool.config_version, version + 1);
        assert_eq!(pool.pending_authority, Pubkey::default());
        assert_eq!(pool.pending_guardian, Pubkey::default());
        if role == Role::Authority {
            // The old authority can no longer propose.
            let res = fx.bank.send(&[propose(authority.pubkey())], &[&authority]).await;
            assert_program_error(res, RewardPoolError::NotAuthority);
            authority = next.insecure_clone();
        }
    }
}

#[tokio::test]
async fn update_pool_config_is_authority_only_and_bumps_the_version() {
    let mut fx = Fixture::new(0, wide_breaker()).await;
    let pool = fx.pool;
    let authority = fx.authority.insecure_clone();
    let args = UpdatePoolConfigArgs {
        dispute_window_secs: 600,
        breaker: BreakerConfig { window_secs: 10, threshold: Threshold::Absolute(5) },
    };
    let update = |signer: Pubkey, args: UpdatePoolConfigArgs| {
        pool_ix(
            reward_pool::instruction::UpdatePoolConfig { args },
            reward_pool::accounts::UpdatePoolConfig { pool, authority: signer },
        )
    };
    let stranger = Keypair::new();
    let res = fx.bank.send(&[update(stranger.pubkey(), args.clone())], &[&stranger]).await;
    assert_program_error(res, RewardPoolError::NotAuthority);
    let bad = UpdatePoolConfigArgs { dispute_window_secs: -5, ..args.clone() };
    let res = fx.bank.send(&[update(authority.pubkey(), bad)], &[&authority]).await;
    assert_program_error(res, RewardPoolError::InvalidDisputeWindow);
    fx.bank.send(&[update(authority.pubkey(), args.clone())], &[&authority]).await.unwrap();
    let pool = fx.pool().await;
    assert_eq!(pool.dispute_window_secs, 600);
    assert_eq!(pool.breaker.config, args.breaker);
    assert_eq!(pool.config_version, 2);
}
