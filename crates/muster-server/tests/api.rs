//! The API without a socket (`app().oneshot`), on a store holding the
//! reference scenario, with a user and a token for each role.

#![expect(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use std::collections::HashMap;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use muster_access::{Policies, Principal, Resource};
use muster_core::Role;
use muster_server::{AppState, ROUTES, app};
use muster_store::{EntryAction, NewAct, NewList, NewOrder, NewUser, SqliteStore, Store};
use serde_json::Value;
use tower::ServiceExt;

fn act(kind: &str, day: &str) -> NewAct {
    NewAct {
        kind: kind.to_string(),
        valid_on: NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap(),
        actor: "test".to_string(),
        summary: kind.to_string(),
    }
}

/// The store, its state, and a token for each user by name.
struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    tokens: HashMap<&'static str, String>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("muster.db");
    let mut store = SqliteStore::create(&db).unwrap();
    let reference =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../muster-cli/tests/fixtures/reference");
    let dataset = muster_dataset::read_dataset(&reference).unwrap();
    store
        .import(dataset, muster_dataset::Mode::New, act("import", "2020-01-01"), &mut |_, _| {})
        .unwrap();
    for (file, day) in [("mod-2023-002", "2023-01-10"), ("mod-2024-001", "2024-01-02")] {
        let document =
            std::fs::read_to_string(reference.join(format!("orders/{file}.toml"))).unwrap();
        let order = NewOrder {
            id: file.to_string(),
            document,
            overridden: false,
            impact: "{}".to_string(),
        };
        store.issue_order(act("order-issue", day), order, &[]).unwrap();
    }
    let list = NewList {
        id: "haebit-2023".to_string(),
        kind: "overseas-posting".to_string(),
        owner: "haebit".to_string(),
        title: String::new(),
        quota: None,
    };
    store.create_list(act("list-create", "2023-06-01"), list).unwrap();
    let persons: Vec<String> =
        ["p002", "p003", "p004", "p008", "p009"].iter().map(|p| p.to_string()).collect();
    store
        .change_entries(
            act("list-add", "2023-06-01"),
            "haebit-2023",
            &persons,
            EntryAction::Add,
            &[],
        )
        .unwrap();
    // A list owned by each organisation of the matrix, and one of sonbong's.
    for (organisation, kind) in [
        ("mod", "overseas-posting"),
        ("errd", "redeployment"),
        ("adm-c8", "overseas-posting"),
        ("msc", "overseas-posting"),
        ("sonbong", "overseas-posting"),
    ] {
        let list = NewList {
            id: format!("{organisation}-list"),
            kind: kind.to_string(),
            owner: organisation.to_string(),
            title: String::new(),
            quota: None,
        };
        store.create_list(act("list-create", "2023-06-01"), list).unwrap();
    }
    let persons: Vec<String> = ["p001", "p005"].iter().map(|p| p.to_string()).collect();
    store
        .change_entries(
            act("list-add", "2023-06-01"),
            "sonbong-list",
            &persons,
            EntryAction::Add,
            &[],
        )
        .unwrap();
    let mut tokens = HashMap::new();
    for (name, organisation, role) in [
        ("minister", "mod", "ministry"),
        ("placer", "haebit", "placement"),
        ("other-placer", "sonbong", "placement"),
        ("auditor", "mod", "auditor"),
        ("errd-officer", "errd", "department"),
        ("c8-officer", "adm-c8", "unit-admin"),
        ("analyst", "msc", "analyst"),
    ] {
        let user = NewUser {
            name: name.to_string(),
            organisation: organisation.to_string(),
            role: role.to_string(),
            password_hash: muster_access::hash_password("a long test password").unwrap(),
            disabled: false,
        };
        store.put_user(act("user-add", "2024-01-01"), user, "{}").unwrap();
        let token = muster_access::generate_token();
        store
            .add_token(
                act("user-token", "2024-01-01"),
                name,
                "test",
                &muster_access::token_sha256(&token),
            )
            .unwrap();
        tokens.insert(name, token);
    }
    let state = AppState::new(&db, Policies::default_policies().unwrap());
    Fixture { _dir: dir, state, tokens }
}

impl Fixture {
    async fn get(&self, path: &str, user: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::get(path);
        if let Some(user) = user {
            request = request.header("Authorization", format!("Bearer {}", self.tokens[user]));
        }
        let response =
            app(self.state.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, body)
    }
}

