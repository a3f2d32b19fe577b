//! `zkliq verify-chain`: check a chain of liquidation proofs (the `liquidation-*.proof.json`
//! files of a `keeper --execute` directory, in the order of their numbers) from a published state root, at one
//! market and price round. Each link must start at the root the one before ended at, so a
//! missing, reordered or altered link fails the chain from there on. Exit 0 only if every link
//! verifies (and, with `--to`, the chain ends at that root).

use std::path::PathBuf;

use anyhow::anyhow;
use serde_json::json;
use zkliq_circuits::field;
use zkliq_verifier::{LiquidationProofEnvelope, Round, StateRoot, Verifier, VerifyError};

use crate::cli::VerifyChainArgs;
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::output::say;
use crate::{files, setup};

/// The chain's files: `liquidation-*.proof.json` in `dir`, by their number (not as text: the
/// millionth comes after the 999,999th).
pub fn chain_files(dir: &std::path::Path) -> Result<Vec<PathBuf>, Failure> {
    let mut out = files::list(dir, |name| {
        name.starts_with("liquidation-") && name.ends_with(".proof.json")
    })?;
    files::sort_by_number(&mut out, "liquidation-");
    Ok(out)
}

pub fn run(args: VerifyChainArgs) -> Result<(), Failure> {
    let hex = |flag: &str, text: &str| {
        field::from_hex(text).map_err(|e| bad_input(anyhow!("{flag}: {e}")))
    };
    let from = hex("--from", &args.from)?;
    let to = args.to.as_deref().map(|t| hex("--to", t)).transpose()?;
    let liquidator = args
        .liquidator
        .as_deref()
        .map(|t| field::id_from_hex(t).map_err(|e| bad_input(anyhow!("--liquidator: {e}"))))
        .transpose()?;
    let market = files::market(&args.market)?;
    let prices = files::prices(&args.prices, &market)?;
    let round = Round::new(market, prices).map_err(bad_input)?;
    let paths = chain_files(&args.dir)?;
    if paths.is_empty() {
        return Err(rejected(anyhow!(
            "{}: no liquidation-*.proof.json files: there is no chain to verify",
            args.dir.display()
        )));
    }
    let mut envelopes = Vec::with_capacity(paths.len());
    for path in &paths {
        let envelope = LiquidationProofEnvelope::from_json(&files::read_bytes(path)?)
            .map_err(|e| rejected(anyhow!("{}: {e}", path.display())))?;
        envelopes.push(envelope);
    }
    let params_dir = setup::params_dir(&args.params);
    let verifier = match &params_dir {
        Some(dir) => Verifier::with_params_cache(dir),
        None => Verifier::new(),
    };
    let start = match args.depth {
        Some(depth) => StateRoot::new(from).with_depth(depth),
        None => StateRoot::new(from),
    };
    let report = verifier.verify_liquidation_chain(&envelopes, &round, start, liquidator);
    if let Some((i, e)) = report.failures().next() {
        if let VerifyError::Keys(_) = e {
            return Err(internal(anyhow!("{e}")));
        }
        let failure = rejected(anyhow!(
            "{}: link {} of {}: {e}{}",
            paths[i].display(),
            i + 1,
            paths.len(),
            // Only the first link can say the depth: every later one is checked at the depth
            // the first passed at.
            if i == 0 {
                super::depth_hint(e, args.depth)
            } else {
                String::new()
            }
        ));
        if args.json {
            say!(
                "{:#}",
                json!({"valid": false, "error": failure.to_string()})
            );
        }
        return Err(failure);
    }
    let verdicts: Vec<_> = report.results.into_iter().flatten().collect();
    let last = verdicts
        .last()
        .expect("a non-empty chain verified")
        .new_root();
    if let Some(to) = to.filter(|to| *to != last) {
        let failure = rejected(anyhow!(
            "the chain ends at root {}, not at --to {}: a link is missing at its end, or it is another chain",
            field::to_hex(&last),
            field::to_hex(&to)
        ));
        if args.json {
            say!(
                "{:#}",
                json!({"valid": false, "error": failure.to_string()})
            );
        }
        return Err(failure);
    }
    if args.json {
        let links: Vec<_> = paths
            .iter()
            .zip(&verdicts)
            .map(|(p, v)| {
                let mut link = serde_json::to_value(v).unwrap_or_default();
                link["proof"] = json!(p.display().to_string());
                link
            })
            .collect();
        say!(
            "{:#}",
            json!({
                "valid": true,
                "from": field::to_hex(&from),
                "final_root": field::to_hex(&last),
                "final_root_checked": to.is_some(),
                "liquidator_checked": liquidator.is_some(),
                "links": links,
            })
        );
        return Ok(());
    }
    for (i, (p, v)) in paths.iter().zip(&verdicts).enumerate() {
        let (debt, collateral) = v.assets();
        say!(
            "#{} {}: leaf {}, repaid {} {debt}, seized {} {collateral} ({} to liquidator {}, {} fee)",
            i + 1,
            p.display(),
            v.leaf(),
            v.repaid(),
            v.seized(),
            v.to_liquidator(),
            field::to_hex(&v.liquidator()),
            v.fee()
        );
    }
    let round = verdicts[0].round();
    say!(
        "valid: {} liquidations by the market's rule at price round {} of market {:?}, from root {}",
        verdicts.len(),
        round.round,
        round.market,
        field::to_hex(&from)
    );
    say!(
        "final root {} ({})",
        field::to_hex(&last),
        if to.is_some() {
            "matches --to"
        } else {
            "not checked: pass --to with the root the operator published"
        }
    );
    if liquidator.is_none() {
        say!("liquidators: as each proof is bound to; pass --liquidator to require one");
    }
    Ok(())
}
