//! Mutation fuzzing of the verifier library: seeded mutations of real proof files (bit flips,
//! truncation, extension, swapped public inputs, edited fields, random JSON, deep nesting,
//! non-UTF-8 bytes) of a health, two state and a liquidation proof. Over every case: no panic,
//! and no mutation is accepted unless it parses to exactly the original envelope (whitespace,
//! letter case of hex digits).
//!
//! CI runs `ZKLIQ_FUZZ_CASES` cases (default 3000); set it higher to fuzz longer.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use zkliq_verifier::{AnyEnvelope, Context, Round, Verifier, from_hex};

/// A proof file and the context it verifies against.
struct Subject {
    name: &'static str,
    bytes: Vec<u8>,
    envelope: AnyEnvelope,
    round: Round,
    root: Option<zkliq_verifier::Fp>,
}

fn subjects() -> Vec<Subject> {
    let fixtures = common::fixtures();
    let scenarios = common::scenarios();
    let aave_crash = scenarios
        .iter()
        .find(|s| s.name == "aave-leveraged-crash")
        .unwrap();
    let round = Round::new(aave_crash.market.clone(), aave_crash.prices.clone()).unwrap();
    let root = |rel: &str| {
        let text = std::fs::read_to_string(fixtures.join(rel)).unwrap();
        Some(from_hex(text.trim()).unwrap())
    };
    let liquidation_round = Round::from_files(
        fixtures.join("markets/aave-v3-4-liquidation.json"),
        fixtures.join("prices/aave-v3-4-crash.json"),
    )
    .unwrap();
    [
        (
            "health",
            "proofs/aave-leveraged-crash.proof.json",
            None,
            &round,
        ),
        (
            "state format 2",
            "proofs/state-batch-8.proof.json",
            root("proofs/state-root.txt"),
            &round,
        ),
        (
            "state format 1",
            "proofs/v1/state-member.proof.json",
            root("proofs/v1/state-root.txt"),
            &round,
        ),
        (
            "liquidation",
            "proofs/liquidation-1.proof.json",
            root("proofs/liquidation-root.txt"),
            &liquidation_round,
        ),
    ]
    .into_iter()
    .map(|(name, rel, root, round)| {
        let bytes = std::fs::read(fixtures.join(rel)).unwrap();
        Subject {
            name,
            envelope: AnyEnvelope::from_json(&bytes).unwrap(),
            bytes,
            round: round.clone(),
            root,
        }
    })
    .collect()
}

fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth > 3 { 4 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => Value::from(rng.random::<i64>()),
        3 => Value::String(
            (0..rng.random_range(0..20))
                .map(|_| rng.random_range(0x20u8..0x7f) as char)
                .collect(),
        ),
        4 => Value::from(rng.random::<f64>()),
        5 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            [
                "format",
                "shape",
                "k",
                "proof",
                "claim",
                "public_inputs",
                "x",
            ]
            .iter()
            .take(rng.random_range(0..7))
            .map(|k| (k.to_string(), random_json(rng, depth + 1)))
            .collect(),
        ),
    }
}

