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
    db: std::path::PathBuf,
    state: AppState,
    tokens: HashMap<&'static str, String>,
}

/// A harmless discharge order issued by an organisation: it delays nobody.
fn harmless_order(id: &str, issued_by: &str, issued_on: &str) -> String {
    format!(
        r#"id = "{id}"
title = "A harmless order"
issued_by = "{issued_by}"
issued_on = {issued_on}

[[rules]]
applies_to = "discharge"
effect = "delay"
until = 2030-01-01
when = 'person.home_province == "Chagang" && person.home_province != "Chagang"'
reason = "nobody"
"#
    )
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
    for organisation in ["mod", "errd", "adm-c8", "msc"] {
        store
            .change_entries(
                act("list-add", "2023-06-01"),
                &format!("{organisation}-list"),
                &["p003".to_string()],
                EntryAction::Add,
                &[],
            )
            .unwrap();
    }
    // An order of each organisation of the matrix, to revoke.
    for organisation in ["mod", "errd", "adm-c8", "haebit", "msc", "sonbong"] {
        let id = format!("rv-{organisation}");
        let order = NewOrder {
            document: harmless_order(&id, organisation, "2024-01-03"),
            id,
            overridden: false,
            impact: "{}".to_string(),
        };
        store.issue_order(act("order-issue", "2024-01-03"), order, &[]).unwrap();
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
    drop(store);
    let template = dir.path().join("template.db");
    std::fs::copy(&db, &template).unwrap();
    let state = AppState::new(db.to_str().unwrap(), Policies::default_policies().unwrap());
    Fixture { _dir: dir, db: template, state, tokens }
}

impl Fixture {
    async fn get(&self, path: &str, user: Option<&str>) -> (StatusCode, Value) {
        self.request(&self.state, "GET", path, None, user).await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        user: Option<&str>,
    ) -> (StatusCode, Value) {
        self.request(&self.state, method, path, body, user).await
    }

    async fn request(
        &self,
        state: &AppState,
        method: &str,
        path: &str,
        body: Option<Value>,
        user: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(user) = user {
            request = request.header("Authorization", format!("Bearer {}", self.tokens[user]));
        }
        let body = match body {
            Some(body) => {
                request = request.header("Content-Type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let response = app(state.clone()).oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, body)
    }

    /// A state on a copy of the store as the fixture made it, for a change
    /// that must not be seen by the next case.
    fn copy(&self) -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("muster.db");
        std::fs::copy(&self.db, &db).unwrap();
        (dir, AppState::new(db.to_str().unwrap(), Policies::default_policies().unwrap()))
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
    // Filtered by status, the entries come from the engine: the same
    // persons, order and reasons as the reference.
    let flagged: Vec<&str> =
        body["entries"].as_array().unwrap().iter().map(|e| e["person"].as_str().unwrap()).collect();
    assert_eq!(flagged, ["p002", "p004"]);
    assert_eq!(body["total"], 2);
    let (_, all) =
        fixture.get("/api/v1/lists/haebit-2023?as_of=2024-01-10", Some("minister")).await;
    for entry in body["entries"].as_array().unwrap() {
        let same =
            all["entries"].as_array().unwrap().iter().find(|e| e["person"] == entry["person"]);
        assert_eq!(Some(entry), same, "{body}");
    }
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
        ("/api/v1/audit", Some("auditor"), StatusCode::OK),
        ("/api/v1/audit", Some("minister"), StatusCode::FORBIDDEN),
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

/// The person the matrix reads for a role: one he may see ("own"), and
/// one he may not ("other").
fn matrix_person(role: Role, own: bool) -> &'static str {
    match (role, own) {
        (Role::UnitAdmin, true) => "p010",
        (Role::UnitAdmin, false) => "p009",
        (_, true) => "p004",
        (_, false) => "p001",
    }
}

/// The list the matrix works on for an organisation, with its owner and
/// kind.
fn matrix_list(organisation: &str, own: bool) -> (String, String, String) {
    let (list, owner, kind) = match (organisation, own) {
        ("haebit", true) => ("haebit-2023".to_string(), "haebit", "overseas-posting"),
        ("errd", true) => ("errd-list".to_string(), "errd", "redeployment"),
        (organisation, true) => (format!("{organisation}-list"), organisation, "overseas-posting"),
        (_, false) => ("sonbong-list".to_string(), "sonbong", "overseas-posting"),
    };
    (list, owner.to_string(), kind.to_string())
}

/// For a route, a user and "own" or "other": the path to call, the body
/// to send, and the resource the policies are asked about. A route
/// without an entry here fails the matrix.
fn matrix_entry(
    route: &str,
    organisation: &str,
    role: Role,
    own: bool,
) -> (String, Option<Value>, Resource) {
    let issuer = if own { organisation } else { "sonbong" };
    let discharge_order = |id: &str| Resource::Order {
        id: id.to_string(),
        issued_by: issuer.to_string(),
        targets: vec!["discharge".to_string()],
    };
    match route {
        "/api/v1/people/{id}" => {
            let person = matrix_person(role, own);
            (format!("/api/v1/people/{person}?as_of=2024-01-10"), None, person_facts(person))
        }
        "/api/v1/people/{id}/explain" => {
            let person = matrix_person(role, own);
            let path =
                format!("/api/v1/people/{person}/explain?kind=overseas-posting&as_of=2024-01-10");
            (path, None, person_facts(person))
        }
        "/api/v1/units" | "/api/v1/sites" | "/api/v1/audit" | "/api/v1/audit/verify" => {
            (route.to_string(), None, Resource::Store)
        }
        "/api/v1/sites/{site}/strength" | "/api/v1/sites/{site}/strength.svg" => (
            format!(
                "{}?from=2020-06&to=2021-03&as_of=2021-01-01",
                route.replace("{site}", "gomdok")
            ),
            None,
            Resource::Store,
        ),
        "/api/v1/orders" => ("/api/v1/orders?as_of=2024-01-10".to_string(), None, Resource::Store),
        "POST /api/v1/orders" | "/api/v1/orders/check" | "/api/v1/orders/preview" => {
            let path = if route.starts_with("POST ") { "/api/v1/orders" } else { route };
            let document = harmless_order("matrix-order", issuer, "2024-01-05");
            let body = serde_json::json!({"document": document, "as_of": "2024-01-10"});
            (path.to_string(), Some(body), discharge_order("matrix-order"))
        }
        "/api/v1/orders/{id}" => {
            ("/api/v1/orders/mod-2024-001?as_of=2024-01-10".to_string(), None, Resource::Store)
        }
        "/api/v1/orders/{id}/revoke" => {
            let id = format!("rv-{issuer}");
            let body =
                serde_json::json!({"on": "2024-02-01", "reason": "matrix", "as_of": "2024-01-20"});
            (format!("/api/v1/orders/{id}/revoke"), Some(body), discharge_order(&id))
        }
        "/api/v1/lists/{id}" => {
            let (list, owner, kind) = matrix_list(organisation, own);
            let path = format!("/api/v1/lists/{list}?as_of=2024-01-10");
            (path, None, Resource::List { id: list, owner, kind })
        }
        "POST /api/v1/lists" => {
            let (_, owner, kind) = matrix_list(organisation, own);
            let body = serde_json::json!({"id": "matrix-new", "kind": kind, "owner": owner, "as_of": "2024-01-10"});
            let resource = Resource::List { id: "matrix-new".to_string(), owner, kind };
            ("/api/v1/lists".to_string(), Some(body), resource)
        }
        "/api/v1/lists/{id}/entries" => {
            let (list, owner, kind) = matrix_list(organisation, own);
            let body = serde_json::json!({"persons": ["p006"], "as_of": "2024-01-10"});
            (
                format!("/api/v1/lists/{list}/entries"),
                Some(body),
                Resource::List { id: list, owner, kind },
            )
        }
        "/api/v1/lists/{id}/entries/{person}" => {
            let (list, owner, kind) = matrix_list(organisation, own);
            let person = if own { "p003" } else { "p001" };
            let path = format!("/api/v1/lists/{list}/entries/{person}?as_of=2024-01-10");
            (path, None, Resource::List { id: list, owner, kind })
        }
        "/api/v1/lists/{id}/recheck" => {
            let (list, owner, kind) = matrix_list(organisation, own);
            let body = serde_json::json!({"as_of": "2024-01-10"});
            (
                format!("/api/v1/lists/{list}/recheck"),
                Some(body),
                Resource::List { id: list, owner, kind },
            )
        }
        "/api/v1/discharge/rosters/{cycle}" => (
            "/api/v1/discharge/rosters/2020-autumn?as_of=2020-12-31".to_string(),
            None,
            Resource::Store,
        ),
        "/api/v1/stats" => (
            "/api/v1/stats?event=awol&by=home_province&as_of=2024-01-10".to_string(),
            None,
            Resource::Store,
        ),
        "/api/v1/notices" => (
            format!("/api/v1/notices?organisation={issuer}&as_of=2024-06-01"),
            None,
            Resource::Notices { organisation: issuer.to_string() },
        ),
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
                let key = if route.method == "POST"
                    && ["/api/v1/orders", "/api/v1/lists"].contains(&route.path)
                {
                    format!("POST {}", route.path)
                } else {
                    route.path.to_string()
                };
                let (path, body, resource) = matrix_entry(&key, organisation, role, own);
                let principal = Principal {
                    name: user.to_string(),
                    organisation: organisation.to_string(),
                    role,
                };
                let expected = policies.is_allowed(&principal, action, &resource);
                // A change is made on a copy of the store, so that each
                // case starts from the same records.
                let (status, body) = if route.method == "GET" {
                    fixture.get(&path, Some(user)).await
                } else {
                    let (_dir, state) = fixture.copy();
                    fixture.request(&state, route.method, &path, body, Some(user)).await
                };
                let which = if own { "own" } else { "other" };
                if expected {
                    allowed += 1;
                    assert!(
                        status.is_success(),
                        "{} {path} as {role} ({which}): {status} {body}",
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

#[tokio::test]
async fn orders_are_checked_previewed_and_issued_with_diagnostics_and_conflicts() {
    let fixture = fixture();
    let reference =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../muster-cli/tests/fixtures/reference/orders");
    let bad = std::fs::read_to_string(reference.join("bad-unknown-field.toml")).unwrap();
    let (status, body) = fixture
        .send(
            "POST",
            "/api/v1/orders/check",
            Some(serde_json::json!({"document": bad})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let diagnostic = &body["error"]["details"]["diagnostics"][0];
    assert!(diagnostic["line"].as_u64().unwrap() > 1, "{body}");
    assert!(diagnostic["column"].as_u64().unwrap() >= 1, "{body}");
    assert!(body["error"]["details"]["rendered"].as_str().unwrap().contains("order"), "{body}");

    // The Gomdok delay, previewed with the strength of the site, then issued.
    let gomdok = std::fs::read_to_string(reference.join("errd-2020-031.toml")).unwrap();
    let draft = serde_json::json!({"document": gomdok, "as_of": "2020-09-25", "site": "gomdok"});
    let (status, preview) =
        fixture.send("POST", "/api/v1/orders/preview", Some(draft), Some("errd-officer")).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert!(!preview["discharge"].as_array().unwrap().is_empty(), "{preview}");
    assert_eq!(preview["strength"]["months"].as_array().unwrap().len(), 12);
    let (status, issued) = fixture
        .send(
            "POST",
            "/api/v1/orders",
            Some(serde_json::json!({"document": gomdok})),
            Some("errd-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["discharge"], preview["discharge"]);
    // Issued once: a second issue is refused, and stores nothing.
    let (status, body) = fixture
        .send(
            "POST",
            "/api/v1/orders",
            Some(serde_json::json!({"document": gomdok})),
            Some("errd-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, order) =
        fixture.get("/api/v1/orders/errd-2020-031?as_of=2020-10-01", Some("auditor")).await;
    assert_eq!(order["state"], "in force", "{order}");
    assert_eq!(order["issued_on"], "2020-09-25");

    // The roster shows the delay; the protect order then makes the next
    // delay a conflict, refused without override.
    let (_, roster) = fixture
        .get("/api/v1/discharge/rosters/2020-autumn?as_of=2020-12-31", Some("minister"))
        .await;
    assert!(
        roster["entries"].as_array().unwrap().iter().any(|entry| entry["status"] == "delayed"),
        "{roster}"
    );
    for (file, expected) in
        [("errd-2020-044", StatusCode::CREATED), ("errd-2021-002", StatusCode::CREATED)]
    {
        let document = std::fs::read_to_string(reference.join(format!("{file}.toml"))).unwrap();
        let (status, body) = fixture
            .send(
                "POST",
                "/api/v1/orders",
                Some(serde_json::json!({"document": document})),
                Some("errd-officer"),
            )
            .await;
        assert_eq!(status, expected, "{file}: {body}");
    }
    let document = std::fs::read_to_string(reference.join("errd-2021-007.toml")).unwrap();
    let (status, body) = fixture
        .send(
            "POST",
            "/api/v1/orders",
            Some(serde_json::json!({"document": document})),
            Some("errd-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(!body["error"]["details"]["conflicts"].as_array().unwrap().is_empty(), "{body}");
    let (status, body) = fixture
        .send(
            "POST",
            "/api/v1/orders",
            Some(serde_json::json!({"document": document, "override": true})),
            Some("errd-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["override"], true);
}

#[tokio::test]
async fn lists_are_paged_filtered_by_reader_and_changed() {
    let fixture = fixture();
    let (status, body) = fixture.get("/api/v1/lists?as_of=2024-01-10", Some("placer")).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> =
        body["lists"].as_array().unwrap().iter().map(|list| list["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["haebit-2023"]);
    assert_eq!(body["lists"][0]["entries"], 5);

    let (_, page) = fixture
        .get("/api/v1/lists/haebit-2023?as_of=2024-01-10&offset=1&limit=2", Some("placer"))
        .await;
    assert_eq!(page["total"], 5);
    let persons: Vec<&str> =
        page["entries"].as_array().unwrap().iter().map(|e| e["person"].as_str().unwrap()).collect();
    assert_eq!(persons, ["p003", "p004"]);
    assert_eq!(page["entries"][1]["status"], "flagged");

    // Add by condition, remove one, re-check: the owner gets a notice.
    let additions =
        serde_json::json!({"where": "person.home_province == \"Chagang\"", "as_of": "2024-01-10"});
    let (status, added) = fixture
        .send("POST", "/api/v1/lists/haebit-2023/entries", Some(additions), Some("placer"))
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert!(added["added"].as_u64().unwrap() > 0, "{added}");
    assert!(added["entries"].as_array().unwrap().iter().all(|entry| entry["status"] == "excluded"));
    let bad = serde_json::json!({"where": "person.home_provinse == 1"});
    let (status, body) =
        fixture.send("POST", "/api/v1/lists/haebit-2023/entries", Some(bad), Some("placer")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = fixture
        .send(
            "DELETE",
            "/api/v1/lists/haebit-2023/entries/p003?as_of=2024-01-11",
            None,
            Some("placer"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = fixture
        .send(
            "DELETE",
            "/api/v1/lists/haebit-2023/entries/p003?as_of=2024-01-11",
            None,
            Some("placer"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, rechecked) = fixture
        .send(
            "POST",
            "/api/v1/lists/haebit-2023/recheck",
            Some(serde_json::json!({"as_of": "2024-01-12"})),
            Some("placer"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rechecked}");
    assert_eq!(rechecked["flagged"], 2);
    let (_, notices) = fixture.get("/api/v1/notices?as_of=2024-01-12", Some("placer")).await;
    assert!(
        notices["notices"].as_array().unwrap().iter().any(|notice| notice["message"]
            .as_str()
            .unwrap()
            .starts_with("re-check of list haebit-2023")),
        "{notices}"
    );
}

#[tokio::test]
async fn an_analyst_sees_no_cohort_below_the_minimum() {
    let fixture = fixture();
    let path = "/api/v1/stats?event=awol&by=home_county&as_of=2024-01-10";
    let (status, full) = fixture.get(path, Some("minister")).await;
    assert_eq!(status, StatusCode::OK, "{full}");
    let groups = full["groups"].as_array().unwrap();
    assert!(groups.iter().any(|group| group["population"].as_u64().unwrap() < 10), "{full}");
    let (status, cut) = fixture.get(path, Some("analyst")).await;
    assert_eq!(status, StatusCode::OK, "{cut}");
    assert_eq!(cut["minimum_cohort"], 10);
    for group in cut["groups"].as_array().unwrap() {
        assert!(group["population"].as_u64().unwrap() >= 10, "{cut}");
    }
    assert!(cut["suppressed_cohorts"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn the_strength_is_json_or_an_svg_chart() {
    let fixture = fixture();
    let path = "/api/v1/sites/gomdok/strength?from=2020-06&to=2021-03&as_of=2021-01-01";
    let (status, body) = fixture.get(path, Some("analyst")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["months"].as_array().unwrap().len(), 10);
    let request = Request::get("/api/v1/sites/gomdok/strength.svg?from=2020-06&to=2021-03")
        .header("Authorization", format!("Bearer {}", fixture.tokens["analyst"]))
        .body(Body::empty())
        .unwrap();
    let response = app(fixture.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let svg = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("headcount"), "{svg}");
    let (status, body) =
        fixture.get("/api/v1/sites/gomdok/strength?from=2021-06&to=2020-03", Some("analyst")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = fixture
        .get("/api/v1/sites/nowhere/strength?from=2020-06&to=2021-03", Some("analyst"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A request with a session cookie and, optionally, a CSRF token.
async fn with_cookie(
    fixture: &Fixture,
    method: &str,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path).header("Cookie", cookie);
    if let Some(csrf) = csrf {
        request = request.header("X-CSRF-Token", csrf);
    }
    let body = match body {
        Some(body) => {
            request = request.header("Content-Type", "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let response = app(fixture.state.clone()).oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_session_logs_in_guards_changes_with_csrf_and_logs_out() {
    let fixture = fixture();
    let wrong = serde_json::json!({"name": "placer", "password": "not the password"});
    let (status, _) = fixture.send("POST", "/api/v1/session", Some(wrong), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let login = serde_json::json!({"name": "placer", "password": "a long test password"});
    let request = Request::post("/api/v1/session")
        .header("Content-Type", "application/json")
        .body(Body::from(login.to_string()))
        .unwrap();
    let response = app(fixture.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let session: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(session["role"], "placement");
    let csrf = session["csrf"].as_str().unwrap();

    let (status, me) = with_cookie(&fixture, "GET", "/api/v1/session", &cookie, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"], "placer");
    let (status, _) =
        with_cookie(&fixture, "GET", "/api/v1/lists/haebit-2023", &cookie, None, None).await;
    assert_eq!(status, StatusCode::OK);
    // A change without the CSRF token is refused; with it, made.
    let recheck = serde_json::json!({"as_of": "2024-01-12"});
    let path = "/api/v1/lists/haebit-2023/recheck";
    let (status, body) =
        with_cookie(&fixture, "POST", path, &cookie, None, Some(recheck.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) =
        with_cookie(&fixture, "POST", path, &cookie, Some("forged"), Some(recheck.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) =
        with_cookie(&fixture, "POST", path, &cookie, Some(csrf), Some(recheck)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, _) = with_cookie(&fixture, "DELETE", "/api/v1/session", &cookie, None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = with_cookie(&fixture, "GET", "/api/v1/session", &cookie, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Both logins are on the audit log, and the change made in the session
    // is recorded as the user's.
    let (_, log) = fixture.get("/api/v1/audit", Some("auditor")).await;
    let kinds: Vec<(&str, &str)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["kind"].as_str().unwrap(), entry["actor"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&("login-failed", "user:placer")), "{kinds:?}");
    assert!(kinds.contains(&("login", "user:placer")), "{kinds:?}");
    assert!(kinds.contains(&("list-recheck", "user:placer")), "{kinds:?}");
    let (_, verify) = fixture.get("/api/v1/audit/verify", Some("auditor")).await;
    assert_eq!(verify["intact"], true);
}

/// A console request: its status, headers and body as text.
async fn page(
    fixture: &Fixture,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    let body = match form {
        Some(form) => {
            request = request.header("Content-Type", "application/x-www-form-urlencoded");
            Body::from(form.to_string())
        }
        None => Body::empty(),
    };
    let response = app(fixture.state.clone()).oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Logs in on the console's form: the session cookie.
async fn console_login(fixture: &Fixture, name: &str) -> String {
    let form = format!("name={name}&password=a+long+test+password");
    let (status, headers, body) = page(fixture, "POST", "/login", None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(headers["location"], "/");
    headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn the_console_shows_each_role_its_part() {
    let fixture = fixture();
    let (status, headers, _) = page(&fixture, "GET", "/", None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/login");
    let (status, _, body) = page(&fixture, "GET", "/login", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"<label for="password">"#), "{body}");
    let (status, _, body) =
        page(&fixture, "POST", "/login", None, Some("name=placer&password=wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("role=\"alert\""), "{body}");

    // A placement officer: his list, its flagged entries and reasons; not
    // another organisation's list; of a person, no service history.
    let placer = console_login(&fixture, "placer").await;
    let (status, _, body) = page(&fixture, "GET", "/?as_of=2024-01-10", Some(&placer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("haebit-2023") && !body.contains("sonbong-list"), "{body}");
    assert!(!body.contains("Orders in force"), "{body}");
    let (status, _, body) = page(
        &fixture,
        "GET",
        "/lists/haebit-2023?as_of=2024-01-10&status=flagged",
        Some(&placer),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("p002") && body.contains("p004") && !body.contains("p003"), "{body}");
    assert!(body.contains("mod-2024-001 rule"), "{body}");
    let (status, _, body) =
        page(&fixture, "GET", "/lists/sonbong-list?as_of=2024-01-10", Some(&placer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, headers, csv) =
        page(&fixture, "GET", "/lists/haebit-2023.csv?as_of=2024-01-10", Some(&placer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.lines().count(), 6, "{csv}");
    let (status, _, body) =
        page(&fixture, "GET", "/people/p004?as_of=2024-01-10", Some(&placer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body.contains("History") && !body.contains("home county"), "{body}");

    // The ministry sees the history and why, rule by rule.
    let minister = console_login(&fixture, "minister").await;
    let (status, _, body) =
        page(&fixture, "GET", "/people/p004?as_of=2024-01-10", Some(&minister), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("History") && body.contains("Why: overseas-posting"), "{body}");
    let (status, _, body) =
        page(&fixture, "GET", "/?as_of=2024-01-10", Some(&minister), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Orders in force") && body.contains("mod-2024-001"), "{body}");

    // Logging out takes the session's token.
    let (status, _, _) =
        page(&fixture, "POST", "/logout", Some(&placer), Some("csrf=forged")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, body) = page(&fixture, "GET", "/", Some(&placer), None).await;
    let csrf = body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap();
    let (status, headers, _) =
        page(&fixture, "POST", "/logout", Some(&placer), Some(&format!("csrf={csrf}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/login");
    let (status, _, _) = page(&fixture, "GET", "/", Some(&placer), None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// A form value, percent-encoded.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_console_drafts_previews_and_issues_an_order() {
    let fixture = fixture();
    let reference =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../muster-cli/tests/fixtures/reference/orders");
    let officer = console_login(&fixture, "errd-officer").await;
    let (status, _, body) = page(&fixture, "GET", "/orders/draft", Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let csrf =
        body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();

    // A typo in a ministry order: the diagnostics, inline, with line and
    // column (as htmx asks for them while the minister types).
    let minister = console_login(&fixture, "minister").await;
    let bad = std::fs::read_to_string(reference.join("bad-unknown-field.toml")).unwrap();
    let form = format!("action=check&document={}", encoded(&bad));
    let request = Request::post("/orders/draft")
        .header("Cookie", &minister)
        .header("HX-Request", "true")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let response = app(fixture.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let fragment =
        String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
    assert!(fragment.contains("1 error") && fragment.contains("line "), "{fragment}");
    assert!(!fragment.contains("<html"), "{fragment}");

    // The Gomdok delay: previewed with the strength of the site, then issued.
    let gomdok = std::fs::read_to_string(reference.join("errd-2020-031.toml")).unwrap();
    let form = format!("action=preview&site=gomdok&as_of=2020-09-25&document={}", encoded(&gomdok));
    let (status, _, body) =
        page(&fixture, "POST", "/orders/draft", Some(&officer), Some(&form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("What it would do") && body.contains("<svg"), "{body}");
    assert!(body.contains("without errd-2020-031") && body.contains("with errd-2020-031"));
    let form = format!("action=issue&as_of=2020-09-25&csrf=forged&document={}", encoded(&gomdok));
    let (status, _, _) = page(&fixture, "POST", "/orders/draft", Some(&officer), Some(&form)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let form = format!("action=issue&as_of=2020-09-25&csrf={csrf}&document={}", encoded(&gomdok));
    let (status, _, body) =
        page(&fixture, "POST", "/orders/draft", Some(&officer), Some(&form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("order errd-2020-031 issued on 2020-09-25"), "{body}");

    // The roster shows the delay and the order that did it.
    let (status, _, body) = page(
        &fixture,
        "GET",
        "/discharge?cycle=2020-autumn&as_of=2020-12-31",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("status delayed") && body.contains("errd-2020-031"), "{body}");
    let (status, _, body) = page(
        &fixture,
        "GET",
        "/strength?site=gomdok&from=2020-06&to=2021-03&order=errd-2020-031&as_of=2020-12-31",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.matches("<svg").count(), 2, "{body}");

    // A delay over a protection: the conflict is shown and nothing is
    // issued; with "override" ticked, it is issued.
    for (file, day) in [("errd-2020-044", "2020-12-01"), ("errd-2021-007", "2021-01-15")] {
        let text = std::fs::read_to_string(reference.join(format!("{file}.toml"))).unwrap();
        let form = format!("action=issue&as_of={day}&csrf={csrf}&document={}", encoded(&text));
        let (status, _, body) =
            page(&fixture, "POST", "/orders/draft", Some(&officer), Some(&form)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if file == "errd-2021-007" {
            assert!(body.contains("Conflicts") && body.contains("was not issued"), "{body}");
            let form = format!(
                "action=issue&as_of={day}&override=true&csrf={csrf}&document={}",
                encoded(&text)
            );
            let (_, _, body) =
                page(&fixture, "POST", "/orders/draft", Some(&officer), Some(&form)).await;
            assert!(body.contains("order errd-2021-007 issued on 2021-01-15"), "{body}");
        }
    }
}

#[tokio::test]
async fn the_console_shows_evidence_and_audit_to_those_who_may_see_them() {
    let fixture = fixture();
    let analyst = console_login(&fixture, "analyst").await;
    let (status, _, body) =
        page(&fixture, "GET", "/evidence?event=awol&by=home_county", Some(&analyst), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Cohorts of fewer than 10 people"), "{body}");
    assert!(!body.contains(r#"href="/audit""#), "{body}");
    let (status, _, _) = page(&fixture, "GET", "/audit", Some(&analyst), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let auditor = console_login(&fixture, "auditor").await;
    let (status, _, body) =
        page(&fixture, "GET", "/audit?actor=user:analyst", Some(&auditor), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("The log is intact") && body.contains("denied"), "{body}");
    let placer = console_login(&fixture, "placer").await;
    let (_, _, body) = page(&fixture, "GET", "/", Some(&placer), None).await;
    assert!(!body.contains(r#"href="/orders""#) && body.contains(r#"href="/lists""#), "{body}");
}
