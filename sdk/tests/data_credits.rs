//! Every data-credits builder sent to the program in an in-process bank, and every
//! data-credits account decoded.

use fieldproof_tests::{keys, world};
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use world::{World, SPL_TOKEN, TIMELOCK_SECS, TOKEN_2022};
use fieldproof_sdk::data_credits::{
    self, DataCreditsConfig, DelegatedEscrow, EpochBurns, InitializeArgs, InitializePriceOracleArgs, MintDataCreditsAccounts, PriceOracle,
    PriceSource, Role, Settings,
};
use fieldproof_sdk::{BreakerConfig, Pubkey, SdkError, Threshold};
use solana_keypair::Keypair;
use solana_signer::Signer;

const TOKEN: u64 = 1_000_000;

fn breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 3_600, threshold: Threshold::Absolute(u64::MAX) }
}

struct DcWorld {
    world: World,
    network_mint: Pubkey,
    config: Pubkey,
    dc_mint: Pubkey,
    /// The network token's mint authority, which creates and governs the config.
    authority: Keypair,
    guardian: Keypair,
    burn_authority: Keypair,
    submitter: Keypair,
    /// The payer's network-token and DC accounts.
    network_source: Pubkey,
    dc_account: Pubkey,
}

impl DcWorld {
    /// A network whose DC price comes from the quorum price account, with one submitted price
    /// and the payer holding network tokens and a DC account; burn epochs of a day.
    async fn new() -> Self {
        Self::with_epochs(86_400).await
    }

    /// [`DcWorld::new`] with burn epochs of `epoch_length_secs`.
    async fn with_epochs(epoch_length_secs: i64) -> Self {
        let world = World::start().await;
        let payer = world.payer().pubkey();
        let network_authority = keys::keypair();
        let network_mint = world.create_mint(SPL_TOKEN, &network_authority.pubkey(), 6).await;
        let network_source = world.create_token_account(SPL_TOKEN, &network_mint, &payer).await;
        world.mint_tokens(SPL_TOKEN, &network_mint, &network_source, &network_authority, 100 * TOKEN).await;

        let config = data_credits::config_address(&network_mint);
        let dc_mint = data_credits::dc_mint_address(&config);
        let authority = network_authority;
        let guardian = keys::keypair();
        let burn_authority = keys::keypair();
        let args = InitializeArgs {
            burn_authority: burn_authority.pubkey(),
            guardian: guardian.pubkey(),
            timelock_secs: TIMELOCK_SECS,
            price_source: PriceSource::Quorum { oracle: data_credits::price_oracle_address(&config) },
            max_price_staleness_secs: 60,
            epoch_start: world.clock().await.unix_timestamp,
            epoch_length_secs,
            breaker: breaker(),
        };
        world.send(&[data_credits::initialize(&payer, &authority.pubkey(), &network_mint, args)], &[&authority]).await.expect("initialize");

        let submitter = keys::keypair();
        let oracle_args = InitializePriceOracleArgs { submitters: vec![submitter.pubkey()], min_submissions: 1, expo: -8 };
        let ix = data_credits::initialize_price_oracle(&payer, &authority.pubkey(), &config, oracle_args);
        world.send(&[ix], &[&authority]).await.expect("initialize price oracle");
        world.send(&[data_credits::submit_price(&submitter.pubkey(), &config, 150_000_000)], &[&submitter]).await.expect("submit price");

        world.send(&[create_associated_token_account_idempotent(&payer, &payer, &dc_mint, &TOKEN_2022)], &[]).await.expect("DC account");
        let dc_account = anchor_spl::associated_token::get_associated_token_address_with_program_id(&payer, &dc_mint, &TOKEN_2022);
        Self { world, network_mint, config, dc_mint, authority, guardian, burn_authority, submitter, network_source, dc_account }
    }

    async fn config(&self) -> DataCreditsConfig {
        self.world.client.account(&self.config).await.expect("config decodes")
    }

    async fn mint_dc(&self, network_amount: u64) -> Result<(), SdkError> {
        let accounts = MintDataCreditsAccounts {
            payer: self.world.payer().pubkey(),
            network_mint: self.network_mint,
            network_token_program: SPL_TOKEN,
            price_account: data_credits::price_oracle_address(&self.config),
            source: self.network_source,
            recipient: self.dc_account,
        };
        self.world.send(&[data_credits::mint_data_credits(accounts, network_amount)], &[]).await
    }
}

