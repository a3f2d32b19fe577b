//! The round report's gadgets ([`crate::report`]): nonzero flags, the ratio bucket of an
//! account, the two edge comparisons that pin it, running sums, and "the rest of the tree is
//! empty".
//!
//! # `nonzero` region (one row, columns `a0..a3`)
//!
//! | row | a0  | a1  | a2    | a3  | gate      |
//! |-----|-----|-----|-------|-----|-----------|
//! | 0   | `u` | `w` | `inv` | `f` | `nonzero` |
//!
//! Gate `nonzero`, with `v = u + w`: `zero unless flagged`: `v·(1 - f) = 0`; `inverse`:
//! `v·inv - f = 0`; `no inverse unless flagged`: `inv·(1 - f) = 0`. So `f = 1` iff `v ≠ 0` (and
//! `f` is boolean), and `inv` is determined: `1/v`, or 0 when `v = 0` (no free cell). Used for "the leaf is not the
//! empty leaf" (`u` = leaf, `w` = the constant `-empty_leaf`) and "the account has debt"
//! (`u = D_lo`, `w = D_hi`: both non-negative and far below the modulus, so the sum is 0 only
//! when both are).
//!
//! # `bucket` region (columns `a0..a4`), buckets `k = 1..m` over edges `E_0 < ... < E_{m-1}`
//!
//! | row   | a0    | a1        | a2     | a3     | a4      | gate           |
//! |-------|-------|-----------|--------|--------|---------|----------------|
//! | 0     |       |           | 0      | 0      | 0       |                |
//! | k     | `o_k` | `E_{k-1}` | `lo_k` | `hi_k` | `cnt_k` | `bucket`       |
//! | m + 1 | `b`   | 0         | `h`    | `l`    | `s_hi`  | `bucket close` |
//!
//! Bucket `k` is the interval `[E_{k-1}, E_k)` of the ratio `10000·lhs/rhs` in bps (the last,
//! `k = m`, is open). Gate `bucket` (rows `1..m`, the upper edge `E_k` read one row down):
//! - `bucket bit is boolean`: `o·(1 - o) = 0`
//! - `lower edge`: `lo_k = lo_{k-1} + o_k·E_{k-1}`
//! - `upper edge`: `hi_k = hi_{k-1} + o_k·E_k` (`E_m` is the constant 0: no upper edge)
//! - `count`: `cnt_k = cnt_{k-1} + o_k`
//!
//! Gate `bucket close` (row `m + 1`, the sums one row up), with `b` the health verdict's bit
//! (1 healthy) and `h` the has-debt flag:
//! - `liquidatable`: `l = 1 - b`
//! - `one bucket iff healthy with debt`: `cnt_m = b + h - 1` (a debt-free account is always
//!   healthy, so this is 0 or 1)
//! - `upper edge is active`: `s_hi = cnt_m - o_m`
//!
//! So `lo_m = e_lo` and `hi_m = e_hi` are the chosen bucket's edges (0 when there is none), and
//! `s_hi` is 1 iff the chosen bucket has an upper edge.
//!
//! # `edge comparison` region (columns `a0..a3`)
//!
//! | row | a0     | a1     | a2     | a3     | gate                                    |
//! |-----|--------|--------|--------|--------|-----------------------------------------|
//! | 0   | `A_lo` | `A_hi` | `D_lo` | `D_hi` |                                         |
//! | 1   | `T`    | `e`    | `eT`   | `s`    | `ratio at least edge` / `ratio below edge` |
//! | 2   | `k`    | `r`    | `y`    |        |                                         |
//!
//! With `lhs = 2^64·A_hi + A_lo`, `rhs = T·(2^64·D_hi + D_lo)` (the valuation's accumulators)
//! and `δ_x = 10000·A_x - eT·D_x`:
//! - `edge times threshold`: `eT = e·T`
//! - `low half`: `δ_lo = 2^64·(k - 2^180) + r`
//! - `verdict`: `y = s·x` (at least) or `y = s·(-x - 1)` (below), `x = δ_hi + k - 2^180`
//!
//! With `k`, `r` and `y` range-checked by the caller, `10000·lhs - e·rhs = 2^64·x + r`, and an
//! active (`s = 1`) comparison holds: `10000·lhs >= e·rhs` (at least) or `10000·lhs < e·rhs`
//! (below). `s = 0` makes `y = 0`: no claim.
//!
//! # `add` region (one row, columns `a0..a3`)
//!
//! | row | a0       | a1     | a2     | a3        | gate  |
//! |-----|----------|--------|--------|-----------|-------|
//! | 0   | `acc_in` | `x_lo` | `x_hi` | `acc_out` | `add` |
//!
//! Gate `add`: `acc_out = acc_in + x_lo + 2^64·x_hi` (`x_hi` is the constant 0 for counts).
//!
//! # `rest empty` region (one row per level of the path, columns `a0..a3`)
//!
//! | row | a0        | a1    | a2        | a3     | gate         |
//! |-----|-----------|-------|-----------|--------|--------------|
//! | i   | `sibling` | `bit` | `empty_i` | `last` | `rest empty` |
//!
//! Gate `rest empty`: `last·(1 - bit)·(sibling - empty_i) = 0`, with `empty_i` the fixed root of
//! an empty subtree of level `i`: in the last piece of a report (`last = 1`), every subtree to
//! the right of the path is empty.

