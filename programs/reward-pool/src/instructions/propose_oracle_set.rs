use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::OracleSetProposed;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct OracleSetArgs {
    pub oracles: Vec<Pubkey>,
    pub threshold: u8,
}

/// First step of an oracle-set rotation: the new set waits out the pool's time lock, during
/// which the guardian can cancel it, before the authority applies it. A new proposal replaces a
/// pending one and starts its own time lock.
#[derive(Accounts)]
pub struct ProposeOracleSet<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeOracleSet>, args: OracleSetArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool = &mut ctx.accounts.pool;
    let set = OracleSet::from_keys(&args.oracles, args.threshold)?;
    let applicable_at = pool.unlocks_at(now)?;
    pool.pending_oracles = Some(PendingOracleSet { set, applicable_at });
    emit!(OracleSetProposed { pool: pool.key(), oracles: args.oracles, threshold: args.threshold, applicable_at });
    Ok(())
}
