//! The acts of the administrators on the records: register, update, enlist,
//! assign, deploy, recall, record an event, discharge, post abroad and
//! return, a unit's deployment and recall; and the acts recorded, shown and
//! reversed.
//!
//! Each act is decided inside its own write transaction
//! ([`Store::record_act`]): what it reads (the person's file, his list
//! entries) is read under the write lock, its rows are checked by the
//! import's own rules and words (`muster_dataset::read_rows` and
//! `muster_dataset::check`, against what the store holds of him), and the
//! orders in force decide what they decide (a posting of one not
//! `eligible`, a discharge on another day than his computed date). A
//! refusal writes nothing. The answer is each person touched as he now
//! stands on the act's day, read back after the write.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use muster_core::{Deployed, Deployment, EventKind, Person, PersonFile, Records, Status};
use muster_dataset::{Dataset, Mode};
use muster_store::{ActWrite, NewAct, Store, StoreError};
use serde::Serialize;
use serde_json::{Value, json};

use crate::views::{self, ActDone, ActEntry, ActPerson, Reason};
use crate::{Rules, ServiceError};

pub mod mass;

/// An act on the records, with what it is given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "act", rename_all = "kebab-case")]
pub enum Act {
    /// A new person record: a civilian.
    Register {
        person: String,
        name: String,
        born: String,
        sex: String,
        home_province: String,
        home_county: Option<String>,
        specialty: Option<String>,
    },
    /// A new version of his record from the day.
    Update {
        person: String,
        rank: Option<String>,
        specialty: Option<String>,
        name: Option<String>,
        home_county: Option<String>,
    },
    /// His enlistment and term, and his first assignment.
    Enlist {
        person: String,
        unit: String,
        term_months: String,
        branch: Option<String>,
        rank: Option<String>,
    },
    /// A transfer to another unit.
    Assign { person: String, unit: String },
    /// A deployment of his own.
    Deploy { person: String, site: String, campaign: Option<String>, until: Option<String> },
    /// The end of his own open deployment at a site.
    Recall { person: String, site: String },
    /// An event of the dataset's kinds.
    Event { person: String, kind: String, reference: Option<String>, detail: Option<String> },
    /// His discharge: on his computed date, or early with grounds.
    Discharge { person: String, early: bool, grounds: Option<String> },
    /// A posting abroad from a list.
    Post { person: String, list: String, country: String },
    /// His return from his last posting.
    Return { person: String },
    /// A deployment of a whole unit (and its sub-units).
    DeployUnit { unit: String, site: String, campaign: Option<String>, until: Option<String> },
    /// The end of a unit's open deployment at a site.
    RecallUnit { unit: String, site: String },
}

impl Act {
    /// The act's kind, as recorded.
    pub fn kind(&self) -> &'static str {
        match self {
            Act::Register { .. } => "register",
            Act::Update { .. } => "update",
            Act::Enlist { .. } => "enlist",
            Act::Assign { .. } => "assign",
            Act::Deploy { .. } => "deploy",
            Act::Recall { .. } => "recall",
            Act::Event { .. } => "event",
            Act::Discharge { .. } => "discharge",
            Act::Post { .. } => "post",
            Act::Return { .. } => "return",
            Act::DeployUnit { .. } => "unit-deploy",
            Act::RecallUnit { .. } => "unit-recall",
        }
    }

    /// The person the act is on, for an act on one person.
    pub fn person(&self) -> Option<&str> {
        match self {
            Act::Register { person, .. }
            | Act::Update { person, .. }
            | Act::Enlist { person, .. }
            | Act::Assign { person, .. }
            | Act::Deploy { person, .. }
            | Act::Recall { person, .. }
            | Act::Event { person, .. }
            | Act::Discharge { person, .. }
            | Act::Post { person, .. }
            | Act::Return { person } => Some(person),
            Act::DeployUnit { .. } | Act::RecallUnit { .. } => None,
        }
    }

    /// The unit the act is on, for an act on a unit.
    pub fn unit(&self) -> Option<&str> {
        match self {
            Act::DeployUnit { unit, .. } | Act::RecallUnit { unit, .. } => Some(unit),
            _ => None,
        }
    }

    /// A one-line account of the act.
    pub fn summary(&self) -> String {
        match self {
            Act::Register { person, name, .. } => format!("register {person} ({name})"),
            Act::Update { person, rank, specialty, name, home_county } => {
                let fields: Vec<&str> = [
                    ("rank", rank),
                    ("specialty", specialty),
                    ("name", name),
                    ("home county", home_county),
                ]
                .iter()
                .filter(|(_, value)| value.is_some())
                .map(|(field, _)| *field)
                .collect();
                format!("update {person}: {}", fields.join(", "))
            }
            Act::Enlist { person, unit, term_months, .. } => {
                format!("enlist {person} into {unit} for {term_months} months")
            }
            Act::Assign { person, unit } => format!("assign {person} to {unit}"),
            Act::Deploy { person, site, .. } => format!("deploy {person} at {site}"),
            Act::Recall { person, site } => format!("recall {person} from {site}"),
            Act::Event { person, kind, .. } => format!("record {kind} of {person}"),
            Act::Discharge { person, early: false, .. } => format!("discharge {person}"),
            Act::Discharge { person, grounds, .. } => {
                format!("discharge {person} early: {}", grounds.as_deref().unwrap_or_default())
            }
            Act::Post { person, list, country } => {
                format!("post {person} to {country} from list {list}")
            }
            Act::Return { person } => format!("return of {person} from abroad"),
            Act::DeployUnit { unit, site, .. } => format!("deploy unit {unit} at {site}"),
            Act::RecallUnit { unit, site } => format!("recall unit {unit} from {site}"),
        }
    }
}

