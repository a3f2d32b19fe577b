//! Reading inputs with errors that name the file, and writing outputs atomically.

use std::io::Write;
use std::path::Path;

use anyhow::anyhow;
use zkliq_circuits::{Account, Market, PriceRound};

use crate::failure::{Failure, bad_input, internal};

/// Reads a whole file as UTF-8 text (a leading byte-order mark is dropped).
pub fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = read_bytes(path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        bad_input(anyhow!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
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

/// Who may read an output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Proofs, reports, summaries: mode 0644.
    Public,
    /// Accounts and anything holding a salt or balances: mode 0600.
    Private,
}

/// Fails early, before any expensive work, if `path` cannot be written: its directory must
/// exist; it must not be one of the command's `inputs` (the same file, by any name); and if
/// something exists there, it must be a regular file (never a symbolic link, FIFO, device or
/// directory) and `force` must be given.
pub fn check_output(path: &Path, inputs: &[&Path], force: bool) -> Result<(), Failure> {
    let shown = path.display();
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        let kind = meta.file_type();
        if kind.is_dir() {
            return Err(bad_input(anyhow!("{shown}: is a directory")));
        }
        if kind.is_symlink() {
            return Err(bad_input(anyhow!(
                "{shown}: is a symbolic link; zkliq writes only regular files (remove it or choose another path)"
            )));
        }
        if !kind.is_file() {
            return Err(bad_input(anyhow!(
                "{shown}: is not a regular file (a FIFO, socket or device); zkliq writes only regular files"
            )));
        }
        for input in inputs {
            if same_file::is_same_file(path, input).unwrap_or(false) {
                return Err(bad_input(anyhow!(
                    "{shown}: is also an input of this command ({}); refusing to write over it",
                    input.display()
                )));
            }
        }
        if !force {
            return Err(bad_input(anyhow!(
                "{shown}: already exists (use --force to replace it)"
            )));
        }
    }
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(bad_input(anyhow!(
            "{shown}: directory {} does not exist",
            dir.display()
        )));
    }
    Ok(())
}

/// Fails if the directory `path` would be created in does not exist (exit 2).
pub fn check_directory(path: &Path) -> Result<(), Failure> {
    let dir = parent(path);
    if dir.is_dir() {
        Ok(())
    } else {
        Err(bad_input(anyhow!(
            "{}: directory {} does not exist",
            path.display(),
            dir.display()
        )))
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `contents` to `path` via a temporary file in the same directory and a rename, so that
/// readers see the old file or the whole new one, never a part. Checks `path` again as
/// [`check_output`] does; without `force` an existing file is left alone and the write fails.
pub fn write_atomically(
    path: &Path,
    contents: &str,
    inputs: &[&Path],
    force: bool,
    visibility: Visibility,
) -> Result<(), Failure> {
    check_output(path, inputs, force)?;
    // The directory exists (checked): failing to write in it is the environment's doing (no
    // permission, a read-only or full file system), exit 3. The message names the output, not
    // the temporary file.
    let fail = |e: std::io::Error| {
        internal(anyhow!(
            "{}: cannot write: {}",
            path.display(),
            io_cause(&e)
        ))
    };
    let mut file = tempfile::NamedTempFile::new_in(parent(path)).map_err(fail)?;
    file.write_all(contents.as_bytes()).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match visibility {
            Visibility::Public => 0o644,
            Visibility::Private => 0o600,
        };
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(fail)?;
    }
    file.as_file().sync_all().map_err(fail)?;
    if force {
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
    // The rename itself is durable only once the directory is synced (a state commit may
    // follow that must never outlive the file).
    #[cfg(unix)]
    std::fs::File::open(parent(path))
        .and_then(|dir| dir.sync_all())
        .map_err(fail)?;
    Ok(())
}

/// The files of directory `dir` whose names `keep` accepts, sorted by name.
pub fn list(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<std::path::PathBuf>, Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        bad_input(anyhow!(
            "{}: cannot read the directory: {}",
            dir.display(),
            io_cause(&e)
        ))
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| bad_input(anyhow!("{}: {}", dir.display(), io_cause(&e))))?;
        if keep(&entry.file_name().to_string_lossy()) {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Sorts `paths` by the number after `prefix` in their file names, not as text:
/// `liquidation-1000000-…` comes after `liquidation-999999-…`. Names without a number there go
/// last, in name order.
pub fn sort_by_number(paths: &mut [std::path::PathBuf], prefix: &str) {
    let number = |p: &std::path::PathBuf| {
        p.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|rest| {
                let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
                digits.parse::<u64>().ok()
            })
            .unwrap_or(u64::MAX)
    };
    paths.sort_by_key(|p| (number(p), p.clone()));
}

/// Creates directory `dir` (and its parents) if missing.
pub fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| {
        bad_input(anyhow!(
            "{}: cannot create the directory: {}",
            dir.display(),
            io_cause(&e)
        ))
    })
}

/// An I/O error's cause without the paths some wrappers add (tempfile names its temporary file).
pub fn io_cause(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => e.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn numbered_files_sort_by_number() {
        let mut paths: Vec<PathBuf> = [
            "d/piece-1000000.proof.json",
            "d/piece-other.proof.json",
            "d/piece-999999.proof.json",
            "d/piece-000002.proof.json",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        super::sort_by_number(&mut paths, "piece-");
        let names: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "d/piece-000002.proof.json",
                "d/piece-999999.proof.json",
                "d/piece-1000000.proof.json",
                "d/piece-other.proof.json",
            ]
        );
    }
}
