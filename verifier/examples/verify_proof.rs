//! Verify a zkliq proof file (a health proof or a state proof) from Rust, optionally against a
//! market and a price round.
//!
//! ```text
//! cargo run --release -p zkliq-verifier --example verify_proof -- PROOF [MARKET PRICES]
//! ```

use std::process::ExitCode;

use zkliq_verifier::{AnyVerified, Market, PriceRound, Verifier};

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
    let [proof, rest @ ..] = args else {
        return Err("usage: verify_proof PROOF [MARKET PRICES]".into());
    };
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));

    let verifier = Verifier::new();
    let verified = verifier
        .verify_any_json(read(proof)?.as_bytes())
        .map_err(|e| e.to_string())?;

    if let [market, prices] = rest {
        let market = Market::from_json(&read(market)?).map_err(|e| e.to_string())?;
        let prices = PriceRound::from_json(&read(prices)?, &market).map_err(|e| e.to_string())?;
        match &verified {
            AnyVerified::Health(v) => v.check_prices(&market, &prices),
            AnyVerified::State(v) => v.check_prices(&market, &prices),
        }
        .map_err(|e| e.to_string())?;
    }
    Ok(match verified {
        AnyVerified::Health(v) => format!("valid: the committed account is {}", v.claim()),
        AnyVerified::State(v) => {
            let claims: Vec<String> = v
                .claimed()
                .map(|(leaf, claim)| format!("leaf {leaf} is {claim}"))
                .collect();
            format!(
                "valid: against state root {:?}: {}",
                v.instance.root,
                claims.join(", ")
            )
        }
    })
}
