//! The state tree: a fixed-depth Poseidon Merkle tree whose leaves are account commitments.
//!
//! - Depth [`DEPTH`] = 32: room for 2^32 (4.3 billion) accounts, so hundreds of millions of
//!   accounts fit with room to grow, while a full path stays 32 hashes.
//! - An internal node is Poseidon (`P128Pow5T3`, `ConstantLength<2>`) of its two children; account
//!   commitments hash messages of length ≥ 2 with a domain tag, and `ConstantLength` puts the
//!   length in the capacity, so a node can never be read as a leaf.
//! - An empty leaf is the commitment of the empty account (salt 0, no amounts) of the market's
//!   shape ([`empty_leaf`]). It is healthy, so an empty slot can never be proven liquidatable.
//! - Leaf `i` sits at level 0, index `i`; node `(l, j)` has children `(l-1, 2j)`, `(l-1, 2j+1)`;
//!   the root is node `(32, 0)`.

use std::collections::BTreeMap;

use ff::Field;
use rayon::prelude::*;

use crate::commitment::AccountOpening;
use crate::field::Fp;
use crate::shape::Shape;

/// Depth of the state tree.
pub const DEPTH: u32 = 32;

/// Number of leaves: `2^DEPTH`.
pub const CAPACITY: u64 = 1 << DEPTH;

/// The parent of two nodes.
pub fn hash_nodes(left: Fp, right: Fp) -> Fp {
    crate::commitment::hash_array([left, right])
}

/// The empty leaf of markets of `shape`: the commitment of the account with salt 0 and nothing
/// in it.
pub fn empty_leaf(shape: Shape) -> Fp {
    AccountOpening {
        salt: Fp::ZERO,
        collateral: vec![[Fp::ZERO; 2]; shape.assets()],
        debt: vec![[Fp::ZERO; 2]; shape.assets()],
    }
    .commitment()
}

/// The roots of empty subtrees: `at(0)` is the empty leaf, `at(l + 1) = H(at(l), at(l))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyTree(Vec<Fp>);

impl EmptyTree {
    /// Empty roots for every level of a tree of markets of `shape`.
    pub fn new(shape: Shape) -> Self {
        let mut levels = vec![empty_leaf(shape)];
        for l in 0..DEPTH as usize {
            levels.push(hash_nodes(levels[l], levels[l]));
        }
        EmptyTree(levels)
    }

    /// The root of an empty subtree of height `level`.
    pub fn at(&self, level: u32) -> Fp {
        self.0[level as usize]
    }
}

/// Recomputes the root from a node at `level` with index `index` (within its level) and the
/// siblings of it and its ancestors, bottom up.
pub fn root_from(node: Fp, index: u64, siblings: &[Fp]) -> Fp {
    siblings.iter().enumerate().fold(node, |acc, (i, sibling)| {
        if (index >> i) & 1 == 0 {
            hash_nodes(acc, *sibling)
        } else {
            hash_nodes(*sibling, acc)
        }
    })
}

/// Where a tree's nodes live. Absent nodes are empty.
pub trait NodeStore {
    /// Why the store failed.
    type Error;
    /// The stored node `(level, index)`, if any.
    fn node(&mut self, level: u32, index: u64) -> Result<Option<Fp>, Self::Error>;
    /// Stores nodes of one level.
    fn put(&mut self, level: u32, nodes: &BTreeMap<u64, Fp>) -> Result<(), Self::Error>;
}

