//! Every reward-pool builder sent to the program in an in-process bank, every reward-pool
//! account decoded, and the claim and root-posting flows of the client.
mod bank;

use bank::{World, SPL_TOKEN};
use ed25519_dalek::SigningKey;
use fieldproof_sdk::merkle::{leaf_hash, MerkleTree};
use fieldproof_sdk::reward_pool::{self, ClaimArgs, ClaimRecord, CreatePoolArgs, OracleSetArgs, Pool, PostRootArgs, Role, UpdatePoolConfigArgs};
use fieldproof_sdk::{AccountFilter, BreakerConfig, Chain, Pubkey, SdkError, Threshold};
use solana_keypair::Keypair;
use solana_signer::Signer;

const FUNDING: u64 = 1_000_000;

struct PoolWorld {
    world: World,
    mint: Pubkey,
    pool: Pubkey,
    authority: Keypair,
    guardian: Keypair,
    oracles: Vec<SigningKey>,
}

fn oracle_pubkey(key: &SigningKey) -> Pubkey {
    Pubkey::new_from_array(key.verifying_key().to_bytes())
}

fn breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 86_400, threshold: Threshold::Percent(10_000) }
}

impl PoolWorld {
    async fn new(dispute_window_secs: i64) -> Self {
        let world = World::start().await;
        let mint_authority = Keypair::new();
        let mint = world.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
        let authority = Keypair::new();
        let guardian = Keypair::new();
        let oracles: Vec<SigningKey> = (1..=3).map(|s| SigningKey::from_bytes(&[s; 32])).collect();
        let args = CreatePoolArgs {
            id: 7,
            guardian: guardian.pubkey(),
            oracles: oracles.iter().map(oracle_pubkey).collect(),
            threshold: 2,
            dispute_window_secs,
            breaker: breaker(),
        };
        let ix = reward_pool::create_pool(&world.payer().pubkey(), &authority.pubkey(), &mint, &SPL_TOKEN, args);
        world.send(&[ix], &[&authority]).await.expect("create pool");
        let pool = reward_pool::pool_address(&mint, 7);
        world.mint_tokens(SPL_TOKEN, &mint, &reward_pool::vault_address(&pool), &mint_authority, FUNDING).await;
        Self { world, mint, pool, authority, guardian, oracles }
    }

    async fn pool(&self) -> Pool {
        self.world.client.pool(&self.pool).await.expect("pool decodes")
    }

    async fn root_args(&self, epoch: u64, tree: &MerkleTree, total: u64) -> PostRootArgs {
        PostRootArgs {
            config_version: self.pool().await.config_version,
            epoch,
            root: tree.root(),
            cumulative_total: total,
            leaf_count: tree.leaf_count() as u64,
            content_hash: [epoch as u8; 32],
            expires_at: self.world.clock().await.unix_timestamp + 3_600,
        }
    }

    async fn post(&self, args: PostRootArgs, signers: &[usize]) -> Result<(), SdkError> {
        let signatures: Vec<_> = signers.iter().map(|&i| reward_pool::sign_root(&self.oracles[i], &self.pool, &args)).collect();
        match self.world.client.post_root(&self.world.payer(), &self.pool, args.clone(), &signatures).await {
            Ok(signature) => {
                self.world.record(&signature).await;
                Ok(())
            }
            Err(refused) => {
                self.world.record_refusal(&reward_pool::post_root_with_signatures(&self.pool, args, &signatures), &refused);
                Err(refused)
            }
        }
    }
}

fn rewards(leaves: &[(Pubkey, u64)]) -> MerkleTree {
    MerkleTree::new(leaves.iter().map(|(asset, amount)| leaf_hash(&asset.to_bytes(), *amount)).collect())
}

#[tokio::test]
async fn create_pool_decodes_with_its_arguments() {
    let w = PoolWorld::new(0).await;
    let pool = w.pool().await;
    assert_eq!(pool.mint, w.mint);
    assert_eq!(pool.id, 7);
    assert_eq!(pool.vault, reward_pool::vault_address(&w.pool));
    assert_eq!(pool.authority, w.authority.pubkey());
    assert_eq!(pool.guardian, w.guardian.pubkey());
    assert_eq!(pool.oracles.keys(), w.oracles.iter().map(oracle_pubkey).collect::<Vec<_>>().as_slice());
    assert_eq!(pool.oracles.threshold, 2);
}

