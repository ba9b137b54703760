//! Candidate lists: who is on a list on a day, and each entry's status and
//! reasons, so that a past list is reproduced exactly.

use chrono::NaiveDate;
pub use muster_core::lists::{EntryChange, members};
use serde::Serialize;

use crate::book::OrderBook;
use crate::decide::{Screening, screen};
use crate::world::World;

/// A list of candidates, as created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List {
    pub id: String,
    pub kind: String,
    pub owner: String,
    pub created_on: NaiveDate,
}

/// The status of an entry on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    /// Eligible on the day.
    Eligible,
    /// Not eligible on the day, nor on the day he was nominated.
    Excluded,
    /// Not eligible on the day, but eligible when nominated: an order that
    /// came into force since excludes him, and the owner must act.
    Flagged,
    /// Taken off the list on or before the day.
    Removed,
}

/// A rule that excludes an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub order: String,
    pub rule: usize,
    pub reason: String,
}

/// An entry of a list on a day.
#[derive(Clone, Debug)]
pub struct Entry {
    pub person: String,
    pub nominated_on: NaiveDate,
    pub status: EntryStatus,
    pub reasons: Vec<Reason>,
    /// The screening on the day, when he is on the list.
    pub screening: Option<Screening>,
}

impl EntryStatus {
    /// The word for this status.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Eligible => "eligible",
            EntryStatus::Excluded => "excluded",
            EntryStatus::Flagged => "flagged",
            EntryStatus::Removed => "removed",
        }
    }
}

/// Every entry of a list on `day`, with its status and reasons.
pub fn entries(
    world: &World,
    book: &OrderBook,
    list: &List,
    changes: &[EntryChange],
    day: NaiveDate,
) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (person, nominated_on, active) in members(changes, day) {
        if !active {
            entries.push(removed(person, nominated_on));
            continue;
        }
        let Some(file) = world.person(&person) else {
            continue;
        };
        entries.push(entry_of(world, book, list, file, nominated_on, day));
    }
    entries
}

/// A removed entry.
fn removed(person: String, nominated_on: NaiveDate) -> Entry {
    Entry { person, nominated_on, status: EntryStatus::Removed, reasons: vec![], screening: None }
}

/// One person's entry on a list on `day`, nominated on `nominated_on` and
/// not removed: eligible, or excluded (not eligible when nominated either),
/// or flagged (eligible when nominated), with the rules that exclude him.
/// Only his own file is read: `world` needs no people.
pub fn entry_of(
    world: &World,
    book: &OrderBook,
    list: &List,
    file: &crate::PersonFile,
    nominated_on: NaiveDate,
    day: NaiveDate,
) -> Entry {
    let screening = screen(world, book, file, &list.kind, day, Some(nominated_on));
    let reasons: Vec<Reason> = screening
        .excluding()
        .map(|check| Reason {
            order: check.order.clone(),
            rule: check.rule,
            reason: check.reason.clone(),
        })
        .collect();
    let status = if screening.eligible {
        EntryStatus::Eligible
    } else if screen(world, book, file, &list.kind, nominated_on, Some(nominated_on)).eligible {
        EntryStatus::Flagged
    } else {
        EntryStatus::Excluded
    };
    Entry {
        person: file.person.id.clone(),
        nominated_on,
        status,
        reasons,
        screening: Some(screening),
    }
}

/// One person's entry on a list on `day` from his own changes, if he was
/// ever nominated to it by then.
pub fn person_entry(
    world: &World,
    book: &OrderBook,
    list: &List,
    file: &crate::PersonFile,
    own_changes: &[EntryChange],
    day: NaiveDate,
) -> Option<Entry> {
    let (person, nominated_on, active) = members(own_changes, day).into_iter().next()?;
    if !active {
        return Some(removed(person, nominated_on));
    }
    Some(entry_of(world, book, list, file, nominated_on, day))
}
