//! The chain of published roots: every change of the state root, in order, with the proof
//! that justifies it when there is one.
//!
//! A liquidation ([`State::apply_liquidation`]) is recorded with the digest and file name of
//! its proof; an import or a migration changes openings by the operator's say-so and is
//! recorded without a proof. So an auditor holding the proofs can check every root from the
//! first to the current, and sees exactly where the chain rests on the operator's word.

use std::time::{SystemTime, UNIX_EPOCH};

use ff::PrimeField;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use zkliq_circuits::field::serialize_hex;
use zkliq_circuits::tree;
use zkliq_circuits::{Account, Fp};

use crate::error::StateError;
use crate::store::{SqlNodes, State, encode_amounts};

/// The table of transitions (created by every schema-2 database on open if missing).
pub(crate) const TRANSITIONS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS transitions (
         seq INTEGER PRIMARY KEY,
         kind TEXT NOT NULL,
         old_root BLOB NOT NULL,
         new_root BLOB NOT NULL,
         leaf_index INTEGER,
         id TEXT,
         proof_sha256 TEXT,
         proof_file TEXT,
         details TEXT NOT NULL,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE IF NOT EXISTS transition_proofs (
         seq INTEGER PRIMARY KEY REFERENCES transitions (seq),
         proof TEXT NOT NULL
     );
     CREATE TABLE IF NOT EXISTS liquidation_keys (
         liquidator TEXT NOT NULL,
         key TEXT NOT NULL,
         request_sha256 TEXT NOT NULL,
         seq INTEGER NOT NULL REFERENCES transitions (seq),
         answer TEXT NOT NULL,
         PRIMARY KEY (liquidator, key)
     );";

/// What changed the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// Accounts imported or replaced by the operator (no proof).
    Import,
    /// The database upgraded from an earlier release (no proof).
    Migrate,
    /// One account liquidated, with a liquidation proof.
    Liquidation,
}

impl TransitionKind {
    fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Import => "import",
            TransitionKind::Migrate => "migrate",
            TransitionKind::Liquidation => "liquidation",
        }
    }

    fn parse(text: &str) -> Result<Self, StateError> {
        Ok(match text {
            "import" => TransitionKind::Import,
            "migrate" => TransitionKind::Migrate,
            "liquidation" => TransitionKind::Liquidation,
            other => return Err(StateError::Corrupt(format!("transition kind {other:?}"))),
        })
    }
}

/// One change of the published root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// What changed the root.
    pub kind: TransitionKind,
    /// The published root before.
    #[serde(serialize_with = "serialize_hex")]
    pub old_root: Fp,
    /// The published root after.
    #[serde(serialize_with = "serialize_hex")]
    pub new_root: Fp,
    /// The account's leaf (liquidations).
    pub leaf: Option<u64>,
    /// The account's id (liquidations).
    pub id: Option<String>,
    /// SHA-256 of the proof file, lowercase hex (liquidations).
    pub proof_sha256: Option<String>,
    /// The proof file's name as given when it was written (liquidations).
    pub proof_file: Option<String>,
    /// What moved: the amounts of a liquidation, the counts of an import (JSON).
    pub details: serde_json::Value,
    /// When it was committed, unix seconds.
    pub time: u64,
}

/// A committed liquidation: the new root and the transition's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The published root after.
    pub root: Fp,
    /// The transition's position in the chain.
    pub seq: u64,
}

/// A liquidation to commit: the account's new opening and the proof of the transition.
#[derive(Debug, Clone)]
pub struct LiquidationRecord<'a> {
    /// The account's id.
    pub id: &'a str,
    /// Its leaf (checked against the stored one).
    pub leaf: u64,
    /// Its opening after the liquidation.
    pub new_account: &'a Account,
    /// The published root the proof starts from (must be the current root).
    pub old_root: Fp,
    /// The published root the proof ends at (must be what the update gives).
    pub new_root: Fp,
    /// SHA-256 of the proof file, lowercase hex.
    pub proof_sha256: &'a str,
    /// The proof file's name.
    pub proof_file: &'a str,
    /// The amounts, as JSON.
    pub details: serde_json::Value,
    /// The proof file's text, to keep in the database with the transition (the service does;
    /// the CLI keeps its proofs as files and passes `None`).
    pub proof: Option<&'a str>,
    /// The client's idempotency key and the answer to replay for it (the service's
    /// `Idempotency-Key`), committed with the transition.
    pub idempotency: Option<IdempotentAnswer<'a>>,
}

