//! Verify a zkliq proof file (a health, state or liquidation proof) from Rust, against the market
//! and price round it must be about, and for a state proof the published root (for a
//! liquidation proof the root before it).
//!
//! ```text
//! cargo run --release -p zkliq-verifier --example verify_proof -- PROOF MARKET PRICES [ROOT]
//! ```

use std::process::ExitCode;

use zkliq_verifier::{Context, Round, Verdict, Verifier, from_hex, to_hex};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("rejected: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let (proof, market, prices, root) = match args {
        [proof, market, prices] => (proof, market, prices, None),
        [proof, market, prices, root] => (proof, market, prices, Some(root)),
        _ => return Err("usage: verify_proof PROOF MARKET PRICES [ROOT]".into()),
    };
    let round = Round::from_files(market, prices).map_err(|e| e.to_string())?;
    let mut context = Context::new(&round);
    if let Some(root) = root {
        context = context.root(from_hex(root).map_err(|e| format!("ROOT: {e}"))?);
    }
    let verdict = Verifier::new()
        .verify_file(proof, &context)
        .map_err(|e| e.to_string())?;
    let at = format!(
        "at round {} of market {:?}",
        round.prices().round(),
        round.market().name()
    );
    Ok(match verdict {
        Verdict::Health(v) => format!(
            "valid: the account with commitment {} is {} {at}",
            to_hex(&v.account_commitment()),
            v.claim()
        ),
        Verdict::State(v) => {
            let claims: Vec<String> = v
                .claims()
                .iter()
                .map(|c| format!("leaf {} is {}", c.leaf, c.claim))
                .collect();
            let caveat = if v.root_binds_market() {
                ""
            } else {
                "\nnote: a format-1 proof of an earlier release: its root does not commit to the market; make sure this root is the one published for it"
            };
            format!(
                "valid against state root {} {at}: {}{caveat}",
                to_hex(&v.root()),
                claims.join(", ")
            )
        }
        Verdict::Liquidation(v) => {
            let (debt, collateral) = v.assets();
            format!(
                "valid: leaf {} liquidated {at}: repaid {} {debt}, seized {} {collateral} ({} to liquidator {}, {} fee); root {} -> {}",
                v.leaf(),
                v.repaid(),
                v.seized(),
                v.to_liquidator(),
                to_hex(&v.liquidator()),
                v.fee(),
                to_hex(&v.old_root()),
                to_hex(&v.new_root())
            )
        }
    })
}
