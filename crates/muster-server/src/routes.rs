//! The route table, the OpenAPI document, and the application.

use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{delete, get, post};
use muster_access::Action;
use utoipa::OpenApi;

use crate::error::{ApiError, ErrorBody};
use crate::handlers::{acts, audit, exemptions, lists, mass, orders, records, reports, session};
use crate::state::AppState;

/// One route of the API, for the documentation and the authorization
/// matrix: its method, path, and the action the policies decide (`None`
/// for the routes anyone may call, and for those that show each caller
/// only what he may see).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub action: Option<Action>,
}

const fn route(method: &'static str, path: &'static str, action: Option<Action>) -> Route {
    Route { method, path, action }
}

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    route("GET", "/api/v1/health", None),
    route("GET", "/api/v1/openapi.json", None),
    route("GET", "/metrics", None),
    route("POST", "/api/v1/session", None),
    route("GET", "/api/v1/session", None),
    route("DELETE", "/api/v1/session", None),
    route("POST", "/api/v1/people", Some(Action::RegisterPerson)),
    route("GET", "/api/v1/people/{id}", Some(Action::ReadPerson)),
    route("PATCH", "/api/v1/people/{id}", Some(Action::UpdatePerson)),
    route("POST", "/api/v1/people/{id}/enlist", Some(Action::Enlist)),
    route("POST", "/api/v1/people/{id}/assign", Some(Action::Assign)),
    route("POST", "/api/v1/people/{id}/deploy", Some(Action::Deploy)),
    route("POST", "/api/v1/people/{id}/recall", Some(Action::Recall)),
    route("POST", "/api/v1/people/{id}/events", Some(Action::RecordEvent)),
    route("POST", "/api/v1/people/{id}/discharge", Some(Action::Discharge)),
    route("POST", "/api/v1/people/{id}/post", Some(Action::Post)),
    route("POST", "/api/v1/people/{id}/return", Some(Action::Return)),
    route("GET", "/api/v1/people/{id}/explain", Some(Action::Explain)),
    route("GET", "/api/v1/units", Some(Action::ReadRecords)),
    route("POST", "/api/v1/units/{id}/deploy", Some(Action::DeployUnit)),
    route("POST", "/api/v1/units/{id}/recall", Some(Action::RecallUnit)),
    route("GET", "/api/v1/sites", Some(Action::ReadRecords)),
    route("GET", "/api/v1/sites/{site}/strength", Some(Action::ReadStrength)),
    route("GET", "/api/v1/sites/{site}/strength.svg", Some(Action::ReadStrength)),
    route("GET", "/api/v1/orders", Some(Action::ReadOrders)),
    route("POST", "/api/v1/orders", Some(Action::IssueOrder)),
    route("GET", "/api/v1/orders/{id}", Some(Action::ReadOrders)),
    route("POST", "/api/v1/orders/check", Some(Action::CheckOrder)),
    route("POST", "/api/v1/orders/preview", Some(Action::CheckOrder)),
    route("POST", "/api/v1/orders/{id}/revoke", Some(Action::RevokeOrder)),
    route("GET", "/api/v1/lists", None),
    route("POST", "/api/v1/lists", Some(Action::CreateList)),
    route("GET", "/api/v1/lists/{id}", Some(Action::ReadList)),
    route("POST", "/api/v1/lists/{id}/entries", Some(Action::ChangeList)),
    route("DELETE", "/api/v1/lists/{id}/entries/{person}", Some(Action::ChangeList)),
    route("POST", "/api/v1/lists/{id}/recheck", Some(Action::ChangeList)),
    route("POST", "/api/v1/lists/{id}/call-up", Some(Action::CallUp)),
    route("POST", "/api/v1/lists/{id}/redeploy", Some(Action::Redeploy)),
    route("POST", "/api/v1/lists/{id}/post", Some(Action::PostList)),
    route("GET", "/api/v1/discharge/rosters/{cycle}", Some(Action::ReadRoster)),
    route("POST", "/api/v1/discharge/rosters/{cycle}/carry-out", Some(Action::CarryOut)),
    route("GET", "/api/v1/stats", Some(Action::ReadStats)),
    route("GET", "/api/v1/notices", Some(Action::ReadNotices)),
    route("GET", "/api/v1/acts", Some(Action::ReadActs)),
    route("GET", "/api/v1/acts/{act}", Some(Action::ReadActs)),
    route("POST", "/api/v1/acts/{act}/reverse", Some(Action::ReverseAct)),
    route("GET", "/api/v1/exemptions", None),
    route("POST", "/api/v1/exemptions", Some(Action::IssuePaper)),
    route("GET", "/api/v1/exemptions/anomalies", Some(Action::ReadPapers)),
    route("GET", "/api/v1/exemptions/limits", Some(Action::ReadPapers)),
    route("PUT", "/api/v1/exemptions/limits", Some(Action::SetLimits)),
    route("GET", "/api/v1/exemptions/{id}", Some(Action::ReadPapers)),
    route("POST", "/api/v1/exemptions/{id}/revoke", Some(Action::RevokePaper)),
    route("POST", "/api/v1/exemptions/{id}/review", Some(Action::ReviewPaper)),
    route("GET", "/api/v1/audit", Some(Action::ReadAudit)),
    route("GET", "/api/v1/audit/verify", Some(Action::ReadAudit)),
    route("GET", "/api/v1/audit/checkpoint", Some(Action::ReadAudit)),
    route("GET", "/api/v1/audit/proof/{act}", Some(Action::ReadAudit)),
    route("GET", "/api/v1/audit/consistency", Some(Action::ReadAudit)),
];

