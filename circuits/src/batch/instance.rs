//! Public inputs of batch and membership proofs.
//!
//! | row | value |
//! |-----|-------|
//! | [`ROOT_ROW`] | the state root |
//! | [`MARKET_COMMITMENT_ROW`] | the market commitment |
//! | [`PRICE_COMMITMENT_ROW`] | the price-round commitment |
//! | [`SUBTREE_INDEX_ROW`] | the subtree's index at its level (the leaf index for `B = 1`) |
//! | [`CLAIMS_START_ROW`] + j | position j's claim: 0 none, 1 healthy, 2 liquidatable |

use ff::Field;
use thiserror::Error;

use super::BatchShape;
use crate::field::Fp;
use crate::health::instance::Claim;

/// Instance row of the state root.
pub const ROOT_ROW: usize = 0;
/// Instance row of the market commitment.
pub const MARKET_COMMITMENT_ROW: usize = 1;
/// Instance row of the price-round commitment.
pub const PRICE_COMMITMENT_ROW: usize = 2;
/// Instance row of the subtree index.
pub const SUBTREE_INDEX_ROW: usize = 3;
/// Instance row of the first position's claim.
pub const CLAIMS_START_ROW: usize = 4;

/// What a batch proof says about one position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotClaim {
    /// Nothing.
    None,
    /// The account at this position is healthy or liquidatable.
    Is(Claim),
}

impl SlotClaim {
    /// The public value: 0 none, 1 healthy, 2 liquidatable.
    pub fn to_field(self) -> Fp {
        Fp::from(match self {
            SlotClaim::None => 0,
            SlotClaim::Is(Claim::Healthy) => 1,
            SlotClaim::Is(Claim::Liquidatable) => 2,
        })
    }

    /// Reads a public value.
    pub fn from_field(value: Fp) -> Option<SlotClaim> {
        [
            SlotClaim::None,
            SlotClaim::Is(Claim::Healthy),
            SlotClaim::Is(Claim::Liquidatable),
        ]
        .into_iter()
        .find(|c| c.to_field() == value)
    }
}

/// Why a column is not a valid batch instance.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BatchInstanceError {
    /// Wrong number of claims for the shape.
    #[error("a {shape} has {expected} positions, got {found} claims")]
    Claims {
        /// The shape.
        shape: BatchShape,
        /// Its positions.
        expected: usize,
        /// Claims given.
        found: usize,
    },
    /// The subtree index is outside the tree.
    #[error("subtree index {index} is outside the tree (a {shape} has {limit} subtrees)")]
    Index {
        /// The shape.
        shape: BatchShape,
        /// The index.
        index: u64,
        /// Number of subtrees.
        limit: u64,
    },
    /// A claim value is not 0, 1 or 2, or the column has the wrong length.
    #[error("not a batch instance column: {0}")]
    Column(&'static str),
}

/// The typed public inputs of a batch proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchInstance {
    shape: BatchShape,
    /// The state root.
    pub root: Fp,
    /// The market commitment.
    pub market_commitment: Fp,
    /// The price-round commitment.
    pub price_commitment: Fp,
    subtree_index: u64,
    claims: Vec<SlotClaim>,
}

impl BatchInstance {
    /// Builds an instance, checking the claim count and the subtree index against the shape.
    pub fn new(
        shape: BatchShape,
        root: Fp,
        market_commitment: Fp,
        price_commitment: Fp,
        subtree_index: u64,
        claims: Vec<SlotClaim>,
    ) -> Result<Self, BatchInstanceError> {
        if claims.len() != shape.positions() {
            return Err(BatchInstanceError::Claims {
                shape,
                expected: shape.positions(),
                found: claims.len(),
            });
        }
        if subtree_index >= shape.subtrees() {
            return Err(BatchInstanceError::Index {
                shape,
                index: subtree_index,
                limit: shape.subtrees(),
            });
        }
        Ok(BatchInstance {
            shape,
            root,
            market_commitment,
            price_commitment,
            subtree_index,
            claims,
        })
    }

    /// The shape.
    pub fn shape(&self) -> BatchShape {
        self.shape
    }

    /// The subtree's index at its level.
    pub fn subtree_index(&self) -> u64 {
        self.subtree_index
    }

    /// The leaf index of position `j`.
    pub fn leaf_index(&self, j: usize) -> u64 {
        (self.subtree_index << self.shape.height) + j as u64
    }

    /// The claims, position by position.
    pub fn claims(&self) -> &[SlotClaim] {
        &self.claims
    }

    /// `(leaf index, claim)` for every position that makes a claim.
    pub fn claimed(&self) -> impl Iterator<Item = (u64, Claim)> + '_ {
        self.claims.iter().enumerate().filter_map(|(j, c)| match c {
            SlotClaim::Is(claim) => Some((self.leaf_index(j), *claim)),
            SlotClaim::None => None,
        })
    }

    /// The instance column.
    pub fn to_column(&self) -> Vec<Fp> {
        let mut column = vec![Fp::ZERO; CLAIMS_START_ROW + self.claims.len()];
        column[ROOT_ROW] = self.root;
        column[MARKET_COMMITMENT_ROW] = self.market_commitment;
        column[PRICE_COMMITMENT_ROW] = self.price_commitment;
        column[SUBTREE_INDEX_ROW] = Fp::from(self.subtree_index);
        for (j, c) in self.claims.iter().enumerate() {
            column[CLAIMS_START_ROW + j] = c.to_field();
        }
        column
    }

    /// Reads an instance column of `shape`.
    pub fn from_column(shape: BatchShape, column: &[Fp]) -> Result<Self, BatchInstanceError> {
        if column.len() != CLAIMS_START_ROW + shape.positions() {
            return Err(BatchInstanceError::Column("wrong length"));
        }
        let repr = ff::PrimeField::to_repr(&column[SUBTREE_INDEX_ROW]);
        let (low, high) = repr.as_ref().split_at(8);
        if high.iter().any(|b| *b != 0) {
            return Err(BatchInstanceError::Column(
                "subtree index is not a small integer",
            ));
        }
        let index = u64::from_le_bytes(low.try_into().expect("8 bytes"));
        let claims = column[CLAIMS_START_ROW..]
            .iter()
            .map(|v| {
                SlotClaim::from_field(*v)
                    .ok_or(BatchInstanceError::Column("claim is not 0, 1 or 2"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        BatchInstance::new(
            shape,
            column[ROOT_ROW],
            column[MARKET_COMMITMENT_ROW],
            column[PRICE_COMMITMENT_ROW],
            index,
            claims,
        )
    }
}
