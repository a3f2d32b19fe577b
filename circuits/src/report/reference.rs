//! The report statement in plain integer arithmetic: what a report over a list of leaves must
//! say, computed without the circuit (exact, arbitrary precision).
//!
//! For each account, with `lhs` and `rhs = T·debt_value` of the health statement
//! ([`crate::health::reference`]):
//! - no debt: `debt_value = 0` (always healthy);
//! - liquidatable: `lhs < rhs`;
//! - otherwise bucket `k` (1-based): the largest `k` with `E_{k-1}·rhs <= 10000·lhs`.

use num_bigint::BigUint;

use super::{Book, BucketEdges};
use crate::bounds::RATIO_BPS;
use crate::health::reference::evaluate;
use crate::inputs::{Account, Market, PriceRound};

/// Where an account falls in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Debt value zero at the round.
    NoDebt,
    /// `lhs < rhs`.
    Liquidatable,
    /// Ratio in `[E_{k-1}, E_k)`, `k` in `1..=m` (the last open).
    Ratio(usize),
}

/// The bucket of `account` at `prices` for `edges`.
pub fn bucket(
    market: &Market,
    prices: &PriceRound,
    edges: &BucketEdges,
    account: &Account,
) -> Bucket {
    let valuation = evaluate(market, prices, account);
    if valuation.debt_value == BigUint::default() {
        return Bucket::NoDebt;
    }
    let rhs = valuation.rhs();
    if valuation.lhs < rhs {
        return Bucket::Liquidatable;
    }
    let scaled = &valuation.lhs * RATIO_BPS;
    let k = edges
        .as_slice()
        .iter()
        .take_while(|e| &rhs * **e <= scaled)
        .count();
    Bucket::Ratio(k)
}

/// The report over `leaves` (`(leaf index, account)`, empty leaves omitted): the book (one total
/// per asset slot of the market's circuit shape, the padding slots 0) and the sorted
/// liquidatable leaf indices.
pub fn report<'a>(
    market: &Market,
    prices: &PriceRound,
    edges: &BucketEdges,
    leaves: impl IntoIterator<Item = (u64, &'a Account)>,
) -> (Book, Vec<u64>) {
    let n = market.assets().len();
    let mut book = Book::empty(market.shape().assets(), edges.len());
    let mut liquidatable = Vec::new();
    for (index, account) in leaves {
        book.accounts += 1;
        match bucket(market, prices, edges, account) {
            Bucket::NoDebt => {}
            Bucket::Liquidatable => {
                book.liquidatable += 1;
                liquidatable.push(index);
            }
            Bucket::Ratio(k) => book.buckets[k - 1] += 1,
        }
        for i in 0..n {
            book.collateral[i] += account.collateral()[i];
            book.debt[i] += account.debt()[i];
        }
    }
    liquidatable.sort_unstable();
    (book, liquidatable)
}
