//! The rows each act wrote, table by table, as the audit log records them.
//!
//! [`TABLES`] is the registry of the tables whose rows are written by acts:
//! every such row names its act in the column `act`. An act's audit entry
//! carries, for each table it wrote rows to, their number and the SHA-256 of
//! their canonical encoding ([`encode`]: every column in the registry's
//! order, each value with its SQLite type), in the order they were written
//! (rowid order). The implicit rowid of a table keyed otherwise is left out,
//! since `VACUUM` may renumber it; a declared `id INTEGER PRIMARY KEY`, which
//! `replaces` refers to, is a column like the others and is hashed.
//!
//! When an act is recorded, its rows are read back inside its own
//! transaction (those after the [`Marks`] taken when it began) and hashed.
//! An import hashes its rows as it writes them instead ([`HashedInsert`],
//! the same encoder over the values bound): reading back the 5.7 million
//! rows of a million people would add a sixth to the import, hashing them
//! as written adds about 6%. A test checks that both give the same digests.
//! When the log is verified, each table is read once, in rowid order, and
//! its rows are hashed by act ([`stored`]).
//!
//! A column added to a registered table later changes the encoding of the
//! rows written before: such a migration must keep verifying them with the
//! columns they were hashed with.

use std::collections::{BTreeMap, HashMap};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, ToSql};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// A table whose rows are written by acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    /// Every column, in the order of the schema and of the encoding.
    pub columns: &'static [&'static str],
    /// Whether its first column, `id`, is the rowid (`INTEGER PRIMARY
    /// KEY`): SQLite numbers it on insert.
    pub rowid_id: bool,
}

