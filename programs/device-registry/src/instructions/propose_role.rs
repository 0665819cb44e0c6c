use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::RoleProposed;
use crate::state::*;

/// First step of handing a role of the network to a new key (e.g. a multisig vault); the new key
/// must accept, so a typo cannot lock the network. The same two steps as the other programs'
/// roles; the registry has one, its authority.
#[derive(Accounts)]
pub struct ProposeRole<'info> {
    #[account(mut, has_one = authority @ RegistryError::NotAuthority)]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
    let network = &mut ctx.accounts.network;
    match role {
        Role::Authority => network.pending_authority = new_holder,
    }
    emit!(RoleProposed { network: network.key(), role, proposed: new_holder });
    Ok(())
}
