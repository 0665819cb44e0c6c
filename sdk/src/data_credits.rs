//! The data-credits program: addresses and instruction builders (see the crate docs on drift).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use data_credits::accounts as program_accounts;
use data_credits::instruction as program_instruction;
use data_credits::state::{CONFIG_SEED, DC_MINT_SEED, EPOCH_BURNS_SEED, ESCROW_SEED, PRICE_ORACLE_SEED};

pub use data_credits::instructions::{InitializeArgs, InitializePriceOracleArgs};
pub use data_credits::state::{
    DataCreditsConfig, DelegatedEscrow, EpochBurns, PendingKey, PendingSettings, PendingSubmitters, PriceOracle, PriceSource,
    PriceSubmission, Role, Settings, SubmitterSet, MAX_TIMELOCK_SECS, WITHDRAWAL_NOTICE_EPOCHS,
};
pub use data_credits::ID;

/// The Token-2022 program, which owns the DC mint.
pub const DC_TOKEN_PROGRAM: Pubkey = anchor_spl::token_2022::ID;

/// The data-credits configuration of the network token `network_mint`.
pub fn config_address(network_mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED, network_mint.as_ref()], &ID).0
}

/// The DC mint of `config`.
pub fn dc_mint_address(config: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[DC_MINT_SEED, config.as_ref()], &ID).0
}

/// The oracle-quorum price account of `config`.
pub fn price_oracle_address(config: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[PRICE_ORACLE_SEED, config.as_ref()], &ID).0
}

/// The associated DC account of `owner`: where DC are minted to and fees burned from.
pub fn dc_account_address(owner: &Pubkey, dc_mint: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(owner, dc_mint, &DC_TOKEN_PROGRAM)
}

/// The escrow through which `payer` delegated DC to `router`.
pub fn escrow_address(config: &Pubkey, payer: &Pubkey, router: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[ESCROW_SEED, config.as_ref(), payer.as_ref(), router.as_ref()], &ID).0
}

/// The DC token account an escrow holds its delegated DC in.
pub fn escrow_dc_account_address(escrow: &Pubkey, dc_mint: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(escrow, dc_mint, &DC_TOKEN_PROGRAM)
}

/// The burn totals of `config` for `epoch`.
pub fn epoch_burns_address(config: &Pubkey, epoch: u64) -> Pubkey {
    Pubkey::find_program_address(&[EPOCH_BURNS_SEED, config.as_ref(), &epoch.to_le_bytes()], &ID).0
}

