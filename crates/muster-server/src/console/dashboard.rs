//! The dashboard: orders in force, the lists the viewer may read with their
//! flagged entries, the next discharge cycle, the organisation's notices.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_core::Role;

use super::lists::{ListRow, readable_lists};
use super::{PageQuery, Viewer, respond};
use crate::context::visible_roster;
use crate::extract::Query;
use crate::state::AppState;

struct OrderRow {
    id: String,
    issued_by: String,
    title: String,
}

struct CycleCounts {
    cycle: String,
    date: NaiveDate,
    scheduled: usize,
    delayed: usize,
    exempt: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct Dashboard {
    viewer: Option<Viewer>,
    day: NaiveDate,
    orders: Option<Vec<OrderRow>>,
    lists: Vec<ListRow>,
    cycle: Option<CycleCounts>,
    organisation: String,
    notices: Vec<(NaiveDate, String)>,
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = query.day()?;
        let context = viewer.context(&state)?;
        let orders = context.may(Action::ReadOrders, &Resource::Store).then(|| {
            muster_service::orders::list(context.army.book(), day)
                .orders
                .into_iter()
                .filter(|order| order.state == "in force")
                .map(|order| OrderRow {
                    id: order.id,
                    issued_by: order.issued_by,
                    title: order.title,
                })
                .collect()
        });
        let cycle = if context.may(Action::ReadRoster, &Resource::Store)
            && context.caller.principal.role != Role::UnitAdmin
        {
            let cycle = context.army.world().calendar.cycle_on_or_after(day);
            let roster = visible_roster(&context, cycle, day)?;
            Some(CycleCounts {
                cycle: roster.cycle.clone(),
                date: roster.date,
                scheduled: roster.count("scheduled"),
                delayed: roster.count("delayed"),
                exempt: roster.count("exempt"),
            })
        } else {
            None
        };
        let organisation = context.caller.principal.organisation.clone();
        let notices = muster_service::records::notices(context.store(), &organisation, day)
            .map(|notices| notices.notices)
            .unwrap_or_default()
            .into_iter()
            .rev()
            .take(20)
            .map(|notice| (notice.on, notice.message))
            .collect();
        Ok(Dashboard {
            lists: readable_lists(&context, day)?,
            viewer: Some(viewer),
            organisation,
            day,
            orders,
            cycle,
            notices,
        })
    })
    .await
}
