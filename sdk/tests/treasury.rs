//! Every treasury builder sent to the program in an in-process bank, and the treasury account
//! decoded.

use fieldproof_tests::{keys, world};
use world::{dc_args, World, SPL_TOKEN, TIMELOCK_SECS};
use fieldproof_sdk::data_credits::{self, PriceSource};
use fieldproof_sdk::treasury::{self, InitializeArgs, Params, Recipient, Role, Schedule, Treasury};
use fieldproof_sdk::{BreakerConfig, Pubkey, SdkError, Threshold};
use solana_keypair::Keypair;
use solana_signer::Signer;

// Short enough to wait out on a node (FIELDPROOF_RPC_URL).
const EPOCH_SECS: i64 = 6;

struct TreasuryWorld {
    world: World,
    mint: Pubkey,
    authority: Keypair,
    guardian: Keypair,
    recipients: Vec<Pubkey>,
    params: Params,
}

impl TreasuryWorld {
    async fn new() -> Self {
        let world = World::start().await;
        let mint_authority = keys::keypair();
        let mint = world.create_mint(SPL_TOKEN, &mint_authority.pubkey(), 6).await;
        let mut recipients = Vec::new();
        for _ in 0..2 {
            recipients.push(world.create_token_account(SPL_TOKEN, &mint, &keys::pubkey()).await);
        }
        // The data-credits config first, with the treasury's epochs, while the mint authority
        // can still create it.
        let start_ts = world.clock().await.unix_timestamp;
        let dc_config = world.create_network_of(&mint, &mint_authority, dc_args(PriceSource::Pyth { feed_id: [7; 32] }, start_ts, EPOCH_SECS)).await;
        let params = Params {
            schedule: Schedule {
                start_ts,
                epoch_length_secs: EPOCH_SECS,
                initial_emission: 1_000,
                halving_interval_epochs: 0,
                max_supply: u64::MAX,
            },
            recipients: recipients.iter().map(|r| Recipient { token_account: *r, weight: 1, category: 0 }).collect(),
            usage_bps: 0,
            dc_config,
            breaker: BreakerConfig { window_secs: 1, threshold: Threshold::Absolute(u64::MAX) },
            timelock_secs: TIMELOCK_SECS,
        };
        let authority = keys::keypair();
        let guardian = keys::keypair();
        let args = InitializeArgs { authority: authority.pubkey(), guardian: guardian.pubkey(), params: params.clone() };
        let ix = treasury::initialize(&world.payer().pubkey(), &mint_authority.pubkey(), &mint, &SPL_TOKEN, args);
        world.send(&[ix], &[&mint_authority]).await.expect("initialize");
        Self { world, mint, authority, guardian, recipients, params }
    }

    async fn treasury(&self) -> Treasury {
        self.world.client.account(&treasury::treasury_address(&self.mint)).await.expect("treasury decodes")
    }
}

#[tokio::test]
async fn initialize_decodes_and_emission_splits_between_recipients() {
    let w = TreasuryWorld::new().await;
    let state = w.treasury().await;
    assert_eq!((state.mint, state.token_program, state.authority), (w.mint, SPL_TOKEN, w.authority.pubkey()));
    assert_eq!(state.params.recipients, w.params.recipients);

    let epoch = state.next_epoch;
    match w.world.send(&[treasury::emit_epoch(&state, epoch)], &[]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("treasury", "EpochNotEnded")),
        other => panic!("expected EpochNotEnded, got {other:?}"),
    }
    w.world.advance_clock(EPOCH_SECS).await;
    w.world.send(&[treasury::emit_epoch(&state, epoch)], &[]).await.expect("emit");
    for recipient in &w.recipients {
        assert_eq!(w.world.token_balance(*recipient).await, 500);
    }
    assert_eq!(w.treasury().await.total_emitted, 1_000);
}

#[tokio::test]
async fn parameter_changes_are_time_locked_and_cancellable() {
    let w = TreasuryWorld::new().await;
    let authority = w.authority.pubkey();
    let changed = Params { usage_bps: 0, timelock_secs: TIMELOCK_SECS * 2, ..w.params.clone() };

    w.world.send(&[treasury::propose_params(&w.mint, &authority, changed.clone())], &[&w.authority]).await.expect("propose");
    assert!(w.treasury().await.pending_params.is_some());
    w.world.send(&[treasury::cancel_params(&w.mint, &w.guardian.pubkey())], &[&w.guardian]).await.expect("the guardian cancels");
    assert!(w.treasury().await.pending_params.is_none());

    w.world.send(&[treasury::propose_params(&w.mint, &authority, changed)], &[&w.authority]).await.expect("propose again");
    match w.world.send(&[treasury::apply_params(&w.mint, &authority)], &[&w.authority]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!(error.name, "TimeLockNotElapsed"),
        other => panic!("expected TimeLockNotElapsed, got {other:?}"),
    }
    w.world.advance_clock(TIMELOCK_SECS).await;
    w.world.send(&[treasury::apply_params(&w.mint, &authority)], &[&w.authority]).await.expect("apply");
    assert_eq!(w.treasury().await.params.timelock_secs, TIMELOCK_SECS * 2);
}

