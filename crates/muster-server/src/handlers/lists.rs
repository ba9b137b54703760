//! Lists of candidates: the lists a caller may read, one list's entries,
//! and create, add, remove, re-check.

use crate::extract::{Json as JsonBody, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use muster_access::{Action, Resource};
use muster_cel::Budget;
use muster_orders::{Entry, EntryChange};
use muster_store::NewList;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::{AsOf, blocking, day_or_today};
use crate::auth::{Caller, Credentials};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

fn entry_json(entry: &Entry) -> Value {
    json!({"person": entry.person, "status": entry.status, "reasons": entry.reasons})
}

/// The lists the caller may read, created by the day.
#[utoipa::path(
    get,
    path = "/api/v1/lists",
    params(AsOf),
    responses((status = 200, description = "The lists"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn lists(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = state.snapshot(&store)?;
        let lists: Vec<Value> = snapshot
            .lists
            .iter()
            .filter(|list| list.list.created_on <= day)
            .filter(|list| caller.may(&state, Action::ReadList, &list.resource()))
            .map(|list| {
                let active = muster_orders::members(&list.changes, day)
                    .into_iter()
                    .filter(|(_, _, active)| *active)
                    .count();
                json!({
                    "id": list.list.id,
                    "kind": list.list.kind,
                    "owner": list.list.owner,
                    "title": list.stored.title,
                    "quota": list.stored.quota,
                    "created_on": list.list.created_on,
                    "entries": active,
                })
            })
            .collect();
        Ok(Json(json!({"as_of": day, "lists": lists})))
    })
    .await
}

/// Which entries of a list to show.
#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// `YYYY-MM-DD`; default today.
    as_of: Option<String>,
    /// Only entries of this status: eligible, excluded, flagged or removed.
    status: Option<String>,
    /// Skip this many entries (in the order they were first nominated).
    offset: Option<usize>,
    /// At most this many entries (default 1000, at most 100000).
    limit: Option<usize>,
}

/// The most entries one page holds.
const MAX_PAGE: usize = 100_000;

/// A list's entries on a day, with their statuses and reasons (the shape of
/// `muster list show --format json`, with `total`, `offset` and `limit`).
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
pub async fn list(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let day = day_or_today(query.as_of.as_deref(), "as_of")?;
    let wanted = match query.status.as_deref() {
        None => None,
        Some(word) => Some(muster_service::lists::entry_status(word)?),
    };
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(1000);
    if limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "`limit={limit}`: a page holds at most {MAX_PAGE} entries"
        )));
    }
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = state.snapshot(&store)?;
        let Some(position) = snapshot.list_position(&id) else {
            return Err(ApiError::not_found(format!("no list `{id}`")));
        };
        let list = &snapshot.lists[position];
        caller.require(&state, &mut store, Action::ReadList, &list.resource())?;
        if list.list.created_on > day {
            return Err(ApiError::not_found(format!(
                "list `{id}` was created on {}, after {day}",
                list.list.created_on
            )));
        }
        let loaded = &snapshot.loaded;
        let (total, entries) = match wanted {
            Some(status) => match snapshot.engine() {
                // Every entry is screened to find those of the status: ask
                // the engine, then build only the page.
                Some(engine) => {
                    let members = engine.list_members(&list.changes, day);
                    let budget = Budget::unlimited();
                    let statuses = engine
                        .list_statuses(&loaded.book, &list.list.kind, &members, day, &budget)
                        .map_err(muster_service::ServiceError::from)?;
                    let matching: Vec<_> =
                        statuses.entries().filter(|entry| entry.status == status).collect();
                    let page: Vec<Entry> = matching
                        .iter()
                        .skip(offset)
                        .take(limit)
                        .map(|entry| Entry {
                            person: engine.person_id(entry.person).to_string(),
                            nominated_on: entry.nominated_on,
                            status: entry.status,
                            reasons: statuses.reasons(entry),
                            screening: None,
                        })
                        .collect();
                    (matching.len(), page)
                }
                None => {
                    let entries: Vec<Entry> = muster_orders::entries(
                        &loaded.world,
                        &loaded.book,
                        &list.list,
                        &list.changes,
                        day,
                    )
                    .into_iter()
                    .filter(|entry| entry.status == status)
                    .collect();
                    let total = entries.len();
                    (total, entries.into_iter().skip(offset).take(limit).collect::<Vec<_>>())
                }
            },
            None => {
                // An entry depends only on its own person's changes: screen
                // the page, not the list.
                let members = snapshot.members(position, day);
                let changes: Vec<EntryChange> = members
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .flat_map(|(person, _, _)| snapshot.own_changes(person, position))
                    .cloned()
                    .collect();
                let entries =
                    muster_orders::entries(&loaded.world, &loaded.book, &list.list, &changes, day);
                (members.len(), entries)
            }
        };
        Ok(Json(json!({
            "list": list.list.id,
            "kind": list.list.kind,
            "owner": list.list.owner,
            "title": list.stored.title,
            "quota": list.stored.quota,
            "as_of": day,
            "total": total,
            "offset": offset,
            "limit": limit,
            "entries": entries.iter().map(entry_json).collect::<Vec<_>>(),
        })))
    })
    .await
}

