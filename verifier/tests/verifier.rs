//! The verifier library: typed errors for every failure, batch verification that names the
//! failing proofs, and no panic on any input bytes.

mod common;

use std::sync::OnceLock;

use ff::Field;
use proptest::prelude::*;
use zkliq_circuits::Fp;
use zkliq_circuits::commitment::account_commitment;
use zkliq_verifier::{EnvelopeError, ProofEnvelope, Verifier, VerifyError};

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(Verifier::new)
}

/// The stored proofs, parsed, with their scenarios.
fn stored() -> &'static Vec<(common::Loaded, ProofEnvelope, Vec<u8>)> {
    static S: OnceLock<Vec<(common::Loaded, ProofEnvelope, Vec<u8>)>> = OnceLock::new();
    S.get_or_init(|| {
        common::scenarios()
            .into_iter()
            .map(|s| {
                let bytes = std::fs::read(common::stored_proof_path(&s.name)).unwrap();
                let envelope = ProofEnvelope::from_json(&bytes).unwrap();
                (s, envelope, bytes)
            })
            .collect()
    })
}

fn sample() -> &'static (common::Loaded, ProofEnvelope, Vec<u8>) {
    stored()
        .iter()
        .find(|(s, ..)| s.name == "aave-leveraged-calm")
        .unwrap()
}

#[test]
fn envelopes_round_trip() {
    for (_, envelope, bytes) in stored() {
        assert_eq!(envelope.to_json().as_bytes(), bytes.as_slice());
        assert_eq!(
            &ProofEnvelope::from_json(envelope.to_json().as_bytes()).unwrap(),
            envelope
        );
    }
}

#[test]
fn malformed_envelopes_name_the_field() {
    let (_, _, bytes) = sample();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let replace = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        ProofEnvelope::from_json(text.replacen(from, to, 1).as_bytes()).unwrap_err()
    };
    assert!(matches!(
        replace("zkliq-proof/1", "zkliq-proof/9"),
        EnvelopeError::Format { .. }
    ));
    assert!(matches!(
        replace("\"shape\": 4", "\"shape\": 3"),
        EnvelopeError::Shape { found: 3 }
    ));
    assert!(matches!(
        replace("\"k\": 9", "\"k\": 10"),
        EnvelopeError::K { .. }
    ));
    assert!(matches!(
        replace("\"claim\": \"healthy\"", "\"claim\": \"solvent\""),
        EnvelopeError::Field { field: "claim", .. }
    ));
    assert!(matches!(
        replace("\"vk_fingerprint\": \"", "\"vk_fingerprint\": \"00"),
        EnvelopeError::Field {
            field: "vk_fingerprint",
            ..
        }
    ));
    assert!(matches!(
        replace("\"proof\": \"", "\"proof\": \"0"),
        EnvelopeError::Field { field: "proof", .. }
    ));
    assert!(matches!(
        replace(
            "\"account_commitment\": \"0x",
            "\"account_commitment\": \"0xf"
        ),
        EnvelopeError::Field {
            field: "public_inputs.account_commitment",
            ..
        }
    ));
    let modulus = zkliq_circuits::field::MODULUS_HEX;
    let at = text.find("\"market_commitment\": \"").unwrap() + "\"market_commitment\": \"".len();
    let non_canonical = format!("{}{}{}", &text[..at], modulus, &text[at + 66..]);
    assert!(matches!(
        ProofEnvelope::from_json(non_canonical.as_bytes()),
        Err(EnvelopeError::Field {
            field: "public_inputs.market_commitment",
            ..
        })
    ));
    assert!(matches!(
        replace("\"format\"", "\"fromat\""),
        EnvelopeError::Json(_)
    ));
    assert!(matches!(
        ProofEnvelope::from_json(b""),
        Err(EnvelopeError::Json(_))
    ));
    assert!(matches!(
        ProofEnvelope::from_json(b"{}"),
        Err(EnvelopeError::Json(_))
    ));
}

