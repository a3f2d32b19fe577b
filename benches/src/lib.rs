//! Inputs for the benchmarks: one bundled scenario per circuit shape.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use zkliq_circuits::health::reference;
use zkliq_circuits::{Account, Claim, Market, PriceRound, Shape};

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The `zkliq` binary next to the running benchmark (`target/release/zkliq`), if it was built.
pub fn zkliq_binary() -> Option<PathBuf> {
    // target/release/deps/<bench>-<hash> -> target/release/zkliq
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("zkliq");
    path.is_file().then_some(path)
}

/// A scenario's files, relative to `fixtures/`.
#[derive(Debug, Clone, Deserialize)]
pub struct Files {
    /// Scenario name.
    pub name: String,
    /// Market file.
    pub market: PathBuf,
    /// Price round file.
    pub prices: PathBuf,
    /// Account file.
    pub account: PathBuf,
    /// Expected claim.
    pub claim: String,
}

/// A loaded scenario.
pub struct Scenario {
    /// Its files.
    pub files: Files,
    /// The market.
    pub market: Market,
    /// The price round.
    pub prices: PriceRound,
    /// The account.
    pub account: Account,
    /// The claim that holds.
    pub claim: Claim,
}

/// The first bundled scenario of each shape, smallest shape first.
pub fn one_per_shape() -> Vec<Scenario> {
    let dir = fixtures();
    let read = |p: &Path| std::fs::read_to_string(dir.join(p)).expect("fixture");
    let files: Vec<Files> =
        serde_json::from_str(&read(Path::new("scenarios.json"))).expect("scenarios.json");
    let mut out: Vec<Scenario> = Vec::new();
    for f in files {
        let market = Market::from_json(&read(&f.market)).expect("market");
        if out.iter().any(|s| s.market.shape() == market.shape()) {
            continue;
        }
        let prices = PriceRound::from_json(&read(&f.prices), &market).expect("prices");
        let account = Account::from_json(&read(&f.account), &market).expect("account");
        let claim = reference::evaluate(&market, &prices, &account).claim();
        out.push(Scenario {
            files: f,
            market,
            prices,
            account,
            claim,
        });
    }
    out.sort_by_key(|s| s.market.shape());
    assert_eq!(out.len(), Shape::ALL.len(), "a scenario per shape");
    out
}

/// A liquidation witness: the account of `account` (in `fixtures/`) at leaf 1000 of a tree of
/// `depth` holding a few other accounts, liquidated by the keeper's default request.
pub fn liquidation_witness(
    market: &str,
    prices: &str,
    account: &str,
    depth: u32,
) -> zkliq_circuits::liquidation::LiquidationWitness {
    use zkliq_circuits::Fp;
    use zkliq_circuits::commitment::account_commitment;
    use zkliq_circuits::liquidation::{LiquidationShape, LiquidationWitness, default_request};
    use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
    let read = |p: &str| std::fs::read_to_string(fixtures().join(p)).expect("fixture");
    let market = Market::from_json(&read(market)).expect("market");
    let prices = PriceRound::from_json(&read(prices), &market).expect("prices");
    let account = Account::from_json(&read(account), &market).expect("account");
    let spec = TreeSpec::v2(depth).expect("depth");
    let empty = EmptyTree::new(market.shape(), spec);
    let mut store = MemoryStore::default();
    let leaf = 1000;
    tree::update(
        &mut store,
        &empty,
        [
            (leaf, account_commitment(&market, &account)),
            (3, Fp::from(3)),
            (77_777, Fp::from(4)),
        ],
    )
    .expect("memory");
    let siblings = tree::path(&mut store, &empty, 0, leaf).expect("memory");
    let request = default_request(&market, &prices, &account).expect("debt and collateral");
    let shape = LiquidationShape::new(market.shape(), spec).expect("format 2");
    LiquidationWitness::new(
        shape,
        &market,
        &prices,
        &account,
        request,
        account.salt() + Fp::from(1),
        Fp::from(0xabcd),
        leaf,
        siblings,
    )
    .expect("liquidatable")
    .0
}

/// The first piece of a report over a tree of `depth` whose first `2^height` leaves hold the
/// account of `account` (in `fixtures/`) with its collateral scaled to 50%..250% (every bucket
/// of the default edges, liquidatable ones included) and distinct salts, and whose leaf `2^height`
/// holds one more account (so the piece is not the last).
pub fn report_witness(
    market: &str,
    prices: &str,
    account: &str,
    height: u32,
    depth: u32,
) -> zkliq_circuits::report::ReportWitness {
    use zkliq_circuits::Fp;
    use zkliq_circuits::batch::BatchShape;
    use zkliq_circuits::commitment::account_commitment;
    use zkliq_circuits::report::{Book, BucketEdges, ReportShape, ReportWitness};
    use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
    let read = |p: &str| std::fs::read_to_string(fixtures().join(p)).expect("fixture");
    let market = Market::from_json(&read(market)).expect("market");
    let prices = PriceRound::from_json(&read(prices), &market).expect("prices");
    let base = Account::from_json(&read(account), &market).expect("account");
    let positions = 1usize << height;
    let accounts: Vec<Account> = (0..=positions)
        .map(|j| {
            let percent = 50 + (j as u128 * 37) % 200;
            let collateral = base
                .collateral()
                .iter()
                .map(|c| c * percent / 100)
                .collect();
            Account::new(
                &market,
                base.salt() + Fp::from(j as u64),
                collateral,
                base.debt().to_vec(),
            )
            .expect("amounts per asset")
        })
        .collect();
    let spec = TreeSpec::v2(depth).expect("depth");
    let empty = EmptyTree::new(market.shape(), spec);
    let mut store = MemoryStore::default();
    let leaves = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (i as u64, account_commitment(&market, a)));
    tree::update(&mut store, &empty, leaves).expect("memory");
    let siblings = tree::path(&mut store, &empty, height, 0).expect("memory");
    let edges = BucketEdges::default_edges();
    let batch = BatchShape::in_tree(market.shape(), height, spec).expect("supported height");
    let shape = ReportShape::new(batch, edges.len()).expect("report shape");
    let refs: Vec<Option<&Account>> = accounts[..positions].iter().map(Some).collect();
    ReportWitness::new(
        shape,
        &market,
        &prices,
        &edges,
        &refs,
        0,
        siblings,
        &Book::empty(market.assets().len(), edges.len()),
        [Fp::from(7), Fp::from(8)],
        false,
    )
}

/// [`report_witness`] of the 4-asset liquidation market at the crash round, every position the
/// leveraged account scaled, in a depth-32 tree: the piece the benches and examples measure.
pub fn four_asset_report(height: u32) -> zkliq_circuits::report::ReportWitness {
    report_witness(
        "markets/aave-v3-4-liquidation.json",
        "prices/aave-v3-4-crash.json",
        "accounts/aave-leveraged.json",
        height,
        32,
    )
}