/// The OpenAPI document, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "muster", description = "The manpower of a conscript armed force, under the orders of its ministry"),
    paths(
        records::health, session::create, session::show, session::delete,
        records::person, reports::explain, records::units, records::sites,
        reports::strength, reports::strength_svg,
        orders::orders, orders::issue, orders::order, orders::check, orders::preview, orders::revoke,
        lists::lists, lists::create, lists::list, lists::add, lists::remove, lists::recheck,
        reports::roster, reports::stats, reports::notices, audit::log, audit::verify,
        audit::checkpoint, audit::proof, audit::consistency,
        acts::register, acts::update, acts::enlist, acts::assign, acts::deploy, acts::recall,
        acts::event, acts::discharge, acts::post, acts::return_home, acts::deploy_unit,
        acts::recall_unit, acts::acts, acts::act, acts::reverse,
        mass::call_up, mass::redeploy, mass::post, mass::carry_out,
        exemptions::register, exemptions::issue, exemptions::anomalies,
        exemptions::limits_in_force, exemptions::set_limits, exemptions::paper,
        exemptions::revoke, exemptions::review
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerToken)
)]
pub struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The API's routes, on a state, without the metrics layer.
pub fn api(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(records::health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/session", post(session::create).get(session::show).delete(session::delete))
        .route("/api/v1/people", post(acts::register))
        .route("/api/v1/people/{id}", get(records::person).patch(acts::update))
        .route("/api/v1/people/{id}/enlist", post(acts::enlist))
        .route("/api/v1/people/{id}/assign", post(acts::assign))
        .route("/api/v1/people/{id}/deploy", post(acts::deploy))
        .route("/api/v1/people/{id}/recall", post(acts::recall))
        .route("/api/v1/people/{id}/events", post(acts::event))
        .route("/api/v1/people/{id}/discharge", post(acts::discharge))
        .route("/api/v1/people/{id}/post", post(acts::post))
        .route("/api/v1/people/{id}/return", post(acts::return_home))
        .route("/api/v1/units/{id}/deploy", post(acts::deploy_unit))
        .route("/api/v1/units/{id}/recall", post(acts::recall_unit))
        .route("/api/v1/lists/{id}/call-up", post(mass::call_up))
        .route("/api/v1/lists/{id}/redeploy", post(mass::redeploy))
        .route("/api/v1/lists/{id}/post", post(mass::post))
        .route("/api/v1/discharge/rosters/{cycle}/carry-out", post(mass::carry_out))
        .route("/api/v1/acts", get(acts::acts))
        .route("/api/v1/acts/{act}", get(acts::act))
        .route("/api/v1/acts/{act}/reverse", post(acts::reverse))
        .route("/api/v1/people/{id}/explain", get(reports::explain))
        .route("/api/v1/units", get(records::units))
        .route("/api/v1/sites", get(records::sites))
        .route("/api/v1/sites/{site}/strength", get(reports::strength))
        .route("/api/v1/sites/{site}/strength.svg", get(reports::strength_svg))
        .route("/api/v1/orders", get(orders::orders).post(orders::issue))
        .route("/api/v1/orders/check", post(orders::check))
        .route("/api/v1/orders/preview", post(orders::preview))
        .route("/api/v1/orders/{id}", get(orders::order))
        .route("/api/v1/orders/{id}/revoke", post(orders::revoke))
        .route("/api/v1/lists", get(lists::lists).post(lists::create))
        .route("/api/v1/lists/{id}", get(lists::list))
        .route("/api/v1/lists/{id}/entries", post(lists::add))
        .route("/api/v1/lists/{id}/entries/{person}", delete(lists::remove))
        .route("/api/v1/lists/{id}/recheck", post(lists::recheck))
        .route("/api/v1/discharge/rosters/{cycle}", get(reports::roster))
        .route("/api/v1/stats", get(reports::stats))
        .route("/api/v1/notices", get(reports::notices))
        .route("/api/v1/exemptions", get(exemptions::register).post(exemptions::issue))
        .route("/api/v1/exemptions/anomalies", get(exemptions::anomalies))
        .route(
            "/api/v1/exemptions/limits",
            get(exemptions::limits_in_force).put(exemptions::set_limits),
        )
        .route("/api/v1/exemptions/{id}", get(exemptions::paper))
        .route("/api/v1/exemptions/{id}/revoke", post(exemptions::revoke))
        .route("/api/v1/exemptions/{id}/review", post(exemptions::review))
        .route("/api/v1/audit", get(audit::log))
        .route("/api/v1/audit/verify", get(audit::verify))
        .route("/api/v1/audit/checkpoint", get(audit::checkpoint))
        .route("/api/v1/audit/proof/{act}", get(audit::proof))
        .route("/api/v1/audit/consistency", get(audit::consistency))
        .fallback(|| async {
            ApiError::not_found("no such route: the routes are listed at /api/v1/openapi.json")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "this route does not take this method: the routes are listed at /api/v1/openapi.json",
            )
        })
        .with_state(state)
}

/// What the console's pages may load: only what the server serves itself
/// (the stylesheet, htmx, the icon); no inline script or style, no frames.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to every answer: the content security
/// policy, no framing, no sniffing, no referrer, and `no-store` unless the
/// answer says how long it may be kept (the vendored assets).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The application: every route, with metrics and a log line per request,
/// the body limit and the security headers.
pub fn app(state: AppState) -> Router {
    let metrics = crate::metrics::Metrics::new();
    let rendered = metrics.clone();
    api(state.clone())
        .merge(crate::console::router(state))
        .route("/metrics", get(move || async move { rendered.render() }))
        .layer(axum::extract::DefaultBodyLimit::max(crate::limits::MAX_BODY))
        .layer(axum::middleware::from_fn(crate::limits::limit_body))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn_with_state(metrics, crate::metrics::track))
}
