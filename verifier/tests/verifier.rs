//! The verifier library: typed errors for every failure, batch verification that names the
//! failing proofs, and no panic on any input bytes.

mod common;

use std::sync::OnceLock;

use ff::Field;
use proptest::prelude::*;
use zkliq_circuits::Fp;
use zkliq_circuits::commitment::account_commitment;
use zkliq_verifier::{Context, EnvelopeError, ProofEnvelope, Round, Verifier, VerifyError};

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
    let unknown = replace("zkliq-proof/1", "zkliq-proof/9");
    assert!(matches!(unknown, EnvelopeError::Format { .. }));
    // The message lists every format this verifier reads, the report group formats included.
    let message = unknown.to_string();
    for format in [
        "zkliq-proof/1",
        "zkliq-liquidation-proof/1",
        "zkliq-report-group/1",
        "zkliq-report-group/3",
        "zkliq-report-piece/3",
        "zkliq-report/1",
    ] {
        assert!(message.contains(format), "{format} missing from {message}");
    }
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

fn round_of(s: &common::Loaded) -> Round {
    Round::new(s.market.clone(), s.prices.clone()).unwrap()
}

#[test]
fn each_failure_has_its_own_error() {
    let (s, envelope, _) = sample();
    let v = verifier();
    let round = round_of(s);
    let verified = v.verify_health(envelope, &round, None).unwrap();
    assert_eq!(verified.claim(), s.claim);
    assert!(!verified.account_checked());

    let mut e = envelope.clone();
    e.fingerprint.0[0] ^= 1;
    assert!(matches!(
        v.verify_health(&e, &round, None),
        Err(VerifyError::FingerprintMismatch { .. })
    ));

    let mut e = envelope.clone();
    e.proof.push(0);
    assert!(matches!(
        v.verify_health(&e, &round, None),
        Err(VerifyError::Length { .. })
    ));
    let mut e = envelope.clone();
    e.proof.pop();
    assert!(matches!(
        v.verify_health(&e, &round, None),
        Err(VerifyError::Length { .. })
    ));

    let mut e = envelope.clone();
    e.instance.claim = e.instance.claim.negate();
    assert!(matches!(
        v.verify_health(&e, &round, None),
        Err(VerifyError::Invalid)
    ));
    let mut e = envelope.clone();
    e.instance.account_commitment += Fp::ONE;
    assert!(matches!(
        v.verify_health(&e, &round, None),
        Err(VerifyError::Invalid)
    ));

    // What the proof is about: a verdict only for the given market, round and account.
    let others = stored();
    let (other, ..) = others.iter().find(|(o, ..)| o.market != s.market).unwrap();
    let other_market = Round::new(other.market.clone(), other.prices.clone()).unwrap();
    assert!(matches!(
        v.verify_health(envelope, &other_market, None),
        Err(VerifyError::ShapeMismatch { .. } | VerifyError::MarketMismatch { .. })
    ));
    let (crash, ..) = others
        .iter()
        .find(|(o, ..)| o.name == "aave-leveraged-crash")
        .unwrap();
    let crash_round = round_of(crash);
    let err = v.verify_health(envelope, &crash_round, None).unwrap_err();
    assert!(matches!(err, VerifyError::PricesMismatch { .. }));
    // Error messages are one line and name the field.
    let e = err.to_string();
    assert!(
        e.starts_with("price_commitment: ") && !e.contains('\n'),
        "{e}"
    );
    let (whale, ..) = others
        .iter()
        .find(|(o, ..)| o.name == "aave-whale-crash")
        .unwrap();
    assert!(matches!(
        v.verify_health(
            envelope,
            &round,
            Some(account_commitment(&whale.market, &whale.account))
        ),
        Err(VerifyError::AccountMismatch { .. })
    ));
    let mine = account_commitment(&s.market, &s.account);
    let checked = v.verify_health(envelope, &round, Some(mine)).unwrap();
    assert!(checked.account_checked());
    assert_eq!(checked.account_commitment(), mine);
}

