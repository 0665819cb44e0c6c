use anchor_lang::prelude::*;

use crate::events::DestinationSet;
use crate::state::*;

/// The asset's owner chooses the token account its rewards are paid to;
/// `Pubkey::default()` pays the owner's own token account again.
#[derive(Accounts)]
#[instruction(asset: Pubkey)]
pub struct SetDestination<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The asset's owner; see [`crate::instructions::claim::Claim::owner`].
    pub owner: Signer<'info>,
    pub pool: Box<Account<'info, Pool>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + ClaimRecord::INIT_SPACE,
        seeds = [CLAIM_SEED, pool.key().as_ref(), asset.as_ref()],
        bump,
    )]
    pub claim_record: Box<Account<'info, ClaimRecord>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<SetDestination>, asset: Pubkey, destination: Pubkey) -> Result<()> {
    let pool = ctx.accounts.pool.key();
    let record = &mut ctx.accounts.claim_record;
    if record.pool == Pubkey::default() {
        record.pool = pool;
        record.asset = asset;
        record.bump = ctx.bumps.claim_record;
    }
    record.destination = destination;
    emit!(DestinationSet { pool, asset, destination });
    Ok(())
}
