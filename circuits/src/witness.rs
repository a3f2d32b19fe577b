//! The prover's private witness: every value the circuit assigns, as field elements.
//!
//! [`HealthWitness::new`] derives an honest witness from typed inputs. Its fields are public so
//! that soundness tests can tamper with exactly one value and check that the circuit rejects it;
//! [`HealthWitness::derive_verdict`] recomputes the comparison values after such a change, and
//! [`HealthWitness::public_inputs`] the matching instance column.

use ff::Field;
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;

use crate::bounds::{CARRY_OFFSET_BITS, REMAINDER_BITS};
use crate::commitment::{AccountOpening, MarketOpening, PriceOpening};
use crate::field::{self, Fp, pow2};
use crate::inputs::{Account, Market, PriceRound};
use crate::instance::{
    ACCOUNT_COMMITMENT_ROW, CLAIM_ROW, Claim, MARKET_COMMITMENT_ROW, NUM_PUBLIC_INPUTS,
    PRICE_COMMITMENT_ROW,
};
use crate::shape::Shape;

/// The values of the comparison `lhs - rhs = 2^64 · (δ_hi + carry) + r`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerdictWitness {
    /// `carry + 2^156`, where `carry = floor(δ_lo / 2^64)` and `δ_lo = A_lo - T · D_lo`.
    pub carry: Fp,
    /// `r = δ_lo - 2^64 · carry`, in `0..2^64`.
    pub remainder: Fp,
    /// `y = x` for a healthy claim, `y = -x - 1` for a liquidatable one, where
    /// `x = δ_hi + carry`; the claim holds iff `y` is a small non-negative integer.
    pub verdict: Fp,
}

/// Everything the prover assigns, for one shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthWitness {
    /// The circuit shape (number of asset slots).
    pub shape: Shape,
    /// Opening of the market commitment.
    pub market: MarketOpening,
    /// Opening of the price-round commitment.
    pub prices: PriceOpening,
    /// Opening of the account commitment.
    pub account: AccountOpening,
    /// The claim bit (1 = healthy); anything else is dishonest.
    pub claim: Fp,
    /// Comparison values.
    pub verdict: VerdictWitness,
}

impl HealthWitness {
    /// The witness for proving `claim` about `account`. If the claim is false the witness is
    /// still built, and the circuit rejects it (the verdict value falls outside its range).
    pub fn new(market: &Market, prices: &PriceRound, account: &Account, claim: Claim) -> Self {
        let shape = market.shape();
        let mut witness = HealthWitness {
            shape,
            market: MarketOpening::new(market),
            prices: PriceOpening::new(prices, shape),
            account: AccountOpening::new(account, shape),
            claim: claim.to_field(),
            verdict: VerdictWitness {
                carry: Fp::ZERO,
                remainder: Fp::ZERO,
                verdict: Fp::ZERO,
            },
        };
        witness.verdict = witness.derive_verdict();
        witness
    }

    /// The accumulated sums `[A_lo, A_hi, D_lo, D_hi]`, computed in the field exactly as the
    /// circuit does: `A_x = Σ c_x · p · s · w`, `D_x = Σ d_x · p · s`.
    pub fn accumulators(&self) -> [Fp; 4] {
        let mut acc = [Fp::ZERO; 4];
        for i in 0..self.shape.assets() {
            let unit = self.prices.prices[i] * self.market.scales[i];
            let weighted = unit * self.market.weights[i];
            let c = self.account.collateral[i];
            let d = self.account.debt[i];
            acc[0] += c[0] * weighted;
            acc[1] += c[1] * weighted;
            acc[2] += d[0] * unit;
            acc[3] += d[1] * unit;
        }
        acc
    }

    /// The comparison values for the current openings and claim.
    pub fn derive_verdict(&self) -> VerdictWitness {
        let [a_lo, a_hi, d_lo, d_hi] = self.accumulators();
        let t = self.market.threshold;
        let delta_lo = to_signed(&(a_lo - t * d_lo));
        let (carry, remainder) = delta_lo.div_mod_floor(&(BigInt::from(1) << REMAINDER_BITS));
        let carry = from_signed(&carry);
        let x = a_hi - t * d_hi + carry;
        let b = self.claim;
        HealthWitness::verdict_value(x, b, carry, from_signed(&remainder))
    }

    fn verdict_value(x: Fp, b: Fp, carry: Fp, remainder: Fp) -> VerdictWitness {
        VerdictWitness {
            carry: carry + pow2(CARRY_OFFSET_BITS as u32),
            remainder,
            verdict: (b.double() - Fp::ONE) * x + b - Fp::ONE,
        }
    }

    /// The instance column these openings and this claim bit imply.
    pub fn public_inputs(&self) -> Vec<Fp> {
        let mut column = vec![Fp::ZERO; NUM_PUBLIC_INPUTS];
        column[ACCOUNT_COMMITMENT_ROW] = self.account.commitment();
        column[PRICE_COMMITMENT_ROW] = self.prices.commitment();
        column[MARKET_COMMITMENT_ROW] = self.market.commitment();
        column[CLAIM_ROW] = self.claim;
        column
    }
}

/// The integer in `(-p/2, p/2]` that `value` represents.
fn to_signed(value: &Fp) -> BigInt {
    let v = field::to_biguint(value);
    let p = field::to_biguint(&-Fp::ONE) + 1u32;
    if v > &p >> 1 {
        BigInt::from_biguint(Sign::Minus, p - v)
    } else {
        BigInt::from_biguint(Sign::Plus, v)
    }
}

/// `value mod p` as a field element.
fn from_signed(value: &BigInt) -> Fp {
    let magnitude = field::from_biguint(
        &(value.magnitude() % (field::to_biguint(&-Fp::ONE) + BigUint::from(1u32))),
    )
    .expect("reduced below the modulus");
    if value.sign() == Sign::Minus {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_conversions_round_trip() {
        for v in [0i64, 1, -1, 1 << 40, -(1 << 40)] {
            let b = BigInt::from(v);
            assert_eq!(to_signed(&from_signed(&b)), b);
        }
        assert_eq!(from_signed(&BigInt::from(-1)), -Fp::ONE);
    }
}
