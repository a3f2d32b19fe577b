//! Valuation: accumulates collateral and debt value asset by asset, then decides the claim.
//!
//! Amounts are split into 64-bit limbs so that every product stays far below the field modulus
//! (see `crate::bounds`). Four accumulators run over the asset slots:
//!
//! ```text
//! A_lo = Σ c_lo·p·s·w    A_hi = Σ c_hi·p·s·w    D_lo = Σ d_lo·p·s    D_hi = Σ d_hi·p·s
//! lhs = 2^64·A_hi + A_lo                        rhs = T·(2^64·D_hi + D_lo)
//! ```
//!
//! # Region layout (columns `a0..a3`)
//!
//! | row      | a0     | a1     | a2     | a3     | gate      |
//! |----------|--------|--------|--------|--------|-----------|
//! | 0        | 0      | 0      | 0      | 0      |           |
//! | 3i+1     | c_lo   | c_hi   | d_lo   | d_hi   | `asset`   |
//! | 3i+2     | p      | s      | w      | m      |           |
//! | 3i+3     | A_lo   | A_hi   | D_lo   | D_hi   |           |
//! | 3n+1     | T      | carry  | r      | y      |  `verdict`|
//! | 3n+2     | b      |        |        |        |           |
//!
//! Gate `asset` (at row `3i+1`, previous accumulators one row up):
//! - `market slot`: `m = s + 2^64·w`
//! - `collateral lo/hi`: `A_x' = A_x + c_x·p·s·w`
//! - `debt lo/hi`: `D_x' = D_x + d_x·p·s`
//!
//! Gate `verdict` (at row `3n+1`, final accumulators one row up), with `δ_x = A_x - T·D_x`:
//! - `claim is boolean`: `b·(1 - b) = 0`
//! - `low half`: `δ_lo = 2^64·(carry - 2^156) + r`
//! - `verdict`: `y = (2b - 1)·x + b - 1` where `x = δ_hi + carry - 2^156`
//!
//! With `r`, `carry` and `y` range-checked by the caller, `lhs - rhs = 2^64·x + r` and the claim
//! holds: `b = 1` forces `x >= 0` (healthy), `b = 0` forces `x <= -1` (liquidatable).
//!
//! In [`ClaimMode::Optional`] (batch circuits, where a slot may make no claim) the last row holds
//! `b | e | c` and gate `optional verdict` replaces `verdict`:
//! - `claim is boolean`, `claimed is boolean`: `b·(1 - b) = 0`, `e·(1 - e) = 0`
//! - `no claim is not healthy`: `(1 - e)·b = 0`
//! - `public claim`: `c = e·(2 - b)`, so `c` is 0 (no claim), 1 (healthy) or 2 (liquidatable)
//! - `low half` as above
//! - `verdict`: `y = e·((2b - 1)·x + b - 1)`: a slot that makes no claim passes with `y = 0`
//!
//! Prices, scales, weights and `T` are either witnessed here or copied from cells assigned
//! elsewhere ([`Input`]), so that many accounts can share one committed market and price round.

use ff::Field;
use halo2_proofs::circuit::{AssignedCell, Layouter, Region, Value};
use halo2_proofs::plonk::{
    Advice, Column, ConstraintSystem, Constraints, Error, Expression, Selector,
};
use halo2_proofs::poly::Rotation;

use crate::bounds::{CARRY_OFFSET_BITS, LIMB_BITS, SCALE_BITS};
use crate::field::{Fp, pow2};

/// How the claim is encoded in the public inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimMode {
    /// One public bit `b`: 1 healthy, 0 liquidatable (the health circuit).
    Bit,
    /// One public value `c = e·(2 - b)`: 0 no claim, 1 healthy, 2 liquidatable (batch circuits).
    Optional,
}

/// Configuration of the valuation chip.
#[derive(Clone, Debug)]
pub struct ValuationConfig {
    cols: [Column<Advice>; 4],
    q_asset: Selector,
    q_verdict: Selector,
    mode: ClaimMode,
}

