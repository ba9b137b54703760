//! The SQLite store: one file, WAL mode, `synchronous=FULL`, and every
//! write in a transaction begun with `BEGIN IMMEDIATE`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use muster_core::scan::RecordScan;
use muster_core::{
    Act, ActId, Assignment, Branch, Calendar, Campaign, Deployed, Deployment, Event, EventKind,
    MonthDay, Organisation, OrganisationKind, Person, PersonFile, Records, Sex, Site, Unit,
    UnitTree, Version, in_effect, parse_date,
};
use muster_dataset::{Dataset, Mode, Plan};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::json;

use crate::audit;
use crate::rows;
use crate::{
    ActSubjects, ActWrite, AuditEntry, AuditProblem, EntriesChanged, EntryAction, ImportReport,
    NewAct, NewList, NewNotice, NewOrder, NewUser, PersonRecords, Store, StoreError, StoredAct,
    StoredEntry, StoredList, StoredNotice, StoredOrder, StoredRevocation, StoredToken, StoredUser,
};

/// The schema migrations, in order; a store's version is how many it has.
const MIGRATIONS: &[(&str, &str)] = &[
    ("records", include_str!("../migrations/sqlite/0001_records.sql")),
    ("orders and lists", include_str!("../migrations/sqlite/0002_orders_and_lists.sql")),
    ("audit", include_str!("../migrations/sqlite/0003_audit.sql")),
    ("users", include_str!("../migrations/sqlite/0004_users.sql")),
    ("seal", include_str!("../migrations/sqlite/0005_seal.sql")),
    ("entries by person", include_str!("../migrations/sqlite/0006_entries_by_person.sql")),
    ("reversals", include_str!("../migrations/sqlite/0007_reversals.sql")),
    ("acts by kind", include_str!("../migrations/sqlite/0008_acts_by_kind.sql")),
    ("act keys", include_str!("../migrations/sqlite/0009_act_keys.sql")),
    ("papers", include_str!("../migrations/sqlite/0010_papers.sql")),
    ("service by end", include_str!("../migrations/sqlite/0011_service_by_end.sql")),
    ("audit tree", include_str!("../migrations/sqlite/0012_audit_tree.sql")),
];

/// How many persons a change to a list's entries looks up one by one (by
/// the index of a person's entries); more, and the list is read whole.
const PERSONS_ONE_BY_ONE: usize = 1000;

/// A store in one SQLite file.
pub struct SqliteStore {
    connection: Connection,
    path: PathBuf,
}

fn database(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Database { doing, source }
}