#[tokio::test]
async fn roles_rotate_in_two_steps() {
    let w = TreasuryWorld::new().await;
    let next = keys::keypair();
    w.world.send(&[treasury::propose_role(&w.mint, &w.authority.pubkey(), Role::Authority, next.pubkey())], &[&w.authority]).await.expect("propose");
    assert_eq!(w.treasury().await.pending_authority, next.pubkey());
    w.world.send(&[treasury::accept_role(&w.mint, &next.pubkey(), Role::Authority)], &[&next]).await.expect("accept");
    assert_eq!(w.treasury().await.authority, next.pubkey());

    // The guardian cancels its successor's proposal; proposed again, it waits out the time lock.
    let guardian = keys::keypair();
    let propose = treasury::propose_role(&w.mint, &next.pubkey(), Role::Guardian, guardian.pubkey());
    w.world.send(std::slice::from_ref(&propose), &[&next]).await.expect("propose");
    w.world.send(&[treasury::cancel_role(&w.mint, &w.guardian.pubkey(), Role::Guardian)], &[&w.guardian]).await.expect("the guardian cancels");
    assert_eq!(w.treasury().await.pending_guardian, None);
    w.world.send(&[propose], &[&next]).await.expect("propose again");
    let accept = treasury::accept_role(&w.mint, &guardian.pubkey(), Role::Guardian);
    assert_eq!(refusal(w.world.send(std::slice::from_ref(&accept), &[&guardian]).await), "TimeLockNotElapsed");
    w.world.advance_clock(TIMELOCK_SECS).await;
    w.world.send(&[accept], &[&guardian]).await.expect("accept after the time lock");
    assert_eq!(w.treasury().await.guardian, guardian.pubkey());
}

/// The program's name for the refusal of `result`.
#[track_caller]
fn refusal(result: Result<(), SdkError>) -> &'static str {
    world::refusal(result, "treasury")
}

#[tokio::test]
async fn every_instruction_refuses_a_bad_call_by_name() {
    let w = TreasuryWorld::new().await;
    let stranger = keys::keypair();

    // Only the mint's current mint authority hands the mint to a treasury.
    let someone_elses = w.world.create_mint(SPL_TOKEN, &keys::keypair().pubkey(), 6).await;
    let args = InitializeArgs { authority: stranger.pubkey(), guardian: keys::pubkey(), params: w.params.clone() };
    let ix = treasury::initialize(&w.world.payer().pubkey(), &stranger.pubkey(), &someone_elses, &SPL_TOKEN, args);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotMintAuthority");

    let ix = treasury::propose_params(&w.mint, &stranger.pubkey(), w.params.clone());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let shorter = Params { timelock_secs: TIMELOCK_SECS - 1, ..w.params.clone() };
    let ix = treasury::propose_params(&w.mint, &w.authority.pubkey(), shorter);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "TimeLockDecreased");
    let elsewhere = Params { dc_config: data_credits::config_address(&someone_elses), ..w.params.clone() };
    let ix = treasury::propose_params(&w.mint, &w.authority.pubkey(), elsewhere);
    assert!(w.world.send(&[ix], &[&w.authority]).await.is_err(), "a data-credits config that does not exist");
    let ix = treasury::apply_params(&w.mint, &w.authority.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "NoPendingChange");
    let ix = treasury::cancel_params(&w.mint, &w.authority.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "NoPendingChange");
    let ix = treasury::cancel_params(&w.mint, &stranger.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthorityOrGuardian");
    let ix = treasury::propose_role(&w.mint, &stranger.pubkey(), Role::Authority, stranger.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let ix = treasury::accept_role(&w.mint, &stranger.pubkey(), Role::Authority);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotPendingHolder");
    let ix = treasury::cancel_role(&w.mint, &w.guardian.pubkey(), Role::Guardian);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.guardian]).await), "NoPendingRole");
}
