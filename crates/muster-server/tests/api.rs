//! The API without a socket (`app().oneshot`), on a store holding the
//! reference scenario, with a user and a token for each role.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use std::collections::HashMap;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use muster_access::Policies;
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
    let mut tokens = HashMap::new();
    for (name, organisation, role) in [
        ("minister", "mod", "ministry"),
        ("placer", "haebit", "placement"),
        ("other-placer", "sonbong", "placement"),
        ("auditor", "mod", "auditor"),
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
async fn the_openapi_document_lists_every_route() {
    let fixture = fixture();
    let (status, document) = fixture.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for route in ROUTES.iter().filter(|route| route.path != "/api/v1/openapi.json") {
        let method = route.method.to_lowercase();
        assert!(
            document["paths"][route.path][&method].is_object(),
            "{} {} is not in the OpenAPI document",
            route.method,
            route.path
        );
    }
}