/// A liquidation request's idempotency key, scoped to its liquidator (whatever token it
/// used), with a digest of the request and the answer given.
#[derive(Debug, Clone, Copy)]
pub struct IdempotentAnswer<'a> {
    /// The liquidator's id, in hex.
    pub liquidator: &'a str,
    /// The client's key.
    pub key: &'a str,
    /// SHA-256 of the request, lowercase hex: the same key with another request is refused.
    pub request_sha256: &'a str,
    /// The answer, as JSON text, without what is kept beside it: the transition's number and
    /// its proof (in `transition_proofs`).
    pub answer: &'a str,
}

/// A committed liquidation found by its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// SHA-256 of the request that committed it.
    pub request_sha256: String,
    /// The transition's number.
    pub seq: u64,
    /// The answer given, as JSON text (without the transition's number and proof).
    pub answer: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn element(bytes: &[u8]) -> Result<Fp, StateError> {
    let repr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StateError::Corrupt("a root is not 32 bytes".into()))?;
    Option::<Fp>::from(Fp::from_repr(repr))
        .ok_or_else(|| StateError::Corrupt("a root is not a field element".into()))
}

/// Appends a transition without a proof (an import or a migration) inside `tx`.
pub(crate) fn record(
    tx: &Transaction<'_>,
    kind: TransitionKind,
    old_root: Fp,
    new_root: Fp,
    details: serde_json::Value,
) -> Result<(), StateError> {
    tx.execute(
        "INSERT INTO transitions (kind, old_root, new_root, details, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            kind.as_str(),
            old_root.to_repr().as_ref(),
            new_root.to_repr().as_ref(),
            details.to_string(),
            now() as i64
        ],
    )?;
    Ok(())
}

impl State {
    /// Every change of the published root, oldest first.
    pub fn transitions(&self) -> Result<Vec<Transition>, StateError> {
        self.transitions_after(0, u64::MAX, None)
    }

