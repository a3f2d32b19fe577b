//! State proofs (batch and membership) through the verifier library: stored proofs still
//! verify, every field of the envelope is checked, batches name their failing proofs.
//! Regenerate the stored ones on purpose with `ZKLIQ_REGENERATE_FIXTURES=1`.

mod common;

use std::path::PathBuf;

use ff::Field;
use zkliq_circuits::batch::{BatchShape, BatchWitness, SlotClaim};
use zkliq_circuits::commitment::account_commitment;
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore};
use zkliq_circuits::{Account, Fp, Market, PriceRound, proof, reference};
use zkliq_verifier::{EnvelopeError, StateProofEnvelope, Verifier, VerifyError};

/// A small state: the aave scenario accounts at leaves 40.., the rest empty.
struct Scene {
    market: Market,
    prices: PriceRound,
    accounts: Vec<Account>,
    store: MemoryStore,
    empty: EmptyTree,
    root: Fp,
}

const FIRST_LEAF: u64 = 40;

fn scene() -> Scene {
    let aave: Vec<common::Loaded> = common::scenarios()
        .into_iter()
        .filter(|s| s.market.name() == "aave-v3-like-4")
        .collect();
    let market = aave[0].market.clone();
    let crash = aave
        .iter()
        .find(|s| s.name.contains("crash"))
        .unwrap()
        .prices
        .clone();
    let accounts: Vec<Account> = aave.iter().map(|s| s.account.clone()).collect();
    let empty = EmptyTree::new(market.shape());
    let mut store = MemoryStore::default();
    let leaves = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (FIRST_LEAF + i as u64, account_commitment(&market, a)));
    let root = tree::update(&mut store, &empty, leaves).unwrap();
    Scene {
        market,
        prices: crash,
        accounts,
        store,
        empty,
        root,
    }
}

fn path(name: &str) -> PathBuf {
    common::fixtures()
        .join("proofs")
        .join(format!("{name}.proof.json"))
}

/// (stored proof name, height, subtree index)
const STORED: [(&str, u32, u64); 2] = [
    ("state-batch-8", 3, FIRST_LEAF >> 3),
    ("state-member", 0, FIRST_LEAF + 1),
];

fn regenerate(scene: &mut Scene) {
    let params_store = ParamsStore::in_memory();
    for (name, height, subtree) in STORED {
        let shape = BatchShape::new(scene.market.shape(), height).unwrap();
        let first = subtree << height;
        let accounts: Vec<Option<&Account>> = (0..shape.positions() as u64)
            .map(|j| {
                (first + j)
                    .checked_sub(FIRST_LEAF)
                    .and_then(|i| scene.accounts.get(i as usize))
            })
            .collect();
        let claims: Vec<SlotClaim> = accounts
            .iter()
            .map(|a| match a {
                Some(a) => {
                    SlotClaim::Is(reference::evaluate(&scene.market, &scene.prices, a).claim())
                }
                None => SlotClaim::None,
            })
            .collect();
        let siblings = tree::path(&mut scene.store, &scene.empty, height, subtree).unwrap();
        let witness = BatchWitness::new(
            shape,
            &scene.market,
            &scene.prices,
            &accounts,
            &claims,
            subtree,
            siblings,
        );
        let instance = witness.instance().unwrap();
        assert_eq!(instance.root, scene.root);
        let params = params_store.get(shape.k()).unwrap();
        let key = ProverKey::build(&params, shape).unwrap();
        let bytes =
            proof::prove_batch_witness(&params, &key, witness, &instance.to_column()).unwrap();
        let envelope = StateProofEnvelope::new(key.verifier(), instance, bytes);
        std::fs::write(path(name), envelope.to_json()).unwrap();
    }
}

fn stored() -> Vec<StateProofEnvelope> {
    STORED
        .iter()
        .map(|(name, ..)| {
            let bytes = std::fs::read(path(name)).unwrap_or_else(|e| {
                panic!("{name}: {e} (regenerate with ZKLIQ_REGENERATE_FIXTURES=1)")
            });
            StateProofEnvelope::from_json(&bytes).unwrap()
        })
        .collect()
}

