//! Report piece shapes: a batch shape (assets, subtree height, tree), a number of edges and a
//! circuit layout.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use halo2_proofs::dev::CircuitCost;
use pasta_curves::vesta;

use super::{ReportCircuitV1, ReportCircuitV2, ReportCircuitV3};
use crate::batch::BatchShape;
use crate::bounds::MAX_EDGES;
use crate::tree::TreeFormat;

/// How a report piece's circuit lays out its regions. Every layout proves the same statement with
/// the same public inputs; they differ in columns, rows and so in verifying keys. Layout `n`
/// writes group files of format `zkliq-report-group/n` (piece files, `zkliq-report-piece/n`,
/// before groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportLayout {
    /// Every chip on `a0..a4` (the batch circuit's columns): the range-check column `a4` sets
    /// the rows, about 345 per position at 4 assets.
    V1,
    /// The account commitments on a second Poseidon lane (`b0..b3`) and the range checks spread
    /// over two lookup columns (`a4`, `a5`): about 176 rows per position at 4 assets, so one `k`
    /// less than layout 1 for most shapes, with 5 more advice columns and a proof about 1.4
    /// times larger.
    V2,
    /// Two lanes for the account commitments (`b0..b3`, `c0..c3`, alternating by position) and
    /// three lookup columns (`a4`, `a5`, `a6`): at most 120 rows per position in a 4-asset
    /// 128-position piece, so one `k` less than layout 2 there, with 5 more advice columns.
    V3,
}

impl ReportLayout {
    /// The layout's number, as in `zkliq-report-piece/<number>`.
    pub const fn number(self) -> u8 {
        match self {
            ReportLayout::V1 => 1,
            ReportLayout::V2 => 2,
            ReportLayout::V3 => 3,
        }
    }

    /// Poseidon lanes and lookup columns beside the health circuit's in layout `number`.
    pub const fn extra_lanes(number: u8) -> usize {
        match number {
            2 => 1,
            3 => 2,
            _ => 0,
        }
    }
}

/// A report piece shape: `2^height` positions of `assets`-slot accounts in a state tree, with
/// `edges` bucket edges, in one circuit layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportShape {
    /// Assets, subtree height and tree. Only format-2 trees and heights of at least 3.
    pub batch: BatchShape,
    /// Number of bucket edges `m` (`1..=MAX_EDGES`).
    pub edges: usize,
    /// The circuit's layout.
    pub layout: ReportLayout,
}

impl ReportShape {
    /// The shape in the current layout ([`ReportLayout::V2`]), if the batch shape is a
    /// format-2 subtree of 8 or more positions and `edges` is in `1..=MAX_EDGES`.
    pub fn new(batch: BatchShape, edges: usize) -> Option<Self> {
        (batch.height >= 3
            && !batch.is_legacy()
            && (1..=MAX_EDGES).contains(&edges)
            && matches!(batch.tree.format(), TreeFormat::V2))
        .then_some(ReportShape {
            batch,
            edges,
            layout: ReportLayout::V2,
        })
    }

    /// The same shape in `layout`.
    pub const fn with_layout(self, layout: ReportLayout) -> Self {
        ReportShape { layout, ..self }
    }

    /// The same shape in the layout with the smallest `k`, the layout with fewer columns on a
    /// tie (at the same `k` it proves faster and its proofs are smaller): in a depth-32 tree,
    /// layout 3 for the 2- and 4-asset 128-position pieces, layout 1 for the 1- and 2-asset
    /// 8-position pieces, layout 2 for the rest. Lays out each layout's circuit (once per shape
    /// and process).
    pub fn smallest_layout(self) -> Self {
        [ReportLayout::V1, ReportLayout::V2, ReportLayout::V3]
            .into_iter()
            .map(|layout| self.with_layout(layout))
            .min_by_key(|shape| shape.k())
            .unwrap_or(self)
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
        *cache.entry(self).or_insert_with(|| match self.layout {
            ReportLayout::V1 => crate::keys::max_rows(&CircuitCost::<vesta::Point, _>::measure(
                crate::keys::MEASURE_K,
                &ReportCircuitV1::keygen(self),
            )),
            ReportLayout::V2 => crate::keys::max_rows(&CircuitCost::<vesta::Point, _>::measure(
                crate::keys::MEASURE_K,
                &ReportCircuitV2::keygen(self),
            )),
            ReportLayout::V3 => crate::keys::max_rows(&CircuitCost::<vesta::Point, _>::measure(
                crate::keys::MEASURE_K,
                &ReportCircuitV3::keygen(self),
            )),
        })
    }

    /// `log2` of the circuit's row count.
    pub fn k(self) -> u32 {
        match self.layout {
            ReportLayout::V1 => crate::keys::smallest_k::<ReportCircuitV1>(self.rows()),
            ReportLayout::V2 => crate::keys::smallest_k::<ReportCircuitV2>(self.rows()),
            ReportLayout::V3 => crate::keys::smallest_k::<ReportCircuitV3>(self.rows()),
        }
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
        if self.layout != ReportLayout::V2 {
            write!(f, " in layout {}", self.layout.number())?;
        }
        Ok(())
    }
}
