//! `muster list`: create, add, remove, show, recheck.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use muster_orders::{Entry, EntryStatus, World};
use muster_service::LoadedList;
use muster_service::lists::reasons_text;
use muster_store::NewList;
use serde_json::json;

use crate::cli::{ListCommand, ListFormat, StatusFilter};
use crate::commands::{actor, open, progress_bar, today};

/// Runs one `list` command.
pub fn run(db: &str, command: ListCommand) -> anyhow::Result<ExitCode> {
    match command {
        ListCommand::Create { id, kind, owner, title, quota, as_of } => {
            let mut store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let list =
                NewList { id: id.clone(), kind: kind.clone(), owner: owner.clone(), title, quota };
            muster_service::lists::create(&mut store, list, day, &actor())?;
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
            muster_service::lists::remove(&mut store, &id, &persons, day, &actor())?;
            writeln!(std::io::stdout(), "removed {} from list {id} on {day}", persons.join(", "))?;
            Ok(ExitCode::SUCCESS)
        }
        ListCommand::Show { id, status, as_of, format } => {
            let store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let loaded = muster_service::load(&store)?;
            let list = muster_service::load_list(&store, &id, day)?;
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
            let loaded = muster_service::load(&store)?;
            let entries = muster_service::lists::recheck(&mut store, &loaded, &id, day, &actor())?;
            let list = muster_service::load_list(&store, &id, day)?;
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
    let loaded = muster_service::load(&store)?;
    let mut wanted: Vec<String> = persons;
    if let Some(path) = from {
        wanted.extend(read_person_file(path)?);
    }
    let bar = progress_bar("screening", loaded.world.people.len() as u64);
    let progress = |done: u64, _total: u64| bar.set_position(done);
    let wanted = muster_service::lists::Wanted { persons: wanted, condition };
    let added =
        muster_service::lists::add(&mut store, &loaded, id, wanted, day, &actor(), &progress);
    bar.finish_and_clear();
    let added = added?;
    if added.failed > 0 {
        writeln!(
            std::io::stderr(),
            "warning: the condition failed to evaluate for {} persons, who were not selected",
            added.failed
        )?;
    }
    if added.added.is_empty() {
        writeln!(std::io::stdout(), "nobody new to add to list {id} on {day}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let entries = added.entries;
    if format == ListFormat::Table {
        let eligible = entries.iter().filter(|entry| entry.status == EntryStatus::Eligible).count();
        writeln!(
            std::io::stdout(),
            "added {} to list {id} on {day}: {eligible} eligible, {} not",
            muster_service::persons(added.added.len()),
            added.added.len() - eligible
        )?;
    }
    let list = muster_service::load_list(&store, id, day)?;
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
        ListFormat::Csv => muster_service::lists::write_csv(stdout, world, entries)?,
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
