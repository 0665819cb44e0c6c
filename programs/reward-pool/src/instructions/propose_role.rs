use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::RoleProposed;
use crate::state::*;

/// First step of handing the authority or guardian role to a new key (e.g. a multisig vault);
/// the new key must accept, so a typo cannot lock the pool.
#[derive(Accounts)]
pub struct ProposeRole<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    match role {
        Role::Authority => pool.pending_authority = new_holder,
        Role::Guardian => pool.pending_guardian = new_holder,
    }
    emit!(RoleProposed { pool: pool.key(), role, proposed: new_holder });
    Ok(())
}
