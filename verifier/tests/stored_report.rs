//! The stored round reports (the 40 accounts of `fixtures/state` in a depth-8 tree, crash round,
//! pieces of 8) in `fixtures/proofs/report/` (circuit layout 1, format `zkliq-report-piece/1`)
//! and `fixtures/proofs/report-v2/` (layout 2) still verify with their figures, also mixed, and
//! mutated piece and report files never panic the verifier and are never accepted changed.
//! Regenerate layout 2's on purpose with `ZKLIQ_REGENERATE_FIXTURES=1 cargo test --release -p
//! zkliq-verifier --test stored_report`; layout 1's files are never regenerated: they are what
//! shows that proofs of its release keep verifying.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use zkliq_circuits::batch::BatchShape;
use zkliq_circuits::commitment::account_commitment;
use zkliq_circuits::field::Fp;
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::proof;
use zkliq_circuits::report::{
    Book, BucketEdges, ReportInstance, ReportLayout, ReportShape, ReportWitness, reference,
};
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
use zkliq_circuits::{Account, Market, PriceRound};
use zkliq_verifier::{ReportFile, ReportPieceEnvelope, Round, StateRoot, Verifier, from_hex};

const DEPTH: u32 = 8;

const LAYOUTS: [ReportLayout; 2] = [ReportLayout::V1, ReportLayout::V2];

fn dir(layout: ReportLayout) -> PathBuf {
    common::fixtures().join(match layout {
        ReportLayout::V1 => "proofs/report",
        ReportLayout::V2 => "proofs/report-v2",
    })
}

fn inputs() -> (Market, PriceRound, Vec<Account>) {
    let read = |rel: &str| std::fs::read_to_string(common::fixtures().join(rel)).unwrap();
    let market = Market::from_json(&read("markets/aave-v3-4-liquidation.json")).unwrap();
    let prices = PriceRound::from_json(&read("prices/aave-v3-4-crash.json"), &market).unwrap();
    let accounts = read("state/accounts.jsonl")
        .lines()
        .map(|l| Account::from_json_line(l, &market).unwrap().1)
        .collect();
    (market, prices, accounts)
}

fn regenerate(layout: ReportLayout) {
    let (market, prices, accounts) = inputs();
    let spec = TreeSpec::v2(DEPTH).unwrap();
    let edges = BucketEdges::default_edges();
    let shape = ReportShape::new(
        BatchShape::in_tree(market.shape(), 3, spec).unwrap(),
        edges.len(),
    )
    .unwrap()
    .with_layout(layout);
    let empty = EmptyTree::new(market.shape(), spec);
    let mut store = MemoryStore::default();
    let leaves = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (i as u64, account_commitment(&market, a)));
    let tree_root = tree::update(&mut store, &empty, leaves).unwrap();
    let params = ParamsStore::in_memory().get(shape.k()).unwrap();
    let key = ProverKey::build(&params, shape).unwrap();
    let pieces = accounts.len().div_ceil(8) as u64;
    // Fixed blinds keep the fixture reproducible; they hide nothing here (the accounts are
    // public fixtures). `zkliq report` derives its blinds from a random private seed.
    let blind = |i: u64| Fp::from(0x5eed_0000 + i) * Fp::from(0x9e37_79b9_7f4a_7c15);
    let mut book = Book::empty(market.shape().assets(), edges.len());
    std::fs::create_dir_all(dir(layout)).unwrap();
    for i in 0..pieces {
        let refs: Vec<Option<&Account>> =
            (0..8).map(|j| accounts.get((8 * i + j) as usize)).collect();
        let siblings = tree::path(&mut store, &empty, 3, i).unwrap();
        let w = ReportWitness::new(
            shape,
            &market,
            &prices,
            &edges,
            &refs,
            i,
            siblings,
            &book,
            [blind(i), blind(i + 1)],
            i + 1 == pieces,
        );
        let column = w.public_inputs();
        book = Book::from_fields(w.book_out(), market.shape().assets(), edges.len()).unwrap();
        let bytes = proof::prove_report_witness(&params, &key, w, &column).unwrap();
        let envelope = ReportPieceEnvelope::new(
            key.verifier(),
            ReportInstance::from_column(shape, &column).unwrap(),
            bytes,
        );
        std::fs::write(
            dir(layout).join(format!("piece-{i:06}.proof.json")),
            envelope.to_json(),
        )
        .unwrap();
    }
    let report = ReportFile {
        depth: DEPTH,
        positions: 8,
        pieces,
        edges,
        first_blind: blind(0),
        last_blind: blind(pieces),
        book,
    };
    std::fs::write(dir(layout).join("report.json"), report.to_json()).unwrap();
    let root = spec.publish(
        zkliq_circuits::commitment::market_commitment(&market),
        tree_root,
    );
    std::fs::write(
        dir(layout).join("root.txt"),
        format!("{}\n", zkliq_circuits::field::to_hex(&root)),
    )
    .unwrap();
}

