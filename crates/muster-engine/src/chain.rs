//! Discharge chains: everyone's at once, by set algebra over the groups of
//! people whose chain has reached the same date; and one person's, as the
//! reference interpreter computes it.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;
use muster_cel::{Budget, Limits};
use muster_core::{Cycle, EventKind, Status};
use muster_orders::{Effect, OrderBook, Rule, Until};
use roaring::MultiOps;
use roaring::RoaringBitmap;

use crate::engine::{Engine, Key, kind_position};
use crate::people::{Cell, Day, date_of, day_number};
use crate::plan::{CompiledBook, Context, EngineError, Mode, finish};
use crate::subject::{PackedPerson, Source, TRUE};

/// Everyone's discharge chain, from the orders known on a day.
pub struct Discharges {
    pub(crate) as_of: NaiveDate,
    /// The people whose chain ended on each date.
    pub(crate) groups: Vec<(Day, RoaringBitmap)>,
    /// The delay orders that moved someone, in the order of issue, with
    /// whom they moved.
    pub(crate) delayed: Vec<(String, RoaringBitmap)>,
    delayed_index: HashMap<String, usize>,
    /// The delay orders whose `unless` held for someone whose `when` held.
    pub(crate) exempt: Vec<(String, RoaringBitmap)>,
    /// The protection in force at the end of each protected chain: the
    /// position of its order in `protections`.
    pub(crate) protected_by: HashMap<u32, usize>,
    pub(crate) protections: Vec<String>,
    /// The delays that met a protection.
    pub(crate) conflicts: Vec<ConflictSet>,
    statuses: OnceLock<Vec<RoaringBitmap>>,
}

/// The people a delay rule found protected.
#[derive(Clone, Debug)]
pub struct ConflictSet {
    pub order: String,
    pub rule: usize,
    pub protected_by: String,
    /// Whether the delay moved them all the same (`--override`).
    pub overridden: bool,
    pub people: RoaringBitmap,
}

/// One person's discharge chain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonDischarge {
    pub cycle: Option<Cycle>,
    pub scheduled: Option<NaiveDate>,
    pub computed: Option<NaiveDate>,
    pub recorded: Option<NaiveDate>,
    pub delayed_by: Vec<String>,
    pub protected_by: Option<String>,
    /// The delay orders whose `when` held and whose `unless` held too.
    pub exempt_by: Vec<String>,
    /// The delays that met a protection: order, rule, protecting order.
    pub conflicts: Vec<(String, usize, String)>,
}

impl PersonDischarge {
    /// His discharge date: the recorded one, else the computed one.
    pub fn date(&self) -> Option<NaiveDate> {
        self.recorded.or(self.computed)
    }
}

fn until_day(rule: &Rule, engine: &Engine, current: Day) -> Day {
    match rule.until {
        Some(Until::Date(day)) => day_number(day),
        Some(Until::Cycle(cycle)) => day_number(engine.world.calendar.cycle_date(cycle)),
        None => current,
    }
}

impl Engine {
    /// The date of each discharge cycle, by code of the `discharge_cycle`
    /// column; `None` for the empty cycle of one who never served.
    fn cycle_dates(&self) -> Vec<Option<Day>> {
        let calendar = &self.world.calendar;
        self.keys[Key::DischargeCycle as usize]
            .cells
            .iter()
            .map(|cell| match cell {
                Cell::Text(text) => {
                    text.parse::<Cycle>().ok().map(|cycle| day_number(calendar.cycle_date(cycle)))
                }
                Cell::Date(_) => None,
            })
            .collect()
    }

    /// Everyone's discharge chain, from the orders known on `as_of`.
    ///
    /// The chains are run side by side: the people whose chains have
    /// reached the same date form a group, each rule is evaluated once per
    /// group (on the group's date), and a delay moves those it counts for
    /// to the group of its date.
    ///
    /// The conditions are evaluated within the request budget: a question
    /// it stopped fails.
    pub fn discharges(
        &self,
        book: &OrderBook,
        as_of: NaiveDate,
        budget: &Budget,
    ) -> Result<Discharges, EngineError> {
        let discharges = self.discharges_within(book, as_of, budget);
        finish(budget, discharges)
    }

