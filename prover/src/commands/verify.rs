//! `zkliq verify`: check a proof file and, optionally, what it is about.

use std::path::PathBuf;

use anyhow::anyhow;
use serde_json::{Value, json};
use zkliq_circuits::{Fp, Market, PriceRound, field};
use zkliq_verifier::{
    AnyEnvelope, ProofEnvelope, StateProofEnvelope, Verified, VerifiedState, Verifier, VerifyError,
};

use crate::cli::VerifyArgs;
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::{files, setup};

/// What the caller asked the proof to be about.
struct Expected {
    market: Option<Market>,
    prices: Option<PriceRound>,
    account: Option<Fp>,
    root: Option<Fp>,
}

pub fn run(args: VerifyArgs, params_dir: Option<PathBuf>) -> Result<(), Failure> {
    let path = args.proof.display().to_string();
    let envelope = AnyEnvelope::from_json(&files::read_bytes(&args.proof)?)
        .map_err(|e| bad_input(anyhow!("{path}: {e}")))?;
    let market = args.market.as_deref().map(files::market).transpose()?;
    let prices = match (&args.prices, &market) {
        (Some(p), Some(m)) => Some(files::prices(p, m)?),
        _ => None,
    };
    let hex = |flag: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| field::from_hex(t).map_err(|e| bad_input(anyhow!("{flag}: {e}"))))
            .transpose()
    };
    let expected = Expected {
        market,
        prices,
        account: hex("--account-commitment", &args.account_commitment)?,
        root: hex("--root", &args.root)?,
    };
    match (&envelope, &expected) {
        (AnyEnvelope::Health(_), Expected { root: Some(_), .. }) => {
            return Err(bad_input(anyhow!(
                "--root: {path} is a health proof about a committed account; check it with --account-commitment"
            )));
        }
        (
            AnyEnvelope::State(_),
            Expected {
                account: Some(_), ..
            },
        ) => {
            return Err(bad_input(anyhow!(
                "--account-commitment: {path} is a state proof about leaves of a state root; check it with --root"
            )));
        }
        _ => {}
    }
    let verifier = match &params_dir {
        Some(dir) => Verifier::with_params_cache(dir),
        None => Verifier::new(),
    };
    let k = match &envelope {
        AnyEnvelope::Health(e) => e.shape.k(),
        AnyEnvelope::State(e) => e.shape.k(),
    };
    let slow = !setup::params_store(params_dir).is_cached(k);
    let outcome =
        setup::with_spinner(
            slow,
            &format!("generating parameters for k = {k}"),
            || match &envelope {
                AnyEnvelope::Health(e) => {
                    health(&verifier, e, &expected).map(|v| report_health(&v, &args))
                }
                AnyEnvelope::State(e) => {
                    state(&verifier, e, &expected).map(|v| report_state(&v, &args))
                }
            },
        );
    match outcome {
        Ok(report) => {
            println!("{report}");
            Ok(())
        }
        Err(e) => {
            if args.json {
                let out = json!({"valid": false, "error": e.to_string()});
                println!("{out:#}");
            }
            Err(match e {
                VerifyError::Keys(_) => internal(e),
                e => rejected(anyhow!("{path}: {e}")),
            })
        }
    }
}

fn health(
    verifier: &Verifier,
    envelope: &ProofEnvelope,
    expected: &Expected,
) -> Result<Verified, VerifyError> {
    let verified = verifier.verify(envelope)?;
    if let Some(m) = &expected.market {
        verified.check_market(m)?;
    }
    if let (Some(m), Some(p)) = (&expected.market, &expected.prices) {
        verified.check_prices(m, p)?;
    }
    if let Some(a) = expected.account {
        verified.check_account(a)?;
    }
    Ok(verified)
}

fn state(
    verifier: &Verifier,
    envelope: &StateProofEnvelope,
    expected: &Expected,
) -> Result<VerifiedState, VerifyError> {
    let verified = verifier.verify_state(envelope)?;
    if let Some(m) = &expected.market {
        verified.check_market(m)?;
    }
    if let (Some(m), Some(p)) = (&expected.market, &expected.prices) {
        verified.check_prices(m, p)?;
    }
    if let Some(root) = expected.root {
        verified.check_root(root)?;
    }
    Ok(verified)
}

fn note(given: bool, flag: &str) -> String {
    if given {
        format!("matches the given {flag}")
    } else {
        format!("not checked: pass --{flag} to check")
    }
}

fn report_health(verified: &Verified, args: &VerifyArgs) -> String {
    let i = &verified.instance;
    if args.json {
        let out = json!({
            "valid": true,
            "kind": "health",
            "claim": verified.claim().as_str(),
            "shape": verified.shape.assets(),
            "public_inputs": {
                "account_commitment": field::to_hex(&i.account_commitment),
                "price_commitment": field::to_hex(&i.price_commitment),
                "market_commitment": field::to_hex(&i.market_commitment),
            },
            "checked": {
                "market": args.market.is_some(),
                "prices": args.prices.is_some(),
                "account_commitment": args.account_commitment.is_some(),
            },
        });
        return format!("{out:#}");
    }
    [
        format!("valid: the account is {}", verified.claim()),
        format!(
            "account commitment  {} ({})",
            field::to_hex(&i.account_commitment),
            note(args.account_commitment.is_some(), "account-commitment")
        ),
        format!(
            "price commitment    {} ({})",
            field::to_hex(&i.price_commitment),
            note(args.prices.is_some(), "prices")
        ),
        format!(
            "market commitment   {} ({})",
            field::to_hex(&i.market_commitment),
            note(args.market.is_some(), "market")
        ),
    ]
    .join("\n")
}

fn report_state(verified: &VerifiedState, args: &VerifyArgs) -> String {
    let i = &verified.instance;
    let claims: Vec<Value> = verified
        .claimed()
        .map(|(index, claim)| json!({"index": index, "claim": claim.as_str()}))
        .collect();
    let first = i.leaf_index(0);
    let last = i.leaf_index(verified.shape.positions() - 1);
    if args.json {
        let out = json!({
            "valid": true,
            "kind": "state",
            "positions": verified.shape.positions(),
            "shape": verified.shape.assets.assets(),
            "leaves": [first, last],
            "claims": claims,
            "public_inputs": {
                "root": field::to_hex(&i.root),
                "price_commitment": field::to_hex(&i.price_commitment),
                "market_commitment": field::to_hex(&i.market_commitment),
                "subtree_index": i.subtree_index(),
            },
            "checked": {
                "market": args.market.is_some(),
                "prices": args.prices.is_some(),
                "root": args.root.is_some(),
            },
        });
        return format!("{out:#}");
    }
    let mut lines = vec![format!(
        "valid: {} claim(s) about leaves {first}..={last} of the state tree",
        claims.len()
    )];
    lines.extend(
        verified
            .claimed()
            .map(|(index, claim)| format!("  leaf {index}: {claim}")),
    );
    lines.push(format!(
        "state root          {} ({})",
        field::to_hex(&i.root),
        note(args.root.is_some(), "root")
    ));
    lines.push(format!(
        "price commitment    {} ({})",
        field::to_hex(&i.price_commitment),
        note(args.prices.is_some(), "prices")
    ));
    lines.push(format!(
        "market commitment   {} ({})",
        field::to_hex(&i.market_commitment),
        note(args.market.is_some(), "market")
    ));
    lines.join("\n")
}
