//! The default policies, role by role and action by action, on a resource
//! of the user's own organisation and of another.

use std::fmt::Write as _;

use expect_test::expect;

use super::*;

fn resource(action: Action, organisation: &str) -> Resource {
    let id = || format!("{organisation}-1");
    match action {
        Action::ReadRecords
        | Action::ReadOrders
        | Action::ReadRoster
        | Action::ReadStrength
        | Action::ReadStats
        | Action::ReadAudit => Resource::Store,
        Action::CheckOrder | Action::IssueOrder | Action::RevokeOrder => Resource::Order {
            id: id(),
            issued_by: organisation.to_string(),
            targets: vec!["discharge".to_string()],
        },
        Action::ReadPerson | Action::Explain => Resource::Person {
            id: id(),
            administrations: vec![organisation.to_string()],
            lists: vec![organisation.to_string()],
        },
        Action::CreateList | Action::ReadList | Action::ChangeList => Resource::List {
            id: id(),
            owner: organisation.to_string(),
            kind: "redeployment".to_string(),
        },
        Action::IssuePaper | Action::RevokePaper | Action::ReadPapers | Action::ReviewPaper => {
            Resource::Paper {
                id: id(),
                administrations: vec![organisation.to_string()],
                issuer: organisation.to_string(),
            }
        }
        Action::SetLimits => Resource::Store,
        Action::ReadNotices => Resource::Notices { organisation: organisation.to_string() },
        Action::ReadActs => Resource::Store,
        Action::RegisterPerson
        | Action::UpdatePerson
        | Action::Enlist
        | Action::Assign
        | Action::Deploy
        | Action::Recall
        | Action::RecordEvent
        | Action::Discharge
        | Action::Post
        | Action::Return
        | Action::DeployUnit
        | Action::RecallUnit
        | Action::ReverseAct
        | Action::CallUp
        | Action::Redeploy
        | Action::PostList
        | Action::CarryOut => Resource::Act(ActResource {
            administrations: vec![organisation.to_string()],
            lists: vec![organisation.to_string()],
            into: vec![organisation.to_string()],
            event: "injured".to_string(),
            placement: organisation.to_string(),
            recorded_by: organisation.to_string(),
        }),
    }
}