impl Table {
    const fn new(name: &'static str, columns: &'static [&'static str]) -> Table {
        Table { name, columns, rowid_id: false }
    }

    const fn numbered(name: &'static str, columns: &'static [&'static str]) -> Table {
        Table { name, columns, rowid_id: true }
    }
}

/// Every table whose rows are written by acts, in the order the audit log
/// lists them. A table added to the schema must be added here: a test fails
/// while one with an `act` column is missing.
pub const TABLES: &[Table] = &[
    Table::new("calendars", &["act", "spring", "autumn"]),
    Table::new("organisations", &["id", "act", "name", "kind", "parent"]),
    Table::new("units", &["id", "act", "name", "parent", "branch", "tags", "administration"]),
    Table::new("sites", &["id", "act", "name", "province", "kind"]),
    Table::new(
        "campaigns",
        &["id", "act", "site", "from_day", "to_day", "required", "required_technicians"],
    ),
    Table::new(
        "people",
        &[
            "id",
            "act",
            "name",
            "born",
            "sex",
            "home_province",
            "home_county",
            "branch",
            "rank",
            "specialty",
            "enlisted",
            "term_months",
        ],
    ),
    Table::numbered("service", &["id", "act", "replaces", "person", "unit", "from_day", "to_day"]),
    Table::numbered(
        "deployments",
        &["id", "act", "replaces", "unit", "person", "site", "campaign", "from_day", "to_day"],
    ),
    Table::numbered("events", &["id", "act", "person", "day", "kind", "ref", "detail"]),
    Table::new("orders", &["id", "act", "document", "override", "impact"]),
    Table::new("revocations", &["order_id", "act", "on_day", "reason"]),
    Table::new("lists", &["id", "act", "kind", "owner", "title", "quota"]),
    Table::numbered("list_entries", &["id", "act", "list", "person", "action"]),
    Table::numbered("notices", &["id", "act", "organisation", "order_id", "list", "message"]),
    Table::numbered(
        "users",
        &["id", "act", "name", "organisation", "role", "password_hash", "disabled"],
    ),
    Table::numbered("tokens", &["id", "act", "user_name", "label", "token_sha256"]),
    Table::new("reversals", &["act", "reversed", "reason"]),
    Table::new("act_keys", &["key", "act"]),
    Table::numbered(
        "papers",
        &[
            "id",
            "act",
            "document",
            "person",
            "scope",
            "grounds",
            "text",
            "issuer",
            "official",
            "issued_on",
            "valid_from",
            "valid_until",
        ],
    ),
    Table::numbered("paper_revocations", &["id", "act", "paper", "on_day", "reason"]),
    Table::numbered("paper_notes", &["id", "act", "paper", "note"]),
    Table::new("exemption_limits", &["act", "document"]),
];

/// The tables of the schema that hold no rows of an act, and how each is
/// covered instead.
pub const NOT_ROWS_OF_ACTS: &[(&str, &str)] = &[
    ("acts", "each act's row is compared, field by field, with its entry"),
    ("audit", "the log itself: each entry's hash covers the one before"),
    (
        "audit_tree",
        "the log's Merkle tree: each leaf is checked against its entry, each node against its children",
    ),
    ("migrations", "the schema version, written by no act"),
];

/// The table named `name`, if the registry has it.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|table| table.name == name)
}

/// The rowids of the rows act `act` wrote to a table, as a half-open
/// range, found without an index on `act`: rows are only ever appended,
/// each by the act being recorded, and acts are recorded one after the
/// other, so `act` never decreases in rowid order (and rowids have no
/// gaps). Two searches of point reads, each galloping back from the last
/// row and then halving: a few reads for the act just written.
pub fn rowids_of_act(
    connection: &Connection,
    table: &str,
    act: i64,
) -> Result<(i64, i64), StoreError> {
    let failed = |source| StoreError::Database { doing: "find the rows of an act", source };
    let last: i64 = connection
        .query_row(&format!("SELECT coalesce(max(rowid), 0) FROM {table}"), [], |row| row.get(0))
        .map_err(failed)?;
    let mut statement = connection
        .prepare_cached(&format!("SELECT act FROM {table} WHERE rowid = ?1"))
        .map_err(failed)?;
    // The first rowid whose act is at least `wanted`: galloping back from
    // the last row (the act asked about is most often the one just
    // written, whose rows are the last), then halving.
    let mut first_from = |wanted: i64| -> Result<i64, StoreError> {
        let mut act_at =
            |rowid: i64| statement.query_row([rowid], |row| row.get::<_, i64>(0)).optional();
        let (mut low, mut high) = (1, last + 1);
        let mut step = 1;
        while high - step >= 1 {
            let probe = high - step;
            match act_at(probe).map_err(failed)? {
                Some(at) if at < wanted => {
                    low = probe + 1;
                    break;
                }
                _ => {
                    high = probe;
                    step *= 2;
                }
            }
        }
        while low < high {
            let middle = low + (high - low) / 2;
            match act_at(middle).map_err(failed)? {
                Some(at) if at < wanted => low = middle + 1,
                _ => high = middle,
            }
        }
        Ok(low)
    };
    let start = first_from(act)?;
    let end = first_from(act + 1)?;
    Ok((start, end))
}

/// The rows an act wrote to a table, each an object of its columns (as
/// `act show` gives them), in the order written.
pub fn of_act(connection: &Connection, table: &Table, act: i64) -> Result<Vec<Value>, StoreError> {
    let (start, end) = rowids_of_act(connection, table.name, act)?;
    let sql = format!(
        "SELECT {} FROM {} WHERE rowid >= ?1 AND rowid < ?2 AND act = ?3 ORDER BY rowid",
        table.columns.join(", "),
        table.name
    );
    let failed = |source| StoreError::Database { doing: "read the rows of an act", source };
    let mut statement = connection.prepare_cached(&sql).map_err(failed)?;
    let mut rows = statement.query(rusqlite::params![start, end, act]).map_err(failed)?;
    let mut written = Vec::new();
    while let Some(row) = rows.next().map_err(failed)? {
        let mut object = Map::new();
        for (index, column) in table.columns.iter().enumerate() {
            if *column == "act" {
                continue;
            }
            let value = match row.get_ref(index).map_err(failed)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(value) => json!(value),
                ValueRef::Real(value) => json!(value),
                ValueRef::Text(text) => json!(String::from_utf8_lossy(text)),
                ValueRef::Blob(blob) => json!(format!("{} bytes", blob.len())),
            };
            object.insert((*column).to_string(), value);
        }
        written.push(Value::Object(object));
    }
    Ok(written)
}

/// The registered table `name`; the store asks only for tables it has.
pub fn registered(name: &str) -> Result<&'static Table, StoreError> {
    table(name).ok_or_else(|| StoreError::Corrupt {
        what: format!("rows of `{name}`, a table the audit registry does not know"),
    })
}

fn database(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Database { doing, source }
}

