//! The market: public configuration of a lending or margin venue.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Number;

use super::InputError;
use super::json::{self, parse};
use crate::bounds::{
    MAX_ASSETS, MAX_BONUS_BPS, MAX_DECIMALS, MAX_SYMBOL_BYTES, MAX_THRESHOLD_BPS, MAX_WEIGHT_BPS,
    MIN_BONUS_BPS, MIN_THRESHOLD_BPS, NORMALISED_DECIMALS,
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

/// A validated market: 1 to 16 distinct assets and a threshold in `1..=1000000` bps, and
/// optionally the rules of a liquidation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Market {
    name: String,
    threshold_bps: u32,
    assets: Vec<Asset>,
    liquidation: Option<LiquidationRules>,
}

// A market serialises as the `market.json` it was read from (the state database stores it so).
impl Serialize for Market {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// How a liquidation of an account of the market goes (the `liquidation` section of
/// `market.json` and each asset's `liquidation_bonus_bps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiquidationRules {
    /// Share of a debt that one liquidation may repay, in bps (`1..=10000`).
    pub close_factor_bps: u16,
    /// Below this ratio `10000·lhs/rhs` (in bps) the whole debt may be repaid (`0..=10000`).
    pub full_close_factor_below_bps: u16,
    /// Share of the liquidation bonus that goes to the protocol, in bps (`0..=10000`).
    pub protocol_fee_bps: u16,
    /// Each asset's liquidation bonus in bps (`10000..=20000`), in market order.
    pub bonus_bps: Vec<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a market object")]
struct RawMarket {
    name: String,
    threshold_bps: Number,
    #[serde(default)]
    liquidation: Option<RawLiquidation>,
    assets: Vec<RawAsset>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a liquidation object")]
struct RawLiquidation {
    close_factor_bps: Number,
    full_close_factor_below_bps: Number,
    protocol_fee_bps: Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an asset object")]
struct RawAsset {
    symbol: String,
    decimals: Number,
    weight_bps: Number,
    #[serde(default)]
    liquidation_bonus_bps: Option<Number>,
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
            liquidation: None,
        })
    }

    /// The market with liquidation rules, checking their bounds and that a liquidation never
    /// lowers the ratio: `weight_bps · bonus_bps <= 10000 · threshold_bps` for every asset.
    pub fn with_liquidation(mut self, rules: LiquidationRules) -> Result<Self, InputError> {
        let check = |field: &str, value: u16, range: std::ops::RangeInclusive<u16>| {
            if range.contains(&value) {
                Ok(())
            } else {
                Err(InputError::field(
                    field,
                    format!(
                        "must be an integer in {}..={}, got {value}",
                        range.start(),
                        range.end()
                    ),
                ))
            }
        };
        check(
            "liquidation.close_factor_bps",
            rules.close_factor_bps,
            1..=MAX_WEIGHT_BPS,
        )?;
        check(
            "liquidation.full_close_factor_below_bps",
            rules.full_close_factor_below_bps,
            0..=MAX_WEIGHT_BPS,
        )?;
        check(
            "liquidation.protocol_fee_bps",
            rules.protocol_fee_bps,
            0..=MAX_WEIGHT_BPS,
        )?;
        if rules.bonus_bps.len() != self.assets.len() {
            return Err(InputError::field(
                "liquidation_bonus_bps",
                format!(
                    "must give one bonus per market asset ({}), got {}",
                    self.assets.len(),
                    rules.bonus_bps.len()
                ),
            ));
        }
        for (i, (asset, bonus)) in self.assets.iter().zip(&rules.bonus_bps).enumerate() {
            let field = format!("assets[{i}].liquidation_bonus_bps");
            check(&field, *bonus, MIN_BONUS_BPS..=MAX_BONUS_BPS)?;
            let lhs = u64::from(asset.weight_bps) * u64::from(*bonus);
            let rhs = u64::from(MAX_WEIGHT_BPS) * u64::from(self.threshold_bps);
            if lhs > rhs {
                return Err(InputError::field(
                    field,
                    format!(
                        "weight_bps · liquidation_bonus_bps must be at most 10000 · threshold_bps (a liquidation must never lower the ratio): {} · {bonus} = {lhs} > {rhs}",
                        asset.weight_bps
                    ),
                ));
            }
        }
        self.liquidation = Some(rules);
        Ok(self)
    }

    /// The liquidation rules, if the market has them.
    pub fn liquidation(&self) -> Option<&LiquidationRules> {
        self.liquidation.as_ref()
    }

