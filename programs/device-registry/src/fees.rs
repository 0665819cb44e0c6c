//! Fees in data credits, burned through data-credits' `burn_fee` so they count in the epoch's
//! burn totals.
use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use data_credits::instructions::burn_fee::BurnFeeCpi;
use data_credits::program::DataCredits;
use data_credits::state::ConfigHead;

use crate::errors::RegistryError;
use crate::state::NetworkHead;

/// The accounts a DC fee burn needs. The registry checks that they are the network's and names
/// the epoch; data-credits and Token-2022 check the rest in the burn, once.
#[derive(Accounts)]
pub struct DcFee<'info> {
    /// CHECK: must be the network's data-credits config (checked in `burn`); data-credits reads it.
    pub dc_config: UncheckedAccount<'info>,
    /// CHECK: must be the network's DC mint (checked in `burn`); Token-2022 burns from it.
    #[account(mut)]
    pub dc_mint: UncheckedAccount<'info>,
    /// CHECK: the fee payer's DC account; data-credits checks its owner, Token-2022 its mint and
    /// balance.
    #[account(mut)]
    pub dc_source: UncheckedAccount<'info>,
    /// CHECK: the epoch's burn totals; data-credits checks their address and creates them if needed.
    #[account(mut)]
    pub epoch_burns: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub data_credits_program: Program<'info, DataCredits>,
}

/// Where a token account's owner and amount lie in it, and the length of its base state.
const TOKEN_OWNER_AT: usize = 32;
const TOKEN_AMOUNT_AT: usize = 64;
const TOKEN_ACCOUNT_LEN: usize = 165;

/// Whether `account` is a Token-2022 account of `owner` holding at least `amount`. Read here only
/// to name the refusal before any CPI; the burn itself is what Token-2022 allows.
fn holds(account: &AccountInfo, owner: &Pubkey, amount: u64) -> bool {
    let Ok(data) = account.try_borrow_data() else { return false };
    if *account.owner != anchor_spl::token_2022::ID || data.len() < TOKEN_ACCOUNT_LEN {
        return false;
    }
    let balance = data[TOKEN_AMOUNT_AT..TOKEN_AMOUNT_AT + 8].try_into().map(u64::from_le_bytes).unwrap_or(0);
    data[TOKEN_OWNER_AT..TOKEN_OWNER_AT + 32] == owner.to_bytes() && balance >= amount
}

impl<'info> DcFee<'info> {
    /// Burns `amount` DC of `dc_owner` for `network`; nothing when the fee is zero.
    pub fn burn(
        &self,
        network: &NetworkHead,
        payer: &AccountInfo<'info>,
        dc_owner: &AccountInfo<'info>,
        system_program: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        require_keys_eq!(self.dc_config.key(), network.dc_config, RegistryError::WrongDcConfig);
        require_keys_eq!(self.dc_mint.key(), network.dc_mint, RegistryError::WrongDcMint);
        if amount == 0 {
            return Ok(());
        }
        require!(holds(&self.dc_source, &dc_owner.key(), amount), RegistryError::InsufficientDataCredits);
        let epoch = ConfigHead::read(&self.dc_config)?.epoch_at(Clock::get()?.unix_timestamp)?;
        BurnFeeCpi {
            payer,
            owner: dc_owner,
            config: &self.dc_config,
            dc_mint: &self.dc_mint,
            source: &self.dc_source,
            epoch_burns: &self.epoch_burns,
            token_program: &self.token_program,
            system_program,
        }
        .invoke(amount, epoch)
    }
}
