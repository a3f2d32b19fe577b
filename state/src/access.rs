//! Who may use the operator's service, and the price rounds it acts at.
//!
//! **Grants.** A bearer token is `zkliq_<id>_<secret>`: `id` (16 hex digits) names the grant
//! and may appear in logs and revocations; `secret` (64 hex digits, 256 random bits) is shown
//! once, when it is issued, and only its SHA-256 is stored. [`State::authenticate`] looks the
//! grant up by its id and compares the digests in constant time, so neither a timing nor the
//! database gives the secret away. A plain hash (not a password hash) is enough: the secret has
//! 256 bits of entropy, so there is nothing to guess.
//!
//! **Price rounds.** Only a round the operator published ([`State::publish_prices`]) may drive a
//! liquidation in the service: otherwise a liquidator could invent prices, liquidate a healthy
//! account, and the state would record it. Rounds are published in increasing order.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zkliq_circuits::field;
use zkliq_circuits::{Fp, PriceRound};

use crate::error::StateError;
use crate::store::State;

/// The grant `?1` exists and is live at time `?2`: not revoked, not expired.
const LIVE: &str =
    "token_id = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)";

/// The tables of grants and published price rounds (created on open if missing).
pub(crate) const ACCESS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS grants (
         token_id TEXT PRIMARY KEY,
         secret_sha256 BLOB NOT NULL,
         role TEXT NOT NULL,
         subject TEXT,
         created_at INTEGER NOT NULL,
         revoked_at INTEGER,
         expires_at INTEGER
     );
     CREATE TABLE IF NOT EXISTS price_rounds (
         round INTEGER PRIMARY KEY,
         prices TEXT NOT NULL,
         published_at INTEGER NOT NULL
     );";

/// Grants tables made before tokens could expire gain the column (`None` expires never).
pub(crate) fn upgrade_grants(conn: &rusqlite::Connection) -> Result<(), StateError> {
    let has_expiry = conn
        .prepare("SELECT 1 FROM pragma_table_info('grants') WHERE name = 'expires_at'")?
        .exists([])?;
    if !has_expiry {
        conn.execute_batch("ALTER TABLE grants ADD COLUMN expires_at INTEGER")?;
    }
    Ok(())
}

/// The prefix of every token (so a leaked one is recognisable in a secret scanner).
pub const TOKEN_PREFIX: &str = "zkliq_";

/// What a grant allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The operator: imports, grants, price rounds.
    Admin,
    /// The owner of the account with this id.
    Owner(String),
    /// The liquidator with this id (as bound into liquidation proofs).
    Liquidator(Fp),
}

impl Role {
    /// `admin`, `owner` or `liquidator`.
    pub fn kind(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Owner(_) => "owner",
            Role::Liquidator(_) => "liquidator",
        }
    }

    /// The account id or liquidator id (hex) the role is about; none for the admin.
    pub fn subject(&self) -> Option<String> {
        match self {
            Role::Admin => None,
            Role::Owner(id) => Some(id.clone()),
            Role::Liquidator(id) => Some(field::to_hex(id)),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Admin => write!(f, "admin"),
            Role::Owner(id) => write!(f, "owner of account {id:?}"),
            Role::Liquidator(id) => write!(f, "liquidator {}", field::to_hex(id)),
        }
    }
}

/// A grant found by [`State::authenticate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The grant's public id (the middle part of its token).
    pub token_id: String,
    /// What it allows.
    pub role: Role,
}

/// A token as issued: shown once, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The grant's public id.
    pub token_id: String,
    /// The bearer token to hand over.
    pub token: String,
}

impl fmt::Debug for IssuedToken {
    // Never print the secret by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token_id", &self.token_id)
            .finish_non_exhaustive()
    }
}

/// A published price round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRound {
    /// The round as published (its JSON text).
    pub json: String,
    /// The validated round.
    pub prices: PriceRound,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn random_hex(bytes: usize) -> Result<String, StateError> {
    use rand::TryRng;
    let mut buf = vec![0u8; bytes];
    rand::rngs::SysRng
        .try_fill_bytes(&mut buf)
        .map_err(|e| StateError::Corrupt(format!("no randomness for a token: {e}")))?;
    Ok(hex::encode(buf))
}

/// Splits `zkliq_<16 hex>_<64 hex>`; `None` for anything else.
fn parse_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 16) && hex(secret, 64)).then_some((id, secret))
}

/// Whether `token` has a token's form (`zkliq_<16 hex>_<64 hex>`): a cheap check before any
/// database work.
pub fn token_well_formed(token: &str) -> bool {
    parse_token(token).is_some()
}

impl State {
    /// Issues a new token for `role` that never expires. An owner grant needs the account to
    /// exist.
    pub fn grant(&mut self, role: &Role) -> Result<IssuedToken, StateError> {
        self.grant_until(role, None)
    }

