//! State proofs (batch and membership) through the verifier library: stored proofs still
//! verify (format 2, and the legacy format 1 of earlier releases), every field of the envelope
//! is checked, batches name their failing proofs, a root binds its market.
//! Regenerate the stored format-2 ones on purpose with `ZKLIQ_REGENERATE_FIXTURES=1`; the
//! format-1 ones in `fixtures/proofs/v1/` are frozen: they are what an earlier release wrote.

mod common;

use std::path::PathBuf;

use ff::Field;
use zkliq_circuits::batch::{BatchShape, BatchWitness, SlotClaim};
use zkliq_circuits::commitment::{account_commitment, market_commitment};
use zkliq_circuits::health::reference;
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
use zkliq_circuits::{Account, Asset, Fp, Market, PriceRound, proof};
use zkliq_verifier::{
    Context, EnvelopeError, Round, StateProofEnvelope, StateRoot, Verdict, Verifier, VerifyError,
};

/// A small state: the aave scenario accounts at leaves 40.., the rest empty.
struct Scene {
    market: Market,
    prices: PriceRound,
    accounts: Vec<Account>,
    store: MemoryStore,
    empty: EmptyTree,
    /// The published root.
    root: Fp,
}

const FIRST_LEAF: u64 = 40;

fn scene(tree: TreeSpec) -> Scene {
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
    let empty = EmptyTree::new(market.shape(), tree);
    let mut store = MemoryStore::default();
    let leaves = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (FIRST_LEAF + i as u64, account_commitment(&market, a)));
    let tree_root = tree::update(&mut store, &empty, leaves).unwrap();
    Scene {
        root: tree.publish(market_commitment(&market), tree_root),
        market,
        prices: crash,
        accounts,
        store,
        empty,
    }
}

fn round(scene: &Scene) -> Round {
    Round::new(scene.market.clone(), scene.prices.clone()).unwrap()
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

/// The witness of subtree `subtree` of height `height` of the scene, claiming the truth about
/// every occupied position.
fn witness(scene: &mut Scene, height: u32, subtree: u64) -> BatchWitness {
    let shape = BatchShape::in_tree(scene.market.shape(), height, scene.empty.spec()).unwrap();
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
            Some(a) => SlotClaim::Is(reference::evaluate(&scene.market, &scene.prices, a).claim()),
            None => SlotClaim::None,
        })
        .collect();
    let siblings = tree::path(&mut scene.store, &scene.empty, height, subtree).unwrap();
    BatchWitness::new(
        shape,
        &scene.market,
        &scene.prices,
        &accounts,
        &claims,
        subtree,
        siblings,
    )
}

fn prove(witness: BatchWitness) -> StateProofEnvelope {
    static STORE: std::sync::OnceLock<ParamsStore> = std::sync::OnceLock::new();
    let store = STORE.get_or_init(ParamsStore::in_memory);
    let instance = witness.instance().unwrap();
    let params = store.get(witness.shape.k()).unwrap();
    let key = ProverKey::build(&params, witness.shape).unwrap();
    let bytes = proof::prove_batch_witness(&params, &key, witness, &instance.to_column()).unwrap();
    StateProofEnvelope::new(key.verifier(), instance, bytes)
}

fn regenerate(scene: &mut Scene) {
    for (name, height, subtree) in STORED {
        let w = witness(scene, height, subtree);
        assert_eq!(w.instance().unwrap().root, scene.root);
        std::fs::write(path(name), prove(w).to_json()).unwrap();
    }
    std::fs::write(
        root_file(""),
        format!("{}\n", zkliq_verifier::to_hex(&scene.root)),
    )
    .unwrap();
}

/// The published root the stored proofs of `prefix` are against (for the CLI and CI).
fn root_file(prefix: &str) -> PathBuf {
    common::fixtures()
        .join("proofs")
        .join(format!("{prefix}state-root.txt"))
}

#[test]
fn the_stored_roots_are_the_scenes() {
    for (tree, prefix) in [(TreeSpec::DEFAULT, ""), (TreeSpec::LEGACY, "v1/")] {
        let text = std::fs::read_to_string(root_file(prefix)).unwrap();
        assert_eq!(
            zkliq_verifier::from_hex(text.trim()).unwrap(),
            scene(tree).root,
            "{prefix}state-root.txt"
        );
    }
}

fn stored(prefix: &str) -> Vec<StateProofEnvelope> {
    STORED
        .iter()
        .map(|(name, ..)| {
            let name = format!("{prefix}{name}");
            let bytes = std::fs::read(path(&name)).unwrap_or_else(|e| {
                panic!("{name}: {e} (regenerate with ZKLIQ_REGENERATE_FIXTURES=1)")
            });
            StateProofEnvelope::from_json(&bytes).unwrap()
        })
        .collect()
}

fn verifier() -> &'static Verifier {
    static V: std::sync::OnceLock<Verifier> = std::sync::OnceLock::new();
    V.get_or_init(Verifier::new)
}