impl SqliteStore {
    /// Creates a new, empty store at `path`; refuses to touch a file that
    /// is already there.
    pub fn create(path: &Path) -> Result<SqliteStore, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists { path: path.display().to_string() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection =
            Connection::open_with_flags(path, flags).map_err(database("create the file"))?;
        let mut store = SqliteStore { connection, path: path.to_path_buf() };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens the store at `path`, bringing its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound { path: path.display().to_string() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection =
            Connection::open_with_flags(path, flags).map_err(database("open the file"))?;
        let mut store = SqliteStore { connection, path: path.to_path_buf() };
        store.configure().map_err(|error| match error {
            StoreError::Database { source, .. } => StoreError::NotAStore {
                path: path.display().to_string(),
                reason: source.to_string(),
            },
            other => other,
        })?;
        store.migrate()?;
        Ok(store)
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&mut self) -> Result<(), StoreError> {
        let connection = &self.connection;
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(database("set the busy timeout"))?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(database("switch to WAL mode"))?;
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(database("set synchronous"))?;
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(database("enable foreign keys"))?;
        // 256 MiB of page cache: imports of a million people keep their
        // indexes in memory.
        connection
            .pragma_update(None, "cache_size", -262_144)
            .map_err(database("set the cache size"))?;
        connection
            .pragma_update(None, "temp_store", "MEMORY")
            .map_err(database("set temp_store"))?;
        // The reads, and an act's marks and read-backs (a statement for each
        // table of the audit registry), each keep their prepared statement.
        connection.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.display().to_string();
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin the migration"))?;
        transaction
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                )",
            )
            .map_err(|source| StoreError::NotAStore {
                path: path.clone(),
                reason: source.to_string(),
            })?;
        let version: i64 = transaction
            .query_row("SELECT coalesce(max(version), 0) FROM migrations", [], |row| row.get(0))
            .map_err(database("read the schema version"))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path, found: version, known });
        }
        // The audit tree first, when it is still to come, with the leaves
        // of the entries logged already: the migrations before it that
        // append entries (the log opened, the seal) then make their leaves
        // at once.
        if let Some(tree) = MIGRATIONS.iter().position(|(name, _)| *name == "audit tree")
            && version as usize <= tree
        {
            transaction
                .execute_batch(MIGRATIONS[tree].1)
                .map_err(database("apply a schema migration"))?;
            // The entries logged already: their leaves, entry for entry.
            if MIGRATIONS.iter().take(version as usize).any(|(name, _)| *name == "audit") {
                crate::tree::catch_up(&transaction)?;
            }
        }
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            transaction.execute_batch(sql).map_err(database("apply a schema migration"))?;
            if *name == "audit" {
                // A store made before the audit log: its acts open the log.
                let acts: Vec<i64> =
                    query_all(&transaction, "SELECT id FROM acts ORDER BY id", [], |row| {
                        get(row, 0)
                    })?;
                for act in acts {
                    audit::append_act(
                        &transaction,
                        act,
                        &json!({"recorded_before_the_audit_log": true}),
                    )?;
                }
            }
            if *name == "seal" {
                // The acts recorded before entries carried the digests of
                // their rows: the seal records them as they are now.
                audit::seal(&transaction, now())?;
            }
            transaction
                .execute(
                    "INSERT INTO migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    params![index as i64 + 1, name, now()],
                )
                .map_err(database("record a schema migration"))?;
        }
        transaction.commit().map_err(database("commit the migration"))
    }

    /// The number of the schema version.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.connection
            .query_row("SELECT coalesce(max(version), 0) FROM migrations", [], |row| row.get(0))
            .map_err(database("read the schema version"))
    }

    fn is_empty(connection: &Connection) -> Result<bool, StoreError> {
        let acts: i64 = connection
            .query_row("SELECT count(*) FROM acts", [], |row| row.get(0))
            .map_err(database("count the acts"))?;
        Ok(acts == 0)
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A day as `YYYY-MM-DD`, without allocating.
struct DayText([u8; 10]);

impl DayText {
    fn new(day: NaiveDate) -> DayText {
        let mut bytes = *b"0000-00-00";
        let year = day.year().clamp(0, 9999) as u32;
        let digits = |bytes: &mut [u8], mut value: u32| {
            for byte in bytes.iter_mut().rev() {
                *byte = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        digits(&mut bytes[0..4], year);
        digits(&mut bytes[5..7], day.month());
        digits(&mut bytes[8..10], day.day());
        DayText(bytes)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("0000-00-00")
    }
}

fn day_text(day: NaiveDate) -> DayText {
    DayText::new(day)
}

fn optional_day(day: Option<NaiveDate>) -> Option<DayText> {
    day.map(DayText::new)
}

impl Store for SqliteStore {
    fn import(
        &mut self,
        dataset: Dataset,
        mode: Mode,
        act: NewAct,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportReport, StoreError> {
        let mut timings = Vec::new();
        let started = Instant::now();
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin the import"))?;
        let stored = if SqliteStore::is_empty(&transaction)? {
            Records::default()
        } else {
            load_records(&transaction)?
        };
        timings.push(("load the stored records", started.elapsed()));

        let started = Instant::now();
        let plan = muster_dataset::check(&stored, dataset, mode).map_err(|error| match error {
            muster_dataset::ImportError::Invalid(errors) => StoreError::Invalid(errors),
            muster_dataset::ImportError::Io { path, source } => {
                StoreError::Corrupt { what: format!("{path}: {source}") }
            }
        })?;
        drop(stored);
        timings.push(("check the dataset", started.elapsed()));

        let started = Instant::now();
        let (act_id, marks) = insert_act(&transaction, &act)?;
        let mut hashed = Vec::new();
        let written = write_plan(&transaction, &plan, act_id, mode, progress, &mut hashed)?;
        let counts: serde_json::Map<String, serde_json::Value> =
            written.iter().map(|(file, rows)| ((*file).to_string(), json!(rows))).collect();
        audit::record_act(
            &transaction,
            act_id.0,
            &marks,
            &hashed,
            json!({"rows": counts, "unchanged": plan.unchanged}),
        )?;
        timings.push(("write the rows", started.elapsed()));

        let started = Instant::now();
        transaction.commit().map_err(database("commit the import"))?;
        timings.push(("commit", started.elapsed()));
        Ok(ImportReport { act: act_id, written, unchanged: plan.unchanged, timings })
    }

    fn scan(&self) -> Result<Box<dyn RecordScan>, StoreError> {
        let scan = crate::scan::SqliteScan::new(&self.path)
            .map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
        Ok(Box::new(scan))
    }

    fn small_records(&self) -> Result<Records, StoreError> {
        small_records(&self.connection)
    }

    fn records(&self) -> Result<Records, StoreError> {
        load_records(&self.connection)
    }

    fn person(
        &self,
        id: &str,
        day: NaiveDate,
        tree: &UnitTree,
    ) -> Result<Option<PersonRecords>, StoreError> {
        let connection = &self.connection;
        let mut statement = connection
            .prepare_cached(
                "SELECT p.id, p.name, p.born, p.sex, p.home_province, p.home_county, p.branch,
                        p.rank, p.specialty, p.enlisted, p.term_months, p.act, a.valid_on
                 FROM people p JOIN acts a ON a.id = p.act
                 WHERE p.id = ?1 AND p.act NOT IN (SELECT reversed FROM reversals)
                 ORDER BY p.act",
            )
            .map_err(database("read a person"))?;
        let mut versions = Vec::new();
        let mut rows = statement.query([id]).map_err(database("read a person"))?;
        while let Some(row) = rows.next().map_err(database("read a person"))? {
            let record = person_from_row(row)?;
            let act = ActId(row.get(11).map_err(database("read a person"))?);
            let valid_on = day_column(row, 12)?;
            versions.push(Version { act, valid_on, record });
        }
        let Some(current) = in_effect(&versions, day) else {
            return Ok(None);
        };
        let person = current.record.clone();

        let assignments = query_all(
            connection,
            "SELECT person, unit, from_day, to_day FROM service s
             WHERE person = ?1 AND act NOT IN (SELECT reversed FROM reversals)
               AND NOT EXISTS (SELECT 1 FROM service r WHERE r.replaces = s.id
                               AND r.act NOT IN (SELECT reversed FROM reversals))
             ORDER BY from_day, id",
            [id],
            assignment_from_row,
        )?;
        let events = query_all(
            connection,
            "SELECT person, day, kind, ref, detail FROM events
             WHERE person = ?1 AND act NOT IN (SELECT reversed FROM reversals) ORDER BY day, id",
            [id],
            event_from_row,
        )?;
        // Deployments that name him, or a unit at or above one he served in.
        let mut unit_ids: Vec<&str> = Vec::new();
        let mut seen = HashSet::new();
        for assignment in &assignments {
            for unit in tree.ancestors_or_self(&assignment.unit) {
                if seen.insert(unit) {
                    unit_ids.push(unit);
                }
            }
        }
        let mut deployments = query_all(
            connection,
            "SELECT unit, person, site, campaign, from_day, to_day FROM deployments d
             WHERE person = ?1 AND act NOT IN (SELECT reversed FROM reversals)
               AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.replaces = d.id
                               AND r.act NOT IN (SELECT reversed FROM reversals))
             ORDER BY from_day, id",
            [id],
            deployment_from_row,
        )?;
        for unit in unit_ids {
            deployments.extend(query_all(
                connection,
                "SELECT unit, person, site, campaign, from_day, to_day FROM deployments d
                 WHERE unit = ?1 AND act NOT IN (SELECT reversed FROM reversals)
                   AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.replaces = d.id
                                   AND r.act NOT IN (SELECT reversed FROM reversals))
                 ORDER BY from_day, id",
                [unit],
                deployment_from_row,
            )?);
        }
        deployments.sort_by_key(|deployment| deployment.from);
        let papers = held_papers(connection, "p.person = ?1", id)?
            .into_iter()
            .map(|(held, _)| held)
            .collect();
        let file = PersonFile { person, assignments, deployments, events, papers };
        Ok(Some(PersonRecords { file, versions }))
    }

    fn units(&self) -> Result<Vec<Unit>, StoreError> {
        latest_by_id(
            &self.connection,
            "SELECT id, name, parent, branch, tags, administration FROM units ORDER BY id, act",
            unit_from_row,
            |unit| &unit.id,
        )
    }

    fn put_user(&mut self, act: NewAct, user: NewUser, content: &str) -> Result<ActId, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin changing a user"))?;
        let (act_id, marks) = insert_act(&transaction, &act)?;
        transaction
            .execute(
                "INSERT INTO users (act, name, organisation, role, password_hash, disabled)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    act_id.0,
                    user.name,
                    user.organisation,
                    user.role,
                    user.password_hash,
                    user.disabled
                ],
            )
            .map_err(database("record the user"))?;
        let content: serde_json::Value =
            serde_json::from_str(content).unwrap_or_else(|_| json!(content));
        audit::record_act(&transaction, act_id.0, &marks, &[], content)?;
        transaction.commit().map_err(database("commit the user"))?;
        Ok(act_id)
    }

    fn users(&self) -> Result<Vec<StoredUser>, StoreError> {
        let versions = query_all(
            &self.connection,
            "SELECT u.name, u.organisation, u.role, u.password_hash, u.disabled,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM users u JOIN acts a ON a.id = u.act ORDER BY u.name, u.id",
            [],
            |row| {
                Ok((
                    get::<String>(row, 0)?,
                    get::<String>(row, 1)?,
                    get::<String>(row, 2)?,
                    get::<String>(row, 3)?,
                    get::<bool>(row, 4)?,
                    act_from_row(row, 5)?,
                ))
            },
        )?;
        let mut users: Vec<StoredUser> = Vec::new();
        for (name, organisation, role, password_hash, disabled, act) in versions {
            match users.last_mut() {
                Some(user) if user.name == name => {
                    user.organisation = organisation;
                    user.role = role;
                    user.password_hash = password_hash;
                    user.disabled = disabled;
                    user.changed = act;
                }
                _ => users.push(StoredUser {
                    name,
                    organisation,
                    role,
                    password_hash,
                    disabled,
                    created: act.clone(),
                    changed: act,
                }),
            }
        }
        Ok(users)
    }

    fn add_token(
        &mut self,
        act: NewAct,
        user: &str,
        label: &str,
        token_sha256: &str,
    ) -> Result<ActId, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin adding a token"))?;
        let (act_id, marks) = insert_act(&transaction, &act)?;
        transaction
            .execute(
                "INSERT INTO tokens (act, user_name, label, token_sha256) VALUES (?1, ?2, ?3, ?4)",
                params![act_id.0, user, label, token_sha256],
            )
            .map_err(database("record the token"))?;
        audit::record_act(
            &transaction,
            act_id.0,
            &marks,
            &[],
            json!({"user": user, "token": label}),
        )?;
        transaction.commit().map_err(database("commit the token"))?;
        Ok(act_id)
    }

    fn token(&self, token_sha256: &str) -> Result<Option<StoredToken>, StoreError> {
        let mut tokens = query_all(
            &self.connection,
            "SELECT t.user_name, t.label, a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM tokens t JOIN acts a ON a.id = t.act WHERE t.token_sha256 = ?1",
            [token_sha256],
            |row| Ok(StoredToken { user: get(row, 0)?, label: get(row, 1)?, act: act_from_row(row, 2)? }),
        )?;
        Ok(tokens.pop())
    }

    fn record_event(
        &mut self,
        actor: &str,
        kind: &str,
        summary: &str,
        content: &str,
    ) -> Result<(), StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin recording an event"))?;
        audit::append(
            &transaction,
            AuditEntry {
                seq: 0,
                act: None,
                recorded_at: now(),
                actor: actor.to_string(),
                kind: kind.to_string(),
                valid_on: None,
                summary: summary.to_string(),
                content: content.to_string(),
                previous: String::new(),
                hash: String::new(),
            },
        )?;
        transaction.commit().map_err(database("commit the event"))
    }

    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        audit::entries(&self.connection)
    }

    fn audit_verify(&self) -> Result<Option<AuditProblem>, StoreError> {
        // One read transaction, so that the log and the tables are read as
        // of one moment: an act committed meanwhile is seen whole or not.
        let transaction =
            rusqlite::Transaction::new_unchecked(&self.connection, TransactionBehavior::Deferred)
                .map_err(database("begin reading the audit log"))?;
        let problem = audit::verify(&transaction)?;
        transaction.rollback().map_err(database("end reading the audit log"))?;
        Ok(problem)
    }

    fn audit_tree_size(&self) -> Result<u64, StoreError> {
        crate::tree::size(&self.connection)
    }

    fn audit_root(&self, size: u64) -> Result<muster_core::merkle::Hash, StoreError> {
        crate::tree::root(&self.connection, size)
    }

    fn audit_inclusion(
        &self,
        index: u64,
        size: u64,
    ) -> Result<(muster_core::merkle::Hash, Vec<muster_core::merkle::Hash>), StoreError> {
        crate::tree::inclusion(&self.connection, index, size)
    }

    fn audit_consistency(
        &self,
        first: u64,
        second: u64,
    ) -> Result<Vec<muster_core::merkle::Hash>, StoreError> {
        crate::tree::consistency(&self.connection, first, second)
    }

    fn audit_entry_of(&self, act: i64) -> Result<Option<AuditEntry>, StoreError> {
        Ok(audit::entries_where(&self.connection, "act = ?1", act)?.into_iter().next())
    }

    fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        latest_by_id(
            &self.connection,
            "SELECT id, name, kind, parent FROM organisations ORDER BY id, act",
            organisation_from_row,
            |organisation| &organisation.id,
        )
    }

    fn calendar(&self) -> Result<Calendar, StoreError> {
        Ok(load_calendar(&self.connection)?.unwrap_or_default())
    }

    fn acts(&self) -> Result<Vec<Act>, StoreError> {
        query_all(
            &self.connection,
            "SELECT id, kind, valid_on, recorded_at, actor, summary FROM acts ORDER BY id",
            [],
            |row| act_from_row(row, 0),
        )
    }

    fn record_act(
        &mut self,
        act: NewAct,
        decide: &mut dyn FnMut(&dyn Store) -> Result<ActWrite, StoreError>,
    ) -> Result<Act, StoreError> {
        self.connection.execute_batch("BEGIN IMMEDIATE").map_err(database("begin the act"))?;
        let written = (|| {
            let write = decide(&*self)?;
            let connection = &self.connection;
            let (act_id, marks) = insert_act(connection, &act)?;
            let mut hashed = Vec::new();
            write_plan(connection, &write.plan, act_id, Mode::Update, &mut |_, _| {}, &mut hashed)?;
            insert_notices(connection, act_id, &write.notices)?;
            insert_paper_acts(connection, act_id, &write)?;
            if let Some(key) = &write.key {
                connection
                    .execute(
                        "INSERT INTO act_keys (key, act) VALUES (?1, ?2)",
                        params![key, act_id.0],
                    )
                    .map_err(database("keep the act's key"))?;
            }
            audit::record_act(connection, act_id.0, &marks, &hashed, write.content)?;
            Ok(act_id)
        })();
        finish(&self.connection, written)?;
        self.stored_act(self.last_act()?)
    }

    fn act_list_changes(&self, act: i64) -> Result<crate::ListChanges, StoreError> {
        let connection = &self.connection;
        let (start, end) = crate::rows::rowids_of_act(connection, "lists", act)?;
        let created = query_all(
            connection,
            "SELECT id FROM lists WHERE rowid >= ?1 AND rowid < ?2 ORDER BY rowid",
            params![start, end],
            |row| get(row, 0),
        )?;
        let (start, end) = crate::rows::rowids_of_act(connection, "list_entries", act)?;
        let valid_on: String = connection
            .query_row("SELECT valid_on FROM acts WHERE id = ?1", [act], |row| row.get(0))
            .map_err(database("read an act"))?;
        let on = crate::scan::parse_day_bytes(valid_on.as_bytes())
            .ok_or_else(|| StoreError::Corrupt { what: format!("the day of act {act}") })?;
        let changes = query_all(
            connection,
            "SELECT list, person, action = 'add' FROM list_entries
             WHERE rowid >= ?1 AND rowid < ?2 ORDER BY rowid",
            params![start, end],
            |row| {
                Ok((
                    get(row, 0)?,
                    muster_core::EntryChange { person: get(row, 1)?, added: get(row, 2)?, on },
                ))
            },
        )?;
        Ok((created, changes))
    }

    fn act_of_key(&self, key: &str) -> Result<Option<i64>, StoreError> {
        self.connection
            .query_row("SELECT act FROM act_keys WHERE key = ?1", [key], |row| row.get(0))
            .optional()
            .map_err(database("read an act's key"))
    }

    fn acts_after(&self, after: i64) -> Result<Vec<Act>, StoreError> {
        query_all(
            &self.connection,
            "SELECT id, kind, valid_on, recorded_at, actor, summary FROM acts WHERE id > ?1 ORDER BY id",
            [after],
            |row| act_from_row(row, 0),
        )
    }

    fn unit_deployments(&self, unit: &str) -> Result<Vec<Deployment>, StoreError> {
        query_all(
            &self.connection,
            "SELECT unit, person, site, campaign, from_day, to_day FROM deployments d
             WHERE unit = ?1 AND act NOT IN (SELECT reversed FROM reversals)
               AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.replaces = d.id
                               AND r.act NOT IN (SELECT reversed FROM reversals))
             ORDER BY from_day, id",
            [unit],
            deployment_from_row,
        )
    }

    fn members_on(&self, units: &[String], day: NaiveDate) -> Result<Vec<String>, StoreError> {
        let units = serde_json::to_string(units)
            .map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
        let day = day_text(day);
        query_all(
            &self.connection,
            "SELECT DISTINCT s.person FROM service s
             WHERE s.unit IN (SELECT value FROM json_each(?1))
               AND s.from_day <= ?2 AND (s.to_day IS NULL OR s.to_day >= ?2)
               AND s.act NOT IN (SELECT reversed FROM reversals)
               AND NOT EXISTS (SELECT 1 FROM service r WHERE r.replaces = s.id
                               AND r.act NOT IN (SELECT reversed FROM reversals))
             ORDER BY s.person",
            params![units, day.as_str()],
            |row| row.get::<_, String>(0).map_err(database("read the members of units")),
        )
    }

    fn serving_by_unit(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let (from, to) = (day_text(from), day_text(to));
        query_all(
            &self.connection,
            // Two ranges of `service_by_end` (open, and ending in or after
            // the window), so that only the window's rows are read.
            "SELECT unit, COUNT(DISTINCT person) FROM (
                SELECT s.unit, s.person FROM service s INDEXED BY service_by_end
                WHERE s.to_day IS NULL AND s.from_day <= ?2
                  AND s.act NOT IN (SELECT reversed FROM reversals)
                  AND NOT EXISTS (SELECT 1 FROM service r WHERE r.replaces = s.id
                                  AND r.act NOT IN (SELECT reversed FROM reversals))
                UNION ALL
                SELECT s.unit, s.person FROM service s INDEXED BY service_by_end
                WHERE s.to_day >= ?1 AND s.from_day <= ?2
                  AND s.act NOT IN (SELECT reversed FROM reversals)
                  AND NOT EXISTS (SELECT 1 FROM service r WHERE r.replaces = s.id
                                  AND r.act NOT IN (SELECT reversed FROM reversals)))
             GROUP BY unit ORDER BY unit",
            params![from.as_str(), to.as_str()],
            |row| {
                let unit = row.get::<_, String>(0).map_err(database("read who served"))?;
                let people = row.get::<_, i64>(1).map_err(database("read who served"))?;
                Ok((unit, u64::try_from(people).unwrap_or(0)))
            },
        )
    }

    fn act(&self, id: i64) -> Result<Option<StoredAct>, StoreError> {
        let Some(act) = self
            .connection
            .query_row(
                "SELECT id, kind, valid_on, recorded_at, actor, summary FROM acts WHERE id = ?1",
                [id],
                |row| Ok(act_from_row(row, 0)),
            )
            .optional()
            .map_err(database("read an act"))?
        else {
            return Ok(None);
        };
        let act = act?;
        let content: Option<String> = self
            .connection
            .query_row("SELECT content FROM audit WHERE act = ?1", [id], |row| row.get(0))
            .optional()
            .map_err(database("read an act's entry"))?;
        let content = content
            .and_then(|content| serde_json::from_str(&content).ok())
            .unwrap_or(serde_json::Value::Null);
        let mut rows = Vec::new();
        for table in crate::rows::TABLES {
            let written = crate::rows::of_act(&self.connection, table, id)?;
            if !written.is_empty() {
                rows.push((table.name.to_string(), written));
            }
        }
        let reversed_by = self
            .connection
            .query_row("SELECT act, reason FROM reversals WHERE reversed = ?1", [id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .map_err(database("read an act's reversal"))?;
        let reverses = self
            .connection
            .query_row("SELECT reversed FROM reversals WHERE act = ?1", [id], |row| row.get(0))
            .optional()
            .map_err(database("read an act's reversal"))?;
        Ok(Some(StoredAct { act, content, rows, reversed_by, reverses }))
    }

    fn reverse_act(&mut self, act: NewAct, reversed: i64, reason: &str) -> Result<Act, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin the reversal"))?;
        let kind: Option<String> = transaction
            .query_row("SELECT kind FROM acts WHERE id = ?1", [reversed], |row| row.get(0))
            .optional()
            .map_err(database("read the act to reverse"))?;
        let Some(kind) = kind else {
            return Err(StoreError::NoSuchAct { act: reversed });
        };
        let by: Option<i64> = transaction
            .query_row("SELECT act FROM reversals WHERE reversed = ?1", [reversed], |row| {
                row.get(0)
            })
            .optional()
            .map_err(database("read the reversals"))?;
        if let Some(by) = by {
            return Err(StoreError::AlreadyReversed { act: reversed, by });
        }
        let not_reversible = |why: &str| StoreError::NotReversible {
            act: reversed,
            kind: kind.clone(),
            why: why.to_string(),
        };
        if kind == "import" {
            return Err(not_reversible(
                "an import is corrected by another import (`muster import --update`)",
            ));
        }
        for table in crate::rows::TABLES {
            if RECORD_TABLES.contains(&table.name)
                || table.name == "notices"
                || table.name == "act_keys"
            {
                continue;
            }
            if !crate::rows::of_act(&transaction, table, reversed)?.is_empty() {
                return Err(not_reversible(&format!(
                    "it wrote `{}`, which is no record of people: {}",
                    table.name,
                    match table.name {
                        "orders" => "an order is revoked, not reversed",
                        "revocations" => "a revocation stands once made",
                        "lists" | "list_entries" => "a list is changed by list acts",
                        "reversals" => "a reversal stands once made",
                        "papers" => "a paper is revoked (`exemption revoke`), not reversed",
                        "paper_revocations" | "paper_notes" => "it stands once made",
                        "exemption_limits" => "limits are replaced by setting others",
                        _ => "it is not reversed",
                    }
                )));
            }
        }
        let subjects = subjects_of(&transaction, reversed)?;
        if subjects.persons.is_empty() && subjects.units.is_empty() {
            return Err(not_reversible("it wrote no record of people"));
        }
        if let Some((later, later_kind)) = depending(&transaction, reversed, &subjects)? {
            return Err(StoreError::Depended { act: reversed, later, kind: later_kind });
        }
        let (act_id, marks) = insert_act(&transaction, &act)?;
        transaction
            .execute(
                "INSERT INTO reversals (act, reversed, reason) VALUES (?1, ?2, ?3)",
                params![act_id.0, reversed, reason],
            )
            .map_err(database("record the reversal"))?;
        audit::record_act(
            &transaction,
            act_id.0,
            &marks,
            &[],
            json!({"reversed": reversed, "reason": reason, "persons": subjects.persons, "units": subjects.units}),
        )?;
        transaction.commit().map_err(database("commit the reversal"))?;
        self.stored_act(act_id.0)
    }

    fn act_subjects(&self, act: i64) -> Result<ActSubjects, StoreError> {
        let reversed: Option<i64> = self
            .connection
            .query_row("SELECT reversed FROM reversals WHERE act = ?1", [act], |row| row.get(0))
            .optional()
            .map_err(database("read the reversals"))?;
        subjects_of(&self.connection, reversed.unwrap_or(act))
    }

    fn people_files(&self, ids: &[String], tree: &UnitTree) -> Result<Vec<PersonFile>, StoreError> {
        self.files_of(ids, tree)
    }

    fn last_act(&self) -> Result<i64, StoreError> {
        self.connection
            .query_row("SELECT COALESCE(MAX(id), 0) FROM acts", [], |row| row.get(0))
            .map_err(database("read the last act"))
    }

    fn last_account_act(&self) -> Result<i64, StoreError> {
        // Rows are only appended, each under a later act than the one
        // before: the last row of each table has its last act.
        self.connection
            .query_row(
                "SELECT max(COALESCE((SELECT act FROM users ORDER BY id DESC LIMIT 1), 0),
                            COALESCE((SELECT act FROM tokens ORDER BY id DESC LIMIT 1), 0))",
                [],
                |row| row.get(0),
            )
            .map_err(database("read the last act on the accounts"))
    }

    fn last_act_of(&self, kind: &str) -> Result<i64, StoreError> {
        self.connection
            .query_row("SELECT COALESCE(MAX(id), 0) FROM acts WHERE kind = ?1", [kind], |row| {
                row.get(0)
            })
            .map_err(database("read the last act of a kind"))
    }

    fn issue_order(
        &mut self,
        act: NewAct,
        order: NewOrder,
        notices: &[NewNotice],
    ) -> Result<ActId, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin issuing the order"))?;
        let exists: Option<i64> = transaction
            .query_row("SELECT act FROM orders WHERE id = ?1", [&order.id], |row| row.get(0))
            .optional()
            .map_err(database("look up the order"))?;
        if exists.is_some() {
            return Err(StoreError::OrderExists { id: order.id });
        }
        let (act_id, marks) = insert_act(&transaction, &act)?;
        transaction
            .execute(
                "INSERT INTO orders (id, act, document, override, impact) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![order.id, act_id.0, order.document, order.overridden, order.impact],
            )
            .map_err(database("record the order"))?;
        insert_notices(&transaction, act_id, notices)?;
        audit::record_act(
            &transaction,
            act_id.0,
            &marks,
            &[],
            json!({
                "order": order.id,
                "document_sha256": audit::sha256_hex(&order.document),
                "override": order.overridden,
                "notices": notices.len(),
            }),
        )?;
        transaction.commit().map_err(database("commit the order"))?;
        Ok(act_id)
    }

    fn revoke_order(
        &mut self,
        act: NewAct,
        order: &str,
        on: NaiveDate,
        reason: &str,
    ) -> Result<ActId, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin the revocation"))?;
        let exists: Option<i64> = transaction
            .query_row("SELECT act FROM orders WHERE id = ?1", [order], |row| row.get(0))
            .optional()
            .map_err(database("look up the order"))?;
        if exists.is_none() {
            return Err(StoreError::NoSuchOrder { id: order.to_string() });
        }
        let (act_id, marks) = insert_act(&transaction, &act)?;
        transaction
            .execute(
                "INSERT INTO revocations (order_id, act, on_day, reason) VALUES (?1, ?2, ?3, ?4)",
                params![order, act_id.0, day_text(on).as_str(), reason],
            )
            .map_err(database("record the revocation"))?;
        audit::record_act(
            &transaction,
            act_id.0,
            &marks,
            &[],
            json!({"order": order, "on": day_text(on).as_str(), "reason": reason}),
        )?;
        transaction.commit().map_err(database("commit the revocation"))?;
        Ok(act_id)
    }

    fn orders(&self) -> Result<Vec<StoredOrder>, StoreError> {
        query_all(
            &self.connection,
            "SELECT o.id, o.document, o.override, o.impact,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM orders o JOIN acts a ON a.id = o.act ORDER BY a.id",
            [],
            |row| {
                Ok(StoredOrder {
                    id: get(row, 0)?,
                    document: get(row, 1)?,
                    overridden: get(row, 2)?,
                    impact: get(row, 3)?,
                    act: act_from_row(row, 4)?,
                })
            },
        )
    }

    fn revocations(&self) -> Result<Vec<StoredRevocation>, StoreError> {
        query_all(
            &self.connection,
            "SELECT r.order_id, r.on_day, r.reason,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM revocations r JOIN acts a ON a.id = r.act ORDER BY a.id",
            [],
            |row| {
                Ok(StoredRevocation {
                    order: get(row, 0)?,
                    on: day_column(row, 1)?,
                    reason: get(row, 2)?,
                    act: act_from_row(row, 3)?,
                })
            },
        )
    }

    fn create_list(&mut self, act: NewAct, list: NewList) -> Result<ActId, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin creating the list"))?;
        let exists: Option<i64> = transaction
            .query_row("SELECT act FROM lists WHERE id = ?1", [&list.id], |row| row.get(0))
            .optional()
            .map_err(database("look up the list"))?;
        if exists.is_some() {
            return Err(StoreError::ListExists { id: list.id });
        }
        let (act_id, marks) = insert_act(&transaction, &act)?;
        transaction
            .execute(
                "INSERT INTO lists (id, act, kind, owner, title, quota) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![list.id, act_id.0, list.kind, list.owner, list.title, list.quota],
            )
            .map_err(database("record the list"))?;
        audit::record_act(
            &transaction,
            act_id.0,
            &marks,
            &[],
            json!({"list": list.id, "kind": list.kind, "owner": list.owner, "title": list.title, "quota": list.quota}),
        )?;
        transaction.commit().map_err(database("commit the list"))?;
        Ok(act_id)
    }

    fn list(&self, id: &str) -> Result<Option<StoredList>, StoreError> {
        Ok(query_all(
            &self.connection,
            "SELECT l.id, l.kind, l.owner, l.title, l.quota,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM lists l JOIN acts a ON a.id = l.act WHERE l.id = ?1",
            [id],
            list_from_row,
        )?
        .pop())
    }

    fn lists(&self) -> Result<Vec<StoredList>, StoreError> {
        query_all(
            &self.connection,
            "SELECT l.id, l.kind, l.owner, l.title, l.quota,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM lists l JOIN acts a ON a.id = l.act ORDER BY a.id",
            [],
            list_from_row,
        )
    }

    fn change_entries(
        &mut self,
        mut act: NewAct,
        list: &str,
        persons: &[String],
        action: EntryAction,
        notices: &[NewNotice],
    ) -> Result<EntriesChanged, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin changing the list"))?;
        let exists: Option<i64> = transaction
            .query_row("SELECT act FROM lists WHERE id = ?1", [list], |row| row.get(0))
            .optional()
            .map_err(database("look up the list"))?;
        if exists.is_none() {
            return Err(StoreError::NoSuchList { id: list.to_string() });
        }
        // Who is on the list on the act's day, read under the write lock:
        // the entries of the persons named, or of the whole list when they
        // are many.
        let change_from_row = |row: &Row<'_>| -> Result<muster_core::EntryChange, StoreError> {
            let action: String = get(row, 1)?;
            Ok(muster_core::EntryChange {
                person: get(row, 0)?,
                added: action == "add",
                on: day_column(row, 2)?,
            })
        };
        let changes = if persons.len() <= PERSONS_ONE_BY_ONE {
            let mut changes = Vec::new();
            for person in persons {
                changes.extend(query_all(
                    &transaction,
                    "SELECT e.person, e.action, a.valid_on FROM list_entries e
                     JOIN acts a ON a.id = e.act
                     WHERE e.person = ?1 AND e.list = ?2 ORDER BY e.id",
                    [person.as_str(), list],
                    change_from_row,
                )?);
            }
            changes.sort_by_key(|change| change.on);
            changes
        } else {
            query_all(
                &transaction,
                "SELECT e.person, e.action, a.valid_on FROM list_entries e
                 JOIN acts a ON a.id = e.act
                 WHERE e.list = ?1 ORDER BY a.valid_on, e.id",
                [list],
                change_from_row,
            )?
        };
        let active: HashSet<String> = muster_core::members(&changes, act.valid_on)
            .into_iter()
            .filter(|(_, _, active)| *active)
            .map(|(person, _, _)| person)
            .collect();
        let persons: Vec<String> = match action {
            EntryAction::Add => {
                let mut seen = HashSet::new();
                let added: Vec<String> = persons
                    .iter()
                    .filter(|person| !active.contains(*person) && seen.insert(person.as_str()))
                    .cloned()
                    .collect();
                if added.is_empty() {
                    return Ok(EntriesChanged { act: None, persons: added });
                }
                if added.len() != persons.len() {
                    // The caller counted some who are on the list already.
                    let count = if added.len() == 1 {
                        "1 person".to_string()
                    } else {
                        format!("{} persons", added.len())
                    };
                    act.summary = format!("add {count} to list {list}");
                }
                added
            }
            EntryAction::Remove => {
                let missing: Vec<String> =
                    persons.iter().filter(|person| !active.contains(*person)).cloned().collect();
                if !missing.is_empty() {
                    return Err(StoreError::NotOnList {
                        list: list.to_string(),
                        day: act.valid_on,
                        persons: missing,
                    });
                }
                persons.to_vec()
            }
        };
        let (act_id, marks) = insert_act(&transaction, &act)?;
        let action_word = match action {
            EntryAction::Add => "add",
            EntryAction::Remove => "remove",
        };
        {
            let mut insert = transaction
                .prepare(
                    "INSERT INTO list_entries (act, list, person, action) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(database("record the entries"))?;
            for person in &persons {
                insert
                    .execute(params![act_id.0, list, person, action_word])
                    .map_err(database("record the entries"))?;
            }
        }
        insert_notices(&transaction, act_id, notices)?;
        audit::record_act(
            &transaction,
            act_id.0,
            &marks,
            &[],
            json!({"list": list, "action": action_word, "persons": persons, "notices": notices.len()}),
        )?;
        transaction.commit().map_err(database("commit the entries"))?;
        Ok(EntriesChanged { act: Some(act_id), persons })
    }

    fn person_entries(&self, person: &str) -> Result<Vec<(String, StoredEntry)>, StoreError> {
        query_all(
            &self.connection,
            "SELECT e.person, e.action,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary, e.list
             FROM list_entries e JOIN acts a ON a.id = e.act WHERE e.person = ?1 ORDER BY e.id",
            [person],
            |row| Ok((get(row, 8)?, entry_from_row(row)?)),
        )
    }

    fn persons_entries(
        &self,
        persons: &[String],
    ) -> Result<Vec<(String, StoredEntry)>, StoreError> {
        let persons = serde_json::to_string(persons)
            .map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
        query_all(
            &self.connection,
            "SELECT e.person, e.action,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary, e.list
             FROM list_entries e JOIN acts a ON a.id = e.act
             WHERE e.person IN (SELECT value FROM json_each(?1)) ORDER BY e.id",
            [persons.as_str()],
            |row| Ok((get(row, 8)?, entry_from_row(row)?)),
        )
    }

    fn entry_changes(
        &self,
        list: &str,
        through: i64,
    ) -> Result<Vec<muster_core::EntryChange>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT e.person, e.action = 'add', a.valid_on FROM list_entries e
                 JOIN acts a ON a.id = e.act WHERE e.list = ?1 AND e.act <= ?2
                 ORDER BY a.valid_on, e.id",
            )
            .map_err(database("read a list's entries"))?;
        let mut rows =
            statement.query(params![list, through]).map_err(database("read a list's entries"))?;
        let mut changes = Vec::new();
        while let Some(row) = rows.next().map_err(database("read a list's entries"))? {
            let day = row.get_ref(2).map_err(database("read a list's entries"))?;
            let on = day
                .as_str()
                .ok()
                .and_then(|text| crate::scan::parse_day_bytes(text.as_bytes()))
                .ok_or_else(|| StoreError::Corrupt { what: "the day of an entry".to_string() })?;
            changes.push(muster_core::EntryChange {
                person: get(row, 0)?,
                added: get(row, 1)?,
                on,
            });
        }
        Ok(changes)
    }

    fn entries(&self, list: &str) -> Result<Vec<StoredEntry>, StoreError> {
        query_all(
            &self.connection,
            "SELECT e.person, e.action,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM list_entries e JOIN acts a ON a.id = e.act WHERE e.list = ?1 ORDER BY e.id",
            [list],
            entry_from_row,
        )
    }

    fn leave_notices(&mut self, act: NewAct, notices: &[NewNotice]) -> Result<ActId, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database("begin leaving notices"))?;
        let (act_id, marks) = insert_act(&transaction, &act)?;
        insert_notices(&transaction, act_id, notices)?;
        audit::record_act(
            &transaction,
            act_id.0,
            &marks,
            &[],
            json!({"notices": notices.iter().map(|notice| json!([notice.organisation, notice.message])).collect::<Vec<_>>()}),
        )?;
        transaction.commit().map_err(database("commit the notices"))?;
        Ok(act_id)
    }

    fn papers(
        &self,
        filter: &crate::PaperFilter,
    ) -> Result<Vec<crate::RegisteredPaper>, StoreError> {
        registered_papers(&self.connection, filter, None)
    }

    fn paper(&self, id: &str) -> Result<Option<crate::PaperHistory>, StoreError> {
        let Some(paper) =
            registered_papers(&self.connection, &crate::PaperFilter::default(), Some(id))?
                .into_iter()
                .next()
        else {
            return Ok(None);
        };
        let connection = &self.connection;
        let revoked_by = query_all(
            connection,
            "SELECT a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM paper_revocations r JOIN acts a ON a.id = r.act
             WHERE r.paper = ?1 AND r.act NOT IN (SELECT reversed FROM reversals)
             ORDER BY r.id LIMIT 1",
            [id],
            |row| act_from_row(row, 0),
        )?
        .into_iter()
        .next();
        let notes = query_all(
            connection,
            "SELECT a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary, n.note
             FROM paper_notes n JOIN acts a ON a.id = n.act
             WHERE n.paper = ?1 AND n.act NOT IN (SELECT reversed FROM reversals)
             ORDER BY n.id",
            [id],
            |row| Ok((act_from_row(row, 0)?, get(row, 6)?)),
        )?;
        Ok(Some(crate::PaperHistory { paper, revoked_by, notes }))
    }

    fn exemption_limits(&self) -> Result<Option<(Act, String)>, StoreError> {
        Ok(query_all(
            &self.connection,
            "SELECT a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary, l.document
             FROM exemption_limits l JOIN acts a ON a.id = l.act
             WHERE l.act NOT IN (SELECT reversed FROM reversals)
             ORDER BY l.act DESC LIMIT 1",
            [],
            |row| Ok((act_from_row(row, 0)?, get(row, 6)?)),
        )?
        .into_iter()
        .next())
    }

    fn notices(&self, organisation: &str) -> Result<Vec<StoredNotice>, StoreError> {
        query_all(
            &self.connection,
            "SELECT n.organisation, n.order_id, n.list, n.message,
                    a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary
             FROM notices n JOIN acts a ON a.id = n.act WHERE n.organisation = ?1 ORDER BY n.id",
            [organisation],
            |row| {
                Ok(StoredNotice {
                    organisation: get(row, 0)?,
                    order: get(row, 1)?,
                    list: get(row, 2)?,
                    message: get(row, 3)?,
                    act: act_from_row(row, 4)?,
                })
            },
        )
    }
}

