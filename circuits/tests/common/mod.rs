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
use zkliq_circuits::keys::{CircuitShape, Curve, ParamsStore, ProverKey};

/// Parameters and proving key of a circuit, built once per test binary.
pub fn keys(shape: impl Into<CircuitShape>) -> (Arc<Params<Curve>>, &'static ProverKey) {
    static STORE: OnceLock<ParamsStore> = OnceLock::new();
    static KEYS: std::sync::Mutex<Vec<(CircuitShape, &'static ProverKey)>> =
        std::sync::Mutex::new(Vec::new());
    let shape = shape.into();
    let store = STORE.get_or_init(ParamsStore::in_memory);
    let params = store.get(shape.k()).expect("parameters");
    let mut keys = KEYS.lock().unwrap();
    if let Some((_, key)) = keys.iter().find(|(s, _)| *s == shape) {
        return (params, key);
    }
    let key: &'static ProverKey =
        Box::leak(Box::new(ProverKey::build(&params, shape).expect("keygen")));
    keys.push((shape, key));
    (params, key)
}

use zkliq_circuits::batch::{BatchCircuit, BatchShape, BatchWitness, SlotClaim};
use zkliq_circuits::commitment::account_commitment;
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore};
use zkliq_circuits::{Claim, reference};

/// A state tree holding `accounts` at the leaves of subtree `subtree` (height `height`), plus
/// some unrelated leaves elsewhere; returns the batch witness for that subtree with `claims`
/// (`None` = the true claim of each occupied position, no claim for empty ones).
pub fn batch_witness(
    market: &Market,
    prices: &PriceRound,
    accounts: &[Option<Account>],
    claims: Option<Vec<SlotClaim>>,
    height: u32,
    subtree: u64,
) -> BatchWitness {
    let shape = BatchShape::new(market.shape(), height).expect("supported height");
    assert_eq!(accounts.len(), shape.positions());
    let empty = EmptyTree::new(market.shape(), shape.tree);
    let mut store = MemoryStore::default();
    let first = subtree << height;
    let mut leaves: Vec<(u64, Fp)> = accounts
        .iter()
        .enumerate()
        .filter_map(|(j, a)| {
            a.as_ref()
                .map(|a| (first + j as u64, account_commitment(market, a)))
        })
        .collect();
    // Neighbours outside the subtree, so that the path is not all empty nodes.
    leaves.push((first ^ (1 << (height + 1)), Fp::from(11)));
    leaves.push((tree::CAPACITY - 1 - first, Fp::from(12)));
    tree::update(&mut store, &empty, leaves).unwrap();
    let siblings = tree::path(&mut store, &empty, height, subtree).unwrap();
    let claims = claims.unwrap_or_else(|| {
        accounts
            .iter()
            .map(|a| match a {
                Some(a) => SlotClaim::Is(reference::evaluate(market, prices, a).claim()),
                None => SlotClaim::None,
            })
            .collect()
    });
    let refs: Vec<Option<&Account>> = accounts.iter().map(Option::as_ref).collect();
    BatchWitness::new(shape, market, prices, &refs, &claims, subtree, siblings)
}

/// Runs the MockProver on a batch witness.
pub fn mock_batch(witness: &BatchWitness, instance: Vec<Fp>) -> Result<(), Vec<String>> {
    let prover = MockProver::run(
        witness.shape.k(),
        &BatchCircuit::new(witness.clone()),
        vec![instance],
    )
    .expect("synthesis succeeds");
    prover
        .verify()
        .map_err(|failures| failures.iter().map(|f| f.to_string()).collect())
}

/// The true claim of an account.
pub fn truth(market: &Market, prices: &PriceRound, account: &Account) -> Claim {
    reference::evaluate(market, prices, account).claim()
}