/// Every string leaf of a JSON value, by path.
fn string_paths(value: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::String(_) | Value::Number(_) => out.push(path),
        Value::Object(map) => {
            for (k, v) in map {
                let mut p = path.clone();
                p.push(k.clone());
                string_paths(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let mut p = path.clone();
                p.push(i.to_string());
                string_paths(v, p, out);
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(value, |v, key| match v {
        Value::Array(items) => &mut items[key.parse::<usize>().unwrap()],
        other => &mut other[key.as_str()],
    })
}

/// One mutation of `original`.
fn mutate(rng: &mut StdRng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    match rng.random_range(0..10) {
        // Flip bits of one to four bytes.
        0 => {
            for _ in 0..rng.random_range(1..=4) {
                let i = rng.random_range(0..bytes.len());
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
        }
        // Truncate.
        1 => bytes.truncate(rng.random_range(0..bytes.len())),
        // Extend: trailing bytes, or trailing JSON.
        2 => {
            if rng.random() {
                bytes.extend((0..rng.random_range(1..64)).map(|_| rng.random::<u8>()));
            } else {
                bytes.extend_from_slice(b"{\"format\": \"zkliq-proof/1\"}");
            }
        }
        // Swap two string or number fields (public inputs, claims, indices...).
        3 | 4 => {
            let mut v: Value = serde_json::from_slice(original).unwrap();
            let mut paths = Vec::new();
            string_paths(&v, vec![], &mut paths);
            let a = paths[rng.random_range(0..paths.len())].clone();
            let b = paths[rng.random_range(0..paths.len())].clone();
            let (x, y) = (at(&mut v, &a).clone(), at(&mut v, &b).clone());
            *at(&mut v, &a) = y;
            *at(&mut v, &b) = x;
            bytes = serde_json::to_vec_pretty(&v).unwrap();
        }
        // Replace one field with random JSON.
        5 => {
            let mut v: Value = serde_json::from_slice(original).unwrap();
            let mut paths = Vec::new();
            string_paths(&v, vec![], &mut paths);
            let a = paths[rng.random_range(0..paths.len())].clone();
            *at(&mut v, &a) = random_json(rng, 0);
            bytes = serde_json::to_vec(&v).unwrap();
        }
        // A whole random JSON document.
        6 => bytes = serde_json::to_vec(&random_json(rng, 0)).unwrap(),
        // Deep nesting, alone or inside a field.
        7 => {
            let depth = rng.random_range(100..20_000);
            let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            bytes = if rng.random() {
                nested.into_bytes()
            } else {
                format!("{{\"format\": {nested}}}").into_bytes()
            };
        }
        // Non-UTF-8 bytes in the middle.
        8 => {
            let i = rng.random_range(0..bytes.len());
            bytes.splice(i..i, [0xff, 0xfe, 0xc0]);
        }
        // One hex digit of a hex field changed (proof, commitments, fingerprint).
        _ => {
            let digits: Vec<usize> = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_hexdigit())
                .map(|(i, _)| i)
                .collect();
            let i = digits[rng.random_range(0..digits.len())];
            let old = bytes[i];
            let choices = b"0123456789abcdef";
            bytes[i] = loop {
                let c = choices[rng.random_range(0..16)];
                if !c.eq_ignore_ascii_case(&old) {
                    break c;
                }
            };
        }
    }
    bytes
}

#[test]
fn mutated_proof_files_never_panic_and_are_never_accepted_changed() {
    let cases: usize = std::env::var("ZKLIQ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let verifier = Verifier::new();
    let subjects = subjects();
    // Every subject verifies unmutated.
    for s in &subjects {
        let mut context = Context::new(&s.round);
        if let Some(root) = s.root {
            context = context.root(root);
        }
        verifier
            .verify(&s.bytes, &context)
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
    }
    let mut rng = StdRng::seed_from_u64(0x007a_6b6c_6971);
    let (mut accepted, mut parsed) = (0usize, 0usize);
    for case in 0..cases {
        let s = &subjects[case % subjects.len()];
        let mutated = mutate(&mut rng, &s.bytes);
        let mut context = Context::new(&s.round);
        if let Some(root) = s.root {
            context = context.root(root);
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            (
                verifier.verify(&mutated, &context).is_ok(),
                AnyEnvelope::from_json(&mutated).ok(),
            )
        }));
        let Ok((ok, envelope)) = outcome else {
            panic!(
                "case {case} ({}): the verifier panicked on {:?}",
                s.name,
                String::from_utf8_lossy(&mutated[..mutated.len().min(200)])
            );
        };
        parsed += usize::from(envelope.is_some());
        if ok {
            accepted += 1;
            assert_eq!(
                envelope.as_ref(),
                Some(&s.envelope),
                "case {case} ({}): a mutation that changes the proof was accepted",
                s.name
            );
        }
    }
    eprintln!(
        "{cases} mutations: {parsed} still parsed as proof files, {accepted} accepted (each equal to its original)"
    );
}

/// The market and price-round bytes a caller passes are library input too.
#[test]
fn mutated_market_and_round_files_never_panic() {
    let cases: usize = std::env::var("ZKLIQ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let fixtures = common::fixtures();
    let market = std::fs::read(fixtures.join("markets/aave-v3-4.json")).unwrap();
    let liquidation_market =
        std::fs::read(fixtures.join("vectors/liquidation/markets/aave4.json")).unwrap();
    let prices = std::fs::read(fixtures.join("prices/aave-v3-4-crash.json")).unwrap();
    let mut rng = StdRng::seed_from_u64(0x0052_6f75_6e64);
    let mut parsed = 0usize;
    for case in 0..cases {
        let (m, p) = match case % 3 {
            0 => (mutate(&mut rng, &market), prices.clone()),
            1 => (market.clone(), mutate(&mut rng, &prices)),
            _ => (mutate(&mut rng, &liquidation_market), prices.clone()),
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| Round::from_json(&m, &p).is_ok()));
        match outcome {
            Ok(ok) => parsed += usize::from(ok),
            Err(_) => panic!(
                "case {case}: Round::from_json panicked on {:?} / {:?}",
                String::from_utf8_lossy(&m[..m.len().min(200)]),
                String::from_utf8_lossy(&p[..p.len().min(200)])
            ),
        }
    }
    eprintln!("{cases} mutated market and round files: {parsed} still valid");
}
