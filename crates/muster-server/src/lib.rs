//! The HTTP API of muster, under `/api/v1`.
//!
//! Every request but `/api/v1/health` and the OpenAPI document names its
//! caller with an API token (`Authorization: Bearer mst_...`) or a session
//! cookie from `POST /api/v1/session` (with its CSRF token on changes); the caller's
//! role and organisation go to the policies (`muster_access::Policies`),
//! which decide; a refusal is a 403 and an entry on the audit log. A person
//! is cut to the fields the caller's role may see in one place
//! (`muster_service::views::Person::minimise`, with the fields of
//! `muster_access::person_fields`). Every error has one shape:
//! `{"error": {"status": 404, "message": "..."}}`.
//!
//! - `state.rs`: the store's connections, the policies, the sessions, and
//!   the army (the engine, orders and lists), refreshed when an act has
//!   been recorded since.
//! - `context.rs`: one request's store, caller and army, and its policy
//!   checks.
//! - `auth.rs`: the caller, from his token; authorization.
//! - `error.rs`: the error shape.
//! - `routes.rs`: the route table, the OpenAPI document, the application.
//! - `handlers/`: the handlers, by subject (records, orders, lists,
//!   reports, audit, session); each runs its work on a blocking thread
//!   and answers through `muster-service`.
//! - `metrics.rs`: Prometheus metrics at `/metrics`, a log line per request.

mod auth;
mod console;
mod context;
mod error;
mod extract;
mod handlers;
mod metrics;
mod params;
mod routes;
mod state;

pub use error::ApiError;
pub use routes::{ApiDoc, ROUTES, Route, app};
pub use state::AppState;

/// Serves the API on a bound listener until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state)).await
}
