//! List statuses and discharge dates kept up to date as acts change people.
//!
//! An act that changes one person (an event, an assignment, a deployment
//! that names him) changes his rows in the columns and his entries in the
//! indexes, and then only his list statuses and his discharge date are
//! computed again: no rule reads another person. A deployment of a whole
//! unit changes the deployment periods of the people who ever served in
//! the unit or below it, and only theirs are computed again.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use muster_cel::{Budget, Limits};
use muster_core::{Deployed, Deployment, EventKind, PersonFile};
use muster_orders::OrderBook;
use roaring::RoaringBitmap;

use crate::chain::person_discharge;
use crate::engine::{Engine, PackedHistory, PersonFacts, abroad_periods};
use crate::index::{IntervalIndex, MonotoneIndex};
use crate::people::{Day, PeriodRow, date_of, day_number, end_number};
use crate::plan::CompiledBook;
use crate::screen::{ListMember, ListStatuses};

/// List statuses and discharge dates as of a day, from an order book.
pub struct Live {
    book: OrderBook,
    compiled: CompiledBook,
    pub day: NaiveDate,
    pub lists: Vec<LiveList>,
    /// Every person's discharge date as of the day.
    discharge: Vec<Option<Day>>,
}

/// A list whose entries are kept up to date.
pub struct LiveList {
    pub id: String,
    pub statuses: ListStatuses,
}

/// What an update could not do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpdateError {
    #[error("no person `{id}`")]
    NoSuchPerson { id: String },
}

impl Live {
    /// The orders the statuses are computed from.
    pub fn book(&self) -> &OrderBook {
        &self.book
    }

    /// A person's discharge date as of the day.
    pub fn discharge_date(&self, person: u32) -> Option<NaiveDate> {
        self.discharge.get(person as usize).copied().flatten().map(date_of)
    }
}

impl Engine {
    /// Computes every list's statuses and everyone's discharge date as of
    /// `day`. Each list is given by its id, its kind and its members.
    pub fn live(
        &self,
        book: OrderBook,
        day: NaiveDate,
        lists: Vec<(String, String, Vec<ListMember>)>,
    ) -> Live {
        // The rules of issued orders, each within the limit of one
        // evaluation; no request stops the statuses kept up to date.
        let budget = Budget::unlimited();
        let discharge = self.discharges_within(&book, day, &budget).dates(self);
        let lists = lists
            .into_iter()
            .map(|(id, kind, members)| LiveList {
                id,
                statuses: self.list_statuses_within(&book, &kind, &members, day, &budget),
            })
            .collect();
        let compiled = self.compile_book(&book);
        Live { book, compiled, day, lists, discharge }
    }

    /// Takes a person's new file (his record, his assignments, the
    /// deployments that reach him and his events, as `World` gives them)
    /// and brings his list statuses and discharge date up to date.
    pub fn update_person(&mut self, live: &mut Live, file: &PersonFile) -> Result<(), UpdateError> {
        let id = &file.person.id;
        if self.position(id).is_none() {
            return Err(UpdateError::NoSuchPerson { id: id.clone() });
        }
        let person = self.set_person(file);
        self.refresh(live, person);
        Ok(())
    }

    /// Takes a person's file as it now stands (his record in its latest
    /// version, his assignments, the deployments that reach him and his
    /// events, as the store gives them): a person the engine holds has his
    /// columns, rows and index entries replaced; a new one is added after
    /// everyone (people are then no longer all in the order of their ids:
    /// the answers that must be in that order sort). Returns his position.
    pub fn set_person(&mut self, file: &PersonFile) -> u32 {
        let person = match self.position(&file.person.id) {
            Some(person) => {
                self.names.set(person, &file.person.name);
                for (column, cell) in self.person_cells(file).into_iter().enumerate() {
                    self.keys[column].set(person, cell);
                }
                person
            }
            None => {
                let person = self.len() as u32;
                self.ids.push(&file.person.id);
                self.names.push(&file.person.name);
                for (column, cell) in self.person_cells(file).into_iter().enumerate() {
                    self.keys[column].append(cell);
                }
                self.assignments.push(Vec::new());
                self.periods.push(Vec::new());
                self.events.push(Vec::new());
                self.papers.push(Vec::new());
                self.index_id(person);
                person
            }
        };
        let old = self.history(person);
        let new = self.pack_history(file);
        self.set_history(person, &old, new);
        person
    }

