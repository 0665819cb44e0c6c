//! Every reward-pool builder but the claims' sent to the program in an in-process bank, every
//! reward-pool account decoded, and the root-posting flow of the client. Claims pay a device
//! cNFT's owner, so they run where Bubblegum does: tests/claims.rs.
mod bank;
mod pool;

use bank::SPL_TOKEN;
use fieldproof_sdk::reward_pool::{self, ClaimRecord, CreatePoolArgs, OracleSetArgs, Pool, Role, UpdatePoolConfigArgs};
use fieldproof_sdk::{Pubkey, SdkError};
use pool::{breaker, oracle_pubkey, rewards, PoolWorld};
use solana_keypair::Keypair;
use solana_signer::Signer;

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

    // All three oracles sign this one: the compute-unit budget of post_root is for three.
    let args = w.root_args(2, &tree, 5).await;
    w.post(args, &[0, 1, 2]).await.unwrap();
    match w.world.send(&[reward_pool::activate_root(&w.pool)], &[]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!(error.name, "DisputeWindowOpen"),
        other => panic!("expected DisputeWindowOpen, got {other:?}"),
    }
    w.world.advance_clock(9).await;
    w.world.send(&[reward_pool::activate_root(&w.pool)], &[]).await.expect("activate");
    assert_eq!(w.pool().await.active.epoch, 2);
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
async fn decoding_the_wrong_account_type_is_a_typed_error() {
    let w = PoolWorld::new(0).await;
    let as_record = w.world.client.account::<ClaimRecord>(&w.pool).await;
    assert!(matches!(as_record, Err(SdkError::AccountDecode { .. })), "{as_record:?}");
    let vault = reward_pool::vault_address(&w.pool);
    assert!(matches!(w.world.client.account::<Pool>(&vault).await, Err(SdkError::WrongAccountOwner { .. })));
    let missing = Pubkey::new_unique();
    assert!(matches!(w.world.client.account::<Pool>(&missing).await, Err(SdkError::AccountNotFound(a)) if a == missing));
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

    // Claims and destinations need device cNFTs: tests/claims.rs refuses them by name.
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