#[tokio::test]
async fn root_posting_and_claims_pay_each_asset_once() {
    let w = PoolWorld::new(0).await;
    let owner = Keypair::new();
    let assets: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
    let leaves: Vec<(Pubkey, u64)> = assets.iter().zip([100, 200, 300]).map(|(a, v)| (*a, v)).collect();
    let tree = rewards(&leaves);
    let args = w.root_args(1, &tree, 600).await;
    w.post(args, &[0, 2]).await.expect("post root with 2 of 3 oracles");
    assert_eq!(w.pool().await.active.root, tree.root());

    let payer = w.world.payer();
    let (paid, _) = w.world.client.claim(&payer, &owner, &w.pool, assets[1], 200, tree.proof(1).unwrap()).await.expect("claim");
    assert_eq!(paid, 200);
    let ata = anchor_spl::associated_token::get_associated_token_address(&owner.pubkey(), &w.mint);
    assert_eq!(w.world.token_balance(ata).await, 200);

    let record: ClaimRecord = w.world.client.claim_record(&w.pool, &assets[1]).await.unwrap().expect("claim record");
    assert_eq!((record.pool, record.asset, record.claimed), (w.pool, assets[1], 200));

    // The client refuses locally what the program would refuse, before any fee is paid.
    let again = w.world.client.claim(&payer, &owner, &w.pool, assets[1], 200, tree.proof(1).unwrap()).await;
    assert!(matches!(again, Err(SdkError::NothingToClaim { claimed: 200, .. })), "{again:?}");
    let forged = w.world.client.claim(&payer, &owner, &w.pool, assets[1], 201, tree.proof(1).unwrap()).await;
    assert!(matches!(forged, Err(SdkError::InvalidProof { cumulative_amount: 201, .. })), "{forged:?}");

    // Sent anyway, the program's refusal comes back by name.
    let raw = reward_pool::claim(
        reward_pool::ClaimAccounts { payer: payer.pubkey(), owner: owner.pubkey(), pool: w.pool, mint: w.mint, recipient: ata, token_program: SPL_TOKEN },
        ClaimArgs { asset: assets[1], cumulative_amount: 200, proof: tree.proof(1).unwrap() },
    );
    match w.world.send(&[raw], &[&owner]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("reward_pool", "NothingToClaim")),
        other => panic!("expected NothingToClaim, got {other:?}"),
    }

    // A second epoch raises one asset's cumulative amount: only the difference is paid.
    let leaves2 = vec![leaves[0], (assets[1], 250), leaves[2]];
    let tree2 = rewards(&leaves2);
    let args2 = w.root_args(2, &tree2, 650).await;
    w.post(args2, &[0, 1]).await.expect("post epoch 2");
    let (paid, _) = w.world.client.claim(&payer, &owner, &w.pool, assets[1], 250, tree2.proof(1).unwrap()).await.unwrap();
    assert_eq!(paid, 50);
    assert_eq!(w.world.token_balance(ata).await, 250);
    assert_eq!(w.pool().await.total_claimed, 250);
}

#[tokio::test]
async fn a_root_signed_by_too_few_oracles_is_refused_by_name() {
    let w = PoolWorld::new(0).await;
    let tree = rewards(&[(Pubkey::new_unique(), 5)]);
    let args = w.root_args(1, &tree, 5).await;
    match w.post(args, &[0]).await {
        Err(SdkError::Program { instruction, error }) => {
            assert_eq!(error.name, "InsufficientSignatures");
            assert_eq!(instruction, 1, "post_root follows the precompile instruction");
        }
        other => panic!("expected InsufficientSignatures, got {other:?}"),
    }
}

