//! The import format of muster: a folder of CSV files (and an optional
//! `calendar.toml`), read into typed rows that remember their line, then
//! checked against the records a store already holds.
//!
//! Reading ([`read_dataset`]) catches what one cell or one row can show: a
//! bad date, an unknown word, a missing column; it keeps the rows it could
//! read and the errors it found, and remembers the ids of the rows it left
//! out. Checking ([`check`]) catches what needs the whole: unknown ids,
//! duplicate ids, cycles in the unit tree, overlapping assignments, rows
//! before enlistment or birth, on the rows that were read, and names no
//! error that a row left out would cause (a reference to a left-out id is
//! not unknown). It reports the errors of both, as `FILE:LINE: column
//! COLUMN: message`, and the import stores nothing unless both find none.

mod check;
mod read;

use std::collections::HashSet;
use std::fmt;

pub use check::{Mode, Plan, check};
pub use read::{FILES, read_dataset, read_dataset_with_progress, read_rows};

use muster_core::{
    Assignment, Calendar, Campaign, Deployment, Event, HeldPaper, Organisation, Paper, Person,
    Records, Site, Unit,
};

/// A row with the line it was read from (the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub line: u64,
    pub record: T,
}

/// A dataset as read from its folder, every row with its line.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    /// The calendar, with the line of `calendar.toml` it starts on, when the
    /// file is there.
    pub calendar: Option<Calendar>,
    pub organisations: Vec<Located<Organisation>>,
    pub units: Vec<Located<Unit>>,
    pub sites: Vec<Located<Site>>,
    pub campaigns: Vec<Located<Campaign>>,
    pub people: Vec<Located<Person>>,
    pub assignments: Vec<Located<Assignment>>,
    pub deployments: Vec<Located<Deployment>>,
    pub events: Vec<Located<Event>>,
    /// The rows of `exemptions.csv`.
    pub papers: Vec<Located<Paper>>,
    /// The errors found while reading; the rows that hold them are left out.
    pub errors: Errors,
    /// The ids of the rows left out, file by file.
    pub left_out: LeftOut,
}

/// What reading left out of the files with ids, so that checking the rows
/// that were read raises no error a left-out row would cause.
#[derive(Clone, Debug, Default)]
pub struct LeftOut {
    pub organisations: Unread,
    pub units: Unread,
    pub sites: Unread,
    pub campaigns: Unread,
    pub people: Unread,
}

/// The ids of one file's rows that could not be read, or that the file could
/// not be read to its end (an unusable header, a row whose id is unreadable).
#[derive(Clone, Debug, Default)]
pub struct Unread {
    ids: HashSet<String>,
    all: bool,
}

/// One thing wrong with a dataset, where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetError {
    /// The file name, such as `people.csv`.
    pub file: String,
    pub line: u64,
    /// The column name, or for `calendar.toml` the column number.
    pub column: Option<String>,
    pub message: String,
}

/// Every error found in a dataset, in file and line order.
///
/// Only the first [`Errors::KEPT`] are kept; the rest are counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Errors {
    errors: Vec<DatasetError>,
    not_kept: u64,
}

/// Why a dataset could not be read or imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The rows hold errors; nothing was stored.
    #[error("{0}")]
    Invalid(Errors),
    /// The folder or a file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
}

impl Dataset {
    /// The records of the dataset as they are, without their lines and
    /// without checking them against each other (see `check` for that), or
    /// the errors found while reading.
    pub fn into_records(self) -> Result<Records, ImportError> {
        fn records<T>(rows: Vec<Located<T>>) -> Vec<T> {
            rows.into_iter().map(|row| row.record).collect()
        }
        if !self.errors.is_empty() {
            return Err(ImportError::Invalid(self.errors));
        }
        Ok(Records {
            calendar: self.calendar,
            organisations: records(self.organisations),
            units: records(self.units),
            sites: records(self.sites),
            campaigns: records(self.campaigns),
            people: records(self.people),
            assignments: records(self.assignments),
            deployments: records(self.deployments),
            events: records(self.events),
            // Numbered as an import into an empty store numbers them.
            papers: self
                .papers
                .into_iter()
                .enumerate()
                .map(|(position, row)| HeldPaper {
                    id: paper_id(position as i64 + 1),
                    paper: row.record,
                    revoked: None,
                })
                .collect(),
        })
    }

