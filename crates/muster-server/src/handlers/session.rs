//! Sessions of the console and of programs: log in with a password (a
//! throttled login, see `sessions`), who am I, log out.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;

use super::blocking;
use crate::auth::{Caller, ClientAddress, Credentials, SESSION_COOKIE, check_csrf};
use crate::error::{ApiError, ErrorBody};
use crate::extract::Json as JsonBody;
use crate::sessions::{Login, log_in, log_out, session_started};
use crate::state::{AppState, IDLE_TIMEOUT};

/// Who a session or token is.
#[derive(serde::Serialize, ToSchema)]
pub struct Whoami {
    pub user: String,
    pub organisation: String,
    pub role: String,
    /// The token every change made with the session cookie must send in
    /// `X-CSRF-Token` (on login only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub csrf: Option<String>,
    /// How long a session lasts unused (on login only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = u64)]
    pub idle_timeout_seconds: Option<u64>,
}

impl Whoami {
    fn of(caller: &Caller) -> Whoami {
        let principal = &caller.principal;
        Whoami {
            user: principal.name.clone(),
            organisation: principal.organisation.clone(),
            role: principal.role.to_string(),
            csrf: None,
            idle_timeout_seconds: None,
        }
    }
}

/// A logout.
#[derive(serde::Serialize, ToSchema)]
pub struct LoggedOut {
    pub logged_out: bool,
}

/// Logs in with a password: sets the session cookie and returns the user
/// and the CSRF token of the session. Failed logins are throttled: a 429
/// with `Retry-After` says how long to wait.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    request_body = Login,
    responses(
        (status = 200, body = Whoami, description = "Logged in"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "Too many failed logins: wait `Retry-After` seconds")
    )
)]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddress,
    JsonBody(login): JsonBody<Login>,
) -> Result<Response, ApiError> {
    let answer_state = state.clone();
    let (caller, cookie, csrf) = blocking(move || log_in(&state, &login, client)).await?;
    let headers = session_started(&answer_state, &cookie);
    let body = Whoami {
        csrf: Some(csrf),
        idle_timeout_seconds: Some(IDLE_TIMEOUT.as_secs()),
        ..Whoami::of(&caller)
    };
    Ok((headers, Json(body)).into_response())
}

/// Who the caller is.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    responses((status = 200, body = Whoami, description = "The caller"), (status = 401, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<Whoami>, ApiError> {
    let caller = blocking(move || credentials.resolve(&state, &*state.store()?)).await?;
    Ok(Json(Whoami::of(&caller)))
}

/// Logs out: ends the session of the cookie sent, which must come with the
/// session's CSRF token in `X-CSRF-Token` (as every change made with a
/// session cookie).
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    responses((status = 200, body = LoggedOut, description = "Logged out"), (status = 403, body = ErrorBody))
)]
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(session) =
        crate::auth::cookie(&headers, SESSION_COOKIE).and_then(|cookie| state.session(&cookie))
    {
        check_csrf(&headers, &session)?;
    }
    Ok((log_out(&state, &headers), Json(LoggedOut { logged_out: true })).into_response())
}
