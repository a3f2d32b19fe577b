//! The liquidation rule as constraints: how much debt is repaid and how much collateral is
//! seized, exactly as [`crate::liquidation::reference`] computes them.
//!
//! Inputs are cells assigned elsewhere (copied in): the valuation's final accumulators
//! `A_lo, A_hi, D_lo, D_hi` and threshold `T`; the selected debt limbs `Dd_lo, Dd_hi` and
//! collateral limbs `C_lo, C_hi` (`Dd = Dd_lo + 2^64·Dd_hi`, `C = C_lo + 2^64·C_hi`); the selected
//! prices, scales, weight and bonus `p_d, s_d, p_c, s_c, w_c, LB`; the rules `CF, H, f`. Every
//! other cell is the prover's, fixed by the gates below and by the range checks the chip lists
//! ([`RuleCells::range_checks`], widths in [`crate::bounds`]). A floor is a quotient with a
//! remainder below the divisor (`r + r' = divisor - 1`, both range-checked), a ceiling the same
//! with the remainder on the other side, a minimum or a comparison a boolean with a signed
//! verdict value whose range check fails when the boolean lies. `docs/STATEMENT.md` gives the
//! bound of every product: none reaches the field modulus.
//!
//! All gates act on columns `a0..a3` of one region, `liquidation rule`; `B = 2^64`.
//!
//! | rows | a0 | a1 | a2 | a3 | gate |
//! |------|----|----|----|----|------|
//! | 0–2 | `A_lo A_hi D_lo D_hi` / `T H carry rr` / `y deep` | | | | `deep` |
//! | 3–4 | `Dd_lo Dd_hi CF m_cf` / `r2 r2c deep max_debt` | | | | `close factor` |
//! | 5–6 | `repay max_debt lt a` / `y_lt a_minus_1` | | | | `amount` |
//! | 7–8 | `C_lo C_hi LB X` / `r4 r4c` | | | | `cap threshold` |
//! | 9–10 | `p_d s_d E_d a` / `p_c s_c D_c N` | | | | `units` |
//! | 11–12 | `N X D_c cap` / `y_lo y_hi` | | | | `capped` |
//! | 13–14 | `Q D_c r1 N` / `r1c cap q_room X` | | | | `base` |
//! | 15–16 | `Q LB M2 r5` / `r5c` | | | | `max collateral` |
//! | 17–19 | `E_d LB V D_c` / `C_lo C_hi rp_lo rp_hi` / `r6 r6c k cap` | | | | `capped repaid` |
//! | 20–22 | `cap C_lo C_hi M2` / `seized rp_lo rp_hi a` / `repaid` | | | | `amounts` |
//! | 23–25 | `seized LB B0 r7` / `r7c bonus f fee` / `r8 r8c to_liquidator` | | | | `bonus and fee` |
//! | 26–30 | `CF H f LB` / `cf_room h_room f_room lb_room` / `w_c w_room C_lo C_hi` / `c_room s_d s16_d s_c` / `s16_c` | | | | `preconditions` |
//!
//! Gates (each constraint named as listed):
//! - `deep`: `deep is boolean`; `low half`: `H·T·D_lo − 10000·A_lo = B·(carry − 2^176) + rr`;
//!   `verdict`: `y = (2·deep − 1)·(H·T·D_hi − 10000·A_hi + carry − 2^176) + deep − 1`. So
//!   `deep = 1` iff `10000·lhs <= H·rhs` (the health verdict's argument, with `H·T` and 10000).
//! - `close factor`: `floor`: `m_cf·10000 + r2 = Dd·CF`; `remainder below 10000`: `r2 + r2c =
//!   9999`; `max debt`: `max_debt = deep·Dd + (1 − deep)·m_cf`.
//! - `amount`: `lt is boolean`; `comparison`: `y_lt = (2·lt − 1)·(max_debt − repay − 1) + lt −
//!   1`; `min`: `a = lt·repay + (1 − lt)·max_debt`; `positive`: `a_minus_1 = a − 1`.
//! - `cap threshold`: `ceil`: `X·LB − r4 = 10000·(C + 1)`; `remainder below the bonus`: `r4 +
//!   r4c = LB − 1`. `X = ceil(10000·(C + 1)/LB)` is the least `base` that makes
//!   `floor(base·LB/10000) > C`.
//! - `units`: `debt unit`: `E_d = p_d·s_d`; `collateral unit`: `D_c = p_c·s_c`; `debt value`:
//!   `N = a·E_d`.
//! - `capped`: `cap is boolean`; `comparison`: `(2·cap − 1)·(N − X·D_c) + cap − 1 = y_lo +
//!   2^128·y_hi`. So `cap = 1` iff `N >= X·D_c` iff `base >= X` iff `max_coll > C`.
//! - `base`: `quotient`: `(1 − cap)·(Q·D_c + r1 − N) = 0`; `remainder below the unit`: `r1 +
//!   r1c = D_c − 1`; `below the cap threshold`: `q_room = X − 1 − Q`. Uncapped, `Q = base`.
//! - `max collateral`: `floor`: `M2·10000 + r5 = Q·LB`; `remainder below 10000`: `r5 + r5c =
//!   9999`.
//! - `capped repaid`: `divisor`: `V = E_d·LB`; `remainder below the divisor`: `r6 + r6c = V − 1`;
//!   `low limb`: `cap·(rp_lo·V − r6 − 10000·C_lo·D_c − B·(k − 2^144)) = 0`; `high limb`:
//!   `cap·(rp_hi·V − 10000·C_hi·D_c + (k − 2^144)) = 0`. Capped, `rp = rp_lo + B·rp_hi =
//!   ceil(C·D_c·10000 / V)`: the two limb equations with the carry `k` are
//!   `rp·V − r6 = 10000·C·D_c` over the integers.
//! - `amounts`: `seized`: `seized = cap·C + (1 − cap)·M2`; `repaid`: `repaid = cap·rp + (1 −
//!   cap)·a`.
//! - `bonus and fee`: `bonus floor`: `B0·LB + r7 = 10000·seized`; `remainder below the bonus`:
//!   `r7 + r7c = LB − 1`; `bonus`: `bonus = seized − B0`; `fee ceil`: `fee·10000 − r8 =
//!   bonus·f`; `remainder below 10000`: `r8 + r8c = 9999`; `to liquidator`: `to_liquidator =
//!   seized − fee`.
//! - `preconditions`: `close factor at most 10000`: `cf_room = 10000 − CF`; `full-close bound at
//!   most 10000`: `h_room = 10000 − H`; `fee at most 10000`: `f_room = 10000 − f`; `bonus at
//!   least 10000`: `lb_room = LB − 10000`; `weight at least 1`: `w_room = w_c − 1`;
//!   `collateral at least 1`: `c_room = C − 1`; `debt scale below 2^60`: `s16_d = 16·s_d`;
//!   `collateral scale below 2^60`: `s16_c = 16·s_c` (each room and `s16` range-checked).

