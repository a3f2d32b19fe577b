//! The liquidation statement: a state transition that liquidates one account by the market's
//! rule, from an old state root to a new one, bound to one liquidator.
//!
//! | module | what it holds |
//! |--------|---------------|
//! | [`reference`](mod@reference) | the rule in plain integers (`zkliq quote`) |

pub mod reference;

pub use reference::{Quote, Refusal, Repay, Request, quote};
