//! `zkliq serve`: the operator's prover service over HTTP (axum on tokio).
//!
//! Keys are built once, at start, and shared by every request. Proofs run on a bounded
//! [`queue::WorkQueue`] with one worker per core; verification on another. The API, its roles
//! and its errors: `openapi.json` (served at `GET /openapi.json`), and docs/SERVICE.md.
//!
//! | module | holds |
//! |---|---|
//! | [`api`] | the endpoints |
//! | [`auth`] | bearer tokens: who is calling, and what they may do |
//! | [`error`] | [`error::ApiError`], and the JSON extractor that answers bad bodies |
//! | [`queue`] | the bounded work queues |
//! | [`metrics`] | Prometheus metrics |

mod api;
mod auth;
mod error;
mod metrics;
mod queue;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State as AppState};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;
use zkliq_circuits::Market;
use zkliq_circuits::batch::BatchShape;
use zkliq_circuits::keys::{CircuitShape, Curve, Params, ProverKey};
use zkliq_circuits::liquidation::LiquidationShape;
use zkliq_circuits::tree::TreeSpec;
use zkliq_state::State;
use zkliq_verifier::Verifier;

use crate::cli::ServeArgs;
use crate::commands::state::{open, state_failure};
use crate::failure::{Failure, bad_input, internal};
use crate::output::say;
use crate::setup;
use error::ApiError;
use metrics::Metrics;
use queue::WorkQueue;

/// Parameters and a proving key, built once.
pub struct Warm {
    pub params: Arc<Params<Curve>>,
    pub key: ProverKey,
}

impl Warm {
    fn build(
        store: &zkliq_circuits::keys::ParamsStore,
        shape: CircuitShape,
    ) -> Result<Self, Failure> {
        let params = setup::params(store, shape.k())?;
        let key = setup::prover_key(&params, shape)?;
        Ok(Warm { params, key })
    }
}

/// Everything the handlers share.
pub struct App {
    pub state_path: PathBuf,
    db: Mutex<State>,
    pub market: Market,
    pub tree: TreeSpec,
    /// Membership proofs (one account against the root).
    pub membership: Warm,
    pub membership_shape: BatchShape,
    pub liquidation: Warm,
    pub liquidation_shape: LiquidationShape,
    pub verifier: Verifier,
    /// Membership proofs.
    pub prove_queue: WorkQueue,
    /// Liquidations: one worker, so each starts from the root the last one committed.
    pub liquidate_queue: WorkQueue,
    pub verify_queue: WorkQueue,
    /// Database work waiting or running at once (beyond: 503).
    db_slots: Arc<tokio::sync::Semaphore>,
    pub metrics: Arc<Metrics>,
    /// Quotes given at one round.
    pub quotes: Mutex<QuoteCounts>,
    /// Quotes a liquidator may ask about one account at one round.
    pub quotes_per_account: u32,
}

/// Quotes given at one round: `(round, (token id, leaf) -> count)`.
pub type QuoteCounts = (u64, std::collections::HashMap<(String, u64), u32>);

/// Locks a mutex, even one a panicked holder poisoned: every state change is one SQLite
/// transaction, so a panic mid-change left the database as it was.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl App {
    /// Runs `f` on the state database on a blocking thread (queries are short; an import or a
    /// commit holds it for its transaction).
    pub async fn db<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut State) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let Ok(slot) = self.db_slots.clone().try_acquire_owned() else {
            self.metrics.rejected.with_label_values(&["database"]).inc();
            return Err(ApiError::busy("database", 1));
        };
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            f(&mut lock(&app.db))
        })
        .await
        .map_err(queue::joined)?
    }

    /// Counts a quote by the grant `token_id` about `leaf` at `round`; 429 beyond
    /// `--quotes-per-account`. Counts are kept for the latest round only (in memory).
    pub fn count_quote(&self, token_id: String, round: u64, leaf: u64) -> Result<(), ApiError> {
        let mut quotes = lock(&self.quotes);
        if quotes.0 != round {
            *quotes = (round, std::collections::HashMap::new());
        }
        let count = quotes.1.entry((token_id, leaf)).or_insert(0);
        if *count >= self.quotes_per_account {
            return Err(ApiError::too_many(format!(
                "quotes: at most {} per account per price round (zkliq serve --quotes-per-account); each tells what a liquidation's proof would make public",
                self.quotes_per_account
            )));
        }
        *count += 1;
        Ok(())
    }

    /// A state error as an answer: the caller's doing (unknown id, bad prices, a moved root)
    /// or internal.
    pub fn state_error(&self, e: zkliq_state::StateError) -> ApiError {
        use zkliq_state::StateError as E;
        match e {
            E::UnknownId(_) => ApiError::not_found("no such account"),
            E::Moved { .. } => ApiError::conflict(e.to_string()),
            E::BadPrices(_) | E::Import { .. } | E::Full(_) | E::Read(_) => {
                ApiError::bad_request(e.to_string())
            }
            e => ApiError::from(state_failure(&self.state_path, e)),
        }
    }
}

