//! The audit log: every act appended, in the same transaction as the act, to
//! a hash chain. Each entry's hash is SHA-256 over the previous entry's hash
//! and the entry's canonical form (a JSON array of its fields), so an entry
//! changed, deleted or moved breaks the chain from that entry on.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{AuditEntry, AuditProblem, StoreError};

/// The `previous` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn database(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Database { doing, source }
}

/// SHA-256 of a text, in lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The canonical form of an entry's fields, which its hash covers.
fn canonical(entry: &AuditEntry) -> String {
    json!([
        entry.seq,
        entry.act,
        entry.recorded_at,
        entry.actor,
        entry.kind,
        entry.valid_on,
        entry.summary,
        entry.content,
    ])
    .to_string()
}

/// The hash of an entry after `previous`.
fn entry_hash(previous: &str, entry: &AuditEntry) -> String {
    sha256_hex(&format!("{previous}\n{}", canonical(entry)))
}

/// Appends the entry of act `act` (read back from `acts`, so both agree),
/// with the canonical description of what it did.
pub fn append_act(connection: &Connection, act: i64, content: &Value) -> Result<(), StoreError> {
    let (kind, valid_on, recorded_at, actor, summary): (String, String, String, String, String) =
        connection
            .query_row(
                "SELECT kind, valid_on, recorded_at, actor, summary FROM acts WHERE id = ?1",
                [act],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
            )
            .map_err(database("read the act back for the audit log"))?;
    append(
        connection,
        AuditEntry {
            seq: 0,
            act: Some(act),
            recorded_at,
            actor,
            kind,
            valid_on: Some(valid_on),
            summary,
            content: content.to_string(),
            previous: String::new(),
            hash: String::new(),
        },
    )
}

/// Appends an entry that is no act of the records (a login, a refused
/// request), numbered and chained after the last one.
pub fn append(connection: &Connection, mut entry: AuditEntry) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = connection
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .map_err(database("read the head of the audit log"))?;
    let (seq, previous) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    entry.seq = seq;
    entry.hash = entry_hash(&previous, &entry);
    entry.previous = previous;
    connection
        .execute(
            "INSERT INTO audit (seq, act, recorded_at, actor, kind, valid_on, summary, content, previous, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                entry.seq,
                entry.act,
                entry.recorded_at,
                entry.actor,
                entry.kind,
                entry.valid_on,
                entry.summary,
                entry.content,
                entry.previous,
                entry.hash
            ],
        )
        .map_err(database("append to the audit log"))?;
    Ok(())
}

/// Every entry, in the order of the log.
pub fn entries(connection: &Connection) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = connection
        .prepare(
            "SELECT seq, act, recorded_at, actor, kind, valid_on, summary, content, previous, hash
             FROM audit ORDER BY seq",
        )
        .map_err(database("read the audit log"))?;
    let rows = statement
        .query_map([], |row| {
            Ok(AuditEntry {
                seq: row.get(0)?,
                act: row.get(1)?,
                recorded_at: row.get(2)?,
                actor: row.get(3)?,
                kind: row.get(4)?,
                valid_on: row.get(5)?,
                summary: row.get(6)?,
                content: row.get(7)?,
                previous: row.get(8)?,
                hash: row.get(9)?,
            })
        })
        .map_err(database("read the audit log"))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(database("read the audit log"))
}

/// Checks the chain, and that it agrees with the acts and the orders: the
/// first problem found, or `None`.
pub fn verify(connection: &Connection) -> Result<Option<AuditProblem>, StoreError> {
    let entries = entries(connection)?;
    let mut previous = GENESIS.to_string();
    let mut expected_seq = 1;
    for entry in &entries {
        if entry.seq != expected_seq {
            return Ok(Some(AuditProblem {
                seq: expected_seq,
                problem: format!(
                    "entry {expected_seq} is missing (the next is {}): it was deleted",
                    entry.seq
                ),
            }));
        }
        if entry.previous != previous {
            return Ok(Some(AuditProblem {
                seq: entry.seq,
                problem: format!(
                    "entry {} does not follow the entry before it: it was changed, moved, or one before it was",
                    entry.seq
                ),
            }));
        }
        if entry_hash(&previous, entry) != entry.hash {
            return Ok(Some(AuditProblem {
                seq: entry.seq,
                problem: format!(
                    "entry {} was changed: its hash does not match its fields",
                    entry.seq
                ),
            }));
        }
        if let Some(act) = entry.act
            && let Some(problem) = check_act(connection, act, entry)?
        {
            return Ok(Some(AuditProblem { seq: entry.seq, problem }));
        }
        previous = entry.hash.clone();
        expected_seq += 1;
    }
    // Every act has its entry: an act without one means entries were cut
    // from the end of the log.
    let unaudited: Option<i64> = connection
        .query_row(
            "SELECT id FROM acts WHERE id NOT IN (SELECT act FROM audit WHERE act IS NOT NULL) ORDER BY id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(database("match the acts with the audit log"))?;
    if let Some(act) = unaudited {
        return Ok(Some(AuditProblem {
            seq: expected_seq,
            problem: format!(
                "act {act} has no entry in the audit log: entries were deleted from its end"
            ),
        }));
    }
    Ok(None)
}

/// Whether the act's row, and for an order its document, still match the
/// entry.
fn check_act(
    connection: &Connection,
    act: i64,
    entry: &AuditEntry,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String, String, String, String, String)> = connection
        .query_row(
            "SELECT kind, valid_on, recorded_at, actor, summary FROM acts WHERE id = ?1",
            [act],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
        )
        .optional()
        .map_err(database("read an act"))?;
    let Some((kind, valid_on, recorded_at, actor, summary)) = row else {
        return Ok(Some(format!("act {act} of entry {} is gone from the acts", entry.seq)));
    };
    if kind != entry.kind
        || Some(&valid_on) != entry.valid_on.as_ref()
        || recorded_at != entry.recorded_at
        || actor != entry.actor
        || summary != entry.summary
    {
        return Ok(Some(format!("act {act} was changed since entry {} recorded it", entry.seq)));
    }
    let content: Value = serde_json::from_str(&entry.content).unwrap_or(Value::Null);
    if let Some(digest) = content.get("document_sha256").and_then(Value::as_str) {
        let document: Option<String> = connection
            .query_row("SELECT document FROM orders WHERE act = ?1", [act], |row| row.get(0))
            .optional()
            .map_err(database("read an order"))?;
        match document {
            Some(document) if sha256_hex(&document) == digest => {}
            _ => {
                return Ok(Some(format!(
                    "the order issued by act {act} was changed since entry {} recorded it",
                    entry.seq
                )));
            }
        }
    }
    Ok(None)
}
