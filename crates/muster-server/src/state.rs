//! What every request works on: a pool of store connections, the policies,
//! and a snapshot of the records and orders as of the last act.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use muster_access::Policies;
use muster_cel::Budget;
use muster_orders::{EntryChange, List, OrderBook, World};
use muster_service::{Loaded, ServiceError};
use muster_store::{SqliteStore, Store, StoredList};

use crate::error::ApiError;

/// A list, with its entry changes grouped by person.
pub struct SnapshotList {
    pub stored: StoredList,
    pub list: List,
    /// Every change, in the order of the days they take effect.
    pub changes: Vec<EntryChange>,
}

impl SnapshotList {
    /// The list as the policies see it.
    pub fn resource(&self) -> muster_access::Resource {
        muster_access::Resource::List {
            id: self.list.id.clone(),
            owner: self.list.owner.clone(),
            kind: self.list.kind.clone(),
        }
    }
}

/// The records, orders and lists as of the last act, shared by requests.
pub struct Snapshot {
    /// The records (with the engine built from them), the orders.
    pub loaded: Loaded,
    /// The last `import` act the records are read as of.
    records_act: i64,
    pub lists: Vec<SnapshotList>,
    /// For each person ever on a list, the positions in `lists` of the
    /// lists he was on, each with his own entry changes.
    on_lists: HashMap<String, Vec<(usize, Vec<EntryChange>)>>,
    /// The members of lists on days asked about, in nomination order.
    members: Mutex<HashMap<(usize, NaiveDate), Arc<Members>>>,
    /// The callers of the tokens seen since the snapshot was read (an act,
    /// such as disabling a user, makes a new snapshot and so forgets them).
    callers: Mutex<HashMap<String, crate::auth::Caller>>,
}

/// A list's members on a day: each person, his nomination day, and whether
/// he is on it (not removed).
pub type Members = Vec<(String, NaiveDate, bool)>;

/// How many (list, day) member sets a snapshot keeps.
const MEMBER_SETS: usize = 64;

/// Reports the steps of building the engine: the step, done, total.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

impl Snapshot {
    /// Reads the orders and lists; the records and the engine are those of
    /// the previous snapshot unless an import has been recorded since.
    fn read(
        store: &SqliteStore,
        previous: Option<&Snapshot>,
        progress: Progress<'_>,
    ) -> Result<Snapshot, ApiError> {
        let records_act = store.last_act_of("import")?;
        let (world, engine) = match previous {
            Some(previous) if previous.records_act == records_act => (
                Arc::clone(&previous.loaded.world),
                previous.loaded.engine.as_ref().map(Arc::clone),
            ),
            _ => {
                let world = Arc::new(muster_store::load::world(store)?);
                let engine = Arc::new(muster_engine::Engine::from_world(&world, progress));
                (world, Some(engine))
            }
        };
        let loaded = Loaded { world, book: muster_store::load::book(store)?, engine };
        let mut lists = Vec::new();
        let mut on_lists: HashMap<String, Vec<(usize, Vec<EntryChange>)>> = HashMap::new();
        for stored in store.lists()? {
            let changes = muster_store::load::list_changes(store, &stored.id)?;
            let position = lists.len();
            for change in &changes {
                let lists = on_lists.entry(change.person.clone()).or_default();
                match lists.last_mut() {
                    Some((last, own)) if *last == position => own.push(change.clone()),
                    _ => lists.push((position, vec![change.clone()])),
                }
            }
            let list = muster_store::load::list(&stored);
            lists.push(SnapshotList { stored, list, changes });
        }
        Ok(Snapshot {
            loaded,
            records_act,
            lists,
            on_lists,
            members: Mutex::new(HashMap::new()),
            callers: Mutex::new(HashMap::new()),
        })
    }

    pub fn world(&self) -> &World {
        &self.loaded.world
    }