#[tokio::test]
async fn configuration_and_price_oracle_decode() {
    let w = DcWorld::new().await;
    let config = w.config().await;
    assert_eq!((config.authority, config.burn_authority), (w.authority.pubkey(), w.burn_authority.pubkey()));
    assert_eq!((config.network_mint, config.dc_mint), (w.network_mint, w.dc_mint));

    let oracle: PriceOracle = w.world.client.account(&data_credits::price_oracle_address(&w.config)).await.unwrap();
    assert_eq!(oracle.config, w.config);
    assert_eq!(oracle.submissions[0].price, 150_000_000);

    let others = vec![keys::keypair().pubkey(), w.submitter.pubkey()];
    let ix = data_credits::propose_price_submitters(&w.authority.pubkey(), &w.config, others.clone(), 2);
    w.world.send(std::slice::from_ref(&ix), &[&w.authority]).await.expect("propose submitters");
    let cancel = data_credits::cancel_price_submitters(&w.guardian.pubkey(), &w.config);
    w.world.send(&[cancel], &[&w.guardian]).await.expect("the guardian cancels");
    w.world.send(&[ix], &[&w.authority]).await.expect("propose again");
    let apply = data_credits::apply_price_submitters(&w.authority.pubkey(), &w.config);
    assert_eq!(refusal(w.world.send(std::slice::from_ref(&apply), &[&w.authority]).await), "TimeLockNotElapsed");
    w.world.advance_clock(TIMELOCK_SECS).await;
    w.world.send(&[apply], &[&w.authority]).await.expect("apply submitters");
    let oracle: PriceOracle = w.world.client.account(&data_credits::price_oracle_address(&w.config)).await.unwrap();
    assert_eq!(&oracle.submitters[..2], others.as_slice());
    assert_eq!(oracle.min_submissions, 2);
}

#[tokio::test]
async fn minting_fee_burns_and_delegated_usage_burns() {
    let w = DcWorld::new().await;
    w.mint_dc(TOKEN).await.expect("mint DC");
    let minted = w.world.token_balance(w.dc_account).await;
    assert!(minted > 0);
    assert_eq!(w.world.token_balance(w.network_source).await, 99 * TOKEN);

    let payer = w.world.payer();
    w.world.send(&[data_credits::burn_fee(&payer.pubkey(), &payer.pubkey(), &w.config, &w.dc_account, 10, 0)], &[]).await.expect("burn fee");
    let burns: EpochBurns = w.world.client.account(&data_credits::epoch_burns_address(&w.config, 0)).await.unwrap();
    assert_eq!(burns.fees, 10);

    let router = keys::pubkey();
    w.world.send(&[data_credits::delegate_data_credits(&payer.pubkey(), &w.config, &w.dc_account, 100, router)], &[]).await.expect("delegate");
    let escrow_address = data_credits::escrow_address(&w.config, &payer.pubkey(), &router);
    let escrow: DelegatedEscrow = w.world.client.account(&escrow_address).await.unwrap();
    assert_eq!((escrow.payer, escrow.router), (payer.pubkey(), router));
    assert_eq!(w.world.token_balance(data_credits::escrow_dc_account_address(&escrow_address, &w.dc_mint)).await, 100);

    let burn = data_credits::burn_delegated(&payer.pubkey(), &w.burn_authority.pubkey(), &w.config, &escrow_address, 30, 1, 0);
    w.world.send(&[burn], &[&w.burn_authority]).await.expect("burn delegated");
    let burns: EpochBurns = w.world.client.account(&data_credits::epoch_burns_address(&w.config, 0)).await.unwrap();
    assert_eq!(burns.usage_by_category[1], 30);
    assert_eq!(w.world.token_balance(data_credits::escrow_dc_account_address(&escrow_address, &w.dc_mint)).await, 70);

    let too_much = data_credits::burn_delegated(&payer.pubkey(), &w.burn_authority.pubkey(), &w.config, &escrow_address, 71, 1, 0);
    match w.world.send(&[too_much], &[&w.burn_authority]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("data_credits", "InsufficientEscrow")),
        other => panic!("expected InsufficientEscrow, got {other:?}"),
    }
}

