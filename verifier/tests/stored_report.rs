//! The stored round reports (the 40 accounts of `fixtures/state` in a depth-8 tree, crash round,
//! pieces of 8) in `fixtures/proofs/report/` (circuit layout 1, format `zkliq-report-piece/1`),
//! `fixtures/proofs/report-v2/` (layout 2, a proof per piece) and `fixtures/proofs/report-groups/`
//! (layout 2, two pieces to a proof, format `zkliq-report-group/2`) and `fixtures/proofs/report-v3/`
//! (layout 3, two pieces to a proof, format `zkliq-report-group/3`) still verify with their
//! figures, also mixed, and mutated piece, group and report files never panic the verifier and
//! are never accepted changed. Regenerate the layout-3 ones on purpose with
//! `ZKLIQ_REGENERATE_FIXTURES=1 cargo test --release -p zkliq-verifier --test stored_report`;
//! layouts 1 and 2's files are never regenerated: they are what shows that proofs of their
//! releases keep verifying.

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
use zkliq_verifier::{
    ReportFile, ReportGroupEnvelope, ReportPieceEnvelope, Round, StateRoot, Verifier, from_hex,
};

const DEPTH: u32 = 8;

/// A stored report: its circuit layout and pieces per proof.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Kind {
    layout: ReportLayout,
    per_proof: usize,
}

const V1: Kind = Kind {
    layout: ReportLayout::V1,
    per_proof: 1,
};
const V2: Kind = Kind {
    layout: ReportLayout::V2,
    per_proof: 1,
};
const GROUPS: Kind = Kind {
    layout: ReportLayout::V2,
    per_proof: 2,
};

const V3: Kind = Kind {
    layout: ReportLayout::V3,
    per_proof: 2,
};

const KINDS: [Kind; 4] = [V1, V2, GROUPS, V3];

