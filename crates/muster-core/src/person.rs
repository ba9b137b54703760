//! One person's file: his record, his history, and what follows from them on
//! a day (term end, discharge, status, deployments).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::calendar::{Calendar, Cycle, term_end};
use crate::model::{Assignment, Deployed, Deployment, Event, EventKind, HeldPaper, Person};
use crate::units::UnitTree;

/// A person's status on a day: the first of these that holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A `killed` event on or before the day.
    Killed,
    /// An `awol` event on or before the day.
    Awol,
    /// Posted abroad, not returned.
    Abroad,
    /// A `discharged` event, or his discharge date has come.
    Discharged,
    /// Enlisted.
    Serving,
    /// None of the above.
    Civilian,
}

/// A person with every history row that concerns him: his assignments, the
/// deployments that name him or a unit he ever served in (or a unit above
/// one), and his events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonFile {
    pub person: Person,
    pub assignments: Vec<Assignment>,
    pub deployments: Vec<Deployment>,
    pub events: Vec<Event>,
    /// His exemption papers entered as papers; those of his `exempted`
    /// events are read from `events` (`PersonFile::papers`).
    pub papers: Vec<HeldPaper>,
}

/// A deployment that holds a person on some days, and through which unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonDeployment<'a> {
    pub deployment: &'a Deployment,
    /// The days he is deployed by it: the overlap of the deployment and of
    /// the assignment that puts him in the unit (the deployment's own period
    /// when it names him).
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl PersonFile {
    /// The last day of his term, `None` for one who never served.
    pub fn term_end(&self) -> Option<NaiveDate> {
        term_end(self.person.enlisted?, self.person.term_months?)
    }

    /// His discharge cycle: the first cycle on or after his term end.
    pub fn discharge_cycle(&self, calendar: &Calendar) -> Option<Cycle> {
        Some(calendar.cycle_on_or_after(self.term_end()?))
    }

    /// The first `discharged` event on or before `day`.
    pub fn discharged_on(&self, day: NaiveDate) -> Option<NaiveDate> {
        self.events_by(day)
            .filter(|event| event.kind == EventKind::Discharged)
            .map(|event| event.date)
            .min()
    }

    /// His discharge date as known on `day`, before any order: a recorded
    /// discharge, else the date of his discharge cycle.
    pub fn scheduled_discharge(&self, calendar: &Calendar, day: NaiveDate) -> Option<NaiveDate> {
        self.discharged_on(day)
            .or_else(|| Some(calendar.cycle_date(self.discharge_cycle(calendar)?)))
    }

    /// His status on `day`, given his discharge date (computed by the caller,
    /// who knows the orders in force).
    pub fn status_on(&self, day: NaiveDate, discharge: Option<NaiveDate>) -> Status {
        status_of(
            self.events.iter().map(|event| (event.kind, event.date)),
            self.person.enlisted,
            discharge,
            day,
        )
    }

    /// His age in whole years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> i64 {
        age_on(self.person.born, day)
    }

    /// Whether a paper of his exempts him from `scope` on `day`: an
    /// `exempted` event of that scope dated by then, or a paper of that
    /// scope valid that day and not revoked by then.
    pub fn exempted(&self, scope: &str, day: NaiveDate) -> bool {
        self.events_by(day)
            .any(|event| event.kind == EventKind::Exempted && event.exemption_scope() == scope)
            || self.papers.iter().any(|held| held.paper.scope == scope && held.holds_on(day))
    }

    /// His events dated on or before `day`.
    pub fn events_by(&self, day: NaiveDate) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |event| event.date <= day)
    }

    /// The periods he is deployed, each with its deployment, in order of
    /// their first day.
    pub fn deployment_periods<'a>(&'a self, tree: &UnitTree) -> Vec<PersonDeployment<'a>> {
        let mut periods = Vec::new();
        for deployment in &self.deployments {
            match &deployment.deployed {
                Deployed::Person(id) if *id == self.person.id => periods.push(PersonDeployment {
                    deployment,
                    from: deployment.from,
                    to: deployment.to,
                }),
                Deployed::Person(_) => {}
                Deployed::Unit(unit) => {
                    for assignment in &self.assignments {
                        if !tree.is_within(&assignment.unit, unit) {
                            continue;
                        }
                        let from = deployment.from.max(assignment.from);
                        let to = match (deployment.to, assignment.to) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                        if to.is_none_or(|to| from <= to) {
                            periods.push(PersonDeployment { deployment, from, to });
                        }
                    }
                }
            }
        }
        periods.sort_by(|a, b| (a.from, &a.deployment.site).cmp(&(b.from, &b.deployment.site)));
        periods
    }

    /// Whether he is deployed at `site` on `day`.
    pub fn deployed_at(&self, tree: &UnitTree, site: &str, day: NaiveDate) -> bool {
        self.deployment_periods(tree).iter().any(|period| {
            period.deployment.site == site && crate::model::covers(period.from, period.to, day)
        })
    }
}

