//! The perturbation test of every circuit: add 1 to each assigned advice cell in turn, and the
//! MockProver must reject the witness every time. CI perturbs a seeded sample of cells per
//! circuit (always the first and the last); `ZKLIQ_PERTURB_ALL=1` perturbs every cell.

mod common;

use std::time::Instant;

use common::{batch_witness, perturb, vector};
use zkliq_circuits::batch::BatchCircuit;
use zkliq_circuits::health::reference;
use zkliq_circuits::{Account, Claim, HealthCircuit, HealthWitness, Market, PriceRound};

fn report(name: &str, started: Instant, (cells, perturbed): (usize, usize)) {
    eprintln!(
        "{name}: {perturbed} of {cells} advice cells perturbed, every one rejected ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn health_circuits() {
    let read = |rel: &str| std::fs::read_to_string(common::fixtures().join(rel)).unwrap();
    let perp = || {
        let market = Market::from_json(&read("markets/perp-16.json")).unwrap();
        let prices = PriceRound::from_json(&read("prices/perp-16-crash.json"), &market).unwrap();
        let account = Account::from_json(&read("accounts/perp-basket.json"), &market).unwrap();
        (market, prices, account)
    };
    for (m, inputs, sample) in [
        (
            "maker1",
            vector("maker1", "maker1-crash", "maker1-rand0"),
            300,
        ),
        ("aave4", vector("aave4", "aave4-crash", "aave4-rand3"), 300),
        (
            "cross8",
            vector("cross8", "cross8-calm", "cross8-rand2"),
            150,
        ),
        ("perp16", perp(), 120),
    ] {
        let (market, prices, account) = inputs;
        let claim = reference::evaluate(&market, &prices, &account).claim();
        let w = HealthWitness::new(&market, &prices, &account, claim);
        let started = Instant::now();
        let result = perturb::check(
            &format!("health {m}"),
            w.shape.k(),
            &HealthCircuit::new(w.clone()),
            &w.public_inputs(),
            sample,
        );
        report(&format!("health, {}", w.shape), started, result);
    }
}

/// A 4-asset batch of `2^height` positions, the last fifth of them empty, with true claims.
fn batch(height: u32) -> zkliq_circuits::batch::BatchWitness {
    let (market, prices, _) = vector("aave4", "aave4-crash", "aave4-rand0");
    let accounts: Vec<Option<Account>> = (0..1usize << height)
        .map(|i| {
            (i % 5 != 4).then(|| vector("aave4", "aave4-crash", &format!("aave4-rand{}", i % 14)).2)
        })
        .collect();
    let w = batch_witness(&market, &prices, &accounts, None, height, 3);
    assert!(
        w.claimed
            .iter()
            .zip(&w.slots)
            .any(|(e, s)| *e == ff::Field::ONE && s.claim == Claim::Liquidatable.to_field())
            || height == 0
    );
    w
}

#[test]
fn membership_and_batch_circuits() {
    for (height, sample) in [(0, 250), (3, 60), (5, 12), (7, 4)] {
        let w = batch(height);
        let started = Instant::now();
        let result = perturb::check(
            &format!("{}", w.shape),
            w.shape.k(),
            &BatchCircuit::new(w.clone()),
            &w.public_inputs(),
            sample,
        );
        report(&format!("{}", w.shape), started, result);
    }
}

/// The same checks for a state of another depth, and for the frozen format-1 circuit that
/// still verifies proofs of earlier releases.
#[test]
fn other_depths_and_the_legacy_circuit() {
    use zkliq_circuits::batch::BatchShape;
    use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
    let (market, prices, account) = vector("aave4", "aave4-crash", "aave4-rand5");
    for (tree_spec, sample) in [(TreeSpec::v2(10).unwrap(), 120), (TreeSpec::LEGACY, 60)] {
        let shape = BatchShape::in_tree(market.shape(), 0, tree_spec).unwrap();
        let empty = EmptyTree::new(market.shape(), tree_spec);
        let mut store = MemoryStore::default();
        let leaf = zkliq_circuits::commitment::account_commitment(&market, &account);
        tree::update(&mut store, &empty, [(9, leaf), (3, ff::Field::ONE)]).unwrap();
        let siblings = tree::path(&mut store, &empty, 0, 9).unwrap();
        let claim = reference::evaluate(&market, &prices, &account).claim();
        let w = zkliq_circuits::batch::BatchWitness::new(
            shape,
            &market,
            &prices,
            &[Some(&account)],
            &[zkliq_circuits::batch::SlotClaim::Is(claim)],
            9,
            siblings,
        );
        let started = Instant::now();
        let result = perturb::check(
            &format!("{shape}"),
            shape.k(),
            &BatchCircuit::new(w.clone()),
            &w.public_inputs(),
            sample,
        );
        report(&format!("{shape}"), started, result);
    }
}

#[test]
fn liquidation_circuits() {
    use zkliq_circuits::liquidation::LiquidationCircuit;
    let all = common::liquidation::cases();
    // A capped and an uncapped case (different branches assign different cells), and a
    // depth-32 tree.
    let mut picked = Vec::new();
    for (depth, sample, capped) in [(8, 120, true), (8, 120, false), (32, 30, true)] {
        let (w, _) = all
            .iter()
            .filter(|c| c.result == "ok")
            .map(|c| common::liquidation::witness(c, depth))
            .find(|(_, q)| q.capped == capped)
            .unwrap();
        picked.push((w, sample));
    }
    for (w, sample) in picked {
        let started = Instant::now();
        let result = perturb::check(
            &format!("{}", w.shape),
            w.shape.k(),
            &LiquidationCircuit::new(w.clone()),
            &w.public_inputs(),
            sample,
        );
        report(&format!("{}", w.shape), started, result);
    }
}

/// The report-piece circuit in layout 2: a sample of all its cells, and a larger sample of the
/// cells of the report's own regions (flags, buckets, edge comparisons, running sums, the books
/// and their commitments' inputs, edges, the rest-empty rows).
#[test]
fn report_circuit() {
    use zkliq_circuits::report::{ReportCircuitV2, ReportLayout};
    let pieces = scene_pieces(true);
    let w = &pieces[0];
    assert_eq!(w.shape.layout, ReportLayout::V2);
    let circuit = ReportCircuitV2::new(w.clone());
    let started = Instant::now();
    let result = perturb::check_regions(
        &format!("{}", w.shape),
        w.shape.k(),
        &circuit,
        &w.public_inputs(),
        &[
            "nonzero",
            "bucket",
            "edge comparison",
            "add ",
            "rest empty",
            "book in",
            "book out",
            "edges and last",
            "constant",
        ],
        120,
    );
    report(
        &format!("{}, the report's regions", w.shape),
        started,
        result,
    );
    let w = &pieces[1];
    all_regions(w, &ReportCircuitV2::new(w.clone()));
}

/// The report-piece circuit in layout 1: a sample of all its cells.
#[test]
fn report_circuit_layout_1() {
    use zkliq_circuits::report::{ReportCircuitV1, ReportLayout};
    let pieces = scene_pieces(true);
    let w = common::in_layout(&pieces[1], ReportLayout::V1);
    all_regions(&w, &ReportCircuitV1::new(w.clone()));
}

/// The pieces of the report scene (one account in every bucket; with `second`, one more account
/// in a second piece), in a depth-8 tree.
fn scene_pieces(second: bool) -> Vec<zkliq_circuits::report::ReportWitness> {
    let (market, prices, mut accounts) = common::report_scene();
    if second {
        accounts.push(Some(vector("aave4", "aave4-calm", "aave4-rand1").2));
    }
    let edges = zkliq_circuits::report::BucketEdges::default_edges();
    common::report_pieces(&market, &prices, &edges, &accounts, 8)
}

/// A sample of all the cells of a report piece's circuit (any layout).
fn all_regions<C: halo2_proofs::plonk::Circuit<zkliq_circuits::Fp> + Clone>(
    w: &zkliq_circuits::report::ReportWitness,
    circuit: &C,
) {
    let started = Instant::now();
    let result = perturb::check(
        &format!("{}", w.shape),
        w.shape.k(),
        circuit,
        &w.public_inputs(),
        40,
    );
    report(&format!("{}, all regions", w.shape), started, result);
}

/// The report-piece circuit's layout 2, on its own columns: the cells of the second Poseidon
/// lane `b0..b3` (the account commitments) and of the second lookup column `a5`.
#[test]
fn report_circuit_layout_2_columns() {
    use zkliq_circuits::report::ReportCircuitV2;
    let pieces = scene_pieces(false);
    let w = &pieces[0];
    let started = Instant::now();
    // In creation order after a0..a4: b0..b3 are 5..=8, a5 is 9.
    let result = perturb::check_columns(
        &format!("{}", w.shape),
        w.shape.k(),
        &ReportCircuitV2::new(w.clone()),
        &w.public_inputs(),
        &[5, 6, 7, 8, 9],
        60,
    );
    report(
        &format!("{}, lane b0..b3 and column a5", w.shape),
        started,
        result,
    );
}

/// The report-piece circuit's layout 3: a sample of all its cells, and of the cells of its third
/// Poseidon lane `c0..c3` (the odd positions' account commitments) and of its third lookup
/// column `a6`, each of which must hold cells.
#[test]
fn report_circuit_layout_3() {
    use zkliq_circuits::report::{ReportCircuitV3, ReportLayout};
    let pieces = scene_pieces(true);
    let w = common::in_layout(&pieces[1], ReportLayout::V3);
    all_regions(&w, &ReportCircuitV3::new(w.clone()));
    let w = common::in_layout(&scene_pieces(false)[0], ReportLayout::V3);
    // In creation order: a0..a4 are 0..=4, layout 2's b0..b3 and a5 are 5..=9, then c0..c3 are
    // 10..=13 and a6 is 14.
    for (columns, name) in [
        (&[10, 11, 12, 13][..], "lane c0..c3"),
        (&[14][..], "column a6"),
    ] {
        let started = Instant::now();
        let result = perturb::check_columns(
            &format!("{}", w.shape),
            w.shape.k(),
            &ReportCircuitV3::new(w.clone()),
            &w.public_inputs(),
            columns,
            30,
        );
        assert!(result.0 > 0, "no cells on {name}");
        report(&format!("{}, {name}", w.shape), started, result);
    }
}
