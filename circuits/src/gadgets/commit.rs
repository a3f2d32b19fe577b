//! Commitments in the circuit: pack slots into field elements, then hash with Poseidon.
//!
//! # Region layout of one commitment's message (columns `a0..a3`)
//!
//! | row | a0    | a1 | a2 | a3  | gate              |
//! |-----|-------|----|----|-----|-------------------|
//! | 0   | first |    |    |     |                   |
//! | j+1 | s_3j  | s_3j+1 | s_3j+2 | e_j | `pack 64` or `pack 80` |
//!
//! Gate `pack 64`: `e = s0 + 2^64·s1 + 2^128·s2`; gate `pack 80`: `e = s0 + 2^80·s1 + 2^160·s2`.
//! Slots are copies of range-checked cells, or fixed constants (domain tags and zero padding),
//! so each packed element has one opening. The message `[first, e_0, e_1, ...]` is then hashed
//! with halo2_gadgets' Poseidon (`P128Pow5T3`, `ConstantLength`), matching
//! [`crate::commitment::hash`].

use ff::Field;
use halo2_gadgets::poseidon::primitives::{ConstantLength, Domain, P128Pow5T3};
use halo2_gadgets::poseidon::{Hash, PaddedWord, Pow5Chip, Pow5Config, Sponge};
use halo2_proofs::circuit::{AssignedCell, Layouter, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Selector};
use halo2_proofs::poly::Rotation;

use crate::commitment::{
    SLOT_BITS_64, SLOT_BITS_80, SLOTS_PER_ELEMENT, TAG_ACCOUNT, TAG_MARKET, TAG_PRICES, TAG_RULES,
    with_message_length,
};
use crate::field::{Fp, pow2};
use crate::gadgets::valuation::{Input, ValuationCells};
use crate::hash::{NodeDomain, RootDomain};
use crate::tree::TreeFormat;

/// Configuration of the commitment chip.
#[derive(Clone, Debug)]
pub struct CommitConfig {
    cols: [Column<Advice>; 4],
    q_pack64: Selector,
    q_pack80: Selector,
    poseidon: Pow5Config<Fp, 3, 2>,
}

/// One slot of a message: a cell constrained elsewhere, or a constant fixed in the circuit.
#[derive(Clone, Debug)]
pub enum Slot {
    /// A range-checked cell.
    Cell(AssignedCell<Fp, Fp>),
    /// A constant (domain tag or padding).
    Constant(Fp),
}

/// A committed message's first element and the commitment.
pub type Opened = (AssignedCell<Fp, Fp>, AssignedCell<Fp, Fp>);

/// Packs slots and hashes messages.
#[derive(Clone, Debug)]
pub struct CommitChip {
    config: CommitConfig,
}

impl CommitChip {
    /// Configures the packing gates on `cols`, reusing an already configured Poseidon chip.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        cols: [Column<Advice>; 4],
        poseidon: Pow5Config<Fp, 3, 2>,
    ) -> CommitConfig {
        let q_pack64 = meta.selector();
        let q_pack80 = meta.selector();
        for (name, selector, bits) in [
            ("pack 64", q_pack64, SLOT_BITS_64),
            ("pack 80", q_pack80, SLOT_BITS_80),
        ] {
            let shift = pow2(bits as u32);
            meta.create_gate(name, |meta| {
                let q = meta.query_selector(selector);
                let [s0, s1, s2, e] = cols.map(|c| meta.query_advice(c, Rotation::cur()));
                Constraints::with_selector(
                    q,
                    [(
                        "packed element",
                        e - (s0 + s1 * shift + s2 * (shift * shift)),
                    )],
                )
            });
        }
        CommitConfig {
            cols,
            q_pack64,
            q_pack80,
            poseidon,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: CommitConfig) -> Self {
        CommitChip { config }
    }

    /// Commits to `[first, e_0, e_1, ...]` where `e_j` packs `slots[3j..3j+3]`; `packed` holds
    /// the prover's values of the `e_j` (the gate checks them). Returns the Poseidon output cell.
    pub fn commit(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        first: Value<Fp>,
        slots: &[Slot],
        packed: &[Value<Fp>],
        slot_bits: usize,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        self.commit_message(
            layouter,
            name,
            &Input::Witness(first),
            slots,
            packed,
            slot_bits,
        )
        .map(|(_, hash)| hash)
    }

    /// [`CommitChip::commit`] with the first element a witness or a copy of a cell assigned
    /// elsewhere; returns the first element's cell and the Poseidon output cell.
    pub fn commit_message(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        first: &Input,
        slots: &[Slot],
        packed: &[Value<Fp>],
        slot_bits: usize,
    ) -> Result<Opened, Error> {
        if packed.len() != slots.len().div_ceil(SLOTS_PER_ELEMENT) {
            return Err(Error::Synthesis);
        }
        let selector = match slot_bits {
            SLOT_BITS_64 => self.config.q_pack64,
            SLOT_BITS_80 => self.config.q_pack80,
            other => unreachable!("no packing gate for {other}-bit slots"),
        };
        let cols = self.config.cols;
        let message = layouter.assign_region(
            || format!("{name} message"),
            |mut region| {
                let mut message = Vec::with_capacity(1 + slots.len().div_ceil(SLOTS_PER_ELEMENT));
                message.push(match first {
                    Input::Witness(v) => {
                        region.assign_advice(|| "first element", cols[0], 0, || *v)?
                    }
                    Input::Copy(c) => c.copy_advice(|| "first element", &mut region, cols[0], 0)?,
                });
                for (j, chunk) in slots.chunks(SLOTS_PER_ELEMENT).enumerate() {
                    let row = j + 1;
                    selector.enable(&mut region, row)?;
                    for (k, col) in cols.iter().take(SLOTS_PER_ELEMENT).enumerate() {
                        let label = || format!("slot {}", SLOTS_PER_ELEMENT * j + k);
                        match chunk.get(k) {
                            Some(Slot::Cell(cell)) => {
                                cell.copy_advice(label, &mut region, *col, row)?;
                            }
                            Some(Slot::Constant(c)) => {
                                region.assign_advice_from_constant(label, *col, row, *c)?;
                            }
                            None => {
                                region.assign_advice_from_constant(label, *col, row, Fp::ZERO)?;
                            }
                        }
                    }
                    message.push(region.assign_advice(
                        || format!("element {j}"),
                        cols[3],
                        row,
                        || packed[j],
                    )?);
                }
                Ok(message)
            },
        )?;
        let first = message[0].clone();
        let chip = Pow5Chip::construct(self.config.poseidon.clone());
        let hash = with_message_length!(
            message.len(),
            hash_fixed(chip, layouter.namespace(|| name.to_owned()), message)
        )?;
        Ok((first, hash))
    }
}

