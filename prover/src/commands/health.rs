//! `zkliq health`: the statement in the clear.

use serde_json::json;
use zkliq_circuits::health::reference;

use crate::cli::HealthArgs;
use crate::failure::Failure;
use crate::files;
use crate::output::say;

pub fn run(args: HealthArgs) -> Result<(), Failure> {
    let market = files::market(&args.inputs.market)?;
    let prices = files::prices(&args.inputs.prices, &market)?;
    let account = files::account(&args.inputs.account, &market)?;
    let valuation = reference::evaluate(&market, &prices, &account);
    let factor = valuation.health_factor();
    let threshold = valuation.threshold_ratio();
    let claim = valuation.claim();
    if args.json {
        let out = json!({
            "market": market.name(),
            "shape": market.shape().assets(),
            "claim": claim.as_str(),
            "health_factor": factor.as_ref().map(|r| r.to_string()),
            "health_factor_decimal": factor.as_ref().map(|r| r.to_decimal(6)),
            "threshold": threshold.to_string(),
            "lhs": valuation.lhs.to_string(),
            "rhs": valuation.rhs().to_string(),
            "collateral_value": valuation.collateral_value.to_string(),
            "debt_value": valuation.debt_value.to_string(),
        });
        say!("{out:#}");
        return Ok(());
    }
    say!(
        "market          {} ({} assets, {}-asset circuit, threshold {} bps)",
        market.name(),
        market.assets().len(),
        market.shape().assets(),
        market.threshold_bps()
    );
    say!(
        "price round     {} at unix time {} ({} price decimals)",
        prices.round(),
        prices.timestamp(),
        prices.decimals()
    );
    match &factor {
        Some(r) => say!("health factor   {} (exact {r})", r.to_decimal(6)),
        None => say!("health factor   none: the account has no debt"),
    }
    say!("liquidatable    below {}", threshold.to_decimal(4));
    say!("claim           {claim} (provable with --claim {claim})");
    Ok(())
}
