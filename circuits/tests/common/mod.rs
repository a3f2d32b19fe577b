//! Helpers shared by the circuit tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use halo2_proofs::dev::MockProver;
use zkliq_circuits::{Account, Fp, HealthCircuit, HealthWitness, Market, PriceRound};

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads `markets/{m}.json`, `prices/{p}.json`, `accounts/{a}.json` from `fixtures/vectors`.
pub fn vector(m: &str, p: &str, a: &str) -> (Market, PriceRound, Account) {
    let dir = fixtures().join("vectors");
    let market = Market::from_json(&read(&dir.join(format!("markets/{m}.json")))).unwrap();
    let prices =
        PriceRound::from_json(&read(&dir.join(format!("prices/{p}.json"))), &market).unwrap();
    let account =
        Account::from_json(&read(&dir.join(format!("accounts/{a}.json"))), &market).unwrap();
    (market, prices, account)
}

/// Runs the MockProver; on failure returns every failure, rendered.
pub fn mock(witness: &HealthWitness, instance: Vec<Fp>) -> Result<(), Vec<String>> {
    let k = witness.shape.k();
    let prover = MockProver::run(k, &HealthCircuit::new(witness.clone()), vec![instance])
        .expect("synthesis succeeds");
    prover
        .verify()
        .map_err(|failures| failures.iter().map(|f| f.to_string()).collect())
}

/// Runs the MockProver with the instance the witness itself implies.
pub fn mock_self(witness: &HealthWitness) -> Result<(), Vec<String>> {
    mock(witness, witness.public_inputs())
}

/// Asserts the circuit rejects the witness, and that every failure is one of `expected`
/// (a region or constraint name). A strict range check that fails also leaves its final running
/// sum unequal to the fixed constant 0; that counterpart failure is accepted too.
#[track_caller]
pub fn assert_rejected_only_by(result: Result<(), Vec<String>>, expected: &[&str]) {
    let failures = result.expect_err("the circuit must reject this witness");
    assert!(!failures.is_empty());
    for failure in &failures {
        let named = expected.iter().any(|e| failure.contains(e));
        let zero_constant =
            failure.contains("column_type: Fixed") && failure.contains("outside any region");
        assert!(
            named || zero_constant,
            "unexpected failure {failure:?}; expected only {expected:?} among {failures:#?}"
        );
    }
    for e in expected {
        assert!(
            failures.iter().any(|f| f.contains(e)),
            "no failure mentions {e:?}: {failures:#?}"
        );
    }
}

/// Asserts the circuit rejects the witness with at least one failure mentioning `expected`.
#[track_caller]
pub fn assert_rejected_by(result: Result<(), Vec<String>>, expected: &str) {
    let failures = result.expect_err("the circuit must reject this witness");
    assert!(
        failures.iter().any(|f| f.contains(expected)),
        "no failure mentions {expected:?}: {failures:#?}"
    );
}

use std::sync::{Arc, OnceLock};

use halo2_proofs::poly::commitment::Params;
use zkliq_circuits::keys::{CircuitShape, Curve, ParamsStore, ProverKey};

/// Parameters and proving key of a circuit, built once per test binary.
pub fn keys(shape: impl Into<CircuitShape>) -> (Arc<Params<Curve>>, &'static ProverKey) {
    static STORE: OnceLock<ParamsStore> = OnceLock::new();
    static KEYS: std::sync::Mutex<Vec<(CircuitShape, &'static ProverKey)>> =
        std::sync::Mutex::new(Vec::new());
    let shape = shape.into();
    // CI caches parameters on disk (`ZKLIQ_PARAMS_DIR`): k = 15 takes seconds to derive.
    let store = STORE.get_or_init(|| match std::env::var_os("ZKLIQ_PARAMS_DIR") {
        Some(dir) => ParamsStore::cached_in(dir),
        None => ParamsStore::in_memory(),
    });
    let params = store.get(shape.k()).expect("parameters");
    let mut keys = KEYS.lock().unwrap();
    if let Some((_, key)) = keys.iter().find(|(s, _)| *s == shape) {
        return (params, key);
    }
    let key: &'static ProverKey =
        Box::leak(Box::new(ProverKey::build(&params, shape).expect("keygen")));
    keys.push((shape, key));
    (params, key)
}

use zkliq_circuits::Claim;
use zkliq_circuits::batch::{BatchCircuit, BatchShape, BatchWitness, SlotClaim};
use zkliq_circuits::commitment::account_commitment;
use zkliq_circuits::health::reference;
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore};

