//! treasury: mint authority hand-over, per-epoch emissions (halving, hard cap, static and usage
//! weighted splits, recipients that cannot receive), the circuit breaker and its bounds against
//! the schedule, the data-credits epochs, time-locked parameter changes the guardian can cancel,
//! a time lock that only rises, and role rotation.
use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use data_credits::state::{EpochBurns, EPOCH_BURNS_SEED, MAX_CATEGORIES};
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::network::dc_config_address;
use fieldproof_tests::tokens::{SPL_TOKEN, TOKEN_2022};
use fieldproof_tests::{assert_program_error, Bank};
use solana_account::{Account, AccountSharedData};
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use treasury::errors::TreasuryError;
use treasury::instructions::InitializeArgs;
use treasury::state::{Params, Recipient, Role, Schedule, Treasury, MAX_TIMELOCK_SECS, TREASURY_SEED};

const EPOCH: i64 = 100;
const TIMELOCK: i64 = 1_000;

fn no_breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 1, threshold: Threshold::Absolute(u64::MAX) }
}

/// What a test's treasury looks like; `Setup::default()` is a plain 1000-per-epoch schedule
/// split equally between three recipients.
#[derive(Clone)]
struct Setup {
    token_program: Pubkey,
    /// (weight, category) per recipient.
    recipients: Vec<(u32, u8)>,
    initial_emission: u64,
    halving_interval_epochs: u64,
    max_supply: u64,
    usage_bps: u16,
    breaker: BreakerConfig,
    /// Minted before the treasury takes over.
    premint: u64,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            token_program: SPL_TOKEN,
            recipients: vec![(1, 0), (1, 0), (1, 0)],
            initial_emission: 1_000,
            halving_interval_epochs: 0,
            max_supply: u64::MAX,
            usage_bps: 0,
            breaker: no_breaker(),
            premint: 0,
        }
    }
}

struct Fixture {
    bank: Bank,
    token_program: Pubkey,
    mint: Pubkey,
    mint_authority: Keypair,
    treasury: Pubkey,
    authority: Keypair,
    guardian: Keypair,
    dc_config: Pubkey,
    /// The recipients' token accounts, in the stored order.
    recipients: Vec<Pubkey>,
    params: Params,
}

/// Everything an emission can move or change.
#[derive(Debug, PartialEq)]
struct Snapshot {
    supply: u64,
    balances: Vec<u64>,
    treasury: Vec<u8>,
}

fn treasury_pda(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[TREASURY_SEED, mint.as_ref()], &treasury::ID).0
}

fn epoch_burns_pda(dc_config: &Pubkey, epoch: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[EPOCH_BURNS_SEED, dc_config.as_ref(), &epoch.to_le_bytes()], &data_credits::ID)
}

fn mint_authority_of(account: &Account) -> Option<Pubkey> {
    StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&account.data)
        .expect("mint")
        .base
        .mint_authority
        .into()
}

impl Fixture {
    /// A treasury whose first epoch starts now, with its initialize instruction not yet sent.
    async fn prepared(setup: &Setup) -> Self {
        let mut bank = Bank::start().await;
        let mint_authority = Keypair::new();
        let mint = bank.create_mint(setup.token_program, &mint_authority.pubkey(), 6).await;
        let mut recipients = Vec::new();
        for _ in &setup.recipients {
            let owner = Pubkey::new_unique();
            recipients.push(bank.create_token_account(setup.token_program, &mint, &owner).await);
        }
        if setup.premint > 0 {
            let holder = bank.create_token_account(setup.token_program, &mint, &Pubkey::new_unique()).await;
            bank.mint_tokens(setup.token_program, &mint, &holder, &mint_authority, setup.premint).await;
        }
        // The treasury's data-credits config, counting the same epochs.
        let start_ts = bank.now().await;
        let (dc_config, _) = bank.create_network(mint, &mint_authority, start_ts, EPOCH).await;
        let params = Params {
            schedule: Schedule {
                start_ts,
                epoch_length_secs: EPOCH,
                initial_emission: setup.initial_emission,
                halving_interval_epochs: setup.halving_interval_epochs,
                max_supply: setup.max_supply,
            },
            recipients: recipients
                .iter()
                .zip(&setup.recipients)
                .map(|(account, (weight, category))| Recipient {
                    token_account: *account,
                    weight: *weight,
                    category: *category,
                })
                .collect(),
            usage_bps: setup.usage_bps,
            dc_config,
            breaker: setup.breaker,
            timelock_secs: TIMELOCK,
        };
        Fixture {
            bank,
            token_program: setup.token_program,
            mint,
            mint_authority,
            treasury: treasury_pda(&mint),
            authority: Keypair::new(),
            guardian: Keypair::new(),
            dc_config,
            recipients,
            params,
        }
    }

    async fn new(setup: Setup) -> Self {
        let mut fx = Self::prepared(&setup).await;
        let ix = fx.initialize_ix(&fx.mint_authority.pubkey(), fx.params.clone(), &fx.recipients.clone());
        let signer = fx.mint_authority.insecure_clone();
        fx.bank.send(&[ix], &[&signer]).await.expect("initialize");
        fx
    }

    fn initialize_ix(&self, mint_authority: &Pubkey, params: Params, recipient_accounts: &[Pubkey]) -> Instruction {
        let args = InitializeArgs { authority: self.authority.pubkey(), guardian: self.guardian.pubkey(), params };
        self.initialize_ix_with(mint_authority, args, recipient_accounts)
    }

    fn initialize_ix_with(&self, mint_authority: &Pubkey, args: InitializeArgs, recipient_accounts: &[Pubkey]) -> Instruction {
        let mut ix = anchor_ix(
            treasury::ID,
            treasury::accounts::Initialize {
                payer: self.bank.ctx.payer.pubkey(),
                mint_authority: *mint_authority,
                treasury: self.treasury,
                mint: self.mint,
                dc_config: args.params.dc_config,
                token_program: self.token_program,
                system_program: anchor_lang::system_program::ID,
            },
            treasury::instruction::Initialize { args },
        );
        ix.accounts.extend(recipient_accounts.iter().map(|a| AccountMeta::new_readonly(*a, false)));
        ix
    }

    fn emit_ix_with(&self, epoch: u64, epoch_burns: Option<Pubkey>, recipient_accounts: &[Pubkey]) -> Instruction {
        let mut ix = anchor_ix(
            treasury::ID,
            treasury::accounts::EmitEpoch {
                treasury: self.treasury,
                mint: self.mint,
                epoch_burns,
                token_program: self.token_program,
            },
            treasury::instruction::EmitEpoch { epoch },
        );
        ix.accounts.extend(recipient_accounts.iter().map(|a| AccountMeta::new(*a, false)));
        ix
    }

