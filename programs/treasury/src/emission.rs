//! The emission schedule and the split of one epoch's emission between the recipients. Pure
//! integer arithmetic, so the same numbers come out natively, on SBF and off-chain.
use anchor_lang::prelude::*;
use data_credits::state::MAX_CATEGORIES;
use fieldproof_circuit_breaker::BPS;

use crate::errors::TreasuryError;
use crate::state::{Recipient, Schedule, MAX_RECIPIENTS};

impl Schedule {
    /// The first second after epoch `epoch`, when it may be emitted.
    pub fn epoch_end(&self, epoch: u64) -> Result<i64> {
        let epochs = epoch
            .checked_add(1)
            .and_then(|n| i64::try_from(n).ok())
            .ok_or(TreasuryError::ArithmeticOverflow)?;
        epochs
            .checked_mul(self.epoch_length_secs)
            .and_then(|offset| self.start_ts.checked_add(offset))
            .ok_or_else(|| TreasuryError::ArithmeticOverflow.into())
    }

    /// The schedule's emission for `epoch` before the supply cap: halved every
    /// `halving_interval_epochs`, zero once 64 halvings have shifted every bit out.
    pub fn scheduled_emission(&self, epoch: u64) -> u64 {
        let halvings = epoch.checked_div(self.halving_interval_epochs).unwrap_or(0);
        u32::try_from(halvings)
            .ok()
            .and_then(|h| self.initial_emission.checked_shr(h))
            .unwrap_or(0)
    }

    /// What `epoch` emits when the mint's supply is `supply`: the scheduled emission, clipped
    /// so the supply never exceeds `max_supply`.
    pub fn emission(&self, epoch: u64, supply: u64) -> u64 {
        self.scheduled_emission(epoch).min(self.max_supply.saturating_sub(supply))
    }
}

/// One epoch's emission, divided between the recipients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// Per recipient, in the recipients' order; entries past their count are zero.
    pub amounts: [u64; MAX_RECIPIENTS],
    /// The part divided by DC usage rather than by static weight (zero when nothing was burned).
    pub usage_amount: u64,
}

/// Divides `total` between `recipients`: `usage_bps` of it in proportion to the DC usage burned
/// in each recipient's category, the rest in proportion to the static weights. When no usage
/// was burned in any recipient's category the whole amount follows the static weights. Shares
/// are rounded down and the rounding remainder goes to the FIRST recipient, so the amounts
/// always add up to `total` exactly.
pub fn split(
    total: u64,
    recipients: &[Recipient],
    usage_bps: u16,
    usage_by_category: &[u64; MAX_CATEGORIES],
) -> Result<Split> {
    require!(
        !recipients.is_empty() && recipients.len() <= MAX_RECIPIENTS && u64::from(usage_bps) <= BPS,
        TreasuryError::InvalidRecipients
    );
    let mut usage = [0u128; MAX_RECIPIENTS];
    let mut usage_total: u128 = 0;
    let mut weight_total: u128 = 0;
    for (i, r) in recipients.iter().enumerate() {
        let burned = *usage_by_category
            .get(usize::from(r.category))
            .ok_or(TreasuryError::InvalidRecipients)?;
        usage[i] = u128::from(burned);
        usage_total = usage_total.checked_add(usage[i]).ok_or(TreasuryError::ArithmeticOverflow)?;
        weight_total = weight_total
            .checked_add(u128::from(r.weight))
            .ok_or(TreasuryError::ArithmeticOverflow)?;
    }
    require!(weight_total > 0, TreasuryError::InvalidRecipients);

    let usage_amount = if usage_total == 0 {
        0
    } else {
        share(u128::from(total), u128::from(usage_bps), u128::from(BPS))?
    };
    let static_amount = total.checked_sub(usage_amount).ok_or(TreasuryError::ArithmeticOverflow)?;

    let mut amounts = [0u64; MAX_RECIPIENTS];
    let mut assigned: u64 = 0;
    for (i, r) in recipients.iter().enumerate() {
        let mut amount = share(u128::from(static_amount), u128::from(r.weight), weight_total)?;
        if usage_total > 0 {
            let by_usage = share(u128::from(usage_amount), usage[i], usage_total)?;
            amount = amount.checked_add(by_usage).ok_or(TreasuryError::ArithmeticOverflow)?;
        }
        amounts[i] = amount;
        assigned = assigned.checked_add(amount).ok_or(TreasuryError::ArithmeticOverflow)?;
    }
    let remainder = total.checked_sub(assigned).ok_or(TreasuryError::ArithmeticOverflow)?;
    amounts[0] = amounts[0].checked_add(remainder).ok_or(TreasuryError::ArithmeticOverflow)?;
    Ok(Split { amounts, usage_amount })
}