#[test]
fn each_failure_has_its_own_error() {
    let (s, envelope, _) = sample();
    let v = verifier();
    let verified = v.verify(envelope).unwrap();
    assert_eq!(verified.claim(), s.claim);

    let mut e = envelope.clone();
    e.fingerprint.0[0] ^= 1;
    assert!(matches!(
        v.verify(&e),
        Err(VerifyError::FingerprintMismatch { .. })
    ));

    let mut e = envelope.clone();
    e.proof.push(0);
    assert!(matches!(v.verify(&e), Err(VerifyError::Length { .. })));
    let mut e = envelope.clone();
    e.proof.pop();
    assert!(matches!(v.verify(&e), Err(VerifyError::Length { .. })));

    let mut e = envelope.clone();
    e.instance.claim = e.instance.claim.negate();
    assert!(matches!(v.verify(&e), Err(VerifyError::Invalid)));
    let mut e = envelope.clone();
    e.instance.account_commitment += Fp::ONE;
    assert!(matches!(v.verify(&e), Err(VerifyError::Invalid)));

    // What the proof is about.
    let others = stored();
    let (other, ..) = others.iter().find(|(o, ..)| o.market != s.market).unwrap();
    assert!(matches!(
        verified.check_market(&other.market),
        Err(VerifyError::ShapeMismatch { .. } | VerifyError::MarketMismatch { .. })
    ));
    let (crash, ..) = others
        .iter()
        .find(|(o, ..)| o.name == "aave-leveraged-crash")
        .unwrap();
    assert!(matches!(
        verified.check_prices(&s.market, &crash.prices),
        Err(VerifyError::PricesMismatch { .. })
    ));
    verified.check_prices(&s.market, &s.prices).unwrap();
    let (whale, ..) = others
        .iter()
        .find(|(o, ..)| o.name == "aave-whale-crash")
        .unwrap();
    assert!(matches!(
        verified.check_account(account_commitment(&whale.market, &whale.account)),
        Err(VerifyError::AccountMismatch { .. })
    ));
    verified
        .check_account(account_commitment(&s.market, &s.account))
        .unwrap();
    // Error messages are one line and name the field.
    let e = verified
        .check_prices(&s.market, &crash.prices)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("price_commitment: ") && !e.contains('\n'),
        "{e}"
    );
}

#[test]
fn batch_verification_names_the_failing_proofs() {
    let v = verifier();
    let mut batch: Vec<ProofEnvelope> = stored().iter().map(|(_, e, _)| e.clone()).collect();
    // Six more valid ones (duplicates verify too), then three bad ones at known positions.
    batch.extend(stored().iter().take(6).map(|(_, e, _)| e.clone()));
    let report = v.verify_batch(&batch);
    assert!(
        report.all_valid(),
        "{:?}",
        report.failures().collect::<Vec<_>>()
    );
    let n = batch.len();

    let bad = [1, 7, n - 1];
    batch[1].instance.claim = batch[1].instance.claim.negate();
    batch[7].proof[100] ^= 0x55;
    batch[n - 1].proof.push(0);
    let report = v.verify_batch(&batch);
    let failed: Vec<usize> = report.failures().map(|(i, _)| i).collect();
    assert_eq!(failed, bad);
    assert!(matches!(
        report.results[n - 1],
        Err(VerifyError::Length { .. })
    ));
    assert!(matches!(report.results[1], Err(VerifyError::Invalid)));
    for (i, r) in report.results.iter().enumerate() {
        if !bad.contains(&i) {
            assert_eq!(r.as_ref().unwrap().instance, batch[i].instance);
        }
    }
    assert!(v.verify_batch(&[]).all_valid());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(verifier().verify_json(&bytes).is_err());
    }

    #[test]
    fn garbled_envelopes_never_panic_or_verify(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6)) {
        let (_, _, bytes) = sample();
        let mut garbled = bytes.clone();
        for (at, byte, op) in edits {
            let at = at % (garbled.len() + 1);
            match op {
                0 if at < garbled.len() => garbled[at] = byte,
                1 => garbled.insert(at, byte),
                _ if at < garbled.len() => { garbled.remove(at); }
                _ => garbled.push(byte),
            }
        }
        if garbled != *bytes {
            // Whitespace edits can leave an equivalent envelope; anything else must fail.
            let same = ProofEnvelope::from_json(&garbled).ok().as_ref() == Some(&sample().1);
            prop_assert_eq!(verifier().verify_json(&garbled).is_ok(), same);
        }
    }

    #[test]
    fn random_proofs_of_the_right_length_never_verify(seed in proptest::collection::vec(any::<u8>(), 3328)) {
        let (_, envelope, _) = sample();
        let mut forged = envelope.clone();
        forged.proof = seed;
        prop_assert!(matches!(verifier().verify(&forged), Err(VerifyError::Invalid)));
    }
}
