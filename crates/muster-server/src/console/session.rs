//! Log in and out. The login form carries the token of a pre-session
//! cookie, so that a form posted from elsewhere cannot log a browser in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Csrf, Viewer, problem};
use crate::auth::ClientAddress;
use crate::context::blocking;
use crate::sessions::{Login, check_login_pair, log_in, log_out, login_pair, session_started};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    viewer: Option<Viewer>,
    problem: Option<String>,
    /// The token of the pre-session cookie.
    csrf: String,
}

/// The login page, with its pre-session pair.
fn login_form(
    state: &AppState,
    request: &HeaderMap,
    status: StatusCode,
    problem: Option<String>,
) -> Response {
    let (cookie, csrf) = login_pair(state, request);
    (status, cookie, LoginPage { viewer: None, problem, csrf }).into_response()
}

pub async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    login_form(&state, &headers, StatusCode::OK, None)
}

/// What the login form posts.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    name: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if let Err(error) = check_login_pair(&state, &headers, &form.csrf) {
        return login_form(&state, &headers, error.status, Some(error.message));
    }
    let login = Login { name: form.name, password: form.password };
    let working = state.clone();
    match blocking(move || log_in(&working, &login, client)).await {
        Ok((_, cookie, _)) => (session_started(&state, &cookie), Redirect::to("/")).into_response(),
        Err(error) => {
            let retry_after = error.retry_after;
            let status = if error.status.is_client_error() {
                error.status
            } else {
                StatusCode::UNAUTHORIZED
            };
            let mut response = login_form(&state, &headers, status, Some(error.message));
            if let Some(seconds) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
            }
            response
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<Csrf>,
) -> Response {
    if let Err(error) = viewer.require_token(&form.csrf) {
        return problem(Some(viewer), error);
    }
    (log_out(&state, &headers), Redirect::to("/login")).into_response()
}
