//! `muster stats`: outcome rates by cohort.

use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;
use muster_service::stats::{Stats, StatsQuery};

use crate::cli::{ListFormat, StatsArgs};
use crate::commands::{open, today};

/// Prints the outcome rates by cohort.
pub fn stats(db: &str, args: &StatsArgs) -> anyhow::Result<ExitCode> {
    let day = args.as_of.as_of.unwrap_or_else(today);
    let store = open(db)?;
    let loaded = muster_service::load(&store)?;
    let query = StatsQuery {
        event: &args.event,
        by: &args.by,
        from: args.from,
        to: args.to,
        condition: args.condition.as_deref(),
        day,
    };
    let stats = muster_service::stats::stats(&loaded, &query)?;
    print(args, args.from, stats.to, &stats)?;
    Ok(ExitCode::SUCCESS)
}

fn print(
    args: &StatsArgs,
    from: Option<NaiveDate>,
    to: NaiveDate,
    stats: &Stats,
) -> anyhow::Result<()> {
    let groups = &stats.groups;
    let mut stdout = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(&stats.to_json())?)?;
        }
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(stdout);
            writer.write_record(["group", "population", "with_event", "rate"])?;
            for (name, group) in groups {
                writer.write_record([
                    name.as_str(),
                    &group.population.to_string(),
                    &group.with_event.to_string(),
                    &group.rate().to_string(),
                ])?;
            }
            writer.flush()?;
        }
        ListFormat::Table => {
            let since = from.map(|from| format!("from {from} ")).unwrap_or_default();
            writeln!(stdout, "{} events by {}, {since}to {to}", args.event, args.by)?;
            let width = groups.keys().map(|name| name.chars().count()).max().unwrap_or(0).max(5);
            writeln!(stdout, "  {:<width$}  population  with event   rate", "group")?;
            for (name, group) in groups {
                let shown = if name.is_empty() { "(empty)" } else { name.as_str() };
                writeln!(
                    stdout,
                    "  {shown:<width$}  {:>10}  {:>10}  {:>5.3}",
                    group.population,
                    group.with_event,
                    group.rate()
                )?;
            }
        }
    }
    Ok(())
}