#[test]
fn stored_state_proofs_verify_against_the_scene() {
    let mut scene = scene(TreeSpec::DEFAULT);
    if std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some() {
        regenerate(&mut scene);
    }
    let round = round(&scene);
    for envelope in stored("") {
        assert_eq!(
            StateProofEnvelope::from_json(envelope.to_json().as_bytes()).unwrap(),
            envelope
        );
        assert!(
            envelope
                .to_json()
                .contains("\"format\": \"zkliq-state-proof/2\"")
        );
        let verified = verifier()
            .verify_state(&envelope, &round, scene.root)
            .unwrap();
        assert!(verified.root_binds_market());
        assert!(!verified.claims().is_empty());
        for c in verified.claims() {
            let account = &scene.accounts[(c.leaf - FIRST_LEAF) as usize];
            assert_eq!(
                c.claim,
                reference::evaluate(&scene.market, &scene.prices, account).claim()
            );
        }
        assert!(matches!(
            verifier().verify_state(&envelope, &round, scene.root + Fp::ONE),
            Err(VerifyError::RootMismatch { .. })
        ));
    }
}

#[test]
fn legacy_format_1_proofs_still_verify_with_their_root() {
    let scene = scene(TreeSpec::LEGACY);
    let round = round(&scene);
    for envelope in stored("v1/") {
        assert!(envelope.shape.is_legacy());
        // The file round-trips byte for byte: nothing about format 1 changed.
        let name = if envelope.shape.positions() == 8 {
            "v1/state-batch-8"
        } else {
            "v1/state-member"
        };
        assert_eq!(
            envelope.to_json().as_bytes(),
            std::fs::read(path(name)).unwrap().as_slice()
        );
        let verified = verifier()
            .verify_state(&envelope, &round, scene.root)
            .unwrap();
        assert!(!verified.root_binds_market());
        assert_eq!(verified.depth(), 32);
        for c in verified.claims() {
            let account = &scene.accounts[(c.leaf - FIRST_LEAF) as usize];
            assert_eq!(
                c.claim,
                reference::evaluate(&scene.market, &scene.prices, account).claim()
            );
        }
        // Through the any-kind entry point too, with the root required.
        let bytes = std::fs::read(path(name)).unwrap();
        assert!(matches!(
            verifier().verify(&bytes, &Context::new(&round)),
            Err(VerifyError::MissingContext { what: "root", .. })
        ));
        assert!(matches!(
            verifier().verify(&bytes, &Context::new(&round).root(scene.root)),
            Ok(Verdict::State(_))
        ));
    }
}

/// The same weights for every asset: a market of the aave shape with other rules.
fn other_market(m: &Market) -> Market {
    let assets: Vec<Asset> = m
        .assets()
        .iter()
        .map(|a| Asset {
            weight_bps: 10_000,
            ..a.clone()
        })
        .collect();
    Market::new("invented", 1, assets).unwrap()
}

#[test]
fn a_format_2_root_binds_its_market_and_a_legacy_root_does_not() {
    for tree in [TreeSpec::DEFAULT, TreeSpec::LEGACY] {
        let mut scene = scene(tree);
        let honest_root = scene.root;
        // Reinterpret the operator's balances under an invented market of the same shape.
        let invented = other_market(&scene.market);
        let prices = PriceRound::new(
            &invented,
            scene.prices.round(),
            scene.prices.timestamp(),
            scene.prices.decimals(),
            scene.prices.prices().to_vec(),
        )
        .unwrap();
        scene.market = invented.clone();
        scene.prices = prices.clone();
        let envelope = prove(witness(&mut scene, 0, FIRST_LEAF + 1));
        let round = Round::new(invented, prices).unwrap();
        let result = verifier().verify_state(&envelope, &round, honest_root);
        match tree.format() {
            // The proof's root is H(invented market, tree root), not the published one.
            zkliq_circuits::tree::TreeFormat::V2 => assert!(
                matches!(result, Err(VerifyError::RootMismatch { .. })),
                "{result:?}"
            ),
            // Format 1 cannot tell: the reason format 2 exists.
            zkliq_circuits::tree::TreeFormat::V1 => {
                assert!(!result.unwrap().root_binds_market())
            }
        }
    }
}