use halo2_proofs::circuit::{AssignedCell, Layouter, Region, Value};
use halo2_proofs::plonk::{
    Advice, Column, ConstraintSystem, Constraints, Error, Expression, Selector, VirtualCells,
};
use halo2_proofs::poly::Rotation;

use crate::bounds::{
    AMOUNT_BITS, BPS_BITS, CAP_HIGH_BITS, DEEP_CARRY_BITS, DEEP_CARRY_OFFSET_BITS,
    DEEP_VERDICT_BITS, DIVISOR_REMAINDER_BITS, LIMB_BITS, LIMB_CARRY_BITS, LIMB_CARRY_OFFSET_BITS,
    QUOTIENT_BITS, UNIT_REMAINDER_BITS,
};
use crate::field::{Fp, pow2};

/// The prover's values of every cell of the rule region that is not an input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)] // Each field is the cell of the same name in the module's layout table.
pub struct RuleWitness {
    pub deep_carry: Fp,
    pub deep_remainder: Fp,
    pub deep_verdict: Fp,
    pub deep: Fp,
    pub m_cf: Fp,
    pub r2: Fp,
    pub r2c: Fp,
    pub max_debt: Fp,
    pub repay: Fp,
    pub lt: Fp,
    pub a: Fp,
    pub y_lt: Fp,
    pub a_minus_1: Fp,
    pub x: Fp,
    pub r4: Fp,
    pub r4c: Fp,
    pub e_d: Fp,
    pub d_c: Fp,
    pub n: Fp,
    pub cap: Fp,
    pub y_lo: Fp,
    pub y_hi: Fp,
    pub q: Fp,
    pub r1: Fp,
    pub r1c: Fp,
    pub q_room: Fp,
    pub m2: Fp,
    pub r5: Fp,
    pub r5c: Fp,
    pub v: Fp,
    pub rp_lo: Fp,
    pub rp_hi: Fp,
    pub r6: Fp,
    pub r6c: Fp,
    pub k: Fp,
    pub seized: Fp,
    pub repaid: Fp,
    pub b0: Fp,
    pub r7: Fp,
    pub r7c: Fp,
    pub bonus: Fp,
    pub fee: Fp,
    pub r8: Fp,
    pub r8c: Fp,
    pub to_liquidator: Fp,
    pub cf_room: Fp,
    pub h_room: Fp,
    pub f_room: Fp,
    pub lb_room: Fp,
    pub w_room: Fp,
    pub c_room: Fp,
    pub s16_d: Fp,
    pub s16_c: Fp,
}

