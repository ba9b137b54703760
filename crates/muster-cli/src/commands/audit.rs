//! `muster audit`: the log, its verification, its head.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{AuditCommand, Format};
use crate::commands::{open, print_json};

/// Runs one `audit` command.
pub fn run(db: &str, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let mut stdout = std::io::stdout().lock();
    match command {
        AuditCommand::Log { since, actor, format } => {
            let log = muster_service::records::audit_log(store.as_ref(), since, actor.as_deref())?;
            match format {
                Format::Json => print_json(&log)?,
                Format::Table => {
                    for entry in &log.entries {
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
