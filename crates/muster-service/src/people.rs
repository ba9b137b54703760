//! One person: his record, history and status on a day, read from his own
//! records and decided by the reference interpreter.

use chrono::NaiveDate;
use muster_core::{Deployed, PersonFile};

use crate::views::{self, DeploymentRow, EventRow, PersonRecord, ServiceRow, VersionRow};
use crate::{Rules, ServiceError};
use muster_store::Store;

/// A person's record, history and status as they stood on `day`.
pub fn show(
    store: &dyn Store,
    rules: &Rules,
    id: &str,
    day: NaiveDate,
) -> Result<views::Person, ServiceError> {
    let records = rules.person(store, id, day)?;
    let file = as_of(records.file, day);
    let world = &rules.world;
    let chain = muster_orders::discharge(world, &rules.book, &file, day);
    let discharge = chain.date();
    let person = &file.person;
    let open_on = |to: Option<NaiveDate>| to.filter(|to| *to < day);
    let how = if chain.recorded.is_some() {
        "recorded".to_string()
    } else if chain.delayed_by.is_empty() {
        "scheduled".to_string()
    } else {
        format!("delayed by {}", chain.delayed_by.join(", "))
    };
    let cycle = file.discharge_cycle(&world.calendar);
    Ok(views::Person {
        person: PersonRecord {
            id: person.id.clone(),
            name: person.name.clone(),
            born: person.born,
            sex: person.sex.as_str().to_string(),
            home_province: person.home_province.clone(),
            home_county: Some(person.home_county.clone()),
            branch: Some(person.branch.map(|branch| branch.as_str().to_string())),
            rank: Some(person.rank.clone()),
            specialty: person.specialty.clone(),
            enlisted: Some(person.enlisted),
            term_months: Some(person.term_months),
        },
        as_of: day,
        age: Some(file.age_on(day)),
        status: file.status_on(day, discharge).as_str().to_string(),
        term_end: Some(file.term_end()),
        discharge_cycle: Some(cycle.map(|cycle| cycle.to_string())),
        discharge_date: Some(discharge),
        discharge_how: (cycle.is_some() && discharge.is_some()).then_some(how),
        discharge_delayed_by: Some(chain.delayed_by.clone()),
        service: Some(
            file.assignments
                .iter()
                .map(|assignment| ServiceRow {
                    unit: assignment.unit.clone(),
                    unit_name: world.units.get(&assignment.unit).map(|unit| unit.name.clone()),
                    from: assignment.from,
                    to: open_on(assignment.to),
                })
                .collect(),
        ),
        deployments: Some(
            file.deployment_periods(&world.tree)
                .iter()
                .map(|period| DeploymentRow {
                    site: period.deployment.site.clone(),
                    campaign: period.deployment.campaign.clone(),
                    unit: match &period.deployment.deployed {
                        Deployed::Unit(unit) => Some(unit.clone()),
                        Deployed::Person(_) => None,
                    },
                    from: period.from,
                    to: open_on(period.to),
                })
                .collect(),
        ),
        events: Some(file.events.iter().map(event_row).collect()),
        versions: Some(
            records
                .versions
                .iter()
                .map(|version| VersionRow { act: version.act.0, valid_on: version.valid_on })
                .collect(),
        ),
    })
}

/// An event as shown.
pub fn event_row(event: &muster_core::Event) -> EventRow {
    EventRow {
        person: event.person.clone(),
        date: event.date,
        kind: event.kind.as_str().to_string(),
        reference: event.reference.clone(),
        detail: event.detail.clone(),
    }
}

/// The file as it stood on `day`: history rows that began after it left
/// out.
pub fn as_of(mut file: PersonFile, day: NaiveDate) -> PersonFile {
    file.assignments.retain(|assignment| assignment.from <= day);
    file.deployments.retain(|deployment| deployment.from <= day);
    file.events.retain(|event| event.date <= day);
    file.papers.retain(|held| held.paper.issued_on.min(held.paper.valid_from) <= day);
    file
}