/// The largest `--workers`, `--queue` or `--verify-queue`.
const MAX_QUEUE: usize = 10_000;

/// Database requests waiting or running at once; beyond them 503 (each holds a blocking
/// thread while it waits for the database).
const DB_SLOTS: usize = 64;

/// `zkliq serve`.
pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if workers == 0 {
        return Err(bad_input(anyhow!("--workers: must be at least 1, got 0")));
    }
    if args.queue > MAX_QUEUE || args.verify_queue > MAX_QUEUE || workers > MAX_QUEUE {
        return Err(bad_input(anyhow!(
            "--workers, --queue, --verify-queue: must be at most {MAX_QUEUE}"
        )));
    }
    if args.deadline == 0 {
        return Err(bad_input(anyhow!(
            "--deadline: must be at least 1 s, got 0"
        )));
    }
    let state = open(&args.state)?;
    // A liquidation answered 201 must survive a power loss, not only a kill.
    state
        .sync_every_commit()
        .map_err(|e| state_failure(&args.state, e))?;
    let market = state.market().clone();
    let tree = state.tree();
    let store = setup::params_store(setup::params_dir(&args.params));
    let started = Instant::now();
    let membership_shape = BatchShape::in_tree(market.shape(), 0, tree)
        .ok_or_else(|| internal(anyhow!("height 0 is always supported")))?;
    let liquidation_shape = LiquidationShape::new(market.shape(), tree)
        .ok_or_else(|| internal(anyhow!("a state tree is always format 2")))?;
    let membership = Warm::build(&store, membership_shape.into())?;
    let liquidation = Warm::build(&store, liquidation_shape.into())?;
    let verifier = match setup::params_dir(&args.params) {
        Some(dir) => Verifier::with_params_cache(dir),
        None => Verifier::new(),
    };
    // The verifying keys of this market's circuits, warm too.
    for shape in [
        CircuitShape::from(market.shape()),
        membership_shape.into(),
        liquidation_shape.into(),
    ] {
        verifier
            .key(shape)
            .map_err(|e| internal(anyhow!("verifying key of the {shape}: {e}")))?;
    }
    tracing::info!("keys built in {:.1} s", started.elapsed().as_secs_f64());
    let metrics = Arc::new(Metrics::new());
    // A turned-away client is told to come back after about one proof's time.
    let app = Arc::new(App {
        state_path: args.state.clone(),
        db: Mutex::new(state),
        market,
        tree,
        membership,
        membership_shape,
        liquidation,
        liquidation_shape,
        verifier,
        prove_queue: WorkQueue::new("prove", workers, args.queue, 2, metrics.clone()),
        liquidate_queue: WorkQueue::new("liquidate", 1, args.queue, 2, metrics.clone()),
        verify_queue: WorkQueue::new("verify", workers, args.verify_queue, 1, metrics.clone()),
        db_slots: Arc::new(tokio::sync::Semaphore::new(DB_SLOTS)),
        metrics,
        quotes: Mutex::new((0, std::collections::HashMap::new())),
        quotes_per_account: args.quotes_per_account,
    });
    let router = router(app, Duration::from_secs(args.deadline), args.max_body);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(internal)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| bad_input(anyhow!("--listen {}: {e}", args.listen)))?;
        let addr = listener.local_addr().map_err(internal)?;
        say!(
            "zkliq serve: {} at http://{addr} (workers: {workers}; API at http://{addr}/openapi.json; request log: ZKLIQ_LOG=info)",
            args.state.display()
        );
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(internal)
    })
}

