//! The liquidation rule as constraints: how much debt is repaid and how much collateral is
//! seized, exactly as [`crate::liquidation::reference`] computes them.
//!
//! Inputs are cells assigned elsewhere (copied in): the valuation's final accumulators
//! `A_lo, A_hi, D_lo, D_hi` and threshold `T`; the selected debt limbs `Dd_lo, Dd_hi` and
//! collateral limbs `C_lo, C_hi` (`Dd = Dd_lo + 2^64·Dd_hi`, `C = C_lo + 2^64·C_hi`); the selected
//! prices, scales, weight and bonus `p_d, s_d, p_c, s_c, w_c, LB`; the rules `CF, H, f`. Every
//! other cell is the prover's, fixed by the equations below and by the range checks the chip lists
//! ([`RuleCells::range_checks`], widths in [`crate::bounds`]). A floor is a quotient with a
//! remainder below the divisor (`r + r' = divisor - 1`, both range-checked), a ceiling the same
//! with the remainder on the other side, a minimum or a comparison a boolean with a signed
//! verdict value whose range check fails when the boolean lies. `docs/STATEMENT.md` gives the
//! bound of every product: none reaches the field modulus.
//!
//! Every equation is one row of the general [`arith`](super::arith) gate, in a region named
//! after the equation (so the MockProver names the equation that fails); `B = 2^64`. In order:
//!
//! | equations | what they prove |
//! |-----------|-----------------|
//! | `H·T`, `deep low difference`, `deep low half`, `deep high difference`, `deep difference`, `deep is boolean`, `deep verdict` | `deep = [10000·lhs <= H·rhs]`: the health verdict's two-limb argument with `H·T` in place of `T` and 10000 in place of 1 (carry offset `2^176`) |
//! | `debt`, `close factor`, `close factor remainder`, `max debt` | `Dd = Dd_lo + B·Dd_hi`; `m_cf·10000 + r2 = Dd·CF`, `r2 + r2c = 9999`; `max_debt = deep ? Dd : m_cf` |
//! | `lt is boolean`, `repay room`, `min comparison`, `min`, `positive amount` | `lt = [repay < max_debt]` from the sign of `max_debt − repay − 1`; `a = lt ? repay : max_debt`; `a − 1 >= 0` |
//! | `collateral`, `cap threshold`, `cap threshold remainder` | `C = C_lo + B·C_hi`; `X·LB − r4 = 10000·(C + 1)`, `r4 + r4c = LB − 1`: `X = ceil(10000·(C + 1)/LB)`, the least `base` with `floor(base·LB/10000) > C` |
//! | `debt unit`, `collateral unit`, `debt value` | `E_d = p_d·s_d`, `D_c = p_c·s_c`, `N = a·E_d` |
//! | `cap is boolean`, `cap difference`, `capped` | `(2·cap − 1)·(N − X·D_c) + cap − 1 = y_lo + 2^128·y_hi`: `cap = [N >= X·D_c] = [max_coll > C]` |
//! | `base`, `quotient`, `base remainder`, `below the cap threshold` | uncapped: `Q·D_c + r1 = N` (only when `cap = 0`), `r1 + r1c = D_c − 1`, `Q <= X − 1` |
//! | `max collateral`, `max collateral remainder` | `M2·10000 + r5 = Q·LB`, `r5 + r5c = 9999` |
//! | `divisor`, `repaid remainder`, `repaid low product`, `repaid high product`, `collateral low value`, `collateral high value`, `low limb difference`, `high limb difference`, `low limb`, `high limb` | capped: `rp·V − r6 = 10000·C·D_c` with `V = E_d·LB`, `r6 <= V − 1`, in 64-bit limbs of `rp` and `C` joined by the carry `k` (offset `2^144`): `rp = ceil(10000·C·D_c / V)` |
//! | `seized`, `repaid capped`, `repaid` | `seized = cap ? C : M2`; `repaid = cap ? rp_lo + B·rp_hi : a` |
//! | `bonus floor`, `bonus remainder`, `bonus`, `fee ceil`, `fee remainder`, `to liquidator` | `B0·LB + r7 = 10000·seized`, `r7 <= LB − 1`, `bonus = seized − B0`; `fee·10000 − r8 = bonus·f`, `r8 <= 9999`; `to_liquidator = seized − fee` |
//! | `close factor at most 10000`, `full-close bound at most 10000`, `fee at most 10000`, `bonus at least 10000`, `weight at least 1`, `collateral at least 1`, `debt scale below 2^60`, `collateral scale below 2^60` | the parameters within their bounds (a range-checked room each), the collateral asset counts and is held, the selected scales below `2^60` (`16·s` below `2^64`) |
//!
//! A boolean is `x·x − x = 0` with the second factor the same cell repeated; a comparison's
//! verdict is `y = (2·b − 1)·x + b − 1`, which is range-checked and so in range exactly when
//! `b = [x >= 0]`.

