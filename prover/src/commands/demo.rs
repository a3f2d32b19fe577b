//! `zkliq demo`: prove and verify every bundled scenario.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::anyhow;
use serde::Deserialize;
use zkliq_circuits::health::reference;
use zkliq_circuits::{Account, Claim, Market, PriceRound, Shape, proof};
use zkliq_verifier::{Context, ProofEnvelope, Round, Verdict, Verifier};

use super::ms;
use crate::cli::DemoArgs;
use crate::failure::{Failure, bad_input, internal};
use crate::output::say;
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

/// The bundled scenarios, built into the binary so that `zkliq demo` runs from any directory.
macro_rules! embedded {
    ($($path:literal)*) => {
        &[$(($path, include_str!(concat!("../../../fixtures/", $path)))),*]
    };
}
const EMBEDDED: &[(&str, &str)] = embedded!(
    "scenarios.json"
    "markets/aave-v3-4.json" "markets/cross-margin-8.json" "markets/maker-eth-a.json"
    "markets/perp-16.json" "markets/steth-loop-1.json"
    "prices/aave-v3-4-calm.json" "prices/aave-v3-4-crash.json" "prices/cross-margin-8-crash.json"
    "prices/maker-eth-a-calm.json" "prices/maker-eth-a-crash.json" "prices/perp-16-calm.json"
    "prices/perp-16-crash.json" "prices/steth-loop-1-calm.json"
    "accounts/aave-leveraged.json" "accounts/aave-whale.json" "accounts/cross-trader.json"
    "accounts/maker-vault.json" "accounts/perp-basket.json" "accounts/steth-loop-healthy.json"
    "accounts/steth-loop-underwater.json"
);

/// Where the scenarios come from: the binary, or a directory given with `--fixtures`.
enum Source {
    Embedded,
    Dir(PathBuf),
}

impl Source {
    /// The text of `rel` and the name to report errors under.
    fn read(&self, rel: &Path) -> Result<(String, String), Failure> {
        match self {
            Source::Dir(dir) => {
                let path = dir.join(rel);
                Ok((files::read_text(&path)?, path.display().to_string()))
            }
            Source::Embedded => {
                let name = rel.to_string_lossy();
                EMBEDDED
                    .iter()
                    .find(|(p, _)| *p == name)
                    .map(|(p, text)| ((*text).to_owned(), format!("built-in {p}")))
                    .ok_or_else(|| internal(anyhow!("built-in scenario file {name} is missing")))
            }
        }
    }
}

pub fn run(args: DemoArgs) -> Result<(), Failure> {
    let source = match args.fixtures {
        Some(dir) => Source::Dir(dir),
        None => Source::Embedded,
    };
    let (text, index) = source.read(Path::new("scenarios.json"))?;
    let scenarios: Vec<Scenario> =
        serde_json::from_str(&text).map_err(|e| bad_input(anyhow!("{index}: {e}")))?;
    let params_dir = setup::params_dir(&args.params);
    let store = setup::params_store(params_dir.clone());
    let verifier = match &params_dir {
        Some(dir) => Verifier::with_params_cache(dir),
        None => Verifier::new(),
    };
    let mut keys: Vec<(Shape, zkliq_circuits::keys::ProverKey, std::time::Duration)> = vec![];
    say!(
        "{:<28} {:>6} {:>7} {:>3}  {:<13} {:>7} {:>10} {:>10} {:>9}",
        "scenario",
        "assets",
        "circuit",
        "k",
        "claim",
        "proof",
        "keygen",
        "prove",
        "verify"
    );
    for s in &scenarios {
        let parse = |rel: &Path, what: &str| -> Result<(String, String), Failure> {
            source
                .read(rel)
                .map_err(|e| bad_input(anyhow!("{index}: {}: {what}: {e}", s.name)))
        };
        let (text, name) = parse(&s.market, "market")?;
        let market = Market::from_json(&text).map_err(|e| bad_input(anyhow!("{name}: {e}")))?;
        let (text, name) = parse(&s.prices, "prices")?;
        let prices =
            PriceRound::from_json(&text, &market).map_err(|e| bad_input(anyhow!("{name}: {e}")))?;
        let (text, name) = parse(&s.account, "account")?;
        let account =
            Account::from_json(&text, &market).map_err(|e| bad_input(anyhow!("{name}: {e}")))?;
        let claim: Claim = s
            .claim
            .parse()
            .map_err(|e| bad_input(anyhow!("{index}: {}: {e}", s.name)))?;
        let truth = reference::evaluate(&market, &prices, &account).claim();
        if truth != claim {
            return Err(bad_input(anyhow!(
                "{}: {}: the account is {truth}, not {claim}",
                index,
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
        // Verify as a third party would: from the serialised envelope, with its own keys,
        // against the scenario's market and round.
        let json = envelope.to_json();
        verifier
            .key(shape)
            .map_err(|e| internal(anyhow!("{}: {e}", s.name)))?;
        let round = Round::new(market.clone(), prices.clone()).map_err(internal)?;
        let started = Instant::now();
        let verdict = verifier
            .verify(json.as_bytes(), &Context::new(&round))
            .map_err(|e| internal(anyhow!("{}: {e}", s.name)))?;
        let Verdict::Health(verified) = verdict else {
            return Err(internal(anyhow!("{}: not a health proof", s.name)));
        };
        let verify_time = started.elapsed();
        say!(
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
    say!(
        "{} proofs made and verified against their market and price round (keygen is once per circuit shape)",
        scenarios.len(),
    );
    say!("field arithmetic: {}", arithmetic());
    Ok(())
}

/// The field arithmetic backend, in words.
fn arithmetic() -> String {
    match zkliq_circuits::ARITHMETIC_BACKEND {
        "portable" => "portable Rust code (no assembly for this CPU or build)".to_owned(),
        cpu => format!(
            "{cpu} assembly (pasta_curves' hand-written multiplication for this CPU family: the same results as the portable code, about 20% faster proofs)"
        ),
    }
}
