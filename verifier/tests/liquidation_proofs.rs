//! Stored liquidation proofs: a chain of two liquidations of the 40-account state of
//! `fixtures/state/accounts.jsonl` under `markets/aave-v3-4-liquidation.json` at the crash
//! round. They keep verifying (old proof files stay valid), their roots are the ones the scene
//! computes, and every piece of context is checked: the old root, the liquidator, the market,
//! the round, the depth, and the order and completeness of a chain.
//!
//! Regenerate on purpose with `ZKLIQ_REGENERATE_FIXTURES=1`.

mod common;

use std::path::PathBuf;

use ff::PrimeField;
use zkliq_circuits::commitment::{account_commitment, market_commitment};
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::liquidation::{LiquidationShape, LiquidationWitness, default_request, quote};
use zkliq_circuits::proof;
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
use zkliq_circuits::{Account, Claim, Fp, Market, PriceRound};
use zkliq_verifier::{
    Context, LiquidationProofEnvelope, Round, StateRoot, Verdict, Verifier, VerifyError,
};

/// The stored links, in chain order.
const LINKS: [&str; 2] = ["liquidation-1", "liquidation-2"];

/// One link of the scene: which account, and the root after.
struct Link {
    leaf: u64,
    account: Account,
    new_account: Account,
    new_root: Fp,
}

struct Scene {
    market: Market,
    prices: PriceRound,
    /// The published root before the first liquidation.
    root: Fp,
    links: Vec<Link>,
    /// The liquidation witnesses (to regenerate the proofs).
    witnesses: Vec<LiquidationWitness>,
}

fn liquidator() -> Fp {
    zkliq_verifier::from_hex("0x000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045")
        .unwrap()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::fixtures().join(rel)).unwrap()
}

/// The scene: the state, and the first two liquidatable accounts liquidated in leaf order by
/// the keeper's default request, each under a fixed new salt.
fn scene() -> Scene {
    let market = Market::from_json(&read("markets/aave-v3-4-liquidation.json")).unwrap();
    let prices = PriceRound::from_json(&read("prices/aave-v3-4-crash.json"), &market).unwrap();
    let accounts: Vec<Account> = read("state/accounts.jsonl")
        .lines()
        .map(|line| Account::from_json_line(line, &market).unwrap().1)
        .collect();
    let spec = TreeSpec::DEFAULT;
    let empty = EmptyTree::new(market.shape(), spec);
    let mut store = MemoryStore::default();
    let leaves = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (i as u64, account_commitment(&market, a)));
    let tree_root = tree::update(&mut store, &empty, leaves).unwrap();
    let publish = |tree_root| spec.publish(market_commitment(&market), tree_root);
    let root = publish(tree_root);
    let shape = LiquidationShape::new(market.shape(), spec).unwrap();
    let mut links = Vec::new();
    let mut witnesses = Vec::new();
    for (leaf, account) in accounts.iter().enumerate() {
        if links.len() == LINKS.len() {
            break;
        }
        let valuation = zkliq_circuits::health::reference::evaluate(&market, &prices, account);
        if valuation.claim() != Claim::Liquidatable {
            continue;
        }
        let request = default_request(&market, &prices, account).unwrap();
        let leaf = leaf as u64;
        let salt = Fp::from_u128(u128::MAX) * Fp::from(leaf + 1_000);
        let siblings = tree::path(&mut store, &empty, 0, leaf).unwrap();
        let (w, q) = LiquidationWitness::new(
            shape,
            &market,
            &prices,
            account,
            request,
            salt,
            liquidator(),
            leaf,
            siblings,
        )
        .unwrap();
        assert_eq!(q, quote(&market, &prices, account, request).unwrap());
        let new_account = Account::new(&market, salt, q.new_collateral, q.new_debt).unwrap();
        let new_tree_root = tree::update(
            &mut store,
            &empty,
            [(leaf, account_commitment(&market, &new_account))],
        )
        .unwrap();
        links.push(Link {
            leaf,
            account: account.clone(),
            new_account,
            new_root: publish(new_tree_root),
        });
        witnesses.push(w);
    }
    Scene {
        market,
        prices,
        root,
        links,
        witnesses,
    }
}

