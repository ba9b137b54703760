//! `muster stats`: outcome rates by cohort.

use std::io::Write;
use std::process::ExitCode;

use muster_service::Readable;
use muster_service::reports::StatsQuery;
use muster_service::views;

use crate::cli::{ListFormat, StatsArgs};
use crate::commands::{army, budget, open, print_json, today};

/// Prints the outcome rates by cohort, asked of the engine.
pub fn stats(db: &str, args: &StatsArgs) -> anyhow::Result<ExitCode> {
    let day = args.as_of.as_of.unwrap_or_else(today);
    let store = open(db)?;
    let readable = Readable::everything();
    let query = StatsQuery {
        event: &args.event,
        by: &args.by,
        from: args.from,
        to: args.to,
        condition: args.condition.as_deref(),
        readable: &readable,
        day,
    };
    let army = army(store.as_ref())?;
    let stats = muster_service::reports::stats(&army, &query, None, &budget())?;
    print(args.format, &stats)?;
    Ok(ExitCode::SUCCESS)
}

fn print(format: ListFormat, stats: &views::Stats) -> anyhow::Result<()> {
    let groups = &stats.groups;
    match format {
        ListFormat::Json => print_json(stats)?,
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
            writer.write_record(["group", "population", "with_event", "rate"])?;
            for group in groups {
                writer.write_record([
                    group.group.as_str(),
                    &group.population.to_string(),
                    &group.with_event.to_string(),
                    &group.rate.to_string(),
                ])?;
            }
            writer.flush()?;
        }
        ListFormat::Table => {
            let mut stdout = std::io::stdout().lock();
            let since = stats.from.map(|from| format!("from {from} ")).unwrap_or_default();
            writeln!(stdout, "{} events by {}, {since}to {}", stats.event, stats.by, stats.to)?;
            let width =
                groups.iter().map(|group| group.group.chars().count()).max().unwrap_or(0).max(5);
            writeln!(stdout, "  {:<width$}  population  with event   rate", "group")?;
            for group in groups {
                let shown = if group.group.is_empty() { "(empty)" } else { group.group.as_str() };
                writeln!(
                    stdout,
                    "  {shown:<width$}  {:>10}  {:>10}  {:>5.3}",
                    group.population, group.with_event, group.rate
                )?;
            }
        }
    }
    Ok(())
}
