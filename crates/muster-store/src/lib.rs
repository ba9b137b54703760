//! The records store of muster.
//!
//! [`Store`] is what the rest of muster asks of a store; [`SqliteStore`] is
//! the default implementation, one SQLite file. Every change is an act,
//! written in one transaction that takes the write lock up front, so that a
//! change is stored whole or not at all, and nothing is updated in place.

mod audit;
mod rows;
mod scan;
mod sqlite;
#[cfg(test)]
mod tests;
mod tree;

use std::time::Duration;

use chrono::NaiveDate;
use muster_core::merkle::Hash;
use muster_core::scan::RecordScan;
use muster_core::{
    Act, ActId, Calendar, Deployment, Organisation, Person, PersonFile, Records, Unit, UnitTree,
    Version,
};
use muster_dataset::{Dataset, Errors, Mode};

pub use audit::sha256_hex;
pub use rows::{NOT_ROWS_OF_ACTS, TABLES, Table};
pub use scan::SqliteScan;
pub use sqlite::SqliteStore;

/// Whether a store's location names a database server rather than a file.
fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// Opens the store at `location` (a SQLite file's path), bringing its
/// schema up to date.
pub fn open(location: &str) -> Result<Box<dyn Store>, StoreError> {
    if is_url(location) {
        return Err(StoreError::Unsupported { location: location.to_string() });
    }
    Ok(Box::new(SqliteStore::open(std::path::Path::new(location))?))
}

/// Creates an empty store at `location`; refuses to touch one that exists.
/// Returns where it is, as shown to a user.
pub fn create(location: &str) -> Result<String, StoreError> {
    if is_url(location) {
        return Err(StoreError::Unsupported { location: location.to_string() });
    }
    let path = std::path::Path::new(location);
    SqliteStore::create(path)?;
    Ok(path.display().to_string())
}

/// An act about to be recorded: what it is, the day it takes effect, who
/// makes it. The store adds its number and the moment it is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAct {
    pub kind: String,
    pub valid_on: NaiveDate,
    pub actor: String,
    pub summary: String,
}

/// A user account, in its latest version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredUser {
    pub name: String,
    pub organisation: String,
    pub role: String,
    /// argon2id, in the PHC string format.
    pub password_hash: String,
    pub disabled: bool,
    /// The act that made the account.
    pub created: Act,
    /// The act of its latest version.
    pub changed: Act,
}

/// A new version of a user account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub organisation: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
}

/// An API token's owner, found by the token's SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredToken {
    pub user: String,
    pub label: String,
    pub act: Act,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its place in the log, from 1.
    pub seq: i64,
    /// The act it records, if it records one.
    pub act: Option<i64>,
    pub recorded_at: String,
    pub actor: String,
    pub kind: String,
    pub valid_on: Option<String>,
    pub summary: String,
    /// What the act did, canonical JSON.
    pub content: String,
    /// The hash of the entry before it.
    pub previous: String,
    /// SHA-256 over `previous` and this entry's canonical form.
    pub hash: String,
}

/// The first thing wrong with the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditProblem {
    /// The entry where the chain breaks.
    pub seq: i64,
    pub problem: String,
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

/// An order about to be issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrder {
    pub id: String,
    /// The document, as issued.
    pub document: String,
    /// Whether it was issued with `--override` (its delays apply to
    /// protected persons too).
    pub overridden: bool,
    /// The impact report printed when it was issued (JSON).
    pub impact: String,
}

/// An issued order, with the act that issued it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredOrder {
    pub id: String,
    pub document: String,
    pub overridden: bool,
    pub impact: String,
    pub act: Act,
}

/// The revocation of an order: its force ends on `on`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRevocation {
    pub order: String,
    pub on: NaiveDate,
    pub reason: String,
    pub act: Act,
}

/// A list of candidates about to be created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewList {
    pub id: String,
    pub kind: String,
    pub owner: String,
    pub title: String,
    pub quota: Option<u32>,
}

