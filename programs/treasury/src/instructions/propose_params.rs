use anchor_lang::prelude::*;

use data_credits::state::DataCreditsConfig;

use crate::errors::TreasuryError;
use crate::events::ParamsProposed;
use crate::state::*;

/// First step of a parameter change (schedule, recipients, usage share, DC config, breaker,
/// time lock): it can be applied once the current time lock has elapsed, and the guardian can
/// cancel it until then. The time lock itself can only rise. Remaining accounts: the new
/// recipients' token accounts, in order.
#[derive(Accounts)]
pub struct ProposeParams<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
        has_one = authority @ TreasuryError::NotAuthority,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub authority: Signer<'info>,
    /// The data-credits config of `params.dc_config`.
    pub dc_config: Box<Account<'info, DataCreditsConfig>>,
}

pub fn handler(ctx: Context<ProposeParams>, params: Params) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let treasury = &mut ctx.accounts.treasury;
    require!(treasury.pending_params.is_none(), TreasuryError::ChangeAlreadyPending);
    params.validate(params.schedule.scheduled_emission(treasury.next_epoch))?;
    require!(params.timelock_secs >= treasury.params.timelock_secs, TreasuryError::TimeLockDecreased);
    params.check_dc_config(&ctx.accounts.dc_config, &treasury.mint)?;
    params.check_recipient_accounts(ctx.remaining_accounts, &treasury.mint, &treasury.token_program)?;
    let apply_after = now
        .checked_add(treasury.params.timelock_secs)
        .ok_or(TreasuryError::ArithmeticOverflow)?;
    treasury.pending_params = Some(PendingParams { params: params.clone(), apply_after });
    emit!(ParamsProposed { treasury: treasury.key(), params, apply_after });
    Ok(())
}
