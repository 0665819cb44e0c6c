use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{self, Burn};

use crate::errors::DataCreditsError;
use crate::events::FeeBurned;
use crate::state::*;

/// Burns a fee in DC from the owner's account and books it in the epoch's totals. Other
/// programs (the device registry) call it by CPI for onboarding and location fees, on every
/// device issued and every location asserted: its accounts are read in place, each checked
/// where it is read (the config's head, the DC account's owner), and Token-2022 checks the
/// mint and the balance in the burn.
#[derive(Accounts)]
pub struct BurnFee<'info> {
    /// Pays the rent of the epoch's burn totals when this is its first burn.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Owner of the DC burned.
    pub owner: Signer<'info>,
    /// CHECK: a config of this program (checked by `ConfigHead::read`).
    pub config: UncheckedAccount<'info>,
    /// CHECK: must be the config's DC mint (checked against the config's head).
    #[account(mut)]
    pub dc_mint: UncheckedAccount<'info>,
    /// CHECK: a DC account of the owner (its owner is checked in the handler; Token-2022 checks
    /// that it is an account of the DC mint in the burn).
    #[account(mut)]
    pub source: UncheckedAccount<'info>,
    /// CHECK: the epoch's burn totals ([EPOCH_BURNS_SEED, config, epoch]), opened or created by
    /// `EpochBurns::open_or_create`.
    #[account(mut)]
    pub epoch_burns: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Where a token account's owner lies in it, and the length of an account's base state.
const TOKEN_OWNER_AT: usize = 32;
const TOKEN_ACCOUNT_LEN: usize = 165;

/// Whether `account` is a Token-2022 account owned by `owner`.
fn owned_by(account: &AccountInfo, owner: &Pubkey) -> bool {
    let Ok(data) = account.try_borrow_data() else { return false };
    *account.owner == anchor_spl::token_2022::ID
        && data.len() >= TOKEN_ACCOUNT_LEN
        && data[TOKEN_OWNER_AT..TOKEN_OWNER_AT + 32] == owner.to_bytes()
}

pub fn handler(ctx: Context<BurnFee>, amount: u64, epoch: u64) -> Result<()> {
    require!(amount > 0, DataCreditsError::ZeroAmount);
    let accounts = &ctx.accounts;
    let head = ConfigHead::read(&accounts.config)?;
    require_keys_eq!(accounts.dc_mint.key(), head.dc_mint, DataCreditsError::WrongDcMint);
    require!(owned_by(&accounts.source, &accounts.owner.key()), DataCreditsError::WrongTokenOwner);
    head.require_current_epoch(epoch)?;

    token_interface::burn(
        CpiContext::new(
            accounts.token_program.key(),
            Burn {
                mint: accounts.dc_mint.to_account_info(),
                from: accounts.source.to_account_info(),
                authority: accounts.owner.to_account_info(),
            },
        ),
        amount,
    )?;

    let config = accounts.config.key();
    let burns_info = accounts.epoch_burns.to_account_info();
    let mut burns = EpochBurns::open_or_create(
        &burns_info,
        &config,
        epoch,
        &accounts.payer.to_account_info(),
        &accounts.system_program.to_account_info(),
    )?;
    burns.fees = burns.fees.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    burns.store(&burns_info)?;
    emit!(FeeBurned { config, owner: accounts.owner.key(), amount, epoch, epoch_fees: burns.fees });
    Ok(())
}