/// How the policies see an act, read inside its transaction from the
/// records as they stand under its write lock (so a transfer recorded
/// meanwhile cannot slip an act past them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The organisations administering the unit he is assigned to on the
    /// act's day, or one above it; for an act on a unit, that unit's.
    pub administrations: Vec<String>,
    /// The owners of the lists he is on.
    pub lists: Vec<String>,
    /// For an act into a unit (an enlistment, a transfer): the
    /// organisations administering it or one above it.
    pub into: Vec<String>,
    /// For an event: its kind.
    pub event: String,
    /// For a posting: the owner of the list it is made from; for a return,
    /// the organisation that posted him.
    pub placement: String,
}

/// Decides whether the caller may do the act on what it is about: `true`
/// lets it go on. The command line allows everything; the server asks the
/// policies.
pub type Authorize<'a> = &'a mut dyn FnMut(&Subject) -> bool;

/// Lets every act go on (the command line: whoever holds the store file).
pub fn anyone(_: &Subject) -> bool {
    true
}

/// Records an act on day `day`, decided inside its transaction (the
/// caller's right to it first, by `authorize`); the answer is each person
/// it touched as he now stands on the day.
pub fn record(
    store: &mut dyn Store,
    rules: &Rules,
    act: &Act,
    day: NaiveDate,
    actor: &str,
    authorize: Authorize<'_>,
) -> Result<ActDone, ServiceError> {
    let new_act = NewAct {
        kind: act.kind().to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: act.summary(),
    };
    let mut touched: Vec<String> = Vec::new();
    let recorded = record_deciding(store, new_act, &mut |store| {
        let (write, persons) = decide(store, rules, act, day, &mut *authorize)?;
        touched = persons;
        Ok(write)
    })?;
    Ok(ActDone {
        act: recorded.id.0,
        kind: recorded.kind.clone(),
        as_of: recorded.valid_on,
        recorded_at: recorded.recorded_at.clone(),
        actor: recorded.actor.clone(),
        persons: standing(&*store, rules, &touched, recorded.valid_on)?,
    })
}

/// Records an act decided by `decide` inside its transaction; a refusal of
/// `decide` is answered as it was made (and nothing is written), a failure
/// of the store as the store's.
pub(crate) fn record_deciding(
    store: &mut dyn Store,
    act: NewAct,
    decide: &mut dyn FnMut(&dyn Store) -> Result<ActWrite, ServiceError>,
) -> Result<muster_core::Act, ServiceError> {
    let mut refusal: Option<ServiceError> = None;
    let recorded = store.record_act(act, &mut |store| {
        decide(store).map_err(|error| {
            let reason = error.to_string();
            refusal = Some(error);
            StoreError::Refused { reason }
        })
    });
    recorded.map_err(|error| refusal.take().unwrap_or(ServiceError::Store(error)))
}

/// Each person as he stands on `day`: his status, his discharge date, and
/// his entries on every list he was put on, read from his own records.
pub fn standing(
    store: &dyn Store,
    rules: &Rules,
    persons: &[String],
    day: NaiveDate,
) -> Result<Vec<ActPerson>, ServiceError> {
    let world = &rules.world;
    let files = store.people_files(persons, &world.tree)?;
    let mut entries: BTreeMap<String, BTreeMap<String, Vec<muster_store::StoredEntry>>> =
        BTreeMap::new();
    for (list, entry) in store.persons_entries(persons)? {
        entries.entry(entry.person.clone()).or_default().entry(list).or_default().push(entry);
    }
    let mut lists = BTreeMap::new();
    let mut answered = Vec::with_capacity(files.len());
    for file in files {
        let file = crate::people::as_of(file, day);
        let chain = muster_orders::discharge(world, &rules.book, &file, day);
        let status = file.status_on(day, chain.date());
        let mut on_lists = Vec::new();
        for (id, own) in entries.remove(&file.person.id).unwrap_or_default() {
            if !lists.contains_key(&id) {
                let list = store.list(&id)?.map(|stored| crate::load::list(&stored));
                lists.insert(id.clone(), list);
            }
            let Some(Some(list)) = lists.get(&id) else {
                continue;
            };
            if list.created_on > day {
                continue;
            }
            let changes = crate::load::changes_of(own);
            if let Some(entry) =
                muster_orders::person_entry(world, &rules.book, list, &file, &changes, day)
            {
                on_lists.push(ActEntry {
                    list: id.clone(),
                    status: entry.status.as_str().to_string(),
                    reasons: entry.reasons.iter().map(reason).collect(),
                });
            }
        }
        answered.push(ActPerson {
            person: file.person.id.clone(),
            status: status.as_str().to_string(),
            discharge_date: chain.date(),
            lists: on_lists,
        });
    }
    Ok(answered)
}

fn reason(reason: &muster_orders::Reason) -> Reason {
    Reason { order: reason.order.clone(), rule: reason.rule, reason: reason.reason.clone() }
}

