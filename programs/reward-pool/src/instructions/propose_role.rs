use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::RoleProposed;
use crate::state::*;

/// First step of handing the authority or guardian role to a new key (e.g. a multisig vault);
/// the new key must accept, so a typo cannot lock the pool. A new authority may accept at once
/// (the role gains nothing by changing hands); a new guardian only after the pool's time lock,
/// during which the current guardian can cancel it: otherwise the authority could swap in a
/// guardian of its own and loosen the pool with nobody left to object. Proposing
/// `Pubkey::default()` as the authority withdraws a proposal.
#[derive(Accounts)]
pub struct ProposeRole<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool = &mut ctx.accounts.pool;
    let applicable_at = match role {
        Role::Authority => {
            pool.pending_authority = new_holder;
            now
        }
        Role::Guardian => {
            require!(new_holder != pool.authority && new_holder != Pubkey::default(), RewardPoolError::GuardianIsAuthority);
            let applicable_at = pool.unlocks_at(now)?;
            pool.pending_guardian = Some(PendingGuardian { guardian: new_holder, applicable_at });
            applicable_at
        }
    };
    emit!(RoleProposed { pool: pool.key(), role, proposed: new_holder, applicable_at });
    Ok(())
}
