//! Reports over everyone: the discharge roster of a cycle and the impact
//! of an order, as `muster_orders` gives them, from set algebra.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use muster_cel::Budget;
use muster_core::{Cycle, EventKind, Status};
use muster_orders::{
    Conflict, DischargeChange, Impact, ListImpact, ListWithEntries, OrderBook, Roster, RosterEntry,
    RosterStatus, Strength,
};
use roaring::RoaringBitmap;

use crate::engine::{Engine, Key, kind_position};
use crate::people::{Cell, date_of, day_number};
use crate::plan::{EngineError, finish};
use crate::screen::ListMember;

impl Engine {
    /// The roster of `cycle` from the records and the orders known on
    /// `as_of`, as `muster_orders::roster` gives it, within the request
    /// budget: a question it stopped fails.
    pub fn roster(
        &self,
        book: &OrderBook,
        cycle: Cycle,
        as_of: NaiveDate,
        budget: &Budget,
    ) -> Result<Roster, EngineError> {
        let calendar = &self.world.calendar;
        let date = calendar.cycle_date(cycle);
        let day = day_number(date);
        let previous = day_number(calendar.cycle_date(calendar.previous(cycle)));
        let as_of_day = day_number(as_of);
        let discharges = self.discharges_within(book, as_of, budget);
        // The rest reads the chains: a stopped budget fails the roster now.
        finish(budget, ())?;

        let before = as_of_day.min(day - 1);
        let had = |kind: EventKind, on| self.had[kind_position(kind)].on(on).into_owned();
        let gone = had(EventKind::Killed, before) | had(EventKind::Awol, before);
        let discharged = &self.had[kind_position(EventKind::Discharged)];
        let recorded = discharged.on(as_of_day).into_owned();
        let recorded_within = discharged.first_between(previous, day.min(as_of_day)) - &gone;
        let cycle_column = &self.keys[Key::DischargeCycle as usize];
        let own = cycle_column
            .cells
            .iter()
            .position(|cell| *cell == Cell::Text(cycle.to_string()))
            .and_then(|code| cycle_column.members.get(code))
            .cloned()
            .unwrap_or_default()
            - &gone
            - &recorded;
        let mut computed: BTreeMap<u32, i32> = BTreeMap::new();
        for (date, members) in &discharges.groups {
            let delayed_in = *date > previous && *date <= day;
            let people = if delayed_in { members - &gone - &recorded } else { members & &own };
            for person in &people {
                computed.insert(person, *date);
            }
        }
        let mut people = recorded_within.clone();
        people.extend(computed.keys().copied());
        let entries: Vec<RosterEntry> = people
            .iter()
            .filter_map(|person| {
                let id = self.person_id(person).to_string();
                if recorded_within.contains(person) {
                    let date = self.discharged_on(person, as_of_day).map(date_of)?;
                    return Some(RosterEntry {
                        person: id,
                        status: RosterStatus::Discharged,
                        date,
                        orders: vec![],
                    });
                }
                let reached = *computed.get(&person)?;
                if own.contains(person) {
                    if reached > day {
                        return Some(RosterEntry {
                            person: id,
                            status: RosterStatus::Delayed,
                            date: date_of(reached),
                            orders: discharges.delayed_by(person),
                        });
                    }
                    let exempting = discharges.exempt_by(person);
                    let status = if exempting.is_empty() {
                        RosterStatus::Scheduled
                    } else {
                        RosterStatus::Exempt
                    };
                    return Some(RosterEntry { person: id, status, date, orders: exempting });
                }
                Some(RosterEntry {
                    person: id,
                    status: RosterStatus::DelayedIn,
                    date: date_of(reached),
                    orders: discharges.delayed_by(person),
                })
            })
            .collect();
        // People added since the build come after everyone: the roster is
        // in the order of ids.
        let mut entries = entries;
        if !entries.is_sorted_by(|a, b| a.person <= b.person) {
            entries.sort_by(|a, b| a.person.cmp(&b.person));
        }
        Ok(Roster { cycle, date, entries })
    }

