//! Proofs on `--jobs` threads (`zkliq keeper`, `zkliq report`).
//!
//! The caller's thread builds the jobs in order (it holds the database, which is not shared
//! across threads) and hands each to one of `jobs` workers through a channel of `jobs` places,
//! so at most `2 · jobs + 1` witnesses are in memory (queued, running, and one being handed
//! over). Two proofs at once use the 2 cores better than
//! one: halo2's prover has long single-threaded stretches (witness synthesis, the permutation
//! and lookup products) that the other proof's multi-threaded FFTs and MSMs fill.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use anyhow::anyhow;

use crate::failure::{Failure, internal};

/// Runs `work` on every job of `jobs_in` on `threads` worker threads (at least one), calling
/// `finished` on the caller's thread after each. The first error (or a panic in `work`, turned
/// into an error) stops the run: no new job is built, queued jobs are dropped unproved, running
/// ones finish, and that error is returned.
pub fn run<J: Send>(
    threads: usize,
    jobs_in: impl IntoIterator<Item = Result<J, Failure>>,
    work: impl Fn(J) -> Result<(), Failure> + Sync,
    mut finished: impl FnMut(),
) -> Result<(), Failure> {
    let threads = threads.max(1);
    let (work_tx, work_rx) = mpsc::sync_channel::<J>(threads);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<Result<(), Failure>>();
    let stop = AtomicBool::new(false);
    let (work, stop) = (&work, &stop);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let work_rx = work_rx.clone();
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    let job = work_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(job) = job else { break };
                    if stop.load(Ordering::SeqCst) {
                        continue;
                    }
                    // A panic (a bug) must end the run with an error, not leave the builder
                    // waiting for a worker that is gone.
                    let result =
                        catch_unwind(AssertUnwindSafe(|| work(job))).unwrap_or_else(|_| {
                            Err(internal(anyhow!(
                                "a proving thread panicked (a bug: please report it)"
                            )))
                        });
                    if result.is_err() {
                        stop.store(true, Ordering::SeqCst);
                    }
                    if done_tx.send(result).is_err() {
                        break;
                    }
                }
            });
        }
        // Only the workers hold the receiver now.
        drop(work_rx);
        drop(done_tx);
        let mut first_error = None;
        let mut collect = |r: Result<(), Failure>, first_error: &mut Option<Failure>| {
            finished();
            if let Err(e) = r {
                first_error.get_or_insert(e);
            }
        };
        let mut jobs_in = jobs_in.into_iter();
        loop {
            while let Ok(r) = done_rx.try_recv() {
                collect(r, &mut first_error);
            }
            // Checked before the next job is built: building reads the database.
            if first_error.is_some() || stop.load(Ordering::SeqCst) {
                break;
            }
            let Some(job) = jobs_in.next() else { break };
            match job {
                Ok(job) => {
                    if work_tx.send(job).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    first_error = Some(e);
                    break;
                }
            }
        }
        drop(work_tx);
        for r in done_rx {
            collect(r, &mut first_error);
        }
        first_error.map_or(Ok(()), Err)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn every_job_runs_once_on_every_thread_count() {
        for threads in [0, 1, 2, 5] {
            let seen = Mutex::new(Vec::new());
            let mut finished = 0;
            run(
                threads,
                (0..20).map(Ok),
                |i: u32| {
                    seen.lock().unwrap().push(i);
                    Ok(())
                },
                || finished += 1,
            )
            .unwrap();
            let mut seen = seen.into_inner().unwrap();
            seen.sort();
            assert_eq!(seen, (0..20).collect::<Vec<_>>(), "{threads} threads");
            assert_eq!(finished, 20);
        }
    }

    #[test]
    fn the_first_error_stops_new_jobs() {
        let ran = AtomicUsize::new(0);
        let err = run(
            2,
            (0..1000).map(Ok),
            |i: u32| {
                ran.fetch_add(1, Ordering::SeqCst);
                if i == 3 {
                    Err(internal(anyhow!("job {i} failed")))
                } else {
                    // Jobs take time, as proofs do: without it the other worker could run
                    // all 1,000 while the failing one is descheduled between returning its
                    // error and raising the stop flag (seen on a loaded machine); at 10 ms a
                    // job, that would take a stall of 100 ms.
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    Ok(())
                }
            },
            || {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("job 3 failed"), "{err}");
        // Queued jobs are dropped once a job fails: only those already running may finish.
        assert!(
            ran.load(Ordering::SeqCst) < 10,
            "{}",
            ran.load(Ordering::SeqCst)
        );
    }

    #[test]
    fn a_panicking_job_is_an_error_not_a_hang() {
        // Every job panics, on one thread and on two: the run ends with an error.
        for threads in [1, 2] {
            let err = run(
                threads,
                (0..50).map(Ok),
                |i: u32| -> Result<(), Failure> { panic!("job {i} hit a bug") },
                || {},
            )
            .unwrap_err();
            assert!(err.to_string().contains("panicked"), "{err}");
        }
    }

    #[test]
    fn an_error_in_the_last_job_is_returned() {
        let err = run(
            2,
            (0..10).map(Ok),
            |i: u32| {
                if i == 9 {
                    Err(internal(anyhow!("job {i} failed")))
                } else {
                    Ok(())
                }
            },
            || {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("job 9 failed"), "{err}");
    }

    #[test]
    fn a_failing_builder_stops_the_run() {
        let ran = AtomicUsize::new(0);
        let jobs = (0..10).map(|i| {
            if i == 4 {
                Err(internal(anyhow!("cannot build job {i}")))
            } else {
                Ok(i)
            }
        });
        let err = run(
            1,
            jobs,
            |_: u32| {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
            || {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot build job 4"), "{err}");
        assert!(ran.load(Ordering::SeqCst) <= 4);
    }
}
