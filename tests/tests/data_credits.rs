//! data-credits: a config only the network token's mint authority creates, DC minted at Pyth and
//! oracle-quorum prices, non-transferability, fee burns, delegated usage burns and the payer's
//! withdrawal after a notice, per-epoch totals, the minting circuit breaker, tightening settings
//! at once and loosening them (price source, staleness, breaker, submitters, burn authority,
//! guardian) through a time lock the guardian can cancel, and role rotation.
use anchor_lang::prelude::Pubkey;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions};
use data_credits::errors::DataCreditsError;
use data_credits::instructions::{InitializeArgs, InitializePriceOracleArgs};
use data_credits::price::{PRICE_UPDATE_V2_DISCRIMINATOR, PYTH_RECEIVER_ID};
use data_credits::state::*;
use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
use fieldproof_tests::bank::anchor_ix;
use fieldproof_tests::tokens::{SPL_TOKEN, TOKEN_2022};
use fieldproof_tests::{assert_program_error, Bank};
use solana_account::{Account, AccountSharedData};
use solana_instruction::error::InstructionError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const FEED: [u8; 32] = [7; 32];
const NETWORK_DECIMALS: u8 = 6;
/// One whole network token in base units.
const TOKEN: u64 = 1_000_000;
const STALENESS: i64 = 60;
const DAY: i64 = 86_400;
/// $1.50 with a $0.02 confidence interval, exponent -8.
const PYTH_PRICE: i64 = 150_000_000;
const PYTH_CONF: u64 = 2_000_000;
const PYTH_EXPO: i32 = -8;
/// The configs' time lock: every loosening change waits this long.
const TIMELOCK: i64 = 3_600;

fn wide_breaker() -> BreakerConfig {
    BreakerConfig { window_secs: 3_600, threshold: Threshold::Absolute(u64::MAX) }
}

/// A Pyth receiver `PriceUpdateV2` account's data.
struct PythUpdate {
    feed_id: [u8; 32],
    price: i64,
    conf: u64,
    exponent: i32,
    publish_time: i64,
    /// `None` for Full verification, `Some(n)` for Partial { num_signatures: n }.
    partial_signatures: Option<u8>,
}

impl PythUpdate {
    fn at(publish_time: i64) -> Self {
        Self { feed_id: FEED, price: PYTH_PRICE, conf: PYTH_CONF, exponent: PYTH_EXPO, publish_time, partial_signatures: None }
    }

    fn data(&self) -> Vec<u8> {
        let mut d = PRICE_UPDATE_V2_DISCRIMINATOR.to_vec();
        d.extend_from_slice(&[9; 32]); // write authority
        match self.partial_signatures {
            None => d.push(1),
            Some(n) => d.extend_from_slice(&[0, n]),
        }
        d.extend_from_slice(&self.feed_id);
        d.extend_from_slice(&self.price.to_le_bytes());
        d.extend_from_slice(&self.conf.to_le_bytes());
        d.extend_from_slice(&self.exponent.to_le_bytes());
        d.extend_from_slice(&self.publish_time.to_le_bytes());
        d.extend_from_slice(&(self.publish_time - 1).to_le_bytes()); // prev_publish_time
        d.extend_from_slice(&self.price.to_le_bytes()); // ema_price
        d.extend_from_slice(&self.conf.to_le_bytes()); // ema_conf
        d.extend_from_slice(&42u64.to_le_bytes()); // posted_slot
        d.resize(134, 0); // the receiver allocates room for the Partial variant
        d
    }
}

/// Everything a rejected instruction must leave untouched.
#[derive(Debug, PartialEq, Eq)]
struct Balances {
    network_balance: u64,
    network_supply: u64,
    dc_balance: u64,
    dc_supply: u64,
    breaker_total: u64,
}

struct Fixture {
    bank: Bank,
    network_program: Pubkey,
    network_mint: Pubkey,
    config: Pubkey,
    dc_mint: Pubkey,
    /// The network token's mint authority, which creates the config and governs it.
    authority: Keypair,
    guardian: Keypair,
    burn_authority: Keypair,
    user: Keypair,
    user_network: Pubkey,
    user_dc: Pubkey,
    pyth: Pubkey,
}

fn dc_ata(dc_mint: &Pubkey, owner: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(owner, dc_mint, &TOKEN_2022)
}

fn escrow_pda(config: &Pubkey, payer: &Pubkey, router: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[ESCROW_SEED, config.as_ref(), payer.as_ref(), router.as_ref()], &data_credits::ID).0
}

fn epoch_burns_pda(config: &Pubkey, epoch: u64) -> Pubkey {
    Pubkey::find_program_address(&[EPOCH_BURNS_SEED, config.as_ref(), &epoch.to_le_bytes()], &data_credits::ID).0
}

fn custom_code(result: Result<(), TransactionError>) -> u32 {
    match result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => code,
        other => panic!("expected a custom program error, got {other:?}"),
    }
}

