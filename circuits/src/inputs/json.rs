//! JSON helpers shared by the input parsers: structure errors with paths, maps that keep
//! duplicate keys (so they can be reported), and numbers checked against named bounds.

use std::fmt;
use std::ops::RangeInclusive;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Number, Value};

use super::InputError;

/// The UTF-8 byte-order mark some editors put at the start of a file.
const BOM: char = '\u{feff}';

/// Reads bytes as UTF-8 text, without a leading byte-order mark.
pub(crate) fn text(bytes: &[u8]) -> Result<&str, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| InputError::Syntax {
        path: String::new(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ),
    })?;
    Ok(text.strip_prefix(BOM).unwrap_or(text))
}

/// Parses `text` (a leading byte-order mark allowed) as a `T`, reporting where a structural
/// error sits.
pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> Result<T, InputError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let body = text.trim_start();
    if body.is_empty() {
        return Err(InputError::Empty);
    }
    // Every input is an object; serde would read an array as a struct's fields in order.
    if !body.starts_with('{') {
        let message = match serde_json::from_str::<Value>(body) {
            Ok(value) => {
                let found = match value {
                    Value::Array(_) => "an array",
                    Value::String(_) => "a string",
                    Value::Bool(_) => "a boolean",
                    Value::Null => "null",
                    _ => "a number",
                };
                format!("expected a JSON object, found {found}")
            }
            Err(e) => format!("not JSON: {e}"),
        };
        return Err(InputError::Syntax {
            path: String::new(),
            message,
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| InputError::Syntax {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    de.end().map_err(|e| InputError::Syntax {
        path: String::new(),
        message: e.to_string(),
    })?;
    Ok(value)
}

/// `text` for an error message: long values (a pasted file, a thousand-digit number) are cut
/// to their first characters and their length.
pub fn shorten(text: &str) -> String {
    const KEEP: usize = 24;
    if text.chars().count() <= 2 * KEEP {
        return text.to_owned();
    }
    let head: String = text.chars().take(KEEP).collect();
    format!("{head}… ({} characters)", text.chars().count())
}

/// A JSON object read as its key/value pairs in document order, duplicates kept.
#[derive(Debug, Default)]
pub(crate) struct Pairs(pub Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object mapping asset symbols to decimal strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    pairs.push((key, value));
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// Reads a JSON integer within `range`.
pub(crate) fn integer(
    field: &str,
    value: &Number,
    range: RangeInclusive<u64>,
) -> Result<u64, InputError> {
    match value.as_u64() {
        Some(v) if range.contains(&v) => Ok(v),
        _ => Err(InputError::field(
            field,
            format!(
                "must be an integer in {}..={}, got {}",
                range.start(),
                range.end(),
                shorten(&value.to_string())
            ),
        )),
    }
}

/// Reads a decimal string of base units (digits only) within `min..=max`.
pub(crate) fn decimal_string(
    field: &str,
    value: &Value,
    min: u128,
    max: u128,
) -> Result<u128, InputError> {
    let bound = || format!("in {min}..={max}");
    let text = match value {
        Value::String(text) => text,
        Value::Number(n) => {
            // Suggest the string form only where it is itself valid.
            let hint = match n.as_u64() {
                Some(v) if (min..=max).contains(&u128::from(v)) => format!(" (write \"{v}\")"),
                _ => String::new(),
            };
            return Err(InputError::field(
                field,
                format!(
                    "must be a decimal string of digits {}{hint}, got the number {}",
                    bound(),
                    shorten(&n.to_string())
                ),
            ));
        }
        other => {
            return Err(InputError::field(
                field,
                format!(
                    "must be a decimal string {}, got {}",
                    bound(),
                    shorten(&other.to_string())
                ),
            ));
        }
    };
    let shown = shorten(text);
    let problem = if text.is_empty() {
        Some("must be a decimal string of digits, got an empty string".to_owned())
    } else if text.starts_with('-') {
        Some(format!(
            "must not be negative ({}), got \"{shown}\"",
            bound()
        ))
    } else if text.contains('.') {
        Some(format!(
            "must be a whole number of base units without a fractional part ({}), got \"{shown}\"",
            bound()
        ))
    } else if !text.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!(
            "must contain only the digits 0-9 ({}), got \"{shown}\"",
            bound()
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(InputError::field(field, problem));
    }
    match text.parse::<u128>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(InputError::field(
            field,
            format!("must be {}, got \"{shown}\"", bound()),
        )),
    }
}

/// Reports the first key that appears twice in `pairs`.
pub(crate) fn reject_duplicates(object: &str, pairs: &Pairs) -> Result<(), InputError> {
    let mut seen = std::collections::BTreeSet::new();
    for (key, _) in &pairs.0 {
        if !seen.insert(key.as_str()) {
            return Err(InputError::field(
                format!("{object}.{}", shorten(key)),
                "duplicate symbol: each asset may appear once",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimal_strings_name_the_bound() {
        let max = u128::MAX;
        assert_eq!(decimal_string("x", &json!("0"), 0, max), Ok(0));
        assert_eq!(decimal_string("x", &json!("007"), 0, max), Ok(7));
        assert_eq!(
            decimal_string("x", &json!(max.to_string()), 0, max),
            Ok(max)
        );
        for (bad, needle) in [
            (json!("-5"), "negative"),
            (json!("1.5"), "fractional"),
            (json!("1e18"), "only the digits"),
            (json!("+5"), "only the digits"),
            (json!(" 5"), "only the digits"),
            (json!(""), "empty"),
            (json!(5), "decimal string"),
            (json!(null), "decimal string"),
            (
                json!("340282366920938463463374607431768211456"),
                "0..=340282366920938463463374607431768211455",
            ),
        ] {
            let err = decimal_string("collateral.WETH", &bad, 0, max).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with("collateral.WETH: "), "{text}");
            assert!(text.contains(needle), "{text} should mention {needle}");
        }
        let err = decimal_string("prices.DAI", &json!("0"), 1, u64::MAX.into()).unwrap_err();
        assert!(err.to_string().contains("in 1..=18446744073709551615"));
    }

    #[test]
    fn integers_reject_negative_fractional_and_out_of_range() {
        let n = |v: Value| match v {
            Value::Number(n) => n,
            _ => unreachable!(),
        };
        assert_eq!(integer("d", &n(json!(18)), 0..=18), Ok(18));
        for bad in [json!(19), json!(-1), json!(1.5), json!(1e3)] {
            let err = integer("decimals", &n(bad), 0..=18).unwrap_err();
            assert!(err.to_string().contains("0..=18"), "{err}");
        }
    }

    #[test]
    fn pairs_keep_duplicates() {
        let pairs: Pairs = parse(r#"{"A": "1", "A": "2"}"#).unwrap();
        assert_eq!(pairs.0.len(), 2);
        let err = reject_duplicates("debt", &pairs).unwrap_err();
        assert!(err.to_string().starts_with("debt.A: duplicate"));
    }

    #[test]
    fn structural_errors_carry_a_path() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct T {
            a: Vec<Number>,
        }
        assert_eq!(parse::<T>("  \n").unwrap_err(), InputError::Empty);
        let err = parse::<T>(r#"{"a": [1, "x"]}"#).unwrap_err();
        assert!(err.to_string().starts_with("a[1]: "), "{err}");
        let err = parse::<T>(r#"{"a": []} trailing"#).unwrap_err();
        assert!(err.to_string().contains("trailing"), "{err}");
        assert!(parse::<T>("{").is_err());
    }
}
