//! `muster order`: check, preview, issue, revoke, list, show.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use muster_orders::{Impact, ListWithEntries, Order, OrderBook, OrderDiagnostic, World};
use muster_store::{NewAct, NewNotice, NewOrder, SqliteStore, Store};
use serde_json::json;

use crate::cli::{Format, OrderCommand};
use crate::commands::context::{self, Loaded};
use crate::commands::discharge;
use crate::commands::{actor, open, render, today};

/// Runs one `order` command.
pub fn run(db: &str, command: OrderCommand) -> anyhow::Result<ExitCode> {
    match command {
        OrderCommand::Check { file, as_of } => check(db, &file, as_of.as_of.unwrap_or_else(today)),
        OrderCommand::Preview { file, site, as_of, format } => {
            preview(db, &file, site.as_deref(), as_of.as_of.unwrap_or_else(today), format)
        }
        OrderCommand::Issue { file, override_protection, as_of, format } => {
            issue(db, &file, override_protection, as_of, format)
        }
        OrderCommand::Revoke { id, on, reason, as_of } => {
            let mut store = open(db)?;
            let day = as_of.as_of.unwrap_or_else(today);
            let issued = store.orders()?.into_iter().find(|order| order.id == id);
            match issued {
                None => anyhow::bail!("no order `{id}` has been issued; nothing was stored"),
                Some(order) if order.act.valid_on > day => anyhow::bail!(
                    "order `{id}` is issued on {}, after {day}: it cannot be revoked before it is issued; nothing was stored",
                    order.act.valid_on
                ),
                Some(_) => {}
            }
            if let Some(earlier) =
                store.revocations()?.into_iter().find(|revocation| revocation.order == id)
            {
                anyhow::bail!(
                    "order `{id}` is already revoked, from {} ({}); nothing was stored",
                    earlier.on,
                    earlier.reason
                );
            }
            let act = NewAct {
                kind: "order-revoke".to_string(),
                valid_on: day,
                actor: actor(),
                summary: format!("revoke {id} from {on}: {reason}"),
            };
            store.revoke_order(act, &id, on, &reason)?;
            writeln!(std::io::stdout(), "order {id} revoked: no longer in force from {on}")?;
            Ok(ExitCode::SUCCESS)
        }
        OrderCommand::List { as_of, format } => list(db, as_of.as_of.unwrap_or_else(today), format),
        OrderCommand::Show { id, as_of, format } => {
            show(db, &id, as_of.as_of.unwrap_or_else(today), format)
        }
    }
}

/// An order file read and checked against the store as known on `day`.
struct Checked {
    order: Order,
    impact: Impact,
}

/// Reads and checks an order file; on errors, prints them and returns
/// `None`.
fn read_and_check(
    store: &SqliteStore,
    loaded: &Loaded,
    path: &Path,
    day: Option<NaiveDate>,
    overridden: bool,
) -> anyhow::Result<Option<Checked>> {
    let Some(order) = read_order(loaded, path, day)? else {
        return Ok(None);
    };
    let day = day.unwrap_or(order.issued_on);
    let before = loaded.book.known_on(day);
    let after = before.with_draft(order.clone(), day, overridden);
    let lists = muster_store::load::lists(store, day)?;
    let with_entries: Vec<ListWithEntries<'_>> =
        lists.iter().map(|(list, changes)| ListWithEntries { list, changes }).collect();
    let impact =
        muster_orders::impact(&loaded.world, &before, &after, &order.id, day, &with_entries);
    Ok(Some(Checked { order, impact }))
}

/// Reads an order file and checks it against the records and the orders
/// known on `day` (default: its `issued_on`); on errors, prints them and
/// returns `None`.
pub fn read_order(
    loaded: &Loaded,
    path: &Path,
    day: Option<NaiveDate>,
) -> anyhow::Result<Option<Order>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let name = path.display().to_string();
    let order = match muster_orders::parse_order(&text) {
        Ok(order) => order,
        Err(diagnostics) => {
            report(&name, &text, &diagnostics)?;
            return Ok(None);
        }
    };
    let day = day.unwrap_or(order.issued_on);
    let before = loaded.book.known_on(day);
    let mut diagnostics = muster_orders::check_order(&loaded.world, &before, &order);
    if loaded.book.get(&order.id).is_some() {
        diagnostics.push(OrderDiagnostic {
            span: 0..0,
            message: format!(
                "order `{}` is already issued: an issued order cannot be changed, only revoked or superseded",
                order.id
            ),
            label: "already issued".to_string(),
            help: Some("give the new order an id of its own".to_string()),
        });
    }
    if !diagnostics.is_empty() {
        report(&name, &text, &diagnostics)?;
        return Ok(None);
    }
    Ok(Some(order))
}

