//! Prometheus metrics, served at `GET /metrics` in the text format.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Every metric of the service.
pub struct Metrics {
    registry: Registry,
    /// Requests by endpoint (the route template, never the path: ids are private) and status.
    pub requests: IntCounterVec,
    /// Latency by endpoint, seconds.
    pub latency: HistogramVec,
    /// Requests waiting for a worker, by queue.
    pub queue_depth: IntGaugeVec,
    /// Jobs running, by queue.
    pub running: IntGaugeVec,
    /// Requests turned away with 503, by queue.
    pub rejected: IntCounterVec,
    /// Time spent waiting for a worker, seconds.
    pub queue_wait: HistogramVec,
    /// Proofs made, by kind (`rate()` of it is proofs per second).
    pub proofs: IntCounterVec,
    /// Proving time, by kind, seconds.
    pub proving: HistogramVec,
}

/// Buckets from 1 ms to about 2 min.
fn buckets() -> Vec<f64> {
    prometheus::exponential_buckets(0.001, 2.0, 18).expect("static buckets")
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("zkliq".into()), None).expect("static prefix");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by endpoint and status",
            ),
            &["endpoint", "status"],
        )
        .expect("static metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by endpoint",
            )
            .buckets(buckets()),
            &["endpoint"],
        )
        .expect("static metric");
        let queue_depth = IntGaugeVec::new(
            Opts::new("queue_depth", "requests waiting for a worker"),
            &["queue"],
        )
        .expect("static metric");
        let running = IntGaugeVec::new(Opts::new("queue_running", "jobs running"), &["queue"])
            .expect("static metric");
        let rejected = IntCounterVec::new(
            Opts::new("queue_rejected_total", "requests turned away with 503"),
            &["queue"],
        )
        .expect("static metric");
        let queue_wait = HistogramVec::new(
            HistogramOpts::new("queue_wait_seconds", "time waiting for a worker")
                .buckets(buckets()),
            &["queue"],
        )
        .expect("static metric");
        let proofs =
            IntCounterVec::new(Opts::new("proofs_total", "proofs made, by kind"), &["kind"])
                .expect("static metric");
        let proving = HistogramVec::new(
            HistogramOpts::new("proving_seconds", "proving time, by kind").buckets(buckets()),
            &["kind"],
        )
        .expect("static metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(queue_depth.clone()),
            Box::new(running.clone()),
            Box::new(rejected.clone()),
            Box::new(queue_wait.clone()),
            Box::new(proofs.clone()),
            Box::new(proving.clone()),
        ] {
            registry.register(c).expect("distinct metric names");
        }
        // Queues show up at 0 before their first request.
        for queue in ["prove", "liquidate", "verify", "database"] {
            queue_depth.with_label_values(&[queue]).set(0);
            running.with_label_values(&[queue]).set(0);
            rejected.with_label_values(&[queue]).reset();
        }
        Metrics {
            registry,
            requests,
            latency,
            queue_depth,
            running,
            rejected,
            queue_wait,
            proofs,
            proving,
        }
    }

    /// A proof of `kind` made in `seconds`.
    pub fn proved(&self, kind: &str, seconds: f64) {
        self.proofs.with_label_values(&[kind]).inc();
        self.proving.with_label_values(&[kind]).observe(seconds);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding into memory");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}
