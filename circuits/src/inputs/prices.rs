//! An oracle price round: public data, one price per market asset.

use serde::Deserialize;
use serde_json::Number;

use super::json::{self, Pairs, parse};
use super::{InputError, Market};
use crate::bounds::MAX_DECIMALS;

/// A validated price round, with prices in the order of the market it was resolved against.
///
/// Every price is in `1..=u64::MAX`; `decimals` is in `0..=18`. Price decimals are common to all
/// assets, so they cancel out of the comparison; they are still committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRound {
    round: u64,
    timestamp: u64,
    decimals: u8,
    prices: Vec<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a price round object")]
struct RawPrices {
    round: Number,
    timestamp: Number,
    decimals: Number,
    prices: Pairs,
}

impl PriceRound {
    /// Builds a round for `market`, with `prices` in market order.
    pub fn new(
        market: &Market,
        round: u64,
        timestamp: u64,
        decimals: u8,
        prices: Vec<u64>,
    ) -> Result<Self, InputError> {
        if decimals > MAX_DECIMALS {
            return Err(InputError::field(
                "decimals",
                format!("must be an integer in 0..={MAX_DECIMALS}, got {decimals}"),
            ));
        }
        if prices.len() != market.assets().len() {
            return Err(InputError::field(
                "prices",
                format!(
                    "must hold one price per market asset ({}), got {}",
                    market.assets().len(),
                    prices.len()
                ),
            ));
        }
        if let Some(i) = prices.iter().position(|&p| p == 0) {
            return Err(InputError::field(
                format!("prices.{}", market.assets()[i].symbol),
                format!("must be in 1..={}, got \"0\"", u64::MAX),
            ));
        }
        Ok(PriceRound {
            round,
            timestamp,
            decimals,
            prices,
        })
    }

    /// Parses the `prices.json` format: `{"round", "timestamp", "decimals", "prices":
    /// {"SYMBOL": "123", ...}}` with exactly the market's symbols.
    pub fn from_json(text: &str, market: &Market) -> Result<Self, InputError> {
        PriceRound::from_raw(parse(text)?, market)
    }

    /// [`PriceRound::from_json`] on the bytes of a file (UTF-8, a leading byte-order mark
    /// allowed).
    pub fn from_slice(bytes: &[u8], market: &Market) -> Result<Self, InputError> {
        PriceRound::from_json(json::text(bytes)?, market)
    }

    fn from_raw(raw: RawPrices, market: &Market) -> Result<Self, InputError> {
        let round = json::integer("round", &raw.round, 0..=u64::MAX)?;
        let timestamp = json::integer("timestamp", &raw.timestamp, 0..=u64::MAX)?;
        let decimals = json::integer("decimals", &raw.decimals, 0..=u64::from(MAX_DECIMALS))?;
        let mut prices = vec![None; market.assets().len()];
        for (i, symbol, value) in market.resolve("prices", &raw.prices)? {
            let price =
                json::decimal_string(&format!("prices.{symbol}"), value, 1, u64::MAX.into())?;
            prices[i] = Some(price as u64);
        }
        let prices = prices
            .into_iter()
            .zip(market.assets())
            .map(|(price, asset)| {
                price.ok_or_else(|| {
                    InputError::field(
                        format!("prices.{}", asset.symbol),
                        "missing: the round must price every market asset",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        PriceRound::new(market, round, timestamp, decimals as u8, prices)
    }

    /// The oracle's round number.
    pub fn round(&self) -> u64 {
        self.round
    }

    /// Publication time, unix seconds.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// Decimals of every price in this round.
    pub fn decimals(&self) -> u8 {
        self.decimals
    }

    /// Prices in market order.
    pub fn prices(&self) -> &[u64] {
        &self.prices
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::test_market as market;

    const OK: &str = r#"{"round": 7, "timestamp": 1700000000, "decimals": 8,
        "prices": {"B": "200", "A": "100"}}"#;

    #[test]
    fn orders_prices_by_market() {
        let p = PriceRound::from_json(OK, &market()).unwrap();
        assert_eq!(p.prices(), &[100, 200]);
        assert_eq!((p.round(), p.timestamp(), p.decimals()), (7, 1700000000, 8));
    }

    #[test]
    fn rejects_bad_prices_by_name() {
        let cases = [
            (
                OK.replace("\"100\"", "\"0\""),
                "prices.A: must be in 1..=18446744073709551615, got \"0\"",
            ),
            (
                OK.replace("\"100\"", "\"18446744073709551616\""),
                "prices.A: must be in 1..=18446744073709551615",
            ),
            (
                OK.replace("\"100\"", "\"-1\""),
                "prices.A: must not be negative",
            ),
            (
                OK.replace("\"100\"", "\"1.25\""),
                "prices.A: must be a whole number",
            ),
            (OK.replace(", \"A\": \"100\"", ""), "prices.A: missing"),
            (
                OK.replace("\"A\": \"100\"", "\"A\": \"100\", \"C\": \"5\""),
                "prices.C: unknown asset",
            ),
            (
                OK.replace("\"A\": \"100\"", "\"A\": \"100\", \"A\": \"5\""),
                "prices.A: duplicate symbol",
            ),
            (
                OK.replace("\"decimals\": 8", "\"decimals\": 19"),
                "decimals: must be an integer in 0..=18, got 19",
            ),
            (
                OK.replace("\"round\": 7", "\"round\": -7"),
                "round: must be an integer in 0..=18446744073709551615",
            ),
            (OK.replace("\"round\": 7,", ""), "missing field `round`"),
        ];
        for (text, expected) in cases {
            let e = PriceRound::from_json(&text, &market())
                .unwrap_err()
                .to_string();
            assert!(e.contains(expected), "{e:?} should contain {expected:?}");
        }
    }
}
