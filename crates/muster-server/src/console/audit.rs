//! The audit log, filtered by actor and day, and whether it verifies.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use muster_access::{Action, Resource};
use serde::Deserialize;

use super::{PAGE, Viewer, respond};
use crate::extract::Query;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    since: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    viewer: Option<Viewer>,
    intact: bool,
    verdict: String,
    actor: String,
    since: String,
    entries: Vec<(i64, String, String, String, String)>,
}

pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadAudit, &Resource::Store)?;
        let since = query
            .since
            .as_deref()
            .filter(|text| !text.is_empty())
            .map(|text| crate::params::parse_day(text, "since"))
            .transpose()?;
        let actor = query.actor.unwrap_or_default();
        let verdict = muster_service::records::audit_verify(context.store())?;
        let text = match (&verdict.entry, &verdict.problem) {
            (Some(entry), Some(problem)) => {
                format!("The log is broken at entry {entry}: {problem}")
            }
            _ => "The log is intact: every entry hashes to the next.".to_string(),
        };
        let actor_filter = Some(actor.as_str()).filter(|actor| !actor.is_empty());
        let log = muster_service::records::audit_log(context.store(), since, actor_filter)?;
        let entries = log
            .entries
            .into_iter()
            .rev()
            .take(PAGE)
            .map(|entry| (entry.seq, entry.recorded_at, entry.actor, entry.kind, entry.summary))
            .collect();
        Ok(AuditPage {
            viewer: Some(viewer),
            intact: verdict.intact,
            verdict: text,
            actor,
            since: since.map(|day| day.to_string()).unwrap_or_default(),
            entries,
        })
    })
    .await
}
