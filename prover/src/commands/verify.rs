//! `zkliq verify`: check a proof file against the market, price round (and account commitment,
//! state root, or old root and liquidator) it must be about. Exit 0 only when everything the proof claims was checked
//! against what the user gave. With `--json` every outcome, errors included, is one JSON object
//! on standard output.

use anyhow::anyhow;
use serde_json::json;
use zkliq_circuits::field;
use zkliq_verifier::{
    AnyEnvelope, HealthVerdict, LiquidationVerdict, Round, StateRoot, StateVerdict, Verdict,
    Verifier, VerifyError,
};

use crate::cli::VerifyArgs;
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::output::say;
use crate::{files, setup};

pub fn run(args: VerifyArgs) -> Result<(), Failure> {
    match verify(&args) {
        Ok(verdict) => {
            if args.json {
                let mut out = serde_json::to_value(&verdict).map_err(internal)?;
                out["valid"] = json!(true);
                say!("{out:#}");
            } else {
                say!("{}", report(&verdict));
            }
            Ok(())
        }
        Err(failure) => {
            if args.json {
                let out = json!({"valid": false, "error": failure.to_string()});
                say!("{out:#}");
            }
            Err(failure)
        }
    }
}

fn verify(args: &VerifyArgs) -> Result<Verdict, Failure> {
    let (Some(market_path), Some(prices_path)) = (&args.market, &args.prices) else {
        return Err(bad_input(anyhow!(
            "--market and --prices are required: a proof is only valid for the market and price round it is about, so name the ones you expect"
        )));
    };
    let path = args.proof.display().to_string();
    let envelope = AnyEnvelope::from_json(&files::read_bytes(&args.proof)?)
        .map_err(|e| bad_input(anyhow!("{path}: {e}")))?;
    match &envelope {
        AnyEnvelope::Health(_) if args.root.is_some() || args.depth.is_some() => {
            return Err(bad_input(anyhow!(
                "--root: {path} is a health proof about a committed account; check it with --account-commitment"
            )));
        }
        AnyEnvelope::State(_) if args.account_commitment.is_some() => {
            return Err(bad_input(anyhow!(
                "--account-commitment: {path} is a state proof about leaves of a state root; check it with --root"
            )));
        }
        AnyEnvelope::State(_) if args.root.is_none() => {
            return Err(bad_input(anyhow!(
                "--root is required: {path} is a state proof, valid only against the state root it names; pass the root the operator published"
            )));
        }
        AnyEnvelope::Health(_) | AnyEnvelope::State(_) if args.liquidator.is_some() => {
            return Err(bad_input(anyhow!(
                "--liquidator: {path} is not a liquidation proof; it has no liquidator to check"
            )));
        }
        AnyEnvelope::Liquidation(_) if args.account_commitment.is_some() => {
            return Err(bad_input(anyhow!(
                "--account-commitment: {path} is a liquidation proof about a leaf of a state root; check it with --root (the root before the liquidation)"
            )));
        }
        AnyEnvelope::Liquidation(_) if args.root.is_none() => {
            return Err(bad_input(anyhow!(
                "--root is required: {path} is a liquidation proof, valid only from the state root it starts at; pass the root before the liquidation"
            )));
        }
        _ => {}
    }
    let market = files::market(market_path)?;
    let prices = files::prices(prices_path, &market)?;
    let mut round = Round::new(market, prices).map_err(bad_input)?;
    if let Some(max_age) = args.max_age {
        round = match args.now {
            Some(now) => round.with_max_age(max_age, now),
            None => round.with_max_age_from_now(std::time::Duration::from_secs(max_age)),
        };
    }
    let hex = |flag: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| field::from_hex(t).map_err(|e| bad_input(anyhow!("{flag}: {e}"))))
            .transpose()
    };
    let account = hex("--account-commitment", &args.account_commitment)?;
    let liquidator = args
        .liquidator
        .as_deref()
        .map(|t| field::id_from_hex(t).map_err(|e| bad_input(anyhow!("--liquidator: {e}"))))
        .transpose()?;
    let root = hex("--root", &args.root)?.map(|root| {
        let root = StateRoot::new(root);
        match args.depth {
            Some(depth) => root.with_depth(depth),
            None => root,
        }
    });

    let params_dir = setup::params_dir(&args.params);
    let verifier = match &params_dir {
        Some(dir) => Verifier::with_params_cache(dir),
        None => Verifier::new(),
    };
    let k = match &envelope {
        AnyEnvelope::Health(e) => e.shape.k(),
        AnyEnvelope::State(e) => e.shape.k(),
        AnyEnvelope::Liquidation(e) => e.shape().k(),
    };
    let slow = !setup::params_store(params_dir).is_cached(k);
    let outcome = setup::with_spinner(slow, &format!("generating parameters for k = {k}"), || {
        check(&verifier, &envelope, &round, account, root, liquidator)
    });
    outcome.map_err(|e| match e {
        VerifyError::Keys(_) => internal(e),
        e if e.is_malformed() => bad_input(anyhow!("{path}: {e}")),
        e => rejected(anyhow!("{path}: {e}{}", super::depth_hint(&e, args.depth))),
    })
}