/// A list of candidates, with the act that created it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredList {
    pub id: String,
    pub kind: String,
    pub owner: String,
    pub title: String,
    pub quota: Option<u32>,
    pub act: Act,
}

/// Whether an entry row puts a person on a list or takes him off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryAction {
    Add,
    Remove,
}

/// One change to a list's entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub person: String,
    pub action: EntryAction,
    pub act: Act,
}

/// What a change to a list's entries did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntriesChanged {
    /// The act that recorded it, or `None` when there was nothing to do
    /// (everyone to add was on the list already).
    pub act: Option<ActId>,
    /// The persons put on the list or taken off it, in the order given.
    pub persons: Vec<String>,
}

/// A notice about to be left for an organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotice {
    pub organisation: String,
    pub order: Option<String>,
    pub list: Option<String>,
    pub message: String,
}

/// A notice left for an organisation, with the act that left it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredNotice {
    pub organisation: String,
    pub order: Option<String>,
    pub list: Option<String>,
    pub message: String,
    pub act: Act,
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
    #[error(
        "order `{id}` is already issued: an issued order cannot be changed, only revoked or superseded"
    )]
    OrderExists { id: String },
    #[error("no order `{id}` has been issued")]
    NoSuchOrder { id: String },
    #[error("list `{id}` already exists")]
    ListExists { id: String },
    #[error("no list `{id}`")]
    NoSuchList { id: String },
    #[error("not on list `{list}` on {day}: {}; nothing was changed", persons.join(", "))]
    NotOnList { list: String, day: NaiveDate, persons: Vec<String> },
    #[error("the store holds a value it cannot read: {what}")]
    Corrupt { what: String },
    #[error("`{location}`: this muster keeps its store in a SQLite file; give the file's path")]
    Unsupported { location: String },
    /// An act's own check refused it (its reason is the caller's); nothing
    /// was written.
    #[error("{reason}")]
    Refused { reason: String },
    #[error("no act {act} has been recorded")]
    NoSuchAct { act: i64 },
    #[error("act {act} ({kind}) cannot be reversed: {why}")]
    NotReversible { act: i64, kind: String, why: String },
    #[error("act {act} is already reversed, by act {by}")]
    AlreadyReversed { act: i64, by: i64 },
    #[error(
        "act {act} cannot be reversed: act {later} ({kind}), recorded after it, depends on what it wrote; reverse act {later} first"
    )]
    Depended { act: i64, later: i64, kind: String },
}

/// What an act on the records writes, as decided inside its transaction:
/// the rows (a record's new version, history rows, a row with the natural
/// key of a stored one replacing it, as an import with `--update` does), the
/// notices it leaves, and what it did in words of its own for its audit
/// entry (the persons it touched, what was decided).
#[derive(Clone, Debug, Default)]
pub struct ActWrite {
    pub plan: muster_dataset::Plan,
    pub notices: Vec<NewNotice>,
    pub content: serde_json::Value,
    /// The key the caller gave the act (`--key`), kept so that a second
    /// act with it is answered with this one.
    pub key: Option<String>,
    /// Papers it revokes.
    pub paper_revocations: Vec<NewPaperRevocation>,
    /// Auditors' notes it adds to papers.
    pub paper_notes: Vec<NewPaperNote>,
    /// The limits on issuing papers it sets, whole (TOML).
    pub exemption_limits: Option<String>,
}

/// A paper's revocation written by an act: the paper's row in the
/// register, from which day, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPaperRevocation {
    /// The paper's number in the register (`X-000123`, `E-000123`).
    pub paper: String,
    pub on: NaiveDate,
    pub reason: String,
}

/// An auditor's note on a paper, written by an act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPaperNote {
    /// The paper's number in the register.
    pub paper: String,
    pub note: String,
}

