//! Reading inputs with errors that name the file, and writing outputs atomically.

use std::io::Write;
use std::path::Path;

use anyhow::anyhow;
use zkliq_circuits::{Account, Market, PriceRound};

use crate::failure::{Failure, bad_input};

/// Reads a whole file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes).map_err(|_| bad_input(anyhow!("{}: not UTF-8 text", path.display())))
}

/// Reads a whole file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| bad_input(anyhow!("{}: cannot read: {e}", path.display())))
}

/// Reads and validates a market file.
pub fn market(path: &Path) -> Result<Market, Failure> {
    Market::from_json(&read_text(path)?).map_err(|e| bad_input(anyhow!("{}: {e}", path.display())))
}

/// Reads and validates a price-round file for `market`.
pub fn prices(path: &Path, market: &Market) -> Result<PriceRound, Failure> {
    PriceRound::from_json(&read_text(path)?, market)
        .map_err(|e| bad_input(anyhow!("{}: {e}", path.display())))
}

/// Reads and validates an account file for `market`.
pub fn account(path: &Path, market: &Market) -> Result<Account, Failure> {
    Account::from_json(&read_text(path)?, market)
        .map_err(|e| bad_input(anyhow!("{}: {e}", path.display())))
}

/// Fails early, before any expensive work, if `path` cannot be an output file.
pub fn check_output(path: &Path) -> Result<(), Failure> {
    if path.is_dir() {
        return Err(bad_input(anyhow!("{}: is a directory", path.display())));
    }
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(bad_input(anyhow!(
            "{}: directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `contents` to `path` via a temporary file in the same directory and a rename, so that
/// readers see the old file or the whole new one, never a part. With `overwrite` false an
/// existing file is left alone and the write fails.
pub fn write_atomically(path: &Path, contents: &str, overwrite: bool) -> Result<(), Failure> {
    check_output(path)?;
    let fail = |e: std::io::Error| bad_input(anyhow!("{}: cannot write: {e}", path.display()));
    let mut file = tempfile::NamedTempFile::new_in(parent(path)).map_err(fail)?;
    file.write_all(contents.as_bytes()).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    if overwrite {
        file.persist(path).map_err(|e| fail(e.error))?;
    } else {
        file.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                bad_input(anyhow!(
                    "{}: already exists (use --force to replace it)",
                    path.display()
                ))
            } else {
                fail(e.error)
            }
        })?;
    }
    Ok(())
}
