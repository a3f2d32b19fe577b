//! Real (not mock) proofs: public inputs, keys and proof bytes are all bound.

mod common;

use common::{keys, vector};
use ff::Field;
use proptest::prelude::*;
use zkliq_circuits::bounds::CARRY_OFFSET_BITS;
use zkliq_circuits::field::{Fp, from_biguint, pow2, to_biguint};
use zkliq_circuits::health::instance::{CLAIM_ROW, NUM_PUBLIC_INPUTS};
use zkliq_circuits::proof::{self, VerifyError};
use zkliq_circuits::{Account, Claim, HealthWitness, Instance, Market, PriceRound, Shape};

fn healthy_proof() -> (Instance, Vec<u8>) {
    let (m, p, a) = vector("aave4", "aave4-calm", "aave4-rand0");
    let (params, key) = keys(m.shape());
    proof::prove(&params, key, &m, &p, &a, Claim::Healthy).unwrap()
}

#[test]
fn flipping_any_public_input_fails_verification_in_every_shape() {
    let read = |rel: &str| std::fs::read_to_string(common::fixtures().join(rel)).unwrap();
    let scenarios: Vec<(Market, PriceRound, Account)> = [
        (
            "markets/steth-loop-1.json",
            "prices/steth-loop-1-calm.json",
            "accounts/steth-loop-healthy.json",
        ),
        (
            "markets/maker-eth-a.json",
            "prices/maker-eth-a-crash.json",
            "accounts/maker-vault.json",
        ),
        (
            "markets/aave-v3-4.json",
            "prices/aave-v3-4-calm.json",
            "accounts/aave-leveraged.json",
        ),
        (
            "markets/cross-margin-8.json",
            "prices/cross-margin-8-crash.json",
            "accounts/cross-trader.json",
        ),
        (
            "markets/perp-16.json",
            "prices/perp-16-crash.json",
            "accounts/perp-basket.json",
        ),
    ]
    .into_iter()
    .map(|(m, p, a)| {
        let market = Market::from_json(&read(m)).unwrap();
        let prices = PriceRound::from_json(&read(p), &market).unwrap();
        let account = Account::from_json(&read(a), &market).unwrap();
        (market, prices, account)
    })
    .collect();
    let mut shapes = std::collections::BTreeSet::new();
    for (m, p, a) in &scenarios {
        let claim = zkliq_circuits::health::reference::evaluate(m, p, a).claim();
        let (params, key) = keys(m.shape());
        let (instance, bytes) = proof::prove(&params, key, m, p, a, claim).unwrap();
        let column = instance.to_column();
        assert_eq!(
            proof::verify_column(&params, key.verifier(), &column, &bytes),
            Ok(())
        );
        for row in 0..NUM_PUBLIC_INPUTS {
            let mut flipped = column.clone();
            flipped[row] = if row == CLAIM_ROW {
                Fp::ONE - flipped[row]
            } else {
                flipped[row] + Fp::ONE
            };
            assert_eq!(
                proof::verify_column(&params, key.verifier(), &flipped, &bytes),
                Err(VerifyError::Invalid),
                "{} row {row}",
                m.shape()
            );
        }
        // A column of the wrong length is rejected before halo2 sees it (halo2 would read
        // missing trailing inputs as zeros).
        for len in [NUM_PUBLIC_INPUTS - 1, NUM_PUBLIC_INPUTS + 1] {
            let mut wrong = column.clone();
            wrong.resize(len, Fp::ZERO);
            assert!(matches!(
                proof::verify_column(&params, key.verifier(), &wrong, &bytes),
                Err(VerifyError::InstanceLength { .. })
            ));
        }
        shapes.insert(m.shape());
    }
    assert_eq!(shapes.len(), Shape::ALL.len());
}

