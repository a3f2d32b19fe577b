//! Every case of `fixtures/vectors/liquidation/expected.json` (an independent exact-integer
//! implementation of the liquidation rule) through the plain-integer reference: the same
//! amounts, the same balances afterwards, the same refusals.

mod common;

use std::collections::BTreeMap;

use serde::Deserialize;
use zkliq_circuits::liquidation::{Repay, Request, quote};
use zkliq_circuits::{Account, Market, PriceRound};

#[derive(Deserialize)]
struct Case {
    market: String,
    prices: String,
    account: String,
    debt: String,
    collateral: String,
    repay: String,
    result: String,
    reason: Option<String>,
    repaid: Option<String>,
    seized: Option<String>,
    to_liquidator: Option<String>,
    fee: Option<String>,
    deep: Option<bool>,
    new_collateral: Option<BTreeMap<String, String>>,
    new_debt: Option<BTreeMap<String, String>>,
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::fixtures().join("vectors/liquidation").join(rel)).unwrap()
}

/// Balances by symbol (zero amounts absent), as the vectors write them.
fn by_symbol(market: &Market, amounts: &[u128]) -> BTreeMap<String, String> {
    market
        .assets()
        .iter()
        .zip(amounts)
        .filter(|(_, a)| **a != 0)
        .map(|(asset, a)| (asset.symbol.clone(), a.to_string()))
        .collect()
}

#[test]
fn every_liquidation_vector_matches_the_reference() {
    let cases: Vec<Case> = serde_json::from_str(&read("expected.json")).unwrap();
    assert_eq!(cases.len(), 211, "the vector set is copied whole");
    let (mut ok, mut refused, mut capped, mut deep, mut shallow) = (0, 0, 0, 0, 0);
    for (n, case) in cases.iter().enumerate() {
        let market = Market::from_json(&read(&case.market)).unwrap();
        let prices = PriceRound::from_json(&read(&case.prices), &market).unwrap();
        let account = Account::from_json(&read(&case.account), &market).unwrap();
        let request = Request {
            debt: market.position(&case.debt).unwrap(),
            collateral: market.position(&case.collateral).unwrap(),
            repay: case.repay.parse::<Repay>().unwrap(),
        };
        let name = format!(
            "case {n}: {} {} {}",
            case.account, case.debt, case.collateral
        );
        match (
            case.result.as_str(),
            quote(&market, &prices, &account, request),
        ) {
            ("ok", Ok(q)) => {
                ok += 1;
                let s = |v: u128| Some(v.to_string());
                assert_eq!(s(q.repaid), case.repaid, "{name}: repaid");
                assert_eq!(s(q.seized), case.seized, "{name}: seized");
                assert_eq!(s(q.to_liquidator), case.to_liquidator, "{name}");
                assert_eq!(s(q.fee), case.fee, "{name}: fee");
                assert_eq!(Some(q.deep), case.deep, "{name}: deep");
                assert_eq!(
                    Some(by_symbol(&market, &q.new_collateral)),
                    case.new_collateral,
                    "{name}: new collateral"
                );
                assert_eq!(
                    Some(by_symbol(&market, &q.new_debt)),
                    case.new_debt,
                    "{name}: new debt"
                );
                capped += usize::from(q.capped);
                deep += usize::from(q.deep);
                shallow += usize::from(!q.deep);
            }
            ("refused", Err(reason)) => {
                refused += 1;
                assert_eq!(Some(reason.to_string()), case.reason, "{name}");
            }
            (expected, got) => panic!("{name}: expected {expected}, got {got:?}"),
        }
    }
    assert_eq!((ok, refused), (204, 7));
    assert!(
        capped > 0 && deep > 0 && shallow > 0,
        "{capped} {deep} {shallow}"
    );
}
