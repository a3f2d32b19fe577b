//! The market: public configuration of a lending or margin venue.

use serde::{Deserialize, Serialize};
use serde_json::Number;

use super::InputError;
use super::json::{self, parse};
use crate::bounds::{
    MAX_ASSETS, MAX_DECIMALS, MAX_SYMBOL_BYTES, MAX_THRESHOLD_BPS, MAX_WEIGHT_BPS,
    MIN_THRESHOLD_BPS, NORMALISED_DECIMALS,
};
use crate::shape::Shape;

/// One market asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// Ticker: 1 to 31 printable ASCII characters, no spaces.
    pub symbol: String,
    /// Token decimals, `0..=18`.
    pub decimals: u8,
    /// Collateral weight in basis points, `0..=10000`.
    pub weight_bps: u16,
}

impl Asset {
    /// `10^(18 - decimals)`: the factor that brings a base-unit amount to 18 decimals.
    pub fn scale(&self) -> u64 {
        10u64.pow(u32::from(NORMALISED_DECIMALS - self.decimals))
    }
}

/// A validated market: 1 to 16 distinct assets and a threshold in `1..=1000000` bps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Market {
    name: String,
    threshold_bps: u32,
    assets: Vec<Asset>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a market object")]
struct RawMarket {
    name: String,
    threshold_bps: Number,
    assets: Vec<RawAsset>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an asset object")]
struct RawAsset {
    symbol: String,
    decimals: Number,
    weight_bps: Number,
}

impl Market {
    /// Builds a market, checking every bound.
    pub fn new(
        name: impl Into<String>,
        threshold_bps: u32,
        assets: Vec<Asset>,
    ) -> Result<Self, InputError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(InputError::field("name", "must not be empty"));
        }
        if !(MIN_THRESHOLD_BPS..=MAX_THRESHOLD_BPS).contains(&threshold_bps) {
            return Err(InputError::field(
                "threshold_bps",
                format!(
                    "must be an integer in {MIN_THRESHOLD_BPS}..={MAX_THRESHOLD_BPS}, got {threshold_bps}"
                ),
            ));
        }
        if assets.is_empty() || assets.len() > MAX_ASSETS {
            return Err(InputError::field(
                "assets",
                format!("must list 1 to {MAX_ASSETS} assets, got {}", assets.len()),
            ));
        }
        for (i, asset) in assets.iter().enumerate() {
            check_symbol(&format!("assets[{i}].symbol"), &asset.symbol)?;
            if let Some(j) = assets[..i].iter().position(|a| a.symbol == asset.symbol) {
                return Err(InputError::field(
                    format!("assets[{i}].symbol"),
                    format!("duplicate symbol \"{}\" (also assets[{j}])", asset.symbol),
                ));
            }
            if asset.decimals > MAX_DECIMALS {
                return Err(InputError::field(
                    format!("assets[{i}].decimals"),
                    format!(
                        "must be an integer in 0..={MAX_DECIMALS}, got {}",
                        asset.decimals
                    ),
                ));
            }
            if asset.weight_bps > MAX_WEIGHT_BPS {
                return Err(InputError::field(
                    format!("assets[{i}].weight_bps"),
                    format!(
                        "must be an integer in 0..={MAX_WEIGHT_BPS}, got {}",
                        asset.weight_bps
                    ),
                ));
            }
        }
        Ok(Market {
            name,
            threshold_bps,
            assets,
        })
    }

    /// Parses the `market.json` format: `{"name", "threshold_bps", "assets": [{"symbol",
    /// "decimals", "weight_bps"}, ...]}`.
    pub fn from_json(text: &str) -> Result<Self, InputError> {
        Market::from_raw(parse(text)?)
    }

    /// [`Market::from_json`] on the bytes of a file (UTF-8, a leading byte-order mark
    /// allowed).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, InputError> {
        Market::from_json(json::text(bytes)?)
    }

    fn from_raw(raw: RawMarket) -> Result<Self, InputError> {
        let threshold = json::integer(
            "threshold_bps",
            &raw.threshold_bps,
            u64::from(MIN_THRESHOLD_BPS)..=u64::from(MAX_THRESHOLD_BPS),
        )?;
        let mut assets = Vec::with_capacity(raw.assets.len());
        for (i, asset) in raw.assets.into_iter().enumerate() {
            let decimals = json::integer(
                &format!("assets[{i}].decimals"),
                &asset.decimals,
                0..=u64::from(MAX_DECIMALS),
            )?;
            let weight = json::integer(
                &format!("assets[{i}].weight_bps"),
                &asset.weight_bps,
                0..=u64::from(MAX_WEIGHT_BPS),
            )?;
            assets.push(Asset {
                symbol: asset.symbol,
                // Both fit: checked against bounds far below the type's maximum just above.
                decimals: decimals as u8,
                weight_bps: weight as u16,
            });
        }
        Market::new(raw.name, threshold as u32, assets)
    }

    /// The market's label (not committed: it cannot change a verdict).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The threshold `T` in basis points.
    pub fn threshold_bps(&self) -> u32 {
        self.threshold_bps
    }

    /// The assets, in the order every vector of the statement follows.
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    /// The smallest circuit shape that holds this market.
    pub fn shape(&self) -> Shape {
        Shape::for_assets(self.assets.len()).expect("a validated market has 1..=MAX_ASSETS assets")
    }

    /// Position of `symbol` in the market, if listed.
    pub fn position(&self, symbol: &str) -> Option<usize> {
        self.assets.iter().position(|a| a.symbol == symbol)
    }

    /// Resolves an object of `symbol -> value` pairs into market positions, rejecting unknown
    /// and duplicate symbols.
    pub(crate) fn resolve<'a>(
        &self,
        object: &str,
        pairs: &'a json::Pairs,
    ) -> Result<Vec<(usize, &'a str, &'a serde_json::Value)>, InputError> {
        json::reject_duplicates(object, pairs)?;
        pairs
            .0
            .iter()
            .map(|(symbol, value)| match self.position(symbol) {
                Some(i) => Ok((i, symbol.as_str(), value)),
                None => Err(InputError::field(
                    format!("{object}.{}", json::shorten(symbol)),
                    format!(
                        "unknown asset: market \"{}\" lists {}",
                        self.name,
                        self.symbol_list()
                    ),
                )),
            })
            .collect()
    }

    fn symbol_list(&self) -> String {
        let symbols: Vec<&str> = self.assets.iter().map(|a| a.symbol.as_str()).collect();
        symbols.join(", ")
    }
}

