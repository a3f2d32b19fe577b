//! Fixture scenarios shared by the verifier tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde::Deserialize;
use zkliq_circuits::{Account, Claim, Market, PriceRound};

/// One entry of `fixtures/scenarios.json`.
#[derive(Deserialize)]
pub struct Scenario {
    pub name: String,
    pub market: PathBuf,
    pub prices: PathBuf,
    pub account: PathBuf,
    pub claim: String,
}

/// A scenario with its inputs loaded.
pub struct Loaded {
    pub name: String,
    pub market: Market,
    pub prices: PriceRound,
    pub account: Account,
    pub claim: Claim,
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

pub fn scenarios() -> Vec<Loaded> {
    let dir = fixtures();
    let read = |p: &Path| std::fs::read_to_string(dir.join(p)).unwrap();
    let list: Vec<Scenario> = serde_json::from_str(&read(Path::new("scenarios.json"))).unwrap();
    list.into_iter()
        .map(|s| {
            let market = Market::from_json(&read(&s.market)).unwrap();
            let prices = PriceRound::from_json(&read(&s.prices), &market).unwrap();
            let account = Account::from_json(&read(&s.account), &market).unwrap();
            Loaded {
                name: s.name,
                market,
                prices,
                account,
                claim: s.claim.parse().unwrap(),
            }
        })
        .collect()
}

/// The stored proof of a scenario.
pub fn stored_proof_path(name: &str) -> PathBuf {
    fixtures().join("proofs").join(format!("{name}.proof.json"))
}
