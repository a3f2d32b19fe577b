//! Selection by an index: a one-hot vector whose position is a cell (bound to a public input by
//! the caller), and values picked from a list with it.
//!
//! # `one hot` region (columns `a0..a3`), for slots `i = 0..n`
//!
//! | row | a0      | a1  | a2      | a3      | gate      |
//! |-----|---------|-----|---------|---------|-----------|
//! | i   | `sel_i` | `i` | `cnt_i` | `idx_i` | `one hot` |
//! | n   |         |     | `cnt_n` | `idx_n` |           |
//!
//! `i` is a fixed constant, `cnt_0 = idx_0 = 0` and `cnt_n = 1` are fixed constants. Gate
//! `one hot` (rows `0..n`):
//! - `selector is boolean`: `sel·(1 - sel) = 0`
//! - `count`: `cnt_{i+1} = cnt_i + sel_i`
//! - `index`: `idx_{i+1} = idx_i + i·sel_i`
//!
//! So exactly one `sel_i` is 1, and `idx_n` is its position.
//!
//! # `select` region
//!
//! | row | a0      | a1    | a2      | a3 | gate     |
//! |-----|---------|-------|---------|----|----------|
//! | i   | `sel_i` | `q_i` | `acc_i` |    | `select` |
//! | n   |         |       | `acc_n` |    |          |
//!
//! `acc_0 = 0` is fixed. Gate `select`: `acc_{i+1} = acc_i + sel_i·q_i`, so with a one-hot `sel`,
//! `acc_n` is the selected `q`. `sel_i` and `q_i` are copies of cells assigned elsewhere.

use ff::Field;
use halo2_proofs::circuit::{AssignedCell, Layouter, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Selector};
use halo2_proofs::poly::Rotation;

use crate::field::Fp;

/// Configuration of the selection chip.
#[derive(Clone, Debug)]
pub struct SelectConfig {
    cols: [Column<Advice>; 4],
    q_one_hot: Selector,
    q_select: Selector,
}

/// A one-hot vector and the position of its 1.
#[derive(Clone, Debug)]
pub struct OneHot {
    /// `sel_i` per slot.
    pub selectors: Vec<AssignedCell<Fp, Fp>>,
    /// The position of the 1.
    pub index: AssignedCell<Fp, Fp>,
}

/// Builds one-hot vectors and selects with them.
#[derive(Clone, Debug)]
pub struct SelectChip {
    config: SelectConfig,
}

impl SelectChip {
    /// Configures the `one hot` and `select` gates on four advice columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: [Column<Advice>; 4]) -> SelectConfig {
        let q_one_hot = meta.selector();
        let q_select = meta.selector();
        meta.create_gate("one hot", |meta| {
            let q = meta.query_selector(q_one_hot);
            let [sel, i, cnt, idx] = cols.map(|c| meta.query_advice(c, Rotation::cur()));
            let cnt_next = meta.query_advice(cols[2], Rotation::next());
            let idx_next = meta.query_advice(cols[3], Rotation::next());
            let one = halo2_proofs::plonk::Expression::Constant(Fp::ONE);
            Constraints::with_selector(
                q,
                [
                    ("selector is boolean", sel.clone() * (one - sel.clone())),
                    ("count", cnt_next - cnt - sel.clone()),
                    ("index", idx_next - idx - i * sel),
                ],
            )
        });
        meta.create_gate("select", |meta| {
            let q = meta.query_selector(q_select);
            let sel = meta.query_advice(cols[0], Rotation::cur());
            let value = meta.query_advice(cols[1], Rotation::cur());
            let acc = meta.query_advice(cols[2], Rotation::cur());
            let acc_next = meta.query_advice(cols[2], Rotation::next());
            Constraints::with_selector(q, [("accumulate", acc_next - acc - sel * value)])
        });
        SelectConfig {
            cols,
            q_one_hot,
            q_select,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: SelectConfig) -> Self {
        SelectChip { config }
    }

    /// Assigns a one-hot vector of `selectors.len()` slots from the prover's values.
    pub fn one_hot(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        selectors: &[Value<Fp>],
    ) -> Result<OneHot, Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || format!("one hot {name}"),
            |mut region| {
                let zero = |region: &mut halo2_proofs::circuit::Region<'_, Fp>, col, label| {
                    region.assign_advice_from_constant(|| label, col, 0, Fp::ZERO)
                };
                let mut cnt = zero(&mut region, cols[2], "count 0")?.value().copied();
                let mut idx = zero(&mut region, cols[3], "index 0")?.value().copied();
                let mut cells = Vec::with_capacity(selectors.len());
                for (i, sel) in selectors.iter().enumerate() {
                    self.config.q_one_hot.enable(&mut region, i)?;
                    cells.push(region.assign_advice(|| format!("sel {i}"), cols[0], i, || *sel)?);
                    let position = Fp::from(i as u64);
                    region.assign_advice_from_constant(
                        || format!("position {i}"),
                        cols[1],
                        i,
                        position,
                    )?;
                    cnt = cnt + *sel;
                    idx = idx + sel.map(|s| s * position);
                    let row = i + 1;
                    let count =
                        region.assign_advice(|| format!("count {row}"), cols[2], row, || cnt)?;
                    let index =
                        region.assign_advice(|| format!("index {row}"), cols[3], row, || idx)?;
                    if row == selectors.len() {
                        region.constrain_constant(count.cell(), Fp::ONE)?;
                        return Ok(OneHot {
                            selectors: cells,
                            index,
                        });
                    }
                }
                Err(Error::Synthesis)
            },
        )
    }

    /// `Σ selectors_i · values_i`: with a one-hot `selectors`, the selected value.
    pub fn select(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        selectors: &[AssignedCell<Fp, Fp>],
        values: &[AssignedCell<Fp, Fp>],
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        if selectors.len() != values.len() || values.is_empty() {
            return Err(Error::Synthesis);
        }
        let cols = self.config.cols;
        layouter.assign_region(
            || format!("select {name}"),
            |mut region| {
                let mut acc = region
                    .assign_advice_from_constant(|| "acc 0", cols[2], 0, Fp::ZERO)?
                    .value()
                    .copied();
                let mut last = None;
                for (i, (sel, value)) in selectors.iter().zip(values).enumerate() {
                    self.config.q_select.enable(&mut region, i)?;
                    let s = sel.copy_advice(|| format!("sel {i}"), &mut region, cols[0], i)?;
                    let v = value.copy_advice(|| format!("value {i}"), &mut region, cols[1], i)?;
                    acc = acc + s.value().copied() * v.value().copied();
                    last = Some(region.assign_advice(
                        || format!("acc {}", i + 1),
                        cols[2],
                        i + 1,
                        || acc,
                    )?);
                }
                last.ok_or(Error::Synthesis)
            },
        )
    }
}