/// A state tree holding `accounts` at the leaves of subtree `subtree` (height `height`), plus
/// some unrelated leaves elsewhere; returns the batch witness for that subtree with `claims`
/// (`None` = the true claim of each occupied position, no claim for empty ones).
pub fn batch_witness(
    market: &Market,
    prices: &PriceRound,
    accounts: &[Option<Account>],
    claims: Option<Vec<SlotClaim>>,
    height: u32,
    subtree: u64,
) -> BatchWitness {
    let shape = BatchShape::new(market.shape(), height).expect("supported height");
    assert_eq!(accounts.len(), shape.positions());
    let empty = EmptyTree::new(market.shape(), shape.tree);
    let mut store = MemoryStore::default();
    let first = subtree << height;
    let mut leaves: Vec<(u64, Fp)> = accounts
        .iter()
        .enumerate()
        .filter_map(|(j, a)| {
            a.as_ref()
                .map(|a| (first + j as u64, account_commitment(market, a)))
        })
        .collect();
    // Neighbours outside the subtree, so that the path is not all empty nodes.
    leaves.push((first ^ (1 << (height + 1)), Fp::from(11)));
    leaves.push((tree::CAPACITY - 1 - first, Fp::from(12)));
    tree::update(&mut store, &empty, leaves).unwrap();
    let siblings = tree::path(&mut store, &empty, height, subtree).unwrap();
    let claims = claims.unwrap_or_else(|| {
        accounts
            .iter()
            .map(|a| match a {
                Some(a) => SlotClaim::Is(reference::evaluate(market, prices, a).claim()),
                None => SlotClaim::None,
            })
            .collect()
    });
    let refs: Vec<Option<&Account>> = accounts.iter().map(Option::as_ref).collect();
    BatchWitness::new(shape, market, prices, &refs, &claims, subtree, siblings)
}

/// Runs the MockProver on a batch witness.
pub fn mock_batch(witness: &BatchWitness, instance: Vec<Fp>) -> Result<(), Vec<String>> {
    let prover = MockProver::run(
        witness.shape.k(),
        &BatchCircuit::new(witness.clone()),
        vec![instance],
    )
    .expect("synthesis succeeds");
    prover
        .verify()
        .map_err(|failures| failures.iter().map(|f| f.to_string()).collect())
}

/// The true claim of an account.
pub fn truth(market: &Market, prices: &PriceRound, account: &Account) -> Claim {
    reference::evaluate(market, prices, account).claim()
}

pub mod perturb {
    //! The perturbation test: add 1 to the N-th assigned advice cell of a circuit and check the
    //! MockProver rejects it, for every N (or a seeded sample of them). It is the strongest
    //! evidence that no assigned cell is unconstrained.
    //!
    //! A wrapper circuit runs the real circuit under a floor planner that wraps halo2's
    //! assignment backend: every `assign_advice` call is counted, and the targeted one gets its
    //! value plus one. halo2's V1 planner assigns only in its final pass, so the count is the
    //! number of advice cells the circuit assigns.

    use std::cell::Cell;

    use ff::Field;
    use halo2_proofs::circuit::{Layouter, Value, floor_planner};
    use halo2_proofs::dev::MockProver;
    use halo2_proofs::plonk::{
        Advice, Any, Assigned, Assignment, Circuit, Column, ConstraintSystem, Error, FloorPlanner,
        Instance, Selector,
    };
    use zkliq_circuits::Fp;

