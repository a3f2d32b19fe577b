//! The report-piece circuit: honest pieces agree with the plain-integer reference, and one
//! dishonest witness per constraint is rejected by the MockProver for the reason the constraint
//! exists.

mod common;

use common::{assert_rejected_by, assert_rejected_only_by};
use ff::Field;
use zkliq_circuits::batch::BatchShape;
use zkliq_circuits::commitment::account_commitment;
use zkliq_circuits::report::{
    BOOK_IN_ROW, Book, BucketEdges, ReportInstance, ReportShape, ReportWitness, reference,
};
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
use zkliq_circuits::{Account, Fp, Market, PriceRound};

/// Depth of the test trees (small keeps the path short; the circuit is the same).
const DEPTH: u32 = 8;

fn scene() -> (Market, PriceRound, Vec<Option<Account>>) {
    common::report_scene()
}

/// The piece at `subtree` of a depth-8 tree holding `accounts` there (and, if `neighbour`, one
/// more leaf to its right), starting from `book_in`.
fn piece(
    market: &Market,
    prices: &PriceRound,
    accounts: &[Option<Account>],
    subtree: u64,
    book_in: &Book,
    neighbour: bool,
    last: bool,
) -> ReportWitness {
    let tree_spec = TreeSpec::v2(DEPTH).unwrap();
    let batch = BatchShape::in_tree(market.shape(), 3, tree_spec).unwrap();
    let edges = BucketEdges::default_edges();
    let shape = ReportShape::new(batch, edges.len()).unwrap();
    let empty = EmptyTree::new(market.shape(), tree_spec);
    let mut store = MemoryStore::default();
    let first = subtree << 3;
    let mut leaves: Vec<(u64, Fp)> = accounts
        .iter()
        .enumerate()
        .filter_map(|(j, a)| {
            a.as_ref()
                .map(|a| (first + j as u64, account_commitment(market, a)))
        })
        .collect();
    // A leaf to the left, and one to the right if asked.
    if first > 0 {
        leaves.push((first - 1, Fp::from(11)));
    }
    if neighbour {
        leaves.push((first + 8 + 5, Fp::from(12)));
    }
    tree::update(&mut store, &empty, leaves).unwrap();
    let siblings = tree::path(&mut store, &empty, 3, subtree).unwrap();
    let refs: Vec<Option<&Account>> = accounts.iter().map(Option::as_ref).collect();
    ReportWitness::new(
        shape,
        market,
        prices,
        &edges,
        &refs,
        subtree,
        siblings,
        book_in,
        [Fp::from(1234), Fp::from(5678)],
        last,
    )
}

fn honest() -> ReportWitness {
    let (m, p, a) = scene();
    piece(&m, &p, &a, 2, &Book::empty(4, 5), false, true)
}

/// Every layout, which must agree; layout 2's failures.
fn mock(w: &ReportWitness, instance: Vec<Fp>) -> Result<(), Vec<String>> {
    common::mock_report(w, instance)
}

fn mock_self(w: &ReportWitness) -> Result<(), Vec<String>> {
    mock(w, w.public_inputs())
}

#[test]
fn an_honest_piece_passes_and_matches_the_reference() {
    let (m, p, a) = scene();
    let w = honest();
    assert_eq!(mock_self(&w), Ok(()));
    let edges = BucketEdges::default_edges();
    let (book, liquidatable) = reference::report(
        &m,
        &p,
        &edges,
        a.iter()
            .enumerate()
            .filter_map(|(j, a)| a.as_ref().map(|a| (16 + j as u64, a))),
    );
    assert_eq!(Book::from_fields(w.book_out(), 4, 5).unwrap(), book);
    let instance = ReportInstance::from_column(w.shape, &w.public_inputs()).unwrap();
    assert_eq!(instance.liquidatable().collect::<Vec<_>>(), liquidatable);
    // One account in each bucket, one liquidatable, one without debt, one empty leaf.
    assert_eq!(book.accounts, 7);
    assert_eq!(book.liquidatable, 1);
    assert_eq!(book.buckets, vec![1, 1, 1, 1, 1]);
    assert_eq!(book.no_debt(), 1);
    assert_eq!(liquidatable, vec![16 + 3]);
    assert!(instance.last());
    eprintln!("{}: k = {}, {} rows", w.shape, w.shape.k(), w.shape.rows());
}

