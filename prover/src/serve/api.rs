//! The endpoints. Roles: public (no token), owner (`Role::Owner` of the account in the path),
//! liquidator (`Role::Liquidator`, acting only as itself), admin. Every body and answer is JSON;
//! every error is `{"error": "..."}` (see `openapi.json`).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zkliq_circuits::liquidation::Request;
use zkliq_circuits::{Claim, Fp, Market, PriceRound, Shape, field};
use zkliq_state::{IdempotentAnswer, PublishedRound, Role, StoredAccount, TransitionKind};
use zkliq_verifier::{
    AnyEnvelope, Context, ReportFile, ReportGroupEnvelope, Round, StateRoot, VerifyError,
};

use super::auth::Caller;
use super::error::{ApiError, Json, Path, Query, Text};
use super::{App, lock};
use crate::cli::LiquidationChoice;
use crate::commands::liquidate::{self, Liquidating};
use crate::commands::{state as state_cmd, verify_report};

type Shared = State<Arc<App>>;

/// A JSON document (already serialised) as a response.
fn raw_json(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// `GET /v1/health`: the service is up.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /v1/root`: the published root and what it is bound to.
pub async fn root(State(app): Shared) -> Result<Json<Value>, ApiError> {
    let a = app.clone();
    app.db(move |s| {
        let root = s.root().map_err(|e| a.state_error(e))?;
        let accounts = s.len().map_err(|e| a.state_error(e))?;
        let round = s.latest_prices().map_err(|e| a.state_error(e))?;
        Ok(Json(json!({
            "root": field::to_hex(&root),
            "accounts": accounts,
            "market": s.market().name(),
            "market_commitment": field::to_hex(&s.market_commitment()),
            "depth": s.tree().depth(),
            "round": round.map(|r| r.prices.round()),
        })))
    })
    .await
}

/// `GET /v1/prices`: the latest published price round.
pub async fn prices(State(app): Shared) -> Result<Response, ApiError> {
    let a = app.clone();
    let round = app
        .db(move |s| s.latest_prices().map_err(|e| a.state_error(e)))
        .await?
        .ok_or_else(|| ApiError::not_found("no price round is published yet"))?;
    Ok(raw_json(StatusCode::OK, round.json))
}

/// A transition as the public sees it: no account id, no server file name.
fn public_transition(t: &zkliq_state::Transition, has_proof: bool) -> Value {
    json!({
        "seq": t.seq,
        "kind": t.kind,
        "old_root": field::to_hex(&t.old_root),
        "new_root": field::to_hex(&t.new_root),
        "leaf": t.leaf,
        "details": t.details,
        "proof_sha256": t.proof_sha256,
        "proof": has_proof.then(|| format!("/v1/transitions/{}/proof", t.seq)),
        "time": t.time,
    })
}

/// `?after=SEQ&limit=N`: a page of the chain.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Transitions after this one (default 0: from the first).
    #[serde(default)]
    after: u64,
    /// At most this many (default and most: [`PAGE`]).
    limit: Option<u64>,
}

/// The longest page of transitions.
const PAGE: u64 = 1000;

impl Page {
    fn limit(&self) -> Result<u64, ApiError> {
        match self.limit {
            None => Ok(PAGE),
            Some(n) if (1..=PAGE).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::bad_request(format!(
                "limit: must be in 1..={PAGE}, got {n}"
            ))),
        }
    }
}

/// `GET /v1/transitions?after=SEQ&limit=N`: changes of the root, oldest first, a page at a time.
pub async fn transitions(
    State(app): Shared,
    Query(page): Query<Page>,
) -> Result<Json<Value>, ApiError> {
    let limit = page.limit()?;
    let a = app.clone();
    app.db(move |s| {
        let log = s
            .transitions_after(page.after, limit, None)
            .map_err(|e| a.state_error(e))?;
        let stored = s.transition_proofs().map_err(|e| a.state_error(e))?;
        Ok(Json(Value::Array(
            log.iter()
                .map(|t| public_transition(t, stored.contains(&t.seq)))
                .collect(),
        )))
    })
    .await
}

