//! Public inputs of a report piece.
//!
//! | row | value |
//! |-----|-------|
//! | [`ROOT_ROW`] | the state root (format 2: bound to the market commitment) |
//! | [`MARKET_COMMITMENT_ROW`] | the market commitment |
//! | [`PRICE_COMMITMENT_ROW`] | the price-round commitment |
//! | [`SUBTREE_INDEX_ROW`] | the piece's subtree index |
//! | [`BOOK_IN_ROW`] | commitment to the book before this piece |
//! | [`BOOK_OUT_ROW`] | commitment to the book after it |
//! | [`LAST_ROW`] | 1 if every subtree to the right of this one is empty, else 0 |
//! | [`EDGES_START_ROW`] + i | bucket edge `E_i` in bps (`E_0 = 10000`) |
//! | [`EDGES_START_ROW`] + m + j | 1 if position `j` is liquidatable, else 0 |

use ff::{Field, PrimeField};
use thiserror::Error;

use super::ReportShape;
use crate::bounds::{EDGE_BITS, MAX_EDGES, RATIO_BPS};
use crate::field::Fp;

/// Instance row of the state root.
pub const ROOT_ROW: usize = 0;
/// Instance row of the market commitment.
pub const MARKET_COMMITMENT_ROW: usize = 1;
/// Instance row of the price-round commitment.
pub const PRICE_COMMITMENT_ROW: usize = 2;
/// Instance row of the subtree index.
pub const SUBTREE_INDEX_ROW: usize = 3;
/// Instance row of the commitment to the book this piece starts from.
pub const BOOK_IN_ROW: usize = 4;
/// Instance row of the commitment to the book this piece ends with.
pub const BOOK_OUT_ROW: usize = 5;
/// Instance row of the `last` flag.
pub const LAST_ROW: usize = 6;
/// Instance row of the first bucket edge; the liquidatable flags follow the edges.
pub const EDGES_START_ROW: usize = 7;

/// Bucket edges in bps of the ratio `lhs/rhs`: strictly increasing, starting at 10000 (the
/// liquidation boundary), below `2^20`, at most [`MAX_EDGES`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BucketEdges(Vec<u32>);

impl BucketEdges {
    /// The edges the CLI uses unless told otherwise: 1.0, 1.1, 1.25, 1.5, 2.0.
    pub const DEFAULT: [u32; 5] = [10_000, 11_000, 12_500, 15_000, 20_000];

    /// Validates `edges`.
    pub fn new(edges: Vec<u32>) -> Result<Self, ReportInstanceError> {
        if edges.is_empty() || edges.len() > MAX_EDGES {
            return Err(ReportInstanceError::Edges(format!(
                "{} edges given, expected 1 to {MAX_EDGES}",
                edges.len()
            )));
        }
        if edges[0] as u64 != RATIO_BPS {
            return Err(ReportInstanceError::Edges(format!(
                "the first edge is {}, it must be {RATIO_BPS} (the liquidation boundary)",
                edges[0]
            )));
        }
        if let Some(w) = edges.windows(2).find(|w| w[0] >= w[1]) {
            return Err(ReportInstanceError::Edges(format!(
                "edges must increase strictly ({} then {})",
                w[0], w[1]
            )));
        }
        if let Some(e) = edges.iter().find(|e| u64::from(**e) >= 1 << EDGE_BITS) {
            return Err(ReportInstanceError::Edges(format!(
                "edge {e} is not below 2^{EDGE_BITS} = {}",
                1u64 << EDGE_BITS
            )));
        }
        Ok(BucketEdges(edges))
    }

    /// The default edges.
    pub fn default_edges() -> Self {
        BucketEdges(Self::DEFAULT.to_vec())
    }

    /// The edges.
    pub fn as_slice(&self) -> &[u32] {
        &self.0
    }

    /// Number of edges `m` (and of buckets above the liquidation boundary).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: a valid edge list has at least one edge.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a column is not a valid report-piece instance.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReportInstanceError {
    /// Invalid bucket edges.
    #[error("bucket edges: {0}")]
    Edges(String),
    /// The edges do not match the shape.
    #[error("a {shape} has {expected} edges, got {found}")]
    EdgeCount {
        /// The shape.
        shape: ReportShape,
        /// Its edge count.
        expected: usize,
        /// Edges given.
        found: usize,
    },
    /// Wrong number of flags for the shape.
    #[error("a {shape} has {expected} positions, got {found} flags")]
    Flags {
        /// The shape.
        shape: ReportShape,
        /// Its positions.
        expected: usize,
        /// Flags given.
        found: usize,
    },
    /// The subtree index is outside the tree.
    #[error("subtree index {index} is outside the tree (a {shape} has {limit} subtrees)")]
    Index {
        /// The shape.
        shape: ReportShape,
        /// The index.
        index: u64,
        /// Number of subtrees.
        limit: u64,
    },
    /// A value is not of its row's kind, or the column has the wrong length.
    #[error("not a report instance column: {0}")]
    Column(&'static str),
}

/// The typed public inputs of a report piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInstance {
    shape: ReportShape,
    /// The state root.
    pub root: Fp,
    /// The market commitment.
    pub market_commitment: Fp,
    /// The price-round commitment.
    pub price_commitment: Fp,
    subtree_index: u64,
    /// Commitment to the book before this piece.
    pub book_in: Fp,
    /// Commitment to the book after this piece.
    pub book_out: Fp,
    last: bool,
    edges: BucketEdges,
    liquidatable: Vec<bool>,
}

