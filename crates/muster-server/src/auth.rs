//! Who calls, and whether he may.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use muster_access::{Action, Principal, Resource};
use muster_core::Role;
use muster_store::{SqliteStore, Store};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller of a request, from his API token.
pub struct Caller {
    pub principal: Principal,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("no `Authorization: Bearer TOKEN` header: make a token with `muster user token NAME`"))?;
        let token =
            header.to_str().ok().and_then(|value| value.strip_prefix("Bearer ")).ok_or_else(
                || ApiError::unauthorized("the `Authorization` header must be `Bearer TOKEN`"),
            )?;
        let store = state.store()?;
        let Some(owner) = store.token(&muster_access::token_sha256(token.trim()))? else {
            return Err(ApiError::unauthorized("the token is not known"));
        };
        let user = store
            .users()?
            .into_iter()
            .find(|user| user.name == owner.user)
            .ok_or_else(|| ApiError::unauthorized("the token's user is gone"))?;
        if user.disabled {
            return Err(ApiError::unauthorized(format!("user `{}` is disabled", user.name)));
        }
        let role: Role = user.role.parse().map_err(|_| {
            ApiError::unauthorized(format!(
                "user `{}` has an unknown role `{}`",
                user.name, user.role
            ))
        })?;
        Ok(Caller {
            principal: Principal { name: user.name, organisation: user.organisation, role },
        })
    }
}

impl Caller {
    /// Whether the policies allow him the action on the resource.
    pub fn may(&self, state: &AppState, action: Action, resource: &Resource) -> bool {
        state.policies().is_allowed(&self.principal, action, resource)
    }

    /// Requires the policies to allow him the action on the resource; a
    /// refusal is recorded on the audit log.
    pub fn require(
        &self,
        state: &AppState,
        store: &mut SqliteStore,
        action: Action,
        resource: &Resource,
    ) -> Result<(), ApiError> {
        if self.may(state, action, resource) {
            return Ok(());
        }
        let what = format!("{resource:?}");
        store.record_event(
            &format!("user:{}", self.principal.name),
            "denied",
            &format!(
                "{} refused to {} ({})",
                self.principal.name,
                action.as_str(),
                self.principal.role
            ),
            &json!({"action": action.as_str(), "resource": what}).to_string(),
        )?;
        Err(ApiError::forbidden(format!(
            "a {} of {} may not {} this",
            self.principal.role,
            self.principal.organisation,
            action.as_str()
        )))
    }
}
