//! The HTTP API of muster, under `/api/v1`.
//!
//! Every request but `/api/v1/health` and the OpenAPI document names its
//! caller with an API token (`Authorization: Bearer mst_...`) or a session
//! cookie from `POST /api/v1/session` (with its CSRF token on changes); the caller's
//! role and organisation go to the policies (`muster_access::Policies`),
//! which decide; a refusal is a 403 and an entry on the audit log. A person
//! is cut to what the caller may see in one place (`Context::cut_person`:
//! the rule of `muster_access::PersonCut`, applied by
//! `muster_service::views::Person::cut`). Every error has one shape:
//! `{"error": {"status": 404, "message": "..."}}`.
//!
//! - `state.rs`: the store's connections, the policies, the sessions, and
//!   the army (the engine, orders and lists), refreshed when an act has
//!   been recorded since.
//! - `context.rs`: one request's store, caller and army, and its policy
//!   checks.
//! - `auth.rs`: the caller, from his token or session; authorization.
//! - `sessions.rs`: logging in (throttled) and out, and the cookies.
//! - `params.rs`: days and months as requests give them.
//! - `papers.rs`: the register as a caller may read and change it, for
//!   the API's handlers and the console's pages alike.
//! - `error.rs`: the error shape.
//! - `routes.rs`: the route table, the OpenAPI document, the application.
//! - `handlers/`: the handlers, by subject (records, orders, lists,
//!   reports, audit, session); each runs its work on a blocking thread
//!   and returns the typed answer of `muster-service`.
//! - `console/`: the web console, one module per page, on the same
//!   context and service.
//! - `jobs.rs`: the acts on many people the console runs in the
//!   background, with how far each has come.
//! - `metrics.rs`: Prometheus metrics at `/metrics`, a log line per request.
//! - `limits.rs`: the bounds of every input (the body, strings, lists,
//!   query values, ids, the fields with limits of their own).
//! - `throttle.rs`: failed logins counted per name and per address, with
//!   growing waits and lockouts.

mod auth;
mod console;
mod context;
mod error;
mod extract;
mod handlers;
mod jobs;
mod limits;
mod metrics;
mod papers;
mod params;
mod routes;
mod sessions;
mod state;
mod throttle;

pub use error::ApiError;
pub use routes::{ApiDoc, ROUTES, Route, app};
pub use state::{AppState, Settings};
pub use throttle::{
    Attempt, Clock, Lockout, LoginThrottle, ManualClock, MemoryThrottle, Refused, SystemClock,
    ThrottleKey, ThrottleRules,
};

/// Serves the API on a bound listener until the process is stopped. Each
/// request knows the address it comes from (for throttling logins).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).await
}