#[tokio::test]
async fn settings_tighten_at_once_or_loosen_through_the_time_lock_and_roles_rotate() {
    let w = DcWorld::new().await;
    let quorum = PriceSource::Quorum { oracle: data_credits::price_oracle_address(&w.config) };
    let tighter = Settings { price_source: quorum, max_price_staleness_secs: 30, breaker: breaker() };
    w.world.send(&[data_credits::tighten_config(&w.config, &w.authority.pubkey(), tighter)], &[&w.authority]).await.expect("tighten");
    assert_eq!(w.config().await.max_price_staleness_secs, 30);

    let looser = Settings { max_price_staleness_secs: 120, ..tighter };
    let ix = data_credits::tighten_config(&w.config, &w.authority.pubkey(), looser);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "ChangeLoosensSafety");
    w.world.send(&[data_credits::propose_config(&w.config, &w.authority.pubkey(), looser)], &[&w.authority]).await.expect("propose");
    w.world.send(&[data_credits::cancel_config(&w.config, &w.guardian.pubkey())], &[&w.guardian]).await.expect("the guardian cancels");
    w.world.send(&[data_credits::propose_config(&w.config, &w.authority.pubkey(), looser)], &[&w.authority]).await.expect("propose again");
    w.world.advance_clock(TIMELOCK_SECS).await;
    w.world.send(&[data_credits::apply_config(&w.config, &w.authority.pubkey())], &[&w.authority]).await.expect("apply");
    assert_eq!(w.config().await.max_price_staleness_secs, 120);
    w.world.send(&[data_credits::raise_timelock(&w.config, &w.authority.pubkey(), TIMELOCK_SECS + 1)], &[&w.authority]).await.expect("raise");
    assert_eq!(w.config().await.timelock_secs, TIMELOCK_SECS + 1);

    // The guardian cancels a new burn authority; proposed again, it waits out the time lock.
    let next = keys::keypair();
    let ix = data_credits::propose_role(&w.config, &w.authority.pubkey(), Role::BurnAuthority, next.pubkey());
    w.world.send(std::slice::from_ref(&ix), &[&w.authority]).await.expect("propose");
    let cancel = data_credits::cancel_role(&w.config, &w.guardian.pubkey(), Role::BurnAuthority);
    w.world.send(&[cancel], &[&w.guardian]).await.expect("the guardian cancels");
    assert_eq!(w.config().await.pending_burn_authority, None);
    w.world.send(&[ix], &[&w.authority]).await.expect("propose again");
    let accept = data_credits::accept_role(&w.config, &next.pubkey(), Role::BurnAuthority);
    assert_eq!(refusal(w.world.send(std::slice::from_ref(&accept), &[&next]).await), "TimeLockNotElapsed");
    w.world.advance_clock(TIMELOCK_SECS + 1).await;
    w.world.send(&[accept], &[&next]).await.expect("accept");
    assert_eq!(w.config().await.burn_authority, next.pubkey());
}

#[tokio::test]
async fn a_payer_takes_back_what_is_left_after_the_notice() {
    // Burn epochs of three seconds: the notice of two epochs is waited out on a node too.
    const EPOCH_SECS: i64 = 3;
    let w = DcWorld::with_epochs(EPOCH_SECS).await;
    w.mint_dc(TOKEN).await.expect("mint DC");
    let payer = w.world.payer();
    let router = keys::pubkey();
    w.world.send(&[data_credits::delegate_data_credits(&payer.pubkey(), &w.config, &w.dc_account, 100, router)], &[]).await.expect("delegate");
    let before = w.world.token_balance(w.dc_account).await;
    let withdraw = data_credits::withdraw_delegated(&payer.pubkey(), &w.config, router, &w.dc_account);
    assert_eq!(refusal(w.world.send(std::slice::from_ref(&withdraw), &[]).await), "WithdrawalNotDue");
    w.world.send(&[data_credits::request_withdrawal(&payer.pubkey(), &w.config, router)], &[]).await.expect("request");
    let escrow: DelegatedEscrow = w.world.client.account(&data_credits::escrow_address(&w.config, &payer.pubkey(), &router)).await.unwrap();
    let notice = data_credits::WITHDRAWAL_NOTICE_EPOCHS * EPOCH_SECS;
    let left = escrow.withdrawable_at - w.world.clock().await.unix_timestamp;
    assert!((1..=notice).contains(&left), "the notice is two burn epochs from the request: {left} s left");
    w.world.advance_clock(notice + 1).await;
    w.world.send(&[withdraw], &[]).await.expect("withdraw");
    assert_eq!(w.world.token_balance(w.dc_account).await, before + 100);
    let escrow: DelegatedEscrow = w.world.client.account(&data_credits::escrow_address(&w.config, &payer.pubkey(), &router)).await.unwrap();
    assert_eq!((escrow.withdrawable_at, escrow.withdrawn), (0, 100));
}

/// The program's name for the refusal of `result`.
#[track_caller]
fn refusal(result: Result<(), SdkError>) -> &'static str {
    world::refusal(result, "data_credits")
}

