//! The health circuit: the statement, as constraints.
//!
//! **Public**: the account, price-round and market commitments, and the claim bit
//! (see [`crate::health::instance`]). **Private**: the account's salt and amounts, the prices, the
//! market's scales, weights and threshold, and the comparison values.
//!
//! The circuit proves that there are openings of the three public commitments such that
//!
//! ```text
//! lhs = Σ c_i·p_i·s_i·w_i   rhs = T·Σ d_i·p_i·s_i   claim = healthy ⇔ lhs >= rhs
//! ```
//!
//! with every private value range-checked (amount limbs, prices and scales to 64 bits, weights
//! to 16, `T` to 24, comparison values to their widths in [`crate::bounds`]), so that no sum or
//! product can wrap around the field modulus.
//!
//! # Columns
//!
//! | column | used by |
//! |--------|---------|
//! | advice `a0..a2` | Poseidon state; valuation and packing cells |
//! | advice `a3` | Poseidon partial S-box; valuation and packing cells |
//! | advice `a4` | range-check running sums |
//! | fixed ×6 | Poseidon round constants |
//! | fixed ×1 | constants (domain tags, zeros) |
//! | table ×1 | `0..256` for range checks |
//! | instance ×1 | public inputs |
//!
//! The V1 floor planner lays range-check regions (column `a4`) beside the Poseidon regions.

use ff::Field;
use halo2_proofs::circuit::{Layouter, Value, floor_planner};
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};

use crate::bounds::{
    CARRY_BITS, LIMB_BITS, PRICE_BITS, REMAINDER_BITS, SCALE_BITS, THRESHOLD_BITS, VERDICT_BITS,
    WEIGHT_BITS,
};
use crate::field::Fp;
use crate::gadgets::Columns;
use crate::gadgets::commit::{CommitChip, CommitConfig};
use crate::gadgets::range::{RangeCheckChip, RangeCheckConfig};
use crate::gadgets::valuation::{
    AssetValues, ClaimMode, Input, ValuationChip, ValuationConfig, VerdictValues,
};
use crate::health::instance::{
    ACCOUNT_COMMITMENT_ROW, CLAIM_ROW, MARKET_COMMITMENT_ROW, PRICE_COMMITMENT_ROW,
};
use crate::health::witness::HealthWitness;
use crate::shape::Shape;

/// Every column and sub-configuration of the health circuit.
#[derive(Clone, Debug)]
pub struct Config {
    instance: Column<Instance>,
    range: RangeCheckConfig,
    valuation: ValuationConfig,
    commit: CommitConfig,
}

/// The health circuit for one shape. Without a witness (key generation) every private value is
/// [`Value::unknown`].
#[derive(Clone, Debug)]
pub struct HealthCircuit {
    shape: Shape,
    witness: Value<HealthWitness>,
}

impl HealthCircuit {
    /// A circuit that proves the statement for `witness`.
    pub fn new(witness: HealthWitness) -> Self {
        HealthCircuit {
            shape: witness.shape,
            witness: Value::known(witness),
        }
    }

    /// The witness-free circuit of a shape, for key generation.
    pub fn keygen(shape: Shape) -> Self {
        HealthCircuit {
            shape,
            witness: Value::unknown(),
        }
    }

    /// The circuit's shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    fn value(&self, f: impl FnOnce(&HealthWitness) -> Fp) -> Value<Fp> {
        self.witness.as_ref().map(f)
    }

    /// Packed element `j` of a message (unknown without a witness; zero if the witness has
    /// too few, which the packing gate then rejects).
    fn packed(&self, j: usize, f: impl Fn(&HealthWitness) -> &Vec<Fp>) -> Value<Fp> {
        self.value(|w| f(w).get(j).copied().unwrap_or_default())
    }
}

impl Circuit<Fp> for HealthCircuit {
    type Config = Config;
    type FloorPlanner = floor_planner::V1;

