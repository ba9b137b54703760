//! `muster discharge roster` and `muster strength`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use muster_service::ServiceError;
use muster_service::reports::{StrengthQuery, strength_title};
use muster_service::views;

use crate::cli::{ListFormat, StrengthArgs};
use crate::commands::{army, budget, open, orders, print_json, report, today};

/// Prints the roster of a cycle, asked of the engine loaded from the store.
pub fn roster(
    db: &str,
    cycle: &str,
    day: NaiveDate,
    format: ListFormat,
) -> anyhow::Result<ExitCode> {
    let cycle = muster_service::reports::cycle(cycle)?;
    let store = open(db)?;
    let army = army(store.as_ref())?;
    let roster = muster_service::reports::roster(&army, cycle, day, &|_| true, &budget())?;
    print_roster(&roster, format)?;
    Ok(ExitCode::SUCCESS)
}

fn print_roster(roster: &views::Roster, format: ListFormat) -> anyhow::Result<()> {
    match format {
        ListFormat::Json => print_json(roster)?,
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
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
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "roster {} (cycle date {}) as of {}: {} scheduled, {} delayed, {} exempt, {} delayed-in, {} discharged",
                roster.cycle,
                roster.date,
                roster.as_of,
                roster.count("scheduled"),
                roster.count("delayed"),
                roster.count("exempt"),
                roster.count("delayed-in"),
                roster.count("discharged"),
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
                    entry.person, entry.status, entry.date
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
    let army = army(store.as_ref())?;
    let strength = match muster_service::reports::strength(&army, &query, &budget()) {
        Ok(strength) => strength,
        Err(error @ ServiceError::Diagnostics { .. }) => {
            report(&error)?;
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    if let Some(path) = &args.svg {
        let svg = muster_service::chart::strength_svg(&strength_title(&query), &strength.months)?;
        std::fs::write(path, svg).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    print_strength(&strength, args.format)?;
    Ok(ExitCode::SUCCESS)
}

fn print_strength(strength: &views::Strength, format: ListFormat) -> anyhow::Result<()> {
    match format {
        ListFormat::Json => print_json(strength)?,
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
            writer.write_record([
                "month",
                "headcount",
                "technicians",
                "required",
                "required_technicians",
                "shortfall",
                "technician_shortfall",
            ])?;
            for count in &strength.months {
                writer.write_record([
                    count.month.to_string(),
                    count.headcount.to_string(),
                    count.technicians.to_string(),
                    count.required.to_string(),
                    count.required_technicians.to_string(),
                    count.shortfall().to_string(),
                    count.technician_shortfall().to_string(),
                ])?;
            }
            writer.flush()?;
        }
        ListFormat::Table => {
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "strength of {} on the first of each month, as of {}",
                strength.site, strength.as_of
            )?;
            writeln!(
                stdout,
                "  month    headcount  required  shortfall  technicians  required  shortfall"
            )?;
            for count in &strength.months {
                writeln!(
                    stdout,
                    "  {}  {:>9}  {:>8}  {:>9}  {:>11}  {:>8}  {:>9}",
                    count.month,
                    count.headcount,
                    count.required,
                    count.shortfall(),
                    count.technicians,
                    count.required_technicians,
                    count.technician_shortfall(),
                )?;
            }
        }
    }
    Ok(())
}
