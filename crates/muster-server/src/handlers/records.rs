//! The records: health, people, units, sites.

use axum::Json;
use axum::extract::State;
use muster_access::{Action, Resource};
use muster_service::views;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AsOf, blocking};
use crate::auth::Credentials;
use crate::context::Context;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::state::AppState;

/// Whether the server is up.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// Whether the server is up.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Health, description = "The server is up")))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_string() })
}

/// A person's record, history and status on a day (the shape of `muster
/// person show --format json`), cut to what the caller's role may see.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}",
    params(("id" = String, Path, description = "The person's id"), AsOf),
    responses(
        (status = 200, body = views::Person, description = "The person"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not a person the caller may see, or no such person to a caller who may not see everyone"),
        (status = 404, body = ErrorBody, description = "No such person")
    ),
    security(("token" = []))
)]
pub async fn person(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<views::Person>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let context = Context::open(&state, &credentials)?;
        Ok(Json(context.person(Action::ReadPerson, &id, day)?))
    })
    .await
}

/// The units: the tree, with each unit's branch, tags and administration.
#[utoipa::path(
    get,
    path = "/api/v1/units",
    responses((status = 200, body = views::Units, description = "The units"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn units(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<views::Units>, ApiError> {
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadRecords, &Resource::Store)?;
        Ok(Json(muster_service::records::units(context.army.world())))
    })
    .await
}

/// The sites, with their campaigns.
#[utoipa::path(
    get,
    path = "/api/v1/sites",
    responses((status = 200, body = views::Sites, description = "The sites"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn sites(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<views::Sites>, ApiError> {
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadRecords, &Resource::Store)?;
        Ok(Json(muster_service::records::sites(context.army.world())))
    })
    .await
}
