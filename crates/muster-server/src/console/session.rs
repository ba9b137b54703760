//! Log in and out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::{Csrf, Viewer, problem};
use crate::auth::{Login, log_in, log_out, session_started};
use crate::context::blocking;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    viewer: Option<Viewer>,
    problem: Option<String>,
}

pub async fn login_page() -> LoginPage {
    LoginPage { viewer: None, problem: None }
}

pub async fn login(State(state): State<AppState>, Form(login): Form<Login>) -> Response {
    match blocking(move || log_in(&state, &login)).await {
        Ok((_, cookie, _)) => (session_started(&cookie), Redirect::to("/")).into_response(),
        Err(error) => {
            (StatusCode::UNAUTHORIZED, LoginPage { viewer: None, problem: Some(error.message) })
                .into_response()
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
