//! The liquidation circuit: honest witnesses pass (every vector case); one dishonest witness per
//! constraint fails, for the reason the constraint exists. A dishonest prover picks its public
//! amounts freely, so each case runs with the instance its own witness implies, and everything
//! downstream of the lie is recomputed honestly, so that only the guarding constraint stands in
//! the way.

mod common;

use common::liquidation::{Case, cases, mock, witness};
use common::{assert_rejected_by, assert_rejected_only_by};
use ff::{Field, PrimeField};
use num_bigint::BigUint;
use num_integer::Integer;
use zkliq_circuits::field::{from_biguint, pow2, to_biguint};
use zkliq_circuits::liquidation::instance::{
    DEBT_ASSET_ROW, FEE_ROW, LEAF_ROW, LIQUIDATOR_ROW, NEW_ROOT_ROW, OLD_ROOT_ROW, REPAID_ROW,
    SEIZED_ROW, TO_LIQUIDATOR_ROW,
};
use zkliq_circuits::liquidation::{LiquidationWitness, Quote};
use zkliq_circuits::{Claim, Fp};

#[test]
fn honest_liquidations_pass() {
    let all = cases();
    for n in [0usize, 70, 140, 200] {
        let case = &all[n];
        assert_eq!(case.result, "ok");
        let (w, _) = witness(case, 32);
        assert_eq!(mock(&w, w.public_inputs()), Ok(()), "case {n}");
    }
}

#[test]
fn every_vector_case_passes_the_mock_prover_with_the_vector_amounts() {
    let mut n = 0;
    for case in cases().iter().filter(|c| c.result == "ok") {
        let (w, _) = witness(case, 8);
        let column = w.public_inputs();
        let amount = |s: &Option<String>| Fp::from_u128(s.as_ref().unwrap().parse().unwrap());
        assert_eq!(column[REPAID_ROW], amount(&case.repaid));
        assert_eq!(column[SEIZED_ROW], amount(&case.seized));
        assert_eq!(column[TO_LIQUIDATOR_ROW], amount(&case.to_liquidator));
        assert_eq!(column[FEE_ROW], amount(&case.fee));
        assert_eq!(mock(&w, column), Ok(()), "{case:?}");
        n += 1;
    }
    assert_eq!(n, 204);
}

// --- Helpers ------------------------------------------------------------------------------

/// The first ok case (depth 8) whose quote satisfies `pred`.
fn find(pred: impl Fn(&Quote, &Case) -> bool) -> LiquidationWitness {
    cases()
        .iter()
        .filter(|c| c.result == "ok")
        .map(|c| (witness(c, 8), c.clone()))
        .find(|((_, q), c)| pred(q, c))
        .map(|((w, _), _)| w)
        .expect("a vector case of this kind")
}

fn int(v: &Fp) -> BigUint {
    to_biguint(v)
}

fn fp(v: &BigUint) -> Fp {
    from_biguint(v).unwrap()
}

/// The selected asset's index of a one-hot selector.
fn position(selector: &[Fp]) -> usize {
    selector.iter().position(|s| *s == Fp::ONE).unwrap()
}

