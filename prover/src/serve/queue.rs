//! A bounded work queue: `workers` jobs run at once on blocking threads, `capacity` more may
//! wait; beyond that a request is turned away at once with 503 and Retry-After instead of
//! queueing without bound.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;

use super::error::ApiError;
use super::metrics::Metrics;

/// One queue (proving, or verifying).
pub struct WorkQueue {
    name: &'static str,
    /// Places in the queue: `workers + capacity`.
    places: Arc<Semaphore>,
    /// Workers.
    workers: Arc<Semaphore>,
    metrics: Arc<Metrics>,
    /// Suggested wait for a turned-away client, seconds.
    retry_after: u64,
}

/// Decrements a gauge when dropped (a request that gives up while waiting leaves the queue).
struct Gauge(prometheus::IntGauge);

impl Gauge {
    fn enter(gauge: prometheus::IntGauge) -> Self {
        gauge.inc();
        Gauge(gauge)
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl WorkQueue {
    pub fn new(
        name: &'static str,
        workers: usize,
        capacity: usize,
        retry_after: u64,
        metrics: Arc<Metrics>,
    ) -> Self {
        WorkQueue {
            name,
            places: Arc::new(Semaphore::new(workers + capacity)),
            workers: Arc::new(Semaphore::new(workers)),
            metrics,
            retry_after,
        }
    }

    /// Runs `job` on a blocking thread once a worker is free, or answers 503 at once if the
    /// queue is full. A job that started runs to its end even if the request is dropped
    /// (a liquidation commits or not as a whole).
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let Ok(place) = self.places.clone().try_acquire_owned() else {
            self.metrics.rejected.with_label_values(&[self.name]).inc();
            return Err(ApiError::busy(self.name, self.retry_after));
        };
        let waiting = Gauge::enter(self.metrics.queue_depth.with_label_values(&[self.name]));
        let queued = Instant::now();
        let worker = self
            .workers
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        drop(waiting);
        self.metrics
            .queue_wait
            .with_label_values(&[self.name])
            .observe(queued.elapsed().as_secs_f64());
        let running = self.metrics.running.with_label_values(&[self.name]);
        tokio::task::spawn_blocking(move || {
            let _busy = Gauge::enter(running);
            let _slot = (place, worker);
            job()
        })
        .await
        .map_err(joined)
    }
}

/// A blocking job that did not return: logged by kind only (a panic's message could hold
/// request data).
pub fn joined(e: tokio::task::JoinError) -> ApiError {
    ApiError::internal(if e.is_panic() {
        "a worker panicked"
    } else {
        "a worker was cancelled"
    })
}