/// A value the chip places in its region: a fresh witness, or a copy of a cell assigned (and
/// constrained) elsewhere.
#[derive(Clone, Debug)]
pub enum Input {
    /// A new witness value.
    Witness(Value<Fp>),
    /// A copy of an existing cell.
    Copy(AssignedCell<Fp, Fp>),
}

impl Input {
    fn assign(
        &self,
        region: &mut Region<'_, Fp>,
        name: &str,
        col: Column<Advice>,
        row: usize,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        match self {
            Input::Witness(v) => region.assign_advice(|| name.to_owned(), col, row, || *v),
            Input::Copy(cell) => cell.copy_advice(|| name.to_owned(), region, col, row),
        }
    }
}

/// Private values of one asset slot.
#[derive(Clone, Debug)]
pub struct AssetValues {
    /// Collateral limbs `[lo, hi]`.
    pub collateral: [Value<Fp>; 2],
    /// Debt limbs `[lo, hi]`.
    pub debt: [Value<Fp>; 2],
    /// Price.
    pub price: Input,
    /// Scale `10^(18 - decimals)`.
    pub scale: Input,
    /// Collateral weight in bps.
    pub weight: Input,
    /// Market slot `s + 2^64·w`.
    pub market_slot: Value<Fp>,
    /// `[A_lo, A_hi, D_lo, D_hi]` after this slot.
    pub accumulators: [Value<Fp>; 4],
}

/// Private values of the comparison.
#[derive(Clone, Debug)]
pub struct VerdictValues {
    /// Threshold `T`.
    pub threshold: Input,
    /// `carry + 2^156`.
    pub carry: Value<Fp>,
    /// Remainder `r`.
    pub remainder: Value<Fp>,
    /// Verdict value `y`.
    pub verdict: Value<Fp>,
    /// Claim bit `b` (1 healthy).
    pub claim: Value<Fp>,
    /// Claimed flag `e` ([`ClaimMode::Optional`] only; 0 = this slot makes no claim).
    pub claimed: Value<Fp>,
    /// Public claim `c = e·(2 - b)` ([`ClaimMode::Optional`] only; the gate checks it).
    pub public_claim: Value<Fp>,
}

/// The cells of one asset slot, for range checks and commitments.
#[derive(Clone, Debug)]
pub struct AssetCells {
    /// Collateral limbs `[lo, hi]`.
    pub collateral: [AssignedCell<Fp, Fp>; 2],
    /// Debt limbs `[lo, hi]`.
    pub debt: [AssignedCell<Fp, Fp>; 2],
    /// Price.
    pub price: AssignedCell<Fp, Fp>,
    /// Scale.
    pub scale: AssignedCell<Fp, Fp>,
    /// Weight.
    pub weight: AssignedCell<Fp, Fp>,
    /// Market slot `s + 2^64·w`.
    pub market_slot: AssignedCell<Fp, Fp>,
}

/// The cells of the comparison.
#[derive(Clone, Debug)]
pub struct VerdictCells {
    /// Threshold `T`.
    pub threshold: AssignedCell<Fp, Fp>,
    /// `carry + 2^156`.
    pub carry: AssignedCell<Fp, Fp>,
    /// Remainder `r`.
    pub remainder: AssignedCell<Fp, Fp>,
    /// Verdict value `y`.
    pub verdict: AssignedCell<Fp, Fp>,
    /// The public claim: `b` in [`ClaimMode::Bit`], `c = e·(2 - b)` in [`ClaimMode::Optional`].
    pub claim: AssignedCell<Fp, Fp>,
}

/// Everything the valuation region assigns that other chips constrain further.
#[derive(Clone, Debug)]
pub struct ValuationCells {
    /// Per asset slot.
    pub assets: Vec<AssetCells>,
    /// The final accumulators `[A_lo, A_hi, D_lo, D_hi]`.
    pub accumulators: Vec<AssignedCell<Fp, Fp>>,
    /// The comparison.
    pub verdict: VerdictCells,
}

/// Accumulates value over the asset slots and checks the claim.
#[derive(Clone, Debug)]
pub struct ValuationChip {
    config: ValuationConfig,
}

