//! The records store of muster.
//!
//! [`Store`] is what the rest of muster asks of a store; [`SqliteStore`] is
//! the default implementation, one SQLite file. Every change is an act,
//! written in one transaction that takes the write lock up front, so that a
//! change is stored whole or not at all, and nothing is updated in place.

mod sqlite;

use std::time::Duration;

use chrono::NaiveDate;
use muster_core::{Act, ActId, Calendar, Person, PersonFile, Records, Unit, Version};
use muster_dataset::{Dataset, Errors, Mode};

pub use sqlite::SqliteStore;

/// An act about to be recorded: what it is, the day it takes effect, who
/// makes it. The store adds its number and the moment it is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAct {
    pub kind: String,
    pub valid_on: NaiveDate,
    pub actor: String,
    pub summary: String,
}

/// What an import stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub act: ActId,
    /// Rows written, by file name.
    pub written: Vec<(&'static str, u64)>,
    /// Rows equal to what the store held, not written again.
    pub unchanged: u64,
    /// How long each phase took, for those who ask where the time goes.
    pub timings: Vec<(&'static str, Duration)>,
}

/// A person's file as of a day, with every version of his record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRecords {
    /// His record as in effect on the day, with his history.
    pub file: PersonFile,
    /// Every version of his record, in the order recorded.
    pub versions: Vec<Version<Person>>,
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a store already exists at `{path}`")]
    AlreadyExists { path: String },
    #[error("no store at `{path}`: create one with `muster init`")]
    NotFound { path: String },
    #[error("`{path}` is not a muster store: {reason}")]
    NotAStore { path: String, reason: String },
    #[error(
        "the store at `{path}` has schema version {found}, newer than this muster knows ({known})"
    )]
    TooNew { path: String, found: i64, known: i64 },
    #[error("{0}")]
    Invalid(Errors),
    #[error("the store could not {doing}: {source}")]
    Database { doing: &'static str, source: rusqlite::Error },
    #[error("the store holds a value it cannot read: {what}")]
    Corrupt { what: String },
}

/// What muster asks of a records store.
pub trait Store {
    /// Checks `dataset` against the records held and stores it as one act,
    /// all or nothing. `progress` hears rows written so far and in all.
    fn import(
        &mut self,
        dataset: Dataset,
        mode: Mode,
        act: NewAct,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportReport, StoreError>;

    /// Every record, each in its latest recorded version.
    fn records(&self) -> Result<Records, StoreError>;

    /// A person's file as of `day`, or `None` when the store has no such
    /// person.
    fn person(&self, id: &str, day: NaiveDate) -> Result<Option<PersonRecords>, StoreError>;

    /// Every unit, in its latest recorded version.
    fn units(&self) -> Result<Vec<Unit>, StoreError>;

    /// The discharge calendar: the last one imported, else the defaults.
    fn calendar(&self) -> Result<Calendar, StoreError>;

    /// Every act, in the order recorded.
    fn acts(&self) -> Result<Vec<Act>, StoreError>;
}
