//! One dishonest witness per constraint: the MockProver must reject each, and for the reason
//! the constraint exists.

mod common;

use common::{assert_rejected_by, assert_rejected_only_by, mock, mock_self, vector};
use ff::Field;
use zkliq_circuits::bounds::{CARRY_OFFSET_BITS, LIMB_BITS, VERDICT_BITS};
use zkliq_circuits::field::to_biguint;
use zkliq_circuits::field::{Fp, pow2};
use zkliq_circuits::health::instance::{
    ACCOUNT_COMMITMENT_ROW, CLAIM_ROW, MARKET_COMMITMENT_ROW, PRICE_COMMITMENT_ROW,
};
use zkliq_circuits::health::reference;
use zkliq_circuits::{Account, Asset, Claim, HealthWitness, Market, PriceRound};

/// A healthy 4-asset account (aave4, calm round) and its honest witness.
fn healthy() -> HealthWitness {
    let (m, p, a) = vector("aave4", "aave4-calm", "aave4-rand0");
    assert_eq!(reference::evaluate(&m, &p, &a).claim(), Claim::Healthy);
    HealthWitness::new(&m, &p, &a, Claim::Healthy)
}

/// A liquidatable 4-asset account and its honest witness.
fn liquidatable() -> HealthWitness {
    let (m, p, a) = vector("aave4", "aave4-crash", "aave4-boundary");
    assert_eq!(reference::evaluate(&m, &p, &a).claim(), Claim::Liquidatable);
    HealthWitness::new(&m, &p, &a, Claim::Liquidatable)
}

/// A small market where the account sits exactly on the threshold (x = 0, r = 0).
fn on_threshold() -> HealthWitness {
    let asset = |s: &str| Asset {
        symbol: s.into(),
        decimals: 18,
        weight_bps: 10_000,
    };
    let m = Market::new("edge", 15_000, vec![asset("ETH"), asset("DAI")]).unwrap();
    let p = PriceRound::new(&m, 1, 1, 8, vec![300, 100]).unwrap();
    let a = Account::new(&m, Fp::from(7), vec![1, 0], vec![0, 2]).unwrap();
    assert_eq!(reference::evaluate(&m, &p, &a).claim(), Claim::Healthy);
    HealthWitness::new(&m, &p, &a, Claim::Healthy)
}

#[test]
fn honest_witnesses_pass() {
    for w in [healthy(), liquidatable(), on_threshold()] {
        assert_eq!(mock_self(&w), Ok(()));
    }
}

// --- The claim ---------------------------------------------------------------------------------

#[test]
fn false_claims_fail_the_verdict_range_check() {
    for (mut w, honest) in [
        (healthy(), Claim::Healthy),
        (liquidatable(), Claim::Liquidatable),
    ] {
        let instance = w.public_inputs();
        w.claim = honest.negate().to_field();
        w.derive_verdict();
        let mut claimed = instance.clone();
        claimed[CLAIM_ROW] = w.claim;
        assert_rejected_only_by(mock(&w, claimed), &["range check y < 2^224"]);
    }
}

#[test]
fn claim_bit_must_be_boolean() {
    let mut w = healthy();
    w.claim = Fp::from(2);
    w.derive_verdict();
    assert_rejected_only_by(mock_self(&w), &["'claim is boolean'"]);
}

#[test]
fn instance_claim_is_bound_to_the_witness_claim() {
    let w = healthy();
    let mut instance = w.public_inputs();
    instance[CLAIM_ROW] = Claim::Liquidatable.to_field();
    assert_rejected_by(mock(&w, instance), "column_type: Instance");
}

// --- Commitments: the witness must open the public commitments ---------------------------------

/// Changes one opening value, re-derives the honest consequences, and keeps the original
/// (honest) public inputs: the named commitment row must no longer match.
fn assert_opening_bound(tamper: impl Fn(&mut HealthWitness), row: usize) {
    let mut w = healthy();
    let instance = w.public_inputs();
    tamper(&mut w);
    w.derive();
    let failures = mock(&w, instance).expect_err("a different opening must be rejected");
    let needle = format!("column_type: Instance, index: 0 }}, outside any region, on row {row})");
    assert!(
        failures.iter().any(|f| f.contains(&needle)),
        "expected a mismatch at instance row {row}: {failures:#?}"
    );
}

