//! The impact of an order: who it newly excludes from which lists, whose
//! discharge it moves, and which protected persons it would delay.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::book::OrderBook;
use crate::decide::{StepResult, discharge, screen};
use crate::lists::{EntryChange, List, members};
use crate::world::World;

/// What issuing an order does, in the JSON shape of `order preview` and
/// `order issue`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Impact {
    pub order: String,
    pub lists: Vec<ListImpact>,
    pub discharge: Vec<DischargeChange>,
    pub conflicts: Vec<Conflict>,
}

/// The entries of one list the order newly excludes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListImpact {
    pub list: String,
    pub newly_excluded: Vec<String>,
}

/// A discharge the order moves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DischargeChange {
    pub person: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A delay rule of the order that would move protected persons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub rule: usize,
    pub protected_by: String,
    pub persons: Vec<String>,
}

/// A list with its entry changes, as the impact needs them.
pub struct ListWithEntries<'a> {
    pub list: &'a List,
    pub changes: &'a [EntryChange],
}

/// The impact of the order `order_id`, which `after` holds (issued on
/// `issued_on`) and `before` does not.
///
/// `newly_excluded` names the entries of each list of a kind the order
/// governs that are eligible on the day before the order takes effect and
/// not eligible on that day because of it. `discharge` names every person
/// whose discharge date, as known on the day of issue, it moves.
/// `conflicts` names, per delay rule, the protected persons it would move.
pub fn impact(
    world: &World,
    before: &OrderBook,
    after: &OrderBook,
    order_id: &str,
    issued_on: NaiveDate,
    lists: &[ListWithEntries<'_>],
) -> Impact {
    let mut impact = Impact { order: order_id.to_string(), ..Impact::default() };
    let Some(issued) = after.get(order_id) else {
        return impact;
    };
    let order = &issued.order;
    let takes_effect = order.takes_effect(issued_on);
    let day_before = takes_effect.pred_opt().unwrap_or(takes_effect);

    for entry in lists {
        let list = entry.list;
        if !order.governs_lists_of(&list.kind) || list.created_on > takes_effect {
            continue;
        }
        let mut newly_excluded = Vec::new();
        for (person, nominated_on, active) in members(entry.changes, takes_effect) {
            if !active || nominated_on > day_before {
                continue;
            }
            let Some(file) = world.person(&person) else {
                continue;
            };
            let was_eligible =
                screen(world, after, file, &list.kind, day_before, Some(nominated_on)).eligible;
            if !was_eligible {
                continue;
            }
            let now = screen(world, after, file, &list.kind, takes_effect, Some(nominated_on));
            if !now.eligible && now.excluding().any(|check| check.order == order_id) {
                newly_excluded.push(person);
            }
        }
        impact.lists.push(ListImpact { list: list.id.clone(), newly_excluded });
    }

    let governs_discharge = order.governs_discharges();
    if governs_discharge {
        let mut conflicts: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
        for file in &world.people {
            if file.term_end().is_none() {
                continue;
            }
            let with_order = discharge(world, after, file, issued_on);
            let without = discharge(world, before, file, issued_on);
            if let (Some(from), Some(to)) = (without.date(), with_order.date())
                && from != to
            {
                impact.discharge.push(DischargeChange { person: file.person.id.clone(), from, to });
            }
            for step in with_order.conflicts() {
                if step.order != order_id {
                    continue;
                }
                let protected_by = match &step.result {
                    StepResult::Conflict { protected_by, .. }
                    | StepResult::Overridden { protected_by, .. } => protected_by.clone(),
                    _ => continue,
                };
                conflicts
                    .entry((step.rule, protected_by))
                    .or_default()
                    .push(file.person.id.clone());
            }
        }
        impact.conflicts = conflicts
            .into_iter()
            .map(|((rule, protected_by), persons)| Conflict { rule, protected_by, persons })
            .collect();
    }
    impact
}
