//! A private account: a salt and per-asset collateral and debt.

use ff::FromUniformBytes;
use rand::TryRng;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::json::{self, Pairs, parse};
use super::{InputError, Market};
use crate::field::{self, Fp};

/// A validated account, amounts in the order of the market it was resolved against.
///
/// Amounts are token base units, each in `0..=u128::MAX`; the salt is any field element and makes
/// the account commitment hiding.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    salt: Fp,
    collateral: Vec<u128>,
    debt: Vec<u128>,
}

// The salt is the secret that hides the account: keep it out of logs.
impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("salt", &"<hidden>")
            .field("collateral", &self.collateral)
            .field("debt", &self.debt)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an account object")]
struct RawAccount {
    salt: String,
    #[serde(default)]
    collateral: Pairs,
    #[serde(default)]
    debt: Pairs,
}

/// One line of a state import file: an `account.json` object plus its `"id"`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an account object with an \"id\"")]
struct RawLine {
    id: String,
    salt: String,
    #[serde(default)]
    collateral: Pairs,
    #[serde(default)]
    debt: Pairs,
}

/// The operating system could not supply randomness for a salt.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct SaltError(String);

impl Account {
    /// Builds an account for `market` with amounts in market order.
    pub fn new(
        market: &Market,
        salt: Fp,
        collateral: Vec<u128>,
        debt: Vec<u128>,
    ) -> Result<Self, InputError> {
        let n = market.assets().len();
        for (name, v) in [("collateral", &collateral), ("debt", &debt)] {
            if v.len() != n {
                return Err(InputError::field(
                    name,
                    format!(
                        "must hold one amount per market asset ({n}), got {}",
                        v.len()
                    ),
                ));
            }
        }
        Ok(Account {
            salt,
            collateral,
            debt,
        })
    }

    /// Parses the `account.json` format: `{"salt": "0x…", "collateral": {"SYMBOL": "amount"},
    /// "debt": {"SYMBOL": "amount"}}`. Absent assets hold 0.
    pub fn from_json(text: &str, market: &Market) -> Result<Self, InputError> {
        Account::from_raw(parse(text)?, market)
    }

    /// [`Account::from_json`] on the bytes of a file (UTF-8, a leading byte-order mark
    /// allowed).
    pub fn from_slice(bytes: &[u8], market: &Market) -> Result<Self, InputError> {
        Account::from_json(json::text(bytes)?, market)
    }

    /// One line of a state import file: an `account.json` object plus an `"id"` string;
    /// returns the id and the account. Duplicate keys are refused at every level, as in a file.
    pub fn from_json_line(text: &str, market: &Market) -> Result<(String, Self), InputError> {
        let line: RawLine = parse(text)?;
        let raw = RawAccount {
            salt: line.salt,
            collateral: line.collateral,
            debt: line.debt,
        };
        Ok((line.id, Account::from_raw(raw, market)?))
    }

    fn from_raw(raw: RawAccount, market: &Market) -> Result<Self, InputError> {
        let salt = field::from_hex(&raw.salt).map_err(|e| {
            InputError::field("salt", format!("{e}, got {:?}", json::shorten(&raw.salt)))
        })?;
        let n = market.assets().len();
        let mut amounts = [vec![0u128; n], vec![0u128; n]];
        for (object, pairs, out) in [("collateral", &raw.collateral, 0), ("debt", &raw.debt, 1)] {
            for (i, symbol, value) in market.resolve(object, pairs)? {
                amounts[out][i] =
                    json::decimal_string(&format!("{object}.{symbol}"), value, 0, u128::MAX)?;
            }
        }
        let [collateral, debt] = amounts;
        Account::new(market, salt, collateral, debt)
    }

    /// Writes the `account.json` format (zero amounts omitted).
    pub fn to_json(&self, market: &Market) -> Value {
        let object = |amounts: &[u128]| {
            let mut map = Map::new();
            for (asset, amount) in market.assets().iter().zip(amounts) {
                if *amount != 0 {
                    map.insert(asset.symbol.clone(), Value::String(amount.to_string()));
                }
            }
            Value::Object(map)
        };
        json!({
            "salt": field::to_hex(&self.salt),
            "collateral": object(&self.collateral),
            "debt": object(&self.debt),
        })
    }