#[tokio::test]
async fn every_instruction_refuses_a_bad_call_by_name() {
    let w = DcWorld::new().await;
    let payer = w.world.payer();
    let stranger = keys::keypair();

    // A second network's configuration: by a stranger, then with a zero-length epoch.
    let other_authority = keys::keypair();
    let other_mint = w.world.create_mint(SPL_TOKEN, &other_authority.pubkey(), 6).await;
    let bad = InitializeArgs {
        burn_authority: stranger.pubkey(),
        guardian: stranger.pubkey(),
        timelock_secs: TIMELOCK_SECS,
        price_source: PriceSource::Quorum { oracle: keys::pubkey() },
        max_price_staleness_secs: 60,
        epoch_start: 0,
        epoch_length_secs: 0,
        breaker: breaker(),
    };
    let ix = data_credits::initialize(&payer.pubkey(), &stranger.pubkey(), &other_mint, bad.clone());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotMintAuthority");
    let ix = data_credits::initialize(&payer.pubkey(), &other_authority.pubkey(), &other_mint, bad.clone());
    assert_eq!(refusal(w.world.send(&[ix], &[&other_authority]).await), "InvalidEpochLength");

    assert_eq!(refusal(w.mint_dc(0).await), "ZeroAmount");
    let ix = data_credits::burn_fee(&payer.pubkey(), &payer.pubkey(), &w.config, &w.dc_account, 0, 0);
    assert_eq!(refusal(w.world.send(&[ix], &[]).await), "ZeroAmount");
    let ix = data_credits::delegate_data_credits(&payer.pubkey(), &w.config, &w.dc_account, 0, keys::pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[]).await), "ZeroAmount");

    // A stranger cannot give a configuration a price oracle, nor configure or feed one.
    let good = InitializeArgs { epoch_length_secs: 86_400, ..bad };
    let ix = data_credits::initialize(&payer.pubkey(), &other_authority.pubkey(), &other_mint, good);
    w.world.send(&[ix], &[&other_authority]).await.expect("a second configuration");
    let oracle_args = InitializePriceOracleArgs { submitters: vec![stranger.pubkey()], min_submissions: 1, expo: -8 };
    let ix = data_credits::initialize_price_oracle(&payer.pubkey(), &stranger.pubkey(), &data_credits::config_address(&other_mint), oracle_args);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let ix = data_credits::propose_price_submitters(&w.authority.pubkey(), &w.config, vec![], 1);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "InvalidSubmitterSet");
    let ix = data_credits::apply_price_submitters(&w.authority.pubkey(), &w.config);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "NoPendingChange");
    let ix = data_credits::cancel_price_submitters(&stranger.pubkey(), &w.config);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthorityOrGuardian");
    let ix = data_credits::submit_price(&stranger.pubkey(), &w.config, 150_000_000);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotSubmitter");

    let settings = Settings {
        price_source: PriceSource::Quorum { oracle: data_credits::price_oracle_address(&w.config) },
        max_price_staleness_secs: 0,
        breaker: breaker(),
    };
    let ix = data_credits::tighten_config(&w.config, &w.authority.pubkey(), settings);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "InvalidStaleness");
    let ix = data_credits::propose_config(&w.config, &stranger.pubkey(), settings);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let ix = data_credits::apply_config(&w.config, &w.authority.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "NoPendingChange");
    let ix = data_credits::cancel_config(&w.config, &stranger.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthorityOrGuardian");
    let ix = data_credits::raise_timelock(&w.config, &w.authority.pubkey(), 1);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "TimeLockNotRaised");
    let ix = data_credits::cancel_role(&w.config, &w.authority.pubkey(), Role::Guardian);
    assert_eq!(refusal(w.world.send(&[ix], &[&w.authority]).await), "NoPendingChange");
    let ix = data_credits::propose_role(&w.config, &stranger.pubkey(), Role::Authority, stranger.pubkey());
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let ix = data_credits::accept_role(&w.config, &stranger.pubkey(), Role::Authority);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotPendingHolder");

    w.mint_dc(TOKEN).await.expect("mint DC");
    let router = keys::pubkey();
    w.world.send(&[data_credits::delegate_data_credits(&payer.pubkey(), &w.config, &w.dc_account, 10, router)], &[]).await.expect("delegate");
    let escrow = data_credits::escrow_address(&w.config, &payer.pubkey(), &router);
    let ix = data_credits::burn_delegated(&payer.pubkey(), &stranger.pubkey(), &w.config, &escrow, 1, 0, 0);
    assert_eq!(refusal(w.world.send(&[ix], &[&stranger]).await), "NotBurnAuthority");
    let ix = data_credits::withdraw_delegated(&payer.pubkey(), &w.config, router, &w.dc_account);
    assert_eq!(refusal(w.world.send(&[ix], &[]).await), "WithdrawalNotDue");
}