    /// How many rows the dataset holds, in all its files.
    pub fn row_count(&self) -> u64 {
        [
            self.organisations.len(),
            self.units.len(),
            self.sites.len(),
            self.campaigns.len(),
            self.people.len(),
            self.assignments.len(),
            self.deployments.len(),
            self.events.len(),
            self.papers.len(),
        ]
        .iter()
        .map(|&count| count as u64)
        .sum()
    }
}

/// muster's number of the paper entered as row `row` of the register:
/// `X-000123`.
pub fn paper_id(row: i64) -> String {
    format!("X-{row:06}")
}

/// The row of the register a paper's number names (`X-000123`), or, for a
/// paper read from an `exempted` event (`E-000123`), the event's row.
pub fn paper_row(id: &str) -> Option<(bool, i64)> {
    let (prefix, number) = id.split_once('-')?;
    if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let number = number.parse().ok()?;
    match prefix {
        "X" => Some((true, number)),
        "E" => Some((false, number)),
        _ => None,
    }
}

impl Unread {
    /// Whether a row with this id may have been left out.
    pub fn covers(&self, id: &str) -> bool {
        self.all || (!self.ids.is_empty() && self.ids.contains(id))
    }

    /// Whether every row was read.
    pub fn is_empty(&self) -> bool {
        !self.all && self.ids.is_empty()
    }

    /// Remembers a row left out, with its id when it could be read.
    pub(crate) fn insert(&mut self, id: Option<&str>) {
        match id {
            Some(id) => {
                if !id.is_empty() {
                    self.ids.insert(id.to_string());
                }
            }
            None => self.all = true,
        }
    }

    /// Remembers that the rest of the file could not be read.
    pub(crate) fn rest(&mut self) {
        self.all = true;
    }
}

impl DatasetError {
    /// An error in a named column of a row.
    pub fn at(file: &str, line: u64, column: &str, message: impl Into<String>) -> DatasetError {
        DatasetError {
            file: file.to_string(),
            line,
            column: Some(column.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => {
                write!(f, "{}:{}: column {}: {}", self.file, self.line, column, self.message)
            }
            None => write!(f, "{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

impl Errors {
    /// How many errors are kept in full; past that they are only counted.
    pub const KEPT: usize = 10_000;

    /// Adds an error.
    pub fn push(&mut self, error: DatasetError) {
        if self.errors.len() < Self::KEPT {
            self.errors.push(error);
        } else {
            self.not_kept += 1;
        }
    }

    /// Whether no error was found.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many errors were found in all.
    pub fn count(&self) -> u64 {
        self.errors.len() as u64 + self.not_kept
    }

    /// The errors kept, in file and line order.
    pub fn errors(&self) -> &[DatasetError] {
        &self.errors
    }

    /// Adds every error of `other`.
    pub fn extend(&mut self, other: Errors) {
        self.not_kept += other.not_kept;
        for error in other.errors {
            self.push(error);
        }
    }

    /// Puts the errors in the order of the files (as [`FILES`] lists them),
    /// then of lines.
    pub fn sort(&mut self) {
        let rank =
            |file: &str| FILES.iter().position(|known| *known == file).unwrap_or(FILES.len());
        self.errors.sort_by(|a, b| {
            (rank(&a.file), &a.file, a.line).cmp(&(rank(&b.file), &b.file, b.line))
        });
    }

    /// The report a user reads: the first `limit` errors, one a line, then
    /// how many more there are.
    pub fn report(&self, limit: usize) -> String {
        let mut text = String::new();
        for error in self.errors.iter().take(limit) {
            text.push_str(&error.to_string());
            text.push('\n');
        }
        let rest = self.count().saturating_sub(limit as u64);
        if rest > 0 {
            text.push_str(&format!(
                "… and {rest} more error{}\n",
                if rest == 1 { "" } else { "s" }
            ));
        }
        text
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.count();
        write!(f, "the dataset has {count} error{}", if count == 1 { "" } else { "s" })
    }
}