/// The cells the rule takes from elsewhere (copied into its region).
#[derive(Clone, Debug)]
pub struct RuleInputs {
    /// The valuation's final `[A_lo, A_hi, D_lo, D_hi]`.
    pub accumulators: [AssignedCell<Fp, Fp>; 4],
    /// The threshold `T`.
    pub threshold: AssignedCell<Fp, Fp>,
    /// The selected debt `[Dd_lo, Dd_hi]`.
    pub debt: [AssignedCell<Fp, Fp>; 2],
    /// The selected collateral `[C_lo, C_hi]`.
    pub collateral: [AssignedCell<Fp, Fp>; 2],
    /// `[p_d, s_d]`.
    pub debt_unit: [AssignedCell<Fp, Fp>; 2],
    /// `[p_c, s_c]`.
    pub collateral_unit: [AssignedCell<Fp, Fp>; 2],
    /// The collateral asset's weight `w_c`.
    pub weight: AssignedCell<Fp, Fp>,
    /// The collateral asset's bonus `LB`.
    pub bonus: AssignedCell<Fp, Fp>,
    /// `[CF, H, f]`.
    pub rules: [AssignedCell<Fp, Fp>; 3],
}

/// What the rule region hands back.
#[derive(Clone, Debug)]
pub struct RuleCells {
    /// The offered repay (public).
    pub repay: AssignedCell<Fp, Fp>,
    /// The debt repaid (public).
    pub repaid: AssignedCell<Fp, Fp>,
    /// The collateral seized (public).
    pub seized: AssignedCell<Fp, Fp>,
    /// The collateral to the liquidator (public).
    pub to_liquidator: AssignedCell<Fp, Fp>,
    /// The protocol fee (public).
    pub fee: AssignedCell<Fp, Fp>,
    /// Every cell the caller must range-check, with its name and width.
    pub range_checks: Vec<(&'static str, AssignedCell<Fp, Fp>, usize)>,
}

/// Configuration of the rule chip: one selector per gate.
#[derive(Clone, Debug)]
pub struct RuleConfig {
    cols: [Column<Advice>; 4],
    q_deep: Selector,
    q_close_factor: Selector,
    q_amount: Selector,
    q_cap_threshold: Selector,
    q_units: Selector,
    q_capped: Selector,
    q_base: Selector,
    q_max_collateral: Selector,
    q_capped_repaid: Selector,
    q_amounts: Selector,
    q_bonus: Selector,
    q_preconditions: Selector,
}

/// The liquidation rule.
#[derive(Clone, Debug)]
pub struct RuleChip {
    config: RuleConfig,
}

fn c(v: u64) -> Expression<Fp> {
    Expression::Constant(Fp::from(v))
}

fn k(v: Fp) -> Expression<Fp> {
    Expression::Constant(v)
}

impl RuleChip {
    /// Configures every gate of the rule on four advice columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: [Column<Advice>; 4]) -> RuleConfig {
        let b = pow2(LIMB_BITS as u32);
        let at = |meta: &mut VirtualCells<'_, Fp>, row: i32, col: usize| {
            meta.query_advice(cols[col], Rotation(row))
        };
        let one = || c(1);

        let q_deep = meta.selector();
        meta.create_gate("deep", |meta| {
            let q = meta.query_selector(q_deep);
            let [a_lo, a_hi, d_lo, d_hi] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let [t, h, carry, rr] = [0, 1, 2, 3].map(|i| at(meta, 1, i));
            let (y, deep) = (at(meta, 2, 0), at(meta, 2, 1));
            let carry = carry - k(pow2(DEEP_CARRY_OFFSET_BITS as u32));
            let ht = h * t;
            let delta_lo = ht.clone() * d_lo - c(10_000) * a_lo;
            let delta_hi = ht * d_hi - c(10_000) * a_hi;
            Constraints::with_selector(
                q,
                [
                    ("deep is boolean", deep.clone() * (one() - deep.clone())),
                    ("low half", delta_lo - (k(b) * carry.clone() + rr)),
                    (
                        "verdict",
                        y - ((deep.clone() + deep.clone() - one()) * (delta_hi + carry) + deep
                            - one()),
                    ),
                ],
            )
        });

