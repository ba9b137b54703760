//! Checking a dataset against itself and against the records a store holds:
//! ids, references, the trees, and each person's history.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use muster_core::{
    Assignment, Calendar, Campaign, Deployed, Deployment, Event, EventKind, Organisation, Paper,
    Person, Records, Site, Unit,
};

use crate::{Dataset, DatasetError, Errors, ImportError, Located, Unread};

/// Whether an import may replace records the store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every id must be new; a row the store already holds is an error.
    New,
    /// Rows replace the records with the same id; history rows are appended
    /// (a history row the store holds already is left as it is, and one with
    /// the same key but other values replaces it).
    Update,
}

/// What an import writes: the rows that are new or changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub calendar: Option<Calendar>,
    pub organisations: Vec<Organisation>,
    pub units: Vec<Unit>,
    pub sites: Vec<Site>,
    pub campaigns: Vec<Campaign>,
    pub people: Vec<Person>,
    pub assignments: Vec<Assignment>,
    pub deployments: Vec<Deployment>,
    pub events: Vec<Event>,
    /// Exemption papers, entered into the register.
    pub papers: Vec<Paper>,
    /// Rows equal to what the store holds, which are not written again.
    pub unchanged: u64,
}

impl Plan {
    /// How many rows the plan writes.
    pub fn row_count(&self) -> u64 {
        [
            self.organisations.len(),
            self.units.len(),
            self.sites.len(),
            self.campaigns.len(),
            self.people.len(),
            self.assignments.len(),
            self.deployments.len(),
            self.events.len(),
            self.papers.len(),
        ]
        .iter()
        .map(|&count| count as u64)
        .sum()
    }
}