/// The tables of the records of people, which acts on the records write.
const RECORD_TABLES: [&str; 4] = ["people", "service", "deployments", "events"];

/// Ends the transaction of an act: committed if it was written, rolled
/// back if it failed (what failed is answered).
fn finish<T>(connection: &Connection, written: Result<T, StoreError>) -> Result<T, StoreError> {
    match written {
        Ok(value) => {
            connection.execute_batch("COMMIT").map_err(database("commit the act"))?;
            Ok(value)
        }
        Err(error) => {
            connection.execute_batch("ROLLBACK").map_err(database("roll back the act"))?;
            Err(error)
        }
    }
}

/// Whom the rows of an act name: the persons of its people, service,
/// deployments and events rows, and the units of its deployments.
fn subjects_of(connection: &Connection, act: i64) -> Result<ActSubjects, StoreError> {
    let range = |table: &str| crate::rows::rowids_of_act(connection, table, act);
    let (people, service, deployments, events) =
        (range("people")?, range("service")?, range("deployments")?, range("events")?);
    let persons: Vec<String> = query_all(
        connection,
        "SELECT id FROM people WHERE rowid >= ?1 AND rowid < ?2
         UNION SELECT person FROM service WHERE rowid >= ?3 AND rowid < ?4
         UNION SELECT person FROM deployments
               WHERE rowid >= ?5 AND rowid < ?6 AND person IS NOT NULL
         UNION SELECT person FROM events WHERE rowid >= ?7 AND rowid < ?8
         ORDER BY 1",
        params![
            people.0,
            people.1,
            service.0,
            service.1,
            deployments.0,
            deployments.1,
            events.0,
            events.1
        ],
        |row| get(row, 0),
    )?;
    // The persons of the papers it entered or revoked.
    let mut persons = persons;
    let papers = range("papers")?;
    persons.extend(query_all(
        connection,
        "SELECT person FROM papers WHERE rowid >= ?1 AND rowid < ?2",
        params![papers.0, papers.1],
        |row| get::<String>(row, 0),
    )?);
    let revocations = range("paper_revocations")?;
    for paper in query_all(
        connection,
        "SELECT paper FROM paper_revocations WHERE rowid >= ?1 AND rowid < ?2",
        params![revocations.0, revocations.1],
        |row| get::<String>(row, 0),
    )? {
        for registered in
            registered_papers(connection, &crate::PaperFilter::default(), Some(&paper))?
        {
            persons.push(registered.held.paper.person);
        }
    }
    persons.sort();
    persons.dedup();
    let units: Vec<String> = query_all(
        connection,
        "SELECT DISTINCT unit FROM deployments
         WHERE rowid >= ?1 AND rowid < ?2 AND unit IS NOT NULL ORDER BY 1",
        params![deployments.0, deployments.1],
        |row| get(row, 0),
    )?;
    Ok(ActSubjects { persons, units })
}

