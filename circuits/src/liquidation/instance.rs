//! Public inputs of a liquidation proof.
//!
//! | row | value |
//! |-----|-------|
//! | [`OLD_ROOT_ROW`] | the published state root before |
//! | [`NEW_ROOT_ROW`] | the published state root after |
//! | [`LEAF_ROW`] | the liquidated account's leaf index |
//! | [`MARKET_COMMITMENT_ROW`] | the market commitment (with its liquidation rules) |
//! | [`PRICE_COMMITMENT_ROW`] | the price-round commitment |
//! | [`DEBT_ASSET_ROW`] | `d`, the index of the debt asset repaid |
//! | [`COLLATERAL_ASSET_ROW`] | `c`, the index of the collateral asset seized |
//! | [`REPAY_ROW`] | the repay offered (`2^128 − 1` for "max") |
//! | [`REPAID_ROW`] | debt repaid, base units of `d` |
//! | [`SEIZED_ROW`] | collateral seized, base units of `c` |
//! | [`TO_LIQUIDATOR_ROW`] | collateral to the liquidator |
//! | [`FEE_ROW`] | collateral to the protocol |
//! | [`LIQUIDATOR_ROW`] | the liquidator's id (a field element, e.g. an address) |

use ff::PrimeField;
use thiserror::Error;

use super::LiquidationShape;
use crate::field::Fp;

/// Instance row of the old root.
pub const OLD_ROOT_ROW: usize = 0;
/// Instance row of the new root.
pub const NEW_ROOT_ROW: usize = 1;
/// Instance row of the leaf index.
pub const LEAF_ROW: usize = 2;
/// Instance row of the market commitment.
pub const MARKET_COMMITMENT_ROW: usize = 3;
/// Instance row of the price-round commitment.
pub const PRICE_COMMITMENT_ROW: usize = 4;
/// Instance row of the debt asset's index.
pub const DEBT_ASSET_ROW: usize = 5;
/// Instance row of the collateral asset's index.
pub const COLLATERAL_ASSET_ROW: usize = 6;
/// Instance row of the offered repay.
pub const REPAY_ROW: usize = 7;
/// Instance row of the debt repaid.
pub const REPAID_ROW: usize = 8;
/// Instance row of the collateral seized.
pub const SEIZED_ROW: usize = 9;
/// Instance row of the collateral to the liquidator.
pub const TO_LIQUIDATOR_ROW: usize = 10;
/// Instance row of the protocol fee.
pub const FEE_ROW: usize = 11;
/// Instance row of the liquidator's id.
pub const LIQUIDATOR_ROW: usize = 12;
/// Number of public inputs.
pub const NUM_PUBLIC_INPUTS: usize = 13;

/// Why a column is not a liquidation instance.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LiquidationInstanceError {
    /// The column does not hold exactly [`NUM_PUBLIC_INPUTS`] values.
    #[error("expected {NUM_PUBLIC_INPUTS} public inputs, got {0}")]
    Length(usize),
    /// A value that must be a small integer is not.
    #[error("{field}: must be an integer in 0..{bound}")]
    Range {
        /// Which public input.
        field: &'static str,
        /// Its bound (exclusive), as text.
        bound: String,
    },
}

/// The typed public inputs of a liquidation proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiquidationInstance {
    /// The circuit shape.
    pub shape: LiquidationShape,
    /// The published root before.
    pub old_root: Fp,
    /// The published root after.
    pub new_root: Fp,
    /// The account's leaf.
    pub leaf: u64,
    /// The market commitment.
    pub market_commitment: Fp,
    /// The price-round commitment.
    pub price_commitment: Fp,
    /// Index of the debt asset.
    pub debt: usize,
    /// Index of the collateral asset.
    pub collateral: usize,
    /// The offered repay (`u128::MAX` for "max").
    pub repay: u128,
    /// Debt repaid.
    pub repaid: u128,
    /// Collateral seized.
    pub seized: u128,
    /// Collateral to the liquidator.
    pub to_liquidator: u128,
    /// Collateral to the protocol.
    pub fee: u128,
    /// The liquidator's id.
    pub liquidator: Fp,
}