/// What an act writes and whom it touches, decided from the store as it
/// stands under the act's write lock.
fn decide(
    store: &dyn Store,
    rules: &Rules,
    act: &Act,
    day: NaiveDate,
    authorize: Authorize<'_>,
) -> Result<(ActWrite, Vec<String>), ServiceError> {
    let world = &rules.world;
    let subject = subject(store, rules, act, day)?;
    if !authorize(&subject) {
        return Err(ServiceError::Denied(Box::new(subject)));
    }
    let (rows, persons, content) = match act {
        Act::DeployUnit { unit, site, campaign, until } => {
            let (rows, persons) =
                deploy_unit(store, rules, unit, site, campaign.as_deref(), until.as_deref(), day)?;
            (rows, persons, json!({"unit": unit}))
        }
        Act::RecallUnit { unit, site } => {
            let (rows, persons) = recall_unit(store, rules, unit, site, day)?;
            (rows, persons, json!({"unit": unit}))
        }
        Act::Register { person, .. } => {
            if !store.people_files(std::slice::from_ref(person), &world.tree)?.is_empty() {
                return Err(refused(format!("a person `{person}` is already in the store")));
            }
            (register(act)?, vec![person.clone()], json!({}))
        }
        _ => {
            let Some(id) = act.person() else {
                return Err(ServiceError::Internal("an act on no one".to_string()));
            };
            let file =
                store.people_files(&[id.to_string()], &world.tree)?.into_iter().next().ok_or_else(
                    || ServiceError::NotFound(format!("no person `{id}` in the store")),
                )?;
            let rows = on_person(store, rules, act, &file, day)?;
            (rows, vec![id.to_string()], json!({}))
        }
    };
    let stored = rows.known(rules, store, act)?;
    let plan = muster_dataset::check(&stored, rows.dataset()?, Mode::Update).map_err(invalid)?;
    if plan.row_count() == 0 {
        return Err(refused("nothing would change: the records already read so".to_string()));
    }
    let mut content = content;
    if let Value::Object(object) = &mut content {
        object.insert("act".to_string(), json!(act.kind()));
        object.insert("as_of".to_string(), json!(day));
        object.insert("given".to_string(), json!(act));
        object.insert("persons".to_string(), json!(persons));
    }
    Ok((ActWrite { plan, content, ..ActWrite::default() }, persons))
}

/// How the policies see `act`. One about a person or unit the store does
/// not hold is seen with nothing: only a caller who may do the act on
/// anyone learns that it does not exist (404); any other is refused as for
/// one he may not act on (403).
fn subject(
    store: &dyn Store,
    rules: &Rules,
    act: &Act,
    day: NaiveDate,
) -> Result<Subject, ServiceError> {
    let world = &rules.world;
    let administrations = |unit: &str| administrations_of(rules, unit);
    let mut subject = Subject::default();
    match act {
        Act::Register { .. } => return Ok(subject),
        Act::DeployUnit { unit, .. } | Act::RecallUnit { unit, .. } => {
            if world.units.contains_key(unit) {
                subject.administrations = administrations(unit);
            }
            return Ok(subject);
        }
        _ => {}
    }
    let Some(id) = act.person() else {
        return Ok(subject);
    };
    let Some(file) = store.people_files(&[id.to_string()], &world.tree)?.into_iter().next() else {
        return Ok(subject);
    };
    let assigned = file
        .assignments
        .iter()
        .filter(|assignment| assignment.from <= day)
        .max_by_key(|assignment| assignment.from)
        .filter(|assignment| assignment.to.is_none_or(|to| to >= day));
    if let Some(assigned) = assigned {
        subject.administrations = administrations(&assigned.unit);
    }
    let mut owners = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for (list, _) in store.person_entries(id)? {
        if seen.insert(list.clone())
            && let Some(stored) = store.list(&list)?
        {
            owners.insert(stored.owner.clone());
        }
    }
    subject.lists = owners.into_iter().collect();
    match act {
        Act::Enlist { unit, .. } | Act::Assign { unit, .. } if world.units.contains_key(unit) => {
            subject.into = administrations(unit);
        }
        Act::Event { kind, .. } => subject.event = kind.clone(),
        Act::Post { list, .. } => {
            if let Some(stored) = store.list(list)? {
                subject.placement = stored.owner.clone();
            }
        }
        Act::Return { .. } => {
            subject.placement = file
                .events
                .iter()
                .filter(|event| event.kind == EventKind::Posted && event.date <= day)
                .max_by_key(|event| event.date)
                .map(|event| event.reference.clone())
                .unwrap_or_default();
        }
        _ => {}
    }
    Ok(subject)
}

/// The organisations administering `unit` or a unit above it.
fn administrations_of(rules: &Rules, unit: &str) -> Vec<String> {
    let world = &rules.world;
    let mut organisations: Vec<String> = world
        .tree
        .ancestors_or_self(unit)
        .filter_map(|unit| world.units.get(unit).and_then(|unit| unit.administration.clone()))
        .collect();
    organisations.sort();
    organisations.dedup();
    organisations
}

/// A refusal by a state of the records or by an order.
fn refused(message: String) -> ServiceError {
    ServiceError::Refused { message, details: None }
}

/// The rows an act writes, as cells of the dataset's files, read back by
/// the import's reader.
#[derive(Default)]
struct Rows {
    people: Vec<Cells>,
    service: Vec<Cells>,
    deployments: Vec<Cells>,
    events: Vec<Cells>,
    /// What the store holds of the persons the rows are about.
    files: Vec<PersonFile>,
}