    /// The `market.json` form of the market (what [`Market::from_json`] reads).
    pub fn to_json(&self) -> serde_json::Value {
        let assets: Vec<serde_json::Value> = self
            .assets
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mut v = serde_json::json!({
                    "symbol": a.symbol,
                    "decimals": a.decimals,
                    "weight_bps": a.weight_bps,
                });
                if let Some(rules) = &self.liquidation {
                    v["liquidation_bonus_bps"] = rules.bonus_bps[i].into();
                }
                v
            })
            .collect();
        let mut v = serde_json::json!({
            "name": self.name,
            "threshold_bps": self.threshold_bps,
            "assets": assets,
        });
        if let Some(rules) = &self.liquidation {
            v["liquidation"] = serde_json::json!({
                "close_factor_bps": rules.close_factor_bps,
                "full_close_factor_below_bps": rules.full_close_factor_below_bps,
                "protocol_fee_bps": rules.protocol_fee_bps,
            });
        }
        v
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
        let mut bonuses = Vec::with_capacity(raw.assets.len());
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
            if let (Some(bonus), None) = (&asset.liquidation_bonus_bps, &raw.liquidation) {
                return Err(InputError::field(
                    format!("assets[{i}].liquidation_bonus_bps"),
                    format!("needs the market's \"liquidation\" section (got {bonus} without one)"),
                ));
            }
            bonuses.push(match &asset.liquidation_bonus_bps {
                Some(bonus) => json::integer(
                    &format!("assets[{i}].liquidation_bonus_bps"),
                    bonus,
                    u64::from(MIN_BONUS_BPS)..=u64::from(MAX_BONUS_BPS),
                )? as u16,
                None => MIN_BONUS_BPS,
            });
            assets.push(Asset {
                symbol: asset.symbol,
                // Both fit: checked against bounds far below the type's maximum just above.
                decimals: decimals as u8,
                weight_bps: weight as u16,
            });
        }
        let market = Market::new(raw.name, threshold as u32, assets)?;
        let Some(rules) = raw.liquidation else {
            return Ok(market);
        };
        let bps = |field: &str, value: &Number, min: u64| {
            json::integer(
                &format!("liquidation.{field}"),
                value,
                min..=u64::from(MAX_WEIGHT_BPS),
            )
            .map(|v| v as u16)
        };
        market.with_liquidation(LiquidationRules {
            close_factor_bps: bps("close_factor_bps", &rules.close_factor_bps, 1)?,
            full_close_factor_below_bps: bps(
                "full_close_factor_below_bps",
                &rules.full_close_factor_below_bps,
                0,
            )?,
            protocol_fee_bps: bps("protocol_fee_bps", &rules.protocol_fee_bps, 0)?,
            bonus_bps: bonuses,
        })
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

    const LIQ: &str = r#"{"name": "m", "threshold_bps": 10000,
        "liquidation": {"close_factor_bps": 5000, "full_close_factor_below_bps": 9500,
                        "protocol_fee_bps": 1000},
        "assets": [
        {"symbol": "WETH", "decimals": 18, "weight_bps": 8300, "liquidation_bonus_bps": 10500},
        {"symbol": "USDC", "decimals": 6, "weight_bps": 7800}]}"#;

    #[test]
    fn liquidation_rules_parse_default_and_round_trip() {
        let m = Market::from_json(LIQ).unwrap();
        let rules = m.liquidation().unwrap();
        assert_eq!(rules.bonus_bps, vec![10500, 10000], "absent bonus = 10000");
        assert_eq!(
            (
                rules.close_factor_bps,
                rules.full_close_factor_below_bps,
                rules.protocol_fee_bps
            ),
            (5000, 9500, 1000)
        );
        let again = Market::from_json(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(again, m);
        // A market without rules round-trips without them.
        let plain = Market::from_json(AAVE).unwrap();
        assert_eq!(plain.liquidation(), None);
        let text = serde_json::to_string(&plain).unwrap();
        assert!(!text.contains("liquidation"), "{text}");
        assert_eq!(Market::from_json(&text).unwrap(), plain);
    }

    #[test]
    fn liquidation_rules_reject_each_bound_by_name() {
        let cases = [
            (
                LIQ.replace("\"close_factor_bps\": 5000", "\"close_factor_bps\": 0"),
                "liquidation.close_factor_bps: must be an integer in 1..=10000, got 0",
            ),
            (
                LIQ.replace("9500", "10001"),
                "liquidation.full_close_factor_below_bps: must be an integer in 0..=10000",
            ),
            (
                LIQ.replace("1000}", "10001}"),
                "liquidation.protocol_fee_bps: must be an integer in 0..=10000",
            ),
            (
                LIQ.replace("10500", "9999"),
                "assets[0].liquidation_bonus_bps: must be an integer in 10000..=20000, got 9999",
            ),
            (
                LIQ.replace("10500", "20001"),
                "assets[0].liquidation_bonus_bps: must be an integer in 10000..=20000",
            ),
            // 8300 · 12500 > 10000 · 10000: a liquidation would lower the ratio.
            (
                LIQ.replace("10500", "12500"),
                "assets[0].liquidation_bonus_bps: weight_bps · liquidation_bonus_bps must be at most 10000 · threshold_bps",
            ),
            (
                AAVE.replace(
                    "\"weight_bps\": 8300",
                    "\"weight_bps\": 8300, \"liquidation_bonus_bps\": 10500",
                ),
                "assets[0].liquidation_bonus_bps: needs the market's \"liquidation\" section",
            ),
            (
                LIQ.replace("\"protocol_fee_bps\": 1000", "\"fee\": 1000"),
                "unknown field `fee`",
            ),
        ];
        for (text, expected) in cases {
            let e = err(&text);
            assert!(e.contains(expected), "{e:?} should contain {expected:?}");
        }
    }
}