/// A paper of the register, with the act that entered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredPaper {
    pub held: muster_core::HeldPaper,
    /// The act that entered it (for a paper of an `exempted` event, the
    /// act that recorded the event).
    pub act: Act,
}

/// What to read of the register: every field given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaperFilter {
    pub person: Option<String>,
    pub issuer: Option<String>,
    pub scope: Option<String>,
    pub grounds: Option<String>,
    pub document: Option<String>,
}

/// What the register holds of one paper beyond its fields: the act that
/// revoked it and the auditors' notes, each with its act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaperHistory {
    pub paper: RegisteredPaper,
    pub revoked_by: Option<Act>,
    pub notes: Vec<(Act, String)>,
}

/// A recorded act, with what it wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAct {
    pub act: Act,
    /// What the act did, as its audit entry records it.
    pub content: serde_json::Value,
    /// Every row it wrote, by table, each as an object of its columns.
    pub rows: Vec<(String, Vec<serde_json::Value>)>,
    /// The act that reversed it, and why.
    pub reversed_by: Option<(i64, String)>,
    /// The act it reverses, if it is a reversal.
    pub reverses: Option<i64>,
}

/// Whom an act's rows name: persons, and units (a unit's deployment).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActSubjects {
    pub persons: Vec<String>,
    pub units: Vec<String>,
}

/// What one act did to lists: the lists it created, and each change to an
/// entry with its list's id, in the order written.
pub type ListChanges = (Vec<String>, Vec<(String, muster_core::EntryChange)>);

/// What muster asks of a records store.
pub trait Store: Send {
    /// Every person and his history, for reading in bulk (the engine is
    /// loaded through it): rows streamed in parts, without a record made per
    /// row.
    fn scan(&self) -> Result<Box<dyn RecordScan>, StoreError>;

    /// The records other than people and their history: the calendar,
    /// organisations, units, sites and campaigns.
    fn small_records(&self) -> Result<Records, StoreError>;

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

    /// A person's file as of `day` (his record in effect, his assignments,
    /// events, and the deployments that name him or a unit at or above one
    /// he served in, found through `tree`), or `None` when the store has no
    /// such person.
    fn person(
        &self,
        id: &str,
        day: NaiveDate,
        tree: &UnitTree,
    ) -> Result<Option<PersonRecords>, StoreError>;

    /// Every unit, in its latest recorded version.
    fn units(&self) -> Result<Vec<Unit>, StoreError>;

    /// Writes a new version of a user account (a new user, or a change to
    /// one), as one act. `content` describes the change for the audit log
    /// (never a secret).
    fn put_user(&mut self, act: NewAct, user: NewUser, content: &str) -> Result<ActId, StoreError>;

    /// Every user account in its latest version, by name.
    fn users(&self) -> Result<Vec<StoredUser>, StoreError>;

    /// Records an API token for a user by its SHA-256, as one act.
    fn add_token(
        &mut self,
        act: NewAct,
        user: &str,
        label: &str,
        token_sha256: &str,
    ) -> Result<ActId, StoreError>;

    /// The owner of the token with this SHA-256.
    fn token(&self, token_sha256: &str) -> Result<Option<StoredToken>, StoreError>;

    /// Appends to the audit log an event that is no act of the records (a
    /// login, a refused request), in its own transaction.
    fn record_event(
        &mut self,
        actor: &str,
        kind: &str,
        summary: &str,
        content: &str,
    ) -> Result<(), StoreError>;

    /// The audit log, in order.
    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError>;

    /// Checks the audit log: the first problem, or `None` when it is intact.
    fn audit_verify(&self) -> Result<Option<AuditProblem>, StoreError>;

    /// How many entries the audit log's Merkle tree holds.
    fn audit_tree_size(&self) -> Result<u64, StoreError>;

    /// The root of the tree of the log's first `size` entries.
    fn audit_root(&self, size: u64) -> Result<Hash, StoreError>;