#[tokio::test]
async fn pending_roots_activate_after_the_window_or_are_vetoed() {
    // Short enough to wait out on a node (FIELDPROOF_RPC_URL), long enough to still be open
    // when the early activation is tried.
    let w = PoolWorld::new(8).await;
    let tree = rewards(&[(Pubkey::new_unique(), 5)]);
    let args = w.root_args(1, &tree, 5).await;
    w.post(args, &[1, 2]).await.unwrap();
    assert_eq!(w.pool().await.pending.expect("pending").root.root, tree.root());

    w.world.send(&[reward_pool::veto_root(&w.pool, &w.guardian.pubkey())], &[&w.guardian]).await.expect("veto");
    assert!(w.pool().await.pending.is_none());

    let args = w.root_args(2, &tree, 5).await;
    w.post(args, &[0, 1]).await.unwrap();
    match w.world.send(&[reward_pool::activate_root(&w.pool)], &[]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!(error.name, "DisputeWindowOpen"),
        other => panic!("expected DisputeWindowOpen, got {other:?}"),
    }
    w.world.advance_clock(9).await;
    w.world.send(&[reward_pool::activate_root(&w.pool)], &[]).await.expect("activate");
    assert_eq!(w.pool().await.active.epoch, 2);
}

#[tokio::test]
async fn set_destination_redirects_claims() {
    let w = PoolWorld::new(0).await;
    let owner = Keypair::new();
    let asset = Pubkey::new_unique();
    let destination = w.world.create_token_account(SPL_TOKEN, &w.mint, &Pubkey::new_unique()).await;
    let ix = reward_pool::set_destination(&w.world.payer().pubkey(), &owner.pubkey(), &w.pool, asset, destination);
    w.world.send(&[ix], &[&owner]).await.expect("set destination");
    assert_eq!(w.world.client.claim_record(&w.pool, &asset).await.unwrap().unwrap().destination, destination);

    let tree = rewards(&[(asset, 40)]);
    let args = w.root_args(1, &tree, 40).await;
    w.post(args, &[0, 1]).await.unwrap();
    let prepared = w.world.client.prepare_claim(&w.world.payer().pubkey(), &owner.pubkey(), &w.pool, asset, 40, tree.proof(0).unwrap()).await.unwrap();
    assert_eq!(prepared.recipient, destination);
    assert_eq!(prepared.instructions.len(), 1, "no token account to create");
    w.world.send(&prepared.instructions, &[&owner]).await.unwrap();
    assert_eq!(w.world.token_balance(destination).await, 40);
}

#[tokio::test]
async fn oracle_set_rotation_and_cancellation() {
    let w = PoolWorld::new(0).await;
    let new_oracles: Vec<Pubkey> = (0..2).map(|_| Pubkey::new_unique()).collect();
    let propose = |oracles: Vec<Pubkey>| reward_pool::propose_oracle_set(&w.pool, &w.authority.pubkey(), OracleSetArgs { oracles, threshold: 1 });

    w.world.send(&[propose(new_oracles.clone())], &[&w.authority]).await.expect("propose");
    assert!(w.pool().await.pending_oracles.is_some());
    w.world.send(&[reward_pool::cancel_oracle_set(&w.pool, &w.guardian.pubkey())], &[&w.guardian]).await.expect("cancel");
    assert!(w.pool().await.pending_oracles.is_none());

    let version = w.pool().await.config_version;
    w.world.send(&[propose(new_oracles.clone())], &[&w.authority]).await.expect("propose again");
    w.world.send(&[reward_pool::apply_oracle_set(&w.pool, &w.authority.pubkey())], &[&w.authority]).await.expect("apply");
    let pool = w.pool().await;
    assert_eq!(pool.oracles.keys(), new_oracles.as_slice());
    assert!(pool.config_version > version);
}

