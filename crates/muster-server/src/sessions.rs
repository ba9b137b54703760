//! Sessions, for the API and the console alike: logging in with a
//! password, the cookies, logging out.
//!
//! A login is throttled per name and per client address (`throttle`); an
//! unknown name is checked against a dummy hash, so that it takes as long
//! to refuse as a known one; what a failed login tried is kept cut short
//! and escaped. A session lasts while it is used (30 minutes idle) and
//! while its user's account is the version that logged in.

use axum::http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{Caller, ClientAddress, SESSION_COOKIE, caller_of};
use crate::error::ApiError;
use crate::limits::{self, KEPT, MAX_LOGIN_NAME, MAX_PASSWORD};
use crate::state::{AppState, IDLE_TIMEOUT};
use crate::throttle::{Refused, ThrottleKey};

/// A user's name and password.
#[derive(Deserialize, ToSchema)]
pub struct Login {
    pub name: String,
    pub password: String,
}

/// The name of the login form's pre-session cookie.
pub const LOGIN_COOKIE: &str = "muster_login";

/// A `Set-Cookie` header: `Secure` when the server is reached over TLS.
fn cookie_header(state: &AppState, name: &str, value: &str, path: &str, max_age: u64) -> HeaderMap {
    let secure = if state.settings().behind_tls_proxy { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.insert(header::SET_COOKIE, value);
    }
    headers
}

/// The header that sets the session cookie (an empty value and no age
/// clear it). A session's value is a token of hex digits, always a valid
/// header.
fn session_cookie(state: &AppState, value: &str, max_age: u64) -> HeaderMap {
    cookie_header(state, SESSION_COOKIE, value, "/", max_age)
}

/// The header that hands a new session's cookie to the browser.
pub fn session_started(state: &AppState, cookie: &str) -> HeaderMap {
    session_cookie(state, cookie, IDLE_TIMEOUT.as_secs())
}

/// The login form's pre-session pair: the cookie a browser holds (the one
/// it sent, or a new one, with the header that sets it) and the token the
/// form carries. A login form posted from another site comes without the
/// cookie (`SameSite=Strict`), so it cannot log the browser in as someone
/// else.
pub fn login_pair(state: &AppState, request: &HeaderMap) -> (HeaderMap, String) {
    let cookie = crate::auth::cookie(request, LOGIN_COOKIE)
        .filter(|cookie| limits::is_id(cookie))
        .unwrap_or_else(muster_access::generate_token);
    let headers = cookie_header(state, LOGIN_COOKIE, &cookie, "/login", IDLE_TIMEOUT.as_secs());
    (headers, state.login_token(&cookie))
}

/// Requires a posted login form to carry the token of its pre-session
/// cookie.
pub fn check_login_pair(
    state: &AppState,
    request: &HeaderMap,
    token: &str,
) -> Result<(), ApiError> {
    let expected =
        crate::auth::cookie(request, LOGIN_COOKIE).map(|cookie| state.login_token(&cookie));
    if expected.as_deref() != Some(token) || token.is_empty() {
        return Err(ApiError::forbidden(
            "the login form has expired or comes from elsewhere: open the login page again",
        ));
    }
    Ok(())
}

/// Ends the session of the cookie a request sent, if any: the header that
/// clears the cookie.
pub fn log_out(state: &AppState, request: &HeaderMap) -> HeaderMap {
    if let Some(cookie) = crate::auth::cookie(request, SESSION_COOKIE) {
        state.end_session(&cookie);
    }
    session_cookie(state, "", 0)
}

/// The answer to a login the throttle refuses.
fn throttled(refused: &Refused) -> ApiError {
    let seconds = refused.retry_after.as_secs() + u64::from(refused.retry_after.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let message = if refused.locked {
        format!(
            "locked out after too many failed logins: wait {seconds} seconds before trying again"
        )
    } else {
        format!("too many failed logins: wait {seconds} seconds before trying again")
    };
    ApiError::too_many(message, seconds)
}

/// How a throttled key is recorded: the name (cut short) or the address.
fn throttled_actor(key: &ThrottleKey) -> String {
    match key {
        ThrottleKey::Name(name) => format!("user:{}", limits::bounded(name, KEPT)),
        ThrottleKey::Address(address) => format!("address:{address}"),
    }
}

/// Checks a user's password and starts a session: the session cookie, and
/// the CSRF token every change must send back. Logins, failed logins and
/// lockouts are on the audit log.
pub fn log_in(
    state: &AppState,
    login: &Login,
    client: ClientAddress,
) -> Result<(Caller, String, String), ApiError> {
    limits::check_chars("name", &login.name, MAX_LOGIN_NAME)?;
    limits::check_bytes("password", &login.password, MAX_PASSWORD)?;
    let mut keys = vec![ThrottleKey::Name(login.name.clone())];
    keys.extend(client.0.map(ThrottleKey::Address));
    let settings = state.settings();
    let now = settings.clock.now();
    let attempt = settings.throttle.attempt(&keys, now).map_err(|refused| throttled(&refused))?;
    let mut store = state.store()?;
    let user = store.users()?.into_iter().find(|user| user.name == login.name);
    // An unknown name, or a disabled user, is checked against a dummy hash:
    // refusing it takes as long as refusing a wrong password.
    let verified = match &user {
        Some(user) if !user.disabled => state.verify_password(&login.password, &user.password_hash),
        _ => {
            state.verify_password(&login.password, muster_access::dummy_password_hash());
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        let tried = limits::bounded(&login.name, KEPT);
        store.record_event(
            &format!("user:{tried}"),
            "login-failed",
            &format!("{tried} failed to log in"),
            &json!({"user": tried}).to_string(),
        )?;
        for lockout in &attempt.lockouts {
            let minutes = lockout.until.duration_since(now).unwrap_or_default().as_secs() / 60;
            let actor = throttled_actor(&lockout.key);
            store.record_event(
                &actor,
                "login-locked",
                &format!(
                    "{actor} locked out of logging in for {minutes} minutes after {} failed logins",
                    lockout.failures
                ),
                &json!({"locked": actor, "failures": lockout.failures, "minutes": minutes})
                    .to_string(),
            )?;
        }
        return Err(ApiError::unauthorized(
            "the name or the password is wrong, or the user is disabled",
        ));
    };
    settings.throttle.succeeded(&keys, now);
    store.record_event(
        &format!("user:{}", user.name),
        "login",
        &format!("{} logged in", user.name),
        &json!({"user": user.name}).to_string(),
    )?;
    let (cookie, csrf) = state.start_session(&user);
    Ok((caller_of(user)?, cookie, csrf))
}
