//! The discharge roster of a cycle, the strength of a site with and without
//! an order, and outcome rates by cohort with bars.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_service::reports::StrengthQuery;
use muster_service::views::Month;
use serde::Deserialize;

use super::{PAGE, Viewer, respond};
use crate::context::{minimum_cohort, visible_roster};
use crate::error::ApiError;
use crate::extract::Query;
use crate::params::{day_or_today, parse_month};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RosterQuery {
    cycle: Option<String>,
    as_of: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "discharge.html")]
struct DischargePage {
    viewer: Option<Viewer>,
    cycle: String,
    date: NaiveDate,
    day: NaiveDate,
    counts: Vec<(&'static str, usize)>,
    total: usize,
    entries: Vec<(String, String, NaiveDate, String)>,
    /// The viewer may carry out the cycle's discharges.
    may_carry_out: bool,
}

pub async fn discharge(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<RosterQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadRoster, &Resource::Store)?;
        let cycle = match query.cycle.as_deref().filter(|text| !text.is_empty()) {
            Some(text) => muster_service::reports::cycle(text)?,
            None => context.army.world().calendar.cycle_on_or_after(day),
        };
        let roster = visible_roster(&context, cycle, day)?;
        let counts = ["scheduled", "delayed", "exempt", "delayed-in", "discharged"]
            .into_iter()
            .map(|status| (status, roster.count(status)))
            .collect();
        let total = roster.entries.len();
        let may_carry_out =
            context.may(Action::CarryOut, &crate::context::act_resource(&Default::default(), ""));
        let rows = roster
            .entries
            .into_iter()
            .take(PAGE)
            .map(|entry| (entry.person, entry.status, entry.date, entry.orders.join(", ")))
            .collect();
        Ok(DischargePage {
            viewer: Some(viewer),
            cycle: roster.cycle,
            date: roster.date,
            day,
            counts,
            total,
            entries: rows,
            may_carry_out,
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct StrengthForm {
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    order: Option<String>,
    as_of: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "strength.html")]
struct StrengthPage {
    viewer: Option<Viewer>,
    day: NaiveDate,
    sites: Vec<(String, bool)>,
    orders: Vec<(String, bool)>,
    from: String,
    to: String,
    charts: Vec<(String, String)>,
}

pub async fn strength(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<StrengthForm>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadStrength, &Resource::Store)?;
        let army = &context.army;
        // Unless asked, the site and months where something happens.
        let busiest = muster_service::reports::busiest_site(army, day);
        let site = query
            .site
            .filter(|site| !site.is_empty())
            .or_else(|| busiest.as_ref().map(|(site, _, _)| site.clone()))
            .unwrap_or_default();
        let month = |text: Option<String>, default: NaiveDate| -> Result<NaiveDate, ApiError> {
            match text.filter(|text| !text.is_empty()) {
                Some(text) => parse_month(&text, "month"),
                None => Ok(default),
            }
        };
        let (default_from, default_to) =
            busiest.as_ref().map(|(_, from, to)| (*from, *to)).unwrap_or((day, day));
        let from = month(query.from, default_from)?;
        let to = month(query.to, default_to)?;
        let chosen = query.order.filter(|order| !order.is_empty());
        let mut charts = Vec::new();
        if !site.is_empty() {
            let mut draw = |without: Vec<String>, caption: String| -> Result<(), ApiError> {
                let asked =
                    StrengthQuery { site: &site, from, to, without: &without, with: None, day };
                let strength = muster_service::reports::strength(army, &asked, &context.budget)?;
                let title = muster_service::reports::strength_title(&asked);
                charts.push((
                    caption,
                    muster_service::chart::strength_svg(&title, &strength.months)?,
                ));
                Ok(())
            };
            match &chosen {
                Some(order) => {
                    draw(Vec::new(), format!("with {order}"))?;
                    draw(vec![order.clone()], format!("without {order}"))?;
                }
                None => draw(Vec::new(), "with the orders issued".to_string())?,
            }
        }
        let orders = muster_service::orders::list(army.book(), day)
            .orders
            .into_iter()
            .filter(|order| order.governs.iter().any(|target| target == "discharge"))
            .map(|order| {
                let chosen = chosen.as_deref() == Some(order.id.as_str());
                (order.id, chosen)
            })
            .collect();
        Ok(StrengthPage {
            viewer: Some(viewer),
            day,
            sites: army
                .world()
                .sites
                .iter()
                .map(|known| (known.id.clone(), known.id == site))
                .collect(),
            orders,
            from: Month(from).to_string(),
            to: Month(to).to_string(),
            charts,
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct EvidenceQuery {
    event: Option<String>,
    by: Option<String>,
    as_of: Option<String>,
}

struct GroupRow {
    name: String,
    population: u64,
    with_event: u64,
    rate: String,
    width: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "evidence.html")]
struct EvidencePage {
    viewer: Option<Viewer>,
    day: NaiveDate,
    event: String,
    by: String,
    to: NaiveDate,
    events: Vec<(&'static str, bool)>,
    fields: Vec<(String, bool)>,
    minimum: Option<u64>,
    suppressed: usize,
    groups: Vec<GroupRow>,
}

pub async fn evidence(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<EvidenceQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadStats, &Resource::Store)?;
        let event = query.event.filter(|e| !e.is_empty()).unwrap_or_else(|| "posted".to_string());
        let by = query.by.filter(|b| !b.is_empty()).unwrap_or_else(|| "home_province".to_string());
        let readable = context.readable();
        let asked = muster_service::reports::StatsQuery {
            event: &event,
            by: &by,
            from: None,
            to: None,
            condition: None,
            readable: &readable,
            day,
        };
        let stats = muster_service::reports::stats(
            &context.army,
            &asked,
            minimum_cohort(&context),
            &context.budget,
        )?;
        let top = stats.groups.iter().map(|group| group.rate).fold(0.0_f64, f64::max);
        let groups = stats
            .groups
            .iter()
            .map(|group| GroupRow {
                name: if group.group.is_empty() {
                    "(empty)".to_string()
                } else {
                    group.group.clone()
                },
                population: group.population,
                with_event: group.with_event,
                rate: format!("{:.3}", group.rate),
                width: format!("{:.1}", if top > 0.0 { group.rate / top * 100.0 } else { 0.0 }),
            })
            .collect();
        let fields = muster_service::reports::cohort_fields()
            .into_iter()
            .filter(|field| readable.field(field))
            .map(|field| {
                let chosen = field == by;
                (field, chosen)
            })
            .collect();
        Ok(EvidencePage {
            viewer: Some(viewer),
            day,
            to: stats.to,
            events: muster_core::EventKind::ALL
                .iter()
                .map(|kind| (kind.as_str(), kind.as_str() == event))
                .collect(),
            fields,
            minimum: stats.minimum_cohort,
            suppressed: stats.suppressed_cohorts.unwrap_or(0),
            event,
            by,
            groups,
        })
    })
    .await
}
