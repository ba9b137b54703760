//! The audit log and its verification.

use crate::extract::Query;
use axum::Json;
use axum::extract::State;
use muster_access::{Action, Resource};
use muster_store::Store;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::{blocking, parse_day};
use crate::auth::Credentials;
use crate::error::{ApiError, ErrorBody};
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
    responses((status = 200, description = "The audit log"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn log(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<LogParams>,
) -> Result<Json<Value>, ApiError> {
    let since = params.since.as_deref().map(|text| parse_day(text, "since")).transpose()?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        caller.require(&state, &mut store, Action::ReadAudit, &Resource::Store)?;
        let since = since.map(|day| day.to_string());
        let entries: Vec<Value> = store
            .audit_log()?
            .into_iter()
            .filter(|entry| {
                since.as_ref().is_none_or(|since| entry.recorded_at.get(..10) >= Some(since))
            })
            .filter(|entry| params.actor.as_ref().is_none_or(|actor| entry.actor == *actor))
            .map(|entry| {
                json!({
                    "seq": entry.seq, "act": entry.act, "recorded_at": entry.recorded_at,
                    "actor": entry.actor, "kind": entry.kind, "valid_on": entry.valid_on,
                    "summary": entry.summary, "previous": entry.previous, "hash": entry.hash,
                })
            })
            .collect();
        Ok(Json(json!({"entries": entries})))
    })
    .await
}

/// The result of verifying the audit log.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    responses((status = 200, description = "Whether the audit log is intact"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn verify(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        caller.require(&state, &mut store, Action::ReadAudit, &Resource::Store)?;
        Ok(Json(match store.audit_verify()? {
            None => json!({"intact": true}),
            Some(problem) => {
                json!({"intact": false, "entry": problem.seq, "problem": problem.problem})
            }
        }))
    })
    .await
}
