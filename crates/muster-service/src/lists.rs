//! Lists of candidates: create, add, remove, re-check, show, and selecting
//! people by a condition. Every list's statuses are asked of the engine.

use std::collections::HashSet;

use chrono::NaiveDate;
use muster_cel::Budget;
use muster_cel::check::Readable;
use muster_engine::{Engine, ListMember};
use muster_orders::{EntryChange, EntryStatus, OrderBook, OrderDiagnostic};
use muster_store::{EntryAction, NewAct, NewList, NewNotice, Store};
use roaring::RoaringBitmap;

use crate::views::{self, ListEntry, ListPage, ListSummary, Reason};
use crate::{Army, ListRecord, ServiceError, persons};

/// Creates a list owned by an organisation, from `day`.
pub fn create(
    store: &mut dyn Store,
    list: NewList,
    day: NaiveDate,
    actor: &str,
) -> Result<(), ServiceError> {
    check_id("list", &list.id)?;
    if !crate::organisation_exists(store, &list.owner)? {
        return Err(ServiceError::NotFound(format!(
            "unknown organisation `{}`: the owner of a list is an organisation of the store",
            list.owner
        )));
    }
    if list.kind == "discharge" || list.kind.trim().is_empty() {
        return Err(ServiceError::Invalid(format!(
            "`{}` is not a list kind: name the kind of list orders govern, such as `overseas-posting`",
            list.kind
        )));
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
pub fn check_id(what: &str, id: &str) -> Result<(), ServiceError> {
    if id.is_empty()
        || id.len() > 100
        || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(ServiceError::Invalid(format!(
            "`{id}` is not a {what} id: use letters, digits, `-`, `_` and `.` (at most 100)"
        )));
    }
    Ok(())
}

/// A list as of a day: held by the army, created by then.
fn list_on<'a>(army: &'a Army, id: &str, day: NaiveDate) -> Result<&'a ListRecord, ServiceError> {
    let list = army.list(id)?;
    if list.list.created_on > day {
        return Err(ServiceError::NotFound(format!(
            "list `{id}` was created on {}, after {day}",
            list.list.created_on
        )));
    }
    Ok(list)
}

/// Who to add to a list: ids, and those a condition selects.
pub struct Wanted<'a> {
    pub persons: Vec<String>,
    pub condition: Option<&'a str>,
    /// What the condition may read of a person.
    pub readable: &'a Readable,
    /// What the question over the army may spend.
    pub budget: &'a Budget,
}

/// Adds people to a list on `day`: the given ids, and those a condition
/// selects (over the army, by the engine). Those already on it are left
/// alone; an unknown id adds nobody.
pub fn add(
    store: &mut dyn Store,
    army: &Army,
    id: &str,
    wanted: Wanted<'_>,
    day: NaiveDate,
    actor: &str,
) -> Result<views::Added, ServiceError> {
    let list = list_on(army, id, day)?;
    let Wanted { persons: mut wanted, condition, readable, budget } = wanted;
    let engine = army.engine();
    let unknown: Vec<&str> = wanted
        .iter()
        .filter(|person| engine.position(person).is_none())
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
        let selection = select(army, text, day, readable, budget)?;
        failed = selection.failed;
        wanted.extend(selection.people.iter().map(|person| engine.person_id(person).to_string()));
    }
    // A first cut of those on the list already, as the army holds it; the
    // store decides again in its transaction, and returns whom it added.
    let active = active(&list.changes, day);
    let mut seen = HashSet::new();
    let wanted: Vec<String> = wanted
        .into_iter()
        .filter(|person| !active.contains(person) && seen.insert(person.clone()))
        .collect();
    let mut answer = views::Added {
        list: id.to_string(),
        as_of: day,
        added: 0,
        entries: Vec::new(),
        failed: None,
    };
    if condition.is_some() {
        answer.failed = Some(failed);
    }
    if wanted.is_empty() {
        return Ok(answer);
    }
    let act = NewAct {
        kind: "list-add".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("add {} to list {id}", persons(wanted.len())),
    };
    let added = store.change_entries(act, id, &wanted, EntryAction::Add, &[])?.persons;
    if added.is_empty() {
        return Ok(answer);
    }
    // An entry's status depends only on its own person's changes: screen
    // those added, with their earlier changes, in the order of the list.
    let added_set: HashSet<&str> = added.iter().map(String::as_str).collect();
    let mut changes: Vec<EntryChange> = list
        .changes
        .iter()
        .filter(|change| added_set.contains(change.person.as_str()))
        .cloned()
        .collect();
    changes.extend(added.iter().map(|person| EntryChange {
        person: person.clone(),
        added: true,
        on: day,
    }));
    changes.sort_by_key(|change| change.on);
    answer.added = added.len();
    answer.entries = screened(engine, army.book(), &list.list.kind, &changes, day, budget)?.1;
    Ok(answer)
}

