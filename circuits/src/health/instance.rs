//! The public inputs: what a verifier learns and checks.
//!
//! The instance column holds, row by row:
//!
//! | row | value |
//! |-----|-------|
//! | [`ACCOUNT_COMMITMENT_ROW`] | commitment to the private account (salted, hiding) |
//! | [`PRICE_COMMITMENT_ROW`]   | commitment to the oracle price round |
//! | [`MARKET_COMMITMENT_ROW`]  | commitment to the market configuration |
//! | [`CLAIM_ROW`]              | the claim: 1 = healthy, 0 = liquidatable |

use std::fmt;
use std::str::FromStr;

use ff::Field;
use thiserror::Error;

use crate::field::Fp;

/// Instance row of the account commitment.
pub const ACCOUNT_COMMITMENT_ROW: usize = 0;
/// Instance row of the price-round commitment.
pub const PRICE_COMMITMENT_ROW: usize = 1;
/// Instance row of the market commitment.
pub const MARKET_COMMITMENT_ROW: usize = 2;
/// Instance row of the claim bit.
pub const CLAIM_ROW: usize = 3;
/// Number of public inputs.
pub const NUM_PUBLIC_INPUTS: usize = 4;

/// What a proof asserts about the committed account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Claim {
    /// `lhs >= rhs`: the weighted collateral covers the threshold times the debt.
    Healthy,
    /// `lhs < rhs`: the account may be liquidated.
    Liquidatable,
}

impl Claim {
    /// The claim bit in the instance column.
    pub fn to_field(self) -> Fp {
        match self {
            Claim::Healthy => Fp::ONE,
            Claim::Liquidatable => Fp::ZERO,
        }
    }

    /// The opposite claim.
    pub fn negate(self) -> Claim {
        match self {
            Claim::Healthy => Claim::Liquidatable,
            Claim::Liquidatable => Claim::Healthy,
        }
    }

    /// `"healthy"` or `"liquidatable"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Claim::Healthy => "healthy",
            Claim::Liquidatable => "liquidatable",
        }
    }
}

impl serde::Serialize for Claim {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A claim name other than `healthy` or `liquidatable`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be \"healthy\" or \"liquidatable\", got {0:?}")]
pub struct ClaimParseError(pub String);

impl FromStr for Claim {
    type Err = ClaimParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "healthy" => Ok(Claim::Healthy),
            "liquidatable" => Ok(Claim::Liquidatable),
            other => Err(ClaimParseError(other.to_owned())),
        }
    }
}

/// Why a column of field elements is not a valid instance.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InstanceError {
    /// The column does not hold exactly [`NUM_PUBLIC_INPUTS`] values.
    #[error("expected {NUM_PUBLIC_INPUTS} public inputs, got {0}")]
    Length(usize),
    /// The claim row holds neither 0 nor 1.
    #[error("the claim public input must be 0 (liquidatable) or 1 (healthy)")]
    ClaimNotBoolean,
}

/// The typed public inputs of a health proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    /// Commitment to the private account ([`crate::commitment::account_commitment`]).
    pub account_commitment: Fp,
    /// Commitment to the price round ([`crate::commitment::price_commitment`]).
    pub price_commitment: Fp,
    /// Commitment to the market ([`crate::commitment::market_commitment`]).
    pub market_commitment: Fp,
    /// The claim proven about the account.
    pub claim: Claim,
}

impl Instance {
    /// The instance column, in row order.
    pub fn to_column(&self) -> Vec<Fp> {
        let mut column = vec![Fp::ZERO; NUM_PUBLIC_INPUTS];
        column[ACCOUNT_COMMITMENT_ROW] = self.account_commitment;
        column[PRICE_COMMITMENT_ROW] = self.price_commitment;
        column[MARKET_COMMITMENT_ROW] = self.market_commitment;
        column[CLAIM_ROW] = self.claim.to_field();
        column
    }

    /// Reads an instance column, checking its length and that the claim is a bit.
    pub fn from_column(column: &[Fp]) -> Result<Self, InstanceError> {
        if column.len() != NUM_PUBLIC_INPUTS {
            return Err(InstanceError::Length(column.len()));
        }
        let claim = match column[CLAIM_ROW] {
            c if c == Fp::ONE => Claim::Healthy,
            c if c == Fp::ZERO => Claim::Liquidatable,
            _ => return Err(InstanceError::ClaimNotBoolean),
        };
        Ok(Instance {
            account_commitment: column[ACCOUNT_COMMITMENT_ROW],
            price_commitment: column[PRICE_COMMITMENT_ROW],
            market_commitment: column[MARKET_COMMITMENT_ROW],
            claim,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_round_trips_and_validates() {
        let i = Instance {
            account_commitment: Fp::from(1),
            price_commitment: Fp::from(2),
            market_commitment: Fp::from(3),
            claim: Claim::Liquidatable,
        };
        assert_eq!(Instance::from_column(&i.to_column()), Ok(i));
        let mut bad = i.to_column();
        bad[CLAIM_ROW] = Fp::from(2);
        assert_eq!(
            Instance::from_column(&bad),
            Err(InstanceError::ClaimNotBoolean)
        );
        assert_eq!(
            Instance::from_column(&bad[..3]),
            Err(InstanceError::Length(3))
        );
        assert_eq!("healthy".parse::<Claim>(), Ok(Claim::Healthy));
        assert!("Healthy".parse::<Claim>().is_err());
        assert_eq!(Claim::Healthy.negate(), Claim::Liquidatable);
    }
}