fn path(name: &str) -> PathBuf {
    common::fixtures()
        .join("proofs")
        .join(format!("{name}.proof.json"))
}

fn root_file() -> PathBuf {
    common::fixtures()
        .join("proofs")
        .join("liquidation-root.txt")
}

fn regenerate(scene: &Scene) {
    let store = ParamsStore::in_memory();
    for (w, name) in scene.witnesses.iter().zip(LINKS) {
        let instance = w.instance().unwrap();
        let params = store.get(w.shape.k()).unwrap();
        let key = ProverKey::build(&params, w.shape).unwrap();
        let bytes =
            proof::prove_liquidation_witness(&params, &key, w.clone(), &instance.to_column())
                .unwrap();
        let envelope = LiquidationProofEnvelope::new(key.verifier(), instance, bytes);
        std::fs::write(path(name), envelope.to_json()).unwrap();
    }
    std::fs::write(
        root_file(),
        format!("{}\n", zkliq_verifier::to_hex(&scene.root)),
    )
    .unwrap();
}

fn stored() -> Vec<LiquidationProofEnvelope> {
    LINKS
        .iter()
        .map(|name| {
            let bytes = std::fs::read(path(name)).unwrap_or_else(|e| {
                panic!("{name}: {e} (regenerate with ZKLIQ_REGENERATE_FIXTURES=1)")
            });
            LiquidationProofEnvelope::from_json(&bytes).unwrap()
        })
        .collect()
}

fn verifier() -> &'static Verifier {
    static V: std::sync::OnceLock<Verifier> = std::sync::OnceLock::new();
    V.get_or_init(Verifier::new)
}

fn round(scene: &Scene) -> Round {
    Round::new(scene.market.clone(), scene.prices.clone()).unwrap()
}

#[test]
fn stored_liquidations_verify_with_the_scenes_roots_and_amounts() {
    let scene = scene();
    if std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some() {
        regenerate(&scene);
    }
    let text = std::fs::read_to_string(root_file()).unwrap();
    assert_eq!(
        zkliq_verifier::from_hex(text.trim()).unwrap(),
        scene.root,
        "liquidation-root.txt"
    );
    let round = round(&scene);
    let mut root = scene.root;
    for (envelope, link) in stored().iter().zip(&scene.links) {
        assert_eq!(
            LiquidationProofEnvelope::from_json(envelope.to_json().as_bytes()).unwrap(),
            *envelope
        );
        let v = verifier()
            .verify_liquidation(envelope, &round, root, Some(liquidator()))
            .unwrap();
        let request = default_request(&scene.market, &scene.prices, &link.account).unwrap();
        let q = quote(&scene.market, &scene.prices, &link.account, request).unwrap();
        assert_eq!(v.leaf(), link.leaf);
        assert_eq!(v.new_root(), link.new_root);
        assert_eq!(
            (v.repaid(), v.seized(), v.to_liquidator(), v.fee()),
            (q.repaid, q.seized, q.to_liquidator, q.fee)
        );
        let symbols = |i: usize| scene.market.assets()[i].symbol.as_str();
        assert_eq!(
            v.assets(),
            (symbols(request.debt), symbols(request.collateral))
        );
        assert!(v.liquidator_checked());
        assert_eq!(
            link.new_account.debt()[request.debt],
            q.new_debt[request.debt]
        );
        // The same through the any-kind entry point.
        let verdict = verifier()
            .verify(
                envelope.to_json().as_bytes(),
                &Context::new(&round).root(root).liquidator(liquidator()),
            )
            .unwrap();
        assert_eq!(verdict, Verdict::Liquidation(v));
        root = link.new_root;
    }
    let chain = verifier().verify_liquidation_chain(&stored(), &round, scene.root, None);
    assert!(chain.all_valid(), "{:?}", chain.results);
}