/// Removes people from a list on `day`; all of them must be on it.
pub fn remove(
    store: &mut dyn Store,
    army: &Army,
    id: &str,
    persons: &[String],
    day: NaiveDate,
    actor: &str,
) -> Result<(), ServiceError> {
    list_on(army, id, day)?;
    if persons.is_empty() {
        return Err(ServiceError::Invalid("name the persons to remove".to_string()));
    }
    // Whether they are all on the list is decided in the store's
    // transaction (`StoreError::NotOnList`).
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
    store: &mut dyn Store,
    army: &Army,
    id: &str,
    day: NaiveDate,
    actor: &str,
    budget: &Budget,
) -> Result<ListPage, ServiceError> {
    let mut page = show(army, id, &Query::all(day), budget)?;
    let flagged: Vec<String> = page
        .entries
        .iter()
        .filter(|entry| entry.status == EntryStatus::Flagged.as_str())
        .map(|entry| entry.person.clone())
        .collect();
    page.flagged = Some(flagged.len());
    let mut notices = Vec::new();
    if !flagged.is_empty() {
        notices.push(NewNotice {
            organisation: page.owner.clone(),
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
    Ok(page)
}

/// Which entries of a list to show.
#[derive(Clone, Copy, Debug)]
pub struct Query {
    pub day: NaiveDate,
    /// Only the entries of this status.
    pub status: Option<EntryStatus>,
    /// Skip this many (of those of the status), in nomination order.
    pub offset: usize,
    /// At most this many; `None` for all.
    pub limit: Option<usize>,
}

impl Query {
    /// Every entry on a day.
    pub fn all(day: NaiveDate) -> Query {
        Query { day, status: None, offset: 0, limit: None }
    }
}

/// A list's entries on a day, each with its status and reasons, asked of
/// the engine: without a status filter only the page is screened (an
/// entry's status depends on his own changes only), with one every entry.
pub fn show(
    army: &Army,
    id: &str,
    query: &Query,
    budget: &Budget,
) -> Result<ListPage, ServiceError> {
    let record = list_on(army, id, query.day)?;
    let engine = army.engine();
    let day = query.day;
    let members = army.members(id, day).unwrap_or_default();
    let (total, entries) = match (query.status, query.limit) {
        (None, Some(limit)) => {
            let page: Vec<ListMember> =
                members.iter().skip(query.offset).take(limit).copied().collect();
            let statuses =
                engine.list_statuses(army.book(), &record.list.kind, &page, day, budget)?;
            (members.len(), entries_of(engine, &statuses))
        }
        _ => {
            // The statuses of every entry, kept by the army once computed
            // and kept live by the acts and the orders; only the page asked
            // for is made into entries.
            let statuses = match army.statuses(id, day, budget)? {
                Some(statuses) => statuses,
                None => std::sync::Arc::new(engine.list_statuses(
                    army.book(),
                    &record.list.kind,
                    &members,
                    day,
                    budget,
                )?),
            };
            let wanted = |entry: &muster_engine::EntryState| {
                query.status.is_none_or(|status| entry.status == status)
            };
            let total = statuses.entries().filter(wanted).count();
            let page = statuses
                .entries()
                .filter(wanted)
                .skip(query.offset)
                .take(query.limit.unwrap_or(usize::MAX));
            (total, page_entries(engine, &statuses, page))
        }
    };
    Ok(ListPage {
        list: record.list.id.clone(),
        kind: record.list.kind.clone(),
        owner: record.list.owner.clone(),
        title: record.stored.title.clone(),
        quota: record.stored.quota,
        as_of: day,
        total,
        offset: query.offset,
        limit: query.limit,
        flagged: None,
        entries,
    })
}

/// The lists created by `day` that `readable` keeps, each with its size and,
/// when `flagged` is asked, its flagged entries counted by the engine.
pub fn summaries(
    army: &Army,
    day: NaiveDate,
    flagged: bool,
    readable: &dyn Fn(&ListRecord) -> bool,
    budget: &Budget,
) -> Result<views::Lists, ServiceError> {
    let mut lists = Vec::new();
    for list in army.lists().all() {
        if list.list.created_on > day || !readable(list) {
            continue;
        }
        let members = army.members(&list.list.id, day).unwrap_or_default();
        let flagged = if flagged {
            let statuses =
                army.engine().list_statuses(army.book(), &list.list.kind, &members, day, budget)?;
            Some(statuses.count(EntryStatus::Flagged))
        } else {
            None
        };
        lists.push(ListSummary {
            id: list.list.id.clone(),
            kind: list.list.kind.clone(),
            owner: list.list.owner.clone(),
            title: list.stored.title.clone(),
            quota: list.stored.quota,
            created_on: list.list.created_on,
            entries: members.iter().filter(|member| member.active).count(),
            flagged,
        });
    }
    Ok(views::Lists { as_of: day, lists })
}

/// The entries of changes screened on a day: the members and their entries.
fn screened(
    engine: &Engine,
    book: &OrderBook,
    kind: &str,
    changes: &[EntryChange],
    day: NaiveDate,
    budget: &Budget,
) -> Result<(Vec<ListMember>, Vec<ListEntry>), ServiceError> {
    let members = engine.list_members(changes, day);
    let statuses = engine.list_statuses(book, kind, &members, day, budget)?;
    let entries = entries_of(engine, &statuses);
    Ok((members, entries))
}

/// The entries of the engine's statuses, as shown.
fn entries_of(engine: &Engine, statuses: &muster_engine::ListStatuses) -> Vec<ListEntry> {
    page_entries(engine, statuses, statuses.entries())
}

/// The entries of a page, made from their statuses.
fn page_entries(
    engine: &Engine,
    statuses: &muster_engine::ListStatuses,
    page: impl Iterator<Item = muster_engine::EntryState>,
) -> Vec<ListEntry> {
    page.map(|entry| ListEntry {
        person: engine.person_id(entry.person).to_string(),
        name: engine.person_name(entry.person).to_string(),
        status: entry.status.as_str().to_string(),
        nominated_on: entry.nominated_on,
        reasons: statuses
            .reasons(&entry)
            .into_iter()
            .map(|reason| Reason { order: reason.order, rule: reason.rule, reason: reason.reason })
            .collect(),
    })
    .collect()
}

/// The people on a list on a day (active entries).
fn active(changes: &[EntryChange], day: NaiveDate) -> HashSet<String> {
    muster_orders::members(changes, day)
        .into_iter()
        .filter(|(_, _, active)| *active)
        .map(|(person, _, _)| person)
        .collect()
}

/// The name under which a condition's diagnostics are given.
pub const CONDITION: &str = "condition";

/// The people a condition selects.
pub struct Selection {
    pub people: RoaringBitmap,
    /// For how many the condition failed to evaluate (not selected).
    pub failed: u64,
}

/// The persons for whom a condition holds on `day`, with the orders known
/// that day, asked of the engine; a condition may read only what
/// `readable` allows. A person for whom it fails to evaluate is not
/// selected, and counted. Each evaluation keeps within the limit of one,
/// all of them within the budget: once it stops (spent, past its deadline,
/// cancelled) the selection fails with `Stopped`.
pub fn select(
    army: &Army,
    text: &str,
    day: NaiveDate,
    readable: &Readable,
    budget: &Budget,
) -> Result<Selection, ServiceError> {
    let expr = parse_condition(army, text, day, readable)?;
    let book = army.book().known_on(day);
    let engine = army.engine();
    let plan = engine.compile(&expr);
    let (people, failed) = engine.select_with_failures(&plan, &book, day, budget)?;
    Ok(Selection { people, failed: failed.len() })
}

/// Parses and checks a condition written by a caller.
pub fn parse_condition(
    army: &Army,
    text: &str,
    day: NaiveDate,
    readable: &Readable,
) -> Result<muster_cel::Expr, ServiceError> {
    let diagnostics = |errors: &[muster_cel::Diagnostic]| ServiceError::Diagnostics {
        name: CONDITION.to_string(),
        text: text.to_string(),
        diagnostics: errors.iter().map(expression_diagnostic).collect(),
    };
    let expr = muster_cel::parse(text).map_err(|error| diagnostics(&[error]))?;
    let book = army.book().known_on(day);
    muster_orders::check_expression_readable(army.world(), &book, &expr, readable)
        .map_err(|errors| diagnostics(&errors))?;
    Ok(expr)
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
pub fn reasons_text(entry: &ListEntry) -> String {
    entry
        .reasons
        .iter()
        .map(|reason| format!("{} rule {}: {}", reason.order, reason.rule, reason.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes entries as CSV: person, name, status, nomination day, reasons.
pub fn write_csv(out: impl std::io::Write, entries: &[ListEntry]) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["person", "name", "status", "nominated_on", "reasons"])?;
    for entry in entries {
        writer.write_record([
            entry.person.as_str(),
            entry.name.as_str(),
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
