//! Proves one 4-asset batch of 8 N times, for comparison with the liquidation circuit.
use zkliq_circuits::batch::{BatchShape, BatchWitness, SlotClaim};
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore};
use zkliq_circuits::{Account, Market, PriceRound, proof};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let read = |p: &str| std::fs::read_to_string(zkliq_benches::fixtures().join(p)).unwrap();
    let market = Market::from_json(&read("markets/aave-v3-4.json")).unwrap();
    let prices = PriceRound::from_json(&read("prices/aave-v3-4-crash.json"), &market).unwrap();
    let account = Account::from_json(&read("accounts/aave-leveraged.json"), &market).unwrap();
    let shape = BatchShape::new(market.shape(), 3).unwrap();
    let empty = EmptyTree::new(market.shape(), shape.tree);
    let mut store = MemoryStore::default();
    let leaf = zkliq_circuits::commitment::account_commitment(&market, &account);
    tree::update(&mut store, &empty, (0..8).map(|i| (i, leaf))).unwrap();
    let siblings = tree::path(&mut store, &empty, 3, 0).unwrap();
    let accounts: Vec<Option<&Account>> = (0..8).map(|_| Some(&account)).collect();
    let claims = vec![SlotClaim::Is(zkliq_circuits::Claim::Liquidatable); 8];
    let w = BatchWitness::new(shape, &market, &prices, &accounts, &claims, 0, siblings);
    let params = ParamsStore::cached_in("target/zkliq-params")
        .get(shape.k())
        .unwrap();
    let key = ProverKey::build(&params, shape).unwrap();
    let column = w.public_inputs();
    let started = std::time::Instant::now();
    for _ in 0..n {
        proof::prove_batch_witness(&params, &key, w.clone(), &column).unwrap();
    }
    eprintln!(
        "{:.1} ms per proof",
        started.elapsed().as_secs_f64() * 1e3 / n as f64
    );
}
