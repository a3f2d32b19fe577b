//! The stored proofs in `fixtures/proofs/` still verify, and are about exactly their
//! scenario's market, price round and account. A circuit change makes them fail: regenerate on
//! purpose with `ZKLIQ_REGENERATE_FIXTURES=1 cargo test --release -p zkliq-verifier --test stored_proofs`.

mod common;

use zkliq_circuits::commitment::account_commitment;
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::proof;
use zkliq_verifier::{ProofEnvelope, Round, Verifier};

fn regenerate() {
    let store = ParamsStore::in_memory();
    for s in common::scenarios() {
        let shape = s.market.shape();
        let params = store.get(shape.k()).unwrap();
        let key = ProverKey::build(&params, shape).unwrap();
        let (instance, bytes) =
            proof::prove(&params, &key, &s.market, &s.prices, &s.account, s.claim).unwrap();
        let envelope = ProofEnvelope::new(key.verifier(), instance, bytes);
        std::fs::write(common::stored_proof_path(&s.name), envelope.to_json()).unwrap();
    }
}

#[test]
fn stored_proofs_verify_and_match_their_scenarios() {
    if std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some() {
        regenerate();
    }
    let verifier = Verifier::new();
    let scenarios = common::scenarios();
    assert!(scenarios.len() >= 5);
    let mut shapes = std::collections::BTreeSet::new();
    for s in scenarios {
        let path = common::stored_proof_path(&s.name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (regenerate with ZKLIQ_REGENERATE_FIXTURES=1)",
                path.display()
            )
        });
        let envelope = ProofEnvelope::from_json(&bytes).unwrap();
        let round = Round::new(s.market.clone(), s.prices.clone()).unwrap();
        let account = account_commitment(&s.market, &s.account);
        let verified = verifier
            .verify_health(&envelope, &round, Some(account))
            .unwrap_or_else(|e| {
                panic!("{}: {e}; if the circuit changed on purpose, regenerate with ZKLIQ_REGENERATE_FIXTURES=1", s.name)
            });
        assert_eq!(verified.claim(), s.claim, "{}", s.name);
        assert!(verified.account_checked());
        assert_eq!(verified.account_commitment(), account);
        shapes.insert(verified.shape());
    }
    assert_eq!(shapes.len(), 5, "the stored proofs cover every shape");
}
