//! Report piece shapes: a batch shape (assets, subtree height, tree) and a number of edges.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use halo2_proofs::dev::CircuitCost;
use pasta_curves::vesta;

use super::ReportCircuit;
use crate::batch::BatchShape;
use crate::bounds::MAX_EDGES;
use crate::tree::TreeFormat;

/// A report piece shape: `2^height` positions of `assets`-slot accounts in a state tree, with
/// `edges` bucket edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportShape {
    /// Assets, subtree height and tree. Only format-2 trees and heights of at least 3.
    pub batch: BatchShape,
    /// Number of bucket edges `m` (`1..=MAX_EDGES`).
    pub edges: usize,
}

impl ReportShape {
    /// The shape, if the batch shape is a format-2 subtree of 8 or more positions and
    /// `edges` is in `1..=MAX_EDGES`.
    pub fn new(batch: BatchShape, edges: usize) -> Option<Self> {
        (batch.height >= 3
            && !batch.is_legacy()
            && (1..=MAX_EDGES).contains(&edges)
            && matches!(batch.tree.format(), TreeFormat::V2))
        .then_some(ReportShape { batch, edges })
    }

    /// Positions per piece.
    pub const fn positions(self) -> usize {
        self.batch.positions()
    }

    /// Pieces that cover the whole tree.
    pub const fn pieces(self) -> u64 {
        self.batch.subtrees()
    }

    /// Fields of the book: accounts, liquidatable, `m` buckets, then collateral and debt per
    /// asset slot.
    pub fn book_len(self) -> usize {
        2 + self.edges + 2 * self.batch.assets.assets()
    }

    /// Rows the circuit's layout uses, measured once per shape and process.
    pub fn rows(self) -> usize {
        static ROWS: Mutex<Option<HashMap<ReportShape, usize>>> = Mutex::new(None);
        let mut cache = ROWS.lock().unwrap_or_else(|e| e.into_inner());
        let cache = cache.get_or_insert_with(HashMap::new);
        *cache.entry(self).or_insert_with(|| {
            let cost = CircuitCost::<vesta::Point, _>::measure(
                crate::keys::MEASURE_K,
                &ReportCircuit::keygen(self),
            );
            crate::keys::max_rows(&cost)
        })
    }

    /// `log2` of the circuit's row count.
    pub fn k(self) -> u32 {
        crate::keys::smallest_k::<ReportCircuit>(self.rows())
    }
}

impl fmt::Display for ReportShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-position {} report piece with {} edges",
            self.positions(),
            self.batch.assets,
            self.edges
        )?;
        if self.batch.tree.depth() != crate::tree::DEPTH {
            write!(f, " (depth {})", self.batch.tree.depth())?;
        }
        Ok(())
    }
}