fn instruction(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// Creates the configuration and the DC mint for `network_mint`. `authority` must be the
/// network token's mint authority (it becomes the configuration's authority), so this comes
/// before the treasury takes the mint authority over.
pub fn initialize(payer: &Pubkey, authority: &Pubkey, network_mint: &Pubkey, args: InitializeArgs) -> Instruction {
    let config = config_address(network_mint);
    instruction(
        program_accounts::Initialize {
            payer: *payer,
            authority: *authority,
            network_mint: *network_mint,
            config,
            dc_mint: dc_mint_address(&config),
            token_program: DC_TOKEN_PROGRAM,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::Initialize { args },
    )
}

/// The accounts of a DC mint besides those derived from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct MintDataCreditsAccounts {
    /// Owns `source` and signs.
    pub payer: Pubkey,
    /// The network token mint.
    pub network_mint: Pubkey,
    /// The program owning `network_mint`.
    pub network_token_program: Pubkey,
    /// The configuration's price account (Pyth update or quorum oracle).
    pub price_account: Pubkey,
    /// The payer's network token account the burned tokens come from.
    pub source: Pubkey,
    /// The DC token account credited.
    pub recipient: Pubkey,
}

/// Burns `network_amount` network tokens from `accounts.source` and mints DC at the price.
pub fn mint_data_credits(accounts: MintDataCreditsAccounts, network_amount: u64) -> Instruction {
    let config = config_address(&accounts.network_mint);
    instruction(
        program_accounts::MintDataCredits {
            payer: accounts.payer,
            config,
            price_account: accounts.price_account,
            network_mint: accounts.network_mint,
            source: accounts.source,
            dc_mint: dc_mint_address(&config),
            recipient: accounts.recipient,
            network_token_program: accounts.network_token_program,
            token_program: DC_TOKEN_PROGRAM,
        },
        program_instruction::MintDataCredits { network_amount },
    )
}

/// Burns `amount` DC from `owner`'s `source` as a fee counted in `epoch`.
pub fn burn_fee(payer: &Pubkey, owner: &Pubkey, config: &Pubkey, source: &Pubkey, amount: u64, epoch: u64) -> Instruction {
    instruction(
        program_accounts::BurnFee {
            payer: *payer,
            owner: *owner,
            config: *config,
            dc_mint: dc_mint_address(config),
            source: *source,
            epoch_burns: epoch_burns_address(config, epoch),
            token_program: DC_TOKEN_PROGRAM,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::BurnFee { amount, epoch },
    )
}

/// Moves `amount` DC from `payer`'s `source` into its escrow for `router`.
pub fn delegate_data_credits(payer: &Pubkey, config: &Pubkey, source: &Pubkey, amount: u64, router: Pubkey) -> Instruction {
    let dc_mint = dc_mint_address(config);
    let escrow = escrow_address(config, payer, &router);
    instruction(
        program_accounts::DelegateDataCredits {
            payer: *payer,
            config: *config,
            dc_mint,
            source: *source,
            escrow,
            escrow_dc_account: escrow_dc_account_address(&escrow, &dc_mint),
            token_program: DC_TOKEN_PROGRAM,
            associated_token_program: anchor_spl::associated_token::ID,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::DelegateDataCredits { amount, router },
    )
}

/// Burns `amount` DC of usage in `category` from `escrow` (the burn authority).
pub fn burn_delegated(payer: &Pubkey, burn_authority: &Pubkey, config: &Pubkey, escrow: &Pubkey, amount: u64, category: u8, epoch: u64) -> Instruction {
    let dc_mint = dc_mint_address(config);
    instruction(
        program_accounts::BurnDelegated {
            payer: *payer,
            burn_authority: *burn_authority,
            config: *config,
            escrow: *escrow,
            escrow_dc_account: escrow_dc_account_address(escrow, &dc_mint),
            dc_mint,
            epoch_burns: epoch_burns_address(config, epoch),
            token_program: DC_TOKEN_PROGRAM,
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::BurnDelegated { amount, category, epoch },
    )
}

/// Creates `config`'s oracle-quorum price account (the authority).
pub fn initialize_price_oracle(payer: &Pubkey, authority: &Pubkey, config: &Pubkey, args: InitializePriceOracleArgs) -> Instruction {
    instruction(
        program_accounts::InitializePriceOracle {
            payer: *payer,
            authority: *authority,
            config: *config,
            price_oracle: price_oracle_address(config),
            system_program: solana_sdk_ids::system_program::ID,
        },
        program_instruction::InitializePriceOracle { args },
    )
}

/// Proposes new price submitters (the authority); they may be applied after the time lock, and
/// the guardian can cancel them until then.
pub fn propose_price_submitters(authority: &Pubkey, config: &Pubkey, submitters: Vec<Pubkey>, min_submissions: u8) -> Instruction {
    instruction(
        program_accounts::ProposePriceSubmitters { authority: *authority, config: *config, price_oracle: price_oracle_address(config) },
        program_instruction::ProposePriceSubmitters { submitters, min_submissions },
    )
}

/// Applies the pending price submitters once the time lock has passed (the authority).
pub fn apply_price_submitters(authority: &Pubkey, config: &Pubkey) -> Instruction {
    instruction(
        program_accounts::ApplyPriceSubmitters { authority: *authority, config: *config, price_oracle: price_oracle_address(config) },
        program_instruction::ApplyPriceSubmitters {},
    )
}

/// Cancels the pending price submitters (the guardian or the authority).
pub fn cancel_price_submitters(signer: &Pubkey, config: &Pubkey) -> Instruction {
    instruction(
        program_accounts::CancelPriceSubmitters { signer: *signer, config: *config, price_oracle: price_oracle_address(config) },
        program_instruction::CancelPriceSubmitters {},
    )
}

/// Submits a price to `config`'s quorum price account (a submitter).
pub fn submit_price(submitter: &Pubkey, config: &Pubkey, price: u64) -> Instruction {
    instruction(
        program_accounts::SubmitPrice { submitter: *submitter, price_oracle: price_oracle_address(config) },
        program_instruction::SubmitPrice { price },
    )
}

/// Tightens the settings at once (the authority): the same price source, a staleness limit no
/// longer, a breaker no looser; anything else is refused (`ChangeLoosensSafety`).
pub fn tighten_config(config: &Pubkey, authority: &Pubkey, settings: Settings) -> Instruction {
    instruction(program_accounts::TightenConfig { config: *config, authority: *authority }, program_instruction::TightenConfig { settings })
}

/// Proposes new settings (the authority), loosening ones included; they may be applied after
/// the time lock, and the guardian can cancel them until then.
pub fn propose_config(config: &Pubkey, authority: &Pubkey, settings: Settings) -> Instruction {
    instruction(program_accounts::ProposeConfig { config: *config, authority: *authority }, program_instruction::ProposeConfig { settings })
}

/// Applies the pending settings once the time lock has passed (the authority).
pub fn apply_config(config: &Pubkey, authority: &Pubkey) -> Instruction {
    instruction(program_accounts::ApplyConfig { config: *config, authority: *authority }, program_instruction::ApplyConfig {})
}

/// Cancels the pending settings (the guardian or the authority).
pub fn cancel_config(config: &Pubkey, signer: &Pubkey) -> Instruction {
    instruction(program_accounts::CancelConfig { config: *config, signer: *signer }, program_instruction::CancelConfig {})
}

/// Raises the time lock to `timelock_secs` at once (the authority); it never goes down.
pub fn raise_timelock(config: &Pubkey, authority: &Pubkey, timelock_secs: i64) -> Instruction {
    instruction(program_accounts::RaiseTimelock { config: *config, authority: *authority }, program_instruction::RaiseTimelock { timelock_secs })
}

/// Announces that `payer` will take back what is left in its escrow for `router`, after
/// [`WITHDRAWAL_NOTICE_EPOCHS`] burn epochs.
pub fn request_withdrawal(payer: &Pubkey, config: &Pubkey, router: Pubkey) -> Instruction {
    instruction(
        program_accounts::RequestWithdrawal { payer: *payer, config: *config, escrow: escrow_address(config, payer, &router) },
        program_instruction::RequestWithdrawal { router },
    )
}

/// Takes back every DC left in `payer`'s escrow for `router` into `destination` (a DC account of
/// the payer's), once the notice of [`request_withdrawal`] has passed.
pub fn withdraw_delegated(payer: &Pubkey, config: &Pubkey, router: Pubkey, destination: &Pubkey) -> Instruction {
    let dc_mint = dc_mint_address(config);
    let escrow = escrow_address(config, payer, &router);
    instruction(
        program_accounts::WithdrawDelegated {
            payer: *payer,
            config: *config,
            escrow,
            escrow_dc_account: escrow_dc_account_address(&escrow, &dc_mint),
            destination: *destination,
            dc_mint,
            token_program: DC_TOKEN_PROGRAM,
        },
        program_instruction::WithdrawDelegated { router },
    )
}

/// Drops a pending role change: a new burn authority or guardian by the guardian or the
/// authority, a new authority by the authority.
pub fn cancel_role(config: &Pubkey, signer: &Pubkey, role: Role) -> Instruction {
    instruction(program_accounts::CancelRole { config: *config, signer: *signer }, program_instruction::CancelRole { role })
}

/// Proposes `new_holder` for `role` (the authority); `new_holder` then accepts: at once for the
/// authority, after the time lock for the burn authority and the guardian.
pub fn propose_role(config: &Pubkey, authority: &Pubkey, role: Role, new_holder: Pubkey) -> Instruction {
    instruction(program_accounts::ProposeRole { config: *config, authority: *authority }, program_instruction::ProposeRole { role, new_holder })
}

/// Accepts a proposed `role` (the proposed holder).
pub fn accept_role(config: &Pubkey, new_holder: &Pubkey, role: Role) -> Instruction {
    instruction(program_accounts::AcceptRole { config: *config, new_holder: *new_holder }, program_instruction::AcceptRole { role })
}
