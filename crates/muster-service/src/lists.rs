//! Lists of candidates: create, add, remove, re-check, and selecting
//! people by a condition.

use std::collections::HashSet;

use chrono::NaiveDate;
use muster_cel::Budget;
use muster_core::PersonFile;
use muster_orders::{Entry, EntryChange, EntryStatus, OrderDiagnostic, PersonView};
use muster_store::{EntryAction, NewAct, NewList, NewNotice, SqliteStore, Store};

use crate::{Loaded, ServiceError, load_list, persons};

/// Creates a list owned by an organisation, from `day`.
pub fn create(
    store: &mut SqliteStore,
    list: NewList,
    day: NaiveDate,
    actor: &str,
) -> Result<(), ServiceError> {
    if !crate::organisation_exists(store, &list.owner)? {
        return Err(ServiceError::NotFound(format!(
            "unknown organisation `{}`: the owner of a list is an organisation of the store",
            list.owner
        )));
    }
    check_id("list", &list.id)?;
    if list.kind == "discharge" || list.kind.trim().is_empty() {
        return Err(ServiceError::Invalid(format!(
            "`{}` is not a list kind: name the kind of list orders govern, such as `overseas-posting`",
            list.kind
        )));
    }
    if store.list(&list.id)?.is_some() {
        return Err(ServiceError::Invalid(format!("list `{}` already exists", list.id)));
    }
    let act = NewAct {
        kind: "list-create".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("create list {} ({}) for {}", list.id, list.kind, list.owner),
    };
    store.create_list(act, list)?;
    Ok(())
}

/// An id is a word: letters, digits, `-`, `_` and `.`.
fn check_id(what: &str, id: &str) -> Result<(), ServiceError> {
    if id.is_empty()
        || id.len() > 100
        || !id.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(ServiceError::Invalid(format!(
            "`{id}` is not a {what} id: use letters, digits, `-`, `_` and `.` (at most 100)"
        )));
    }
    Ok(())
}

/// The people on a list on a day (active entries).
fn active(changes: &[EntryChange], day: NaiveDate) -> HashSet<String> {
    muster_orders::members(changes, day)
        .into_iter()
        .filter(|(_, _, active)| *active)
        .map(|(person, _, _)| person)
        .collect()
}

/// Who was added to a list, and their entries as screened on the day.
pub struct Added {
    pub added: Vec<String>,
    pub entries: Vec<Entry>,
    /// For how many the condition failed to evaluate (not added).
    pub failed: u64,
}

/// Who to add to a list: ids, and those a condition selects.
pub struct Wanted<'a> {
    pub persons: Vec<String>,
    pub condition: Option<&'a str>,
}

/// Adds people to a list on `day`: the given ids, and those a condition
/// selects. Those already on it are left alone. Unknown ids add nobody.
pub fn add(
    store: &mut SqliteStore,
    loaded: &Loaded,
    id: &str,
    wanted: Wanted<'_>,
    day: NaiveDate,
    actor: &str,
    progress: &dyn Fn(u64, u64),
) -> Result<Added, ServiceError> {
    let list = load_list(store, id, day)?;
    let Wanted { persons: mut wanted, condition } = wanted;
    let unknown: Vec<&str> = wanted
        .iter()
        .filter(|person| loaded.world.person(person).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(ServiceError::NotFound(format!(
            "unknown person{} {}; nothing was added",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", ")
        )));
    }
    let mut failed = 0;
    if let Some(text) = condition {
        let budget = Budget::new(muster_cel::REQUEST_BUDGET);
        let selection = select(loaded, text, day, &budget, progress)?;
        failed = selection.failed;
        wanted.extend(selection.people.into_iter().map(|file| file.person.id.clone()));
    }
    let active = active(&list.changes, day);
    let mut seen = HashSet::new();
    let added: Vec<String> = wanted
        .into_iter()
        .filter(|person| !active.contains(person) && seen.insert(person.clone()))
        .collect();
    if added.is_empty() {
        return Ok(Added { added, entries: Vec::new(), failed });
    }
    let act = NewAct {
        kind: "list-add".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("add {} to list {id}", persons(added.len())),
    };
    store.change_entries(act, id, &added, EntryAction::Add, &[])?;
    let list = load_list(store, id, day)?;
    // An entry's status depends only on its own person's changes: screen
    // those added, not the whole list.
    let added_set: HashSet<&String> = added.iter().collect();
    let changes: Vec<EntryChange> =
        list.changes.iter().filter(|change| added_set.contains(&change.person)).cloned().collect();
    let entries = muster_orders::entries(&loaded.world, &loaded.book, &list.list, &changes, day);
    Ok(Added { added, entries, failed })
}

/// Removes people from a list on `day`; all of them must be on it.
pub fn remove(
    store: &mut SqliteStore,
    id: &str,
    persons: &[String],
    day: NaiveDate,
    actor: &str,
) -> Result<(), ServiceError> {
    let list = load_list(store, id, day)?;
    if persons.is_empty() {
        return Err(ServiceError::Invalid("name the persons to remove".to_string()));
    }
    let active = active(&list.changes, day);
    let missing: Vec<&str> =
        persons.iter().filter(|person| !active.contains(*person)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(ServiceError::NotFound(format!(
            "not on list `{id}` on {day}: {}; nothing was changed",
            missing.join(", ")
        )));
    }
    let act = NewAct {
        kind: "list-remove".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("remove {} from list {id}", persons.join(" ")),
    };
    store.change_entries(act, id, persons, EntryAction::Remove, &[])?;
    Ok(())
}