#[test]
fn a_missing_reordered_or_altered_link_breaks_the_chain() {
    let scene = scene();
    let round = round(&scene);
    let [first, second] = <[_; 2]>::try_from(stored()).unwrap();
    let chain = |links: &[LiquidationProofEnvelope]| {
        verifier()
            .verify_liquidation_chain(links, &round, scene.root, Some(liquidator()))
            .results
    };
    // Missing the first link: the second does not start from the given root.
    let missing = chain(std::slice::from_ref(&second));
    assert!(matches!(missing[0], Err(VerifyError::RootMismatch { .. })));
    // Reordered.
    let reordered = chain(&[second.clone(), first.clone()]);
    assert!(matches!(
        reordered[0],
        Err(VerifyError::RootMismatch { .. })
    ));
    // The first link, second: it does not start from the second's new root either.
    assert!(matches!(
        reordered[1],
        Err(VerifyError::RootMismatch { .. })
    ));
    // The first link's amounts altered: it does not verify, and the second rests on it.
    let mut altered = first.clone();
    altered.instance.seized += 1;
    let results = chain(&[altered, second.clone()]);
    assert!(matches!(results[0], Err(VerifyError::Invalid)));
    assert!(matches!(
        results[1],
        Err(VerifyError::BrokenChain { failed: 0 })
    ));
    // The first link's new root altered to another value: same.
    let mut moved = first.clone();
    moved.instance.new_root += Fp::one();
    let results = chain(&[moved, second]);
    assert!(results[0].is_err());
    assert!(results[1].is_err());
}

#[test]
fn every_piece_of_context_is_checked() {
    let scene = scene();
    let round = round(&scene);
    let first = &stored()[0];
    let verify = |round: &Round, root: StateRoot, liquidator: Option<Fp>| {
        verifier().verify_liquidation(first, round, root, liquidator)
    };
    let root = StateRoot::new(scene.root);
    assert!(verify(&round, root, None).is_ok());
    assert!(matches!(
        verify(&round, root, Some(liquidator() + Fp::one())),
        Err(VerifyError::LiquidatorMismatch { .. })
    ));
    // Replayed against the root it produced.
    assert!(matches!(
        verify(&round, StateRoot::new(scene.links[0].new_root), None),
        Err(VerifyError::RootMismatch { .. })
    ));
    assert!(matches!(
        verify(&round, root.with_depth(20), None),
        Err(VerifyError::DepthMismatch { .. })
    ));
    // The same assets without the liquidation rules: another market commitment.
    let plain = Market::from_json(&read("markets/aave-v3-4.json")).unwrap();
    let plain_round = Round::new(plain, scene.prices.clone()).unwrap();
    assert!(matches!(
        verify(&plain_round, root, None),
        Err(VerifyError::MarketMismatch { .. })
    ));
    let calm = PriceRound::from_json(&read("prices/aave-v3-4-calm.json"), &scene.market).unwrap();
    let calm_round = Round::new(scene.market.clone(), calm).unwrap();
    assert!(matches!(
        verify(&calm_round, root, None),
        Err(VerifyError::PricesMismatch { .. })
    ));
    let bytes = first.to_json();
    let context = Context::new(&round);
    assert!(matches!(
        verifier().verify(bytes.as_bytes(), &context),
        Err(VerifyError::MissingContext { what: "root", .. })
    ));
    assert!(matches!(
        verifier().verify(
            bytes.as_bytes(),
            &context.clone().root(root).account(Fp::one())
        ),
        Err(VerifyError::UnusedContext { .. })
    ));
    // A liquidator given for a health proof is refused, not ignored.
    let health = std::fs::read(common::stored_proof_path("aave-leveraged-crash")).unwrap();
    let aave = common::scenarios()
        .into_iter()
        .find(|s| s.name == "aave-leveraged-crash")
        .unwrap();
    let health_round = Round::new(aave.market, aave.prices).unwrap();
    assert!(matches!(
        verifier().verify(
            &health,
            &Context::new(&health_round).liquidator(liquidator())
        ),
        Err(VerifyError::UnusedContext {
            what: "liquidator",
            ..
        })
    ));
}