#[test]
fn account_commitment_binds_salt_and_every_amount() {
    assert_opening_bound(|w| w.account.salt += Fp::ONE, ACCOUNT_COMMITMENT_ROW);
    assert_opening_bound(
        |w| w.account.collateral[0][0] += Fp::ONE,
        ACCOUNT_COMMITMENT_ROW,
    );
    assert_opening_bound(
        |w| w.account.collateral[3][1] += Fp::ONE,
        ACCOUNT_COMMITMENT_ROW,
    );
    assert_opening_bound(|w| w.account.debt[1][0] += Fp::ONE, ACCOUNT_COMMITMENT_ROW);
    assert_opening_bound(|w| w.account.debt[2][1] += Fp::ONE, ACCOUNT_COMMITMENT_ROW);
    // Swapping two assets' amounts (asset order) changes the commitment.
    assert_opening_bound(|w| w.account.collateral.swap(0, 3), ACCOUNT_COMMITMENT_ROW);
}

#[test]
fn price_commitment_binds_header_and_every_price() {
    assert_opening_bound(|w| w.prices.header += Fp::ONE, PRICE_COMMITMENT_ROW);
    assert_opening_bound(|w| w.prices.prices[0] += Fp::ONE, PRICE_COMMITMENT_ROW);
    assert_opening_bound(|w| w.prices.prices.swap(1, 2), PRICE_COMMITMENT_ROW);
}

#[test]
fn market_commitment_binds_every_market_field() {
    assert_opening_bound(|w| w.market.threshold += Fp::ONE, MARKET_COMMITMENT_ROW);
    assert_opening_bound(|w| w.market.weights[2] += Fp::ONE, MARKET_COMMITMENT_ROW);
    assert_opening_bound(
        |w| w.market.scales[1] *= Fp::from(10),
        MARKET_COMMITMENT_ROW,
    );
    assert_opening_bound(|w| w.market.first += Fp::ONE, MARKET_COMMITMENT_ROW);
}

// --- Gates: each derived value is checked -------------------------------------------------------

#[test]
fn market_slot_gate() {
    let mut w = healthy();
    w.derived.market_slots[1] += Fp::ONE;
    w.derive_packing();
    assert_rejected_only_by(mock_self(&w), &["'market slot'"]);
}

#[test]
fn accumulator_gates() {
    for (index, name) in [
        "'collateral lo'",
        "'collateral hi'",
        "'debt lo'",
        "'debt hi'",
    ]
    .into_iter()
    .enumerate()
    {
        let mut w = healthy();
        w.derived.accumulators.last_mut().unwrap()[index] += Fp::ONE;
        w.derive_verdict();
        assert_rejected_only_by(mock_self(&w), &[name]);
    }
}

#[test]
fn low_half_gate() {
    let mut w = healthy();
    w.derived.verdict.remainder += Fp::ONE;
    assert_rejected_only_by(mock_self(&w), &["'low half'"]);
}

#[test]
fn verdict_gate() {
    let mut w = healthy();
    w.derived.verdict.verdict += Fp::ONE;
    assert_rejected_only_by(mock_self(&w), &["'verdict'"]);
}

#[test]
fn packing_gates() {
    let mut w = healthy();
    w.derived.account_packed[2] += Fp::ONE;
    assert_rejected_only_by(mock_self(&w), &["'pack 64'"]);
    let mut w = healthy();
    w.derived.price_packed[0] += Fp::ONE;
    assert_rejected_only_by(mock_self(&w), &["'pack 64'"]);
    let mut w = healthy();
    w.derived.market_packed[1] += Fp::ONE;
    assert_rejected_only_by(mock_self(&w), &["'pack 80'"]);
}

// --- Range checks: at the bound passes, beyond it fails ----------------------------------------

