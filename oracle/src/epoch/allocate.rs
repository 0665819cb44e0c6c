//! Turning units into token amounts that add up to the emission exactly.
use std::collections::BTreeMap;

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
    let mut amounts = BTreeMap::new();
    let mut remainders = Vec::with_capacity(units.len());
    let mut assigned: u128 = 0;
    for (asset, u) in units {
        let product = u128::from(emission).checked_mul(*u).ok_or(AllocationError::Overflow)?;
        // product / total <= emission: fits u64.
        let amount = u64::try_from(product / total).map_err(|_| AllocationError::Overflow)?;
        assigned += u128::from(amount);
        amounts.insert(*asset, amount);
        remainders.push((product % total, *asset));
    }
    let left = usize::try_from(u128::from(emission) - assigned).map_err(|_| AllocationError::Overflow)?;
    remainders.sort_unstable_by(|(ra, a), (rb, b)| rb.cmp(ra).then(a.cmp(b)));
    for (_, asset) in remainders.into_iter().take(left) {
        if let Some(amount) = amounts.get_mut(&asset) {
            *amount += 1;
        }
    }
    amounts.retain(|_, amount| *amount > 0);
    Ok(amounts)
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

    #[test]
    fn huge_units_are_an_error_not_a_wrong_amount() {
        assert_eq!(allocate(u64::MAX, &units(&[(1, u128::MAX / 2), (2, u128::MAX / 2)])), Err(AllocationError::Overflow));
    }
}
