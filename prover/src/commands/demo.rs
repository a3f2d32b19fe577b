//! `zkliq demo`: prove and verify every bundled scenario.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::anyhow;
use serde::Deserialize;
use zkliq_circuits::{Claim, Shape, proof, reference};
use zkliq_verifier::{ProofEnvelope, Verifier};

use super::ms;
use crate::cli::DemoArgs;
use crate::failure::{Failure, bad_input, internal};
use crate::{files, setup};

/// One entry of `scenarios.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    market: PathBuf,
    prices: PathBuf,
    account: PathBuf,
    claim: String,
}

pub fn run(args: DemoArgs, params_dir: Option<PathBuf>) -> Result<(), Failure> {
    let index = args.fixtures.join("scenarios.json");
    let scenarios: Vec<Scenario> = serde_json::from_str(&files::read_text(&index)?)
        .map_err(|e| bad_input(anyhow!("{}: {e}", index.display())))?;
    let store = setup::params_store(params_dir.clone());
    let verifier = match &params_dir {
        Some(dir) => Verifier::with_params_cache(dir),
        None => Verifier::new(),
    };
    let mut keys: Vec<(Shape, zkliq_circuits::keys::ProverKey, std::time::Duration)> = vec![];
    println!(
        "{:<28} {:>6} {:>7} {:>3}  {:<13} {:>7} {:>10} {:>10} {:>9}",
        "scenario", "assets", "circuit", "k", "claim", "proof", "keygen", "prove", "verify"
    );
    for s in &scenarios {
        let at = |p: &Path| args.fixtures.join(p);
        let market = files::market(&at(&s.market))?;
        let prices = files::prices(&at(&s.prices), &market)?;
        let account = files::account(&at(&s.account), &market)?;
        let claim: Claim = s
            .claim
            .parse()
            .map_err(|e| bad_input(anyhow!("{}: {}: {e}", index.display(), s.name)))?;
        let truth = reference::evaluate(&market, &prices, &account).claim();
        if truth != claim {
            return Err(bad_input(anyhow!(
                "{}: {}: the account is {truth}, not {claim}",
                index.display(),
                s.name
            )));
        }
        let shape = market.shape();
        let params = setup::params(&store, shape.k())?;
        if !keys.iter().any(|(k, ..)| *k == shape) {
            let started = Instant::now();
            let key = setup::prover_key(&params, shape)?;
            keys.push((shape, key, started.elapsed()));
        }
        let (_, key, keygen) = keys.iter().find(|(k, ..)| *k == shape).expect("just built");
        let started = Instant::now();
        let (instance, bytes) =
            proof::prove(&params, key, &market, &prices, &account, claim).map_err(internal)?;
        let prove_time = started.elapsed();
        let envelope = ProofEnvelope::new(key.verifier(), instance, bytes);
        // Verify as a third party would: from the serialised envelope, with its own keys.
        let json = envelope.to_json();
        verifier
            .key(shape)
            .map_err(|e| internal(anyhow!("{}: {e}", s.name)))?;
        let started = Instant::now();
        let verified = verifier
            .verify_json(json.as_bytes())
            .and_then(|v| v.check_prices(&market, &prices).map(|()| v))
            .map_err(|e| internal(anyhow!("{}: {e}", s.name)))?;
        let verify_time = started.elapsed();
        println!(
            "{:<28} {:>6} {:>7} {:>3}  {:<13} {:>5} B {:>10} {:>10} {:>9}",
            s.name,
            market.assets().len(),
            shape.assets(),
            shape.k(),
            verified.claim().as_str(),
            envelope.proof.len(),
            ms(*keygen),
            ms(prove_time),
            ms(verify_time),
        );
    }
    println!(
        "{} proofs made and verified (keygen is once per circuit shape; field arithmetic: {})",
        scenarios.len(),
        zkliq_circuits::ARITHMETIC_BACKEND
    );
    Ok(())
}
