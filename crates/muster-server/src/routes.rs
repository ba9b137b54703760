//! The handlers and the route table.

use std::collections::{BTreeSet, HashMap};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_core::{Cycle, PersonFile};
use muster_orders::{EntryStatus, World};
use muster_store::{SqliteStore, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// One route of the API, for the documentation and the authorization
/// matrix: its method, path, and the action the policies decide (`None`
/// for the routes anyone may call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub action: Option<Action>,
}

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    Route { method: "GET", path: "/api/v1/health", action: None },
    Route { method: "GET", path: "/api/v1/openapi.json", action: None },
    Route { method: "GET", path: "/metrics", action: None },
    Route { method: "GET", path: "/api/v1/people/{id}", action: Some(Action::ReadPerson) },
    Route { method: "GET", path: "/api/v1/lists/{id}", action: Some(Action::ReadList) },
    Route { method: "GET", path: "/api/v1/orders", action: Some(Action::ReadOrders) },
    Route {
        method: "GET",
        path: "/api/v1/discharge/rosters/{cycle}",
        action: Some(Action::ReadRoster),
    },
    Route { method: "GET", path: "/api/v1/audit", action: Some(Action::ReadAudit) },
    Route { method: "GET", path: "/api/v1/audit/verify", action: Some(Action::ReadAudit) },
];

/// The OpenAPI document, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "muster", description = "The manpower of a conscript armed force, under the orders of its ministry"),
    paths(health, person, list, orders, roster, audit_log, audit_verify),
    components(schemas(ErrorBody)),
    modifiers(&BearerToken)
)]
pub struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The application: every route, on a state.
pub fn app(state: AppState) -> Router {
    let metrics = crate::metrics::Metrics::new();
    let rendered = metrics.clone();
    Router::new()
        .route("/metrics", get(move || async move { rendered.render() }))
        .route("/api/v1/health", get(health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/people/{id}", get(person))
        .route("/api/v1/lists/{id}", get(list))
        .route("/api/v1/orders", get(orders))
        .route("/api/v1/discharge/rosters/{cycle}", get(roster))
        .route("/api/v1/audit", get(audit_log))
        .route("/api/v1/audit/verify", get(audit_verify))
        .fallback(|| async {
            ApiError::not_found("no such route: the routes are listed at /api/v1/openapi.json")
        })
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(metrics, crate::metrics::track))
}

/// The day a read is made as of.
#[derive(Deserialize, IntoParams)]
pub struct AsOf {
    /// `YYYY-MM-DD`; default today.
    as_of: Option<String>,
}

impl AsOf {
    fn day(&self) -> Result<NaiveDate, ApiError> {
        match &self.as_of {
            None => Ok(chrono::Local::now().date_naive()),
            Some(text) => muster_core::parse_date(text).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`as_of={text}` is not a date of the form YYYY-MM-DD"
                ))
            }),
        }
    }
}

/// Whether the server is up.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, description = "The server is up")))]
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The organisations administering the units he was assigned to by the
/// day, or units above them.
fn administrations(world: &World, file: &PersonFile, day: NaiveDate) -> Vec<String> {
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

/// For each person on a list on the day, the owners of the lists he is on.
type ListOwners = HashMap<String, BTreeSet<String>>;

fn list_owners(store: &SqliteStore, day: NaiveDate) -> Result<ListOwners, ApiError> {
    let mut owners = ListOwners::new();
    for (list, changes) in muster_store::load::lists(store, day)? {
        for (person, _, active) in muster_orders::members(&changes, day) {
            if active {
                owners.entry(person).or_default().insert(list.owner.clone());
            }
        }
    }
    Ok(owners)
}

fn person_resource(
    world: &World,
    file: &PersonFile,
    day: NaiveDate,
    owners: &ListOwners,
) -> Resource {
    Resource::Person {
        id: file.person.id.clone(),
        administrations: administrations(world, file, day),
        lists: owners
            .get(&file.person.id)
            .map(|owners| owners.iter().cloned().collect())
            .unwrap_or_default(),
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
async fn person(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    let mut store = state.store()?;
    let snapshot = state.snapshot(&store)?;
    let world = &snapshot.world;
    let Some(file) = world.person(&id) else {
        return Err(ApiError::not_found(format!("no person `{id}`")));
    };
    let resource = person_resource(world, file, day, &list_owners(&store, day)?);
    caller.require(&state, &mut store, Action::ReadPerson, &resource)?;
    let chain = muster_orders::discharge(world, &snapshot.book, file, day);
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
        "events": file.events_by(day).map(|event| json!({
            "date": event.date, "kind": event.kind.as_str(), "detail": event.detail,
        })).collect::<Vec<_>>(),
    });
    muster_access::minimise_person(caller.principal.role, &mut value);
    Ok(Json(value))
}

/// Which entries of a list to show.
#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// `YYYY-MM-DD`; default today.
    as_of: Option<String>,
    /// Only entries of this status: eligible, excluded, flagged or removed.
    status: Option<String>,
}

