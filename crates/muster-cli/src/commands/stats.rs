//! `muster stats`: outcome rates by cohort.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use chrono::NaiveDate;
use muster_cel::{Subject, Value};
use muster_core::EventKind;
use muster_orders::PersonView;
use serde_json::json;

use crate::cli::{ListFormat, StatsArgs};
use crate::commands::{context, lists, open, today};

/// One cohort.
#[derive(Default)]
struct Group {
    population: u64,
    with_event: u64,
}

/// Prints the outcome rates by cohort.
pub fn stats(db: &str, args: &StatsArgs) -> anyhow::Result<ExitCode> {
    let day = args.as_of.as_of.unwrap_or_else(today);
    let Some(kind) = EventKind::ALL.iter().copied().find(|kind| kind.as_str() == args.event) else {
        bail!(
            "`{}` is not an event kind: the kinds are {}",
            args.event,
            EventKind::ALL
                .iter()
                .map(|kind| format!("`{}`", kind.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    // A cohort is made by any string field of the person schema.
    let group_fields: Vec<String> = muster_cel::person_schema()
        .person_fields
        .into_iter()
        .filter(|field| field.field_type == muster_cel::Type::String)
        .map(|field| field.name)
        .collect();
    if !group_fields.contains(&args.by) {
        bail!(
            "`--by {}` is not a string field of `person`: the fields are {}",
            args.by,
            group_fields.iter().map(|field| format!("`{field}`")).collect::<Vec<_>>().join(", ")
        );
    }
    // Events after the as-of day have not happened yet, as of that day.
    let to = args.to.unwrap_or(day).min(day);
    let from = args.from.unwrap_or(NaiveDate::MIN);
    if from > to {
        bail!("`--from {from}` comes after the last day counted, {to}");
    }
    let store = open(db)?;
    let loaded = context::load(&store)?;
    let population: Vec<&muster_core::PersonFile> = match &args.condition {
        Some(text) => match lists::select(&loaded, text, day)? {
            Some(selected) => selected,
            None => return Ok(ExitCode::FAILURE),
        },
        None => loaded.world.people.iter().collect(),
    };
    let book = loaded.book.known_on(day);
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for file in population {
        let view = PersonView::new(&loaded.world, &book, file, day);
        let group = match view.field(&args.by) {
            Some(Value::String(text)) => text,
            _ => String::new(),
        };
        let counts = groups.entry(group).or_default();
        counts.population += 1;
        if file
            .events_by(day)
            .any(|event| event.kind == kind && from <= event.date && event.date <= to)
        {
            counts.with_event += 1;
        }
    }
    print(args, args.from, to, &groups)?;
    Ok(ExitCode::SUCCESS)
}

fn rate(group: &Group) -> f64 {
    group.with_event as f64 / group.population as f64
}

fn print(
    args: &StatsArgs,
    from: Option<NaiveDate>,
    to: NaiveDate,
    groups: &BTreeMap<String, Group>,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let value = json!({
                "event": args.event,
                "by": args.by,
                "from": from,
                "to": to,
                "groups": groups.iter().map(|(name, group)| json!({
                    "group": name,
                    "population": group.population,
                    "with_event": group.with_event,
                    "rate": rate(group),
                })).collect::<Vec<_>>(),
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(stdout);
            writer.write_record(["group", "population", "with_event", "rate"])?;
            for (name, group) in groups {
                writer.write_record([
                    name.as_str(),
                    &group.population.to_string(),
                    &group.with_event.to_string(),
                    &rate(group).to_string(),
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
                    rate(group)
                )?;
            }
        }
    }
    Ok(())
}