    /// Records a deployment and brings the list statuses and discharge
    /// dates of the people it reaches up to date: the person it names, or
    /// everyone who ever served in the unit or below it.
    pub fn deploy(&mut self, live: &mut Live, deployment: &Deployment) -> Result<(), UpdateError> {
        let site = self.sites.intern(&deployment.site);
        let (from, to) = (day_number(deployment.from), end_number(deployment.to));
        let reached: Vec<(u32, Vec<PeriodRow>)> = match &deployment.deployed {
            Deployed::Person(id) => {
                let person = self
                    .position(id)
                    .ok_or_else(|| UpdateError::NoSuchPerson { id: id.clone() })?;
                vec![(person, vec![PeriodRow { site, from, to }])]
            }
            Deployed::Unit(unit) => {
                let unit = self.unit_code(unit);
                let members = self.served.get(unit as usize).map(MonotoneIndex::ever);
                let members = members.cloned().unwrap_or_default();
                members
                    .iter()
                    .map(|person| {
                        let periods = self
                            .assignments
                            .of(person)
                            .iter()
                            .filter(|row| self.ancestors(row.unit).contains(&unit))
                            .map(|row| PeriodRow {
                                site,
                                from: from.max(row.from),
                                to: to.min(row.to),
                            })
                            .filter(|period| period.from <= period.to)
                            .collect();
                        (person, periods)
                    })
                    .collect()
            }
        };
        for (person, periods) in reached {
            if periods.is_empty() {
                continue;
            }
            let old = self.history(person);
            let mut new = old.clone();
            new.periods.extend(periods);
            self.set_history(person, &old, new);
            self.refresh(live, person);
        }
        Ok(())
    }

    fn history(&self, person: u32) -> PackedHistory {
        PackedHistory {
            assignments: self.assignments.of(person).to_vec(),
            periods: self.periods.of(person).to_vec(),
            events: self.events.of(person).to_vec(),
            papers: self.papers.of(person).to_vec(),
        }
    }

