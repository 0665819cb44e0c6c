use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::MakerApproved;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct MakerArgs {
    /// The maker's identity, fixed for life (part of its PDA seeds).
    pub id: Pubkey,
    pub attestation_key: Pubkey,
    /// Most devices the maker may ever issue, counting those already issued.
    pub quota: u64,
}

/// Approves a maker, or re-approves one and sets its attestation key and quota (key rotation,
/// quota raise, reinstatement after a revocation).
#[derive(Accounts)]
#[instruction(args: MakerArgs)]
pub struct ApproveMaker<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(
        seeds = [NETWORK_SEED, network.dc_config.as_ref()],
        bump = network.bump,
        has_one = authority @ RegistryError::NotAuthority,
    )]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub authority: Signer<'info>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + Maker::INIT_SPACE,
        seeds = [MAKER_SEED, network.key().as_ref(), args.id.as_ref()],
        bump,
    )]
    pub maker: Box<Account<'info, Maker>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<ApproveMaker>, args: MakerArgs) -> Result<()> {
    let network = ctx.accounts.network.key();
    let maker = &mut ctx.accounts.maker;
    maker.network = network;
    maker.id = args.id;
    maker.attestation_key = args.attestation_key;
    maker.quota = args.quota;
    maker.approved = true;
    maker.bump = ctx.bumps.maker;
    emit!(MakerApproved {
        network,
        maker: maker.key(),
        id: args.id,
        attestation_key: args.attestation_key,
        quota: args.quota,
    });
    Ok(())
}