    /// The discharge roster of a cycle as of a day: asked of the engine
    /// when there is one (within the request budget), else of the
    /// reference.
    pub fn roster(
        &self,
        cycle: muster_core::Cycle,
        day: NaiveDate,
        budget: &Budget,
    ) -> Result<muster_orders::Roster, ServiceError> {
        Ok(match self.engine() {
            Some(engine) => engine.roster(self.book(), cycle, day, budget)?,
            None => muster_orders::roster(self.world(), self.book(), cycle, day),
        })
    }

    /// The engine built from the records.
    pub fn engine(&self) -> Option<&muster_engine::Engine> {
        self.loaded.engine.as_deref()
    }

    pub fn book(&self) -> &OrderBook {
        &self.loaded.book
    }

    /// A list by id.
    pub fn list(&self, id: &str) -> Option<&SnapshotList> {
        self.lists.iter().find(|list| list.stored.id == id)
    }

    /// The position of a list by id.
    pub fn list_position(&self, id: &str) -> Option<usize> {
        self.lists.iter().position(|list| list.stored.id == id)
    }

    /// The members of the list at a position on a day (kept for the next
    /// page).
    pub fn members(&self, position: usize, day: NaiveDate) -> Arc<Members> {
        if let Ok(cached) = self.members.lock()
            && let Some(members) = cached.get(&(position, day))
        {
            return Arc::clone(members);
        }
        let members = Arc::new(muster_orders::members(&self.lists[position].changes, day));
        if let Ok(mut cached) = self.members.lock() {
            if cached.len() >= MEMBER_SETS {
                cached.clear();
            }
            cached.insert((position, day), Arc::clone(&members));
        }
        members
    }

    /// A person's own entry changes on the list at a position.
    pub fn own_changes(&self, person: &str, position: usize) -> &[EntryChange] {
        self.on_lists
            .get(person)
            .and_then(|lists| lists.iter().find(|(at, _)| *at == position))
            .map_or(&[], |(_, own)| own.as_slice())
    }

    /// The caller of a token hash, if seen since the snapshot was read.
    pub fn caller(&self, token_sha256: &str) -> Option<crate::auth::Caller> {
        self.callers.lock().ok()?.get(token_sha256).cloned()
    }

    /// Remembers the caller of a token hash.
    pub fn remember_caller(&self, token_sha256: &str, caller: &crate::auth::Caller) {
        if let Ok(mut callers) = self.callers.lock() {
            callers.insert(token_sha256.to_string(), caller.clone());
        }
    }

    /// The owners of the lists a person is on, on a day.
    pub fn list_owners(&self, person: &str, day: NaiveDate) -> Vec<String> {
        let mut owners: Vec<String> = Vec::new();
        for (position, own) in self.on_lists.get(person).into_iter().flatten() {
            let list = &self.lists[*position];
            if list.list.created_on > day {
                continue;
            }
            let active = muster_orders::members(own, day).into_iter().any(|(_, _, active)| active);
            if active && !owners.contains(&list.list.owner) {
                owners.push(list.list.owner.clone());
            }
        }
        owners.sort();
        owners
    }
}

/// The state of the server: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: PathBuf,
    policies: Policies,
    /// Open connections not in use.
    pool: Mutex<Vec<SqliteStore>>,
    /// The snapshot, with the number of the last act it holds.
    snapshot: Mutex<Option<(i64, Arc<Snapshot>)>>,
    /// Sessions of the console, by the SHA-256 of their cookie.
    sessions: Mutex<HashMap<String, Session>>,
}

/// A logged-in user of the console.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: String,
    /// The token a form or script must send back with every change.
    pub csrf: String,
    pub last_seen: Instant,
}

/// A session unused for this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How many idle connections are kept.
const POOL_SIZE: usize = 128;

/// A connection of the pool, returned to it when dropped.
pub struct PooledStore {
    store: Option<SqliteStore>,
    state: AppState,
}

impl Deref for PooledStore {
    type Target = SqliteStore;

