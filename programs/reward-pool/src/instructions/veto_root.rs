use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::RootVetoed;
use crate::state::*;

/// The guardian discards a pending root during its dispute window; the oracles may then post a
/// corrected root for the same epoch.
#[derive(Accounts)]
pub struct VetoRoot<'info> {
    #[account(mut, has_one = guardian @ RewardPoolError::NotGuardian)]
    pub pool: Box<Account<'info, Pool>>,
    pub guardian: Signer<'info>,
}

pub fn handler(ctx: Context<VetoRoot>) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    let pending = pool.pending.take().ok_or(RewardPoolError::NoPendingRoot)?;
    emit!(RootVetoed {
        pool: pool.key(),
        epoch: pending.root.epoch,
        root: pending.root.root,
        by: ctx.accounts.guardian.key(),
    });
    Ok(())
}