fn initialize_ix(payer: Pubkey, authority: Pubkey, network_mint: Pubkey, args: InitializeArgs) -> Instruction {
    let config = Pubkey::find_program_address(&[CONFIG_SEED, network_mint.as_ref()], &data_credits::ID).0;
    let dc_mint = Pubkey::find_program_address(&[DC_MINT_SEED, config.as_ref()], &data_credits::ID).0;
    anchor_ix(
        data_credits::ID,
        data_credits::accounts::Initialize {
            payer,
            authority,
            network_mint,
            config,
            dc_mint,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        data_credits::instruction::Initialize { args },
    )
}

impl Fixture {
    async fn new(breaker: BreakerConfig) -> Self {
        Self::with_network_program(SPL_TOKEN, breaker).await
    }

    async fn with_network_program(network_program: Pubkey, breaker: BreakerConfig) -> Self {
        let mut bank = Bank::start().await;
        let network_authority = Keypair::new();
        let network_mint = bank.create_mint(network_program, &network_authority.pubkey(), NETWORK_DECIMALS).await;
        let config = Pubkey::find_program_address(&[CONFIG_SEED, network_mint.as_ref()], &data_credits::ID).0;
        let dc_mint = Pubkey::find_program_address(&[DC_MINT_SEED, config.as_ref()], &data_credits::ID).0;
        let user = Keypair::new();
        bank.airdrop(user.pubkey(), 1_000_000_000).await;
        let user_network = bank.create_token_account(network_program, &network_mint, &user.pubkey()).await;
        bank.mint_tokens(network_program, &network_mint, &user_network, &network_authority, 100 * TOKEN).await;
        let mut fx = Fixture {
            bank,
            network_program,
            network_mint,
            config,
            dc_mint,
            authority: network_authority.insecure_clone(),
            guardian: Keypair::new(),
            burn_authority: Keypair::new(),
            user_dc: dc_ata(&dc_mint, &user.pubkey()),
            user,
            user_network,
            pyth: Pubkey::new_unique(),
        };
        let now = fx.bank.now().await;
        let args = InitializeArgs {
            burn_authority: fx.burn_authority.pubkey(),
            guardian: fx.guardian.pubkey(),
            timelock_secs: TIMELOCK,
            price_source: PriceSource::Pyth { feed_id: FEED },
            max_price_staleness_secs: STALENESS,
            epoch_start: now,
            epoch_length_secs: DAY,
            breaker,
        };
        let ix = initialize_ix(fx.bank.payer().pubkey(), fx.authority.pubkey(), network_mint, args);
        let authority = fx.authority.insecure_clone();
        fx.bank.send(&[ix], &[&authority]).await.expect("initialize");
        let owner = fx.user.pubkey();
        fx.create_dc_account(&owner).await;
        fx.set_pyth(PythUpdate::at(now)).await;
        fx
    }

    async fn create_dc_account(&mut self, owner: &Pubkey) -> Pubkey {
        let ix = create_associated_token_account(&self.bank.payer().pubkey(), owner, &self.dc_mint, &TOKEN_2022);
        self.bank.send(&[ix], &[]).await.expect("create DC account");
        dc_ata(&self.dc_mint, owner)
    }

    async fn set_pyth_account(&mut self, key: Pubkey, owner: Pubkey, data: Vec<u8>) {
        let account = Account { lamports: 10_000_000, data, owner, executable: false, rent_epoch: 0 };
        self.bank.ctx.set_account(&key, &AccountSharedData::from(account));
    }

    async fn set_pyth(&mut self, update: PythUpdate) {
        let key = self.pyth;
        self.set_pyth_account(key, PYTH_RECEIVER_ID, update.data()).await;
    }

    async fn config(&mut self) -> DataCreditsConfig {
        let key = self.config;
        self.bank.account(key).await
    }

    async fn balances(&mut self) -> Balances {
        let (user_network, network_mint, user_dc, dc_mint) = (self.user_network, self.network_mint, self.user_dc, self.dc_mint);
        Balances {
            network_balance: self.bank.token_balance(user_network).await,
            network_supply: self.bank.mint_supply(network_mint).await,
            dc_balance: self.bank.token_balance(user_dc).await,
            dc_supply: self.bank.mint_supply(dc_mint).await,
            breaker_total: self.config().await.breaker.last_total,
        }
    }

    fn mint_ix_with(&self, price_account: Pubkey, recipient: Pubkey, network_amount: u64) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::MintDataCredits {
                payer: self.user.pubkey(),
                config: self.config,
                price_account,
                network_mint: self.network_mint,
                source: self.user_network,
                dc_mint: self.dc_mint,
                recipient,
                network_token_program: self.network_program,
                token_program: TOKEN_2022,
            },
            data_credits::instruction::MintDataCredits { network_amount },
        )
    }

    async fn mint_dc(&mut self, price_account: Pubkey, network_amount: u64) -> Result<(), TransactionError> {
        let ix = self.mint_ix_with(price_account, self.user_dc, network_amount);
        let user = self.user.insecure_clone();
        self.bank.send(&[ix], &[&user]).await
    }

    /// A mint at `price_account` that must fail with `error` and leave every balance as it was.
    async fn assert_mint_refused(&mut self, price_account: Pubkey, network_amount: u64, error: DataCreditsError) {
        let before = self.balances().await;
        let result = self.mint_dc(price_account, network_amount).await;
        assert_program_error(result, error);
        assert_eq!(self.balances().await, before, "a refused mint moves nothing");
    }

    async fn current_epoch(&mut self) -> u64 {
        let config = self.config().await;
        ((self.bank.now().await - config.epoch_start) / config.epoch_length_secs) as u64
    }

    fn burn_fee_ix(&self, owner: &Keypair, source: Pubkey, amount: u64, epoch: u64) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::BurnFee {
                payer: self.bank.payer().pubkey(),
                owner: owner.pubkey(),
                config: self.config,
                dc_mint: self.dc_mint,
                source,
                epoch_burns: epoch_burns_pda(&self.config, epoch),
                token_program: TOKEN_2022,
                system_program: anchor_lang::system_program::ID,
            },
            data_credits::instruction::BurnFee { amount, epoch },
        )
    }

    fn delegate_ix(&self, router: Pubkey, amount: u64) -> Instruction {
        let escrow = escrow_pda(&self.config, &self.user.pubkey(), &router);
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::DelegateDataCredits {
                payer: self.user.pubkey(),
                config: self.config,
                dc_mint: self.dc_mint,
                source: self.user_dc,
                escrow,
                escrow_dc_account: dc_ata(&self.dc_mint, &escrow),
                token_program: TOKEN_2022,
                associated_token_program: anchor_spl::associated_token::ID,
                system_program: anchor_lang::system_program::ID,
            },
            data_credits::instruction::DelegateDataCredits { amount, router },
        )
    }

    fn burn_delegated_ix(&self, signer: &Keypair, escrow: Pubkey, amount: u64, category: u8, epoch: u64) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::BurnDelegated {
                payer: self.bank.payer().pubkey(),
                burn_authority: signer.pubkey(),
                config: self.config,
                escrow,
                escrow_dc_account: dc_ata(&self.dc_mint, &escrow),
                dc_mint: self.dc_mint,
                epoch_burns: epoch_burns_pda(&self.config, epoch),
                token_program: TOKEN_2022,
                system_program: anchor_lang::system_program::ID,
            },
            data_credits::instruction::BurnDelegated { amount, category, epoch },
        )
    }

    fn tighten_ix(&self, signer: &Keypair, settings: Settings) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::TightenConfig { config: self.config, authority: signer.pubkey() },
            data_credits::instruction::TightenConfig { settings },
        )
    }

    fn propose_config_ix(&self, signer: &Keypair, settings: Settings) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::ProposeConfig { config: self.config, authority: signer.pubkey() },
            data_credits::instruction::ProposeConfig { settings },
        )
    }

    fn apply_config_ix(&self, signer: &Keypair) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::ApplyConfig { config: self.config, authority: signer.pubkey() },
            data_credits::instruction::ApplyConfig {},
        )
    }

    fn cancel_config_ix(&self, signer: &Keypair) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::CancelConfig { config: self.config, signer: signer.pubkey() },
            data_credits::instruction::CancelConfig {},
        )
    }

    /// Proposes `settings`, waits out the time lock and applies them.
    async fn change_settings(&mut self, settings: Settings) {
        let authority = self.authority.insecure_clone();
        let ix = self.propose_config_ix(&authority, settings);
        self.bank.send(&[ix], &[&authority]).await.expect("propose settings");
        self.bank.advance_clock(TIMELOCK).await;
        let ix = self.apply_config_ix(&authority);
        self.bank.send(&[ix], &[&authority]).await.expect("apply settings");
    }

    fn cancel_role_ix(&self, signer: &Keypair, role: Role) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::CancelRole { config: self.config, signer: signer.pubkey() },
            data_credits::instruction::CancelRole { role },
        )
    }

    fn raise_timelock_ix(&self, signer: &Keypair, timelock_secs: i64) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::RaiseTimelock { config: self.config, authority: signer.pubkey() },
            data_credits::instruction::RaiseTimelock { timelock_secs },
        )
    }

    fn submitters_accounts<T>(&self, signer: &Keypair, make: impl FnOnce(Pubkey, Pubkey, Pubkey) -> T) -> T {
        make(signer.pubkey(), self.config, self.price_oracle())
    }

    fn propose_submitters_ix(&self, signer: &Keypair, submitters: Vec<Pubkey>, min_submissions: u8) -> Instruction {
        let accounts = self.submitters_accounts(signer, |authority, config, price_oracle| data_credits::accounts::ProposePriceSubmitters { authority, config, price_oracle });
        anchor_ix(data_credits::ID, accounts, data_credits::instruction::ProposePriceSubmitters { submitters, min_submissions })
    }

    fn apply_submitters_ix(&self, signer: &Keypair) -> Instruction {
        let accounts = self.submitters_accounts(signer, |authority, config, price_oracle| data_credits::accounts::ApplyPriceSubmitters { authority, config, price_oracle });
        anchor_ix(data_credits::ID, accounts, data_credits::instruction::ApplyPriceSubmitters {})
    }

    fn cancel_submitters_ix(&self, signer: &Keypair) -> Instruction {
        let accounts = self.submitters_accounts(signer, |signer, config, price_oracle| data_credits::accounts::CancelPriceSubmitters { signer, config, price_oracle });
        anchor_ix(data_credits::ID, accounts, data_credits::instruction::CancelPriceSubmitters {})
    }

    fn request_withdrawal_ix(&self, payer: &Keypair, router: Pubkey) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::RequestWithdrawal {
                payer: payer.pubkey(),
                config: self.config,
                escrow: escrow_pda(&self.config, &payer.pubkey(), &router),
            },
            data_credits::instruction::RequestWithdrawal { router },
        )
    }

    fn withdraw_ix(&self, payer: &Keypair, escrow_payer: &Pubkey, router: Pubkey, destination: Pubkey) -> Instruction {
        let escrow = escrow_pda(&self.config, escrow_payer, &router);
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::WithdrawDelegated {
                payer: payer.pubkey(),
                config: self.config,
                escrow,
                escrow_dc_account: dc_ata(&self.dc_mint, &escrow),
                destination,
                dc_mint: self.dc_mint,
                token_program: TOKEN_2022,
            },
            data_credits::instruction::WithdrawDelegated { router },
        )
    }

    async fn settings(&mut self) -> Settings {
        self.config().await.settings()
    }

    fn propose_role_ix(&self, signer: &Keypair, role: Role, new_holder: Pubkey) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::ProposeRole { config: self.config, authority: signer.pubkey() },
            data_credits::instruction::ProposeRole { role, new_holder },
        )
    }

    fn accept_role_ix(&self, signer: &Keypair, role: Role) -> Instruction {
        anchor_ix(
            data_credits::ID,
            data_credits::accounts::AcceptRole { config: self.config, new_holder: signer.pubkey() },
            data_credits::instruction::AcceptRole { role },
        )
    }

    fn price_oracle(&self) -> Pubkey {
        Pubkey::find_program_address(&[PRICE_ORACLE_SEED, self.config.as_ref()], &data_credits::ID).0
    }

    /// Creates the quorum price account with `submitters` and switches the config to it.
    async fn use_quorum(&mut self, submitters: &[&Keypair], min_submissions: u8, expo: i32) -> Pubkey {
        let oracle = self.price_oracle();
        let ix = anchor_ix(
            data_credits::ID,
            data_credits::accounts::InitializePriceOracle {
                payer: self.bank.payer().pubkey(),
                authority: self.authority.pubkey(),
                config: self.config,
                price_oracle: oracle,
                system_program: anchor_lang::system_program::ID,
            },
            data_credits::instruction::InitializePriceOracle {
                args: InitializePriceOracleArgs {
                    submitters: submitters.iter().map(|k| k.pubkey()).collect(),
                    min_submissions,
                    expo,
                },
            },
        );
        let authority = self.authority.insecure_clone();
        self.bank.send(&[ix], &[&authority]).await.expect("initialize price oracle");
        let settings = Settings { price_source: PriceSource::Quorum { oracle }, ..self.settings().await };
        self.change_settings(settings).await;
        oracle
    }

    async fn submit_price(&mut self, submitter: &Keypair, price: u64) -> Result<(), TransactionError> {
        let ix = anchor_ix(
            data_credits::ID,
            data_credits::accounts::SubmitPrice { submitter: submitter.pubkey(), price_oracle: self.price_oracle() },
            data_credits::instruction::SubmitPrice { price },
        );
        self.bank.send(&[ix], &[submitter]).await
    }

    /// Mints `network_amount` and returns the DC it bought.
    async fn minted_for(&mut self, price_account: Pubkey, network_amount: u64) -> u64 {
        let before = self.bank.token_balance(self.user_dc).await;
        self.mint_dc(price_account, network_amount).await.expect("mint DC");
        self.bank.token_balance(self.user_dc).await - before
    }
}

