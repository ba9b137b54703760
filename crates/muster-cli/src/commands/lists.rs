//! `muster list`: create, add, remove, show, recheck.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use muster_service::acts::mass::MassAct;
use muster_service::lists::{Query, reasons_text};
use muster_service::views::{ListEntry, ListPage};
use muster_service::{EntryStatus, Readable};
use muster_store::NewList;

use crate::cli::{ListCommand, ListFormat, StatusFilter};
use crate::commands::{actor, army, budget, open, print_json, today};

/// Runs one `list` command.
pub fn run(db: &str, command: ListCommand) -> anyhow::Result<ExitCode> {
    match command {
        ListCommand::Create { id, kind, owner, title, quota, as_of } => {
            let mut store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let list =
                NewList { id: id.clone(), kind: kind.clone(), owner: owner.clone(), title, quota };
            muster_service::lists::create(store.as_mut(), list, day, &actor())?;
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
            let army = army(store.as_ref())?;
            muster_service::lists::remove(store.as_mut(), &army, &id, &persons, day, &actor())?;
            writeln!(std::io::stdout(), "removed {} from list {id} on {day}", persons.join(", "))?;
            Ok(ExitCode::SUCCESS)
        }
        ListCommand::Show { id, status, as_of, format } => {
            let store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let army = army(store.as_ref())?;
            let query = Query { status: status.map(filter_status), ..Query::all(day) };
            let page = muster_service::lists::show(&army, &id, &query, &budget())?;
            print_page(&page, format)?;
            Ok(ExitCode::SUCCESS)
        }
        ListCommand::CallUp { id, unit, term_months, mass } => {
            crate::commands::acts::mass(db, &MassAct::CallUp { list: id, unit, term_months }, &mass)
        }
        ListCommand::Redeploy { id, site, campaign, unit, until, mass } => {
            crate::commands::acts::mass(
                db,
                &MassAct::Redeploy { list: id, site, campaign, unit, until },
                &mass,
            )
        }
        ListCommand::Post { id, eligible: _, country, limit, mass } => {
            crate::commands::acts::mass(db, &MassAct::Post { list: id, country, limit }, &mass)
        }
        ListCommand::Recheck { id, as_of, format } => {
            let mut store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let army = army(store.as_ref())?;
            let page = muster_service::lists::recheck(
                store.as_mut(),
                &army,
                &id,
                day,
                &actor(),
                &budget(),
            )?;
            print_page(&page, format)?;
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
    let army = army(store.as_ref())?;
    let mut wanted: Vec<String> = persons;
    if let Some(path) = from {
        wanted.extend(read_person_file(path)?);
    }
    let readable = Readable::everything();
    let budget = budget();
    let wanted = muster_service::lists::Wanted {
        persons: wanted,
        condition,
        readable: &readable,
        budget: &budget,
    };
    let added = muster_service::lists::add(store.as_mut(), &army, id, wanted, day, &actor())?;
    if let Some(failed) = added.failed.filter(|failed| *failed > 0) {
        writeln!(
            std::io::stderr(),
            "warning: the condition failed to evaluate for {failed} persons, who were not selected"
        )?;
    }
    if added.added == 0 {
        writeln!(std::io::stdout(), "nobody new to add to list {id} on {day}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let entries = &added.entries;
    if format == ListFormat::Table {
        let eligible =
            entries.iter().filter(|entry| entry.status == EntryStatus::Eligible.as_str()).count();
        writeln!(
            std::io::stdout(),
            "added {} to list {id} on {day}: {eligible} eligible, {} not",
            muster_service::persons(added.added),
            added.added - eligible
        )?;
    }
    if format == ListFormat::Table && entries.len() > ADDED_SHOWN {
        let more = entries.len() - ADDED_SHOWN;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "the first {ADDED_SHOWN}:")?;
        write_rows(&mut stdout, &entries[..ADDED_SHOWN])?;
        writeln!(stdout, "  ... and {more} more: `muster list show {id}` shows them all")?;
        return Ok(ExitCode::SUCCESS);
    }
    match format {
        ListFormat::Json => print_json(&added)?,
        ListFormat::Csv => muster_service::lists::write_csv(std::io::stdout().lock(), entries)?,
        ListFormat::Table => write_rows(&mut std::io::stdout().lock(), entries)?,
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

fn print_page(page: &ListPage, format: ListFormat) -> anyhow::Result<()> {
    match format {
        ListFormat::Json => print_json(page)?,
        ListFormat::Csv => {
            muster_service::lists::write_csv(std::io::stdout().lock(), &page.entries)?
        }
        ListFormat::Table => {
            let mut stdout = std::io::stdout().lock();
            let quota = page.quota.map(|quota| format!(", quota {quota}")).unwrap_or_default();
            let count = page.entries.len();
            writeln!(
                stdout,
                "list {} ({}, owner {}{quota}) on {}: {count} entr{}",
                page.list,
                page.kind,
                page.owner,
                page.as_of,
                if count == 1 { "y" } else { "ies" }
            )?;
            write_rows(&mut stdout, &page.entries)?;
        }
    }
    Ok(())
}

/// One aligned line per entry.
fn write_rows(stdout: &mut impl Write, entries: &[ListEntry]) -> anyhow::Result<()> {
    let name_width = entries.iter().map(|entry| entry.name.chars().count()).max().unwrap_or(0);
    let id_width = entries.iter().map(|entry| entry.person.len()).max().unwrap_or(0);
    for entry in entries {
        writeln!(
            stdout,
            "  {:<id_width$}  {:<name_width$}  {:<8}  {}",
            entry.person,
            entry.name,
            entry.status,
            reasons_text(entry)
        )?;
    }
    Ok(())
}