    /// Everyone's discharge chain, within the request budget; what a
    /// stopped budget cut short is the caller's to refuse.
    pub(crate) fn discharges_within(
        &self,
        book: &OrderBook,
        as_of: NaiveDate,
        budget: &Budget,
    ) -> Discharges {
        let column = &self.keys[Key::DischargeCycle as usize];
        let mut groups: BTreeMap<Day, RoaringBitmap> = BTreeMap::new();
        for (code, date) in self.cycle_dates().into_iter().enumerate() {
            if let (Some(date), Some(members)) = (date, column.members.get(code)) {
                *groups.entry(date).or_default() |= members;
            }
        }
        let mut delayed: HashMap<String, RoaringBitmap> = HashMap::new();
        let mut delay_orders: Vec<String> = Vec::new();
        let mut exempt: Vec<(String, RoaringBitmap)> = Vec::new();
        let mut protected = RoaringBitmap::new();
        let mut protected_by: HashMap<u32, usize> = HashMap::new();
        let mut protections: Vec<String> = Vec::new();
        let mut conflicts: Vec<ConflictSet> = Vec::new();
        for issued in book.issued_by(as_of) {
            let order = &issued.order.id;
            for rule in issued.order.discharge_rules() {
                let when = self.compile_cached(&rule.when.expr);
                let unless = rule.unless.as_ref().map(|unless| self.compile_cached(&unless.expr));
                let mut moves: Vec<(Day, Day, RoaringBitmap)> = Vec::new();
                for (&date, members) in &groups {
                    if !book.in_force(issued, date_of(date), as_of) {
                        continue;
                    }
                    let context = Context {
                        engine: self,
                        day: date_of(date),
                        mode: Mode::Chain(&delayed),
                        budget,
                    };
                    let holds = when.truth(members, &context).holds;
                    let exempted = match &unless {
                        Some(unless) => unless.truth(&holds, &context).holds,
                        None => RoaringBitmap::new(),
                    };
                    let counts = &holds - &exempted;
                    match rule.effect {
                        Effect::Protect => {
                            if counts.is_empty() {
                                continue;
                            }
                            let position = protections.iter().position(|own| own == order);
                            let position = position.unwrap_or_else(|| {
                                protections.push(order.clone());
                                protections.len() - 1
                            });
                            for person in &counts {
                                protected_by.insert(person, position);
                            }
                            protected |= counts;
                        }
                        Effect::Delay => {
                            if !exempted.is_empty() {
                                match exempt.iter_mut().find(|(own, _)| own == order) {
                                    Some((_, set)) => *set |= &exempted,
                                    None => exempt.push((order.clone(), exempted)),
                                }
                            }
                            let target = until_day(rule, self, date);
                            if target <= date || counts.is_empty() {
                                continue;
                            }
                            let met = &counts & &protected;
                            let mut by_protection: BTreeMap<usize, RoaringBitmap> = BTreeMap::new();
                            for person in &met {
                                if let Some(&position) = protected_by.get(&person) {
                                    by_protection.entry(position).or_default().insert(person);
                                }
                            }
                            for (position, people) in by_protection {
                                let protection = protections[position].clone();
                                match conflicts.iter_mut().find(|conflict| {
                                    conflict.order == *order
                                        && conflict.rule == rule.number
                                        && conflict.protected_by == protection
                                }) {
                                    Some(conflict) => conflict.people |= people,
                                    None => conflicts.push(ConflictSet {
                                        order: order.clone(),
                                        rule: rule.number,
                                        protected_by: protection,
                                        overridden: issued.overridden,
                                        people,
                                    }),
                                }
                            }
                            let moved = if issued.overridden { counts } else { counts - met };
                            moves.push((date, target, moved));
                        }
                        Effect::Exclude | Effect::Require => {}
                    }
                }
                for (from, to, moved) in moves {
                    if moved.is_empty() {
                        continue;
                    }
                    if let Some(members) = groups.get_mut(&from) {
                        *members -= &moved;
                    }
                    *groups.entry(to).or_default() |= &moved;
                    if !delayed.contains_key(order) {
                        delay_orders.push(order.clone());
                    }
                    *delayed.entry(order.clone()).or_default() |= moved;
                }
            }
        }
        let delayed: Vec<(String, RoaringBitmap)> = delay_orders
            .into_iter()
            .map(|order| {
                let people = delayed.remove(&order).unwrap_or_default();
                (order, people)
            })
            .collect();
        let delayed_index = delayed
            .iter()
            .enumerate()
            .map(|(position, (order, _))| (order.clone(), position))
            .collect();
        Discharges {
            as_of,
            groups: groups.into_iter().filter(|(_, members)| !members.is_empty()).collect(),
            delayed,
            delayed_index,
            exempt,
            protected_by,
            protections,
            conflicts,
            statuses: OnceLock::new(),
        }
    }