/// Sets one value to `value` and re-derives everything, so commitments are consistent with it.
/// The claim is then chosen to be the true one when the values are in range (a large debt can
/// make the account liquidatable), so that only range checks decide.
fn with_value(set: impl Fn(&mut HealthWitness, Fp)) -> impl Fn(Fp) -> Result<(), Vec<String>> {
    move |value| {
        let mut w = healthy();
        set(&mut w, value);
        w.derive();
        if to_biguint(&w.derived.verdict.verdict).bits() > VERDICT_BITS as u64 {
            w.claim = Claim::Liquidatable.to_field();
            w.derive_verdict();
        }
        mock_self(&w)
    }
}

#[test]
fn input_range_checks_accept_the_bound_and_reject_beyond() {
    type Setter = fn(&mut HealthWitness, Fp);
    let cases: [(&str, usize, Setter); 8] = [
        ("range check c_lo[0] < 2^64", 64, |w, v| {
            w.account.collateral[0][0] = v
        }),
        ("range check c_hi[1] < 2^64", 64, |w, v| {
            w.account.collateral[1][1] = v
        }),
        ("range check d_lo[2] < 2^64", 64, |w, v| {
            w.account.debt[2][0] = v
        }),
        ("range check d_hi[3] < 2^64", 64, |w, v| {
            w.account.debt[3][1] = v
        }),
        ("range check price[0] < 2^64", 64, |w, v| {
            w.prices.prices[0] = v
        }),
        ("range check scale[1] < 2^64", 64, |w, v| {
            w.market.scales[1] = v
        }),
        ("range check weight[2] < 2^16", 16, |w, v| {
            w.market.weights[2] = v
        }),
        ("range check T < 2^24", 24, |w, v| w.market.threshold = v),
    ];
    for (region, bits, set) in cases {
        let run = with_value(set);
        assert_eq!(
            run(pow2(bits as u32) - Fp::ONE),
            Ok(()),
            "{region}: 2^{bits} - 1 is in range"
        );
        // Beyond the bound the value's own check fails; sums built on it may fail theirs too.
        assert_rejected_by(run(pow2(bits as u32)), region);
        assert_rejected_by(run(-Fp::ONE), region);
    }
}

/// Field wraparound: a collateral limb of `rhs / (p·s·w) mod p` makes `lhs ≡ rhs (mod p)`, so a
/// liquidatable account would look healthy. Only the limb's range check stands in the way.
#[test]
fn wraparound_amount_cannot_fake_health() {
    let mut w = liquidatable();
    w.claim = Claim::Healthy.to_field();
    let i = 0;
    let [_, _, d_lo, d_hi] = *w.derived.accumulators.last().unwrap();
    let rhs = w.market.threshold * (d_lo + pow2(LIMB_BITS as u32) * d_hi);
    let [a_lo, a_hi, _, _] = *w.derived.accumulators.last().unwrap();
    let lhs_without_0 = a_lo + pow2(LIMB_BITS as u32) * a_hi
        - w.account.collateral[i][0]
            * w.prices.prices[i]
            * w.market.scales[i]
            * w.market.weights[i];
    let unit = w.prices.prices[i] * w.market.scales[i] * w.market.weights[i];
    w.account.collateral[i][0] = (rhs - lhs_without_0) * unit.invert().unwrap();
    w.derive();
    // The forged verdict is in range: everything but the limb's range check is satisfied.
    assert_rejected_only_by(mock_self(&w), &["range check c_lo[0] < 2^64"]);
}

/// A second decomposition `r' = r + t·2^64`, `carry' = carry - t` of the low half moves `x` by
/// `-t`: with `t = x + 1` a healthy account would look liquidatable. Only `r`'s range check
/// stands in the way.
#[test]
fn remainder_range_check_keeps_the_decomposition_unique() {
    let mut w = on_threshold();
    w.claim = Claim::Liquidatable.to_field();
    // On the threshold x = 0: t = 1.
    let t = Fp::ONE;
    w.derived.verdict.remainder += t * pow2(64);
    w.derived.verdict.carry -= t;
    w.derived.verdict.verdict = Fp::ZERO; // y = -x' - 1 = -(x - 1) - 1 = 0
    assert_rejected_only_by(mock_self(&w), &["range check r < 2^64"]);
}

