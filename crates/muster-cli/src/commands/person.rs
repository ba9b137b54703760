//! `muster person show`: a person's record, full history and status.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;
use muster_service::views;

use crate::cli::{Format, PersonShowArgs};
use crate::commands::{open, print_json, rules, today};

/// Prints a person's file as of the day asked.
pub fn show(db: &str, args: &PersonShowArgs) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let day = args.as_of.unwrap_or_else(today);
    let rules = rules(store.as_ref())?;
    let view = muster_service::people::show(store.as_ref(), &rules, &args.id, day)?;
    match args.format {
        Format::Json => print_json(&view)?,
        Format::Table => std::io::stdout().lock().write_all(table(&view).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A person as a table: the record, then the history in the order of days.
pub fn table(view: &views::Person) -> String {
    let day = view.as_of;
    let person = &view.person;
    let mut text = String::new();
    let mut field = |name: &str, value: String| {
        let _ = writeln!(text, "{name:<15}{value}");
    };
    field("id", person.id.clone());
    field("name", person.name.clone());
    match view.age {
        Some(age) => field("born", format!("{} (age {age} on {day})", person.born)),
        None => field("born", person.born.to_string()),
    }
    field("sex", person.sex.clone());
    let county = person.home_county.clone().unwrap_or_default();
    let home = if county.is_empty() {
        person.home_province.clone()
    } else {
        format!("{}, {county}", person.home_province)
    };
    field("home", home);
    if let Some(branch) = &person.branch {
        field("branch", branch.clone().unwrap_or_else(|| "-".into()));
    }
    if let Some(rank) = &person.rank {
        field("rank", dash(rank));
    }
    field("specialty", dash(&person.specialty));
    if let (Some(enlisted), Some(months)) = (person.enlisted, person.term_months) {
        match (enlisted, months) {
            (Some(enlisted), Some(months)) => {
                field("enlisted", format!("{enlisted} for {months} months"));
            }
            _ => field("enlisted", "never served".into()),
        }
    }
    if let Some(Some(term_end)) = view.term_end {
        field("term end", term_end.to_string());
    }
    if let (Some(Some(cycle)), Some(Some(discharge)), Some(how)) =
        (&view.discharge_cycle, view.discharge_date, &view.discharge_how)
    {
        field("discharge", format!("{discharge} ({how}; cycle {cycle})"));
    }
    field("status", format!("{} on {day}", view.status));

    let mut rows: Vec<(NaiveDate, String, String)> = Vec::new();
    for assignment in view.service.iter().flatten() {
        let name = assignment.unit_name.clone().unwrap_or_default();
        rows.push((
            assignment.from,
            period(assignment.from, assignment.to),
            format!("assigned to {} ({name})", assignment.unit),
        ));
    }
    for deployment in view.deployments.iter().flatten() {
        let mut what = format!("deployed at {}", deployment.site);
        if !deployment.campaign.is_empty() {
            let _ = write!(what, ", campaign {}", deployment.campaign);
        }
        if let Some(unit) = &deployment.unit {
            let _ = write!(what, ", with unit {unit}");
        }
        rows.push((deployment.from, period(deployment.from, deployment.to), what));
    }
    for event in view.events.iter().flatten() {
        let mut what = event.kind.clone();
        if !event.reference.is_empty() {
            let _ = write!(what, " {}", event.reference);
        }
        if !event.detail.is_empty() {
            let _ = write!(what, ": {}", event.detail);
        }
        rows.push((event.date, event.date.to_string(), what));
    }
    rows.sort_by_key(|row| row.0);
    if view.service.is_some() {
        text.push_str("\nhistory\n");
        if rows.is_empty() {
            text.push_str("  (none)\n");
        }
    }
    let width = rows.iter().map(|row| row.1.chars().count()).max().unwrap_or(0);
    for (_, when, what) in rows {
        let _ = writeln!(text, "  {when:<width$}  {what}");
    }
    text
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
