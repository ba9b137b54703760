//! The register of exemption papers: `exemption issue|revoke|list|show|
//! review`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use muster_service::exemptions::{self, NewPaper, PaperAct, PaperView};
use muster_store::PaperFilter;

use crate::cli::{ExemptionCommand, Format};
use crate::commands::{actor, open, print_json, rules, today};

pub fn run(db: &str, command: ExemptionCommand) -> anyhow::Result<ExitCode> {
    match command {
        ExemptionCommand::Issue {
            document,
            person,
            scope,
            grounds,
            issuer,
            official,
            text,
            issued_on,
            valid_from,
            valid_until,
            act,
        } => {
            let mut store = open(db)?;
            let rules = rules(store.as_ref())?;
            let paper = NewPaper {
                document,
                person,
                scope,
                grounds,
                text,
                issuer,
                official,
                issued_on,
                valid_from,
                valid_until,
            };
            let day = act.as_of.unwrap_or_else(today);
            let done = exemptions::issue(
                store.as_mut(),
                &rules,
                &paper,
                day,
                &actor(),
                &mut exemptions::anyone,
            )?;
            print_act(&done, act.format)
        }
        ExemptionCommand::Revoke { id, reason, act } => {
            let mut store = open(db)?;
            let rules = rules(store.as_ref())?;
            let day = act.as_of.unwrap_or_else(today);
            let done = exemptions::revoke(
                store.as_mut(),
                &rules,
                &id,
                &reason,
                day,
                &actor(),
                &mut exemptions::anyone,
            )?;
            print_act(&done, act.format)
        }
        ExemptionCommand::Review { id, note, act } => {
            let mut store = open(db)?;
            let rules = rules(store.as_ref())?;
            let day = act.as_of.unwrap_or_else(today);
            let done = exemptions::review(
                store.as_mut(),
                &rules,
                &id,
                &note,
                day,
                &actor(),
                &mut exemptions::anyone,
            )?;
            print_act(&done, act.format)
        }
        ExemptionCommand::Limits { file, show, act } => {
            let view = match (file, show) {
                (Some(file), false) => {
                    let text = std::fs::read_to_string(&file).map_err(|error| {
                        anyhow::anyhow!("cannot read `{}`: {error}", file.display())
                    })?;
                    let mut store = open(db)?;
                    let day = act.as_of.unwrap_or_else(today);
                    let name = file.display().to_string();
                    exemptions::set_limits(store.as_mut(), &name, &text, day, &actor())?
                }
                (None, true) => exemptions::limits(open(db)?.as_ref())?,
                _ => anyhow::bail!("give the limits' FILE, or --show"),
            };
            match act.format {
                Format::Json => print_json(&view)?,
                Format::Table => match view.act {
                    None => write_out("no limits are set\n")?,
                    Some(number) => write_out(&format!(
                        "limits set by act {number}, recorded {}:\n{}",
                        view.recorded_at.unwrap_or_default(),
                        view.document
                    ))?,
                },
            }
            Ok(ExitCode::SUCCESS)
        }
        ExemptionCommand::Anomalies { from, to, scope, format } => {
            let store = open(db)?;
            let rules = rules(store.as_ref())?;
            let to = to.unwrap_or_else(today);
            let from = from.unwrap_or_else(|| to - chrono::Months::new(120));
            let report =
                exemptions::anomalies(store.as_ref(), &rules, None, from, to, scope.as_deref())?;
            match format {
                Format::Json => print_json(&report)?,
                Format::Table => {
                    let mut text = format!(
                        "papers bearing {} to {}: {} findings\n",
                        report.from,
                        report.to,
                        report.findings.len()
                    );
                    for finding in &report.findings {
                        let _ = writeln!(
                            text,
                            "{}  {}  {}: {}",
                            finding.kind,
                            finding.papers.join(","),
                            finding.persons.join(","),
                            finding.why
                        );
                    }
                    write_out(&text)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ExemptionCommand::List { person, issuer, scope, grounds, document, format } => {
            let store = open(db)?;
            let filter = PaperFilter { person, issuer, scope, grounds, document };
            let papers = exemptions::list(store.as_ref(), &filter)?;
            match format {
                Format::Json => print_json(&papers)?,
                Format::Table => write_out(&papers_table(&papers.papers))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        ExemptionCommand::Show { id, format } => {
            let store = open(db)?;
            let detail = exemptions::show(store.as_ref(), &id)?;
            match format {
                Format::Json => print_json(&detail)?,
                Format::Table => {
                    let paper = &detail.paper;
                    let mut text = papers_table(std::slice::from_ref(paper));
                    let _ = writeln!(
                        text,
                        "text: {}\nofficial: {}\nentered by act {} ({}) by {}, recorded {}",
                        if paper.text.is_empty() { "-" } else { &paper.text },
                        if paper.official.is_empty() { "-" } else { &paper.official },
                        paper.act,
                        paper.entered_by,
                        detail.entered_by_actor,
                        paper.recorded_at
                    );
                    if let (Some(revoked), Some(act)) = (&paper.revoked, detail.revoked_by) {
                        let _ = writeln!(
                            text,
                            "revoked from {} by act {act}: {}",
                            revoked.on, revoked.reason
                        );
                    }
                    for note in &detail.notes {
                        let _ = writeln!(
                            text,
                            "note (act {}, {} by {}): {}",
                            note.act, note.recorded_at, note.actor, note.note
                        );
                    }
                    write_out(&text)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_out(text: &str) -> anyhow::Result<()> {
    Ok(std::io::stdout().lock().write_all(text.as_bytes())?)
}

fn print_act(done: &PaperAct, format: Format) -> anyhow::Result<ExitCode> {
    match format {
        Format::Json => print_json(done)?,
        Format::Table => {
            let mut text = format!(
                "act {} ({}) as of {}, recorded {} by {}\n",
                done.act, done.kind, done.as_of, done.recorded_at, done.actor
            );
            text.push_str(&papers_table(&done.papers));
            write_out(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Papers, one a line: number, document, person, scope, grounds, issuer,
/// period, and the revocation.
pub fn papers_table(papers: &[PaperView]) -> String {
    if papers.is_empty() {
        return "no paper\n".to_string();
    }
    let rows: Vec<[String; 8]> = papers
        .iter()
        .map(|paper| {
            let until = paper.valid_until.map_or("-".to_string(), |day| day.to_string());
            let revoked = paper
                .revoked
                .as_ref()
                .map_or(String::new(), |revoked| format!("from {}", revoked.on));
            [
                paper.id.clone(),
                if paper.document.is_empty() { "-".to_string() } else { paper.document.clone() },
                paper.person.clone(),
                paper.scope.clone(),
                paper.grounds.clone(),
                paper.issuer.clone(),
                format!("{} to {until}", paper.valid_from),
                revoked,
            ]
        })
        .collect();
    let header = ["paper", "document", "person", "scope", "grounds", "issuer", "valid", "revoked"];
    let mut widths: Vec<usize> = header.iter().map(|title| title.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let line = |cells: Vec<&str>, text: &mut String| {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        let _ = writeln!(text, "{}", padded.join("  ").trim_end());
    };
    line(header.to_vec(), &mut text);
    for row in &rows {
        line(row.iter().map(String::as_str).collect(), &mut text);
    }
    text
}