impl LiquidationInstance {
    /// The instance column.
    pub fn to_column(&self) -> Vec<Fp> {
        let mut column = vec![Fp::zero(); NUM_PUBLIC_INPUTS];
        column[OLD_ROOT_ROW] = self.old_root;
        column[NEW_ROOT_ROW] = self.new_root;
        column[LEAF_ROW] = Fp::from(self.leaf);
        column[MARKET_COMMITMENT_ROW] = self.market_commitment;
        column[PRICE_COMMITMENT_ROW] = self.price_commitment;
        column[DEBT_ASSET_ROW] = Fp::from(self.debt as u64);
        column[COLLATERAL_ASSET_ROW] = Fp::from(self.collateral as u64);
        column[REPAY_ROW] = Fp::from_u128(self.repay);
        column[REPAID_ROW] = Fp::from_u128(self.repaid);
        column[SEIZED_ROW] = Fp::from_u128(self.seized);
        column[TO_LIQUIDATOR_ROW] = Fp::from_u128(self.to_liquidator);
        column[FEE_ROW] = Fp::from_u128(self.fee);
        column[LIQUIDATOR_ROW] = self.liquidator;
        column
    }

    /// Reads an instance column of `shape`, checking that the leaf is in the tree, the asset
    /// indices in the shape and the amounts below 2^128.
    pub fn from_column(
        shape: LiquidationShape,
        column: &[Fp],
    ) -> Result<Self, LiquidationInstanceError> {
        if column.len() != NUM_PUBLIC_INPUTS {
            return Err(LiquidationInstanceError::Length(column.len()));
        }
        let small = |row: usize, field: &'static str, bound: u128| {
            let v = to_u128(&column[row]).filter(|v| *v < bound);
            v.ok_or(LiquidationInstanceError::Range {
                field,
                bound: bound.to_string(),
            })
        };
        let amount = |row: usize, field: &'static str| {
            to_u128(&column[row]).ok_or(LiquidationInstanceError::Range {
                field,
                bound: "2^128".into(),
            })
        };
        let assets = shape.assets.assets() as u128;
        Ok(LiquidationInstance {
            shape,
            old_root: column[OLD_ROOT_ROW],
            new_root: column[NEW_ROOT_ROW],
            leaf: small(LEAF_ROW, "leaf", u128::from(shape.tree.capacity()))? as u64,
            market_commitment: column[MARKET_COMMITMENT_ROW],
            price_commitment: column[PRICE_COMMITMENT_ROW],
            debt: small(DEBT_ASSET_ROW, "debt", assets)? as usize,
            collateral: small(COLLATERAL_ASSET_ROW, "collateral", assets)? as usize,
            repay: amount(REPAY_ROW, "repay")?,
            repaid: amount(REPAID_ROW, "repaid")?,
            seized: amount(SEIZED_ROW, "seized")?,
            to_liquidator: amount(TO_LIQUIDATOR_ROW, "to_liquidator")?,
            fee: amount(FEE_ROW, "fee")?,
            liquidator: column[LIQUIDATOR_ROW],
        })
    }
}

/// The integer below 2^128 a field element is, if it is one.
fn to_u128(value: &Fp) -> Option<u128> {
    let repr = value.to_repr();
    let (low, high) = repr.as_ref().split_at(16);
    high.iter()
        .all(|b| *b == 0)
        .then(|| u128::from_le_bytes(low.try_into().expect("16 bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Shape;
    use crate::tree::TreeSpec;

    #[test]
    fn column_round_trips_and_checks_every_bound() {
        let shape = LiquidationShape::new(Shape::A4, TreeSpec::v2(10).unwrap()).unwrap();
        let i = LiquidationInstance {
            shape,
            old_root: Fp::from(1),
            new_root: Fp::from(2),
            leaf: 1023,
            market_commitment: Fp::from(3),
            price_commitment: Fp::from(4),
            debt: 3,
            collateral: 0,
            repay: u128::MAX,
            repaid: 5,
            seized: 6,
            to_liquidator: 5,
            fee: 1,
            liquidator: -Fp::one(),
        };
        assert_eq!(
            LiquidationInstance::from_column(shape, &i.to_column()),
            Ok(i.clone())
        );
        for (row, value) in [
            (LEAF_ROW, Fp::from(1024)),
            (DEBT_ASSET_ROW, Fp::from(4)),
            (COLLATERAL_ASSET_ROW, -Fp::one()),
            (REPAID_ROW, Fp::from_u128(u128::MAX) + Fp::one()),
        ] {
            let mut column = i.to_column();
            column[row] = value;
            assert!(
                LiquidationInstance::from_column(shape, &column).is_err(),
                "row {row}"
            );
        }
        assert_eq!(
            LiquidationInstance::from_column(shape, &i.to_column()[1..]),
            Err(LiquidationInstanceError::Length(12))
        );
    }
}
