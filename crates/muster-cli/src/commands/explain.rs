//! `muster explain`: why, rule by rule; and `muster notices`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use chrono::NaiveDate;
use muster_service::explain::Subject;
use muster_store::Store;
use serde_json::json;

use crate::cli::{ExplainArgs, Format, NoticesArgs};
use crate::commands::{open, today};

/// Prints the explanation of a person's outcome for a subject.
pub fn explain(db: &str, args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let day = args.as_of.as_of.unwrap_or_else(today);
    let loaded = muster_service::load(&store)?;
    let subject = match (args.discharge, &args.kind, &args.list) {
        (true, _, _) => Subject::Discharge,
        (false, Some(kind), _) => Subject::Kind(kind),
        (false, None, Some(list)) => Subject::List(list),
        (false, None, None) => {
            bail!("name a subject: `--kind KIND`, `--list ID` or `--discharge`")
        }
    };
    let explanation =
        muster_service::explain::explain(&store, &loaded, &args.person, subject, day)?;
    let (subject, decision, lines) =
        (&explanation.subject, &explanation.decision, &explanation.lines);
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(&explanation.to_json())?)?;
        }
        Format::Table => {
            let mut text = format!(
                "{} ({}), {subject}, as of {day}: {decision}\n",
                args.person, explanation.name
            );
            if lines.is_empty() {
                text.push_str("  no rule in force for this subject\n");
            }
            for line in lines {
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