#[tokio::test]
async fn roles_rotate_in_two_steps_and_config_updates() {
    let w = PoolWorld::new(0).await;
    let new_guardian = Keypair::new();
    let ix = reward_pool::propose_role(&w.pool, &w.authority.pubkey(), Role::Guardian, new_guardian.pubkey());
    w.world.send(&[ix], &[&w.authority]).await.expect("propose role");
    assert_eq!(w.pool().await.pending_guardian, new_guardian.pubkey());
    w.world.send(&[reward_pool::accept_role(&w.pool, &new_guardian.pubkey(), Role::Guardian)], &[&new_guardian]).await.expect("accept");
    assert_eq!(w.pool().await.guardian, new_guardian.pubkey());

    let args = UpdatePoolConfigArgs { dispute_window_secs: 42, breaker: breaker() };
    w.world.send(&[reward_pool::update_pool_config(&w.pool, &w.authority.pubkey(), args.clone())], &[&w.authority]).await.expect("update");
    assert_eq!(w.pool().await.dispute_window_secs, 42);

    let intruder = Keypair::new();
    match w.world.send(&[reward_pool::update_pool_config(&w.pool, &intruder.pubkey(), args)], &[&intruder]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!(error.name, "NotAuthority"),
        other => panic!("expected NotAuthority, got {other:?}"),
    }
}

#[tokio::test]
async fn claim_records_are_found_by_program_account_queries() {
    let w = PoolWorld::new(0).await;
    let owner = Keypair::new();
    let assets: Vec<Pubkey> = (0..2).map(|_| Pubkey::new_unique()).collect();
    let leaves: Vec<(Pubkey, u64)> = assets.iter().map(|a| (*a, 10)).collect();
    let tree = rewards(&leaves);
    let args = w.root_args(1, &tree, 20).await;
    w.post(args, &[0, 1]).await.unwrap();
    for (i, asset) in assets.iter().enumerate() {
        w.world.client.claim(&w.world.payer(), &owner, &w.pool, *asset, 10, tree.proof(i).unwrap()).await.unwrap();
    }
    // ClaimRecord: discriminator (8) then pool.
    let filters = [AccountFilter::Memcmp { offset: 8, bytes: w.pool.to_bytes().to_vec() }];
    let found = w.world.client.chain().get_program_accounts(&reward_pool::ID, &filters).await.unwrap();
    let mut found: Vec<Pubkey> = found.into_iter().map(|(address, _)| address).collect();
    let mut expected: Vec<Pubkey> = assets.iter().map(|a| reward_pool::claim_record_address(&w.pool, a)).collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn decoding_the_wrong_account_type_is_a_typed_error() {
    let w = PoolWorld::new(0).await;
    let as_record = w.world.client.account::<ClaimRecord>(&w.pool).await;
    assert!(matches!(as_record, Err(SdkError::AccountDecode { .. })), "{as_record:?}");
    let vault = reward_pool::vault_address(&w.pool);
    assert!(matches!(w.world.client.account::<Pool>(&vault).await, Err(SdkError::WrongAccountOwner { .. })));
    let missing = Pubkey::new_unique();
    assert!(matches!(w.world.client.account::<Pool>(&missing).await, Err(SdkError::AccountNotFound(a)) if a == missing));
}

#[tokio::test]
async fn claim_all_packs_claims_into_few_transactions_under_the_size_limit() {
    use fieldproof_sdk::{transaction_size, RewardLeaf, MAX_TRANSACTION_BYTES};
    let w = PoolWorld::new(0).await;
    let owner = Keypair::new();
    let payer = w.world.payer();
    // 8 leaves: proofs of 3 hashes, small enough for several claims per transaction.
    let leaves: Vec<(Pubkey, u64)> = (0..8).map(|i| (Pubkey::new_unique(), 10 + i)).collect();
    let tree = rewards(&leaves);
    let total: u64 = leaves.iter().map(|(_, v)| v).sum();
    let args = w.root_args(1, &tree, total).await;
    w.post(args, &[0, 1]).await.unwrap();
    let reward_leaves: Vec<RewardLeaf> = leaves
        .iter()
        .enumerate()
        .map(|(i, (asset, amount))| RewardLeaf { asset: *asset, cumulative_amount: *amount, proof: tree.proof(i).unwrap() })
        .collect();

    // Claims sharing payer, owner, pool, vault, mint and recipient: count how many fit one
    // transaction, to know the batching the client must reach.
    let claim_ix = |leaf: &RewardLeaf| {
        let recipient = anchor_spl::associated_token::get_associated_token_address(&owner.pubkey(), &w.mint);
        reward_pool::claim(
            reward_pool::ClaimAccounts { payer: payer.pubkey(), owner: owner.pubkey(), pool: w.pool, mint: w.mint, recipient, token_program: SPL_TOKEN },
            ClaimArgs { asset: leaf.asset, cumulative_amount: leaf.cumulative_amount, proof: leaf.proof.clone() },
        )
    };
    let per_transaction = (1..=reward_leaves.len())
        .take_while(|&n| transaction_size(&reward_leaves[..n].iter().map(claim_ix).collect::<Vec<_>>(), &payer.pubkey()) <= MAX_TRANSACTION_BYTES)
        .last()
        .unwrap();
    assert!(per_transaction > 1 && per_transaction < 8, "the test needs more than one transaction of several claims: {per_transaction}");

    let summary = w.world.client.claim_all(&payer, &owner, &w.pool, &reward_leaves).await.expect("claim all");
    assert_eq!(summary.paid, total);
    assert_eq!(summary.claimed.len(), 8);
    // The first transaction also creates the owner's token account, so allow one more.
    let ceiling = reward_leaves.len().div_ceil(per_transaction);
    assert!(summary.transactions.len() == ceiling || summary.transactions.len() == ceiling + 1, "{} transactions for {ceiling}", summary.transactions.len());
    let ata = anchor_spl::associated_token::get_associated_token_address(&owner.pubkey(), &w.mint);
    assert_eq!(w.world.token_balance(ata).await, total);

    // Run again: everything is paid, nothing is sent.
    let again = w.world.client.claim_all(&payer, &owner, &w.pool, &reward_leaves).await.unwrap();
    assert_eq!((again.paid, again.transactions.len(), again.nothing_to_claim.len()), (0, 0, 8));
}

/// The program's name for the refusal of `result`.
#[track_caller]
fn refusal(result: Result<(), SdkError>) -> &'static str {
    bank::refusal(result, "reward_pool")
}