#[tokio::test]
async fn initialize_creates_a_non_transferable_dc_mint_owned_by_the_config() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let config = fx.config().await;
    assert_eq!(config.authority, fx.authority.pubkey());
    assert_eq!(config.burn_authority, fx.burn_authority.pubkey());
    assert_eq!((config.guardian, config.timelock_secs), (fx.guardian.pubkey(), TIMELOCK));
    assert_eq!(config.network_mint, fx.network_mint);
    assert_eq!(config.dc_mint, fx.dc_mint);
    assert_eq!(config.price_source, PriceSource::Pyth { feed_id: FEED });

    let mint = fx.bank.raw_account(fx.dc_mint).await.expect("DC mint exists");
    assert_eq!(mint.owner, TOKEN_2022);
    let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&mint.data).expect("mint");
    assert_eq!(state.get_extension_types().unwrap(), vec![ExtensionType::NonTransferable]);
    assert_eq!(state.base.decimals, 0);
    assert_eq!(state.base.supply, 0);
    assert_eq!(Option::<Pubkey>::from(state.base.mint_authority), Some(fx.config));
    assert_eq!(Option::<Pubkey>::from(state.base.freeze_authority), None);

    // A second config for the same network token cannot be created.
    let ix = initialize_ix(fx.bank.payer().pubkey(), fx.authority.pubkey(), fx.network_mint, valid_args(&fx.guardian.pubkey()));
    let authority = fx.authority.insecure_clone();
    assert!(fx.bank.send(&[ix], &[&authority]).await.is_err());
}

fn valid_args(guardian: &Pubkey) -> InitializeArgs {
    InitializeArgs {
        burn_authority: Pubkey::new_unique(),
        guardian: *guardian,
        timelock_secs: TIMELOCK,
        price_source: PriceSource::Pyth { feed_id: FEED },
        max_price_staleness_secs: STALENESS,
        epoch_start: 0,
        epoch_length_secs: DAY,
        breaker: wide_breaker(),
    }
}

#[tokio::test]
async fn only_the_mint_authority_creates_the_config_of_its_token() {
    // The config's address derives from the mint alone, and the device network's and the pools'
    // from it: whoever created it first would govern the network's data credits.
    let mut bank = Bank::start().await;
    let mint_authority = Keypair::new();
    let network_mint = bank.create_mint(SPL_TOKEN, &mint_authority.pubkey(), NETWORK_DECIMALS).await;
    let config = Pubkey::find_program_address(&[CONFIG_SEED, network_mint.as_ref()], &data_credits::ID).0;
    let squatter = Keypair::new();
    let ix = initialize_ix(bank.payer().pubkey(), squatter.pubkey(), network_mint, valid_args(&Pubkey::new_unique()));
    assert_program_error(bank.send(&[ix], &[&squatter]).await, DataCreditsError::NotMintAuthority);
    assert!(!bank.exists(config).await, "nothing is created");
    let ix = initialize_ix(bank.payer().pubkey(), mint_authority.pubkey(), network_mint, valid_args(&Pubkey::new_unique()));
    bank.send(&[ix], &[&mint_authority]).await.expect("the mint authority creates it");
    let created: DataCreditsConfig = bank.account(config).await;
    assert_eq!(created.authority, mint_authority.pubkey());
}

#[tokio::test]
async fn initialize_refuses_invalid_settings() {
    let mut bank = Bank::start().await;
    let authority = Keypair::new();
    let network_mint = bank.create_mint(SPL_TOKEN, &authority.pubkey(), NETWORK_DECIMALS).await;
    let config = Pubkey::find_program_address(&[CONFIG_SEED, network_mint.as_ref()], &data_credits::ID).0;
    let dc_mint = Pubkey::find_program_address(&[DC_MINT_SEED, config.as_ref()], &data_credits::ID).0;
    let valid = valid_args(&Pubkey::new_unique());
    let cases = [
        (InitializeArgs { max_price_staleness_secs: 0, ..valid.clone() }, DataCreditsError::InvalidStaleness),
        (InitializeArgs { epoch_length_secs: 0, ..valid.clone() }, DataCreditsError::InvalidEpochLength),
        (
            InitializeArgs { breaker: BreakerConfig { window_secs: 0, threshold: Threshold::Absolute(1) }, ..valid.clone() },
            DataCreditsError::InvalidBreakerConfig,
        ),
        // A share of the DC supply, which starts at zero, would refuse every mint.
        (
            InitializeArgs { breaker: BreakerConfig { window_secs: 60, threshold: Threshold::Percent(1_000) }, ..valid.clone() },
            DataCreditsError::BreakerNeedsAbsoluteThreshold,
        ),
        (
            InitializeArgs { price_source: PriceSource::Quorum { oracle: Pubkey::default() }, ..valid.clone() },
            DataCreditsError::InvalidPriceSource,
        ),
        (InitializeArgs { timelock_secs: 0, ..valid.clone() }, DataCreditsError::InvalidTimeLock),
        (InitializeArgs { timelock_secs: MAX_TIMELOCK_SECS + 1, ..valid.clone() }, DataCreditsError::InvalidTimeLock),
        (InitializeArgs { guardian: authority.pubkey(), ..valid.clone() }, DataCreditsError::GuardianIsAuthority),
        (InitializeArgs { guardian: Pubkey::default(), ..valid.clone() }, DataCreditsError::GuardianIsAuthority),
    ];
    for (args, error) in cases {
        let ix = initialize_ix(bank.payer().pubkey(), authority.pubkey(), network_mint, args);
        assert_program_error(bank.send(&[ix], &[&authority]).await, error);
        assert!(!bank.exists(config).await && !bank.exists(dc_mint).await, "nothing is created");
    }
}

#[tokio::test]
async fn mint_at_the_pyth_price_minus_confidence() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let before = fx.balances().await;
    // 2 tokens at $1.50 - $0.02 = $2.96 = 296_000 DC (not the 300_000 of the raw price).
    fx.mint_dc(fx.pyth, 2 * TOKEN).await.expect("mint DC");
    let after = fx.balances().await;
    assert_eq!(after.dc_balance, 296_000);
    assert_eq!(after.dc_supply, 296_000);
    assert_eq!(after.network_balance, before.network_balance - 2 * TOKEN);
    assert_eq!(after.network_supply, before.network_supply - 2 * TOKEN, "the network token is burned");
    assert_eq!(after.breaker_total, 296_000);

    // Flooring: 1.234567 tokens * $1.48 = $1.82715916 -> 182_715 DC.
    assert_eq!(fx.minted_for(fx.pyth, 1_234_567).await, 182_715);

    // DC can be bought for someone else's DC account.
    let friend = Pubkey::new_unique();
    let friend_dc = fx.create_dc_account(&friend).await;
    let ix = fx.mint_ix_with(fx.pyth, friend_dc, TOKEN);
    let user = fx.user.insecure_clone();
    fx.bank.send(&[ix], &[&user]).await.expect("mint DC for a friend");
    assert_eq!(fx.bank.token_balance(friend_dc).await, 148_000);
}

#[tokio::test]
async fn mint_burns_a_token_2022_network_token_too() {
    let mut fx = Fixture::with_network_program(TOKEN_2022, wide_breaker()).await;
    assert_eq!(fx.minted_for(fx.pyth, TOKEN).await, 148_000);
    assert_eq!(fx.bank.token_balance(fx.user_network).await, 99 * TOKEN);
}

#[tokio::test]
async fn stale_pyth_price_is_refused() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let now = fx.bank.now().await;
    fx.set_pyth(PythUpdate::at(now - STALENESS - 1)).await;
    fx.assert_mint_refused(fx.pyth, TOKEN, DataCreditsError::StalePrice).await;
    // Exactly at the limit is still fresh.
    fx.set_pyth(PythUpdate::at(now - STALENESS)).await;
    assert_eq!(fx.minted_for(fx.pyth, TOKEN).await, 148_000);
}