type Cells = Vec<(&'static str, String)>;

impl Rows {
    fn dataset(&self) -> Result<Dataset, ServiceError> {
        let mut dataset = Dataset::default();
        let mut errors = Vec::new();
        for (file, rows) in [
            ("people.csv", &self.people),
            ("service.csv", &self.service),
            ("deployments.csv", &self.deployments),
            ("events.csv", &self.events),
        ] {
            if rows.is_empty() {
                continue;
            }
            let cells: Vec<Vec<(&str, &str)>> = rows
                .iter()
                .map(|row| row.iter().map(|(column, value)| (*column, value.as_str())).collect())
                .collect();
            match muster_dataset::read_rows(file, &cells) {
                Ok(read) => {
                    dataset.people.extend(read.people);
                    dataset.assignments.extend(read.assignments);
                    dataset.deployments.extend(read.deployments);
                    dataset.events.extend(read.events);
                }
                Err(read) => errors.extend(read.errors().iter().cloned()),
            }
        }
        if errors.is_empty() { Ok(dataset) } else { Err(invalid_rows(&errors)) }
    }

    /// What the store holds that the rows are checked against: the
    /// persons' files, and of the other records those the rows name.
    fn known(&self, rules: &Rules, _store: &dyn Store, act: &Act) -> Result<Records, ServiceError> {
        let world = &rules.world;
        let mut records = Records::default();
        let mut units = BTreeSet::new();
        let mut sites = BTreeSet::new();
        let mut campaigns = BTreeSet::new();
        let mut organisations = BTreeSet::new();
        let cell = |row: &Cells, column: &str| {
            row.iter().find(|(name, _)| *name == column).map(|(_, value)| value.clone())
        };
        for row in &self.service {
            units.extend(cell(row, "unit"));
        }
        for row in &self.deployments {
            units.extend(cell(row, "unit"));
            sites.extend(cell(row, "site"));
            campaigns.extend(cell(row, "campaign"));
        }
        for row in &self.events {
            if let Some(reference) = cell(row, "ref") {
                organisations.insert(reference.clone());
                sites.insert(reference);
            }
        }
        if let Some(unit) = act.unit() {
            units.insert(unit.to_string());
        }
        records.units = units.iter().filter_map(|unit| world.units.get(unit).cloned()).collect();
        records.sites =
            world.sites.iter().filter(|site| sites.contains(&site.id)).cloned().collect();
        records.campaigns = world
            .campaigns
            .iter()
            .filter(|campaign| campaigns.contains(&campaign.id))
            .cloned()
            .collect();
        records.organisations = world
            .organisations
            .iter()
            .filter(|organisation| organisations.contains(&organisation.id))
            .cloned()
            .collect();
        for file in &self.files {
            records.people.push(file.person.clone());
            records.assignments.extend(file.assignments.iter().cloned());
            records.events.extend(file.events.iter().cloned());
            records.deployments.extend(
                file.deployments
                    .iter()
                    .filter(|deployment| matches!(deployment.deployed, Deployed::Person(_)))
                    .cloned(),
            );
        }
        Ok(records)
    }
}

/// The import's errors as the refusal of an act: an unknown id is not
/// found; a row that would contradict the records (an overlap, a row
/// before enlistment) is refused by their state; any other is an invalid
/// value.
pub(crate) fn invalid(error: muster_dataset::ImportError) -> ServiceError {
    match error {
        muster_dataset::ImportError::Invalid(errors) => invalid_rows(errors.errors()),
        muster_dataset::ImportError::Io { .. } => ServiceError::Internal(error.to_string()),
    }
}

fn invalid_rows(errors: &[muster_dataset::DatasetError]) -> ServiceError {
    let lines: Vec<String> = errors
        .iter()
        .map(|error| match &error.column {
            Some(column) => format!("{}: {}", field(column), error.message),
            None => error.message.clone(),
        })
        .collect();
    let message = lines.join("\n");
    let unknown = errors.iter().any(|error| {
        (error.message.starts_with("unknown ") && !error.message.contains(": expected "))
            || error.message.starts_with("missing value: expected the id")
    });
    let state = errors.iter().any(|error| {
        error.message.contains("overlaps")
            || error.message.contains("before the enlistment")
            || error.message.contains("never enlisted")
            || error.message.contains("already in the store")
    });
    if unknown {
        ServiceError::NotFound(message)
    } else if state {
        refused(message)
    } else {
        ServiceError::InvalidValue(message)
    }
}

/// The field of an act that a column of the dataset holds.
fn field(column: &str) -> &str {
    match column {
        "from" | "date" | "enlisted" => "as_of",
        "to" => "until",
        "id" => "person",
        other => other,
    }
}

fn day_text(day: NaiveDate) -> String {
    day.to_string()
}

fn optional_day(day: Option<NaiveDate>) -> String {
    day.map(day_text).unwrap_or_default()
}

/// The cells of a person's record, as `people.csv` holds them.
fn person_cells(person: &Person) -> Cells {
    vec![
        ("id", person.id.clone()),
        ("name", person.name.clone()),
        ("born", day_text(person.born)),
        ("sex", person.sex.as_str().to_string()),
        ("home_province", person.home_province.clone()),
        ("home_county", person.home_county.clone()),
        ("branch", person.branch.map(|branch| branch.as_str().to_string()).unwrap_or_default()),
        ("rank", person.rank.clone()),
        ("specialty", person.specialty.clone()),
        ("enlisted", optional_day(person.enlisted)),
        ("term_months", person.term_months.map(|months| months.to_string()).unwrap_or_default()),
    ]
}

fn set(cells: &mut Cells, column: &'static str, value: &str) {
    match cells.iter_mut().find(|(name, _)| *name == column) {
        Some(cell) => cell.1 = value.to_string(),
        None => cells.push((column, value.to_string())),
    }
}

fn assignment_cells(person: &str, unit: &str, from: NaiveDate, to: Option<NaiveDate>) -> Cells {
    vec![
        ("person", person.to_string()),
        ("unit", unit.to_string()),
        ("from", day_text(from)),
        ("to", optional_day(to)),
    ]
}

fn deployment_cells(deployment: &Deployment) -> Cells {
    let (unit, person) = match &deployment.deployed {
        Deployed::Unit(unit) => (unit.clone(), String::new()),
        Deployed::Person(person) => (String::new(), person.clone()),
    };
    vec![
        ("unit", unit),
        ("person", person),
        ("site", deployment.site.clone()),
        ("campaign", deployment.campaign.clone()),
        ("from", day_text(deployment.from)),
        ("to", optional_day(deployment.to)),
    ]
}

fn event_cells(person: &str, day: NaiveDate, kind: &str, reference: &str, detail: &str) -> Cells {
    vec![
        ("person", person.to_string()),
        ("date", day_text(day)),
        ("kind", kind.to_string()),
        ("ref", reference.to_string()),
        ("detail", detail.to_string()),
    ]
}

fn register(act: &Act) -> Result<Rows, ServiceError> {
    let Act::Register { person, name, born, sex, home_province, home_county, specialty } = act
    else {
        return Err(ServiceError::Internal("not a registration".to_string()));
    };
    let row = vec![
        ("id", person.clone()),
        ("name", name.clone()),
        ("born", born.clone()),
        ("sex", sex.clone()),
        ("home_province", home_province.clone()),
        ("home_county", home_county.clone().unwrap_or_default()),
        ("specialty", specialty.clone().unwrap_or_default()),
    ];
    Ok(Rows { people: vec![row], ..Rows::default() })
}

/// His status and discharge on `day`, from his records of that day.
fn standing_of(
    rules: &Rules,
    file: &PersonFile,
    day: NaiveDate,
) -> (Status, muster_orders::Discharge) {
    let file = crate::people::as_of(file.clone(), day);
    let chain = muster_orders::discharge(&rules.world, &rules.book, &file, day);
    (file.status_on(day, chain.date()), chain)
}

/// "he is discharged (on 2024-10-01)": his status in words, for a refusal.
fn status_words(file: &PersonFile, status: Status, day: NaiveDate) -> String {
    let on = |kind: EventKind| {
        file.events
            .iter()
            .filter(|event| event.kind == kind && event.date <= day)
            .map(|event| event.date)
            .max()
    };
    let since = match status {
        Status::Killed => on(EventKind::Killed),
        Status::Awol => on(EventKind::Awol),
        Status::Abroad => on(EventKind::Posted),
        Status::Discharged => on(EventKind::Discharged),
        Status::Serving => file.person.enlisted,
        Status::Civilian => None,
    };
    match (status, since) {
        (Status::Civilian, _) => "he is a civilian (he never enlisted)".to_string(),
        (Status::Abroad, Some(since)) => format!("he is abroad (posted on {since})"),
        (status, Some(since)) => format!("he is {} (since {since})", status.as_str()),
        (status, None) => format!("he is {}", status.as_str()),
    }
}

fn day_before(day: NaiveDate) -> Result<NaiveDate, ServiceError> {
    day.pred_opt().ok_or_else(|| ServiceError::InvalidValue(format!("as_of: no day before {day}")))
}

/// The rows of an act on one person the store holds, after its checks of
/// his state and of the orders.
fn on_person(
    store: &dyn Store,
    rules: &Rules,
    act: &Act,
    file: &PersonFile,
    day: NaiveDate,
) -> Result<Rows, ServiceError> {
    let id = file.person.id.as_str();
    let (status, chain) = standing_of(rules, file, day);
    let mut rows = Rows { files: vec![file.clone()], ..Rows::default() };
    let not_serving =
        || refused(format!("`{id}` is not serving on {day}: {}", status_words(file, status, day)));
    match act {
        Act::Update { rank, specialty, name, home_county, .. } => {
            let mut cells = person_cells(&file.person);
            for (column, value) in [
                ("rank", rank),
                ("specialty", specialty),
                ("name", name),
                ("home_county", home_county),
            ] {
                if let Some(value) = value {
                    set(&mut cells, column, value);
                }
            }
            rows.people.push(cells);
        }
        Act::Enlist { unit, term_months, branch, rank, .. } => {
            if matches!(status, Status::Serving | Status::Killed | Status::Awol) {
                return Err(refused(format!(
                    "`{id}` cannot be enlisted on {day}: {}",
                    status_words(file, status, day)
                )));
            }
            if let Some(enlisted) = file.person.enlisted {
                return Err(refused(format!(
                    "`{id}` served already (enlisted on {enlisted}, {}): muster keeps one enlistment per person",
                    status_words(file, status, day).trim_start_matches("he is ")
                )));
            }
            let branch = branch.clone().or_else(|| {
                rules.world.units.get(unit).map(|unit| unit.branch.as_str().to_string())
            });
            let mut cells = person_cells(&file.person);
            set(&mut cells, "enlisted", &day_text(day));
            set(&mut cells, "term_months", term_months);
            set(&mut cells, "branch", branch.as_deref().unwrap_or_default());
            if let Some(rank) = rank {
                set(&mut cells, "rank", rank);
            }
            rows.people.push(cells);
            rows.service.push(assignment_cells(id, unit, day, None));
        }
        Act::Assign { unit, .. } => {
            if status != Status::Serving {
                return Err(not_serving());
            }
            if let Some(current) = file.assignments.iter().find(|assignment| assignment.covers(day))
            {
                if current.unit == *unit {
                    return Err(refused(format!(
                        "`{id}` is assigned to `{unit}` already (since {})",
                        current.from
                    )));
                }
                if current.from == day {
                    return Err(refused(format!(
                        "`{id}`'s assignment to `{}` begins on {day}: to undo it, reverse the act that made it",
                        current.unit
                    )));
                }
                rows.service.push(assignment_cells(
                    id,
                    &current.unit,
                    current.from,
                    Some(day_before(day)?),
                ));
            }
            rows.service.push(assignment_cells(id, unit, day, None));
        }
        Act::Deploy { site, campaign, until, .. } => {
            if status != Status::Serving {
                return Err(not_serving());
            }
            if let Some(period) = file.deployment_periods(&rules.world.tree).iter().find(|period| {
                period.deployment.site == *site
                    && muster_core::model::covers(period.from, period.to, day)
            }) {
                let with = match &period.deployment.deployed {
                    Deployed::Unit(unit) => format!(" with his unit `{unit}`"),
                    Deployed::Person(_) => String::new(),
                };
                return Err(refused(format!(
                    "`{id}` is deployed at `{site}` already{with} (since {})",
                    period.from
                )));
            }
            let mut cells = deployment_cells(&Deployment {
                deployed: Deployed::Person(id.to_string()),
                site: site.clone(),
                campaign: campaign.clone().unwrap_or_default(),
                from: day,
                to: None,
            });
            set(&mut cells, "to", until.as_deref().unwrap_or_default());
            rows.deployments.push(cells);
        }
        Act::Recall { site, .. } => {
            let own = file.deployments.iter().find(|deployment| {
                deployment.deployed == Deployed::Person(id.to_string())
                    && deployment.site == *site
                    && deployment.covers(day)
            });
            let Some(deployment) = own else {
                if let Some(period) =
                    file.deployment_periods(&rules.world.tree).iter().find(|period| {
                        period.deployment.site == *site
                            && muster_core::model::covers(period.from, period.to, day)
                    })
                    && let Deployed::Unit(unit) = &period.deployment.deployed
                {
                    return Err(refused(format!(
                        "`{id}` is deployed at `{site}` with his unit `{unit}` (since {}): recall the unit",
                        period.from
                    )));
                }
                return Err(refused(format!(
                    "`{id}` has no deployment of his own open at `{site}` on {day}"
                )));
            };
            if deployment.from == day {
                return Err(refused(format!(
                    "`{id}`'s deployment at `{site}` begins on {day}: to undo it, reverse the act that made it"
                )));
            }
            rows.deployments.push(deployment_cells(&Deployment {
                to: Some(day_before(day)?),
                ..deployment.clone()
            }));
        }
        Act::Event { kind, reference, detail, .. } => {
            match kind.as_str() {
                "discharged" => {
                    return Err(refused(
                        "a discharge is its own act, with its checks: `muster person discharge` (POST /api/v1/people/{id}/discharge)"
                            .to_string(),
                    ));
                }
                "posted" => {
                    return Err(refused(
                        "a posting is made from a list, with its checks: `muster person post` (POST /api/v1/people/{id}/post)"
                            .to_string(),
                    ));
                }
                "returned" => {
                    return on_person(
                        store,
                        rules,
                        &Act::Return { person: id.to_string() },
                        file,
                        day,
                    );
                }
                "killed" | "awol" if matches!(status, Status::Killed) => {
                    return Err(refused(format!(
                        "`{id}` cannot be recorded {kind} on {day}: {}",
                        status_words(file, status, day)
                    )));
                }
                _ => {}
            }
            rows.events.push(event_cells(
                id,
                day,
                kind,
                reference.as_deref().unwrap_or_default(),
                detail.as_deref().unwrap_or_default(),
            ));
        }
        Act::Discharge { early, grounds, .. } => {
            if let Some(recorded) = chain.recorded {
                return Err(refused(format!("`{id}` is discharged already (on {recorded})")));
            }
            // On his discharge date he reads as discharged by the computed
            // date itself: what must hold is that he serves until it.
            let until_discharged = file.status_on(day, None);
            if until_discharged != Status::Serving {
                return Err(refused(format!(
                    "`{id}` is not serving on {day}: {}",
                    status_words(file, until_discharged, day)
                )));
            }
            let Some(computed) = chain.computed else {
                return Err(refused(format!("`{id}` has no discharge date")));
            };
            if day > computed {
                return Err(refused(format!(
                    "{day} is after the discharge date of `{id}`, {computed}: only an order delays a discharge"
                )));
            }
            let grounds = grounds.as_deref().map(str::trim).unwrap_or_default();
            if day < computed && !early {
                return Err(refused(format!(
                    "the discharge date of `{id}` is {computed}{}: to discharge him on {day}, give --early with --grounds",
                    match chain.delayed_by.as_slice() {
                        [] => String::new(),
                        orders => format!(" (delayed by {})", orders.join(", ")),
                    }
                )));
            }
            if *early && grounds.is_empty() {
                return Err(ServiceError::InvalidValue(
                    "grounds: an early discharge needs its grounds (--grounds)".to_string(),
                ));
            }
            let detail = if *early { format!("early: {grounds}") } else { String::new() };
            rows.events.push(event_cells(id, day, "discharged", "", &detail));
            let last = day_before(day)?;
            for assignment in file.assignments.iter().filter(|assignment| assignment.covers(day)) {
                if assignment.from >= day {
                    return Err(refused(format!(
                        "`{id}`'s assignment to `{}` begins on {day}: reverse it before discharging him that day",
                        assignment.unit
                    )));
                }
                rows.service.push(assignment_cells(
                    id,
                    &assignment.unit,
                    assignment.from,
                    Some(last),
                ));
            }
            for deployment in file.deployments.iter().filter(|deployment| {
                deployment.deployed == Deployed::Person(id.to_string()) && deployment.covers(day)
            }) {
                if deployment.from >= day {
                    continue;
                }
                rows.deployments
                    .push(deployment_cells(&Deployment { to: Some(last), ..deployment.clone() }));
            }
        }
        Act::Post { list, country, .. } => {
            if status == Status::Abroad {
                return Err(refused(format!(
                    "`{id}` cannot be posted on {day}: {}",
                    status_words(file, status, day)
                )));
            }
            let stored = store
                .list(list)?
                .ok_or_else(|| ServiceError::NotFound(format!("no list `{list}`")))?;
            let core = crate::load::list(&stored);
            if core.kind != "overseas-posting" {
                return Err(refused(format!(
                    "list `{list}` is a {} list: a posting abroad is made from an overseas-posting list",
                    core.kind
                )));
            }
            let own: Vec<muster_store::StoredEntry> = store
                .person_entries(id)?
                .into_iter()
                .filter(|(on, _)| on == list)
                .map(|(_, entry)| entry)
                .collect();
            let changes = crate::load::changes_of(own);
            let entry = (core.created_on <= day)
                .then(|| {
                    muster_orders::person_entry(
                        &rules.world,
                        &rules.book,
                        &core,
                        file,
                        &changes,
                        day,
                    )
                })
                .flatten();
            let Some(entry) = entry else {
                return Err(refused(format!("`{id}` is not on list `{list}` on {day}")));
            };
            if entry.status != muster_orders::EntryStatus::Eligible {
                let reasons: Vec<Reason> = entry.reasons.iter().map(reason).collect();
                let mut message = format!(
                    "`{id}` is {} on list `{list}` on {day}, not eligible: he cannot be posted",
                    entry.status.as_str()
                );
                for reason in &reasons {
                    message.push_str(&format!(
                        "\n  {} rule {}: {}",
                        reason.order, reason.rule, reason.reason
                    ));
                }
                return Err(ServiceError::Refused {
                    message,
                    details: Some(json!({"status": entry.status.as_str(), "reasons": reasons})),
                });
            }
            if country.trim().is_empty() {
                return Err(ServiceError::InvalidValue(
                    "country: missing value: a posting names the country".to_string(),
                ));
            }
            rows.events.push(event_cells(id, day, "posted", &core.owner, country.trim()));
        }
        Act::Return { .. } => {
            if status != Status::Abroad {
                return Err(refused(format!(
                    "`{id}` is not abroad on {day}: {}",
                    status_words(file, status, day)
                )));
            }
            let posting = file
                .events
                .iter()
                .filter(|event| event.kind == EventKind::Posted && event.date <= day)
                .max_by_key(|event| event.date);
            let reference = posting.map(|event| event.reference.clone()).unwrap_or_default();
            rows.events.push(event_cells(id, day, "returned", &reference, ""));
        }
        Act::Register { .. } | Act::DeployUnit { .. } | Act::RecallUnit { .. } => {
            return Err(ServiceError::Internal("not an act on a person held".to_string()));
        }
    }
    Ok(rows)
}

/// The units at or below `unit`.
fn subtree(rules: &Rules, unit: &str) -> Vec<String> {
    let world = &rules.world;
    let mut units: Vec<String> =
        world.units.keys().filter(|own| world.tree.is_within(own, unit)).cloned().collect();
    units.sort();
    units
}

fn known_unit(rules: &Rules, unit: &str) -> Result<(), ServiceError> {
    if rules.world.units.contains_key(unit) {
        Ok(())
    } else {
        Err(ServiceError::NotFound(format!("no unit `{unit}`")))
    }
}

fn deploy_unit(
    store: &dyn Store,
    rules: &Rules,
    unit: &str,
    site: &str,
    campaign: Option<&str>,
    until: Option<&str>,
    day: NaiveDate,
) -> Result<(Rows, Vec<String>), ServiceError> {
    known_unit(rules, unit)?;
    if let Some(open) = store
        .unit_deployments(unit)?
        .iter()
        .find(|deployment| deployment.site == site && deployment.covers(day))
    {
        return Err(refused(format!(
            "unit `{unit}` is deployed at `{site}` already (since {})",
            open.from
        )));
    }
    let mut cells = deployment_cells(&Deployment {
        deployed: Deployed::Unit(unit.to_string()),
        site: site.to_string(),
        campaign: campaign.unwrap_or_default().to_string(),
        from: day,
        to: None,
    });
    set(&mut cells, "to", until.unwrap_or_default());
    let persons = store.members_on(&subtree(rules, unit), day)?;
    Ok((Rows { deployments: vec![cells], ..Rows::default() }, persons))
}

fn recall_unit(
    store: &dyn Store,
    rules: &Rules,
    unit: &str,
    site: &str,
    day: NaiveDate,
) -> Result<(Rows, Vec<String>), ServiceError> {
    known_unit(rules, unit)?;
    let deployments = store.unit_deployments(unit)?;
    let Some(open) =
        deployments.iter().find(|deployment| deployment.site == site && deployment.covers(day))
    else {
        return Err(refused(format!("unit `{unit}` has no deployment open at `{site}` on {day}")));
    };
    if open.from == day {
        return Err(refused(format!(
            "unit `{unit}`'s deployment at `{site}` begins on {day}: to undo it, reverse the act that made it"
        )));
    }
    let cells = deployment_cells(&Deployment { to: Some(day_before(day)?), ..open.clone() });
    let persons = store.members_on(&subtree(rules, unit), day_before(day)?)?;
    Ok((Rows { deployments: vec![cells], ..Rows::default() }, persons))
}

/// An act as shown: what it did, every row it wrote, the persons it named.
pub fn show(store: &dyn Store, id: i64) -> Result<views::ActShown, ServiceError> {
    let stored = store
        .act(id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no act {id} has been recorded")))?;
    let subjects = store.act_subjects(id)?;
    Ok(views::ActShown {
        act: stored.act.id.0,
        kind: stored.act.kind.clone(),
        as_of: stored.act.valid_on,
        recorded_at: stored.act.recorded_at.clone(),
        actor: stored.act.actor.clone(),
        summary: stored.act.summary.clone(),
        content: stored.content.clone(),
        rows: stored
            .rows
            .iter()
            .map(|(table, rows)| views::ActRows { table: table.clone(), rows: rows.clone() })
            .collect(),
        persons: subjects.persons,
        units: subjects.units,
        reversed_by: stored
            .reversed_by
            .as_ref()
            .map(|(act, reason)| views::ReversedBy { act: *act, reason: reason.clone() }),
        reverses: stored.reverses,
    })
}

/// Reverses an act, as an act of its own: the records read from then on as
/// if it had never happened. The answer is the persons it had touched, as
/// they now stand on its day.
pub fn reverse(
    store: &mut dyn Store,
    rules: &Rules,
    id: i64,
    reason: &str,
    day: NaiveDate,
    actor: &str,
) -> Result<ActDone, ServiceError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::InvalidValue(
            "reason: a reversal gives its reason (--reason)".to_string(),
        ));
    }
    let reversed = store
        .act(id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no act {id} has been recorded")))?;
    let act = NewAct {
        kind: "reverse".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("reverse act {id} ({}): {reason}", reversed.act.kind),
    };
    let recorded = store.reverse_act(act, id, reason).map_err(|error| match error {
        StoreError::NoSuchAct { .. } => ServiceError::NotFound(error.to_string()),
        StoreError::NotReversible { .. }
        | StoreError::AlreadyReversed { .. }
        | StoreError::Depended { .. } => refused(error.to_string()),
        other => ServiceError::Store(other),
    })?;
    let subjects = store.act_subjects(recorded.id.0)?;
    Ok(ActDone {
        act: recorded.id.0,
        kind: recorded.kind.clone(),
        as_of: reversed.act.valid_on,
        recorded_at: recorded.recorded_at.clone(),
        actor: recorded.actor.clone(),
        persons: standing(&*store, rules, &subjects.persons, reversed.act.valid_on)?,
    })
}

