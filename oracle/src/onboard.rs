//! Puts a simulated fleet on a network, as its maker and its owner would: every device issued
//! as a cNFT under its own key's and the maker's signatures, every hotspot located at the cell
//! it claims (a spoofer's false one included: the chain cannot tell). For local networks and
//! tests; a real fleet goes through the same SDK calls from its maker's tooling. Devices already
//! registered and locations already asserted are skipped, so a rerun only finishes the job.
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use anchor_spl::token_2022::spl_token_2022::state::Mint;
use ed25519_dalek::SigningKey;
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, PriceOracle};
use fieldproof_sdk::device_registry::{self, DeviceInfo, IssueDeviceArgs, Location, NetworkConfig, OnboardingMessage};
use fieldproof_sdk::{decode_account, Chain, Client, OwnershipSource, SdkError};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::devices::DeviceKind;
use crate::simulate::{Fleet, ELEVATION_M, GAIN_DDBI};

/// Who signs and pays for the onboarding.
pub struct Onboarding<'a> {
    /// The registry's network account.
    pub network: Pubkey,
    /// The approved maker the devices are issued under, and its attestation key.
    pub maker_id: Pubkey,
    pub maker_key: &'a SigningKey,
    /// Pays every transaction, and for the DC the fees burn, with its network tokens.
    pub payer: &'a Keypair,
    /// Receives every device cNFT and asserts the hotspots' locations.
    pub owner: &'a Keypair,
    /// A price submitter of the network's DC price oracle, and the price it submits first (in
    /// the oracle's exponent); without it, the payer and the owner must hold the DC already.
    pub price: Option<(&'a Keypair, u64)>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct OnboardSummary {
    pub issued: usize,
    pub located: usize,
    /// Devices that were registered and located already.
    pub in_place: usize,
}

/// Issues and locates `fleet`'s devices in `o.network`; `index` serves the owner's proofs.
pub async fn onboard<C: Chain>(client: &Client<C>, index: &impl OwnershipSource, fleet: &Fleet, o: &Onboarding<'_>) -> Result<OnboardSummary, SdkError> {
    let network: NetworkConfig = client.account(&o.network).await?;
    let address = |d: &crate::simulate::SimDevice| device_registry::device_address(&o.network, &Pubkey::new_from_array(d.key.verifying_key().to_bytes()));
    let addresses: Vec<Pubkey> = fleet.devices.iter().map(address).collect();
    let existing = client.chain().get_multiple_accounts(&addresses).await?;
    let to_issue = existing.iter().filter(|a| a.is_none()).count();
    // Hotspots not yet where they claim to be: the new ones, and any whose location differs.
    let mut to_locate = 0usize;
    for ((device, address), account) in fleet.devices.iter().zip(&addresses).zip(&existing) {
        let located = match (device.asserted_h3, account) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(h3), Some(account)) => decode_account::<DeviceInfo>(address, account)?.location.h3_cell == h3,
        };
        to_locate += usize::from(!located);
    }

    if let Some((submitter, price)) = o.price {
        client.send(&[data_credits::submit_price(&submitter.pubkey(), &network.dc_config, price)], o.payer, &[submitter]).await?;
        let issue_dc = (to_issue as u64).saturating_mul(network.onboarding_fee);
        let locate_dc = (to_locate as u64).saturating_mul(network.location_fee);
        top_up(client, &network, o.payer, &o.payer.pubkey(), issue_dc, price).await?;
        top_up(client, &network, o.payer, &o.owner.pubkey(), locate_dc, price).await?;
    }

    let mut summary = OnboardSummary::default();
    for ((device, address), account) in fleet.devices.iter().zip(&addresses).zip(&existing) {
        let device_key = Pubkey::new_from_array(device.key.verifying_key().to_bytes());
        if account.is_none() {
            let kind = match device.kind {
                DeviceKind::Hotspot => device_registry::DeviceKind::Hotspot,
                DeviceKind::Mapper => device_registry::DeviceKind::Mapper,
            };
            let args = IssueDeviceArgs { device_key, kind, nonce: 0 };
            let message = OnboardingMessage {
                network: o.network,
                device_key,
                owner: o.owner.pubkey(),
                kind,
                maker: device_registry::maker_address(&o.network, &o.maker_id),
                nonce: args.nonce,
            };
            let signatures = [device_registry::sign_onboarding(&message, &device.key), device_registry::sign_onboarding(&message, o.maker_key)];
            client.issue_device(o.payer, &o.network, &o.maker_id, &o.owner.pubkey(), args, &signatures).await?;
            summary.issued += 1;
        }
        let info: DeviceInfo = client.account(address).await?;
        match device.asserted_h3 {
            Some(h3) if info.location.h3_cell != h3 => {
                let location = Location { h3_cell: h3, elevation: ELEVATION_M, gain: i32::from(GAIN_DDBI) };
                client.assert_location(o.payer, o.owner, &info.asset, location, index).await?;
                summary.located += 1;
            }
            _ if account.is_some() => summary.in_place += 1,
            _ => {}
        }
    }
    Ok(summary)
}