    /// Issues a new token for `role`, valid until `expires_at` (Unix seconds; `None`: until
    /// revoked). An owner grant needs the account to exist.
    pub fn grant_until(
        &mut self,
        role: &Role,
        expires_at: Option<u64>,
    ) -> Result<IssuedToken, StateError> {
        if let Role::Owner(id) = role {
            self.account(id)?;
        }
        let (kind, subject) = (role.kind(), role.subject());
        let token_id = random_hex(8)?;
        let secret = random_hex(32)?;
        let digest = Sha256::digest(secret.as_bytes());
        self.conn.execute(
            "INSERT INTO grants (token_id, secret_sha256, role, subject, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                token_id,
                digest.as_slice(),
                kind,
                subject,
                now(),
                expires_at.map(|t| i64::try_from(t).unwrap_or(i64::MAX))
            ],
        )?;
        Ok(IssuedToken {
            token: format!("{TOKEN_PREFIX}{token_id}_{secret}"),
            token_id,
        })
    }

    /// Ends the grant named by `token_id` (or by a whole token). Returns whether a live grant
    /// was ended.
    pub fn revoke(&mut self, token_id: &str) -> Result<bool, StateError> {
        let id = parse_token(token_id).map_or(token_id, |(id, _)| id);
        let changed = self.conn.execute(
            "UPDATE grants SET revoked_at = ?1 WHERE token_id = ?2 AND revoked_at IS NULL",
            params![now(), id],
        )?;
        Ok(changed == 1)
    }

    /// Whether the grant `token_id` is still live: not revoked, not expired. (The service asks
    /// again when a queued request reaches a worker, so a revocation stops what still waits.)
    pub fn grant_live(&self, token_id: &str) -> Result<bool, StateError> {
        let live = self
            .conn
            .query_row(
                &format!("SELECT 1 FROM grants WHERE {LIVE}"),
                params![token_id, now()],
                |_| Ok(()),
            )
            .optional()?;
        Ok(live.is_some())
    }

    /// The live grant `token` presents, or `None` (malformed, unknown, revoked, expired or wrong
    /// secret: the caller cannot tell which).
    pub fn authenticate(&self, token: &str) -> Result<Option<Grant>, StateError> {
        let Some((token_id, secret)) = parse_token(token) else {
            return Ok(None);
        };
        // Hashed before the lookup, so an unknown id costs what a known one does.
        let presented = Sha256::digest(secret.as_bytes());
        let row = self
            .conn
            .query_row(
                &format!("SELECT secret_sha256, role, subject FROM grants WHERE {LIVE}"),
                params![token_id, now()],
                |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((stored, kind, subject)) = row else {
            return Ok(None);
        };
        if !bool::from(presented.as_slice().ct_eq(&stored)) {
            return Ok(None);
        }
        let corrupt = || StateError::Corrupt(format!("grant {token_id}: bad role {kind:?}"));
        let role = match (kind.as_str(), subject) {
            ("admin", None) => Role::Admin,
            ("owner", Some(id)) => Role::Owner(id),
            ("liquidator", Some(hex)) => {
                Role::Liquidator(field::from_hex(&hex).map_err(|_| corrupt())?)
            }
            _ => return Err(corrupt()),
        };
        Ok(Some(Grant {
            token_id: token_id.to_owned(),
            role,
        }))
    }

    /// Publishes a price round of this state's market (its JSON text). Refused unless its
    /// round number is above every published one.
    pub fn publish_prices(&mut self, json: &str) -> Result<PriceRound, StateError> {
        let prices = PriceRound::from_json(json, &self.market)
            .map_err(|e| StateError::BadPrices(e.to_string()))?;
        let tx = self.conn.transaction()?;
        let latest: Option<i64> =
            tx.query_row("SELECT MAX(round) FROM price_rounds", [], |r| r.get(0))?;
        if let Some(latest) = latest
            && prices.round() <= latest as u64
        {
            return Err(StateError::BadPrices(format!(
                "round: must be above the last published round {latest}, got {}",
                prices.round()
            )));
        }
        if prices.round() > i64::MAX as u64 {
            return Err(StateError::BadPrices(format!(
                "round: must be at most {}, got {}",
                i64::MAX,
                prices.round()
            )));
        }
        tx.execute(
            "INSERT INTO price_rounds (round, prices, published_at) VALUES (?1, ?2, ?3)",
            params![prices.round() as i64, json, now()],
        )?;
        tx.commit()?;
        Ok(prices)
    }

    /// The latest published price round, if any.
    pub fn latest_prices(&self) -> Result<Option<PublishedRound>, StateError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT prices FROM price_rounds ORDER BY round DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|json| {
            let prices = PriceRound::from_json(&json, &self.market)
                .map_err(|e| StateError::Corrupt(format!("published prices: {e}")))?;
            Ok(PublishedRound { json, prices })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_only_in_their_format() {
        let id = "0123456789abcdef";
        let secret = "ab".repeat(32);
        assert_eq!(
            parse_token(&format!("zkliq_{id}_{secret}")),
            Some((id, secret.as_str()))
        );
        for bad in [
            format!("zkliq_{id}_{}", &secret[1..]),
            format!("zkliq_{}_{secret}", &id[1..]),
            format!("zkliQ_{id}_{secret}"),
            format!("zkliq_{id}{secret}"),
            format!("zkliq_{id}_{}g", &secret[1..]),
            String::new(),
        ] {
            assert_eq!(parse_token(&bad), None, "{bad}");
        }
    }
}