#[test]
fn tampered_state_proofs_fail_with_their_own_error() {
    let scene = scene(TreeSpec::DEFAULT);
    let round = round(&scene);
    let root = scene.root;
    let verifier = verifier();
    let batch = &stored("")[0];
    let mut e = batch.clone();
    e.fingerprint.0[3] ^= 1;
    assert!(matches!(
        verifier.verify_state(&e, &round, root),
        Err(VerifyError::FingerprintMismatch { .. })
    ));
    let mut e = batch.clone();
    e.proof.push(1);
    assert!(matches!(
        verifier.verify_state(&e, &round, root),
        Err(VerifyError::Length { .. })
    ));
    let mut e = batch.clone();
    e.instance.root += Fp::ONE;
    assert!(matches!(
        verifier.verify_state(&e, &round, e.instance.root),
        Err(VerifyError::Invalid)
    ));

    // Dropping a claim, or adding one, changes the public inputs.
    let text = batch.to_json();
    let dropped = text.replacen("\"claim\": \"liquidatable\"", "\"claim\": \"healthy\"", 1);
    assert_ne!(dropped, text);
    let e = StateProofEnvelope::from_json(dropped.as_bytes()).unwrap();
    assert!(matches!(
        verifier.verify_state(&e, &round, root),
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
        bad("zkliq-state-proof/2", "zkliq-proof/1"),
        EnvelopeError::WrongKind { .. }
    ));
    assert!(matches!(
        bad("zkliq-state-proof/2", "zkliq-state-proof/9"),
        EnvelopeError::Format { .. }
    ));
    // Format 2 needs a depth; format 1 must not have one.
    assert!(matches!(
        bad("\"depth\": 32", "\"depth\": 33"),
        EnvelopeError::Field { field: "depth", .. }
    ));
    assert!(matches!(
        bad("zkliq-state-proof/2", "zkliq-state-proof/1"),
        EnvelopeError::Field { field: "depth", .. }
    ));
    // A health-proof reader names the right call for a state proof.
    let err = zkliq_verifier::ProofEnvelope::from_json(text.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("Verifier::verify_state"), "{err}");

    // Many at once: the bad ones are named.
    let mut many: Vec<StateProofEnvelope> = (0..3).flat_map(|_| stored("")).collect();
    many[2].instance.price_commitment += Fp::ONE;
    many[5].proof[7] ^= 0x10;
    let report = verifier.verify_state_batch(&many, &round, root);
    assert_eq!(
        report.failures().map(|(i, _)| i).collect::<Vec<_>>(),
        vec![2, 5]
    );
    assert!(matches!(
        report.results[2],
        Err(VerifyError::PricesMismatch { .. })
    ));
    assert!(matches!(report.results[5], Err(VerifyError::Invalid)));
}

#[test]
fn a_claim_outside_the_batch_is_rejected_by_the_parser_not_trusted() {
    // Claims name leaves; the instance maps them to positions. A claim about a leaf outside the
    // batch cannot be represented.
    let text = stored("")[0].to_json();
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
        static SCENE: std::sync::OnceLock<(Round, Fp)> = std::sync::OnceLock::new();
        let (round, root) = SCENE.get_or_init(|| {
            let scene = scene(TreeSpec::DEFAULT);
            (self::round(&scene), scene.root)
        });
        let original = stored("").remove(1);
        let mut bytes = original.to_json().into_bytes();
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        let same = StateProofEnvelope::from_json(&bytes).ok().as_ref() == Some(&original);
        let context = Context::new(round).root(*root);
        proptest::prop_assert_eq!(verifier().verify(&bytes, &context).is_ok(), same);
    }
}

#[test]
fn a_state_of_another_depth_proves_and_its_depth_is_checked_first() {
    let mut scene = scene(TreeSpec::v2(10).unwrap());
    let round = round(&scene);
    for (height, subtree) in [(0, FIRST_LEAF + 2), (3, FIRST_LEAF >> 3)] {
        let envelope = prove(witness(&mut scene, height, subtree));
        assert_eq!(envelope.shape.tree.depth(), 10);
        let text = envelope.to_json();
        assert!(text.contains("\"depth\": 10"), "{text}");
        let parsed = StateProofEnvelope::from_json(text.as_bytes()).unwrap();
        let root = StateRoot::new(scene.root).with_depth(10);
        let verdict = verifier().verify_state(&parsed, &round, root).unwrap();
        assert_eq!(verdict.depth(), 10);
        assert!(verdict.root_binds_market());
        // The root's depth defaults to 32: a proof of another depth is refused before any key
        // for it is built.
        assert!(matches!(
            verifier().verify_state(&parsed, &round, scene.root),
            Err(VerifyError::DepthMismatch {
                expected: 32,
                found: 10
            })
        ));
        assert!(matches!(
            verifier().verify(text.as_bytes(), &Context::new(&round).root(root)),
            Ok(Verdict::State(_))
        ));
    }
}

#[test]
fn context_that_does_not_apply_is_refused_not_ignored() {
    let scene = scene(TreeSpec::DEFAULT);
    let round = round(&scene);
    let state = std::fs::read(path("state-member")).unwrap();
    let err = verifier()
        .verify(
            &state,
            &Context::new(&round).root(scene.root).account(Fp::from(5)),
        )
        .unwrap_err();
    assert!(matches!(err, VerifyError::UnusedContext { .. }), "{err}");
    let health = std::fs::read(common::stored_proof_path("aave-leveraged-crash")).unwrap();
    let err = verifier()
        .verify(&health, &Context::new(&round).root(scene.root))
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::UnusedContext { what: "root", .. }),
        "{err}"
    );
    // Without the root it verifies.
    verifier().verify(&health, &Context::new(&round)).unwrap();
}
