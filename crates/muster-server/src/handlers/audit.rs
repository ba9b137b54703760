//! The audit log and its verification.

use axum::Json;
use axum::extract::State;
use muster_access::{Action, Resource};
use muster_service::views;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{blocking, parse_day};
use crate::auth::Credentials;
use crate::context::Context;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::state::AppState;

/// Which entries of the log.
#[derive(Deserialize, IntoParams)]
pub struct LogParams {
    /// Only entries recorded on or after this day, `YYYY-MM-DD`.
    since: Option<String>,
    /// Only entries of this actor (`user:NAME`, `cli:NAME`).
    actor: Option<String>,
}

/// The audit log (the shape of `muster audit log --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    params(LogParams),
    responses((status = 200, body = views::AuditLog, description = "The audit log"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn log(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<LogParams>,
) -> Result<Json<views::AuditLog>, ApiError> {
    let since = params.since.as_deref().map(|text| parse_day(text, "since")).transpose()?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadAudit, &Resource::Store)?;
        let log =
            muster_service::records::audit_log(context.store(), since, params.actor.as_deref())?;
        Ok(Json(log))
    })
    .await
}

/// Whether the audit log is intact, and if not, the first problem.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    responses((status = 200, body = views::AuditVerdict, description = "Whether the audit log is intact"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn verify(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<views::AuditVerdict>, ApiError> {
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadAudit, &Resource::Store)?;
        Ok(Json(muster_service::records::audit_verify(context.store())?))
    })
    .await
}