        let q_close_factor = meta.selector();
        meta.create_gate("close factor", |meta| {
            let q = meta.query_selector(q_close_factor);
            let [dd_lo, dd_hi, cf, m_cf] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let [r2, r2c, deep, max_debt] = [0, 1, 2, 3].map(|i| at(meta, 1, i));
            let debt = dd_lo + k(b) * dd_hi;
            Constraints::with_selector(
                q,
                [
                    (
                        "floor",
                        m_cf.clone() * c(10_000) + r2.clone() - debt.clone() * cf,
                    ),
                    ("remainder below 10000", r2 + r2c - c(9_999)),
                    (
                        "max debt",
                        max_debt - (deep.clone() * debt + (one() - deep) * m_cf),
                    ),
                ],
            )
        });

        let q_amount = meta.selector();
        meta.create_gate("amount", |meta| {
            let q = meta.query_selector(q_amount);
            let [repay, max_debt, lt, a] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let (y_lt, a_minus_1) = (at(meta, 1, 0), at(meta, 1, 1));
            Constraints::with_selector(
                q,
                [
                    ("lt is boolean", lt.clone() * (one() - lt.clone())),
                    (
                        "comparison",
                        y_lt - ((lt.clone() + lt.clone() - one())
                            * (max_debt.clone() - repay.clone() - one())
                            + lt.clone()
                            - one()),
                    ),
                    (
                        "min",
                        a.clone() - (lt.clone() * repay + (one() - lt) * max_debt),
                    ),
                    ("positive", a_minus_1 - (a - one())),
                ],
            )
        });

        let q_cap_threshold = meta.selector();
        meta.create_gate("cap threshold", |meta| {
            let q = meta.query_selector(q_cap_threshold);
            let [c_lo, c_hi, lb, x] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let (r4, r4c) = (at(meta, 1, 0), at(meta, 1, 1));
            Constraints::with_selector(
                q,
                [
                    (
                        "ceil",
                        x * lb.clone() - r4.clone() - c(10_000) * (c_lo + k(b) * c_hi + one()),
                    ),
                    ("remainder below the bonus", r4 + r4c - (lb - one())),
                ],
            )
        });

        let q_units = meta.selector();
        meta.create_gate("units", |meta| {
            let q = meta.query_selector(q_units);
            let [p_d, s_d, e_d, a] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let [p_c, s_c, d_c, n] = [0, 1, 2, 3].map(|i| at(meta, 1, i));
            Constraints::with_selector(
                q,
                [
                    ("debt unit", e_d.clone() - p_d * s_d),
                    ("collateral unit", d_c - p_c * s_c),
                    ("debt value", n - a * e_d),
                ],
            )
        });

        let q_capped = meta.selector();
        meta.create_gate("capped", |meta| {
            let q = meta.query_selector(q_capped);
            let [n, x, d_c, cap] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let (y_lo, y_hi) = (at(meta, 1, 0), at(meta, 1, 1));
            let delta = n - x * d_c;
            Constraints::with_selector(
                q,
                [
                    ("cap is boolean", cap.clone() * (one() - cap.clone())),
                    (
                        "comparison",
                        (cap.clone() + cap.clone() - one()) * delta + cap
                            - one()
                            - (y_lo + k(pow2(128)) * y_hi),
                    ),
                ],
            )
        });

        let q_base = meta.selector();
        meta.create_gate("base", |meta| {
            let q = meta.query_selector(q_base);
            let [quotient, d_c, r1, n] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let [r1c, cap, q_room, x] = [0, 1, 2, 3].map(|i| at(meta, 1, i));
            Constraints::with_selector(
                q,
                [
                    (
                        "quotient",
                        (one() - cap) * (quotient.clone() * d_c.clone() + r1.clone() - n),
                    ),
                    ("remainder below the unit", r1 + r1c - (d_c - one())),
                    ("below the cap threshold", q_room - (x - one() - quotient)),
                ],
            )
        });

        let q_max_collateral = meta.selector();
        meta.create_gate("max collateral", |meta| {
            let q = meta.query_selector(q_max_collateral);
            let [quotient, lb, m2, r5] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let r5c = at(meta, 1, 0);
            Constraints::with_selector(
                q,
                [
                    ("floor", m2 * c(10_000) + r5.clone() - quotient * lb),
                    ("remainder below 10000", r5 + r5c - c(9_999)),
                ],
            )
        });

