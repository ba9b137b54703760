//! `muster discharge roster` and `muster strength`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use muster_core::Cycle;
use muster_orders::{Roster, Strength};
use muster_service::ServiceError;
use muster_service::strength::{StrengthQuery, month_text, strength_json, title};
use serde_json::json;

use crate::cli::{ListFormat, StrengthArgs};
use crate::commands::{open, orders, report, today};

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
    // The roster is a question over everyone: the engine answers it,
    // loaded straight from the store (the reference would first build
    // every person's file).
    let store = open(db)?;
    let book = muster_store::load::book(&store)?;
    let bar = crate::progress::bar("records", false);
    let engine = muster_engine::load_sqlite(store.path(), &mut crate::progress::steps(&bar))?;
    bar.finish_and_clear();
    // The rules of issued orders, each within the limit of one evaluation.
    let roster = engine.roster(&book, cycle, day, &muster_cel::Budget::unlimited())?;
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

/// Prints the strength of a site month by month, and draws it.
pub fn strength(db: &str, args: &StrengthArgs) -> anyhow::Result<ExitCode> {
    let day = args.as_of.as_of.unwrap_or_else(today);
    let store = open(db)?;
    let loaded = muster_service::load(&store)?;
    let with = match &args.with {
        Some(path) => Some(orders::read_text(path)?),
        None => None,
    };
    let query = StrengthQuery {
        site: &args.site,
        from: args.from,
        to: args.to,
        without: &args.without,
        with: with.as_ref().map(|(name, text)| (name.as_str(), text.as_str())),
        day,
    };
    let counts = match muster_service::strength::strength(&loaded, &query) {
        Ok(counts) => counts,
        Err(error @ ServiceError::Diagnostics { .. }) => {
            report(&error)?;
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    if let Some(path) = &args.svg {
        let svg = muster_service::chart::strength_svg(&title(&query), &counts)?;
        std::fs::write(path, svg).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    print_strength(&args.site, &counts, day, args.format)?;
    Ok(ExitCode::SUCCESS)
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