/// A person's status on `day`: the first of these that holds (orders.md):
/// `killed`, `awol` (an awol event), `abroad` (posted, not returned),
/// `discharged` (a discharged event, or his discharge date has come),
/// `serving` (enlisted), `civilian`. `events` are all his events (kind and
/// date); those after `day` are not counted. Dates are anything ordered, so
/// that packed day numbers can use it too.
pub fn status_of<D: Ord + Copy>(
    events: impl IntoIterator<Item = (EventKind, D)>,
    enlisted: Option<D>,
    discharge: Option<D>,
    day: D,
) -> Status {
    let mut killed = false;
    let mut awol = false;
    let mut discharged = false;
    let mut last_posted: Option<D> = None;
    let mut last_returned: Option<D> = None;
    for (kind, date) in events.into_iter().filter(|(_, date)| *date <= day) {
        match kind {
            EventKind::Killed => killed = true,
            EventKind::Awol => awol = true,
            EventKind::Discharged => discharged = true,
            EventKind::Posted => last_posted = last_posted.max(Some(date)),
            EventKind::Returned => last_returned = last_returned.max(Some(date)),
            _ => {}
        }
    }
    let abroad = match (last_posted, last_returned) {
        (Some(posted), Some(returned)) => returned < posted,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if killed {
        Status::Killed
    } else if awol {
        Status::Awol
    } else if abroad {
        Status::Abroad
    } else if discharged || discharge.is_some_and(|date| date <= day) {
        Status::Discharged
    } else if enlisted.is_some_and(|enlisted| enlisted <= day) {
        Status::Serving
    } else {
        Status::Civilian
    }
}

/// Age in whole years on `day` of one born on `born`.
pub fn age_on(born: NaiveDate, day: NaiveDate) -> i64 {
    let mut age = i64::from(day.year()) - i64::from(born.year());
    if (day.month(), day.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

impl Status {
    /// Every status, in the order they are decided: the first that holds
    /// is his status.
    pub const ALL: &'static [Status] = &[
        Status::Killed,
        Status::Awol,
        Status::Abroad,
        Status::Discharged,
        Status::Serving,
        Status::Civilian,
    ];

    /// The word for this status.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Killed => "killed",
            Status::Awol => "awol",
            Status::Abroad => "abroad",
            Status::Discharged => "discharged",
            Status::Serving => "serving",
            Status::Civilian => "civilian",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;
    use crate::model::{Branch, Sex, Unit};

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    fn soldier(enlisted: &str, term_months: u32) -> PersonFile {
        PersonFile {
            person: Person {
                id: "p1".into(),
                name: "Kim Chol-su".into(),
                born: day("1990-05-10"),
                sex: Sex::Male,
                home_province: "Chagang".into(),
                home_county: String::new(),
                branch: Some(Branch::Army),
                rank: String::new(),
                specialty: String::new(),
                enlisted: Some(day(enlisted)),
                term_months: Some(term_months),
            },
            assignments: vec![],
            deployments: vec![],
            events: vec![],
            papers: vec![],
        }
    }

    fn event(date: &str, kind: EventKind) -> Event {
        Event {
            person: "p1".into(),
            date: day(date),
            kind,
            reference: String::new(),
            detail: String::new(),
        }
    }

    fn paper(from: &str, until: Option<&str>, revoked: Option<&str>) -> HeldPaper {
        HeldPaper {
            id: "X-000001".into(),
            paper: crate::model::Paper {
                document: "MED-1".into(),
                person: "p1".into(),
                scope: "redeployment".into(),
                grounds: crate::model::Grounds::Medical,
                text: String::new(),
                issuer: "msc".into(),
                official: String::new(),
                issued_on: day(from),
                valid_from: day(from),
                valid_until: until.map(day),
            },
            revoked: revoked
                .map(|on| crate::model::Revocation { on: day(on), reason: "bought".into() }),
        }
    }

    #[test]
    fn a_paper_exempts_from_its_first_day_to_its_last_or_its_revocation() {
        let mut file = soldier("2018-04-01", 120);
        file.papers.push(paper("2020-03-01", Some("2020-08-31"), None));
        assert!(!file.exempted("redeployment", day("2020-02-29")));
        assert!(file.exempted("redeployment", day("2020-03-01")));
        assert!(file.exempted("redeployment", day("2020-08-31")));
        assert!(!file.exempted("redeployment", day("2020-09-01")));
        assert!(!file.exempted("delay", day("2020-05-01")));
        // Revoked: it exempts up to the day before the revocation.
        file.papers[0] = paper("2020-03-01", None, Some("2020-05-01"));
        assert!(file.exempted("redeployment", day("2020-04-30")));
        assert!(!file.exempted("redeployment", day("2020-05-01")));
        assert_eq!(file.papers[0].period(), Some((day("2020-03-01"), Some(day("2020-04-30")))));
        // Revoked on its first day: it exempts on no day at all.
        file.papers[0] = paper("2020-03-01", None, Some("2020-03-01"));
        assert_eq!(file.papers[0].period(), None);
        // A revocation after its end changes nothing.
        file.papers[0] = paper("2020-03-01", Some("2020-04-01"), Some("2020-06-01"));
        assert_eq!(file.papers[0].period(), Some((day("2020-03-01"), Some(day("2020-04-01")))));
        // An `exempted` event exempts from its day on, without end.
        let mut event = event("2021-01-10", EventKind::Exempted);
        event.detail = "redeployment: medical certificate 2021/1".into();
        file.events.push(event);
        assert!(file.exempted("redeployment", day("2030-01-01")));
        assert!(!file.exempted("redeployment", day("2021-01-09")));
    }

    #[test]
    fn status_follows_the_order_of_precedence() {
        let calendar = Calendar::default();
        let mut file = soldier("2010-09-15", 120);
        let discharge = file.scheduled_discharge(&calendar, day("2030-01-01"));
        assert_eq!(discharge, Some(day("2020-10-01")));
        assert_eq!(file.status_on(day("2010-01-01"), discharge), Status::Civilian);
        assert_eq!(file.status_on(day("2010-09-15"), discharge), Status::Serving);
        assert_eq!(file.status_on(day("2020-09-30"), discharge), Status::Serving);
        assert_eq!(file.status_on(day("2020-10-01"), discharge), Status::Discharged);
        file.events.push(event("2021-03-01", EventKind::Posted));
        assert_eq!(file.status_on(day("2021-03-01"), discharge), Status::Abroad);
        file.events.push(event("2022-03-01", EventKind::Returned));
        assert_eq!(file.status_on(day("2022-03-01"), discharge), Status::Discharged);
        file.events.push(event("2023-03-01", EventKind::Posted));
        file.events.push(event("2023-05-01", EventKind::Awol));
        assert_eq!(file.status_on(day("2023-04-01"), discharge), Status::Abroad);
        assert_eq!(file.status_on(day("2023-05-01"), discharge), Status::Awol);
        file.events.push(event("2024-01-01", EventKind::Killed));
        assert_eq!(file.status_on(day("2024-01-01"), discharge), Status::Killed);
    }

    #[test]
    fn a_recorded_discharge_overrides_the_cycle() {
        let calendar = Calendar::default();
        let mut file = soldier("2010-01-15", 120);
        file.events.push(event("2019-05-01", EventKind::Discharged));
        assert_eq!(file.scheduled_discharge(&calendar, day("2019-04-30")), Some(day("2020-02-01")));
        assert_eq!(file.scheduled_discharge(&calendar, day("2019-05-01")), Some(day("2019-05-01")));
        assert_eq!(file.status_on(day("2019-05-01"), None), Status::Discharged);
    }

    #[test]
    fn age_counts_whole_years() {
        let file = soldier("2010-01-15", 120);
        assert_eq!(file.age_on(day("2020-05-09")), 29);
        assert_eq!(file.age_on(day("2020-05-10")), 30);
    }

    #[test]
    fn a_unit_deployment_holds_the_members_of_its_sub_units_while_assigned() {
        let units = [
            Unit {
                id: "c8".into(),
                name: "8th Corps".into(),
                parent: None,
                branch: Branch::Army,
                tags: vec![],
                administration: None,
            },
            Unit {
                id: "c8-1".into(),
                name: "1st".into(),
                parent: Some("c8".into()),
                branch: Branch::Army,
                tags: vec![],
                administration: None,
            },
        ];
        let tree = UnitTree::new(&units);
        let mut file = soldier("2010-01-15", 120);
        file.assignments.push(Assignment {
            person: "p1".into(),
            unit: "c8-1".into(),
            from: day("2010-01-15"),
            to: Some(day("2020-01-31")),
        });
        file.deployments.push(Deployment {
            deployed: Deployed::Unit("c8".into()),
            site: "gomdok".into(),
            campaign: String::new(),
            from: day("2019-09-01"),
            to: None,
        });
        assert!(!file.deployed_at(&tree, "gomdok", day("2019-08-31")));
        assert!(file.deployed_at(&tree, "gomdok", day("2019-09-01")));
        assert!(file.deployed_at(&tree, "gomdok", day("2020-01-31")));
        assert!(!file.deployed_at(&tree, "gomdok", day("2020-02-01")));
        let periods = file.deployment_periods(&tree);
        assert_eq!(periods.len(), 1);
        assert_eq!(periods[0].to, Some(day("2020-01-31")));
    }
}
