//! Fees in data credits, burned through data-credits' `burn_fee` so they count in the epoch's
//! burn totals.
use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{Mint, TokenAccount};
use data_credits::program::DataCredits;
use data_credits::state::DataCreditsConfig;

use crate::errors::RegistryError;
use crate::state::NetworkConfig;

/// The accounts a DC fee burn needs; data-credits validates them again in the CPI.
#[derive(Accounts)]
pub struct DcFee<'info> {
    pub dc_config: Box<Account<'info, DataCreditsConfig>>,
    #[account(mut)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    /// The fee payer's DC account.
    #[account(mut, token::mint = dc_mint, token::token_program = token_program)]
    pub dc_source: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the epoch's burn totals; data-credits checks its seeds and creates it if needed.
    #[account(mut)]
    pub epoch_burns: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub data_credits_program: Program<'info, DataCredits>,
}

impl<'info> DcFee<'info> {
    /// Burns `amount` DC of `dc_owner` for `network`; nothing when the fee is zero.
    pub fn burn(
        &self,
        network: &NetworkConfig,
        payer: &AccountInfo<'info>,
        dc_owner: &AccountInfo<'info>,
        system_program: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        require_keys_eq!(self.dc_config.key(), network.dc_config, RegistryError::WrongDcMint);
        require_keys_eq!(self.dc_mint.key(), network.dc_mint, RegistryError::WrongDcMint);
        if amount == 0 {
            return Ok(());
        }
        // Checked here so the rejection is named rather than a token program error.
        require!(
            self.dc_source.owner == dc_owner.key() && self.dc_source.amount >= amount,
            RegistryError::InsufficientDataCredits
        );
        let epoch = self.dc_config.epoch_at(Clock::get()?.unix_timestamp)?;
        data_credits::cpi::burn_fee(
            CpiContext::new(
                self.data_credits_program.key(),
                data_credits::cpi::accounts::BurnFee {
                    payer: payer.clone(),
                    owner: dc_owner.clone(),
                    config: self.dc_config.to_account_info(),
                    dc_mint: self.dc_mint.to_account_info(),
                    source: self.dc_source.to_account_info(),
                    epoch_burns: self.epoch_burns.to_account_info(),
                    token_program: self.token_program.to_account_info(),
                    system_program: system_program.clone(),
                },
            ),
            amount,
            epoch,
        )
    }
}
