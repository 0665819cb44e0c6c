//! Turning units into token amounts that add up to the emission exactly.
use std::collections::BTreeMap;

use rayon::prelude::*;

/// Why an epoch's amounts cannot be computed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AllocationError {
    #[error("the units of the epoch overflow 128-bit arithmetic")]
    Overflow,
}

/// Divides `emission` in proportion to `units` (keyed by asset) by the largest-remainder rule:
/// each asset gets floor(emission · units / total); the tokens left over by rounding down, fewer
/// than the number of assets, go one each to the assets with the largest remainders, ties to the
/// lower asset id. The amounts sum to `emission` exactly. No units, no amounts: the emission
/// stays in the vault for a later epoch.
pub fn allocate(emission: u64, units: &BTreeMap<[u8; 32], u128>) -> Result<BTreeMap<[u8; 32], u64>, AllocationError> {
    let total = units.values().try_fold(0u128, |sum, u| sum.checked_add(*u)).ok_or(AllocationError::Overflow)?;
    if total == 0 || emission == 0 {
        return Ok(BTreeMap::new());
    }
    // Side by side in asset order (a million assets: vectors, the divisions on every core); an
    // asset's position stands for its id in the tie rule.
    let units: Vec<(&[u8; 32], &u128)> = units.iter().collect();
    let shares: Vec<(u64, u128)> = units
        .par_iter()
        .map(|(_, u)| {
            let product = u128::from(emission).checked_mul(**u).ok_or(AllocationError::Overflow)?;
            // product / total <= emission: fits u64.
            Ok((u64::try_from(product / total).map_err(|_| AllocationError::Overflow)?, product % total))
        })
        .collect::<Result<_, _>>()?;
    let assigned: u128 = shares.iter().map(|(amount, _)| u128::from(*amount)).sum();
    let left = usize::try_from(u128::from(emission) - assigned).map_err(|_| AllocationError::Overflow)?;
    let mut amounts: Vec<u64> = shares.iter().map(|(amount, _)| *amount).collect();
    if left > 0 {
        // The `left` largest remainders, ties to the lower asset: which ones, not their order,
        // decides the amounts, so a selection does (no full sort).
        let mut ranked: Vec<(u128, usize)> = shares.iter().enumerate().map(|(i, (_, remainder))| (*remainder, i)).collect();
        let by_rule = |a: &(u128, usize), b: &(u128, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if left < ranked.len() {
            ranked.select_nth_unstable_by(left, by_rule);
        }
        for (_, i) in ranked.into_iter().take(left) {
            amounts[i] += 1;
        }
    }
    Ok(units.into_iter().zip(amounts).filter(|(_, amount)| *amount > 0).map(|((asset, _), amount)| (*asset, amount)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(list: &[(u8, u128)]) -> BTreeMap<[u8; 32], u128> {
        list.iter().map(|(a, u)| ([*a; 32], *u)).collect()
    }

    #[test]
    fn amounts_sum_to_the_emission_with_the_remainder_by_rule() {
        // 100 over 1:1:1 is 33 each and 1 left: equal remainders, so the lowest asset id gets it.
        let got = allocate(100, &units(&[(3, 1), (1, 1), (2, 1)])).unwrap();
        assert_eq!(got, [([1; 32], 34), ([2; 32], 33), ([3; 32], 33)].into_iter().collect());
        // 10 over 1:2:4: 1.43, 2.86, 5.71 → 1, 2, 5 and 2 left, to the remainders .86 and .71.
        let got = allocate(10, &units(&[(1, 1), (2, 2), (3, 4)])).unwrap();
        assert_eq!(got, [([1; 32], 1), ([2; 32], 3), ([3; 32], 6)].into_iter().collect());
    }

    #[test]
    fn nothing_earned_allocates_nothing() {
        assert!(allocate(100, &BTreeMap::new()).unwrap().is_empty());
        assert!(allocate(0, &units(&[(1, 5)])).unwrap().is_empty());
        assert_eq!(allocate(1, &units(&[(1, 1), (2, 1)])).unwrap().len(), 1, "an asset rounded to zero gets no amount");
    }

    /// The rule as stated, the obvious way: every remainder sorted.
    fn by_full_sort(emission: u64, units: &BTreeMap<[u8; 32], u128>) -> BTreeMap<[u8; 32], u64> {
        let total: u128 = units.values().sum();
        let mut amounts: BTreeMap<[u8; 32], u64> = units.iter().map(|(a, u)| (*a, (u128::from(emission) * u / total) as u64)).collect();
        let left = emission - amounts.values().sum::<u64>();
        let mut remainders: Vec<(u128, [u8; 32])> = units.iter().map(|(a, u)| (u128::from(emission) * u % total, *a)).collect();
        remainders.sort_by(|(ra, a), (rb, b)| rb.cmp(ra).then(a.cmp(b)));
        for (_, asset) in remainders.into_iter().take(left as usize) {
            *amounts.get_mut(&asset).unwrap() += 1;
        }
        amounts.retain(|_, amount| *amount > 0);
        amounts
    }

    #[test]
    fn the_remainder_goes_where_the_full_sort_puts_it() {
        // Few distinct unit values among many assets: many equal remainders, decided by the tie
        // rule.
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        for round in 0..200 {
            let n = 1 + (next() % 60) as usize;
            let units: BTreeMap<[u8; 32], u128> = (0..n).map(|_| (std::array::from_fn(|_| next() as u8), u128::from(1 + next() % 4))).collect();
            let emission = next() % 1_000 + round;
            let got = allocate(emission, &units).unwrap();
            assert_eq!(got, by_full_sort(emission, &units), "round {round}");
            assert_eq!(got.values().sum::<u64>(), emission);
        }
    }

    #[test]
    fn huge_units_are_an_error_not_a_wrong_amount() {
        assert_eq!(allocate(u64::MAX, &units(&[(1, u128::MAX / 2), (2, u128::MAX / 2)])), Err(AllocationError::Overflow));
    }
}