    /// The impact of the order `order_id`, which `after` holds (issued on
    /// `issued_on`) and `before` does not, as `muster_orders::impact` gives
    /// it, within the request budget: a question it stopped fails.
    pub fn impact(
        &self,
        before: &OrderBook,
        after: &OrderBook,
        order_id: &str,
        issued_on: NaiveDate,
        lists: &[ListWithEntries<'_>],
        budget: &Budget,
    ) -> Result<Impact, EngineError> {
        let mut impact = Impact { order: order_id.to_string(), ..Impact::default() };
        let Some(issued) = after.get(order_id) else {
            return Ok(impact);
        };
        let order = &issued.order;
        let takes_effect = order.takes_effect(issued_on);
        let day_before = takes_effect.pred_opt().unwrap_or(takes_effect);
        for entry in lists {
            let list = entry.list;
            if !order.governs_lists_of(&list.kind) || list.created_on > takes_effect {
                continue;
            }
            let members: Vec<ListMember> = self
                .list_members(entry.changes, takes_effect)
                .into_iter()
                .filter(|member| member.active && member.nominated_on <= day_before)
                .collect();
            let mut by_day: BTreeMap<NaiveDate, RoaringBitmap> = BTreeMap::new();
            for member in &members {
                by_day.entry(member.nominated_on).or_default().insert(member.person);
            }
            let mut newly = RoaringBitmap::new();
            for (nominated_on, scope) in by_day {
                let nominated_on = Some(nominated_on);
                let was =
                    self.screen_within(after, &list.kind, day_before, nominated_on, &scope, budget);
                let now = self.screen_within(
                    after,
                    &list.kind,
                    takes_effect,
                    nominated_on,
                    &was.eligible,
                    budget,
                );
                for (rule, excluded) in now.rules.iter().zip(&now.excluded_by) {
                    if rule.order == order_id {
                        newly |= excluded;
                    }
                }
            }
            let newly_excluded = members
                .iter()
                .filter(|member| newly.contains(member.person))
                .map(|member| self.person_id(member.person).to_string())
                .collect();
            impact.lists.push(ListImpact { list: list.id.clone(), newly_excluded });
        }

        if order.governs_discharges() {
            let with_order = self.discharges_within(after, issued_on, budget);
            let without = self.discharges_within(before, issued_on, budget);
            let (to, from) = (with_order.dates(self), without.dates(self));
            let term_ends = &self.keys[Key::TermEnd as usize];
            for person in 0..self.len() as u32 {
                if matches!(term_ends.cell(person), Cell::Date(None)) {
                    continue;
                }
                if let (Some(from), Some(to)) = (from[person as usize], to[person as usize])
                    && from != to
                {
                    impact.discharge.push(DischargeChange {
                        person: self.person_id(person).to_string(),
                        from: date_of(from),
                        to: date_of(to),
                    });
                }
            }
            let recorded = self.had[kind_position(EventKind::Discharged)].on(day_number(issued_on));
            let mut conflicts: BTreeMap<(usize, String), RoaringBitmap> = BTreeMap::new();
            for conflict in
                with_order.conflicts().iter().filter(|conflict| conflict.order == order_id)
            {
                *conflicts.entry((conflict.rule, conflict.protected_by.clone())).or_default() |=
                    &conflict.people - recorded.as_ref();
            }
            impact.conflicts = conflicts
                .into_iter()
                .filter(|(_, people)| !people.is_empty())
                .map(|((rule, protected_by), people)| Conflict {
                    rule,
                    protected_by,
                    persons: people
                        .iter()
                        .map(|person| self.person_id(person).to_string())
                        .collect(),
                })
                .collect();
        }
        finish(budget, impact)
    }
}

impl Engine {
    /// The strength of `site` on each of `days`, each person's discharge
    /// computed from the orders known on `as_of`, as `muster_orders::strength`
    /// gives it: on each day, the people deployed there (the site's period
    /// index) whose status that day is `serving`.
    pub fn strength(
        &self,
        book: &OrderBook,
        site: &str,
        days: &[NaiveDate],
        as_of: NaiveDate,
        budget: &Budget,
    ) -> Result<Vec<Strength>, EngineError> {
        let mut counts: Vec<Strength> = days
            .iter()
            .map(|&day| {
                let (required, required_technicians) = self
                    .world
                    .campaigns
                    .iter()
                    .filter(|campaign| {
                        campaign.site == site && campaign.from <= day && day <= campaign.to
                    })
                    .fold((0, 0), |(people, technicians), campaign| {
                        (
                            people + campaign.required,
                            technicians + campaign.required_technicians.unwrap_or(0),
                        )
                    });
                Strength { day, headcount: 0, technicians: 0, required, required_technicians }
            })
            .collect();
        let Some(index) = self.sites.code(site).and_then(|code| self.deployed.get(code as usize))
        else {
            return Ok(counts);
        };
        let discharges = self.discharges(book, as_of, budget)?;
        let technician = Cell::Text("technician".to_string());
        for count in &mut counts {
            let day = day_number(count.day);
            for person in &index.on(day) {
                let events = self.events.of(person).iter().map(|event| (event.kind, event.date));
                let enlisted = self.date(Key::Enlisted, person).map(day_number);
                let date = discharges.date(self, person);
                if muster_core::status_of(events, enlisted, date, day) != Status::Serving {
                    continue;
                }
                count.headcount += 1;
                if *self.cell(Key::Specialty, person) == technician {
                    count.technicians += 1;
                }
            }
        }
        Ok(counts)
    }

