//! `muster order`: check, preview, issue, revoke, list, show.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use muster_orders::Impact;
use muster_service::ServiceError;
use muster_service::orders::{Checked, conflict_lines};
use muster_store::Store;
use serde_json::json;

use crate::cli::{Format, OrderCommand};
use crate::commands::{actor, open, report, today};

/// Runs one `order` command.
pub fn run(db: &str, command: OrderCommand) -> anyhow::Result<ExitCode> {
    match command {
        OrderCommand::Check { file, as_of } => check(db, &file, as_of.as_of.unwrap_or_else(today)),
        OrderCommand::Preview { file, site, as_of, format } => {
            preview(db, &file, site.as_deref(), as_of.as_of.unwrap_or_else(today), format)
        }
        OrderCommand::Issue { file, override_protection, as_of, format } => {
            issue(db, &file, override_protection, as_of, format)
        }
        OrderCommand::Revoke { id, on, reason, as_of } => {
            let mut store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            muster_service::orders::revoke(&mut store, &id, on, &reason, day, &actor())?;
            writeln!(std::io::stdout(), "order {id} revoked: no longer in force from {on}")?;
            Ok(ExitCode::SUCCESS)
        }
        OrderCommand::List { as_of, format } => list(db, as_of.as_of.unwrap_or_else(today), format),
        OrderCommand::Show { id, as_of, format } => {
            show(db, &id, as_of.as_of.unwrap_or_else(today), format)
        }
    }
}

/// Reads an order file.
pub fn read_text(path: &Path) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok((path.display().to_string(), text))
}

