//! The chips the health circuit is built from.
//!
//! - [`arith`]: one general arithmetic gate with fixed coefficients.
//! - [`book`]: the round report's flags, ratio buckets, running sums and empty rest.
//! - [`range`]: K-bit lookup range checks (halo2_gadgets' running-sum decomposition).
//! - [`valuation`]: per-asset accumulation of collateral and debt value, and the final verdict.
//! - [`commit`]: slot packing and Poseidon commitments (halo2_gadgets' `Pow5Chip`).
//! - [`merkle`]: Merkle path levels bound to a public index.
//! - [`select`]: one-hot vectors bound to an index, and selection with them.
//! - [`rule`]: the liquidation rule (amounts repaid and seized, bonus and fee).
//! - [`update`]: balances after a liquidation, and a fresh salt.

pub mod arith;
pub mod book;
pub mod commit;
pub mod merkle;
pub mod range;
pub mod rule;
pub mod select;
pub mod update;
pub mod valuation;

use halo2_gadgets::poseidon::primitives::P128Pow5T3;
use halo2_gadgets::poseidon::{Pow5Chip, Pow5Config};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Instance, TableColumn};

use crate::field::Fp;

/// The columns every zkliq circuit uses, and the Poseidon chip on them:
///
/// | column | used by |
/// |--------|---------|
/// | advice `a0..a2` | Poseidon state; the chips' cells |
/// | advice `a3` | Poseidon partial S-box; the chips' cells |
/// | advice `a4` | range-check running sums |
/// | fixed ×6 | Poseidon round constants |
/// | fixed ×1 | constants (domain tags, zeros) |
/// | table ×1 | `0..256` for range checks |
/// | instance ×1 | public inputs |
///
/// The V1 floor planner lays range-check regions (column `a4`) beside the others.
pub struct Columns {
    /// `a0..a4`, all equality-enabled.
    pub advice: [Column<Advice>; 5],
    /// The public inputs.
    pub instance: Column<Instance>,
    /// The range-check table.
    pub table: TableColumn,
    /// Poseidon on `a0..a3` with six round-constant columns.
    pub poseidon: Pow5Config<Fp, 3, 2>,
}

/// A second set of four chip columns with its own Poseidon chip: regions on it sit beside those
/// on `a0..a3` (the V1 floor planner packs them into the same rows), so a circuit with two
/// independent hash chains (the old and new Merkle paths of a liquidation) needs half the rows.
#[derive(Clone, Debug)]
pub struct Lane {
    /// `b0..b3`, all equality-enabled.
    pub cols: [Column<Advice>; 4],
    /// Poseidon on `b0..b3` with six round-constant columns of its own.
    pub poseidon: Pow5Config<Fp, 3, 2>,
}

impl Lane {
    /// Creates the lane's columns and configures Poseidon on them.
    pub fn configure(meta: &mut ConstraintSystem<Fp>) -> Lane {
        let cols: [Column<Advice>; 4] = std::array::from_fn(|_| meta.advice_column());
        for column in cols {
            meta.enable_equality(column);
        }
        let rc_a = std::array::from_fn(|_| meta.fixed_column());
        let rc_b = std::array::from_fn(|_| meta.fixed_column());
        let [b0, b1, b2, b3] = cols;
        let poseidon = Pow5Chip::configure::<P128Pow5T3>(meta, [b0, b1, b2], b3, rc_a, rc_b);
        Lane { cols, poseidon }
    }
}

impl Columns {
    /// Creates the columns and configures Poseidon on `a0..a3`.
    pub fn configure(meta: &mut ConstraintSystem<Fp>) -> Columns {
        let advice: [Column<Advice>; 5] = std::array::from_fn(|_| meta.advice_column());
        for column in advice {
            meta.enable_equality(column);
        }
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let constants = meta.fixed_column();
        meta.enable_constant(constants);
        let rc_a = std::array::from_fn(|_| meta.fixed_column());
        let rc_b = std::array::from_fn(|_| meta.fixed_column());
        let table = meta.lookup_table_column();
        let [a0, a1, a2, a3, _] = advice;
        let poseidon = Pow5Chip::configure::<P128Pow5T3>(meta, [a0, a1, a2], a3, rc_a, rc_b);
        Columns {
            advice,
            instance,
            table,
            poseidon,
        }
    }
}
