//! The statement in plain integer arithmetic: the off-circuit reference the circuit is tested
//! against, and what `zkliq health` reports.
//!
//! With `scale_i = 10^(18 - decimals_i)`:
//!
//! ```text
//! lhs = Σ collateral_i · price_i · scale_i · weight_i
//! rhs = T · Σ debt_i · price_i · scale_i
//! ```
//!
//! The account is healthy iff `lhs >= rhs`. Arithmetic is exact (arbitrary precision).

use std::fmt;

use num_bigint::BigUint;
use num_integer::Integer;

use crate::health::instance::Claim;
use crate::inputs::{Account, Market, PriceRound};

/// The exact valuation of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valuation {
    /// `Σ collateral_i · price_i · scale_i · weight_i`.
    pub lhs: BigUint,
    /// `Σ debt_i · price_i · scale_i`, the debt value.
    pub debt_value: BigUint,
    /// `Σ collateral_i · price_i · scale_i`, the unweighted collateral value (for display).
    pub collateral_value: BigUint,
    /// The threshold `T` in basis points.
    pub threshold_bps: u32,
}

/// A non-negative fraction in lowest terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ratio {
    /// Numerator.
    pub numerator: BigUint,
    /// Denominator (non-zero).
    pub denominator: BigUint,
}

impl Ratio {
    fn reduced(numerator: BigUint, denominator: BigUint) -> Ratio {
        let g = numerator.gcd(&denominator);
        Ratio {
            numerator: numerator / &g,
            denominator: denominator / g,
        }
    }

    /// Decimal rendering truncated (not rounded) to `places` places.
    pub fn to_decimal(&self, places: u32) -> String {
        let (int, frac) = self.numerator.div_rem(&self.denominator);
        if places == 0 {
            return int.to_string();
        }
        let frac = frac * BigUint::from(10u32).pow(places) / &self.denominator;
        format!("{int}.{frac:0>width$}", width = places as usize)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

impl Valuation {
    /// `T · debt_value`.
    pub fn rhs(&self) -> BigUint {
        &self.debt_value * self.threshold_bps
    }

    /// The claim that holds: healthy iff `lhs >= rhs` (so zero debt is healthy).
    pub fn claim(&self) -> Claim {
        if self.lhs >= self.rhs() {
            Claim::Healthy
        } else {
            Claim::Liquidatable
        }
    }

    /// `lhs / (10000 · debt_value)`: the health factor (Aave-style, `T = 10000`) or the
    /// collateral ratio (Maker-style, weights of 10000). `None` when there is no debt.
    pub fn health_factor(&self) -> Option<Ratio> {
        if self.debt_value == BigUint::ZERO {
            return None;
        }
        Some(Ratio::reduced(
            self.lhs.clone(),
            &self.debt_value * 10_000u32,
        ))
    }

    /// `T / 10000`: the health factor at which the verdict flips.
    pub fn threshold_ratio(&self) -> Ratio {
        Ratio::reduced(BigUint::from(self.threshold_bps), BigUint::from(10_000u32))
    }
}

/// Evaluates the statement for an account of `market` at `prices`.
pub fn evaluate(market: &Market, prices: &PriceRound, account: &Account) -> Valuation {
    let mut lhs = BigUint::ZERO;
    let mut debt_value = BigUint::ZERO;
    let mut collateral_value = BigUint::ZERO;
    for (i, asset) in market.assets().iter().enumerate() {
        let unit = BigUint::from(prices.prices()[i]) * asset.scale();
        let collateral = BigUint::from(account.collateral()[i]) * &unit;
        lhs += &collateral * asset.weight_bps;
        collateral_value += collateral;
        debt_value += BigUint::from(account.debt()[i]) * &unit;
    }
    Valuation {
        lhs,
        debt_value,
        collateral_value,
        threshold_bps: market.threshold_bps(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Fp;
    use crate::inputs::Asset;

    #[test]
    fn boundary_is_healthy_and_one_unit_less_is_not() {
        let asset = |s: &str, d, w| Asset {
            symbol: s.into(),
            decimals: d,
            weight_bps: w,
        };
        let m = Market::new(
            "m",
            15000,
            vec![asset("ETH", 18, 10000), asset("DAI", 18, 0)],
        )
        .unwrap();
        let p = PriceRound::new(&m, 1, 1, 8, vec![300, 100]).unwrap();
        // 1 ETH at 300 against 2 DAI at 100: ratio 1.5, exactly the threshold.
        let a = |c| Account::new(&m, Fp::from(1), vec![c, 0], vec![0, 2]).unwrap();
        let v = evaluate(&m, &p, &a(1));
        assert_eq!(v.claim(), Claim::Healthy);
        assert_eq!(v.health_factor().unwrap().to_string(), "3/2");
        assert_eq!(v.health_factor().unwrap().to_decimal(4), "1.5000");
        assert_eq!(evaluate(&m, &p, &a(0)).claim(), Claim::Liquidatable);
        let none = Account::new(&m, Fp::from(1), vec![0, 0], vec![0, 0]).unwrap();
        assert_eq!(evaluate(&m, &p, &none).claim(), Claim::Healthy);
        assert_eq!(evaluate(&m, &p, &none).health_factor(), None);
    }

    #[test]
    fn decimal_rendering_truncates() {
        let r = Ratio::reduced(BigUint::from(2u32), BigUint::from(3u32));
        assert_eq!(r.to_decimal(4), "0.6666");
        assert_eq!(r.to_decimal(0), "0");
        let r = Ratio::reduced(BigUint::from(101u32), BigUint::from(100u32));
        assert_eq!(r.to_decimal(3), "1.010");
    }
}