    fn emit_ix(&self, epoch: u64, epoch_burns: Option<Pubkey>) -> Instruction {
        self.emit_ix_with(epoch, epoch_burns, &self.recipients)
    }

    /// Cranks `epoch`, signed by the payer alone: anyone may crank.
    async fn emit(&mut self, epoch: u64, epoch_burns: Option<Pubkey>) -> Result<(), TransactionError> {
        let ix = self.emit_ix(epoch, epoch_burns);
        self.bank.send(&[ix], &[]).await
    }

    fn propose_ix(&self, signer: &Pubkey, params: Params) -> Instruction {
        let mut ix = anchor_ix(
            treasury::ID,
            treasury::accounts::ProposeParams { treasury: self.treasury, authority: *signer, dc_config: params.dc_config },
            treasury::instruction::ProposeParams { params: params.clone() },
        );
        ix.accounts
            .extend(params.recipients.iter().map(|r| AccountMeta::new_readonly(r.token_account, false)));
        ix
    }

    async fn propose(&mut self, signer: &Keypair, params: Params) -> Result<(), TransactionError> {
        let ix = self.propose_ix(&signer.pubkey(), params);
        self.bank.send(&[ix], &[signer]).await
    }

    async fn apply(&mut self, signer: &Keypair) -> Result<(), TransactionError> {
        let ix = anchor_ix(
            treasury::ID,
            treasury::accounts::ApplyParams { treasury: self.treasury, authority: signer.pubkey() },
            treasury::instruction::ApplyParams {},
        );
        self.bank.send(&[ix], &[signer]).await
    }

    async fn cancel(&mut self, signer: &Keypair) -> Result<(), TransactionError> {
        let ix = anchor_ix(
            treasury::ID,
            treasury::accounts::CancelParams { treasury: self.treasury, signer: signer.pubkey() },
            treasury::instruction::CancelParams {},
        );
        self.bank.send(&[ix], &[signer]).await
    }

    async fn propose_role(&mut self, signer: &Keypair, role: Role, new_holder: Pubkey) -> Result<(), TransactionError> {
        let ix = anchor_ix(
            treasury::ID,
            treasury::accounts::ProposeRole { treasury: self.treasury, authority: signer.pubkey() },
            treasury::instruction::ProposeRole { role, new_holder },
        );
        self.bank.send(&[ix], &[signer]).await
    }

    async fn accept_role(&mut self, signer: &Keypair, role: Role) -> Result<(), TransactionError> {
        let ix = anchor_ix(
            treasury::ID,
            treasury::accounts::AcceptRole { treasury: self.treasury, new_holder: signer.pubkey() },
            treasury::instruction::AcceptRole { role },
        );
        self.bank.send(&[ix], &[signer]).await
    }

    async fn cancel_role(&mut self, signer: &Keypair, role: Role) -> Result<(), TransactionError> {
        let ix = anchor_ix(
            treasury::ID,
            treasury::accounts::CancelRole { treasury: self.treasury, signer: signer.pubkey() },
            treasury::instruction::CancelRole { role },
        );
        self.bank.send(&[ix], &[signer]).await
    }

    /// Replaces the account at `key` (a recipient's token account, say), as its owner could.
    fn set_account(&mut self, key: Pubkey, account: Option<Account>) {
        let shared = account.map(AccountSharedData::from).unwrap_or_default();
        self.bank.ctx.set_account(&key, &shared);
    }

    async fn state(&mut self) -> Treasury {
        self.bank.account(self.treasury).await
    }

    async fn balances(&mut self) -> Vec<u64> {
        let mut out = Vec::new();
        for account in self.recipients.clone() {
            out.push(self.bank.token_balance(account).await);
        }
        out
    }

    async fn snapshot(&mut self) -> Snapshot {
        Snapshot {
            supply: self.bank.mint_supply(self.mint).await,
            balances: self.balances().await,
            treasury: self.bank.raw_account(self.treasury).await.map(|a| a.data).unwrap_or_default(),
        }
    }

    async fn assert_unchanged(&mut self, before: &Snapshot) {
        assert_eq!(&self.snapshot().await, before, "a refused instruction moved nothing");
    }

    /// Moves the clock to the end of `epoch`, when it may be emitted.
    async fn advance_to_end_of(&mut self, epoch: u64) {
        let end = self.params.schedule.start_ts + (epoch as i64 + 1) * EPOCH;
        let now = self.bank.now().await;
        if end > now {
            self.bank.advance_clock(end - now).await;
        }
    }

    /// Emits `epoch` at its end and returns what each recipient received.
    async fn emit_at_end(&mut self, epoch: u64, epoch_burns: Option<Pubkey>) -> Vec<u64> {
        self.advance_to_end_of(epoch).await;
        let before = self.balances().await;
        self.emit(epoch, epoch_burns).await.unwrap_or_else(|e| panic!("emit epoch {epoch}: {e:?}"));
        self.balances().await.iter().zip(before).map(|(after, before)| after - before).collect()
    }

    /// Stores a data-credits EpochBurns account at `address`, as the data-credits program would.
    fn set_epoch_burns(&mut self, address: Pubkey, burns: EpochBurns) {
        let mut data = Vec::new();
        burns.try_serialize(&mut data).expect("serialize EpochBurns");
        let account = Account { lamports: 1_000_000_000, data, owner: data_credits::ID, executable: false, rent_epoch: 0 };
        self.bank.ctx.set_account(&address, &AccountSharedData::from(account));
    }

    /// The real EpochBurns PDA of `epoch` under the treasury's DC config, holding `usage`.
    fn burns(&mut self, epoch: u64, usage: [u64; MAX_CATEGORIES]) -> Pubkey {
        let (address, bump) = epoch_burns_pda(&self.dc_config, epoch);
        let burns = EpochBurns { config: self.dc_config, epoch, usage_by_category: usage, fees: 7, bump };
        self.set_epoch_burns(address, burns);
        address
    }
}

// ---------------------------------------------------------------------------------------------
// initialize