#[test]
fn the_default_policies_role_by_role() {
    let policies = Policies::default_policies().unwrap();
    let mut table = String::from("action          ");
    for role in Role::ALL {
        write!(table, "{:>12}", role.as_str()).unwrap();
    }
    table.push('\n');
    for action in Action::ALL {
        write!(table, "{:<16}", action.as_str()).unwrap();
        for role in Role::ALL {
            let principal = Principal {
                name: "someone".to_string(),
                organisation: "home".to_string(),
                role: *role,
            };
            let mark = |organisation: &str| {
                if policies.is_allowed(&principal, action, &resource(action, organisation)) {
                    "yes"
                } else {
                    "no"
                }
            };
            write!(table, "{:>12}", format!("{}/{}", mark("home"), mark("other"))).unwrap();
        }
        table.push('\n');
    }
    expect![[r#"
        action              ministry  department  unit-admin   placement     analyst     auditor
        read-records         yes/yes     yes/yes       no/no       no/no     yes/yes     yes/yes
        read-orders          yes/yes     yes/yes       no/no       no/no     yes/yes     yes/yes
        check-order          yes/yes      yes/no       no/no       no/no       no/no     yes/yes
        issue-order          yes/yes      yes/no       no/no       no/no       no/no       no/no
        revoke-order         yes/yes      yes/no       no/no       no/no       no/no       no/no
        read-person          yes/yes     yes/yes      yes/no      yes/no     yes/yes     yes/yes
        explain              yes/yes     yes/yes      yes/no       no/no       no/no     yes/yes
        create-list            no/no      yes/no       no/no      yes/no       no/no       no/no
        read-list            yes/yes      yes/no       no/no      yes/no       no/no     yes/yes
        change-list            no/no      yes/no       no/no      yes/no       no/no       no/no
        read-roster          yes/yes     yes/yes     yes/yes       no/no       no/no     yes/yes
        read-strength        yes/yes     yes/yes       no/no       no/no     yes/yes     yes/yes
        read-stats           yes/yes       no/no       no/no       no/no     yes/yes     yes/yes
        read-notices         yes/yes      yes/no      yes/no      yes/no      yes/no     yes/yes
        read-audit             no/no       no/no       no/no       no/no       no/no     yes/yes
        register-person      yes/yes     yes/yes       no/no       no/no       no/no       no/no
        update-person        yes/yes     yes/yes       no/no       no/no       no/no       no/no
        enlist               yes/yes     yes/yes       no/no       no/no       no/no       no/no
        assign               yes/yes     yes/yes      yes/no       no/no       no/no       no/no
        deploy               yes/yes     yes/yes       no/no       no/no       no/no       no/no
        recall               yes/yes     yes/yes       no/no       no/no       no/no       no/no
        record-event         yes/yes     yes/yes      yes/no       no/no       no/no       no/no
        discharge            yes/yes     yes/yes       no/no       no/no       no/no       no/no
        post                 yes/yes       no/no       no/no      yes/no       no/no       no/no
        return               yes/yes       no/no       no/no      yes/no       no/no       no/no
        deploy-unit          yes/yes     yes/yes       no/no       no/no       no/no       no/no
        recall-unit          yes/yes     yes/yes       no/no       no/no       no/no       no/no
        reverse-act          yes/yes      yes/no       no/no       no/no       no/no       no/no
        read-acts            yes/yes     yes/yes       no/no       no/no       no/no     yes/yes
        call-up              yes/yes      yes/no       no/no       no/no       no/no       no/no
        redeploy             yes/yes      yes/no       no/no       no/no       no/no       no/no
        post-list            yes/yes       no/no       no/no      yes/no       no/no       no/no
        carry-out            yes/yes     yes/yes       no/no       no/no       no/no       no/no
        issue-paper          yes/yes     yes/yes      yes/no       no/no       no/no       no/no
        revoke-paper         yes/yes      yes/no      yes/no       no/no       no/no       no/no
        read-papers          yes/yes       no/no      yes/no       no/no       no/no     yes/yes
        review-paper         yes/yes       no/no       no/no       no/no       no/no     yes/yes
        set-limits           yes/yes       no/no       no/no       no/no       no/no       no/no
    "#]]
    .assert_eq(&table);
}

#[test]
fn the_whole_register_and_its_report_are_the_auditors_and_the_ministrys() {
    let policies = Policies::default_policies().unwrap();
    for role in Role::ALL {
        let principal = Principal {
            name: "someone".to_string(),
            organisation: "home".to_string(),
            role: *role,
        };
        let whole = policies.is_allowed(&principal, Action::ReadPapers, &Resource::Store);
        assert_eq!(whole, [Role::Ministry, Role::Auditor].contains(role), "{role:?}");
    }
}

#[test]
fn a_department_issues_only_discharge_orders() {
    let policies = Policies::default_policies().unwrap();
    let department = Principal {
        name: "ko".to_string(),
        organisation: "errd".to_string(),
        role: Role::Department,
    };
    let order = |targets: &[&str]| Resource::Order {
        id: "errd-2021-007".to_string(),
        issued_by: "errd".to_string(),
        targets: targets.iter().map(|target| (*target).to_string()).collect(),
    };
    assert!(policies.is_allowed(&department, Action::IssueOrder, &order(&["discharge"])));
    assert!(!policies.is_allowed(
        &department,
        Action::IssueOrder,
        &order(&["discharge", "overseas-posting"])
    ));
    assert!(!policies.is_allowed(&department, Action::IssueOrder, &order(&["overseas-posting"])));
    let list = |kind: &str| Resource::List {
        id: "l".to_string(),
        owner: "errd".to_string(),
        kind: kind.to_string(),
    };
    assert!(policies.is_allowed(&department, Action::ChangeList, &list("redeployment")));
    assert!(!policies.is_allowed(&department, Action::ChangeList, &list("overseas-posting")));
}

#[test]
fn policies_that_do_not_fit_the_schema_are_refused() {
    let error = Policies::new(
        r#"permit (principal, action, resource) when { principal.rank == "general" };"#,
    )
    .err()
    .unwrap();
    assert!(matches!(error, PolicyError::Invalid(_)), "{error}");
    assert!(error.to_string().contains("rank"), "{error}");
    let error = Policies::new("permit (principal, action, resource").err().unwrap();
    assert!(matches!(error, PolicyError::Parse(_)), "{error}");
}

#[test]
fn a_placement_sees_only_the_fields_it_needs() {
    let auditor = PersonCut::new(Role::Auditor, Vec::new());
    assert!(auditor.shows_every_field() && auditor.shows_history());
    let placement = PersonCut::new(Role::Placement, Vec::new());
    let shown: Vec<&str> = [
        "id",
        "name",
        "born",
        "sex",
        "home_province",
        "home_county",
        "specialty",
        "status",
        "rank",
        "service",
    ]
    .into_iter()
    .filter(|field| placement.shows_field(field))
    .collect();
    assert_eq!(shown, ["id", "name", "born", "sex", "home_province", "specialty", "status"]);
    assert!(!placement.shows_history());
    // A condition it writes reads those, and the age they give, and no
    // method of a person's history.
    let (reads, methods) = condition_reads(Role::Placement).unwrap();
    assert!(reads.contains(&"age") && reads.contains(&"home_province"));
    assert!(!reads.contains(&"home_county") && !reads.contains(&"rank"));
    assert!(methods.is_empty());
    assert_eq!(condition_reads(Role::Analyst), None);
}

#[test]
fn a_unit_administration_sees_the_history_of_its_units_only() {
    let day = |text: &str| muster_core::parse_date(text).unwrap();
    let assignments = vec![
        Assignment {
            unit: "sf-1".into(),
            from: day("2000-04-01"),
            to: Some(day("2004-03-31")),
            administered: false,
        },
        Assignment {
            unit: "c8-2".into(),
            from: day("2004-04-01"),
            to: Some(day("2014-09-30")),
            administered: true,
        },
    ];
    let ministry = PersonCut::new(Role::Ministry, assignments.clone());
    assert!(ministry.keeps_assignment("sf-1", day("2000-04-01")));
    assert!(ministry.keeps_day(day("2018-03-01")));
    let unit = PersonCut::new(Role::UnitAdmin, assignments);
    assert!(unit.shows_every_field());
    assert!(!unit.keeps_assignment("sf-1", day("2000-04-01")));
    assert!(unit.keeps_assignment("c8-2", day("2004-04-01")));
    // A deployment overlapping his time in its unit, not one before.
    assert!(!unit.keeps_period(day("2001-01-01"), Some(day("2002-01-01"))));
    assert!(unit.keeps_period(day("2010-01-01"), None));
    // Events within his time there, and his discharge the day after.
    assert!(!unit.keeps_day(day("2002-05-01")));
    assert!(unit.keeps_day(day("2014-10-01")));
    assert!(!unit.keeps_day(day("2018-03-01")));
}
