//! `muster order`: check, preview, issue, revoke, list, show.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use muster_service::orders::{Checked, conflict_lines};
use muster_service::views;
use muster_service::{Army, ServiceError};

use crate::cli::{Format, OrderCommand};
use crate::commands::{actor, army, budget, open, print_json, report, rules, today};

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
            muster_service::orders::revoke(store.as_mut(), &id, on, &reason, day, &actor())?;
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
    army: &Army,
    path: &Path,
    day: Option<NaiveDate>,
) -> anyhow::Result<Option<Checked>> {
    let (name, text) = read_text(path)?;
    match muster_service::orders::check(army, &name, &text, day, false, &budget()) {
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
    // A draft that does not parse or check needs no army to say so.
    let (name, text) = read_text(path)?;
    if let Err(error @ ServiceError::Diagnostics { .. }) =
        muster_service::orders::parse(&rules(store.as_ref())?, &name, &text, Some(day))
    {
        report(&error)?;
        return Ok(ExitCode::FAILURE);
    }
    let army = army(store.as_ref())?;
    let Some(checked) = read_and_check(&army, path, Some(day))? else {
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
    let army = army(store.as_ref())?;
    if let Some(site) = site
        && !muster_service::orders::has_site(army.world(), site)
    {
        bail!("no site `{site}` in the store");
    }
    let Some(checked) = read_and_check(&army, path, Some(day))? else {
        return Ok(ExitCode::FAILURE);
    };
    let mut impact = checked.view();
    if let Some(site) = site {
        let strength = muster_service::orders::strength_preview(&army, &checked, site, &budget())?;
        impact.strength = Some(strength);
    }
    print_impact(&impact, format, "as if issued")?;
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
    let army = army(store.as_ref())?;
    let (name, text) = read_text(path)?;
    let draft = muster_service::orders::Draft { name: &name, text: &text, day, overridden };
    let result = muster_service::orders::issue(store.as_mut(), &army, &draft, &actor(), &budget());
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
    print_impact(&checked.view(), format, "issued")?;
    Ok(ExitCode::SUCCESS)
}

/// How many names of a list or of the discharges moved a table shows; JSON
/// gives them all.
const NAMES_SHOWN: usize = 20;

/// The first names of a list and a count of the rest.
fn names(persons: &[String]) -> String {
    if persons.len() <= NAMES_SHOWN {
        return persons.join(", ");
    }
    format!(
        "{} ({} in all; `--format json` gives them all)",
        persons[..NAMES_SHOWN].join(", "),
        persons.len()
    )
}

fn print_impact(impact: &views::Impact, format: Format, how: &str) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_json(impact);
    }
    let mut text = format!("order {} {how} on {}\n", impact.order, impact.as_of);
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
                names(&list.newly_excluded)
            );
        }
    }
    if impact.discharge.is_empty() {
        text.push_str("discharges moved: none\n");
    } else {
        let _ = writeln!(text, "discharges moved: {}", impact.discharge.len());
        for change in impact.discharge.iter().take(NAMES_SHOWN) {
            let _ = writeln!(text, "  {}  {} -> {}", change.person, change.from, change.to);
        }
        if impact.discharge.len() > NAMES_SHOWN {
            let _ = writeln!(
                text,
                "  ... and {} more (`--format json` gives them all)",
                impact.discharge.len() - NAMES_SHOWN
            );
        }
    }
    for conflict in &impact.conflicts {
        let _ = writeln!(
            text,
            "conflict: rule {} would delay {} protected by {}: {}",
            conflict.rule,
            muster_service::persons(conflict.persons.len()),
            conflict.protected_by,
            names(&conflict.persons)
        );
    }
    if let Some(strength) = &impact.strength {
        let _ = writeln!(
            text,
            "strength of {} on the first of each month, without -> with the order",
            strength.site
        );
        text.push_str("  month    headcount  technicians  required  required technicians\n");
        for month in &strength.months {
            let _ = writeln!(
                text,
                "  {}  {:>4} -> {:<4} {:>4} -> {:<4}  {:>8}  {:>20}",
                month.month,
                month.before.headcount,
                month.after.headcount,
                month.before.technicians,
                month.after.technicians,
                month.required,
                month.required_technicians,
            );
        }
    }
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

fn list(db: &str, day: NaiveDate, format: Format) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let rules = rules(store.as_ref())?;
    let orders = muster_service::orders::list(&rules.book, day);
    if format == Format::Json {
        print_json(&orders)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut stdout = std::io::stdout().lock();
    if orders.orders.is_empty() {
        writeln!(stdout, "no order issued by {day}")?;
    }
    let width = orders.orders.iter().map(|order| order.id.len()).max().unwrap_or(0);
    let state_width = orders.orders.iter().map(|order| order.state.len()).max().unwrap_or(0);
    for order in &orders.orders {
        writeln!(
            stdout,
            "{:<width$}  {}  {:<state_width$}  {}",
            order.id, order.issued_on, order.state, order.title
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show(db: &str, id: &str, day: NaiveDate, format: Format) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let rules = rules(store.as_ref())?;
    let order = muster_service::orders::show(store.as_ref(), &rules.book, id, day)?;
    if format == Format::Json {
        print_json(&order)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "order      {}", order.id)?;
    writeln!(stdout, "issued on  {} (recorded {})", order.issued_on, order.recorded_at)?;
    writeln!(stdout, "state      {} on {day}", order.state)?;
    if order.overridden {
        writeln!(
            stdout,
            "override   issued with --override: its delays apply to protected persons"
        )?;
    }
    for revocation in &order.revocations {
        writeln!(
            stdout,
            "revoked    from {} (on {}): {}",
            revocation.on, revocation.made_on, revocation.reason
        )?;
    }
    writeln!(stdout)?;
    stdout.write_all(order.document.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
