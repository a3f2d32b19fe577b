//! Batch shapes: an asset shape and a subtree height.

use std::fmt;

use crate::shape::Shape;
use crate::tree::DEPTH;

/// A batch circuit shape: markets of `assets` slots, subtrees of `2^height` positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BatchShape {
    /// The asset shape every position uses.
    pub assets: Shape,
    /// Subtree height `h`: the batch covers `2^h` positions (0 = a membership proof).
    pub height: u32,
}

impl BatchShape {
    /// Supported subtree heights: batches of 1 (membership), 8, 32 and 128 positions.
    pub const HEIGHTS: [u32; 4] = [0, 3, 5, 7];

    /// The shape, if `height` is supported.
    pub fn new(assets: Shape, height: u32) -> Option<Self> {
        Self::HEIGHTS
            .contains(&height)
            .then_some(BatchShape { assets, height })
    }

    /// The supported shape with `positions` positions per batch.
    pub fn with_positions(assets: Shape, positions: usize) -> Option<Self> {
        Self::HEIGHTS
            .into_iter()
            .find(|h| 1usize << h == positions)
            .map(|height| BatchShape { assets, height })
    }

    /// Every supported batch shape for `assets`, smallest batch first.
    pub fn all(assets: Shape) -> impl Iterator<Item = BatchShape> {
        Self::HEIGHTS
            .into_iter()
            .map(move |height| BatchShape { assets, height })
    }

    /// Positions per batch, `2^height`.
    pub const fn positions(self) -> usize {
        1 << self.height
    }

    /// Levels of the path from the subtree root to the tree root.
    pub const fn path_len(self) -> usize {
        (DEPTH - self.height) as usize
    }

    /// Number of subtrees of this height: the subtree index is below this.
    pub const fn subtrees(self) -> u64 {
        1 << (DEPTH - self.height)
    }

    /// `log2` of the circuit's row count: the smallest that fits (checked by a test).
    pub const fn k(self) -> u32 {
        // Rows grow with the positions (account commitment, valuation, range checks per
        // position) and the path (one hash per level above the subtree).
        match (self.assets, self.height) {
            (Shape::A16, 0) => 12,
            (_, 0) => 11,
            (Shape::A16, 3) => 13,
            (_, 3) => 12,
            (Shape::A1 | Shape::A2, 5) => 13,
            (Shape::A4 | Shape::A8, 5) => 14,
            (Shape::A16, 5) => 15,
            (Shape::A1 | Shape::A2 | Shape::A4, _) => 15,
            (Shape::A8, _) => 16,
            (Shape::A16, _) => 17,
        }
    }
}

impl fmt::Display for BatchShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-position {} batch", self.positions(), self.assets)
    }
}