#[test]
fn a_proof_does_not_verify_under_another_shape() {
    let (instance, bytes) = healthy_proof();
    for other in [Shape::A1, Shape::A2] {
        let (params, key) = keys(other);
        assert_eq!(
            key.verifier().proof_len(),
            bytes.len(),
            "same k, same length"
        );
        assert_eq!(
            proof::verify(&params, key.verifier(), &instance, &bytes),
            Err(VerifyError::Invalid),
            "{other}"
        );
    }
    // Shapes 8 and 16 share k = 10.
    let (m, p, a) = vector("cross8", "cross8-calm", "cross8-rand0");
    let (params, key8) = keys(Shape::A8);
    let claim = zkliq_circuits::health::reference::evaluate(&m, &p, &a).claim();
    let (instance, bytes) = proof::prove(&params, key8, &m, &p, &a, claim).unwrap();
    let (params16, key16) = keys(Shape::A16);
    assert_eq!(
        proof::verify(&params16, key16.verifier(), &instance, &bytes),
        Err(VerifyError::Invalid)
    );
    let fingerprints: std::collections::HashSet<_> = Shape::ALL
        .iter()
        .map(|s| keys(*s).1.verifier().fingerprint())
        .collect();
    assert_eq!(
        fingerprints.len(),
        Shape::ALL.len(),
        "every shape has its own fingerprint"
    );
}

#[test]
fn trailing_and_missing_bytes_are_rejected() {
    let (instance, bytes) = healthy_proof();
    let (params, key) = keys(Shape::A4);
    let expected = key.verifier().proof_len();
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        proof::verify(&params, key.verifier(), &instance, &longer),
        Err(VerifyError::Length {
            shape: Shape::A4.into(),
            expected,
            found: expected + 1
        })
    );
    assert!(matches!(
        proof::verify(
            &params,
            key.verifier(),
            &instance,
            &bytes[..bytes.len() - 1]
        ),
        Err(VerifyError::Length { .. })
    ));
    assert!(matches!(
        proof::verify(&params, key.verifier(), &instance, &[]),
        Err(VerifyError::Length { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any corrupted byte makes the proof invalid, and never panics the verifier.
    #[test]
    fn corrupted_proofs_are_rejected(position in 0usize..3328, xor in 1u8..=255) {
        static PROOF: std::sync::OnceLock<(Instance, Vec<u8>)> = std::sync::OnceLock::new();
        let (instance, bytes) = PROOF.get_or_init(healthy_proof);
        let (params, key) = keys(Shape::A4);
        let mut corrupted = bytes.clone();
        let position = position % corrupted.len();
        corrupted[position] ^= xor;
        prop_assert_eq!(
            proof::verify(&params, key.verifier(), instance, &corrupted),
            Err(VerifyError::Invalid)
        );
    }
}

/// The real prover, run on dishonest witnesses, produces bytes that do not verify.
#[test]
fn dishonest_witnesses_do_not_yield_verifying_proofs() {
    let (m, p, a) = vector("aave4", "aave4-crash", "aave4-boundary");
    let (params, key) = keys(m.shape());

    // A false claim with the honest-but-false witness.
    let witness = HealthWitness::new(&m, &p, &a, Claim::Healthy);
    let column = witness.public_inputs();
    if let Ok(bytes) = proof::prove_witness(&params, key, witness.clone(), &column) {
        assert_eq!(
            proof::verify_column(&params, key.verifier(), &column, &bytes),
            Err(VerifyError::Invalid)
        );
    }

    // The modulus forgery of the carry (see the soundness tests): only the carry's range check
    // stands in its way, and it holds in a real proof too.
    let mut forged = witness;
    let [a_lo, a_hi, d_lo, d_hi] = *forged.derived.accumulators.last().unwrap();
    let t = forged.market.threshold;
    let delta_hi = a_hi - t * d_hi;
    let z = to_biguint(&(a_lo - t * d_lo + pow2(64) * delta_hi));
    let modulus = to_biguint(&-Fp::ONE) + 1u32;
    let two64 = num_bigint::BigUint::from(1u128 << 64);
    let r = (&z + &modulus) % &two64;
    let x = from_biguint(&((&z + &modulus - &r) / &two64)).unwrap();
    forged.derived.verdict.remainder = from_biguint(&r).unwrap();
    forged.derived.verdict.carry = x - delta_hi + pow2(CARRY_OFFSET_BITS as u32);
    forged.derived.verdict.verdict = x;
    if let Ok(bytes) = proof::prove_witness(&params, key, forged, &column) {
        assert_eq!(
            proof::verify_column(&params, key.verifier(), &column, &bytes),
            Err(VerifyError::Invalid)
        );
    }
}
