//! `zkliq serve` against the bare prover: a 4-asset membership proof (the owner's
//! `POST /v1/accounts/{id}/proofs`) over HTTP with warm keys, beside `create_proof` of the same
//! circuit and witness in this process; a verification over HTTP; then a fixed verification
//! load from 1, 2 and 4 clients, printed as requests/s and p50/p99.
//!
//! `cargo bench -p zkliq-prover --bench serve`

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use serde_json::{Value, json};
use zkliq_circuits::Claim;
use zkliq_circuits::batch::{BatchShape, BatchWitness, SlotClaim};
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::proof;
use zkliq_state::State;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn params_dir() -> PathBuf {
    std::env::var_os("ZKLIQ_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/zkliq-params"))
}

fn zkliq(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_zkliq"))
        .env("ZKLIQ_PARAMS_DIR", params_dir())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct Service {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, String) {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .content_type("application/json");
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let mut r = req.send(body.to_string().as_bytes()).unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }
}

fn read_json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(rel)).unwrap()).unwrap()
}

fn serve(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db").display().to_string();
    let market = fixtures().join("markets/aave-v3-4-liquidation.json");
    zkliq(&[
        "state",
        "init",
        "--state",
        &db,
        "--market",
        &market.display().to_string(),
    ]);
    zkliq(&[
        "state",
        "import",
        "--state",
        &db,
        &fixtures()
            .join("state/accounts.jsonl")
            .display()
            .to_string(),
    ]);
    let owner = zkliq(&["state", "grant", "--state", &db, "--owner", "bob"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkliq"))
        .env("ZKLIQ_PARAMS_DIR", params_dir())
        .args(["serve", "--state", &db, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let service = Service {
        child,
        base,
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into(),
    };
    let crash = read_json("prices/aave-v3-4-crash.json");
    let healthy = json!({"claim": "healthy", "prices": crash});

    // The same proof in this process: bob's membership witness, warm key.
    let state = State::open(Path::new(&db)).unwrap();
    let m = state.market().clone();
    let prices = zkliq_circuits::PriceRound::from_json(&crash.to_string(), &m).unwrap();
    let stored = state.account("bob").unwrap();
    let shape = BatchShape::in_tree(m.shape(), 0, state.tree()).unwrap();
    let params = ParamsStore::cached_in(params_dir()).get(shape.k()).unwrap();
    let key = ProverKey::build(&params, shape).unwrap();
    let witness = BatchWitness::new(
        shape,
        &m,
        &prices,
        &[Some(&stored.account)],
        &[SlotClaim::Is(Claim::Healthy)],
        stored.leaf_index,
        state.path(0, stored.leaf_index).unwrap(),
    );
    let column = witness.instance().unwrap().to_column();
    drop(state);

    let mut group = c.benchmark_group("serve-4-assets");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("membership-create-proof", |b| {
        b.iter(|| proof::prove_batch_witness(&params, &key, witness.clone(), &column).unwrap())
    });
    group.bench_function("membership-http", |b| {
        b.iter(|| {
            let (status, body) = service.post("/v1/accounts/bob/proofs", Some(&owner), &healthy);
            assert_eq!(status, 200, "{body}");
        })
    });
    let verify = json!({
        "proof": read_json("proofs/aave-leveraged-crash.proof.json"),
        "market": read_json("markets/aave-v3-4.json"),
        "prices": crash,
    });
    group.bench_function("verify-health-http", |b| {
        b.iter(|| {
            let (status, body) = service.post("/v1/verify", None, &verify);
            assert_eq!(status, 200, "{body}");
        })
    });
    group.finish();

    // Throughput: a fixed count of verifications from `clients` at once.
    for clients in [1usize, 2, 4] {
        let per_client = 100;
        let started = Instant::now();
        let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..clients)
                .map(|_| {
                    scope.spawn(|| {
                        (0..per_client)
                            .map(|_| {
                                let t = Instant::now();
                                let (status, body) = service.post("/v1/verify", None, &verify);
                                assert_eq!(status, 200, "{body}");
                                t.elapsed()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let wall = started.elapsed();
        latencies.sort();
        let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
        println!(
            "serve verify load: {clients} client(s) x {per_client}: {:.1} requests/s, p50 {:.1} ms, p99 {:.1} ms",
            latencies.len() as f64 / wall.as_secs_f64(),
            at(0.5).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3
        );
    }
}

criterion_group!(benches, serve);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