/// A list's entries on a day, with their statuses and reasons (the shape of
/// `muster list show --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/lists/{id}",
    params(("id" = String, Path, description = "The list's id"), ListQuery),
    responses(
        (status = 200, description = "The list"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let day = AsOf { as_of: query.as_of.clone() }.day()?;
    let wanted = match query.status.as_deref() {
        None => None,
        Some("eligible") => Some(EntryStatus::Eligible),
        Some("excluded") => Some(EntryStatus::Excluded),
        Some("flagged") => Some(EntryStatus::Flagged),
        Some("removed") => Some(EntryStatus::Removed),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`status={other}` is not an entry status: eligible, excluded, flagged or removed"
            )));
        }
    };
    let mut store = state.store()?;
    let Some(stored) = store.list(&id)? else {
        return Err(ApiError::not_found(format!("no list `{id}`")));
    };
    let resource = Resource::List {
        id: stored.id.clone(),
        owner: stored.owner.clone(),
        kind: stored.kind.clone(),
    };
    caller.require(&state, &mut store, Action::ReadList, &resource)?;
    if stored.act.valid_on > day {
        return Err(ApiError::not_found(format!(
            "list `{id}` was created on {}, after {day}",
            stored.act.valid_on
        )));
    }
    let snapshot = state.snapshot(&store)?;
    let changes = muster_store::load::list_changes(&store, &id)?;
    let list = muster_store::load::list(&stored);
    let entries = muster_orders::entries(&snapshot.world, &snapshot.book, &list, &changes, day);
    Ok(Json(json!({
        "list": list.id,
        "kind": list.kind,
        "owner": list.owner,
        "as_of": day,
        "entries": entries
            .iter()
            .filter(|entry| wanted.is_none_or(|status| entry.status == status))
            .map(|entry| json!({"person": entry.person, "status": entry.status, "reasons": entry.reasons}))
            .collect::<Vec<_>>(),
    })))
}

/// The orders issued by a day.
#[utoipa::path(
    get,
    path = "/api/v1/orders",
    params(AsOf),
    responses((status = 200, description = "The orders"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
async fn orders(
    State(state): State<AppState>,
    caller: Caller,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    let mut store = state.store()?;
    caller.require(&state, &mut store, Action::ReadOrders, &Resource::Store)?;
    let snapshot = state.snapshot(&store)?;
    let orders: Vec<Value> = snapshot
        .book
        .issued_by(day)
        .map(|issued| {
            json!({
                "id": issued.order.id,
                "title": issued.order.title,
                "issued_by": issued.order.issued_by,
                "issued_on": issued.issued_on,
                "effective_from": issued.order.effective_from,
                "effective_until": issued.order.effective_until,
                "in_force": snapshot.book.in_force(issued, day, day),
                "override": issued.overridden,
            })
        })
        .collect();
    Ok(Json(json!({"as_of": day, "orders": orders})))
}

/// The discharge roster of a cycle (the shape of `muster discharge roster
/// --format json`); a unit administration sees only its own people.
#[utoipa::path(
    get,
    path = "/api/v1/discharge/rosters/{cycle}",
    params(("cycle" = String, Path, description = "`YYYY-spring` or `YYYY-autumn`"), AsOf),
    responses(
        (status = 200, description = "The roster"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)
    ),
    security(("token" = []))
)]
async fn roster(
    State(state): State<AppState>,
    caller: Caller,
    Path(cycle): Path<String>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    let cycle: Cycle = cycle.parse().map_err(|error| ApiError::bad_request(format!("{error}")))?;
    let mut store = state.store()?;
    caller.require(&state, &mut store, Action::ReadRoster, &Resource::Store)?;
    let snapshot = state.snapshot(&store)?;
    let roster = muster_orders::roster(&snapshot.world, &snapshot.book, cycle, day);
    let owners = list_owners(&store, day)?;
    let mut entries = Vec::new();
    for entry in roster.entries {
        let Some(file) = snapshot.world.person(&entry.person) else { continue };
        let resource = person_resource(&snapshot.world, file, day, &owners);
        if caller.may(&state, Action::ReadPerson, &resource) {
            entries.push(entry);
        }
    }
    Ok(Json(json!({"cycle": roster.cycle, "date": roster.date, "as_of": day, "entries": entries})))
}

/// The audit log.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    responses((status = 200, description = "The audit log"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
async fn audit_log(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let mut store = state.store()?;
    caller.require(&state, &mut store, Action::ReadAudit, &Resource::Store)?;
    let entries: Vec<Value> = store
        .audit_log()?
        .into_iter()
        .map(|entry| {
            json!({
                "seq": entry.seq, "act": entry.act, "recorded_at": entry.recorded_at,
                "actor": entry.actor, "kind": entry.kind, "valid_on": entry.valid_on,
                "summary": entry.summary, "previous": entry.previous, "hash": entry.hash,
            })
        })
        .collect();
    Ok(Json(json!({"entries": entries})))
}

/// The result of verifying the audit log.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    responses((status = 200, description = "Whether the audit log is intact"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
async fn audit_verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let mut store = state.store()?;
    caller.require(&state, &mut store, Action::ReadAudit, &Resource::Store)?;
    Ok(Json(match store.audit_verify()? {
        None => json!({"intact": true}),
        Some(problem) => json!({"intact": false, "entry": problem.seq, "problem": problem.problem}),
    }))
}
