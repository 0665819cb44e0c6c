use anchor_lang::prelude::*;
use anchor_lang::system_program;
use anchor_spl::token_interface::{self, Mint, MintTo, TokenInterface};
use data_credits::state::{EpochBurns, EPOCH_BURNS_SEED, MAX_CATEGORIES};

use crate::emission::split;
use crate::errors::TreasuryError;
use crate::events::EpochEmitted;
use crate::state::*;

/// Mints one epoch's emission into the recipients. Permissionless: anyone may crank it, once
/// per epoch, in order, after the epoch is over. Remaining accounts: the recipients' token
/// accounts (writable), in the stored order. A recipient whose account cannot receive (closed
/// by its owner, frozen) is skipped and its share not minted, so that no single recipient can
/// stop the emissions of every other.
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct EmitEpoch<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, mint.key().as_ref()],
        bump = treasury.bump,
        has_one = token_program @ TreasuryError::WrongTokenProgram,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: the data-credits `EpochBurns` PDA of this epoch under the treasury's DC config,
    /// checked in the handler. Required when the usage share is above zero. Data-credits creates
    /// it on the epoch's first burn, so it may not exist: an empty system account at that
    /// address proves that nothing was burned, which keeps the crank from getting stuck.
    pub epoch_burns: Option<UncheckedAccount<'info>>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler<'info>(ctx: Context<'info, EmitEpoch<'info>>, epoch: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let treasury = &mut ctx.accounts.treasury;
    require!(epoch >= treasury.next_epoch, TreasuryError::EpochAlreadyEmitted);
    require!(epoch == treasury.next_epoch, TreasuryError::EpochOutOfOrder);
    require!(now >= treasury.params.schedule.epoch_end(epoch)?, TreasuryError::EpochNotEnded);
    let recipients = &treasury.params.recipients;
    require!(ctx.remaining_accounts.len() == recipients.len(), TreasuryError::RecipientCountMismatch);
    for (recipient, account) in recipients.iter().zip(ctx.remaining_accounts) {
        require_keys_eq!(account.key(), recipient.token_account, TreasuryError::WrongRecipientAccount);
        require!(account.is_writable, TreasuryError::RecipientNotWritable);
    }

    let usage = usage_by_category(
        ctx.accounts.epoch_burns.as_ref().map(|a| a.as_ref()),
        &treasury.params.dc_config,
        epoch,
        treasury.params.usage_bps > 0,
    )?;

    let supply_before = ctx.accounts.mint.supply;
    let scheduled = treasury.params.schedule.emission(epoch, supply_before);
    let split = split(scheduled, &treasury.params.recipients, treasury.params.usage_bps, &usage)?;
    let count = treasury.params.recipients.len();
    let mut skipped = [0u64; MAX_RECIPIENTS];
    let mut amount: u64 = 0;
    for (i, to) in ctx.remaining_accounts.iter().enumerate() {
        if can_receive(to, &treasury.mint, &treasury.token_program) {
            amount = amount.checked_add(split.amounts[i]).ok_or(TreasuryError::ArithmeticOverflow)?;
        } else {
            skipped[i] = split.amounts[i];
        }
    }
    if amount > 0 {
        treasury.breaker.record(now, amount, supply_before).map_err(breaker_error)?;
    }

    let mint_key = treasury.mint;
    let bump = [treasury.bump];
    let seeds: &[&[&[u8]]] = &[&[TREASURY_SEED, mint_key.as_ref(), &bump]];
    for ((to, amount), skipped) in ctx.remaining_accounts.iter().zip(split.amounts).zip(skipped) {
        if amount == 0 || skipped > 0 {
            continue;
        }
        token_interface::mint_to(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.key(),
                MintTo {
                    mint: ctx.accounts.mint.to_account_info(),
                    to: to.clone(),
                    authority: treasury.to_account_info(),
                },
                seeds,
            ),
            amount,
        )?;
    }

    treasury.next_epoch = epoch.checked_add(1).ok_or(TreasuryError::ArithmeticOverflow)?;
    treasury.total_emitted = treasury.total_emitted.checked_add(amount).ok_or(TreasuryError::ArithmeticOverflow)?;
    emit!(EpochEmitted {
        treasury: treasury.key(),
        epoch,
        amount,
        usage_amount: split.usage_amount,
        amounts: split.amounts[..count].iter().zip(&skipped).map(|(a, s)| if *s > 0 { 0 } else { *a }).collect(),
        skipped: skipped[..count].to_vec(),
        supply_after: supply_before.checked_add(amount).ok_or(TreasuryError::ArithmeticOverflow)?,
    });
    Ok(())
}

/// The epoch's DC usage burns per category; all zero when no burns account is passed (allowed
/// only when `required` is false) or when data-credits never created it.
fn usage_by_category(
    account: Option<&AccountInfo>,
    dc_config: &Pubkey,
    epoch: u64,
    required: bool,
) -> Result<[u64; MAX_CATEGORIES]> {
    let Some(account) = account else {
        require!(!required, TreasuryError::MissingEpochBurns);
        return Ok([0; MAX_CATEGORIES]);
    };
    let (expected, _) = Pubkey::find_program_address(
        &[EPOCH_BURNS_SEED, dc_config.as_ref(), &epoch.to_le_bytes()],
        &data_credits::ID,
    );
    require_keys_eq!(account.key(), expected, TreasuryError::WrongEpochBurns);
    if *account.owner == data_credits::ID {
        let data = account.try_borrow_data()?;
        let burns = EpochBurns::try_deserialize(&mut &data[..]).map_err(|_| TreasuryError::WrongEpochBurns)?;
        require!(burns.config == *dc_config && burns.epoch == epoch, TreasuryError::WrongEpochBurns);
        Ok(burns.usage_by_category)
    } else {
        require!(
            *account.owner == system_program::ID && account.data_is_empty(),
            TreasuryError::WrongEpochBurns
        );
        Ok([0; MAX_CATEGORIES])
    }
}
