//! The liquidation rule in plain integers: the reference the circuit is tested against, and what
//! `zkliq quote` prints.
//!
//! For a liquidatable account, a debt asset `d`, a collateral asset `c` and an offered `repay`,
//! with `v_i(x) = x · price_i · 10^(18 − decimals_i)`, `lhs` and `rhs` as in the health
//! statement, the market's close factor `CF`, full-close-factor bound `H`, protocol fee `f` and
//! the collateral's bonus `LB_c` (all in bps):
//!
//! ```text
//! deep          = 10000 · lhs <= H · rhs
//! max_debt      = debt_d if deep else floor(debt_d · CF / 10000)
//! a             = min(repay, max_debt)                         (refused if a = 0)
//! base          = floor(a · p_d · s_d / (p_c · s_c))
//! max_coll      = floor(base · LB_c / 10000)
//! capped        = max_coll > collateral_c
//! seized        = collateral_c                                  if capped, else max_coll
//! repaid        = ceil(collateral_c · p_c · s_c · 10000 / (p_d · s_d · LB_c))   if capped, else a
//! bonus         = seized − floor(seized · 10000 / LB_c)
//! fee           = ceil(bonus · f / 10000)
//! to_liquidator = seized − fee
//! ```
//!
//! Afterwards `debt_d −= repaid` and `collateral_c −= seized`; nothing else changes. Every
//! rounding goes against the liquidator. `d = c` is allowed. Refused: a market without
//! liquidation rules, a healthy account, no debt in `d`, no collateral in `c`, `c` of weight 0,
//! nothing left to repay (`a = 0`).

use std::fmt;

use num_bigint::BigUint;
use num_integer::Integer;

use crate::health::Claim;
use crate::health::reference::{self as health, Valuation};
use crate::inputs::{Account, Market, PriceRound};

/// What the liquidator offers to repay, in base units of the debt asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repay {
    /// Exactly this much at most.
    Amount(u128),
    /// As much as the rule allows (`2^128 − 1`).
    Max,
}

impl Repay {
    /// The offered amount as an integer (`Max` is `2^128 − 1`).
    pub fn amount(self) -> u128 {
        match self {
            Repay::Amount(a) => a,
            Repay::Max => u128::MAX,
        }
    }
}

impl fmt::Display for Repay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Repay::Amount(a) => write!(f, "{a}"),
            Repay::Max => f.write_str("max"),
        }
    }
}

impl std::str::FromStr for Repay {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "max" {
            return Ok(Repay::Max);
        }
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "must be \"max\" or a whole number of base units in 0..={}, got {:?}",
                u128::MAX,
                crate::inputs::shorten(s)
            ));
        }
        s.parse().map(Repay::Amount).map_err(|_| {
            format!(
                "must be at most {} base units, got {}",
                u128::MAX,
                crate::inputs::shorten(s)
            )
        })
    }
}

/// A liquidation to quote or prove: which debt to repay, which collateral to seize, how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// Index of the debt asset `d` in the market.
    pub debt: usize,
    /// Index of the collateral asset `c` in the market.
    pub collateral: usize,
    /// The offered repayment.
    pub repay: Repay,
}

/// Why a liquidation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The market has no `liquidation` section.
    #[error("the market has no liquidation rules")]
    NoRules,
    /// The account is not liquidatable at this round.
    #[error("healthy")]
    Healthy,
    /// The account owes nothing in the debt asset.
    #[error("no debt in that asset")]
    NoDebt,
    /// The account holds none of the collateral asset.
    #[error("no collateral in that asset")]
    NoCollateral,
    /// The collateral asset does not count as collateral (weight 0).
    #[error("the asset has weight 0")]
    ZeroWeight,
    /// The amount to repay is 0 (an offer of 0, or a close factor that rounds to 0).
    #[error("nothing is left to repay")]
    NothingToRepay,
}

/// A liquidation in the clear: the amounts that change hands, the balances afterwards, and the
/// intermediate values of the rule (which the circuit's witness uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// Debt removed from the account (base units of `d`).
    pub repaid: u128,
    /// Collateral removed from the account (base units of `c`).
    pub seized: u128,
    /// `seized − fee`: collateral to the liquidator.
    pub to_liquidator: u128,
    /// Collateral to the protocol.
    pub fee: u128,
    /// The full close factor applied (`10000 · lhs <= H · rhs`).
    pub deep: bool,
    /// The collateral ran out before the debt offered (`max_coll > collateral_c`).
    pub capped: bool,
    /// Collateral per asset afterwards.
    pub new_collateral: Vec<u128>,
    /// Debt per asset afterwards.
    pub new_debt: Vec<u128>,
    /// `debt_d` or `floor(debt_d · CF / 10000)`.
    pub max_debt: u128,
    /// `a = min(repay, max_debt)`.
    pub amount: u128,
    /// `floor(a · p_d · s_d / (p_c · s_c))`.
    pub base: BigUint,
    /// `floor(base · LB_c / 10000)`.
    pub max_coll: BigUint,
    /// `seized − floor(seized · 10000 / LB_c)`.
    pub bonus: u128,
    /// The account's valuation at the round.
    pub valuation: Valuation,
}

