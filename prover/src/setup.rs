//! Parameters, keys and progress display shared by the commands.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use zkliq_circuits::keys::{CircuitShape, Curve, Params, ParamsStore, ProverKey};

use crate::cli::ParamsArgs;
use crate::failure::{Failure, internal};

/// The parameter cache directory: `--params-dir`, else `$ZKLIQ_PARAMS_DIR`, else
/// `$XDG_CACHE_HOME/zkliq` (or the platform's cache directory), else none (parameters are
/// generated in memory).
pub fn params_dir(args: &ParamsArgs) -> Option<PathBuf> {
    args.params_dir
        .clone()
        .or_else(|| std::env::var_os("ZKLIQ_PARAMS_DIR").map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty())
        .or_else(|| dirs::cache_dir().map(|d| d.join("zkliq")))
}

/// A parameter store over the cache directory.
pub fn params_store(dir: Option<PathBuf>) -> ParamsStore {
    match dir {
        Some(dir) => ParamsStore::cached_in(dir),
        None => ParamsStore::in_memory(),
    }
}

/// Runs `f`, showing a spinner with `message` on stderr if `slow` and stderr is a terminal.
pub fn with_spinner<T>(slow: bool, message: &str, f: impl FnOnce() -> T) -> T {
    if !slow || !std::io::stderr().is_terminal() {
        return f();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("static template"),
    );
    spinner.set_message(message.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(100));
    let out = f();
    spinner.finish_and_clear();
    out
}

/// The parameters for `k` (generated with a spinner the first time).
pub fn params(store: &ParamsStore, k: u32) -> Result<Arc<Params<Curve>>, Failure> {
    with_spinner(
        !store.is_cached(k),
        &format!("generating proving parameters for k = {k} (once; cached afterwards)"),
        || store.get(k),
    )
    .map_err(internal)
}

/// Builds the proving key of a circuit (with a spinner when it is slow: large batches).
pub fn prover_key(
    params: &Params<Curve>,
    shape: impl Into<CircuitShape>,
) -> Result<ProverKey, Failure> {
    let shape = shape.into();
    with_spinner(
        shape.k() >= 13,
        &format!("building the {shape} proving key"),
        || ProverKey::build(params, shape),
    )
    .map_err(internal)
}

/// A progress bar of `len` steps on stderr (hidden when stderr is not a terminal), drawn with
/// `template` (an indicatif template).
pub fn progress_bar(len: u64, template: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(ProgressStyle::with_template(template).expect("static template"));
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Proofs at once by default: halo2's prover already uses every core, so more than two at once
/// adds memory (a k = 16 proof holds about 0.85 GiB), not throughput.
const DEFAULT_JOBS: usize = 2;

/// `--jobs`, or [`DEFAULT_JOBS`] (one on a single core).
pub fn jobs(arg: Option<u16>) -> usize {
    arg.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get().min(DEFAULT_JOBS)),
        usize::from,
    )
}
