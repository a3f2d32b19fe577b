//! The state tree: a fixed-depth Poseidon Merkle tree whose leaves are account commitments.
//!
//! Two formats exist ([`TreeSpec`]):
//! - **Format 2** (every state created by this release): internal nodes hash in their own
//!   domain ([`crate::hash::NodeDomain`]), the depth is chosen when the state is created
//!   (default [`DEPTH`] = 32: room for 2^32 accounts), and the *published* root binds the
//!   market: `root = Poseidon_RootDomain(market commitment, tree root)`
//!   ([`crate::hash::bound_root`]). A root therefore names its market: a proof against it
//!   cannot be read under another market of the same shape.
//! - **Format 1** (legacy, kept so that proofs made by earlier releases still verify): depth
//!   32, nodes are `Poseidon ConstantLength<2>(left, right)`, and the published root is the
//!   tree root itself.
//!
//! In both, an empty leaf is the commitment of the empty account (salt 0, no amounts) of the
//! market's shape ([`empty_leaf`]). The empty account is healthy, so an empty position can
//! never be proven liquidatable; and since every imported account has a salt of at least
//! 2^128, no account's leaf is the empty leaf. Leaf `i` sits at level 0, index `i`; node
//! `(l, j)` has children `(l-1, 2j)` and `(l-1, 2j+1)`; the tree root is node `(depth, 0)`.

use std::collections::BTreeMap;

use ff::Field;
use rayon::prelude::*;

use crate::commitment::AccountOpening;
use crate::field::Fp;
use crate::shape::Shape;

/// The default (and format-1) depth of the state tree.
pub const DEPTH: u32 = 32;

/// Number of leaves of a default-depth tree: `2^DEPTH`.
pub const CAPACITY: u64 = 1 << DEPTH;

/// How a tree hashes its nodes and what its published root commits to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TreeFormat {
    /// Legacy: untagged `ConstantLength<2>` nodes, depth 32, the published root is the tree
    /// root (it does not commit to the market).
    V1,
    /// Tagged nodes, a chosen depth, and a published root that binds the market commitment.
    V2,
}

/// A tree format and depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreeSpec {
    format: TreeFormat,
    depth: u32,
}

impl TreeSpec {
    /// The legacy format-1 tree (depth 32).
    pub const LEGACY: TreeSpec = TreeSpec {
        format: TreeFormat::V1,
        depth: DEPTH,
    };
    /// The format-2 tree of the default depth 32.
    pub const DEFAULT: TreeSpec = TreeSpec {
        format: TreeFormat::V2,
        depth: DEPTH,
    };
    /// Least depth of a format-2 tree: above the largest batch's subtree (128 leaves) there is
    /// at least one level of path.
    pub const MIN_DEPTH: u32 = 8;
    /// Greatest depth of a format-2 tree.
    pub const MAX_DEPTH: u32 = 32;

    /// A format-2 tree of `depth` levels, if `MIN_DEPTH <= depth <= MAX_DEPTH`.
    pub fn v2(depth: u32) -> Option<TreeSpec> {
        (Self::MIN_DEPTH..=Self::MAX_DEPTH)
            .contains(&depth)
            .then_some(TreeSpec {
                format: TreeFormat::V2,
                depth,
            })
    }

    /// The format.
    pub const fn format(self) -> TreeFormat {
        self.format
    }

    /// Levels from the leaves to the tree root.
    pub const fn depth(self) -> u32 {
        self.depth
    }

    /// Number of leaves, `2^depth`.
    pub const fn capacity(self) -> u64 {
        1 << self.depth
    }

    /// The parent of two nodes.
    pub fn hash_nodes(self, left: Fp, right: Fp) -> Fp {
        match self.format {
            TreeFormat::V1 => crate::hash::constant_length(&[left, right]),
            TreeFormat::V2 => crate::hash::node(left, right),
        }
    }

    /// The root to publish for a tree root of a market with commitment `market_commitment`:
    /// the tree root itself in format 1, [`crate::hash::bound_root`] in format 2.
    pub fn publish(self, market_commitment: Fp, tree_root: Fp) -> Fp {
        match self.format {
            TreeFormat::V1 => tree_root,
            TreeFormat::V2 => crate::hash::bound_root(market_commitment, tree_root),
        }
    }
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
pub struct EmptyTree {
    spec: TreeSpec,
    levels: Vec<Fp>,
}

impl EmptyTree {
    /// Empty roots for every level of a tree of `spec` for markets of `shape`.
    pub fn new(shape: Shape, spec: TreeSpec) -> Self {
        let mut levels = vec![empty_leaf(shape)];
        for l in 0..spec.depth as usize {
            levels.push(spec.hash_nodes(levels[l], levels[l]));
        }
        EmptyTree { spec, levels }
    }

