//! `zkliq verify-report`: check a round report directory (`report.json` and its
//! `group-*.proof.json` and `piece-*.proof.json` files) against a market, a price round and a
//! published state root ([`zkliq_verifier::Verifier::verify_report_groups`]). Exit 0 only if
//! every piece verifies and the pieces cover the whole tree exactly once; then it prints the
//! whole-book figures.

use anyhow::anyhow;
use serde_json::json;
use zkliq_circuits::field;
use zkliq_verifier::{
    ReportFile, ReportGroupEnvelope, ReportVerdict, Round, StateRoot, Verifier, VerifyError,
};

use crate::cli::VerifyReportArgs;
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::output::say;
use crate::{files, setup};

pub fn run(args: VerifyReportArgs) -> Result<(), Failure> {
    let root = field::from_hex(&args.root).map_err(|e| bad_input(anyhow!("--root: {e}")))?;
    let market = files::market(&args.market)?;
    let prices = files::prices(&args.prices, &market)?;
    let round = Round::new(market, prices).map_err(bad_input)?;
    let fail = |failure: Failure| {
        if args.json {
            say!(
                "{:#}",
                json!({"valid": false, "error": failure.to_string()})
            );
        }
        failure
    };
    if !args.dir.is_dir() {
        return Err(fail(bad_input(anyhow!(
            "{}: not a directory (give the report's directory)",
            args.dir.display()
        ))));
    }
    let report_path = args.dir.join("report.json");
    if !report_path.is_file() {
        return Err(fail(rejected(anyhow!(
            "{}: missing: the report is incomplete (zkliq report writes it last)",
            report_path.display()
        ))));
    }
    let report = ReportFile::from_json(&files::read_bytes(&report_path)?)
        .map_err(|e| fail(rejected(anyhow!("{}: {e}", report_path.display()))))?;
    let paths = piece_files(&args.dir)?;
    let mut pieces = Vec::with_capacity(paths.len());
    for path in &paths {
        let piece = ReportGroupEnvelope::from_json(&files::read_bytes(path)?)
            .map_err(|e| fail(rejected(anyhow!("{}: {e}", path.display()))))?;
        pieces.push(piece);
    }
    let verifier = match setup::params_dir(&args.params) {
        Some(dir) => Verifier::with_params_cache(dir),
        None => Verifier::new(),
    };
    let root = StateRoot::new(root).with_depth(args.depth.unwrap_or(zkliq_circuits::tree::DEPTH));
    let verdict = verifier
        .verify_report_groups(&pieces, &report, &round, root)
        .map_err(|e| match e {
            VerifyError::Keys(_) => internal(anyhow!("{e}")),
            e => fail(rejected(anyhow!(
                "{}: {e}{}",
                args.dir.display(),
                super::depth_hint(&e, args.depth)
            ))),
        })?;
    let symbols: Vec<&str> = round
        .market()
        .assets()
        .iter()
        .map(|a| a.symbol.as_str())
        .collect();
    if args.json {
        say!("{:#}", report_json(&verdict, &round));
        return Ok(());
    }
    say!(
        "valid: round report of {} at round {}, root {} ({} pieces of {} leaves cover the whole tree)",
        verdict.round.market,
        verdict.round.round,
        field::to_hex(&verdict.root),
        verdict.pieces,
        verdict.positions
    );
    say!("accounts: {}", verdict.book.accounts);
    say!(
        "liquidatable: {} (leaves {:?})",
        verdict.liquidatable.len(),
        verdict.liquidatable
    );
    for (i, s) in symbols.iter().enumerate() {
        say!(
            "{s}: collateral {}, debt {} (base units)",
            verdict.book.collateral[i],
            verdict.book.debt[i]
        );
    }
    for b in verdict.buckets() {
        let label = match (b.from_bps, b.to_bps) {
            (None, _) => "no debt".to_owned(),
            (Some(f), Some(t)) => format!("ratio [{:.2}, {:.2})", f as f64 / 1e4, t as f64 / 1e4),
            (Some(f), None) => format!("ratio >= {:.2}", f as f64 / 1e4),
        };
        say!("{label}: {}", b.accounts);
    }
    Ok(())
}

/// The verdict as `verify-report --json` prints it (the contract's keys).
pub(crate) fn report_json(verdict: &ReportVerdict, round: &Round) -> serde_json::Value {
    let totals: serde_json::Map<String, serde_json::Value> = round
        .market()
        .assets()
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                a.symbol.clone(),
                json!({
                    "collateral": verdict.book.collateral[i].to_string(),
                    "debt": verdict.book.debt[i].to_string(),
                }),
            )
        })
        .collect();
    json!({
        "valid": true,
        "root": field::to_hex(&verdict.root),
        "market": verdict.round.market,
        "round": verdict.round.round,
        "pieces": verdict.pieces,
        "positions": verdict.positions,
        "accounts": verdict.book.accounts,
        "liquidatable": verdict.liquidatable,
        "totals": totals,
        "buckets": verdict.buckets(),
    })
}

/// The report's group and piece files, sorted by name.
fn piece_files(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, Failure> {
    let mut out = files::list(dir, |name| {
        (name.starts_with("piece-") || name.starts_with("group-")) && name.ends_with(".proof.json")
    })?;
    // The verifier orders the pieces by their proven indices; a stable order keeps its
    // messages the same from run to run.
    out.sort();
    Ok(out)
}
