//! `muster discharge roster` and `muster strength`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::{Datelike, NaiveDate};
use muster_core::Cycle;
use muster_orders::{OrderBook, Roster, Strength};
use serde_json::json;

use crate::cli::{ListFormat, StrengthArgs};
use crate::commands::context::{self, Loaded};
use crate::commands::{chart, open, orders, today};

/// Prints the roster of a cycle.
pub fn roster(
    db: &str,
    cycle: &str,
    day: NaiveDate,
    format: ListFormat,
) -> anyhow::Result<ExitCode> {
    let cycle: Cycle = cycle
        .parse()
        .map_err(|error| anyhow::anyhow!("{error} (such as `2020-autumn` or `2021-spring`)"))?;
    let store = open(db)?;
    let loaded = context::load(&store)?;
    let roster = muster_orders::roster(&loaded.world, &loaded.book, cycle, day);
    print_roster(&roster, day, format)?;
    Ok(ExitCode::SUCCESS)
}

fn print_roster(roster: &Roster, day: NaiveDate, format: ListFormat) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let value = json!({
                "cycle": roster.cycle,
                "date": roster.date,
                "as_of": day,
                "entries": roster.entries,
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(stdout);
            writer.write_record(["person", "status", "date", "orders"])?;
            for entry in &roster.entries {
                writer.write_record([
                    entry.person.as_str(),
                    entry.status.as_str(),
                    &entry.date.to_string(),
                    &entry.orders.join(" "),
                ])?;
            }
            writer.flush()?;
        }
        ListFormat::Table => {
            let count = |status: muster_orders::RosterStatus| {
                roster.entries.iter().filter(|entry| entry.status == status).count()
            };
            writeln!(
                stdout,
                "roster {} (cycle date {}) as of {day}: {} scheduled, {} delayed, {} exempt, {} delayed-in, {} discharged",
                roster.cycle,
                roster.date,
                count(muster_orders::RosterStatus::Scheduled),
                count(muster_orders::RosterStatus::Delayed),
                count(muster_orders::RosterStatus::Exempt),
                count(muster_orders::RosterStatus::DelayedIn),
                count(muster_orders::RosterStatus::Discharged),
            )?;
            let width = roster.entries.iter().map(|entry| entry.person.len()).max().unwrap_or(0);
            for entry in &roster.entries {
                let orders = if entry.orders.is_empty() {
                    String::new()
                } else {
                    format!("  {}", entry.orders.join(", "))
                };
                writeln!(
                    stdout,
                    "  {:<width$}  {:<10}  {}{orders}",
                    entry.person,
                    entry.status.as_str(),
                    entry.date
                )?;
            }
        }
    }
    Ok(())
}

/// The first day of each month from `from` to `to`.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut months = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        months.push(month);
        month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
    }
    months
}

/// The book for a strength: the store's, with a draft added or orders left
/// out. `None` when the draft has errors (printed).
fn strength_book(loaded: &Loaded, args: &StrengthArgs) -> anyhow::Result<Option<OrderBook>> {
    let mut book = loaded.book.clone();
    for id in &args.without {
        if book.get(id).is_none() {
            bail!("no order `{id}` has been issued, so it cannot be left out");
        }
        book = book.without(id);
    }
    if let Some(path) = &args.with {
        let Some(order) = orders::read_order(loaded, path, None)? else {
            return Ok(None);
        };
        let issued_on = order.issued_on;
        book = book.with_draft(order, issued_on, false);
    }
    Ok(Some(book))
}

/// Prints the strength of a site month by month, and draws it.
pub fn strength(db: &str, args: &StrengthArgs) -> anyhow::Result<ExitCode> {
    if args.from > args.to {
        bail!("`--from {}` comes after `--to {}`", month_text(args.from), month_text(args.to));
    }
    let day = args.as_of.as_of.unwrap_or_else(today);
    let store = open(db)?;
    let loaded = context::load(&store)?;
    if !loaded.world.sites.iter().any(|site| site.id == args.site) {
        bail!("no site `{}` in the store", args.site);
    }
    let Some(book) = strength_book(&loaded, args)? else {
        return Ok(ExitCode::FAILURE);
    };
    let months = months(args.from, args.to);
    let counts = muster_orders::strength(&loaded.world, &book, &args.site, &months, day);
    if let Some(path) = &args.svg {
        let title = strength_title(args, day);
        let svg = chart::strength_svg(&title, &counts)?;
        std::fs::write(path, svg).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    print_strength(&args.site, &counts, day, args.format)?;
    Ok(ExitCode::SUCCESS)
}

/// The chart's title: the site, the months, and what was changed.
fn strength_title(args: &StrengthArgs, day: NaiveDate) -> String {
    let mut title = format!(
        "Strength of {}, {} to {}, as of {day}",
        args.site,
        month_text(args.from),
        month_text(args.to)
    );
    if let Some(path) = &args.with {
        title.push_str(&format!(", with {}", path.display()));
    }
    for id in &args.without {
        title.push_str(&format!(", without {id}"));
    }
    title
}

pub fn month_text(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The strength as JSON, in the shape of the command-line contract.
pub fn strength_json(site: &str, counts: &[Strength]) -> serde_json::Value {
    json!({
        "site": site,
        "months": counts.iter().map(|count| json!({
            "month": month_text(count.day),
            "headcount": count.headcount,
            "technicians": count.technicians,
            "required": count.required,
            "required_technicians": count.required_technicians,
        })).collect::<Vec<_>>(),
    })
}

fn print_strength(
    site: &str,
    counts: &[Strength],
    day: NaiveDate,
    format: ListFormat,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let mut value = strength_json(site, counts);
            value["as_of"] = json!(day);
            writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(stdout);
            writer.write_record([
                "month",
                "headcount",
                "technicians",
                "required",
                "required_technicians",
                "shortfall",
                "technician_shortfall",
            ])?;
            for count in counts {
                writer.write_record([
                    month_text(count.day),
                    count.headcount.to_string(),
                    count.technicians.to_string(),
                    count.required.to_string(),
                    count.required_technicians.to_string(),
                    count.required.saturating_sub(count.headcount).to_string(),
                    count.required_technicians.saturating_sub(count.technicians).to_string(),
                ])?;
            }
            writer.flush()?;
        }
        ListFormat::Table => {
            writeln!(stdout, "strength of {site} on the first of each month, as of {day}")?;
            writeln!(
                stdout,
                "  month    headcount  required  shortfall  technicians  required  shortfall"
            )?;
            for count in counts {
                writeln!(
                    stdout,
                    "  {}  {:>9}  {:>8}  {:>9}  {:>11}  {:>8}  {:>9}",
                    month_text(count.day),
                    count.headcount,
                    count.required,
                    count.required.saturating_sub(count.headcount),
                    count.technicians,
                    count.required_technicians,
                    count.required_technicians.saturating_sub(count.technicians),
                )?;
            }
        }
    }
    Ok(())
}