#[tokio::test]
async fn pyth_price_of_another_feed_is_refused() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let now = fx.bank.now().await;
    fx.set_pyth(PythUpdate { feed_id: [8; 32], ..PythUpdate::at(now) }).await;
    fx.assert_mint_refused(fx.pyth, TOKEN, DataCreditsError::WrongPriceFeed).await;
}

#[tokio::test]
async fn pyth_account_not_owned_by_the_receiver_is_refused() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let now = fx.bank.now().await;
    let forged = Pubkey::new_unique();
    fx.set_pyth_account(forged, Pubkey::new_unique(), PythUpdate::at(now).data()).await;
    fx.assert_mint_refused(forged, TOKEN, DataCreditsError::PriceAccountNotPyth).await;
}

#[tokio::test]
async fn partially_verified_pyth_update_is_refused() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let now = fx.bank.now().await;
    fx.set_pyth(PythUpdate { partial_signatures: Some(5), ..PythUpdate::at(now) }).await;
    fx.assert_mint_refused(fx.pyth, TOKEN, DataCreditsError::PriceNotFullyVerified).await;
}

#[tokio::test]
async fn malformed_or_non_positive_pyth_prices_are_refused() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let now = fx.bank.now().await;
    // Another receiver account type (wrong discriminator).
    let mut data = PythUpdate::at(now).data();
    data[0] ^= 0xff;
    let pyth = fx.pyth;
    fx.set_pyth_account(pyth, PYTH_RECEIVER_ID, data).await;
    fx.assert_mint_refused(pyth, TOKEN, DataCreditsError::MalformedPriceAccount).await;
    // Truncated.
    fx.set_pyth_account(pyth, PYTH_RECEIVER_ID, PythUpdate::at(now).data()[..60].to_vec()).await;
    fx.assert_mint_refused(pyth, TOKEN, DataCreditsError::MalformedPriceAccount).await;
    // Confidence as wide as the price: the conservative price is zero.
    fx.set_pyth(PythUpdate { conf: PYTH_PRICE as u64, ..PythUpdate::at(now) }).await;
    fx.assert_mint_refused(pyth, TOKEN, DataCreditsError::NonPositivePrice).await;
    fx.set_pyth(PythUpdate { price: -5, conf: 0, ..PythUpdate::at(now) }).await;
    fx.assert_mint_refused(pyth, TOKEN, DataCreditsError::NonPositivePrice).await;
}

#[tokio::test]
async fn mint_refuses_zero_and_dust_amounts() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.assert_mint_refused(fx.pyth, 0, DataCreditsError::ZeroAmount).await;
    // 6 base units * $1.48 * 1e-6 = $0.00000888 < 1 DC.
    fx.assert_mint_refused(fx.pyth, 6, DataCreditsError::ZeroDataCredits).await;
    assert_eq!(fx.minted_for(fx.pyth, 7).await, 1);
}

#[tokio::test]
async fn mint_refuses_a_source_account_the_signer_does_not_own() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let stranger = Keypair::new();
    let mut ix = fx.mint_ix_with(fx.pyth, fx.user_dc, TOKEN);
    ix.accounts[0].pubkey = stranger.pubkey();
    let before = fx.balances().await;
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::WrongTokenOwner);
    assert_eq!(fx.balances().await, before);
}

#[tokio::test]
async fn quorum_price_is_the_median_of_fresh_submissions() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let submitters: Vec<Keypair> = (0..5).map(|_| Keypair::new()).collect();
    let refs: Vec<&Keypair> = submitters.iter().collect();
    // Prices in micro-dollars (expo -6): 1 token at $p buys p / 10 DC.
    let oracle = fx.use_quorum(&refs, 3, -6).await;

    // The Pyth account is no longer the configured source.
    fx.assert_mint_refused(fx.pyth, TOKEN, DataCreditsError::WrongPriceAccount).await;

    fx.submit_price(&submitters[0], 1_000_000).await.expect("submit");
    fx.submit_price(&submitters[1], 1_200_000).await.expect("submit");
    fx.assert_mint_refused(oracle, TOKEN, DataCreditsError::NotEnoughFreshPrices).await;

    // Odd count: median of $1.00, $1.20, $50.00 is $1.20; the outlier has no weight.
    fx.submit_price(&submitters[2], 50_000_000).await.expect("submit");
    assert_eq!(fx.minted_for(oracle, TOKEN).await, 120_000);

    // Even count: $1.00, $1.10, $1.20, $50.00 -> ($1.10 + $1.20) / 2 = $1.15.
    fx.submit_price(&submitters[3], 1_100_000).await.expect("submit");
    assert_eq!(fx.minted_for(oracle, TOKEN).await, 115_000);

    // All four go stale; two fresh ones are below the minimum of three.
    fx.bank.advance_clock(STALENESS + 1).await;
    fx.submit_price(&submitters[4], 2_000_000).await.expect("submit");
    fx.submit_price(&submitters[0], 2_200_000).await.expect("submit");
    fx.assert_mint_refused(oracle, TOKEN, DataCreditsError::NotEnoughFreshPrices).await;

    // Stale submissions are ignored: $2.00, $2.20, $2.60 -> $2.20 (the stale $50 would
    // otherwise have moved the median).
    fx.submit_price(&submitters[1], 2_600_000).await.expect("submit");
    assert_eq!(fx.minted_for(oracle, TOKEN).await, 220_000);

    let state: PriceOracle = fx.bank.account(oracle).await;
    assert_eq!(state.submissions[1].price, 2_600_000);
    assert_eq!(state.submissions[2].price, 50_000_000, "the stale price is kept but not used");
}

#[tokio::test]
async fn non_submitter_price_is_refused() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let submitter = Keypair::new();
    let oracle = fx.use_quorum(&[&submitter], 1, -6).await;
    fx.submit_price(&submitter, 1_000_000).await.expect("submit");
    let before: PriceOracle = fx.bank.account(oracle).await;

    let stranger = Keypair::new();
    assert_program_error(fx.submit_price(&stranger, 9_000_000).await, DataCreditsError::NotSubmitter);
    assert_program_error(fx.submit_price(&submitter, 0).await, DataCreditsError::NonPositivePrice);
    let after: PriceOracle = fx.bank.account(oracle).await;
    assert_eq!(after.submissions, before.submissions, "no submission changed");
    assert_eq!(fx.minted_for(oracle, TOKEN).await, 100_000);
}

#[tokio::test]
async fn new_price_submitters_wait_out_the_time_lock() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let old = Keypair::new();
    let new = Keypair::new();
    let oracle = fx.use_quorum(&[&old], 1, -6).await;
    fx.submit_price(&old, 1_000_000).await.expect("submit");
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let stranger = Keypair::new();
    let unchanged: PriceOracle = fx.bank.account(oracle).await;

    let ix = fx.propose_submitters_ix(&stranger, vec![new.pubkey()], 1);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthority);
    let ix = fx.propose_submitters_ix(&guardian, vec![new.pubkey()], 1);
    assert_program_error(fx.bank.send(&[ix], &[&guardian]).await, DataCreditsError::NotAuthority);
    let ix = fx.propose_submitters_ix(&authority, vec![new.pubkey(), new.pubkey()], 1);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::InvalidSubmitterSet);
    let ix = fx.propose_submitters_ix(&authority, vec![new.pubkey()], 2);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::InvalidSubmitterSet);
    let ix = fx.apply_submitters_ix(&authority);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::NoPendingChange);
    let now: PriceOracle = fx.bank.account(oracle).await;
    assert_eq!((now.submitters, now.pending), (unchanged.submitters, None));

    // The guardian cancels a proposal; a stranger cannot.
    let ix = fx.propose_submitters_ix(&authority, vec![new.pubkey()], 1);
    fx.bank.send(&[ix], &[&authority]).await.expect("propose");
    let ix = fx.cancel_submitters_ix(&stranger);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthorityOrGuardian);
    let ix = fx.cancel_submitters_ix(&guardian);
    fx.bank.send(&[ix], &[&guardian]).await.expect("the guardian cancels");
    let ix = fx.cancel_submitters_ix(&guardian);
    assert_program_error(fx.bank.send(&[ix], &[&guardian]).await, DataCreditsError::NoPendingChange);

    let ix = fx.propose_submitters_ix(&authority, vec![new.pubkey()], 1);
    fx.bank.send(&[ix], &[&authority]).await.expect("propose again");
    fx.bank.advance_clock(TIMELOCK - 1).await;
    let ix = fx.apply_submitters_ix(&authority);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::TimeLockNotElapsed);
    assert_program_error(fx.submit_price(&new, 3_000_000).await, DataCreditsError::NotSubmitter);
    fx.submit_price(&old, 1_000_000).await.expect("the old set still rules");
    fx.bank.advance_clock(1).await;
    let ix = fx.apply_submitters_ix(&stranger);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthority);
    let ix = fx.apply_submitters_ix(&authority);
    fx.bank.send(&[ix], &[&authority]).await.expect("apply");
    // The removed key's price no longer counts, and the removed key can no longer submit.
    fx.assert_mint_refused(oracle, TOKEN, DataCreditsError::NotEnoughFreshPrices).await;
    assert_program_error(fx.submit_price(&old, 1_000_000).await, DataCreditsError::NotSubmitter);
    fx.submit_price(&new, 3_000_000).await.expect("submit");
    assert_eq!(fx.minted_for(oracle, TOKEN).await, 300_000);
}

