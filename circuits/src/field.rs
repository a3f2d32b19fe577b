//! The circuit's field and its canonical text form.
//!
//! Every public value (commitments, salts) is an element of the Pallas base field, written as
//! `0x` followed by exactly 64 hexadecimal digits, big-endian. Parsing rejects non-canonical
//! encodings (values at or above the modulus), so each element has exactly one spelling.

use ff::{Field, PrimeField};
use thiserror::Error;

/// The scalar field of the proof system: the Pallas base field (the Vesta scalar field).
pub type Fp = pasta_curves::pallas::Base;

/// The field modulus, in the same `0x`-prefixed big-endian form [`to_hex`] writes.
pub const MODULUS_HEX: &str = "0x40000000000000000000000000000000224698fc094cf91b992d30ed00000001";

/// Why a string is not a field element in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldHexError {
    /// The text is not `0x` followed by exactly 64 hexadecimal digits.
    #[error("must be 0x followed by exactly 64 hexadecimal digits")]
    Malformed,
    /// The text is not `0x` followed by 1 to 64 hexadecimal digits (an id: [`id_from_hex`]).
    #[error("must be 0x followed by 1 to 64 hexadecimal digits (e.g. a 20-byte address)")]
    MalformedId,
    /// The value is at or above the field modulus, so it has no canonical encoding.
    #[error("must be below the field modulus {MODULUS_HEX}")]
    NotCanonical,
}

/// Writes `value` as `0x` + 64 lowercase hex digits, big-endian.
pub fn to_hex(value: &Fp) -> String {
    let mut bytes = value.to_repr();
    bytes.reverse();
    format!("0x{}", hex::encode(bytes))
}

/// Parses the form [`to_hex`] writes (either letter case), rejecting non-canonical values.
pub fn from_hex(text: &str) -> Result<Fp, FieldHexError> {
    let digits = text.strip_prefix("0x").ok_or(FieldHexError::Malformed)?;
    if digits.len() != 64 {
        return Err(FieldHexError::Malformed);
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits, &mut bytes).map_err(|_| FieldHexError::Malformed)?;
    bytes.reverse();
    Option::from(Fp::from_repr(bytes)).ok_or(FieldHexError::NotCanonical)
}

/// Parses an id such as an address: `0x` and 1 to 64 hexadecimal digits (big-endian, either
/// letter case), the value below the modulus. `0x01` and `0x` + `00…01` are the same id.
pub fn id_from_hex(text: &str) -> Result<Fp, FieldHexError> {
    let digits = text.strip_prefix("0x").ok_or(FieldHexError::MalformedId)?;
    if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(FieldHexError::MalformedId);
    }
    from_hex(&format!("0x{digits:0>64}"))
}

/// Serialises a field element as [`to_hex`] writes it (for `#[serde(serialize_with)]`).
pub fn serialize_hex<S: serde::Serializer>(value: &Fp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&to_hex(value))
}

/// `2^bits` as a field element (`bits < 255`).
pub fn pow2(bits: u32) -> Fp {
    Fp::from(2).pow_vartime([u64::from(bits)])
}

/// Converts a field element to the integer it represents (`0..p`).
pub fn to_biguint(value: &Fp) -> num_bigint::BigUint {
    num_bigint::BigUint::from_bytes_le(value.to_repr().as_ref())
}

/// Reads an integer below the modulus as a field element; `None` if it is `>= p`.
pub fn from_biguint(value: &num_bigint::BigUint) -> Option<Fp> {
    let bytes = value.to_bytes_le();
    if bytes.len() > 32 {
        return None;
    }
    let mut repr = [0u8; 32];
    repr[..bytes.len()].copy_from_slice(&bytes);
    Option::from(Fp::from_repr(repr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;

    #[test]
    fn hex_round_trips_and_rejects_non_canonical() {
        let x = Fp::from(0x1234_5678u64);
        assert_eq!(
            to_hex(&x),
            "0x0000000000000000000000000000000000000000000000000000000012345678"
        );
        assert_eq!(from_hex(&to_hex(&x)), Ok(x));
        assert_eq!(from_hex(&to_hex(&-Fp::ONE)), Ok(-Fp::ONE));
        assert_eq!(from_hex(MODULUS_HEX), Err(FieldHexError::NotCanonical));
        assert_eq!(from_hex("0x1234"), Err(FieldHexError::Malformed));
        assert_eq!(from_hex(&to_hex(&x)[2..]), Err(FieldHexError::Malformed));
        let bad_digit = format!("0x{}g", "0".repeat(63));
        assert_eq!(from_hex(&bad_digit), Err(FieldHexError::Malformed));
    }

    #[test]
    fn modulus_constant_matches_the_field() {
        // p - 1 is the largest canonical value.
        let p_minus_one = to_biguint(&-Fp::ONE);
        let p = p_minus_one + 1u32;
        assert_eq!(format!("0x{p:064x}"), MODULUS_HEX);
        assert_eq!(from_biguint(&p), None);
    }

    #[test]
    fn ids_are_short_or_full_hex_below_the_modulus() {
        assert_eq!(id_from_hex("0x01"), Ok(Fp::one()));
        assert_eq!(
            id_from_hex("0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"),
            from_hex("0x000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045")
        );
        assert_eq!(id_from_hex(MODULUS_HEX), Err(FieldHexError::NotCanonical));
        for bad in ["", "0x", "01", "0xg1", &format!("0x{}", "1".repeat(65))] {
            assert_eq!(id_from_hex(bad), Err(FieldHexError::MalformedId), "{bad:?}");
        }
    }

    #[test]
    fn pow2_matches_shifts() {
        assert_eq!(pow2(0), Fp::ONE);
        assert_eq!(pow2(64), Fp::from_u128(1u128 << 64));
        assert_eq!(pow2(127), Fp::from_u128(1u128 << 127));
    }
}
