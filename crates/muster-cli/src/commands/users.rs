//! `muster user`: accounts for the server.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::bail;
use muster_core::Role;
use muster_store::{NewAct, NewUser, Store, StoredUser};
use serde_json::json;

use crate::cli::{Format, UserCommand};
use crate::commands::{actor, open, today};

/// Runs one `user` command.
pub fn run(db: &str, command: UserCommand) -> anyhow::Result<ExitCode> {
    let mut store = open(db)?;
    let mut stdout = std::io::stdout().lock();
    match command {
        UserCommand::Add { name, org, role, password_stdin } => {
            let role: Role = role.parse()?;
            check_name(&name)?;
            if find(store.as_ref(), &name)?.is_some() {
                bail!("a user `{name}` exists already; nothing was stored");
            }
            if !store.organisations()?.iter().any(|organisation| organisation.id == org) {
                bail!(
                    "unknown organisation `{org}`: a user belongs to an organisation of the store"
                );
            }
            let (password, shown) = password(password_stdin)?;
            let user = NewUser {
                name: name.clone(),
                organisation: org.clone(),
                role: role.as_str().to_string(),
                password_hash: muster_access::hash_password(&password)?,
                disabled: false,
            };
            let content = json!({"user": name, "organisation": org, "role": role.as_str(), "change": "added"});
            store.put_user(
                act("user-add", format!("add user {name} ({role} of {org})")),
                user,
                &content.to_string(),
            )?;
            writeln!(stdout, "added user {name}, {role} of {org}")?;
            if shown {
                writeln!(
                    stdout,
                    "password: {password}  (shown once: give it to him, he can have it reset)"
                )?;
            }
        }
        UserCommand::List { format } => {
            let users = store.users()?;
            match format {
                Format::Json => {
                    let value: Vec<_> = users
                        .iter()
                        .map(|user| {
                            json!({
                                "name": user.name,
                                "organisation": user.organisation,
                                "role": user.role,
                                "disabled": user.disabled,
                                "created": user.created.recorded_at,
                            })
                        })
                        .collect();
                    writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
                }
                Format::Table => {
                    if users.is_empty() {
                        writeln!(stdout, "no user")?;
                    }
                    let width = users.iter().map(|user| user.name.len()).max().unwrap_or(0);
                    for user in &users {
                        writeln!(
                            stdout,
                            "{:<width$}  {:<10}  {:<20}  {}",
                            user.name,
                            user.role,
                            user.organisation,
                            if user.disabled { "disabled" } else { "active" }
                        )?;
                    }
                }
            }
        }
        UserCommand::Disable { name } => {
            let Some(user) = find(store.as_ref(), &name)? else {
                bail!("no user `{name}`");
            };
            if user.disabled {
                bail!("user `{name}` is disabled already; nothing was stored");
            }
            let content = json!({"user": name, "change": "disabled"});
            store.put_user(
                act("user-disable", format!("disable user {name}")),
                NewUser { disabled: true, ..new_version(&user) },
                &content.to_string(),
            )?;
            writeln!(stdout, "disabled user {name}")?;
        }
        UserCommand::Reset { name, password_stdin } => {
            let Some(user) = find(store.as_ref(), &name)? else {
                bail!("no user `{name}`");
            };
            let (password, shown) = password(password_stdin)?;
            let content = json!({"user": name, "change": "password reset"});
            store.put_user(
                act("user-reset", format!("reset the password of user {name}")),
                NewUser {
                    password_hash: muster_access::hash_password(&password)?,
                    disabled: false,
                    ..new_version(&user)
                },
                &content.to_string(),
            )?;
            writeln!(stdout, "new password for user {name}")?;
            if shown {
                writeln!(stdout, "password: {password}  (shown once)")?;
            }
        }
        UserCommand::Token { name, label } => {
            let Some(user) = find(store.as_ref(), &name)? else {
                bail!("no user `{name}`");
            };
            if user.disabled {
                bail!("user `{name}` is disabled: enable him with `muster user reset` first");
            }
            let token = muster_access::generate_token();
            store.add_token(
                act("user-token", format!("make token `{label}` for user {name}")),
                &name,
                &label,
                &muster_access::token_sha256(&token),
            )?;
            writeln!(
                stdout,
                "token `{label}` for user {name} (shown once; send it as `Authorization: Bearer ...`):"
            )?;
            writeln!(stdout, "{token}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn act(kind: &str, summary: String) -> NewAct {
    NewAct { kind: kind.to_string(), valid_on: today(), actor: actor(), summary }
}

fn find(store: &dyn Store, name: &str) -> anyhow::Result<Option<StoredUser>> {
    Ok(store.users()?.into_iter().find(|user| user.name == name))
}

fn new_version(user: &StoredUser) -> NewUser {
    NewUser {
        name: user.name.clone(),
        organisation: user.organisation.clone(),
        role: user.role.clone(),
        password_hash: user.password_hash.clone(),
        disabled: user.disabled,
    }
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !valid {
        bail!("`{name}` is not a user name: use up to 64 letters, digits, `-`, `_` and `.`");
    }
    Ok(())
}

/// The password to set: read from standard input (its first line), or
/// generated; and whether to show it.
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((muster_access::generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.chars().count() < 12 {
        bail!("the password must have at least 12 characters; nothing was stored");
    }
    Ok((password, false))
}
