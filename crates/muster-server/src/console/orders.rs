//! The orders and their state; one order's rules and document; the draft
//! editor, whose diagnostics appear as one types, with a preview (lists,
//! discharges, the strength of a site before and after) and issue.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_service::ServiceError;
use serde::Deserialize;

use super::{PageQuery, Viewer, render_error, respond};
use crate::context::{Context, own_draft, require_draft};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::AppState;

struct OrderListRow {
    id: String,
    issued_on: NaiveDate,
    issued_by: String,
    state: String,
    title: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders.html")]
struct OrdersPage {
    viewer: Option<Viewer>,
    day: NaiveDate,
    may_draft: bool,
    orders: Vec<OrderListRow>,
}

/// Whether a caller may check drafts of his own organisation.
fn may_draft(context: &Context) -> bool {
    context.may(Action::CheckOrder, &own_draft(&context.caller))
}

pub async fn orders(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = query.day()?;
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadOrders, &Resource::Store)?;
        let orders = muster_service::orders::list(context.army.book(), day)
            .orders
            .into_iter()
            .map(|order| OrderListRow {
                id: order.id,
                issued_on: order.issued_on,
                issued_by: order.issued_by,
                state: order.state,
                title: order.title,
            })
            .collect();
        Ok(OrdersPage { may_draft: may_draft(&context), viewer: Some(viewer), day, orders })
    })
    .await
}

struct RuleRow {
    number: usize,
    target: String,
    effect: String,
    when: String,
    unless: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "order.html")]
struct OrderPage {
    viewer: Option<Viewer>,
    id: String,
    day: NaiveDate,
    state: String,
    title: String,
    issued_by: String,
    issued_on: NaiveDate,
    effective_from: NaiveDate,
    effective_until: Option<NaiveDate>,
    addressed_to: String,
    overridden: bool,
    rationale: String,
    rules: Vec<RuleRow>,
    document: String,
}

pub async fn order(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = query.day()?;
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadOrders, &Resource::Store)?;
        let order = muster_service::orders::show(context.store(), context.army.book(), &id, day)?;
        let rules = order
            .rules
            .into_iter()
            .map(|rule| RuleRow {
                number: rule.number,
                target: if rule.applies_to == "discharge" {
                    rule.applies_to
                } else {
                    format!("{} lists", rule.applies_to)
                },
                effect: rule.effect,
                when: rule.when,
                unless: rule.unless.unwrap_or_default(),
                reason: rule.reason,
            })
            .collect();
        Ok(OrderPage {
            viewer: Some(viewer),
            state: order.state,
            id,
            day,
            title: order.title,
            issued_by: order.issued_by,
            issued_on: order.issued_on,
            effective_from: order.effective_from,
            effective_until: order.effective_until,
            addressed_to: order.addressed_to.join(", "),
            overridden: order.overridden,
            rationale: order.rationale,
            rules,
            document: order.document,
        })
    })
    .await
}

/// What the draft editor was asked to do.
#[derive(Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    document: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    site: String,
    #[serde(default, rename = "override")]
    overridden: Option<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    csrf: String,
}

struct DiagnosticRow {
    line: usize,
    column: usize,
    message: String,
    help: Option<String>,
}

struct ImpactView {
    heading: String,
    lists: Vec<(String, String)>,
    discharges: Vec<(String, String, String)>,
}

#[derive(Template, Default)]
#[template(path = "draft_result.html")]
struct DraftResult {
    problem: Option<String>,
    diagnostics: Vec<DiagnosticRow>,
    rendered: String,
    message: Option<String>,
    conflicts: Vec<String>,
    impact: Option<ImpactView>,
    site: String,
    charts: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "draft.html")]
struct DraftPage {
    viewer: Option<Viewer>,
    document: String,
    as_of: String,
    sites: Vec<(String, bool)>,
    overridden: bool,
    result: String,
}

fn draft_page(viewer: Viewer, context: &Context, form: &DraftForm, result: String) -> DraftPage {
    DraftPage {
        viewer: Some(viewer),
        document: form.document.clone(),
        as_of: form.as_of.clone(),
        sites: context
            .army
            .world()
            .sites
            .iter()
            .map(|site| (site.id.clone(), site.id == form.site))
            .collect(),
        overridden: form.overridden.is_some(),
        result,
    }
}

pub async fn draft_editor(State(state): State<AppState>, viewer: Viewer) -> Response {
    respond(viewer, move |viewer| {
        let context = viewer.context(&state)?;
        if !may_draft(&context) {
            return Err(ApiError::forbidden("your role does not draft orders"));
        }
        let form = DraftForm {
            as_of: chrono::Local::now().date_naive().to_string(),
            ..DraftForm::default()
        };
        Ok(draft_page(viewer, &context, &form, String::new()))
    })
    .await
}