/// The first act recorded after `act`, and not reversed, whose rows name a
/// person or a unit that `act`'s rows name: it depends on what `act` wrote.
fn depending(
    connection: &Connection,
    act: i64,
    subjects: &ActSubjects,
) -> Result<Option<(i64, String)>, StoreError> {
    let persons = serde_json::to_string(&subjects.persons)
        .map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
    let units = serde_json::to_string(&subjects.units)
        .map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
    connection
        .query_row(
            "WITH named(person) AS (SELECT value FROM json_each(?2)),
                  units(unit) AS (SELECT value FROM json_each(?3)),
                  later(act) AS (
                      SELECT act FROM people WHERE id IN named
                      UNION SELECT act FROM service WHERE person IN named
                      UNION SELECT act FROM deployments WHERE person IN named
                      UNION SELECT act FROM deployments WHERE unit IN units
                      UNION SELECT act FROM events WHERE person IN named
                      UNION SELECT act FROM list_entries WHERE person IN named)
             SELECT a.id, a.kind FROM later l JOIN acts a ON a.id = l.act
             WHERE l.act > ?1 AND l.act NOT IN (SELECT reversed FROM reversals)
             ORDER BY a.id LIMIT 1",
            params![act, persons, units],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(database("find the acts that depend on an act"))
}

impl SqliteStore {
    /// An act, read back.
    fn stored_act(&self, id: i64) -> Result<Act, StoreError> {
        self.connection
            .query_row(
                "SELECT id, kind, valid_on, recorded_at, actor, summary FROM acts WHERE id = ?1",
                [id],
                |row| Ok(act_from_row(row, 0)),
            )
            .map_err(database("read the act back"))?
    }

    /// The files of persons as they now stand, read together: one query
    /// per table for all of them.
    fn files_of(&self, ids: &[String], tree: &UnitTree) -> Result<Vec<PersonFile>, StoreError> {
        let connection = &self.connection;
        let wanted = serde_json::to_string(ids)
            .map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
        let mut people: Vec<Person> = Vec::new();
        for person in query_all(
            connection,
            "SELECT id, name, born, sex, home_province, home_county, branch, rank, specialty,
                    enlisted, term_months FROM people
             WHERE id IN (SELECT value FROM json_each(?1))
               AND act NOT IN (SELECT reversed FROM reversals)
             ORDER BY id, act",
            [wanted.as_str()],
            person_from_row,
        )? {
            match people.last_mut() {
                Some(last) if last.id == person.id => *last = person,
                _ => people.push(person),
            }
        }
        let mut files: HashMap<String, PersonFile> = people
            .into_iter()
            .map(|person| {
                let file = PersonFile {
                    person,
                    assignments: Vec::new(),
                    deployments: Vec::new(),
                    events: Vec::new(),
                    papers: Vec::new(),
                };
                (file.person.id.clone(), file)
            })
            .collect();
        for (held, _) in
            held_papers(connection, "p.person IN (SELECT value FROM json_each(?1))", &wanted)?
        {
            if let Some(file) = files.get_mut(&held.paper.person) {
                file.papers.push(held);
            }
        }
        for assignment in query_all(
            connection,
            "SELECT person, unit, from_day, to_day FROM service s
             WHERE person IN (SELECT value FROM json_each(?1))
               AND act NOT IN (SELECT reversed FROM reversals)
               AND NOT EXISTS (SELECT 1 FROM service r WHERE r.replaces = s.id
                               AND r.act NOT IN (SELECT reversed FROM reversals))
             ORDER BY person, from_day, id",
            [wanted.as_str()],
            assignment_from_row,
        )? {
            if let Some(file) = files.get_mut(&assignment.person) {
                file.assignments.push(assignment);
            }
        }
        for event in query_all(
            connection,
            "SELECT person, day, kind, ref, detail FROM events
             WHERE person IN (SELECT value FROM json_each(?1))
               AND act NOT IN (SELECT reversed FROM reversals)
             ORDER BY person, day, id",
            [wanted.as_str()],
            event_from_row,
        )? {
            if let Some(file) = files.get_mut(&event.person) {
                file.events.push(event);
            }
        }
        let live_deployments = "act NOT IN (SELECT reversed FROM reversals)
               AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.replaces = d.id
                               AND r.act NOT IN (SELECT reversed FROM reversals))";
        for deployment in query_all(
            connection,
            &format!(
                "SELECT unit, person, site, campaign, from_day, to_day FROM deployments d
                 WHERE person IN (SELECT value FROM json_each(?1)) AND {live_deployments}
                 ORDER BY from_day, id"
            ),
            [wanted.as_str()],
            deployment_from_row,
        )? {
            if let Deployed::Person(person) = &deployment.deployed
                && let Some(file) = files.get_mut(person)
            {
                file.deployments.push(deployment);
            }
        }
        // Deployments of a unit at or above one each served in.
        let mut units: Vec<String> = files
            .values()
            .flat_map(|file| file.assignments.iter())
            .flat_map(|assignment| tree.ancestors_or_self(&assignment.unit))
            .map(str::to_string)
            .collect();
        units.sort();
        units.dedup();
        let units_json = serde_json::to_string(&units)
            .map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
        let unit_deployments = query_all(
            connection,
            &format!(
                "SELECT unit, person, site, campaign, from_day, to_day FROM deployments d
                 WHERE unit IN (SELECT value FROM json_each(?1)) AND {live_deployments}
                 ORDER BY from_day, id"
            ),
            [units_json.as_str()],
            deployment_from_row,
        )?;
        // By unit, so that each person takes those of his units only (a
        // unit's deployment reaches thousands of persons at once).
        let mut by_unit: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, deployment) in unit_deployments.iter().enumerate() {
            if let Deployed::Unit(unit) = &deployment.deployed {
                by_unit.entry(unit.as_str()).or_default().push(index);
            }
        }
        let mut answer = Vec::with_capacity(files.len());
        for id in ids {
            let Some(mut file) = files.remove(id) else {
                continue;
            };
            let mut reached: Vec<&str> = file
                .assignments
                .iter()
                .flat_map(|assignment| tree.ancestors_or_self(&assignment.unit))
                .collect();
            reached.sort_unstable();
            reached.dedup();
            let mut theirs: Vec<usize> =
                reached.iter().filter_map(|unit| by_unit.get(unit)).flatten().copied().collect();
            // In the order the query gives: by day, then as recorded.
            theirs.sort_unstable();
            file.deployments.extend(
                theirs.into_iter().filter_map(|index| unit_deployments.get(index)).cloned(),
            );
            file.deployments.sort_by_key(|deployment| deployment.from);
            answer.push(file);
        }
        Ok(answer)
    }
}

