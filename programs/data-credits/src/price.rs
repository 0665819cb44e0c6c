//! Reading the network token's USD price from either price source, and turning a burn of the
//! network token into DC. Integer math only: SBF has no reliable floats.
use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::state::{PriceOracle, DC_PER_USD_EXPONENT, MAX_PRICE_EXPONENT, MAX_SUBMITTERS};

/// The Pyth Solana receiver program, owner of every `PriceUpdateV2` account.
pub const PYTH_RECEIVER_ID: Pubkey = pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/// sha256("account:PriceUpdateV2")[..8], the Anchor discriminator of the receiver's account.
pub const PRICE_UPDATE_V2_DISCRIMINATOR: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];
/// Borsh tag of `VerificationLevel::Full` (0 is `Partial { num_signatures: u8 }`).
const VERIFICATION_FULL: u8 = 1;

/// A positive USD price of one whole network token: `price * 10^expo` dollars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Price {
    pub price: u64,
    pub expo: i32,
}

/// The fields of a Pyth `PriceUpdateV2` this program uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PythPriceUpdate {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        let end = self.at.checked_add(N).ok_or(DataCreditsError::MalformedPriceAccount)?;
        let bytes = self.data.get(self.at..end).ok_or(DataCreditsError::MalformedPriceAccount)?;
        self.at = end;
        bytes.try_into().map_err(|_| error!(DataCreditsError::MalformedPriceAccount))
    }
}

/// Decodes a `PriceUpdateV2` account's data (layout of pyth-solana-receiver-sdk), refusing
/// anything but a fully verified update:
/// discriminator [8], write_authority [32], verification_level (u8 tag, + u8 when Partial),
/// price_message { feed_id [32], price i64, conf u64, exponent i32, publish_time i64, .. }.
pub fn decode_price_update_v2(data: &[u8]) -> Result<PythPriceUpdate> {
    let mut r = Reader { data, at: 0 };
    require!(r.take::<8>()? == PRICE_UPDATE_V2_DISCRIMINATOR, DataCreditsError::MalformedPriceAccount);
    r.take::<32>()?;
    let [level] = r.take::<1>()?;
    require!(level == VERIFICATION_FULL, DataCreditsError::PriceNotFullyVerified);
    Ok(PythPriceUpdate {
        feed_id: r.take::<32>()?,
        price: i64::from_le_bytes(r.take::<8>()?),
        conf: u64::from_le_bytes(r.take::<8>()?),
        exponent: i32::from_le_bytes(r.take::<4>()?),
        publish_time: i64::from_le_bytes(r.take::<8>()?),
    })
}

fn require_fresh(published_at: i64, now: i64, max_staleness_secs: i64) -> Result<()> {
    // A publish time slightly ahead of the validator clock is fresh, not an error.
    require!(now.saturating_sub(published_at) <= max_staleness_secs, DataCreditsError::StalePrice);
    Ok(())
}

fn require_exponent_in_range(expo: i32) -> Result<()> {
    require!(expo.abs() <= MAX_PRICE_EXPONENT, DataCreditsError::PriceExponentOutOfRange);
    Ok(())
}

/// The conservative price (price minus confidence) of a Pyth update of `feed_id`.
pub fn pyth_price(update: &PythPriceUpdate, feed_id: &[u8; 32], now: i64, max_staleness_secs: i64) -> Result<Price> {
    require!(update.feed_id == *feed_id, DataCreditsError::WrongPriceFeed);
    require_fresh(update.publish_time, now, max_staleness_secs)?;
    require_exponent_in_range(update.exponent)?;
    let conservative = i128::from(update.price) - i128::from(update.conf);
    require!(conservative > 0, DataCreditsError::NonPositivePrice);
    let price = u64::try_from(conservative).map_err(|_| error!(DataCreditsError::ArithmeticOverflow))?;
    Ok(Price { price, expo: update.exponent })
}

/// The median of the submissions fresher than the staleness limit (the mean of the two middle
/// ones, rounded down, for an even count).
pub fn quorum_price(oracle: &PriceOracle, now: i64, max_staleness_secs: i64) -> Result<Price> {
    let mut fresh = [0u64; MAX_SUBMITTERS];
    let mut count = 0usize;
    for s in &oracle.submissions[..usize::from(oracle.submitter_count)] {
        if s.submitted_at != 0 && require_fresh(s.submitted_at, now, max_staleness_secs).is_ok() {
            fresh[count] = s.price;
            count += 1;
        }
    }
    require!(
        count > 0 && count >= usize::from(oracle.min_submissions),
        DataCreditsError::NotEnoughFreshPrices
    );
    let fresh = &mut fresh[..count];
    fresh.sort_unstable();
    let mid = count / 2;
    let median = if count % 2 == 1 {
        fresh[mid]
    } else {
        // The mean of two u64 never exceeds the larger one, so the cast back cannot truncate.
        ((u128::from(fresh[mid - 1]) + u128::from(fresh[mid])) / 2) as u64
    };
    Ok(Price { price: median, expo: oracle.expo })
}

/// DC bought by burning `network_amount` base units of a token with `network_decimals`:
/// floor(amount * price * 10^(expo + 5 - decimals)).
pub fn data_credits_for(network_amount: u64, price: Price, network_decimals: u8) -> Result<u64> {
    let scale = price
        .expo
        .checked_add(DC_PER_USD_EXPONENT)
        .and_then(|s| s.checked_sub(i32::from(network_decimals)))
        .ok_or(DataCreditsError::ArithmeticOverflow)?;
    // u64 * u64 always fits in u128.
    let value = u128::from(network_amount) * u128::from(price.price);
    let dc = if scale >= 0 {
        10u128
            .checked_pow(scale.unsigned_abs())
            .and_then(|p| value.checked_mul(p))
            .ok_or(DataCreditsError::ArithmeticOverflow)?
    } else {
        // A divisor beyond u128 exceeds any u128 value: the quotient is zero.
        10u128.checked_pow(scale.unsigned_abs()).map_or(0, |p| value / p)
    };
    let dc = u64::try_from(dc).map_err(|_| error!(DataCreditsError::ArithmeticOverflow))?;
    require!(dc > 0, DataCreditsError::ZeroDataCredits);
    Ok(dc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_amount_follows_price_and_decimals() {
        // 1 token (6 decimals) at $1.50 = 150_000 DC.
        let p = Price { price: 150_000_000, expo: -8 };
        assert_eq!(data_credits_for(1_000_000, p, 6).unwrap(), 150_000);
        // 1 base unit of a 9-decimal token at $1.50 = 0.00015 DC -> refused.
        assert!(data_credits_for(1, p, 9).is_err());
        // A positive scale multiplies.
        assert_eq!(data_credits_for(3, Price { price: 2, expo: 0 }, 0).unwrap(), 600_000);
        // amount * 1e-6 dollars * 1e5 DC per dollar = amount / 10, floored.
        assert_eq!(data_credits_for(17, Price { price: 1, expo: -6 }, 0).unwrap(), 1);
        // Too large for u64.
        assert!(data_credits_for(u64::MAX, Price { price: u64::MAX, expo: 0 }, 0).is_err());
    }
}