#[tokio::test]
async fn initialize_takes_the_mint_authority_for_both_token_programs() {
    for token_program in [SPL_TOKEN, TOKEN_2022] {
        let mut fx = Fixture::new(Setup { token_program, ..Setup::default() }).await;
        let mint = fx.bank.raw_account(fx.mint).await.unwrap();
        assert_eq!(mint_authority_of(&mint), Some(fx.treasury));

        let state = fx.state().await;
        assert_eq!(state.mint, fx.mint);
        assert_eq!(state.token_program, token_program);
        assert_eq!(state.authority, fx.authority.pubkey());
        assert_eq!(state.pending_authority, Pubkey::default());
        assert_eq!((state.guardian, state.pending_guardian), (fx.guardian.pubkey(), None));
        assert_eq!(state.params, fx.params);
        assert_eq!(state.pending_params, None);
        assert_eq!(state.next_epoch, 0);
        assert_eq!(state.total_emitted, 0);

        // The former mint authority can no longer mint.
        let (old, to) = (fx.mint_authority.insecure_clone(), fx.recipients[0]);
        let ix = spl_token_2022::instruction::mint_to(&token_program, &fx.mint, &to, &old.pubkey(), &[], 1).unwrap();
        assert!(fx.bank.send(&[ix], &[&old]).await.is_err());
        assert_eq!(fx.bank.mint_supply(fx.mint).await, 0);
    }
}

#[tokio::test]
async fn initialize_rejects_a_signer_that_is_not_the_mint_authority() {
    let mut fx = Fixture::prepared(&Setup::default()).await;
    let impostor = Keypair::new();
    let ix = fx.initialize_ix(&impostor.pubkey(), fx.params.clone(), &fx.recipients.clone());
    assert_program_error(fx.bank.send(&[ix], &[&impostor]).await, TreasuryError::NotMintAuthority);
    assert!(!fx.bank.exists(fx.treasury).await);
    let mint = fx.bank.raw_account(fx.mint).await.unwrap();
    assert_eq!(mint_authority_of(&mint), Some(fx.mint_authority.pubkey()));
}

#[tokio::test]
async fn initialize_rejects_invalid_params_and_recipient_accounts() {
    let mut fx = Fixture::prepared(&Setup::default()).await;
    let signer = fx.mint_authority.insecure_clone();
    let recipients = fx.recipients.clone();
    let other_mint = fx.bank.create_mint(SPL_TOKEN, &signer.pubkey(), 6).await;
    let foreign = fx.bank.create_token_account(SPL_TOKEN, &other_mint, &Pubkey::new_unique()).await;

    let mut zero_length = fx.params.clone();
    zero_length.schedule.epoch_length_secs = 0;
    let mut zero_weights = fx.params.clone();
    zero_weights.recipients.iter_mut().for_each(|r| r.weight = 0);
    let mut unknown_category = fx.params.clone();
    unknown_category.recipients[1].category = MAX_CATEGORIES as u8;
    let mut duplicate = fx.params.clone();
    duplicate.recipients[1].token_account = recipients[0];
    let mut too_much_usage = fx.params.clone();
    too_much_usage.usage_bps = 10_001;
    let mut negative_timelock = fx.params.clone();
    negative_timelock.timelock_secs = -1;
    let mut no_timelock = fx.params.clone();
    no_timelock.timelock_secs = 0;
    let mut endless_timelock = fx.params.clone();
    endless_timelock.timelock_secs = MAX_TIMELOCK_SECS + 1;
    let mut bad_breaker = fx.params.clone();
    bad_breaker.breaker = BreakerConfig { window_secs: 0, threshold: Threshold::Absolute(1) };
    // A share of the supply, which is zero before the first emission, allows nothing.
    let mut percent_breaker = fx.params.clone();
    percent_breaker.breaker = BreakerConfig { window_secs: 100, threshold: Threshold::Percent(10_000) };
    // Below one epoch's emission of 1000: no epoch could ever be emitted.
    let mut breaker_below_emission = fx.params.clone();
    breaker_below_emission.breaker = BreakerConfig { window_secs: 1, threshold: Threshold::Absolute(999) };
    // 1000 per 100-second epoch, but only 1500 per 1000 seconds: emissions would fall ever
    // further behind the schedule.
    let mut breaker_slower_than_schedule = fx.params.clone();
    breaker_slower_than_schedule.breaker = BreakerConfig { window_secs: 1_000, threshold: Threshold::Absolute(1_500) };
    // The data-credits epochs must be the treasury's.
    let mut later_start = fx.params.clone();
    later_start.schedule.start_ts += 1;
    let mut other_length = fx.params.clone();
    other_length.schedule.epoch_length_secs = EPOCH * 2;
    let mut no_dc_config = fx.params.clone();
    no_dc_config.dc_config = dc_config_address(&other_mint);
    let mut wrong_mint = fx.params.clone();
    wrong_mint.recipients[2].token_account = foreign;
    let wrong_mint_accounts = [recipients[0], recipients[1], foreign];

    let cases: Vec<(Params, Vec<Pubkey>, TreasuryError)> = vec![
        (zero_length, recipients.clone(), TreasuryError::InvalidSchedule),
        (zero_weights, recipients.clone(), TreasuryError::InvalidRecipients),
        (unknown_category, recipients.clone(), TreasuryError::InvalidRecipients),
        (duplicate, vec![recipients[0], recipients[0], recipients[2]], TreasuryError::InvalidRecipients),
        (too_much_usage, recipients.clone(), TreasuryError::InvalidUsageShare),
        (negative_timelock, recipients.clone(), TreasuryError::InvalidTimeLock),
        (no_timelock, recipients.clone(), TreasuryError::InvalidTimeLock),
        (endless_timelock, recipients.clone(), TreasuryError::InvalidTimeLock),
        (bad_breaker, recipients.clone(), TreasuryError::InvalidBreakerConfig),
        (percent_breaker, recipients.clone(), TreasuryError::BreakerNeedsAbsoluteThreshold),
        (breaker_below_emission, recipients.clone(), TreasuryError::BreakerBelowEmission),
        (breaker_slower_than_schedule, recipients.clone(), TreasuryError::BreakerBelowEmission),
        (later_start, recipients.clone(), TreasuryError::ScheduleMismatch),
        (other_length, recipients.clone(), TreasuryError::ScheduleMismatch),
        (wrong_mint, wrong_mint_accounts.to_vec(), TreasuryError::RecipientWrongMint),
        (fx.params.clone(), recipients[..2].to_vec(), TreasuryError::RecipientCountMismatch),
        (fx.params.clone(), vec![recipients[1], recipients[0], recipients[2]], TreasuryError::WrongRecipientAccount),
    ];
    for (params, accounts, expected) in cases {
        let ix = fx.initialize_ix(&signer.pubkey(), params, &accounts);
        assert_program_error(fx.bank.send(&[ix], &[&signer]).await, expected);
        assert!(!fx.bank.exists(fx.treasury).await);
    }
    // A data-credits config that does not exist, or that belongs to another token.
    let ix = fx.initialize_ix(&signer.pubkey(), no_dc_config.clone(), &recipients);
    assert_program_error(fx.bank.send(&[ix], &[&signer]).await, anchor_lang::error::ErrorCode::AccountNotInitialized);
    let now = fx.bank.now().await;
    let (other_dc, _) = fx.bank.create_network(other_mint, &signer, now, EPOCH).await;
    assert_eq!(other_dc, no_dc_config.dc_config);
    let ix = fx.initialize_ix(&signer.pubkey(), no_dc_config, &recipients);
    assert_program_error(fx.bank.send(&[ix], &[&signer]).await, TreasuryError::WrongDcConfig);
    // The guardian is never the authority's key.
    let args = InitializeArgs { authority: fx.authority.pubkey(), guardian: fx.authority.pubkey(), params: fx.params.clone() };
    let ix = fx.initialize_ix_with(&signer.pubkey(), args, &recipients);
    assert_program_error(fx.bank.send(&[ix], &[&signer]).await, TreasuryError::GuardianIsAuthority);
    assert!(!fx.bank.exists(fx.treasury).await);
    let mint = fx.bank.raw_account(fx.mint).await.unwrap();
    assert_eq!(mint_authority_of(&mint), Some(signer.pubkey()), "the mint authority stayed");
}

