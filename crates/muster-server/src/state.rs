//! What every request works on: a pool of store connections, the policies,
//! the sessions, and the army (the engine with the orders and lists) as of
//! the last act.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use muster_access::Policies;
use muster_service::Army;
use muster_store::{Store, StoredUser};
use parking_lot::lock_api::{
    ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard, ArcRwLockWriteGuard,
};
use parking_lot::{RawRwLock, RwLock};

use crate::error::ApiError;
use crate::throttle::{Clock, LoginThrottle, MemoryThrottle, SystemClock};

/// Reports the steps of building the engine: the step, done, total.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// A list that does not exist, as the policies see it: owned by nobody.
pub fn absent_list(id: &str) -> muster_access::Resource {
    muster_access::Resource::List { id: id.to_string(), owner: String::new(), kind: String::new() }
}

/// A person that does not exist, as the policies see him: administered by
/// nobody, on nobody's list.
pub fn absent_person(id: &str) -> muster_access::Resource {
    muster_access::Resource::Person {
        id: id.to_string(),
        administrations: Vec::new(),
        lists: Vec::new(),
    }
}

/// The army held for reading by one request: no act is caught up with
/// while it is held (a request takes it once, and never twice).
pub struct ArmyGuard(ArcRwLockReadGuard<RawRwLock, Option<Army>>);

impl Deref for ArmyGuard {
    type Target = Army;

    fn deref(&self) -> &Army {
        // Made only over a loaded army.
        self.0.as_ref().unwrap_or_else(|| unreachable!("an army guard holds a loaded army"))
    }
}

/// An act of this server under way, from before its write to its answer.
pub struct Acting(AppState);

impl Acting {
    /// Catches the army up with the act just written (and any before it),
    /// so that every read after the answer sees it.
    pub fn settle(self, store: &dyn Store) -> Result<(), ApiError> {
        self.0.army_with(store, true, &mut |_, _, _| {}).map(|_| ())
    }
}

impl Drop for Acting {
    fn drop(&mut self) {
        self.0.0.acting.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The state of the server: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// How a server is set up beyond its store and policies.
#[derive(Clone)]
pub struct Settings {
    /// Where the time of login throttling comes from.
    pub clock: Arc<dyn Clock>,
    /// Where failed logins are counted.
    pub throttle: Arc<dyn LoginThrottle>,
    /// The server is reached over TLS through a proxy (`muster serve
    /// --behind-tls-proxy`): session cookies are `Secure`, and the client's
    /// address is the last one the proxy adds to `X-Forwarded-For`.
    pub behind_tls_proxy: bool,
    /// The store's signing key (`muster serve --key`); default: beside the
    /// store, its name and `.key`.
    pub signing_key: Option<std::path::PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clock: Arc::new(SystemClock),
            throttle: Arc::new(MemoryThrottle::default()),
            behind_tls_proxy: false,
            signing_key: None,
        }
    }
}

struct Inner {
    /// The store's location: a SQLite file's path.
    db: String,
    policies: Policies,
    settings: Settings,
    /// How many passwords have been checked against an argon2 hash.
    password_checks: AtomicU64,
    /// Open connections not in use.
    pool: Mutex<Vec<Box<dyn Store>>>,
    /// The army, brought up to date act by act: requests read it under a
    /// read lock; catching up with acts takes the write lock.
    army: Arc<RwLock<Option<Army>>>,
    /// Taken by each act on the records around its write transaction, so
    /// that the acts of this server wait for each other here, in turn, and
    /// not in SQLite's busy handler (which sleeps in steps of up to 100 ms).
    writes: parking_lot::Mutex<()>,
    /// How many acts of this server are between the start of their write
    /// and their answer: each catches the army up before it answers, so
    /// that while any is under way a reader need not catch up himself.
    acting: AtomicUsize,
    /// Set when a request has written without catching the army up (an
    /// import of a list's entries, an order, a reversal): the next reader
    /// catches up whatever else is under way.
    unsettled: AtomicBool,
    /// The rules (the records other than people, the orders) as of an act,
    /// for the acts: they change only with an import or an order.
    rules: parking_lot::Mutex<Option<(i64, muster_service::Rules)>>,
    /// The callers of the tokens seen since the last act (any act, such as
    /// disabling a user, forgets them).
    callers: Mutex<(i64, HashMap<String, crate::auth::Caller>)>,
    /// Sessions of the console, by the SHA-256 of their cookie.
    sessions: Mutex<HashMap<String, Session>>,
    /// The console's acts on many people running in the background.
    jobs: crate::jobs::Jobs,
    /// The secret the login form's token is derived from, with the
    /// pre-session cookie.
    login_key: String,
}