fn check_symbol(field: &str, symbol: &str) -> Result<(), InputError> {
    let ok = !symbol.is_empty()
        && symbol.len() <= MAX_SYMBOL_BYTES
        && symbol.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(InputError::field(
            field,
            format!(
                "must be 1 to {MAX_SYMBOL_BYTES} printable ASCII characters without spaces, got {:?}",
                json::shorten(symbol)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AAVE: &str = r#"{"name": "m", "threshold_bps": 10000, "assets": [
        {"symbol": "WETH", "decimals": 18, "weight_bps": 8300},
        {"symbol": "USDC", "decimals": 6, "weight_bps": 7800}]}"#;

    #[test]
    fn parses_and_scales() {
        let m = Market::from_json(AAVE).unwrap();
        assert_eq!(m.assets().len(), 2);
        assert_eq!(m.assets()[0].scale(), 1);
        assert_eq!(m.assets()[1].scale(), 1_000_000_000_000);
        assert_eq!(m.shape().assets(), 2);
        assert_eq!(m.position("USDC"), Some(1));
    }

    fn err(text: &str) -> String {
        Market::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn rejects_each_bound_by_name() {
        let cases = [
            (
                AAVE.replace("10000", "0"),
                "threshold_bps: must be an integer in 1..=1000000, got 0",
            ),
            (
                AAVE.replace("10000", "1000001"),
                "threshold_bps: must be an integer in 1..=1000000",
            ),
            (
                AAVE.replace("10000", "-3"),
                "threshold_bps: must be an integer in 1..=1000000, got -3",
            ),
            (
                AAVE.replace("10000", "1.5"),
                "threshold_bps: must be an integer",
            ),
            (
                AAVE.replace("10000", "\"10000\""),
                "threshold_bps: invalid type",
            ),
            (
                AAVE.replace("8300", "10001"),
                "assets[0].weight_bps: must be an integer in 0..=10000, got 10001",
            ),
            (
                AAVE.replace("\"decimals\": 6", "\"decimals\": 19"),
                "assets[1].decimals: must be an integer in 0..=18, got 19",
            ),
            (
                AAVE.replace("USDC", "WETH"),
                "assets[1].symbol: duplicate symbol \"WETH\" (also assets[0])",
            ),
            (
                AAVE.replace("USDC", "US DC"),
                "assets[1].symbol: must be 1 to 31 printable ASCII",
            ),
            (
                AAVE.replace("USDC", ""),
                "assets[1].symbol: must be 1 to 31",
            ),
            (AAVE.replace("\"m\"", "\"\""), "name: must not be empty"),
            (
                AAVE.replace("weight_bps\": 8300", "weight\": 8300"),
                "unknown field `weight`",
            ),
            (
                r#"{"name": "m", "threshold_bps": 1, "assets": []}"#.to_owned(),
                "assets: must list 1 to 16 assets, got 0",
            ),
        ];
        for (text, expected) in cases {
            let e = err(&text);
            assert!(e.contains(expected), "{e:?} should contain {expected:?}");
            assert!(!e.contains('\n'), "one line: {e:?}");
        }
        let many: Vec<String> = (0..17)
            .map(|i| format!(r#"{{"symbol": "A{i}", "decimals": 1, "weight_bps": 1}}"#))
            .collect();
        let text = format!(
            r#"{{"name": "m", "threshold_bps": 1, "assets": [{}]}}"#,
            many.join(",")
        );
        assert!(err(&text).contains("must list 1 to 16 assets, got 17"));
    }
}
