use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::AuthorityProposed;
use crate::state::*;

/// First step of handing the network to a new authority (e.g. a multisig vault); the new key
/// must accept, so a typo cannot lock the network.
#[derive(Accounts)]
pub struct ProposeAuthority<'info> {
    #[account(
        mut,
        seeds = [NETWORK_SEED, network.dc_config.as_ref()],
        bump = network.bump,
        has_one = authority @ RegistryError::NotAuthority,
    )]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeAuthority>, new_authority: Pubkey) -> Result<()> {
    let network = &mut ctx.accounts.network;
    network.pending_authority = new_authority;
    emit!(AuthorityProposed { network: network.key(), proposed: new_authority });
    Ok(())
}