use ff::Field;
use halo2_proofs::circuit::{AssignedCell, Layouter, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Error};

use super::arith::{ArithChip, ArithConfig, Coefficients, Term, f};

use crate::bounds::{
    AMOUNT_BITS, BPS_BITS, CAP_HIGH_BITS, DEEP_CARRY_BITS, DEEP_CARRY_OFFSET_BITS,
    DEEP_VERDICT_BITS, DIVISOR_REMAINDER_BITS, LIMB_BITS, LIMB_CARRY_BITS, LIMB_CARRY_OFFSET_BITS,
    QUOTIENT_BITS, UNIT_REMAINDER_BITS,
};
use crate::field::{Fp, pow2};

/// The prover's values of every cell of the rule's equations that is not an input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)] // Each field is the value of the same name in the module's equations.
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

/// Configuration of the rule chip: the general arithmetic gate it is written in.
#[derive(Clone, Debug)]
pub struct RuleConfig {
    arith: ArithConfig,
}

/// The liquidation rule.
#[derive(Clone, Debug)]
pub struct RuleChip {
    config: RuleConfig,
}

/// `B = 2^64`, the limb base.
fn limb_base() -> Fp {
    pow2(LIMB_BITS as u32)
}

type Cells = Result<[AssignedCell<Fp, Fp>; 4], Error>;

impl RuleChip {
    /// Configures the rule's arithmetic gate on four advice columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: [Column<Advice>; 4]) -> RuleConfig {
        RuleConfig {
            arith: ArithChip::configure(meta, cols),
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: RuleConfig) -> Self {
        RuleChip { config }
    }