/// Appends one value in the canonical encoding: a byte for its type (0
/// NULL, 1 integer, 2 real, 3 text, 4 blob), then for an integer its
/// zigzag LEB128 varint, for a real the 8 bytes of its IEEE 754 bits
/// (big-endian), for a text or blob its length as a LEB128 varint and its
/// bytes. Every value says where it ends, so a row is its values one after
/// the other; varints are always written in their shortest form.
pub fn encode(value: ValueRef<'_>, out: &mut Vec<u8>) {
    match value {
        ValueRef::Null => out.push(0),
        ValueRef::Integer(integer) => {
            out.push(1);
            varint(((integer << 1) ^ (integer >> 63)) as u64, out);
        }
        ValueRef::Real(real) => {
            out.push(2);
            out.extend_from_slice(&real.to_bits().to_be_bytes());
        }
        ValueRef::Text(bytes) => {
            out.push(3);
            varint(bytes.len() as u64, out);
            out.extend_from_slice(bytes);
        }
        ValueRef::Blob(bytes) => {
            out.push(4);
            varint(bytes.len() as u64, out);
            out.extend_from_slice(bytes);
        }
    }
}

/// An unsigned LEB128 varint: 7 bits a byte, low bits first, the high bit
/// set on every byte but the last.
fn varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The number of an act's rows in one table, and the SHA-256 of their
/// encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rows {
    pub count: u64,
    pub sha256: String,
}

impl Rows {
    /// As the audit entry carries it.
    pub fn to_json(&self) -> Value {
        json!({"rows": self.count, "sha256": self.sha256})
    }

    /// Read from an audit entry; `None` if it is not of that shape.
    pub fn from_json(value: &Value) -> Option<Rows> {
        Some(Rows {
            count: value.get("rows")?.as_u64()?,
            sha256: value.get("sha256")?.as_str()?.to_string(),
        })
    }
}

/// The rows of one act in one table, being hashed. Rows are encoded into
/// a buffer that is hashed a block of 64 KiB at a time: the hasher is then
/// called once for many rows.
#[derive(Clone, Default)]
pub struct Hashing {
    count: u64,
    hasher: Sha256,
    pending: Vec<u8>,
}

impl Hashing {
    const BLOCK: usize = 1 << 16;

    /// Where the next row is encoded: call [`Hashing::end_row`] after it.
    pub fn row(&mut self) -> &mut Vec<u8> {
        &mut self.pending
    }