/// Re-checks a list against the orders in force on `day`: its entries, and
/// a notice to its owner of the flagged ones, recorded as an act.
pub fn recheck(
    store: &mut SqliteStore,
    loaded: &Loaded,
    id: &str,
    day: NaiveDate,
    actor: &str,
) -> Result<Vec<Entry>, ServiceError> {
    let list = load_list(store, id, day)?;
    let entries =
        muster_orders::entries(&loaded.world, &loaded.book, &list.list, &list.changes, day);
    let flagged: Vec<&str> = entries
        .iter()
        .filter(|entry| entry.status == EntryStatus::Flagged)
        .map(|entry| entry.person.as_str())
        .collect();
    let mut notices = Vec::new();
    if !flagged.is_empty() {
        notices.push(NewNotice {
            organisation: list.list.owner.clone(),
            order: None,
            list: Some(id.to_string()),
            message: format!(
                "re-check of list {id} on {day}: {} flagged, to act on: {}",
                crate::entries(flagged.len()),
                flagged.join(", ")
            ),
        });
    }
    let act = NewAct {
        kind: "list-recheck".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("re-check list {id}: {} flagged", flagged.len()),
    };
    store.leave_notices(act, &notices)?;
    Ok(entries)
}

/// The name under which a condition's diagnostics are given.
pub const CONDITION: &str = "condition";

/// The people a condition selects.
pub struct Selection<'a> {
    pub people: Vec<&'a PersonFile>,
    /// For how many the condition failed to evaluate (not selected).
    pub failed: u64,
}

/// The persons for whom a condition holds on `day`, with the orders known
/// that day. A person for whom it fails to evaluate is not selected, and
/// counted. Each evaluation keeps within the default limit of one, and all
/// of them within the request budget: once it stops (spent, past its
/// deadline, cancelled), the selection fails with `Stopped`.
pub fn select<'a>(
    loaded: &'a Loaded,
    text: &str,
    day: NaiveDate,
    budget: &Budget,
    progress: &dyn Fn(u64, u64),
) -> Result<Selection<'a>, ServiceError> {
    let diagnostics = |errors: &[muster_cel::Diagnostic]| ServiceError::Diagnostics {
        name: CONDITION.to_string(),
        text: text.to_string(),
        diagnostics: errors.iter().map(expression_diagnostic).collect(),
    };
    let expr = muster_cel::parse(text).map_err(|error| diagnostics(&[error]))?;
    let book = loaded.book.known_on(day);
    muster_orders::check_expression(&loaded.world, &book, &expr)
        .map_err(|errors| diagnostics(&errors))?;
    let total = loaded.world.people.len() as u64;
    let mut failed = 0u64;
    let mut people = Vec::new();
    for (position, file) in loaded.world.people.iter().enumerate() {
        let view = PersonView::new(&loaded.world, &book, file, day);
        let environment = muster_cel::Environment { today: Some(day), person: Some(&view) };
        let limits = muster_cel::Limits::request(budget);
        match muster_cel::evaluate_within(
            &expr,
            &environment,
            &mut muster_cel::Reads::new(),
            limits,
        ) {
            Ok(muster_cel::Value::Bool(true)) => people.push(file),
            Ok(_) => {}
            Err(error) => match error.stop() {
                Some(stop) => return Err(ServiceError::Stopped(stop)),
                None => failed += 1,
            },
        }
        if position % 4096 == 0 {
            progress(position as u64, total);
        }
    }
    progress(total, total);
    Ok(Selection { people, failed })
}

fn expression_diagnostic(error: &muster_cel::Diagnostic) -> OrderDiagnostic {
    OrderDiagnostic {
        span: error.span.start..error.span.end,
        message: error.message.clone(),
        label: match (&error.expected, &error.found) {
            (Some(expected), Some(found)) => format!("expected {expected}, found {found}"),
            _ => error.message.clone(),
        },
        help: error.help.clone(),
    }
}

/// An entry's reasons in words: `ORDER rule N: REASON; ...`.
pub fn reasons_text(entry: &Entry) -> String {
    entry
        .reasons
        .iter()
        .map(|reason| format!("{} rule {}: {}", reason.order, reason.rule, reason.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes entries as CSV: person, name, status, nomination day, reasons.
pub fn write_csv(
    out: impl std::io::Write,
    world: &muster_orders::World,
    entries: &[Entry],
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["person", "name", "status", "nominated_on", "reasons"])?;
    for entry in entries {
        let name =
            world.person(&entry.person).map(|file| file.person.name.as_str()).unwrap_or_default();
        writer.write_record([
            entry.person.as_str(),
            name,
            entry.status.as_str(),
            &entry.nominated_on.to_string(),
            &reasons_text(entry),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// An entry status from its word.
pub fn entry_status(word: &str) -> Result<EntryStatus, ServiceError> {
    match word {
        "eligible" => Ok(EntryStatus::Eligible),
        "excluded" => Ok(EntryStatus::Excluded),
        "flagged" => Ok(EntryStatus::Flagged),
        "removed" => Ok(EntryStatus::Removed),
        other => Err(ServiceError::Invalid(format!(
            "`{other}` is not an entry status: eligible, excluded, flagged or removed"
        ))),
    }
}