#[test]
fn stored_state_proofs_verify_against_the_scene() {
    let mut scene = scene();
    if std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some() {
        regenerate(&mut scene);
    }
    let verifier = Verifier::new();
    for envelope in stored() {
        assert_eq!(
            StateProofEnvelope::from_json(envelope.to_json().as_bytes()).unwrap(),
            envelope
        );
        let verified = verifier.verify_state(&envelope).unwrap();
        verified.check_root(scene.root).unwrap();
        verified.check_prices(&scene.market, &scene.prices).unwrap();
        assert!(verified.claimed().count() > 0);
        for (leaf, claim) in verified.claimed() {
            let account = &scene.accounts[(leaf - FIRST_LEAF) as usize];
            assert_eq!(
                claim,
                reference::evaluate(&scene.market, &scene.prices, account).claim()
            );
        }
        assert!(matches!(
            verified.check_root(scene.root + Fp::ONE),
            Err(VerifyError::RootMismatch { .. })
        ));
    }
}

#[test]
fn tampered_state_proofs_fail_with_their_own_error() {
    let verifier = Verifier::new();
    let batch = &stored()[0];
    let mut e = batch.clone();
    e.fingerprint.0[3] ^= 1;
    assert!(matches!(
        verifier.verify_state(&e),
        Err(VerifyError::FingerprintMismatch { .. })
    ));
    let mut e = batch.clone();
    e.proof.push(1);
    assert!(matches!(
        verifier.verify_state(&e),
        Err(VerifyError::Length { .. })
    ));
    let mut e = batch.clone();
    e.instance.root += Fp::ONE;
    assert!(matches!(
        verifier.verify_state(&e),
        Err(VerifyError::Invalid)
    ));

    // Dropping a claim, or adding one, changes the public inputs.
    let text = batch.to_json();
    let dropped = text.replacen("\"claim\": \"liquidatable\"", "\"claim\": \"healthy\"", 1);
    assert_ne!(dropped, text);
    let e = StateProofEnvelope::from_json(dropped.as_bytes()).unwrap();
    assert!(matches!(
        verifier.verify_state(&e),
        Err(VerifyError::Invalid)
    ));

    // Envelope fields are checked before any cryptography.
    let bad = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        StateProofEnvelope::from_json(text.replacen(from, to, 1).as_bytes()).unwrap_err()
    };
    assert!(matches!(
        bad("\"positions\": 8", "\"positions\": 16"),
        EnvelopeError::Field {
            field: "positions",
            ..
        }
    ));
    assert!(matches!(
        bad("\"k\": 12", "\"k\": 11"),
        EnvelopeError::Field { field: "k", .. }
    ));
    assert!(matches!(
        bad("\"subtree_index\": 5", "\"subtree_index\": 536870912"),
        EnvelopeError::Field {
            field: "public_inputs.subtree_index",
            ..
        }
    ));
    assert!(matches!(
        bad("\"index\": 40", "\"index\": 39"),
        EnvelopeError::Field {
            field: "claims",
            ..
        }
    ));
    assert!(matches!(
        bad("\"index\": 41", "\"index\": 40"),
        EnvelopeError::Field {
            field: "claims",
            ..
        }
    ));
    assert!(matches!(
        bad("zkliq-state-proof/1", "zkliq-proof/1"),
        EnvelopeError::Format { .. }
    ));

    // Many at once: the bad ones are named.
    let mut many: Vec<StateProofEnvelope> = (0..3).flat_map(|_| stored()).collect();
    many[2].instance.price_commitment += Fp::ONE;
    many[5].proof[7] ^= 0x10;
    let report = verifier.verify_state_batch(&many);
    assert_eq!(
        report.failures().map(|(i, _)| i).collect::<Vec<_>>(),
        vec![2, 5]
    );
}

#[test]
fn a_claim_outside_the_batch_is_rejected_by_the_parser_not_trusted() {
    // Claims name leaves; the instance maps them to positions. A claim about a leaf outside the
    // batch cannot be represented.
    let text = stored()[0].to_json();
    let outside = text.replacen("\"index\": 40", "\"index\": 48", 1);
    assert!(matches!(
        StateProofEnvelope::from_json(outside.as_bytes()),
        Err(EnvelopeError::Field {
            field: "claims",
            ..
        })
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

    /// Garbled state proof files never panic the verifier, and never verify unless the
    /// garbling left an equivalent envelope (e.g. whitespace).
    #[test]
    fn garbled_state_proofs_never_panic(edits in proptest::collection::vec((0usize..8000, proptest::prelude::any::<u8>()), 1..5)) {
        static VERIFIER: std::sync::OnceLock<Verifier> = std::sync::OnceLock::new();
        let verifier = VERIFIER.get_or_init(Verifier::new);
        let original = stored().remove(1);
        let mut bytes = original.to_json().into_bytes();
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        let same = StateProofEnvelope::from_json(&bytes).ok().as_ref() == Some(&original);
        proptest::prop_assert_eq!(verifier.verify_any_json(&bytes).is_ok(), same);
    }
}
