//! Data credits (DC): the demand side of the network. DC is a non-transferable Token-2022
//! token (NonTransferable extension) minted by burning the network token at an oracle price,
//! and burned for fees (by CPI from other programs) and for data usage (through delegated
//! escrows the oracle's burn authority burns from). Burns are totalled per epoch so emissions
//! can follow real usage.
use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod price;
pub mod state;

use instructions::*;
use state::{Role, Settings};

declare_id!("HJHdJGaWerV4qLVh1h26xrjcUJsJ3UmX7Ebf4vxZDw2J");

#[program]
pub mod data_credits {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handler(ctx, args)
    }

    pub fn mint_data_credits(ctx: Context<MintDataCredits>, network_amount: u64) -> Result<()> {
        instructions::mint_data_credits::handler(ctx, network_amount)
    }

    pub fn burn_fee(ctx: Context<BurnFee>, amount: u64, epoch: u64) -> Result<()> {
        instructions::burn_fee::handler(ctx, amount, epoch)
    }

    pub fn delegate_data_credits(ctx: Context<DelegateDataCredits>, amount: u64, router: Pubkey) -> Result<()> {
        instructions::delegate_data_credits::handler(ctx, amount, router)
    }

    pub fn burn_delegated(ctx: Context<BurnDelegated>, amount: u64, category: u8, epoch: u64) -> Result<()> {
        instructions::burn_delegated::handler(ctx, amount, category, epoch)
    }

    pub fn initialize_price_oracle(ctx: Context<InitializePriceOracle>, args: InitializePriceOracleArgs) -> Result<()> {
        instructions::initialize_price_oracle::handler(ctx, args)
    }

    pub fn propose_price_submitters(
        ctx: Context<ProposePriceSubmitters>,
        submitters: Vec<Pubkey>,
        min_submissions: u8,
    ) -> Result<()> {
        instructions::propose_price_submitters::handler(ctx, submitters, min_submissions)
    }

    pub fn apply_price_submitters(ctx: Context<ApplyPriceSubmitters>) -> Result<()> {
        instructions::apply_price_submitters::handler(ctx)
    }

    pub fn cancel_price_submitters(ctx: Context<CancelPriceSubmitters>) -> Result<()> {
        instructions::cancel_price_submitters::handler(ctx)
    }

    pub fn submit_price(ctx: Context<SubmitPrice>, price: u64) -> Result<()> {
        instructions::submit_price::handler(ctx, price)
    }

    pub fn tighten_config(ctx: Context<TightenConfig>, settings: Settings) -> Result<()> {
        instructions::tighten_config::handler(ctx, settings)
    }

    pub fn propose_config(ctx: Context<ProposeConfig>, settings: Settings) -> Result<()> {
        instructions::propose_config::handler(ctx, settings)
    }

    pub fn apply_config(ctx: Context<ApplyConfig>) -> Result<()> {
        instructions::apply_config::handler(ctx)
    }

    pub fn cancel_config(ctx: Context<CancelConfig>) -> Result<()> {
        instructions::cancel_config::handler(ctx)
    }

    pub fn raise_timelock(ctx: Context<RaiseTimelock>, timelock_secs: i64) -> Result<()> {
        instructions::raise_timelock::handler(ctx, timelock_secs)
    }

    pub fn cancel_role(ctx: Context<CancelRole>, role: Role) -> Result<()> {
        instructions::cancel_role::handler(ctx, role)
    }

    pub fn request_withdrawal(ctx: Context<RequestWithdrawal>, router: Pubkey) -> Result<()> {
        instructions::request_withdrawal::handler(ctx, router)
    }

    pub fn withdraw_delegated(ctx: Context<WithdrawDelegated>, router: Pubkey) -> Result<()> {
        instructions::withdraw_delegated::handler(ctx, router)
    }

    pub fn propose_role(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
        instructions::propose_role::handler(ctx, role, new_holder)
    }

    pub fn accept_role(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
        instructions::accept_role::handler(ctx, role)
    }
}