/// Recomputes honestly everything downstream of `seized` and `repaid`: the bonus and the fee,
/// and the new balances.
fn settle(w: &mut LiquidationWitness) {
    let r = &mut w.rule;
    let lb = int(&w.rules.bonus[position(&w.collateral_selector)]);
    let f = int(&w.rules.fee);
    let ten_k = BigUint::from(10_000u32);
    let seized = int(&r.seized);
    let (b0, r7) = (&seized * &ten_k).div_rem(&lb);
    let bonus = &seized - &b0;
    let fee = (&bonus * &f).div_ceil(&ten_k);
    let r8 = &fee * &ten_k - &bonus * &f;
    r.b0 = fp(&b0);
    r.r7 = fp(&r7);
    r.r7c = fp(&(&lb - 1u32 - &r7));
    r.bonus = fp(&bonus);
    r.fee = fp(&fee);
    r.r8 = fp(&r8);
    r.r8c = fp(&(BigUint::from(9_999u32) - &r8));
    r.to_liquidator = fp(&(&seized - &fee));
    let (c, d) = (position(&w.collateral_selector), position(&w.debt_selector));
    let limbs = |l: &[Fp; 2]| int(&l[0]) + (int(&l[1]) << 64u32);
    let split = |v: &BigUint| {
        let mask = (BigUint::from(1u32) << 64u32) - 1u32;
        [fp(&(v & &mask)), fp(&(v >> 64u32))]
    };
    let old_c = limbs(&w.health.account.collateral[c]);
    let old_d = limbs(&w.health.account.debt[d]);
    // A balance driven below zero wraps; the limb range checks catch it.
    let minus = |old: BigUint, amount: &Fp| {
        let new = Fp::from_u128(0) + fp(&old) - amount;
        if int(&new) < (BigUint::from(1u32) << 128u32) {
            split(&int(&new))
        } else {
            [new, Fp::ZERO]
        }
    };
    w.new_account.collateral[c] = minus(old_c, &w.rule.seized);
    w.new_account.debt[d] = minus(old_d, &w.rule.repaid);
    w.derive();
}

fn run(w: &LiquidationWitness) -> Result<(), Vec<String>> {
    mock(w, w.public_inputs())
}

// --- Seizing and repaying the wrong amount ---------------------------------------------------

#[test]
fn one_unit_too_much_seized_needs_a_remainder_out_of_range() {
    // Uncapped: seized = floor(base·LB/10000). One more needs the floor's remainder to go
    // negative.
    let mut w = find(|q, _| !q.capped);
    let r = &mut w.rule;
    r.m2 += Fp::ONE;
    r.seized += Fp::ONE;
    r.r5 -= Fp::from(10_000);
    r.r5c += Fp::from(10_000);
    settle(&mut w);
    assert_rejected_only_by(run(&w), &["range check r5 < 2^16"]);

    // Capped: everything is seized already; one more drives the balance below zero.
    let mut w = find(|q, _| q.capped);
    w.rule.seized += Fp::ONE;
    settle(&mut w);
    assert_rejected_by(run(&w), "'seized'");
}

#[test]
fn one_unit_too_little_repaid_fails() {
    // Capped: repaid = ceil(C·D_c·10000 / V); one less needs a negative remainder.
    let mut w = find(|q, _| q.capped && q.repaid % (1u128 << 64) > 0);
    let v = w.rule.v;
    let r = &mut w.rule;
    r.rp_lo -= Fp::ONE;
    r.repaid -= Fp::ONE;
    r.r6 -= v;
    r.r6c += v;
    settle(&mut w);
    assert_rejected_only_by(run(&w), &["range check r6 < 2^144"]);

    // Uncapped: repaid = a.
    let mut w = find(|q, _| !q.capped);
    w.rule.repaid -= Fp::ONE;
    settle(&mut w);
    assert_rejected_only_by(run(&w), &["'repaid'"]);
}

#[test]
fn a_close_factor_the_rule_does_not_allow_fails() {
    // Not deep: the close factor applies. Claiming the full close factor (deep) fails the
    // deep verdict's range check; taking the whole debt anyway fails 'max debt'.
    let mut lie = find(|q, _| !q.deep && q.amount == q.max_debt);
    let honest_deep = lie.rule.deep;
    assert_eq!(honest_deep, Fp::ZERO);
    flip_deep(&mut lie);
    assert_rejected_by(run(&lie), "range check deep verdict");

    let mut w = find(|q, _| !q.deep);
    let d = position(&w.debt_selector);
    let debt = w.health.account.debt[d];
    w.rule.max_debt = debt[0] + pow2(64) * debt[1];
    assert_rejected_by(run(&w), "'max debt'");
}

