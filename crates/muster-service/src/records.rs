//! The records other than people: units, sites with their campaigns; and
//! the notices left for an organisation.

use chrono::NaiveDate;
use muster_orders::World;
use muster_store::Store;

use crate::ServiceError;
use crate::views::{self, CampaignRow, Notice, SiteRow, UnitRow};

/// The units, in the order of their ids.
pub fn units(world: &World) -> views::Units {
    let mut units: Vec<UnitRow> = world
        .units
        .values()
        .map(|unit| UnitRow {
            id: unit.id.clone(),
            name: unit.name.clone(),
            parent: unit.parent.clone(),
            branch: unit.branch.as_str().to_string(),
            tags: unit.tags.clone(),
            administration: unit.administration.clone(),
        })
        .collect();
    units.sort_by(|a, b| a.id.cmp(&b.id));
    views::Units { units }
}

/// The sites, each with its campaigns.
pub fn sites(world: &World) -> views::Sites {
    views::Sites {
        sites: world
            .sites
            .iter()
            .map(|site| SiteRow {
                id: site.id.clone(),
                name: site.name.clone(),
                province: site.province.clone(),
                kind: site.kind.clone(),
                campaigns: world
                    .campaigns
                    .iter()
                    .filter(|campaign| campaign.site == site.id)
                    .map(|campaign| CampaignRow {
                        id: campaign.id.clone(),
                        site: campaign.site.clone(),
                        from: campaign.from,
                        to: campaign.to,
                        required: campaign.required,
                        required_technicians: campaign.required_technicians,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The notices left for an organisation by `day`.
pub fn notices(
    store: &dyn Store,
    organisation: &str,
    day: NaiveDate,
) -> Result<views::Notices, ServiceError> {
    if !crate::organisation_exists(store, organisation)? {
        return Err(ServiceError::NotFound(format!(
            "unknown organisation `{organisation}`: notices are left for the organisations of the store"
        )));
    }
    let notices = store
        .notices(organisation)?
        .into_iter()
        .filter(|notice| notice.act.valid_on <= day)
        .map(|notice| Notice {
            on: notice.act.valid_on,
            order: notice.order,
            list: notice.list,
            message: notice.message,
        })
        .collect();
    Ok(views::Notices { organisation: organisation.to_string(), as_of: day, notices })
}

/// The audit log, filtered by the first day recorded and the actor.
pub fn audit_log(
    store: &dyn Store,
    since: Option<NaiveDate>,
    actor: Option<&str>,
) -> Result<views::AuditLog, ServiceError> {
    let since = since.map(|day| day.to_string());
    let entries = store
        .audit_log()?
        .into_iter()
        .filter(|entry| {
            since.as_ref().is_none_or(|since| entry.recorded_at.get(..10) >= Some(since.as_str()))
        })
        .filter(|entry| actor.is_none_or(|actor| entry.actor == actor))
        .map(|entry| views::AuditRow {
            seq: entry.seq,
            act: entry.act,
            recorded_at: entry.recorded_at,
            actor: entry.actor,
            kind: entry.kind,
            valid_on: entry.valid_on,
            summary: entry.summary,
            content: serde_json::from_str(&entry.content).unwrap_or(serde_json::Value::Null),
            previous: entry.previous,
            hash: entry.hash,
        })
        .collect();
    Ok(views::AuditLog { entries })
}

/// Whether the audit log is intact, and if not, where.
pub fn audit_verify(store: &dyn Store) -> Result<views::AuditVerdict, ServiceError> {
    let log = store.audit_log()?;
    let head = log.last().map(|last| views::AuditHead { seq: last.seq, hash: last.hash.clone() });
    Ok(match store.audit_verify()? {
        None => views::AuditVerdict {
            intact: true,
            entries: log.len(),
            head,
            entry: None,
            problem: None,
        },
        Some(problem) => views::AuditVerdict {
            intact: false,
            entries: log.len(),
            head: None,
            entry: Some(problem.seq),
            problem: Some(problem.problem),
        },
    })
}