/// Checks `dataset` against itself and against `stored`, the records the
/// store holds; returns what to write, or every error found: those found
/// while reading it, then those of its rows against each other and the
/// store. A row that could not be read is left out of these checks, and a
/// reference to its id is not unknown, so that it raises no further error.
pub fn check(stored: &Records, mut dataset: Dataset, mode: Mode) -> Result<Plan, ImportError> {
    let mut errors = std::mem::take(&mut dataset.errors);
    let left_out = std::mem::take(&mut dataset.left_out);
    let mut plan = Plan { calendar: dataset.calendar, ..Plan::default() };
    if plan.calendar.is_some() && plan.calendar == stored.calendar {
        plan.calendar = None;
    }

    let organisations = merge_by_id(
        "organisations.csv",
        &stored.organisations,
        &dataset.organisations,
        |record| &record.id,
        mode,
        &mut errors,
        &mut plan.unchanged,
    );
    let units = merge_by_id(
        "units.csv",
        &stored.units,
        &dataset.units,
        |record| &record.id,
        mode,
        &mut errors,
        &mut plan.unchanged,
    );
    let sites = merge_by_id(
        "sites.csv",
        &stored.sites,
        &dataset.sites,
        |record| &record.id,
        mode,
        &mut errors,
        &mut plan.unchanged,
    );
    let campaigns = merge_by_id(
        "campaigns.csv",
        &stored.campaigns,
        &dataset.campaigns,
        |record| &record.id,
        mode,
        &mut errors,
        &mut plan.unchanged,
    );
    let people = merge_by_id(
        "people.csv",
        &stored.people,
        &dataset.people,
        |record| &record.id,
        mode,
        &mut errors,
        &mut plan.unchanged,
    );

    let known_organisation = |id: &str| organisations.knows(id, &left_out.organisations);
    let known_unit = |id: &str| units.knows(id, &left_out.units);
    let known_site = |id: &str| sites.knows(id, &left_out.sites);
    let known_person = |id: &str| people.knows(id, &left_out.people);

    // Organisations: parents, and no cycle.
    for row in organisations.incoming() {
        if let Some(parent) = &row.record.parent
            && !known_organisation(parent)
        {
            errors.push(unknown("organisations.csv", row.line, "parent", "organisation", parent));
        }
    }
    check_tree(
        "organisations.csv",
        "organisation",
        &organisations,
        &left_out.organisations,
        |record| record.parent.as_deref(),
        &mut errors,
    );

    // Units: parents, administrations, and no cycle.
    for row in units.incoming() {
        if let Some(parent) = &row.record.parent
            && !known_unit(parent)
        {
            errors.push(unknown("units.csv", row.line, "parent", "unit", parent));
        }
        if let Some(administration) = &row.record.administration
            && !known_organisation(administration)
        {
            errors.push(unknown(
                "units.csv",
                row.line,
                "administration",
                "organisation",
                administration,
            ));
        }
    }
    check_tree(
        "units.csv",
        "unit",
        &units,
        &left_out.units,
        |record| record.parent.as_deref(),
        &mut errors,
    );

    // Campaigns: their sites.
    for row in campaigns.incoming() {
        if !known_site(&row.record.site) {
            errors.push(unknown("campaigns.csv", row.line, "site", "site", &row.record.site));
        }
    }

    // Deployments: who, where, and which campaign.
    let deployments = merge_history(
        "deployments.csv",
        &stored.deployments,
        &dataset.deployments,
        |record| (&record.deployed, record.site.as_str(), record.from),
        "deployment",
        mode,
        &mut errors,
        &mut plan.unchanged,
    );
    for row in deployments.incoming.iter().copied() {
        let deployment = &row.record;
        let line = row.line;
        match &deployment.deployed {
            Deployed::Unit(unit) if !known_unit(unit) => {
                errors.push(unknown("deployments.csv", line, "unit", "unit", unit));
            }
            Deployed::Person(person) if !known_person(person) => {
                errors.push(unknown("deployments.csv", line, "person", "person", person));
            }
            _ => {}
        }
        if !known_site(&deployment.site) {
            errors.push(unknown("deployments.csv", line, "site", "site", &deployment.site));
        }
        if !deployment.campaign.is_empty() {
            match campaigns.get(&deployment.campaign, &left_out.campaigns) {
                Found::Unknown => errors.push(unknown(
                    "deployments.csv",
                    line,
                    "campaign",
                    "campaign",
                    &deployment.campaign,
                )),
                Found::Record(campaign) if campaign.site != deployment.site => {
                    errors.push(DatasetError::at(
                        "deployments.csv",
                        line,
                        "campaign",
                        format!(
                            "campaign `{}` is at site `{}`, not at `{}`",
                            campaign.id, campaign.site, deployment.site
                        ),
                    ));
                }
                Found::Record(_) | Found::LeftOut => {}
            }
        }
    }

    // Service and events: checked person by person, with what the store
    // holds of each person touched.
    let assignments = merge_history(
        "service.csv",
        &stored.assignments,
        &dataset.assignments,
        |record| (record.person.as_str(), record.unit.as_str(), record.from),
        "assignment",
        mode,
        &mut errors,
        &mut plan.unchanged,
    );
    let events = merge_history(
        "events.csv",
        &stored.events,
        &dataset.events,
        |record| record,
        "event",
        mode,
        &mut errors,
        &mut plan.unchanged,
    );
    for row in assignments.incoming.iter().copied() {
        if !known_unit(&row.record.unit) {
            errors.push(unknown("service.csv", row.line, "unit", "unit", &row.record.unit));
        }
    }
    for row in events.incoming.iter().copied() {
        let event = &row.record;
        let reference = event.reference.as_str();
        match event.kind {
            EventKind::Admitted | EventKind::Posted | EventKind::Returned | EventKind::Exempted => {
                if !known_organisation(reference) {
                    errors.push(unknown("events.csv", row.line, "ref", "organisation", reference));
                }
            }
            EventKind::Injured | EventKind::Killed | EventKind::Awol => {
                if !reference.is_empty() && !known_site(reference) {
                    errors.push(unknown("events.csv", row.line, "ref", "site", reference));
                }
            }
            EventKind::Discharged => {}
        }
    }
    check_people(&people, &left_out.people, &assignments, &events, &mut errors);
    let stored_papers: Vec<Paper> = stored.papers.iter().map(|held| held.paper.clone()).collect();
    let papers = merge_history(
        "exemptions.csv",
        &stored_papers,
        &dataset.papers,
        |record| record,
        "paper",
        mode,
        &mut errors,
        &mut plan.unchanged,
    );
    for row in papers.incoming.iter().copied() {
        let paper = &row.record;
        if !known_organisation(&paper.issuer) {
            errors.push(unknown(
                "exemptions.csv",
                row.line,
                "issuer",
                "organisation",
                &paper.issuer,
            ));
        }
        match people.get(&paper.person, &left_out.people) {
            Found::Unknown => {
                errors.push(unknown("exemptions.csv", row.line, "person", "person", &paper.person));
            }
            Found::Record(person) if paper.issued_on < person.born => {
                errors.push(DatasetError::at(
                    "exemptions.csv",
                    row.line,
                    "issued_on",
                    format!(
                        "the paper bears {}, before the birth of `{}` on {}",
                        paper.issued_on, person.id, person.born
                    ),
                ));
            }
            Found::Record(_) | Found::LeftOut => {}
        }
    }

    if !errors.is_empty() {
        errors.sort();
        return Err(ImportError::Invalid(errors));
    }
    let indices = (
        organisations.changed_indices,
        units.changed_indices,
        sites.changed_indices,
        campaigns.changed_indices,
        people.changed_indices,
        assignments.indices,
        deployments.indices,
        events.indices,
        papers.indices,
    );
    plan.organisations = take(dataset.organisations, &indices.0);
    plan.units = take(dataset.units, &indices.1);
    plan.sites = take(dataset.sites, &indices.2);
    plan.campaigns = take(dataset.campaigns, &indices.3);
    plan.people = take(dataset.people, &indices.4);
    plan.assignments = take(dataset.assignments, &indices.5);
    plan.deployments = take(dataset.deployments, &indices.6);
    plan.events = take(dataset.events, &indices.7);
    plan.papers = take(dataset.papers, &indices.8);
    Ok(plan)
}