fn dir(kind: Kind) -> PathBuf {
    common::fixtures().join(match (kind.layout, kind.per_proof) {
        (ReportLayout::V1, _) => "proofs/report",
        (ReportLayout::V2, 1) => "proofs/report-v2",
        (ReportLayout::V2, _) => "proofs/report-groups",
        (ReportLayout::V3, _) => "proofs/report-v3",
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

fn regenerate(kind: Kind) {
    let layout = kind.layout;
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
    std::fs::create_dir_all(dir(kind)).unwrap();
    let mut group: Vec<(ReportWitness, Vec<Fp>)> = Vec::new();
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
        group.push((w, column));
        if group.len() < kind.per_proof && i + 1 < pieces {
            continue;
        }
        let (witnesses, columns): (Vec<_>, Vec<_>) = std::mem::take(&mut group).into_iter().unzip();
        let first = i + 1 - columns.len() as u64;
        let refs: Vec<&[Fp]> = columns.iter().map(Vec::as_slice).collect();
        let bytes = proof::prove_report_witnesses(&params, &key, witnesses, &refs).unwrap();
        let instances: Vec<ReportInstance> = columns
            .iter()
            .map(|c| ReportInstance::from_column(shape, c).unwrap())
            .collect();
        let (name, text) = match kind.per_proof {
            1 => (
                format!("piece-{first:06}.proof.json"),
                ReportPieceEnvelope::new(key.verifier(), instances[0].clone(), bytes).to_json(),
            ),
            _ => (
                format!("group-{first:06}.proof.json"),
                ReportGroupEnvelope::new(key.verifier(), instances, bytes).to_json(),
            ),
        };
        std::fs::write(dir(kind).join(name), text).unwrap();
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
    std::fs::write(dir(kind).join("report.json"), report.to_json()).unwrap();
    let root = spec.publish(
        zkliq_circuits::commitment::market_commitment(&market),
        tree_root,
    );
    std::fs::write(
        dir(kind).join("root.txt"),
        format!("{}\n", zkliq_circuits::field::to_hex(&root)),
    )
    .unwrap();
}

fn stored(kind: Kind) -> (Vec<Vec<u8>>, Vec<u8>, Round, StateRoot) {
    let (market, prices, _) = inputs();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir(kind))
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (regenerate with ZKLIQ_REGENERATE_FIXTURES=1)",
                dir(kind).display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".proof.json"))
        .collect();
    paths.sort();
    let pieces = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let report = std::fs::read(dir(kind).join("report.json")).unwrap();
    let root = from_hex(
        std::fs::read_to_string(dir(kind).join("root.txt"))
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
        .map(|p| ReportGroupEnvelope::from_json(p).ok())
        .collect::<Option<Vec<_>>>()?;
    let report = ReportFile::from_json(report).ok()?;
    verifier
        .verify_report_groups(&pieces, &report, round, root)
        .ok()
}

#[test]
fn the_stored_reports_verify_with_the_reference_figures() {
    for kind in KINDS {
        stored_report_verifies(kind);
    }
}

fn stored_report_verifies(kind: Kind) {
    if kind.layout == ReportLayout::V3 && std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some() {
        regenerate(kind);
    }
    let (pieces, report, round, root) = stored(kind);
    let format = format!(
        "\"format\": \"zkliq-report-{}/{}\"",
        if kind.per_proof == 1 {
            "piece"
        } else {
            "group"
        },
        kind.layout.number()
    );
    assert_eq!(pieces.len(), 5usize.div_ceil(kind.per_proof));
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
    let k = ReportGroupEnvelope::from_json(&wrong[2]).unwrap().k;
    wrong[2] = text
        .replacen(&format!("\"k\": {k}"), &format!("\"k\": {}", k + 1), 1)
        .into_bytes();
    assert_eq!(ReportGroupEnvelope::from_json(&wrong[2]).unwrap().k, k + 1);
    assert!(verify(&Verifier::new(), &wrong, &report, &round, root).is_none());
}

/// Every layout proves the same statement: a report of layout-1, layout-2 and layout-3 pieces
/// verifies, each piece under its own layout's key. A piece's proof labelled as the other layout (format,
/// `k` and fingerprint all of the other layout's piece) is refused.
#[test]
fn a_report_may_mix_layouts_but_a_piece_keeps_its_own() {
    let (v1, report, round, root) = stored(V1);
    let (v2, report_v2, _, _) = stored(V2);
    let (groups, report_groups, _, _) = stored(GROUPS);
    let (v3, report_v3, _, _) = stored(V3);
    assert_eq!(report, report_v2, "the same blinds and book");
    assert_eq!(report, report_groups, "the same blinds and book");
    assert_eq!(report, report_v3, "the same blinds and book");
    // Pieces 0 and 1 in layout 1, one at a time; the groups of 2..=3 and 4 in layout 2.
    let mixed: Vec<Vec<u8>> = v1[..2].iter().chain(&groups[1..]).cloned().collect();
    let verdict = verify(&Verifier::new(), &mixed, &report, &round, root)
        .expect("pieces and groups mixed verify");
    assert_eq!(verdict.pieces, 5);
    // Pieces 0 and 1 in layout 2, one at a time; 2..=3 in layout 3; 4 in layout 1.
    let mixed: Vec<Vec<u8>> = [&v2[0], &v2[1], &v3[1], &v1[4]]
        .into_iter()
        .cloned()
        .collect();
    let verdict = verify(&Verifier::new(), &mixed, &report, &round, root)
        .expect("three layouts mixed verify");
    assert_eq!(verdict.pieces, 5);
    // A layout-3 group relabelled as layout 2 (format, k and fingerprint of layout 2's group of
    // the same pieces) is refused for piece 2, its first. Its proof is longer than a layout-2
    // proof of two pieces (more columns), so the length check refuses it before any pairing of
    // proof and key: no proof of one layout has another layout's length here.
    let relabelled = {
        let (label, proof) = (
            ReportGroupEnvelope::from_json(&groups[1]).unwrap(),
            ReportGroupEnvelope::from_json(&v3[1]).unwrap(),
        );
        let columns = |g: &ReportGroupEnvelope| -> Vec<Vec<Fp>> {
            g.instances.iter().map(ReportInstance::to_column).collect()
        };
        assert_eq!(columns(&label), columns(&proof));
        assert_ne!(label.shape().layout, proof.shape().layout);
        ReportGroupEnvelope {
            proof: proof.proof,
            ..label
        }
    };
    let mut files: Vec<ReportGroupEnvelope> = groups
        .iter()
        .map(|g| ReportGroupEnvelope::from_json(g).unwrap())
        .collect();
    files[1] = relabelled;
    let parsed = ReportFile::from_json(&report).unwrap();
    let refused = Verifier::new().verify_report_groups(&files, &parsed, &round, root);
    assert!(
        matches!(
            refused,
            Err(zkliq_verifier::VerifyError::Report { piece: Some(2), .. })
        ),
        "a layout-3 proof under layout 2's label was not refused for piece 2: {refused:?}"
    );
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
    for kind in KINDS {
        mutated_reports(kind);
    }
}

/// Parsed files in the order of their first piece (the verifier's order, not the files').
fn parsed_in_order(files: &[Vec<u8>]) -> Vec<ReportGroupEnvelope> {
    let mut parsed: Vec<ReportGroupEnvelope> = files
        .iter()
        .map(|p| ReportGroupEnvelope::from_json(p).unwrap())
        .collect();
    parsed.sort_by_key(|g| g.instances[0].subtree_index());
    parsed
}

fn mutated_reports(kind: Kind) {
    let (pieces, report, round, root) = stored(kind);
    let verifier = Verifier::new();
    let originals = parsed_in_order(&pieces);
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
            assert_eq!(
                parsed_in_order(&p),
                originals,
                "case {case}: changed pieces accepted"
            );
            assert_eq!(
                ReportFile::from_json(&r).unwrap(),
                original_report,
                "case {case}: a changed report accepted"
            );
        }
    }
    eprintln!("{cases} mutated reports, {accepted} accepted (each equal to the original)");
}

