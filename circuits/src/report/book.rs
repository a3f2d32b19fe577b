//! The book a report carries from piece to piece, and its commitment.

use num_bigint::BigUint;

use crate::commitment::TAG_BOOK;
use crate::field::{self, Fp};

/// Whole-book figures over the leaves covered so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Book {
    /// Leaves that are not the empty leaf.
    pub accounts: u64,
    /// Accounts with `lhs < rhs`.
    pub liquidatable: u64,
    /// Accounts with debt whose ratio is in `[E_{k-1}, E_k)`, `k = 1..m` (the last open).
    pub buckets: Vec<u64>,
    /// Per asset slot, the sum of every account's collateral amount.
    pub collateral: Vec<BigUint>,
    /// Per asset slot, the sum of every account's debt amount.
    pub debt: Vec<BigUint>,
}

impl Book {
    /// The empty book for `assets` asset slots and `edges` edges.
    pub fn empty(assets: usize, edges: usize) -> Book {
        Book {
            accounts: 0,
            liquidatable: 0,
            buckets: vec![0; edges],
            collateral: vec![BigUint::default(); assets],
            debt: vec![BigUint::default(); assets],
        }
    }

    /// Adds `other` (the figures of more leaves) to this book.
    pub fn add(&mut self, other: &Book) {
        self.accounts += other.accounts;
        self.liquidatable += other.liquidatable;
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        for (a, b) in self.collateral.iter_mut().zip(&other.collateral) {
            *a += b;
        }
        for (a, b) in self.debt.iter_mut().zip(&other.debt) {
            *a += b;
        }
    }

    /// Accounts without debt (debt value zero at the round): neither liquidatable nor in a
    /// bucket.
    pub fn no_debt(&self) -> u64 {
        let bucketed = self
            .buckets
            .iter()
            .fold(self.liquidatable, |a, b| a.saturating_add(*b));
        self.accounts.saturating_sub(bucketed)
    }

    /// The field elements the circuit carries: accounts, liquidatable, buckets, collateral,
    /// debt.
    pub fn to_fields(&self) -> Vec<Fp> {
        let big = |v: &BigUint| field::from_biguint(v).expect("totals stay below 2^170");
        [Fp::from(self.accounts), Fp::from(self.liquidatable)]
            .into_iter()
            .chain(self.buckets.iter().map(|b| Fp::from(*b)))
            .chain(self.collateral.iter().map(big))
            .chain(self.debt.iter().map(big))
            .collect()
    }

    /// [`Book::to_fields`], or `None` if a total is not below the field modulus (a book read
    /// from an untrusted file).
    pub fn to_fields_checked(&self) -> Option<Vec<Fp>> {
        let counts = [self.accounts, self.liquidatable]
            .into_iter()
            .chain(self.buckets.iter().copied())
            .map(Fp::from);
        let totals = self
            .collateral
            .iter()
            .chain(&self.debt)
            .map(field::from_biguint)
            .collect::<Option<Vec<_>>>()?;
        Some(counts.chain(totals).collect())
    }

    /// Reads field elements of a book of `assets` slots and `edges` edges (an opened last
    /// commitment). `None` if the length is wrong or a count is not below 2^64.
    pub fn from_fields(fields: &[Fp], assets: usize, edges: usize) -> Option<Book> {
        if fields.len() != 2 + edges + 2 * assets {
            return None;
        }
        let count = |v: &Fp| u64::try_from(field::to_biguint(v)).ok();
        let counts = fields[..2 + edges]
            .iter()
            .map(count)
            .collect::<Option<Vec<_>>>()?;
        let totals: Vec<BigUint> = fields[2 + edges..].iter().map(field::to_biguint).collect();
        Some(Book {
            accounts: counts[0],
            liquidatable: counts[1],
            buckets: counts[2..].to_vec(),
            collateral: totals[..assets].to_vec(),
            debt: totals[assets..].to_vec(),
        })
    }

    /// The commitment a piece publishes: Poseidon over `[blind, fields..., TAG_BOOK]`.
    pub fn commitment(&self, blind: Fp) -> Fp {
        commit_fields(&self.to_fields(), blind)
    }
}

/// [`Book::commitment`] over raw fields.
pub fn commit_fields(fields: &[Fp], blind: Fp) -> Fp {
    let message: Vec<Fp> = std::iter::once(blind)
        .chain(fields.iter().copied())
        .chain(std::iter::once(Fp::from(TAG_BOOK)))
        .collect();
    crate::commitment::hash(&message)
}