/// A position of the honest piece whose account is healthy with debt, in bucket `k >= 1`.
fn bucketed(w: &ReportWitness) -> (usize, usize) {
    w.positions
        .iter()
        .enumerate()
        .find_map(|(j, p)| {
            p.bits
                .iter()
                .position(|b| *b == Fp::ONE)
                .map(|k| (j, k + 1))
        })
        .expect("the scene has a healthy account with debt")
}

fn position_where(
    w: &ReportWitness,
    f: impl Fn(&zkliq_circuits::report::PositionWitness) -> bool,
) -> usize {
    w.positions
        .iter()
        .position(f)
        .expect("the scene has such a position")
}

#[test]
fn an_empty_leaf_cannot_be_counted_as_an_account() {
    let mut w = honest();
    let j = position_where(&w, |p| p.occupied == Fp::ZERO);
    w.positions[j].occupied = Fp::ONE;
    w.derive_running();
    assert_rejected_only_by(mock_self(&w), &["inverse"]);
}

#[test]
fn a_zero_has_no_inverse() {
    // Without this constraint `inv` would be a free cell when `v = 0` (the perturbation test
    // found it): harmless for `f`, but a cell the statement does not determine.
    let mut w = honest();
    let j = position_where(&w, |p| p.occupied == Fp::ZERO);
    w.positions[j].occupied_inv = Fp::ONE;
    assert_rejected_only_by(mock_self(&w), &["no inverse unless flagged"]);
    let mut w = honest();
    let j = position_where(&w, |p| p.has_debt == Fp::ZERO);
    w.positions[j].debt_inv = Fp::from(7);
    assert_rejected_only_by(mock_self(&w), &["no inverse unless flagged"]);
}

#[test]
fn an_account_cannot_be_left_out() {
    let mut w = honest();
    let j = position_where(&w, |p| p.occupied == Fp::ONE);
    w.positions[j].occupied = Fp::ZERO;
    w.positions[j].occupied_inv = Fp::ZERO;
    w.derive_running();
    assert_rejected_only_by(mock_self(&w), &["zero unless flagged"]);
}

#[test]
fn debt_cannot_be_hidden() {
    // Said to have no debt, the account must then be in no bucket: both fail.
    let mut w = honest();
    let (j, _) = bucketed(&w);
    w.positions[j].has_debt = Fp::ZERO;
    w.positions[j].debt_inv = Fp::ZERO;
    w.set_bucket(j, None);
    w.positions[j].has_debt = Fp::ZERO;
    w.positions[j].debt_inv = Fp::ZERO;
    w.derive_running();
    assert_rejected_only_by(mock_self(&w), &["zero unless flagged"]);
}

#[test]
fn a_bucket_bit_is_boolean() {
    let mut w = honest();
    let (j, k) = bucketed(&w);
    let p = &mut w.positions[j];
    // o = 2 at the true bucket and o = -1 at another keeps the count at 1.
    let other = if k == 1 { 1 } else { 0 };
    p.bits[k - 1] = Fp::from(2);
    p.bits[other] = -Fp::ONE;
    assert_rejected_by(mock_self(&w), "bucket bit is boolean");
}

#[test]
fn selected_edges_and_counts_are_checked() {
    type Tamper = fn(&mut zkliq_circuits::report::PositionWitness);
    let cases: [(&str, Tamper); 3] = [
        ("lower edge", |p| p.lower[0] += Fp::ONE),
        ("upper edge", |p| p.upper[0] += Fp::ONE),
        ("count", |p| p.count[0] += Fp::ONE),
    ];
    for (name, tamper) in cases {
        let mut w = honest();
        let (j, _) = bucketed(&w);
        tamper(&mut w.positions[j]);
        assert_rejected_by(mock_self(&w), name);
    }
}

#[test]
fn an_account_cannot_be_moved_to_another_bucket() {
    let w0 = honest();
    let m = w0.edges.len();
    for (j, p) in w0.positions.iter().enumerate() {
        let truth = p.bits.iter().position(|b| *b == Fp::ONE).map(|k| k + 1);
        let Some(k) = truth else { continue };
        // Every other bucket: one of the two comparisons fails its range check.
        for other in (1..=m).filter(|o| *o != k) {
            let mut w = w0.clone();
            w.set_bucket(j, Some(other));
            let failures = mock_self(&w).expect_err("a wrong bucket must be rejected");
            assert!(
                failures
                    .iter()
                    .any(|f| f.contains(&format!("of position {j} < 2^244"))),
                "bucket {other} instead of {k}: {failures:#?}"
            );
        }
        // No bucket at all.
        let mut w = w0.clone();
        w.set_bucket(j, None);
        assert_rejected_only_by(mock_self(&w), &["one bucket iff healthy with debt"]);
    }
}