/// Flips the `deep` bit and recomputes its verdict value as the gate defines it.
fn flip_deep(w: &mut LiquidationWitness) {
    let r = &mut w.rule;
    let x_plus = {
        // y = (2b − 1)·x + b − 1 for the old b; recover x.
        let b = r.deep;
        let y = r.deep_verdict;
        (y - b + Fp::ONE) * (b.double() - Fp::ONE).invert().unwrap()
    };
    r.deep = Fp::ONE - r.deep;
    let b = r.deep;
    r.deep_verdict = (b.double() - Fp::ONE) * x_plus + b - Fp::ONE;
}

#[test]
fn rounding_the_wrong_way_fails() {
    // The fee rounds up: rounding it down (where bonus·f is not a multiple of 10000) needs a
    // negative remainder.
    let mut w = cases()
        .iter()
        .filter(|c| c.result == "ok")
        .map(|c| witness(c, 8).0)
        .find(|w| w.rule.r8 != Fp::ZERO)
        .expect("a fee that rounds");
    let r = &mut w.rule;
    r.fee -= Fp::ONE;
    r.to_liquidator += Fp::ONE;
    r.r8 -= Fp::from(10_000);
    r.r8c += Fp::from(10_000);
    assert_rejected_only_by(run(&w), &["range check r8 < 2^16"]);
    // The capped repayment rounds up too (one unit less is the case above); the collateral
    // seized rounds down (one unit more is the first case above).
}

#[test]
fn a_remainder_out_of_range_fails() {
    // Deep: max_debt is the whole debt, so the close factor's floor is free to lie about: a
    // remainder of 10000 or more breaks 'remainder below 10000' or the complement's range.
    let mut w = find(|q, _| q.deep);
    let r = &mut w.rule;
    r.m_cf -= Fp::ONE;
    r.r2 += Fp::from(10_000);
    r.r2c -= Fp::from(10_000);
    assert_rejected_only_by(run(&w), &["range check r2c < 2^16"]);
}

#[test]
fn another_balance_changed_fails() {
    let mut w = find(|q, _| q.new_collateral.iter().filter(|a| **a > 0).count() >= 2);
    let c = position(&w.collateral_selector);
    let other = (0..w.new_account.collateral.len())
        .find(|i| *i != c && w.new_account.collateral[*i][0] != Fp::ZERO)
        .unwrap();
    w.new_account.collateral[other][0] -= Fp::ONE;
    w.derive();
    assert_rejected_only_by(run(&w), &["'new balance'"]);
}

#[test]
fn the_new_root_must_replace_the_same_leaf() {
    let honest = find(|_, _| true);
    let new_root = honest.public_inputs()[NEW_ROOT_ROW];
    // The new opening at another leaf: its path recomposes another index.
    let mut moved = honest.clone();
    moved.leaf ^= 1;
    moved.derive_paths();
    let mut column = moved.public_inputs();
    column[LEAF_ROW] = honest.public_inputs()[LEAF_ROW];
    column[OLD_ROOT_ROW] = honest.public_inputs()[OLD_ROOT_ROW];
    assert_rejected_by(mock(&moved, column), &format!("on row {LEAF_ROW})"));
    // The new path over other siblings: the siblings must be the old path's.
    let mut other = honest.clone();
    let mut siblings = other.siblings.clone();
    siblings[3] += Fp::ONE;
    let old_path = other.derived.old_path.clone();
    other.siblings = siblings;
    other.derive_paths();
    other.derived.old_path = old_path;
    other.siblings = honest.siblings.clone();
    let mut lie = other.clone();
    // Keep the honest siblings in the witness for the old path, the changed ones in the new.
    lie.siblings[3] += Fp::ONE;
    let column = {
        let mut c = honest.public_inputs();
        c[NEW_ROOT_ROW] = other.public_inputs()[NEW_ROOT_ROW];
        c
    };
    assert_ne!(column[NEW_ROOT_ROW], new_root);
    assert!(mock(&lie, column).is_err());
    // The honest new root, claimed for a witness whose new balances differ.
    let mut changed = honest.clone();
    changed.new_account.salt += Fp::ONE;
    changed.derive();
    let mut column = changed.public_inputs();
    column[NEW_ROOT_ROW] = new_root;
    assert_rejected_by(mock(&changed, column), &format!("on row {NEW_ROOT_ROW})"));
}