fn report(name: &str, text: &str, diagnostics: &[OrderDiagnostic]) -> anyhow::Result<()> {
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(render::render(name, text, diagnostics).as_bytes())?;
    let count = diagnostics.len();
    writeln!(stderr, "error: `{name}` has {count} error{}", if count == 1 { "" } else { "s" })?;
    Ok(())
}

fn check(db: &str, path: &Path, day: NaiveDate) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let loaded = context::load(&store)?;
    let Some(checked) = read_and_check(&store, &loaded, path, Some(day), false)? else {
        return Ok(ExitCode::FAILURE);
    };
    let mut stdout = std::io::stdout().lock();
    let order = &checked.order;
    if !checked.impact.conflicts.is_empty() {
        let mut stderr = std::io::stderr().lock();
        write_conflicts(&mut stderr, order, &checked.impact)?;
        writeln!(
            stderr,
            "error: `{}` conflicts with an order in force; issue it with `--override` to delay them all the same",
            path.display()
        )?;
        return Ok(ExitCode::FAILURE);
    }
    writeln!(
        stdout,
        "{}: order {} is valid ({} rule{}), with no conflict on {day}",
        path.display(),
        order.id,
        order.rules.len(),
        if order.rules.len() == 1 { "" } else { "s" }
    )?;
    Ok(ExitCode::SUCCESS)
}

/// One line per conflict: the rule, the protecting order, the persons.
fn write_conflicts(out: &mut impl Write, order: &Order, impact: &Impact) -> std::io::Result<()> {
    for conflict in &impact.conflicts {
        writeln!(
            out,
            "conflict: rule {} of {} would delay {} protected by {} (no further delays): {}",
            conflict.rule,
            order.id,
            persons(conflict.persons.len()),
            conflict.protected_by,
            conflict.persons.join(", ")
        )?;
    }
    Ok(())
}

fn persons(count: usize) -> String {
    if count == 1 { "1 person".to_string() } else { format!("{count} persons") }
}