        let q_capped_repaid = meta.selector();
        meta.create_gate("capped repaid", |meta| {
            let q = meta.query_selector(q_capped_repaid);
            let [e_d, lb, v, d_c] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let [c_lo, c_hi, rp_lo, rp_hi] = [0, 1, 2, 3].map(|i| at(meta, 1, i));
            let [r6, r6c, carry, cap] = [0, 1, 2, 3].map(|i| at(meta, 2, i));
            let carry = carry - k(pow2(LIMB_CARRY_OFFSET_BITS as u32));
            Constraints::with_selector(
                q,
                [
                    ("divisor", v.clone() - e_d * lb),
                    (
                        "remainder below the divisor",
                        r6.clone() + r6c - (v.clone() - one()),
                    ),
                    (
                        "low limb",
                        cap.clone()
                            * (rp_lo * v.clone()
                                - r6
                                - c(10_000) * c_lo * d_c.clone()
                                - k(b) * carry.clone()),
                    ),
                    (
                        "high limb",
                        cap * (rp_hi * v - c(10_000) * c_hi * d_c + carry),
                    ),
                ],
            )
        });

        let q_amounts = meta.selector();
        meta.create_gate("amounts", |meta| {
            let q = meta.query_selector(q_amounts);
            let [cap, c_lo, c_hi, m2] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let [seized, rp_lo, rp_hi, a] = [0, 1, 2, 3].map(|i| at(meta, 1, i));
            let repaid = at(meta, 2, 0);
            Constraints::with_selector(
                q,
                [
                    (
                        "seized",
                        seized - (cap.clone() * (c_lo + k(b) * c_hi) + (one() - cap.clone()) * m2),
                    ),
                    (
                        "repaid",
                        repaid - (cap.clone() * (rp_lo + k(b) * rp_hi) + (one() - cap) * a),
                    ),
                ],
            )
        });

        let q_bonus = meta.selector();
        meta.create_gate("bonus and fee", |meta| {
            let q = meta.query_selector(q_bonus);
            let [seized, lb, b0, r7] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let [r7c, bonus, f, fee] = [0, 1, 2, 3].map(|i| at(meta, 1, i));
            let [r8, r8c, to_liquidator] = [0, 1, 2].map(|i| at(meta, 2, i));
            Constraints::with_selector(
                q,
                [
                    (
                        "bonus floor",
                        b0.clone() * lb.clone() + r7.clone() - c(10_000) * seized.clone(),
                    ),
                    ("remainder below the bonus", r7 + r7c - (lb - one())),
                    ("bonus", bonus.clone() - (seized.clone() - b0)),
                    ("fee ceil", fee.clone() * c(10_000) - r8.clone() - bonus * f),
                    ("remainder below 10000", r8 + r8c - c(9_999)),
                    ("to liquidator", to_liquidator - (seized - fee)),
                ],
            )
        });

        let q_preconditions = meta.selector();
        meta.create_gate("preconditions", |meta| {
            let q = meta.query_selector(q_preconditions);
            let [cf, h, f, lb] = [0, 1, 2, 3].map(|i| at(meta, 0, i));
            let [cf_room, h_room, f_room, lb_room] = [0, 1, 2, 3].map(|i| at(meta, 1, i));
            let [w_c, w_room, c_lo, c_hi] = [0, 1, 2, 3].map(|i| at(meta, 2, i));
            let [c_room, s_d, s16_d, s_c] = [0, 1, 2, 3].map(|i| at(meta, 3, i));
            let s16_c = at(meta, 4, 0);
            Constraints::with_selector(
                q,
                [
                    ("close factor at most 10000", cf_room - (c(10_000) - cf)),
                    ("full-close bound at most 10000", h_room - (c(10_000) - h)),
                    ("fee at most 10000", f_room - (c(10_000) - f)),
                    ("bonus at least 10000", lb_room - (lb - c(10_000))),
                    ("weight at least 1", w_room - (w_c - one())),
                    (
                        "collateral at least 1",
                        c_room - (c_lo + k(b) * c_hi - one()),
                    ),
                    ("debt scale below 2^60", s16_d - c(16) * s_d),
                    ("collateral scale below 2^60", s16_c - c(16) * s_c),
                ],
            )
        });

        RuleConfig {
            cols,
            q_deep,
            q_close_factor,
            q_amount,
            q_cap_threshold,
            q_units,
            q_capped,
            q_base,
            q_max_collateral,
            q_capped_repaid,
            q_amounts,
            q_bonus,
            q_preconditions,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: RuleConfig) -> Self {
        RuleChip { config }
    }