use ff::Field;
use halo2_proofs::circuit::{AssignedCell, Layouter, Value};
use halo2_proofs::plonk::{
    Advice, Column, ConstraintSystem, Constraints, Error, Expression, Instance, Selector,
    VirtualCells,
};
use halo2_proofs::poly::Rotation;

use crate::bounds::{BUCKET_CARRY_OFFSET_BITS, LIMB_BITS, RATIO_BPS};
use crate::field::{Fp, pow2};
use crate::gadgets::valuation::Input;

type Cell = AssignedCell<Fp, Fp>;

/// Configuration of the report's gadgets.
#[derive(Clone, Debug)]
pub struct BookConfig {
    cols: [Column<Advice>; 5],
    q_nonzero: Selector,
    q_bucket: Selector,
    q_close: Selector,
    q_at_least: Selector,
    q_below: Selector,
    q_add: Selector,
    q_rest: Selector,
}

/// Which side of an edge a comparison proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `10000·lhs >= e·rhs`.
    AtLeast,
    /// `10000·lhs < e·rhs`.
    Below,
}

/// The prover's values of one bucket region.
#[derive(Clone, Debug)]
pub struct BucketValues {
    /// `o_k`, buckets `1..m`.
    pub bits: Vec<Value<Fp>>,
    /// `lo_k`, `hi_k`, `cnt_k` after each bucket.
    pub lower: Vec<Value<Fp>>,
    /// See [`BucketValues::lower`].
    pub upper: Vec<Value<Fp>>,
    /// See [`BucketValues::lower`].
    pub count: Vec<Value<Fp>>,
    /// `l = 1 - b`.
    pub liquidatable: Value<Fp>,
    /// `s_hi`.
    pub upper_active: Value<Fp>,
}

/// The cells of a bucket region the caller uses.
#[derive(Clone, Debug)]
pub struct BucketCells {
    /// `o_k`, buckets `1..m`.
    pub bits: Vec<Cell>,
    /// The chosen bucket's lower edge (0 if none).
    pub lower: Cell,
    /// The chosen bucket's upper edge (0 if none or open).
    pub upper: Cell,
    /// `s_hi`.
    pub upper_active: Cell,
    /// `l = 1 - b`: the public liquidatable flag.
    pub liquidatable: Cell,
}

/// The prover's values of one edge comparison.
#[derive(Clone, Copy, Debug)]
pub struct CompareValues {
    /// `eT = e·T`.
    pub edge_threshold: Value<Fp>,
    /// `k = carry + 2^180`.
    pub carry: Value<Fp>,
    /// `r`.
    pub remainder: Value<Fp>,
    /// `y`.
    pub verdict: Value<Fp>,
}

/// The cells of a comparison the caller range-checks.
#[derive(Clone, Debug)]
pub struct CompareCells {
    /// `k`.
    pub carry: Cell,
    /// `r`.
    pub remainder: Cell,
    /// `y`.
    pub verdict: Cell,
}

/// The report's gadgets.
#[derive(Clone, Debug)]
pub struct BookChip {
    config: BookConfig,
}