    /// The tree format and depth.
    pub fn spec(&self) -> TreeSpec {
        self.spec
    }

    /// The root of an empty subtree of height `level`.
    pub fn at(&self, level: u32) -> Fp {
        self.levels[level as usize]
    }
}

/// Recomputes the tree root from a node with index `index` (within its level) and the
/// siblings of it and its ancestors, bottom up.
pub fn root_from(spec: TreeSpec, node: Fp, index: u64, siblings: &[Fp]) -> Fp {
    siblings.iter().enumerate().fold(node, |acc, (i, sibling)| {
        if (index >> i) & 1 == 0 {
            spec.hash_nodes(acc, *sibling)
        } else {
            spec.hash_nodes(*sibling, acc)
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
/// parallel); returns the new tree root (unbound: see [`TreeSpec::publish`]). Cost: about one hash per changed leaf, plus the path above.
pub fn update<S: NodeStore>(
    store: &mut S,
    empty: &EmptyTree,
    leaves: impl IntoIterator<Item = (u64, Fp)>,
) -> Result<Fp, S::Error> {
    let spec = empty.spec;
    let depth = spec.depth;
    let mut level_nodes: BTreeMap<u64, Fp> = leaves.into_iter().collect();
    if level_nodes.is_empty() {
        return Ok(store.node(depth, 0)?.unwrap_or(empty.at(depth)));
    }
    for level in 0..depth {
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
            .map(|(p, l, r)| (p, spec.hash_nodes(l, r)))
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
    }
    store.put(depth, &level_nodes)?;
    Ok(level_nodes[&0])
}

/// The siblings of node `(level, index)` and of each of its ancestors below the root.
pub fn path<S: NodeStore>(
    store: &mut S,
    empty: &EmptyTree,
    level: u32,
    index: u64,
) -> Result<Vec<Fp>, S::Error> {
    (level..empty.spec.depth)
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
        for spec in [
            TreeSpec::DEFAULT,
            TreeSpec::LEGACY,
            TreeSpec::v2(10).unwrap(),
        ] {
            let depth = spec.depth();
            let empty = EmptyTree::new(Shape::A4, spec);
            let mut store = MemoryStore::default();
            let root = update(&mut store, &empty, []).unwrap();
            assert_eq!(root, empty.at(depth));

            let leaves: Vec<(u64, Fp)> = [0u64, 1, 5, 1000, spec.capacity() - 1]
                .iter()
                .map(|&i| (i, Fp::from(i + 7)))
                .collect();
            let root = update(&mut store, &empty, leaves.clone()).unwrap();
            for (i, leaf) in &leaves {
                let siblings = path(&mut store, &empty, 0, *i).unwrap();
                assert_eq!(siblings.len(), depth as usize);
                assert_eq!(root_from(spec, *leaf, *i, &siblings), root);
                assert_ne!(root_from(spec, *leaf + Fp::ONE, *i, &siblings), root);
            }
            // A subtree root at level 3 and its path give the same root.
            let subtree = store.node(3, 0).unwrap().unwrap();
            assert_eq!(
                root_from(spec, subtree, 0, &path(&mut store, &empty, 3, 0).unwrap()),
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
            assert_eq!(other.node(depth, 0).unwrap(), Some(root));
        }
    }

    #[test]
    fn empty_leaves_depend_on_the_shape_and_nodes_on_the_format() {
        assert_ne!(empty_leaf(Shape::A1), empty_leaf(Shape::A2));
        let leaf = empty_leaf(Shape::A1);
        let v1 = EmptyTree::new(Shape::A1, TreeSpec::LEGACY);
        let v2 = EmptyTree::new(Shape::A1, TreeSpec::DEFAULT);
        assert_eq!(v1.at(0), v2.at(0));
        assert_eq!(v1.at(1), crate::hash::constant_length(&[leaf, leaf]));
        assert_eq!(v2.at(1), crate::hash::node(leaf, leaf));
        assert_ne!(v1.at(1), v2.at(1));
    }

    #[test]
    fn the_published_root_binds_the_market_in_format_2_only() {
        let (m1, m2, t) = (Fp::from(1), Fp::from(2), Fp::from(3));
        assert_eq!(TreeSpec::LEGACY.publish(m1, t), t);
        let d = TreeSpec::DEFAULT;
        assert_ne!(d.publish(m1, t), d.publish(m2, t));
        assert_ne!(d.publish(m1, t), t);
        assert_eq!(TreeSpec::v2(7), None);
        assert_eq!(TreeSpec::v2(33), None);
    }
}
