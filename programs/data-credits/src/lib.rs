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
use state::Role;

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

    pub fn set_price_submitters(
        ctx: Context<SetPriceSubmitters>,
        submitters: Vec<Pubkey>,
        min_submissions: u8,
    ) -> Result<()> {
        instructions::set_price_submitters::handler(ctx, submitters, min_submissions)
    }

    pub fn submit_price(ctx: Context<SubmitPrice>, price: u64) -> Result<()> {
        instructions::submit_price::handler(ctx, price)
    }

    pub fn update_config(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
        instructions::update_config::handler(ctx, args)
    }

    pub fn propose_role(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
        instructions::propose_role::handler(ctx, role, new_holder)
    }

    pub fn accept_role(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
        instructions::accept_role::handler(ctx, role)
    }
}
