//! `zkliq serve` over real HTTP on 127.0.0.1: every endpoint's happy path and its auth failures,
//! bad bodies that change nothing, the bounded queue's 503 and the deadline's 408, and a
//! service killed (SIGKILL) during liquidations that restarts before or after each, with its
//! proof. `state grant` tokens: printed once, hashed, revocable.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, grant};
use common::{CRASH, MARKET, fixtures, fx, liquidation_state, run};
use serde_json::{Value, json};
use zkliq_verifier::{AnyEnvelope, Round, StateRoot, Verifier, from_hex};

const LIQUIDATOR: &str = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045";
const OTHER_LIQUIDATOR: &str = "0x1111111111111111111111111111111111111111";

fn read_json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(rel)).unwrap()).unwrap()
}

fn verifier() -> Verifier {
    Verifier::with_params_cache(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("params"))
}

fn round() -> Round {
    Round::from_files(fx(MARKET), fx(CRASH)).unwrap()
}

/// A state of the 40 fixture accounts, an admin token, and its server.
struct Setup {
    _dir: tempfile::TempDir,
    db: String,
    admin: String,
    log: std::path::PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let db = liquidation_state(dir.path());
    let admin = grant(&db, &["--admin"]);
    let log = dir.path().join("serve.log");
    Setup {
        _dir: dir,
        db,
        admin,
        log,
    }
}

fn liquidation(leaf: u64) -> Value {
    json!({"leaf": leaf, "debt": "USDC", "collateral": "WETH", "repay": "max"})
}

/// Leaf 0 of the fixture state is liquidatable at the crash round (so are 3 and 4); 1 is healthy.
const LIQUIDATABLE: u64 = 0;
const HEALTHY: u64 = 1;

