//! Where a circuit's rows go: runs the 4-asset liquidation circuit (depth 32) through halo2's
//! MockProver under the V1 floor planner with a recording backend, and prints the rows each
//! kind of region occupies on the four chip columns (`a0..a3`), the range-check column (`a4`)
//! and the second lane (`b0..b3`).
//!
//! `cargo run --release -p zkliq-benches --example rows` (`-- report 7`: a 128-position report
//! piece instead)

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use halo2_proofs::circuit::{Layouter, Value, floor_planner};
use halo2_proofs::dev::MockProver;
use halo2_proofs::plonk::{
    Advice, Any, Assigned, Assignment, Circuit, Column, ConstraintSystem, Error, Fixed,
    FloorPlanner, Instance, Selector,
};
use zkliq_benches::liquidation_witness;
use zkliq_circuits::Fp;
use zkliq_circuits::liquidation::LiquidationCircuit;

thread_local! {
    /// (region kind, advice column) -> rows.
    static ROWS: RefCell<BTreeMap<(String, String), BTreeSet<usize>>> = RefCell::default();
    static REGION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The kind of a region, from its name: the words before any digit or parenthesis.
fn kind(name: &str) -> String {
    let name = name.to_lowercase();
    let cut = name
        .find(|c: char| c.is_ascii_digit() || c == '(' || c == '[')
        .unwrap_or(name.len());
    name[..cut].trim().to_owned()
}

#[derive(Clone, Debug)]
struct Recorded<C>(C);

impl<C: Circuit<Fp>> Circuit<Fp> for Recorded<C> {
    type Config = C::Config;
    type FloorPlanner = Recording;
    fn without_witnesses(&self) -> Self {
        Recorded(self.0.without_witnesses())
    }
    fn configure(meta: &mut ConstraintSystem<Fp>) -> C::Config {
        C::configure(meta)
    }
    fn synthesize(&self, config: C::Config, layouter: impl Layouter<Fp>) -> Result<(), Error> {
        self.0.synthesize(config, layouter)
    }
}

struct Recording;

impl FloorPlanner for Recording {
    fn synthesize<F: ff::Field, CS: Assignment<F>, C: Circuit<F>>(
        cs: &mut CS,
        circuit: &C,
        config: C::Config,
        constants: Vec<Column<Fixed>>,
    ) -> Result<(), Error> {
        floor_planner::V1::synthesize(&mut Recorder(cs), circuit, config, constants)
    }
}

struct Recorder<'a, CS>(&'a mut CS);

impl<F: ff::Field, CS: Assignment<F>> Assignment<F> for Recorder<'_, CS> {
    fn enter_region<NR: Into<String>, N: FnOnce() -> NR>(&mut self, name: N) {
        let name: String = name().into();
        REGION.with(|r| *r.borrow_mut() = Some(name.clone()));
        self.0.enter_region(|| name)
    }
    fn exit_region(&mut self) {
        REGION.with(|r| *r.borrow_mut() = None);
        self.0.exit_region()
    }
    fn enable_selector<A: FnOnce() -> AR, AR: Into<String>>(
        &mut self,
        a: A,
        s: &Selector,
        row: usize,
    ) -> Result<(), Error> {
        self.0.enable_selector(a, s, row)
    }
    fn query_instance(&self, column: Column<Instance>, row: usize) -> Result<Value<F>, Error> {
        self.0.query_instance(column, row)
    }
    fn assign_advice<V, VR, A, AR>(
        &mut self,
        a: A,
        column: Column<Advice>,
        row: usize,
        to: V,
    ) -> Result<(), Error>
    where
        V: FnOnce() -> Value<VR>,
        VR: Into<Assigned<F>>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        let region = REGION.with(|r| kind(r.borrow().as_deref().unwrap_or("outside regions")));
        let column_name = format!("{column:?}");
        ROWS.with(|rows| {
            rows.borrow_mut()
                .entry((region, column_name))
                .or_default()
                .insert(row)
        });
        self.0.assign_advice(a, column, row, to)
    }
    fn assign_fixed<V, VR, A, AR>(
        &mut self,
        a: A,
        column: Column<Fixed>,
        row: usize,
        to: V,
    ) -> Result<(), Error>
    where
        V: FnOnce() -> Value<VR>,
        VR: Into<Assigned<F>>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.0.assign_fixed(a, column, row, to)
    }
    fn copy(&mut self, l: Column<Any>, lr: usize, r: Column<Any>, rr: usize) -> Result<(), Error> {
        self.0.copy(l, lr, r, rr)
    }
    fn fill_from_row(
        &mut self,
        column: Column<Fixed>,
        row: usize,
        to: Value<Assigned<F>>,
    ) -> Result<(), Error> {
        self.0.fill_from_row(column, row, to)
    }
    fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, name: N) {
        self.0.push_namespace(name)
    }
    fn pop_namespace(&mut self, name: Option<String>) {
        self.0.pop_namespace(name)
    }
}