#[tokio::test]
async fn a_list_reads_as_the_command_line_shows_it() {
    let fixture = fixture();
    let (status, body) =
        fixture.get("/api/v1/lists/haebit-2023?as_of=2024-01-10", Some("placer")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let statuses: Vec<String> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            format!("{} {}", entry["person"].as_str().unwrap(), entry["status"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        statuses,
        ["p002 flagged", "p003 eligible", "p004 flagged", "p008 eligible", "p009 excluded"]
    );
    let (status, body) = fixture
        .get("/api/v1/lists/haebit-2023?as_of=2024-01-10&status=flagged", Some("minister"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["entries"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_placement_reads_its_own_lists_and_only_the_fields_it_needs() {
    let fixture = fixture();
    let (status, body) = fixture.get("/api/v1/lists/haebit-2023", Some("other-placer")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["status"], 403);
    assert!(body["error"]["message"].as_str().unwrap().contains("may not read-list"));

    let (status, body) = fixture.get("/api/v1/people/p004?as_of=2024-01-10", Some("placer")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["born", "home_province", "id", "name", "sex", "specialty", "status"]);
    // Not on any of his lists.
    let (status, _) = fixture.get("/api/v1/people/p001?as_of=2024-01-10", Some("placer")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The ministry sees the whole record, service history included.
    let (status, body) =
        fixture.get("/api/v1/people/p004?as_of=2024-01-10", Some("minister")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["service"].as_array().is_some_and(|service| !service.is_empty()), "{body}");

    // Each refusal is on the audit log, and the log stays intact.
    let (_, log) = fixture.get("/api/v1/audit", Some("auditor")).await;
    let denied =
        log["entries"].as_array().unwrap().iter().filter(|entry| entry["kind"] == "denied").count();
    assert_eq!(denied, 2);
    let (_, verify) = fixture.get("/api/v1/audit/verify", Some("auditor")).await;
    assert_eq!(verify["intact"], true);
}

#[tokio::test]
async fn bad_requests_get_a_4xx_that_says_what_is_wrong() {
    let fixture = fixture();
    let cases = [
        ("/api/v1/people/p004", None, StatusCode::UNAUTHORIZED),
        ("/api/v1/people/nobody", Some("minister"), StatusCode::NOT_FOUND),
        ("/api/v1/people/p004?as_of=2024-13-01", Some("minister"), StatusCode::BAD_REQUEST),
        ("/api/v1/lists/haebit-2023?status=maybe", Some("minister"), StatusCode::BAD_REQUEST),
        ("/api/v1/discharge/rosters/2020-summer", Some("minister"), StatusCode::BAD_REQUEST),
        ("/api/v1/audit", Some("minister"), StatusCode::OK),
        ("/api/v1/audit", Some("placer"), StatusCode::FORBIDDEN),
        ("/api/v1/nothing", Some("minister"), StatusCode::NOT_FOUND),
    ];
    for (path, user, expected) in cases {
        let (status, body) = fixture.get(path, user).await;
        assert_eq!(status, expected, "{path}: {body}");
        if !status.is_success() {
            assert_eq!(body["error"]["status"], status.as_u16(), "{path}: {body}");
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn metrics_count_the_requests() {
    let fixture = fixture();
    let state = fixture.state.clone();
    let service = app(state);
    for _ in 0..3 {
        let request = Request::get("/api/v1/health").body(Body::empty()).unwrap();
        let response = service.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response =
        service.oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    let text = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec())
        .unwrap();
    assert!(
        text.contains(
            r#"muster_http_requests_total{method="GET",route="/api/v1/health",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(text.contains("muster_http_request_seconds_bucket"), "{text}");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let fixture = fixture();
    let (status, document) = fixture.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for route in ROUTES
        .iter()
        .filter(|route| route.path.starts_with("/api/v1/") && route.path != "/api/v1/openapi.json")
    {
        let method = route.method.to_lowercase();
        assert!(
            document["paths"][route.path][&method].is_object(),
            "{} {} is not in the OpenAPI document",
            route.method,
            route.path
        );
    }
    // And every documented route is in the route table, so the matrix
    // below covers it.
    for (path, methods) in document["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            assert!(
                ROUTES
                    .iter()
                    .any(|route| route.path == path && route.method.eq_ignore_ascii_case(method)),
                "{method} {path} is documented but not in the route table"
            );
        }
    }
}

/// The user of each role in the matrix, and his organisation.
const MATRIX_USERS: [(&str, &str, Role); 6] = [
    ("minister", "mod", Role::Ministry),
    ("errd-officer", "errd", Role::Department),
    ("c8-officer", "adm-c8", Role::UnitAdmin),
    ("placer", "haebit", Role::Placement),
    ("analyst", "msc", Role::Analyst),
    ("auditor", "mod", Role::Auditor),
];

/// The facts of the reference people the matrix reads: the organisations
/// administering their units, and the owners of the lists they are on.
fn person_facts(id: &str) -> Resource {
    let (administrations, lists): (&[&str], &[&str]) = match id {
        "p004" => (&["adm-c8"], &["haebit"]),
        "p001" => (&["adm-c8"], &["sonbong"]),
        "p010" => (&["adm-c8"], &[]),
        "p009" => (&["adm-east-fleet"], &["haebit"]),
        other => panic!("no facts for {other}"),
    };
    Resource::Person {
        id: id.to_string(),
        administrations: administrations.iter().map(|s| s.to_string()).collect(),
        lists: lists.iter().map(|s| s.to_string()).collect(),
    }
}

/// For a route, a user and "own" or "other": the path to call and the
/// resource the policies are asked about. A route without an entry here
/// fails the matrix.
fn matrix_entry(route: &str, organisation: &str, role: Role, own: bool) -> (String, Resource) {
    match route {
        "/api/v1/people/{id}" => {
            let person = match (role, own) {
                (Role::UnitAdmin, true) => "p010",
                (Role::UnitAdmin, false) => "p009",
                (_, true) => "p004",
                (_, false) => "p001",
            };
            (format!("/api/v1/people/{person}?as_of=2024-01-10"), person_facts(person))
        }
        "/api/v1/lists/{id}" => {
            let (list, owner, kind) = match (organisation, own) {
                ("haebit", true) => ("haebit-2023".to_string(), "haebit", "overseas-posting"),
                ("errd", true) => ("errd-list".to_string(), "errd", "redeployment"),
                (organisation, true) => {
                    (format!("{organisation}-list"), organisation, "overseas-posting")
                }
                (_, false) => ("sonbong-list".to_string(), "sonbong", "overseas-posting"),
            };
            let path = format!("/api/v1/lists/{list}?as_of=2024-01-10");
            (path, Resource::List { id: list, owner: owner.to_string(), kind: kind.to_string() })
        }
        "/api/v1/orders" => ("/api/v1/orders?as_of=2024-01-10".to_string(), Resource::Store),
        "/api/v1/discharge/rosters/{cycle}" => {
            ("/api/v1/discharge/rosters/2020-autumn?as_of=2020-12-31".to_string(), Resource::Store)
        }
        "/api/v1/audit" | "/api/v1/audit/verify" => (route.to_string(), Resource::Store),
        other => panic!("the route {other} has no entry in the authorization matrix"),
    }
}

#[tokio::test]
async fn the_authorization_matrix_of_every_route_role_and_organisation() {
    let fixture = fixture();
    let policies = Policies::default_policies().unwrap();
    let allowed_person_fields = muster_access::person_fields(Role::Placement).unwrap();
    let mut checked = 0;
    let mut allowed = 0;
    for route in ROUTES {
        let Some(action) = route.action else { continue };
        for (user, organisation, role) in MATRIX_USERS {
            for own in [true, false] {
                let (path, resource) = matrix_entry(route.path, organisation, role, own);
                let principal = Principal {
                    name: user.to_string(),
                    organisation: organisation.to_string(),
                    role,
                };
                let expected = policies.is_allowed(&principal, action, &resource);
                let (status, body) = fixture.get(&path, Some(user)).await;
                let which = if own { "own" } else { "other" };
                if expected {
                    allowed += 1;
                    assert_eq!(
                        status,
                        StatusCode::OK,
                        "{} {path} as {role} ({which}): {body}",
                        route.method
                    );
                } else {
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{} {path} as {role} ({which}): {body}",
                        route.method
                    );
                }
                if role == Role::Placement && status == StatusCode::OK {
                    if let Some(object) =
                        body.as_object().filter(|_| route.path.starts_with("/api/v1/people"))
                    {
                        for key in object.keys() {
                            assert!(
                                allowed_person_fields.contains(&key.as_str()),
                                "a placement saw `{key}`"
                            );
                        }
                    }
                    for entry in body["entries"].as_array().into_iter().flatten() {
                        for key in entry.as_object().unwrap().keys() {
                            assert!(
                                ["person", "status", "reasons"].contains(&key.as_str()),
                                "a placement saw `{key}`"
                            );
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    let guarded = ROUTES.iter().filter(|route| route.action.is_some()).count();
    assert_eq!(checked, guarded * MATRIX_USERS.len() * 2);
    // Both answers occur, for a matrix that could not pass by chance.
    assert!(allowed > 10 && checked - allowed > 10, "{allowed} allowed of {checked}");
}