    /// The leaf hash of the entry at `index` (its `seq - 1`) and its
    /// inclusion proof in the tree of `size` entries.
    fn audit_inclusion(&self, index: u64, size: u64) -> Result<(Hash, Vec<Hash>), StoreError>;

    /// The consistency proof between the trees of `first` and `second`
    /// entries.
    fn audit_consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, StoreError>;

    /// The entry that records act `act`.
    fn audit_entry_of(&self, act: i64) -> Result<Option<AuditEntry>, StoreError>;

    /// Every organisation, in its latest recorded version.
    fn organisations(&self) -> Result<Vec<Organisation>, StoreError>;

    /// The discharge calendar: the last one imported, else the defaults.
    fn calendar(&self) -> Result<Calendar, StoreError>;

    /// Every act, in the order recorded.
    fn acts(&self) -> Result<Vec<Act>, StoreError>;

    /// Records an act on the records, all or nothing: in one transaction
    /// that takes the write lock up front, `decide` reads what it needs
    /// through the store it is given (the store as it stands under the
    /// lock) and says what to write, or refuses (`StoreError::Refused`, or
    /// any error: nothing is written). The rows are checked and written as
    /// an import with `--update` writes them, and the act's audit entry
    /// carries their digests and the `content` decided.
    fn record_act(
        &mut self,
        act: NewAct,
        decide: &mut dyn FnMut(&dyn Store) -> Result<ActWrite, StoreError>,
    ) -> Result<Act, StoreError>;

    /// An act and every row it wrote.
    fn act(&self, id: i64) -> Result<Option<StoredAct>, StoreError>;

    /// The changes act `act` made to lists: the lists it created, and each
    /// change to an entry with its list's id, in the order written.
    fn act_list_changes(&self, act: i64) -> Result<ListChanges, StoreError>;

    /// The act recorded with `key` (`--key`), if any.
    fn act_of_key(&self, key: &str) -> Result<Option<i64>, StoreError>;

    /// The acts recorded after act `after`, in the order recorded.
    fn acts_after(&self, after: i64) -> Result<Vec<Act>, StoreError>;

    /// The deployments of a unit (the whole unit sent), in the order of
    /// their first days.
    fn unit_deployments(&self, unit: &str) -> Result<Vec<Deployment>, StoreError>;

    /// The persons assigned on `day` to one of `units`, in the order of
    /// their ids.
    fn members_on(&self, units: &[String], day: NaiveDate) -> Result<Vec<String>, StoreError>;

    /// Reverses an act on the records, as one act of its own: from then on
    /// every read of the records leaves out its rows (and what they
    /// replaced is read again), on every day. Refused, in the transaction,
    /// for an act that is not on the records (an import, an order, a list,
    /// a user, a reversal), one already reversed, and one that a later act
    /// depends on (a later act names a person or a unit it names).
    fn reverse_act(&mut self, act: NewAct, reversed: i64, reason: &str) -> Result<Act, StoreError>;

    /// Whom an act's rows name (for a reversal, the reversed act's).
    fn act_subjects(&self, act: i64) -> Result<ActSubjects, StoreError>;

    /// The files of persons as they now stand, read together: each in the
    /// latest version of his record, with all his history (assignments,
    /// events, and the deployments that name him or a unit at or above one
    /// he served in, found through `tree`); persons the store does not hold
    /// are left out.
    fn people_files(&self, ids: &[String], tree: &UnitTree) -> Result<Vec<PersonFile>, StoreError>;

    /// The number of the last act recorded (0 for an empty store): it
    /// changes whenever anything is written.
    fn last_act(&self) -> Result<i64, StoreError>;

    /// The number of the last act of a kind (0 if there is none): the
    /// records change only by `import` acts.
    fn last_act_of(&self, kind: &str) -> Result<i64, StoreError>;