/// One proof binds every public input of every piece it proves: the stored group of pieces 2
/// and 3, each input of each piece changed in turn (by adding 1), never verifies; unchanged, it
/// does; and neither piece's inputs verify alone or in the other order.
#[test]
fn every_public_input_of_every_piece_in_a_group_is_bound() {
    let (files, ..) = stored(GROUPS);
    let group = ReportGroupEnvelope::from_json(&files[1]).unwrap();
    assert_eq!(group.instances.len(), 2);
    let shape = group.shape();
    let params = ParamsStore::in_memory().get(shape.k()).unwrap();
    let key = zkliq_circuits::keys::VerifierKey::build(&params, shape).unwrap();
    let columns: Vec<Vec<Fp>> = group.instances.iter().map(|i| i.to_column()).collect();
    let check = |columns: &[Vec<Fp>]| {
        let refs: Vec<&[Fp]> = columns.iter().map(Vec::as_slice).collect();
        proof::verify_columns(&params, &key, &refs, &group.proof)
    };
    assert_eq!(check(&columns), Ok(()));
    let mut flipped = 0;
    for piece in 0..columns.len() {
        for row in 0..columns[piece].len() {
            let mut changed = columns.clone();
            changed[piece][row] += Fp::one();
            assert!(check(&changed).is_err(), "piece {piece}, row {row}");
            flipped += 1;
        }
    }
    assert_eq!(flipped, 2 * key.shape().public_inputs());
    let swapped = vec![columns[1].clone(), columns[0].clone()];
    assert!(check(&swapped).is_err());
    assert!(check(&columns[..1]).is_err());
}

/// Groups built in code, not parsed: one with no pieces, and one whose pieces are of two
/// layouts, are refused without a panic.
#[test]
fn groups_built_in_code_are_checked_too() {
    let (files, report, round, root) = stored(GROUPS);
    let report = ReportFile::from_json(&report).unwrap();
    let mut groups: Vec<ReportGroupEnvelope> = files
        .iter()
        .map(|f| ReportGroupEnvelope::from_json(f).unwrap())
        .collect();
    let verifier = Verifier::new();
    assert!(
        verifier
            .verify_report_groups(&groups, &report, &round, root)
            .is_ok()
    );
    let mut empty = groups.clone();
    empty.push(ReportGroupEnvelope {
        instances: Vec::new(),
        ..groups[0].clone()
    });
    let refused = verifier.verify_report_groups(&empty, &report, &round, root);
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("holds no pieces")),
        "{refused:?}"
    );
    let (v1, ..) = stored(V1);
    let v1_piece = ReportPieceEnvelope::from_json(&v1[3]).unwrap().instance;
    groups[1].instances[1] = v1_piece;
    let refused = verifier.verify_report_groups(&groups, &report, &round, root);
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("another shape")),
        "{refused:?}"
    );
}

/// A layout-3 piece file (`zkliq-report-piece/3`, which `zkliq report` does not write but the
/// verifier reads) keeps its layout through writing and reading, as a piece and as a group of
/// one.
#[test]
fn a_layout_3_piece_file_keeps_its_layout() {
    let (files, ..) = stored(V3);
    let group = ReportGroupEnvelope::from_json(&files[0]).unwrap();
    let piece = ReportPieceEnvelope {
        k: group.k,
        fingerprint: group.fingerprint,
        instance: group.instances[0].clone(),
        proof: group.proof.clone(),
    };
    let json = piece.to_json();
    assert!(
        json.contains("\"format\": \"zkliq-report-piece/3\""),
        "{json}"
    );
    let read = ReportPieceEnvelope::from_json(json.as_bytes()).unwrap();
    assert_eq!(read.instance.shape().layout, ReportLayout::V3);
    assert_eq!(read.instance.to_column(), group.instances[0].to_column());
    let as_group = ReportGroupEnvelope::from_json(json.as_bytes()).unwrap();
    assert_eq!(as_group.shape().layout, ReportLayout::V3);
    assert_eq!(as_group.instances.len(), 1);
}