    fn deref(&self) -> &SqliteStore {
        // Taken only in `drop`.
        self.store.as_ref().unwrap_or_else(|| unreachable!("a pooled store is taken only on drop"))
    }
}

impl DerefMut for PooledStore {
    fn deref_mut(&mut self) -> &mut SqliteStore {
        self.store.as_mut().unwrap_or_else(|| unreachable!("a pooled store is taken only on drop"))
    }
}

impl Drop for PooledStore {
    fn drop(&mut self) {
        if let (Some(store), Ok(mut pool)) = (self.store.take(), self.state.0.pool.lock())
            && pool.len() < POOL_SIZE
        {
            pool.push(store);
        }
    }
}

impl AppState {
    /// The state for a store, with the policies in force.
    pub fn new(db: &Path, policies: Policies) -> AppState {
        AppState(Arc::new(Inner {
            db: db.to_path_buf(),
            policies,
            pool: Mutex::new(Vec::new()),
            snapshot: Mutex::new(None),
            sessions: Mutex::new(HashMap::new()),
        }))
    }

    pub fn policies(&self) -> &Policies {
        &self.0.policies
    }

    /// A connection to the store, from the pool.
    pub fn store(&self) -> Result<PooledStore, ApiError> {
        let idle = self.0.pool.lock().ok().and_then(|mut pool| pool.pop());
        let store = match idle {
            Some(store) => store,
            None => SqliteStore::open(&self.0.db)?,
        };
        Ok(PooledStore { store: Some(store), state: self.clone() })
    }

    /// The records, orders and lists as of the last act, read again when
    /// an act has been recorded since they were read.
    pub fn snapshot(&self, store: &SqliteStore) -> Result<Arc<Snapshot>, ApiError> {
        self.snapshot_with(store, &mut |_, _, _| {})
    }

    /// Reads the snapshot now (at start, so that the first request does not
    /// wait for it), reporting the engine's build.
    pub fn warm(&self, progress: Progress<'_>) -> Result<(), ApiError> {
        let store = self.store()?;
        self.snapshot_with(&store, progress).map(|_| ())
    }

    fn snapshot_with(
        &self,
        store: &SqliteStore,
        progress: Progress<'_>,
    ) -> Result<Arc<Snapshot>, ApiError> {
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
        let previous = cached.as_ref().map(|(_, snapshot)| Arc::clone(snapshot));
        let snapshot = Arc::new(Snapshot::read(store, previous.as_deref(), progress)?);
        *cached = Some((last, Arc::clone(&snapshot)));
        Ok(snapshot)
    }

    /// Starts a session for a user: its cookie value, and its CSRF token.
    pub fn start_session(&self, user: &str) -> (String, String) {
        let cookie = muster_access::generate_token();
        let csrf = muster_access::generate_token();
        let session =
            Session { user: user.to_string(), csrf: csrf.clone(), last_seen: Instant::now() };
        if let Ok(mut sessions) = self.0.sessions.lock() {
            sessions.retain(|_, session| session.last_seen.elapsed() < IDLE_TIMEOUT);
            sessions.insert(muster_access::token_sha256(&cookie), session);
        }
        (cookie, csrf)
    }

    /// The session of a cookie, if it is live; using it keeps it alive.
    pub fn session(&self, cookie: &str) -> Option<Session> {
        let mut sessions = self.0.sessions.lock().ok()?;
        let key = muster_access::token_sha256(cookie);
        let session = sessions.get_mut(&key)?;
        if session.last_seen.elapsed() >= IDLE_TIMEOUT {
            sessions.remove(&key);
            return None;
        }
        session.last_seen = Instant::now();
        Some(session.clone())
    }

    /// Ends the session of a cookie.
    pub fn end_session(&self, cookie: &str) {
        if let Ok(mut sessions) = self.0.sessions.lock() {
            sessions.remove(&muster_access::token_sha256(cookie));
        }
    }
}
