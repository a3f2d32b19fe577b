//! The three inputs of the statement, parsed from the CLI's JSON formats and validated.
//!
//! - [`Market`] (public): ordered assets with decimals and collateral weights, and a threshold.
//! - [`PriceRound`] (public data): one oracle price per market asset, in market order.
//! - [`Account`] (private): a salt and per-asset collateral and debt, in market order.
//!
//! A value of any of these types satisfies every input bound in [`crate::bounds`]: the
//! constructors and parsers reject anything else with an [`InputError`] that names the field and
//! the bound.

mod account;
mod json;
mod market;
mod prices;

pub use account::{Account, SaltError};
pub use json::shorten;
pub use market::{Asset, LiquidationRules, Market};
pub use prices::PriceRound;

use thiserror::Error;

/// Why an input file was rejected. Each message is one line naming the field and the bound.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InputError {
    /// The input holds no JSON at all.
    #[error("empty input: expected a JSON object")]
    Empty,
    /// The text is not JSON, or not of the expected structure; `path` locates the fault
    /// (`.` for the whole document).
    #[error("{}{message}", path_prefix(path))]
    Syntax {
        /// Where in the document, e.g. `assets[2].decimals`.
        path: String,
        /// What the JSON parser expected.
        message: String,
    },
    /// A field is well-formed JSON but outside what the statement allows.
    #[error("{field}: {problem}")]
    Field {
        /// The field, e.g. `assets[1].weight_bps` or `collateral.WETH`.
        field: String,
        /// The violated bound and the offending value.
        problem: String,
    },
}

/// `path: `, or nothing where serde_path_to_error knows no path (`.`, `?`).
fn path_prefix(path: &str) -> String {
    let known: Vec<&str> = path
        .split('.')
        .filter(|segment| !segment.is_empty() && *segment != "?")
        .collect();
    if known.is_empty() || path.contains('?') {
        String::new()
    } else {
        format!("{}: ", known.join("."))
    }
}

impl InputError {
    pub(crate) fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        InputError::Field {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// A two-asset market (`A`, `B`, 18 decimals, weight 5000) for the parsers' unit tests.
#[cfg(test)]
pub(crate) fn test_market() -> Market {
    let asset = |s: &str| Asset {
        symbol: s.into(),
        decimals: 18,
        weight_bps: 5000,
    };
    Market::new("m", 10000, vec![asset("A"), asset("B")]).unwrap()
}
