//! Who calls, and whether he may.
//!
//! A program names itself with an API token (`Authorization: Bearer
//! TOKEN`); the console with the session cookie set at login, and for any
//! change also the session's CSRF token in the `X-CSRF-Token` header.

use std::net::{IpAddr, SocketAddr};

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use muster_access::{Action, Principal, Resource};
use muster_core::Role;
use muster_store::{Store, StoredUser};
use serde_json::json;

use crate::error::ApiError;
use crate::limits;
use crate::state::{AppState, Session};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "muster_session";

/// The header that carries the CSRF token of a session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The caller of a request, once his credentials are resolved.
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
}

/// The value of a cookie in a request.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// Who a request says it comes from: a token or a session, checked
/// against the store by [`Credentials::resolve`] on the request's blocking
/// thread, with the rest of its work.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// The SHA-256 of an API token.
    Token(String),
    /// A live session, with its cookie.
    Session { cookie: String, session: Session },
}

impl FromRequestParts<AppState> for Credentials {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Credentials, ApiError> {
        if let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let token =
                header.to_str().ok().and_then(|value| value.strip_prefix("Bearer ")).ok_or_else(
                    || ApiError::unauthorized("the `Authorization` header must be `Bearer TOKEN`"),
                )?;
            return Ok(Credentials::Token(muster_access::token_sha256(token.trim())));
        }
        let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthorized(
                "no `Authorization: Bearer TOKEN` header and no session: make a token with `muster user token NAME`, or log in at /api/v1/session",
            ));
        };
        let session = state.session(&cookie).ok_or_else(|| {
            ApiError::unauthorized("the session is over: log in again at /api/v1/session")
        })?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            check_csrf(&parts.headers, &session)?;
        }
        Ok(Credentials::Session { cookie, session })
    }
}

/// Requires a request made with a session cookie to carry the session's
/// CSRF token in `X-CSRF-Token`.
pub fn check_csrf(headers: &axum::http::HeaderMap, session: &Session) -> Result<(), ApiError> {
    let sent = headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok());
    if sent != Some(session.csrf.as_str()) {
        return Err(ApiError::forbidden(
            "a change made with a session cookie must send the session's CSRF token in `X-CSRF-Token`",
        ));
    }
    Ok(())
}

impl Credentials {
    /// The caller, resolved on a connection of the pool given back at once
    /// (for an act that takes its own connection when its turn comes).
    pub fn caller(&self, state: &AppState) -> Result<Caller, ApiError> {
        let store = state.store()?;
        self.resolve(state, &*store)
    }

    /// The caller these credentials name, if he may still act. A token seen
    /// since the last act on the accounts is not looked up again: any such
    /// act (a user added, changed, disabled or reset, a token made, here or
    /// by another process on the store) forgets it.
    pub fn resolve(&self, state: &AppState, store: &dyn Store) -> Result<Caller, ApiError> {
        match self {
            Credentials::Token(hash) => {
                let last_act = store.last_account_act()?;
                if let Some(caller) = state.caller(last_act, hash) {
                    return Ok(caller);
                }
                let Some(owner) = store.token(hash)? else {
                    return Err(ApiError::unauthorized("the token is not known"));
                };
                let caller = caller_of(user_named(store, &owner.user)?)?;
                state.remember_caller(last_act, hash, &caller);
                Ok(caller)
            }
            Credentials::Session { cookie, session } => {
                session_caller(state, store, cookie, session)
            }
        }
    }
}

/// The caller of a session, if his account is still the version that
/// logged in: any later version (disabled, reset, a new role or
/// organisation, written here or by `muster user` in another process)
/// ends the session.
pub fn session_caller(
    state: &AppState,
    store: &dyn Store,
    cookie: &str,
    session: &Session,
) -> Result<Caller, ApiError> {
    let user = store.users()?.into_iter().find(|user| user.name == session.user);
    match user {
        Some(user) if !user.disabled && user.changed.id.0 == session.account => caller_of(user),
        _ => {
            state.end_session(cookie);
            Err(ApiError::unauthorized(
                "the session is over: the account has changed since it logged in; log in again",
            ))
        }
    }
}

/// The address a request comes from: the peer's, or behind a TLS proxy
/// (`--behind-tls-proxy`) the last address the proxy added to
/// `X-Forwarded-For`. `None` when the server is not told (a test without a
/// socket).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddress, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        if !state.settings().behind_tls_proxy {
            return Ok(ClientAddress(peer));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|address| address.trim().parse::<IpAddr>().ok())
            .next_back();
        Ok(ClientAddress(forwarded.or(peer)))
    }
}

/// The user of a name, if he may still act.
fn user_named(store: &dyn Store, name: &str) -> Result<StoredUser, ApiError> {
    let user = store
        .users()?
        .into_iter()
        .find(|user| user.name == name)
        .ok_or_else(|| ApiError::unauthorized(format!("user `{name}` is gone")))?;
    if user.disabled {
        return Err(ApiError::unauthorized(format!("user `{}` is disabled", user.name)));
    }
    Ok(user)
}

/// The caller a user is.
pub fn caller_of(user: StoredUser) -> Result<Caller, ApiError> {
    let role: Role = user.role.parse().map_err(|_| {
        ApiError::unauthorized(format!("user `{}` has an unknown role `{}`", user.name, user.role))
    })?;
    Ok(Caller { principal: Principal { name: user.name, organisation: user.organisation, role } })
}

impl Caller {
    /// Whether the policies allow him the action on the resource.
    pub fn may(&self, state: &AppState, action: Action, resource: &Resource) -> bool {
        state.policies().is_allowed(&self.principal, action, resource)
    }

    /// Requires the policies to allow him the action on the resource; a
    /// refusal is recorded on the audit log (with what was asked about cut
    /// short: it may hold what a caller wrote).
    pub fn require(
        &self,
        state: &AppState,
        store: &mut dyn Store,
        action: Action,
        resource: &Resource,
    ) -> Result<(), ApiError> {
        if self.may(state, action, resource) {
            return Ok(());
        }
        let what = limits::bounded(&format!("{resource:?}"), 512);
        store.record_event(
            &self.actor(),
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

    /// The answer to a request about something that does not exist, alike
    /// to the answer about something the caller may not see: a 403 (on the
    /// audit log) unless the policies let him do the action on any such
    /// resource (`absent`, the resource as it would be if it existed with
    /// nothing that makes it his), and only then a 404 with `message`. So
    /// ids cannot be told apart by asking for them.
    pub fn absent(
        &self,
        state: &AppState,
        store: &mut dyn Store,
        action: Action,
        absent: &Resource,
        message: String,
    ) -> ApiError {
        match self.require(state, store, action, absent) {
            Ok(()) => ApiError::not_found(message),
            Err(error) => error,
        }
    }

    /// How his acts are recorded.
    pub fn actor(&self) -> String {
        format!("user:{}", self.principal.name)
    }
}