impl CommitChip {
    /// The account commitment ([`crate::commitment::AccountOpening`]): the salt, then each
    /// asset slot's amount limbs, then the tag. `packed(j)` is the prover's value of element
    /// `j`.
    pub fn commit_account(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        cells: &ValuationCells,
        salt: Value<Fp>,
        packed: impl Fn(usize) -> Value<Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let limbs: Vec<[AssignedCell<Fp, Fp>; 4]> = cells
            .assets
            .iter()
            .map(|a| {
                [
                    a.collateral[0].clone(),
                    a.collateral[1].clone(),
                    a.debt[0].clone(),
                    a.debt[1].clone(),
                ]
            })
            .collect();
        self.commit_account_limbs(layouter, name, &limbs, &Input::Witness(salt), packed)
            .map(|(_, hash)| hash)
    }

    /// The account commitment of the limbs `[c_lo, c_hi, d_lo, d_hi]` of each asset slot;
    /// returns the salt's cell and the commitment's.
    pub fn commit_account_limbs(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        limbs: &[[AssignedCell<Fp, Fp>; 4]],
        salt: &Input,
        packed: impl Fn(usize) -> Value<Fp>,
    ) -> Result<Opened, Error> {
        let mut slots = Vec::with_capacity(4 * limbs.len() + 1);
        for asset in limbs {
            slots.extend(asset.iter().map(cell));
        }
        slots.push(Slot::Constant(Fp::from(TAG_ACCOUNT)));
        let packed = elements(&slots, packed);
        self.commit_message(layouter, name, salt, &slots, &packed, SLOT_BITS_64)
    }

    /// The liquidation rules digest ([`crate::commitment::RulesOpening`]): the symbol digest,
    /// then each asset slot's bonus, `CF`, `H`, `f`, then the tag. Its output is the market
    /// message's first element.
    pub fn commit_rules(
        &self,
        layouter: &mut impl Layouter<Fp>,
        symbols_digest: Value<Fp>,
        bonus: &[AssignedCell<Fp, Fp>],
        [close_factor, full_below, fee]: [&AssignedCell<Fp, Fp>; 3],
        packed: impl Fn(usize) -> Value<Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let slots: Vec<Slot> = bonus
            .iter()
            .chain([close_factor, full_below, fee])
            .map(cell)
            .chain([Slot::Constant(Fp::from(TAG_RULES))])
            .collect();
        let packed = elements(&slots, packed);
        self.commit(
            layouter,
            "liquidation rules",
            symbols_digest,
            &slots,
            &packed,
            SLOT_BITS_64,
        )
    }