// ---------------------------------------------------------------------------------------------
// emit_epoch

#[tokio::test]
async fn epoch_zero_is_split_by_weights_with_the_remainder_to_the_first_recipient() {
    for token_program in [SPL_TOKEN, TOKEN_2022] {
        let mut fx = Fixture::new(Setup { token_program, ..Setup::default() }).await;
        // 1000 / 3 = 333 each, and the remainder of 1 goes to the first recipient.
        assert_eq!(fx.emit_at_end(0, None).await, vec![334, 333, 333]);
        assert_eq!(fx.bank.mint_supply(fx.mint).await, 1_000);
        let state = fx.state().await;
        assert_eq!(state.next_epoch, 1);
        assert_eq!(state.total_emitted, 1_000);
    }

    let mut fx = Fixture::new(Setup { recipients: vec![(5, 0), (3, 1), (2, 2)], initial_emission: 999, ..Setup::default() })
        .await;
    // 999·5/10 = 499, 999·3/10 = 299, 999·2/10 = 199: 997, so the first gets 2 more.
    assert_eq!(fx.emit_at_end(0, None).await, vec![501, 299, 199]);
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 999);
}

#[tokio::test]
async fn second_emission_of_the_same_epoch_is_rejected() {
    let mut fx = Fixture::new(Setup::default()).await;
    fx.emit_at_end(0, None).await;
    let before = fx.snapshot().await;
    assert_program_error(fx.emit(0, None).await, TreasuryError::EpochAlreadyEmitted);
    fx.assert_unchanged(&before).await;

    // Still refused once the next epoch is over too, and after that one is emitted.
    fx.advance_to_end_of(1).await;
    assert_program_error(fx.emit(0, None).await, TreasuryError::EpochAlreadyEmitted);
    fx.assert_unchanged(&before).await;
    fx.emit(1, None).await.unwrap();
    let before = fx.snapshot().await;
    assert_program_error(fx.emit(1, None).await, TreasuryError::EpochAlreadyEmitted);
    assert_program_error(fx.emit(0, None).await, TreasuryError::EpochAlreadyEmitted);
    fx.assert_unchanged(&before).await;
}

#[tokio::test]
async fn epoch_that_has_not_ended_is_rejected() {
    let mut fx = Fixture::new(Setup::default()).await;
    let before = fx.snapshot().await;
    assert_program_error(fx.emit(0, None).await, TreasuryError::EpochNotEnded);
    fx.assert_unchanged(&before).await;

    // One second before the end is still too early; the end itself is not.
    fx.bank.advance_clock(EPOCH - 1).await;
    assert_program_error(fx.emit(0, None).await, TreasuryError::EpochNotEnded);
    fx.assert_unchanged(&before).await;
    fx.bank.advance_clock(1).await;
    fx.emit(0, None).await.unwrap();

    // The next epoch has only just begun.
    let before = fx.snapshot().await;
    assert_program_error(fx.emit(1, None).await, TreasuryError::EpochNotEnded);
    fx.assert_unchanged(&before).await;
}

#[tokio::test]
async fn epochs_are_emitted_in_order() {
    let mut fx = Fixture::new(Setup::default()).await;
    fx.advance_to_end_of(3).await;
    let before = fx.snapshot().await;
    assert_program_error(fx.emit(1, None).await, TreasuryError::EpochOutOfOrder);
    assert_program_error(fx.emit(3, None).await, TreasuryError::EpochOutOfOrder);
    fx.assert_unchanged(&before).await;
    for epoch in 0..=3 {
        fx.emit(epoch, None).await.unwrap();
    }
    assert_eq!(fx.state().await.next_epoch, 4);
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 4_000);
}

#[tokio::test]
async fn the_epoch_after_the_last_representable_one_is_refused_not_wrapped() {
    // No treasury reaches epoch 2^64 - 1, but its end time and the next epoch are checked sums:
    // the emission is refused by name rather than computed from a wrapped number.
    let mut fx = Fixture::new(Setup::default()).await;
    let treasury = fx.treasury;
    fx.bank.modify_account(treasury, |t: &mut Treasury| t.next_epoch = u64::MAX).await;
    let before = fx.snapshot().await;
    assert_program_error(fx.emit(u64::MAX, None).await, TreasuryError::ArithmeticOverflow);
    fx.assert_unchanged(&before).await;
}

#[tokio::test]
async fn emission_halves_every_interval() {
    let mut fx = Fixture::new(Setup { recipients: vec![(1, 0)], halving_interval_epochs: 2, ..Setup::default() }).await;
    let mut emitted = Vec::new();
    for epoch in 0..7 {
        emitted.push(fx.emit_at_end(epoch, None).await[0]);
    }
    assert_eq!(emitted, vec![1_000, 1_000, 500, 500, 250, 250, 125]);
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 3_625);
    assert_eq!(fx.state().await.total_emitted, 3_625);
}