/// Checks, previews or issues a draft. An htmx request gets the result
/// alone; a plain form post, the whole page with it.
pub async fn draft_action(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<DraftForm>,
) -> Response {
    let partial = headers.contains_key("hx-request");
    respond(viewer, move |viewer| {
        let mut context = viewer.context(&state)?;
        let result = draft_result(&viewer, &mut context, &form)?;
        let text = result.render().map_err(render_error)?;
        if partial {
            return Ok(axum::response::Html(text).into_response());
        }
        Ok(draft_page(viewer, &context, &form, text).into_response())
    })
    .await
}

/// How many names of a list an impact shows; the rest are counted.
const NAMES_SHOWN: usize = 20;

fn names(persons: &[String]) -> String {
    if persons.len() <= NAMES_SHOWN {
        return persons.join(", ");
    }
    format!("{} and {} more", persons[..NAMES_SHOWN].join(", "), persons.len() - NAMES_SHOWN)
}

fn draft_result(
    viewer: &Viewer,
    context: &mut Context,
    form: &DraftForm,
) -> Result<DraftResult, ApiError> {
    let issuing = form.action == "issue";
    let overridden = form.overridden.is_some();
    let day = if form.as_of.is_empty() {
        None
    } else {
        Some(crate::params::parse_day(&form.as_of, "as_of")?)
    };
    let action = if issuing { Action::IssueOrder } else { Action::CheckOrder };
    require_draft(context, action, &form.document)?;
    if issuing {
        viewer.require_token(&form.csrf)?;
    }
    let budget = std::sync::Arc::clone(&context.budget);
    let outcome = if issuing {
        let actor = context.actor();
        let draft =
            muster_service::orders::Draft { name: "draft", text: &form.document, day, overridden };
        let (store, army) = context.store_and_army();
        muster_service::orders::issue(store, army, &draft, &actor, &budget)
    } else {
        muster_service::orders::check(&context.army, "draft", &form.document, day, false, &budget)
    };
    let mut result = DraftResult::default();
    let checked = match outcome {
        Ok(checked) => checked,
        Err(ServiceError::Diagnostics { name, text, diagnostics }) => {
            result.diagnostics = diagnostics
                .iter()
                .map(|diagnostic| {
                    let (line, column) = muster_service::line_column(&text, diagnostic.span.start);
                    DiagnosticRow {
                        line,
                        column,
                        message: diagnostic.message.clone(),
                        help: diagnostic.help.clone(),
                    }
                })
                .collect();
            result.rendered = muster_service::render::render(&name, &text, &diagnostics);
            return Ok(result);
        }
        Err(ServiceError::Conflict { lines, message, .. }) => {
            result.problem = Some(message);
            result.conflicts = lines;
            return Ok(result);
        }
        Err(other) => return Err(ApiError::from(other)),
    };
    let order = &checked.order;
    result.conflicts = if issuing && overridden {
        Vec::new()
    } else {
        muster_service::orders::conflict_lines(order, &checked.impact)
    };
    let impact = checked.view();
    result.message = Some(match form.action.as_str() {
        "issue" => format!("order {} issued on {}", order.id, checked.day),
        _ => format!(
            "order {} is valid ({} rule{}){}",
            order.id,
            order.rules.len(),
            if order.rules.len() == 1 { "" } else { "s" },
            if impact.conflicts.is_empty() { ", with no conflict" } else { "" }
        ),
    });
    if form.action == "preview" || issuing {
        result.impact = Some(ImpactView {
            heading: if issuing {
                "What it did".to_string()
            } else {
                "What it would do".to_string()
            },
            lists: impact
                .lists
                .iter()
                .map(|list| (list.list.clone(), names(&list.newly_excluded)))
                .collect(),
            discharges: impact
                .discharge
                .iter()
                .take(crate::console::PAGE)
                .map(|change| {
                    (change.person.clone(), change.from.to_string(), change.to.to_string())
                })
                .collect(),
        });
    }
    if form.action == "preview" && !form.site.is_empty() {
        let (without, with) = muster_service::orders::strength_before_after(
            &context.army,
            &checked,
            &form.site,
            &budget,
        )?;
        result.site = form.site.clone();
        let title = |how: &str| format!("{}, {how} {}", form.site, order.id);
        result.charts = vec![
            (
                format!("without {}", order.id),
                muster_service::chart::strength_svg(&title("without"), &without.months)?,
            ),
            (
                format!("with {}", order.id),
                muster_service::chart::strength_svg(&title("with"), &with.months)?,
            ),
        ];
    }
    Ok(result)
}
