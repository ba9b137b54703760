//! `muster audit`: the log, its verification, its head.

use std::io::Write;
use std::process::ExitCode;

use muster_store::Store;
use serde_json::json;

use crate::cli::{AuditCommand, Format};
use crate::commands::open;

/// Runs one `audit` command.
pub fn run(db: &str, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let mut stdout = std::io::stdout().lock();
    match command {
        AuditCommand::Log { since, actor, format } => {
            let since = since.map(|day| day.to_string());
            let entries: Vec<_> = store
                .audit_log()?
                .into_iter()
                .filter(|entry| {
                    since.as_ref().is_none_or(|since| entry.recorded_at[..10] >= **since)
                })
                .filter(|entry| actor.as_ref().is_none_or(|actor| entry.actor == *actor))
                .collect();
            match format {
                Format::Json => {
                    let value: Vec<_> = entries
                        .iter()
                        .map(|entry| {
                            json!({
                                "seq": entry.seq,
                                "act": entry.act,
                                "recorded_at": entry.recorded_at,
                                "actor": entry.actor,
                                "kind": entry.kind,
                                "valid_on": entry.valid_on,
                                "summary": entry.summary,
                                "content": serde_json::from_str::<serde_json::Value>(&entry.content)
                                    .unwrap_or(serde_json::Value::Null),
                                "previous": entry.previous,
                                "hash": entry.hash,
                            })
                        })
                        .collect();
                    writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
                }
                Format::Table => {
                    for entry in &entries {
                        writeln!(
                            stdout,
                            "{:>5}  {}  {:<14}  {:<12}  {}",
                            entry.seq,
                            &entry.recorded_at[..entry.recorded_at.len().min(19)],
                            entry.kind,
                            entry.actor,
                            entry.summary
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify => match store.audit_verify()? {
            None => {
                let entries = store.audit_log()?;
                match entries.last() {
                    Some(last) => writeln!(
                        stdout,
                        "the audit log is intact: {} entries, head {} {}",
                        entries.len(),
                        last.seq,
                        last.hash
                    )?,
                    None => writeln!(stdout, "the audit log is empty")?,
                }
                Ok(ExitCode::SUCCESS)
            }
            Some(problem) => {
                writeln!(
                    std::io::stderr(),
                    "error: the audit log is broken at entry {}: {}",
                    problem.seq,
                    problem.problem
                )?;
                Ok(ExitCode::FAILURE)
            }
        },
        AuditCommand::Head => {
            match store.audit_log()?.last() {
                Some(last) => writeln!(stdout, "{} {}", last.seq, last.hash)?,
                None => writeln!(stdout, "0 {}", "0".repeat(64))?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
