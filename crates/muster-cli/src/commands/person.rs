//! `muster person show`: a person's record, full history and status.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use chrono::NaiveDate;
use muster_core::{Deployed, PersonFile, UnitTree};
use muster_store::{SqliteStore, Store};
use serde_json::{Value, json};

use crate::cli::{Format, PersonShowArgs};
use crate::commands::today;

/// His discharge chain from the orders issued by `day`, computed on a world
/// of his own records (the rules read nothing of other people).
fn discharge_chain(
    store: &SqliteStore,
    file: &PersonFile,
    units: &[muster_core::Unit],
    calendar: &muster_core::Calendar,
    day: NaiveDate,
) -> anyhow::Result<muster_orders::Discharge> {
    let book = muster_store::load::book(store)?;
    let world = muster_orders::World::new(muster_core::Records {
        calendar: Some(*calendar),
        units: units.to_vec(),
        people: vec![file.person.clone()],
        assignments: file.assignments.clone(),
        deployments: file.deployments.clone(),
        events: file.events.clone(),
        ..muster_core::Records::default()
    });
    let Some(own) = world.people.first() else {
        bail!("the file of `{}` could not be read", file.person.id);
    };
    Ok(muster_orders::discharge(&world, &book, own, day))
}

/// Prints a person's file as of the day asked.
pub fn show(store: &SqliteStore, args: &PersonShowArgs) -> anyhow::Result<ExitCode> {
    let day = args.as_of.unwrap_or_else(today);
    let Some(records) = store.person(&args.id, day)? else {
        bail!("no person `{}` in the store", args.id);
    };
    let calendar = store.calendar()?;
    let units = store.units()?;
    let unit_names: HashMap<&str, &str> =
        units.iter().map(|unit| (unit.id.as_str(), unit.name.as_str())).collect();
    let tree = UnitTree::new(&units);
    let file = as_of(records.file, day);
    let person = &file.person;

    let term_end = file.term_end();
    let cycle = file.discharge_cycle(&calendar);
    let chain = discharge_chain(store, &file, &units, &calendar, day)?;
    let discharge = chain.date();
    let status = file.status_on(day, discharge);
    let deployments = file.deployment_periods(&tree);
    let open_on = |to: Option<NaiveDate>| to.filter(|to| *to < day);

    let output = match args.format {
        Format::Json => {
            let value = json!({
                "person": person,
                "as_of": day,
                "age": file.age_on(day),
                "status": status,
                "term_end": term_end,
                "discharge_cycle": cycle.map(|cycle| cycle.to_string()),
                "discharge_date": discharge,
                "discharge_delayed_by": chain.delayed_by,
                "service": file.assignments.iter().map(|assignment| json!({
                    "unit": assignment.unit,
                    "unit_name": unit_names.get(assignment.unit.as_str()),
                    "from": assignment.from,
                    "to": open_on(assignment.to),
                })).collect::<Vec<Value>>(),
                "deployments": deployments.iter().map(|period| json!({
                    "site": period.deployment.site,
                    "campaign": period.deployment.campaign,
                    "unit": match &period.deployment.deployed {
                        Deployed::Unit(unit) => Some(unit),
                        Deployed::Person(_) => None,
                    },
                    "from": period.from,
                    "to": open_on(period.to),
                })).collect::<Vec<Value>>(),
                "events": file.events,
                "versions": records.versions.iter().map(|version| json!({
                    "act": version.act,
                    "valid_on": version.valid_on,
                })).collect::<Vec<Value>>(),
            });
            let mut text = serde_json::to_string_pretty(&value)?;
            text.push('\n');
            text
        }
        Format::Table => {
            let mut text = String::new();
            let mut field = |name: &str, value: String| {
                let _ = writeln!(text, "{name:<15}{value}");
            };
            field("id", person.id.clone());
            field("name", person.name.clone());
            field("born", format!("{} (age {} on {day})", person.born, file.age_on(day)));
            field("sex", person.sex.to_string());
            let home = if person.home_county.is_empty() {
                person.home_province.clone()
            } else {
                format!("{}, {}", person.home_province, person.home_county)
            };
            field("home", home);
            field(
                "branch",
                person.branch.map(|branch| branch.to_string()).unwrap_or_else(|| "-".into()),
            );
            field("rank", dash(&person.rank));
            field("specialty", dash(&person.specialty));
            match (person.enlisted, person.term_months) {
                (Some(enlisted), Some(months)) => {
                    field("enlisted", format!("{enlisted} for {months} months"));
                }
                _ => field("enlisted", "never served".into()),
            }
            if let Some(term_end) = term_end {
                field("term end", term_end.to_string());
            }
            if let (Some(cycle), Some(discharge)) = (cycle, discharge) {
                let how = if chain.recorded.is_some() {
                    "recorded".to_string()
                } else if chain.delayed_by.is_empty() {
                    "scheduled".to_string()
                } else {
                    format!("delayed by {}", chain.delayed_by.join(", "))
                };
                field("discharge", format!("{discharge} ({how}; cycle {cycle})"));
            }
            field("status", format!("{status} on {day}"));

            let mut rows: Vec<(NaiveDate, String, String)> = Vec::new();
            for assignment in &file.assignments {
                let name = unit_names.get(assignment.unit.as_str()).copied().unwrap_or_default();
                rows.push((
                    assignment.from,
                    period(assignment.from, open_on(assignment.to)),
                    format!("assigned to {} ({name})", assignment.unit),
                ));
            }
            for deployment in &deployments {
                let mut what = format!("deployed at {}", deployment.deployment.site);
                if !deployment.deployment.campaign.is_empty() {
                    let _ = write!(what, ", campaign {}", deployment.deployment.campaign);
                }
                if let Deployed::Unit(unit) = &deployment.deployment.deployed {
                    let _ = write!(what, ", with unit {unit}");
                }
                rows.push((deployment.from, period(deployment.from, open_on(deployment.to)), what));
            }
            for event in &file.events {
                let mut what = event.kind.to_string();
                if !event.reference.is_empty() {
                    let _ = write!(what, " {}", event.reference);
                }
                if !event.detail.is_empty() {
                    let _ = write!(what, ": {}", event.detail);
                }
                rows.push((event.date, event.date.to_string(), what));
            }
            rows.sort_by_key(|row| row.0);
            text.push_str("\nhistory\n");
            if rows.is_empty() {
                text.push_str("  (none)\n");
            }
            let width = rows.iter().map(|row| row.1.chars().count()).max().unwrap_or(0);
            for (_, when, what) in rows {
                let _ = writeln!(text, "  {when:<width$}  {what}");
            }
            text
        }
    };
    std::io::stdout().lock().write_all(output.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The file as it stood on `day`: history rows that began after it left
/// out, and periods that ended after it shown as lasting.
fn as_of(mut file: PersonFile, day: NaiveDate) -> PersonFile {
    file.assignments.retain(|assignment| assignment.from <= day);
    file.deployments.retain(|deployment| deployment.from <= day);
    file.events.retain(|event| event.date <= day);
    file
}

fn period(from: NaiveDate, to: Option<NaiveDate>) -> String {
    match to {
        Some(to) => format!("{from} – {to}"),
        None => format!("{from} – ongoing"),
    }
}

fn dash(text: &str) -> String {
    if text.is_empty() { "-".to_string() } else { text.to_string() }
}
