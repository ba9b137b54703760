//! The acts and questions of muster over a store, as functions that return
//! data. The command line, the API and the console call these and only
//! present what they return: a check, an issue or a list change means the
//! same wherever it is asked for.
//!
//! Each function takes the store (any [`Store`]) and what it needs loaded
//! from it: the [`Rules`] for a question about one person, decided by the
//! reference interpreter (`muster-orders`) over his own records; the
//! [`Army`] for a question over many, asked of the engine. It answers with
//! a typed view (`views`), and, for an act, writes the act and its
//! consequences in one transaction of the store. Errors are [`ServiceError`]s: what was not found, what is not
//! valid (with the diagnostics of a text), a conflict, or the store's own.

pub mod acts;
pub mod chart;
pub mod checkpoint;
pub mod exemptions;
pub mod explain;
pub mod lists;
mod load;
pub mod model;
pub mod orders;
pub mod people;
pub mod records;
pub mod render;
pub mod reports;
pub mod views;

pub use model::{Army, CatchUp, Custody, ListRecord, Rules};
pub use muster_cel::check::Readable;
pub use muster_cel::{Budget, REQUEST_BUDGET, Stop};
pub use muster_orders::EntryStatus;

use muster_orders::OrderDiagnostic;
use muster_store::{Store, StoreError};
use serde_json::{Value, json};

/// Why a question or an act could not be answered or done.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// What was asked about does not exist (as of the day asked).
    #[error("{0}")]
    NotFound(String),
    /// What was given is not valid.
    #[error("{0}")]
    Invalid(String),
    /// A text (an order, a condition) has errors.
    #[error("`{name}` has {} error{}", diagnostics.len(), if diagnostics.len() == 1 { "" } else { "s" })]
    Diagnostics { name: String, text: String, diagnostics: Vec<OrderDiagnostic> },
    /// An order conflicts with orders in force.
    #[error("{message}")]
    Conflict {
        /// The order's id.
        order: String,
        /// One line per conflict, in words.
        lines: Vec<String>,
        message: String,
        conflicts: Vec<muster_orders::Conflict>,
    },
    /// The question's budget stopped it: it cost more than a request may
    /// spend, passed its deadline, or was cancelled. Nothing is answered in
    /// part.
    #[error("the question was stopped: {0}")]
    Stopped(muster_cel::Stop),
    /// An act refused by the state of the records or by an order: nothing
    /// was written. `details` carries what decided it (the rules that
    /// exclude a person, as `list show` gives them).
    #[error("{message}")]
    Refused { message: String, details: Option<Value> },
    /// A paper that breaks a limit in force (`spec/exemptions.md`):
    /// nothing was written; `breaches` names each limit and why.
    #[error("{message}")]
    OverLimit { message: String, breaches: Value },
    /// A value given to an act is not valid (in the words of the import).
    #[error("{0}")]
    InvalidValue(String),
    /// The caller may not do the act on what it is about, as the act's
    /// transaction read it: nothing was written.
    #[error("the act is not allowed")]
    Denied(Box<acts::Subject>),
    /// The caller may not do an act on a paper, as its transaction read
    /// the paper: nothing was written.
    #[error("the act is not allowed")]
    PaperDenied(Box<exemptions::PaperSubject>),
    /// Something that is not the caller's doing went wrong.
    #[error("{0}")]
    Internal(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<muster_engine::EngineError> for ServiceError {
    fn from(error: muster_engine::EngineError) -> ServiceError {
        match error {
            muster_engine::EngineError::Stopped(stop) => ServiceError::Stopped(stop),
        }
    }
}

impl ServiceError {
    /// The error as JSON: its message, and the diagnostics or conflicts it
    /// carries.
    pub fn details(&self) -> Option<Value> {
        match self {
            ServiceError::Diagnostics { name, text, diagnostics } => Some(json!({
                "source": name,
                "diagnostics": diagnostics.iter().map(|diagnostic| diagnostic_json(text, diagnostic)).collect::<Vec<_>>(),
                "rendered": render::render(name, text, diagnostics),
            })),
            ServiceError::Conflict { conflicts, .. } => Some(json!({ "conflicts": conflicts })),
            ServiceError::Refused { details, .. } => details.clone(),
            ServiceError::OverLimit { breaches, .. } => Some(json!({ "breaches": breaches })),
            _ => None,
        }
    }
}

/// A diagnostic as JSON, with the line and column (from 1) where its span
/// starts and ends.
pub fn diagnostic_json(text: &str, diagnostic: &OrderDiagnostic) -> Value {
    let (line, column) = line_column(text, diagnostic.span.start);
    let (end_line, end_column) = line_column(text, diagnostic.span.end);
    json!({
        "message": diagnostic.message,
        "label": diagnostic.label,
        "help": diagnostic.help,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    })
}

/// The line and column (from 1, in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (line, before[start..].chars().count() + 1)
}

/// "1 person", "2 persons".
pub fn persons(count: usize) -> String {
    if count == 1 { "1 person".to_string() } else { format!("{count} persons") }
}

/// "1 entry", "2 entries".
pub fn entries(count: usize) -> String {
    if count == 1 { "1 entry".to_string() } else { format!("{count} entries") }
}

/// Whether the store knows an organisation.
pub fn organisation_exists(store: &dyn Store, id: &str) -> Result<bool, ServiceError> {
    Ok(store.organisations()?.iter().any(|organisation| organisation.id == id))
}