    /// Lays out the rule's equations: copies `inputs`, witnesses the rest from `witness` (and
    /// the intermediate values it implies). Returns the public cells and the cells to
    /// range-check.
    pub fn assign(
        &self,
        layouter: &mut impl Layouter<Fp>,
        inputs: &RuleInputs,
        witness: Value<&RuleWitness>,
    ) -> Result<RuleCells, Error> {
        let arith = ArithChip::construct(self.config.arith.clone());
        let mut eq = |name: &str, cells: [Term<'_>; 4], k: Coefficients| -> Cells {
            arith.equation(layouter, name, cells, k)
        };
        let w = |g: fn(&RuleWitness) -> Fp| Term::Witness(witness.map(g));
        let val = |c: &AssignedCell<Fp, Fp>| c.value().copied();
        let b = limb_base();
        let [a_lo, a_hi, d_lo, d_hi] = &inputs.accumulators;
        let [dd_lo, dd_hi] = &inputs.debt;
        let [c_lo, c_hi] = &inputs.collateral;
        let [p_d, s_d] = &inputs.debt_unit;
        let [p_c, s_c] = &inputs.collateral_unit;
        let [cf, h, fee_bps] = &inputs.rules;
        let lb = &inputs.bonus;
        let t = &inputs.threshold;
        let mut checks: Vec<(&'static str, AssignedCell<Fp, Fp>, usize)> = Vec::new();
        use Term::{Copy, Empty};
        let k = Coefficients::default;

        // deep = [10000·lhs <= H·rhs], the health verdict's argument with H·T and 10000.
        let ht = product(&mut eq, "H·T", h, t, Term::Witness(val(h) * val(t)))?;
        let delta = |d: &AssignedCell<Fp, Fp>, a: &AssignedCell<Fp, Fp>| {
            val(&ht) * val(d) - Value::known(Fp::from(10_000)) * val(a)
        };
        let [_, _, _, delta_lo] = eq(
            "deep low difference",
            [
                Copy(&ht),
                Copy(d_lo),
                Copy(a_lo),
                Term::Witness(delta(d_lo, a_lo)),
            ],
            Coefficients {
                ab: f(1),
                c: f(-10_000),
                d: f(-1),
                ..k()
            },
        )?;
        let carry_offset = pow2(DEEP_CARRY_OFFSET_BITS as u32);
        let [_, carry, rr, _] = eq(
            "deep low half",
            [
                Copy(&delta_lo),
                w(|w| w.deep_carry),
                w(|w| w.deep_remainder),
                Empty,
            ],
            Coefficients {
                a: f(1),
                b: -b,
                c: f(-1),
                k: b * carry_offset,
                ..k()
            },
        )?;
        let [_, _, _, delta_hi] = eq(
            "deep high difference",
            [
                Copy(&ht),
                Copy(d_hi),
                Copy(a_hi),
                Term::Witness(delta(d_hi, a_hi)),
            ],
            Coefficients {
                ab: f(1),
                c: f(-10_000),
                d: f(-1),
                ..k()
            },
        )?;
        let [_, _, x_deep, _] = eq(
            "deep difference",
            [
                Copy(&delta_hi),
                Copy(&carry),
                Term::Witness(val(&delta_hi) + val(&carry) - Value::known(carry_offset)),
                Empty,
            ],
            Coefficients {
                a: f(1),
                b: f(1),
                c: f(-1),
                k: -carry_offset,
                ..k()
            },
        )?;
        let deep = boolean(&mut eq, "deep is boolean", w(|w| w.deep))?;
        let [_, _, y_deep, _] = sign(
            &mut eq,
            "deep verdict",
            &deep,
            &x_deep,
            w(|w| w.deep_verdict),
        )?;
        checks.push(("deep carry", carry, DEEP_CARRY_BITS));
        checks.push(("deep remainder", rr, LIMB_BITS));
        checks.push(("deep verdict", y_deep, DEEP_VERDICT_BITS));

        // max_debt = debt_d if deep, else floor(debt_d·CF/10000).
        let debt = combine(&mut eq, "debt", dd_lo, dd_hi)?;
        let [_, _, m_cf, r2] = eq(
            "close factor",
            [Copy(&debt), Copy(cf), w(|w| w.m_cf), w(|w| w.r2)],
            Coefficients {
                ab: f(-1),
                c: f(10_000),
                d: f(1),
                ..k()
            },
        )?;
        let r2c = complement(&mut eq, "close factor remainder", &r2, w(|w| w.r2c))?;
        let max_debt = select(&mut eq, "max debt", &deep, &debt, &m_cf, w(|w| w.max_debt))?;
        checks.push(("m_cf", m_cf, QUOTIENT_BITS));
        checks.push(("r2", r2, BPS_BITS));
        checks.push(("r2c", r2c, BPS_BITS));

        // a = min(repay, max_debt), at least 1.
        let lt = boolean(&mut eq, "lt is boolean", w(|w| w.lt))?;
        let repay_value = witness.map(|w| w.repay);
        let [_, repay, room, _] = eq(
            "repay room",
            [
                Copy(&max_debt),
                Term::Witness(repay_value),
                Term::Witness(val(&max_debt) - repay_value - Value::known(Fp::ONE)),
                Empty,
            ],
            Coefficients {
                a: f(1),
                b: f(-1),
                c: f(-1),
                k: f(-1),
                ..k()
            },
        )?;
        let [_, _, y_lt, _] = sign(&mut eq, "min comparison", &lt, &room, w(|w| w.y_lt))?;
        // a = max_debt − lt·(room + 1) = lt·repay + (1 − lt)·max_debt.
        let [_, _, _, a] = eq(
            "min",
            [Copy(&lt), Copy(&room), Copy(&max_debt), w(|w| w.a)],
            Coefficients {
                ab: f(-1),
                a: f(-1),
                c: f(1),
                d: f(-1),
                ..k()
            },
        )?;
        let [_, a_minus_1, _, _] = eq(
            "positive amount",
            [Copy(&a), w(|w| w.a_minus_1), Empty, Empty],
            Coefficients {
                a: f(1),
                b: f(-1),
                k: f(-1),
                ..k()
            },
        )?;
        checks.push(("repay", repay.clone(), AMOUNT_BITS));
        checks.push(("y_lt", y_lt, QUOTIENT_BITS));
        checks.push(("a - 1", a_minus_1, AMOUNT_BITS));

        // X = ceil(10000·(C + 1)/LB): the least base that makes max_coll > C.
        let coll = combine(&mut eq, "collateral", c_lo, c_hi)?;
        let [x, _, r4, _] = eq(
            "cap threshold",
            [w(|w| w.x), Copy(lb), w(|w| w.r4), Copy(&coll)],
            Coefficients {
                ab: f(1),
                c: f(-1),
                d: f(-10_000),
                k: f(-10_000),
                ..k()
            },
        )?;
        let r4c = below(&mut eq, "cap threshold remainder", &r4, lb, w(|w| w.r4c))?;
        checks.push(("X", x.clone(), QUOTIENT_BITS));
        checks.push(("r4", r4, BPS_BITS));
        checks.push(("r4c", r4c, BPS_BITS));

        // Units and the debt's value.
        let e_d = product(&mut eq, "debt unit", p_d, s_d, w(|w| w.e_d))?;
        let d_c = product(&mut eq, "collateral unit", p_c, s_c, w(|w| w.d_c))?;
        let n = product(&mut eq, "debt value", &a, &e_d, w(|w| w.n))?;

        // cap = [N >= X·D_c] = [max_coll > C].
        let cap = boolean(&mut eq, "cap is boolean", w(|w| w.cap))?;
        let [_, _, _, cap_delta] = eq(
            "cap difference",
            [
                Copy(&x),
                Copy(&d_c),
                Copy(&n),
                Term::Witness(val(&n) - val(&x) * val(&d_c)),
            ],
            Coefficients {
                ab: f(-1),
                c: f(1),
                d: f(-1),
                ..k()
            },
        )?;
        // (2cap − 1)·Δ + cap − 1 = y_lo + 2^128·y_hi
        let [_, _, y_lo, y_hi] = eq(
            "capped",
            [Copy(&cap), Copy(&cap_delta), w(|w| w.y_lo), w(|w| w.y_hi)],
            Coefficients {
                ab: f(2),
                b: f(-1),
                a: f(1),
                k: f(-1),
                c: f(-1),
                d: -pow2(128),
                ..k()
            },
        )?;
        checks.push(("capped verdict low", y_lo, 128));
        checks.push(("capped verdict high", y_hi, CAP_HIGH_BITS));

        // Uncapped: base = floor(N / D_c), below X.
        let [q, _, r1, u] = eq(
            "base",
            [
                w(|w| w.q),
                Copy(&d_c),
                w(|w| w.r1),
                Term::Witness(witness.map(|w| w.q * w.d_c + w.r1)),
            ],
            Coefficients {
                ab: f(1),
                c: f(1),
                d: f(-1),
                ..k()
            },
        )?;
        // (1 − cap)·(u − N) = 0
        eq(
            "quotient",
            [Copy(&cap), Copy(&u), Copy(&cap), Copy(&n)],
            Coefficients {
                ab: f(-1),
                cd: f(1),
                b: f(1),
                d: f(-1),
                ..k()
            },
        )?;
        let r1c = below(&mut eq, "base remainder", &r1, &d_c, w(|w| w.r1c))?;
        let [_, _, q_room, _] = eq(
            "below the cap threshold",
            [Copy(&x), Copy(&q), w(|w| w.q_room), Empty],
            Coefficients {
                a: f(1),
                b: f(-1),
                c: f(-1),
                k: f(-1),
                ..k()
            },
        )?;
        checks.push(("Q", q.clone(), QUOTIENT_BITS));
        checks.push(("r1", r1, UNIT_REMAINDER_BITS));
        checks.push(("r1c", r1c, UNIT_REMAINDER_BITS));
        checks.push(("q_room", q_room, QUOTIENT_BITS));

        // max_coll = floor(base·LB/10000).
        let [_, _, m2, r5] = eq(
            "max collateral",
            [Copy(&q), Copy(lb), w(|w| w.m2), w(|w| w.r5)],
            Coefficients {
                ab: f(-1),
                c: f(10_000),
                d: f(1),
                ..k()
            },
        )?;
        let r5c = complement(&mut eq, "max collateral remainder", &r5, w(|w| w.r5c))?;
        checks.push(("M2", m2.clone(), QUOTIENT_BITS));
        checks.push(("r5", r5, BPS_BITS));
        checks.push(("r5c", r5c, BPS_BITS));

        // Capped: rp = ceil(C·D_c·10000 / V), V = E_d·LB, in 64-bit limbs with a carry.
        let v = product(&mut eq, "divisor", &e_d, lb, w(|w| w.v))?;
        let [_, r6c, _, r6] = eq(
            "repaid remainder",
            [Copy(&v), w(|w| w.r6c), Empty, w(|w| w.r6)],
            Coefficients {
                a: f(1),
                b: f(-1),
                k: f(-1),
                d: f(-1),
                ..k()
            },
        )?;
        let (rp_lo, rp_hi) = (witness.map(|w| w.rp_lo), witness.map(|w| w.rp_hi));
        let [rp_lo, _, p1, _] = eq(
            "repaid low product",
            [
                Term::Witness(rp_lo),
                Copy(&v),
                Term::Witness(rp_lo * val(&v)),
                Empty,
            ],
            Coefficients {
                ab: f(1),
                c: f(-1),
                ..k()
            },
        )?;
        let [rp_hi, _, p3, _] = eq(
            "repaid high product",
            [
                Term::Witness(rp_hi),
                Copy(&v),
                Term::Witness(rp_hi * val(&v)),
                Empty,
            ],
            Coefficients {
                ab: f(1),
                c: f(-1),
                ..k()
            },
        )?;
        let p2 = product(
            &mut eq,
            "collateral low value",
            c_lo,
            &d_c,
            Term::Witness(val(c_lo) * val(&d_c)),
        )?;
        let p4 = product(
            &mut eq,
            "collateral high value",
            c_hi,
            &d_c,
            Term::Witness(val(c_hi) * val(&d_c)),
        )?;
        let ten_k = Value::known(Fp::from(10_000));
        let [_, _, _, l1] = eq(
            "low limb difference",
            [
                Copy(&p1),
                Copy(&r6),
                Copy(&p2),
                Term::Witness(val(&p1) - val(&r6) - ten_k * val(&p2)),
            ],
            Coefficients {
                a: f(1),
                b: f(-1),
                c: f(-10_000),
                d: f(-1),
                ..k()
            },
        )?;
        let [_, _, l2, _] = eq(
            "high limb difference",
            [
                Copy(&p3),
                Copy(&p4),
                Term::Witness(val(&p3) - ten_k * val(&p4)),
                Empty,
            ],
            Coefficients {
                a: f(1),
                b: f(-10_000),
                c: f(-1),
                ..k()
            },
        )?;
        let limb_offset = pow2(LIMB_CARRY_OFFSET_BITS as u32);
        // cap·(L1 − B·(k − 2^144)) = 0
        let [_, _, _, carry] = eq(
            "low limb",
            [Copy(&cap), Copy(&l1), Copy(&cap), w(|w| w.k)],
            Coefficients {
                ab: f(1),
                cd: -b,
                a: b * limb_offset,
                ..k()
            },
        )?;
        // cap·(L2 + k − 2^144) = 0
        eq(
            "high limb",
            [Copy(&cap), Copy(&l2), Copy(&cap), Copy(&carry)],
            Coefficients {
                ab: f(1),
                cd: f(1),
                a: -limb_offset,
                ..k()
            },
        )?;
        checks.push(("rp_lo", rp_lo.clone(), LIMB_BITS));
        checks.push(("rp_hi", rp_hi.clone(), LIMB_BITS));
        checks.push(("r6", r6, DIVISOR_REMAINDER_BITS));
        checks.push(("r6c", r6c, DIVISOR_REMAINDER_BITS));
        checks.push(("k", carry, LIMB_CARRY_BITS));

        // The amounts.
        let seized = select(&mut eq, "seized", &cap, &coll, &m2, w(|w| w.seized))?;
        let rp = combine(&mut eq, "repaid capped", &rp_lo, &rp_hi)?;
        let repaid = select(&mut eq, "repaid", &cap, &rp, &a, w(|w| w.repaid))?;

        // bonus = seized − floor(seized·10000/LB); fee = ceil(bonus·f/10000).
        let [b0, _, r7, _] = eq(
            "bonus floor",
            [w(|w| w.b0), Copy(lb), w(|w| w.r7), Copy(&seized)],
            Coefficients {
                ab: f(1),
                c: f(1),
                d: f(-10_000),
                ..k()
            },
        )?;
        let r7c = below(&mut eq, "bonus remainder", &r7, lb, w(|w| w.r7c))?;
        let [_, _, bonus, _] = eq(
            "bonus",
            [Copy(&seized), Copy(&b0), w(|w| w.bonus), Empty],
            Coefficients {
                a: f(1),
                b: f(-1),
                c: f(-1),
                ..k()
            },
        )?;
        let [_, _, fee, r8] = eq(
            "fee ceil",
            [Copy(&bonus), Copy(fee_bps), w(|w| w.fee), w(|w| w.r8)],
            Coefficients {
                ab: f(-1),
                c: f(10_000),
                d: f(-1),
                ..k()
            },
        )?;
        let r8c = complement(&mut eq, "fee remainder", &r8, w(|w| w.r8c))?;
        let [_, _, to_liquidator, _] = eq(
            "to liquidator",
            [Copy(&seized), Copy(&fee), w(|w| w.to_liquidator), Empty],
            Coefficients {
                a: f(1),
                b: f(-1),
                c: f(-1),
                ..k()
            },
        )?;
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

        // Preconditions: parameters within their bounds, the collateral counts and is held,
        // the selected scales below 2^60.
        for (name, input, sign, constant, room, label, bits) in [
            (
                "close factor at most 10000",
                cf,
                -1,
                10_000,
                w(|w| w.cf_room),
                "cf_room",
                BPS_BITS,
            ),
            (
                "full-close bound at most 10000",
                h,
                -1,
                10_000,
                w(|w| w.h_room),
                "h_room",
                BPS_BITS,
            ),
            (
                "fee at most 10000",
                fee_bps,
                -1,
                10_000,
                w(|w| w.f_room),
                "f_room",
                BPS_BITS,
            ),
            (
                "bonus at least 10000",
                lb,
                1,
                -10_000,
                w(|w| w.lb_room),
                "lb_room",
                BPS_BITS,
            ),
            (
                "weight at least 1",
                &inputs.weight,
                1,
                -1,
                w(|w| w.w_room),
                "w_room",
                BPS_BITS,
            ),
            (
                "collateral at least 1",
                &coll,
                1,
                -1,
                w(|w| w.c_room),
                "c_room",
                AMOUNT_BITS,
            ),
        ] {
            // room = sign·input + constant
            let [_, room, _, _] = eq(
                name,
                [Copy(input), room, Empty, Empty],
                Coefficients {
                    a: f(sign),
                    b: f(-1),
                    k: f(constant),
                    ..k()
                },
            )?;
            checks.push((label, room, bits));
        }
        for (name, scale, s16, label) in [
            ("debt scale below 2^60", s_d, w(|w| w.s16_d), "s16_d"),
            ("collateral scale below 2^60", s_c, w(|w| w.s16_c), "s16_c"),
        ] {
            let [_, s16, _, _] = eq(
                name,
                [Copy(scale), s16, Empty, Empty],
                Coefficients {
                    a: f(16),
                    b: f(-1),
                    ..k()
                },
            )?;
            checks.push((label, s16, 64));
        }

        Ok(RuleCells {
            repay,
            repaid,
            seized,
            to_liquidator,
            fee,
            range_checks: checks,
        })
    }
}

/// `out = a·b`.
fn product(
    eq: &mut impl FnMut(&str, [Term<'_>; 4], Coefficients) -> Cells,
    name: &str,
    a: &AssignedCell<Fp, Fp>,
    b: &AssignedCell<Fp, Fp>,
    out: Term<'_>,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let [_, _, out, _] = eq(
        name,
        [Term::Copy(a), Term::Copy(b), out, Term::Empty],
        Coefficients {
            ab: f(1),
            c: f(-1),
            ..Coefficients::default()
        },
    )?;
    Ok(out)
}

/// `lo + 2^64·hi`.
fn combine(
    eq: &mut impl FnMut(&str, [Term<'_>; 4], Coefficients) -> Cells,
    name: &str,
    lo: &AssignedCell<Fp, Fp>,
    hi: &AssignedCell<Fp, Fp>,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let value = lo.value().copied() + Value::known(limb_base()) * hi.value().copied();
    let [_, _, out, _] = eq(
        name,
        [
            Term::Copy(lo),
            Term::Copy(hi),
            Term::Witness(value),
            Term::Empty,
        ],
        Coefficients {
            a: f(1),
            b: limb_base(),
            c: f(-1),
            ..Coefficients::default()
        },
    )?;
    Ok(out)
}

/// A boolean: `x·x − x = 0`, the second factor the same cell repeated.
fn boolean(
    eq: &mut impl FnMut(&str, [Term<'_>; 4], Coefficients) -> Cells,
    name: &str,
    x: Term<'_>,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let [bit, _, _, _] = eq(
        name,
        [x, Term::Repeat(0), Term::Empty, Term::Empty],
        Coefficients {
            ab: f(1),
            a: f(-1),
            ..Coefficients::default()
        },
    )?;
    Ok(bit)
}

/// `complement = 9999 − remainder`: with both range-checked, the remainder is below 10000.
fn complement(
    eq: &mut impl FnMut(&str, [Term<'_>; 4], Coefficients) -> Cells,
    name: &str,
    remainder: &AssignedCell<Fp, Fp>,
    complement: Term<'_>,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let [_, out, _, _] = eq(
        name,
        [Term::Copy(remainder), complement, Term::Empty, Term::Empty],
        Coefficients {
            a: f(1),
            b: f(1),
            k: f(-9_999),
            ..Coefficients::default()
        },
    )?;
    Ok(out)
}

/// `complement = divisor − 1 − remainder`: with both range-checked, the remainder is below the
/// divisor.
fn below(
    eq: &mut impl FnMut(&str, [Term<'_>; 4], Coefficients) -> Cells,
    name: &str,
    remainder: &AssignedCell<Fp, Fp>,
    divisor: &AssignedCell<Fp, Fp>,
    complement: Term<'_>,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let [_, out, _, _] = eq(
        name,
        [
            Term::Copy(remainder),
            complement,
            Term::Copy(divisor),
            Term::Empty,
        ],
        Coefficients {
            a: f(1),
            b: f(1),
            c: f(-1),
            k: f(1),
            ..Coefficients::default()
        },
    )?;
    Ok(out)
}

/// A comparison's verdict `y = (2b − 1)·x + b − 1` for a boolean `b` (checked elsewhere): in
/// range exactly when `b = [x >= 0]`.
fn sign(
    eq: &mut impl FnMut(&str, [Term<'_>; 4], Coefficients) -> Cells,
    name: &str,
    bit: &AssignedCell<Fp, Fp>,
    x: &AssignedCell<Fp, Fp>,
    y: Term<'_>,
) -> Cells {
    eq(
        name,
        [Term::Copy(bit), Term::Copy(x), y, Term::Empty],
        Coefficients {
            ab: f(2),
            b: f(-1),
            a: f(1),
            c: f(-1),
            k: f(-1),
            ..Coefficients::default()
        },
    )
}

/// `out = bit·x + (1 − bit)·y`, as `t = x − y` then `out = y + bit·t`.
fn select(
    eq: &mut impl FnMut(&str, [Term<'_>; 4], Coefficients) -> Cells,
    name: &str,
    bit: &AssignedCell<Fp, Fp>,
    x: &AssignedCell<Fp, Fp>,
    y: &AssignedCell<Fp, Fp>,
    out: Term<'_>,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let difference = x.value().copied() - y.value().copied();
    let [_, _, t, _] = eq(
        &format!("{name} difference"),
        [
            Term::Copy(x),
            Term::Copy(y),
            Term::Witness(difference),
            Term::Empty,
        ],
        Coefficients {
            a: f(1),
            b: f(-1),
            c: f(-1),
            ..Coefficients::default()
        },
    )?;
    let [_, _, _, out] = eq(
        name,
        [Term::Copy(bit), Term::Copy(&t), Term::Copy(y), out],
        Coefficients {
            ab: f(1),
            c: f(1),
            d: f(-1),
            ..Coefficients::default()
        },
    )?;
    Ok(out)
}