#[tokio::test]
async fn hard_cap_clips_the_last_emission_and_then_stops_emission() {
    // 200 were minted before the treasury took over; they count against the cap.
    let mut fx = Fixture::new(Setup { max_supply: 2_500, premint: 200, ..Setup::default() }).await;
    assert_eq!(fx.emit_at_end(0, None).await, vec![334, 333, 333]);
    assert_eq!(fx.emit_at_end(1, None).await, vec![334, 333, 333]);
    // Only 300 fit under the cap.
    assert_eq!(fx.emit_at_end(2, None).await, vec![100, 100, 100]);
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 2_500);
    // At the cap an epoch emits nothing, but is still consumed so the crank keeps going.
    for epoch in 3..5 {
        assert_eq!(fx.emit_at_end(epoch, None).await, vec![0, 0, 0]);
    }
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 2_500);
    let state = fx.state().await;
    assert_eq!(state.next_epoch, 5);
    assert_eq!(state.total_emitted, 2_300);
}

#[tokio::test]
async fn usage_share_follows_the_epoch_burns_per_category() {
    let setup = Setup { recipients: vec![(3, 0), (1, 1), (0, 2)], usage_bps: 4_000, ..Setup::default() };
    let mut fx = Fixture::new(setup).await;
    // 600 by weight 3:1:0 = 450, 150, 0; 400 by burns 10:30:60 = 40, 120, 240.
    let burns = fx.burns(0, [10, 30, 60, 999]);
    assert_eq!(fx.emit_at_end(0, Some(burns)).await, vec![490, 270, 240]);

    // 1001 with 40% by usage: 400 by burns 1:1:1 = 133 each, 601 by weight = 450, 150, 0;
    // 450+150+399 = 999, so the first recipient gets the remainder of 2.
    let mut fx = Fixture::new(Setup {
        recipients: vec![(3, 0), (1, 1), (0, 2)],
        usage_bps: 4_000,
        initial_emission: 1_001,
        ..Setup::default()
    })
    .await;
    let burns = fx.burns(0, [5, 5, 5, 0]);
    assert_eq!(fx.emit_at_end(0, Some(burns)).await, vec![585, 283, 133]);
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 1_001);
}

#[tokio::test]
async fn usage_share_falls_back_to_weights_when_nothing_was_burned() {
    let setup = Setup { recipients: vec![(3, 0), (1, 1)], usage_bps: 10_000, ..Setup::default() };
    let mut fx = Fixture::new(setup).await;
    // Burns only in a category no recipient follows count as no usage.
    let burns = fx.burns(0, [0, 0, 500, 0]);
    assert_eq!(fx.emit_at_end(0, Some(burns)).await, vec![750, 250]);

    // No burns at all: data-credits never created the account, and its empty address proves it.
    let (missing, _) = epoch_burns_pda(&fx.dc_config, 1);
    assert!(!fx.bank.exists(missing).await);
    assert_eq!(fx.emit_at_end(1, Some(missing)).await, vec![750, 250]);

    // With burns the whole emission follows usage.
    let burns = fx.burns(2, [1, 3, 0, 0]);
    assert_eq!(fx.emit_at_end(2, Some(burns)).await, vec![250, 750]);
}

#[tokio::test]
async fn usage_share_rejects_a_missing_or_wrong_burns_account() {
    let setup = Setup { recipients: vec![(1, 0), (1, 1)], usage_bps: 5_000, ..Setup::default() };
    let mut fx = Fixture::new(setup).await;
    fx.advance_to_end_of(0).await;
    let before = fx.snapshot().await;

    assert_program_error(fx.emit(0, None).await, TreasuryError::MissingEpochBurns);

    // Another epoch's burns.
    let next = fx.burns(1, [1, 2, 0, 0]);
    assert_program_error(fx.emit(0, Some(next)).await, TreasuryError::WrongEpochBurns);

    // Burns under another DC config.
    let other_config = Pubkey::new_unique();
    let (elsewhere, bump) = epoch_burns_pda(&other_config, 0);
    fx.set_epoch_burns(elsewhere, EpochBurns { config: other_config, epoch: 0, usage_by_category: [1, 2, 0, 0], fees: 0, bump });
    assert_program_error(fx.emit(0, Some(elsewhere)).await, TreasuryError::WrongEpochBurns);

    // A forged account off the PDA address, claiming to be this epoch's.
    let forged = Pubkey::new_unique();
    let dc_config = fx.dc_config;
    fx.set_epoch_burns(forged, EpochBurns { config: dc_config, epoch: 0, usage_by_category: [0, 9, 0, 0], fees: 0, bump });
    assert_program_error(fx.emit(0, Some(forged)).await, TreasuryError::WrongEpochBurns);

    // The right address holding the wrong epoch.
    let (address, bump) = epoch_burns_pda(&dc_config, 0);
    fx.set_epoch_burns(address, EpochBurns { config: dc_config, epoch: 1, usage_by_category: [0, 9, 0, 0], fees: 0, bump });
    assert_program_error(fx.emit(0, Some(address)).await, TreasuryError::WrongEpochBurns);

    // The right address owned by another program than data-credits.
    let account = Account { lamports: 1_000_000, data: vec![0; 8], owner: treasury::ID, executable: false, rent_epoch: 0 };
    fx.bank.ctx.set_account(&address, &AccountSharedData::from(account));
    assert_program_error(fx.emit(0, Some(address)).await, TreasuryError::WrongEpochBurns);
    fx.assert_unchanged(&before).await;

    let address = fx.burns(0, [1, 3, 0, 0]);
    // 500 by weight = 250 each; 500 by burns 1:3 = 125, 375.
    assert_eq!(fx.emit_at_end(0, Some(address)).await, vec![375, 625]);
}

