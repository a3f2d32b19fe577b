//! The prover's private witness: every value the circuit assigns, as field elements.
//!
//! [`HealthWitness::new`] derives an honest witness from typed inputs. Its fields are public so
//! that soundness tests can tamper with exactly one value and check that the circuit rejects it.
//! The `derive_*` methods recompute the values downstream of a change, and
//! [`HealthWitness::public_inputs`] the instance column the (possibly tampered) witness implies.

use ff::Field;
use num_bigint::{BigInt, Sign};
use num_integer::Integer;

use crate::bounds::{CARRY_OFFSET_BITS, REMAINDER_BITS};
use crate::commitment::{
    self, AccountOpening, MarketOpening, PriceOpening, SLOT_BITS_64, SLOT_BITS_80,
};
use crate::field::{self, Fp, pow2};
use crate::health::instance::{
    ACCOUNT_COMMITMENT_ROW, CLAIM_ROW, Claim, MARKET_COMMITMENT_ROW, NUM_PUBLIC_INPUTS,
    PRICE_COMMITMENT_ROW,
};
use crate::inputs::{Account, Market, PriceRound};
use crate::shape::Shape;

/// The values of the comparison `lhs - rhs = 2^64 · (δ_hi + carry) + r`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerdictWitness {
    /// `carry + 2^156`, where `carry = floor(δ_lo / 2^64)` and `δ_lo = A_lo - T · D_lo`.
    pub carry: Fp,
    /// `r = δ_lo - 2^64 · carry`, in `0..2^64`.
    pub remainder: Fp,
    /// `y = x` for a healthy claim, `y = -x - 1` for a liquidatable one, where
    /// `x = δ_hi + carry`; the claim holds iff `y` is a small non-negative integer.
    pub verdict: Fp,
}

/// Values the circuit computes from the openings (and checks with gates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Derived {
    /// `scale + 2^64 · weight` per asset slot.
    pub market_slots: Vec<Fp>,
    /// `[A_lo, A_hi, D_lo, D_hi]` after each asset slot.
    pub accumulators: Vec<[Fp; 4]>,
    /// Packed elements of the account message (after the salt).
    pub account_packed: Vec<Fp>,
    /// Packed elements of the price message (after the header).
    pub price_packed: Vec<Fp>,
    /// Packed elements of the market message (after the symbol digest).
    pub market_packed: Vec<Fp>,
    /// Comparison values.
    pub verdict: VerdictWitness,
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
    /// Values computed from the above.
    pub derived: Derived,
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
            derived: Derived::default(),
        };
        witness.derive();
        witness
    }

    /// Recomputes every derived value from the openings and the claim.
    pub fn derive(&mut self) {
        self.derive_valuation();
        self.derive_packing();
        self.derive_verdict();
    }

    /// Recomputes market slots and accumulators: `m = s + 2^64·w`, `A_x += c_x·p·s·w`,
    /// `D_x += d_x·p·s`, in the field, exactly as the circuit's gates do.
    pub fn derive_valuation(&mut self) {
        let n = self.shape.assets();
        self.derived.market_slots = (0..n).map(|i| self.market.slot(i)).collect();
        let mut acc = [Fp::ZERO; 4];
        self.derived.accumulators = (0..n)
            .map(|i| {
                let unit = self.prices.prices[i] * self.market.scales[i];
                let weighted = unit * self.market.weights[i];
                let c = self.account.collateral[i];
                let d = self.account.debt[i];
                acc[0] += c[0] * weighted;
                acc[1] += c[1] * weighted;
                acc[2] += d[0] * unit;
                acc[3] += d[1] * unit;
                acc
            })
            .collect();
    }

    /// Recomputes the packed message elements from the slots (using the derived market slots).
    pub fn derive_packing(&mut self) {
        self.derived.account_packed = commitment::pack(&self.account.slots(), SLOT_BITS_64);
        self.derived.price_packed = commitment::pack(&self.prices.slots(), SLOT_BITS_64);
        let slots =
            commitment::market_message_slots(&self.derived.market_slots, self.market.threshold);
        self.derived.market_packed = commitment::pack(&slots, SLOT_BITS_80);
    }

    /// Recomputes the comparison values from the final accumulators, `T` and the claim bit.
    pub fn derive_verdict(&mut self) {
        let [a_lo, a_hi, d_lo, d_hi] = self
            .derived
            .accumulators
            .last()
            .copied()
            .unwrap_or_default();
        let t = self.market.threshold;
        let delta_lo = to_signed(&(a_lo - t * d_lo));
        let (carry, remainder) = delta_lo.div_mod_floor(&(BigInt::from(1) << REMAINDER_BITS));
        let carry = from_signed(&carry);
        let x = a_hi - t * d_hi + carry;
        let b = self.claim;
        self.derived.verdict = VerdictWitness {
            carry: carry + pow2(CARRY_OFFSET_BITS as u32),
            remainder: from_signed(&remainder),
            verdict: (b.double() - Fp::ONE) * x + b - Fp::ONE,
        };
    }

    /// The instance column this witness implies: Poseidon over the messages the circuit hashes
    /// (first element, then the derived packed elements), and the claim bit.
    pub fn public_inputs(&self) -> Vec<Fp> {
        let message = |first: Fp, packed: &[Fp]| {
            let message: Vec<Fp> = std::iter::once(first)
                .chain(packed.iter().copied())
                .collect();
            commitment::hash(&message)
        };
        let mut column = vec![Fp::ZERO; NUM_PUBLIC_INPUTS];
        column[ACCOUNT_COMMITMENT_ROW] = message(self.account.salt, &self.derived.account_packed);
        column[PRICE_COMMITMENT_ROW] = message(self.prices.header, &self.derived.price_packed);
        column[MARKET_COMMITMENT_ROW] = message(self.market.first, &self.derived.market_packed);
        column[CLAIM_ROW] = self.claim;
        column
    }
}

/// The integer in `(-p/2, p/2]` that `value` represents.
pub(crate) fn to_signed(value: &Fp) -> BigInt {
    let v = field::to_biguint(value);
    let p = field::to_biguint(&-Fp::ONE) + 1u32;
    if v > &p >> 1 {
        BigInt::from_biguint(Sign::Minus, p - v)
    } else {
        BigInt::from_biguint(Sign::Plus, v)
    }
}

/// `value mod p` as a field element.
pub(crate) fn from_signed(value: &BigInt) -> Fp {
    let p = field::to_biguint(&-Fp::ONE) + 1u32;
    let magnitude =
        field::from_biguint(&(value.magnitude() % p)).expect("reduced below the modulus");
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
