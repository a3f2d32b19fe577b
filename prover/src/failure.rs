//! Errors that end a command, with the exit code they map to.

use std::fmt;
use std::process::ExitCode;

/// How a command failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The claim is false, or the proof is invalid or does not match: exit 1.
    Rejected,
    /// Unreadable or malformed input: exit 2.
    BadInput,
    /// Something that should not happen: exit 3.
    Internal,
}

/// An error with its exit code. Displays as one line: the whole context chain.
#[derive(Debug)]
pub struct Failure {
    exit: Exit,
    error: anyhow::Error,
}

impl Failure {
    /// How it failed.
    pub fn exit(&self) -> Exit {
        self.exit
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self.exit {
            Exit::Rejected => 1,
            Exit::BadInput => 2,
            Exit::Internal => 3,
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The error's own message: every error type here states its cause in its message, so
        // following `source()` as well would print the cause twice.
        write!(f, "{}", self.error)
    }
}

/// A rejected claim or proof (exit 1).
pub fn rejected(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        exit: Exit::Rejected,
        error: error.into(),
    }
}

/// Bad input (exit 2).
pub fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        exit: Exit::BadInput,
        error: error.into(),
    }
}

/// An internal failure (exit 3).
pub fn internal(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        exit: Exit::Internal,
        error: error.into(),
    }
}
