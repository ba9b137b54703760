//! Lists of candidates: the lists a caller may read, one list's entries,
//! and create, add, remove, re-check.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use muster_access::{Action, Resource};
use muster_service::lists::Query as ListQuery;
use muster_service::views;
use muster_store::NewList;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{AsOf, blocking, day_or_today};
use crate::auth::Credentials;
use crate::context::Context;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::limits;
use crate::state::AppState;

/// The lists the caller may read, created by the day, with their sizes.
#[utoipa::path(
    get,
    path = "/api/v1/lists",
    params(AsOf),
    responses((status = 200, body = views::Lists, description = "The lists"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")),
    security(("token" = []))
)]
pub async fn lists(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(as_of): Query<AsOf>,
) -> Result<Json<views::Lists>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let context = Context::open(&state, &credentials)?;
        let readable = |list: &muster_service::ListRecord| {
            context.may(Action::ReadList, &Context::list_resource(list))
        };
        let budget = &context.budget;
        Ok(Json(muster_service::lists::summaries(&context.army, day, false, &readable, budget)?))
    })
    .await
}

/// Which entries of a list to show.
#[derive(Deserialize, IntoParams)]
pub struct PageParams {
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

/// A list's entries on a day, with their statuses and reasons, a page at a
/// time (the shape of `muster list show --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/lists/{id}",
    params(("id" = String, Path, description = "The list's id"), PageParams),
    responses(
        (status = 200, body = views::ListPage, description = "The list"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not a list the caller may read, or no such list to a caller who may not read every list"),
        (status = 404, body = ErrorBody, description = "No such list"), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<views::ListPage>, ApiError> {
    let day = day_or_today(params.as_of.as_deref(), "as_of")?;
    let status = params.status.as_deref().map(muster_service::lists::entry_status).transpose()?;
    let limit = params.limit.unwrap_or(1000);
    if limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "`limit={limit}`: a page holds at most {MAX_PAGE} entries"
        )));
    }
    let query = ListQuery { day, status, offset: params.offset.unwrap_or(0), limit: Some(limit) };
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require_list(Action::ReadList, &id)?;
        Ok(Json(muster_service::lists::show(&context.army, &id, &query, &context.budget)?))
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
        (status = 201, body = views::ListSummary, description = "Created"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody, description = "The body is too large")
    ),
    security(("token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(body): JsonBody<NewListBody>,
) -> Result<(StatusCode, Json<views::ListSummary>), ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    limits::check_id("a list id", &body.id)?;
    limits::check_id("a list kind", &body.kind)?;
    limits::check_chars("title", &body.title, limits::MAX_TITLE)?;
    if let Some(owner) = &body.owner {
        limits::check_id("an organisation id", owner)?;
    }
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        let owner = body.owner.unwrap_or_else(|| context.caller.principal.organisation.clone());
        let resource =
            Resource::List { id: body.id.clone(), owner: owner.clone(), kind: body.kind.clone() };
        context.require(Action::CreateList, &resource)?;
        let list = NewList {
            id: body.id.clone(),
            kind: body.kind.clone(),
            owner: owner.clone(),
            title: body.title.clone(),
            quota: body.quota,
        };
        let actor = context.actor();
        muster_service::lists::create(context.store_mut(), list, day, &actor)?;
        Ok((
            StatusCode::CREATED,
            Json(views::ListSummary {
                id: body.id,
                kind: body.kind,
                owner,
                title: body.title,
                quota: body.quota,
                created_on: day,
                entries: 0,
                flagged: None,
            }),
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
    /// It may read only what the caller may see of a person.
    #[serde(rename = "where")]
    pub condition: Option<String>,
    /// The day they are nominated, `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Adds people to a list, by id or by condition; returns the added entries
/// as screened on the day.
#[utoipa::path(
    post,
    path = "/api/v1/lists/{id}/entries",
    params(("id" = String, Path, description = "The list's id")),
    request_body = Additions,
    responses(
        (status = 200, body = views::Added, description = "Added"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody, description = "The body is too large"),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn add(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Additions>,
) -> Result<Json<views::Added>, ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    if body.persons.is_empty() && body.condition.is_none() {
        return Err(ApiError::bad_request("name `persons` to add, or a `where` condition"));
    }
    limits::check_ids("a person id", &body.persons)?;
    if let Some(condition) = &body.condition {
        limits::check_bytes("where", condition, limits::MAX_CONDITION)?;
    }
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require_list(Action::ChangeList, &id)?;
        let readable = context.readable();
        let budget = std::sync::Arc::clone(&context.budget);
        let wanted = muster_service::lists::Wanted {
            persons: body.persons,
            condition: body.condition.as_deref(),
            readable: &readable,
            budget: &budget,
        };
        let actor = context.actor();
        let (store, army) = context.store_and_army();
        let mut added = muster_service::lists::add(store, army, &id, wanted, day, &actor)?;
        if context.person_fields().is_some() {
            added.failed = None;
        }
        Ok(Json(added))
    })
    .await
}

/// Removes a person from a list on a day.
#[utoipa::path(
    delete,
    path = "/api/v1/lists/{id}/entries/{person}",
    params(("id" = String, Path, description = "The list's id"), ("person" = String, Path, description = "The person's id"), AsOf),
    responses(
        (status = 200, body = views::Removed, description = "Removed"),
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
) -> Result<Json<views::Removed>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require_list(Action::ChangeList, &id)?;
        let actor = context.actor();
        let (store, army) = context.store_and_army();
        let persons = vec![person];
        muster_service::lists::remove(store, army, &id, &persons, day, &actor)?;
        Ok(Json(views::Removed { list: id, removed: persons, as_of: day }))
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
        (status = 200, body = views::ListPage, description = "The entries, re-checked"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody, description = "The body is too large"), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn recheck(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ActDay>,
) -> Result<Json<views::ListPage>, ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require_list(Action::ChangeList, &id)?;
        let budget = std::sync::Arc::clone(&context.budget);
        let actor = context.actor();
        let (store, army) = context.store_and_army();
        Ok(Json(muster_service::lists::recheck(store, army, &id, day, &actor, &budget)?))
    })
    .await
}
