//! Why, rule by rule: a person's outcome for a subject (a list kind, a
//! list, or his discharge), with every rule looked at and what it read.

use chrono::NaiveDate;
use muster_cel::Value;
use muster_orders::{StepResult, discharge, screen};
use muster_store::Store;
use serde_json::{Map, json};

use crate::views::{ExplainedFact, ExplainedRule, Explanation};
use crate::{Rules, ServiceError};

/// What an explanation is about.
pub enum Subject<'a> {
    /// Eligibility for lists of a kind.
    Kind(&'a str),
    /// Eligibility on a list (screened from his nomination day).
    List(&'a str),
    /// The discharge date.
    Discharge,
}

/// One rule in an explanation, or a line of context (with no order).
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

/// Explains a person's outcome for a subject as of `day`, from his own
/// records.
pub fn explain(
    store: &dyn Store,
    rules: &Rules,
    person: &str,
    subject: Subject<'_>,
    day: NaiveDate,
) -> Result<Explanation, ServiceError> {
    let book = rules.book.known_on(day);
    let world = &rules.world;
    let file = rules.person(store, person, day)?.file;
    let file = &file;
    let (subject, decision, lines) = match subject {
        Subject::Discharge => {
            let result = discharge(world, &book, file, day);
            let decisive_step = if result.recorded.is_some() {
                None
            } else {
                result.steps.iter().rposition(|step| {
                    matches!(
                        step.result,
                        StepResult::Delayed { .. } | StepResult::Overridden { .. }
                    )
                })
            };
            let mut lines: Vec<Line> = result
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
                    note: step_note(&step.result, step.on),
                })
                .collect();
            let decision = match (result.recorded, result.computed) {
                (Some(recorded), _) => recorded.to_string(),
                (None, Some(computed)) => computed.to_string(),
                (None, None) => "none".to_string(),
            };
            if let Some(scheduled) = result.scheduled {
                lines.insert(
                    0,
                    context_line(
                        false,
                        format!(
                            "term ends {}; cycle {} on {scheduled}",
                            file.term_end().map(|day| day.to_string()).unwrap_or_default(),
                            result.cycle.map(|cycle| cycle.to_string()).unwrap_or_default()
                        ),
                    ),
                );
            }
            if let Some(recorded) = result.recorded {
                lines.push(context_line(
                    true,
                    format!("a recorded discharge on {recorded} overrides the computed date"),
                ));
            }
            ("discharge".to_string(), decision, lines)
        }
        Subject::Kind(kind) => screening(rules, &book, file, kind.to_string(), day, None),
        Subject::List(list) => {
            let Some(stored) = store.list(list)? else {
                return Err(ServiceError::NotFound(format!("no list `{list}`")));
            };
            if stored.act.valid_on > day {
                return Err(ServiceError::NotFound(format!(
                    "list `{list}` was created on {}, after {day}",
                    stored.act.valid_on
                )));
            }
            let own: Vec<muster_store::StoredEntry> = store
                .person_entries(person)?
                .into_iter()
                .filter(|(on, _)| *on == stored.id)
                .map(|(_, entry)| entry)
                .collect();
            let changes = crate::load::changes_of(own);
            let nominated = muster_orders::members(&changes, day)
                .into_iter()
                .find(|(member, _, active)| member == person && *active)
                .map(|(_, nominated_on, _)| nominated_on);
            screening(rules, &book, file, stored.kind, day, nominated)
        }
    };
    Ok(explanation(person, &file.person.name, subject, day, decision, lines))
}

/// The lines of a screening for a list kind: the subject, the decision,
/// and one line per rule.
fn screening(
    rules: &Rules,
    book: &muster_orders::OrderBook,
    file: &muster_core::PersonFile,
    kind: String,
    day: NaiveDate,
    nominated_on: Option<NaiveDate>,
) -> (String, String, Vec<Line>) {
    let screening = screen(&rules.world, book, file, &kind, day, nominated_on);
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
}

fn context_line(decisive: bool, note: String) -> Line {
    Line {
        order: String::new(),
        rule: 0,
        effect: "",
        when: Ok(true),
        unless: None,
        decisive,
        reads: vec![],
        note,
    }
}

fn step_note(result: &StepResult, on: NaiveDate) -> String {
    match result {
        StepResult::NotApplicable => format!("looked at {on}: `when` did not hold"),
        StepResult::Exempt => format!("looked at {on}: exempt (`unless` held)"),
        StepResult::Delayed { from, to } => format!("delayed from {from} to {to}"),
        StepResult::NoChange => format!("looked at {on}: no later date to move to"),
        StepResult::Conflict { protected_by, to } => {
            format!("would delay to {to}, but {protected_by} protects him: skipped (conflict)")
        }
        StepResult::Overridden { protected_by, from, to } => {
            format!("delayed from {from} to {to} over the protection of {protected_by} (override)")
        }
        StepResult::Protected => format!("protected from further delays from {on}"),
    }
}

/// The explanation, typed: the rules, and the lines of context.
fn explanation(
    person: &str,
    name: &str,
    subject: String,
    day: NaiveDate,
    decision: String,
    lines: Vec<Line>,
) -> Explanation {
    let mut rules = Vec::new();
    let mut facts = Vec::new();
    for line in lines {
        if line.order.is_empty() {
            facts.push(ExplainedFact {
                after_rules: !rules.is_empty(),
                decisive: line.decisive,
                note: line.note,
            });
            continue;
        }
        let mut reads = Map::new();
        for (text, value) in &line.reads {
            reads.insert(text.clone(), value_json(value));
        }
        let error = std::iter::once(&line.when)
            .chain(line.unless.as_ref())
            .find_map(|outcome| outcome.as_ref().err().cloned());
        rules.push(ExplainedRule {
            order: line.order,
            rule: line.rule,
            effect: line.effect.to_string(),
            when: line.when.clone().unwrap_or(false),
            unless: line.unless.clone().map(|unless| unless.unwrap_or(false)).unwrap_or(false),
            decisive: line.decisive,
            reads,
            error,
            note: line.note,
            when_text: outcome_text(&line.when),
            unless_text: line.unless.as_ref().map(outcome_text),
            read_lines: line
                .reads
                .iter()
                .map(|(read, value)| format!("{read} = {value}"))
                .collect(),
        });
    }
    Explanation {
        person: person.to_string(),
        name: name.to_string(),
        subject,
        as_of: day,
        decision,
        rules,
        facts,
    }
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