    /// At most `limit` changes of the published root after transition `after`, oldest first;
    /// only those of account `id` if given.
    pub fn transitions_after(
        &self,
        after: u64,
        limit: u64,
        id: Option<&str>,
    ) -> Result<Vec<Transition>, StateError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, kind, old_root, new_root, leaf_index, id, proof_sha256, proof_file,
                    details, created_at
             FROM transitions WHERE seq > ?1 AND (?2 IS NULL OR id = ?2)
             ORDER BY seq LIMIT ?3",
        )?;
        let clamp = |v: u64| v.min(i64::MAX as u64) as i64;
        let mut rows = stmt.query(params![clamp(after), id, clamp(limit)])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let details: String = row.get(8)?;
            out.push(Transition {
                seq: row.get::<_, i64>(0)? as u64,
                kind: TransitionKind::parse(&row.get::<_, String>(1)?)?,
                old_root: element(row.get_ref(2)?.as_blob()?)?,
                new_root: element(row.get_ref(3)?.as_blob()?)?,
                leaf: row.get::<_, Option<i64>>(4)?.map(|l| l as u64),
                id: row.get(5)?,
                proof_sha256: row.get(6)?,
                proof_file: row.get(7)?,
                details: serde_json::from_str(&details)
                    .map_err(|e| StateError::Corrupt(format!("transition details: {e}")))?,
                time: row.get::<_, i64>(9)? as u64,
            });
        }
        Ok(out)
    }

    /// Commits a proven liquidation in one transaction: the account's new opening, the tree
    /// path above its leaf, and the transition with its proof's digest. Refused, with nothing
    /// changed, if the current root is not `record.old_root` (the state moved since the proof
    /// was made), the account is not at `record.leaf`, the new salt is used by another account,
    /// or the update does not give `record.new_root`. Returns the new root.
    pub fn apply_liquidation(
        &mut self,
        record: &LiquidationRecord<'_>,
    ) -> Result<Applied, StateError> {
        let spec = self.tree();
        let market_commitment = self.market_commitment;
        let leaf_value = self.commitment(record.new_account);
        let tx = self.conn.transaction()?;
        let tree_root = SqlNodes(&tx)
            .root(spec.depth())?
            .unwrap_or(self.empty.at(spec.depth()));
        let current = spec.publish(market_commitment, tree_root);
        if current != record.old_root {
            return Err(StateError::Moved {
                expected: zkliq_circuits::field::to_hex(&record.old_root),
                found: zkliq_circuits::field::to_hex(&current),
            });
        }
        let leaf: Option<i64> = tx
            .query_row(
                "SELECT leaf_index FROM accounts WHERE id = ?1",
                [record.id],
                |r| r.get(0),
            )
            .optional()?;
        match leaf {
            None => return Err(StateError::UnknownId(record.id.to_owned())),
            // Messages name leaves, never ids: the service logs internal errors.
            Some(l) if l as u64 != record.leaf => {
                return Err(StateError::Corrupt(format!(
                    "the account to liquidate is at leaf {l}, not {}",
                    record.leaf
                )));
            }
            Some(_) => {}
        }
        let salt = record.new_account.salt().to_repr();
        let owner: Option<i64> = tx
            .query_row(
                "SELECT leaf_index FROM accounts WHERE salt = ?1",
                [salt.as_ref()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(owner) = owner {
            return Err(StateError::Corrupt(format!(
                "the new salt is already the salt of the account at leaf {owner}"
            )));
        }
        tx.execute(
            "UPDATE accounts SET salt = ?1, amounts = ?2 WHERE leaf_index = ?3",
            params![
                salt.as_ref(),
                encode_amounts(record.new_account),
                record.leaf as i64
            ],
        )?;
        let tree_root = tree::update(&mut SqlNodes(&tx), &self.empty, [(record.leaf, leaf_value)])?;
        let new_root = spec.publish(market_commitment, tree_root);
        if new_root != record.new_root {
            // Dropping the transaction rolls everything back.
            return Err(StateError::Corrupt(format!(
                "the update gives root {}, the proof says {}",
                zkliq_circuits::field::to_hex(&new_root),
                zkliq_circuits::field::to_hex(&record.new_root)
            )));
        }
        tx.execute(
            "INSERT INTO transitions (kind, old_root, new_root, leaf_index, id, proof_sha256,
                                      proof_file, details, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                TransitionKind::Liquidation.as_str(),
                record.old_root.to_repr().as_ref(),
                new_root.to_repr().as_ref(),
                record.leaf as i64,
                record.id,
                record.proof_sha256,
                record.proof_file,
                record.details.to_string(),
                now() as i64
            ],
        )?;
        let seq = tx.last_insert_rowid();
        if let Some(proof) = record.proof {
            tx.execute(
                "INSERT INTO transition_proofs (seq, proof) VALUES (?1, ?2)",
                params![seq, proof],
            )?;
        }
        if let Some(k) = record.idempotency {
            // A key already used fails the primary key: nothing is committed.
            tx.execute(
                "INSERT INTO liquidation_keys (liquidator, key, request_sha256, seq, answer)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![k.liquidator, k.key, k.request_sha256, seq, k.answer],
            )?;
        }
        tx.commit()?;
        Ok(Applied {
            root: new_root,
            seq: seq as u64,
        })
    }

    /// The transitions whose proof is kept in the database.
    pub fn transition_proofs(&self) -> Result<std::collections::BTreeSet<u64>, StateError> {
        let mut stmt = self.conn.prepare("SELECT seq FROM transition_proofs")?;
        let seqs = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        seqs.map(|s| Ok(s? as u64)).collect()
    }

    /// The liquidation committed for `key` by `liquidator` (hex), if any.
    pub fn replay(&self, liquidator: &str, key: &str) -> Result<Option<Replay>, StateError> {
        Ok(self
            .conn
            .query_row(
                "SELECT request_sha256, seq, answer FROM liquidation_keys
                 WHERE liquidator = ?1 AND key = ?2",
                [liquidator, key],
                |r| {
                    Ok(Replay {
                        request_sha256: r.get(0)?,
                        seq: r.get::<_, i64>(1)? as u64,
                        answer: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// The proof kept with transition `seq` (liquidations the service committed), if any.
    pub fn transition_proof(&self, seq: u64) -> Result<Option<String>, StateError> {
        Ok(self
            .conn
            .query_row(
                "SELECT proof FROM transition_proofs WHERE seq = ?1",
                [seq as i64],
                |r| r.get(0),
            )
            .optional()?)
    }
}
