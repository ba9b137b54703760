//! The records: health, people, units, sites.

use std::collections::BTreeSet;

use crate::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_core::PersonFile;
use serde_json::{Value, json};

use super::{AsOf, blocking};
use crate::auth::Credentials;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Snapshot};

/// Whether the server is up.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, description = "The server is up")))]
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The organisations administering the units he was assigned to by the
/// day, or units above them.
fn administrations(snapshot: &Snapshot, file: &PersonFile, day: NaiveDate) -> Vec<String> {
    let world = snapshot.world();
    let mut organisations = BTreeSet::new();
    for assignment in file.assignments.iter().filter(|assignment| assignment.from <= day) {
        for unit in world.tree.ancestors_or_self(&assignment.unit) {
            if let Some(administration) =
                world.units.get(unit).and_then(|unit| unit.administration.clone())
            {
                organisations.insert(administration);
            }
        }
    }
    organisations.into_iter().collect()
}

/// A person that does not exist, as the policies see him: administered by
/// nobody, on nobody's list.
pub fn absent_person(id: &str) -> Resource {
    Resource::Person { id: id.to_string(), administrations: Vec::new(), lists: Vec::new() }
}

/// What of a person the caller is shown: the fields of his role, and for
/// a unit administration, the history of its own units only.
pub fn person_cut(
    snapshot: &Snapshot,
    caller: &crate::auth::Caller,
    file: &PersonFile,
    day: NaiveDate,
) -> muster_access::PersonCut {
    let world = snapshot.world();
    let organisation = &caller.principal.organisation;
    let assignments = file
        .assignments
        .iter()
        .filter(|assignment| assignment.from <= day)
        .map(|assignment| muster_access::Assignment {
            unit: assignment.unit.clone(),
            from: assignment.from,
            to: assignment.to,
            administered: world.tree.ancestors_or_self(&assignment.unit).any(|unit| {
                world.units.get(unit).and_then(|unit| unit.administration.as_ref())
                    == Some(organisation)
            }),
        })
        .collect();
    muster_access::PersonCut::new(caller.principal.role, assignments)
}

/// A person as the policies see him: who administers him, whose lists he
/// is on.
pub fn person_resource(snapshot: &Snapshot, file: &PersonFile, day: NaiveDate) -> Resource {
    Resource::Person {
        id: file.person.id.clone(),
        administrations: administrations(snapshot, file, day),
        lists: snapshot.list_owners(&file.person.id, day),
    }
}

/// A person's record, history and status on a day, cut to what the
/// caller's role may see.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}",
    params(("id" = String, Path, description = "The person's id"), AsOf),
    responses(
        (status = 200, description = "The person"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn person(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = state.snapshot(&store)?;
        let world = snapshot.world();
        let Some(file) = world.person(&id) else {
            let message = format!("no person `{id}`");
            return Err(caller.absent(&state, &mut store, Action::ReadPerson, &absent_person(&id), message));
        };
        let resource = person_resource(&snapshot, file, day);
        caller.require(&state, &mut store, Action::ReadPerson, &resource)?;
        let chain = muster_orders::discharge(world, snapshot.book(), file, day);
        let person = &file.person;
        let mut value = json!({
            "id": person.id,
            "name": person.name,
            "born": person.born,
            "sex": person.sex.as_str(),
            "home_province": person.home_province,
            "home_county": person.home_county,
            "branch": person.branch.map(|branch| branch.as_str()),
            "rank": person.rank,
            "specialty": person.specialty,
            "enlisted": person.enlisted,
            "term_end": file.term_end(),
            "discharge_cycle": file.discharge_cycle(&world.calendar).map(|cycle| cycle.to_string()),
            "discharge_date": chain.date(),
            "status": file.status_on(day, chain.date()).as_str(),
            "as_of": day,
            "service": file.assignments.iter().filter(|assignment| assignment.from <= day).map(|assignment| json!({
                "unit": assignment.unit, "from": assignment.from, "to": assignment.to,
            })).collect::<Vec<_>>(),
            "deployments": file.deployment_periods(&world.tree).iter().filter(|period| period.from <= day).map(|period| json!({
                "site": period.deployment.site, "from": period.from, "to": period.to,
            })).collect::<Vec<_>>(),
            "events": file.events_by(day).map(|event| json!({
                "date": event.date, "kind": event.kind.as_str(), "detail": event.detail,
            })).collect::<Vec<_>>(),
        });
        muster_access::minimise_person(&person_cut(&snapshot, &caller, file, day), &mut value);
        Ok(Json(value))
    })
    .await
}

/// The units: the tree, with each unit's branch, tags and administration.
#[utoipa::path(
    get,
    path = "/api/v1/units",
    responses((status = 200, description = "The units"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn units(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        caller.require(&state, &mut store, Action::ReadRecords, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let mut units: Vec<_> = snapshot.world().units.values().collect();
        units.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Json(json!({"units": units})))
    })
    .await
}

/// The sites, with their campaigns.
#[utoipa::path(
    get,
    path = "/api/v1/sites",
    responses((status = 200, description = "The sites"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn sites(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        caller.require(&state, &mut store, Action::ReadRecords, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let world = snapshot.world();
        let sites: Vec<Value> = world
            .sites
            .iter()
            .map(|site| {
                json!({
                    "id": site.id, "name": site.name, "province": site.province, "kind": site.kind,
                    "campaigns": world.campaigns.iter().filter(|campaign| campaign.site == site.id).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(Json(json!({"sites": sites})))
    })
    .await
}
