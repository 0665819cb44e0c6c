//! Every reward-pool builder but the claims' sent to the program in an in-process bank, every
//! reward-pool account decoded, and the root-posting flow of the client. Claims pay a device
//! cNFT's owner, so they run where Bubblegum does: tests/claims.rs.

use fieldproof_tests::{keys, pool_world, world};
use world::{SPL_TOKEN, TIMELOCK_SECS};
use fieldproof_sdk::reward_pool::{self, ClaimRecord, CreatePoolArgs, OracleSetArgs, Pool, PoolConfig, Role};
use fieldproof_sdk::{Pubkey, SdkError};
use pool_world::{breaker, oracle_pubkey, rewards, PoolWorld};
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
    assert_eq!(pool.timelock_secs, TIMELOCK_SECS);
    assert_eq!(pool.network, fieldproof_sdk::device_registry::network_address(&fieldproof_sdk::data_credits::config_address(&w.mint)));
}

#[tokio::test]
async fn a_root_signed_by_too_few_oracles_is_refused_by_name() {
    let w = PoolWorld::new(0).await;
    let tree = rewards(&[(keys::pubkey(), 5)]);
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
    let tree = rewards(&[(keys::pubkey(), 5)]);
    let args = w.root_args(1, &tree, 5).await;
    w.post(args, &[1, 2]).await.unwrap();
    assert_eq!(w.pool().await.pending.expect("pending").root.root, tree.root());

    let version = w.pool().await.config_version;
    w.world.send(&[reward_pool::veto_root(&w.pool, &w.guardian.pubkey())], &[&w.guardian]).await.expect("veto");
    assert!(w.pool().await.pending.is_none());
    assert_eq!(w.pool().await.config_version, version + 1, "the veto voids earlier signatures");

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
async fn a_matured_root_is_activated_by_the_next_post() {
    let w = PoolWorld::new(4).await;
    let tree = rewards(&[(keys::pubkey(), 5)]);
    w.post(w.root_args(1, &tree, 5).await, &[0, 1]).await.unwrap();
    let early = w.root_args(2, &tree, 5).await;
    match w.post(early.clone(), &[0, 1]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!(error.name, "PendingRootInDisputeWindow"),
        other => panic!("expected PendingRootInDisputeWindow, got {other:?}"),
    }
    w.world.advance_clock(5).await;
    w.post(early, &[0, 1]).await.expect("posted once epoch 1 matured");
    let pool = w.pool().await;
    assert_eq!((pool.active.epoch, pool.pending.map(|p| p.root.epoch)), (1, Some(2)));
}

#[tokio::test]
async fn oracle_set_rotation_waits_out_the_time_lock_and_the_guardian_cancels() {
    let w = PoolWorld::new(0).await;
    let new_oracles: Vec<Pubkey> = (0..3).map(|_| keys::pubkey()).collect();
    let propose = |oracles: Vec<Pubkey>| reward_pool::propose_oracle_set(&w.pool, &w.authority.pubkey(), OracleSetArgs { oracles, threshold: 2 });

    w.world.send(&[propose(new_oracles.clone())], &[&w.authority]).await.expect("propose");
    assert!(w.pool().await.pending_oracles.is_some());
    w.world.send(&[reward_pool::cancel_oracle_set(&w.pool, &w.guardian.pubkey())], &[&w.guardian]).await.expect("cancel");
    assert!(w.pool().await.pending_oracles.is_none());

    let version = w.pool().await.config_version;
    w.world.send(&[propose(new_oracles.clone())], &[&w.authority]).await.expect("propose again");
    let apply = reward_pool::apply_oracle_set(&w.pool, &w.authority.pubkey());
    assert_eq!(refusal(w.world.send(std::slice::from_ref(&apply), &[&w.authority]).await), "OracleSetTimeLocked");
    w.world.advance_clock(TIMELOCK_SECS).await;
    w.world.send(&[apply], &[&w.authority]).await.expect("apply");
    let pool = w.pool().await;
    assert_eq!(pool.oracles.keys(), new_oracles.as_slice());
    assert!(pool.config_version > version);
}

#[tokio::test]
async fn roles_rotate_and_the_configuration_tightens_at_once_or_loosens_through_the_time_lock() {
    let w = PoolWorld::new(0).await;
    let new_guardian = keys::keypair();
    let ix = reward_pool::propose_role(&w.pool, &w.authority.pubkey(), Role::Guardian, new_guardian.pubkey());
    w.world.send(std::slice::from_ref(&ix), &[&w.authority]).await.expect("propose role");
    assert_eq!(w.pool().await.pending_guardian.map(|p| p.guardian), Some(new_guardian.pubkey()));
    w.world.send(&[reward_pool::cancel_role(&w.pool, &w.guardian.pubkey(), Role::Guardian)], &[&w.guardian]).await.expect("the guardian cancels");
    w.world.send(&[ix], &[&w.authority]).await.expect("propose again");
    let accept = reward_pool::accept_role(&w.pool, &new_guardian.pubkey(), Role::Guardian);
    assert_eq!(refusal(w.world.send(std::slice::from_ref(&accept), &[&new_guardian]).await), "TimeLockNotElapsed");
    w.world.advance_clock(TIMELOCK_SECS).await;
    w.world.send(&[accept], &[&new_guardian]).await.expect("accept");
    assert_eq!(w.pool().await.guardian, new_guardian.pubkey());

    let longer = PoolConfig { dispute_window_secs: 42, breaker: breaker() };
    w.world.send(&[reward_pool::tighten_pool_config(&w.pool, &w.authority.pubkey(), longer)], &[&w.authority]).await.expect("tighten");
    assert_eq!(w.pool().await.dispute_window_secs, 42);
    let shorter = PoolConfig { dispute_window_secs: 1, breaker: breaker() };
    let ix = reward_pool::tighten_pool_config(&w.pool, &w.authority.pubkey(), shorter);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "ChangeLoosensSafety");
    w.world.send(&[reward_pool::propose_pool_config(&w.pool, &w.authority.pubkey(), shorter)], &[&w.authority]).await.expect("propose");
    w.world.send(&[reward_pool::cancel_pool_config(&w.pool, &w.authority.pubkey())], &[&w.authority]).await.expect("withdraw");
    w.world.send(&[reward_pool::propose_pool_config(&w.pool, &w.authority.pubkey(), shorter)], &[&w.authority]).await.expect("propose again");
    let apply = reward_pool::apply_pool_config(&w.pool, &w.authority.pubkey());
    assert_eq!(refusal(w.world.send(std::slice::from_ref(&apply), &[&w.authority]).await), "TimeLockNotElapsed");
    w.world.advance_clock(TIMELOCK_SECS).await;
    w.world.send(&[apply], &[&w.authority]).await.expect("apply");
    assert_eq!(w.pool().await.dispute_window_secs, 1);

    w.world.send(&[reward_pool::raise_timelock(&w.pool, &w.authority.pubkey(), TIMELOCK_SECS + 1)], &[&w.authority]).await.expect("raise");
    assert_eq!(w.pool().await.timelock_secs, TIMELOCK_SECS + 1);
}