#[tokio::test]
async fn a_price_oracle_of_another_config_is_refused() {
    // Network B, in the same bank, runs its own quorum oracle with a much higher price.
    let mut fx = Fixture::new(wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let mint_b = fx.bank.create_mint(SPL_TOKEN, &authority.pubkey(), NETWORK_DECIMALS).await;
    let config_b = Pubkey::find_program_address(&[CONFIG_SEED, mint_b.as_ref()], &data_credits::ID).0;
    let ix = initialize_ix(fx.bank.payer().pubkey(), authority.pubkey(), mint_b, valid_args(&fx.guardian.pubkey()));
    fx.bank.send(&[ix], &[&authority]).await.expect("initialize network B");
    let oracle_b = Pubkey::find_program_address(&[PRICE_ORACLE_SEED, config_b.as_ref()], &data_credits::ID).0;
    let submitter = Keypair::new();
    let ix = anchor_ix(
        data_credits::ID,
        data_credits::accounts::InitializePriceOracle {
            payer: fx.bank.payer().pubkey(),
            authority: authority.pubkey(),
            config: config_b,
            price_oracle: oracle_b,
            system_program: anchor_lang::system_program::ID,
        },
        data_credits::instruction::InitializePriceOracle {
            args: InitializePriceOracleArgs { submitters: vec![submitter.pubkey()], min_submissions: 1, expo: -6 },
        },
    );
    fx.bank.send(&[ix], &[&authority]).await.expect("initialize B's oracle");

    // Network A's authority points A at B's oracle: the account says it belongs to B.
    let settings = Settings { price_source: PriceSource::Quorum { oracle: oracle_b }, ..fx.settings().await };
    fx.change_settings(settings).await;
    let ix = anchor_ix(
        data_credits::ID,
        data_credits::accounts::SubmitPrice { submitter: submitter.pubkey(), price_oracle: oracle_b },
        data_credits::instruction::SubmitPrice { price: 1_000_000_000 },
    );
    fx.bank.send(&[ix], &[&submitter]).await.expect("submit to B's oracle");
    fx.assert_mint_refused(oracle_b, TOKEN, DataCreditsError::WrongPriceAccount).await;
}

/// A second network token of the fixture's authority and its DC config, with burn epochs from
/// `epoch_start`; returns (mint, config, DC mint).
async fn second_network(fx: &mut Fixture, epoch_start: i64) -> (Pubkey, Pubkey, Pubkey) {
    let authority = fx.authority.insecure_clone();
    let mint = fx.bank.create_mint(SPL_TOKEN, &authority.pubkey(), NETWORK_DECIMALS).await;
    let config = Pubkey::find_program_address(&[CONFIG_SEED, mint.as_ref()], &data_credits::ID).0;
    let args = InitializeArgs { epoch_start, ..valid_args(&fx.guardian.pubkey()) };
    let ix = initialize_ix(fx.bank.payer().pubkey(), authority.pubkey(), mint, args);
    fx.bank.send(&[ix], &[&authority]).await.expect("initialize the second network");
    let dc_mint = Pubkey::find_program_address(&[DC_MINT_SEED, config.as_ref()], &data_credits::ID).0;
    (mint, config, dc_mint)
}

#[tokio::test]
async fn mints_of_another_network_are_refused_by_name() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let (other_mint, _, other_dc_mint) = second_network(&mut fx, 0).await;
    let user = fx.user.insecure_clone();
    let other_source = fx.bank.create_token_account(SPL_TOKEN, &other_mint, &user.pubkey()).await;
    let authority = fx.authority.insecure_clone();
    fx.bank.mint_tokens(SPL_TOKEN, &other_mint, &other_source, &authority, TOKEN).await;
    let ix = create_associated_token_account(&fx.bank.payer().pubkey(), &user.pubkey(), &other_dc_mint, &TOKEN_2022);
    fx.bank.send(&[ix], &[]).await.expect("a DC account of the other network");
    let other_dc = dc_ata(&other_dc_mint, &user.pubkey());
    let before = fx.balances().await;

    let mint_ix = |network_mint, source, dc_mint, recipient| {
        let accounts = data_credits::accounts::MintDataCredits {
            payer: user.pubkey(),
            config: fx.config,
            price_account: fx.pyth,
            network_mint,
            source,
            dc_mint,
            recipient,
            network_token_program: SPL_TOKEN,
            token_program: TOKEN_2022,
        };
        anchor_ix(data_credits::ID, accounts, data_credits::instruction::MintDataCredits { network_amount: TOKEN })
    };
    // The other network's tokens burned for this network's DC, and the other way round.
    let ix = mint_ix(other_mint, other_source, fx.dc_mint, fx.user_dc);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::WrongNetworkMint);
    let ix = mint_ix(fx.network_mint, fx.user_network, other_dc_mint, other_dc);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::WrongDcMint);

    assert_eq!(fx.balances().await, before);
    assert_eq!((fx.bank.token_balance(other_source).await, fx.bank.token_balance(other_dc).await), (TOKEN, 0));
}

#[tokio::test]
async fn nothing_is_booked_before_the_first_burn_epoch() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let now = fx.bank.now().await;
    let (_, config, dc_mint) = second_network(&mut fx, now + DAY).await;
    let user = fx.user.insecure_clone();
    let ix = create_associated_token_account(&fx.bank.payer().pubkey(), &user.pubkey(), &dc_mint, &TOKEN_2022);
    fx.bank.send(&[ix], &[]).await.expect("a DC account of the other network");
    let ix = anchor_ix(
        data_credits::ID,
        data_credits::accounts::BurnFee {
            payer: fx.bank.payer().pubkey(),
            owner: user.pubkey(),
            config,
            dc_mint,
            source: dc_ata(&dc_mint, &user.pubkey()),
            epoch_burns: epoch_burns_pda(&config, 0),
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        data_credits::instruction::BurnFee { amount: 1, epoch: 0 },
    );
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::EpochNotStarted);
    assert!(!fx.bank.exists(epoch_burns_pda(&config, 0)).await);
}

#[tokio::test]
async fn prices_out_of_range_are_refused_by_name() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let now = fx.bank.now().await;
    // An exponent beyond 10^±18, from Pyth or for a quorum oracle.
    fx.set_pyth(PythUpdate { exponent: 19, ..PythUpdate::at(now) }).await;
    fx.assert_mint_refused(fx.pyth, TOKEN, DataCreditsError::PriceExponentOutOfRange).await;
    let ix = anchor_ix(
        data_credits::ID,
        data_credits::accounts::InitializePriceOracle {
            payer: fx.bank.payer().pubkey(),
            authority: fx.authority.pubkey(),
            config: fx.config,
            price_oracle: fx.price_oracle(),
            system_program: anchor_lang::system_program::ID,
        },
        data_credits::instruction::InitializePriceOracle {
            args: InitializePriceOracleArgs { submitters: vec![Pubkey::new_unique()], min_submissions: 1, expo: -19 },
        },
    );
    let authority = fx.authority.insecure_clone();
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::PriceExponentOutOfRange);
    assert!(!fx.bank.exists(fx.price_oracle()).await);
    // The largest price at the largest exponent buys more DC than a u64 holds.
    fx.set_pyth(PythUpdate { price: i64::MAX, conf: 0, exponent: 18, ..PythUpdate::at(now) }).await;
    fx.assert_mint_refused(fx.pyth, TOKEN, DataCreditsError::ArithmeticOverflow).await;
}

#[tokio::test]
async fn dc_cannot_be_transferred_between_holders() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let friend = Pubkey::new_unique();
    let friend_dc = fx.create_dc_account(&friend).await;
    let ix = spl_token_2022::instruction::transfer_checked(
        &TOKEN_2022,
        &fx.user_dc,
        &fx.dc_mint,
        &friend_dc,
        &fx.user.pubkey(),
        &[],
        1_000,
        0,
    )
    .unwrap();
    let user = fx.user.insecure_clone();
    let result = fx.bank.send(&[ix], &[&user]).await;
    assert_eq!(custom_code(result), spl_token_2022::error::TokenError::NonTransferable as u32);
    assert_eq!(fx.bank.token_balance(fx.user_dc).await, 148_000);
    assert_eq!(fx.bank.token_balance(friend_dc).await, 0);
}