#[tokio::test]
async fn wrong_recipient_accounts_are_rejected() {
    let mut fx = Fixture::new(Setup::default()).await;
    fx.advance_to_end_of(0).await;
    let r = fx.recipients.clone();
    let attacker = fx.bank.create_token_account(SPL_TOKEN, &fx.mint, &Pubkey::new_unique()).await;
    let before = fx.snapshot().await;

    let cases: Vec<(Vec<Pubkey>, TreasuryError)> = vec![
        (vec![r[1], r[0], r[2]], TreasuryError::WrongRecipientAccount),
        (vec![r[0], r[1], attacker], TreasuryError::WrongRecipientAccount),
        (vec![r[0], r[1]], TreasuryError::RecipientCountMismatch),
        (vec![r[0], r[1], r[2], attacker], TreasuryError::RecipientCountMismatch),
    ];
    for (accounts, expected) in cases {
        let ix = fx.emit_ix_with(0, None, &accounts);
        assert_program_error(fx.bank.send(&[ix], &[]).await, expected);
        fx.assert_unchanged(&before).await;
    }
    assert_eq!(fx.bank.token_balance(attacker).await, 0);

    let mut ix = fx.emit_ix(0, None);
    ix.accounts[5].is_writable = false;
    assert_program_error(fx.bank.send(&[ix], &[]).await, TreasuryError::RecipientNotWritable);
    fx.assert_unchanged(&before).await;

    // The token program that does not own the mint.
    let mut ix = fx.emit_ix(0, None);
    ix.accounts[3] = AccountMeta::new_readonly(TOKEN_2022, false);
    assert_program_error(fx.bank.send(&[ix], &[]).await, TreasuryError::WrongTokenProgram);
    fx.assert_unchanged(&before).await;
}

#[tokio::test]
async fn circuit_breaker_trips_on_a_catch_up_and_recovers_with_time() {
    // 10,000 per 1,000 seconds: exactly the schedule's pace (1,000 per 100-second epoch), which
    // never trips it; a crank that fell ten epochs behind catches up only as the window allows.
    let breaker = BreakerConfig { window_secs: 1_000, threshold: Threshold::Absolute(10_000) };
    let mut fx = Fixture::new(Setup { breaker, ..Setup::default() }).await;
    for epoch in 0..3 {
        fx.emit_at_end(epoch, None).await;
    }
    fx.advance_to_end_of(15).await;
    let mut caught_up = 3;
    while fx.emit(caught_up, None).await.is_ok() {
        caught_up += 1;
    }
    assert!(caught_up < 16, "the breaker let the whole catch-up through at once");
    let before = fx.snapshot().await;
    assert_program_error(fx.emit(caught_up, None).await, TreasuryError::CircuitBreakerTripped);
    fx.assert_unchanged(&before).await;

    // 100 seconds later a tenth of the window has decayed: one more epoch fits.
    fx.bank.advance_clock(100).await;
    fx.emit(caught_up, None).await.expect("one more after a tenth of the window");
    let before = fx.snapshot().await;
    assert_program_error(fx.emit(caught_up + 1, None).await, TreasuryError::CircuitBreakerTripped);
    fx.assert_unchanged(&before).await;
    fx.bank.advance_clock(1_000).await;
    while fx.state().await.next_epoch <= 15 {
        let next = fx.state().await.next_epoch;
        fx.emit(next, None).await.expect("the catch-up resumes");
    }
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 16_000);
}

#[tokio::test]
async fn a_recipient_that_cannot_receive_is_skipped_and_the_others_are_paid() {
    // One external recipient closing its token account (or having it frozen) must not stop
    // every later emission: its share is not minted.
    let mut fx = Fixture::new(Setup::default()).await;
    let closed = fx.recipients[2];
    fx.set_account(closed, None);
    fx.advance_to_end_of(0).await;
    fx.emit(0, None).await.expect("emit with a closed recipient");
    assert_eq!(fx.balances().await, vec![334, 333, 0]);
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 667);
    let state = fx.state().await;
    assert_eq!((state.next_epoch, state.total_emitted), (1, 667));

    // Frozen by the mint's freeze authority, or reopened as another mint's account: skipped too.
    let frozen = fx.recipients[1];
    let token_account = |mint: Pubkey, state| {
        let mut data = vec![0u8; spl_token_2022::state::Account::LEN];
        let account = spl_token_2022::state::Account { mint, owner: Pubkey::new_unique(), state, ..Default::default() };
        spl_token_2022::state::Account::pack(account, &mut data).unwrap();
        Account { lamports: 1_000_000_000, data, owner: SPL_TOKEN, executable: false, rent_epoch: 0 }
    };
    let mint = fx.mint;
    fx.set_account(frozen, Some(token_account(mint, spl_token_2022::state::AccountState::Frozen)));
    fx.set_account(closed, Some(token_account(Pubkey::new_unique(), spl_token_2022::state::AccountState::Initialized)));
    fx.advance_to_end_of(1).await;
    fx.emit(1, None).await.expect("emit with a frozen recipient");
    assert_eq!(fx.bank.token_balance(fx.recipients[0]).await, 668);
    assert_eq!(fx.bank.mint_supply(fx.mint).await, 1_001);

    // Its account's key still has to be the stored one.
    let stranger = fx.bank.create_token_account(SPL_TOKEN, &mint, &Pubkey::new_unique()).await;
    fx.advance_to_end_of(2).await;
    let before = fx.snapshot().await;
    let ix = fx.emit_ix_with(2, None, &[fx.recipients[0], fx.recipients[1], stranger]);
    assert_program_error(fx.bank.send(&[ix], &[]).await, TreasuryError::WrongRecipientAccount);
    fx.assert_unchanged(&before).await;
}

// ---------------------------------------------------------------------------------------------
// time-locked parameters

#[tokio::test]
async fn parameter_change_waits_for_the_time_lock() {
    let mut fx = Fixture::new(Setup::default()).await;
    let authority = fx.authority.insecure_clone();
    let mut new_params = fx.params.clone();
    new_params.schedule.initial_emission = 3_000;
    new_params.recipients.truncate(2);
    new_params.recipients[1].weight = 2;

    let proposed_at = fx.bank.now().await;
    fx.propose(&authority, new_params.clone()).await.unwrap();
    let pending = fx.state().await.pending_params.expect("pending change");
    assert_eq!(pending.params, new_params);
    assert_eq!(pending.apply_after, proposed_at + TIMELOCK);

    // Time-lock bypass attempts: right away and one second early.
    let before = fx.snapshot().await;
    assert_program_error(fx.apply(&authority).await, TreasuryError::TimeLockNotElapsed);
    fx.bank.advance_clock(TIMELOCK - 1).await;
    assert_program_error(fx.apply(&authority).await, TreasuryError::TimeLockNotElapsed);
    fx.assert_unchanged(&before).await;
    assert_eq!(fx.state().await.params, fx.params, "the old parameters still rule");

    fx.bank.advance_clock(1).await;
    fx.apply(&authority).await.unwrap();
    let state = fx.state().await;
    assert_eq!(state.params, new_params);
    assert_eq!(state.pending_params, None);

    // The next emission follows the new parameters, to the two remaining recipients.
    fx.recipients.truncate(2);
    fx.params = new_params;
    assert_eq!(fx.emit(0, None).await, Ok(()));
    assert_eq!(fx.balances().await, vec![1_000, 2_000]);
}