/// Quotes a liquidation of `account` at `prices` by the market's rule.
pub fn quote(
    market: &Market,
    prices: &PriceRound,
    account: &Account,
    request: Request,
) -> Result<Quote, Refusal> {
    let rules = market.liquidation().ok_or(Refusal::NoRules)?;
    let (d, c) = (request.debt, request.collateral);
    let valuation = health::evaluate(market, prices, account);
    if valuation.claim() == Claim::Healthy {
        return Err(Refusal::Healthy);
    }
    let debt_d = account.debt()[d];
    let coll_c = account.collateral()[c];
    if debt_d == 0 {
        return Err(Refusal::NoDebt);
    }
    if coll_c == 0 {
        return Err(Refusal::NoCollateral);
    }
    if market.assets()[c].weight_bps == 0 {
        return Err(Refusal::ZeroWeight);
    }
    let big = BigUint::from;
    let bps = |v: u16| BigUint::from(v);
    let ten_k = BigUint::from(10_000u32);
    let deep = &ten_k * &valuation.lhs <= bps(rules.full_close_factor_below_bps) * valuation.rhs();
    let max_debt = if deep {
        debt_d
    } else {
        to_u128(big(debt_d) * bps(rules.close_factor_bps) / &ten_k)
    };
    let amount = request.repay.amount().min(max_debt);
    if amount == 0 {
        return Err(Refusal::NothingToRepay);
    }
    let unit = |i: usize| BigUint::from(prices.prices()[i]) * market.assets()[i].scale();
    let (unit_d, unit_c) = (unit(d), unit(c));
    let bonus_c = bps(rules.bonus_bps[c]);
    let base = big(amount) * &unit_d / &unit_c;
    let max_coll = &base * &bonus_c / &ten_k;
    let capped = max_coll > big(coll_c);
    let (seized, repaid) = if capped {
        let repaid = (big(coll_c) * &unit_c * &ten_k).div_ceil(&(&unit_d * &bonus_c));
        (coll_c, to_u128(repaid))
    } else {
        (to_u128(max_coll.clone()), amount)
    };
    let bonus = seized - to_u128(big(seized) * &ten_k / &bonus_c);
    let fee = to_u128((big(bonus) * bps(rules.protocol_fee_bps)).div_ceil(&ten_k));
    let mut new_collateral = account.collateral().to_vec();
    let mut new_debt = account.debt().to_vec();
    new_collateral[c] -= seized;
    new_debt[d] -= repaid;
    Ok(Quote {
        repaid,
        seized,
        to_liquidator: seized - fee,
        fee,
        deep,
        capped,
        new_collateral,
        new_debt,
        max_debt,
        amount,
        base,
        max_coll,
        bonus,
        valuation,
    })
}

/// The liquidation a keeper executes by default: repay `max` of the debt asset with the largest
/// debt value, seizing the collateral asset with the largest weighted collateral value (ties go
/// to the lower asset index). `None` if the account has no debt or no weighted collateral.
pub fn default_request(market: &Market, prices: &PriceRound, account: &Account) -> Option<Request> {
    let unit = |i: usize| BigUint::from(prices.prices()[i]) * market.assets()[i].scale();
    let largest = |value: &dyn Fn(usize) -> BigUint| {
        (0..market.assets().len())
            .map(|i| (value(i), i))
            .filter(|(v, _)| *v > BigUint::ZERO)
            // The largest value; among equal values the lowest index.
            .max_by(|(a, i), (b, j)| a.cmp(b).then(j.cmp(i)))
            .map(|(_, i)| i)
    };
    let debt = largest(&|i| BigUint::from(account.debt()[i]) * unit(i))?;
    let collateral = largest(&|i| {
        BigUint::from(account.collateral()[i]) * unit(i) * market.assets()[i].weight_bps
    })?;
    Some(Request {
        debt,
        collateral,
        repay: Repay::Max,
    })
}

/// A value the rule bounds by a u128 (every amount moved is at most a balance).
fn to_u128(v: BigUint) -> u128 {
    u128::try_from(v).expect("bounded by an account balance")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_request_takes_the_largest_values_and_the_lower_index_on_ties() {
        use crate::inputs::Asset;
        let asset = |s: &str| Asset {
            symbol: s.into(),
            decimals: 18,
            weight_bps: 5000,
        };
        let m = Market::new("m", 10000, vec![asset("A"), asset("B"), asset("C")]).unwrap();
        let p = PriceRound::new(&m, 1, 1, 8, vec![2, 1, 1]).unwrap();
        let a = |c: Vec<u128>, d: Vec<u128>| Account::new(&m, crate::Fp::from(1), c, d).unwrap();
        // Debt values 2, 2, 1 (A ties B: A); collateral values 1, 3, 3 (B ties C: B).
        let r = default_request(&m, &p, &a(vec![1, 3, 3], vec![1, 2, 1])).unwrap();
        assert_eq!((r.debt, r.collateral, r.repay), (0, 1, Repay::Max));
        assert_eq!(
            default_request(&m, &p, &a(vec![1, 0, 0], vec![0, 0, 0])),
            None
        );
    }

    #[test]
    fn repay_parses_max_and_amounts() {
        assert_eq!("max".parse(), Ok(Repay::Max));
        assert_eq!("0".parse(), Ok(Repay::Amount(0)));
        assert_eq!(Repay::Max.amount(), u128::MAX);
        let max = u128::MAX.to_string();
        assert_eq!(max.parse(), Ok(Repay::Amount(u128::MAX)));
        for bad in [
            "",
            "-1",
            "1.5",
            "MAX",
            "1e3",
            "340282366920938463463374607431768211456",
        ] {
            assert!(bad.parse::<Repay>().is_err(), "{bad}");
        }
    }
}