#[test]
fn freshness_is_checked_against_the_given_time() {
    let (s, envelope, _) = sample();
    let t = s.prices.timestamp();
    let fresh = round_of(s).with_max_age(60, t + 60);
    let verdict = verifier().verify_health(envelope, &fresh, None).unwrap();
    assert_eq!(verdict.round().max_age_secs, Some(60));
    // A round from the future (clock skew) has age 0.
    let early = round_of(s).with_max_age(0, t - 5);
    verifier().verify_health(envelope, &early, None).unwrap();
    let stale = round_of(s).with_max_age(60, t + 61);
    let err = verifier()
        .verify_health(envelope, &stale, None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Stale {
                age: 61,
                max_age: 60,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("timestamp: price round"),
        "{err}"
    );
}

#[test]
fn verdicts_serialise_for_services() {
    let (s, envelope, bytes) = sample();
    let round = round_of(s);
    let verdict = verifier().verify(bytes, &Context::new(&round)).unwrap();
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["kind"], "health");
    assert_eq!(json["claim"], s.claim.as_str());
    assert_eq!(json["market"], s.market.name());
    assert_eq!(json["round"], s.prices.round());
    assert_eq!(
        json["account_commitment"],
        zkliq_verifier::to_hex(&envelope.instance.account_commitment)
    );
    assert_eq!(json["account_checked"], false);
}

#[test]
fn the_unbound_check_is_named_and_says_nothing_about_context() {
    let (_, envelope, bytes) = sample();
    let unbound = verifier().verify_unbound(bytes).unwrap();
    assert_eq!(
        unbound.envelope,
        zkliq_verifier::AnyEnvelope::Health(envelope.clone())
    );
    let mut forged = envelope.clone();
    forged.instance.claim = forged.instance.claim.negate();
    assert!(matches!(
        verifier().verify_unbound(forged.to_json().as_bytes()),
        Err(VerifyError::Invalid)
    ));
}

#[test]
fn batch_verification_names_the_failing_proofs() {
    let v = verifier();
    let (s, ..) = sample();
    let round = round_of(s);
    let same_round: Vec<ProofEnvelope> = stored()
        .iter()
        .filter(|(o, ..)| o.market == s.market && o.prices == s.prices)
        .map(|(_, e, _)| e.clone())
        .collect();
    assert!(!same_round.is_empty());
    let mut batch: Vec<ProofEnvelope> = (0..4).flat_map(|_| same_round.clone()).collect();
    let report = v.verify_health_batch(&batch, &round);
    assert!(
        report.all_valid(),
        "{:?}",
        report.failures().collect::<Vec<_>>()
    );
    let n = batch.len();

    let bad = [1, 2, n - 1];
    batch[1].instance.claim = batch[1].instance.claim.negate();
    batch[2].proof[100] ^= 0x55;
    batch[n - 1].proof.push(0);
    let report = v.verify_health_batch(&batch, &round);
    let failed: Vec<usize> = report.failures().map(|(i, _)| i).collect();
    assert_eq!(failed, bad);
    assert!(matches!(
        report.results[n - 1],
        Err(VerifyError::Length { .. })
    ));
    assert!(matches!(report.results[1], Err(VerifyError::Invalid)));
    for (i, r) in report.results.iter().enumerate() {
        if !bad.contains(&i) {
            assert_eq!(
                r.as_ref().unwrap().account_commitment(),
                batch[i].instance.account_commitment
            );
        }
    }
    // A proof about another round fails with its own error, the others still verify.
    let other: ProofEnvelope = stored()
        .iter()
        .find(|(o, ..)| o.prices != s.prices)
        .map(|(_, e, _)| e.clone())
        .unwrap();
    let report = v.verify_health_batch(&[same_round[0].clone(), other], &round);
    assert!(report.results[0].is_ok());
    assert!(matches!(
        report.results[1],
        Err(VerifyError::PricesMismatch { .. }
            | VerifyError::MarketMismatch { .. }
            | VerifyError::ShapeMismatch { .. })
    ));
    assert!(v.verify_health_batch(&[], &round).all_valid());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (s, ..) = sample();
        let round = round_of(s);
        prop_assert!(verifier().verify(&bytes, &Context::new(&round)).is_err());
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
            let round = round_of(&sample().0);
            prop_assert_eq!(verifier().verify(&garbled, &Context::new(&round)).is_ok(), same);
        }
    }

    #[test]
    fn random_proofs_of_the_right_length_never_verify(seed in proptest::collection::vec(any::<u8>(), 3328)) {
        let (_, envelope, _) = sample();
        let mut forged = envelope.clone();
        forged.proof = seed;
        let round = round_of(&sample().0);
        prop_assert!(matches!(verifier().verify_health(&forged, &round, None), Err(VerifyError::Invalid)));
    }
}
