//! `muster audit`: the log, its verification (against a checkpoint kept
//! elsewhere too), its head, its signed checkpoint and an act's proof.

use std::io::Write;
use std::process::ExitCode;

use std::path::{Path, PathBuf};

use muster_service::checkpoint;

use crate::cli::{AuditCommand, Format};
use crate::commands::{open, print_json};

/// The signing key's file: the one given, or the one beside the store.
fn key_path(db: &str, key: Option<&Path>) -> PathBuf {
    key.map_or_else(|| checkpoint::key_beside(db), Path::to_path_buf)
}

/// A checkpoint kept elsewhere, read and its signature checked by the
/// store's key.
fn read_checkpoint(
    db: &str,
    file: &Path,
    key: Option<&Path>,
) -> anyhow::Result<checkpoint::Checkpoint> {
    use anyhow::Context as _;
    let metadata =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if metadata.len() > checkpoint::MAX_CHECKPOINT as u64 {
        anyhow::bail!("{} is too large to be a checkpoint", file.display());
    }
    let note =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let key = checkpoint::read_key(&key_path(db, key))?;
    Ok(checkpoint::read_checkpoint(&note, &key)?)
}

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
        AuditCommand::Verify { checkpoint: Some(file), key } => {
            if let Some(problem) = store.audit_verify()? {
                writeln!(
                    std::io::stderr(),
                    "error: the audit log is broken at entry {}: {}",
                    problem.seq,
                    problem.problem
                )?;
                return Ok(ExitCode::FAILURE);
            }
            let kept = read_checkpoint(db, &file, key.as_deref())?;
            match checkpoint::extends(store.as_ref(), &kept)? {
                None => {
                    writeln!(
                        stdout,
                        "the audit log is intact and extends the checkpoint of {} entries: {} entries now",
                        kept.size,
                        store.audit_tree_size()?
                    )?;
                    Ok(ExitCode::SUCCESS)
                }
                Some(problem) => {
                    writeln!(std::io::stderr(), "error: {problem}")?;
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Key { key, new } => {
            let path = key_path(db, key.as_deref());
            if new {
                checkpoint::make_key(&path, &checkpoint::origin_of(db))?;
                writeln!(std::io::stderr(), "made the signing key {}", path.display())?;
            }
            let key = checkpoint::read_key(&path)?;
            writeln!(stdout, "{}", checkpoint::public_key(&key.signing.verifying_key()))?;
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Checkpoint { key, format } => {
            let key = checkpoint::read_key(&key_path(db, key.as_deref()))?;
            let view = checkpoint::checkpoint(store.as_ref(), &key)?;
            match format {
                Format::Json => print_json(&view)?,
                Format::Table => write!(stdout, "{}", view.note)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Prove { act, checkpoint: file, key, format } => {
            let size = match file {
                Some(file) => Some(read_checkpoint(db, &file, key.as_deref())?.size),
                None => None,
            };
            let proof = checkpoint::prove(store.as_ref(), act, size)?;
            match format {
                Format::Json => print_json(&proof)?,
                Format::Table => {
                    writeln!(
                        stdout,
                        "act {} is leaf {} of the tree of {} entries
leaf hash {}
root hash {}
proof ({} hashes, from the leaf up):",
                        proof.act,
                        proof.leaf_index,
                        proof.tree_size,
                        proof.leaf_hash,
                        proof.root_hash,
                        proof.proof.len()
                    )?;
                    for hash in &proof.proof {
                        writeln!(stdout, "  {hash}")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify { checkpoint: None, .. } => match store.audit_verify()? {
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