/// Verifies `envelope` against the context given: the verdict, or the library's error (a state
/// or liquidation proof without a root is [`VerifyError::MissingContext`]).
pub(crate) fn check(
    verifier: &Verifier,
    envelope: &AnyEnvelope,
    round: &Round,
    account: Option<zkliq_verifier::Fp>,
    root: Option<StateRoot>,
    liquidator: Option<zkliq_verifier::Fp>,
) -> Result<Verdict, VerifyError> {
    match (envelope, root) {
        (AnyEnvelope::Health(e), _) => verifier
            .verify_health(e, round, account)
            .map(Verdict::Health),
        (AnyEnvelope::State(e), Some(root)) => {
            verifier.verify_state(e, round, root).map(Verdict::State)
        }
        (AnyEnvelope::Liquidation(e), Some(root)) => verifier
            .verify_liquidation(e, round, root, liquidator)
            .map(Verdict::Liquidation),
        (AnyEnvelope::State(_), None) => Err(VerifyError::MissingContext {
            what: "root",
            kind: "a state proof",
        }),
        (AnyEnvelope::Liquidation(_), None) => Err(VerifyError::MissingContext {
            what: "root",
            kind: "a liquidation proof",
        }),
    }
}

fn report(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Health(v) => report_health(v),
        Verdict::State(v) => report_state(v),
        Verdict::Liquidation(v) => report_liquidation(v),
    }
}

fn round_line(r: &zkliq_verifier::RoundInfo) -> String {
    let age = r
        .max_age_secs
        .map(|s| format!(", no older than {s} s"))
        .unwrap_or_default();
    format!(
        "about market {:?} (commitment {}) at price round {} (timestamp {}{age}): checked",
        r.market,
        field::to_hex(&r.market_commitment),
        r.round,
        r.timestamp
    )
}

fn report_health(v: &HealthVerdict) -> String {
    let account = if v.account_checked() {
        "matches the given --account-commitment"
    } else {
        "the account the proof is about; pass --account-commitment to require it"
    };
    [
        format!("valid: the account is {}", v.claim()),
        round_line(v.round()),
        format!(
            "account commitment {} ({account})",
            field::to_hex(&v.account_commitment())
        ),
    ]
    .join("\n")
}

fn report_state(v: &StateVerdict) -> String {
    let (first, last) = v.leaves();
    let mut lines = vec![format!(
        "valid: {} claim(s) about leaves {first}..={last} of the state tree with the given root {} (depth {})",
        v.claims().len(),
        field::to_hex(&v.root()),
        v.depth()
    )];
    lines.extend(
        v.claims()
            .iter()
            .map(|c| format!("  leaf {}: {}", c.leaf, c.claim)),
    );
    lines.push(round_line(v.round()));
    if !v.root_binds_market() {
        lines.push(
            "note: a format-1 proof from an earlier release: its root does not commit to the market, so make sure this root is the one published for this market"
                .to_owned(),
        );
    }
    lines.join("\n")
}

fn report_liquidation(v: &LiquidationVerdict) -> String {
    let (debt, collateral) = v.assets();
    let liquidator = if v.liquidator_checked() {
        "matches the given --liquidator"
    } else {
        "the liquidator the proof is bound to; pass --liquidator to require it"
    };
    let repay = match v.repay() {
        u128::MAX => "max".to_owned(),
        amount => amount.to_string(),
    };
    [
        format!(
            "valid: leaf {} liquidated by the market's rule: repaid {} {debt} (offered {repay}), seized {} {collateral} ({} to the liquidator, {} fee)",
            v.leaf(),
            v.repaid(),
            v.seized(),
            v.to_liquidator(),
            v.fee()
        ),
        format!(
            "state root {} (the given --root, depth {}) -> new root {}",
            field::to_hex(&v.old_root()),
            v.depth(),
            field::to_hex(&v.new_root())
        ),
        format!("liquidator {} ({liquidator})", field::to_hex(&v.liquidator())),
        round_line(v.round()),
    ]
    .join("\n")
}