    /// The last act that wrote a user or a token (0 for none): what is
    /// known of the accounts holds until it changes.
    fn last_account_act(&self) -> Result<i64, StoreError>;

    /// Issues an order and leaves its notices, as one act.
    fn issue_order(
        &mut self,
        act: NewAct,
        order: NewOrder,
        notices: &[NewNotice],
    ) -> Result<ActId, StoreError>;

    /// Ends an order's force on `on`, as one act.
    fn revoke_order(
        &mut self,
        act: NewAct,
        order: &str,
        on: NaiveDate,
        reason: &str,
    ) -> Result<ActId, StoreError>;

    /// Every issued order, in the order of issue.
    fn orders(&self) -> Result<Vec<StoredOrder>, StoreError>;

    /// Every revocation, in the order recorded.
    fn revocations(&self) -> Result<Vec<StoredRevocation>, StoreError>;

    /// Creates a list, as one act.
    fn create_list(&mut self, act: NewAct, list: NewList) -> Result<ActId, StoreError>;

    /// A list, or `None`.
    fn list(&self, id: &str) -> Result<Option<StoredList>, StoreError>;

    /// Every list, in the order created.
    fn lists(&self) -> Result<Vec<StoredList>, StoreError>;

    /// Puts persons on a list or takes them off on the act's day, and
    /// leaves notices, as one act. What decides the change is read in its
    /// transaction, so that changes made at once by several clients are
    /// decided one after the other: an add puts on the list only those
    /// not on it that day (once each), and writes nothing if that is
    /// nobody; a removal takes off persons who are all on it that day, or
    /// is refused ([`StoreError::NotOnList`]).
    fn change_entries(
        &mut self,
        act: NewAct,
        list: &str,
        persons: &[String],
        action: EntryAction,
        notices: &[NewNotice],
    ) -> Result<EntriesChanged, StoreError>;

    /// Every change to a list's entries, in the order recorded.
    fn entries(&self, list: &str) -> Result<Vec<StoredEntry>, StoreError>;

    /// Every change to a list's entries as the deciding core reads them:
    /// in the order of the days they take effect, and of their recording
    /// within a day (so that an act entered later for an earlier day counts
    /// on that day). Only the changes of acts up to act `through` are read.
    fn entry_changes(
        &self,
        list: &str,
        through: i64,
    ) -> Result<Vec<muster_core::EntryChange>, StoreError>;

    /// Every change to one person's entries, on every list, with the list's
    /// id, in the order recorded.
    fn person_entries(&self, person: &str) -> Result<Vec<(String, StoredEntry)>, StoreError>;

    /// Every change to the entries of any of `persons`, on every list, with
    /// the list's id, in the order recorded.
    fn persons_entries(&self, persons: &[String])
    -> Result<Vec<(String, StoredEntry)>, StoreError>;

    /// Leaves notices, as one act.
    fn leave_notices(&mut self, act: NewAct, notices: &[NewNotice]) -> Result<ActId, StoreError>;

    /// The notices left for an organisation, in the order left.
    fn notices(&self, organisation: &str) -> Result<Vec<StoredNotice>, StoreError>;

    /// For each unit, the people assigned to it on some day of
    /// `from ..= to`, in the order of the units' ids (the exposure the
    /// anomaly report holds an administration's papers to).
    fn serving_by_unit(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// The papers of the register that match `filter`, those entered as
    /// papers (`X-`) then those of `exempted` events (`E-`), each in the
    /// order entered, with their revocations.
    fn papers(&self, filter: &PaperFilter) -> Result<Vec<RegisteredPaper>, StoreError>;

    /// One paper of the register by its number, with its revocation's act
    /// and its notes.
    fn paper(&self, id: &str) -> Result<Option<PaperHistory>, StoreError>;

    /// The limits on issuing papers in force (the last set), with the act
    /// that set them.
    fn exemption_limits(&self) -> Result<Option<(Act, String)>, StoreError>;
}