    /// Ends the row just encoded.
    pub fn end_row(&mut self) {
        self.count += 1;
        if self.pending.len() >= Self::BLOCK {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
    }

    pub fn finish(mut self) -> Rows {
        self.hasher.update(&self.pending);
        Rows { count: self.count, sha256: hex(&self.hasher.finalize()) }
    }
}

/// The last rowid of every registered table before an act: the rows it
/// writes come after.
#[derive(Clone, Debug)]
pub struct Marks(Vec<i64>);

impl Marks {
    /// Marks before any row: the rows of an act are then all of them.
    #[cfg(test)]
    pub fn none() -> Marks {
        Marks(vec![0; TABLES.len()])
    }
}

/// Takes the marks, at the start of an act's transaction: one query.
pub fn marks(connection: &Connection) -> Result<Marks, StoreError> {
    let columns: Vec<String> = TABLES
        .iter()
        .map(|table| format!("(SELECT coalesce(max(rowid), 0) FROM {})", table.name))
        .collect();
    let mut statement = connection
        .prepare_cached(&format!("SELECT {}", columns.join(", ")))
        .map_err(database("mark the tables before an act"))?;
    let marks = statement
        .query_row([], |row| (0..TABLES.len()).map(|index| row.get(index)).collect())
        .map_err(database("mark the tables before an act"))?;
    Ok(Marks(marks))
}

/// What an act's entry records of its rows: for each table it wrote rows
/// to, in the registry's order, their number and digest.
pub type Written = Vec<(&'static str, Rows)>;

/// The rows act `act` wrote since `marks`, read back inside its
/// transaction, with `hashed` (tables whose rows were hashed as they were
/// written) taken as they are.
pub fn written(
    connection: &Connection,
    marks: &Marks,
    act: i64,
    hashed: &[(&'static str, Rows)],
) -> Result<Written, StoreError> {
    let mut written = Vec::new();
    for (table, mark) in TABLES.iter().zip(&marks.0) {
        if let Some((_, rows)) = hashed.iter().find(|(name, _)| *name == table.name) {
            if rows.count > 0 {
                written.push((table.name, rows.clone()));
            }
            continue;
        }
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT {} FROM {} WHERE rowid > ?1 AND act = ?2 ORDER BY rowid",
                table.columns.join(", "),
                table.name
            ))
            .map_err(database("read an act's rows back"))?;
        let mut rows =
            statement.query([*mark, act]).map_err(database("read an act's rows back"))?;
        let mut hashing = Hashing::default();
        while let Some(row) = rows.next().map_err(database("read an act's rows back"))? {
            for index in 0..table.columns.len() {
                encode(
                    row.get_ref(index).map_err(database("read an act's rows back"))?,
                    hashing.row(),
                );
            }
            hashing.end_row();
        }
        if hashing.count > 0 {
            written.push((table.name, hashing.finish()));
        }
    }
    Ok(written)
}

/// The `tables` of an entry's content.
pub fn written_json(written: &Written) -> Value {
    let map: Map<String, Value> =
        written.iter().map(|(table, rows)| ((*table).to_string(), rows.to_json())).collect();
    Value::Object(map)
}

/// An `INSERT` into a registered table that hashes each row it writes, as
/// the act's entry will record it. (Hashing on a thread of its own costs
/// more than it saves: once a second thread exists, every mutex SQLite
/// takes becomes an atomic operation.)
pub struct HashedInsert<'connection> {
    table: &'static Table,
    statement: rusqlite::CachedStatement<'connection>,
    hashing: Hashing,
}

impl<'connection> HashedInsert<'connection> {
    /// The insert of every column of `table` (but a rowid `id`, numbered by
    /// SQLite), in the registry's order.
    pub fn new(
        connection: &'connection Connection,
        table: &'static Table,
    ) -> Result<HashedInsert<'connection>, StoreError> {
        let columns = if table.rowid_id { &table.columns[1..] } else { table.columns };
        let placeholders: Vec<String> =
            (1..=columns.len()).map(|index| format!("?{index}")).collect();
        let statement = connection
            .prepare_cached(&format!(
                "INSERT INTO {} ({}) VALUES ({})",
                table.name,
                columns.join(", "),
                placeholders.join(", ")
            ))
            .map_err(database("prepare the rows"))?;
        Ok(HashedInsert { table, statement, hashing: Hashing::default() })
    }

    /// Writes one row, its values in the order of the insert's columns.
    pub fn execute(
        &mut self,
        connection: &Connection,
        values: &[&dyn ToSql],
        doing: &'static str,
    ) -> Result<(), StoreError> {
        self.statement.execute(values).map_err(database(doing))?;
        let row = self.hashing.row();
        if self.table.rowid_id {
            encode(ValueRef::Integer(connection.last_insert_rowid()), row);
        }
        for value in values {
            match value.to_sql().map_err(database(doing))? {
                ToSqlOutput::Borrowed(value) => encode(value, row),
                ToSqlOutput::Owned(value) => encode(ValueRef::from(&value), row),
                _ => {
                    return Err(StoreError::Corrupt {
                        what: format!("a value written to `{}` of no plain type", self.table.name),
                    });
                }
            }
        }
        self.hashing.end_row();
        Ok(())
    }

    /// The table and what was written to it.
    pub fn finish(self) -> (&'static str, Rows) {
        (self.table.name, self.hashing.finish())
    }
}