#[test]
fn grant_prints_a_token_once_and_revokes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = liquidation_state(dir.path());
    let r = run(&[
        "state", "grant", "--state", &db, "--owner", "alice", "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let issued: Value = serde_json::from_str(&r.stdout).unwrap();
    let token = issued["token"].as_str().unwrap();
    let token_id = issued["token_id"].as_str().unwrap();
    assert!(token.starts_with(&format!("zkliq_{token_id}_")), "{token}");
    // Only the secret's hash is stored: the database holds neither the token nor its secret.
    let secret = token.rsplit('_').next().unwrap();
    let bytes = std::fs::read(&db).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(secret));
    for (args, needle) in [
        (vec!["--owner", "nobody"], "no account with id \"nobody\""),
        (vec!["--liquidator", "0xzz"], "--liquidator"),
        (
            vec!["--revoke", "0123456789abcdef"],
            "--revoke: no live grant",
        ),
        (vec!["--admin", "--owner", "alice"], "cannot be used with"),
        (
            vec!["--owner", "alice", "--expires-in", "forever"],
            "--expires-in: \"forever\" is not a duration",
        ),
        (
            vec!["--owner", "alice", "--expires-in", "20years"],
            "--expires-in: \"20years\" must be between 1s and 10 years",
        ),
        (vec![], "required"),
    ] {
        let mut all = vec!["state", "grant", "--state", &db];
        all.extend(args.iter().copied());
        let r = run(&all);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
    let r = run(&[
        "state",
        "grant",
        "--state",
        &db,
        "--owner",
        "alice",
        "--expires-in",
        "90d",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dated: Value = serde_json::from_str(&r.stdout).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expires = dated["expires_at"].as_u64().unwrap();
    assert!(
        (now + 90 * 86_400 - 5..=now + 90 * 86_400).contains(&expires),
        "{dated}"
    );
    assert_eq!(
        issued["expires_at"],
        Value::Null,
        "by default a token lasts until revoked"
    );
    let r = run(&["state", "grant", "--state", &db, "--revoke", token_id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A second revocation finds no live grant.
    let r = run(&["state", "grant", "--state", &db, "--revoke", token]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn every_endpoint_with_its_roles() {
    let s = setup();
    let server = Server::start(&s.db, &[], Some(&s.log));
    let admin = Some(s.admin.as_str());

    // Public.
    assert_eq!(server.get("/v1/health", None).json()["status"], "ok");
    let root = server.get("/v1/root", None).json();
    assert_eq!(root["accounts"], 40);
    assert_eq!(root["round"], Value::Null);
    let api = server.get("/openapi.json", None).json();
    assert_eq!(api["openapi"], "3.1.0");
    for path in [
        "/v1/health",
        "/v1/root",
        "/v1/prices",
        "/v1/transitions",
        "/v1/transitions/{seq}/proof",
        "/v1/verify",
        "/v1/accounts/{id}",
        "/v1/accounts/{id}/proofs",
        "/v1/accounts/{id}/liquidations",
        "/v1/quotes",
        "/v1/liquidations",
        "/v1/admin/accounts",
        "/v1/admin/prices",
        "/v1/admin/grants",
        "/v1/admin/grants/{token_id}",
        "/openapi.json",
        "/metrics",
    ] {
        assert!(api["paths"].get(path).is_some(), "{path} is not documented");
    }
    assert_eq!(server.get("/v1/prices", None).status, 404);
    assert_eq!(server.get("/v1/nothing", None).status, 404);
    let r = server.get("/v1/root/", None);
    assert_eq!(r.status, 404);
    assert!(r.error().contains("no trailing slash"), "{}", r.body);
    let r = server.get("/v1/verify", None);
    assert_eq!(r.status, 405);
    assert_eq!(
        r.error(),
        "GET is not a method of this endpoint; it takes POST (see GET /openapi.json)"
    );

    // Admin: no token, a wrong one, a non-admin one.
    let crash = read_json(CRASH);
    let r = server.post("/v1/admin/prices", None, &crash);
    assert_eq!(r.status, 401, "{}", r.body);
    let mut wrong = s.admin.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    let r = server.post("/v1/admin/prices", Some(&wrong), &crash);
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.error(), "invalid or revoked token");
    let r = server.post("/v1/admin/prices", Some("Basic abc"), &crash);
    assert_eq!(r.status, 401);
    let r = server.post("/v1/admin/prices", admin, &crash);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["round"], crash["round"]);
    // Rounds only go up.
    let r = server.post("/v1/admin/prices", admin, &crash);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("round: must be above"), "{}", r.body);
    assert_eq!(server.get("/v1/prices", None).json(), crash);

    let owner = server
        .post("/v1/admin/grants", admin, &json!({"owner": "alice"}))
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = server
        .post("/v1/admin/grants", admin, &json!({"owner": "bob"}))
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let liquidator = grant(&s.db, &["--liquidator", LIQUIDATOR]);
    let r = server.post(
        "/v1/admin/grants",
        admin,
        &json!({"liquidator": OTHER_LIQUIDATOR}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["role"], "liquidator");
    assert_eq!(
        r.json()["subject"],
        format!("0x{:0>64}", &OTHER_LIQUIDATOR[2..])
    );
    let r = server.post("/v1/admin/grants", admin, &json!({"owner": "nobody"}));
    assert_eq!(r.status, 404, "{}", r.body);
    let r = server.post("/v1/admin/grants", admin, &json!({}));
    assert_eq!(r.status, 400, "{}", r.body);
    // A token that expires: it works, then (once past its whole seconds) it is 401 like any
    // bad token.
    let r = server.post(
        "/v1/admin/grants",
        admin,
        &json!({"owner": "bob", "expires_in": "3s"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.json()["expires_at"].as_u64().is_some(), "{}", r.body);
    let brief = r.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/v1/accounts/bob", Some(&brief)).status, 200);
    std::thread::sleep(Duration::from_millis(4100));
    assert_eq!(server.get("/v1/accounts/bob", Some(&brief)).status, 401);
    for bad in ["soon", "0s", "11years"] {
        let r = server.post(
            "/v1/admin/grants",
            admin,
            &json!({"owner": "bob", "expires_in": bad}),
        );
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(r.error().starts_with("expires_in: "), "{}", r.body);
    }
    for token in [&owner, &liquidator] {
        let r = server.post("/v1/admin/grants", Some(token), &json!({"owner": "alice"}));
        assert_eq!(r.status, 403, "{}", r.body);
        let r = server.post_raw(
            "/v1/admin/accounts",
            Some(token),
            "application/x-ndjson",
            b"",
        );
        assert_eq!(r.status, 403, "{}", r.body);
    }

    // Owner: its own account, and nobody else's.
    let alice = server.get("/v1/accounts/alice", Some(&owner));
    assert_eq!(alice.status, 200, "{}", alice.body);
    // The scheme is case-insensitive.
    let r = server.get_with("/v1/accounts/alice", &format!("bearer {owner}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let opening = alice.json();
    assert_eq!(opening["leaf_index"], 0);
    assert!(opening["account"]["salt"].is_string());
    assert_eq!(server.get("/v1/accounts/alice", None).status, 401);
    assert_eq!(server.get("/v1/accounts/alice", Some(&wrong)).status, 401);
    for (path, token) in [
        ("/v1/accounts/bob", &owner),
        ("/v1/accounts/alice", &bob),
        ("/v1/accounts/nobody", &owner),
        ("/v1/accounts/alice", &liquidator),
        ("/v1/accounts/alice", &s.admin),
        ("/v1/accounts/bob/liquidations", &owner),
    ] {
        let r = server.get(path, Some(token));
        assert_eq!(r.status, 403, "{path}: {}", r.body);
    }
    let r = server.post(
        "/v1/accounts/bob/proofs",
        Some(&owner),
        &json!({"claim": "healthy"}),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = server.post(
        "/v1/accounts/alice/proofs",
        None,
        &json!({"claim": "healthy"}),
    );
    assert_eq!(r.status, 401, "{}", r.body);

    // Owner: a membership proof at the published round, that the library and /v1/verify accept.
    let r = server.post(
        "/v1/accounts/alice/proofs",
        Some(&owner),
        &json!({"claim": "healthy"}),
    );
    assert_eq!(
        r.status, 422,
        "alice is liquidatable at the crash: {}",
        r.body
    );
    assert!(r.error().contains("cannot be proven healthy"), "{}", r.body);
    let r = server.post(
        "/v1/accounts/alice/proofs",
        Some(&owner),
        &json!({"claim": "liquidatable"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let proof = r.json();
    let root_before = from_hex(root["root"].as_str().unwrap()).unwrap();
    let AnyEnvelope::State(envelope) = AnyEnvelope::from_json(r.body.as_bytes()).unwrap() else {
        panic!("not a state proof");
    };
    let verdict = verifier()
        .verify_state(&envelope, &round(), StateRoot::new(root_before))
        .unwrap();
    assert_eq!(verdict.claims()[0].leaf, 0);
    // At another round given in the body (the calm one: healthy there).
    let calm = read_json("prices/aave-v3-4-calm.json");
    let r = server.post(
        "/v1/accounts/alice/proofs",
        Some(&owner),
        &json!({"claim": "healthy", "prices": calm}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = server.post(
        "/v1/accounts/alice/proofs",
        Some(&owner),
        &json!({"claim": "rich"}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.error().starts_with("claim:"), "{}", r.body);

    // Public verification: the same verdict as the library, and a flipped context fails.
    let market = read_json(MARKET);
    let body = json!({"proof": proof, "market": market, "prices": crash, "root": root["root"]});
    let r = server.post("/v1/verify", None, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let mut expected = serde_json::to_value(zkliq_verifier::Verdict::State(verdict)).unwrap();
    expected["valid"] = json!(true);
    assert_eq!(r.json(), expected);
    let mut flipped = body.clone();
    flipped["root"] = json!(format!("0x{}1", "0".repeat(63)));
    let r = server.post("/v1/verify", None, &flipped);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["valid"], false);
    assert!(
        r.error()
            .starts_with("root: the proof is against state root"),
        "{}",
        r.body
    );
    let mut rootless = body.clone();
    rootless.as_object_mut().unwrap().remove("root");
    let r = server.post("/v1/verify", None, &rootless);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.error().contains("only be checked against a given root"),
        "{}",
        r.body
    );
    // Context the proof has no use for is refused, as the library refuses it.
    let mut unused = body.clone();
    unused["liquidator"] = json!(LIQUIDATOR);
    let r = server.post("/v1/verify", None, &unused);
    assert_eq!(r.status, 400, "{}", r.body);
    let expected_error = verifier()
        .verify(
            proof.to_string().as_bytes(),
            &zkliq_verifier::Context::new(&round())
                .root(root_before)
                .liquidator(zkliq_circuits::field::id_from_hex(LIQUIDATOR).unwrap()),
        )
        .unwrap_err()
        .to_string();
    assert_eq!(r.error(), expected_error);
    // Proofs of other circuits are for the library, not for this service's warm keys.
    let r = server.post(
        "/v1/verify",
        None,
        &json!({
            "proof": read_json("proofs/perp-basket-crash.proof.json"),
            "market": read_json("markets/perp-16.json"),
            "prices": read_json("prices/perp-16-crash.json"),
        }),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.error()
            .contains("its own circuits (4 assets, tree depth 32)"),
        "{}",
        r.body
    );
    // A health proof, a stored liquidation proof, a stored round report.
    let r = server.post(
        "/v1/verify",
        None,
        &json!({
            "proof": read_json("proofs/aave-leveraged-crash.proof.json"),
            "market": read_json("markets/aave-v3-4.json"),
            "prices": crash,
        }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["kind"], "health");
    let liquidation_root =
        std::fs::read_to_string(fixtures().join("proofs/liquidation-root.txt")).unwrap();
    let r = server.post(
        "/v1/verify",
        None,
        &json!({
            "proof": read_json("proofs/liquidation-1.proof.json"),
            "market": market, "prices": crash, "root": liquidation_root.trim(),
            "liquidator": OTHER_LIQUIDATOR,
        }),
    );
    assert_eq!(r.status, 422, "bound to another liquidator: {}", r.body);
    // A round report of this state (the stored one is of a depth-8 tree: another circuit,
    // refused), and the same with a piece dropped.
    let pieces: Vec<Value> = (0..5)
        .map(|i| read_json(&format!("proofs/report/piece-{i:06}.proof.json")))
        .collect();
    let report_root = std::fs::read_to_string(fixtures().join("proofs/report/root.txt")).unwrap();
    let stored = json!({
        "proof": {"report": read_json("proofs/report/report.json"), "pieces": pieces},
        "market": market, "prices": crash, "root": report_root.trim(), "depth": 8,
    });
    let r = server.post("/v1/verify", None, &stored);
    assert_eq!(r.status, 400, "{}", r.body);
    let dir = s.log.parent().unwrap().join("report");
    let r = run(&[
        "report",
        "--state",
        &s.db,
        "--prices",
        &fx(CRASH),
        "--positions",
        "8",
        "--per-proof",
        "2",
        "--out",
        &dir.display().to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let report_file = read("report.json");
    // Two pieces to a proof: group files 0, 2, 4 (the last of one piece).
    let pieces: Vec<Value> = (0..report_file["pieces"].as_u64().unwrap())
        .step_by(2)
        .map(|i| read(&format!("group-{i:06}.proof.json")))
        .collect();
    assert_eq!(pieces.len(), 3);
    let report = json!({
        "proof": {"report": report_file, "pieces": pieces},
        "market": market, "prices": crash, "root": root["root"],
    });
    let r = server.post("/v1/verify", None, &report);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["accounts"], 40);
    let listed = r.json()["liquidatable"].clone();
    assert!(
        listed.as_array().unwrap().contains(&json!(LIQUIDATABLE)),
        "{listed}"
    );
    assert!(
        !listed.as_array().unwrap().contains(&json!(HEALTHY)),
        "{listed}"
    );
    let mut dropped = report.clone();
    dropped["proof"]["pieces"].as_array_mut().unwrap().remove(2);
    let r = server.post("/v1/verify", None, &dropped);
    assert_eq!(r.status, 422, "{}", r.body);

    // Liquidator: quotes, then a liquidation bound to itself.
    let r = server.post("/v1/quotes", Some(&liquidator), &liquidation(LIQUIDATABLE));
    assert_eq!(r.status, 200, "{}", r.body);
    let quote = r.json();
    let keys: Vec<&String> = quote.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "collateral",
            "debt",
            "fee",
            "leaf",
            "repaid",
            "repay",
            "result",
            "round",
            "seized",
            "to_liquidator"
        ],
        "a quote shows only what the proof will"
    );
    let r = server.post("/v1/quotes", Some(&liquidator), &liquidation(HEALTHY));
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.error(), "refused: healthy");
    // Quotes about one account at one round are capped (4 by default): each tells what a
    // proof would.
    for _ in 1..4 {
        let r = server.post("/v1/quotes", Some(&liquidator), &liquidation(LIQUIDATABLE));
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = server.post("/v1/quotes", Some(&liquidator), &liquidation(LIQUIDATABLE));
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(
        r.error().contains("at most 4 per account per price round"),
        "{}",
        r.body
    );
    let r = server.post("/v1/quotes", Some(&liquidator), &liquidation(39_999));
    assert_eq!(r.status, 404, "{}", r.body);
    for token in [&owner, &s.admin] {
        let r = server.post("/v1/quotes", Some(token), &liquidation(LIQUIDATABLE));
        assert_eq!(r.status, 403, "{}", r.body);
        let r = server.post("/v1/liquidations", Some(token), &liquidation(LIQUIDATABLE));
        assert_eq!(r.status, 403, "{}", r.body);
    }
    let mut as_other = liquidation(LIQUIDATABLE);
    as_other["liquidator"] = json!(OTHER_LIQUIDATOR);
    let r = server.post("/v1/liquidations", Some(&liquidator), &as_other);
    assert_eq!(r.status, 403, "{}", r.body);
    let r = server.post("/v1/liquidations", None, &liquidation(LIQUIDATABLE));
    assert_eq!(r.status, 401, "{}", r.body);
    let mut at_calm = liquidation(LIQUIDATABLE);
    at_calm["prices"] = calm.clone();
    let r = server.post("/v1/liquidations", Some(&liquidator), &at_calm);
    assert_eq!(r.status, 409, "only the published round: {}", r.body);
    assert_eq!(
        server
            .get("/v1/transitions", None)
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let mut as_self = liquidation(LIQUIDATABLE);
    as_self["liquidator"] = json!(LIQUIDATOR);
    let r = server.post("/v1/liquidations", Some(&liquidator), &as_self);
    assert_eq!(r.status, 201, "{}", r.body);
    let done = r.json();
    for key in ["repaid", "seized", "to_liquidator", "fee"] {
        assert_eq!(
            done[key], quote[key],
            "{key}: the liquidation moved what the quote said"
        );
    }
    assert_eq!(done["old_root"], root["root"]);
    let AnyEnvelope::Liquidation(proof) =
        AnyEnvelope::from_json(done["proof"].to_string().as_bytes()).unwrap()
    else {
        panic!("not a liquidation proof");
    };
    let v = verifier()
        .verify_liquidation(
            &proof,
            &round(),
            StateRoot::new(root_before),
            Some(zkliq_circuits::field::id_from_hex(LIQUIDATOR).unwrap()),
        )
        .unwrap();
    assert_eq!(
        zkliq_verifier::to_hex(&v.new_root()),
        done["new_root"].as_str().unwrap()
    );
    assert_eq!(
        server.get("/v1/root", None).json()["root"],
        done["new_root"]
    );
    let seq = done["seq"].as_u64().unwrap();
    let stored = server.get(&format!("/v1/transitions/{seq}/proof"), None);
    assert_eq!(stored.status, 200);
    assert_eq!(stored.json(), done["proof"]);
    assert_eq!(server.get("/v1/transitions/1/proof", None).status, 404);
    assert_eq!(server.get("/v1/transitions/x/proof", None).status, 400);
    let log = server.get("/v1/transitions", None).json();
    let last = log.as_array().unwrap().last().unwrap().clone();
    let page = server.get("/v1/transitions?after=1&limit=1", None).json();
    assert_eq!(page, json!([last]));
    assert_eq!(server.get("/v1/transitions?limit=0", None).status, 400);
    let r = server.get("/v1/transitions?after=abc", None);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("after: invalid digit"), "{}", r.body);
    assert_eq!(
        server.get("/v1/transitions?after=2", None).json(),
        json!([])
    );
    assert_eq!(last["kind"], "liquidation");
    assert!(
        last.get("id").is_none(),
        "the public chain names no account: {last}"
    );

    // Owner: the new opening and the history.
    let after = server.get("/v1/accounts/alice", Some(&owner)).json();
    assert_ne!(after["account"]["salt"], opening["account"]["salt"]);
    assert_eq!(after["root"], done["new_root"]);
    let history = server
        .get("/v1/accounts/alice/liquidations", Some(&owner))
        .json();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["seq"], seq);
    assert_eq!(
        server
            .get("/v1/accounts/bob/liquidations", Some(&bob))
            .json(),
        json!([])
    );

    // Admin: an import, and a revocation that ends a token at once.
    let line = std::fs::read_to_string(fixtures().join("state/accounts.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .replace("\"alice\"", "\"zed\"")
        .replace("0x14b2", "0x24b2");
    let r = server.post_raw(
        "/v1/admin/accounts",
        admin,
        "application/x-ndjson",
        line.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["inserted"], 1);
    assert_eq!(server.get("/v1/root", None).json()["accounts"], 41);
    let token_id = bob.split('_').nth(1).unwrap();
    assert_eq!(
        server
            .delete(&format!("/v1/admin/grants/{token_id}"), Some(&owner))
            .status,
        403
    );
    assert_eq!(
        server
            .delete(&format!("/v1/admin/grants/{token_id}"), admin)
            .status,
        204
    );
    assert_eq!(
        server
            .delete(&format!("/v1/admin/grants/{token_id}"), admin)
            .status,
        404
    );
    assert_eq!(server.get("/v1/accounts/bob", Some(&bob)).status, 401);

    // Metrics count by route template.
    let metrics = server.get("/metrics", None).body;
    for needle in [
        "zkliq_http_requests_total{endpoint=\"/v1/accounts/{id}\",status=\"200\"}",
        "zkliq_proofs_total{kind=\"membership\"} 2",
        "zkliq_proofs_total{kind=\"liquidation\"} 1",
        "zkliq_queue_depth{queue=\"prove\"} 0",
        "zkliq_http_request_duration_seconds_bucket{endpoint=\"/v1/liquidations\"",
    ] {
        assert!(metrics.contains(needle), "{needle} not in\n{metrics}");
    }

    // Nothing private in the log: no token, no secret, no salt, no account id, no balance.
    drop(server);
    let log = std::fs::read_to_string(&s.log).unwrap();
    assert!(
        log.contains("endpoint=\"/v1/accounts/{id}\" status=200"),
        "the log names routes and statuses: {log}"
    );
    for secret in [
        s.admin.as_str(),
        owner.as_str(),
        liquidator.as_str(),
        &wrong,
        opening["account"]["salt"].as_str().unwrap(),
        after["account"]["salt"].as_str().unwrap(),
        "alice",
        "21085073151962034176",
    ] {
        let tail = &secret[secret.len().saturating_sub(20)..];
        assert!(!log.contains(tail), "{secret} is in the log:\n{log}");
    }
}

#[test]
fn bad_bodies_get_a_clear_4xx_and_change_nothing() {
    let s = setup();
    let server = Server::start(&s.db, &["--max-body", "65536"], None);
    let admin = Some(s.admin.as_str());
    assert_eq!(
        server
            .post("/v1/admin/prices", admin, &read_json(CRASH))
            .status,
        201
    );
    let liquidator = grant(&s.db, &["--liquidator", LIQUIDATOR]);
    let before = (
        server.get("/v1/root", None).json(),
        server.get("/v1/transitions", None).json(),
    );
    // (path, content type, what, body, status, a part of the message)
    type Case<'a> = (&'a str, &'a str, &'a str, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("/v1/liquidations", "application/json", "not json", b"{\"leaf\": 0,".to_vec(), 400, "EOF while parsing"),
        ("/v1/liquidations", "application/json", "wrong type", br#"{"leaf": "zero", "debt": "USDC", "collateral": "WETH", "repay": "max"}"#.to_vec(), 400, "leaf: invalid type"),
        ("/v1/liquidations", "application/json", "missing field", br#"{"leaf": 0, "debt": "USDC", "collateral": "WETH"}"#.to_vec(), 400, "missing field `repay`"),
        ("/v1/liquidations", "application/json", "unknown field", br#"{"leaf": 0, "debt": "USDC", "collateral": "WETH", "repay": "max", "id": "alice"}"#.to_vec(), 400, "unknown field `id`"),
        ("/v1/liquidations", "application/json", "negative leaf", br#"{"leaf": -1, "debt": "USDC", "collateral": "WETH", "repay": "max"}"#.to_vec(), 400, "leaf: invalid value"),
        ("/v1/liquidations", "application/json", "leaf beyond the tree", br#"{"leaf": 4294967296, "debt": "USDC", "collateral": "WETH", "repay": "max"}"#.to_vec(), 400, "leaf: must be below 4294967296"),
        ("/v1/liquidations", "application/json", "bad asset", br#"{"leaf": 0, "debt": "DOGE", "collateral": "WETH", "repay": "max"}"#.to_vec(), 400, "debt: market \"aave-v3-like-4\" has no asset \"DOGE\""),
        ("/v1/liquidations", "application/json", "bad repay", br#"{"leaf": 0, "debt": "USDC", "collateral": "WETH", "repay": "-5"}"#.to_vec(), 400, "repay:"),
        ("/v1/liquidations", "application/json", "bad liquidator", br#"{"leaf": 0, "debt": "USDC", "collateral": "WETH", "repay": "max", "liquidator": "0xzz"}"#.to_vec(), 400, "liquidator:"),
        ("/v1/liquidations", "text/plain", "not JSON content", br#"{"leaf": 0}"#.to_vec(), 415, "Content-Type: application/json"),
        ("/v1/liquidations", "application/json", "oversized", vec![b' '; 70_000], 413, "length limit exceeded"),
        ("/v1/admin/accounts", "application/x-ndjson", "a bad line", b"{\"id\": \"x\", \"salt\": \"0x01\"}\n".to_vec(), 400, "line 1"),
        ("/v1/admin/accounts", "application/x-ndjson", "oversized import", vec![b'\n'; 70_000], 413, "length limit exceeded"),
        ("/v1/admin/prices", "application/json", "prices of another market", serde_json::to_vec(&read_json("prices/perp-16-crash.json")).unwrap(), 400, "prices"),
        ("/v1/admin/grants", "application/json", "both roles", br#"{"owner": "alice", "liquidator": "0x01"}"#.to_vec(), 400, "exactly one"),
        ("/v1/verify", "application/json", "a proof of nothing", br#"{"proof": {"format": "zkliq-proof/9"}, "market": {}, "prices": {}}"#.to_vec(), 400, "market:"),
        ("/v1/verify", "application/json", "a body without a market", br#"{"proof": {}, "prices": {}}"#.to_vec(), 400, "missing field `market`"),
    ];
    for (path, content_type, what, body, status, needle) in cases {
        let token = if path.starts_with("/v1/admin") {
            admin
        } else {
            Some(liquidator.as_str())
        };
        let r = server.post_raw(path, token, content_type, &body);
        assert_eq!(r.status, status, "{what}: {}", r.body);
        let message = r.error();
        assert!(
            message.contains(needle),
            "{what}: {message:?} lacks {needle:?}"
        );
        assert!(!message.contains('\n'), "{what}: one line: {message:?}");
    }
    let market = read_json(MARKET);
    let crash = read_json(CRASH);
    let mut garbled = read_json("proofs/liquidation-1.proof.json");
    garbled["proof"] = json!("zz");
    let r = server.post(
        "/v1/verify",
        None,
        &json!({"proof": garbled, "market": market, "prices": crash, "root": "0x01"}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["valid"], false);
    let after = (
        server.get("/v1/root", None).json(),
        server.get("/v1/transitions", None).json(),
    );
    assert_eq!(before, after, "a refused request changed the state");
}

/// p-th percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Six membership proofs of bob asked at once.
fn six_proofs_at_once(server: &Server, owner: &str, body: &Value) -> Vec<common::server::Reply> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| server.post("/v1/accounts/bob/proofs", Some(owner), body)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn bounded_load_the_503_path_and_the_deadline() {
    let s = setup();
    let owner = grant(&s.db, &["--owner", "bob"]);
    let healthy = json!({"claim": "healthy", "prices": read_json(CRASH)});
    let verify_body = json!({
        "proof": read_json("proofs/aave-leveraged-crash.proof.json"),
        "market": read_json("markets/aave-v3-4.json"),
        "prices": read_json(CRASH),
    });

    // A fixed load on the default queues: 8 proofs and 200 verifications from 8 clients at
    // once. Every answer is 200 or a 503 with Retry-After; the figures are printed.
    {
        let server = Server::start(&s.db, &[], None);
        let started = Instant::now();
        let results: Vec<(bool, u16, Duration)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|client| {
                    let (server, owner, healthy, verify_body) =
                        (&server, &owner, &healthy, &verify_body);
                    scope.spawn(move || {
                        let mut out = Vec::new();
                        let r0 = Instant::now();
                        let r = server.post("/v1/accounts/bob/proofs", Some(owner), healthy);
                        out.push((true, r.status, r0.elapsed()));
                        for _ in 0..25 {
                            let t = Instant::now();
                            let r = server.post("/v1/verify", None, verify_body);
                            if r.status == 503 {
                                assert!(r.retry_after.is_some());
                            } else {
                                assert_eq!(r.status, 200, "client {client}: {}", r.body);
                            }
                            out.push((false, r.status, t.elapsed()));
                        }
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let wall = started.elapsed();
        for (kind, is_prove) in [("prove", true), ("verify", false)] {
            let mut ok: Vec<Duration> = results
                .iter()
                .filter(|r| r.0 == is_prove && r.1 == 200)
                .map(|r| r.2)
                .collect();
            ok.sort();
            let busy = results
                .iter()
                .filter(|r| r.0 == is_prove && r.1 == 503)
                .count();
            assert!(!ok.is_empty(), "no {kind} request succeeded");
            println!(
                "load: {kind}: {} ok ({:.1}/s over the run), {busy} turned away (503); p50 {:.1} ms, p99 {:.1} ms",
                ok.len(),
                ok.len() as f64 / wall.as_secs_f64(),
                percentile(&ok, 0.5).as_secs_f64() * 1e3,
                percentile(&ok, 0.99).as_secs_f64() * 1e3,
            );
        }
        let metrics = server.get("/metrics", None).body;
        assert!(
            metrics.contains("zkliq_proofs_total{kind=\"membership\"}"),
            "{metrics}"
        );
    }

    // One worker, one waiting place: of six proofs at once, at most two are taken and the
    // rest are turned away at once with 503 and Retry-After.
    {
        let server = Server::start(&s.db, &["--workers", "1", "--queue", "1"], None);
        let replies = six_proofs_at_once(&server, &owner, &healthy);
        let ok = replies.iter().filter(|r| r.status == 200).count();
        let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
        assert!((1..=2).contains(&ok), "{ok} taken");
        assert_eq!(ok + busy.len(), 6);
        for r in busy {
            assert_eq!(r.retry_after.as_deref(), Some("2"));
            assert!(r.error().contains("the prove queue is full"), "{}", r.body);
        }
        let metrics = server.get("/metrics", None).body;
        assert!(
            metrics.contains(&format!(
                "zkliq_queue_rejected_total{{queue=\"prove\"}} {}",
                6 - ok
            )),
            "{metrics}"
        );
    }

    // A deadline of 1 s with one worker: of six proofs queued at once, the last cannot finish
    // in time and is answered 408 with the service's message.
    {
        let server = Server::start(&s.db, &["--workers", "1", "--deadline", "1"], None);
        let replies = six_proofs_at_once(&server, &owner, &healthy);
        let late: Vec<_> = replies.iter().filter(|r| r.status == 408).collect();
        assert!(!late.is_empty(), "no request hit the deadline");
        assert!(
            late[0].error().contains("deadline passed"),
            "{}",
            late[0].body
        );
        assert!(replies.iter().all(|r| r.status == 200 || r.status == 408));
        // Requests past their deadline are counted too.
        let metrics = server.get("/metrics", None).body;
        let needle = format!(
            "zkliq_http_requests_total{{endpoint=\"/v1/accounts/{{id}}/proofs\",status=\"408\"}} {}",
            late.len()
        );
        assert!(metrics.contains(&needle), "{needle} not in\n{metrics}");
    }
}

#[test]
fn killed_during_liquidations_restarts_before_or_after_each() {
    let s = setup();
    let liquidator = grant(&s.db, &["--liquidator", LIQUIDATOR]);
    let start = || Server::start(&s.db, &[], None);
    let server = start();
    assert_eq!(
        server
            .post("/v1/admin/prices", Some(&s.admin), &read_json(CRASH))
            .status,
        201
    );
    let first_root = server.get("/v1/root", None).json()["root"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut server = Some(server);
    // Kill at different moments of a liquidation: keys warm, mid-proof, around the commit.
    // Each request carries its own Idempotency-Key and is sent again after the restart, as a
    // client that lost the answer would: it must happen at most once.
    let mut committed_answers = Vec::new();
    let mut interrupted = 0;
    let mut replayed = 0;
    // The transition each key ended in (None: refused by the rule, nothing committed).
    let mut by_key: Vec<Option<u64>> = Vec::new();
    // The long delay first, while leaf 0 is surely liquidatable: an answer seen before the kill.
    let delays = [4000u64, 150, 450, 650, 800, 1000, 1300];
    for (attempt, delay_ms) in delays.into_iter().enumerate() {
        let live = server.take().unwrap();
        let leaf = [0u64, 3, 4][attempt % 3];
        let key = format!("kill-test-{attempt}");
        let send = |server: &Server| {
            server.try_post(
                "/v1/liquidations",
                Some(&liquidator),
                Some(&key),
                &liquidation(leaf),
            )
        };
        let first = std::thread::scope(|scope| {
            let pending = scope.spawn(|| send(&live));
            std::thread::sleep(Duration::from_millis(delay_ms));
            // SIGKILL: no graceful shutdown.
            let killed = std::process::Command::new("kill")
                .args(["-9", &live.child.id().to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
            // The client sees the connection end, or (if it was quick) the answer.
            pending.join().unwrap()
        });
        match &first {
            Ok(a) if a.status == 201 => committed_answers.push(a.body["seq"].as_u64().unwrap()),
            Ok(a) => assert_eq!(a.status, 422, "{:?}", a.body),
            Err(_) => interrupted += 1,
        }
        drop(live);
        let restarted = start();
        // The retry: the committed answer again, or (nothing committed) a first execution.
        let again = send(&restarted).expect("the restarted service answers");
        match (&first, again.status) {
            (Ok(a), status) if a.status == 201 => {
                assert_eq!(status, 201, "a committed key: {:?}", again.body);
                assert!(again.replayed, "a committed key executed twice");
                assert_eq!(again.body, a.body, "the replay is the first answer");
            }
            (_, 201) => replayed += usize::from(again.replayed),
            (_, status) => assert_eq!(status, 422, "{:?}", again.body),
        }
        by_key.push((again.status == 201).then(|| again.body["seq"].as_u64().unwrap()));
        server = Some(restarted);
    }
    let server = server.unwrap();
    // One more, uninterrupted: the service works after every kill.
    let r = server.post("/v1/liquidations", Some(&liquidator), &liquidation(3));
    assert!(r.status == 201 || r.status == 422, "{}", r.body);
    if r.status == 201 {
        by_key.push(Some(r.json()["seq"].as_u64().unwrap()));
    }
    // A key already used, with another request: refused, nothing changes.
    let used = by_key
        .iter()
        .position(Option::is_some)
        .expect("a key committed");
    let other = server
        .try_post(
            "/v1/liquidations",
            Some(&liquidator),
            Some(&format!("kill-test-{used}")),
            &liquidation(HEALTHY),
        )
        .unwrap();
    assert_eq!(other.status, 422, "{:?}", other.body);
    assert!(
        other.body["error"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key: already used for another liquidation request"),
        "{:?}",
        other.body
    );
    let twice = server
        .try_post_keys(
            "/v1/liquidations",
            Some(&liquidator),
            &["key-a", "key-b"],
            &liquidation(3),
        )
        .unwrap();
    assert_eq!(twice.status, 400, "{:?}", twice.body);
    assert_eq!(
        twice.body["error"],
        "Idempotency-Key: sent more than once; send one"
    );
    for bad in ["", "has space", &"k".repeat(65)] {
        let r = server
            .try_post(
                "/v1/liquidations",
                Some(&liquidator),
                Some(bad),
                &liquidation(3),
            )
            .unwrap();
        assert_eq!(r.status, 400, "{bad:?}: {:?}", r.body);
        assert!(
            r.body["error"]
                .as_str()
                .unwrap()
                .starts_with("Idempotency-Key: must be 1 to 64"),
            "{:?}",
            r.body
        );
    }

    // The chain from the first root is whole: each link starts where the last ended, every
    // liquidation has its stored proof, each proof verifies from its old root to its new one,
    // and the last new root is the state's root.
    let log = server.get("/v1/transitions", None).json();
    let log = log.as_array().unwrap();
    let mut current = first_root.clone();
    let mut liquidations = 0;
    for t in log.iter().skip(1) {
        assert_eq!(t["old_root"], current.as_str(), "a broken link: {t}");
        assert_eq!(t["kind"], "liquidation");
        let proof = server.get(t["proof"].as_str().expect("a stored proof"), None);
        assert_eq!(proof.status, 200);
        let AnyEnvelope::Liquidation(e) = AnyEnvelope::from_json(proof.body.as_bytes()).unwrap()
        else {
            panic!("not a liquidation proof");
        };
        let v = verifier()
            .verify_liquidation(
                &e,
                &round(),
                StateRoot::new(from_hex(&current).unwrap()),
                Some(zkliq_circuits::field::id_from_hex(LIQUIDATOR).unwrap()),
            )
            .unwrap();
        current = zkliq_verifier::to_hex(&v.new_root());
        assert_eq!(t["new_root"], current.as_str());
        liquidations += 1;
    }
    assert_eq!(
        server.get("/v1/root", None).json()["root"],
        current.as_str()
    );
    assert!(interrupted >= 1, "no kill landed during a liquidation");
    assert!(
        !committed_answers.is_empty(),
        "no liquidation was answered 201"
    );
    // Every liquidation answered 201 is in the chain (with its proof, checked above).
    for seq in &committed_answers {
        assert!(
            log.iter().any(|t| t["seq"] == *seq),
            "transition {seq} was answered 201 but is not in the chain"
        );
    }
    // Exactly once: every liquidation in the chain is the one answer of one key.
    let mut seqs: Vec<u64> = by_key.iter().flatten().copied().collect();
    seqs.sort();
    seqs.dedup();
    assert_eq!(
        seqs.len(),
        by_key.iter().flatten().count(),
        "two keys got the same transition"
    );
    assert_eq!(
        seqs.len(),
        liquidations,
        "the chain holds a liquidation no key was answered with: {by_key:?}"
    );
    println!(
        "kill and restart: {liquidations} liquidation(s) committed, {} answered 201 before the kill, {replayed} replayed after a lost answer, {interrupted} interrupted, across {} kills and one clean run",
        committed_answers.len(),
        delays.len()
    );
    // The stored tree agrees with the openings: a fresh membership proof of a liquidated
    // account verifies against the root.
    let owner = grant(&s.db, &["--owner", "alice"]);
    let proof = ["liquidatable", "healthy"]
        .into_iter()
        .map(|claim| {
            server.post(
                "/v1/accounts/alice/proofs",
                Some(&owner),
                &json!({"claim": claim}),
            )
        })
        .find(|r| r.status == 200)
        .expect("one claim about alice is true");
    let AnyEnvelope::State(e) = AnyEnvelope::from_json(proof.body.as_bytes()).unwrap() else {
        panic!("not a state proof");
    };
    verifier()
        .verify_state(&e, &round(), StateRoot::new(from_hex(&current).unwrap()))
        .unwrap();
    drop(server);
    let r = run(&["state", "root", "--state", &s.db]);
    assert_eq!(r.stdout.trim(), current);
}

/// A request queued behind others is checked again when it reaches its worker: a token revoked
/// while it waited gets 401 and no proof; the requests ahead of it, of a live token, run.
#[test]
fn a_token_revoked_while_its_request_waits_gets_nothing() {
    let s = setup();
    let live = grant(&s.db, &["--owner", "bob"]);
    let doomed = grant(&s.db, &["--owner", "bob"]);
    let doomed_id = doomed.split('_').nth(1).unwrap().to_owned();
    let healthy = json!({"claim": "healthy", "prices": read_json(CRASH)});
    let server = Server::start(&s.db, &["--workers", "1", "--queue", "2"], None);
    // (running, waiting, proofs made) of the prove queue, from one read of /metrics.
    let snapshot = || -> (u64, u64, u64) {
        let metrics = server.get("/metrics", None).body;
        let value = |needle: &str| {
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(needle))
                .map_or(0, |v| v.trim().parse().unwrap())
        };
        (
            value("zkliq_queue_running{queue=\"prove\"} "),
            value("zkliq_queue_depth{queue=\"prove\"} "),
            value("zkliq_proofs_total{kind=\"membership\"} "),
        )
    };
    let wait_for = |what: &str, done: &dyn Fn((u64, u64, u64)) -> bool| {
        let started = Instant::now();
        while !done(snapshot()) {
            assert!(started.elapsed() < Duration::from_secs(60), "never {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    std::thread::scope(|scope| {
        // Two proofs of the live token: one running, one waiting.
        let ahead: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| server.post("/v1/accounts/bob/proofs", Some(&live), &healthy)))
            .collect();
        wait_for("two proofs in the queue", &|(running, waiting, made)| {
            running + waiting + made == 2 && made == 0
        });
        let behind =
            scope.spawn(|| server.post("/v1/accounts/bob/proofs", Some(&doomed), &healthy));
        // Both waiting: the second proof and this one (a request is counted as waiting only
        // once it passed authentication).
        wait_for("the third request in the queue", &|(_, waiting, _)| {
            waiting == 2
        });
        let r = server.delete(&format!("/v1/admin/grants/{doomed_id}"), Some(&s.admin));
        assert_eq!(r.status, 204, "{}", r.body);
        // The queue is first come, first served: the last request still waits.
        let (_, waiting, _) = snapshot();
        assert!(
            waiting >= 1,
            "the revocation came too late to test anything"
        );
        let r = behind.join().unwrap();
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.error(), "invalid or revoked token");
        for r in ahead {
            let r = r.join().unwrap();
            assert_eq!(r.status, 200, "{}", r.body);
        }
    });
    assert_eq!(
        snapshot(),
        (0, 0, 2),
        "only the live token's two proofs were made"
    );
}

/// A liquidation whose grant is revoked while it proves does not commit: 401, the root and the
/// transition log unchanged; the same liquidation by a live token then commits.
#[test]
fn a_liquidation_revoked_while_it_proves_does_not_commit() {
    let s = setup();
    let doomed = grant(&s.db, &["--liquidator", LIQUIDATOR]);
    let doomed_id = doomed.split('_').nth(1).unwrap().to_owned();
    let live = grant(&s.db, &["--liquidator", LIQUIDATOR]);
    let server = Server::start(&s.db, &[], None);
    let r = server.post("/v1/admin/prices", Some(&s.admin), &read_json(CRASH));
    assert_eq!(r.status, 201, "{}", r.body);
    let root = server.get("/v1/root", None).json()["root"].clone();
    let transitions = || {
        server
            .get("/v1/transitions", None)
            .json()
            .as_array()
            .unwrap()
            .len()
    };
    let before = transitions();
    let running = || {
        server
            .get("/metrics", None)
            .body
            .lines()
            .find_map(|l| l.strip_prefix("zkliq_queue_running{queue=\"liquidate\"} "))
            .is_some_and(|v| v.trim() == "1")
    };
    std::thread::scope(|scope| {
        let request = scope.spawn(|| {
            server.post(
                "/v1/liquidations",
                Some(&doomed),
                &liquidation(LIQUIDATABLE),
            )
        });
        let started = Instant::now();
        while !running() {
            assert!(started.elapsed() < Duration::from_secs(60), "never proving");
            std::thread::sleep(Duration::from_millis(2));
        }
        let r = server.delete(&format!("/v1/admin/grants/{doomed_id}"), Some(&s.admin));
        assert_eq!(r.status, 204, "{}", r.body);
        // Revoked while proving (a liquidation proof takes about half a second).
        assert!(running(), "the revocation came too late to test anything");
        let r = request.join().unwrap();
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.error(), "invalid or revoked token");
    });
    assert_eq!(server.get("/v1/root", None).json()["root"], root);
    assert_eq!(transitions(), before, "nothing committed");
    let r = server.post("/v1/liquidations", Some(&live), &liquidation(LIQUIDATABLE));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(transitions(), before + 1);
}