/// `amount · part / whole`, rounded down; `part <= whole`, so the result fits `amount`'s type.
fn share(amount: u128, part: u128, whole: u128) -> Result<u64> {
    amount
        .checked_mul(part)
        .and_then(|p| p.checked_div(whole))
        .and_then(|s| u64::try_from(s).ok())
        .ok_or_else(|| TreasuryError::ArithmeticOverflow.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(initial: u64, interval: u64, max_supply: u64) -> Schedule {
        Schedule {
            start_ts: 1_000,
            epoch_length_secs: 100,
            initial_emission: initial,
            halving_interval_epochs: interval,
            max_supply,
        }
    }

    fn recipient(seed: u8, weight: u32, category: u8) -> Recipient {
        Recipient { token_account: Pubkey::new_from_array([seed; 32]), weight, category }
    }

    #[test]
    fn epochs_end_on_the_schedule() {
        let s = schedule(1, 0, u64::MAX);
        assert_eq!(s.epoch_end(0).unwrap(), 1_100);
        assert_eq!(s.epoch_end(9).unwrap(), 2_000);
        assert!(s.epoch_end(u64::MAX).is_err());
    }

    #[test]
    fn emission_halves_every_interval_and_reaches_zero() {
        let s = schedule(u64::MAX, 2, u64::MAX);
        assert_eq!(s.scheduled_emission(0), u64::MAX);
        assert_eq!(s.scheduled_emission(1), u64::MAX);
        assert_eq!(s.scheduled_emission(2), u64::MAX >> 1);
        assert_eq!(s.scheduled_emission(2 * 63), 1);
        assert_eq!(s.scheduled_emission(2 * 64), 0);
        assert_eq!(s.scheduled_emission(u64::MAX), 0);
        assert_eq!(schedule(7, 0, u64::MAX).scheduled_emission(1_000_000), 7, "interval 0 never halves");
    }

    #[test]
    fn emission_is_clipped_at_the_cap() {
        let s = schedule(1_000, 0, 2_500);
        assert_eq!(s.emission(0, 0), 1_000);
        assert_eq!(s.emission(2, 2_000), 500);
        assert_eq!(s.emission(3, 2_500), 0);
        assert_eq!(s.emission(3, 3_000), 0, "a supply already above the cap emits nothing");
    }

    #[test]
    fn static_split_gives_the_remainder_to_the_first_recipient() {
        let rs = [recipient(1, 1, 0), recipient(2, 1, 0), recipient(3, 1, 0)];
        let split = split(1_000, &rs, 0, &[0; MAX_CATEGORIES]).unwrap();
        assert_eq!(&split.amounts[..3], &[334, 333, 333]);
        assert_eq!(split.usage_amount, 0);
    }

    #[test]
    fn usage_share_follows_burns_per_category() {
        let rs = [recipient(1, 3, 0), recipient(2, 1, 1)];
        // 40% by usage: 400 split 1:3 by burns; 600 split 3:1 by weight.
        let split = split(1_000, &rs, 4_000, &[10, 30, 0, 0]).unwrap();
        assert_eq!(split.usage_amount, 400);
        assert_eq!(&split.amounts[..2], &[450 + 100, 150 + 300]);
    }

    #[test]
    fn no_burns_falls_back_to_static_weights() {
        let rs = [recipient(1, 3, 0), recipient(2, 1, 1)];
        // Burns only in a category no recipient follows count as no burns.
        let split = split(1_000, &rs, 10_000, &[0, 0, 5, 0]).unwrap();
        assert_eq!(split.usage_amount, 0);
        assert_eq!(&split.amounts[..2], &[750, 250]);
    }

    #[test]
    fn split_is_exact_at_the_extremes() {
        let rs = [recipient(1, u32::MAX, 0), recipient(2, u32::MAX, 1), recipient(3, 1, 2)];
        let split = split(u64::MAX, &rs, 3_333, &[u64::MAX, u64::MAX, 1, 0]).unwrap();
        let sum: u128 = split.amounts.iter().map(|a| u128::from(*a)).sum();
        assert_eq!(sum, u128::from(u64::MAX));
    }

    #[test]
    fn invalid_splits_are_refused() {
        assert!(split(1, &[], 0, &[0; MAX_CATEGORIES]).is_err());
        assert!(split(1, &[recipient(1, 0, 0)], 0, &[0; MAX_CATEGORIES]).is_err());
        assert!(split(1, &[recipient(1, 1, 9)], 0, &[0; MAX_CATEGORIES]).is_err());
    }
}
