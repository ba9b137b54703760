//! Who calls, and whether he may.
//!
//! A program names itself with an API token (`Authorization: Bearer
//! TOKEN`); the console with the session cookie set at login, and for any
//! change also the session's CSRF token in the `X-CSRF-Token` header.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use muster_access::{Action, Principal, Resource};
use muster_core::Role;
use muster_store::{Store, StoredUser};
use serde_json::json;

use crate::error::ApiError;
use crate::state::{AppState, IDLE_TIMEOUT};

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
    /// The user of a live session.
    Session(String),
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
            let sent = parts.headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok());
            if sent != Some(session.csrf.as_str()) {
                return Err(ApiError::forbidden(
                    "a change made with a session cookie must send the session's CSRF token in `X-CSRF-Token`",
                ));
            }
        }
        Ok(Credentials::Session(session.user))
    }
}

impl Credentials {
    /// The caller these credentials name, if he may still act. A token seen
    /// since the last act is not looked up again: any act (disabling a
    /// user among them) forgets it.
    pub fn resolve(&self, state: &AppState, store: &dyn Store) -> Result<Caller, ApiError> {
        match self {
            Credentials::Token(hash) => {
                let last_act = store.last_act()?;
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
            Credentials::Session(user) => caller_of(user_named(store, user)?),
        }
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
    /// refusal is recorded on the audit log.
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
        let what = format!("{resource:?}");
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

    /// How his acts are recorded.
    pub fn actor(&self) -> String {
        format!("user:{}", self.principal.name)
    }
}

/// A user's name and password.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct Login {
    pub name: String,
    pub password: String,
}

/// The header that sets the session cookie (an empty value and no age
/// clear it). A session's value is a token of hex digits, always a valid
/// header.
fn session_cookie(value: &str, max_age: u64) -> HeaderMap {
    let cookie =
        format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}");
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.insert(header::SET_COOKIE, value);
    }
    headers
}

/// The header that hands a new session's cookie to the browser.
pub fn session_started(cookie: &str) -> HeaderMap {
    session_cookie(cookie, IDLE_TIMEOUT.as_secs())
}

/// Ends the session of the cookie a request sent, if any: the header that
/// clears the cookie.
pub fn log_out(state: &AppState, request: &HeaderMap) -> HeaderMap {
    if let Some(cookie) = crate::auth::cookie(request, SESSION_COOKIE) {
        state.end_session(&cookie);
    }
    session_cookie("", 0)
}

/// Checks a user's password and starts a session: the session cookie, and
/// the CSRF token every change must send back. Logins and failed logins are
/// on the audit log.
pub fn log_in(state: &AppState, login: &Login) -> Result<(Caller, String, String), ApiError> {
    let mut store = state.store()?;
    let user = store.users()?.into_iter().find(|user| user.name == login.name);
    let verified = match &user {
        Some(user) if !user.disabled => {
            muster_access::verify_password(&login.password, &user.password_hash).unwrap_or(false)
        }
        _ => false,
    };
    let summary = |outcome: &str| format!("{} {outcome}", login.name);
    let Some(user) = user.filter(|_| verified) else {
        store.record_event(
            &format!("user:{}", login.name),
            "login-failed",
            &summary("failed to log in"),
            &json!({"user": login.name}).to_string(),
        )?;
        return Err(ApiError::unauthorized(
            "the name or the password is wrong, or the user is disabled",
        ));
    };
    store.record_event(
        &format!("user:{}", user.name),
        "login",
        &summary("logged in"),
        &json!({"user": user.name}).to_string(),
    )?;
    let (cookie, csrf) = state.start_session(&user.name);
    Ok((caller_of(user)?, cookie, csrf))
}