fn preview(
    db: &str,
    path: &Path,
    site: Option<&str>,
    day: NaiveDate,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let loaded = context::load(&store)?;
    if let Some(site) = site
        && !loaded.world.sites.iter().any(|known| known.id == site)
    {
        anyhow::bail!("no site `{site}` in the store");
    }
    let Some(checked) = read_and_check(&store, &loaded, path, Some(day), false)? else {
        return Ok(ExitCode::FAILURE);
    };
    let Some(site) = site else {
        print_impact(&checked.impact, day, format, "as if issued")?;
        return Ok(ExitCode::SUCCESS);
    };
    // A year of months from the month the order takes effect.
    let start = checked.order.effective_from;
    let months = discharge::months(start, start + chrono::Months::new(11));
    let before = loaded.book.known_on(day);
    let after = before.with_draft(checked.order.clone(), day, false);
    let without = muster_orders::strength(&loaded.world, &before, site, &months, day);
    let with = muster_orders::strength(&loaded.world, &after, site, &months, day);
    match format {
        Format::Json => {
            let mut value = serde_json::to_value(&checked.impact)?;
            value["strength"] = json!({
                "site": site,
                "months": without.iter().zip(&with).map(|(before, after)| json!({
                    "month": discharge::month_text(before.day),
                    "before": {"headcount": before.headcount, "technicians": before.technicians},
                    "after": {"headcount": after.headcount, "technicians": after.technicians},
                    "required": before.required,
                    "required_technicians": before.required_technicians,
                })).collect::<Vec<_>>(),
            });
            writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Table => {
            print_impact(&checked.impact, day, format, "as if issued")?;
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "strength of {site} on the first of each month, without -> with the order"
            )?;
            writeln!(stdout, "  month    headcount  technicians  required  required technicians")?;
            for (before, after) in without.iter().zip(&with) {
                writeln!(
                    stdout,
                    "  {}  {:>4} -> {:<4} {:>4} -> {:<4}  {:>8}  {:>20}",
                    discharge::month_text(before.day),
                    before.headcount,
                    after.headcount,
                    before.technicians,
                    after.technicians,
                    before.required,
                    before.required_technicians,
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn issue(
    db: &str,
    path: &Path,
    overridden: bool,
    day: Option<NaiveDate>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let mut store = open(db)?;
    let loaded = context::load(&store)?;
    let Some(checked) = read_and_check(&store, &loaded, path, day, overridden)? else {
        writeln!(std::io::stderr(), "nothing was stored")?;
        return Ok(ExitCode::FAILURE);
    };
    let order = &checked.order;
    let day = day.unwrap_or(order.issued_on);
    if !checked.impact.conflicts.is_empty() && !overridden {
        let mut stderr = std::io::stderr().lock();
        write_conflicts(&mut stderr, order, &checked.impact)?;
        writeln!(
            stderr,
            "error: order {} was not issued: it conflicts with an order in force; nothing was stored (issue it with `--override` to delay them all the same)",
            order.id
        )?;
        return Ok(ExitCode::FAILURE);
    }
    let notices = notices_for(&loaded.world, &store, order, &checked.impact)?;
    let impact_json = serde_json::to_string(&checked.impact)?;
    let act = NewAct {
        kind: "order-issue".to_string(),
        valid_on: day,
        actor: actor(),
        summary: format!(
            "issue {}{}: {}",
            order.id,
            if overridden { " with --override" } else { "" },
            order.title
        ),
    };
    let new_order = NewOrder {
        id: order.id.clone(),
        document: order.source.clone(),
        overridden,
        impact: impact_json,
    };
    store.issue_order(act, new_order, &notices)?;
    print_impact(&checked.impact, day, format, "issued")?;
    Ok(ExitCode::SUCCESS)
}

/// The notices an order leaves: one for each addressee, and one for the
/// owner of each list with newly flagged entries.
fn notices_for(
    world: &World,
    store: &SqliteStore,
    order: &Order,
    impact: &Impact,
) -> anyhow::Result<Vec<NewNotice>> {
    let mut notices = Vec::new();
    let mut addressees = BTreeSet::new();
    for word in &order.addressed_to {
        for organisation in world.addressees(word).unwrap_or_default() {
            addressees.insert(organisation);
        }
    }
    for organisation in addressees {
        notices.push(NewNotice {
            organisation,
            order: Some(order.id.clone()),
            list: None,
            message: format!("order {} issued by {}: {}", order.id, order.issued_by, order.title),
        });
    }
    for list_impact in &impact.lists {
        if list_impact.newly_excluded.is_empty() {
            continue;
        }
        let Some(list) = store.list(&list_impact.list)? else {
            continue;
        };
        notices.push(NewNotice {
            organisation: list.owner.clone(),
            order: Some(order.id.clone()),
            list: Some(list.id.clone()),
            message: format!(
                "order {} flags {} on list {}: {}",
                order.id,
                if list_impact.newly_excluded.len() == 1 {
                    "1 entry".to_string()
                } else {
                    format!("{} entries", list_impact.newly_excluded.len())
                },
                list.id,
                list_impact.newly_excluded.join(", ")
            ),
        });
    }
    Ok(notices)
}

fn print_impact(impact: &Impact, day: NaiveDate, format: Format, how: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(impact)?)?;
        }
        Format::Table => {
            let mut text = format!("order {} {how} on {day}\n", impact.order);
            if impact.lists.is_empty() {
                text.push_str("lists: none of the kinds it governs\n");
            }
            for list in &impact.lists {
                if list.newly_excluded.is_empty() {
                    let _ = writeln!(text, "list {}: no entry newly excluded", list.list);
                } else {
                    let _ = writeln!(
                        text,
                        "list {}: newly excluded {}",
                        list.list,
                        list.newly_excluded.join(", ")
                    );
                }
            }
            if impact.discharge.is_empty() {
                text.push_str("discharges moved: none\n");
            } else {
                let _ = writeln!(text, "discharges moved: {}", impact.discharge.len());
                for change in &impact.discharge {
                    let _ = writeln!(text, "  {}  {} -> {}", change.person, change.from, change.to);
                }
            }
            for conflict in &impact.conflicts {
                let _ = writeln!(
                    text,
                    "conflict: rule {} would delay {} protected by {}: {}",
                    conflict.rule,
                    persons(conflict.persons.len()),
                    conflict.protected_by,
                    conflict.persons.join(", ")
                );
            }
            stdout.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// The state of an order on a day, as known that day.
fn state(book: &OrderBook, id: &str, day: NaiveDate) -> String {
    let Some(issued) = book.get(id) else {
        return "unknown".to_string();
    };
    if issued.issued_on > day {
        return format!("not yet issued (issued on {})", issued.issued_on);
    }
    let order = &issued.order;
    if let Some(end) = book.force_ends(issued, day)
        && end <= day
    {
        let superseded = book.issued_by(day).find(|other| {
            other.order.supersedes.contains(&order.id) && other.order.effective_from == end
        });
        return match superseded {
            Some(other) => format!("superseded by {} from {end}", other.order.id),
            None => format!("revoked from {end}"),
        };
    }
    if order.effective_from > day {
        return format!("in force from {}", order.effective_from);
    }
    if let Some(until) = order.effective_until
        && until < day
    {
        return format!("expired after {until}");
    }
    "in force".to_string()
}

fn list(db: &str, day: NaiveDate, format: Format) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let book = muster_store::load::book(&store)?;
    let rows: Vec<_> = book
        .issued_by(day)
        .map(|issued| {
            let order = &issued.order;
            (order, issued.issued_on, state(&book, &order.id, day))
        })
        .collect();
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => {
            let value: Vec<_> = rows
                .iter()
                .map(|(order, issued_on, state)| {
                    json!({
                        "id": order.id,
                        "title": order.title,
                        "issued_by": order.issued_by,
                        "issued_on": issued_on,
                        "effective_from": order.effective_from,
                        "effective_until": order.effective_until,
                        "state": state,
                    })
                })
                .collect();
            writeln!(
                stdout,
                "{}",
                serde_json::to_string_pretty(&json!({"as_of": day, "orders": value}))?
            )?;
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(stdout, "no order issued by {day}")?;
            }
            let width = rows.iter().map(|(order, _, _)| order.id.len()).max().unwrap_or(0);
            let state_width =
                rows.iter().map(|(_, _, state)| state.to_string().len()).max().unwrap_or(0);
            for (order, issued_on, state) in rows {
                writeln!(
                    stdout,
                    "{:<width$}  {issued_on}  {:<state_width$}  {}",
                    order.id,
                    state.to_string(),
                    order.title
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(db: &str, id: &str, day: NaiveDate, format: Format) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let book = muster_store::load::book(&store)?;
    let Some(stored) = store.orders()?.into_iter().find(|stored| stored.id == id) else {
        bail!("no order `{id}` has been issued");
    };
    let state = state(&book, id, day);
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => {
            let impact: serde_json::Value =
                serde_json::from_str(&stored.impact).unwrap_or(serde_json::Value::Null);
            let value = json!({
                "id": stored.id,
                "issued_on": stored.act.valid_on,
                "recorded_at": stored.act.recorded_at,
                "override": stored.overridden,
                "state": state,
                "document": stored.document,
                "impact": impact,
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Table => {
            writeln!(stdout, "order      {}", stored.id)?;
            writeln!(
                stdout,
                "issued on  {} (recorded {})",
                stored.act.valid_on, stored.act.recorded_at
            )?;
            writeln!(stdout, "state      {state} on {day}")?;
            if stored.overridden {
                writeln!(
                    stdout,
                    "override   issued with --override: its delays apply to protected persons"
                )?;
            }
            let revocations: Vec<_> =
                book.revocations().iter().filter(|revocation| revocation.order == id).collect();
            for revocation in revocations {
                writeln!(
                    stdout,
                    "revoked    from {} (on {}): {}",
                    revocation.on, revocation.made_on, revocation.reason
                )?;
            }
            writeln!(stdout)?;
            stdout.write_all(stored.document.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
