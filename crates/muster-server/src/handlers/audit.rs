//! The audit log and its verification.

use axum::Json;
use axum::extract::State;
use muster_access::{Action, Resource};
use muster_service::{checkpoint, views};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{blocking, parse_day};
use crate::auth::Credentials;
use crate::context::Context;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
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

/// The log's signed checkpoint: its size, its Merkle root, and the signed
/// note to keep elsewhere (the shape of `muster audit checkpoint --format
/// json`).
#[utoipa::path(
    get,
    path = "/api/v1/audit/checkpoint",
    responses((status = 200, body = checkpoint::CheckpointView, description = "The checkpoint"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn checkpoint(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<checkpoint::CheckpointView>, ApiError> {
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadAudit, &Resource::Store)?;
        let key = state.signing_key()?;
        Ok(Json(checkpoint::checkpoint(context.store(), &key)?))
    })
    .await
}

/// The tree an inclusion proof is in.
#[derive(Deserialize, IntoParams)]
pub struct ProofParams {
    /// The tree's size (default: the log as it stands).
    size: Option<u64>,
}

/// The inclusion proof of an act's entry in the log's Merkle tree (RFC
/// 9162's audit path; the shape of `muster audit prove --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/audit/proof/{act}",
    params(("act" = i64, Path, description = "The act's number"), ProofParams),
    responses(
        (status = 200, body = checkpoint::InclusionView, description = "The proof"),
        (status = 400, body = ErrorBody, description = "The act is not in a tree of that size"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such act on the log")
    ),
    security(("token" = []))
)]
pub async fn proof(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(act): Path<i64>,
    Query(params): Query<ProofParams>,
) -> Result<Json<checkpoint::InclusionView>, ApiError> {
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadAudit, &Resource::Store)?;
        Ok(Json(checkpoint::prove(context.store(), act, params.size)?))
    })
    .await
}

/// The two sizes of a consistency proof.
#[derive(Deserialize, IntoParams)]
pub struct ConsistencyParams {
    /// The smaller tree's size.
    from: u64,
    /// The larger tree's size (default: the log as it stands).
    to: Option<u64>,
}

/// The consistency proof between two sizes of the log (RFC 9162): that the
/// log of `to` entries extends the log of `from`.
#[utoipa::path(
    get,
    path = "/api/v1/audit/consistency",
    params(ConsistencyParams),
    responses(
        (status = 200, body = checkpoint::ConsistencyView, description = "The proof"),
        (status = 400, body = ErrorBody, description = "No such sizes"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn consistency(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<ConsistencyParams>,
) -> Result<Json<checkpoint::ConsistencyView>, ApiError> {
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadAudit, &Resource::Store)?;
        let store = context.store();
        let to = match params.to {
            Some(to) => to,
            None => store.audit_tree_size()?,
        };
        Ok(Json(checkpoint::consistency(store, params.from, to)?))
    })
    .await
}