    /// One person's discharge chain, from the orders known on `as_of`: the
    /// reference chain, over the packed columns.
    pub fn person_discharge(
        &self,
        book: &OrderBook,
        person: u32,
        as_of: NaiveDate,
    ) -> PersonDischarge {
        person_discharge(self, book, None, person, as_of, Limits::default())
    }
}

/// One person's discharge chain, as `muster_orders::discharge` computes it.
pub(crate) fn person_discharge(
    engine: &Engine,
    book: &OrderBook,
    compiled: Option<&CompiledBook>,
    person: u32,
    as_of: NaiveDate,
    limits: Limits<'_>,
) -> PersonDischarge {
    let calendar = &engine.world.calendar;
    let term_end = engine.date(Key::TermEnd, person);
    let mut result = PersonDischarge {
        cycle: term_end.map(|term_end| calendar.cycle_on_or_after(term_end)),
        recorded: engine.discharged_on(person, day_number(as_of)).map(date_of),
        ..PersonDischarge::default()
    };
    let Some(cycle) = result.cycle else {
        return result;
    };
    let mut current = day_number(calendar.cycle_date(cycle));
    result.scheduled = Some(date_of(current));
    let mut protected_by: Option<String> = None;
    let mut delayed_by: Vec<String> = Vec::new();
    for issued in book.issued_by(as_of) {
        for rule in issued.order.discharge_rules() {
            let on = date_of(current);
            if !book.in_force(issued, on, as_of) {
                continue;
            }
            let (when, unless) = {
                let subject = PackedPerson {
                    engine,
                    person,
                    day: on,
                    source: Source::ChainList(&delayed_by),
                    limits,
                };
                let plans = engine.rule_plans(compiled, &issued.order.id, rule);
                let when = plans.when.class_for(&subject) == TRUE;
                let unless = when
                    && plans
                        .unless
                        .as_ref()
                        .is_some_and(|unless| unless.class_for(&subject) == TRUE);
                (when, unless)
            };
            if !when {
                continue;
            }
            let order = &issued.order.id;
            if unless {
                if rule.effect == Effect::Delay && !result.exempt_by.contains(order) {
                    result.exempt_by.push(order.clone());
                }
                continue;
            }
            match rule.effect {
                Effect::Protect => protected_by = Some(order.clone()),
                Effect::Delay => {
                    let target = until_day(rule, engine, current);
                    if target <= current {
                        continue;
                    }
                    if let Some(protection) = &protected_by {
                        result.conflicts.push((order.clone(), rule.number, protection.clone()));
                        if !issued.overridden {
                            continue;
                        }
                    }
                    current = target;
                    delayed_by.push(order.clone());
                }
                Effect::Exclude | Effect::Require => {}
            }
        }
    }
    delayed_by.dedup();
    result.computed = Some(date_of(current));
    result.delayed_by = delayed_by;
    result.protected_by = protected_by;
    result
}