/// Resolves on Ctrl-C or SIGTERM: in-flight requests finish, then the server stops.
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// The routes, with limits, the deadline, tracing and metrics.
pub fn router(app: Arc<App>, deadline: Duration, max_body: usize) -> Router {
    let routes = Router::new()
        .route("/v1/health", get(api::health))
        .route("/v1/root", get(api::root))
        .route("/v1/prices", get(api::prices))
        .route("/v1/transitions", get(api::transitions))
        .route("/v1/transitions/{seq}/proof", get(api::transition_proof))
        .route("/v1/verify", post(api::verify))
        .route("/v1/accounts/{id}", get(api::account))
        .route("/v1/accounts/{id}/proofs", post(api::prove))
        .route("/v1/accounts/{id}/liquidations", get(api::history))
        .route("/v1/quotes", post(api::quote))
        .route("/v1/liquidations", post(api::liquidate))
        .route("/v1/admin/accounts", post(api::import))
        .route("/v1/admin/prices", post(api::publish))
        .route("/v1/admin/grants", post(api::grant))
        .route("/v1/admin/grants/{token_id}", delete(api::revoke))
        .route("/openapi.json", get(api::openapi))
        .route("/metrics", get(api::metrics))
        .fallback(|uri: axum::http::Uri| async move {
            let hint = if uri.path().len() > 1 && uri.path().ends_with('/') {
                " (paths take no trailing slash)"
            } else {
                ""
            };
            ApiError::not_found(format!("no such endpoint{hint}; see GET /openapi.json"))
        })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            deadline,
        ))
        .layer(middleware::map_response(explain_timeout))
        // Outside the deadline, so requests that pass it are counted too.
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(
            // Spans name the route template, never the path (account ids are private) and
            // never headers (tokens).
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let endpoint = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    tracing::info_span!("request", method = %req.method(), endpoint)
                })
                // `observe` logs each answer once, at a level by its kind; tower-http's own
                // lines (a 503 as an ERROR) only at debug.
                .on_response(DefaultOnResponse::new().level(Level::DEBUG))
                .on_failure(DefaultOnFailure::new().level(Level::DEBUG)),
        )
        .with_state(app);
    // Around the routes, not inside them: only there does a 405 carry its `Allow` header.
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn(explain_method))
}

/// Counts each request and its latency under its route template.
async fn observe(AppState(app): AppState<Arc<App>>, req: Request, next: Next) -> Response {
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.run(req).await;
    let (status, ms) = (response.status(), started.elapsed().as_secs_f64() * 1e3);
    // The route template, never the path (ids are private); never a header or a body.
    if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(%method, endpoint, status = status.as_u16(), ms, "answered");
    } else if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::REQUEST_TIMEOUT {
        tracing::warn!(%method, endpoint, status = status.as_u16(), ms, "answered");
    } else {
        tracing::info!(%method, endpoint, status = status.as_u16(), ms, "answered");
    }
    app.metrics
        .latency
        .with_label_values(&[&endpoint])
        .observe(started.elapsed().as_secs_f64());
    app.metrics
        .requests
        .with_label_values(&[&endpoint, response.status().as_str()])
        .inc();
    response
}

/// axum answers a method an endpoint does not take with an empty 405 and an `Allow` header:
/// give it the service's JSON error, naming the method and the ones the endpoint takes.
async fn explain_method(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let takes = allow
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map_or_else(String::new, |v| format!("; it takes {v}"));
    let mut out = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not a method of this endpoint{takes} (see GET /openapi.json)"),
    )
    .into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// The deadline layer answers with an empty 408: give it the service's JSON error.
async fn explain_timeout(response: Response) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT {
        return ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "the request's deadline passed (zkliq serve --deadline); a liquidation that had started may still have committed: retry with the same Idempotency-Key, or see GET /v1/transitions",
        )
        .into_response();
    }
    response
}