#[tokio::test]
async fn every_instruction_refuses_a_bad_call_by_name() {
    let w = PoolWorld::new(0).await;
    let stranger = Keypair::new();
    let payer = w.world.payer().pubkey();

    let args = CreatePoolArgs { id: 8, guardian: stranger.pubkey(), oracles: vec![stranger.pubkey()], threshold: 0, dispute_window_secs: 0, breaker: breaker() };
    let ix = reward_pool::create_pool(&payer, &stranger.pubkey(), &w.mint, &SPL_TOKEN, args);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "InvalidOracleSet");
    assert_eq!(refusal(w.world.send(&[reward_pool::veto_root(&w.pool, &w.guardian.pubkey())], &[&w.guardian]).await), "NoPendingRoot");

    // A claim the client would not build: the program refuses an amount its leaf does not hold.
    let asset = Pubkey::new_unique();
    let tree = rewards(&[(asset, 10), (Pubkey::new_unique(), 20)]);
    let args = w.root_args(1, &tree, 30).await;
    w.post(args, &[0, 1]).await.expect("post");
    let recipient = w.world.create_token_account(SPL_TOKEN, &w.mint, &stranger.pubkey()).await;
    let accounts = reward_pool::ClaimAccounts { payer, owner: stranger.pubkey(), pool: w.pool, mint: w.mint, recipient, token_program: SPL_TOKEN };
    let ix = reward_pool::claim(accounts, ClaimArgs { asset, cumulative_amount: 11, proof: tree.proof(0).unwrap() });
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "InvalidProof");

    let oracle_set = OracleSetArgs { oracles: vec![stranger.pubkey()], threshold: 1 };
    let ix = reward_pool::propose_oracle_set(&w.pool, &stranger.pubkey(), oracle_set);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let ix = reward_pool::apply_oracle_set(&w.pool, &w.authority.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "NoPendingOracleSet");
    let ix = reward_pool::cancel_oracle_set(&w.pool, &stranger.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthorityOrGuardian");
    let ix = reward_pool::propose_role(&w.pool, &stranger.pubkey(), Role::Guardian, stranger.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let ix = reward_pool::accept_role(&w.pool, &stranger.pubkey(), Role::Guardian);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotPendingHolder");
}
