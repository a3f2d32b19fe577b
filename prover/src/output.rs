//! Writing to standard output without panicking when the reader goes away (`zkliq verify … |
//! head -1`): `println!` panics on a closed pipe; [`say!`] drops the output instead, and the
//! command's exit code stays what its work decided.

use std::io::Write;

/// Writes one line to standard output; a closed pipe or other write error is ignored.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
}

/// `println!` that never panics (see the module docs).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use say;
