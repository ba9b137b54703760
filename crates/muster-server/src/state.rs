//! What every request works on: a pool of store connections, the policies,
//! the sessions, and the army (the engine with the orders and lists) as of
//! the last act.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use muster_access::Policies;
use muster_service::Army;
use muster_store::Store;

use crate::error::ApiError;

/// Reports the steps of building the engine: the step, done, total.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// The state of the server: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    /// The store's location: a SQLite file's path.
    db: String,
    policies: Policies,
    /// Open connections not in use.
    pool: Mutex<Vec<Box<dyn Store>>>,
    /// The army as of the last act it holds.
    army: Mutex<Option<Arc<Army>>>,
    /// The callers of the tokens seen since the last act (any act, such as
    /// disabling a user, forgets them).
    callers: Mutex<(i64, HashMap<String, crate::auth::Caller>)>,
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
    store: Option<Box<dyn Store>>,
    state: AppState,
}

impl Deref for PooledStore {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        // Taken only in `drop`.
        self.store
            .as_deref()
            .unwrap_or_else(|| unreachable!("a pooled store is taken only on drop"))
    }
}

impl DerefMut for PooledStore {
    fn deref_mut(&mut self) -> &mut (dyn Store + 'static) {
        self.store
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("a pooled store is taken only on drop"))
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
    pub fn new(db: &str, policies: Policies) -> AppState {
        AppState(Arc::new(Inner {
            db: db.to_string(),
            policies,
            pool: Mutex::new(Vec::new()),
            army: Mutex::new(None),
            callers: Mutex::new((0, HashMap::new())),
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
            None => muster_store::open(&self.0.db)?,
        };
        Ok(PooledStore { store: Some(store), state: self.clone() })
    }

    /// The army as of the last act, refreshed when an act has been
    /// recorded since it was read (the engine is kept unless records were
    /// imported since).
    pub fn army(&self, store: &dyn Store) -> Result<Arc<Army>, ApiError> {
        self.army_with(store, &mut |_, _, _| {})
    }

    /// Reads the army now (at start, so that the first request does not
    /// wait for it), reporting the engine's build.
    pub fn warm(&self, progress: Progress<'_>) -> Result<(), ApiError> {
        let store = self.store()?;
        self.army_with(&*store, progress).map(|_| ())
    }

    fn army_with(&self, store: &dyn Store, progress: Progress<'_>) -> Result<Arc<Army>, ApiError> {
        let mut cached = self.0.army.lock().map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "the army's lock is poisoned",
            )
        })?;
        let army = match cached.as_ref() {
            Some(army) => army.refresh(store, progress)?,
            None => Arc::new(Army::load(store, progress)?),
        };
        *cached = Some(Arc::clone(&army));
        Ok(army)
    }

    /// The caller of a token hash, if seen since the last act.
    pub fn caller(&self, last_act: i64, token_sha256: &str) -> Option<crate::auth::Caller> {
        let callers = self.0.callers.lock().ok()?;
        if callers.0 != last_act {
            return None;
        }
        callers.1.get(token_sha256).cloned()
    }

    /// Remembers the caller of a token hash, until the next act.
    pub fn remember_caller(&self, last_act: i64, token_sha256: &str, caller: &crate::auth::Caller) {
        if let Ok(mut callers) = self.0.callers.lock() {
            if callers.0 != last_act {
                *callers = (last_act, HashMap::new());
            }
            callers.1.insert(token_sha256.to_string(), caller.clone());
        }
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