#[test]
fn a_liquidatable_account_cannot_be_reported_healthy() {
    let mut w = honest();
    let j = position_where(&w, |p| p.liquidatable == Fp::ONE);
    w.positions[j].liquidatable = Fp::ZERO;
    w.derive_running();
    assert_rejected_only_by(mock_self(&w), &["liquidatable"]);
    // Nor put in a bucket instead (the count and the health verdict disagree).
    let mut w = honest();
    w.set_bucket(j, Some(1));
    assert_rejected_by(mock_self(&w), "one bucket iff healthy with debt");
}

#[test]
fn the_upper_edge_cannot_be_switched_off() {
    // With s_hi = 0 an account could sit in a lower bucket than its ratio.
    let mut w = honest();
    let (j, k) = bucketed(&w);
    assert!(
        k < w.edges.len(),
        "the scene's account is not in the open bucket"
    );
    w.positions[j].upper_active = Fp::ZERO;
    w.positions[j].below.verdict = Fp::ZERO;
    assert_rejected_only_by(mock_self(&w), &["upper edge is active"]);
}

#[test]
fn edge_comparisons_are_checked() {
    type Tamper = fn(&mut zkliq_circuits::report::ComparisonWitness);
    let cases: [(&str, Tamper); 4] = [
        ("edge times threshold", |c| c.edge_threshold += Fp::ONE),
        ("low half", |c| c.remainder += Fp::ONE),
        ("low half", |c| c.carry += Fp::ONE),
        ("verdict", |c| c.verdict += Fp::ONE),
    ];
    for (name, tamper) in cases {
        for gate in ["ratio at least edge", "ratio below edge"] {
            let mut w = honest();
            let (j, _) = bucketed(&w);
            let p = &mut w.positions[j];
            tamper(if gate == "ratio at least edge" {
                &mut p.at_least
            } else {
                &mut p.below
            });
            let failures = mock_self(&w).expect_err("tampered comparison");
            assert!(
                failures
                    .iter()
                    .any(|f| f.contains(gate) && f.contains(name)),
                "{gate}/{name}: {failures:#?}"
            );
        }
    }
}

#[test]
fn running_sums_are_checked() {
    let w0 = honest();
    for i in 0..w0.book_in.len() {
        let mut w = w0.clone();
        w.running[3][i] += Fp::ONE;
        assert_rejected_by(mock_self(&w), "sum");
    }
}

#[test]
fn the_book_in_is_the_committed_one() {
    let w = honest();
    let honest_instance = w.public_inputs();
    let mut lie = w.clone();
    lie.book_in[0] += Fp::ONE;
    lie.derive_running();
    // The book commitment the verifier holds is the honest one.
    assert_rejected_by(
        mock(&lie, honest_instance),
        &format!("on row {BOOK_IN_ROW})"),
    );
}

#[test]
fn the_last_piece_has_nothing_to_its_right() {
    let (m, p, a) = scene();
    let w = piece(&m, &p, &a, 2, &Book::empty(4, 5), true, true);
    assert_rejected_only_by(mock_self(&w), &["right sibling is empty in the last piece"]);
    // The same piece, not claimed last, passes.
    let w = piece(&m, &p, &a, 2, &Book::empty(4, 5), true, false);
    assert_eq!(mock_self(&w), Ok(()));
}

#[test]
fn edges_are_pinned_and_range_checked() {
    let mut w = honest();
    w.edges[0] = Fp::from(9_000);
    w.derive();
    assert_rejected_only_by(mock_self(&w), &["edges and last"]);
    let mut w = honest();
    let m = w.edges.len();
    w.edges[m - 1] = Fp::from(1u64 << 20);
    w.derive();
    assert_rejected_by(mock_self(&w), "range check edge 4");
}

#[test]
fn every_public_input_is_bound() {
    // A piece that is not the last (a leaf to its right): every row, `last` included, states
    // something false once flipped.
    let (m, p, a) = scene();
    let w = piece(&m, &p, &a, 2, &Book::empty(4, 5), true, false);
    let column = w.public_inputs();
    assert_eq!(column.len(), ReportInstance::len(w.shape));
    for row in 0..column.len() {
        let mut flipped = column.clone();
        flipped[row] += Fp::ONE;
        assert!(mock(&w, flipped).is_err(), "row {row} is not bound");
    }
}
