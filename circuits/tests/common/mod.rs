//! Helpers shared by the circuit tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use halo2_proofs::dev::MockProver;
use zkliq_circuits::{Account, Fp, HealthCircuit, HealthWitness, Market, PriceRound};

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads `markets/{m}.json`, `prices/{p}.json`, `accounts/{a}.json` from `fixtures/vectors`.
pub fn vector(m: &str, p: &str, a: &str) -> (Market, PriceRound, Account) {
    let dir = fixtures().join("vectors");
    let market = Market::from_json(&read(&dir.join(format!("markets/{m}.json")))).unwrap();
    let prices =
        PriceRound::from_json(&read(&dir.join(format!("prices/{p}.json"))), &market).unwrap();
    let account =
        Account::from_json(&read(&dir.join(format!("accounts/{a}.json"))), &market).unwrap();
    (market, prices, account)
}

/// Runs the MockProver; on failure returns every failure, rendered.
pub fn mock(witness: &HealthWitness, instance: Vec<Fp>) -> Result<(), Vec<String>> {
    let k = witness.shape.k();
    let prover = MockProver::run(k, &HealthCircuit::new(witness.clone()), vec![instance])
        .expect("synthesis succeeds");
    prover
        .verify()
        .map_err(|failures| failures.iter().map(|f| f.to_string()).collect())
}

/// Runs the MockProver with the instance the witness itself implies.
pub fn mock_self(witness: &HealthWitness) -> Result<(), Vec<String>> {
    mock(witness, witness.public_inputs())
}

/// Asserts the circuit rejects the witness, and that every failure is one of `expected`
/// (a region or constraint name). A strict range check that fails also leaves its final running
/// sum unequal to the fixed constant 0; that counterpart failure is accepted too.
#[track_caller]
pub fn assert_rejected_only_by(result: Result<(), Vec<String>>, expected: &[&str]) {
    let failures = result.expect_err("the circuit must reject this witness");
    assert!(!failures.is_empty());
    for failure in &failures {
        let named = expected.iter().any(|e| failure.contains(e));
        let zero_constant =
            failure.contains("column_type: Fixed") && failure.contains("outside any region");
        assert!(
            named || zero_constant,
            "unexpected failure {failure:?}; expected only {expected:?} among {failures:#?}"
        );
    }
    for e in expected {
        assert!(
            failures.iter().any(|f| f.contains(e)),
            "no failure mentions {e:?}: {failures:#?}"
        );
    }
}

/// Asserts the circuit rejects the witness with at least one failure mentioning `expected`.
#[track_caller]
pub fn assert_rejected_by(result: Result<(), Vec<String>>, expected: &str) {
    let failures = result.expect_err("the circuit must reject this witness");
    assert!(
        failures.iter().any(|f| f.contains(expected)),
        "no failure mentions {expected:?}: {failures:#?}"
    );
}

use std::sync::{Arc, OnceLock};

use halo2_proofs::poly::commitment::Params;
use zkliq_circuits::Shape;
use zkliq_circuits::keys::{Curve, ParamsStore, ProverKey};

/// Parameters and proving key of `shape`, built once per test binary.
pub fn keys(shape: Shape) -> (Arc<Params<Curve>>, &'static ProverKey) {
    static STORE: OnceLock<ParamsStore> = OnceLock::new();
    static KEYS: [OnceLock<ProverKey>; 5] = [const { OnceLock::new() }; 5];
    let store = STORE.get_or_init(ParamsStore::in_memory);
    let params = store.get(shape.k()).expect("parameters");
    let index = Shape::ALL.iter().position(|s| *s == shape).unwrap();
    let key = KEYS[index].get_or_init(|| ProverKey::build(&params, shape).expect("keygen"));
    (params, key)
}
