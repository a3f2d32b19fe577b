//! Range checks: a value is constrained to `0..2^bits` by decomposing it into `bits / 8` words of
//! 8 bits, each looked up in a table of `0..256` (and, for a width that is not a whole number of
//! words, the remaining top part checked to `bits % 8` bits).
//!
//! This is halo2_gadgets' [`LookupRangeCheckConfig`] in strict mode, with its own named region
//! per check so that a failing check names the value it guards.
//!
//! Column layout of one check of `W` words (`z_0` is a copy of the checked cell):
//!
//! | row | running_sum | q_lookup | q_running |
//! |-----|-------------|----------|-----------|
//! | 0   | z_0 = value | 1        | 1         |
//! | i   | z_i         | 1        | 1         |
//! | W   | z_W = 0     | 0        | 0         |
//!
//! with `z_i = 2^8 · z_{i+1} + a_i` and each word `a_i = z_i - 2^8 · z_{i+1}` looked up in the
//! table; `z_W` is constrained to the constant 0.

use std::cell::Cell;

use halo2_gadgets::utilities::lookup_range_check::{LookupRangeCheck, LookupRangeCheckConfig};
use halo2_proofs::circuit::{AssignedCell, Layouter, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Error, TableColumn};

use crate::bounds::LOOKUP_BITS;
use crate::field::Fp;

/// Configuration of the range-check chip.
#[derive(Clone, Debug)]
pub struct RangeCheckConfig {
    lookup: LookupRangeCheckConfig<Fp, LOOKUP_BITS>,
    running_sum: Column<Advice>,
    table: TableColumn,
}

/// Constrains cells to `0..2^bits` for `bits` a multiple of [`LOOKUP_BITS`].
#[derive(Clone, Debug)]
pub struct RangeCheckChip {
    config: RangeCheckConfig,
}

impl RangeCheckChip {
    /// Configures the lookup on `running_sum` against `table`.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        running_sum: Column<Advice>,
        table: TableColumn,
    ) -> RangeCheckConfig {
        RangeCheckConfig {
            lookup: LookupRangeCheckConfig::configure(meta, running_sum, table),
            running_sum,
            table,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: RangeCheckConfig) -> Self {
        RangeCheckChip { config }
    }

    /// Fills the table with `0..2^LOOKUP_BITS`.
    pub fn load_table(&self, layouter: &mut impl Layouter<Fp>) -> Result<(), Error> {
        layouter.assign_table(
            || "range table",
            |mut table| {
                for value in 0..(1u64 << LOOKUP_BITS) {
                    table.assign_cell(
                        || "word",
                        self.config.table,
                        value as usize,
                        || Value::known(Fp::from(value)),
                    )?;
                }
                Ok(())
            },
        )
    }

    /// Constrains `cell` to `0..2^bits` (`bits <= 248`) in a region named after `name`.
    ///
    /// Whole words are strict running sums. For a width that is not a whole number of words,
    /// the `bits / 8` low words are decomposed without requiring the rest to vanish, and the
    /// rest (the last running sum, `floor(value / 2^(8·words))`) gets halo2_gadgets' short
    /// range check to `bits % 8` bits in a second region.
    pub fn check(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        cell: &AssignedCell<Fp, Fp>,
        bits: usize,
    ) -> Result<(), Error> {
        let (words, short) = (bits / LOOKUP_BITS, bits % LOOKUP_BITS);
        let top = layouter.assign_region(
            || format!("range check {name} < 2^{bits}"),
            |mut region| {
                let z_0 = cell.copy_advice(|| "z_0", &mut region, self.config.running_sum, 0)?;
                let running =
                    self.config
                        .lookup
                        .range_check(&mut region, z_0, words, short == 0)?;
                Ok(running.last().cloned())
            },
        )?;
        if short != 0 {
            let top = top.ok_or(Error::Synthesis)?;
            layouter.assign_region(
                || format!("range check {name} < 2^{bits}, top {short} bits"),
                |mut region| {
                    let top = top.copy_advice(|| "top", &mut region, self.config.running_sum, 0)?;
                    self.config
                        .lookup
                        .short_range_check(&mut region, top, short)
                },
            )?;
        }
        Ok(())
    }
}

/// Range checks of cells, by one lookup column or spread over several.
pub trait RangeCheckInstructions {
    /// Constrains `cell` to `0..2^bits` (`bits <= 248`) in a region named after `name`.
    fn check(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        cell: &AssignedCell<Fp, Fp>,
        bits: usize,
    ) -> Result<(), Error>;
}

impl RangeCheckInstructions for RangeCheckChip {
    fn check(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        cell: &AssignedCell<Fp, Fp>,
        bits: usize,
    ) -> Result<(), Error> {
        RangeCheckChip::check(self, layouter, name, cell, bits)
    }
}

/// Range-check chips on one or more lookup columns against one table. Each check goes to the
/// column with the fewest rows so far (the first on a tie), so the V1 floor planner lays the
/// columns' regions side by side: two columns take about half the rows of one. The choice
/// depends only on the sequence of widths checked, so key generation and proving lay out the
/// same circuit; with one column it is that column's chip.
#[derive(Debug)]
pub struct RangeCheckColumns {
    chips: Vec<(RangeCheckChip, Cell<usize>)>,
}

impl RangeCheckColumns {
    /// Spreads checks over `chips` (which share one table: load it once). At least one.
    pub fn new(chips: impl IntoIterator<Item = RangeCheckChip>) -> Self {
        RangeCheckColumns {
            chips: chips.into_iter().map(|c| (c, Cell::new(0))).collect(),
        }
    }
}

impl RangeCheckInstructions for RangeCheckColumns {
    fn check(
        &self,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        cell: &AssignedCell<Fp, Fp>,
        bits: usize,
    ) -> Result<(), Error> {
        let (chip, used) = self
            .chips
            .iter()
            .min_by_key(|(_, used)| used.get())
            .ok_or(Error::Synthesis)?;
        // The running sum's rows, and the three of a short check of the top bits.
        used.set(
            used.get()
                + bits / LOOKUP_BITS
                + 1
                + 3 * usize::from(!bits.is_multiple_of(LOOKUP_BITS)),
        );
        chip.check(layouter, name, cell, bits)
    }
}
