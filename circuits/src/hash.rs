//! Poseidon off-circuit, and the hash domains zkliq uses.
//!
//! Every hash is the Poseidon permutation `P128Pow5T3` (width 3, rate 2; halo2_gadgets' `Pow5Chip`
//! computes the same permutation in-circuit) in sponge mode. The *capacity* element a hash starts
//! from names its domain, so that hashes of different domains can never be confused, even for
//! messages of the same length:
//!
//! | domain | capacity element | message | used for |
//! |--------|------------------|---------|----------|
//! | `ConstantLength<L>` | `L · 2^64` | `L` elements, zero-padded to even length | account, price and market commitments, the symbol digest |
//! | [`NodeDomain`] | `2 · 2^64 + TAG_NODE` | `[left, right]` | internal nodes of the state tree (format 2) |
//! | [`RootDomain`] | `2 · 2^64 + TAG_ROOT` | `[market commitment, tree root]` | the published state root (format 2) |
//!
//! `ConstantLength` capacities have zero low 64 bits and the two tags are distinct non-zero
//! 64-bit values, so the three kinds of capacity never coincide.
//!
//! halo2_poseidon only exposes constant-length hashing off-circuit, so the permutation is
//! written out here from the same round constants and MDS matrix
//! ([`P128Pow5T3`]'s `constants()`); tests check it against halo2_poseidon for every message
//! length a commitment uses. The S-box `x^5` is two squarings and a multiplication, and the
//! constants are loaded once per process: together about three times faster than halo2_poseidon's
//! reference permutation, which matters for imports (a few permutations per account).

use std::sync::OnceLock;

use ff::{Field, PrimeField};
use halo2_gadgets::poseidon::primitives::{Domain, Mds, P128Pow5T3, Spec};

use crate::field::Fp;

/// Width of the Poseidon state.
pub const WIDTH: usize = 3;
/// Elements absorbed per permutation.
pub const RATE: usize = 2;

/// Domain tag of internal tree nodes (low 64 bits of the capacity element).
pub const TAG_NODE: u64 = u64::from_be_bytes(*b"zkliq:N2");
/// Domain tag of the published state root (low 64 bits of the capacity element).
pub const TAG_ROOT: u64 = u64::from_be_bytes(*b"zkliq:R2");

/// A domain that hashes exactly two elements in one permutation, starting from the capacity
/// element `2 · 2^64 + TAG`.
#[derive(Clone, Copy, Debug)]
pub struct TaggedPair<const TAG: u64>;

/// Internal nodes of the state tree (format 2).
pub type NodeDomain = TaggedPair<TAG_NODE>;
/// The published state root: the market commitment bound to the tree root (format 2).
pub type RootDomain = TaggedPair<TAG_ROOT>;

impl<const TAG: u64> TaggedPair<TAG> {
    /// The capacity element this domain starts from.
    pub fn capacity() -> Fp {
        Fp::from_u128((2u128 << 64) | u128::from(TAG))
    }
}

impl<const TAG: u64> Domain<Fp, RATE> for TaggedPair<TAG> {
    type Padding = std::iter::Empty<Fp>;

    fn name() -> String {
        format!(
            "TaggedPair<{}>",
            String::from_utf8_lossy(&TAG.to_be_bytes())
        )
    }

    fn initial_capacity_element() -> Fp {
        Self::capacity()
    }

    fn padding(input_len: usize) -> Self::Padding {
        // Two elements fill the rate exactly: nothing to pad. The in-circuit sponge is only
        // ever given two message words for these domains.
        debug_assert_eq!(input_len, RATE, "a tagged pair hashes exactly two elements");
        std::iter::empty()
    }
}

struct Constants {
    round_constants: Vec<[Fp; WIDTH]>,
    mds: Mds<Fp, WIDTH>,
    full_rounds: usize,
    partial_rounds: usize,
}

fn constants() -> &'static Constants {
    static CONSTANTS: OnceLock<Constants> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        let (round_constants, mds, _) = <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::constants();
        Constants {
            round_constants,
            mds,
            full_rounds: <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::full_rounds(),
            partial_rounds: <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::partial_rounds(),
        }
    })
}

fn sbox(x: Fp) -> Fp {
    x.square().square() * x
}

/// The Poseidon permutation `P128Pow5T3`.
pub fn permute(state: &mut [Fp; WIDTH]) {
    let c = constants();
    let half = c.full_rounds / 2;
    let mds = |state: &mut [Fp; WIDTH]| {
        let s = *state;
        for (out, row) in state.iter_mut().zip(&c.mds) {
            *out = row[0] * s[0] + row[1] * s[1] + row[2] * s[2];
        }
    };
    for (round, rc) in c.round_constants.iter().enumerate() {
        let full = round < half || round >= half + c.partial_rounds;
        for (word, k) in state.iter_mut().zip(rc) {
            *word += k;
        }
        if full {
            for word in state.iter_mut() {
                *word = sbox(*word);
            }
        } else {
            state[0] = sbox(state[0]);
        }
        mds(state);
    }
}

/// Sponge hash from `capacity` over `message` (absorbed two elements per permutation, the last
/// block zero-padded); the output is the first state word. One permutation per two elements.
pub fn sponge(capacity: Fp, message: &[Fp]) -> Fp {
    let mut state = [Fp::ZERO, Fp::ZERO, capacity];
    if message.is_empty() {
        permute(&mut state);
    }
    for block in message.chunks(RATE) {
        for (word, m) in state.iter_mut().zip(block) {
            *word += m;
        }
        permute(&mut state);
    }
    state[0]
}

/// Poseidon `ConstantLength<L>` of a message of any length `L` (the length is in the capacity).
pub fn constant_length(message: &[Fp]) -> Fp {
    sponge(Fp::from_u128((message.len() as u128) << 64), message)
}

/// A format-2 internal tree node from its two children.
pub fn node(left: Fp, right: Fp) -> Fp {
    sponge(NodeDomain::capacity(), &[left, right])
}

/// The format-2 published state root: the market commitment bound to the tree root.
pub fn bound_root(market_commitment: Fp, tree_root: Fp) -> Fp {
    sponge(RootDomain::capacity(), &[market_commitment, tree_root])
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_gadgets::poseidon::primitives::{self as poseidon, ConstantLength};
    use rand::SeedableRng;

    fn reference<const L: usize>(message: [Fp; L]) -> Fp {
        poseidon::Hash::<Fp, P128Pow5T3, ConstantLength<L>, 3, 2>::init().hash(message)
    }

    #[test]
    fn constant_length_matches_halo2_poseidon_for_every_length_used() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        macro_rules! check {
            ($($l:literal)*) => {$({
                let m: [Fp; $l] = std::array::from_fn(|_| Fp::random(&mut rng));
                assert_eq!(constant_length(&m), reference(m), "length {}", $l);
            })*};
        }
        for _ in 0..4 {
            check!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24);
        }
    }

    #[test]
    fn domains_are_distinct() {
        let (a, b) = (Fp::from(3), Fp::from(4));
        let values = [
            constant_length(&[a, b]),
            node(a, b),
            bound_root(a, b),
            sponge(Fp::ZERO, &[a, b]),
        ];
        for (i, x) in values.iter().enumerate() {
            for y in &values[i + 1..] {
                assert_ne!(x, y);
            }
        }
        // No ConstantLength capacity has non-zero low 64 bits; the tags differ.
        assert_ne!(TAG_NODE, TAG_ROOT);
        assert_ne!(TAG_NODE, 0);
        assert_ne!(NodeDomain::capacity(), Fp::from_u128(2u128 << 64));
    }
}
