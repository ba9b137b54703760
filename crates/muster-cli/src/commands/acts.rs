//! The acts on the records: `person register|update|enlist|assign|deploy|
//! recall|event|discharge|post|return`, `unit deploy|recall`, and
//! `act show|reverse|list`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use muster_service::acts::mass::{Given, MassAct};
use muster_service::acts::{Act, ActQuery};
use muster_service::views;

use crate::cli::{ActArgs, ActCommand, Format, MassArgs, PersonCommand, UnitCommand};
use crate::commands::{actor, army, budget, open, print_json, rules, today};

/// Runs an act on one person (every `person` command but `show`).
pub fn person(db: &str, command: PersonCommand) -> anyhow::Result<ExitCode> {
    let (act, args) = match command {
        PersonCommand::Show(_) => anyhow::bail!("`person show` is no act"),
        PersonCommand::Register {
            id,
            name,
            born,
            sex,
            home_province,
            home_county,
            specialty,
            act,
        } => (
            Act::Register { person: id, name, born, sex, home_province, home_county, specialty },
            act,
        ),
        PersonCommand::Update { id, rank, specialty, name, home_county, act } => {
            if rank.is_none() && specialty.is_none() && name.is_none() && home_county.is_none() {
                anyhow::bail!(
                    "nothing to update: give --rank, --specialty, --name or --home-county"
                );
            }
            (Act::Update { person: id, rank, specialty, name, home_county }, act)
        }
        PersonCommand::Enlist { id, unit, term_months, branch, rank, act } => {
            (Act::Enlist { person: id, unit, term_months, branch, rank }, act)
        }
        PersonCommand::Assign { id, unit, act } => (Act::Assign { person: id, unit }, act),
        PersonCommand::Deploy { id, site, campaign, until, act } => {
            (Act::Deploy { person: id, site, campaign, until }, act)
        }
        PersonCommand::Recall { id, site, act } => (Act::Recall { person: id, site }, act),
        PersonCommand::Event { id, kind, reference, detail, act } => {
            (Act::Event { person: id, kind, reference, detail }, act)
        }
        PersonCommand::Discharge { id, early, grounds, act } => {
            (Act::Discharge { person: id, early, grounds }, act)
        }
        PersonCommand::Post { id, list, country, act } => {
            (Act::Post { person: id, list, country }, act)
        }
        PersonCommand::Return { id, act } => (Act::Return { person: id }, act),
    };
    record(db, &act, &args)
}

/// Runs an act on a unit.
pub fn unit(db: &str, command: UnitCommand) -> anyhow::Result<ExitCode> {
    let (act, args) = match command {
        UnitCommand::Deploy { id, site, campaign, until, act } => {
            (Act::DeployUnit { unit: id, site, campaign, until }, act)
        }
        UnitCommand::Recall { id, site, act } => (Act::RecallUnit { unit: id, site }, act),
    };
    record(db, &act, &args)
}