    /// A uniformly random salt from the operating system's generator.
    pub fn random_salt() -> Result<Fp, SaltError> {
        let mut bytes = [0u8; 64];
        rand::rngs::SysRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| SaltError(e.to_string()))?;
        Ok(Fp::from_uniform_bytes(&bytes))
    }

    /// The hiding salt.
    pub fn salt(&self) -> Fp {
        self.salt
    }

    /// Fails if the salt is below `2^MIN_SALT_BITS` ([`crate::bounds::MIN_SALT_BITS`]): a
    /// small salt lets anyone try every salt and recover the balances from the commitment.
    pub fn check_salt_strength(&self) -> Result<(), InputError> {
        let repr = ff::PrimeField::to_repr(&self.salt);
        let high = &repr.as_ref()[(crate::bounds::MIN_SALT_BITS / 8) as usize..];
        if high.iter().all(|b| *b == 0) {
            return Err(InputError::field(
                "salt",
                format!(
                    "must be at least 2^{} (a random field element, as `zkliq new-account` writes): a small salt lets anyone recover the balances from the commitment",
                    crate::bounds::MIN_SALT_BITS
                ),
            ));
        }
        Ok(())
    }

    /// Collateral amounts in market order.
    pub fn collateral(&self) -> &[u128] {
        &self.collateral
    }

    /// Debt amounts in market order.
    pub fn debt(&self) -> &[u128] {
        &self.debt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::test_market as market;

    const SALT: &str = "0x166db639b03bd888138f9317972683ed6bd2378baa3972c1bf82a44105a9b71d";

    #[test]
    fn parses_with_absent_assets_as_zero_and_round_trips() {
        let text = format!(r#"{{"salt": "{SALT}", "collateral": {{"B": "5"}}}}"#);
        let a = Account::from_json(&text, &market()).unwrap();
        assert_eq!(a.collateral(), &[0, 5]);
        assert_eq!(a.debt(), &[0, 0]);
        let again = Account::from_json(&a.to_json(&market()).to_string(), &market()).unwrap();
        assert_eq!(again, a);
        assert!(
            !format!("{a:?}").contains("166db6"),
            "salt must not be logged"
        );
    }

    #[test]
    fn rejects_bad_accounts_by_name() {
        let ok = format!(r#"{{"salt": "{SALT}", "collateral": {{"A": "1"}}, "debt": {{}}}}"#);
        let modulus = crate::field::MODULUS_HEX;
        let cases = [
            (
                ok.replace(SALT, "0x1234"),
                "salt: must be 0x followed by exactly 64 hexadecimal digits",
            ),
            (
                ok.replace(SALT, modulus),
                "salt: must be below the field modulus",
            ),
            (
                ok.replace("\"A\": \"1\"", "\"A\": \"-1\""),
                "collateral.A: must not be negative",
            ),
            (
                ok.replace("\"A\": \"1\"", "\"A\": \"0.5\""),
                "collateral.A: must be a whole number",
            ),
            (
                ok.replace("\"A\": \"1\"", "\"Z\": \"1\""),
                "collateral.Z: unknown asset",
            ),
            (
                ok.replace("\"A\": \"1\"", "\"A\": \"1\", \"A\": \"2\""),
                "collateral.A: duplicate symbol",
            ),
            (
                ok.replace("{}", "{\"A\": \"340282366920938463463374607431768211456\"}"),
                "debt.A: must be in 0..=340282366920938463463374607431768211455",
            ),
            (ok.replace("\"debt\"", "\"debts\""), "unknown field `debts`"),
        ];
        for (text, expected) in cases {
            let e = Account::from_json(&text, &market())
                .unwrap_err()
                .to_string();
            assert!(e.contains(expected), "{e:?} should contain {expected:?}");
        }
    }

    #[test]
    fn random_salts_differ() {
        assert_ne!(
            Account::random_salt().unwrap(),
            Account::random_salt().unwrap()
        );
    }
}