fn unknown(file: &str, line: u64, column: &str, what: &str, id: &str) -> DatasetError {
    let message = if id.is_empty() {
        format!("missing value: expected the id of a known {what}")
    } else {
        format!("unknown {what} `{id}`")
    };
    DatasetError::at(file, line, column, message)
}

/// The records of one id-bearing table as they will stand after the import.
struct MergedById<'a, T> {
    /// Every record by id: the incoming one where there is one.
    records: HashMap<&'a str, &'a T>,
    /// The line of each incoming id.
    lines: HashMap<&'a str, u64>,
    /// The incoming rows that are new or changed.
    changed: Vec<&'a Located<T>>,
    /// Their positions among the incoming rows.
    changed_indices: Vec<usize>,
}

impl<'a, T> MergedById<'a, T> {
    fn incoming(&self) -> impl Iterator<Item = &'a Located<T>> + '_ {
        self.changed.iter().copied()
    }

    /// Whether an id may be referred to: it is held, or its row was left out.
    fn knows(&self, id: &str, left_out: &Unread) -> bool {
        self.records.contains_key(id) || left_out.covers(id)
    }

    /// The record of an id as the import leaves it. A row of the file that
    /// was left out hides what the store holds of its id, since it may
    /// have replaced it.
    fn get(&self, id: &str, left_out: &Unread) -> Found<'a, T> {
        match self.records.get(id) {
            Some(_) if left_out.covers(id) && !self.lines.contains_key(id) => Found::LeftOut,
            Some(record) => Found::Record(record),
            None if left_out.covers(id) => Found::LeftOut,
            None => Found::Unknown,
        }
    }
}

/// What an id names after the import.
enum Found<'a, T> {
    Record(&'a T),
    /// A row with the id may have been left out: nothing is known of it.
    LeftOut,
    Unknown,
}

/// The records at these positions (in increasing order), moved out.
fn take<T>(rows: Vec<Located<T>>, indices: &[usize]) -> Vec<T> {
    let mut wanted = indices.iter().peekable();
    let mut taken = Vec::with_capacity(indices.len());
    for (index, row) in rows.into_iter().enumerate() {
        if wanted.peek() == Some(&&index) {
            wanted.next();
            taken.push(row.record);
        }
    }
    taken
}

fn merge_by_id<'a, T: PartialEq>(
    file: &str,
    stored: &'a [T],
    incoming: &'a [Located<T>],
    id_of: impl Fn(&T) -> &String,
    mode: Mode,
    errors: &mut Errors,
    unchanged: &mut u64,
) -> MergedById<'a, T> {
    let mut records: HashMap<&str, &T> = HashMap::with_capacity(stored.len() + incoming.len());
    for record in stored {
        records.insert(id_of(record).as_str(), record);
    }
    let mut lines: HashMap<&str, u64> = HashMap::with_capacity(incoming.len());
    let mut changed = Vec::with_capacity(incoming.len());
    let mut changed_indices = Vec::with_capacity(incoming.len());
    for (index, row) in incoming.iter().enumerate() {
        let id = id_of(&row.record).as_str();
        if let Some(first) = lines.get(id) {
            errors.push(DatasetError::at(
                file,
                row.line,
                "id",
                format!("duplicate id `{id}`: also on line {first}"),
            ));
            continue;
        }
        lines.insert(id, row.line);
        match (records.get(id), mode) {
            (Some(_), Mode::New) => {
                errors.push(DatasetError::at(
                    file,
                    row.line,
                    "id",
                    format!(
                        "duplicate id `{id}`: already in the store (use `--update` to replace it)"
                    ),
                ));
                continue;
            }
            (Some(existing), Mode::Update) if **existing == row.record => {
                *unchanged += 1;
                continue;
            }
            _ => {}
        }
        records.insert(id, &row.record);
        changed.push(row);
        changed_indices.push(index);
    }
    MergedById { records, lines, changed, changed_indices }
}

