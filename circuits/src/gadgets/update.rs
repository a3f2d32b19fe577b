//! An account's balances after a liquidation, and its fresh salt.
//!
//! # `new balance` region, per balance (columns `a0..a3`)
//!
//! | row | a0       | a1       | a2       | a3       | gate          |
//! |-----|----------|----------|----------|----------|---------------|
//! | 0   | `old_lo` | `old_hi` | `new_lo` | `new_hi` | `new balance` |
//! | 1   | `sel`    | `amount` |          |          |               |
//!
//! Gate `new balance`: `new_lo + 2^64·new_hi = old_lo + 2^64·old_hi − sel·amount`. The old limbs,
//! `sel` (a one-hot selector) and `amount` are copies; the new limbs are range-checked to 64 bits
//! by the caller. Every term is below 2^130, so the equation holds over the integers: the new
//! balance is the old one less `amount` where `sel = 1`, unchanged elsewhere, and never negative.
//!
//! # `fresh salt` region
//!
//! | row | a0         | a1         | a2    | a3 | gate         |
//! |-----|------------|------------|-------|----|--------------|
//! | 0   | `old_salt` | `new_salt` | `inv` |    | `fresh salt` |
//!
//! Gate `fresh salt`: `(new_salt − old_salt)·inv = 1`, so the new opening's salt differs from
//! the old one (choosing it at random is the prover's part).

use ff::Field;
use halo2_proofs::circuit::{AssignedCell, Layouter, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Selector};
use halo2_proofs::poly::Rotation;

use crate::bounds::LIMB_BITS;
use crate::field::{Fp, pow2};

/// Configuration of the update chip.
#[derive(Clone, Debug)]
pub struct UpdateConfig {
    cols: [Column<Advice>; 4],
    q_balance: Selector,
    q_salt: Selector,
}

/// Balances after a liquidation, and the salt of the new opening.
#[derive(Clone, Debug)]
pub struct UpdateChip {
    config: UpdateConfig,
}

impl UpdateChip {
    /// Configures the `new balance` and `fresh salt` gates on four advice columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: [Column<Advice>; 4]) -> UpdateConfig {
        let q_balance = meta.selector();
        let q_salt = meta.selector();
        let b = pow2(LIMB_BITS as u32);
        meta.create_gate("new balance", |meta| {
            let q = meta.query_selector(q_balance);
            let [old_lo, old_hi, new_lo, new_hi] =
                cols.map(|c| meta.query_advice(c, Rotation::cur()));
            let sel = meta.query_advice(cols[0], Rotation::next());
            let amount = meta.query_advice(cols[1], Rotation::next());
            let k = halo2_proofs::plonk::Expression::Constant(b);
            Constraints::with_selector(
                q,
                [(
                    "new balance",
                    new_lo + k.clone() * new_hi - (old_lo + k * old_hi) + sel * amount,
                )],
            )
        });
        meta.create_gate("fresh salt", |meta| {
            let q = meta.query_selector(q_salt);
            let old = meta.query_advice(cols[0], Rotation::cur());
            let new = meta.query_advice(cols[1], Rotation::cur());
            let inv = meta.query_advice(cols[2], Rotation::cur());
            let one = halo2_proofs::plonk::Expression::Constant(Fp::ONE);
            Constraints::with_selector(q, [("fresh salt", (new - old) * inv - one)])
        });
        UpdateConfig {
            cols,
            q_balance,
            q_salt,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: UpdateConfig) -> Self {
        UpdateChip { config }
    }

    /// The new limbs of one balance: `old − sel·amount`; `new` holds the prover's limbs.
    pub fn balance(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        old: [&AssignedCell<Fp, Fp>; 2],
        selector: &AssignedCell<Fp, Fp>,
        amount: &AssignedCell<Fp, Fp>,
        new: [Value<Fp>; 2],
    ) -> Result<[AssignedCell<Fp, Fp>; 2], Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || format!("new balance {name}"),
            |mut region| {
                self.config.q_balance.enable(&mut region, 0)?;
                old[0].copy_advice(|| "old lo", &mut region, cols[0], 0)?;
                old[1].copy_advice(|| "old hi", &mut region, cols[1], 0)?;
                let lo = region.assign_advice(|| "new lo", cols[2], 0, || new[0])?;
                let hi = region.assign_advice(|| "new hi", cols[3], 0, || new[1])?;
                selector.copy_advice(|| "sel", &mut region, cols[0], 1)?;
                amount.copy_advice(|| "amount", &mut region, cols[1], 1)?;
                Ok([lo, hi])
            },
        )
    }

    /// Constrains `new_salt` to differ from `old_salt`; `inverse` is `1 / (new − old)`.
    pub fn fresh_salt(
        &self,
        layouter: &mut impl Layouter<Fp>,
        old_salt: &AssignedCell<Fp, Fp>,
        new_salt: &AssignedCell<Fp, Fp>,
        inverse: Value<Fp>,
    ) -> Result<(), Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || "fresh salt",
            |mut region| {
                self.config.q_salt.enable(&mut region, 0)?;
                old_salt.copy_advice(|| "old salt", &mut region, cols[0], 0)?;
                new_salt.copy_advice(|| "new salt", &mut region, cols[1], 0)?;
                region.assign_advice(|| "inverse", cols[2], 0, || inverse)?;
                Ok(())
            },
        )
    }
}
