//! The SQLite store read in bulk ([`muster_core::scan::RecordScan`]): each
//! part of a table on a connection of its own, opened read-only with the
//! file's pages mapped rather than copied, so that parts are read on both
//! cores; days are read from their bytes.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use muster_core::scan::{
    AssignmentRow, DeploymentRow, EventRow, PaperRow, PersonRow, RecordScan, ScanError, Table,
};
use muster_core::{EventKind, Records};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};

/// How many parts each table of people and their history is read in.
const PARTS: i64 = 4;

/// A SQLite store file, read in bulk.
pub struct SqliteScan {
    path: PathBuf,
    /// For each table, the rowid bounds of its parts.
    parts: [Vec<(i64, i64)>; 3],
}

fn failed(error: rusqlite::Error) -> ScanError {
    ScanError(format!("the store could not be read: {error}"))
}

fn corrupt(what: impl std::fmt::Display) -> ScanError {
    ScanError(format!("the store holds a value it cannot read: {what}"))
}

fn table_name(table: Table) -> &'static str {
    match table {
        Table::People => "people",
        Table::Service => "service",
        Table::Events => "events",
    }
}

fn table_index(table: Table) -> usize {
    match table {
        Table::People => 0,
        Table::Service => 1,
        Table::Events => 2,
    }
}

impl SqliteScan {
    /// A scan of the store at `path`, its tables cut into parts of their
    /// rowids.
    pub fn new(path: &Path) -> Result<SqliteScan, ScanError> {
        let connection = open(path)?;
        let mut parts: [Vec<(i64, i64)>; 3] = Default::default();
        for table in [Table::People, Table::Service, Table::Events] {
            let name = table_name(table);
            // Each bound on its own, for SQLite to find it without a scan.
            let bound = |order: &str| -> Result<Option<i64>, ScanError> {
                let sql = format!("SELECT rowid FROM {name} ORDER BY rowid {order} LIMIT 1");
                let mut statement = connection.prepare(&sql).map_err(failed)?;
                let mut rows = statement.query([]).map_err(failed)?;
                match rows.next().map_err(failed)? {
                    Some(row) => Ok(Some(row.get(0).map_err(failed)?)),
                    None => Ok(None),
                }
            };
            let own = &mut parts[table_index(table)];
            let (Some(low), Some(high)) = (bound("ASC")?, bound("DESC")?) else {
                own.push((1, 0));
                continue;
            };
            let size = (high - low) / PARTS + 1;
            let mut from = low;
            while from <= high {
                own.push((from, (from + size - 1).min(high)));
                from += size;
            }
        }
        Ok(SqliteScan { path: path.to_path_buf(), parts })
    }

    fn bounds(&self, table: Table, part: usize) -> Result<(i64, i64), ScanError> {
        self.parts[table_index(table)]
            .get(part)
            .copied()
            .ok_or_else(|| ScanError(format!("no part {part} of {}", table_name(table))))
    }
}

fn open(path: &Path) -> Result<Connection, ScanError> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    // Pages mapped rather than copied into SQLite's cache.
    connection.execute_batch("PRAGMA mmap_size = 17179869184").map_err(failed)?;
    Ok(connection)
}

const PEOPLE: &str = "SELECT id, name, born, sex, home_province, home_county, branch, rank,
                             specialty, enlisted, term_months FROM people
                      WHERE act NOT IN (SELECT reversed FROM reversals)";

impl RecordScan for SqliteScan {
    fn small_records(&self) -> Result<Records, ScanError> {
        let connection = open(&self.path)?;
        crate::sqlite::small_records(&connection).map_err(|error| ScanError(error.to_string()))
    }

    fn parts(&self, table: Table) -> Result<usize, ScanError> {
        Ok(self.parts[table_index(table)].len())
    }

