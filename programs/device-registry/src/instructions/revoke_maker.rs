use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::MakerRevoked;
use crate::state::*;

/// Stops a maker from issuing devices; the devices it issued stay.
#[derive(Accounts)]
pub struct RevokeMaker<'info> {
    #[account(
        seeds = [NETWORK_SEED, network.dc_config.as_ref()],
        bump = network.bump,
        has_one = authority @ RegistryError::NotAuthority,
    )]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [MAKER_SEED, network.key().as_ref(), maker.id.as_ref()],
        bump = maker.bump,
        has_one = network,
    )]
    pub maker: Box<Account<'info, Maker>>,
}

pub fn handler(ctx: Context<RevokeMaker>) -> Result<()> {
    let maker = &mut ctx.accounts.maker;
    maker.approved = false;
    emit!(MakerRevoked { maker: maker.key() });
    Ok(())
}