/// `GET /v1/transitions/{seq}/proof`: the proof of a liquidation the service committed.
pub async fn transition_proof(
    State(app): Shared,
    Path(seq): Path<u64>,
) -> Result<Response, ApiError> {
    let a = app.clone();
    let proof = app
        .db(move |s| s.transition_proof(seq).map_err(|e| a.state_error(e)))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("transition {seq} has no stored proof")))?;
    Ok(raw_json(StatusCode::OK, proof))
}

/// `POST /v1/verify` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// A proof file's JSON, or a report: `{"report": <report.json>, "pieces": [<piece>...]}`.
    proof: Value,
    market: Value,
    prices: Value,
    root: Option<String>,
    depth: Option<u32>,
    account_commitment: Option<String>,
    liquidator: Option<String>,
    /// Refuse a round older than this many seconds (by the service's clock).
    max_age: Option<u64>,
}

/// A verification failure as `verify --json` prints it (a long message, e.g. one quoting a
/// malformed value, cut short).
fn invalid(status: StatusCode, error: impl std::fmt::Display) -> Response {
    let mut error = error.to_string();
    if error.len() > 400 {
        let cut = (0..=400)
            .rev()
            .find(|&i| error.is_char_boundary(i))
            .unwrap_or(0);
        error.truncate(cut);
        error.push('…');
    }
    (status, axum::Json(json!({"valid": false, "error": error}))).into_response()
}

/// The asset shape and tree depth of the circuit a proof (or report) names.
fn circuit_of(proof: &Value) -> Result<(Shape, Option<u32>), VerifyError> {
    if let Some(pieces) = proof.get("pieces") {
        let first = pieces.get(0).ok_or(VerifyError::MissingContext {
            what: "pieces",
            kind: "a round report",
        })?;
        let piece = ReportGroupEnvelope::from_json(first.to_string().as_bytes())?;
        let batch = piece.shape().batch;
        return Ok((batch.assets, Some(batch.tree.depth())));
    }
    Ok(
        match AnyEnvelope::from_json(proof.to_string().as_bytes())? {
            AnyEnvelope::Health(e) => (e.shape, None),
            AnyEnvelope::State(e) => (e.shape.assets, Some(e.shape.tree.depth())),
            AnyEnvelope::Liquidation(e) => (e.shape().assets, Some(e.shape().tree.depth())),
        },
    )
}

