//! Round reports: whole-book figures for a state root at a price round, proven piece by piece.
//!
//! A report covers the tree in *pieces*, aligned subtrees of `B = 2^h` leaves proven against the
//! public root. Over every leaf of its subtree a piece proves, with all openings private:
//! - whether the leaf is an account (not the empty leaf);
//! - whether the account is liquidatable (public, one flag per position: the whole book's
//!   liquidatable set is public, and an empty leaf or a healthy account shows 0);
//! - the account's *bucket*: no debt, liquidatable, or the interval `[E_{k-1}, E_k)` of public
//!   edges `E` (in bps of `lhs/rhs`, starting at 10000, the last interval open) that holds its
//!   ratio: `E_{k-1}·rhs <= 10000·lhs < E_k·rhs`;
//! - the running *book* ([`Book`]): accounts, liquidatable accounts, accounts per bucket, and
//!   per asset the total collateral and debt, added to the book it received.
//!
//! The book never appears in a piece's public inputs: a piece shows only the commitments
//! `H(blind_in, book_in)` and `H(blind_out, book_out)` ([`Book::commitment`]) with private
//! random blinds, and the next piece starts from the previous one's output commitment. The
//! first piece starts from the empty book (its blind is published), and the last piece's output
//! is opened (book and blind published): only whole-book figures become public. The last piece
//! also proves (public flag `last`) that every subtree to its right is empty, so the pieces
//! `0..=L` with a chain of commitments cover the whole tree exactly once.
//!
//! The plain-integer statement is [`mod@reference`]; the circuit is [`ReportCircuit`], in three
//! layouts ([`ReportLayout`]) that prove the same statement.

mod book;
mod circuit;
mod instance;
pub mod reference;
mod shape;
mod witness;

pub use book::{Book, commit_fields};
pub use circuit::{ReportCircuit, ReportCircuitV1, ReportCircuitV2, ReportCircuitV3};
pub use instance::{
    BOOK_IN_ROW, BOOK_OUT_ROW, BucketEdges, EDGES_START_ROW, LAST_ROW, MARKET_COMMITMENT_ROW,
    PRICE_COMMITMENT_ROW, ROOT_ROW, ReportInstance, ReportInstanceError, SUBTREE_INDEX_ROW,
};
pub use shape::{ReportLayout, ReportShape};
pub use witness::{ComparisonWitness, PositionWitness, ReportWitness};
