//! The health circuit: the statement, as constraints.
//!
//! **Public**: the account, price-round and market commitments, and the claim bit
//! (see [`crate::instance`]). **Private**: the account's salt and amounts, the prices, the
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
use halo2_gadgets::poseidon::Pow5Chip;
use halo2_gadgets::poseidon::primitives::P128Pow5T3;
use halo2_proofs::circuit::{Layouter, Value, floor_planner};
use halo2_proofs::plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Instance};

use crate::bounds::{
    CARRY_BITS, LIMB_BITS, PRICE_BITS, REMAINDER_BITS, SCALE_BITS, THRESHOLD_BITS, VERDICT_BITS,
    WEIGHT_BITS,
};
use crate::commitment::{
    SLOT_BITS_64, SLOT_BITS_80, SLOTS_PER_ELEMENT, TAG_ACCOUNT, TAG_MARKET, TAG_PRICES,
};
use crate::field::Fp;
use crate::gadgets::commit::{CommitChip, CommitConfig, Slot};
use crate::gadgets::range::{RangeCheckChip, RangeCheckConfig};
use crate::gadgets::valuation::{
    AssetValues, ClaimMode, Input, ValuationChip, ValuationConfig, VerdictValues,
};
use crate::instance::{
    ACCOUNT_COMMITMENT_ROW, CLAIM_ROW, MARKET_COMMITMENT_ROW, PRICE_COMMITMENT_ROW,
};
use crate::shape::Shape;
use crate::witness::HealthWitness;

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

    /// The packed elements of a message of `slots` slots (unknown without a witness).
    fn values(&self, f: impl Fn(&HealthWitness) -> &Vec<Fp>, slots: usize) -> Vec<Value<Fp>> {
        (0..slots.div_ceil(SLOTS_PER_ELEMENT))
            .map(|j| self.value(|w| f(w).get(j).copied().unwrap_or_default()))
            .collect()
    }
}

impl Circuit<Fp> for HealthCircuit {
    type Config = Config;
    type FloorPlanner = floor_planner::V1;

    fn without_witnesses(&self) -> Self {
        HealthCircuit::keygen(self.shape)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Config {
        let advice: [Column<Advice>; 5] = std::array::from_fn(|_| meta.advice_column());
        for column in advice {
            meta.enable_equality(column);
        }
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let constants = meta.fixed_column();
        meta.enable_constant(constants);
        let rc_a = std::array::from_fn(|_| meta.fixed_column());
        let rc_b = std::array::from_fn(|_| meta.fixed_column());
        let table = meta.lookup_table_column();

        let [a0, a1, a2, a3, a4] = advice;
        let poseidon = Pow5Chip::configure::<P128Pow5T3>(meta, [a0, a1, a2], a3, rc_a, rc_b);
        Config {
            instance,
            range: RangeCheckChip::configure(meta, a4, table),
            valuation: ValuationChip::configure(meta, [a0, a1, a2, a3], ClaimMode::Bit),
            commit: CommitChip::configure(meta, [a0, a1, a2, a3], poseidon),
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
        let cell = |c: &halo2_proofs::circuit::AssignedCell<Fp, Fp>| Slot::Cell(c.clone());

        let mut account_slots = Vec::with_capacity(4 * n + 1);
        for a in &cells.assets {
            account_slots.extend(a.collateral.iter().chain(&a.debt).map(cell));
        }
        account_slots.push(Slot::Constant(Fp::from(TAG_ACCOUNT)));
        let account = commit.commit(
            &mut layouter,
            "account",
            self.value(|w| w.account.salt),
            &account_slots,
            &self.values(|w| &w.derived.account_packed, account_slots.len()),
            SLOT_BITS_64,
        )?;
        layouter.constrain_instance(account.cell(), config.instance, ACCOUNT_COMMITMENT_ROW)?;

        let price_slots: Vec<Slot> = cells
            .assets
            .iter()
            .map(|a| cell(&a.price))
            .chain([Slot::Constant(Fp::from(TAG_PRICES))])
            .collect();
        let prices = commit.commit(
            &mut layouter,
            "price round",
            self.value(|w| w.prices.header),
            &price_slots,
            &self.values(|w| &w.derived.price_packed, price_slots.len()),
            SLOT_BITS_64,
        )?;
        layouter.constrain_instance(prices.cell(), config.instance, PRICE_COMMITMENT_ROW)?;

        let market_slots: Vec<Slot> = cells
            .assets
            .iter()
            .map(|a| cell(&a.market_slot))
            .chain([cell(&v.threshold), Slot::Constant(Fp::from(TAG_MARKET))])
            .collect();
        let market = commit.commit(
            &mut layouter,
            "market",
            self.value(|w| w.market.symbols_digest),
            &market_slots,
            &self.values(|w| &w.derived.market_packed, market_slots.len()),
            SLOT_BITS_80,
        )?;
        layouter.constrain_instance(market.cell(), config.instance, MARKET_COMMITMENT_ROW)?;
        Ok(())
    }
}
