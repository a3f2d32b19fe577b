//! Why a state operation failed.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// A rejected line of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, naming the field and the bound.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Every way a state operation can fail. Messages do not repeat the database's path (the
/// variants carry it): callers prefix it once.
#[derive(Debug, Error)]
pub enum StateError {
    /// The database file already exists (`init` never overwrites).
    #[error("already exists (a state is never created over an existing file)")]
    Exists(PathBuf),
    /// The database file could not be created.
    #[error("cannot create: {cause}")]
    Create {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        cause: std::io::Error,
    },
    /// The database was made by an earlier release (schema 1, format-1 tree).
    #[error(
        "a state database of an earlier release (zkliq-state/1): upgrade it with `zkliq state migrate --state {}`",
        .0.display()
    )]
    Legacy(PathBuf),
    /// Accounts whose salt is below 2^128 or shared with another (migration refuses them).
    #[error(
        "{} account(s) have a salt below 2^128 or shared with another account (first: {:?}); rerun with --reseal to give them fresh salts",
        .0.len(),
        .0.first().map(String::as_str).unwrap_or_default()
    )]
    WeakSalts(Vec<String>),
    /// The database file does not exist.
    #[error("no such state database (create one with `zkliq state init`)")]
    Missing(PathBuf),
    /// The file is not a zkliq state database of this version.
    #[error("not a zkliq state database: {reason}")]
    NotAState {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Stored data does not decode (the database was changed outside zkliq).
    #[error("corrupt state: {0}")]
    Corrupt(String),
    /// The import file has bad lines; nothing was imported.
    #[error("{} bad line(s), nothing imported; first: {}", errors.len(), errors[0])]
    Import {
        /// The bad lines (at most the first 100).
        errors: Vec<LineError>,
    },
    /// The import file could not be read.
    #[error("cannot read the import file: {0}")]
    Read(#[from] std::io::Error),
    /// No account has this id.
    #[error("no account with id {0:?}")]
    UnknownId(String),
    /// The state's root is not the one a change was made for: it moved in between.
    #[error(
        "the state root is {found}, not {expected}: the state changed since the proof was made; nothing written"
    )]
    Moved {
        /// The root the change was made for.
        expected: String,
        /// The current root.
        found: String,
    },
    /// A price round to publish is malformed or out of order (the message names the field).
    #[error("{0}")]
    BadPrices(String),
    /// The tree is full.
    #[error("the state tree is full ({0} leaves)")]
    Full(u64),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl From<rusqlite::types::FromSqlError> for StateError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StateError::Corrupt(e.to_string())
    }
}
