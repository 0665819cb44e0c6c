use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::DeviceStatusSet;
use crate::state::*;

/// Deactivates a device (e.g. a proven spoofer) or reactivates it.
#[derive(Accounts)]
pub struct SetDeviceStatus<'info> {
    #[account(
        seeds = [NETWORK_SEED, network.dc_config.as_ref()],
        bump = network.bump,
        has_one = authority @ RegistryError::NotAuthority,
    )]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [DEVICE_SEED, network.key().as_ref(), &device_key_hash(&device.device_key)],
        bump = device.bump,
        has_one = network,
    )]
    pub device: Box<Account<'info, DeviceInfo>>,
}

pub fn handler(ctx: Context<SetDeviceStatus>, status: DeviceStatus) -> Result<()> {
    let device = &mut ctx.accounts.device;
    require!(device.status != status, RegistryError::StatusUnchanged);
    device.status = status;
    emit!(DeviceStatusSet { device: device.key(), asset: device.asset, status });
    Ok(())
}
