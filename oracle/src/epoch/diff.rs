//! Where two computations of one epoch part ways: what a peer or `verify-epoch` logs when its
//! result differs, so the operator starts from the first differing leaf instead of two roots.
use fieldproof_sdk::Pubkey;

/// The first leaf, in asset order, that two leaf lists disagree on; `None` on either side means
/// that list has no leaf for the asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafDifference {
    pub asset: Pubkey,
    pub ours: Option<u64>,
    pub theirs: Option<u64>,
}

impl std::fmt::Display for LeafDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let amount = |a: Option<u64>| a.map_or_else(|| "no leaf".to_string(), |v| v.to_string());
        write!(f, "asset {}: ours {}, theirs {}", self.asset, amount(self.ours), amount(self.theirs))
    }
}

/// Compares two leaf lists, each sorted by asset (as reward files are).
pub fn first_difference(ours: &[(Pubkey, u64)], theirs: &[(Pubkey, u64)]) -> Option<LeafDifference> {
    let (mut a, mut b) = (ours.iter().peekable(), theirs.iter().peekable());
    loop {
        let difference = match (a.peek(), b.peek()) {
            (None, None) => return None,
            (Some((asset, v)), None) => LeafDifference { asset: *asset, ours: Some(*v), theirs: None },
            (None, Some((asset, v))) => LeafDifference { asset: *asset, ours: None, theirs: Some(*v) },
            (Some((x, v)), Some((y, w))) if x == y => {
                if v != w {
                    return Some(LeafDifference { asset: *x, ours: Some(*v), theirs: Some(*w) });
                }
                a.next();
                b.next();
                continue;
            }
            (Some((x, v)), Some((y, w))) => {
                if x < y {
                    LeafDifference { asset: *x, ours: Some(*v), theirs: None }
                } else {
                    LeafDifference { asset: *y, ours: None, theirs: Some(*w) }
                }
            }
        };
        return Some(difference);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_changed_missing_or_extra_leaf() {
        let k = |n: u8| Pubkey::new_from_array([n; 32]);
        let ours = [(k(1), 10), (k(2), 20), (k(4), 40)];
        assert_eq!(first_difference(&ours, &ours), None);
        assert_eq!(first_difference(&ours, &[(k(1), 10), (k(2), 21)]), Some(LeafDifference { asset: k(2), ours: Some(20), theirs: Some(21) }));
        assert_eq!(
            first_difference(&ours, &[(k(1), 10), (k(2), 20), (k(3), 30), (k(4), 40)]),
            Some(LeafDifference { asset: k(3), ours: None, theirs: Some(30) })
        );
        assert_eq!(first_difference(&ours, &ours[..2]), Some(LeafDifference { asset: k(4), ours: Some(40), theirs: None }));
    }
}