    /// The price-round commitment ([`crate::commitment::PriceOpening`]): the header, then each
    /// asset slot's price, then the tag.
    pub fn commit_prices(
        &self,
        layouter: &mut impl Layouter<Fp>,
        cells: &ValuationCells,
        header: Value<Fp>,
        packed: impl Fn(usize) -> Value<Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let slots: Vec<Slot> = cells
            .assets
            .iter()
            .map(|a| cell(&a.price))
            .chain([Slot::Constant(Fp::from(TAG_PRICES))])
            .collect();
        let packed = elements(&slots, packed);
        self.commit(
            layouter,
            "price round",
            header,
            &slots,
            &packed,
            SLOT_BITS_64,
        )
    }

    /// The market commitment ([`crate::commitment::MarketOpening`]): the first element (the
    /// symbol digest, or the rules digest), then each asset slot's `scale + 2^64·weight`, then
    /// `T`, then the tag.
    pub fn commit_market(
        &self,
        layouter: &mut impl Layouter<Fp>,
        cells: &ValuationCells,
        first: &Input,
        packed: impl Fn(usize) -> Value<Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let slots: Vec<Slot> = cells
            .assets
            .iter()
            .map(|a| cell(&a.market_slot))
            .chain([
                cell(&cells.verdict.threshold),
                Slot::Constant(Fp::from(TAG_MARKET)),
            ])
            .collect();
        let packed = elements(&slots, packed);
        self.commit_message(layouter, "market", first, &slots, &packed, SLOT_BITS_80)
            .map(|(_, hash)| hash)
    }

    /// A Merkle node from its two children, hashed as the tree format says.
    pub fn hash_node(
        &self,
        layouter: &mut impl Layouter<Fp>,
        format: TreeFormat,
        left: &AssignedCell<Fp, Fp>,
        right: &AssignedCell<Fp, Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let pair = [left.clone(), right.clone()];
        let layouter = layouter.namespace(|| "node");
        match format {
            TreeFormat::V1 => hash_pair::<ConstantLength<2>>(self.poseidon(), layouter, pair),
            TreeFormat::V2 => hash_pair::<NodeDomain>(self.poseidon(), layouter, pair),
        }
    }

    /// The published state root (format 2): the market commitment bound to the tree root
    /// ([`crate::hash::bound_root`]).
    pub fn bind_root(
        &self,
        layouter: &mut impl Layouter<Fp>,
        market_commitment: &AssignedCell<Fp, Fp>,
        tree_root: &AssignedCell<Fp, Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        hash_pair::<RootDomain>(
            self.poseidon(),
            layouter.namespace(|| "bound root"),
            [market_commitment.clone(), tree_root.clone()],
        )
    }

    /// Poseidon (`ConstantLength`) over cells assigned elsewhere, in order (a report's book).
    pub fn hash_cells(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        message: Vec<AssignedCell<Fp, Fp>>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        with_message_length!(
            message.len(),
            hash_fixed(
                self.poseidon(),
                layouter.namespace(|| name.to_owned()),
                message
            )
        )
    }

    fn poseidon(&self) -> Pow5Chip<Fp, 3, 2> {
        Pow5Chip::construct(self.config.poseidon.clone())
    }
}

/// Poseidon of two cells in domain `D` (one permutation: two elements fill the rate).
fn hash_pair<D: Domain<Fp, 2>>(
    chip: Pow5Chip<Fp, 3, 2>,
    mut layouter: impl Layouter<Fp>,
    message: [AssignedCell<Fp, Fp>; 2],
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let mut sponge =
        Sponge::<_, _, P128Pow5T3, _, D, 3, 2>::new(chip, layouter.namespace(|| "init"))?;
    for (i, word) in message.into_iter().enumerate() {
        sponge.absorb(
            layouter.namespace(|| format!("absorb_{i}")),
            PaddedWord::Message(word),
        )?;
    }
    sponge
        .finish_absorbing(layouter.namespace(|| "finish absorbing"))?
        .squeeze(layouter.namespace(|| "squeeze"))
}

fn cell(c: &AssignedCell<Fp, Fp>) -> Slot {
    Slot::Cell(c.clone())
}

/// The prover's values of the packed elements of a message of `slots`.
fn elements(slots: &[Slot], packed: impl Fn(usize) -> Value<Fp>) -> Vec<Value<Fp>> {
    (0..slots.len().div_ceil(SLOTS_PER_ELEMENT))
        .map(packed)
        .collect()
}

fn hash_fixed<const L: usize>(
    chip: Pow5Chip<Fp, 3, 2>,
    mut layouter: impl Layouter<Fp>,
    message: Vec<AssignedCell<Fp, Fp>>,
) -> Result<AssignedCell<Fp, Fp>, Error> {
    let message: [AssignedCell<Fp, Fp>; L] = message.try_into().map_err(|_| Error::Synthesis)?;
    let hasher = Hash::<Fp, _, P128Pow5T3, ConstantLength<L>, 3, 2>::init(
        chip,
        layouter.namespace(|| "init"),
    )?;
    hasher.hash(layouter.namespace(|| "hash"), message)
}
