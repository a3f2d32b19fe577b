//! One general arithmetic gate, with its coefficients in fixed columns, for statements made of
//! many different small equations (the liquidation rule).
//!
//! # Layout (columns `a0..a3`, one row per equation)
//!
//! | row | a0  | a1  | a2  | a3  | fixed                                 | gate    |
//! |-----|-----|-----|-----|-----|---------------------------------------|---------|
//! | 0   | `a` | `b` | `c` | `d` | `m_ab m_cd l_a l_b l_c l_d k`         | `arith` |
//!
//! Gate `arith`: `m_ab·a·b + m_cd·c·d + l_a·a + l_b·b + l_c·c + l_d·d + k = 0`.
//!
//! A custom gate costs the prover its terms at every row of the extended domain, whether its
//! selector is on or not; one seven-term gate with its coefficients in fixed columns costs far
//! less than a dedicated gate per equation. Each equation sits in its own region, named after
//! it, so a failing equation is named by the MockProver.

use ff::{Field, PrimeField};
use halo2_proofs::circuit::{AssignedCell, Layouter, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Fixed, Selector};
use halo2_proofs::poly::Rotation;

use crate::field::Fp;

/// Configuration of the arithmetic chip.
#[derive(Clone, Debug)]
pub struct ArithConfig {
    cols: [Column<Advice>; 4],
    q: Selector,
    /// `m_ab, m_cd, l_a, l_b, l_c, l_d, k`.
    coefficients: [Column<Fixed>; 7],
}

/// A cell of an equation: a copy of a cell assigned elsewhere, or a new witness.
#[derive(Clone, Debug)]
pub enum Term<'a> {
    /// A copy of an existing cell.
    Copy(&'a AssignedCell<Fp, Fp>),
    /// A new witness value.
    Witness(Value<Fp>),
    /// The cell at an earlier position of the same equation, repeated (constrained equal).
    Repeat(usize),
    /// Nothing (the cell is constrained to zero).
    Empty,
}

/// The coefficients of one equation `m_ab·a·b + m_cd·c·d + l_a·a + l_b·b + l_c·c + l_d·d + k = 0`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Coefficients {
    /// `m_ab`.
    pub ab: Fp,
    /// `m_cd`.
    pub cd: Fp,
    /// `l_a`.
    pub a: Fp,
    /// `l_b`.
    pub b: Fp,
    /// `l_c`.
    pub c: Fp,
    /// `l_d`.
    pub d: Fp,
    /// `k`.
    pub k: Fp,
}

/// `v` as a field element (negative values too).
pub fn f(v: i128) -> Fp {
    if v < 0 {
        -Fp::from_u128(v.unsigned_abs())
    } else {
        Fp::from_u128(v as u128)
    }
}

/// Equations over four cells.
#[derive(Clone, Debug)]
pub struct ArithChip {
    config: ArithConfig,
}

impl ArithChip {
    /// Configures the `arith` gate on four advice columns and seven new fixed columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: [Column<Advice>; 4]) -> ArithConfig {
        let q = meta.selector();
        let coefficients: [Column<Fixed>; 7] = std::array::from_fn(|_| meta.fixed_column());
        meta.create_gate("arith", |meta| {
            let s = meta.query_selector(q);
            let [a, b, c, d] = cols.map(|col| meta.query_advice(col, Rotation::cur()));
            let [m_ab, m_cd, l_a, l_b, l_c, l_d, k] = coefficients.map(|col| meta.query_fixed(col));
            Constraints::with_selector(
                s,
                [(
                    "arith",
                    m_ab * a.clone() * b.clone()
                        + m_cd * c.clone() * d.clone()
                        + l_a * a
                        + l_b * b
                        + l_c * c
                        + l_d * d
                        + k,
                )],
            )
        });
        ArithConfig {
            cols,
            q,
            coefficients,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: ArithConfig) -> Self {
        ArithChip { config }
    }

    /// Lays out one equation in a region named `name`; returns its four cells.
    pub fn equation(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        cells: [Term<'_>; 4],
        k: Coefficients,
    ) -> Result<[AssignedCell<Fp, Fp>; 4], Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || name.to_owned(),
            |mut region| {
                self.config.q.enable(&mut region, 0)?;
                let coefficients = [k.ab, k.cd, k.a, k.b, k.c, k.d, k.k];
                for (col, v) in self.config.coefficients.iter().zip(coefficients) {
                    region.assign_fixed(|| "coefficient", *col, 0, || Value::known(v))?;
                }
                let mut out = Vec::with_capacity(4);
                for (i, term) in cells.iter().enumerate() {
                    out.push(match term {
                        Term::Copy(cell) => {
                            cell.copy_advice(|| format!("{name} {i}"), &mut region, cols[i], 0)?
                        }
                        Term::Witness(v) => {
                            region.assign_advice(|| format!("{name} {i}"), cols[i], 0, || *v)?
                        }
                        Term::Repeat(j) => {
                            let earlier: &AssignedCell<Fp, Fp> =
                                out.get(*j).ok_or(Error::Synthesis)?;
                            let cell = region.assign_advice(
                                || format!("{name} {i}"),
                                cols[i],
                                0,
                                || earlier.value().copied(),
                            )?;
                            region.constrain_equal(earlier.cell(), cell.cell())?;
                            cell
                        }
                        Term::Empty => region.assign_advice_from_constant(
                            || format!("{name} {i}"),
                            cols[i],
                            0,
                            Fp::ZERO,
                        )?,
                    });
                }
                out.try_into().map_err(|_| Error::Synthesis)
            },
        )
    }
}