/// `POST /v1/verify`: the library's verdict on a proof ([`zkliq_verifier::Verifier::verify`],
/// `verify_report`), against the context in the body: the same verdict and the same errors.
/// Only proofs of this service's circuits (its market's asset count, its tree's depth): a
/// verifier builds a key for each circuit it meets, and the service builds no new ones on
/// request. Other proofs: the `zkliq-verifier` library or `zkliq verify`.
pub async fn verify(State(app): Shared, body: Result<Json<VerifyBody>, ApiError>) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(e) => return invalid(e.status, e.message),
    };
    let market = match Market::from_json(&body.market.to_string()) {
        Ok(m) => m,
        Err(e) => return invalid(StatusCode::BAD_REQUEST, format!("market: {e}")),
    };
    let prices = match PriceRound::from_json(&body.prices.to_string(), &market) {
        Ok(p) => p,
        Err(e) => return invalid(StatusCode::BAD_REQUEST, format!("prices: {e}")),
    };
    let mut round = match Round::new(market, prices) {
        Ok(r) => r,
        Err(e) => return invalid(StatusCode::BAD_REQUEST, format!("prices: {e}")),
    };
    if let Some(max_age) = body.max_age {
        round = round.with_max_age_from_now(std::time::Duration::from_secs(max_age));
    }
    let hex = |name: &str, text: &Option<String>, parse: fn(&str) -> Result<Fp, _>| {
        text.as_deref()
            .map(|t| parse(t).map_err(|e: zkliq_verifier::FieldHexError| format!("{name}: {e}")))
            .transpose()
    };
    let context = (|| {
        let root = hex("root", &body.root, field::from_hex)?.map(|r| {
            let r = StateRoot::new(r);
            body.depth.map_or(r, |d| r.with_depth(d))
        });
        let account = hex(
            "account_commitment",
            &body.account_commitment,
            field::from_hex,
        )?;
        let liquidator = hex("liquidator", &body.liquidator, field::id_from_hex)?;
        Ok::<_, String>((root, account, liquidator))
    })();
    let (root, account, liquidator) = match context {
        Ok(c) => c,
        Err(e) => return invalid(StatusCode::BAD_REQUEST, e),
    };
    let proof = body.proof;
    match circuit_of(&proof) {
        Err(e) => return invalid(StatusCode::BAD_REQUEST, format!("proof: {e}")),
        Ok((assets, depth)) => {
            if assets != app.market.shape() || depth.is_some_and(|d| d != app.tree.depth()) {
                return invalid(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "proof: this service verifies proofs of its own circuits ({} assets, tree depth {}); check others with zkliq verify or the zkliq-verifier library",
                        app.market.shape().assets(),
                        app.tree.depth()
                    ),
                );
            }
        }
    }
    let a = app.clone();
    let outcome = app
        .verify_queue
        .run(move || {
            if proof.get("pieces").is_some() {
                refuse_unused(account.is_some(), "account commitment", "a round report")?;
                refuse_unused(liquidator.is_some(), "liquidator", "a round report")?;
                let root = root.ok_or(VerifyError::MissingContext {
                    what: "root",
                    kind: "a round report",
                })?;
                let report = ReportFile::from_json(proof["report"].to_string().as_bytes())?;
                let pieces = proof["pieces"]
                    .as_array()
                    .map(|p| p.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|p| ReportGroupEnvelope::from_json(p.to_string().as_bytes()))
                    .collect::<Result<Vec<_>, _>>()?;
                let verdict = a
                    .verifier
                    .verify_report_groups(&pieces, &report, &round, root)?;
                return Ok(verify_report::report_json(&verdict, &round));
            }
            let mut context = Context::new(&round);
            if let Some(c) = account {
                context = context.account(c);
            }
            if let Some(r) = root {
                context = context.root(r);
            }
            if let Some(l) = liquidator {
                context = context.liquidator(l);
            }
            let verdict = a.verifier.verify(proof.to_string().as_bytes(), &context)?;
            // A verdict always serialises (plain fields); `Null` cannot happen.
            let mut out = serde_json::to_value(&verdict).unwrap_or(Value::Null);
            out["valid"] = json!(true);
            Ok(out)
        })
        .await;
    match outcome {
        Err(busy) => busy.into_response(),
        Ok(Ok(verdict)) => axum::Json(verdict).into_response(),
        Ok(Err(VerifyError::Keys(e))) => ApiError::internal(e).into_response(),
        Ok(Err(e)) if e.is_malformed() => invalid(StatusCode::BAD_REQUEST, e),
        Ok(Err(e)) => invalid(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

/// A report is checked against a root only: an account or a liquidator given is refused, as
/// the library refuses context a proof does not use.
fn refuse_unused(given: bool, what: &'static str, kind: &'static str) -> Result<(), VerifyError> {
    if given {
        return Err(VerifyError::UnusedContext {
            what,
            kind,
            instead: "a state root",
        });
    }
    Ok(())
}

/// `GET /v1/accounts/{id}` (owner): the account's opening (after a liquidation, its new one).
pub async fn account(
    State(app): Shared,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.owner_of(&id)?;
    let a = app.clone();
    app.db(move |s| {
        let stored = s.account(&id).map_err(|e| a.state_error(e))?;
        let mut out = state_cmd::account_json(s, &stored);
        out["root"] = json!(field::to_hex(&s.root().map_err(|e| a.state_error(e))?));
        Ok(Json(out))
    })
    .await
}

/// `GET /v1/accounts/{id}/liquidations?after=SEQ&limit=N` (owner): the account's
/// liquidations, oldest first, a page at a time.
pub async fn history(
    State(app): Shared,
    caller: Caller,
    Path(id): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<Value>, ApiError> {
    caller.owner_of(&id)?;
    let limit = page.limit()?;
    let a = app.clone();
    app.db(move |s| {
        let stored = s.transition_proofs().map_err(|e| a.state_error(e))?;
        let log = s
            .transitions_after(page.after, limit, Some(&id))
            .map_err(|e| a.state_error(e))?;
        Ok(Json(Value::Array(
            log.iter()
                .filter(|t| t.kind == TransitionKind::Liquidation)
                .map(|t| public_transition(t, stored.contains(&t.seq)))
                .collect(),
        )))
    })
    .await
}

/// The round a request names: the given one, or the latest published.
fn round_of(
    app: &App,
    s: &zkliq_state::State,
    given: Option<&Value>,
) -> Result<PriceRound, ApiError> {
    match given {
        Some(v) => PriceRound::from_json(&v.to_string(), &app.market)
            .map_err(|e| ApiError::bad_request(format!("prices: {e}"))),
        None => latest(app, s).map(|r| r.prices),
    }
}

fn latest(app: &App, s: &zkliq_state::State) -> Result<PublishedRound, ApiError> {
    s.latest_prices()
        .map_err(|e| app.state_error(e))?
        .ok_or_else(|| {
            ApiError::conflict("no price round is published yet (POST /v1/admin/prices)")
        })
}

/// `POST /v1/accounts/{id}/proofs` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProveBody {
    /// A price round of the market (default: the latest published).
    prices: Option<Value>,
    /// `healthy` or `liquidatable`.
    claim: String,
}

/// `POST /v1/accounts/{id}/proofs` (owner): a membership proof of a claim about the account at
/// a round, against the current root. The answer is the proof file.
pub async fn prove(
    State(app): Shared,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ProveBody>,
) -> Result<Response, ApiError> {
    caller.owner_of(&id)?;
    let claim: Claim = body
        .claim
        .parse()
        .map_err(|e| ApiError::bad_request(format!("claim: {e}")))?;
    let a = app.clone();
    let (stored, prices, siblings, root) = app
        .db(move |s| {
            let prices = round_of(&a, s, body.prices.as_ref())?;
            let stored = s.account(&id).map_err(|e| a.state_error(e))?;
            state_cmd::check_claim(&a.market, &prices, &stored, claim)?;
            let siblings = s.path(0, stored.leaf_index).map_err(|e| a.state_error(e))?;
            let root = s.root().map_err(|e| a.state_error(e))?;
            Ok((stored, prices, siblings, root))
        })
        .await?;
    let a = app.clone();
    let envelope = app
        .prove_queue
        .run(move || {
            caller.still_live(&a)?;
            let (envelope, time) = state_cmd::membership_proof(
                &a.market,
                &prices,
                &stored,
                siblings,
                root,
                claim,
                a.membership_shape,
                &a.membership.params,
                &a.membership.key,
            )?;
            // Counted here: a proof made for a client that gave up still took the worker.
            a.metrics.proved("membership", time.as_secs_f64());
            Ok::<_, ApiError>(envelope)
        })
        .await??;
    Ok(raw_json(StatusCode::OK, envelope.to_json()))
}

/// `POST /v1/quotes` and `POST /v1/liquidations` body: the flags of `zkliq state liquidate`,
/// with the account named by its leaf.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquidationBody {
    leaf: u64,
    debt: String,
    collateral: String,
    /// Base units of the debt asset, as a decimal string, or `max`.
    repay: String,
    /// The latest published round (default); any other is refused.
    prices: Option<Value>,
    /// The liquidator (default: the token's); another is refused with 403.
    liquidator: Option<String>,
}

/// What a liquidation needs from the database.
struct Target {
    stored: StoredAccount,
    prices: PriceRound,
    request: Request,
}

impl LiquidationBody {
    /// The caller's liquidator id: its own, whatever the body says (403 otherwise).
    fn liquidator(&self, caller: &Caller) -> Result<Fp, ApiError> {
        let claimed = self
            .liquidator
            .as_deref()
            .map(|t| {
                field::id_from_hex(t).map_err(|e| ApiError::bad_request(format!("liquidator: {e}")))
            })
            .transpose()?;
        caller.liquidator(claimed)
    }

    /// The account at the leaf, the round (only the latest published one) and the request.
    fn target(&self, app: &App, s: &zkliq_state::State) -> Result<Target, ApiError> {
        let published = latest(app, s)?;
        if let Some(given) = &self.prices {
            let given = PriceRound::from_json(&given.to_string(), &app.market)
                .map_err(|e| ApiError::bad_request(format!("prices: {e}")))?;
            if given != published.prices {
                return Err(ApiError::conflict(format!(
                    "prices: liquidations run only at the latest published round ({}), got round {}",
                    published.prices.round(),
                    given.round()
                )));
            }
        }
        let capacity = app.tree.capacity();
        if self.leaf >= capacity {
            return Err(ApiError::bad_request(format!(
                "leaf: must be below {capacity} (the tree's leaves), got {}",
                self.leaf
            )));
        }
        let stored = s
            .subtree(0, self.leaf)
            .map_err(|e| app.state_error(e))?
            .into_iter()
            .next()
            .flatten()
            .ok_or_else(|| ApiError::not_found(format!("no account at leaf {}", self.leaf)))?;
        let choice = LiquidationChoice {
            debt: self.debt.clone(),
            collateral: self.collateral.clone(),
            repay: self.repay.clone(),
        };
        let request = liquidate::request_named(&app.market, &choice, "")?;
        Ok(Target {
            stored,
            prices: published.prices,
            request,
        })
    }
}

/// The keys of a quote a liquidator sees: exactly the public amounts of the liquidation's proof.
/// The rest of the rule's working (the close factor's cap, the bonus, whether the collateral ran
/// out, the balances afterwards) would tell the account's balances.
const PUBLIC_QUOTE: [&str; 8] = [
    "result",
    "debt",
    "collateral",
    "repay",
    "repaid",
    "seized",
    "to_liquidator",
    "fee",
];

/// A quote as a liquidator sees it (see [`PUBLIC_QUOTE`]).
fn public_quote(
    app: &App,
    leaf: u64,
    round: u64,
    request: Request,
    q: &zkliq_circuits::liquidation::Quote,
) -> Value {
    let mut out = liquidate::quote_json(&app.market, request, q);
    if let Some(map) = out.as_object_mut() {
        map.retain(|k, _| PUBLIC_QUOTE.contains(&k.as_str()));
    }
    out["leaf"] = json!(leaf);
    out["round"] = json!(round);
    out
}

/// `POST /v1/quotes` (liquidator): what liquidating the account at `leaf` would move now.
pub async fn quote(
    State(app): Shared,
    caller: Caller,
    Json(body): Json<LiquidationBody>,
) -> Result<Json<Value>, ApiError> {
    body.liquidator(&caller)?;
    let token_id = caller.0.token_id.clone();
    let a = app.clone();
    app.db(move |s| {
        let t = body.target(&a, s)?;
        a.count_quote(token_id, t.prices.round(), body.leaf)?;
        let q = liquidate::quote_or_refuse(
            &a.market,
            &t.prices,
            &t.stored.account,
            t.request,
            false,
            "",
        )?;
        Ok(Json(public_quote(
            &a,
            body.leaf,
            t.prices.round(),
            t.request,
            &q,
        )))
    })
    .await
}

/// The `Idempotency-Key` of a liquidation request: 1 to 64 ASCII letters, digits, `-` or `_`
/// (a UUID fits), or none.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::bad_request(
            "Idempotency-Key: sent more than once; send one",
        ));
    }
    let key = value.to_str().unwrap_or_default();
    let well_formed = (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(ApiError::bad_request(
            "Idempotency-Key: must be 1 to 64 ASCII letters, digits, '-' or '_'",
        ));
    }
    Ok(Some(key.to_owned()))
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// `POST /v1/liquidations` (liquidator): liquidates the account at `leaf` by the market's rule,
/// bound to the caller's liquidator id. The proof and the new state commit in one SQLite
/// transaction: a kill at any moment leaves the state before or after, with its proof.
///
/// With an `Idempotency-Key` header the liquidation happens at most once per key and
/// liquidator (whichever of its tokens sends it): a request repeating a committed one's key gets
/// that answer again (201, `Idempotent-Replayed: true`), even after a restart; the same key with
/// another request is refused (422).
pub async fn liquidate(
    State(app): Shared,
    caller: Caller,
    headers: HeaderMap,
    Json(body): Json<LiquidationBody>,
) -> Result<Response, ApiError> {
    let liquidator = body.liquidator(&caller)?;
    let key = idempotency_key(&headers)?;
    let scope = field::to_hex(&liquidator);
    // What the key is bound to: the request as the service read it, and the liquidator.
    let request_sha256 = hex::encode(Sha256::digest(
        json!([
            body.leaf,
            body.debt,
            body.collateral,
            body.repay,
            body.prices,
            field::to_hex(&liquidator)
        ])
        .to_string(),
    ));
    let a = app.clone();
    // One worker: each liquidation starts from the root the last one committed, and a key is
    // looked up after every earlier request has committed or failed.
    let (out, replayed) = app
        .liquidate_queue
        .run(move || -> Result<(Value, bool), ApiError> {
            caller.still_live(&a)?;
            if let Some(key) = &key {
                let s = lock(&a.db);
                if let Some(replay) = s.replay(&scope, key).map_err(|e| a.state_error(e))? {
                    if replay.request_sha256 != request_sha256 {
                        return Err(ApiError::unprocessable(
                            "Idempotency-Key: already used for another liquidation request; send a new key",
                        ));
                    }
                    let proof = s
                        .transition_proof(replay.seq)
                        .map_err(|e| a.state_error(e))?
                        .ok_or_else(|| ApiError::internal("a keyed liquidation without its proof"))?;
                    let mut out: Value =
                        serde_json::from_str(&replay.answer).map_err(ApiError::internal)?;
                    out["proof"] = serde_json::from_str(&proof).map_err(ApiError::internal)?;
                    out["seq"] = json!(replay.seq);
                    return Ok((out, true));
                }
            }
            let (t, siblings, old_root) = {
                let s = lock(&a.db);
                let t = body.target(&a, &s)?;
                let siblings = s
                    .path(0, t.stored.leaf_index)
                    .map_err(|e| a.state_error(e))?;
                let old_root = s.root().map_err(|e| a.state_error(e))?;
                (t, siblings, old_root)
            };
            liquidate::quote_or_refuse(
                &a.market,
                &t.prices,
                &t.stored.account,
                t.request,
                false,
                "; the state is unchanged",
            )?;
            let with = Liquidating {
                state_path: &a.state_path,
                market: &a.market,
                prices: &t.prices,
                liquidator,
                shape: a.liquidation_shape,
                params: &a.liquidation.params,
                key: &a.liquidation.key,
                inputs: &[],
            };
            let started = Instant::now();
            let proven =
                liquidate::prove_liquidation(&with, &t.stored, siblings, old_root, t.request)?;
            a.metrics
                .proved("liquidation", started.elapsed().as_secs_f64());
            // Everything the answer needs, before the commit: after it, nothing may fail.
            let proof: Value = serde_json::from_str(&proven.text).map_err(ApiError::internal)?;
            let mut out = public_quote(&a, body.leaf, t.prices.round(), t.request, &proven.quote);
            out["liquidator"] = json!(field::to_hex(&liquidator));
            out["old_root"] = json!(field::to_hex(&proven.old_root));
            out["new_root"] = json!(field::to_hex(&proven.new_root));
            out["proof_sha256"] = json!(proven.proof_sha256);
            // Kept with the key: the answer without its proof (kept once, with the transition).
            let answer = out.to_string();
            out["proof"] = proof;
            let mut s = lock(&a.db);
            // A grant revoked while this one was proving: nothing commits for it.
            if !s
                .grant_live(&caller.0.token_id)
                .map_err(|e| a.state_error(e))?
            {
                return Err(ApiError::unauthorized("invalid or revoked token"));
            }
            // A round published while this one was proving replaces it: no liquidation at
            // prices the operator has moved on from. (The service is the only publisher.)
            if latest(&a, &s)?.prices != t.prices {
                return Err(ApiError::conflict(
                    "prices: a newer price round was published while the liquidation was proving; nothing changed, ask again",
                ));
            }
            let mut record = proven.record(&t.stored, "", Some(&proven.text));
            record.idempotency = key.as_deref().map(|key| IdempotentAnswer {
                liquidator: &scope,
                key,
                request_sha256: &request_sha256,
                answer: &answer,
            });
            let applied = s
                .apply_liquidation(&record)
                .map_err(|e| a.state_error(e))?;
            out["seq"] = json!(applied.seq);
            Ok((out, false))
        })
        .await??;
    let mut response = (StatusCode::CREATED, axum::Json(out)).into_response();
    if replayed {
        response.headers_mut().insert(
            "idempotent-replayed",
            header::HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// `POST /v1/admin/accounts` (admin): imports JSON Lines (as `zkliq state import`), all or
/// nothing.
pub async fn import(
    State(app): Shared,
    caller: Caller,
    Text(body): Text,
) -> Result<Json<Value>, ApiError> {
    caller.admin()?;
    let a = app.clone();
    app.db(move |s| {
        let report = s
            .import(std::io::Cursor::new(body.into_bytes()))
            .map_err(|e| a.state_error(e))?;
        Ok(Json(json!({
            "lines": report.lines,
            "inserted": report.inserted,
            "updated": report.updated,
            "accounts": report.accounts,
            "root": field::to_hex(&report.root),
        })))
    })
    .await
}

/// `POST /v1/admin/prices` (admin): publishes a price round (rounds only go up).
pub async fn publish(
    State(app): Shared,
    caller: Caller,
    Json(prices): Json<Value>,
) -> Result<Response, ApiError> {
    caller.admin()?;
    let a = app.clone();
    let round = app
        .db(move |s| {
            s.publish_prices(&prices.to_string())
                .map_err(|e| a.state_error(e))
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"round": round.round()})),
    )
        .into_response())
}

