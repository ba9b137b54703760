//! `muster explain`: why, rule by rule; and `muster notices`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use chrono::NaiveDate;
use muster_cel::Value;
use muster_orders::{StepResult, discharge, screen};
use muster_store::Store;
use serde_json::{Map, json};

use crate::cli::{ExplainArgs, Format, NoticesArgs};
use crate::commands::context;
use crate::commands::{open, today};

/// One rule in an explanation.
struct Line {
    order: String,
    rule: usize,
    effect: &'static str,
    when: Result<bool, String>,
    unless: Option<Result<bool, String>>,
    decisive: bool,
    reads: Vec<(String, Value)>,
    /// What the rule did, in words.
    note: String,
}

/// Prints the explanation of a person's outcome for a subject.
pub fn explain(db: &str, args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let day = args.as_of.as_of.unwrap_or_else(today);
    let loaded = context::load(&store)?;
    let book = loaded.book.known_on(day);
    let Some(file) = loaded.world.person(&args.person) else {
        bail!("no person `{}` in the store", args.person);
    };
    let (subject, decision, lines) = if args.discharge {
        let result = discharge(&loaded.world, &book, file, day);
        let decisive_step = if result.recorded.is_some() {
            None
        } else {
            result.steps.iter().rposition(|step| {
                matches!(step.result, StepResult::Delayed { .. } | StepResult::Overridden { .. })
            })
        };
        let lines = result
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| Line {
                order: step.order.clone(),
                rule: step.rule,
                effect: step.effect.as_str(),
                when: step.when.clone(),
                unless: step.unless.clone(),
                decisive: Some(index) == decisive_step,
                reads: step.reads.clone(),
                note: match &step.result {
                    StepResult::NotApplicable => format!("looked at {}: `when` did not hold", step.on),
                    StepResult::Exempt => format!("looked at {}: exempt (`unless` held)", step.on),
                    StepResult::Delayed { from, to } => format!("delayed from {from} to {to}"),
                    StepResult::NoChange => format!("looked at {}: no later date to move to", step.on),
                    StepResult::Conflict { protected_by, to } => {
                        format!("would delay to {to}, but {protected_by} protects him: skipped (conflict)")
                    }
                    StepResult::Overridden { protected_by, from, to } => {
                        format!("delayed from {from} to {to} over the protection of {protected_by} (override)")
                    }
                    StepResult::Protected => format!("protected from further delays from {}", step.on),
                },
            })
            .collect::<Vec<_>>();
        let decision = match (result.recorded, result.computed) {
            (Some(recorded), _) => recorded.to_string(),
            (None, Some(computed)) => computed.to_string(),
            (None, None) => "none".to_string(),
        };
        let mut lines = lines;
        if let Some(scheduled) = result.scheduled {
            lines.insert(
                0,
                Line {
                    order: String::new(),
                    rule: 0,
                    effect: "",
                    when: Ok(true),
                    unless: None,
                    decisive: false,
                    reads: vec![],
                    note: format!(
                        "term ends {}; cycle {} on {scheduled}",
                        file.term_end().map(|day| day.to_string()).unwrap_or_default(),
                        result.cycle.map(|cycle| cycle.to_string()).unwrap_or_default()
                    ),
                },
            );
        }
        if let Some(recorded) = result.recorded {
            lines.push(Line {
                order: String::new(),
                rule: 0,
                effect: "",
                when: Ok(true),
                unless: None,
                decisive: true,
                reads: vec![],
                note: format!("a recorded discharge on {recorded} overrides the computed date"),
            });
        }
        ("discharge".to_string(), decision, lines)
    } else {
        let (kind, nominated_on) = match (&args.kind, &args.list) {
            (Some(kind), _) => (kind.clone(), None),
            (None, Some(list)) => {
                let list = context::load_list(&store, list, day)?;
                let nominated = muster_orders::members(&list.changes, day)
                    .into_iter()
                    .find(|(person, _, active)| *person == args.person && *active)
                    .map(|(_, nominated_on, _)| nominated_on);
                (list.list.kind, nominated)
            }
            (None, None) => bail!("name a subject: `--kind KIND`, `--list ID` or `--discharge`"),
        };
        let screening = screen(&loaded.world, &book, file, &kind, day, nominated_on);
        let lines = screening
            .checks
            .iter()
            .map(|check| Line {
                order: check.order.clone(),
                rule: check.rule,
                effect: check.effect.as_str(),
                when: check.when.clone(),
                unless: check.unless.clone(),
                decisive: check.excludes,
                reads: check.reads.clone(),
                note: if check.excludes {
                    format!("excludes: {}", check.reason)
                } else {
                    String::new()
                },
            })
            .collect();
        let decision = if screening.eligible { "eligible" } else { "excluded" };
        (kind, decision.to_string(), lines)
    };

    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let rules: Vec<_> = lines
                .iter()
                .filter(|line| !line.order.is_empty())
                .map(|line| {
                    let mut reads = Map::new();
                    for (text, value) in &line.reads {
                        reads.insert(text.clone(), value_json(value));
                    }
                    let mut rule = json!({
                        "order": line.order,
                        "rule": line.rule,
                        "effect": line.effect,
                        "when": line.when.clone().unwrap_or(false),
                        "unless": line.unless.clone().map(|unless| unless.unwrap_or(false)).unwrap_or(false),
                        "decisive": line.decisive,
                        "reads": reads,
                    });
                    let errors: Vec<&String> = std::iter::once(&line.when)
                        .chain(line.unless.as_ref())
                        .filter_map(|outcome| outcome.as_ref().err())
                        .collect();
                    if let (Some(error), Some(object)) = (errors.first(), rule.as_object_mut()) {
                        object.insert("error".to_string(), json!(error));
                    }
                    rule
                })
                .collect();
            let value = json!({
                "person": args.person,
                "subject": subject,
                "as_of": day,
                "decision": decision,
                "rules": rules,
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Table => {
            let mut text = format!(
                "{} ({}), {subject}, as of {day}: {decision}\n",
                args.person, file.person.name
            );
            if lines.is_empty() {
                text.push_str("  no rule in force for this subject\n");
            }
            for line in &lines {
                if line.order.is_empty() {
                    let _ = writeln!(text, "  {}", line.note);
                    continue;
                }
                let _ = writeln!(
                    text,
                    "  {} rule {} ({}): when {}{}{}",
                    line.order,
                    line.rule,
                    line.effect,
                    outcome_text(&line.when),
                    line.unless
                        .as_ref()
                        .map(|unless| format!(", unless {}", outcome_text(unless)))
                        .unwrap_or_default(),
                    if line.decisive { "  <- decisive" } else { "" }
                );
                for (read, value) in &line.reads {
                    let _ = writeln!(text, "      {read} = {value}");
                }
                if !line.note.is_empty() {
                    let _ = writeln!(text, "      {}", line.note);
                }
            }
            stdout.write_all(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn outcome_text(outcome: &Result<bool, String>) -> String {
    match outcome {
        Ok(value) => value.to_string(),
        Err(error) => format!("error ({error})"),
    }
}

/// A value of the condition language as JSON.
pub fn value_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(value) => json!(value),
        Value::Int(value) => json!(value),
        Value::String(value) => json!(value),
        Value::Date(value) => json!(value),
        Value::List(values) => serde_json::Value::Array(values.iter().map(value_json).collect()),
    }
}

/// Prints the notices left for an organisation by the day.
pub fn notices(db: &str, args: &NoticesArgs) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let day: NaiveDate = args.as_of.as_of.unwrap_or_else(today);
    if !store.organisations()?.iter().any(|organisation| organisation.id == args.organisation) {
        anyhow::bail!(
            "unknown organisation `{}`: notices are left for the organisations of the store",
            args.organisation
        );
    }
    let notices: Vec<_> = store
        .notices(&args.organisation)?
        .into_iter()
        .filter(|notice| notice.act.valid_on <= day)
        .collect();
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let value = json!({
                "organisation": args.organisation,
                "as_of": day,
                "notices": notices.iter().map(|notice| json!({
                    "on": notice.act.valid_on,
                    "order": notice.order,
                    "list": notice.list,
                    "message": notice.message,
                })).collect::<Vec<_>>(),
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Table => {
            if notices.is_empty() {
                writeln!(stdout, "no notice for {} by {day}", args.organisation)?;
            }
            for notice in notices {
                writeln!(stdout, "{}  {}", notice.act.valid_on, notice.message)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
