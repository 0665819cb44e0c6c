use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::RootVetoed;
use crate::state::*;

/// The guardian discards a pending root during its dispute window. The veto sticks: it bumps
/// the config version, so the vetoed root's signatures (valid until their expiry, and
/// `post_root` is permissionless) can never be posted again, nor any other signature gathered
/// before the veto. The oracles sign a corrected root, for the same epoch or a later one, under
/// the new version.
#[derive(Accounts)]
pub struct VetoRoot<'info> {
    #[account(mut, has_one = guardian @ RewardPoolError::NotGuardian)]
    pub pool: Box<Account<'info, Pool>>,
    pub guardian: Signer<'info>,
}

pub fn handler(ctx: Context<VetoRoot>) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    let pending = pool.pending.take().ok_or(RewardPoolError::NoPendingRoot)?;
    pool.bump_version()?;
    emit!(RootVetoed {
        pool: pool.key(),
        epoch: pending.root.epoch,
        root: pending.root.root,
        by: ctx.accounts.guardian.key(),
        config_version: pool.config_version,
    });
    Ok(())
}