fn act_from_row(row: &Row<'_>, first: usize) -> Result<Act, StoreError> {
    Ok(Act {
        id: ActId(get(row, first)?),
        kind: get(row, first + 1)?,
        valid_on: day_column(row, first + 2)?,
        recorded_at: get(row, first + 3)?,
        actor: get(row, first + 4)?,
        summary: get(row, first + 5)?,
    })
}

/// An entry row: person, action, then the act's columns.
fn entry_from_row(row: &Row<'_>) -> Result<StoredEntry, StoreError> {
    let action: String = get(row, 1)?;
    let action = match action.as_str() {
        "add" => EntryAction::Add,
        "remove" => EntryAction::Remove,
        other => {
            return Err(StoreError::Corrupt { what: format!("the entry action `{other}`") });
        }
    };
    Ok(StoredEntry { person: get(row, 0)?, action, act: act_from_row(row, 2)? })
}

fn list_from_row(row: &Row<'_>) -> Result<StoredList, StoreError> {
    Ok(StoredList {
        id: get(row, 0)?,
        kind: get(row, 1)?,
        owner: get(row, 2)?,
        title: get(row, 3)?,
        quota: get(row, 4)?,
        act: act_from_row(row, 5)?,
    })
}

fn insert_notices(
    connection: &Connection,
    act: ActId,
    notices: &[NewNotice],
) -> Result<(), StoreError> {
    let mut insert = connection
        .prepare(
            "INSERT INTO notices (act, organisation, order_id, list, message) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(database("leave the notices"))?;
    for notice in notices {
        insert
            .execute(params![act.0, notice.organisation, notice.order, notice.list, notice.message])
            .map_err(database("leave the notices"))?;
    }
    Ok(())
}

/// Records an act, first marking where each table ends: the rows written
/// after the marks are the act's.
fn insert_act(connection: &Connection, act: &NewAct) -> Result<(ActId, rows::Marks), StoreError> {
    let marks = rows::marks(connection)?;
    connection
        .execute(
            "INSERT INTO acts (kind, valid_on, recorded_at, actor, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![act.kind, day_text(act.valid_on).as_str(), now(), act.actor, act.summary],
        )
        .map_err(database("record the act"))?;
    Ok((ActId(connection.last_insert_rowid()), marks))
}

/// Writes every row of a checked plan under one act, and hashes them as
/// they are written, table by table, for the act's audit entry.
fn write_plan(
    connection: &Connection,
    plan: &Plan,
    act: ActId,
    mode: Mode,
    progress: &mut dyn FnMut(u64, u64),
    hashed: &mut Vec<(&'static str, rows::Rows)>,
) -> Result<Vec<(&'static str, u64)>, StoreError> {
    let act = act.0;
    let total = plan.row_count();
    let mut done = 0u64;
    let mut tick = |done: &mut u64| {
        *done += 1;
        if (*done).is_multiple_of(16_384) || *done == total {
            progress(*done, total);
        }
    };
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("calendars")?)?;
        if let Some(calendar) = &plan.calendar {
            insert.execute(
                connection,
                params![act, calendar.spring.to_string(), calendar.autumn.to_string()],
                "write the calendar",
            )?;
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("organisations")?)?;
        for record in &plan.organisations {
            insert.execute(
                connection,
                params![record.id, act, record.name, record.kind.as_str(), record.parent],
                "write the organisations",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("units")?)?;
        for record in &plan.units {
            insert.execute(
                connection,
                params![
                    record.id,
                    act,
                    record.name,
                    record.parent,
                    record.branch.as_str(),
                    record.tags.join(";"),
                    record.administration
                ],
                "write the units",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("sites")?)?;
        for record in &plan.sites {
            insert.execute(
                connection,
                params![record.id, act, record.name, record.province, record.kind],
                "write the sites",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("campaigns")?)?;
        for record in &plan.campaigns {
            insert.execute(
                connection,
                params![
                    record.id,
                    act,
                    record.site,
                    day_text(record.from).as_str(),
                    day_text(record.to).as_str(),
                    record.required,
                    record.required_technicians
                ],
                "write the campaigns",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("people")?)?;
        for record in &plan.people {
            let enlisted = optional_day(record.enlisted);
            insert.execute(
                connection,
                params![
                    record.id,
                    act,
                    record.name,
                    day_text(record.born).as_str(),
                    record.sex.as_str(),
                    record.home_province,
                    record.home_county,
                    record.branch.map(Branch::as_str),
                    record.rank,
                    record.specialty,
                    enlisted.as_ref().map(DayText::as_str),
                    record.term_months
                ],
                "write the people",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("service")?)?;
        let mut find = connection
            .prepare(
                // `+unit`: by the person's index, never the unit's (a unit
                // has thousands of rows, a person a few).
                "SELECT max(id) FROM service WHERE person = ?1 AND +unit = ?2 AND from_day = ?3 AND act < ?4
                 AND act NOT IN (SELECT reversed FROM reversals)",
            )
            .map_err(database("find replaced assignments"))?;
        for record in &plan.assignments {
            let from = day_text(record.from);
            let replaces: Option<i64> = if mode == Mode::Update {
                find.query_row(params![record.person, record.unit, from.as_str(), act], |row| {
                    row.get(0)
                })
                .map_err(database("find replaced assignments"))?
            } else {
                None
            };
            let to = optional_day(record.to);
            insert.execute(
                connection,
                params![
                    act,
                    replaces,
                    record.person,
                    record.unit,
                    from.as_str(),
                    to.as_ref().map(DayText::as_str)
                ],
                "write the service assignments",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("deployments")?)?;
        // One statement for a person's deployment and one for a unit's, each
        // `=` on its column so that the column's (partial) index is used:
        // `person IS ?` would read every deployment for each row.
        let mut find_of_person = connection
            .prepare(
                "SELECT max(id) FROM deployments
                 WHERE person = ?1 AND unit IS NULL AND site = ?2 AND from_day = ?3 AND act < ?4
                   AND act NOT IN (SELECT reversed FROM reversals)",
            )
            .map_err(database("find replaced deployments"))?;
        let mut find_of_unit = connection
            .prepare(
                "SELECT max(id) FROM deployments
                 WHERE unit = ?1 AND person IS NULL AND site = ?2 AND from_day = ?3 AND act < ?4
                   AND act NOT IN (SELECT reversed FROM reversals)",
            )
            .map_err(database("find replaced deployments"))?;
        for record in &plan.deployments {
            let (unit, person) = match &record.deployed {
                Deployed::Unit(unit) => (Some(unit.as_str()), None),
                Deployed::Person(person) => (None, Some(person.as_str())),
            };
            let from = day_text(record.from);
            let replaces: Option<i64> = if mode == Mode::Update {
                let (find, key) = match (&record.deployed, unit, person) {
                    (Deployed::Unit(_), Some(unit), _) => (&mut find_of_unit, unit),
                    (_, _, Some(person)) => (&mut find_of_person, person),
                    _ => (&mut find_of_person, ""),
                };
                find.query_row(params![key, record.site, from.as_str(), act], |row| row.get(0))
                    .map_err(database("find replaced deployments"))?
            } else {
                None
            };
            let to = optional_day(record.to);
            insert.execute(
                connection,
                params![
                    act,
                    replaces,
                    unit,
                    person,
                    record.site,
                    record.campaign,
                    from.as_str(),
                    to.as_ref().map(DayText::as_str)
                ],
                "write the deployments",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("events")?)?;
        for record in &plan.events {
            insert.execute(
                connection,
                params![
                    act,
                    record.person,
                    day_text(record.date).as_str(),
                    record.kind.as_str(),
                    record.reference,
                    record.detail
                ],
                "write the events",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    {
        let mut insert = rows::HashedInsert::new(connection, rows::registered("papers")?)?;
        for record in &plan.papers {
            let until = optional_day(record.valid_until);
            insert.execute(
                connection,
                params![
                    act,
                    record.document,
                    record.person,
                    record.scope,
                    record.grounds.as_str(),
                    record.text,
                    record.issuer,
                    record.official,
                    day_text(record.issued_on).as_str(),
                    day_text(record.valid_from).as_str(),
                    until.as_ref().map(DayText::as_str)
                ],
                "write the papers",
            )?;
            tick(&mut done);
        }
        hashed.push(insert.finish());
    }
    progress(total, total);
    Ok(vec![
        ("calendar.toml", u64::from(plan.calendar.is_some())),
        ("organisations.csv", plan.organisations.len() as u64),
        ("units.csv", plan.units.len() as u64),
        ("sites.csv", plan.sites.len() as u64),
        ("campaigns.csv", plan.campaigns.len() as u64),
        ("people.csv", plan.people.len() as u64),
        ("service.csv", plan.assignments.len() as u64),
        ("deployments.csv", plan.deployments.len() as u64),
        ("events.csv", plan.events.len() as u64),
    ])
}

/// Loads every record in its latest recorded version.
fn load_records(connection: &Connection) -> Result<Records, StoreError> {
    let small = small_records(connection)?;
    Ok(Records {
        people: latest_by_id(
            connection,
            "SELECT id, name, born, sex, home_province, home_county, branch, rank, specialty,
                    enlisted, term_months FROM people
             WHERE act NOT IN (SELECT reversed FROM reversals) ORDER BY id, act",
            person_from_row,
            |record| &record.id,
        )?,
        assignments: query_all(
            connection,
            "SELECT person, unit, from_day, to_day FROM service s
             WHERE act NOT IN (SELECT reversed FROM reversals)
               AND NOT EXISTS (SELECT 1 FROM service r WHERE r.replaces = s.id
                               AND r.act NOT IN (SELECT reversed FROM reversals))
             ORDER BY id",
            [],
            assignment_from_row,
        )?,
        deployments: query_all(
            connection,
            "SELECT unit, person, site, campaign, from_day, to_day FROM deployments d
             WHERE act NOT IN (SELECT reversed FROM reversals)
               AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.replaces = d.id
                               AND r.act NOT IN (SELECT reversed FROM reversals))
             ORDER BY id",
            [],
            deployment_from_row,
        )?,
        events: query_all(
            connection,
            "SELECT person, day, kind, ref, detail FROM events
             WHERE act NOT IN (SELECT reversed FROM reversals) ORDER BY id",
            [],
            event_from_row,
        )?,
        papers: held_papers(connection, "?1 = ''", "")?.into_iter().map(|(held, _)| held).collect(),
        ..small
    })
}

/// The records other than people and their history: the calendar,
/// organisations, units, sites and campaigns, each in its latest version.
pub(crate) fn small_records(connection: &Connection) -> Result<Records, StoreError> {
    Ok(Records {
        calendar: load_calendar(connection)?,
        organisations: latest_by_id(
            connection,
            "SELECT id, name, kind, parent FROM organisations ORDER BY id, act",
            organisation_from_row,
            |record| &record.id,
        )?,
        units: latest_by_id(
            connection,
            "SELECT id, name, parent, branch, tags, administration FROM units ORDER BY id, act",
            unit_from_row,
            |record| &record.id,
        )?,
        sites: latest_by_id(
            connection,
            "SELECT id, name, province, kind FROM sites ORDER BY id, act",
            |row| {
                Ok(Site {
                    id: get(row, 0)?,
                    name: get(row, 1)?,
                    province: get(row, 2)?,
                    kind: get(row, 3)?,
                })
            },
            |record| &record.id,
        )?,
        campaigns: latest_by_id(
            connection,
            "SELECT id, site, from_day, to_day, required, required_technicians FROM campaigns ORDER BY id, act",
            |row| {
                Ok(Campaign {
                    id: get(row, 0)?,
                    site: get(row, 1)?,
                    from: day_column(row, 2)?,
                    to: day_column(row, 3)?,
                    required: get(row, 4)?,
                    required_technicians: get(row, 5)?,
                })
            },
            |record| &record.id,
        )?,
        ..Records::default()
    })
}

fn load_calendar(connection: &Connection) -> Result<Option<Calendar>, StoreError> {
    let row: Option<(String, String)> = connection
        .query_row("SELECT spring, autumn FROM calendars ORDER BY act DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .map_err(database("read the calendar"))?;
    let Some((spring, autumn)) = row else {
        return Ok(None);
    };
    let corrupt = |error: muster_core::calendar::CalendarError| StoreError::Corrupt {
        what: format!("the calendar: {error}"),
    };
    let spring: MonthDay = spring.parse().map_err(corrupt)?;
    let autumn: MonthDay = autumn.parse().map_err(corrupt)?;
    Ok(Some(Calendar::new(spring, autumn).map_err(corrupt)?))
}

/// Runs a query and reads each row.
fn query_all<T, P: rusqlite::Params>(
    connection: &Connection,
    sql: &str,
    params: P,
    read: impl Fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = connection.prepare_cached(sql).map_err(database("read the records"))?;
    let mut rows = statement.query(params).map_err(database("read the records"))?;
    let mut records = Vec::new();
    while let Some(row) = rows.next().map_err(database("read the records"))? {
        records.push(read(row)?);
    }
    Ok(records)
}

/// Runs a query ordered by id and act, keeping the last version of each id.
fn latest_by_id<T>(
    connection: &Connection,
    sql: &str,
    read: impl Fn(&Row<'_>) -> Result<T, StoreError>,
    id_of: impl Fn(&T) -> &String,
) -> Result<Vec<T>, StoreError> {
    let mut records: Vec<T> = Vec::new();
    for record in query_all(connection, sql, [], read)? {
        match records.last_mut() {
            Some(last) if id_of(last) == id_of(&record) => *last = record,
            _ => records.push(record),
        }
    }
    Ok(records)
}

fn get<T: rusqlite::types::FromSql>(row: &Row<'_>, index: usize) -> Result<T, StoreError> {
    row.get(index).map_err(database("read a column"))
}

fn day_column(row: &Row<'_>, index: usize) -> Result<NaiveDate, StoreError> {
    let text: String = get(row, index)?;
    parse_date(&text).ok_or_else(|| StoreError::Corrupt { what: format!("the day `{text}`") })
}

fn optional_day_column(row: &Row<'_>, index: usize) -> Result<Option<NaiveDate>, StoreError> {
    let text: Option<String> = get(row, index)?;
    text.map(|text| {
        parse_date(&text).ok_or_else(|| StoreError::Corrupt { what: format!("the day `{text}`") })
    })
    .transpose()
}

fn word<T: std::str::FromStr<Err = muster_core::model::UnknownWord>>(
    row: &Row<'_>,
    index: usize,
) -> Result<T, StoreError> {
    let text: String = get(row, index)?;
    text.parse().map_err(|error: muster_core::model::UnknownWord| StoreError::Corrupt {
        what: error.to_string(),
    })
}

fn organisation_from_row(row: &Row<'_>) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        id: get(row, 0)?,
        name: get(row, 1)?,
        kind: word::<OrganisationKind>(row, 2)?,
        parent: get(row, 3)?,
    })
}

fn unit_from_row(row: &Row<'_>) -> Result<Unit, StoreError> {
    let tags: String = get(row, 4)?;
    Ok(Unit {
        id: get(row, 0)?,
        name: get(row, 1)?,
        parent: get(row, 2)?,
        branch: word::<Branch>(row, 3)?,
        tags: tags.split(';').filter(|tag| !tag.is_empty()).map(str::to_string).collect(),
        administration: get(row, 5)?,
    })
}

fn person_from_row(row: &Row<'_>) -> Result<Person, StoreError> {
    let branch: Option<String> = get(row, 6)?;
    let branch = branch
        .map(|text| text.parse::<Branch>())
        .transpose()
        .map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
    Ok(Person {
        id: get(row, 0)?,
        name: get(row, 1)?,
        born: day_column(row, 2)?,
        sex: word::<Sex>(row, 3)?,
        home_province: get(row, 4)?,
        home_county: get(row, 5)?,
        branch,
        rank: get(row, 7)?,
        specialty: get(row, 8)?,
        enlisted: optional_day_column(row, 9)?,
        term_months: get(row, 10)?,
    })
}

fn assignment_from_row(row: &Row<'_>) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        person: get(row, 0)?,
        unit: get(row, 1)?,
        from: day_column(row, 2)?,
        to: optional_day_column(row, 3)?,
    })
}

fn deployment_from_row(row: &Row<'_>) -> Result<Deployment, StoreError> {
    let unit: Option<String> = get(row, 0)?;
    let person: Option<String> = get(row, 1)?;
    let deployed = match (unit, person) {
        (Some(unit), None) => Deployed::Unit(unit),
        (None, Some(person)) => Deployed::Person(person),
        _ => {
            return Err(StoreError::Corrupt {
                what: "a deployment without exactly one of unit and person".into(),
            });
        }
    };
    Ok(Deployment {
        deployed,
        site: get(row, 2)?,
        campaign: get(row, 3)?,
        from: day_column(row, 4)?,
        to: optional_day_column(row, 5)?,
    })
}

/// Writes what an act does to the register beside its rows of records: the
/// revocations and the notes.
fn insert_paper_acts(
    connection: &Connection,
    act: ActId,
    write: &crate::ActWrite,
) -> Result<(), StoreError> {
    for revocation in &write.paper_revocations {
        connection
            .execute(
                "INSERT INTO paper_revocations (act, paper, on_day, reason) VALUES (?1, ?2, ?3, ?4)",
                params![act.0, revocation.paper, day_text(revocation.on).as_str(), revocation.reason],
            )
            .map_err(database("revoke the paper"))?;
    }
    for note in &write.paper_notes {
        connection
            .execute(
                "INSERT INTO paper_notes (act, paper, note) VALUES (?1, ?2, ?3)",
                params![act.0, note.paper, note.note],
            )
            .map_err(database("keep the note"))?;
    }
    if let Some(document) = &write.exemption_limits {
        connection
            .execute(
                "INSERT INTO exemption_limits (act, document) VALUES (?1, ?2)",
                params![act.0, document],
            )
            .map_err(database("set the limits"))?;
    }
    Ok(())
}

/// The columns of the revocation in force of the paper numbered by the SQL
/// expression `number` (the first recorded, not reversed): its day, then
/// its reason, read through the index on the paper's number.
fn revocation_columns(number: &str) -> String {
    let first = |column: &str| {
        format!(
            "(SELECT r.{column} FROM paper_revocations r
              WHERE r.paper = {number} AND r.act NOT IN (SELECT reversed FROM reversals)
              ORDER BY r.id LIMIT 1)"
        )
    };
    format!("{}, {}", first("on_day"), first("reason"))
}

/// The revocation read from the two columns at `first`.
fn revocation_from_row(
    row: &Row<'_>,
    first: usize,
) -> Result<Option<muster_core::Revocation>, StoreError> {
    Ok(match optional_day_column(row, first)? {
        Some(on) => Some(muster_core::Revocation { on, reason: get(row, first + 1)? }),
        None => None,
    })
}

/// The papers entered as papers whose rows match `condition` (on `p`, the
/// papers table; `?1` bound to `parameter`), with their revocations.
pub(crate) fn held_papers(
    connection: &Connection,
    condition: &str,
    parameter: &str,
) -> Result<Vec<(muster_core::HeldPaper, Act)>, StoreError> {
    let sql = format!(
        "SELECT p.id, p.document, p.person, p.scope, p.grounds, p.text, p.issuer, p.official,
                p.issued_on, p.valid_from, p.valid_until,
                a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary, {}
         FROM papers p JOIN acts a ON a.id = p.act
         WHERE p.act NOT IN (SELECT reversed FROM reversals) AND ({condition})
         ORDER BY p.id",
        revocation_columns("printf('X-%06d', p.id)")
    );
    query_all(connection, &sql, [parameter], |row| {
        let id = muster_dataset::paper_id(get(row, 0)?);
        let paper = muster_core::Paper {
            document: get(row, 1)?,
            person: get(row, 2)?,
            scope: get(row, 3)?,
            grounds: word::<muster_core::Grounds>(row, 4)?,
            text: get(row, 5)?,
            issuer: get(row, 6)?,
            official: get(row, 7)?,
            issued_on: day_column(row, 8)?,
            valid_from: day_column(row, 9)?,
            valid_until: optional_day_column(row, 10)?,
        };
        let revoked = revocation_from_row(row, 17)?;
        Ok((muster_core::HeldPaper { id, paper, revoked }, act_from_row(row, 11)?))
    })
}

/// The papers read from `exempted` events whose rows match `condition`
/// (on `e`, the events table; `?1` bound to `parameter`).
fn event_papers(
    connection: &Connection,
    condition: &str,
    parameter: &str,
) -> Result<Vec<(muster_core::HeldPaper, Act)>, StoreError> {
    let sql = format!(
        "SELECT e.person, e.day, e.kind, e.ref, e.detail, e.id,
                a.id, a.kind, a.valid_on, a.recorded_at, a.actor, a.summary, {}
         FROM events e JOIN acts a ON a.id = e.act
         WHERE e.kind = 'exempted' AND e.act NOT IN (SELECT reversed FROM reversals)
           AND ({condition})
         ORDER BY e.id",
        revocation_columns("printf('E-%06d', e.id)")
    );
    query_all(connection, &sql, [parameter], |row| {
        let event = event_from_row(row)?;
        let id = format!("E-{:06}", get::<i64>(row, 5)?);
        let revoked = revocation_from_row(row, 12)?;
        let held =
            muster_core::HeldPaper { id, paper: muster_core::Paper::of_event(&event), revoked };
        Ok((held, act_from_row(row, 6)?))
    })
}

/// The register, or the one paper numbered `id`, filtered.
fn registered_papers(
    connection: &Connection,
    filter: &crate::PaperFilter,
    id: Option<&str>,
) -> Result<Vec<crate::RegisteredPaper>, StoreError> {
    let (mut papers, events) = match id.map(muster_dataset::paper_row) {
        Some(None) => return Ok(Vec::new()),
        Some(Some((true, row))) => {
            (held_papers(connection, "p.id = ?1", &row.to_string())?, Vec::new())
        }
        Some(Some((false, row))) => {
            (Vec::new(), event_papers(connection, "e.id = ?1", &row.to_string())?)
        }
        None => match &filter.person {
            Some(person) => (
                held_papers(connection, "p.person = ?1", person)?,
                event_papers(connection, "e.person = ?1", person)?,
            ),
            None => match &filter.document {
                Some(document) => (
                    held_papers(connection, "p.document = ?1", document)?,
                    if document.is_empty() {
                        event_papers(connection, "?1 = ''", "")?
                    } else {
                        Vec::new()
                    },
                ),
                None => (
                    held_papers(connection, "?1 = ''", "")?,
                    event_papers(connection, "?1 = ''", "")?,
                ),
            },
        },
    };
    papers.extend(events);
    let matches = |held: &muster_core::HeldPaper| {
        let paper = &held.paper;
        filter.person.as_ref().is_none_or(|person| paper.person == *person)
            && filter.issuer.as_ref().is_none_or(|issuer| paper.issuer == *issuer)
            && filter.scope.as_ref().is_none_or(|scope| paper.scope == *scope)
            && filter.grounds.as_ref().is_none_or(|grounds| paper.grounds.as_str() == grounds)
            && filter.document.as_ref().is_none_or(|document| paper.document == *document)
    };
    Ok(papers
        .into_iter()
        .filter(|(held, _)| matches(held))
        .map(|(held, act)| crate::RegisteredPaper { held, act })
        .collect())
}

fn event_from_row(row: &Row<'_>) -> Result<Event, StoreError> {
    Ok(Event {
        person: get(row, 0)?,
        date: day_column(row, 1)?,
        kind: word::<EventKind>(row, 2)?,
        reference: get(row, 3)?,
        detail: get(row, 4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_text_is_the_iso_form() {
        let day = parse_date("2020-02-09").unwrap();
        assert_eq!(day_text(day).as_str(), "2020-02-09");
    }
}