/// Sets `leaves` (index, value) and recomputes every ancestor, level by level (hashing in
/// parallel); returns the new root. Cost: about one hash per changed leaf, plus the path above.
pub fn update<S: NodeStore>(
    store: &mut S,
    empty: &EmptyTree,
    leaves: impl IntoIterator<Item = (u64, Fp)>,
) -> Result<Fp, S::Error> {
    let mut level_nodes: BTreeMap<u64, Fp> = leaves.into_iter().collect();
    if level_nodes.is_empty() {
        return Ok(store.node(DEPTH, 0)?.unwrap_or(empty.at(DEPTH)));
    }
    for level in 0..DEPTH {
        store.put(level, &level_nodes)?;
        let mut pairs: Vec<(u64, Fp, Fp)> = Vec::new();
        let mut parent = None;
        for &index in level_nodes.keys() {
            if parent == Some(index >> 1) {
                continue;
            }
            parent = Some(index >> 1);
            let mut child = |i: u64| -> Result<Fp, S::Error> {
                Ok(match level_nodes.get(&i) {
                    Some(v) => *v,
                    None => store.node(level, i)?.unwrap_or(empty.at(level)),
                })
            };
            let (left, right) = (child(index & !1)?, child(index | 1)?);
            pairs.push((index >> 1, left, right));
        }
        level_nodes = pairs
            .into_par_iter()
            .map(|(p, l, r)| (p, hash_nodes(l, r)))
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
    }
    store.put(DEPTH, &level_nodes)?;
    Ok(level_nodes[&0])
}

/// The siblings of node `(level, index)` and of each of its ancestors below the root.
pub fn path<S: NodeStore>(
    store: &mut S,
    empty: &EmptyTree,
    level: u32,
    index: u64,
) -> Result<Vec<Fp>, S::Error> {
    (level..DEPTH)
        .map(|l| {
            let sibling = (index >> (l - level)) ^ 1;
            Ok(store.node(l, sibling)?.unwrap_or(empty.at(l)))
        })
        .collect()
}

/// An in-memory store, for tests, benchmarks and small trees.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore(std::collections::HashMap<(u32, u64), Fp>);

impl NodeStore for MemoryStore {
    type Error = std::convert::Infallible;
    fn node(&mut self, level: u32, index: u64) -> Result<Option<Fp>, Self::Error> {
        Ok(self.0.get(&(level, index)).copied())
    }
    fn put(&mut self, level: u32, nodes: &BTreeMap<u64, Fp>) -> Result<(), Self::Error> {
        for (i, v) in nodes {
            self.0.insert((level, *i), *v);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_matches_paths_and_empty_roots() {
        let shape = Shape::A4;
        let empty = EmptyTree::new(shape);
        let mut store = MemoryStore::default();
        let root = update(&mut store, &empty, []).unwrap();
        assert_eq!(root, empty.at(DEPTH));

        let leaves: Vec<(u64, Fp)> = [0u64, 1, 5, 1000, CAPACITY - 1]
            .iter()
            .map(|&i| (i, Fp::from(i + 7)))
            .collect();
        let root = update(&mut store, &empty, leaves.clone()).unwrap();
        for (i, leaf) in &leaves {
            let siblings = path(&mut store, &empty, 0, *i).unwrap();
            assert_eq!(siblings.len(), DEPTH as usize);
            assert_eq!(root_from(*leaf, *i, &siblings), root);
            assert_ne!(root_from(*leaf + Fp::ONE, *i, &siblings), root);
        }
        // A subtree root at level 3 and its path give the same root.
        let subtree = store.node(3, 0).unwrap().unwrap();
        assert_eq!(
            root_from(subtree, 0, &path(&mut store, &empty, 3, 0).unwrap()),
            root
        );
        // Updating one leaf changes the root; restoring it restores the root.
        let changed = update(&mut store, &empty, [(5, Fp::from(99))]).unwrap();
        assert_ne!(changed, root);
        assert_eq!(
            update(&mut store, &empty, [(5, Fp::from(12))]).unwrap(),
            root
        );
        // Building the same leaves in another order, one at a time, gives the same root.
        let mut other = MemoryStore::default();
        for (i, leaf) in leaves.iter().rev() {
            update(&mut other, &empty, [(*i, *leaf)]).unwrap();
        }
        assert_eq!(other.node(DEPTH, 0).unwrap(), Some(root));
    }

    #[test]
    fn empty_leaves_depend_on_the_shape() {
        assert_ne!(empty_leaf(Shape::A1), empty_leaf(Shape::A2));
        assert_eq!(
            EmptyTree::new(Shape::A1).at(1),
            hash_nodes(empty_leaf(Shape::A1), empty_leaf(Shape::A1))
        );
    }
}
