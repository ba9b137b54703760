//! The acts and questions of muster over a store, as functions that return
//! data. The command line, the API and the console call these and only
//! present what they return: a check, an issue or a list change means the
//! same wherever it is asked for.
//!
//! Each function takes the store and what it needs loaded from it
//! ([`Loaded`]), decides with the pure core (`muster-orders`), and, for an
//! act, writes the act and its consequences in one transaction of the
//! store. Errors are [`ServiceError`]s: what was not found, what is not
//! valid (with the diagnostics of a text), a conflict, or the store's own.

pub mod chart;
pub mod explain;
pub mod lists;
pub mod orders;
pub mod render;
pub mod stats;
pub mod strength;

use std::sync::Arc;

use chrono::NaiveDate;
use muster_engine::Engine;
use muster_orders::{EntryChange, List, OrderBook, OrderDiagnostic, World};
use muster_store::{SqliteStore, Store, StoreError, StoredList};
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

/// The records and the order book, loaded from the store, and the fast
/// engine when the caller keeps one.
pub struct Loaded {
    pub world: Arc<World>,
    pub book: OrderBook,
    /// The engine built from the same records: questions over everyone
    /// (an order's impact) are asked of it instead of the reference.
    pub engine: Option<Arc<Engine>>,
}

/// Loads the records and every order and revocation.
pub fn load(store: &SqliteStore) -> Result<Loaded, ServiceError> {
    Ok(Loaded {
        world: Arc::new(muster_store::load::world(store)?),
        book: muster_store::load::book(store)?,
        engine: None,
    })
}

/// A list and the changes to its entries.
pub struct LoadedList {
    pub stored: StoredList,
    pub list: List,
    pub changes: Vec<EntryChange>,
}

/// Loads a list, as known on `day`.
pub fn load_list(
    store: &SqliteStore,
    id: &str,
    day: NaiveDate,
) -> Result<LoadedList, ServiceError> {
    let Some(stored) = store.list(id)? else {
        return Err(ServiceError::NotFound(format!("no list `{id}`")));
    };
    if stored.act.valid_on > day {
        return Err(ServiceError::NotFound(format!(
            "list `{id}` was created on {}, after {day}",
            stored.act.valid_on
        )));
    }
    let changes = muster_store::load::list_changes(store, &stored.id)?;
    let list = muster_store::load::list(&stored);
    Ok(LoadedList { stored, list, changes })
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
pub fn organisation_exists(store: &SqliteStore, id: &str) -> Result<bool, ServiceError> {
    Ok(store.organisations()?.iter().any(|organisation| organisation.id == id))
}
