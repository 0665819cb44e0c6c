use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{self, Burn, Mint, MintTo, TokenAccount, TokenInterface};

use crate::errors::DataCreditsError;
use crate::events::DataCreditsMinted;
use crate::price::{self, Price, PYTH_RECEIVER_ID};
use crate::state::*;

/// Burns the payer's network tokens and mints DC at the configured price.
#[derive(Accounts)]
pub struct MintDataCredits<'info> {
    /// Owner of the network tokens burned.
    pub payer: Signer<'info>,
    #[account(
        mut,
        has_one = network_mint @ DataCreditsError::WrongNetworkMint,
        has_one = dc_mint @ DataCreditsError::WrongDcMint,
    )]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    /// CHECK: checked in the handler against the configured price source (owner, layout,
    /// feed or address).
    pub price_account: UncheckedAccount<'info>,
    #[account(mut, mint::token_program = network_token_program)]
    pub network_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        mut,
        token::mint = network_mint,
        token::token_program = network_token_program,
        constraint = source.owner == payer.key() @ DataCreditsError::WrongTokenOwner,
    )]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, mint::token_program = token_program)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Any DC token account: DC can be bought for someone else.
    #[account(mut, token::mint = dc_mint, token::token_program = token_program)]
    pub recipient: Box<InterfaceAccount<'info, TokenAccount>>,
    pub network_token_program: Interface<'info, TokenInterface>,
    pub token_program: Program<'info, Token2022>,
}

/// The price the config's source gives now, after every check of the price account.
fn current_price(config: &Account<DataCreditsConfig>, price_account: &AccountInfo, now: i64) -> Result<Price> {
    let max_age = config.max_price_staleness_secs;
    match config.price_source {
        PriceSource::Pyth { feed_id } => {
            require_keys_eq!(*price_account.owner, PYTH_RECEIVER_ID, DataCreditsError::PriceAccountNotPyth);
            let data = price_account.try_borrow_data()?;
            let update = price::decode_price_update_v2(&data)?;
            price::pyth_price(&update, &feed_id, now, max_age)
        }
        PriceSource::Quorum { oracle } => {
            require_keys_eq!(price_account.key(), oracle, DataCreditsError::WrongPriceAccount);
            require_keys_eq!(*price_account.owner, crate::ID, DataCreditsError::WrongPriceAccount);
            let data = price_account.try_borrow_data()?;
            let oracle_account = PriceOracle::try_deserialize(&mut &data[..])?;
            require_keys_eq!(oracle_account.config, config.key(), DataCreditsError::WrongPriceAccount);
            price::quorum_price(&oracle_account, now, max_age)
        }
    }
}

pub fn handler(ctx: Context<MintDataCredits>, network_amount: u64) -> Result<()> {
    require!(network_amount > 0, DataCreditsError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let price_info = ctx.accounts.price_account.to_account_info();
    let price = current_price(&ctx.accounts.config, &price_info, now)?;
    let dc_amount = price::data_credits_for(network_amount, price, ctx.accounts.network_mint.decimals)?;

    let config = &mut ctx.accounts.config;
    config.breaker.record(now, dc_amount, ctx.accounts.dc_mint.supply).map_err(breaker_error)?;

    token_interface::burn(
        CpiContext::new(
            ctx.accounts.network_token_program.key(),
            Burn {
                mint: ctx.accounts.network_mint.to_account_info(),
                from: ctx.accounts.source.to_account_info(),
                authority: ctx.accounts.payer.to_account_info(),
            },
        ),
        network_amount,
    )?;

    let network_mint = config.network_mint;
    let bump = [config.bump];
    let seeds: &[&[&[u8]]] = &[&[CONFIG_SEED, network_mint.as_ref(), &bump]];
    token_interface::mint_to(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.key(),
            MintTo {
                mint: ctx.accounts.dc_mint.to_account_info(),
                to: ctx.accounts.recipient.to_account_info(),
                authority: config.to_account_info(),
            },
            seeds,
        ),
        dc_amount,
    )?;

    emit!(DataCreditsMinted {
        config: config.key(),
        payer: ctx.accounts.payer.key(),
        recipient: ctx.accounts.recipient.key(),
        network_amount,
        dc_amount,
        price: price.price,
        expo: price.expo,
        price_account: price_info.key(),
    });
    Ok(())
}