/// Reports a cycle in the parent links of a merged table.
fn check_tree<'a, T>(
    file: &str,
    what: &str,
    merged: &MergedById<'a, T>,
    left_out: &Unread,
    parent_of: impl Fn(&'a T) -> Option<&'a str>,
    errors: &mut Errors,
) {
    // A record whose row was left out is not followed: the row may have
    // given it another parent.
    let parents: HashMap<&str, &str> = merged
        .records
        .iter()
        .filter(|(id, _)| {
            left_out.is_empty() || matches!(merged.get(id, left_out), Found::Record(_))
        })
        .filter_map(|(id, record)| parent_of(record).map(|parent| (*id, parent)))
        .collect();
    // Remove the cycles one at a time, so that each is reported once.
    let mut parents = parents;
    while let Some(cycle) = muster_core::units::find_cycle(&parents) {
        let line = cycle.iter().filter_map(|id| merged.lines.get(id)).min().copied().unwrap_or(1);
        errors.push(DatasetError::at(
            file,
            line,
            "parent",
            format!("the {what} tree has a cycle: {}", cycle.join(" > ")),
        ));
        for id in &cycle {
            parents.remove(id);
        }
    }
}

/// The rows of one history table: the incoming rows to write, and what the
/// store holds that they leave in force.
struct MergedHistory<'a, T> {
    incoming: Vec<&'a Located<T>>,
    /// Their positions among the incoming rows.
    indices: Vec<usize>,
    /// Stored rows that no incoming row replaces.
    kept: Vec<&'a T>,
}

#[expect(clippy::too_many_arguments, reason = "one call per history table, each argument named")]
fn merge_history<'a, T: PartialEq, K: std::hash::Hash + Eq + 'a>(
    file: &str,
    stored: &'a [T],
    incoming: &'a [Located<T>],
    key_of: impl Fn(&'a T) -> K,
    what: &str,
    mode: Mode,
    errors: &mut Errors,
    unchanged: &mut u64,
) -> MergedHistory<'a, T> {
    let mut seen: HashMap<K, u64> = HashMap::with_capacity(incoming.len());
    let by_key: HashMap<K, &T> = stored.iter().map(|record| (key_of(record), record)).collect();
    let mut replaced: HashSet<*const T> = HashSet::new();
    let mut rows = Vec::with_capacity(incoming.len());
    let mut indices = Vec::with_capacity(incoming.len());
    for (index, row) in incoming.iter().enumerate() {
        let key = key_of(&row.record);
        if let Some(existing) = by_key.get(&key) {
            match mode {
                Mode::New => {
                    errors.push(DatasetError::at(
                        file,
                        row.line,
                        first_column(file),
                        format!(
                            "the same {what} is already in the store (use `--update` to replace it)"
                        ),
                    ));
                    continue;
                }
                Mode::Update if **existing == row.record => {
                    *unchanged += 1;
                    continue;
                }
                Mode::Update => {
                    replaced.insert(*existing as *const T);
                }
            }
        }
        if let Some(first) = seen.insert(key, row.line) {
            errors.push(duplicate_row(file, row.line, what, first));
            continue;
        }
        rows.push(row);
        indices.push(index);
    }
    let kept = stored.iter().filter(|record| !replaced.contains(&(*record as *const T))).collect();
    MergedHistory { incoming: rows, indices, kept }
}

fn first_column(file: &str) -> &'static str {
    if file == "deployments.csv" { "site" } else { "person" }
}

fn duplicate_row(file: &str, line: u64, what: &str, first: u64) -> DatasetError {
    DatasetError::at(
        file,
        line,
        first_column(file),
        format!("duplicate {what}: the same as line {first}"),
    )
}

/// Where a history row comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    File(u64),
    Store,
}

