//! The discharge roster of a cycle, and the strength of a site month by
//! month: both from each person's discharge chain as known on a day.

use chrono::NaiveDate;
use muster_core::model::covers;
use muster_core::{Cycle, EventKind, PersonFile, Status};
use serde::Serialize;

use crate::book::OrderBook;
use crate::decide::{Discharge, StepResult, discharge};
use crate::document::Effect;
use crate::world::World;

/// What the roster says of one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RosterStatus {
    /// Discharged on the cycle date.
    Scheduled,
    /// His term ends in this cycle, but a rule moved him later.
    Delayed,
    /// A delay rule's `when` held and so did its `unless`: discharged on
    /// schedule.
    Exempt,
    /// Moved into this cycle from an earlier one.
    DelayedIn,
    /// A recorded `discharged` event dated within this cycle.
    Discharged,
}

impl RosterStatus {
    /// The word for this status.
    pub fn as_str(self) -> &'static str {
        match self {
            RosterStatus::Scheduled => "scheduled",
            RosterStatus::Delayed => "delayed",
            RosterStatus::Exempt => "exempt",
            RosterStatus::DelayedIn => "delayed-in",
            RosterStatus::Discharged => "discharged",
        }
    }
}

/// One person on a roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterEntry {
    pub person: String,
    pub status: RosterStatus,
    /// The day he is (or was) discharged.
    pub date: NaiveDate,
    /// The orders whose rules made the entry what it is: the delays that
    /// moved him, or for `exempt`, the delay orders whose `unless` held.
    pub orders: Vec<String>,
}

/// The roster of a cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roster {
    pub cycle: Cycle,
    pub date: NaiveDate,
    pub entries: Vec<RosterEntry>,
}

/// The roster of `cycle` from the records and the orders known on `as_of`,
/// in the order of person ids. Persons killed or awol before the cycle
/// date are left out.
pub fn roster(world: &World, book: &OrderBook, cycle: Cycle, as_of: NaiveDate) -> Roster {
    let calendar = &world.calendar;
    let date = calendar.cycle_date(cycle);
    let previous = calendar.cycle_date(calendar.previous(cycle));
    let entries = world
        .people
        .iter()
        .filter(|file| {
            // His term ends in this cycle or before it, or his recorded
            // discharge (an early one, perhaps) falls within it.
            file.discharge_cycle(calendar).is_some_and(|own| own <= cycle)
                || file.discharged_on(as_of).is_some_and(|day| previous < day && day <= date)
        })
        .filter(|file| !gone_before(file, date, as_of))
        .filter_map(|file| {
            let chain = discharge(world, book, file, as_of);
            roster_entry(world, file, &chain, cycle, previous, date)
        })
        .collect();
    Roster { cycle, date, entries }
}

/// Killed or awol before `day`, as known on `as_of`.
fn gone_before(file: &PersonFile, day: NaiveDate, as_of: NaiveDate) -> bool {
    file.events_by(as_of)
        .any(|event| matches!(event.kind, EventKind::Killed | EventKind::Awol) && event.date < day)
}

/// Where one person's chain puts him on the roster of `cycle`, if at all.
fn roster_entry(
    world: &World,
    file: &PersonFile,
    chain: &Discharge,
    cycle: Cycle,
    previous: NaiveDate,
    date: NaiveDate,
) -> Option<RosterEntry> {
    let person = file.person.id.clone();
    if let Some(recorded) = chain.recorded {
        return (previous < recorded && recorded <= date).then_some(RosterEntry {
            person,
            status: RosterStatus::Discharged,
            date: recorded,
            orders: vec![],
        });
    }
    let computed = chain.computed?;
    let own = chain.cycle?;
    if own == cycle {
        if computed > date {
            return Some(RosterEntry {
                person,
                status: RosterStatus::Delayed,
                date: computed,
                orders: chain.delayed_by.clone(),
            });
        }
        let mut exempting: Vec<String> = chain
            .steps
            .iter()
            .filter(|step| step.effect == Effect::Delay && step.result == StepResult::Exempt)
            .map(|step| step.order.clone())
            .collect();
        exempting.dedup();
        let status =
            if exempting.is_empty() { RosterStatus::Scheduled } else { RosterStatus::Exempt };
        return Some(RosterEntry { person, status, date, orders: exempting });
    }
    (world.calendar.cycle_on_or_after(computed) == cycle).then(|| RosterEntry {
        person,
        status: RosterStatus::DelayedIn,
        date: computed,
        orders: chain.delayed_by.clone(),
    })
}

/// The strength of a site on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Strength {
    pub day: NaiveDate,
    /// People deployed at the site whose status is `serving`.
    pub headcount: u32,
    /// Those of them whose specialty is `technician`.
    pub technicians: u32,
    /// What the site's campaigns running that day require, summed.
    pub required: u32,
    pub required_technicians: u32,
}

/// The strength of `site` on each of `days`, each person's discharge
/// computed from the orders known on `as_of`.
pub fn strength(
    world: &World,
    book: &OrderBook,
    site: &str,
    days: &[NaiveDate],
    as_of: NaiveDate,
) -> Vec<Strength> {
    let mut counts: Vec<Strength> = days
        .iter()
        .map(|&day| {
            let running = world.campaigns.iter().filter(|campaign| {
                campaign.site == site && campaign.from <= day && day <= campaign.to
            });
            let (required, required_technicians) =
                running.fold((0, 0), |(people, technicians), campaign| {
                    (
                        people + campaign.required,
                        technicians + campaign.required_technicians.unwrap_or(0),
                    )
                });
            Strength { day, headcount: 0, technicians: 0, required, required_technicians }
        })
        .collect();
    for file in &world.people {
        let periods: Vec<_> = file
            .deployment_periods(&world.tree)
            .into_iter()
            .filter(|period| period.deployment.site == site)
            .collect();
        if periods.is_empty() {
            continue;
        }
        let mut chain: Option<Option<NaiveDate>> = None;
        for count in &mut counts {
            if !periods.iter().any(|period| covers(period.from, period.to, count.day)) {
                continue;
            }
            let date = *chain.get_or_insert_with(|| discharge(world, book, file, as_of).date());
            if file.status_on(count.day, date) != Status::Serving {
                continue;
            }
            count.headcount += 1;
            if file.person.specialty == "technician" {
                count.technicians += 1;
            }
        }
    }
    counts
}
