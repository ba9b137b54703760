//! The engine loaded from a store, with progress.

use muster_store::{Store, StoreError};

use crate::engine::{Engine, Progress};

/// Why the engine could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("could not read the store: {0}")]
    Store(#[from] StoreError),
}

/// Loads every record of a store and builds the engine; `progress` hears
/// each step with the work done so far and in all.
pub fn load(store: &dyn Store, progress: Progress<'_>) -> Result<Engine, LoadError> {
    progress("read the store", 0, 1);
    let records = store.records()?;
    progress("read the store", 1, 1);
    Ok(Engine::from_records(records, progress))
}