    thread_local! {
        static TARGET: Cell<Option<usize>> = const { Cell::new(None) };
        static COUNT: Cell<usize> = const { Cell::new(0) };
        /// The region being assigned, and the cells assigned in regions whose name contains
        /// one of `FILTER`.
        static REGION: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        static FILTER: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
        /// Advice columns (indices) whose cells are also matched.
        static COLUMNS: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
        static MATCHED: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
        /// Cells to describe (region and annotation), for a failing perturbation test's message.
        static DESCRIBE: std::cell::RefCell<Vec<(usize, String)>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    /// Runs the inner circuit, perturbing the targeted advice assignment.
    #[derive(Clone, Debug)]
    pub struct Perturbed<C>(pub C);

    impl<C: Circuit<Fp>> Circuit<Fp> for Perturbed<C> {
        type Config = C::Config;
        type FloorPlanner = Perturbing;

        fn without_witnesses(&self) -> Self {
            Perturbed(self.0.without_witnesses())
        }

        fn configure(meta: &mut ConstraintSystem<Fp>) -> C::Config {
            C::configure(meta)
        }

        fn synthesize(&self, config: C::Config, layouter: impl Layouter<Fp>) -> Result<(), Error> {
            self.0.synthesize(config, layouter)
        }
    }

    /// halo2's V1 floor planner over a counting, perturbing assignment backend.
    #[derive(Debug)]
    pub struct Perturbing;

    impl FloorPlanner for Perturbing {
        fn synthesize<F: Field, CS: Assignment<F>, C: Circuit<F>>(
            cs: &mut CS,
            circuit: &C,
            config: C::Config,
            constants: Vec<Column<halo2_proofs::plonk::Fixed>>,
        ) -> Result<(), Error> {
            COUNT.set(0);
            let mut wrapped = Counting(cs);
            floor_planner::V1::synthesize(&mut wrapped, circuit, config, constants)
        }
    }

    struct Counting<'a, CS>(&'a mut CS);