    /// The organisations administering the units a person was assigned to
    /// by `day`, or units above them, in the order of their ids.
    pub fn administrations(&self, person: u32, day: NaiveDate) -> Vec<String> {
        let day = day_number(day);
        let mut organisations = std::collections::BTreeSet::new();
        for assignment in self.assignments.of(person).iter().filter(|row| row.from <= day) {
            for &unit in self.ancestors(assignment.unit) {
                let id = self.units.text(unit);
                if let Some(administration) =
                    self.world.units.get(id).and_then(|unit| unit.administration.as_ref())
                {
                    organisations.insert(administration.clone());
                }
            }
        }
        organisations.into_iter().collect()
    }
}

/// One cohort of a stats question: how many people, and how many of them
/// had the event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cohort {
    pub population: u64,
    pub with_event: u64,
}

/// What outcome rates are asked for: the string field of `person` that
/// makes the cohorts, the event kind counted and the days it counts, and
/// the day the cohorts are taken on.
#[derive(Clone, Copy, Debug)]
pub struct CohortQuestion<'a> {
    pub by: &'a str,
    pub kind: EventKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub day: NaiveDate,
}

impl Engine {
    /// Outcome rates by cohort: the people of `population` grouped by the
    /// string field `by` of `person` on `day` (with the orders known that
    /// day for `status`), and in each group those with an event of `kind`
    /// dated within `from ..= to`. Groups with no one are left out.
    pub fn stats(
        &self,
        book: &OrderBook,
        population: &RoaringBitmap,
        question: &CohortQuestion<'_>,
        budget: &Budget,
    ) -> Result<BTreeMap<String, Cohort>, EngineError> {
        let CohortQuestion { by, kind, from, to, day } = *question;
        let (from, to) = (day_number(from), day_number(to));
        let with_event: RoaringBitmap = population
            .iter()
            .filter(|&person| {
                self.events
                    .of(person)
                    .iter()
                    .any(|event| event.kind == kind && from <= event.date && event.date <= to)
            })
            .collect();
        let mut groups: BTreeMap<String, Cohort> = BTreeMap::new();
        let mut count = |group: String, members: &RoaringBitmap| {
            let population = members.len();
            if population == 0 {
                return;
            }
            let cohort = groups.entry(group).or_default();
            cohort.population += population;
            cohort.with_event += members.intersection_len(&with_event);
        };
        match by {
            "status" => {
                let discharges = self.discharges(book, day, budget)?;
                for (status, members) in Status::ALL.iter().zip(discharges.statuses(self)) {
                    count(status.as_str().to_string(), &(members & population));
                }
            }
            "id" | "name" => {
                for person in population {
                    let text =
                        if by == "id" { self.ids.get(person) } else { self.names.get(person) };
                    let one: RoaringBitmap = std::iter::once(person).collect();
                    count(text.to_string(), &one);
                }
            }
            field => {
                let Some(column) = Key::of_field(field).and_then(Key::column) else {
                    return Ok(groups);
                };
                let column = &self.keys[column];
                for (cell, members) in column.cells.iter().zip(&column.members) {
                    let group = match cell {
                        Cell::Text(text) => text.clone(),
                        _ => String::new(),
                    };
                    count(group, &(members & population));
                }
            }
        }
        Ok(groups)
    }
}

