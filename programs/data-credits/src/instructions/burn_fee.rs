use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke;
use anchor_lang::Discriminator;
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

/// `burn_fee` called by another program, with the instruction built by hand: Anchor's CPI
/// helpers (`cpi::burn_fee`) allocate a vector per account for the metas and another for the
/// account infos, which costs a fee-paying caller about 3,000 units, more than the call itself
/// (docs/compute-units.md). The encoding is Anchor's (checked by a test).
pub struct BurnFeeCpi<'a, 'info> {
    pub payer: &'a AccountInfo<'info>,
    pub owner: &'a AccountInfo<'info>,
    pub config: &'a AccountInfo<'info>,
    pub dc_mint: &'a AccountInfo<'info>,
    pub source: &'a AccountInfo<'info>,
    pub epoch_burns: &'a AccountInfo<'info>,
    pub token_program: &'a AccountInfo<'info>,
    pub system_program: &'a AccountInfo<'info>,
}

impl BurnFeeCpi<'_, '_> {
    /// The instruction, in the order and with the flags of [`BurnFee`].
    pub fn instruction(&self, amount: u64, epoch: u64) -> Instruction {
        let mut data = Vec::with_capacity(24);
        data.extend_from_slice(crate::instruction::BurnFee::DISCRIMINATOR);
        data.extend_from_slice(&amount.to_le_bytes());
        data.extend_from_slice(&epoch.to_le_bytes());
        Instruction {
            program_id: crate::ID,
            accounts: vec![
                AccountMeta::new(*self.payer.key, true),
                AccountMeta::new_readonly(*self.owner.key, true),
                AccountMeta::new_readonly(*self.config.key, false),
                AccountMeta::new(*self.dc_mint.key, false),
                AccountMeta::new(*self.source.key, false),
                AccountMeta::new(*self.epoch_burns.key, false),
                AccountMeta::new_readonly(*self.token_program.key, false),
                AccountMeta::new_readonly(*self.system_program.key, false),
            ],
            data,
        }
    }

    /// Burns `amount` DC of the owner for `epoch`.
    pub fn invoke(&self, amount: u64, epoch: u64) -> Result<()> {
        let infos = [
            self.payer.clone(),
            self.owner.clone(),
            self.config.clone(),
            self.dc_mint.clone(),
            self.source.clone(),
            self.epoch_burns.clone(),
            self.token_program.clone(),
            self.system_program.clone(),
        ];
        invoke(&self.instruction(amount, epoch), &infos).map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::{InstructionData, ToAccountMetas};

    #[test]
    fn the_hand_built_burn_is_anchors_encoding() {
        let keys: Vec<Pubkey> = (1..=8u8).map(|i| Pubkey::new_from_array([i; 32])).collect();
        let mut lamports: Vec<u64> = vec![0; 8];
        let mut data: Vec<Vec<u8>> = vec![Vec::new(); 8];
        let owner = Pubkey::default();
        let infos: Vec<AccountInfo> = keys
            .iter()
            .zip(lamports.iter_mut())
            .zip(data.iter_mut())
            .enumerate()
            // Signer and writable flags as a caller has them: the payer and owner sign.
            .map(|(i, ((key, lamports), data))| AccountInfo::new(key, i < 2, true, lamports, data, &owner, false))
            .collect();
        let cpi = BurnFeeCpi {
            payer: &infos[0],
            owner: &infos[1],
            config: &infos[2],
            dc_mint: &infos[3],
            source: &infos[4],
            epoch_burns: &infos[5],
            token_program: &infos[6],
            system_program: &infos[7],
        };
        let anchors = crate::accounts::BurnFee {
            payer: keys[0],
            owner: keys[1],
            config: keys[2],
            dc_mint: keys[3],
            source: keys[4],
            epoch_burns: keys[5],
            token_program: keys[6],
            system_program: keys[7],
        };
        let ix = cpi.instruction(7, 9);
        assert_eq!(ix.program_id, crate::ID);
        assert_eq!(ix.accounts, anchors.to_account_metas(None));
        assert_eq!(ix.data, crate::instruction::BurnFee { amount: 7, epoch: 9 }.data());
    }
}