/// Without a bound on the carry, `carry' = (δ_lo - r')/2^64` for a well-chosen `r' < 2^64` makes
/// `x'` any value near `(lhs - rhs + p) / 2^64`, which is positive: every liquidatable account
/// would look healthy. Only the carry's range check stands in the way.
#[test]
fn carry_range_check_blocks_the_modulus_forgery() {
    use num_bigint::BigUint;
    use zkliq_circuits::field::from_biguint;
    let mut w = liquidatable();
    w.claim = Claim::Healthy.to_field();
    let [a_lo, a_hi, d_lo, d_hi] = *w.derived.accumulators.last().unwrap();
    let t = w.market.threshold;
    let delta_hi = a_hi - t * d_hi;
    let z = to_biguint(&(a_lo - t * d_lo + pow2(64) * delta_hi)); // lhs - rhs mod p
    let p = to_biguint(&-Fp::ONE) + 1u32;
    let two64 = BigUint::from(1u128 << 64);
    let r = (&z + &p) % &two64;
    let x = (&z + &p - &r) / &two64; // about 2^190: non-negative and in range
    let x = from_biguint(&x).unwrap();
    w.derived.verdict.remainder = from_biguint(&r).unwrap();
    w.derived.verdict.carry = x - delta_hi + pow2(CARRY_OFFSET_BITS as u32);
    w.derived.verdict.verdict = x;
    assert_rejected_only_by(mock_self(&w), &["range check carry < 2^160"]);
}

/// Every circuit width at its maximum at once, in the widest shape: 16 asset slots with both
/// amount limbs, every price and every scale at 2^64 - 1, every weight at 2^16 - 1 and T at
/// 2^24 - 1. The no-wraparound argument of docs/STATEMENT.md says the circuit computes the exact
/// verdict even here: the true claim passes, the false one fails.
#[test]
fn every_width_at_its_maximum_at_once() {
    use num_bigint::BigUint;
    let read = |rel: &str| std::fs::read_to_string(common::fixtures().join(rel)).unwrap();
    let market = Market::from_json(&read("markets/perp-16.json")).unwrap();
    let prices = PriceRound::from_json(&read("prices/perp-16-crash.json"), &market).unwrap();
    let account = Account::from_json(&read("accounts/perp-basket.json"), &market).unwrap();
    let max = |bits: u32| pow2(bits) - Fp::ONE;
    let n = market.shape().assets();
    assert_eq!(n, 16);
    for with_debt in [true, false] {
        let mut w = HealthWitness::new(&market, &prices, &account, Claim::Healthy);
        for i in 0..n {
            w.account.collateral[i] = [max(64), max(64)];
            w.account.debt[i] = if with_debt {
                [max(64), max(64)]
            } else {
                [Fp::ZERO; 2]
            };
            w.prices.prices[i] = max(64);
            w.market.scales[i] = max(64);
            w.market.weights[i] = max(16);
        }
        w.market.threshold = max(24);
        // The exact integers: lhs = 16·(2^128-1)·(2^64-1)^2·(2^16-1), rhs = T·16·(2^128-1)·(2^64-1)^2.
        let big = |bits: u32| (BigUint::from(1u8) << bits) - 1u8;
        let term = big(128) * big(64) * big(64) * 16u8;
        let lhs = &term * big(16);
        let rhs = if with_debt {
            &term * big(24)
        } else {
            BigUint::ZERO
        };
        let truth = if lhs >= rhs {
            Claim::Healthy
        } else {
            Claim::Liquidatable
        };
        assert_eq!(truth == Claim::Liquidatable, with_debt);
        for claim in [truth, truth.negate()] {
            w.claim = claim.to_field();
            w.derive();
            let result = mock_self(&w);
            if claim == truth {
                assert_eq!(result, Ok(()), "{claim} at full width (debt: {with_debt})");
            } else {
                assert_rejected_only_by(result, &["range check y < 2^224"]);
            }
        }
    }
}