#[tokio::test]
async fn the_time_lock_only_rises() {
    let mut fx = Fixture::new(Setup::default()).await;
    let authority = fx.authority.insecure_clone();
    let before = fx.snapshot().await;
    let mut shorter = fx.params.clone();
    shorter.timelock_secs = TIMELOCK - 1;
    assert_program_error(fx.propose(&authority, shorter).await, TreasuryError::TimeLockDecreased);
    let mut none = fx.params.clone();
    none.timelock_secs = 0;
    assert_program_error(fx.propose(&authority, none).await, TreasuryError::InvalidTimeLock);
    fx.assert_unchanged(&before).await;

    // Raising it waits out the current time lock like any change, then rules the next one.
    let mut longer = fx.params.clone();
    longer.timelock_secs = 2 * TIMELOCK;
    fx.propose(&authority, longer.clone()).await.unwrap();
    fx.bank.advance_clock(TIMELOCK).await;
    fx.apply(&authority).await.unwrap();
    let mut bigger = longer.clone();
    bigger.schedule.initial_emission = 5;
    let proposed_at = fx.bank.now().await;
    fx.propose(&authority, bigger).await.unwrap();
    assert_eq!(fx.state().await.pending_params.unwrap().apply_after, proposed_at + 2 * TIMELOCK);
}

#[tokio::test]
async fn proposals_name_the_treasurys_own_data_credits_epochs() {
    let mut fx = Fixture::new(Setup::default()).await;
    let authority = fx.authority.insecure_clone();
    let before = fx.snapshot().await;
    let mut moved = fx.params.clone();
    moved.schedule.epoch_length_secs = EPOCH + 1;
    assert_program_error(fx.propose(&authority, moved).await, TreasuryError::ScheduleMismatch);
    let mut slow_breaker = fx.params.clone();
    slow_breaker.breaker = BreakerConfig { window_secs: 1_000, threshold: Threshold::Absolute(1_500) };
    assert_program_error(fx.propose(&authority, slow_breaker).await, TreasuryError::BreakerBelowEmission);
    fx.assert_unchanged(&before).await;
}

#[tokio::test]
async fn pending_change_can_be_cancelled() {
    let mut fx = Fixture::new(Setup::default()).await;
    let authority = fx.authority.insecure_clone();
    let mut new_params = fx.params.clone();
    new_params.usage_bps = 2_000;
    fx.propose(&authority, new_params.clone()).await.unwrap();

    // Only one change may be pending at a time.
    let before = fx.snapshot().await;
    assert_program_error(fx.propose(&authority, fx.params.clone()).await, TreasuryError::ChangeAlreadyPending);
    fx.assert_unchanged(&before).await;

    // The guardian cancels it (its veto); the authority could too (a withdrawal).
    let guardian = fx.guardian.insecure_clone();
    fx.cancel(&guardian).await.unwrap();
    assert_eq!(fx.state().await.pending_params, None);
    fx.propose(&authority, new_params.clone()).await.unwrap();
    fx.cancel(&authority).await.unwrap();
    assert_eq!(fx.state().await.pending_params, None);
    fx.bank.advance_clock(TIMELOCK).await;
    let before = fx.snapshot().await;
    assert_program_error(fx.apply(&authority).await, TreasuryError::NoPendingChange);
    assert_program_error(fx.cancel(&authority).await, TreasuryError::NoPendingChange);
    fx.assert_unchanged(&before).await;
    assert_eq!(fx.state().await.params, fx.params);
}

#[tokio::test]
async fn proposals_are_validated() {
    let mut fx = Fixture::new(Setup::default()).await;
    let authority = fx.authority.insecure_clone();
    let before = fx.snapshot().await;

    let mut bad = fx.params.clone();
    bad.usage_bps = 10_001;
    assert_program_error(fx.propose(&authority, bad).await, TreasuryError::InvalidUsageShare);

    let other_mint = fx.bank.create_mint(SPL_TOKEN, &authority.pubkey(), 6).await;
    let foreign = fx.bank.create_token_account(SPL_TOKEN, &other_mint, &Pubkey::new_unique()).await;
    let mut wrong_mint = fx.params.clone();
    wrong_mint.recipients[0].token_account = foreign;
    assert_program_error(fx.propose(&authority, wrong_mint).await, TreasuryError::RecipientWrongMint);

    let mut not_a_token_account = fx.params.clone();
    not_a_token_account.recipients[0].token_account = fx.treasury;
    assert_program_error(fx.propose(&authority, not_a_token_account).await, TreasuryError::RecipientNotTokenAccount);
    fx.assert_unchanged(&before).await;
}

#[tokio::test]
async fn non_authority_is_rejected() {
    let mut fx = Fixture::new(Setup::default()).await;
    let authority = fx.authority.insecure_clone();
    let stranger = Keypair::new();
    let mut new_params = fx.params.clone();
    new_params.schedule.initial_emission = u64::MAX;

    let before = fx.snapshot().await;
    assert_program_error(fx.propose(&stranger, new_params.clone()).await, TreasuryError::NotAuthority);
    assert_program_error(fx.propose_role(&stranger, Role::Authority, stranger.pubkey()).await, TreasuryError::NotAuthority);
    let guardian = fx.guardian.insecure_clone();
    assert_program_error(fx.propose(&guardian, fx.params.clone()).await, TreasuryError::NotAuthority);
    fx.assert_unchanged(&before).await;

    fx.propose(&authority, new_params).await.unwrap();
    fx.bank.advance_clock(TIMELOCK).await;
    let before = fx.snapshot().await;
    assert_program_error(fx.apply(&stranger).await, TreasuryError::NotAuthority);
    assert_program_error(fx.apply(&guardian).await, TreasuryError::NotAuthority);
    assert_program_error(fx.cancel(&stranger).await, TreasuryError::NotAuthorityOrGuardian);
    fx.assert_unchanged(&before).await;
    // The mint authority of old has no say either.
    let old_mint_authority = fx.mint_authority.insecure_clone();
    assert_program_error(fx.cancel(&old_mint_authority).await, TreasuryError::NotAuthorityOrGuardian);
    fx.assert_unchanged(&before).await;
}

// ---------------------------------------------------------------------------------------------
// roles

