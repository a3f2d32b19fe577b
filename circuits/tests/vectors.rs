//! Every case of `fixtures/vectors/expected.json` (from an independent exact-integer
//! implementation): the reference agrees on the claim and the exact ratio, a real proof of the
//! claim verifies, and the opposite claim is rejected by the circuit.

mod common;

use common::{assert_rejected_only_by, keys, mock, vector};
use serde::Deserialize;
use zkliq_circuits::health::instance::CLAIM_ROW;
use zkliq_circuits::health::reference;
use zkliq_circuits::{Claim, HealthWitness, proof};

#[derive(Deserialize)]
struct Case {
    market: String,
    prices: String,
    account: String,
    claim: String,
    health_factor: Option<String>,
}

fn stem(path: &str) -> &str {
    path.rsplit('/').next().unwrap().trim_end_matches(".json")
}

fn cases() -> Vec<Case> {
    let path = common::fixtures().join("vectors/expected.json");
    let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(cases.len(), 114, "the vector set is copied whole");
    cases
}

#[test]
fn every_vector_matches_the_reference_and_proves() {
    let mut proven = 0;
    for case in cases() {
        let name = format!("{} / {} / {}", case.market, case.prices, case.account);
        let (market, prices, account) =
            vector(stem(&case.market), stem(&case.prices), stem(&case.account));
        let valuation = reference::evaluate(&market, &prices, &account);
        let expected: Claim = case.claim.parse().unwrap();
        assert_eq!(valuation.claim(), expected, "{name}");
        assert_eq!(
            valuation.health_factor().map(|r| r.to_string()),
            case.health_factor,
            "{name}"
        );

        let (params, key) = keys(market.shape());
        let (instance, bytes) =
            proof::prove(&params, key, &market, &prices, &account, expected).unwrap();
        assert_eq!(
            proof::verify(&params, key.verifier(), &instance, &bytes),
            Ok(()),
            "{name}"
        );

        // The false claim: the prover refuses, and a witness for it fails the circuit.
        assert!(matches!(
            proof::prove(&params, key, &market, &prices, &account, expected.negate()),
            Err(proof::ProveError::ClaimFalse { .. })
        ));
        let dishonest = HealthWitness::new(&market, &prices, &account, expected.negate());
        let mut column = instance.to_column();
        column[CLAIM_ROW] = expected.negate().to_field();
        assert_rejected_only_by(mock(&dishonest, column), &["range check y < 2^224"]);
        proven += 1;
    }
    assert_eq!(proven, 114);
}