impl ValuationChip {
    /// Configures the `asset` gate and the verdict gate of `mode` on four advice columns.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        cols: [Column<Advice>; 4],
        mode: ClaimMode,
    ) -> ValuationConfig {
        let q_asset = meta.selector();
        let q_verdict = meta.selector();
        let two_64 = pow2(LIMB_BITS as u32);
        let slot_shift = pow2(SCALE_BITS as u32);
        let carry_offset = pow2(CARRY_OFFSET_BITS as u32);

        meta.create_gate("asset", |meta| {
            let q = meta.query_selector(q_asset);
            let at = |meta: &mut halo2_proofs::plonk::VirtualCells<Fp>, col: usize, rot: i32| {
                meta.query_advice(cols[col], Rotation(rot))
            };
            let [c_lo, c_hi, d_lo, d_hi] = [0, 1, 2, 3].map(|c| at(meta, c, 0));
            let [p, s, w, m] = [0, 1, 2, 3].map(|c| at(meta, c, 1));
            let prev = [0, 1, 2, 3].map(|c| at(meta, c, -1));
            let next = [0, 1, 2, 3].map(|c| at(meta, c, 2));
            let unit = p * s.clone();
            let weighted = unit.clone() * w.clone();
            let [a_lo, a_hi, dd_lo, dd_hi] = prev;
            let [a_lo2, a_hi2, dd_lo2, dd_hi2] = next;
            Constraints::with_selector(
                q,
                [
                    ("market slot", m - (s + w * slot_shift)),
                    ("collateral lo", a_lo2 - a_lo - c_lo * weighted.clone()),
                    ("collateral hi", a_hi2 - a_hi - c_hi * weighted),
                    ("debt lo", dd_lo2 - dd_lo - d_lo * unit.clone()),
                    ("debt hi", dd_hi2 - dd_hi - d_hi * unit),
                ],
            )
        });

        let verdict_terms = |meta: &mut halo2_proofs::plonk::VirtualCells<Fp>| {
            let [a_lo, a_hi, d_lo, d_hi] =
                [0, 1, 2, 3].map(|c| meta.query_advice(cols[c], Rotation::prev()));
            let [t, carry, r, y] =
                [0, 1, 2, 3].map(|c| meta.query_advice(cols[c], Rotation::cur()));
            let b = meta.query_advice(cols[0], Rotation::next());
            let carry = carry - Expression::Constant(carry_offset);
            let delta_lo = a_lo - t.clone() * d_lo;
            let x = a_hi - t * d_hi + carry.clone();
            let one = Expression::Constant(Fp::ONE);
            let claimed_verdict = (b.clone() + b.clone() - one.clone()) * x + b.clone() - one;
            (b, y, delta_lo - carry * two_64 - r, claimed_verdict)
        };
        match mode {
            ClaimMode::Bit => meta.create_gate("verdict", |meta| {
                let q = meta.query_selector(q_verdict);
                let (b, y, low_half, claimed_verdict) = verdict_terms(meta);
                let one = Expression::Constant(Fp::ONE);
                Constraints::with_selector(
                    q,
                    [
                        ("claim is boolean", b.clone() * (one - b)),
                        ("low half", low_half),
                        ("verdict", y - claimed_verdict),
                    ],
                )
            }),
            ClaimMode::Optional => meta.create_gate("optional verdict", |meta| {
                let q = meta.query_selector(q_verdict);
                let (b, y, low_half, claimed_verdict) = verdict_terms(meta);
                let e = meta.query_advice(cols[1], Rotation::next());
                let c = meta.query_advice(cols[2], Rotation::next());
                let one = Expression::Constant(Fp::ONE);
                let two = Expression::Constant(Fp::from(2));
                Constraints::with_selector(
                    q,
                    [
                        ("claim is boolean", b.clone() * (one.clone() - b.clone())),
                        ("claimed is boolean", e.clone() * (one.clone() - e.clone())),
                        ("no claim is not healthy", (one - e.clone()) * b.clone()),
                        ("public claim", c - e.clone() * (two - b)),
                        ("low half", low_half),
                        ("verdict", y - e * claimed_verdict),
                    ],
                )
            }),
        }

        ValuationConfig {
            cols,
            q_asset,
            q_verdict,
            mode,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: ValuationConfig) -> Self {
        ValuationChip { config }
    }

    /// Assigns the valuation region for `assets` (one per slot of the shape) and the verdict.
    pub fn assign(
        &self,
        layouter: &mut impl Layouter<Fp>,
        assets: &[AssetValues],
        verdict: &VerdictValues,
    ) -> Result<ValuationCells, Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || "valuation",
            |mut region| {
                for (col, name) in cols.iter().zip(["A_lo", "A_hi", "D_lo", "D_hi"]) {
                    region.assign_advice_from_constant(
                        || format!("{name} start"),
                        *col,
                        0,
                        Fp::ZERO,
                    )?;
                }
                let mut asset_cells = Vec::with_capacity(assets.len());
                let mut accumulators = Vec::with_capacity(4);
                for (i, a) in assets.iter().enumerate() {
                    let row = 3 * i + 1;
                    self.config.q_asset.enable(&mut region, row)?;
                    let assign = |region: &mut Region<'_, Fp>,
                                  name: &str,
                                  col: usize,
                                  offset: usize,
                                  v: Value<Fp>| {
                        region.assign_advice(|| format!("{name}[{i}]"), cols[col], offset, || v)
                    };
                    let c_lo = assign(&mut region, "c_lo", 0, row, a.collateral[0])?;
                    let c_hi = assign(&mut region, "c_hi", 1, row, a.collateral[1])?;
                    let d_lo = assign(&mut region, "d_lo", 2, row, a.debt[0])?;
                    let d_hi = assign(&mut region, "d_hi", 3, row, a.debt[1])?;
                    let price =
                        a.price
                            .assign(&mut region, &format!("price[{i}]"), cols[0], row + 1)?;
                    let scale =
                        a.scale
                            .assign(&mut region, &format!("scale[{i}]"), cols[1], row + 1)?;
                    let weight =
                        a.weight
                            .assign(&mut region, &format!("weight[{i}]"), cols[2], row + 1)?;
                    let market_slot =
                        assign(&mut region, "market slot", 3, row + 1, a.market_slot)?;
                    accumulators.clear();
                    for (col, (name, v)) in ["A_lo", "A_hi", "D_lo", "D_hi"]
                        .iter()
                        .zip(a.accumulators)
                        .enumerate()
                    {
                        accumulators.push(assign(&mut region, name, col, row + 2, v)?);
                    }
                    asset_cells.push(AssetCells {
                        collateral: [c_lo, c_hi],
                        debt: [d_lo, d_hi],
                        price,
                        scale,
                        weight,
                        market_slot,
                    });
                }
                let row = 3 * assets.len() + 1;
                self.config.q_verdict.enable(&mut region, row)?;
                let threshold = verdict.threshold.assign(&mut region, "T", cols[0], row)?;
                let mut cell = |name: &str, col: usize, offset: usize, v: Value<Fp>| {
                    region.assign_advice(|| name.to_owned(), cols[col], offset, || v)
                };
                let verdict_cells = VerdictCells {
                    threshold,
                    carry: cell("carry", 1, row, verdict.carry)?,
                    remainder: cell("r", 2, row, verdict.remainder)?,
                    verdict: cell("y", 3, row, verdict.verdict)?,
                    claim: match self.config.mode {
                        ClaimMode::Bit => cell("b", 0, row + 1, verdict.claim)?,
                        ClaimMode::Optional => {
                            cell("b", 0, row + 1, verdict.claim)?;
                            cell("e", 1, row + 1, verdict.claimed)?;
                            cell("c", 2, row + 1, verdict.public_claim)?
                        }
                    },
                };
                Ok(ValuationCells {
                    assets: asset_cells,
                    accumulators,
                    verdict: verdict_cells,
                })
            },
        )
    }
}