#[test]
fn the_liquidator_is_bound() {
    let w = find(|_, _| true);
    let mut column = w.public_inputs();
    column[LIQUIDATOR_ROW] += Fp::ONE;
    assert_rejected_by(mock(&w, column), &format!("on row {LIQUIDATOR_ROW})"));
}

#[test]
fn the_salt_must_change() {
    let mut w = find(|_, _| true);
    w.new_account.salt = w.health.account.salt;
    w.derive();
    assert_rejected_only_by(run(&w), &["'fresh salt'"]);
}

#[test]
fn a_healthy_account_cannot_be_liquidated() {
    // Claim healthy: the circuit fixes the claim to "liquidatable".
    let mut w = find(|_, _| true);
    w.health.claim = Claim::Healthy.to_field();
    w.health.derive_verdict();
    // The claim cell (in the valuation region) against the constant 0.
    assert_rejected_by(run(&w), "('valuation') at offset");
    // A healthy account (collateral added) claimed liquidatable: the verdict's range check.
    let mut w = find(|_, _| true);
    let c = position(&w.collateral_selector);
    w.health.account.collateral[c][1] += Fp::from(1u64 << 40);
    w.health.derive();
    assert_rejected_by(run(&w), "range check y < 2^224");
}

#[test]
fn selectors_are_one_hot_and_bound_to_the_public_indices() {
    let mut w = find(|_, _| true);
    let d = position(&w.debt_selector);
    let other = (d + 1) % w.debt_selector.len();
    w.debt_selector[other] = Fp::ONE;
    // The count reaches 2, not the constant 1.
    assert_rejected_by(run(&w), "('one hot debt asset')");
    let w = find(|_, _| true);
    let mut column = w.public_inputs();
    column[DEBT_ASSET_ROW] += Fp::ONE;
    assert_rejected_by(mock(&w, column), &format!("on row {DEBT_ASSET_ROW})"));
}

#[test]
fn nothing_to_repay_fails() {
    let mut w = find(|q, _| !q.capped);
    let r = &mut w.rule;
    r.repay = Fp::ZERO;
    r.lt = Fp::ONE;
    r.a = Fp::ZERO;
    r.y_lt = r.max_debt - Fp::ONE;
    r.a_minus_1 = -Fp::ONE;
    assert_rejected_by(run(&w), "range check a - 1 < 2^128");
}

#[test]
fn comparisons_cannot_lie() {
    // min: claim repay < max_debt when it is not.
    let mut w = find(|q, c| c.repay == "max" && q.amount == q.max_debt);
    let r = &mut w.rule;
    assert_eq!(r.lt, Fp::ZERO);
    let delta = r.max_debt - r.repay - Fp::ONE;
    r.lt = Fp::ONE;
    r.y_lt = delta;
    assert_rejected_by(run(&w), "range check y_lt < 2^136");
    // capped: claim uncapped when capped.
    let mut w = find(|q, _| q.capped);
    let r = &mut w.rule;
    let delta = r.n - r.x * r.d_c;
    r.cap = Fp::ZERO;
    let y = -delta - Fp::ONE;
    let y_int = int(&y);
    r.y_lo = fp(&(&y_int & ((BigUint::from(1u32) << 128u32) - 1u32)));
    r.y_hi = fp(&(&y_int >> 128u32));
    assert_rejected_by(run(&w), "range check capped verdict high");
}

#[test]
fn the_uncapped_quotient_is_exact() {
    let mut w = find(|q, _| !q.capped);
    w.rule.q += Fp::ONE;
    assert_rejected_by(run(&w), "'quotient'");
}

#[test]
fn a_scale_of_2_60_or_more_fails() {
    let mut w = find(|_, _| true);
    let d = position(&w.debt_selector);
    w.health.market.scales[d] = pow2(62);
    w.rule.s16_d = pow2(66);
    assert_rejected_by(run(&w), "range check s16_d < 2^64");
}