    impl<F: Field, CS: Assignment<F>> Assignment<F> for Counting<'_, CS> {
        fn enter_region<NR: Into<String>, N: FnOnce() -> NR>(&mut self, name: N) {
            let name: String = name().into();
            REGION.with_borrow_mut(|r| r.clone_from(&name));
            self.0.enter_region(|| name)
        }
        fn exit_region(&mut self) {
            self.0.exit_region()
        }
        fn enable_selector<A: FnOnce() -> AR, AR: Into<String>>(
            &mut self,
            annotation: A,
            selector: &Selector,
            row: usize,
        ) -> Result<(), Error> {
            self.0.enable_selector(annotation, selector, row)
        }
        fn query_instance(&self, column: Column<Instance>, row: usize) -> Result<Value<F>, Error> {
            self.0.query_instance(column, row)
        }
        fn assign_advice<V, VR, A, AR>(
            &mut self,
            annotation: A,
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
            let n = COUNT.get();
            COUNT.set(n + 1);
            let region = REGION.with_borrow(|r| r.clone());
            let label: String = annotation().into();
            DESCRIBE.with_borrow_mut(|d| {
                for (cell, text) in d.iter_mut() {
                    if *cell == n && text.is_empty() {
                        *text = format!("{n}: {label:?} at row {row} in region {region:?}");
                    }
                }
            });
            if FILTER.with_borrow(|f| f.iter().any(|name| region.contains(name.as_str())))
                || COLUMNS.with_borrow(|c| c.contains(&column_index(column)))
            {
                MATCHED.with_borrow_mut(|m| m.push(n));
            }
            let bump = TARGET.get() == Some(n);
            self.0.assign_advice(
                || label,
                column,
                row,
                || {
                    to().map(|v| {
                        let v: Assigned<F> = v.into();
                        if bump { v + F::ONE } else { v }
                    })
                },
            )
        }
        fn assign_fixed<V, VR, A, AR>(
            &mut self,
            annotation: A,
            column: Column<halo2_proofs::plonk::Fixed>,
            row: usize,
            to: V,
        ) -> Result<(), Error>
        where
            V: FnOnce() -> Value<VR>,
            VR: Into<Assigned<F>>,
            A: FnOnce() -> AR,
            AR: Into<String>,
        {
            self.0.assign_fixed(annotation, column, row, to)
        }
        fn copy(
            &mut self,
            left: Column<Any>,
            left_row: usize,
            right: Column<Any>,
            right_row: usize,
        ) -> Result<(), Error> {
            self.0.copy(left, left_row, right, right_row)
        }
        fn fill_from_row(
            &mut self,
            column: Column<halo2_proofs::plonk::Fixed>,
            row: usize,
            to: Value<Assigned<F>>,
        ) -> Result<(), Error> {
            self.0.fill_from_row(column, row, to)
        }
        fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, name: N) {
            self.0.push_namespace(name)
        }
        fn pop_namespace(&mut self, gadget_name: Option<String>) {
            self.0.pop_namespace(gadget_name)
        }
    }

    /// An advice column's index in creation order (halo2 keeps `index()` to itself; its `Debug`
    /// output shows it).
    fn column_index(column: Column<Advice>) -> usize {
        let text = format!("{column:?}");
        text.split("index: ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|digits| digits.parse().ok())
            .expect("a column's Debug output shows its index")
    }

    /// Runs the MockProver with advice cell `target` (if any) plus one; returns whether it
    /// verified and how many advice cells the circuit assigned.
    pub fn run<C: Circuit<Fp> + Clone>(
        k: u32,
        circuit: &C,
        instance: &[Fp],
        target: Option<usize>,
    ) -> (bool, usize) {
        TARGET.set(target);
        let prover = MockProver::run(k, &Perturbed(circuit.clone()), vec![instance.to_vec()])
            .expect("synthesis succeeds");
        let count = COUNT.get();
        TARGET.set(None);
        (prover.verify().is_ok(), count)
    }

    /// [`check`] over the cells assigned in regions whose name contains one of `regions` (every
    /// one of them with `ZKLIQ_PERTURB_ALL` set, else a seeded sample of `sample`), for a
    /// circuit whose new gates live in named regions. Returns the number of such cells and how
    /// many were perturbed.
    pub fn check_regions<C: Circuit<Fp> + Clone>(
        name: &str,
        k: u32,
        circuit: &C,
        instance: &[Fp],
        regions: &[&str],
        sample: usize,
    ) -> (usize, usize) {
        FILTER.with_borrow_mut(|f| *f = regions.iter().map(|r| r.to_string()).collect());
        check_matched(
            name,
            k,
            circuit,
            instance,
            &format!("regions {regions:?}"),
            sample,
        )
    }

    /// [`check_regions`] over the cells assigned in the advice columns `columns` (indices in
    /// the order the circuit creates its columns), for gates that live on columns of their own.
    pub fn check_columns<C: Circuit<Fp> + Clone>(
        name: &str,
        k: u32,
        circuit: &C,
        instance: &[Fp],
        columns: &[usize],
        sample: usize,
    ) -> (usize, usize) {
        COLUMNS.with_borrow_mut(|c| *c = columns.to_vec());
        check_matched(
            name,
            k,
            circuit,
            instance,
            &format!("columns {columns:?}"),
            sample,
        )
    }

    /// Perturbs the cells the filters set by the caller match (all, or a sample).
    fn check_matched<C: Circuit<Fp> + Clone>(
        name: &str,
        k: u32,
        circuit: &C,
        instance: &[Fp],
        filter: &str,
        sample: usize,
    ) -> (usize, usize) {
        MATCHED.with_borrow_mut(Vec::clear);
        let (ok, _) = run(k, circuit, instance, None);
        FILTER.with_borrow_mut(Vec::clear);
        COLUMNS.with_borrow_mut(Vec::clear);
        let cells = MATCHED.with_borrow_mut(std::mem::take);
        assert!(ok, "{name}: the honest witness must verify");
        assert!(!cells.is_empty(), "{name}: no cell in {filter}");
        let targets: Vec<usize> = match budget(sample) {
            Some(n) if n < cells.len() => {
                use rand::{RngExt, SeedableRng};
                let mut rng = rand::rngs::StdRng::seed_from_u64(cells.len() as u64);
                let mut t: Vec<usize> = (0..n)
                    .map(|_| cells[rng.random_range(0..cells.len())])
                    .collect();
                t.sort_unstable();
                t.dedup();
                t
            }
            _ => cells.clone(),
        };
        let survivors: Vec<usize> = targets
            .iter()
            .copied()
            .filter(|&n| run(k, circuit, instance, Some(n)).0)
            .collect();
        assert!(
            survivors.is_empty(),
            "{name}: adding 1 to these advice cells still verifies: {:#?}",
            describe(k, circuit, instance, &survivors)
        );
        (cells.len(), targets.len())
    }

    /// The region and annotation of each of `cells`.
    pub fn describe<C: Circuit<Fp> + Clone>(
        k: u32,
        circuit: &C,
        instance: &[Fp],
        cells: &[usize],
    ) -> Vec<String> {
        DESCRIBE.with_borrow_mut(|d| *d = cells.iter().map(|c| (*c, String::new())).collect());
        run(k, circuit, instance, None);
        DESCRIBE
            .with_borrow_mut(std::mem::take)
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    /// How many cells to perturb: all of them with `ZKLIQ_PERTURB_ALL` set, else `sample`.
    pub fn budget(sample: usize) -> Option<usize> {
        match std::env::var_os("ZKLIQ_PERTURB_ALL") {
            Some(_) => None,
            None => Some(sample),
        }
    }

    /// The perturbation test of one circuit: the honest witness verifies; each perturbed cell
    /// (every one, or a seeded sample of `sample` cells including the first and the last) makes
    /// it fail. Returns the number of cells the circuit assigns and how many were perturbed.
    pub fn check<C: Circuit<Fp> + Clone>(
        name: &str,
        k: u32,
        circuit: &C,
        instance: &[Fp],
        sample: usize,
    ) -> (usize, usize) {
        let (ok, cells) = run(k, circuit, instance, None);
        assert!(ok, "{name}: the honest witness must verify");
        assert!(cells > 0);
        let targets: Vec<usize> = match budget(sample) {
            None => (0..cells).collect(),
            Some(n) if n >= cells => (0..cells).collect(),
            Some(n) => {
                use rand::{RngExt, SeedableRng};
                let mut rng = rand::rngs::StdRng::seed_from_u64(cells as u64);
                let mut t: Vec<usize> = (0..n.saturating_sub(2))
                    .map(|_| rng.random_range(0..cells))
                    .collect();
                t.extend([0, cells - 1]);
                t.sort_unstable();
                t.dedup();
                t
            }
        };
        let survivors: Vec<usize> = targets
            .iter()
            .copied()
            .filter(|&n| run(k, circuit, instance, Some(n)).0)
            .collect();
        assert!(
            survivors.is_empty(),
            "{name}: adding 1 to these advice cells (of {cells}) still verifies: {:#?}",
            describe(k, circuit, instance, &survivors)
        );
        (cells, targets.len())
    }
}

pub mod liquidation {
    //! Liquidation witnesses for the vector cases, in a small state tree.

    use std::collections::BTreeMap;

    use halo2_proofs::dev::MockProver;
    use serde::Deserialize;
    use zkliq_circuits::commitment::account_commitment;
    use zkliq_circuits::liquidation::{
        LiquidationCircuit, LiquidationShape, LiquidationWitness, Quote, Repay, Request,
    };
    use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
    use zkliq_circuits::{Account, Fp, Market, PriceRound};

    /// One case of `fixtures/vectors/liquidation/expected.json`.
    #[derive(Clone, Debug, Deserialize)]
    pub struct Case {
        pub market: String,
        pub prices: String,
        pub account: String,
        pub debt: String,
        pub collateral: String,
        pub repay: String,
        pub result: String,
        pub reason: Option<String>,
        pub repaid: Option<String>,
        pub seized: Option<String>,
        pub to_liquidator: Option<String>,
        pub fee: Option<String>,
        pub deep: Option<bool>,
        pub new_collateral: Option<BTreeMap<String, String>>,
        pub new_debt: Option<BTreeMap<String, String>>,
    }

    fn read(rel: &str) -> String {
        std::fs::read_to_string(super::fixtures().join("vectors/liquidation").join(rel)).unwrap()
    }

    /// Every case.
    pub fn cases() -> Vec<Case> {
        serde_json::from_str(&read("expected.json")).unwrap()
    }

    /// A case's inputs and request.
    pub fn inputs(case: &Case) -> (Market, PriceRound, Account, Request) {
        let market = Market::from_json(&read(&case.market)).unwrap();
        let prices = PriceRound::from_json(&read(&case.prices), &market).unwrap();
        let account = Account::from_json(&read(&case.account), &market).unwrap();
        let request = Request {
            debt: market.position(&case.debt).unwrap(),
            collateral: market.position(&case.collateral).unwrap(),
            repay: case.repay.parse::<Repay>().unwrap(),
        };
        (market, prices, account, request)
    }

    /// The liquidator of every test liquidation.
    pub fn liquidator() -> Fp {
        Fp::from(0x5eed_1d00_u64)
    }

    /// The witness of liquidating the case's account at leaf 5 of a tree of `depth` (with two
    /// other accounts in it), under a fresh salt.
    pub fn witness(case: &Case, depth: u32) -> (LiquidationWitness, Quote) {
        let (market, prices, account, request) = inputs(case);
        let spec = TreeSpec::v2(depth).unwrap();
        let shape = LiquidationShape::new(market.shape(), spec).unwrap();
        let empty = EmptyTree::new(market.shape(), spec);
        let mut store = MemoryStore::default();
        let leaf = 5;
        tree::update(
            &mut store,
            &empty,
            [
                (leaf, account_commitment(&market, &account)),
                (4, Fp::from(44)),
                (200, Fp::from(45)),
            ],
        )
        .unwrap();
        let siblings = tree::path(&mut store, &empty, 0, leaf).unwrap();
        let new_salt = account.salt() + Fp::from(0x1234_5678_9abc_u64);
        LiquidationWitness::new(
            shape,
            &market,
            &prices,
            &account,
            request,
            new_salt,
            liquidator(),
            leaf,
            siblings,
        )
        .unwrap()
    }

    /// Runs the MockProver on a liquidation witness.
    pub fn mock(witness: &LiquidationWitness, instance: Vec<Fp>) -> Result<(), Vec<String>> {
        let prover = MockProver::run(
            witness.shape.k(),
            &LiquidationCircuit::new(witness.clone()),
            vec![instance],
        )
        .expect("synthesis succeeds");
        prover
            .verify()
            .map_err(|failures| failures.iter().map(|f| f.to_string()).collect())
    }
}

use zkliq_circuits::report::{
    Book, BucketEdges, ReportCircuitV1, ReportCircuitV2, ReportCircuitV3, ReportLayout,
    ReportShape, ReportWitness,
};
use zkliq_circuits::tree::TreeSpec;

/// `w` in `layout`: the same witness, since every layout proves the same statement.
pub fn in_layout(w: &ReportWitness, layout: ReportLayout) -> ReportWitness {
    let mut w = w.clone();
    w.shape = w.shape.with_layout(layout);
    w
}

/// MockProver's verdict on the report circuit of `w`'s layout, with `instance`.
pub fn mock_report_layout(w: &ReportWitness, instance: Vec<Fp>) -> Result<(), Vec<String>> {
    let k = w.shape.k();
    let prover = match w.shape.layout {
        ReportLayout::V1 => MockProver::run(k, &ReportCircuitV1::new(w.clone()), vec![instance]),
        ReportLayout::V2 => MockProver::run(k, &ReportCircuitV2::new(w.clone()), vec![instance]),
        ReportLayout::V3 => MockProver::run(k, &ReportCircuitV3::new(w.clone()), vec![instance]),
    }
    .expect("synthesis succeeds");
    prover
        .verify()
        .map_err(|failures| failures.iter().map(|f| f.to_string()).collect())
}

/// MockProver's verdict on `w` with `instance` in every layout, which must agree (the same
/// statement); the failures are layout 2's.
pub fn mock_report(w: &ReportWitness, instance: Vec<Fp>) -> Result<(), Vec<String>> {
    let v1 = mock_report_layout(&in_layout(w, ReportLayout::V1), instance.clone());
    let v3 = mock_report_layout(&in_layout(w, ReportLayout::V3), instance.clone());
    let v2 = mock_report_layout(&in_layout(w, ReportLayout::V2), instance);
    assert!(
        v1.is_ok() == v2.is_ok() && v3.is_ok() == v2.is_ok(),
        "the layouts disagree: layout 1 {v1:?}, layout 2 {v2:?}, layout 3 {v3:?}"
    );
    v2
}

/// A report over a depth-`depth` tree whose leaves `0..accounts.len()` hold `accounts` (`None`:
/// empty), in pieces of 8 positions: the pieces' witnesses, chained (each starts from the
/// previous one's book under its blind; the first from the empty book under `blinds[0]`), the
/// last one flagged `last`.
pub fn report_pieces(
    market: &Market,
    prices: &PriceRound,
    edges: &BucketEdges,
    accounts: &[Option<Account>],
    depth: u32,
) -> Vec<ReportWitness> {
    let spec = TreeSpec::v2(depth).unwrap();
    let batch = BatchShape::in_tree(market.shape(), 3, spec).unwrap();
    let shape = ReportShape::new(batch, edges.len()).unwrap();
    let empty = EmptyTree::new(market.shape(), spec);
    let mut store = MemoryStore::default();
    let leaves = accounts.iter().enumerate().filter_map(|(i, a)| {
        a.as_ref()
            .map(|a| (i as u64, account_commitment(market, a)))
    });
    tree::update(&mut store, &empty, leaves).unwrap();
    let pieces = accounts.len().div_ceil(8).max(1);
    let mut book = Book::empty(market.shape().assets(), edges.len());
    let mut witnesses = Vec::with_capacity(pieces);
    for i in 0..pieces {
        let refs: Vec<Option<&Account>> = (0..8)
            .map(|j| accounts.get(8 * i + j).and_then(Option::as_ref))
            .collect();
        let siblings = tree::path(&mut store, &empty, 3, i as u64).unwrap();
        let blinds = [Fp::from(1000 + i as u64), Fp::from(1001 + i as u64)];
        let w = ReportWitness::new(
            shape,
            market,
            prices,
            edges,
            &refs,
            i as u64,
            siblings,
            &book,
            blinds,
            i + 1 == pieces,
        );
        book = Book::from_fields(w.book_out(), market.shape().assets(), edges.len()).unwrap();
        witnesses.push(w);
    }
    witnesses
}

/// aave4 at the calm round, eight positions with one account in every bucket of the default
/// edges: the boundary account (ratio 1.0) with its collateral scaled to ratios 1.05, 1.2, 1.4
/// and 1.7, a random account (ratio above 2), a liquidatable one, one without debt, and an
/// empty leaf.
pub fn report_scene() -> (Market, PriceRound, Vec<Option<Account>>) {
    let (market, prices, boundary) = vector("aave4", "aave4-calm", "aave4-boundary");
    let scaled = |percent: u128, salt: u64| {
        let collateral = boundary
            .collateral()
            .iter()
            .map(|c| c * percent / 100)
            .collect();
        Account::new(
            &market,
            boundary.salt() + Fp::from(salt),
            collateral,
            boundary.debt().to_vec(),
        )
        .unwrap()
    };
    let named = |name: &str| vector("aave4", "aave4-calm", &format!("aave4-{name}")).2;
    let accounts = vec![
        Some(scaled(105, 1)),
        Some(scaled(120, 2)),
        None,
        Some(named("rand5")),
        Some(scaled(140, 3)),
        Some(named("nodebt")),
        Some(scaled(170, 4)),
        Some(named("rand0")),
    ];
    (market, prices, accounts)
}
