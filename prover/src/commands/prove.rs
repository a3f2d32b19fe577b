//! `zkliq prove`: a proof file for a true claim.

use std::time::Instant;

use anyhow::anyhow;
use serde_json::json;
use zkliq_circuits::health::reference;
use zkliq_circuits::{Claim, proof};
use zkliq_verifier::ProofEnvelope;

use super::ms;
use crate::cli::ProveArgs;
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::files::Visibility;
use crate::output::say;
use crate::{files, setup};

pub fn run(args: ProveArgs) -> Result<(), Failure> {
    let claim = Claim::from(args.claim);
    let inputs = [
        args.inputs.market.as_path(),
        &args.inputs.prices,
        &args.inputs.account,
    ];
    files::check_output(&args.out, &inputs, args.force)?;
    let market = files::market(&args.inputs.market)?;
    let prices = files::prices(&args.inputs.prices, &market)?;
    let account = files::account(&args.inputs.account, &market)?;
    account
        .check_salt_strength()
        .map_err(|e| bad_input(anyhow!("{}: {e}", args.inputs.account.display())))?;

    let valuation = reference::evaluate(&market, &prices, &account);
    if valuation.claim() != claim {
        let factor = valuation
            .health_factor()
            .map_or("none (no debt)".to_owned(), |r| r.to_decimal(6));
        return Err(rejected(anyhow!(
            "the account is {} (health factor {factor}, liquidatable below {}), so it cannot be proven {claim}; no proof written",
            valuation.claim(),
            valuation.threshold_ratio().to_decimal(4),
        )));
    }

    let shape = market.shape();
    let store = setup::params_store(setup::params_dir(&args.params));
    let started = Instant::now();
    let params = setup::params(&store, shape.k())?;
    let params_time = started.elapsed();
    let started = Instant::now();
    let key = setup::prover_key(&params, shape)?;
    let keygen_time = started.elapsed();
    let started = Instant::now();
    let (instance, bytes) =
        proof::prove(&params, &key, &market, &prices, &account, claim).map_err(internal)?;
    let prove_time = started.elapsed();
    // Check our own work before writing it.
    let started = Instant::now();
    proof::verify(&params, key.verifier(), &instance, &bytes)
        .map_err(|e| internal(anyhow!("the new proof does not verify: {e}")))?;
    let verify_time = started.elapsed();

    let envelope = ProofEnvelope::new(key.verifier(), instance, bytes);
    files::write_atomically(
        &args.out,
        &envelope.to_json(),
        &inputs,
        args.force,
        Visibility::Public,
    )?;

    if args.json {
        let out = json!({
            "claim": claim.as_str(),
            "out": args.out.display().to_string(),
            "shape": shape.assets(),
            "k": shape.k(),
            "proof_bytes": envelope.proof.len(),
            "timings_ms": {
                "params": params_time.as_secs_f64() * 1e3,
                "keygen": keygen_time.as_secs_f64() * 1e3,
                "prove": prove_time.as_secs_f64() * 1e3,
                "verify": verify_time.as_secs_f64() * 1e3,
            },
        });
        say!("{out:#}");
    } else {
        say!(
            "proved {claim}: {} ({}-asset circuit, k = {}), proof {} bytes",
            args.out.display(),
            shape.assets(),
            shape.k(),
            envelope.proof.len()
        );
        say!(
            "timings: params {}, keygen {}, prove {}, verify {}",
            ms(params_time),
            ms(keygen_time),
            ms(prove_time),
            ms(verify_time)
        );
    }
    Ok(())
}
