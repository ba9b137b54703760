//! Sessions of the console: log in with a password, who am I, log out.

use crate::extract::Json as JsonBody;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use muster_store::Store;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::blocking;
use crate::auth::{Caller, Credentials, SESSION_COOKIE, caller_of};
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, IDLE_TIMEOUT};

/// A user's name and password.
#[derive(Deserialize, ToSchema)]
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

/// Logs in with a password: sets the session cookie and returns the user
/// and the CSRF token of the session.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    request_body = Login,
    responses((status = 200, description = "Logged in"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    JsonBody(login): JsonBody<Login>,
) -> Result<Response, ApiError> {
    let (caller, cookie, csrf) = blocking(move || log_in(&state, &login)).await?;
    let headers = session_started(&cookie);
    let principal = &caller.principal;
    let body = json!({
        "user": principal.name,
        "organisation": principal.organisation,
        "role": principal.role.to_string(),
        "csrf": csrf,
        "idle_timeout_seconds": IDLE_TIMEOUT.as_secs(),
    });
    Ok((headers, Json(body)).into_response())
}

/// Who the caller is.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    responses((status = 200, description = "The caller"), (status = 401, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<serde_json::Value>, ApiError> {
    let caller = blocking(move || credentials.resolve(&state, &*state.store()?)).await?;
    let principal = &caller.principal;
    Ok(Json(json!({
        "user": principal.name,
        "organisation": principal.organisation,
        "role": principal.role.to_string(),
    })))
}

/// Logs out: ends the session of the cookie sent.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    responses((status = 200, description = "Logged out"))
)]
pub async fn delete(State(state): State<AppState>, headers: HeaderMap) -> Response {
    (log_out(&state, &headers), Json(json!({"logged_out": true}))).into_response()
}
