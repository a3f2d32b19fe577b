//! `zkliq verify`: check a proof file and, optionally, what it is about.

use std::path::PathBuf;

use anyhow::anyhow;
use serde_json::json;
use zkliq_circuits::field;
use zkliq_verifier::{ProofEnvelope, Verified, Verifier, VerifyError};

use crate::cli::VerifyArgs;
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::{files, setup};

pub fn run(args: VerifyArgs, params_dir: Option<PathBuf>) -> Result<(), Failure> {
    let path = args.proof.display().to_string();
    let envelope = ProofEnvelope::from_json(&files::read_bytes(&args.proof)?)
        .map_err(|e| bad_input(anyhow!("{path}: {e}")))?;
    let market = args.market.as_deref().map(files::market).transpose()?;
    let prices = match (&args.prices, &market) {
        (Some(p), Some(m)) => Some(files::prices(p, m)?),
        _ => None,
    };
    let account = args
        .account_commitment
        .as_deref()
        .map(|hex| {
            field::from_hex(hex).map_err(|e| bad_input(anyhow!("--account-commitment: {e}")))
        })
        .transpose()?;

    let verifier = match &params_dir {
        Some(dir) => Verifier::with_params_cache(dir),
        None => Verifier::new(),
    };
    let k = envelope.shape.k();
    let slow = !setup::params_store(params_dir).is_cached(k);
    let outcome = setup::with_spinner(slow, &format!("generating parameters for k = {k}"), || {
        verifier.verify(&envelope).and_then(|verified| {
            if let Some(m) = &market {
                verified.check_market(m)?;
            }
            if let (Some(m), Some(p)) = (&market, &prices) {
                verified.check_prices(m, p)?;
            }
            if let Some(a) = account {
                verified.check_account(a)?;
            }
            Ok(verified)
        })
    });
    let checked = json!({
        "market": market.is_some(),
        "prices": prices.is_some(),
        "account_commitment": account.is_some(),
    });
    match outcome {
        Ok(verified) => {
            report_valid(&verified, &args, checked);
            Ok(())
        }
        Err(e) => {
            if args.json {
                let out = json!({"valid": false, "claim": envelope.claim().as_str(), "error": e.to_string()});
                println!("{out:#}");
            }
            Err(match e {
                VerifyError::Keys(_) => internal(e),
                e => rejected(anyhow!("{path}: {e}")),
            })
        }
    }
}

fn report_valid(verified: &Verified, args: &VerifyArgs, checked: serde_json::Value) {
    let instance = &verified.instance;
    if args.json {
        let out = json!({
            "valid": true,
            "claim": verified.claim().as_str(),
            "shape": verified.shape.assets(),
            "public_inputs": {
                "account_commitment": field::to_hex(&instance.account_commitment),
                "price_commitment": field::to_hex(&instance.price_commitment),
                "market_commitment": field::to_hex(&instance.market_commitment),
            },
            "checked": checked,
        });
        println!("{out:#}");
        return;
    }
    println!("valid: the account is {}", verified.claim());
    let note = |given: bool, what: &str| {
        if given {
            format!("matches the given {what}")
        } else {
            format!("not checked: pass --{what} to check")
        }
    };
    println!(
        "account commitment  {} ({})",
        field::to_hex(&instance.account_commitment),
        note(args.account_commitment.is_some(), "account-commitment")
    );
    println!(
        "price commitment    {} ({})",
        field::to_hex(&instance.price_commitment),
        note(args.prices.is_some(), "prices")
    );
    println!(
        "market commitment   {} ({})",
        field::to_hex(&instance.market_commitment),
        note(args.market.is_some(), "market")
    );
}