/// Bytes in lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Every act's rows as stored, table by table: one pass over each table.
#[derive(Debug, Default)]
pub struct Stored {
    /// By act, then by table.
    pub by_act: BTreeMap<i64, BTreeMap<&'static str, Rows>>,
    /// Rows whose `act` is no integer: the table and the value as text.
    pub strays: Vec<(&'static str, String)>,
}

/// Reads every registered table once, in rowid order, and hashes its rows
/// by act.
pub fn stored(connection: &Connection) -> Result<Stored, StoreError> {
    let mut stored = Stored::default();
    for table in TABLES {
        // A store sealed while being migrated has not yet the tables of
        // the later migrations: they hold no rows.
        let exists: bool = connection
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [table.name],
                |row| row.get(0),
            )
            .map_err(database("read the rows of the acts"))?;
        if !exists {
            continue;
        }
        let act_column =
            table.columns.iter().position(|column| *column == "act").ok_or_else(|| {
                StoreError::Corrupt { what: format!("the table `{}` has no act", table.name) }
            })?;
        let mut statement = connection
            .prepare(&format!(
                "SELECT {} FROM {} ORDER BY rowid",
                table.columns.join(", "),
                table.name
            ))
            .map_err(database("read the rows of the acts"))?;
        let mut rows = statement.query([]).map_err(database("read the rows of the acts"))?;
        let mut by_act: HashMap<i64, Hashing> = HashMap::new();
        // The act of the rows being read, kept aside while its rows follow
        // one another, as they do but where a row was inserted.
        let mut current: Option<(i64, Hashing)> = None;
        while let Some(row) = rows.next().map_err(database("read the rows of the acts"))? {
            let act =
                match row.get_ref(act_column).map_err(database("read the rows of the acts"))? {
                    ValueRef::Integer(act) => act,
                    other => {
                        stored.strays.push((table.name, describe(other)));
                        continue;
                    }
                };
            if current.as_ref().is_none_or(|(id, _)| *id != act) {
                if let Some((id, hashing)) = current.take() {
                    by_act.insert(id, hashing);
                }
                current = Some((act, by_act.remove(&act).unwrap_or_default()));
            }
            if let Some((_, hashing)) = &mut current {
                for index in 0..table.columns.len() {
                    encode(
                        row.get_ref(index).map_err(database("read the rows of the acts"))?,
                        hashing.row(),
                    );
                }
                hashing.end_row();
            }
        }
        if let Some((id, hashing)) = current {
            by_act.insert(id, hashing);
        }
        for (act, hashing) in by_act {
            stored.by_act.entry(act).or_default().insert(table.name, hashing.finish());
        }
    }
    Ok(stored)
}

/// A value as a reader of a message would write it.
fn describe(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => "NULL".to_string(),
        ValueRef::Integer(integer) => integer.to_string(),
        ValueRef::Real(real) => real.to_string(),
        ValueRef::Text(bytes) => format!("'{}'", String::from_utf8_lossy(bytes)),
        ValueRef::Blob(bytes) => format!("a blob of {} bytes", bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: ValueRef<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, &mut out);
        out
    }

    #[test]
    fn the_encoding_tells_the_types_apart() {
        let values = [
            encoded(ValueRef::Null),
            encoded(ValueRef::Integer(1)),
            encoded(ValueRef::Real(1.0)),
            encoded(ValueRef::Text(b"1")),
            encoded(ValueRef::Blob(b"1")),
            encoded(ValueRef::Text(b"")),
            encoded(ValueRef::Integer(0)),
        ];
        for (index, value) in values.iter().enumerate() {
            for other in &values[index + 1..] {
                assert_ne!(value, other);
            }
        }
        assert_eq!(encoded(ValueRef::Integer(0)), [1, 0]);
        assert_eq!(encoded(ValueRef::Integer(-1)), [1, 1]);
        assert_eq!(encoded(ValueRef::Integer(1)), [1, 2]);
        assert_eq!(encoded(ValueRef::Integer(258)), [1, 0x84, 0x04]);
        assert_eq!(encoded(ValueRef::Integer(i64::MIN)).len(), 11);
        assert_eq!(encoded(ValueRef::Integer(i64::MAX)).len(), 11);
        assert_eq!(encoded(ValueRef::Real(1.0)), [2, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(encoded(ValueRef::Text(b"ab")), [3, 2, b'a', b'b']);
        assert_eq!(encoded(ValueRef::Blob(&[7; 200]))[..3], [4, 0xc8, 0x01]);
    }

    #[test]
    fn a_value_cannot_move_into_the_next() {
        // ("ab", "c") and ("a", "bc") are different rows.
        let mut first = encoded(ValueRef::Text(b"ab"));
        first.extend(encoded(ValueRef::Text(b"c")));
        let mut second = encoded(ValueRef::Text(b"a"));
        second.extend(encoded(ValueRef::Text(b"bc")));
        assert_ne!(first, second);
    }

    #[test]
    fn every_registered_table_names_its_act_once() {
        for table in TABLES {
            assert_eq!(
                table.columns.iter().filter(|column| **column == "act").count(),
                1,
                "{}",
                table.name
            );
            if table.rowid_id {
                assert_eq!(table.columns[0], "id", "{}", table.name);
            }
        }
    }
}