fn main() {
    // `rows` (the liquidation circuit) or `rows report HEIGHT [v1|v3]` (a 4-asset report piece,
    // in layout 2, 1 or 3).
    let args: Vec<String> = std::env::args().collect();
    let (name, k, total_rows) = match args.get(1).map(String::as_str) {
        Some("report") => {
            use zkliq_circuits::report::{
                ReportCircuitV1, ReportCircuitV2, ReportCircuitV3, ReportLayout,
            };
            let height = args.get(2).and_then(|h| h.parse().ok()).unwrap_or(7);
            let mut w = zkliq_benches::four_asset_report(height);
            w.shape = w.shape.with_layout(match args.get(3).map(String::as_str) {
                Some("v1") => ReportLayout::V1,
                None | Some("v2") => ReportLayout::V2,
                Some("v3") => ReportLayout::V3,
                Some(other) => panic!("the layout is v1, v2 or v3, got {other:?}"),
            });
            let (k, column) = (w.shape.k(), vec![w.public_inputs()]);
            let prover = match w.shape.layout {
                ReportLayout::V1 => {
                    MockProver::run(k, &Recorded(ReportCircuitV1::new(w.clone())), column)
                }
                ReportLayout::V2 => {
                    MockProver::run(k, &Recorded(ReportCircuitV2::new(w.clone())), column)
                }
                ReportLayout::V3 => {
                    MockProver::run(k, &Recorded(ReportCircuitV3::new(w.clone())), column)
                }
            }
            .expect("synthesis");
            assert_eq!(prover.verify(), Ok(()));
            (w.shape.to_string(), w.shape.k(), w.shape.rows())
        }
        _ => {
            let w = liquidation_witness(
                "markets/aave-v3-4-liquidation.json",
                "prices/aave-v3-4-crash.json",
                "accounts/aave-leveraged.json",
                32,
            );
            let prover = MockProver::run(
                w.shape.k(),
                &Recorded(LiquidationCircuit::new(w.clone())),
                vec![w.public_inputs()],
            )
            .expect("synthesis");
            assert_eq!(prover.verify(), Ok(()));
            (w.shape.to_string(), w.shape.k(), w.shape.rows())
        }
    };
    // Advice columns in creation order: a0..a3, a4 (range checks), then the lane b0..b3, then
    // the report's second lookup column a5, then (layout 3) the lane c0..c3 and a6.
    const GROUPS: [&str; 6] = ["a0..a3", "a4", "b0..b3", "a5", "c0..c3", "a6"];
    let rows = ROWS.with(|r| r.borrow().clone());
    let index = |debug: &str| -> usize {
        let digits: String = debug
            .split("index: ")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap_or_default()
    };
    let side = |column: usize| match column {
        0..=3 => 0,
        4 => 1,
        5..=8 => 2,
        9 => 3,
        10..=13 => 4,
        _ => 5,
    };
    let mut by_kind: BTreeMap<String, [BTreeSet<usize>; 6]> = BTreeMap::new();
    let mut all: [BTreeSet<usize>; 6] = Default::default();
    for ((kind, column), set) in rows {
        let side = side(index(&column));
        by_kind.entry(kind).or_default()[side].extend(set.iter().copied());
        all[side].extend(set);
    }
    // Only the column groups the circuit has.
    let shown: Vec<usize> = (0..GROUPS.len()).filter(|&g| !all[g].is_empty()).collect();
    let row = |label: &str, n: &[usize; 6]| {
        let cells: Vec<String> = shown.iter().map(|&g| n[g].to_string()).collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    println!("{name} (k = {k}, {total_rows} rows)");
    let heads: Vec<String> = shown
        .iter()
        .map(|&g| format!("rows on {}", GROUPS[g]))
        .collect();
    println!("| regions | {} |", heads.join(" | "));
    println!("|---|{}", "---|".repeat(shown.len()));
    let mut sorted: Vec<(String, [usize; 6])> = by_kind
        .into_iter()
        .map(|(k, sets)| (k, sets.map(|s| s.len())))
        .collect();
    sorted.sort_by_key(|(_, n)| std::cmp::Reverse(n.iter().copied().max()));
    let top = std::env::var("ROWS_TOP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for (kind, n) in sorted.iter().take(top) {
        row(kind, n);
    }
    let rest = sorted
        .iter()
        .skip(top)
        .fold([0; 6], |acc, (_, n)| std::array::from_fn(|i| acc[i] + n[i]));
    row(
        &format!(
            "{} other kinds (rule equations, selection, updates, small range checks)",
            sorted.len().saturating_sub(top)
        ),
        &rest,
    );
    row("rows used", &all.map(|s| s.len()));
}