/// Checks an order file against the store as known on `day`; on errors,
/// prints them and returns `None`.
fn read_and_check(
    store: &muster_store::SqliteStore,
    loaded: &muster_service::Loaded,
    path: &Path,
    day: Option<NaiveDate>,
) -> anyhow::Result<Option<Checked>> {
    let (name, text) = read_text(path)?;
    match muster_service::orders::check(store, loaded, &name, &text, day, false) {
        Ok(checked) => Ok(Some(checked)),
        Err(error @ ServiceError::Diagnostics { .. }) => {
            report(&error)?;
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

fn check(db: &str, path: &Path, day: NaiveDate) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let loaded = muster_service::load(&store)?;
    let Some(checked) = read_and_check(&store, &loaded, path, Some(day))? else {
        return Ok(ExitCode::FAILURE);
    };
    let mut stdout = std::io::stdout().lock();
    let order = &checked.order;
    if !checked.impact.conflicts.is_empty() {
        let mut stderr = std::io::stderr().lock();
        for line in conflict_lines(order, &checked.impact) {
            writeln!(stderr, "{line}")?;
        }
        writeln!(
            stderr,
            "error: `{}` conflicts with an order in force; issue it with `--override` to delay them all the same",
            path.display()
        )?;
        return Ok(ExitCode::FAILURE);
    }
    writeln!(
        stdout,
        "{}: order {} is valid ({} rule{}), with no conflict on {day}",
        path.display(),
        order.id,
        order.rules.len(),
        if order.rules.len() == 1 { "" } else { "s" }
    )?;
    Ok(ExitCode::SUCCESS)
}

fn preview(
    db: &str,
    path: &Path,
    site: Option<&str>,
    day: NaiveDate,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let loaded = muster_service::load(&store)?;
    if let Some(site) = site
        && !loaded.world.sites.iter().any(|known| known.id == site)
    {
        bail!("no site `{site}` in the store");
    }
    let Some(checked) = read_and_check(&store, &loaded, path, Some(day))? else {
        return Ok(ExitCode::FAILURE);
    };
    let Some(site) = site else {
        print_impact(&checked.impact, day, format, "as if issued")?;
        return Ok(ExitCode::SUCCESS);
    };
    let (without, with) = muster_service::orders::strength_preview(&loaded, &checked, site)?;
    match format {
        Format::Json => {
            let mut value = serde_json::to_value(&checked.impact)?;
            value["strength"] = muster_service::strength::comparison_json(site, &without, &with);
            writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Table => {
            print_impact(&checked.impact, day, format, "as if issued")?;
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "strength of {site} on the first of each month, without -> with the order"
            )?;
            writeln!(stdout, "  month    headcount  technicians  required  required technicians")?;
            for (before, after) in without.iter().zip(&with) {
                writeln!(
                    stdout,
                    "  {}  {:>4} -> {:<4} {:>4} -> {:<4}  {:>8}  {:>20}",
                    muster_service::strength::month_text(before.day),
                    before.headcount,
                    after.headcount,
                    before.technicians,
                    after.technicians,
                    before.required,
                    before.required_technicians,
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn issue(
    db: &str,
    path: &Path,
    overridden: bool,
    day: Option<NaiveDate>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let mut store = open(db)?;
    let loaded = muster_service::load(&store)?;
    let (name, text) = read_text(path)?;
    let result =
        muster_service::orders::issue(&mut store, &loaded, &name, &text, overridden, day, &actor());
    let checked = match result {
        Ok(checked) => checked,
        Err(error @ ServiceError::Diagnostics { .. }) => {
            report(&error)?;
            writeln!(std::io::stderr(), "nothing was stored")?;
            return Ok(ExitCode::FAILURE);
        }
        Err(ServiceError::Conflict { order, lines, .. }) => {
            let mut stderr = std::io::stderr().lock();
            for line in lines {
                writeln!(stderr, "{line}")?;
            }
            writeln!(
                stderr,
                "error: order {order} was not issued: it conflicts with an order in force; nothing was stored (issue it with `--override` to delay them all the same)",
            )?;
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    print_impact(&checked.impact, checked.day, format, "issued")?;
    Ok(ExitCode::SUCCESS)
}

fn print_impact(impact: &Impact, day: NaiveDate, format: Format, how: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(impact)?)?;
        }
        Format::Table => {
            let mut text = format!("order {} {how} on {day}\n", impact.order);
            if impact.lists.is_empty() {
                text.push_str("lists: none of the kinds it governs\n");
            }
            for list in &impact.lists {
                if list.newly_excluded.is_empty() {
                    let _ = writeln!(text, "list {}: no entry newly excluded", list.list);
                } else {
                    let _ = writeln!(
                        text,
                        "list {}: newly excluded {}",
                        list.list,
                        list.newly_excluded.join(", ")
                    );
                }
            }
            if impact.discharge.is_empty() {
                text.push_str("discharges moved: none\n");
            } else {
                let _ = writeln!(text, "discharges moved: {}", impact.discharge.len());
                for change in &impact.discharge {
                    let _ = writeln!(text, "  {}  {} -> {}", change.person, change.from, change.to);
                }
            }
            for conflict in &impact.conflicts {
                let _ = writeln!(
                    text,
                    "conflict: rule {} would delay {} protected by {}: {}",
                    conflict.rule,
                    muster_service::persons(conflict.persons.len()),
                    conflict.protected_by,
                    conflict.persons.join(", ")
                );
            }
            stdout.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

fn list(db: &str, day: NaiveDate, format: Format) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let book = muster_store::load::book(&store)?;
    let rows: Vec<_> = book
        .issued_by(day)
        .map(|issued| {
            let order = &issued.order;
            (order, issued.issued_on, muster_service::orders::state(&book, &order.id, day))
        })
        .collect();
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => {
            let value: Vec<_> = rows
                .iter()
                .map(|(order, issued_on, state)| {
                    json!({
                        "id": order.id,
                        "title": order.title,
                        "issued_by": order.issued_by,
                        "issued_on": issued_on,
                        "effective_from": order.effective_from,
                        "effective_until": order.effective_until,
                        "state": state,
                    })
                })
                .collect();
            writeln!(
                stdout,
                "{}",
                serde_json::to_string_pretty(&json!({"as_of": day, "orders": value}))?
            )?;
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(stdout, "no order issued by {day}")?;
            }
            let width = rows.iter().map(|(order, _, _)| order.id.len()).max().unwrap_or(0);
            let state_width =
                rows.iter().map(|(_, _, state)| state.to_string().len()).max().unwrap_or(0);
            for (order, issued_on, state) in rows {
                writeln!(
                    stdout,
                    "{:<width$}  {issued_on}  {:<state_width$}  {}",
                    order.id,
                    state.to_string(),
                    order.title
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(db: &str, id: &str, day: NaiveDate, format: Format) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let book = muster_store::load::book(&store)?;
    let Some(stored) = store.orders()?.into_iter().find(|stored| stored.id == id) else {
        bail!("no order `{id}` has been issued");
    };
    let state = muster_service::orders::state(&book, id, day);
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => {
            let impact: serde_json::Value =
                serde_json::from_str(&stored.impact).unwrap_or(serde_json::Value::Null);
            let value = json!({
                "id": stored.id,
                "issued_on": stored.act.valid_on,
                "recorded_at": stored.act.recorded_at,
                "override": stored.overridden,
                "state": state,
                "document": stored.document,
                "impact": impact,
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Table => {
            writeln!(stdout, "order      {}", stored.id)?;
            writeln!(
                stdout,
                "issued on  {} (recorded {})",
                stored.act.valid_on, stored.act.recorded_at
            )?;
            writeln!(stdout, "state      {state} on {day}")?;
            if stored.overridden {
                writeln!(
                    stdout,
                    "override   issued with --override: its delays apply to protected persons"
                )?;
            }
            let revocations: Vec<_> =
                book.revocations().iter().filter(|revocation| revocation.order == id).collect();
            for revocation in revocations {
                writeln!(
                    stdout,
                    "revoked    from {} (on {}): {}",
                    revocation.on, revocation.made_on, revocation.reason
                )?;
            }
            writeln!(stdout)?;
            stdout.write_all(stored.document.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
