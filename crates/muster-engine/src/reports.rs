//! Reports over everyone: the discharge roster of a cycle and the impact
//! of an order, as `muster_orders` gives them, from set algebra.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use muster_cel::Budget;
use muster_core::{Cycle, EventKind};
use muster_orders::{
    Conflict, DischargeChange, Impact, ListImpact, ListWithEntries, OrderBook, Roster, RosterEntry,
    RosterStatus,
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
        let entries = people
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
