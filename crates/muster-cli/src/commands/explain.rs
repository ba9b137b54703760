//! `muster explain`: why, rule by rule; and `muster notices`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use muster_service::explain::Subject;
use muster_service::views;

use crate::cli::{ExplainArgs, Format, NoticesArgs};
use crate::commands::{open, print_json, rules, today};

/// Prints the explanation of a person's outcome for a subject.
pub fn explain(db: &str, args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let day = args.as_of.as_of.unwrap_or_else(today);
    let subject = match (args.discharge, &args.kind, &args.list) {
        (true, _, _) => Subject::Discharge,
        (false, Some(kind), _) => Subject::Kind(kind),
        (false, None, Some(list)) => Subject::List(list),
        (false, None, None) => {
            bail!("name a subject: `--kind KIND`, `--list ID` or `--discharge`")
        }
    };
    let rules = rules(store.as_ref())?;
    let explanation =
        muster_service::explain::explain(store.as_ref(), &rules, &args.person, subject, day)?;
    match args.format {
        Format::Json => print_json(&explanation)?,
        Format::Table => std::io::stdout().lock().write_all(table(&explanation).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// An explanation as text: the decision, the facts before the rules, each
/// rule with what it read and did, the facts after.
pub fn table(explanation: &views::Explanation) -> String {
    let mut text = format!(
        "{} ({}), {}, as of {}: {}\n",
        explanation.person,
        explanation.name,
        explanation.subject,
        explanation.as_of,
        explanation.decision
    );
    if explanation.rules.is_empty() && explanation.facts.is_empty() {
        text.push_str("  no rule in force for this subject\n");
    }
    for fact in explanation.facts.iter().filter(|fact| !fact.after_rules) {
        let _ = writeln!(text, "  {}", fact.note);
    }
    for rule in &explanation.rules {
        let _ = writeln!(
            text,
            "  {} rule {} ({}): when {}{}{}",
            rule.order,
            rule.rule,
            rule.effect,
            rule.when_text,
            rule.unless_text
                .as_ref()
                .map(|unless| format!(", unless {unless}"))
                .unwrap_or_default(),
            if rule.decisive { "  <- decisive" } else { "" }
        );
        for read in &rule.read_lines {
            let _ = writeln!(text, "      {read}");
        }
        if !rule.note.is_empty() {
            let _ = writeln!(text, "      {}", rule.note);
        }
    }
    for fact in explanation.facts.iter().filter(|fact| fact.after_rules) {
        let _ = writeln!(text, "  {}", fact.note);
    }
    text
}

/// Prints the notices left for an organisation by the day.
pub fn notices(db: &str, args: &NoticesArgs) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let day = args.as_of.as_of.unwrap_or_else(today);
    let notices = muster_service::records::notices(store.as_ref(), &args.organisation, day)?;
    match args.format {
        Format::Json => print_json(&notices)?,
        Format::Table => {
            let mut stdout = std::io::stdout().lock();
            if notices.notices.is_empty() {
                writeln!(stdout, "no notice for {} by {day}", notices.organisation)?;
            }
            for notice in &notices.notices {
                writeln!(stdout, "{}  {}", notice.on, notice.message)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