/// Which acts to list.
#[derive(Clone, Debug, Default)]
pub struct ActQuery {
    /// Acts whose day is on or after this one.
    pub since: Option<NaiveDate>,
    /// Acts whose day is on or before this one.
    pub until: Option<NaiveDate>,
    pub kind: Option<String>,
    /// At most this many, the latest first.
    pub limit: usize,
}

/// The acts recorded, the latest first.
pub fn list(store: &dyn Store, query: &ActQuery) -> Result<views::Acts, ServiceError> {
    let mut acts: Vec<views::ActRow> = store
        .acts()?
        .into_iter()
        .rev()
        .filter(|act| query.since.is_none_or(|since| act.valid_on >= since))
        .filter(|act| query.until.is_none_or(|until| act.valid_on <= until))
        .filter(|act| query.kind.as_deref().is_none_or(|kind| act.kind == kind))
        .take(query.limit)
        .map(|act| views::ActRow {
            act: act.id.0,
            kind: act.kind,
            as_of: act.valid_on,
            recorded_at: act.recorded_at,
            actor: act.actor,
            summary: act.summary,
        })
        .collect();
    acts.shrink_to_fit();
    Ok(views::Acts { acts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_is_named_by_the_field_of_the_act() {
        assert_eq!(field("from"), "as_of");
        assert_eq!(field("to"), "until");
        assert_eq!(field("home_province"), "home_province");
    }

    #[test]
    fn the_import_errors_decide_the_kind_of_refusal() {
        let error =
            |message: &str| muster_dataset::DatasetError::at("service.csv", 2, "unit", message);
        assert!(matches!(invalid_rows(&[error("unknown unit `x`")]), ServiceError::NotFound(_)));
        assert!(matches!(
            invalid_rows(&[error(
                "the assignment overlaps the one to `u` from 2020-01-01 until now (the store)"
            )]),
            ServiceError::Refused { .. }
        ));
        assert!(matches!(
            invalid_rows(&[error("`x` is not a date of the form YYYY-MM-DD")]),
            ServiceError::InvalidValue(_)
        ));
        assert!(matches!(
            invalid_rows(&[error("unknown event kind `x`: expected `admitted` or `killed`")]),
            ServiceError::InvalidValue(_)
        ));
    }
}