#[tokio::test]
async fn burn_fee_books_into_the_current_epoch() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let user = fx.user.insecure_clone();
    let epoch = fx.current_epoch().await;
    let burns_key = epoch_burns_pda(&fx.config, epoch);

    let ix = fx.burn_fee_ix(&user, fx.user_dc, 40_000, epoch);
    fx.bank.send(&[ix], &[&user]).await.expect("burn fee");
    let ix = fx.burn_fee_ix(&user, fx.user_dc, 8_000, epoch);
    fx.bank.send(&[ix], &[&user]).await.expect("burn fee");
    let burns: EpochBurns = fx.bank.account(burns_key).await;
    assert_eq!((burns.config, burns.epoch, burns.fees, burns.usage_by_category), (fx.config, epoch, 48_000, [0; 4]));
    assert_eq!(fx.bank.token_balance(fx.user_dc).await, 100_000);
    assert_eq!(fx.bank.mint_supply(fx.dc_mint).await, 100_000);

    // The next epoch gets its own totals.
    fx.bank.advance_clock(DAY).await;
    let next = fx.current_epoch().await;
    assert_eq!(next, epoch + 1);
    let ix = fx.burn_fee_ix(&user, fx.user_dc, 1_000, next);
    fx.bank.send(&[ix], &[&user]).await.expect("burn fee");
    let next_burns: EpochBurns = fx.bank.account(epoch_burns_pda(&fx.config, next)).await;
    assert_eq!(next_burns.fees, 1_000);
    let burns: EpochBurns = fx.bank.account(burns_key).await;
    assert_eq!(burns.fees, 48_000, "a closed epoch's totals do not change");
}

#[tokio::test]
async fn burn_fee_rejections_move_nothing() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let user = fx.user.insecure_clone();
    let epoch = fx.current_epoch().await;
    let before = fx.balances().await;

    // Booked into a closed (or future) epoch.
    let ix = fx.burn_fee_ix(&user, fx.user_dc, 1_000, epoch + 1);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::EpochMismatch);
    // Someone else's DC.
    let stranger = Keypair::new();
    let ix = fx.burn_fee_ix(&stranger, fx.user_dc, 1_000, epoch);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::WrongTokenOwner);
    let ix = fx.burn_fee_ix(&user, fx.user_dc, 0, epoch);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::ZeroAmount);
    // More than the owner holds: Token-2022 refuses (InsufficientFunds).
    let ix = fx.burn_fee_ix(&user, fx.user_dc, 148_001, epoch);
    assert_eq!(
        custom_code(fx.bank.send(&[ix], &[&user]).await),
        spl_token_2022::error::TokenError::InsufficientFunds as u32
    );

    assert_eq!(fx.balances().await, before);
    assert!(!fx.bank.exists(epoch_burns_pda(&fx.config, epoch)).await, "no totals were booked");
    assert!(!fx.bank.exists(epoch_burns_pda(&fx.config, epoch + 1)).await);
}

#[tokio::test]
async fn burns_booked_into_other_totals_are_refused_by_name() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let user = fx.user.insecure_clone();
    let epoch = fx.current_epoch().await;
    let ix = fx.burn_fee_ix(&user, fx.user_dc, 1_000, epoch);
    fx.bank.send(&[ix], &[&user]).await.expect("the epoch's first burn");
    fx.bank.advance_clock(DAY).await;
    let before = fx.balances().await;

    // The next epoch's burn booked into this epoch's totals, or into an account that is no
    // epoch's totals.
    let mut ix = fx.burn_fee_ix(&user, fx.user_dc, 1_000, epoch + 1);
    let next = epoch_burns_pda(&fx.config, epoch + 1);
    ix = fieldproof_tests::bank::with_account(ix, next, epoch_burns_pda(&fx.config, epoch));
    assert_program_error(fx.bank.send(std::slice::from_ref(&ix), &[&user]).await, DataCreditsError::WrongEpochBurns);
    let ix = fieldproof_tests::bank::with_account(ix, epoch_burns_pda(&fx.config, epoch), Pubkey::new_unique());
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::WrongEpochBurns);
    assert_eq!(fx.balances().await, before);
    assert!(!fx.bank.exists(next).await);
    let burns: EpochBurns = fx.bank.account(epoch_burns_pda(&fx.config, epoch)).await;
    assert_eq!(burns.fees, 1_000);
}

#[tokio::test]
async fn delegated_dc_is_burned_by_the_burn_authority_per_usage_category() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let router = Pubkey::new_unique();
    let escrow = escrow_pda(&fx.config, &fx.user.pubkey(), &router);
    let escrow_dc = dc_ata(&fx.dc_mint, &escrow);
    let user = fx.user.insecure_clone();

    let ix = fx.delegate_ix(router, 100_000);
    fx.bank.send(&[ix], &[&user]).await.expect("delegate");
    let ix = fx.delegate_ix(router, 20_000);
    fx.bank.send(&[ix], &[&user]).await.expect("delegate more");
    assert_eq!(fx.bank.token_balance(fx.user_dc).await, 28_000);
    assert_eq!(fx.bank.token_balance(escrow_dc).await, 120_000);
    assert_eq!(fx.bank.mint_supply(fx.dc_mint).await, 148_000, "delegation does not change supply");
    let state: DelegatedEscrow = fx.bank.account(escrow).await;
    assert_eq!((state.config, state.payer, state.router, state.delegated), (fx.config, user.pubkey(), router, 120_000));

    let epoch = fx.current_epoch().await;
    let burn_authority = fx.burn_authority.insecure_clone();
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 30_000, 1, epoch);
    fx.bank.send(&[ix], &[&burn_authority]).await.expect("burn usage");
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 5_000, 0, epoch);
    fx.bank.send(&[ix], &[&burn_authority]).await.expect("burn usage");
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 2_000, 1, epoch);
    fx.bank.send(&[ix], &[&burn_authority]).await.expect("burn usage");

    let burns: EpochBurns = fx.bank.account(epoch_burns_pda(&fx.config, epoch)).await;
    assert_eq!(burns.usage_by_category, [5_000, 32_000, 0, 0]);
    assert_eq!(burns.fees, 0);
    assert_eq!(fx.bank.token_balance(escrow_dc).await, 83_000);
    assert_eq!(fx.bank.mint_supply(fx.dc_mint).await, 111_000);
    let state: DelegatedEscrow = fx.bank.account(escrow).await;
    assert_eq!((state.delegated, state.burned), (120_000, 37_000));

    // The whole remaining escrow can be burned.
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 83_000, 3, epoch);
    fx.bank.send(&[ix], &[&burn_authority]).await.expect("burn the rest");
    assert_eq!(fx.bank.token_balance(escrow_dc).await, 0);
}

#[tokio::test]
async fn burn_delegated_rejections_move_nothing() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let router = Pubkey::new_unique();
    let escrow = escrow_pda(&fx.config, &fx.user.pubkey(), &router);
    let escrow_dc = dc_ata(&fx.dc_mint, &escrow);
    let user = fx.user.insecure_clone();
    let ix = fx.delegate_ix(router, 50_000);
    fx.bank.send(&[ix], &[&user]).await.expect("delegate");
    let epoch = fx.current_epoch().await;
    let burn_authority = fx.burn_authority.insecure_clone();
    let authority = fx.authority.insecure_clone();
    let before = (fx.bank.token_balance(escrow_dc).await, fx.bank.mint_supply(fx.dc_mint).await);

    // Not the burn authority: neither the payer nor the authority may burn usage.
    for signer in [&user, &authority] {
        let ix = fx.burn_delegated_ix(signer, escrow, 1_000, 0, epoch);
        assert_program_error(fx.bank.send(&[ix], &[signer]).await, DataCreditsError::NotBurnAuthority);
    }
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 50_001, 0, epoch);
    assert_program_error(fx.bank.send(&[ix], &[&burn_authority]).await, DataCreditsError::InsufficientEscrow);
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 1_000, 4, epoch);
    assert_program_error(fx.bank.send(&[ix], &[&burn_authority]).await, DataCreditsError::InvalidCategory);
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 1_000, 0, epoch + 1);
    assert_program_error(fx.bank.send(&[ix], &[&burn_authority]).await, DataCreditsError::EpochMismatch);
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 0, 0, epoch);
    assert_program_error(fx.bank.send(&[ix], &[&burn_authority]).await, DataCreditsError::ZeroAmount);

    let after = (fx.bank.token_balance(escrow_dc).await, fx.bank.mint_supply(fx.dc_mint).await);
    assert_eq!(after, before, "no DC was burned");
    assert!(!fx.bank.exists(epoch_burns_pda(&fx.config, epoch)).await, "no usage was booked");
    let state: DelegatedEscrow = fx.bank.account(escrow).await;
    assert_eq!(state.burned, 0);
}

#[tokio::test]
async fn delegate_refuses_more_than_the_payer_holds() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let router = Pubkey::new_unique();
    let escrow = escrow_pda(&fx.config, &fx.user.pubkey(), &router);
    let user = fx.user.insecure_clone();
    let ix = fx.delegate_ix(router, 148_001);
    assert_eq!(
        custom_code(fx.bank.send(&[ix], &[&user]).await),
        spl_token_2022::error::TokenError::InsufficientFunds as u32
    );
    let ix = fx.delegate_ix(router, 0);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::ZeroAmount);
    assert_eq!(fx.bank.token_balance(fx.user_dc).await, 148_000);
    assert_eq!(fx.bank.mint_supply(fx.dc_mint).await, 148_000);
    assert!(!fx.bank.exists(escrow).await, "no escrow was created");
}

