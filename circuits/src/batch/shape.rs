//! Batch shapes: an asset shape, a subtree height and the state tree they prove against.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use halo2_proofs::dev::CircuitCost;
use pasta_curves::vesta;

use super::BatchCircuit;
use crate::shape::Shape;
use crate::tree::{TreeFormat, TreeSpec};

/// A batch circuit shape: markets of `assets` slots, subtrees of `2^height` positions, in a
/// state tree of format and depth `tree`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BatchShape {
    /// The asset shape every position uses.
    pub assets: Shape,
    /// Subtree height `h`: the batch covers `2^h` positions (0 = a membership proof).
    pub height: u32,
    /// The state tree: its format and depth.
    pub tree: TreeSpec,
}

impl BatchShape {
    /// Supported subtree heights: batches of 1 (membership), 8, 32 and 128 positions.
    pub const HEIGHTS: [u32; 4] = [0, 3, 5, 7];

    /// The shape in the default (format 2, depth 32) tree, if `height` is supported.
    pub fn new(assets: Shape, height: u32) -> Option<Self> {
        Self::in_tree(assets, height, TreeSpec::DEFAULT)
    }

    /// The shape in a tree of `tree`'s format and depth, if `height` is supported.
    pub fn in_tree(assets: Shape, height: u32, tree: TreeSpec) -> Option<Self> {
        (Self::HEIGHTS.contains(&height) && height < tree.depth()).then_some(BatchShape {
            assets,
            height,
            tree,
        })
    }

    /// The supported shape with `positions` positions per batch, in a tree of `tree`.
    pub fn with_positions(assets: Shape, positions: usize, tree: TreeSpec) -> Option<Self> {
        Self::HEIGHTS
            .into_iter()
            .find(|h| 1usize << h == positions)
            .and_then(|height| Self::in_tree(assets, height, tree))
    }

    /// Every supported batch shape for `assets` in a tree of `tree`, smallest batch first.
    pub fn all(assets: Shape, tree: TreeSpec) -> impl Iterator<Item = BatchShape> {
        Self::HEIGHTS
            .into_iter()
            .filter_map(move |height| Self::in_tree(assets, height, tree))
    }

    /// Positions per batch, `2^height`.
    pub const fn positions(self) -> usize {
        1 << self.height
    }

    /// Levels of the path from the subtree root to the tree root.
    pub const fn path_len(self) -> usize {
        (self.tree.depth() - self.height) as usize
    }

    /// Number of subtrees of this height: the subtree index is below this.
    pub const fn subtrees(self) -> u64 {
        1 << (self.tree.depth() - self.height)
    }

    /// True for the legacy format-1 circuit (verification of old proofs only).
    pub const fn is_legacy(self) -> bool {
        matches!(self.tree.format(), TreeFormat::V1)
    }

    /// Rows the circuit's layout uses (halo2's `CircuitCost::max_rows`), measured once per
    /// shape and process by laying out the witness-free circuit.
    pub fn rows(self) -> usize {
        static ROWS: Mutex<Option<HashMap<BatchShape, usize>>> = Mutex::new(None);
        let mut cache = ROWS.lock().unwrap_or_else(|e| e.into_inner());
        let cache = cache.get_or_insert_with(HashMap::new);
        *cache.entry(self).or_insert_with(|| {
            let cost = CircuitCost::<vesta::Point, _>::measure(
                crate::keys::MEASURE_K,
                &BatchCircuit::keygen(self),
            );
            crate::keys::max_rows(&cost)
        })
    }

    /// `log2` of the circuit's row count: the smallest whose usable rows (`2^k` less halo2's
    /// [`reserved_rows`](crate::keys::reserved_rows)) hold [`BatchShape::rows`].
    pub fn k(self) -> u32 {
        crate::keys::smallest_k::<BatchCircuit>(self.rows())
    }
}

impl fmt::Display for BatchShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-position {} batch", self.positions(), self.assets)?;
        match self.tree.format() {
            TreeFormat::V1 => write!(f, " (format 1)"),
            TreeFormat::V2 if self.tree.depth() == crate::tree::DEPTH => Ok(()),
            TreeFormat::V2 => write!(f, " (depth {})", self.tree.depth()),
        }
    }
}
