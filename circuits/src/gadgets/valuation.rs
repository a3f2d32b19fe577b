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

use ff::Field;
use halo2_proofs::circuit::{AssignedCell, Layouter, Region, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Selector};
use halo2_proofs::poly::Rotation;

use crate::bounds::{CARRY_OFFSET_BITS, LIMB_BITS, SCALE_BITS};
use crate::field::{Fp, pow2};

/// Configuration of the valuation chip.
#[derive(Clone, Debug)]
pub struct ValuationConfig {
    cols: [Column<Advice>; 4],
    q_asset: Selector,
    q_verdict: Selector,
}

/// Private values of one asset slot.
#[derive(Clone, Debug)]
pub struct AssetValues {
    /// Collateral limbs `[lo, hi]`.
    pub collateral: [Value<Fp>; 2],
    /// Debt limbs `[lo, hi]`.
    pub debt: [Value<Fp>; 2],
    /// Price.
    pub price: Value<Fp>,
    /// Scale `10^(18 - decimals)`.
    pub scale: Value<Fp>,
    /// Collateral weight in bps.
    pub weight: Value<Fp>,
    /// Market slot `s + 2^64·w`.
    pub market_slot: Value<Fp>,
    /// `[A_lo, A_hi, D_lo, D_hi]` after this slot.
    pub accumulators: [Value<Fp>; 4],
}

/// Private values of the comparison.
#[derive(Clone, Debug)]
pub struct VerdictValues {
    /// Threshold `T`.
    pub threshold: Value<Fp>,
    /// `carry + 2^156`.
    pub carry: Value<Fp>,
    /// Remainder `r`.
    pub remainder: Value<Fp>,
    /// Verdict value `y`.
    pub verdict: Value<Fp>,
    /// Claim bit `b`.
    pub claim: Value<Fp>,
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
    /// Claim bit `b`.
    pub claim: AssignedCell<Fp, Fp>,
}

/// Everything the valuation region assigns that other chips constrain further.
#[derive(Clone, Debug)]
pub struct ValuationCells {
    /// Per asset slot.
    pub assets: Vec<AssetCells>,
    /// The comparison.
    pub verdict: VerdictCells,
}

/// Accumulates value over the asset slots and checks the claim.
#[derive(Clone, Debug)]
pub struct ValuationChip {
    config: ValuationConfig,
}

impl ValuationChip {
    /// Configures the `asset` and `verdict` gates on four advice columns.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        cols: [Column<Advice>; 4],
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

        meta.create_gate("verdict", |meta| {
            let q = meta.query_selector(q_verdict);
            let [a_lo, a_hi, d_lo, d_hi] =
                [0, 1, 2, 3].map(|c| meta.query_advice(cols[c], Rotation::prev()));
            let [t, carry, r, y] =
                [0, 1, 2, 3].map(|c| meta.query_advice(cols[c], Rotation::cur()));
            let b = meta.query_advice(cols[0], Rotation::next());
            let one = halo2_proofs::plonk::Expression::Constant(Fp::ONE);
            let carry = carry - halo2_proofs::plonk::Expression::Constant(carry_offset);
            let delta_lo = a_lo - t.clone() * d_lo;
            let x = a_hi - t * d_hi + carry.clone();
            Constraints::with_selector(
                q,
                [
                    ("claim is boolean", b.clone() * (one.clone() - b.clone())),
                    ("low half", delta_lo - carry * two_64 - r),
                    (
                        "verdict",
                        y - ((b.clone() + b.clone() - one.clone()) * x + b - one),
                    ),
                ],
            )
        });

        ValuationConfig {
            cols,
            q_asset,
            q_verdict,
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
                    let price = assign(&mut region, "price", 0, row + 1, a.price)?;
                    let scale = assign(&mut region, "scale", 1, row + 1, a.scale)?;
                    let weight = assign(&mut region, "weight", 2, row + 1, a.weight)?;
                    let market_slot =
                        assign(&mut region, "market slot", 3, row + 1, a.market_slot)?;
                    for (col, (name, v)) in ["A_lo", "A_hi", "D_lo", "D_hi"]
                        .iter()
                        .zip(a.accumulators)
                        .enumerate()
                    {
                        assign(&mut region, name, col, row + 2, v)?;
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
                let mut cell = |name: &str, col: usize, offset: usize, v: Value<Fp>| {
                    region.assign_advice(|| name.to_owned(), cols[col], offset, || v)
                };
                let verdict_cells = VerdictCells {
                    threshold: cell("T", 0, row, verdict.threshold)?,
                    carry: cell("carry", 1, row, verdict.carry)?,
                    remainder: cell("r", 2, row, verdict.remainder)?,
                    verdict: cell("y", 3, row, verdict.verdict)?,
                    claim: cell("b", 0, row + 1, verdict.claim)?,
                };
                Ok(ValuationCells {
                    assets: asset_cells,
                    verdict: verdict_cells,
                })
            },
        )
    }
}