    fn without_witnesses(&self) -> Self {
        HealthCircuit::keygen(self.shape)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Config {
        let c = Columns::configure(meta);
        let [a0, a1, a2, a3, a4] = c.advice;
        Config {
            instance: c.instance,
            range: RangeCheckChip::configure(meta, a4, c.table),
            valuation: ValuationChip::configure(meta, [a0, a1, a2, a3], ClaimMode::Bit),
            commit: CommitChip::configure(meta, [a0, a1, a2, a3], c.poseidon),
        }
    }

    fn synthesize(&self, config: Config, mut layouter: impl Layouter<Fp>) -> Result<(), Error> {
        let n = self.shape.assets();
        let range = RangeCheckChip::construct(config.range);
        range.load_table(&mut layouter)?;

        // Valuation: every private number, the accumulators and the verdict.
        let assets: Vec<AssetValues> = (0..n)
            .map(|i| AssetValues {
                collateral: [0, 1].map(|l| self.value(|w| w.account.collateral[i][l])),
                debt: [0, 1].map(|l| self.value(|w| w.account.debt[i][l])),
                price: Input::Witness(self.value(|w| w.prices.prices[i])),
                scale: Input::Witness(self.value(|w| w.market.scales[i])),
                weight: Input::Witness(self.value(|w| w.market.weights[i])),
                market_slot: self.value(|w| w.derived.market_slots[i]),
                accumulators: [0, 1, 2, 3].map(|j| self.value(|w| w.derived.accumulators[i][j])),
            })
            .collect();
        let verdict = VerdictValues {
            threshold: Input::Witness(self.value(|w| w.market.threshold)),
            carry: self.value(|w| w.derived.verdict.carry),
            remainder: self.value(|w| w.derived.verdict.remainder),
            verdict: self.value(|w| w.derived.verdict.verdict),
            claim: self.value(|w| w.claim),
            claimed: Value::known(Fp::ONE),
            // Bit mode publishes `b` itself; there is no `c`.
            public_claim: Value::unknown(),
        };
        let cells = ValuationChip::construct(config.valuation).assign(
            &mut layouter.namespace(|| "valuation"),
            &assets,
            &verdict,
        )?;
        layouter.constrain_instance(cells.verdict.claim.cell(), config.instance, CLAIM_ROW)?;

        // Range checks: every value that enters a product or the comparison.
        for (i, a) in cells.assets.iter().enumerate() {
            range.check(
                &mut layouter,
                &format!("c_lo[{i}]"),
                &a.collateral[0],
                LIMB_BITS,
            )?;
            range.check(
                &mut layouter,
                &format!("c_hi[{i}]"),
                &a.collateral[1],
                LIMB_BITS,
            )?;
            range.check(&mut layouter, &format!("d_lo[{i}]"), &a.debt[0], LIMB_BITS)?;
            range.check(&mut layouter, &format!("d_hi[{i}]"), &a.debt[1], LIMB_BITS)?;
            range.check(&mut layouter, &format!("price[{i}]"), &a.price, PRICE_BITS)?;
            range.check(&mut layouter, &format!("scale[{i}]"), &a.scale, SCALE_BITS)?;
            range.check(
                &mut layouter,
                &format!("weight[{i}]"),
                &a.weight,
                WEIGHT_BITS,
            )?;
        }
        let v = &cells.verdict;
        range.check(&mut layouter, "T", &v.threshold, THRESHOLD_BITS)?;
        range.check(&mut layouter, "carry", &v.carry, CARRY_BITS)?;
        range.check(&mut layouter, "r", &v.remainder, REMAINDER_BITS)?;
        range.check(&mut layouter, "y", &v.verdict, VERDICT_BITS)?;

        // Commitments: the openings above are exactly the committed ones.
        let commit = CommitChip::construct(config.commit);
        let account = commit.commit_account(
            &mut layouter,
            "account",
            &cells,
            self.value(|w| w.account.salt),
            |j| self.packed(j, |w| &w.derived.account_packed),
        )?;
        layouter.constrain_instance(account.cell(), config.instance, ACCOUNT_COMMITMENT_ROW)?;
        let prices = commit.commit_prices(
            &mut layouter,
            &cells,
            self.value(|w| w.prices.header),
            |j| self.packed(j, |w| &w.derived.price_packed),
        )?;
        layouter.constrain_instance(prices.cell(), config.instance, PRICE_COMMITMENT_ROW)?;
        let market = commit.commit_market(
            &mut layouter,
            &cells,
            &Input::Witness(self.value(|w| w.market.first)),
            |j| self.packed(j, |w| &w.derived.market_packed),
        )?;
        layouter.constrain_instance(market.cell(), config.instance, MARKET_COMMITMENT_ROW)?;
        Ok(())
    }
}
