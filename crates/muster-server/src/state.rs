//! What every request works on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use muster_access::Policies;
use muster_orders::{OrderBook, World};
use muster_store::{SqliteStore, Store};

use crate::error::ApiError;

/// The records and orders as of the last act, shared by requests.
pub struct Snapshot {
    pub world: World,
    pub book: OrderBook,
}

/// The state of the server: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: PathBuf,
    policies: Policies,
    /// The snapshot, with the number of the last act it holds.
    snapshot: Mutex<Option<(i64, Arc<Snapshot>)>>,
}

impl AppState {
    /// The state for a store, with the policies in force.
    pub fn new(db: &Path, policies: Policies) -> AppState {
        AppState(Arc::new(Inner { db: db.to_path_buf(), policies, snapshot: Mutex::new(None) }))
    }

    pub fn policies(&self) -> &Policies {
        &self.0.policies
    }

    /// A connection to the store.
    pub fn store(&self) -> Result<SqliteStore, ApiError> {
        Ok(SqliteStore::open(&self.0.db)?)
    }

    /// The records and orders as of the last act, read again when an act
    /// has been recorded since they were read.
    pub fn snapshot(&self, store: &SqliteStore) -> Result<Arc<Snapshot>, ApiError> {
        let last = store.last_act()?;
        let mut cached = self.0.snapshot.lock().map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "the snapshot lock is poisoned",
            )
        })?;
        if let Some((act, snapshot)) = cached.as_ref()
            && *act == last
        {
            return Ok(Arc::clone(snapshot));
        }
        let snapshot = Arc::new(Snapshot {
            world: muster_store::load::world(store)?,
            book: muster_store::load::book(store)?,
        });
        *cached = Some((last, Arc::clone(&snapshot)));
        Ok(snapshot)
    }
}