#[tokio::test]
async fn circuit_breaker_trips_on_minting_and_recovers_after_the_window() {
    let window = 3_600;
    let mut fx = Fixture::new(BreakerConfig { window_secs: window, threshold: Threshold::Absolute(500_000) }).await;
    fx.mint_dc(fx.pyth, 2 * TOKEN).await.expect("296_000 DC fit under the threshold");
    // Another 296_000 would make 592_000 > 500_000 in the window.
    fx.assert_mint_refused(fx.pyth, 2 * TOKEN, DataCreditsError::CircuitBreakerTripped).await;
    // What still fits goes through.
    fx.mint_dc(fx.pyth, 1_378_378).await.expect("up to the threshold");
    // 203_999 DC were minted (499_999 in all); 14 base units buy 2 more and would pass 500_000.
    fx.assert_mint_refused(fx.pyth, 14, DataCreditsError::CircuitBreakerTripped).await;
    assert_eq!(fx.minted_for(fx.pyth, 7).await, 1, "the last DC under the threshold");

    fx.bank.advance_clock(window as i64).await;
    let now = fx.bank.now().await;
    fx.set_pyth(PythUpdate::at(now)).await;
    assert_eq!(fx.minted_for(fx.pyth, 2 * TOKEN).await, 296_000, "a full window later the limit is back");
}

#[tokio::test]
async fn a_percent_breaker_is_refused_everywhere() {
    // Its base is the DC supply: from a supply of zero, no share allows the first mint.
    let mut fx = Fixture::new(wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let before = fx.config().await;
    let percent = Settings { breaker: BreakerConfig { window_secs: 3_600, threshold: Threshold::Percent(1_000) }, ..fx.settings().await };
    let ix = fx.propose_config_ix(&authority, percent);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::BreakerNeedsAbsoluteThreshold);
    let ix = fx.tighten_ix(&authority, percent);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::BreakerNeedsAbsoluteThreshold);
    let after = fx.config().await;
    assert_eq!((after.breaker, after.pending_settings), (before.breaker, None));
}

#[tokio::test]
async fn tightening_the_settings_applies_at_once() {
    let mut fx = Fixture::new(BreakerConfig { window_secs: 3_600, threshold: Threshold::Absolute(1_000_000) }).await;
    let authority = fx.authority.insecure_clone();
    let current = fx.settings().await;
    let tighter = Settings {
        max_price_staleness_secs: 30,
        breaker: BreakerConfig { window_secs: 7_200, threshold: Threshold::Absolute(500_000) },
        ..current
    };
    let stranger = Keypair::new();
    let ix = fx.tighten_ix(&stranger, tighter);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthority);
    let ix = fx.tighten_ix(&authority, Settings { max_price_staleness_secs: 0, ..tighter });
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::InvalidStaleness);
    let ix = fx.tighten_ix(&authority, Settings { breaker: BreakerConfig { window_secs: 0, threshold: Threshold::Absolute(1) }, ..tighter });
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::InvalidBreakerConfig);
    // Each loosening part is refused: a new source, a longer staleness, a looser breaker.
    let looser = [
        Settings { price_source: PriceSource::Pyth { feed_id: [3; 32] }, ..tighter },
        Settings { max_price_staleness_secs: STALENESS + 1, ..tighter },
        Settings { breaker: BreakerConfig { window_secs: 3_599, threshold: Threshold::Absolute(500_000) }, ..tighter },
        Settings { breaker: BreakerConfig { window_secs: 7_200, threshold: Threshold::Absolute(1_000_001) }, ..tighter },
    ];
    for settings in looser {
        let ix = fx.tighten_ix(&authority, settings);
        assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::ChangeLoosensSafety);
    }
    assert_eq!(fx.settings().await, current, "nothing changed");

    let ix = fx.tighten_ix(&authority, tighter);
    fx.bank.send(&[ix], &[&authority]).await.expect("tighten");
    assert_eq!(fx.settings().await, tighter);
}

#[tokio::test]
async fn a_new_price_source_waits_out_the_time_lock_unless_the_guardian_cancels_it() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let stranger = Keypair::new();
    let current = fx.settings().await;
    let new_feed = Settings { price_source: PriceSource::Pyth { feed_id: [3; 32] }, max_price_staleness_secs: 600, ..current };

    let ix = fx.propose_config_ix(&stranger, new_feed);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthority);
    let ix = fx.propose_config_ix(&authority, Settings { max_price_staleness_secs: 0, ..new_feed });
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::InvalidStaleness);
    let ix = fx.apply_config_ix(&authority);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::NoPendingChange);

    let ix = fx.propose_config_ix(&authority, new_feed);
    fx.bank.send(&[ix], &[&authority]).await.expect("propose");
    let pending = fx.config().await.pending_settings.expect("pending");
    assert_eq!((pending.settings, pending.applicable_at), (new_feed, fx.bank.now().await + TIMELOCK));
    let ix = fx.cancel_config_ix(&stranger);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthorityOrGuardian);
    let ix = fx.cancel_config_ix(&guardian);
    fx.bank.send(&[ix], &[&guardian]).await.expect("the guardian cancels");
    fx.bank.advance_clock(TIMELOCK).await;
    let ix = fx.apply_config_ix(&authority);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::NoPendingChange);
    assert_eq!(fx.settings().await, current);

    let ix = fx.propose_config_ix(&authority, new_feed);
    fx.bank.send(&[ix], &[&authority]).await.expect("propose again");
    fx.bank.advance_clock(TIMELOCK - 1).await;
    let ix = fx.apply_config_ix(&authority);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::TimeLockNotElapsed);
    assert_eq!(fx.settings().await, current, "the old feed still rules");
    fx.bank.advance_clock(1).await;
    let ix = fx.apply_config_ix(&stranger);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthority);
    let ix = fx.apply_config_ix(&authority);
    fx.bank.send(&[ix], &[&authority]).await.expect("apply");
    assert_eq!(fx.settings().await, new_feed);
    assert_eq!(fx.config().await.pending_settings, None);
    // The old feed is no longer accepted.
    let now = fx.bank.now().await;
    fx.set_pyth(PythUpdate::at(now)).await;
    fx.assert_mint_refused(fx.pyth, TOKEN, DataCreditsError::WrongPriceFeed).await;
}

#[tokio::test]
async fn the_config_time_lock_only_rises() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let stranger = Keypair::new();
    let ix = fx.raise_timelock_ix(&stranger, 2 * TIMELOCK);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthority);
    for lower in [TIMELOCK, 1] {
        let ix = fx.raise_timelock_ix(&authority, lower);
        assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::TimeLockNotRaised);
    }
    let ix = fx.raise_timelock_ix(&authority, MAX_TIMELOCK_SECS + 1);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::InvalidTimeLock);
    assert_eq!(fx.config().await.timelock_secs, TIMELOCK);
    let ix = fx.raise_timelock_ix(&authority, 2 * TIMELOCK);
    fx.bank.send(&[ix], &[&authority]).await.expect("raise");
    assert_eq!(fx.config().await.timelock_secs, 2 * TIMELOCK);
}

#[tokio::test]
async fn authority_rotation_is_two_step() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let new_authority = Keypair::new();
    let stranger = Keypair::new();

    let ix = fx.propose_role_ix(&stranger, Role::Authority, stranger.pubkey());
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotAuthority);
    let ix = fx.accept_role_ix(&stranger, Role::Authority);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotPendingHolder);

    // Never to the guardian's key.
    let ix = fx.propose_role_ix(&authority, Role::Authority, guardian.pubkey());
    fx.bank.send(&[ix], &[&authority]).await.expect("propose");
    let ix = fx.accept_role_ix(&guardian, Role::Authority);
    assert_program_error(fx.bank.send(&[ix], &[&guardian]).await, DataCreditsError::GuardianIsAuthority);
    let ix = fx.cancel_role_ix(&guardian, Role::Authority);
    assert_program_error(fx.bank.send(&[ix], &[&guardian]).await, DataCreditsError::NotAuthority);
    let ix = fx.cancel_role_ix(&authority, Role::Authority);
    fx.bank.send(&[ix], &[&authority]).await.expect("withdraw");
    let ix = fx.cancel_role_ix(&authority, Role::Authority);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::NoPendingChange);

    let ix = fx.propose_role_ix(&authority, Role::Authority, new_authority.pubkey());
    fx.bank.send(&[ix], &[&authority]).await.expect("propose");
    let config = fx.config().await;
    assert_eq!((config.authority, config.pending_authority), (authority.pubkey(), new_authority.pubkey()));
    // Only the proposed key can accept, and only the role it was proposed for.
    let ix = fx.accept_role_ix(&stranger, Role::Authority);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, DataCreditsError::NotPendingHolder);
    let ix = fx.accept_role_ix(&new_authority, Role::BurnAuthority);
    assert_program_error(fx.bank.send(&[ix], &[&new_authority]).await, DataCreditsError::NotPendingHolder);
    assert_eq!(fx.config().await.authority, authority.pubkey());

    let ix = fx.accept_role_ix(&new_authority, Role::Authority);
    fx.bank.send(&[ix], &[&new_authority]).await.expect("accept at once");
    let config = fx.config().await;
    assert_eq!((config.authority, config.pending_authority), (new_authority.pubkey(), Pubkey::default()));

    let tighter = Settings { max_price_staleness_secs: 30, ..fx.settings().await };
    let ix = fx.tighten_ix(&authority, tighter);
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::NotAuthority);
    let ix = fx.tighten_ix(&new_authority, tighter);
    fx.bank.send(&[ix], &[&new_authority]).await.expect("the new authority tightens");
    assert_eq!(fx.config().await.max_price_staleness_secs, 30);
}