    /// Assigns the rule region: copies `inputs`, witnesses the rest from `witness`, enables
    /// every gate. Returns the public cells and the cells to range-check.
    pub fn assign(
        &self,
        layouter: &mut impl Layouter<Fp>,
        inputs: &RuleInputs,
        witness: Value<&RuleWitness>,
    ) -> Result<RuleCells, Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || "liquidation rule",
            |mut region| {
                let mut r = Rows {
                    region: &mut region,
                    cols,
                };
                let w = |f: fn(&RuleWitness) -> Fp| witness.map(f);
                let [a_lo, a_hi, d_lo, d_hi] = &inputs.accumulators;
                let [dd_lo, dd_hi] = &inputs.debt;
                let [c_lo, c_hi] = &inputs.collateral;
                let [p_d, s_d] = &inputs.debt_unit;
                let [p_c, s_c] = &inputs.collateral_unit;
                let [cf, h, f] = &inputs.rules;
                let lb = &inputs.bonus;
                let mut checks: Vec<(&'static str, AssignedCell<Fp, Fp>, usize)> = Vec::new();

                // 0–2 deep
                self.config.q_deep.enable(r.region, 0)?;
                r.copy(0, 0, a_lo)?;
                r.copy(0, 1, a_hi)?;
                r.copy(0, 2, d_lo)?;
                r.copy(0, 3, d_hi)?;
                r.copy(1, 0, &inputs.threshold)?;
                r.copy(1, 1, h)?;
                let carry = r.witness(1, 2, "deep carry", w(|w| w.deep_carry))?;
                let rr = r.witness(1, 3, "deep remainder", w(|w| w.deep_remainder))?;
                let y = r.witness(2, 0, "deep verdict", w(|w| w.deep_verdict))?;
                let deep = r.witness(2, 1, "deep", w(|w| w.deep))?;
                checks.push(("deep carry", carry, DEEP_CARRY_BITS));
                checks.push(("deep remainder", rr, LIMB_BITS));
                checks.push(("deep verdict", y, DEEP_VERDICT_BITS));

                // 3–4 close factor
                self.config.q_close_factor.enable(r.region, 3)?;
                r.copy(3, 0, dd_lo)?;
                r.copy(3, 1, dd_hi)?;
                r.copy(3, 2, cf)?;
                let m_cf = r.witness(3, 3, "m_cf", w(|w| w.m_cf))?;
                let r2 = r.witness(4, 0, "r2", w(|w| w.r2))?;
                let r2c = r.witness(4, 1, "r2c", w(|w| w.r2c))?;
                deep.copy_advice(|| "deep", r.region, cols[2], 4)?;
                let max_debt = r.witness(4, 3, "max_debt", w(|w| w.max_debt))?;
                checks.push(("m_cf", m_cf, QUOTIENT_BITS));
                checks.push(("r2", r2, BPS_BITS));
                checks.push(("r2c", r2c, BPS_BITS));

                // 5–6 amount
                self.config.q_amount.enable(r.region, 5)?;
                let repay = r.witness(5, 0, "repay", w(|w| w.repay))?;
                max_debt.copy_advice(|| "max_debt", r.region, cols[1], 5)?;
                r.witness(5, 2, "lt", w(|w| w.lt))?;
                let a = r.witness(5, 3, "a", w(|w| w.a))?;
                let y_lt = r.witness(6, 0, "y_lt", w(|w| w.y_lt))?;
                let a_minus_1 = r.witness(6, 1, "a_minus_1", w(|w| w.a_minus_1))?;
                checks.push(("repay", repay.clone(), AMOUNT_BITS));
                checks.push(("y_lt", y_lt, QUOTIENT_BITS));
                checks.push(("a - 1", a_minus_1, AMOUNT_BITS));

                // 7–8 cap threshold
                self.config.q_cap_threshold.enable(r.region, 7)?;
                r.copy(7, 0, c_lo)?;
                r.copy(7, 1, c_hi)?;
                r.copy(7, 2, lb)?;
                let x = r.witness(7, 3, "X", w(|w| w.x))?;
                let r4 = r.witness(8, 0, "r4", w(|w| w.r4))?;
                let r4c = r.witness(8, 1, "r4c", w(|w| w.r4c))?;
                checks.push(("X", x.clone(), QUOTIENT_BITS));
                checks.push(("r4", r4, BPS_BITS));
                checks.push(("r4c", r4c, BPS_BITS));

                // 9–10 units
                self.config.q_units.enable(r.region, 9)?;
                r.copy(9, 0, p_d)?;
                r.copy(9, 1, s_d)?;
                let e_d = r.witness(9, 2, "E_d", w(|w| w.e_d))?;
                a.copy_advice(|| "a", r.region, cols[3], 9)?;
                r.copy(10, 0, p_c)?;
                r.copy(10, 1, s_c)?;
                let d_c = r.witness(10, 2, "D_c", w(|w| w.d_c))?;
                let n = r.witness(10, 3, "N", w(|w| w.n))?;

                // 11–12 capped
                self.config.q_capped.enable(r.region, 11)?;
                n.copy_advice(|| "N", r.region, cols[0], 11)?;
                x.copy_advice(|| "X", r.region, cols[1], 11)?;
                d_c.copy_advice(|| "D_c", r.region, cols[2], 11)?;
                let cap = r.witness(11, 3, "cap", w(|w| w.cap))?;
                let y_lo = r.witness(12, 0, "y_lo", w(|w| w.y_lo))?;
                let y_hi = r.witness(12, 1, "y_hi", w(|w| w.y_hi))?;
                checks.push(("capped verdict low", y_lo, 128));
                checks.push(("capped verdict high", y_hi, CAP_HIGH_BITS));

                // 13–14 base
                self.config.q_base.enable(r.region, 13)?;
                let q = r.witness(13, 0, "Q", w(|w| w.q))?;
                d_c.copy_advice(|| "D_c", r.region, cols[1], 13)?;
                let r1 = r.witness(13, 2, "r1", w(|w| w.r1))?;
                n.copy_advice(|| "N", r.region, cols[3], 13)?;
                let r1c = r.witness(14, 0, "r1c", w(|w| w.r1c))?;
                cap.copy_advice(|| "cap", r.region, cols[1], 14)?;
                let q_room = r.witness(14, 2, "q_room", w(|w| w.q_room))?;
                x.copy_advice(|| "X", r.region, cols[3], 14)?;
                checks.push(("Q", q.clone(), QUOTIENT_BITS));
                checks.push(("r1", r1, UNIT_REMAINDER_BITS));
                checks.push(("r1c", r1c, UNIT_REMAINDER_BITS));
                checks.push(("q_room", q_room, QUOTIENT_BITS));

                // 15–16 max collateral
                self.config.q_max_collateral.enable(r.region, 15)?;
                q.copy_advice(|| "Q", r.region, cols[0], 15)?;
                r.copy(15, 1, lb)?;
                let m2 = r.witness(15, 2, "M2", w(|w| w.m2))?;
                let r5 = r.witness(15, 3, "r5", w(|w| w.r5))?;
                let r5c = r.witness(16, 0, "r5c", w(|w| w.r5c))?;
                checks.push(("M2", m2.clone(), QUOTIENT_BITS));
                checks.push(("r5", r5, BPS_BITS));
                checks.push(("r5c", r5c, BPS_BITS));

                // 17–19 capped repaid
                self.config.q_capped_repaid.enable(r.region, 17)?;
                e_d.copy_advice(|| "E_d", r.region, cols[0], 17)?;
                r.copy(17, 1, lb)?;
                r.witness(17, 2, "V", w(|w| w.v))?;
                d_c.copy_advice(|| "D_c", r.region, cols[3], 17)?;
                r.copy(18, 0, c_lo)?;
                r.copy(18, 1, c_hi)?;
                let rp_lo = r.witness(18, 2, "rp_lo", w(|w| w.rp_lo))?;
                let rp_hi = r.witness(18, 3, "rp_hi", w(|w| w.rp_hi))?;
                let r6 = r.witness(19, 0, "r6", w(|w| w.r6))?;
                let r6c = r.witness(19, 1, "r6c", w(|w| w.r6c))?;
                let carry = r.witness(19, 2, "k", w(|w| w.k))?;
                cap.copy_advice(|| "cap", r.region, cols[3], 19)?;
                checks.push(("rp_lo", rp_lo.clone(), LIMB_BITS));
                checks.push(("rp_hi", rp_hi.clone(), LIMB_BITS));
                checks.push(("r6", r6, DIVISOR_REMAINDER_BITS));
                checks.push(("r6c", r6c, DIVISOR_REMAINDER_BITS));
                checks.push(("k", carry, LIMB_CARRY_BITS));

                // 20–22 amounts
                self.config.q_amounts.enable(r.region, 20)?;
                cap.copy_advice(|| "cap", r.region, cols[0], 20)?;
                r.copy(20, 1, c_lo)?;
                r.copy(20, 2, c_hi)?;
                m2.copy_advice(|| "M2", r.region, cols[3], 20)?;
                let seized = r.witness(21, 0, "seized", w(|w| w.seized))?;
                rp_lo.copy_advice(|| "rp_lo", r.region, cols[1], 21)?;
                rp_hi.copy_advice(|| "rp_hi", r.region, cols[2], 21)?;
                a.copy_advice(|| "a", r.region, cols[3], 21)?;
                let repaid = r.witness(22, 0, "repaid", w(|w| w.repaid))?;

                // 23–25 bonus and fee
                self.config.q_bonus.enable(r.region, 23)?;
                seized.copy_advice(|| "seized", r.region, cols[0], 23)?;
                r.copy(23, 1, lb)?;
                let b0 = r.witness(23, 2, "B0", w(|w| w.b0))?;
                let r7 = r.witness(23, 3, "r7", w(|w| w.r7))?;
                let r7c = r.witness(24, 0, "r7c", w(|w| w.r7c))?;
                let bonus = r.witness(24, 1, "bonus", w(|w| w.bonus))?;
                r.copy(24, 2, f)?;
                let fee = r.witness(24, 3, "fee", w(|w| w.fee))?;
                let r8 = r.witness(25, 0, "r8", w(|w| w.r8))?;
                let r8c = r.witness(25, 1, "r8c", w(|w| w.r8c))?;
                let to_liquidator = r.witness(25, 2, "to_liquidator", w(|w| w.to_liquidator))?;
                checks.push(("B0", b0, DIVISOR_REMAINDER_BITS));
                checks.push(("r7", r7, BPS_BITS));
                checks.push(("r7c", r7c, BPS_BITS));
                checks.push(("bonus", bonus, AMOUNT_BITS));
                checks.push(("fee", fee.clone(), QUOTIENT_BITS));
                checks.push(("r8", r8, BPS_BITS));
                checks.push(("r8c", r8c, BPS_BITS));
                checks.push(("to_liquidator", to_liquidator.clone(), AMOUNT_BITS));
                checks.push(("repaid", repaid.clone(), AMOUNT_BITS));
                checks.push(("seized", seized.clone(), AMOUNT_BITS));

                // 26–30 preconditions
                self.config.q_preconditions.enable(r.region, 26)?;
                r.copy(26, 0, cf)?;
                r.copy(26, 1, h)?;
                r.copy(26, 2, f)?;
                r.copy(26, 3, lb)?;
                let cf_room = r.witness(27, 0, "cf_room", w(|w| w.cf_room))?;
                let h_room = r.witness(27, 1, "h_room", w(|w| w.h_room))?;
                let f_room = r.witness(27, 2, "f_room", w(|w| w.f_room))?;
                let lb_room = r.witness(27, 3, "lb_room", w(|w| w.lb_room))?;
                r.copy(28, 0, &inputs.weight)?;
                let w_room = r.witness(28, 1, "w_room", w(|w| w.w_room))?;
                r.copy(28, 2, c_lo)?;
                r.copy(28, 3, c_hi)?;
                let c_room = r.witness(29, 0, "c_room", w(|w| w.c_room))?;
                r.copy(29, 1, s_d)?;
                let s16_d = r.witness(29, 2, "s16_d", w(|w| w.s16_d))?;
                r.copy(29, 3, s_c)?;
                let s16_c = r.witness(30, 0, "s16_c", w(|w| w.s16_c))?;
                checks.push(("cf_room", cf_room, BPS_BITS));
                checks.push(("h_room", h_room, BPS_BITS));
                checks.push(("f_room", f_room, BPS_BITS));
                checks.push(("lb_room", lb_room, BPS_BITS));
                checks.push(("w_room", w_room, BPS_BITS));
                checks.push(("c_room", c_room, AMOUNT_BITS));
                checks.push(("s16_d", s16_d, 64));
                checks.push(("s16_c", s16_c, 64));

                Ok(RuleCells {
                    repay,
                    repaid,
                    seized,
                    to_liquidator,
                    fee,
                    range_checks: checks,
                })
            },
        )
    }
}

/// Cell assignment helpers for the rule region.
struct Rows<'a, 'r> {
    region: &'a mut Region<'r, Fp>,
    cols: [Column<Advice>; 4],
}

impl Rows<'_, '_> {
    fn copy(
        &mut self,
        row: usize,
        col: usize,
        cell: &AssignedCell<Fp, Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        cell.copy_advice(
            || format!("input r{row}c{col}"),
            self.region,
            self.cols[col],
            row,
        )
    }

    fn witness(
        &mut self,
        row: usize,
        col: usize,
        name: &str,
        value: Value<Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        self.region
            .assign_advice(|| name.to_owned(), self.cols[col], row, || value)
    }
}
