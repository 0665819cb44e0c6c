use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::WithdrawalRequested;
use crate::state::*;

/// The payer announces it will take back what is left in its escrow for `router`. The burn
/// authority may still burn for usage already served during the notice
/// ([`WITHDRAWAL_NOTICE_EPOCHS`] burn epochs); routers should stop serving the payer once they
/// see the request. Asking again keeps the first notice.
#[derive(Accounts)]
#[instruction(router: Pubkey)]
pub struct RequestWithdrawal<'info> {
    pub payer: Signer<'info>,
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(
        mut,
        // The seeds bind the escrow to the signing payer: nobody else's escrow matches them.
        seeds = [ESCROW_SEED, config.key().as_ref(), payer.key().as_ref(), router.as_ref()],
        bump = escrow.bump,
    )]
    pub escrow: Box<Account<'info, DelegatedEscrow>>,
}

pub fn handler(ctx: Context<RequestWithdrawal>, router: Pubkey) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let notice = ctx
        .accounts
        .config
        .epoch_length_secs
        .checked_mul(WITHDRAWAL_NOTICE_EPOCHS)
        .and_then(|n| now.checked_add(n))
        .ok_or(DataCreditsError::ArithmeticOverflow)?;
    let escrow = &mut ctx.accounts.escrow;
    if escrow.withdrawable_at == 0 {
        escrow.withdrawable_at = notice;
    }
    emit!(WithdrawalRequested {
        config: escrow.config,
        escrow: escrow.key(),
        payer: escrow.payer,
        router,
        withdrawable_at: escrow.withdrawable_at,
    });
    Ok(())
}
