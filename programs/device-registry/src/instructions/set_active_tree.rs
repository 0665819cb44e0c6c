use anchor_lang::prelude::*;

use crate::bubblegum::read_tree_config;
use crate::errors::RegistryError;
use crate::events::ActiveTreeSet;
use crate::state::*;

/// Points new issuance at a Bubblegum tree whose delegate is the network PDA (the authority
/// creates the tree with Bubblegum and hands it over with `set_tree_delegate` first).
#[derive(Accounts)]
pub struct SetActiveTree<'info> {
    #[account(
        mut,
        seeds = [NETWORK_SEED, network.dc_config.as_ref()],
        bump = network.bump,
        has_one = authority @ RegistryError::NotAuthority,
    )]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub authority: Signer<'info>,
    /// CHECK: the tree; its Bubblegum config below is checked against its address.
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: Bubblegum's tree config, checked by owner, address and discriminator when read.
    pub tree_config: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<SetActiveTree>) -> Result<()> {
    let tree = ctx.accounts.merkle_tree.key();
    let config = read_tree_config(&ctx.accounts.tree_config.to_account_info(), &tree)?;
    let network = &mut ctx.accounts.network;
    require_keys_eq!(config.tree_delegate, network.key(), RegistryError::NotTreeDelegate);
    network.active_tree = tree;
    emit!(ActiveTreeSet {
        network: network.key(),
        tree,
        capacity: config.total_mint_capacity,
        minted: config.num_minted,
    });
    Ok(())
}
