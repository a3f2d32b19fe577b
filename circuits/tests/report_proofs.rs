//! Report pieces as real proofs, and the piece circuit against the plain-integer reference on
//! random books.

mod common;

use common::{keys, report_pieces, vector};
use ff::Field;
use proptest::prelude::*;
use zkliq_circuits::proof::{prove_report_witness, verify_column};
use zkliq_circuits::report::{
    BOOK_IN_ROW, BOOK_OUT_ROW, Book, BucketEdges, ReportInstance, ReportLayout, reference,
};
use zkliq_circuits::{Account, Fp};

/// A two-piece report as real proofs in every circuit layout: both pieces verify, the chain of
/// book commitments links them, the last one opens to the reference's book, and changing any
/// public input of either makes verification fail.
#[test]
fn a_two_piece_report_verifies_and_binds_every_public_input() {
    for layout in [ReportLayout::V1, ReportLayout::V2, ReportLayout::V3] {
        two_piece_report(layout);
    }
}

fn two_piece_report(layout: ReportLayout) {
    let (market, prices, _) = vector("aave4", "aave4-crash", "aave4-rand0");
    let accounts: Vec<Option<Account>> = (0..13)
        .map(|i| (i != 4).then(|| vector("aave4", "aave4-crash", &format!("aave4-rand{i}")).2))
        .collect();
    let edges = BucketEdges::default_edges();
    let pieces: Vec<_> = report_pieces(&market, &prices, &edges, &accounts, 8)
        .iter()
        .map(|w| common::in_layout(w, layout))
        .collect();
    assert_eq!(pieces.len(), 2);
    let (params, key) = keys(pieces[0].shape);
    let columns: Vec<Vec<Fp>> = pieces.iter().map(|w| w.public_inputs()).collect();
    assert_eq!(columns[0][BOOK_OUT_ROW], columns[1][BOOK_IN_ROW]);
    assert_eq!(
        columns[0][BOOK_IN_ROW],
        Book::empty(4, edges.len()).commitment(pieces[0].blind_in)
    );
    let (book, liquidatable) = reference::report(
        &market,
        &prices,
        &edges,
        accounts
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.as_ref().map(|a| (i as u64, a))),
    );
    assert_eq!(
        columns[1][BOOK_OUT_ROW],
        book.commitment(pieces[1].blind_out)
    );
    let flagged: Vec<u64> = pieces
        .iter()
        .flat_map(|w| {
            ReportInstance::from_column(w.shape, &w.public_inputs())
                .unwrap()
                .liquidatable()
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(flagged, liquidatable);
    assert!(!liquidatable.is_empty());

    for (w, column) in pieces.iter().zip(&columns) {
        let proof = prove_report_witness(&params, key, w.clone(), column).unwrap();
        assert_eq!(proof.len(), key.verifier().proof_len());
        verify_column(&params, key.verifier(), column, &proof).unwrap();
        for row in 0..column.len() {
            let mut flipped = column.clone();
            flipped[row] += Fp::ONE;
            assert!(
                verify_column(&params, key.verifier(), &flipped, &proof).is_err(),
                "row {row} of piece {} is not bound",
                w.batch.subtree_index
            );
        }
    }
    eprintln!(
        "{}: k = {}, {} rows, proof {} bytes",
        pieces[0].shape,
        pieces[0].shape.k(),
        pieces[0].shape.rows(),
        key.verifier().proof_len()
    );
}

fn amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        Just(0u128),
        1u128..1_000_000_000_000_000_000_000,
        any::<u128>(),
        Just(u128::MAX),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random books of up to 8 accounts (zero, small and u128-scale amounts, empty leaves):
    /// the piece passes, and its book and flags are the reference's.
    #[test]
    fn a_piece_says_what_the_reference_says(
        slots in proptest::collection::vec(
            proptest::option::weighted(0.8, (proptest::collection::vec(amount(), 4), proptest::collection::vec(amount(), 4))),
            8,
        ),
        calm in any::<bool>(),
    ) {
        let round = if calm { "aave4-calm" } else { "aave4-crash" };
        let (market, prices, base) = vector("aave4", round, "aave4-rand0");
        let accounts: Vec<Option<Account>> = slots
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.map(|(c, d)| {
                Account::new(&market, base.salt() + Fp::from(i as u64), c, d).unwrap()
            }))
            .collect();
        let edges = BucketEdges::default_edges();
        let pieces = report_pieces(&market, &prices, &edges, &accounts, 8);
        let w = &pieces[0];
        prop_assert_eq!(common::mock_report(w, w.public_inputs()), Ok(()));
        let (book, liquidatable) = reference::report(
            &market,
            &prices,
            &edges,
            accounts.iter().enumerate().filter_map(|(i, a)| a.as_ref().map(|a| (i as u64, a))),
        );
        prop_assert_eq!(Book::from_fields(w.book_out(), 4, edges.len()).unwrap(), book);
        let instance = ReportInstance::from_column(w.shape, &w.public_inputs()).unwrap();
        prop_assert_eq!(instance.liquidatable().collect::<Vec<_>>(), liquidatable);
    }
}

/// A market of 3 assets runs on the 4-slot circuit: the book has a total per *slot*, the padding
/// slot's totals are 0, and the piece says what the reference says (found by an independent
/// review: the book was first sized by the market's asset count).
#[test]
fn a_market_with_padding_slots_reports_its_book() {
    let market = zkliq_circuits::Market::from_json(
        r#"{"name": "three", "threshold_bps": 10000, "assets": [
            {"symbol": "WETH", "decimals": 18, "weight_bps": 8300},
            {"symbol": "USDC", "decimals": 6, "weight_bps": 7800},
            {"symbol": "DAI", "decimals": 18, "weight_bps": 7700}]}"#,
    )
    .unwrap();
    let prices = zkliq_circuits::PriceRound::from_json(
        r#"{"round": 1, "timestamp": 1732270579, "decimals": 8,
            "prices": {"WETH": "339512000000", "USDC": "100000000", "DAI": "99990000"}}"#,
        &market,
    )
    .unwrap();
    assert_eq!(market.shape().assets(), 4);
    let salt = vector("aave4", "aave4-calm", "aave4-rand0").2.salt();
    let accounts: Vec<Option<Account>> = [
        Some((vec![10u128.pow(18), 0, 0], vec![0, 3_000_000_000, 0])),
        None,
        Some((
            vec![0, 0, 5 * 10u128.pow(20)],
            vec![0, 0, 6 * 10u128.pow(20)],
        )),
        Some((vec![2 * 10u128.pow(18), 7, 0], vec![0, 0, 0])),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, a)| a.map(|(c, d)| Account::new(&market, salt + Fp::from(i as u64), c, d).unwrap()))
    .collect();
    let edges = BucketEdges::default_edges();
    let pieces = report_pieces(&market, &prices, &edges, &accounts, 8);
    let w = &pieces[0];
    assert_eq!(common::mock_report(w, w.public_inputs()), Ok(()));
    let (book, liquidatable) = reference::report(
        &market,
        &prices,
        &edges,
        accounts
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.as_ref().map(|a| (i as u64, a))),
    );
    assert_eq!(book.collateral.len(), 4);
    assert_eq!(book.collateral[3], Default::default());
    assert_eq!(
        Book::from_fields(w.book_out(), 4, edges.len()).unwrap(),
        book
    );
    // 1 WETH at 3,395.12 × 0.83 = 2,817.95 against 3,000 USDC; 500 DAI against 600 DAI.
    assert_eq!(liquidatable, vec![0, 2]);
}