#[tokio::test]
async fn authority_rotates_in_two_steps() {
    let mut fx = Fixture::new(Setup::default()).await;
    let old = fx.authority.insecure_clone();
    let new = Keypair::new();
    let stranger = Keypair::new();

    // Nothing proposed: nobody can accept.
    let before = fx.snapshot().await;
    assert_program_error(fx.accept_role(&new, Role::Authority).await, TreasuryError::NotPendingHolder);
    assert_program_error(fx.cancel_role(&old, Role::Authority).await, TreasuryError::NoPendingRole);
    fx.assert_unchanged(&before).await;

    fx.propose_role(&old, Role::Authority, new.pubkey()).await.unwrap();
    assert_eq!(fx.state().await.pending_authority, new.pubkey());
    let before = fx.snapshot().await;
    assert_program_error(fx.accept_role(&stranger, Role::Authority).await, TreasuryError::NotPendingHolder);
    assert_program_error(fx.accept_role(&old, Role::Authority).await, TreasuryError::NotPendingHolder);
    assert_program_error(fx.accept_role(&new, Role::Guardian).await, TreasuryError::NotPendingHolder);
    fx.assert_unchanged(&before).await;

    fx.accept_role(&new, Role::Authority).await.unwrap();
    let state = fx.state().await;
    assert_eq!(state.authority, new.pubkey());
    assert_eq!(state.pending_authority, Pubkey::default());

    // The old authority is out; the new one is in.
    let params = fx.params.clone();
    assert_program_error(fx.propose(&old, params.clone()).await, TreasuryError::NotAuthority);
    fx.propose(&new, params).await.unwrap();
    // Accepting twice is not possible.
    assert_program_error(fx.accept_role(&new, Role::Authority).await, TreasuryError::NotPendingHolder);
}

#[tokio::test]
async fn authority_proposal_can_be_withdrawn_and_never_goes_to_the_guardian() {
    let mut fx = Fixture::new(Setup::default()).await;
    let old = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let new = Keypair::new();
    fx.propose_role(&old, Role::Authority, new.pubkey()).await.unwrap();
    fx.propose_role(&old, Role::Authority, Pubkey::default()).await.unwrap();
    let before = fx.snapshot().await;
    assert_program_error(fx.accept_role(&new, Role::Authority).await, TreasuryError::NotPendingHolder);
    fx.assert_unchanged(&before).await;
    fx.propose_role(&old, Role::Authority, guardian.pubkey()).await.unwrap();
    let before = fx.snapshot().await;
    assert_program_error(fx.cancel_role(&guardian, Role::Authority).await, TreasuryError::NotAuthority);
    assert_program_error(fx.accept_role(&guardian, Role::Authority).await, TreasuryError::GuardianIsAuthority);
    fx.assert_unchanged(&before).await;
    fx.cancel_role(&old, Role::Authority).await.unwrap();
    assert_eq!(fx.state().await.authority, old.pubkey());
}

#[tokio::test]
async fn a_new_guardian_waits_out_the_time_lock_and_the_guardian_can_cancel_it() {
    let mut fx = Fixture::new(Setup::default()).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let next = Keypair::new();
    let before = fx.snapshot().await;
    assert_program_error(fx.propose_role(&authority, Role::Guardian, authority.pubkey()).await, TreasuryError::GuardianIsAuthority);
    assert_program_error(fx.propose_role(&guardian, Role::Guardian, next.pubkey()).await, TreasuryError::NotAuthority);
    fx.assert_unchanged(&before).await;

    fx.propose_role(&authority, Role::Guardian, next.pubkey()).await.unwrap();
    assert_program_error(fx.cancel_role(&next, Role::Guardian).await, TreasuryError::NotAuthorityOrGuardian);
    fx.cancel_role(&guardian, Role::Guardian).await.expect("the guardian objects");
    assert_program_error(fx.cancel_role(&guardian, Role::Guardian).await, TreasuryError::NoPendingRole);
    fx.bank.advance_clock(TIMELOCK).await;
    assert_program_error(fx.accept_role(&next, Role::Guardian).await, TreasuryError::NotPendingHolder);

    fx.propose_role(&authority, Role::Guardian, next.pubkey()).await.unwrap();
    fx.bank.advance_clock(TIMELOCK - 1).await;
    let before = fx.snapshot().await;
    assert_program_error(fx.accept_role(&next, Role::Guardian).await, TreasuryError::TimeLockNotElapsed);
    fx.assert_unchanged(&before).await;
    fx.bank.advance_clock(1).await;
    fx.accept_role(&next, Role::Guardian).await.expect("accept after the time lock");
    let state = fx.state().await;
    assert_eq!((state.guardian, state.pending_guardian), (next.pubkey(), None));
    // The old guardian cancels nothing any more.
    fx.propose(&authority, fx.params.clone()).await.unwrap();
    assert_program_error(fx.cancel(&guardian).await, TreasuryError::NotAuthorityOrGuardian);
    fx.cancel(&next).await.unwrap();
}

#[tokio::test]
async fn eight_recipients_fit_and_a_ninth_is_refused() {
    let weights: Vec<(u32, u8)> = (1..=8).map(|w| (w, (w % 4) as u8)).collect();
    let mut fx = Fixture::new(Setup { recipients: weights, initial_emission: 1_000_003, ..Setup::default() }).await;
    // Weights 1..8 sum to 36: 1000003·w/36 rounded down, the remainder to the first.
    let expected: Vec<u64> = (1..=8u64).map(|w| 1_000_003 * w / 36).collect();
    let remainder = 1_000_003 - expected.iter().sum::<u64>();
    let mut first_gets = expected.clone();
    first_gets[0] += remainder;
    assert_eq!(fx.emit_at_end(0, None).await, first_gets);

    // A full pending change fits in the account too.
    let authority = fx.authority.insecure_clone();
    let mut reordered = fx.params.clone();
    reordered.recipients.reverse();
    fx.propose(&authority, reordered.clone()).await.unwrap();
    assert_eq!(fx.state().await.pending_params.map(|p| p.params), Some(reordered));
    fx.cancel(&authority).await.unwrap();

    let extra = fx.bank.create_token_account(SPL_TOKEN, &fx.mint, &Pubkey::new_unique()).await;
    let mut nine = fx.params.clone();
    nine.recipients.push(Recipient { token_account: extra, weight: 1, category: 0 });
    let before = fx.snapshot().await;
    assert_program_error(fx.propose(&authority, nine).await, TreasuryError::InvalidRecipients);
    fx.assert_unchanged(&before).await;
}
