use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::RootActivated;
use crate::state::*;

/// Permissionless: once the dispute window has passed without a veto, anyone activates the root.
#[derive(Accounts)]
pub struct ActivateRoot<'info> {
    #[account(mut)]
    pub pool: Box<Account<'info, Pool>>,
}

pub fn handler(ctx: Context<ActivateRoot>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool = &mut ctx.accounts.pool;
    let pending = pool.pending.ok_or(RewardPoolError::NoPendingRoot)?;
    require!(now >= pending.activates_at, RewardPoolError::DisputeWindowOpen);
    pool.active = pending.root;
    pool.pending = None;
    emit!(RootActivated {
        pool: pool.key(),
        epoch: pending.root.epoch,
        root: pending.root.root,
        cumulative_total: pending.root.cumulative_total,
    });
    Ok(())
}