/// A logged-in user of the console.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: String,
    /// The act of the account's version he logged in with: a later
    /// version (disabled, reset, a new role or organisation) ends the
    /// session.
    pub account: i64,
    /// The token a form or script must send back with every change.
    pub csrf: String,
    pub last_seen: Instant,
}

/// A session unused for this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How many sessions one user may have at once: a new one ends his
/// oldest.
const SESSIONS_PER_USER: usize = 16;

/// How many sessions are kept in all: a new one ends the oldest.
const SESSIONS: usize = 10_000;

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
    /// The store's signing key, read from its file.
    pub fn signing_key(&self) -> Result<muster_service::checkpoint::StoreKey, ApiError> {
        let path = match &self.0.settings.signing_key {
            Some(path) => path.clone(),
            None => muster_service::checkpoint::key_beside(&self.0.db),
        };
        muster_service::checkpoint::read_key(&path).map_err(|error| {
            tracing::error!("{error}");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "the store's signing key cannot be read".to_string(),
            )
        })
    }

    pub fn new(db: &str, policies: Policies) -> AppState {
        AppState::configured(db, policies, Settings::default())
    }

    /// The state for a store, with the policies in force and the settings.
    pub fn configured(db: &str, policies: Policies, settings: Settings) -> AppState {
        AppState(Arc::new(Inner {
            db: db.to_string(),
            policies,
            settings,
            password_checks: AtomicU64::new(0),
            pool: Mutex::new(Vec::new()),
            army: Arc::new(RwLock::new(None)),
            writes: parking_lot::Mutex::new(()),
            acting: AtomicUsize::new(0),
            unsettled: AtomicBool::new(false),
            rules: parking_lot::Mutex::new(None),
            callers: Mutex::new((0, HashMap::new())),
            sessions: Mutex::new(HashMap::new()),
            jobs: crate::jobs::Jobs::default(),
            login_key: muster_access::generate_token(),
        }))
    }

    pub fn policies(&self) -> &Policies {
        &self.0.policies
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// Checks a password against an argon2 hash, counting the check.
    pub fn verify_password(&self, password: &str, hash: &str) -> bool {
        self.0.password_checks.fetch_add(1, Ordering::Relaxed);
        muster_access::verify_password(password, hash).unwrap_or(false)
    }

    /// How many passwords have been checked against an argon2 hash since
    /// the server started: every login attempt that is not refused before
    /// checking makes one check, whether or not its name is known.
    pub fn password_checks(&self) -> u64 {
        self.0.password_checks.load(Ordering::Relaxed)
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

    /// The turn of one act to write: held around its write transaction.
    pub fn write_turn(&self) -> parking_lot::MutexGuard<'_, ()> {
        self.0.writes.lock()
    }

    /// The rules in force for an act: those of the army, kept while no
    /// import and no order has been recorded since (so that an act need
    /// not wait for the army to catch up with the acts before it).
    pub fn rules(&self, store: &dyn Store) -> Result<muster_service::Rules, ApiError> {
        let mut changed = 0;
        for kind in ["import", "order-issue", "order-revoke"] {
            changed = changed.max(store.last_act_of(kind)?);
        }
        if let Some((through, rules)) = self.0.rules.lock().as_ref()
            && *through >= changed
        {
            return Ok(rules.clone());
        }
        // Caught up with every act, those under way too: an act is decided
        // by the orders of all the acts written before it.
        let army = self.army_with(store, true, &mut |_, _, _| {})?;
        let rules = army.rules().clone();
        let through = army.last_act();
        drop(army);
        *self.0.rules.lock() = Some((through, rules.clone()));
        Ok(rules)
    }

    /// The army as of the store's last act, held for reading: caught up
    /// first when acts have been recorded since (the engine is updated by
    /// each act, and loaded again only after an import). Acts that this
    /// server's writers are recording and have not answered yet are not
    /// waited for: each writer catches the army up before it answers.
    pub fn army(&self, store: &dyn Store) -> Result<ArmyGuard, ApiError> {
        self.army_with(store, false, &mut |_, _, _| {})
    }

    /// Reads the army now (at start, so that the first request does not
    /// wait for it), reporting the engine's build.
    pub fn warm(&self, progress: Progress<'_>) -> Result<(), ApiError> {
        let store = self.store()?;
        self.army_with(&*store, true, progress).map(|_| ())
    }

    /// Marks an act of this server as under way, from before its write to
    /// its answer (`Acting::settle` catches the army up with it).
    pub fn acting(&self) -> Acting {
        self.0.acting.fetch_add(1, Ordering::SeqCst);
        Acting(self.clone())
    }

    /// Marks the army as behind an act already written (by a request that
    /// does not catch it up itself): the next reader catches it up.
    pub fn unsettle(&self) {
        self.0.unsettled.store(true, Ordering::SeqCst);
    }

    fn army_with(
        &self,
        store: &dyn Store,
        settle: bool,
        progress: Progress<'_>,
    ) -> Result<ArmyGuard, ApiError> {
        let last_act = store.last_act()?;
        let read = RwLock::read_arc(&self.0.army);
        if let Some(army) = read.as_ref() {
            if army.last_act() >= last_act {
                return Ok(ArmyGuard(read));
            }
            // The acts the army lacks are being recorded by this server's
            // writers, which catch it up before they answer: a reader
            // takes the army as it stands (none of them has answered yet).
            if !settle
                && self.0.acting.load(Ordering::SeqCst) > 0
                && !self.0.unsettled.load(Ordering::SeqCst)
            {
                return Ok(ArmyGuard(read));
            }
        }
        drop(read);
        // One request at a time catches up, beside the readers; the others
        // that found the army behind find it caught up when their turn
        // comes (by then it holds their act and more), and only read.
        let turn = RwLock::upgradable_read_arc(&self.0.army);
        if turn.as_ref().is_some_and(|army| army.last_act() >= last_act) {
            return Ok(ArmyGuard(ArcRwLockUpgradableReadGuard::downgrade(turn)));
        }
        // Cleared before the acts are read: a write marked after this is
        // either read now or marked again.
        self.0.unsettled.store(false, Ordering::SeqCst);
        // The store is read beside the readers; the army is changed, in
        // memory, under the write lock.
        let read = turn.as_ref().map(|army| army.read_up(store));
        let mut write = ArcRwLockUpgradableReadGuard::upgrade(turn);
        let caught = match (write.as_mut(), read) {
            (Some(army), Some(read)) => read.and_then(|read| army.take_up(read, store, progress)),
            _ => Army::load(store, progress).map(|army| *write = Some(army)),
        };
        if let Err(error) = caught {
            self.0.unsettled.store(true, Ordering::SeqCst);
            return Err(error.into());
        }
        Ok(ArmyGuard(ArcRwLockWriteGuard::downgrade(write)))
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

    /// Starts a session for a user in the version of his account that
    /// logged in: its cookie value, and its CSRF token.
    pub fn start_session(&self, user: &StoredUser) -> (String, String) {
        let cookie = muster_access::generate_token();
        let csrf = muster_access::generate_token();
        let session = Session {
            user: user.name.clone(),
            account: user.changed.id.0,
            csrf: csrf.clone(),
            last_seen: Instant::now(),
        };
        if let Ok(mut sessions) = self.0.sessions.lock() {
            sessions.retain(|_, session| session.last_seen.elapsed() < IDLE_TIMEOUT);
            let mut his: Vec<(Instant, String)> = sessions
                .iter()
                .filter(|(_, other)| other.user == user.name)
                .map(|(key, other)| (other.last_seen, key.clone()))
                .collect();
            his.sort();
            for (_, key) in his.iter().take((his.len() + 1).saturating_sub(SESSIONS_PER_USER)) {
                sessions.remove(key);
            }
            if sessions.len() >= SESSIONS
                && let Some(oldest) = sessions
                    .iter()
                    .min_by_key(|(_, other)| other.last_seen)
                    .map(|(key, _)| key.clone())
            {
                sessions.remove(&oldest);
            }
            sessions.insert(muster_access::token_sha256(&cookie), session);
        }
        (cookie, csrf)
    }

    /// The token the login form carries for a pre-session cookie.
    pub fn login_token(&self, pre_session: &str) -> String {
        muster_access::token_sha256(&format!("{}:{pre_session}", self.0.login_key))
    }

    /// The session of a cookie, if it is live; using it keeps it alive.
    /// The console's acts on many people running in the background.
    pub fn jobs(&self) -> &crate::jobs::Jobs {
        &self.0.jobs
    }

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