impl Engine {
    /// How many people are deployed at a site on a day.
    pub fn deployed_count(&self, site: &str, day: NaiveDate) -> u64 {
        self.sites
            .code(site)
            .and_then(|code| self.deployed.get(code as usize))
            .map_or(0, |index| index.on(day_number(day)).len())
    }
}

/// The army on a day by discharge cycle and site (`list-rate`'s
/// comparable people): each person's stratum, and how many are in each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Strata {
    /// Each stratum: its discharge cycle (empty when none is known), its
    /// site that day (empty when deployed nowhere), and its people.
    pub strata: Vec<(String, String, u64)>,
    /// Per person (by position): the index of his stratum.
    of: Vec<u32>,
}

impl Strata {
    /// The stratum of the person at `position`.
    pub fn of(&self, position: u32) -> Option<usize> {
        self.of.get(position as usize).map(|&stratum| stratum as usize)
    }
}

impl Engine {
    /// Everyone's stratum on `day`: his discharge cycle (before any order)
    /// and the site he is deployed at that day (the first by id, when
    /// several), as `PersonFile::discharge_cycle` and
    /// `PersonFile::deployment_periods` give them.
    pub fn strata(&self, day: NaiveDate) -> Strata {
        let people = self.len();
        let mut site_of: Vec<u32> = vec![u32::MAX; people];
        let at = day_number(day);
        // Deployed at several sites that day: the first by id.
        for (code, index) in self.deployed.iter().enumerate() {
            let code = code as u32;
            for person in &index.on(at) {
                if let Some(slot) = site_of.get_mut(person as usize)
                    && (*slot == u32::MAX || self.sites.text(code) < self.sites.text(*slot))
                {
                    *slot = code;
                }
            }
        }
        let mut codes: HashMap<(String, u32), u32> = HashMap::new();
        let mut strata: Vec<(String, String, u64)> = Vec::new();
        let mut of = Vec::with_capacity(people);
        for (person, &site) in site_of.iter().enumerate() {
            let cycle = match self.cell(Key::DischargeCycle, person as u32) {
                Cell::Text(text) => text.clone(),
                Cell::Date(_) => String::new(),
            };
            let next = strata.len() as u32;
            let code = *codes.entry((cycle.clone(), site)).or_insert_with(|| {
                let site = if site == u32::MAX {
                    String::new()
                } else {
                    self.sites.text(site).to_string()
                };
                strata.push((cycle, site, 0));
                next
            });
            if let Some(stratum) = strata.get_mut(code as usize) {
                stratum.2 += 1;
            }
            of.push(code);
        }
        Strata { strata, of }
    }
}