    fn people(&self, part: usize, visit: &mut dyn FnMut(PersonRow<'_>)) -> Result<(), ScanError> {
        let (low, high) = self.bounds(Table::People, part)?;
        let connection = open(&self.path)?;
        let sql = format!("{PEOPLE} AND rowid BETWEEN ?1 AND ?2");
        read_people(&connection, &sql, [low, high], visit)
    }

    fn people_in_order(&self, visit: &mut dyn FnMut(PersonRow<'_>)) -> Result<(), ScanError> {
        let connection = open(&self.path)?;
        let sql = format!("{PEOPLE} ORDER BY id, act");
        read_people(&connection, &sql, [], visit)
    }

    fn service(
        &self,
        part: usize,
        visit: &mut dyn FnMut(AssignmentRow<'_>),
    ) -> Result<(), ScanError> {
        let (low, high) = self.bounds(Table::Service, part)?;
        let connection = open(&self.path)?;
        // Rows that a later row replaces are left out, as the store reads
        // them (the replaced ids are found by their own index).
        let mut statement = connection
            .prepare(
                "SELECT person, unit, from_day, to_day FROM service
                 WHERE id BETWEEN ?1 AND ?2
                   AND act NOT IN (SELECT reversed FROM reversals)
                   AND id NOT IN (SELECT replaces FROM service WHERE replaces IS NOT NULL
                                  AND act NOT IN (SELECT reversed FROM reversals))
                 ORDER BY id",
            )
            .map_err(failed)?;
        let mut rows = statement.query([low, high]).map_err(failed)?;
        while let Some(row) = rows.next().map_err(failed)? {
            visit(AssignmentRow {
                person: text(row, 0)?,
                unit: text(row, 1)?,
                from: day(row, 2)?,
                to: optional_day(row, 3)?,
            });
        }
        Ok(())
    }

    fn events(&self, part: usize, visit: &mut dyn FnMut(EventRow<'_>)) -> Result<(), ScanError> {
        let (low, high) = self.bounds(Table::Events, part)?;
        let connection = open(&self.path)?;
        let mut statement = connection
            .prepare(
                "SELECT person, day, kind, ref, detail FROM events
                 WHERE id BETWEEN ?1 AND ?2 AND act NOT IN (SELECT reversed FROM reversals)
                 ORDER BY id",
            )
            .map_err(failed)?;
        let mut rows = statement.query([low, high]).map_err(failed)?;
        let mut last_kind: Option<(String, EventKind)> = None;
        while let Some(row) = rows.next().map_err(failed)? {
            let kind_text = text(row, 2)?;
            let kind = match &last_kind {
                Some((text, kind)) if text == kind_text => *kind,
                _ => {
                    let kind: EventKind = kind_text
                        .parse()
                        .map_err(|_| corrupt(format!("the event kind `{kind_text}`")))?;
                    last_kind = Some((kind_text.to_string(), kind));
                    kind
                }
            };
            visit(EventRow {
                person: text(row, 0)?,
                date: day(row, 1)?,
                kind,
                reference: text(row, 3)?,
                detail: text(row, 4)?,
            });
        }
        Ok(())
    }

    fn deployments(&self, visit: &mut dyn FnMut(DeploymentRow<'_>)) -> Result<(), ScanError> {
        let connection = open(&self.path)?;
        let mut statement = connection
            .prepare(
                "SELECT unit, person, site, campaign, from_day, to_day FROM deployments d
                 WHERE act NOT IN (SELECT reversed FROM reversals)
                   AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.replaces = d.id
                                   AND r.act NOT IN (SELECT reversed FROM reversals))
                 ORDER BY id",
            )
            .map_err(failed)?;
        let mut rows = statement.query([]).map_err(failed)?;
        while let Some(row) = rows.next().map_err(failed)? {
            visit(DeploymentRow {
                unit: optional_text(row, 0)?,
                person: optional_text(row, 1)?,
                site: text(row, 2)?,
                campaign: text(row, 3)?,
                from: day(row, 4)?,
                to: optional_day(row, 5)?,
            });
        }
        Ok(())
    }

    fn papers(&self, visit: &mut dyn FnMut(PaperRow<'_>)) -> Result<(), ScanError> {
        let connection = open(&self.path)?;
        let papers = crate::sqlite::held_papers(&connection, "?1 = ''", "")
            .map_err(|error| ScanError(error.to_string()))?;
        for (held, _) in &papers {
            if let Some((from, to)) = held.period() {
                visit(PaperRow { person: &held.paper.person, scope: &held.paper.scope, from, to });
            }
        }
        Ok(())
    }
}

fn read_people(
    connection: &Connection,
    sql: &str,
    parameters: impl rusqlite::Params,
    visit: &mut dyn FnMut(PersonRow<'_>),
) -> Result<(), ScanError> {
    let mut statement = connection.prepare(sql).map_err(failed)?;
    let mut rows = statement.query(parameters).map_err(failed)?;
    while let Some(row) = rows.next().map_err(failed)? {
        let term_months: Option<i64> = row.get(10).map_err(failed)?;
        visit(PersonRow {
            id: text(row, 0)?,
            name: text(row, 1)?,
            born: day(row, 2)?,
            sex: text(row, 3)?,
            home_province: text(row, 4)?,
            home_county: text(row, 5)?,
            branch: text(row, 6)?,
            rank: text(row, 7)?,
            specialty: text(row, 8)?,
            enlisted: optional_day(row, 9)?,
            term_months: term_months
                .map(|months| {
                    u32::try_from(months).map_err(|_| corrupt(format!("a term of {months} months")))
                })
                .transpose()?,
        });
    }
    Ok(())
}

fn text<'row>(row: &'row Row<'_>, index: usize) -> Result<&'row str, ScanError> {
    Ok(optional_text(row, index)?.unwrap_or(""))
}

fn optional_text<'row>(row: &'row Row<'_>, index: usize) -> Result<Option<&'row str>, ScanError> {
    match row.get_ref(index).map_err(failed)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => {
            std::str::from_utf8(bytes).map(Some).map_err(|_| corrupt("a text that is not UTF-8"))
        }
        _ => Err(corrupt(format!("a value of column {index} that is not text"))),
    }
}

/// A day written `YYYY-MM-DD`, read from its bytes.
pub(crate) fn parse_day_bytes(bytes: &[u8]) -> Option<NaiveDate> {
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut value = 0u32;
        for &byte in bytes.get(range)? {
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(byte - b'0');
        }
        Some(value)
    };
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

fn optional_day(row: &Row<'_>, index: usize) -> Result<Option<NaiveDate>, ScanError> {
    match row.get_ref(index).map_err(failed)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => parse_day_bytes(bytes)
            .map(Some)
            .ok_or_else(|| corrupt(format!("the day `{}`", String::from_utf8_lossy(bytes)))),
        _ => Err(corrupt(format!("a value of column {index} that is not a day"))),
    }
}

fn day(row: &Row<'_>, index: usize) -> Result<NaiveDate, ScanError> {
    optional_day(row, index)?.ok_or_else(|| corrupt("a missing day"))
}

#[cfg(test)]
mod tests {
    use super::parse_day_bytes;

    #[test]
    fn days_are_read_from_their_bytes() {
        assert_eq!(parse_day_bytes(b"2020-10-01"), chrono::NaiveDate::from_ymd_opt(2020, 10, 1));
        assert_eq!(parse_day_bytes(b"2020-13-01"), None);
        assert_eq!(parse_day_bytes(b"2020-1-01"), None);
        assert_eq!(parse_day_bytes(b"20x0-10-01"), None);
    }
}