#[tokio::test]
async fn decoding_the_wrong_account_type_is_a_typed_error() {
    let w = PoolWorld::new(0).await;
    let as_record = w.world.client.account::<ClaimRecord>(&w.pool).await;
    assert!(matches!(as_record, Err(SdkError::AccountDecode { .. })), "{as_record:?}");
    let vault = reward_pool::vault_address(&w.pool);
    assert!(matches!(w.world.client.account::<Pool>(&vault).await, Err(SdkError::WrongAccountOwner { .. })));
    let missing = keys::pubkey();
    assert!(matches!(w.world.client.account::<Pool>(&missing).await, Err(SdkError::AccountNotFound(a)) if a == missing));
}

/// The program's name for the refusal of `result`.
#[track_caller]
fn refusal(result: Result<(), SdkError>) -> &'static str {
    world::refusal(result, "reward_pool")
}

#[tokio::test]
async fn every_instruction_refuses_a_bad_call_by_name() {
    let w = PoolWorld::new(0).await;
    let stranger = keys::keypair();
    let payer = w.world.payer().pubkey();

    let args = CreatePoolArgs {
        id: 8,
        guardian: stranger.pubkey(),
        oracles: vec![stranger.pubkey(), keys::pubkey()],
        threshold: 1,
        dispute_window_secs: 0,
        breaker: breaker(),
        timelock_secs: TIMELOCK_SECS,
    };
    let ix = reward_pool::create_pool(&payer, &stranger.pubkey(), &w.mint, &SPL_TOKEN, args.clone());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotNetworkAuthority");
    let ix = reward_pool::create_pool(&payer, &w.authority.pubkey(), &w.mint, &SPL_TOKEN, args);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "OracleThresholdTooLow");
    assert_eq!(refusal(w.world.send(&[reward_pool::veto_root(&w.pool, &w.guardian.pubkey())], &[&w.guardian]).await), "NoPendingRoot");
    assert_eq!(refusal(w.world.send(&[reward_pool::activate_root(&w.pool)], &[]).await), "NoPendingRoot");

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
    let ix = reward_pool::cancel_role(&w.pool, &w.guardian.pubkey(), Role::Guardian);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.guardian]).await), "NoPendingRole");
    let config = PoolConfig { dispute_window_secs: -1, breaker: breaker() };
    let ix = reward_pool::tighten_pool_config(&w.pool, &w.authority.pubkey(), config);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "InvalidDisputeWindow");
    let ix = reward_pool::propose_pool_config(&w.pool, &stranger.pubkey(), config);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let ix = reward_pool::apply_pool_config(&w.pool, &w.authority.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "NoPendingConfig");
    let ix = reward_pool::cancel_pool_config(&w.pool, &stranger.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthorityOrGuardian");
    let ix = reward_pool::raise_timelock(&w.pool, &w.authority.pubkey(), 1);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "TimeLockNotRaised");
}