    /// Replaces a person's history rows, and his entries in the indexes.
    fn set_history(&mut self, person: u32, old: &PackedHistory, new: PackedHistory) {
        self.served.resize_with(self.units.len(), MonotoneIndex::default);
        self.tagged.resize_with(self.tags.len(), MonotoneIndex::default);
        self.deployed.resize_with(self.sites.len(), IntervalIndex::default);

        let mut units = BTreeSet::new();
        let mut tags = BTreeSet::new();
        for row in old.assignments.iter().chain(&new.assignments) {
            units.extend(self.ancestors(row.unit).iter().copied());
            tags.extend(self.tags_of(row.unit).iter().copied());
        }
        let first_in = |rows: &[crate::people::AssignmentRow], unit: u32| {
            rows.iter()
                .filter(|row| self.ancestors(row.unit).contains(&unit))
                .map(|row| row.from)
                .min()
        };
        let changed: Vec<(u32, Option<Day>)> = units
            .into_iter()
            .map(|unit| (unit, first_in(&old.assignments, unit), first_in(&new.assignments, unit)))
            .filter(|(_, old, new)| old != new)
            .map(|(unit, _, new)| (unit, new))
            .collect();
        for (unit, first) in changed {
            self.served[unit as usize].set(person, first);
        }
        let first_tagged = |rows: &[crate::people::AssignmentRow], tag: u32| {
            rows.iter()
                .filter(|row| self.tags_of(row.unit).contains(&tag))
                .map(|row| row.from)
                .min()
        };
        let changed: Vec<(u32, Option<Day>)> = tags
            .into_iter()
            .map(|tag| {
                (tag, first_tagged(&old.assignments, tag), first_tagged(&new.assignments, tag))
            })
            .filter(|(_, old, new)| old != new)
            .map(|(tag, _, new)| (tag, new))
            .collect();
        for (tag, first) in changed {
            self.tagged[tag as usize].set(person, first);
        }

        let (old_facts, new_facts) =
            (PersonFacts::of(&old.events, &old.papers), PersonFacts::of(&new.events, &new.papers));
        for (kind, first) in new_facts.had.iter().enumerate() {
            if old_facts.had[kind] != *first {
                self.had[kind].set(person, *first);
            }
        }
        let scopes: BTreeSet<u32> = old_facts
            .exempted
            .iter()
            .chain(&new_facts.exempted)
            .map(|&(scope, _, _)| scope)
            .collect();
        for scope in scopes {
            let periods_of = |facts: &PersonFacts| -> Vec<(Day, Day)> {
                facts
                    .exempted
                    .iter()
                    .filter(|&&(own, _, _)| own == scope)
                    .map(|&(_, from, to)| (from, to))
                    .collect()
            };
            let (before, after) = (periods_of(&old_facts), periods_of(&new_facts));
            if before != after {
                self.exempted.entry(scope).or_default().set(person, after);
            }
        }
        let (old_firsts, new_firsts) = (&old_facts.admitted, &new_facts.admitted);
        let texts: BTreeSet<u32> =
            old_firsts.iter().chain(new_firsts).map(|&(text, _)| text).collect();
        for text in texts {
            let first = new_firsts.iter().find(|(own, _)| *own == text).map(|&(_, day)| day);
            let before = old_firsts.iter().find(|(own, _)| *own == text).map(|&(_, day)| day);
            if first != before {
                self.admitted.entry(text).or_default().set(person, first);
            }
        }
        let posted_or_returned = |events: &[crate::people::EventRow]| {
            events
                .iter()
                .filter(|event| matches!(event.kind, EventKind::Posted | EventKind::Returned))
                .map(|event| (event.kind, event.date))
                .collect::<Vec<_>>()
        };
        if posted_or_returned(&old.events) != posted_or_returned(&new.events) {
            self.abroad.set(person, abroad_periods(&new.events));
        }

        let sites: BTreeSet<u32> =
            old.periods.iter().chain(&new.periods).map(|period| period.site).collect();
        for site in sites {
            let periods_at = |periods: &[PeriodRow]| -> Vec<(Day, Day)> {
                let mut periods: Vec<(Day, Day)> = periods
                    .iter()
                    .filter(|period| period.site == site)
                    .map(|period| (period.from, period.to))
                    .collect();
                periods.sort_unstable();
                periods
            };
            let periods = periods_at(&new.periods);
            if periods != periods_at(&old.periods) {
                self.deployed[site as usize].set(person, periods);
            }
        }

        if new.assignments != old.assignments {
            self.assignments.set(person, new.assignments);
        }
        if new.periods != old.periods {
            self.periods.set(person, new.periods);
        }
        if new.events != old.events {
            self.events.set(person, new.events);
        }
        if new.papers != old.papers {
            self.papers.set(person, new.papers);
        }
    }

    /// Computes a person's discharge date and list statuses again.
    fn refresh(&self, live: &mut Live, person: u32) {
        let limits = Limits::default();
        let discharge =
            person_discharge(self, &live.book, Some(&live.compiled), person, live.day, limits);
        if let Some(slot) = live.discharge.get_mut(person as usize) {
            *slot = discharge.date().map(day_number);
        }
        for list in &mut live.lists {
            let Some(position) = list.statuses.position(person) else {
                continue;
            };
            let Some(entry) = list.statuses.entry_at(position) else {
                continue;
            };
            if entry.status == muster_orders::EntryStatus::Removed {
                continue;
            }
            let (status, reasons) = self.entry_state(
                &live.book,
                &live.compiled,
                &mut list.statuses,
                person,
                entry.nominated_on,
            );
            list.statuses.set_state(position, status, reasons);
        }
    }

    /// Computes again, in statuses computed before, the entries of persons
    /// whose records changed since (each alone: no rule reads another
    /// person). A person not on the list, or taken off it, is left as he is.
    pub fn restate(&self, book: &OrderBook, statuses: &mut ListStatuses, persons: &[u32]) {
        let compiled = self.compile_book(book);
        for &person in persons {
            let Some(position) = statuses.position(person) else {
                continue;
            };
            let Some(entry) = statuses.entry_at(position) else {
                continue;
            };
            if entry.status == muster_orders::EntryStatus::Removed {
                continue;
            }
            let (status, reasons) =
                self.entry_state(book, &compiled, statuses, person, entry.nominated_on);
            statuses.set_state(position, status, reasons);
        }
    }

    /// The people a unit deployment would reach: everyone who ever served
    /// in the unit or below it.
    pub fn unit_members(&self, unit: &str) -> RoaringBitmap {
        self.units
            .code(unit)
            .and_then(|unit| self.served.get(unit as usize))
            .map(|index| index.ever().clone())
            .unwrap_or_default()
    }
}