#[tokio::test]
async fn burn_authority_rotation_waits_out_the_time_lock_and_hands_over_usage_burns() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let router = Pubkey::new_unique();
    let escrow = escrow_pda(&fx.config, &fx.user.pubkey(), &router);
    let user = fx.user.insecure_clone();
    let ix = fx.delegate_ix(router, 10_000);
    fx.bank.send(&[ix], &[&user]).await.expect("delegate");

    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let old = fx.burn_authority.insecure_clone();
    let new = Keypair::new();
    // A new burn authority could burn every escrow: the guardian may object.
    let ix = fx.propose_role_ix(&authority, Role::BurnAuthority, new.pubkey());
    fx.bank.send(&[ix], &[&authority]).await.expect("propose");
    let ix = fx.accept_role_ix(&new, Role::BurnAuthority);
    assert_program_error(fx.bank.send(&[ix], &[&new]).await, DataCreditsError::TimeLockNotElapsed);
    let ix = fx.cancel_role_ix(&guardian, Role::BurnAuthority);
    fx.bank.send(&[ix], &[&guardian]).await.expect("the guardian cancels");
    fx.bank.advance_clock(TIMELOCK).await;
    let ix = fx.accept_role_ix(&new, Role::BurnAuthority);
    assert_program_error(fx.bank.send(&[ix], &[&new]).await, DataCreditsError::NotPendingHolder);
    assert_eq!(fx.config().await.burn_authority, old.pubkey());

    let ix = fx.propose_role_ix(&authority, Role::BurnAuthority, new.pubkey());
    fx.bank.send(&[ix], &[&authority]).await.expect("propose again");
    fx.bank.advance_clock(TIMELOCK).await;
    let ix = fx.accept_role_ix(&new, Role::BurnAuthority);
    fx.bank.send(&[ix], &[&new]).await.expect("accept after the time lock");
    assert_eq!((fx.config().await.burn_authority, fx.config().await.pending_burn_authority), (new.pubkey(), None));

    let epoch = fx.current_epoch().await;
    let ix = fx.burn_delegated_ix(&old, escrow, 1_000, 0, epoch);
    assert_program_error(fx.bank.send(&[ix], &[&old]).await, DataCreditsError::NotBurnAuthority);
    let ix = fx.burn_delegated_ix(&new, escrow, 1_000, 0, epoch);
    fx.bank.send(&[ix], &[&new]).await.expect("the new burn authority burns");
    assert_eq!(fx.bank.token_balance(dc_ata(&fx.dc_mint, &escrow)).await, 9_000);
}

#[tokio::test]
async fn a_new_guardian_waits_out_the_time_lock_and_is_never_the_authority() {
    let mut fx = Fixture::new(wide_breaker()).await;
    let authority = fx.authority.insecure_clone();
    let guardian = fx.guardian.insecure_clone();
    let next = Keypair::new();
    let ix = fx.propose_role_ix(&authority, Role::Guardian, authority.pubkey());
    assert_program_error(fx.bank.send(&[ix], &[&authority]).await, DataCreditsError::GuardianIsAuthority);
    let ix = fx.propose_role_ix(&authority, Role::Guardian, next.pubkey());
    fx.bank.send(&[ix], &[&authority]).await.expect("propose");
    let ix = fx.cancel_role_ix(&next, Role::Guardian);
    assert_program_error(fx.bank.send(&[ix], &[&next]).await, DataCreditsError::NotAuthorityOrGuardian);
    fx.bank.advance_clock(TIMELOCK - 1).await;
    let ix = fx.accept_role_ix(&next, Role::Guardian);
    assert_program_error(fx.bank.send(&[ix], &[&next]).await, DataCreditsError::TimeLockNotElapsed);
    assert_eq!(fx.config().await.guardian, guardian.pubkey());
    fx.bank.advance_clock(1).await;
    let ix = fx.accept_role_ix(&next, Role::Guardian);
    fx.bank.send(&[ix], &[&next]).await.expect("accept");
    assert_eq!((fx.config().await.guardian, fx.config().await.pending_guardian), (next.pubkey(), None));
    // The old guardian cancels nothing any more.
    let settings = Settings { max_price_staleness_secs: 600, ..fx.settings().await };
    let ix = fx.propose_config_ix(&authority, settings);
    fx.bank.send(&[ix], &[&authority]).await.expect("propose");
    let ix = fx.cancel_config_ix(&guardian);
    assert_program_error(fx.bank.send(&[ix], &[&guardian]).await, DataCreditsError::NotAuthorityOrGuardian);
}

#[tokio::test]
async fn the_payer_takes_back_delegated_dc_after_the_notice() {
    let mut fx = Fixture::new(wide_breaker()).await;
    fx.mint_dc(fx.pyth, TOKEN).await.expect("mint DC");
    let router = Pubkey::new_unique();
    let escrow = escrow_pda(&fx.config, &fx.user.pubkey(), &router);
    let escrow_dc = dc_ata(&fx.dc_mint, &escrow);
    let user = fx.user.insecure_clone();
    let ix = fx.delegate_ix(router, 10_000);
    fx.bank.send(&[ix], &[&user]).await.expect("delegate");
    let user_dc = fx.user_dc;
    let before = fx.bank.token_balance(user_dc).await;

    // Nothing requested: nothing to take back; and only the payer may ask.
    let ix = fx.withdraw_ix(&user, &user.pubkey(), router, user_dc);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::WithdrawalNotDue);
    let stranger = Keypair::new();
    let stranger_dc = fx.create_dc_account(&stranger.pubkey()).await;
    let ix = fx.withdraw_ix(&stranger, &user.pubkey(), router, stranger_dc);
    assert_program_error(fx.bank.send(&[ix], &[&stranger]).await, anchor_lang::error::ErrorCode::ConstraintSeeds);

    let ix = fx.request_withdrawal_ix(&user, router);
    fx.bank.send(&[ix], &[&user]).await.expect("request");
    let due = fx.bank.now().await + WITHDRAWAL_NOTICE_EPOCHS * DAY;
    let state: DelegatedEscrow = fx.bank.account(escrow).await;
    assert_eq!(state.withdrawable_at, due);
    // Asking again does not push the notice back.
    fx.bank.advance_clock(10).await;
    let ix = fx.request_withdrawal_ix(&user, router);
    fx.bank.send(&[ix], &[&user]).await.expect("request again");
    assert_eq!(fx.bank.account::<DelegatedEscrow>(escrow).await.withdrawable_at, due);

    // During the notice the burn authority still burns the usage served.
    let burn_authority = fx.burn_authority.insecure_clone();
    let epoch = fx.current_epoch().await;
    let ix = fx.burn_delegated_ix(&burn_authority, escrow, 4_000, 0, epoch);
    fx.bank.send(&[ix], &[&burn_authority]).await.expect("burn usage");
    let ix = fx.withdraw_ix(&user, &user.pubkey(), router, user_dc);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::WithdrawalNotDue);

    let now = fx.bank.now().await;
    fx.bank.advance_clock(due - now).await;
    let supply = fx.bank.mint_supply(fx.dc_mint).await;
    let ix = fx.withdraw_ix(&user, &user.pubkey(), router, stranger_dc);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::WrongTokenOwner);
    let ix = fx.withdraw_ix(&user, &user.pubkey(), router, user_dc);
    fx.bank.send(&[ix], &[&user]).await.expect("withdraw");
    assert_eq!(fx.bank.token_balance(user_dc).await, before + 6_000);
    assert_eq!(fx.bank.token_balance(escrow_dc).await, 0);
    assert_eq!(fx.bank.mint_supply(fx.dc_mint).await, supply, "a withdrawal is no burn");
    let state: DelegatedEscrow = fx.bank.account(escrow).await;
    assert_eq!((state.delegated, state.burned, state.withdrawn, state.withdrawable_at), (10_000, 4_000, 6_000, 0));
    // A second withdrawal needs a new request.
    let ix = fx.withdraw_ix(&user, &user.pubkey(), router, user_dc);
    assert_program_error(fx.bank.send(&[ix], &[&user]).await, DataCreditsError::WithdrawalNotDue);
}