impl ReportInstance {
    /// Builds an instance, checking the edges, flag count and subtree index against the shape.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        shape: ReportShape,
        root: Fp,
        market_commitment: Fp,
        price_commitment: Fp,
        subtree_index: u64,
        book_in: Fp,
        book_out: Fp,
        last: bool,
        edges: BucketEdges,
        liquidatable: Vec<bool>,
    ) -> Result<Self, ReportInstanceError> {
        if edges.len() != shape.edges {
            return Err(ReportInstanceError::EdgeCount {
                shape,
                expected: shape.edges,
                found: edges.len(),
            });
        }
        if liquidatable.len() != shape.positions() {
            return Err(ReportInstanceError::Flags {
                shape,
                expected: shape.positions(),
                found: liquidatable.len(),
            });
        }
        if subtree_index >= shape.pieces() {
            return Err(ReportInstanceError::Index {
                shape,
                index: subtree_index,
                limit: shape.pieces(),
            });
        }
        Ok(ReportInstance {
            shape,
            root,
            market_commitment,
            price_commitment,
            subtree_index,
            book_in,
            book_out,
            last,
            edges,
            liquidatable,
        })
    }

    /// The shape.
    pub fn shape(&self) -> ReportShape {
        self.shape
    }

    /// The piece's subtree index.
    pub fn subtree_index(&self) -> u64 {
        self.subtree_index
    }

    /// True if every subtree to the right of this piece is empty.
    pub fn last(&self) -> bool {
        self.last
    }

    /// The bucket edges.
    pub fn edges(&self) -> &BucketEdges {
        &self.edges
    }

    /// The liquidatable flag of each position.
    pub fn flags(&self) -> &[bool] {
        &self.liquidatable
    }

    /// Leaf indices of the liquidatable positions.
    pub fn liquidatable(&self) -> impl Iterator<Item = u64> + '_ {
        let first = self.subtree_index << self.shape.batch.height;
        self.liquidatable
            .iter()
            .enumerate()
            .filter(|(_, l)| **l)
            .map(move |(j, _)| first + j as u64)
    }

    /// Row of position `j`'s flag.
    pub fn flag_row(shape: ReportShape, j: usize) -> usize {
        EDGES_START_ROW + shape.edges + j
    }

    /// Length of the instance column of `shape`.
    pub fn len(shape: ReportShape) -> usize {
        EDGES_START_ROW + shape.edges + shape.positions()
    }

    /// The instance column.
    pub fn to_column(&self) -> Vec<Fp> {
        let bit = |b: bool| if b { Fp::ONE } else { Fp::ZERO };
        let mut column = vec![
            self.root,
            self.market_commitment,
            self.price_commitment,
            Fp::from(self.subtree_index),
            self.book_in,
            self.book_out,
            bit(self.last),
        ];
        column.extend(
            self.edges
                .as_slice()
                .iter()
                .map(|e| Fp::from(u64::from(*e))),
        );
        column.extend(self.liquidatable.iter().map(|l| bit(*l)));
        column
    }

    /// Reads an instance column of `shape`.
    pub fn from_column(shape: ReportShape, column: &[Fp]) -> Result<Self, ReportInstanceError> {
        if column.len() != Self::len(shape) {
            return Err(ReportInstanceError::Column("wrong length"));
        }
        let small = |v: &Fp, what: &'static str| -> Result<u64, ReportInstanceError> {
            let repr = v.to_repr();
            let (low, high) = repr.as_ref().split_at(8);
            if high.iter().any(|b| *b != 0) {
                return Err(ReportInstanceError::Column(what));
            }
            Ok(u64::from_le_bytes(low.try_into().expect("8 bytes")))
        };
        let bit = |v: &Fp, what: &'static str| match small(v, what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ReportInstanceError::Column(what)),
        };
        let edges = column[EDGES_START_ROW..EDGES_START_ROW + shape.edges]
            .iter()
            .map(|e| {
                small(e, "an edge is not a small integer").and_then(|e| {
                    u32::try_from(e)
                        .map_err(|_| ReportInstanceError::Column("an edge is too large"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let flags = column[EDGES_START_ROW + shape.edges..]
            .iter()
            .map(|f| bit(f, "a liquidatable flag is not 0 or 1"))
            .collect::<Result<Vec<_>, _>>()?;
        ReportInstance::new(
            shape,
            column[ROOT_ROW],
            column[MARKET_COMMITMENT_ROW],
            column[PRICE_COMMITMENT_ROW],
            small(
                &column[SUBTREE_INDEX_ROW],
                "subtree index is not a small integer",
            )?,
            column[BOOK_IN_ROW],
            column[BOOK_OUT_ROW],
            bit(&column[LAST_ROW], "last is not 0 or 1")?,
            BucketEdges::new(edges)?,
            flags,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_validated() {
        assert!(BucketEdges::new(BucketEdges::DEFAULT.to_vec()).is_ok());
        assert!(BucketEdges::new(vec![10_000]).is_ok());
        for bad in [
            vec![],
            vec![9_999, 11_000],
            vec![10_000, 10_000],
            vec![10_000, 12_000, 11_000],
            vec![10_000, 1 << 20],
            (0..9).map(|i| 10_000 + i).collect(),
        ] {
            assert!(BucketEdges::new(bad.clone()).is_err(), "{bad:?} accepted");
        }
    }
}