fn stored(layout: ReportLayout) -> (Vec<Vec<u8>>, Vec<u8>, Round, StateRoot) {
    let (market, prices, _) = inputs();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir(layout))
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (regenerate with ZKLIQ_REGENERATE_FIXTURES=1)",
                dir(layout).display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".proof.json"))
        .collect();
    paths.sort();
    let pieces = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let report = std::fs::read(dir(layout).join("report.json")).unwrap();
    let root = from_hex(
        std::fs::read_to_string(dir(layout).join("root.txt"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    (
        pieces,
        report,
        Round::new(market, prices).unwrap(),
        StateRoot::new(root).with_depth(DEPTH),
    )
}

fn verify(
    verifier: &Verifier,
    pieces: &[Vec<u8>],
    report: &[u8],
    round: &Round,
    root: StateRoot,
) -> Option<zkliq_verifier::ReportVerdict> {
    let pieces = pieces
        .iter()
        .map(|p| ReportPieceEnvelope::from_json(p).ok())
        .collect::<Option<Vec<_>>>()?;
    let report = ReportFile::from_json(report).ok()?;
    verifier.verify_report(&pieces, &report, round, root).ok()
}

#[test]
fn the_stored_reports_verify_with_the_reference_figures() {
    for layout in LAYOUTS {
        stored_report_verifies(layout);
    }
}

fn stored_report_verifies(layout: ReportLayout) {
    if layout == ReportLayout::V2 && std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some() {
        regenerate(layout);
    }
    let (pieces, report, round, root) = stored(layout);
    let format = format!("\"format\": \"zkliq-report-piece/{}\"", layout.number());
    assert!(
        pieces
            .iter()
            .all(|p| String::from_utf8_lossy(p).contains(&format))
    );
    let verdict = verify(&Verifier::new(), &pieces, &report, &round, root)
        .expect("the stored report verifies; if the circuit changed on purpose, regenerate with ZKLIQ_REGENERATE_FIXTURES=1");
    let (market, prices, accounts) = inputs();
    let (book, liquidatable) = reference::report(
        &market,
        &prices,
        &BucketEdges::default_edges(),
        accounts.iter().enumerate().map(|(i, a)| (i as u64, a)),
    );
    assert_eq!(verdict.book, book);
    assert_eq!(verdict.liquidatable, liquidatable);
    assert_eq!(verdict.pieces, 5);
    // A piece stating another k parses (parsing lays out no circuit) and is refused.
    let mut wrong = pieces.clone();
    let text = String::from_utf8(wrong[2].clone()).unwrap();
    let k = ReportPieceEnvelope::from_json(&wrong[2]).unwrap().k;
    wrong[2] = text
        .replacen(&format!("\"k\": {k}"), &format!("\"k\": {}", k + 1), 1)
        .into_bytes();
    assert_eq!(ReportPieceEnvelope::from_json(&wrong[2]).unwrap().k, k + 1);
    assert!(verify(&Verifier::new(), &wrong, &report, &round, root).is_none());
}

/// Both layouts prove the same statement: a report of layout-1 and layout-2 pieces verifies,
/// each piece under its own layout's key. A piece's proof labelled as the other layout (format,
/// `k` and fingerprint all of the other layout's piece) is refused.
#[test]
fn a_report_may_mix_layouts_but_a_piece_keeps_its_own() {
    let (v1, report, round, root) = stored(ReportLayout::V1);
    let (v2, report_v2, _, _) = stored(ReportLayout::V2);
    assert_eq!(report, report_v2, "the same blinds and book");
    let mixed: Vec<Vec<u8>> = v1[..2].iter().chain(&v2[2..]).cloned().collect();
    let verdict = verify(&Verifier::new(), &mixed, &report, &round, root).expect("mixed verifies");
    assert_eq!(verdict.pieces, 5);
    let report = ReportFile::from_json(&report).unwrap();
    for (proofs, labels) in [(&v2, &v1), (&v1, &v2)] {
        let parse = |bytes: &[u8]| ReportPieceEnvelope::from_json(bytes).unwrap();
        let mut pieces: Vec<ReportPieceEnvelope> = labels.iter().map(|p| parse(p)).collect();
        let (label, proof) = (parse(&labels[3]), parse(&proofs[3]));
        assert_ne!(label.instance.shape().layout, proof.instance.shape().layout);
        pieces[3] = ReportPieceEnvelope {
            proof: proof.proof,
            ..label
        };
        let refused = Verifier::new().verify_report(&pieces, &report, &round, root);
        assert!(
            matches!(
                refused,
                Err(zkliq_verifier::VerifyError::Report { piece: Some(3), .. })
            ),
            "a proof of the other layout was not refused for piece 3: {refused:?}"
        );
    }
}

/// A byte of a file changed, a piece dropped, duplicated or swapped: no panic, and nothing
/// accepted unless the parsed files are the originals.
#[test]
fn mutated_reports_never_panic_and_are_never_accepted_changed() {
    for layout in LAYOUTS {
        mutated_reports(layout);
    }
}

fn mutated_reports(layout: ReportLayout) {
    let (pieces, report, round, root) = stored(layout);
    let verifier = Verifier::new();
    let originals: Vec<ReportPieceEnvelope> = pieces
        .iter()
        .map(|p| ReportPieceEnvelope::from_json(p).unwrap())
        .collect();
    let original_report = ReportFile::from_json(&report).unwrap();
    let cases: usize = std::env::var("ZKLIQ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut rng = StdRng::seed_from_u64(0x7265_706f_7274);
    let mut accepted = 0;
    for case in 0..cases {
        let (mut p, mut r) = (pieces.clone(), report.clone());
        match rng.random_range(0..5) {
            0 => {
                let i = rng.random_range(0..r.len());
                r[i] = rng.random();
            }
            1 => {
                let k = rng.random_range(0..p.len());
                let i = rng.random_range(0..p[k].len());
                p[k][i] = rng.random();
            }
            2 => {
                p.remove(rng.random_range(0..p.len()));
            }
            3 => {
                let k = rng.random_range(0..p.len());
                p.insert(rng.random_range(0..p.len()), p[k].clone());
            }
            _ => {
                let (a, b) = (rng.random_range(0..p.len()), rng.random_range(0..p.len()));
                p.swap(a, b);
            }
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| verify(&verifier, &p, &r, &round, root)));
        let Ok(verdict) = outcome else {
            panic!("case {case}: the verifier panicked");
        };
        if verdict.is_some() {
            accepted += 1;
            let parsed: Vec<_> = p
                .iter()
                .map(|x| ReportPieceEnvelope::from_json(x).unwrap())
                .collect();
            assert_eq!(parsed, originals, "case {case}: changed pieces accepted");
            assert_eq!(
                ReportFile::from_json(&r).unwrap(),
                original_report,
                "case {case}: a changed report accepted"
            );
        }
    }
    eprintln!("{cases} mutated reports, {accepted} accepted (each equal to the original)");
}