impl BookChip {
    /// Configures the gates on `a0..a4` (the bucket region's counts use `a4`).
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: [Column<Advice>; 5]) -> BookConfig {
        let config = BookConfig {
            cols,
            q_nonzero: meta.selector(),
            q_bucket: meta.selector(),
            q_close: meta.selector(),
            q_at_least: meta.selector(),
            q_below: meta.selector(),
            q_add: meta.selector(),
            q_rest: meta.selector(),
        };
        let one = || Expression::Constant(Fp::ONE);
        let at = |meta: &mut VirtualCells<'_, Fp>, col: usize, rot: i32| {
            meta.query_advice(cols[col], Rotation(rot))
        };

        meta.create_gate("nonzero", |meta| {
            let q = meta.query_selector(config.q_nonzero);
            let [u, w, inv, f] = [0, 1, 2, 3].map(|c| at(meta, c, 0));
            let v = u + w;
            Constraints::with_selector(
                q,
                [
                    ("zero unless flagged", v.clone() * (one() - f.clone())),
                    ("inverse", v * inv.clone() - f.clone()),
                    ("no inverse unless flagged", inv * (one() - f)),
                ],
            )
        });

        meta.create_gate("bucket", |meta| {
            let q = meta.query_selector(config.q_bucket);
            let o = at(meta, 0, 0);
            let [lower_edge, upper_edge] = [0, 1].map(|r| at(meta, 1, r));
            let [lo, hi, cnt] = [2, 3, 4].map(|c| at(meta, c, 0));
            let [lo_p, hi_p, cnt_p] = [2, 3, 4].map(|c| at(meta, c, -1));
            Constraints::with_selector(
                q,
                [
                    ("bucket bit is boolean", o.clone() * (one() - o.clone())),
                    ("lower edge", lo - lo_p - o.clone() * lower_edge),
                    ("upper edge", hi - hi_p - o.clone() * upper_edge),
                    ("count", cnt - cnt_p - o),
                ],
            )
        });

        meta.create_gate("bucket close", |meta| {
            let q = meta.query_selector(config.q_close);
            let [b, h, l, s_hi] = [0, 2, 3, 4].map(|c| at(meta, c, 0));
            let o_m = at(meta, 0, -1);
            let cnt_m = at(meta, 4, -1);
            Constraints::with_selector(
                q,
                [
                    ("liquidatable", l - (one() - b.clone())),
                    (
                        "one bucket iff healthy with debt",
                        cnt_m.clone() - (b + h - one()),
                    ),
                    ("upper edge is active", s_hi - (cnt_m - o_m)),
                ],
            )
        });

        let two_64 = pow2(LIMB_BITS as u32);
        let offset = pow2(BUCKET_CARRY_OFFSET_BITS as u32);
        let ratio = Fp::from(RATIO_BPS);
        for (name, selector, side) in [
            ("ratio at least edge", config.q_at_least, Side::AtLeast),
            ("ratio below edge", config.q_below, Side::Below),
        ] {
            meta.create_gate(name, |meta| {
                let q = meta.query_selector(selector);
                let [a_lo, a_hi, d_lo, d_hi] = [0, 1, 2, 3].map(|c| at(meta, c, -1));
                let [t, e, et, s] = [0, 1, 2, 3].map(|c| at(meta, c, 0));
                let [k, r, y] = [0, 1, 2].map(|c| at(meta, c, 1));
                let carry = k - Expression::Constant(offset);
                let delta_lo = a_lo * ratio - et.clone() * d_lo;
                let x = a_hi * ratio - et.clone() * d_hi + carry.clone();
                let claimed = match side {
                    Side::AtLeast => s * x,
                    Side::Below => s * (Expression::Constant(-Fp::ONE) - x),
                };
                Constraints::with_selector(
                    q,
                    [
                        ("edge times threshold", et - e * t),
                        ("low half", delta_lo - carry * two_64 - r),
                        ("verdict", y - claimed),
                    ],
                )
            });
        }

        meta.create_gate("add", |meta| {
            let q = meta.query_selector(config.q_add);
            let [acc_in, x_lo, x_hi, acc_out] = [0, 1, 2, 3].map(|c| at(meta, c, 0));
            Constraints::with_selector(q, [("sum", acc_out - acc_in - x_lo - x_hi * two_64)])
        });

        meta.create_gate("rest empty", |meta| {
            let q = meta.query_selector(config.q_rest);
            let [sibling, bit, empty, last] = [0, 1, 2, 3].map(|c| at(meta, c, 0));
            Constraints::with_selector(
                q,
                [(
                    "right sibling is empty in the last piece",
                    last * (one() - bit) * (sibling - empty),
                )],
            )
        });
        config
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: BookConfig) -> Self {
        BookChip { config }
    }

    /// `f = [u + w ≠ 0]`, with `inv` the prover's inverse of `u + w` (0 when it is zero).
    pub fn nonzero(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        u: &Cell,
        w: &Input,
        inv: Value<Fp>,
        flag: Value<Fp>,
    ) -> Result<Cell, Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || format!("nonzero {name}"),
            |mut region| {
                self.config.q_nonzero.enable(&mut region, 0)?;
                u.copy_advice(|| "u", &mut region, cols[0], 0)?;
                match w {
                    Input::Copy(cell) => cell.copy_advice(|| "w", &mut region, cols[1], 0)?,
                    Input::Witness(v) => region.assign_advice(|| "w", cols[1], 0, || *v)?,
                };
                region.assign_advice(|| "inv", cols[2], 0, || inv)?;
                region.assign_advice(|| "f", cols[3], 0, || flag)
            },
        )
    }

    /// A constant cell (for `nonzero`'s `w`, or the edge pinned to 10000).
    pub fn constant(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        value: Fp,
    ) -> Result<Cell, Error> {
        let col = self.config.cols[0];
        layouter.assign_region(
            || format!("constant {name}"),
            |mut region| region.assign_advice_from_constant(|| name.to_owned(), col, 0, value),
        )
    }

    /// Fresh witnesses, four to a row on `a0..a3`, in one region.
    pub fn witness(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        values: &[Value<Fp>],
    ) -> Result<Vec<Cell>, Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || name.to_owned(),
            |mut region| {
                values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        region.assign_advice(|| format!("{name} {i}"), cols[i % 4], i / 4, || *v)
                    })
                    .collect()
            },
        )
    }

    /// Copies of public inputs at `rows`, four to a row on `a0..a3`, in one region.
    pub fn from_instance(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        instance: Column<Instance>,
        rows: &[usize],
    ) -> Result<Vec<Cell>, Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || name.to_owned(),
            |mut region| {
                rows.iter()
                    .enumerate()
                    .map(|(i, row)| {
                        region.assign_advice_from_instance(
                            || format!("public row {row}"),
                            instance,
                            *row,
                            cols[i % 4],
                            i / 4,
                        )
                    })
                    .collect()
            },
        )
    }

    /// The bucket region: `edges` are the public edges' cells, `healthy` the verdict bit `b`,
    /// `has_debt` the flag `h`.
    pub fn bucket(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        edges: &[Cell],
        healthy: &Cell,
        has_debt: &Cell,
        values: &BucketValues,
    ) -> Result<BucketCells, Error> {
        let m = edges.len();
        if [&values.bits, &values.lower, &values.upper, &values.count]
            .iter()
            .any(|v| v.len() != m)
            || m == 0
        {
            return Err(Error::Synthesis);
        }
        let cols = self.config.cols;
        layouter.assign_region(
            || format!("bucket {name}"),
            |mut region| {
                for (c, label) in [(2, "lo 0"), (3, "hi 0"), (4, "count 0")] {
                    region.assign_advice_from_constant(|| label, cols[c], 0, Fp::ZERO)?;
                }
                let mut bits = Vec::with_capacity(m);
                let (mut lower, mut upper) = (None, None);
                for k in 1..=m {
                    self.config.q_bucket.enable(&mut region, k)?;
                    let mut cell = |label: &str, c: usize, v: Value<Fp>| {
                        region.assign_advice(|| format!("{label} {k}"), cols[c], k, || v)
                    };
                    bits.push(cell("o", 0, values.bits[k - 1])?);
                    lower = Some(cell("lo", 2, values.lower[k - 1])?);
                    upper = Some(cell("hi", 3, values.upper[k - 1])?);
                    cell("count", 4, values.count[k - 1])?;
                    edges[k - 1].copy_advice(|| format!("E {}", k - 1), &mut region, cols[1], k)?;
                }
                let row = m + 1;
                self.config.q_close.enable(&mut region, row)?;
                healthy.copy_advice(|| "b", &mut region, cols[0], row)?;
                region.assign_advice_from_constant(|| "no upper edge", cols[1], row, Fp::ZERO)?;
                has_debt.copy_advice(|| "h", &mut region, cols[2], row)?;
                let liquidatable =
                    region.assign_advice(|| "l", cols[3], row, || values.liquidatable)?;
                let upper_active =
                    region.assign_advice(|| "s_hi", cols[4], row, || values.upper_active)?;
                Ok(BucketCells {
                    bits,
                    lower: lower.ok_or(Error::Synthesis)?,
                    upper: upper.ok_or(Error::Synthesis)?,
                    upper_active,
                    liquidatable,
                })
            },
        )
    }

    /// One edge comparison of `side`. `accumulators` are the valuation's final
    /// `[A_lo, A_hi, D_lo, D_hi]`, `active` the cell `s` (`None`: the constant 1).
    #[allow(clippy::too_many_arguments)]
    pub fn compare(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        side: Side,
        accumulators: &[Cell],
        threshold: &Cell,
        edge: &Cell,
        active: Option<&Cell>,
        values: &CompareValues,
    ) -> Result<CompareCells, Error> {
        if accumulators.len() != 4 {
            return Err(Error::Synthesis);
        }
        let cols = self.config.cols;
        layouter.assign_region(
            || format!("edge comparison {name}"),
            |mut region| {
                let selector = match side {
                    Side::AtLeast => self.config.q_at_least,
                    Side::Below => self.config.q_below,
                };
                selector.enable(&mut region, 1)?;
                for (c, (cell, label)) in accumulators
                    .iter()
                    .zip(["A_lo", "A_hi", "D_lo", "D_hi"])
                    .enumerate()
                {
                    cell.copy_advice(|| label, &mut region, cols[c], 0)?;
                }
                threshold.copy_advice(|| "T", &mut region, cols[0], 1)?;
                edge.copy_advice(|| "e", &mut region, cols[1], 1)?;
                region.assign_advice(|| "eT", cols[2], 1, || values.edge_threshold)?;
                match active {
                    Some(s) => s.copy_advice(|| "s", &mut region, cols[3], 1)?,
                    None => region.assign_advice_from_constant(|| "s", cols[3], 1, Fp::ONE)?,
                };
                Ok(CompareCells {
                    carry: region.assign_advice(|| "k", cols[0], 2, || values.carry)?,
                    remainder: region.assign_advice(|| "r", cols[1], 2, || values.remainder)?,
                    verdict: region.assign_advice(|| "y", cols[2], 2, || values.verdict)?,
                })
            },
        )
    }

    /// `acc_out = acc_in + x_lo + 2^64·x_hi` (`x_hi = None`: the constant 0), with `acc_out`
    /// the prover's value (the gate checks it).
    pub fn add(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        acc_in: &Cell,
        (x_lo, x_hi): (&Cell, Option<&Cell>),
        acc_out: Value<Fp>,
    ) -> Result<Cell, Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || format!("add {name}"),
            |mut region| {
                self.config.q_add.enable(&mut region, 0)?;
                acc_in.copy_advice(|| "acc in", &mut region, cols[0], 0)?;
                x_lo.copy_advice(|| "x lo", &mut region, cols[1], 0)?;
                match x_hi {
                    Some(cell) => cell.copy_advice(|| "x hi", &mut region, cols[2], 0)?,
                    None => region.assign_advice_from_constant(|| "x hi", cols[2], 0, Fp::ZERO)?,
                };
                region.assign_advice(|| "acc out", cols[3], 0, || acc_out)
            },
        )
    }

    /// The `rest empty` rows: per level, `siblings[i]`, `bits[i]`, the constant `empties[i]`
    /// and `last`.
    pub fn rest_empty(
        &self,
        layouter: &mut impl Layouter<Fp>,
        siblings: &[Cell],
        bits: &[Cell],
        empties: &[Fp],
        last: &Cell,
    ) -> Result<(), Error> {
        if siblings.len() != bits.len() || bits.len() != empties.len() {
            return Err(Error::Synthesis);
        }
        let cols = self.config.cols;
        layouter.assign_region(
            || "rest empty",
            |mut region| {
                for (i, ((sibling, bit), empty)) in
                    siblings.iter().zip(bits).zip(empties).enumerate()
                {
                    self.config.q_rest.enable(&mut region, i)?;
                    sibling.copy_advice(|| format!("sibling {i}"), &mut region, cols[0], i)?;
                    bit.copy_advice(|| format!("bit {i}"), &mut region, cols[1], i)?;
                    region.assign_advice_from_constant(
                        || format!("empty {i}"),
                        cols[2],
                        i,
                        *empty,
                    )?;
                    last.copy_advice(|| format!("last {i}"), &mut region, cols[3], i)?;
                }
                Ok(())
            },
        )
    }
}
