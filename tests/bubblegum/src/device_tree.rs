//! A reference copy of a concurrent merkle tree of account compression: keccak256 over
//! (left ‖ right), empty leaves all zero. Sparse, so a 2^20-leaf tree with a few devices
//! costs a few hundred hashes.
use std::collections::BTreeMap;

pub type Node = [u8; 32];

fn hash_pair(left: &Node, right: &Node) -> Node {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

#[derive(Clone, Debug)]
pub struct DeviceTree {
    pub depth: u32,
    leaves: BTreeMap<u32, Node>,
    /// empty[l]: root of an empty subtree of height l.
    empty: Vec<Node>,
}

impl DeviceTree {
    pub fn new(depth: u32) -> Self {
        let mut empty = vec![[0u8; 32]];
        for l in 0..depth as usize {
            empty.push(hash_pair(&empty[l], &empty[l]));
        }
        Self { depth, leaves: BTreeMap::new(), empty }
    }

    pub fn set(&mut self, index: u32, leaf: Node) {
        self.leaves.insert(index, leaf);
    }

    /// Node at `height` above the leaves, `position` from the left.
    fn node(&self, height: u32, position: u64) -> Node {
        let first = position << height;
        let last = first + (1u64 << height);
        if self.leaves.range(first as u32..=(last - 1).min(u32::MAX as u64) as u32).next().is_none() {
            return self.empty[height as usize];
        }
        if height == 0 {
            return self.leaves[&(position as u32)];
        }
        hash_pair(&self.node(height - 1, 2 * position), &self.node(height - 1, 2 * position + 1))
    }

    pub fn root(&self) -> Node {
        self.node(self.depth, 0)
    }

    /// Siblings of leaf `index` from the bottom, without the top `canopy` levels the tree
    /// account stores itself.
    pub fn proof(&self, index: u32, canopy: u32) -> Vec<Node> {
        (0..self.depth - canopy).map(|h| self.node(h, (u64::from(index) >> h) ^ 1)).collect()
    }
}