/// Mints DC into `who`'s DC account until it holds `needed`, burning the payer's network tokens
/// at `price` (the price just submitted).
pub async fn top_up<C: Chain>(client: &Client<C>, network: &NetworkConfig, payer: &Keypair, who: &Pubkey, needed: u64, price: u64) -> Result<(), SdkError> {
    let recipient = data_credits::dc_account_address(who, &network.dc_mint);
    let held = client.token_amount(&recipient).await?;
    let Some(missing) = needed.checked_sub(held).filter(|m| *m > 0) else { return Ok(()) };
    let dc: DataCreditsConfig = client.account(&network.dc_config).await?;
    let price_account = data_credits::price_oracle_address(&network.dc_config);
    let oracle: PriceOracle = client.account(&price_account).await?;
    let mint_account = client.chain().get_account(&dc.network_mint).await?.ok_or(SdkError::AccountNotFound(dc.network_mint))?;
    let decimals = StateWithExtensions::<Mint>::unpack(&mint_account.data)
        .map_err(|e| SdkError::AccountDecode { address: dc.network_mint, expected: "mint", reason: e.to_string() })?
        .base
        .decimals;
    let network_amount = network_tokens_for(missing, price, oracle.expo, decimals).ok_or_else(|| SdkError::AccountDecode {
        address: price_account,
        expected: "a price that buys DC",
        reason: format!("{missing} DC at {price}e{} cannot be bought with a token amount", oracle.expo),
    })?;
    client.buy_data_credits(payer, &network.dc_config, who, network_amount, price_account).await?;
    Ok(())
}

/// Base units of the network token that buy at least `dc` DC: the inverse of data-credits'
/// floor(amount * price * 10^(expo + 5 - decimals)), rounded up.
fn network_tokens_for(dc: u64, price: u64, expo: i32, decimals: u8) -> Option<u64> {
    const DC_PER_USD_EXPONENT: i32 = 5;
    let scale = expo.checked_add(DC_PER_USD_EXPONENT)?.checked_sub(i32::from(decimals))?;
    let (numerator, denominator) = if scale >= 0 {
        (u128::from(dc), u128::from(price).checked_mul(10u128.checked_pow(scale.unsigned_abs())?)?)
    } else {
        (u128::from(dc).checked_mul(10u128.checked_pow(scale.unsigned_abs())?)?, u128::from(price))
    };
    u64::try_from(numerator.checked_add(denominator.checked_sub(1)?)? / denominator).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buys_at_least_the_dc_asked_for() {
        // $1.50 a token with 6 decimals: one base unit buys 0.15 DC.
        assert_eq!(network_tokens_for(150_000, 150_000_000, -8, 6), Some(1_000_000));
        assert_eq!(network_tokens_for(1, 150_000_000, -8, 6), Some(7));
        assert_eq!(network_tokens_for(0, 150_000_000, -8, 6), Some(0));
        assert_eq!(network_tokens_for(10, 0, -8, 6), None);
    }
}
