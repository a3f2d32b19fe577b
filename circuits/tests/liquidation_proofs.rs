//! Real (not mock) liquidation proofs: one per market and per branch of the rule (capped,
//! deep, close factor, a repay below the maximum, an extreme round), every public input bound,
//! a proof bound to its key.

mod common;

use common::keys;
use common::liquidation::{Case, cases, witness};
use ff::Field;
use zkliq_circuits::Fp;
use zkliq_circuits::liquidation::{LiquidationWitness, Quote};
use zkliq_circuits::proof::{self, VerifyError};

fn prove(w: &LiquidationWitness) -> (Vec<Fp>, Vec<u8>) {
    let (params, key) = keys(w.shape);
    let column = w.public_inputs();
    let bytes = proof::prove_liquidation_witness(&params, key, w.clone(), &column).unwrap();
    (column, bytes)
}

fn verify(w: &LiquidationWitness, column: &[Fp], bytes: &[u8]) -> Result<(), VerifyError> {
    let (params, key) = keys(w.shape);
    proof::verify_column(&params, key.verifier(), column, bytes)
}

type Branch = (&'static str, fn(&Quote, &Case) -> bool);

const BRANCHES: [Branch; 5] = [
    ("capped", |q, _| q.capped),
    ("deep", |q, _| q.deep && !q.capped),
    ("close factor", |q, _| !q.deep),
    ("small repay", |q, c| {
        c.repay != "max" && q.amount < q.max_debt
    }),
    ("extreme round", |_, c| c.prices.contains("extreme")),
];

#[test]
fn each_market_and_branch_proves_and_verifies() {
    let all: Vec<Case> = cases().into_iter().filter(|c| c.result == "ok").collect();
    let mut proven = std::collections::BTreeSet::new();
    let mut branches_seen = std::collections::BTreeSet::new();
    for market in [
        "markets/aave4.json",
        "markets/cross8.json",
        "markets/maker1.json",
    ] {
        for (branch, pred) in BRANCHES {
            let Some((n, case)) = all
                .iter()
                .enumerate()
                .filter(|(_, c)| c.market == market)
                .find(|(_, c)| pred(&witness(c, 32).1, c))
            else {
                continue;
            };
            let (w, q) = witness(case, 32);
            let (column, bytes) = prove(&w);
            assert_eq!(verify(&w, &column, &bytes), Ok(()), "{market} {branch}");
            let instance = w.instance().unwrap();
            assert_eq!(
                (instance.repaid, instance.seized, instance.fee),
                (q.repaid, q.seized, q.fee)
            );
            proven.insert((market, n));
            branches_seen.insert(branch);
        }
        assert!(proven.iter().any(|(m, _)| *m == market), "{market}");
    }
    assert_eq!(branches_seen.len(), BRANCHES.len(), "{branches_seen:?}");
}

#[test]
fn every_public_input_is_bound() {
    let case = cases().into_iter().find(|c| c.result == "ok").unwrap();
    let (w, _) = witness(&case, 32);
    let (column, bytes) = prove(&w);
    assert_eq!(verify(&w, &column, &bytes), Ok(()));
    for row in 0..column.len() {
        let mut flipped = column.clone();
        flipped[row] += Fp::ONE;
        assert_eq!(
            verify(&w, &flipped, &bytes),
            Err(VerifyError::Invalid),
            "row {row}"
        );
    }
    for len in [column.len() - 1, column.len() + 1] {
        let mut wrong = column.clone();
        wrong.resize(len, Fp::ZERO);
        assert!(matches!(
            verify(&w, &wrong, &bytes),
            Err(VerifyError::InstanceLength { .. })
        ));
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        verify(&w, &column, &longer),
        Err(VerifyError::Length { .. })
    ));
}