/// `POST /v1/admin/grants` body: exactly one of the two.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    owner: Option<String>,
    liquidator: Option<String>,
    /// How long the token works (`90d`, `12h`, ...); default until revoked.
    expires_in: Option<String>,
}

/// `POST /v1/admin/grants` (admin): registers an owner or a liquidator; the token is in this
/// answer only. Admin tokens are issued only by `zkliq state grant --admin`.
pub async fn grant(
    State(app): Shared,
    caller: Caller,
    Json(body): Json<GrantBody>,
) -> Result<Response, ApiError> {
    caller.admin()?;
    let role = match (body.owner, body.liquidator) {
        (Some(id), None) => Role::Owner(id),
        (None, Some(hex)) => Role::Liquidator(
            field::id_from_hex(&hex)
                .map_err(|e| ApiError::bad_request(format!("liquidator: {e}")))?,
        ),
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of \"owner\" and \"liquidator\"",
            ));
        }
    };
    let expires_at = body
        .expires_in
        .as_deref()
        .map(state_cmd::expiry)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("expires_in: {e}")))?;
    let a = app.clone();
    let (kind, subject) = (role.kind(), role.subject());
    let issued = app
        .db(move |s| {
            s.grant_until(&role, expires_at)
                .map_err(|e| a.state_error(e))
        })
        .await?;
    // The token id only: the role names an account.
    tracing::info!(token_id = %issued.token_id, "granted a token");
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "token_id": issued.token_id,
            "token": issued.token,
            "role": kind,
            "subject": subject,
            "expires_at": expires_at,
        })),
    )
        .into_response())
}

/// `DELETE /v1/admin/grants/{token_id}` (admin): ends a grant.
pub async fn revoke(
    State(app): Shared,
    caller: Caller,
    Path(token_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.admin()?;
    let a = app.clone();
    let ended = app
        .db(move |s| s.revoke(&token_id).map_err(|e| a.state_error(e)))
        .await?;
    if ended {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("no live grant with that token id"))
    }
}

/// `GET /openapi.json`: this API.
pub async fn openapi() -> Response {
    raw_json(StatusCode::OK, include_str!("openapi.json").to_owned())
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(app): Shared) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}