fn record(db: &str, act: &Act, args: &ActArgs) -> anyhow::Result<ExitCode> {
    let mut store = open(db)?;
    let rules = rules(store.as_ref())?;
    let day = args.as_of.unwrap_or_else(today);
    let done = muster_service::acts::record(
        store.as_mut(),
        &rules,
        act,
        day,
        &actor(),
        &mut muster_service::acts::anyone,
    )?;
    print_done(&done, args.format)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs an act on the entries of a list (`list call-up|redeploy|post`).
pub fn mass(db: &str, act: &MassAct, args: &MassArgs) -> anyhow::Result<ExitCode> {
    let mut store = open(db)?;
    let rules = rules(store.as_ref())?;
    let actor = actor();
    let given = Given {
        day: args.as_of.unwrap_or_else(today),
        actor: &actor,
        preview: args.preview,
        key: args.key.as_deref(),
        roster: None,
        budget: None,
        progress: None,
    };
    let done = muster_service::acts::mass::record(
        store.as_mut(),
        &rules,
        act,
        &given,
        &mut muster_service::acts::anyone,
    )?;
    print_mass(&done, args.format)
}

/// Carries out the discharges of a cycle, on its date, from its roster as
/// the engine computes it from the store.
pub fn carry_out(
    db: &str,
    cycle: &str,
    preview: bool,
    key: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let mut store = open(db)?;
    let army = army(store.as_ref())?;
    let roster = muster_service::acts::mass::roster_of(&army, cycle, &budget())?;
    let actor = actor();
    let given = Given {
        day: roster.date,
        actor: &actor,
        preview,
        key,
        roster: Some(&roster),
        budget: None,
        progress: None,
    };
    let act = MassAct::CarryOut { cycle: cycle.to_string() };
    let done = muster_service::acts::mass::record(
        store.as_mut(),
        army.rules(),
        &act,
        &given,
        &mut muster_service::acts::anyone,
    )?;
    print_mass(&done, format)
}

fn print_mass(done: &views::MassDone, format: Format) -> anyhow::Result<ExitCode> {
    match format {
        Format::Json => print_json(done)?,
        Format::Table => std::io::stdout().lock().write_all(mass_table(done).as_bytes())?,
    }
    // A preview of an act that would be refused says so by its exit code.
    Ok(if done.refusal.is_none() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A mass act's answer: the act, whom it acted on, whom it left out and
/// why, the notices.
pub fn mass_table(done: &views::MassDone) -> String {
    let mut text = match (done.act, &done.recorded_at) {
        (Some(act), Some(recorded_at)) => format!(
            "act {act} ({}) as of {}, recorded {recorded_at} by {}\n",
            done.kind, done.as_of, done.actor
        ),
        _ => format!("preview of a {} as of {}: nothing was written\n", done.kind, done.as_of),
    };
    let from = match (&done.list, &done.cycle) {
        (Some(list), _) => format!("list {list}"),
        (None, Some(cycle)) => format!("the roster of {cycle}"),
        (None, None) => String::new(),
    };
    let _ = writeln!(
        text,
        "{from}: {} {}, {} refused",
        done.done.len(),
        if done.act.is_some() { "done" } else { "would be done" },
        done.refused.len()
    );
    if !done.done.is_empty() {
        let _ = writeln!(text, "done: {}", done.done.join(" "));
    }
    for refused in &done.refused {
        let reasons: Vec<String> = refused
            .reasons
            .iter()
            .map(|reason| format!("{} rule {}: {}", reason.order, reason.rule, reason.reason))
            .collect();
        let _ = write!(text, "refused {} ({})", refused.person, refused.status);
        if !reasons.is_empty() {
            let _ = write!(text, ": {}", reasons.join("; "));
        }
        if !refused.papers.is_empty() {
            let _ = write!(text, "; papers: {}", refused.papers.join(", "));
        }
        text.push('\n');
    }
    if let Some(refusal) = &done.refusal {
        let _ = writeln!(text, "it would be refused: {refusal}");
    }
    if !done.notices.is_empty() {
        let _ = writeln!(text, "notices: {}", done.notices.join(", "));
    }
    text
}

/// Runs one `act` command.
pub fn run(db: &str, command: ActCommand) -> anyhow::Result<ExitCode> {
    match command {
        ActCommand::Show { act, format } => {
            let store = open(db)?;
            let shown = muster_service::acts::show(store.as_ref(), act)?;
            match format {
                Format::Json => print_json(&shown)?,
                Format::Table => {
                    std::io::stdout().lock().write_all(shown_table(&shown).as_bytes())?
                }
            }
        }
        ActCommand::Reverse { act, reason, format } => {
            let mut store = open(db)?;
            let rules = rules(store.as_ref())?;
            let done = muster_service::acts::reverse(
                store.as_mut(),
                &rules,
                act,
                &reason,
                today(),
                &actor(),
            )?;
            print_done(&done, format)?;
        }
        ActCommand::List { since, until, kind, limit, format } => {
            let store = open(db)?;
            let acts = muster_service::acts::list(
                store.as_ref(),
                &ActQuery { since, until, kind, limit },
            )?;
            match format {
                Format::Json => print_json(&acts)?,
                Format::Table => {
                    let mut text = String::new();
                    for act in &acts.acts {
                        let _ = writeln!(
                            text,
                            "{:>6}  {:<12} {}  {:<24} {}",
                            act.act, act.kind, act.as_of, act.actor, act.summary
                        );
                    }
                    if acts.acts.is_empty() {
                        text.push_str("no act recorded\n");
                    }
                    std::io::stdout().lock().write_all(text.as_bytes())?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_done(done: &views::ActDone, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => print_json(done),
        Format::Table => Ok(std::io::stdout().lock().write_all(done_table(done).as_bytes())?),
    }
}

/// An act's answer: the act, then each person as he now stands.
pub fn done_table(done: &views::ActDone) -> String {
    let mut text = format!(
        "act {} ({}) as of {}, recorded {} by {}\n",
        done.act, done.kind, done.as_of, done.recorded_at, done.actor
    );
    if done.persons.is_empty() {
        text.push_str("it touched no one\n");
        return text;
    }
    let width = done.persons.iter().map(|person| person.person.len()).max().unwrap_or(0).max(6);
    let _ = writeln!(text, "{:<width$}  {:<10}  discharge", "person", "status");
    for person in &done.persons {
        let discharge =
            person.discharge_date.map(|day| day.to_string()).unwrap_or_else(|| "-".to_string());
        let _ = writeln!(text, "{:<width$}  {:<10}  {discharge}", person.person, person.status);
        for entry in &person.lists {
            let reasons: Vec<String> = entry
                .reasons
                .iter()
                .map(|reason| format!("{} rule {}: {}", reason.order, reason.rule, reason.reason))
                .collect();
            let why = if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons.join("; "))
            };
            let _ = writeln!(text, "{:<width$}  on {}: {}{why}", "", entry.list, entry.status);
        }
    }
    text
}

/// An act as shown: its line, what it records, and its rows table by table.
fn shown_table(shown: &views::ActShown) -> String {
    let mut text = format!(
        "act {} ({}) as of {}, recorded {} by {}\n{}\n",
        shown.act, shown.kind, shown.as_of, shown.recorded_at, shown.actor, shown.summary
    );
    if let Some(reversed) = &shown.reversed_by {
        let _ = writeln!(text, "reversed by act {}: {}", reversed.act, reversed.reason);
    }
    if let Some(reverses) = shown.reverses {
        let _ = writeln!(text, "reverses act {reverses}");
    }
    if !shown.persons.is_empty() {
        let _ = writeln!(text, "persons: {}", shown.persons.join(", "));
    }
    if !shown.units.is_empty() {
        let _ = writeln!(text, "units: {}", shown.units.join(", "));
    }
    for rows in &shown.rows {
        let _ = writeln!(text, "{} ({}):", rows.table, rows.rows.len());
        for row in &rows.rows {
            let cells: Vec<String> = row
                .as_object()
                .map(|object| {
                    object
                        .iter()
                        .map(|(column, value)| match value {
                            serde_json::Value::String(text) => format!("{column}={text}"),
                            serde_json::Value::Null => format!("{column}=-"),
                            other => format!("{column}={other}"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let _ = writeln!(text, "  {}", cells.join(" "));
        }
    }
    text
}
