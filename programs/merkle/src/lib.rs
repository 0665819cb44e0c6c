//! The reward tree of Fieldproof, in one place for the reward-pool program, the oracle and the SDK.
//!
//! - leaf = sha256(0x00 ‖ asset id ‖ cumulative amount as u64 little-endian)
//! - node = sha256(0x01 ‖ min(a, b) ‖ max(a, b))
//!
//! The distinct prefixes make a leaf impossible to pass off as an inner node (second-preimage
//! safety), and sorting each pair means a proof is just the list of siblings, with no left/right
//! flags to encode. A level with an odd number of nodes promotes its last node unchanged, so
//! every leaf of an n-leaf tree has a proof of at most ceil(log2 n) hashes.
//!
//! Amounts are cumulative lifetime rewards per asset: only the newest root matters.

pub type Hash = [u8; 32];

pub const LEAF_PREFIX: u8 = 0x00;
pub const NODE_PREFIX: u8 = 0x01;

/// Longest proof accepted: enough for 2^32 leaves.
pub const MAX_PROOF_LEN: usize = 32;

/// Root of a tree with no leaves. No leaf verifies against it.
pub const EMPTY_ROOT: Hash = [0u8; 32];

/// Hash of the reward leaf for `asset` with its cumulative lifetime `amount`.
pub fn leaf_hash(asset: &[u8; 32], cumulative_amount: u64) -> Hash {
    solana_sha256_hasher::hashv(&[&[LEAF_PREFIX], asset, &cumulative_amount.to_le_bytes()]).to_bytes()
}

/// Hash of an inner node over two children, in ascending byte order.
pub fn node_hash(a: &Hash, b: &Hash) -> Hash {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    solana_sha256_hasher::hashv(&[&[NODE_PREFIX], lo, hi]).to_bytes()
}

/// The root reached by folding `proof` onto `leaf`.
pub fn root_from_proof(leaf: Hash, proof: &[Hash]) -> Hash {
    proof.iter().fold(leaf, |node, sibling| node_hash(&node, sibling))
}

/// True when `proof` leads from `leaf` to `root` and is not longer than [`MAX_PROOF_LEN`].
pub fn verify(root: &Hash, leaf: Hash, proof: &[Hash]) -> bool {
    proof.len() <= MAX_PROOF_LEN && *root != EMPTY_ROOT && root_from_proof(leaf, proof) == *root
}

/// A whole reward tree, kept level by level so any leaf's proof can be read off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree {
    /// `levels[0]` are the leaves, the last level holds the root alone.
    levels: Vec<Vec<Hash>>,
}

/// The node over a pair of siblings; a lone last node moves up unchanged.
fn parent(pair: &[Hash]) -> Hash {
    match pair {
        [a, b] => node_hash(a, b),
        [lone] => *lone,
        _ => unreachable!("chunks(2) yields one or two items"),
    }
}

impl MerkleTree {
    /// Builds the tree over leaf hashes in the given order.
    pub fn new(leaves: Vec<Hash>) -> Self {
        Self::build(leaves, |below| below.chunks(2).map(parent).collect())
    }

    /// The same tree as [`MerkleTree::new`], with the nodes of large levels hashed on every
    /// core (rayon's pool). Off-chain only.
    #[cfg(feature = "parallel")]
    pub fn new_parallel(leaves: Vec<Hash>) -> Self {
        use rayon::prelude::*;
        /// Below this many nodes a level is hashed on one core: splitting costs more than it saves.
        const PARALLEL_FROM: usize = 8_192;
        Self::build(leaves, |below| {
            if below.len() < PARALLEL_FROM {
                below.chunks(2).map(parent).collect()
            } else {
                below.par_chunks(2).map(parent).collect()
            }
        })
    }

    fn build(leaves: Vec<Hash>, level_above: impl Fn(&[Hash]) -> Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().map_or(0, Vec::len) > 1 {
            let above = level_above(levels.last().map(Vec::as_slice).unwrap_or_default());
            levels.push(above);
        }
        Self { levels }
    }

    pub fn root(&self) -> Hash {
        match self.levels.last().and_then(|level| level.first()) {
            Some(root) if !self.levels[0].is_empty() => *root,
            _ => EMPTY_ROOT,
        }
    }

    pub fn leaf_count(&self) -> usize {
        self.levels[0].len()
    }