/// Checks each person's service and events against his record: every
/// assignment after enlistment and none overlapping, every event after
/// birth.
fn check_people(
    people: &MergedById<'_, Person>,
    left_out: &Unread,
    assignments: &MergedHistory<'_, Assignment>,
    events: &MergedHistory<'_, Event>,
    errors: &mut Errors,
) {
    // The people whose record changed are checked against all they hold.
    let changed_people: HashSet<&str> =
        people.changed.iter().map(|row| row.record.id.as_str()).collect();
    let person_line = |id: &str| people.lines.get(id).copied();

    // Assignments, grouped by person through a sort.
    let people_with_new_service: HashSet<&str> =
        assignments.incoming.iter().map(|row| row.record.person.as_str()).collect();
    let mut rows: Vec<(&Assignment, Source)> = Vec::new();
    for row in assignments.incoming.iter().copied() {
        rows.push((&row.record, Source::File(row.line)));
    }
    for record in &assignments.kept {
        if changed_people.contains(record.person.as_str())
            || people_with_new_service.contains(record.person.as_str())
        {
            rows.push((record, Source::Store));
        }
    }
    // Stable and adaptive: a service file sorted by person sorts in one pass.
    rows.sort_by(|a, b| (a.0.person.as_str(), a.0.from).cmp(&(b.0.person.as_str(), b.0.from)));
    let mut start = 0;
    while start < rows.len() {
        let person_id = rows[start].0.person.as_str();
        let end =
            start + rows[start..].iter().take_while(|(row, _)| row.person == person_id).count();
        let person = people.get(person_id, left_out);
        check_service(person, person_id, &rows[start..end], &person_line, errors);
        start = end;
    }

    for row in events.incoming.iter().copied() {
        let event = &row.record;
        match people.get(&event.person, left_out) {
            Found::Unknown => {
                errors.push(unknown("events.csv", row.line, "person", "person", &event.person));
            }
            Found::Record(person) if event.date < person.born => errors.push(DatasetError::at(
                "events.csv",
                row.line,
                "date",
                format!(
                    "the event is dated {}, before the birth of `{}` on {}",
                    event.date, person.id, person.born
                ),
            )),
            Found::Record(_) | Found::LeftOut => {}
        }
    }
    for record in &events.kept {
        if !changed_people.contains(record.person.as_str()) {
            continue;
        }
        if let Some(person) = people.records.get(record.person.as_str())
            && record.date < person.born
        {
            let line = person_line(&person.id).unwrap_or(1);
            errors.push(DatasetError::at(
                "people.csv",
                line,
                "born",
                format!(
                    "born on {}, after the {} event of {} already in the store",
                    person.born, record.kind, record.date
                ),
            ));
        }
    }
}

fn check_service(
    person: Found<'_, Person>,
    person_id: &str,
    rows: &[(&Assignment, Source)],
    person_line: &dyn Fn(&str) -> Option<u64>,
    errors: &mut Errors,
) {
    let report = |source: Source, column: &str, message: String, errors: &mut Errors| {
        let error = match source {
            Source::File(line) => DatasetError::at("service.csv", line, column, message),
            Source::Store => DatasetError::at(
                "people.csv",
                person_line(person_id).unwrap_or(1),
                "enlisted",
                format!("{message} (an assignment already in the store)"),
            ),
        };
        errors.push(error);
    };
    // A person whose row was left out: his assignments are checked against
    // each other only.
    let person = match person {
        Found::Record(person) => Some(person),
        Found::LeftOut => None,
        Found::Unknown => {
            for (_, source) in rows {
                if let Source::File(line) = source {
                    errors.push(unknown("service.csv", *line, "person", "person", person_id));
                }
            }
            return;
        }
    };
    let mut previous: Option<(&Assignment, Source)> = None;
    for &(assignment, source) in rows {
        if let Some(person) = person {
            match person.enlisted {
                None => report(
                    source,
                    "person",
                    format!("`{person_id}` never enlisted (`enlisted` is empty)"),
                    errors,
                ),
                Some(enlisted) if assignment.from < enlisted => report(
                    source,
                    "from",
                    format!(
                        "the assignment begins on {}, before the enlistment of `{person_id}` on {enlisted}",
                        assignment.from
                    ),
                    errors,
                ),
                Some(_) => {}
            }
        }
        if let Some((before, before_source)) = previous
            && before.to.is_none_or(|to| to >= assignment.from)
        {
            let (line_source, other, other_source) = match source {
                Source::File(_) => (source, before, before_source),
                Source::Store => (before_source, assignment, source),
            };
            let place = match other_source {
                Source::File(line) => format!("line {line}"),
                Source::Store => "the store".to_string(),
            };
            report(
                line_source,
                "from",
                format!(
                    "the assignment overlaps the one to `{}` from {} until {} ({place})",
                    other.unit,
                    other.from,
                    until(other.to)
                ),
                errors,
            );
        }
        if previous.is_none_or(|(before, _)| {
            before.to.is_some_and(|to| assignment.to.is_none_or(|end| end > to))
        }) {
            previous = Some((assignment, source));
        }
    }
}

fn until(day: Option<NaiveDate>) -> String {
    day.map(|day| day.to_string()).unwrap_or_else(|| "now".to_string())
}