/// A new list.
#[derive(Deserialize, ToSchema)]
pub struct NewListBody {
    pub id: String,
    /// The kind of list orders govern, such as `overseas-posting`.
    pub kind: String,
    /// The owning organisation; default the caller's.
    pub owner: Option<String>,
    #[serde(default)]
    pub title: String,
    pub quota: Option<u32>,
    /// The day it is created, `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Creates a list.
#[utoipa::path(
    post,
    path = "/api/v1/lists",
    request_body = NewListBody,
    responses(
        (status = 201, description = "Created"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(body): JsonBody<NewListBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let owner = body.owner.unwrap_or_else(|| caller.principal.organisation.clone());
        let resource =
            Resource::List { id: body.id.clone(), owner: owner.clone(), kind: body.kind.clone() };
        caller.require(&state, &mut store, Action::CreateList, &resource)?;
        let list = NewList {
            id: body.id.clone(),
            kind: body.kind.clone(),
            owner: owner.clone(),
            title: body.title,
            quota: body.quota,
        };
        muster_service::lists::create(&mut store, list, day, &caller.actor())?;
        Ok((
            StatusCode::CREATED,
            Json(json!({"list": body.id, "kind": body.kind, "owner": owner, "created_on": day})),
        ))
    })
    .await
}

/// Whom to add to a list.
#[derive(Deserialize, ToSchema)]
pub struct Additions {
    /// Person ids.
    #[serde(default)]
    pub persons: Vec<String>,
    /// A condition on `person`: everyone it holds for on the day is added.
    #[serde(rename = "where")]
    pub condition: Option<String>,
    /// The day they are nominated, `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// The list a change is made to, once the caller may change it.
fn changed_list(
    state: &AppState,
    caller: &Caller,
    store: &mut muster_store::SqliteStore,
    id: &str,
) -> Result<std::sync::Arc<crate::state::Snapshot>, ApiError> {
    let snapshot = state.snapshot(store)?;
    let Some(list) = snapshot.list(id) else {
        return Err(ApiError::not_found(format!("no list `{id}`")));
    };
    caller.require(state, store, Action::ChangeList, &list.resource())?;
    Ok(snapshot)
}

/// Adds people to a list, by id or by condition; returns the added entries
/// as screened on the day.
#[utoipa::path(
    post,
    path = "/api/v1/lists/{id}/entries",
    params(("id" = String, Path, description = "The list's id")),
    request_body = Additions,
    responses(
        (status = 200, description = "Added"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn add(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Additions>,
) -> Result<Json<Value>, ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    if body.persons.is_empty() && body.condition.is_none() {
        return Err(ApiError::bad_request("name `persons` to add, or a `where` condition"));
    }
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = changed_list(&state, &caller, &mut store, &id)?;
        let wanted = muster_service::lists::Wanted {
            persons: body.persons,
            condition: body.condition.as_deref(),
        };
        let added = muster_service::lists::add(
            &mut store,
            &snapshot.loaded,
            &id,
            wanted,
            day,
            &caller.actor(),
            &|_, _| {},
        )?;
        Ok(Json(json!({
            "list": id,
            "as_of": day,
            "added": added.added.len(),
            "failed_to_evaluate": added.failed,
            "entries": added.entries.iter().map(entry_json).collect::<Vec<_>>(),
        })))
    })
    .await
}

/// Removes a person from a list on a day.
#[utoipa::path(
    delete,
    path = "/api/v1/lists/{id}/entries/{person}",
    params(("id" = String, Path, description = "The list's id"), ("person" = String, Path, description = "The person's id"), AsOf),
    responses(
        (status = 200, description = "Removed"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    credentials: Credentials,
    Path((id, person)): Path<(String, String)>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        changed_list(&state, &caller, &mut store, &id)?;
        muster_service::lists::remove(
            &mut store,
            &id,
            std::slice::from_ref(&person),
            day,
            &caller.actor(),
        )?;
        Ok(Json(json!({"list": id, "removed": person, "as_of": day})))
    })
    .await
}

/// The day of an act.
#[derive(Deserialize, ToSchema)]
pub struct ActDay {
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Re-checks a list against the orders in force: its entries, and a notice
/// to its owner of those flagged.
#[utoipa::path(
    post,
    path = "/api/v1/lists/{id}/recheck",
    params(("id" = String, Path, description = "The list's id")),
    request_body = ActDay,
    responses(
        (status = 200, description = "The entries, re-checked"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn recheck(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ActDay>,
) -> Result<Json<Value>, ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = changed_list(&state, &caller, &mut store, &id)?;
        let entries = muster_service::lists::recheck(
            &mut store,
            &snapshot.loaded,
            &id,
            day,
            &caller.actor(),
        )?;
        let flagged = entries
            .iter()
            .filter(|entry| entry.status == muster_orders::EntryStatus::Flagged)
            .count();
        Ok(Json(json!({
            "list": id,
            "as_of": day,
            "flagged": flagged,
            "entries": entries.iter().map(entry_json).collect::<Vec<_>>(),
        })))
    })
    .await
}