impl Discharges {
    /// The day the chains were computed as of.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// The date a person's chain reached, if he has a discharge cycle.
    pub fn computed(&self, person: u32) -> Option<Day> {
        self.groups.iter().find(|(_, members)| members.contains(person)).map(|&(date, _)| date)
    }

    /// A person's discharge date: his recorded discharge, else the date his
    /// chain reached.
    pub fn date(&self, engine: &Engine, person: u32) -> Option<Day> {
        engine.discharged_on(person, day_number(self.as_of)).or_else(|| self.computed(person))
    }

    /// A person's discharge date, as a date.
    pub fn date_of(&self, engine: &Engine, person: u32) -> Option<NaiveDate> {
        self.date(engine, person).map(date_of)
    }

    /// Every person's discharge date as a day number, `None` for one with
    /// no discharge cycle and no recorded discharge.
    pub fn dates(&self, engine: &Engine) -> Vec<Option<Day>> {
        let mut dates = vec![None; engine.len()];
        for (date, members) in &self.groups {
            for person in members {
                dates[person as usize] = Some(*date);
            }
        }
        let as_of = day_number(self.as_of);
        let discharged = &engine.had[kind_position(EventKind::Discharged)];
        discharged.firsts_until(as_of, |person, first| dates[person as usize] = Some(first));
        dates
    }

    /// Whether a delay of the order moved the person.
    pub fn delayed(&self, order: &str, person: u32) -> bool {
        self.delayed_set(order).is_some_and(|set| set.contains(person))
    }

    /// The people a delay of the order moved.
    pub fn delayed_set(&self, order: &str) -> Option<&RoaringBitmap> {
        self.delayed_index.get(order).map(|&position| &self.delayed[position].1)
    }

    /// The orders whose delays moved the person, in the order of issue.
    pub fn delayed_by(&self, person: u32) -> Vec<String> {
        self.delayed
            .iter()
            .filter(|(_, people)| people.contains(person))
            .map(|(order, _)| order.clone())
            .collect()
    }

    /// The order protecting the person at the end of his chain.
    pub fn protected_by(&self, person: u32) -> Option<&str> {
        self.protected_by.get(&person).map(|&position| self.protections[position].as_str())
    }

    /// The delay orders whose `unless` exempted the person.
    pub fn exempt_by(&self, person: u32) -> Vec<String> {
        self.exempt
            .iter()
            .filter(|(_, people)| people.contains(person))
            .map(|(order, _)| order.clone())
            .collect()
    }

    /// The delays that met a protection.
    pub fn conflicts(&self) -> &[ConflictSet] {
        &self.conflicts
    }

    /// Everyone's status on the day the chains were computed as of, one
    /// bitmap per status in the order of `Status::ALL`.
    pub(crate) fn statuses(&self, engine: &Engine) -> &[RoaringBitmap] {
        self.statuses.get_or_init(|| {
            let day = day_number(self.as_of);
            let had = |kind: EventKind| engine.had[kind_position(kind)].on(day).into_owned();
            let killed = had(EventKind::Killed);
            let awol = had(EventKind::Awol) - &killed;
            let gone = &killed | &awol;
            let abroad = engine.abroad.on(day) - &gone;
            let gone = gone | &abroad;
            let due = self
                .groups
                .iter()
                .filter(|(date, _)| *date <= day)
                .map(|(_, members)| members)
                .union();
            let discharged = (had(EventKind::Discharged) | due) - &gone;
            let gone = gone | &discharged;
            let column = &engine.keys[Key::Enlisted as usize];
            let enlisted = column
                .cells
                .iter()
                .zip(&column.members)
                .filter(|(cell, _)| {
                    matches!(cell, Cell::Date(Some(enlisted)) if day_number(*enlisted) <= day)
                })
                .map(|(_, members)| members)
                .union();
            let serving = enlisted - &gone;
            let civilian = engine.everyone() - gone - &serving;
            debug_assert_eq!(Status::ALL.len(), 6);
            vec![killed, awol, abroad, discharged, serving, civilian]
        })
    }
}