    /// Siblings from the leaf at `index` up to the root, or `None` past the last leaf.
    pub fn proof(&self, index: usize) -> Option<Vec<Hash>> {
        if index >= self.leaf_count() {
            return None;
        }
        let mut proof = Vec::with_capacity(self.levels.len());
        let mut i = index;
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(sibling) = level.get(i ^ 1) {
                proof.push(*sibling);
            }
            i /= 2;
        }
        Some(proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&[i as u8; 32], i as u64 * 7)).collect()
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        let asset = [9u8; 32];
        let leaf = leaf_hash(&asset, 5);
        let mut preimage = vec![0u8];
        preimage.extend_from_slice(&asset);
        preimage.extend_from_slice(&5u64.to_le_bytes());
        assert_eq!(leaf, solana_sha256_hasher::hash(&preimage).to_bytes());
        let a = [1u8; 32];
        let b = [2u8; 32];
        assert_eq!(node_hash(&a, &b), node_hash(&b, &a));
        assert_ne!(node_hash(&a, &b), solana_sha256_hasher::hashv(&[&a, &b]).to_bytes());
    }

    #[test]
    fn empty_tree_verifies_nothing() {
        let tree = MerkleTree::new(vec![]);
        assert_eq!(tree.root(), EMPTY_ROOT);
        assert_eq!(tree.proof(0), None);
        assert!(!verify(&tree.root(), leaf_hash(&[0; 32], 0), &[]));
    }

    #[test]
    fn single_leaf_is_its_own_root() {
        let tree = MerkleTree::new(leaves(1));
        assert_eq!(tree.root(), leaves(1)[0]);
        assert_eq!(tree.proof(0), Some(vec![]));
    }

    #[test]
    fn odd_levels_promote_the_last_node() {
        let l = leaves(3);
        let tree = MerkleTree::new(l.clone());
        assert_eq!(tree.root(), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        assert_eq!(tree.proof(2), Some(vec![node_hash(&l[0], &l[1])]));
    }

    #[test]
    fn overlong_proofs_are_refused() {
        let leaf = leaf_hash(&[1; 32], 1);
        let proof = vec![[3u8; 32]; MAX_PROOF_LEN + 1];
        let root = root_from_proof(leaf, &proof);
        assert!(!verify(&root, leaf, &proof));
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn the_parallel_build_is_the_same_tree() {
        for n in [1, 2, 8_191, 8_192, 20_001] {
            let (serial, parallel) = (MerkleTree::new(leaves(n)), MerkleTree::new_parallel(leaves(n)));
            assert_eq!(serial.root(), parallel.root(), "{n} leaves");
            assert_eq!(serial.proof(n / 2), parallel.proof(n / 2));
        }
    }

    proptest! {
        #[test]
        fn every_leaf_of_any_tree_verifies(n in 1usize..300, pick in any::<prop::sample::Index>()) {
            let l = leaves(n);
            let tree = MerkleTree::new(l.clone());
            let i = pick.index(n);
            let proof = tree.proof(i).unwrap();
            prop_assert!(proof.len() <= (usize::BITS - (n - 1).leading_zeros()) as usize);
            prop_assert!(verify(&tree.root(), l[i], &proof));
        }

        #[test]
        fn any_tampered_proof_fails(
            n in 2usize..300,
            pick in any::<prop::sample::Index>(),
            which in any::<prop::sample::Index>(),
            bit in 0usize..256,
        ) {
            let l = leaves(n);
            let tree = MerkleTree::new(l.clone());
            let i = pick.index(n);
            let mut proof = tree.proof(i).unwrap();
            let j = which.index(proof.len());
            proof[j][bit / 8] ^= 1 << (bit % 8);
            prop_assert!(!verify(&tree.root(), l[i], &proof));
        }

        #[test]
        fn a_wrong_amount_or_asset_fails(n in 1usize..100, pick in any::<prop::sample::Index>(), delta in 1u64..1000) {
            let l = leaves(n);
            let tree = MerkleTree::new(l.clone());
            let i = pick.index(n);
            let proof = tree.proof(i).unwrap();
            let amount = i as u64 * 7;
            prop_assert!(!verify(&tree.root(), leaf_hash(&[i as u8; 32], amount.wrapping_add(delta)), &proof));
            prop_assert!(!verify(&tree.root(), leaf_hash(&[i as u8 ^ 0x80; 32], amount), &proof));
        }
    }
}
