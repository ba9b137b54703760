//! `muster list`: create, add, remove, show, recheck.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use muster_orders::{Entry, EntryChange, EntryStatus, OrderDiagnostic, PersonView, World};
use muster_store::{EntryAction, NewAct, NewList, NewNotice, Store};
use serde_json::json;

use crate::cli::{ListCommand, ListFormat, StatusFilter};
use crate::commands::context::{self, LoadedList};
use crate::commands::{actor, open, progress_bar, render, today};

/// Runs one `list` command.
pub fn run(db: &str, command: ListCommand) -> anyhow::Result<ExitCode> {
    match command {
        ListCommand::Create { id, kind, owner, title, quota, as_of } => {
            let mut store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            if !store.organisations()?.iter().any(|organisation| organisation.id == owner) {
                bail!(
                    "unknown organisation `{owner}`: the owner of a list is an organisation of the store"
                );
            }
            if kind == "discharge" || kind.trim().is_empty() {
                bail!(
                    "`{kind}` is not a list kind: name the kind of list orders govern, such as `overseas-posting`"
                );
            }
            let act = NewAct {
                kind: "list-create".to_string(),
                valid_on: day,
                actor: actor(),
                summary: format!("create list {id} ({kind}) for {owner}"),
            };
            store.create_list(
                act,
                NewList { id: id.clone(), kind: kind.clone(), owner: owner.clone(), title, quota },
            )?;
            writeln!(std::io::stdout(), "created list {id} of kind {kind} for {owner} on {day}")?;
            Ok(ExitCode::SUCCESS)
        }
        ListCommand::Add { id, persons, from, condition, as_of, format } => add(
            db,
            &id,
            persons,
            from.as_deref(),
            condition.as_deref(),
            as_of.as_of.unwrap_or_else(today),
            format,
        ),
        ListCommand::Remove { id, persons, as_of } => {
            let mut store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let loaded = context::load_list(&store, &id, day)?;
            let active: HashSet<String> = muster_orders::members(&loaded.changes, day)
                .into_iter()
                .filter(|(_, _, active)| *active)
                .map(|(person, _, _)| person)
                .collect();
            let missing: Vec<&String> =
                persons.iter().filter(|person| !active.contains(*person)).collect();
            if !missing.is_empty() {
                let missing: Vec<&str> = missing.iter().map(|person| person.as_str()).collect();
                bail!("not on list `{id}` on {day}: {}; nothing was changed", missing.join(", "));
            }
            let act = NewAct {
                kind: "list-remove".to_string(),
                valid_on: day,
                actor: actor(),
                summary: format!("remove {} from list {id}", persons.join(" ")),
            };
            store.change_entries(act, &id, &persons, EntryAction::Remove, &[])?;
            writeln!(std::io::stdout(), "removed {} from list {id} on {day}", persons.join(", "))?;
            Ok(ExitCode::SUCCESS)
        }
        ListCommand::Show { id, status, as_of, format } => {
            let store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let loaded = context::load(&store)?;
            let list = context::load_list(&store, &id, day)?;
            let mut entries =
                muster_orders::entries(&loaded.world, &loaded.book, &list.list, &list.changes, day);
            if let Some(filter) = status {
                entries.retain(|entry| entry.status == filter_status(filter));
            }
            print_entries(&loaded.world, &list, &entries, day, format)?;
            Ok(ExitCode::SUCCESS)
        }
        ListCommand::Recheck { id, as_of, format } => {
            let mut store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let loaded = context::load(&store)?;
            let list = context::load_list(&store, &id, day)?;
            let entries =
                muster_orders::entries(&loaded.world, &loaded.book, &list.list, &list.changes, day);
            let flagged: Vec<&Entry> =
                entries.iter().filter(|entry| entry.status == EntryStatus::Flagged).collect();
            let mut notices = Vec::new();
            if !flagged.is_empty() {
                let persons: Vec<&str> =
                    flagged.iter().map(|entry| entry.person.as_str()).collect();
                notices.push(NewNotice {
                    organisation: list.list.owner.clone(),
                    order: None,
                    list: Some(id.clone()),
                    message: format!(
                        "re-check of list {id} on {day}: {} flagged, to act on: {}",
                        if persons.len() == 1 {
                            "1 entry".to_string()
                        } else {
                            format!("{} entries", persons.len())
                        },
                        persons.join(", ")
                    ),
                });
            }
            let act = NewAct {
                kind: "list-recheck".to_string(),
                valid_on: day,
                actor: actor(),
                summary: format!("re-check list {id}: {} flagged", flagged.len()),
            };
            store.leave_notices(act, &notices)?;
            print_entries(&loaded.world, &list, &entries, day, format)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn filter_status(filter: StatusFilter) -> EntryStatus {
    match filter {
        StatusFilter::Eligible => EntryStatus::Eligible,
        StatusFilter::Excluded => EntryStatus::Excluded,
        StatusFilter::Flagged => EntryStatus::Flagged,
        StatusFilter::Removed => EntryStatus::Removed,
    }
}

fn add(
    db: &str,
    id: &str,
    persons: Vec<String>,
    from: Option<&Path>,
    condition: Option<&str>,
    day: NaiveDate,
    format: ListFormat,
) -> anyhow::Result<ExitCode> {
    let mut store = open(db)?;
    let loaded = context::load(&store)?;
    let list = context::load_list(&store, id, day)?;
    let mut wanted: Vec<String> = persons;
    if let Some(path) = from {
        wanted.extend(read_person_file(path)?);
    }
    let unknown: Vec<&str> = wanted
        .iter()
        .filter(|person| loaded.world.person(person).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        bail!(
            "unknown person{} {}; nothing was added",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", ")
        );
    }
    if let Some(text) = condition {
        let Some(selected) = select(&loaded, text, day)? else {
            return Ok(ExitCode::FAILURE);
        };
        wanted.extend(selected.into_iter().map(|file| file.person.id.clone()));
    }
    let active: HashSet<String> = muster_orders::members(&list.changes, day)
        .into_iter()
        .filter(|(_, _, active)| *active)
        .map(|(person, _, _)| person)
        .collect();
    let mut seen = HashSet::new();
    let added: Vec<String> = wanted
        .into_iter()
        .filter(|person| !active.contains(person) && seen.insert(person.clone()))
        .collect();
    if added.is_empty() {
        writeln!(std::io::stdout(), "nobody new to add to list {id} on {day}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let act = NewAct {
        kind: "list-add".to_string(),
        valid_on: day,
        actor: actor(),
        summary: format!("add {} persons to list {id}", added.len()),
    };
    store.change_entries(act, id, &added, EntryAction::Add, &[])?;
    let list = context::load_list(&store, id, day)?;
    // An entry's status depends only on its own person's changes: screen
    // those added, not the whole list.
    let added_set: HashSet<&String> = added.iter().collect();
    let changes: Vec<EntryChange> =
        list.changes.iter().filter(|change| added_set.contains(&change.person)).cloned().collect();
    let entries = muster_orders::entries(&loaded.world, &loaded.book, &list.list, &changes, day);
    if format == ListFormat::Table {
        let eligible = entries.iter().filter(|entry| entry.status == EntryStatus::Eligible).count();
        writeln!(
            std::io::stdout(),
            "added {} to list {id} on {day}: {eligible} eligible, {} not",
            if added.len() == 1 {
                "1 person".to_string()
            } else {
                format!("{} persons", added.len())
            },
            added.len() - eligible
        )?;
    }
    if format == ListFormat::Table && entries.len() > ADDED_SHOWN {
        let more = entries.len() - ADDED_SHOWN;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "the first {ADDED_SHOWN}:")?;
        write_rows(&mut stdout, &loaded.world, &entries[..ADDED_SHOWN])?;
        writeln!(stdout, "  ... and {more} more: `muster list show {id}` shows them all")?;
    } else {
        print_entries(&loaded.world, &list, &entries, day, format)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// How many added entries `list add` prints in a table (JSON and CSV give
/// them all).
const ADDED_SHOWN: usize = 20;

/// The persons for whom a condition holds on `day`, with the orders known
/// that day; `None` when the condition has errors (printed). A person for
/// whom it fails to evaluate is not selected, and the count of them is
/// printed as a warning.
pub fn select<'a>(
    loaded: &'a context::Loaded,
    text: &str,
    day: NaiveDate,
) -> anyhow::Result<Option<Vec<&'a muster_core::PersonFile>>> {
    let expr = match muster_cel::parse(text) {
        Ok(expr) => expr,
        Err(error) => {
            report_expression(text, &[error])?;
            return Ok(None);
        }
    };
    let book = loaded.book.known_on(day);
    if let Err(errors) = muster_orders::check_expression(&loaded.world, &book, &expr) {
        report_expression(text, &errors)?;
        return Ok(None);
    }
    let bar = progress_bar("screening", loaded.world.people.len() as u64);
    let mut errors = 0u64;
    let mut selected = Vec::new();
    for (position, file) in loaded.world.people.iter().enumerate() {
        let view = PersonView::new(&loaded.world, &book, file, day);
        let environment = muster_cel::Environment { today: Some(day), person: Some(&view) };
        match muster_cel::evaluate(&expr, &environment, &mut muster_cel::Reads::new()) {
            Ok(muster_cel::Value::Bool(true)) => selected.push(file),
            Ok(_) => {}
            Err(_) => errors += 1,
        }
        if position % 4096 == 0 {
            bar.set_position(position as u64);
        }
    }
    bar.finish_and_clear();
    if errors > 0 {
        writeln!(
            std::io::stderr(),
            "warning: the condition failed to evaluate for {errors} persons, who were not selected"
        )?;
    }
    Ok(Some(selected))
}

fn report_expression(text: &str, errors: &[muster_cel::Diagnostic]) -> anyhow::Result<()> {
    let diagnostics: Vec<OrderDiagnostic> = errors
        .iter()
        .map(|error| OrderDiagnostic {
            span: error.span.start..error.span.end,
            message: error.message.clone(),
            label: match (&error.expected, &error.found) {
                (Some(expected), Some(found)) => format!("expected {expected}, found {found}"),
                _ => error.message.clone(),
            },
            help: error.help.clone(),
        })
        .collect();
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(render::render("--where", text, &diagnostics).as_bytes())?;
    writeln!(
        stderr,
        "error: the condition has {} error{}; nothing was done",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// Person ids from a file: one a line, or a CSV whose first column is the
/// id (a header `id` or `person` is skipped); blank lines and `#` comments
/// are skipped.
fn read_person_file(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut persons = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split(',').next().unwrap_or_default().trim().trim_matches('"');
        if index == 0 && (first == "id" || first == "person") {
            continue;
        }
        persons.push(first.to_string());
    }
    Ok(persons)
}

fn print_entries(
    world: &World,
    list: &LoadedList,
    entries: &[Entry],
    day: NaiveDate,
    format: ListFormat,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let value = json!({
                "list": list.list.id,
                "kind": list.list.kind,
                "owner": list.list.owner,
                "as_of": day,
                "entries": entries.iter().map(|entry| json!({
                    "person": entry.person,
                    "status": entry.status,
                    "reasons": entry.reasons,
                })).collect::<Vec<_>>(),
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(stdout);
            writer.write_record(["person", "name", "status", "nominated_on", "reasons"])?;
            for entry in entries {
                let name = world
                    .person(&entry.person)
                    .map(|file| file.person.name.as_str())
                    .unwrap_or_default();
                writer.write_record([
                    entry.person.as_str(),
                    name,
                    entry.status.as_str(),
                    &entry.nominated_on.to_string(),
                    &reasons_text(entry),
                ])?;
            }
            writer.flush()?;
        }
        ListFormat::Table => {
            let quota =
                list.stored.quota.map(|quota| format!(", quota {quota}")).unwrap_or_default();
            writeln!(
                stdout,
                "list {} ({}, owner {}{quota}) on {day}: {} entr{}",
                list.list.id,
                list.list.kind,
                list.list.owner,
                entries.len(),
                if entries.len() == 1 { "y" } else { "ies" }
            )?;
            write_rows(&mut stdout, world, entries)?;
        }
    }
    Ok(())
}

/// One aligned line per entry.
fn write_rows(stdout: &mut impl Write, world: &World, entries: &[Entry]) -> anyhow::Result<()> {
    let name_width = entries
        .iter()
        .filter_map(|entry| world.person(&entry.person))
        .map(|file| file.person.name.chars().count())
        .max()
        .unwrap_or(0);
    let id_width = entries.iter().map(|entry| entry.person.len()).max().unwrap_or(0);
    for entry in entries {
        let name =
            world.person(&entry.person).map(|file| file.person.name.as_str()).unwrap_or_default();
        writeln!(
            stdout,
            "  {:<id_width$}  {:<name_width$}  {:<8}  {}",
            entry.person,
            name,
            entry.status.as_str(),
            reasons_text(entry)
        )?;
    }
    Ok(())
}

fn reasons_text(entry: &Entry) -> String {
    entry
        .reasons
        .iter()
        .map(|reason| format!("{} rule {}: {}", reason.order, reason.rule, reason.reason))
        .collect::<Vec<_>>()
        .join("; ")
}
