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
use muster_server::{AppState, ROUTES, Settings, app};
use muster_store::{EntryAction, NewAct, NewList, NewOrder, NewUser, SqliteStore, Store};
use serde_json::Value;
use tower::ServiceExt;
use utoipa::OpenApi;

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

/// The ids of the matrix's papers, by `person/issuer`.
static MATRIX_PAPERS: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();

/// The paper the matrix works on for an organisation: one of adm-c8's
/// people (`own`: issued by the organisation when it issues, else by
/// central-univ), or of the East Sea Fleet's (`other`); its id and its
/// facts.
fn matrix_paper(organisation: &str, own: bool) -> (String, Resource) {
    let (person, administration, issuer) = if own {
        let issuer = if ["mod", "errd", "adm-c8", "msc"].contains(&organisation) {
            organisation
        } else {
            "central-univ"
        };
        ("p010", "adm-c8", issuer)
    } else {
        ("p009", "adm-east-fleet", "central-univ")
    };
    let id = MATRIX_PAPERS.get().unwrap()[&format!("{person}/{issuer}")].clone();
    let resource = Resource::Paper {
        id: id.clone(),
        administrations: vec![administration.to_string()],
        issuer: issuer.to_string(),
    };
    (id, resource)
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
    let key = muster_service::checkpoint::key_beside(db.to_str().unwrap());
    muster_service::checkpoint::make_key(&key, "muster.db").unwrap();
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
    // Acts the matrix reverses and returns from: a posting of haebit's, an
    // event recorded by the department and one by the ministry.
    let rules = muster_service::Rules::load(&store).unwrap();
    let acts = [
        (
            muster_service::acts::Act::Post {
                person: "p008".to_string(),
                list: "haebit-2023".to_string(),
                country: "Russia".to_string(),
            },
            "2023-07-01",
            "user:placer",
            ACT_BY_PLACER,
        ),
        (event_act("p013"), "2023-03-01", "user:errd-officer", ACT_BY_ERRD),
        (event_act("p014"), "2023-03-01", "user:minister", ACT_BY_MINISTER),
    ];
    for (act, day, actor, expected) in acts {
        let done = muster_service::acts::record(
            &mut store,
            &rules,
            &act,
            day.parse().unwrap(),
            actor,
            &mut muster_service::acts::anyone,
        )
        .unwrap();
        assert_eq!(done.act, expected, "the act numbers the matrix names");
    }
    // Lists for the acts on many people: a call-up list of errd's and of
    // sonbong's, a redeployment list of sonbong's.
    for (id, kind, owner) in [
        ("errd-callup", "call-up", "errd"),
        ("sonbong-callup", "call-up", "sonbong"),
        ("sonbong-redeploy", "redeployment", "sonbong"),
    ] {
        let list = NewList {
            id: id.to_string(),
            kind: kind.to_string(),
            owner: owner.to_string(),
            title: String::new(),
            quota: None,
        };
        store.create_list(act("list-create", "2023-06-01"), list).unwrap();
        store
            .change_entries(
                act("list-add", "2023-06-01"),
                id,
                &["p005".to_string()],
                EntryAction::Add,
                &[],
            )
            .unwrap();
    }
    // Papers for the matrix: one of p010 (adm-c8's) from each organisation
    // of the matrix that issues, and from central-univ; one of p009 (the
    // East Sea Fleet's) from central-univ.
    let mut papers = HashMap::new();
    for (person, issuer) in [
        ("p010", "mod"),
        ("p010", "errd"),
        ("p010", "adm-c8"),
        ("p010", "msc"),
        ("p010", "central-univ"),
        ("p009", "central-univ"),
    ] {
        let paper = muster_service::exemptions::NewPaper {
            document: format!("MTX-{person}-{issuer}"),
            person: person.to_string(),
            scope: "redeployment".to_string(),
            grounds: "family".to_string(),
            issuer: issuer.to_string(),
            issued_on: "2024-01-02".to_string(),
            ..Default::default()
        };
        let done = muster_service::exemptions::issue(
            &mut store,
            &rules,
            &paper,
            "2024-01-02".parse().unwrap(),
            "user:minister",
            &mut muster_service::exemptions::anyone,
        )
        .unwrap();
        papers.insert(format!("{person}/{issuer}"), done.papers[0].id.clone());
    }
    let _ = MATRIX_PAPERS.set(papers);
    drop(store);
    let template = dir.path().join("template.db");
    std::fs::copy(&db, &template).unwrap();
    let key = |db: &Path| muster_service::checkpoint::key_beside(db.to_str().unwrap());
    std::fs::copy(key(&db), key(&template)).unwrap();
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
        self.copy_with(Settings::default())
    }

    /// A state with settings on a copy of the store as the fixture made it.
    fn copy_with(&self, settings: Settings) -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("muster.db");
        std::fs::copy(&self.db, &db).unwrap();
        let key = |db: &Path| muster_service::checkpoint::key_beside(db.to_str().unwrap());
        std::fs::copy(key(&self.db), key(&db)).unwrap();
        (
            dir,
            AppState::configured(
                db.to_str().unwrap(),
                Policies::default_policies().unwrap(),
                settings,
            ),
        )
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
    assert_eq!(fields, ["as_of", "person", "status"]);
    let mut fields: Vec<&String> = body["person"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["born", "home_province", "id", "name", "sex", "specialty"]);
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

/// What is wrong with the documentation of one operation's answers: every
/// 2xx answer has a content schema (JSON, a component or a typed schema;
/// the chart, an SVG string); an operation that takes a token documents
/// the 401, one the policies decide the 403, one with a body the 400 and
/// the 413.
fn undocumented(
    method: &str,
    path: &str,
    operation: &Value,
    components: &Value,
    action: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let responses = operation["responses"].as_object().unwrap();
    let successes: Vec<_> =
        responses.iter().filter(|(status, _)| status.starts_with('2')).collect();
    if successes.is_empty() {
        problems.push(format!("{method} {path} documents no 2xx answer"));
    }
    for (status, response) in successes {
        let content = response["content"].as_object().filter(|content| !content.is_empty());
        let Some(content) = content else {
            problems.push(format!("{method} {path}: its {status} answer has no content"));
            continue;
        };
        for (media, body) in content {
            let schema = &body["schema"];
            let typed = match media.as_str() {
                "application/json" => match schema["$ref"].as_str() {
                    Some(reference) => reference
                        .strip_prefix("#/components/schemas/")
                        .is_some_and(|name| components[name].is_object()),
                    None => schema["type"].is_string() || schema["type"].is_array(),
                },
                "image/svg+xml" => schema["type"] == "string",
                _ => false,
            };
            if !typed {
                problems.push(format!(
                    "{method} {path}: its {status} answer ({media}) has no schema: {schema}"
                ));
            }
        }
    }
    let mut expected = Vec::new();
    if operation["security"].is_array() {
        expected.push("401");
    }
    if action {
        expected.push("403");
    }
    if operation["requestBody"].is_object() {
        expected.extend(["400", "413"]);
    }
    for status in expected {
        if !responses.contains_key(status) {
            problems.push(format!("{method} {path} does not document its {status} answer"));
        }
    }
    problems
}

#[test]
fn every_operation_documents_a_schema_for_its_answers() {
    let document = serde_json::to_value(muster_server::ApiDoc::openapi()).unwrap();
    let components = &document["components"]["schemas"];
    let mut problems = Vec::new();
    let mut operations = 0;
    for (path, methods) in document["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            operations += 1;
            let action = ROUTES.iter().any(|route| {
                route.path == path
                    && route.method.eq_ignore_ascii_case(method)
                    && route.action.is_some()
            });
            problems.extend(undocumented(method, path, operation, components, action));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(operations, ROUTES.len() - 2, "every route but the document and /metrics");
}

#[tokio::test]
async fn an_order_reads_with_the_impact_printed_when_it_was_issued() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let document = harmless_order("impact-order", "mod", "2024-01-05");
    let body = serde_json::json!({ "document": document });
    let (status, issued) =
        fixture.request(&state, "POST", "/api/v1/orders", Some(body), Some("minister")).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let (status, order) =
        fixture.request(&state, "GET", "/api/v1/orders/impact-order", None, Some("minister")).await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["impact"], issued, "the impact as printed, with its day and override");
    assert_eq!(order["impact"]["as_of"], "2024-01-05");
    // An order recorded without an impact it can read has none.
    let (_, recorded) = fixture.get("/api/v1/orders/mod-2024-001", Some("minister")).await;
    assert!(recorded["impact"].is_null(), "{recorded}");
}

/// The acts of the fixture the matrix reverses, by who recorded them.
const ACT_BY_PLACER: i64 = 36;
const ACT_BY_ERRD: i64 = 37;
const ACT_BY_MINISTER: i64 = 38;

fn event_act(person: &str) -> muster_service::acts::Act {
    muster_service::acts::Act::Event {
        person: person.to_string(),
        kind: "injured".to_string(),
        reference: None,
        detail: Some("in a fall".to_string()),
    }
}

/// An act as the policies see it, for the matrix.
fn act_facts(
    administrations: &[&str],
    into: &[&str],
    event: &str,
    placement: &str,
    recorded_by: &str,
) -> Resource {
    Resource::Act(muster_access::ActResource {
        administrations: administrations.iter().map(|s| s.to_string()).collect(),
        lists: Vec::new(),
        into: into.iter().map(|s| s.to_string()).collect(),
        event: event.to_string(),
        placement: placement.to_string(),
        recorded_by: recorded_by.to_string(),
    })
}

/// The person an act of the matrix is about: one of adm-c8's units ("own"
/// for its unit administration), one of adm-east-fleet's ("other"); both
/// serving on 2024-01-10.
fn act_person(own: bool) -> (&'static str, &'static str) {
    if own { ("p001", "adm-c8") } else { ("p009", "adm-east-fleet") }
}

/// The entries of the matrix for the acts.
fn act_entry(
    route: &str,
    organisation: &str,
    own: bool,
) -> Option<(String, Option<Value>, Resource)> {
    let (person, administration) = act_person(own);
    let day = "2024-01-10";
    let on_person = |what: &str, body: Value, resource: Resource| {
        Some((format!("/api/v1/people/{person}/{what}"), Some(body), resource))
    };
    let plain = act_facts(&[administration], &[], "", "", "");
    match route {
        "POST /api/v1/people" => {
            let body = serde_json::json!({"id": "p900", "name": "Ri Chol", "born": "2004-05-01",
                "sex": "M", "home_province": "Kangwon", "as_of": day});
            Some(("/api/v1/people".to_string(), Some(body), act_facts(&[], &[], "", "", "")))
        }
        "PATCH /api/v1/people/{id}" => Some((
            format!("/api/v1/people/{person}"),
            Some(serde_json::json!({"rank": "staff sergeant", "as_of": day})),
            plain,
        )),
        "/api/v1/people/{id}/enlist" => {
            let (unit, into) = if own { ("c8-1", "adm-c8") } else { ("ef-cb", "adm-east-fleet") };
            let body = serde_json::json!({"unit": unit, "term_months": 120, "as_of": day});
            Some((
                "/api/v1/people/p005/enlist".to_string(),
                Some(body),
                act_facts(&[], &[into], "", "", ""),
            ))
        }
        "/api/v1/people/{id}/assign" => {
            let unit = if own { "c8-1" } else { "east-fleet" };
            on_person(
                "assign",
                serde_json::json!({"unit": unit, "as_of": day}),
                act_facts(&[administration], &[administration], "", "", ""),
            )
        }
        "/api/v1/people/{id}/deploy" => {
            on_person("deploy", serde_json::json!({"site": "daehung", "as_of": day}), plain)
        }
        "/api/v1/people/{id}/recall" => {
            let (person, site) = if own { ("p016", "gomdok") } else { ("p017", "yongyang") };
            Some((
                format!("/api/v1/people/{person}/recall"),
                Some(serde_json::json!({"site": site, "as_of": day})),
                act_facts(&["adm-c8"], &[], "", "", ""),
            ))
        }
        "/api/v1/people/{id}/events" => on_person(
            "events",
            serde_json::json!({"kind": "injured", "detail": "at work", "as_of": day}),
            act_facts(&[administration], &[], "injured", "", ""),
        ),
        "/api/v1/people/{id}/discharge" => on_person(
            "discharge",
            serde_json::json!({"early": true, "grounds": "medical board 2024/7", "as_of": day}),
            plain,
        ),
        "/api/v1/people/{id}/post" => {
            let (person, list, placement) = match (organisation, own) {
                ("haebit", true) => ("p003", "haebit-2023".to_string(), organisation),
                (_, true) => ("p003", format!("{organisation}-list"), organisation),
                (_, false) => ("p005", "sonbong-list".to_string(), "sonbong"),
            };
            let body = serde_json::json!({"list": list, "country": "Russia", "as_of": day});
            let resource = act_facts(&[], &[], "", placement, "");
            Some((format!("/api/v1/people/{person}/post"), Some(body), resource))
        }
        "/api/v1/people/{id}/return" => {
            let (person, placement) = if own { ("p008", "haebit") } else { ("p024", "sonbong") };
            Some((
                format!("/api/v1/people/{person}/return"),
                Some(serde_json::json!({"as_of": day})),
                act_facts(&[], &[], "", placement, ""),
            ))
        }
        "/api/v1/units/{id}/deploy" | "/api/v1/units/{id}/recall" => {
            let (unit, administration) =
                if own { ("c8-1", "adm-c8") } else { ("ef-cb", "adm-east-fleet") };
            let (what, site) = if route.ends_with("deploy") {
                ("deploy", "daehung")
            } else {
                ("recall", "gomdok")
            };
            Some((
                format!("/api/v1/units/{unit}/{what}"),
                Some(serde_json::json!({"site": site, "as_of": day})),
                act_facts(&[administration], &[], "", "", ""),
            ))
        }
        "/api/v1/lists/{id}/call-up"
        | "/api/v1/lists/{id}/redeploy"
        | "/api/v1/lists/{id}/post" => {
            let (list, owner) = match (route.rsplit('/').next(), own) {
                (Some("call-up"), true) => ("errd-callup".to_string(), "errd".to_string()),
                (Some("call-up"), false) => ("sonbong-callup".to_string(), "sonbong".to_string()),
                (Some("redeploy"), true) => ("errd-list".to_string(), "errd".to_string()),
                (Some("redeploy"), false) => {
                    ("sonbong-redeploy".to_string(), "sonbong".to_string())
                }
                _ => {
                    let (list, owner, _) = matrix_list(organisation, own);
                    (list, owner)
                }
            };
            let (body, into): (Value, &[&str]) = if route.ends_with("call-up") {
                (
                    serde_json::json!({"unit": "c8-1", "term_months": "120", "preview": true, "as_of": day}),
                    &["adm-c8"],
                )
            } else if route.ends_with("redeploy") {
                (serde_json::json!({"site": "daehung", "preview": true, "as_of": day}), &[])
            } else {
                (serde_json::json!({"country": "Russia", "preview": true, "as_of": day}), &[])
            };
            let what = route.rsplit('/').next().unwrap_or_default();
            Some((
                format!("/api/v1/lists/{list}/{what}"),
                Some(body),
                act_facts(&[], into, "", &owner, ""),
            ))
        }
        "/api/v1/discharge/rosters/{cycle}/carry-out" => Some((
            "/api/v1/discharge/rosters/2020-autumn/carry-out".to_string(),
            Some(serde_json::json!({"preview": true})),
            act_facts(&[], &[], "", "", ""),
        )),
        "/api/v1/acts" => Some(("/api/v1/acts?limit=5".to_string(), None, Resource::Store)),
        "/api/v1/acts/{act}" => {
            Some((format!("/api/v1/acts/{ACT_BY_ERRD}"), None, Resource::Store))
        }
        "/api/v1/acts/{act}/reverse" => {
            let (act, recorded_by) = match (organisation, own) {
                ("errd", true) | ("mod", false) => (ACT_BY_ERRD, "errd"),
                ("haebit", true) => (ACT_BY_PLACER, "haebit"),
                _ => (ACT_BY_MINISTER, "mod"),
            };
            Some((
                format!("/api/v1/acts/{act}/reverse"),
                Some(serde_json::json!({"reason": "entered in error", "as_of": day})),
                act_facts(&[], &[], "", "", recorded_by),
            ))
        }
        _ => None,
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
    if let Some(entry) = act_entry(route, organisation, own) {
        return entry;
    }
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
        "/api/v1/units"
        | "/api/v1/sites"
        | "/api/v1/audit"
        | "/api/v1/audit/verify"
        | "/api/v1/audit/checkpoint" => (route.to_string(), None, Resource::Store),
        "/api/v1/audit/proof/{act}" => ("/api/v1/audit/proof/1".to_string(), None, Resource::Store),
        "/api/v1/audit/consistency" => {
            ("/api/v1/audit/consistency?from=1".to_string(), None, Resource::Store)
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
        "POST /api/v1/exemptions" => {
            let (person, administration) =
                if own { ("p010", "adm-c8") } else { ("p009", "adm-east-fleet") };
            let body = serde_json::json!({"document": "MTX-NEW", "person": person,
                "scope": "redeployment", "grounds": "education", "issuer": "central-univ",
                "issued_on": "2024-01-05", "as_of": "2024-01-10"});
            let resource = Resource::Paper {
                id: "new".to_string(),
                administrations: vec![administration.to_string()],
                issuer: "central-univ".to_string(),
            };
            ("/api/v1/exemptions".to_string(), Some(body), resource)
        }
        "/api/v1/exemptions/anomalies" => (
            "/api/v1/exemptions/anomalies?from=2020-01-01&to=2024-12-31".to_string(),
            None,
            Resource::Store,
        ),
        "/api/v1/exemptions/limits" => {
            ("/api/v1/exemptions/limits".to_string(), None, Resource::Store)
        }
        "PUT /api/v1/exemptions/limits" => {
            let document =
                "[[limit]]\nscope = \"redeployment\"\ngrounds = \"medical\"\nmax_days = 365\n";
            let body = serde_json::json!({"document": document, "as_of": "2024-01-10"});
            ("/api/v1/exemptions/limits".to_string(), Some(body), Resource::Store)
        }
        "/api/v1/exemptions/{id}" => {
            let (id, resource) = matrix_paper(organisation, own);
            (format!("/api/v1/exemptions/{id}"), None, resource)
        }
        "/api/v1/exemptions/{id}/revoke" => {
            let (id, resource) = matrix_paper(organisation, own);
            let body = serde_json::json!({"reason": "matrix", "as_of": "2024-01-10"});
            (format!("/api/v1/exemptions/{id}/revoke"), Some(body), resource)
        }
        "/api/v1/exemptions/{id}/review" => {
            let (id, resource) = matrix_paper(organisation, own);
            let body = serde_json::json!({"note": "matrix", "as_of": "2024-01-10"});
            (format!("/api/v1/exemptions/{id}/review"), Some(body), resource)
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
                    && ["/api/v1/orders", "/api/v1/lists", "/api/v1/people", "/api/v1/exemptions"]
                        .contains(&route.path)
                {
                    format!("POST {}", route.path)
                } else if route.method == "PATCH" || route.method == "PUT" {
                    format!("{} {}", route.method, route.path)
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
                                ["person", "as_of", "status"].contains(&key.as_str()),
                                "a placement saw `{key}`"
                            );
                        }
                        for key in object["person"].as_object().unwrap().keys() {
                            assert!(
                                allowed_person_fields.contains(&key.as_str()),
                                "a placement saw `person.{key}`"
                            );
                        }
                    }
                    for entry in body["entries"].as_array().into_iter().flatten() {
                        for key in entry.as_object().unwrap().keys() {
                            assert!(
                                ["person", "name", "status", "nominated_on", "reasons"]
                                    .contains(&key.as_str()),
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

    let (status, _) =
        with_cookie(&fixture, "DELETE", "/api/v1/session", &cookie, Some(csrf), None).await;
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

/// The login form's pre-session cookie and token, as the login page hands
/// them out (none if it hands out none).
async fn login_form(fixture: &Fixture) -> (Option<String>, String) {
    let (status, headers, body) = page(fixture, "GET", "/login", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().split(';').next().unwrap().to_string())
        .next();
    let token = body
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .unwrap_or_default();
    (cookie, token)
}

/// Logs in on the console's form: the session cookie.
async fn console_login(fixture: &Fixture, name: &str) -> String {
    let (cookie, token) = login_form(fixture).await;
    let form = format!("csrf={token}&name={name}&password=a+long+test+password");
    let (status, headers, body) =
        page(fixture, "POST", "/login", cookie.as_deref(), Some(&form)).await;
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
    let (cookie, token) = login_form(&fixture).await;
    let form = format!("csrf={token}&name=placer&password=wrong");
    let (status, _, body) = page(&fixture, "POST", "/login", cookie.as_deref(), Some(&form)).await;
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

// ---------------------------------------------------------------------------
// Security: every effect authorized, bounded inputs, throttled logins,
// sessions that end with the account's change, bounded metrics, writes
// decided in their transaction, and the smaller promises.

/// Any request: its status, headers and body as text.
async fn call(
    state: &AppState,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&bytes).to_string())
}

/// A JSON login from an address.
fn login_request(name: &str, password: &str, address: Option<&str>) -> Request<Body> {
    let body = serde_json::json!({"name": name, "password": password}).to_string();
    let mut request = Request::post("/api/v1/session")
        .header("Content-Type", "application/json")
        .body(Body::from(body))
        .unwrap();
    if let Some(address) = address {
        let socket: std::net::SocketAddr = format!("{address}:40000").parse().unwrap();
        request.extensions_mut().insert(axum::extract::ConnectInfo(socket));
    }
    request
}

/// Logs in through the API: the session cookie and its CSRF token.
async fn api_login(state: &AppState, name: &str) -> (String, String) {
    let (status, headers, body) =
        call(state, login_request(name, "a long test password", None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let body: Value = serde_json::from_str(&body).unwrap();
    (cookie, body["csrf"].as_str().unwrap().to_string())
}

/// The audit log as the auditor reads it.
async fn audit_entries(fixture: &Fixture, state: &AppState) -> Vec<Value> {
    let (_, log) = fixture.request(state, "GET", "/api/v1/audit", None, Some("auditor")).await;
    log["entries"].as_array().unwrap().clone()
}

/// A harmless discharge order that supersedes others.
fn superseding_order(id: &str, issued_by: &str, supersedes: &[&str]) -> String {
    let list: Vec<String> = supersedes.iter().map(|id| format!("\"{id}\"")).collect();
    harmless_order(id, issued_by, "2024-01-05")
        .replace("\n[[rules]]", &format!("supersedes = [{}]\n\n[[rules]]", list.join(", ")))
}

#[tokio::test]
async fn an_order_that_supersedes_another_needs_the_right_to_revoke_it() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    // The department's discharge order may not end the ministry's order on
    // postings abroad: issuing, checking and previewing it are refused,
    // naming the order it would end.
    let document = superseding_order("errd-2024-009", "errd", &["mod-2024-001"]);
    for path in ["/api/v1/orders", "/api/v1/orders/check", "/api/v1/orders/preview"] {
        let body = serde_json::json!({"document": document, "as_of": "2024-01-05"});
        let (status, body) =
            fixture.request(&state, "POST", path, Some(body), Some("errd-officer")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("mod-2024-001"), "{body}");
    }
    let (_, order) = fixture
        .request(
            &state,
            "GET",
            "/api/v1/orders/mod-2024-001?as_of=2024-06-01",
            None,
            Some("auditor"),
        )
        .await;
    assert_eq!(order["state"], "in force", "{order}");
    // The auditor may check any draft, so he may check this one too.
    let body = serde_json::json!({"document": document, "as_of": "2024-01-05"});
    let (status, body) =
        fixture.request(&state, "POST", "/api/v1/orders/check", Some(body), Some("auditor")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // An order of its own, the department may supersede.
    let document = superseding_order("errd-2024-010", "errd", &["rv-errd"]);
    let body = serde_json::json!({"document": document, "as_of": "2024-01-05"});
    let (status, body) =
        fixture.request(&state, "POST", "/api/v1/orders", Some(body), Some("errd-officer")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn the_authorization_matrix_of_superseded_orders() {
    let fixture = fixture();
    let policies = Policies::default_policies().unwrap();
    for (user, organisation, role) in MATRIX_USERS {
        for own in [true, false] {
            let superseded =
                if own { format!("rv-{organisation}") } else { "rv-sonbong".to_string() };
            let document = superseding_order("matrix-supersedes", organisation, &[&superseded]);
            let principal =
                Principal { name: user.to_string(), organisation: organisation.to_string(), role };
            let draft = Resource::Order {
                id: "matrix-supersedes".to_string(),
                issued_by: organisation.to_string(),
                targets: vec!["discharge".to_string()],
            };
            let old = Resource::Order {
                id: superseded.clone(),
                issued_by: if own { organisation.to_string() } else { "sonbong".to_string() },
                targets: vec!["discharge".to_string()],
            };
            let expected =
                policies.is_allowed(&principal, muster_access::Action::IssueOrder, &draft)
                    && policies.is_allowed(&principal, muster_access::Action::RevokeOrder, &old);
            let (_dir, state) = fixture.copy();
            let body = serde_json::json!({"document": document, "as_of": "2024-01-05"});
            let (status, body) =
                fixture.request(&state, "POST", "/api/v1/orders", Some(body), Some(user)).await;
            if expected {
                assert_eq!(status, StatusCode::CREATED, "{role} superseding {superseded}: {body}");
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role} superseding {superseded}: {body}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_request_body_is_bounded_and_so_is_every_field() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let before = audit_entries(&fixture, &state).await.len();
    // A body of 1.9 MB is refused whole, and nothing is stored.
    let name = "x".repeat(1_900_000);
    let (status, _, body) = call(&state, login_request(&name, "password", None)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &body[..body.len().min(300)]);
    assert!(body.contains("at most"), "{body}");
    // A name or a password past its limit is a 400, and nothing is stored.
    let (status, _, body) =
        call(&state, login_request(&"x".repeat(10_000), "password", None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, body) = call(&state, login_request("placer", &"x".repeat(5_000), None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Since the audit read itself is no entry, nothing was added.
    assert_eq!(audit_entries(&fixture, &state).await.len(), before);

    // What a failed login tried is kept short and with its control
    // characters escaped: it cannot forge a line of the log.
    let forged = format!("intruder\n2024-01-01 user:minister login {}", "y".repeat(150));
    let (status, _, _) = call(&state, login_request(&forged, "password", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let entries = audit_entries(&fixture, &state).await;
    let failed = entries.iter().rev().find(|entry| entry["kind"] == "login-failed").unwrap();
    for field in ["actor", "summary"] {
        let text = failed[field].as_str().unwrap();
        assert!(!text.contains('\n') && text.contains("intruder\\n"), "{field}: {text}");
        assert!(text.chars().count() < 120, "{field}: {text}");
    }

    // Every other field has its limit, answered 400 before anything is done.
    let long = |count: usize| "z".repeat(count);
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "POST",
            "/api/v1/lists",
            serde_json::json!({"id": "long-title", "kind": "overseas-posting", "title": long(10_000)}),
            "placer",
        ),
        (
            "POST",
            "/api/v1/lists",
            serde_json::json!({"id": "long-kind", "kind": long(1_000)}),
            "placer",
        ),
        (
            "POST",
            "/api/v1/orders/rv-mod/revoke",
            serde_json::json!({"on": "2024-02-01", "reason": long(100_000)}),
            "minister",
        ),
        (
            "POST",
            "/api/v1/lists/haebit-2023/entries",
            serde_json::json!({"where": format!("person.name == \"{}\"", long(10_000))}),
            "placer",
        ),
        (
            "POST",
            "/api/v1/lists/haebit-2023/entries",
            serde_json::json!({"persons": vec!["p001"; 10_001]}),
            "placer",
        ),
    ];
    for (method, path, body, user) in cases {
        let (status, answer) = fixture.request(&state, method, path, Some(body), Some(user)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("at most"), "{answer}");
    }
    let (status, answer) = fixture
        .request(
            &state,
            "GET",
            &format!("/api/v1/stats?event=awol&by=home_province&where={}", long(10_000)),
            None,
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    // The refusals and failures stored are few and short.
    let entries = audit_entries(&fixture, &state).await;
    let added: usize = entries[before..].iter().map(|entry| entry.to_string().len()).sum();
    assert!(added < 4_000, "{added} bytes of audit entries: {:?}", &entries[before..]);
}

/// A state whose clock the test moves.
fn throttled(
    fixture: &Fixture,
) -> (tempfile::TempDir, AppState, std::sync::Arc<muster_server::ManualClock>) {
    let clock = std::sync::Arc::new(muster_server::ManualClock::new(
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
    ));
    let settings = Settings { clock: clock.clone(), ..Settings::default() };
    let (dir, state) = fixture.copy_with(settings);
    (dir, state, clock)
}

/// Tries a login; when told to wait, moves the clock on and tries again.
async fn patient_login(
    state: &AppState,
    clock: &muster_server::ManualClock,
    name: &str,
    password: &str,
    address: Option<&str>,
) -> StatusCode {
    for _ in 0..3 {
        let (status, headers, body) = call(state, login_request(name, password, address)).await;
        if status != StatusCode::TOO_MANY_REQUESTS {
            return status;
        }
        let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(wait > 0 && body.contains("wait"), "{body}");
        if wait > 120 {
            return status;
        }
        clock.advance(std::time::Duration::from_secs(wait));
    }
    StatusCode::TOO_MANY_REQUESTS
}

#[tokio::test]
async fn failed_logins_are_throttled_and_the_tenth_locks_the_name_out() {
    let fixture = fixture();
    let (_dir, state, clock) = throttled(&fixture);
    // Wrong passwords at once: after the third, each waits longer.
    let mut refused = 0;
    for _ in 0..5 {
        let (status, headers, _) = call(&state, login_request("minister", "guess", None)).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
            assert!(headers.contains_key("retry-after"));
        }
    }
    assert_eq!(refused, 2);
    // Waiting as told, ten failures in all...
    let mut failures = 3;
    while failures < 10 {
        let status = patient_login(&state, &clock, "minister", "guess", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {}", failures + 1);
        failures += 1;
    }
    // ...and the 11th attempt is refused even with the right password,
    // until the lockout has passed.
    let (status, headers, body) =
        call(&state, login_request("minister", "a long test password", None)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(wait, 15 * 60);
    clock.advance(std::time::Duration::from_secs(wait - 60));
    let (status, _, _) =
        call(&state, login_request("minister", "a long test password", None)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    clock.advance(std::time::Duration::from_secs(60));
    let (status, _, body) =
        call(&state, login_request("minister", "a long test password", None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The lockout is on the audit log the auditor reads; the refused
    // attempts are not (they checked no password).
    let entries = audit_entries(&fixture, &state).await;
    let locked: Vec<&Value> =
        entries.iter().filter(|entry| entry["kind"] == "login-locked").collect();
    assert_eq!(locked.len(), 1, "{entries:?}");
    assert_eq!(locked[0]["actor"], "user:minister");
    let failed = entries.iter().filter(|entry| entry["kind"] == "login-failed").count();
    assert_eq!(failed, 10);
    // Another user is not held up by the minister's lockout.
    let (status, _, _) = call(&state, login_request("placer", "a long test password", None)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn failed_logins_from_one_address_are_throttled_across_names() {
    let fixture = fixture();
    let (_dir, state, clock) = throttled(&fixture);
    let mut index = 0;
    loop {
        let status =
            patient_login(&state, &clock, &format!("nobody-{index}"), "guess", Some("10.1.2.3"))
                .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        index += 1;
        assert!(index <= 50, "no lockout of the address after {index} failures");
    }
    assert_eq!(index, 50);
    // From that address, even the right password waits; from another, not.
    let (status, _, _) =
        call(&state, login_request("placer", "a long test password", Some("10.1.2.3"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) =
        call(&state, login_request("placer", "a long test password", Some("10.9.9.9"))).await;
    assert_eq!(status, StatusCode::OK);
    let entries = audit_entries(&fixture, &state).await;
    assert!(
        entries
            .iter()
            .any(|entry| entry["kind"] == "login-locked" && entry["actor"] == "address:10.1.2.3"),
        "{entries:?}"
    );
}

#[tokio::test]
async fn an_unknown_name_costs_an_argon2_check_as_a_known_one_does() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    for (name, password, expected) in [
        ("placer", "a long test password", StatusCode::OK),
        ("placer", "wrong", StatusCode::UNAUTHORIZED),
        ("nobody-at-all", "wrong", StatusCode::UNAUTHORIZED),
        ("nobody-else", "a long test password", StatusCode::UNAUTHORIZED),
    ] {
        let checks = state.password_checks();
        let (status, _, body) = call(&state, login_request(name, password, None)).await;
        assert_eq!(status, expected, "{name}: {body}");
        assert_eq!(state.password_checks(), checks + 1, "{name}: one argon2 check");
    }
    // A disabled user's password is checked too, so that his name is no
    // quicker to refuse than another's.
    let (dir, state) = fixture.copy();
    let db = dir.path().join("muster.db");
    let mut store = SqliteStore::open(&db).unwrap();
    let user = store.users().unwrap().into_iter().find(|user| user.name == "placer").unwrap();
    store
        .put_user(
            act("user-disable", "2024-01-02"),
            NewUser {
                name: user.name,
                organisation: user.organisation,
                role: user.role,
                password_hash: user.password_hash,
                disabled: true,
            },
            "{}",
        )
        .unwrap();
    let checks = state.password_checks();
    let (status, _, _) = call(&state, login_request("placer", "a long test password", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(state.password_checks(), checks + 1);
}

/// Writes a new version of a user's account through a connection of its
/// own, as `muster user` does from another process.
fn change_user(db: &Path, name: &str, kind: &str, change: impl FnOnce(&mut NewUser)) {
    let mut store = SqliteStore::open(db).unwrap();
    let user = store.users().unwrap().into_iter().find(|user| user.name == name).unwrap();
    let mut new = NewUser {
        name: user.name,
        organisation: user.organisation,
        role: user.role,
        password_hash: user.password_hash,
        disabled: user.disabled,
    };
    change(&mut new);
    store.put_user(act(kind, "2024-01-02"), new, "{}").unwrap();
}

#[tokio::test]
async fn a_session_ends_when_its_user_is_disabled_reset_or_changed() {
    let fixture = fixture();
    let (dir, state) = fixture.copy();
    let db = dir.path().join("muster.db");
    let session = |cookie: String| {
        let state = state.clone();
        async move {
            let request = Request::get("/api/v1/session")
                .header("Cookie", cookie)
                .body(Body::empty())
                .unwrap();
            call(&state, request).await.0
        }
    };
    // Disabled, then reset (enabled again): the old session stays over.
    let (cookie, _) = api_login(&state, "placer").await;
    assert_eq!(session(cookie.clone()).await, StatusCode::OK);
    change_user(&db, "placer", "user-disable", |user| user.disabled = true);
    assert_eq!(session(cookie.clone()).await, StatusCode::UNAUTHORIZED);
    change_user(&db, "placer", "user-reset", |user| {
        user.disabled = false;
        user.password_hash = muster_access::hash_password("a long test password").unwrap();
    });
    assert_eq!(session(cookie.clone()).await, StatusCode::UNAUTHORIZED);
    // Reset alone, or a change of role, ends his sessions too; a session
    // begun after the change lives.
    let (cookie, _) = api_login(&state, "placer").await;
    change_user(&db, "placer", "user-reset", |_| {});
    assert_eq!(session(cookie).await, StatusCode::UNAUTHORIZED);
    let (cookie, _) = api_login(&state, "analyst").await;
    change_user(&db, "analyst", "user-change", |user| user.role = "auditor".to_string());
    assert_eq!(session(cookie).await, StatusCode::UNAUTHORIZED);
    let (cookie, _) = api_login(&state, "analyst").await;
    assert_eq!(session(cookie.clone()).await, StatusCode::OK);
    // The console's pages end it as well.
    let request = Request::get("/").header("Cookie", &cookie).body(Body::empty()).unwrap();
    assert_eq!(call(&state, request).await.0, StatusCode::OK);
    change_user(&db, "analyst", "user-change", |user| user.organisation = "mod".to_string());
    let request = Request::get("/").header("Cookie", &cookie).body(Body::empty()).unwrap();
    let (status, headers, _) = call(&state, request).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/login");
    assert_eq!(session(cookie).await, StatusCode::UNAUTHORIZED);

    // A token's caller is not remembered past a change of his account.
    let token = fixture.tokens["minister"].clone();
    let who = |token: String| {
        let state = state.clone();
        async move {
            let request = Request::get("/api/v1/session")
                .header("Authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let (status, _, body) = call(&state, request).await;
            (status, serde_json::from_str::<Value>(&body).unwrap_or(Value::Null))
        }
    };
    assert_eq!(who(token.clone()).await.1["role"], "ministry");
    change_user(&db, "minister", "user-change", |user| user.role = "analyst".to_string());
    assert_eq!(who(token.clone()).await.1["role"], "analyst");
    change_user(&db, "minister", "user-disable", |user| user.disabled = true);
    assert_eq!(who(token).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn metrics_labels_take_a_bounded_set_of_values() {
    let fixture = fixture();
    let service = app(fixture.state.clone());
    for index in 0..300u32 {
        let method = format!("INVENTED{index}");
        let path = if index % 2 == 0 {
            format!("/x{}/{}", index * 7919 % 1000, index)
        } else {
            "/api/v1/health".to_string()
        };
        let request =
            Request::builder().method(method.as_str()).uri(path).body(Body::empty()).unwrap();
        let response = service.clone().oneshot(request).await.unwrap();
        assert!(response.status().is_client_error(), "{method}");
        let request = Request::get(format!("/nothing/{index}")).body(Body::empty()).unwrap();
        service.clone().oneshot(request).await.unwrap();
    }
    let response =
        service.oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    let text = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec())
        .unwrap();
    let methods =
        ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "other"];
    let mut series = 0;
    for line in text.lines().filter(|line| line.starts_with("muster_http_requests_total{")) {
        series += 1;
        let label = |name: &str| {
            line.split(&format!("{name}=\"")).nth(1).unwrap().split('"').next().unwrap().to_string()
        };
        assert!(methods.contains(&label("method").as_str()), "{line}");
        let route = label("route");
        assert!(
            route == "unmatched"
                || ROUTES.iter().any(|known| known.path == route)
                || route == "/metrics",
            "{line}"
        );
    }
    assert!(series <= 6, "{series} series:\n{text}");
    assert!(text.contains(r#"method="other",route="/api/v1/health""#), "{text}");
    assert!(text.len() < 20_000, "{} bytes of metrics", text.len());
}

#[tokio::test]
async fn a_list_created_twice_answers_409() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let body =
        serde_json::json!({"id": "haebit-2023", "kind": "overseas-posting", "as_of": "2024-01-10"});
    let (status, body) =
        fixture.request(&state, "POST", "/api/v1/lists", Some(body), Some("placer")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("already exists"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_adding_the_same_person_at_once_add_him_once() {
    const CLIENTS: usize = 12;
    let fixture = fixture();
    let (dir, state) = fixture.copy();
    // Warm the pool and the snapshot, so that the requests meet in the
    // write, not in opening the store.
    let mut reads = Vec::new();
    for _ in 0..CLIENTS {
        let request = Request::get("/api/v1/lists/haebit-2023")
            .header("Authorization", format!("Bearer {}", fixture.tokens["placer"]))
            .body(Body::empty())
            .unwrap();
        let state = state.clone();
        reads.push(tokio::spawn(async move { call(&state, request).await.0 }));
    }
    for read in reads {
        assert_eq!(read.await.unwrap(), StatusCode::OK);
    }
    let mut requests = Vec::new();
    for _ in 0..CLIENTS {
        let request = Request::post("/api/v1/lists/haebit-2023/entries")
            .header("Authorization", format!("Bearer {}", fixture.tokens["placer"]))
            .header("Content-Type", "application/json")
            .body(Body::from(
                serde_json::json!({"persons": ["p006"], "as_of": "2024-01-10"}).to_string(),
            ))
            .unwrap();
        let state = state.clone();
        requests.push(tokio::spawn(async move { call(&state, request).await }));
    }
    let mut added = Vec::new();
    for request in requests {
        let (status, _, body) = request.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        added.push(body["added"].as_u64().unwrap());
    }
    added.sort();
    let mut expected = vec![0; CLIENTS - 1];
    expected.push(1);
    assert_eq!(added, expected);
    let store = SqliteStore::open(&dir.path().join("muster.db")).unwrap();
    let rows = store
        .entries("haebit-2023")
        .unwrap()
        .into_iter()
        .filter(|entry| entry.person == "p006")
        .count();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn absent_and_not_yours_answer_alike() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    // For each: what the caller may not see, and what does not exist.
    let cases = [
        (
            "GET",
            "/api/v1/people/p001?as_of=2024-01-10",
            "/api/v1/people/nobody?as_of=2024-01-10",
            "placer",
        ),
        (
            "GET",
            "/api/v1/people/p009?as_of=2024-01-10",
            "/api/v1/people/nobody?as_of=2024-01-10",
            "c8-officer",
        ),
        (
            "GET",
            "/api/v1/people/p009/explain?discharge=true",
            "/api/v1/people/nobody/explain?discharge=true",
            "c8-officer",
        ),
        ("GET", "/api/v1/lists/sonbong-list", "/api/v1/lists/no-such-list", "placer"),
        (
            "POST",
            "/api/v1/lists/sonbong-list/recheck",
            "/api/v1/lists/no-such-list/recheck",
            "placer",
        ),
        (
            "POST",
            "/api/v1/lists/sonbong-list/entries",
            "/api/v1/lists/no-such-list/entries",
            "placer",
        ),
        (
            "DELETE",
            "/api/v1/lists/sonbong-list/entries/p001",
            "/api/v1/lists/no-such-list/entries/p001",
            "placer",
        ),
        (
            "POST",
            "/api/v1/orders/rv-mod/revoke",
            "/api/v1/orders/no-such-order/revoke",
            "errd-officer",
        ),
        (
            "GET",
            "/api/v1/notices?organisation=sonbong",
            "/api/v1/notices?organisation=no-such-org",
            "placer",
        ),
    ];
    for (method, other, absent, user) in cases {
        let body = match method {
            "POST" if other.ends_with("/revoke") => {
                Some(serde_json::json!({"on": "2024-02-01", "reason": "r", "as_of": "2024-01-20"}))
            }
            "POST" if other.ends_with("/entries") => Some(serde_json::json!({"persons": ["p006"]})),
            "POST" => Some(serde_json::json!({})),
            _ => None,
        };
        let (status, refused) =
            fixture.request(&state, method, other, body.clone(), Some(user)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {other}: {refused}");
        let (status, missing) = fixture.request(&state, method, absent, body, Some(user)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {absent}: {missing}");
        assert_eq!(refused["error"]["message"], missing["error"]["message"], "{method} {absent}");
    }
    // Who may read every person (or list, order) learns that it is absent.
    for path in
        ["/api/v1/people/nobody", "/api/v1/lists/no-such-list", "/api/v1/orders/no-such-order"]
    {
        let (status, body) = fixture.request(&state, "GET", path, None, Some("minister")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    // The console answers alike too.
    let placer = console_login(&fixture, "placer").await;
    for path in ["/people/p001", "/people/nobody", "/lists/sonbong-list", "/lists/no-such-list"] {
        let (status, _, body) = page(&fixture, "GET", path, Some(&placer), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let fixture = fixture();
    let minister = console_login(&fixture, "minister").await;
    let token = format!("Bearer {}", fixture.tokens["minister"]);
    let requests = [
        Request::get("/login").body(Body::empty()).unwrap(),
        Request::get("/people/p004").header("Cookie", &minister).body(Body::empty()).unwrap(),
        Request::get("/api/v1/people/p004")
            .header("Authorization", &token)
            .body(Body::empty())
            .unwrap(),
        Request::get("/api/v1/lists/haebit-2023")
            .header("Authorization", &token)
            .body(Body::empty())
            .unwrap(),
        Request::get("/api/v1/nothing").body(Body::empty()).unwrap(),
    ];
    for request in requests {
        let path = request.uri().to_string();
        let (status, headers, _) = call(&fixture.state, request).await;
        let header = |name: &str| {
            headers.get(name).map(|value| value.to_str().unwrap().to_string()).unwrap_or_default()
        };
        let policy = header("content-security-policy");
        assert!(
            policy.contains("default-src 'none'") && policy.contains("script-src 'self'"),
            "{path}: {policy}"
        );
        assert!(
            policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe"),
            "{path}: {policy}"
        );
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path} ({status})");
    }
    // The vendored assets may be kept a while.
    let (status, headers, _) =
        call(&fixture.state, Request::get("/static/console.css").body(Body::empty()).unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "max-age=3600");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

#[test]
fn the_console_templates_hold_no_inline_script_or_style() {
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut read = 0;
    for entry in std::fs::read_dir(&templates).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        read += 1;
        for (index, script) in
            text.match_indices("<script").map(|(index, _)| (index, &text[index..]))
        {
            let tag = &script[..script.find('>').unwrap()];
            assert!(tag.contains(" src="), "{}: an inline script at {index}", path.display());
        }
        assert!(!text.contains("<style"), "{}: a style element", path.display());
        assert!(!text.contains(" style="), "{}: a style attribute", path.display());
        for handler in [" onclick=", " onload=", " onchange=", " onsubmit=", " oninput=", "hx-on"] {
            assert!(!text.contains(handler), "{}: {handler}", path.display());
        }
    }
    assert!(read > 10);
}

#[tokio::test]
async fn the_login_form_and_logout_take_a_csrf_token() {
    let fixture = fixture();
    // A login form posted without the pre-session pair is refused (a login
    // CSRF: another site logging the browser in as someone else).
    let (status, headers, _) =
        page(&fixture, "POST", "/login", None, Some("name=placer&password=a+long+test+password"))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        !headers.contains_key("set-cookie")
            || !headers["set-cookie"].to_str().unwrap().starts_with("muster_session=m")
    );
    let (cookie, token) = login_form(&fixture).await;
    let cookie = cookie.unwrap();
    assert!(cookie.starts_with("muster_login="), "{cookie}");
    assert!(!token.is_empty());
    let form = "csrf=forged&name=placer&password=a+long+test+password";
    let (status, _, _) = page(&fixture, "POST", "/login", Some(&cookie), Some(form)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let session = console_login(&fixture, "placer").await;
    // The API's logout takes the session's token as any change does.
    let (status, _) =
        with_cookie(&fixture, "DELETE", "/api/v1/session", &session, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = with_cookie(&fixture, "GET", "/api/v1/session", &session, None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, body) = page(&fixture, "GET", "/", Some(&session), None).await;
    let csrf = body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap();
    let (status, _) =
        with_cookie(&fixture, "DELETE", "/api/v1/session", &session, Some(csrf), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = with_cookie(&fixture, "GET", "/api/v1/session", &session, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_a_tls_proxy() {
    let fixture = fixture();
    let (_, headers, _) =
        call(&fixture.state, login_request("placer", "a long test password", None)).await;
    assert!(!headers["set-cookie"].to_str().unwrap().contains("Secure"));
    let (_dir, state) =
        fixture.copy_with(Settings { behind_tls_proxy: true, ..Settings::default() });
    let (status, headers, _) =
        call(&state, login_request("placer", "a long test password", None)).await;
    assert_eq!(status, StatusCode::OK);
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
    let (_, headers, _) = call(&state, Request::get("/login").body(Body::empty()).unwrap()).await;
    assert!(headers["set-cookie"].to_str().unwrap().contains("; Secure"));
}

#[tokio::test]
async fn ids_are_validated_wherever_they_are_accepted() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let long = "a".repeat(200);
    let revoke = serde_json::json!({"on": "2024-02-01", "reason": "r"});
    let cases: Vec<(&str, String, Option<Value>, &str)> = vec![
        ("GET", format!("/api/v1/lists/{long}"), None, "minister"),
        ("GET", "/api/v1/lists/bad%20id".to_string(), None, "minister"),
        ("GET", "/api/v1/people/p%0A1".to_string(), None, "minister"),
        ("GET", "/api/v1/orders/bad%22id".to_string(), None, "minister"),
        ("POST", "/api/v1/orders/bad%20id/revoke".to_string(), Some(revoke), "minister"),
        (
            "POST",
            "/api/v1/lists".to_string(),
            Some(serde_json::json!({"id": "列表", "kind": "overseas-posting"})),
            "placer",
        ),
        (
            "POST",
            "/api/v1/lists".to_string(),
            Some(serde_json::json!({"id": "ok-id", "kind": "overseas posting"})),
            "placer",
        ),
        (
            "POST",
            "/api/v1/lists".to_string(),
            Some(
                serde_json::json!({"id": "ok-id", "kind": "overseas-posting", "owner": "bad owner"}),
            ),
            "placer",
        ),
        (
            "POST",
            "/api/v1/lists/haebit-2023/entries".to_string(),
            Some(serde_json::json!({"persons": ["p0 01"]})),
            "placer",
        ),
        ("GET", "/api/v1/people/p004/explain?list=bad%20id".to_string(), None, "minister"),
        ("GET", "/api/v1/notices?organisation=bad%20org".to_string(), None, "minister"),
        (
            "GET",
            "/api/v1/sites/gomdok/strength?from=2020-06&to=2021-03&without=bad%20id".to_string(),
            None,
            "minister",
        ),
    ];
    for (method, path, body, user) in cases {
        let (status, answer) = fixture.request(&state, method, &path, body, Some(user)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {answer}");
        assert!(
            answer["error"]["message"].as_str().unwrap().contains("letters, digits"),
            "{answer}"
        );
    }
    // An order's own id is one too.
    let document = harmless_order("bad id!", "mod", "2024-01-05");
    let (status, body) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/orders",
            Some(serde_json::json!({"document": document})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("letters, digits"), "{body}");
}

#[tokio::test]
async fn a_unit_administration_sees_only_what_happened_in_its_units() {
    let fixture = fixture();
    let kinds = |body: &Value, list: &str, field: &str| -> Vec<String> {
        body[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item[field].as_str().unwrap().to_string())
            .collect()
    };
    // p020 served in c8-2 (8th Corps) until 2014, was discharged, then
    // posted abroad by haebit and went awol: the ministry sees it all.
    let (status, full) =
        fixture.get("/api/v1/people/p020?as_of=2024-01-10", Some("minister")).await;
    assert_eq!(status, StatusCode::OK, "{full}");
    assert_eq!(kinds(&full, "events", "kind"), ["discharged", "posted", "awol"]);
    // The 8th Corps sees his service with it and his discharge from it.
    let (status, cut) =
        fixture.get("/api/v1/people/p020?as_of=2024-01-10", Some("c8-officer")).await;
    assert_eq!(status, StatusCode::OK, "{cut}");
    assert_eq!(kinds(&cut, "service", "unit"), ["c8-2"]);
    assert_eq!(kinds(&cut, "events", "kind"), ["discharged"]);
    assert_eq!(cut["name"], full["name"]);
    // p006 served in the Strategic Force before the 8th Corps.
    let (_, full) = fixture.get("/api/v1/people/p006?as_of=2024-01-10", Some("minister")).await;
    assert_eq!(kinds(&full, "service", "unit"), ["sf-1", "c8-2"]);
    let (_, cut) = fixture.get("/api/v1/people/p006?as_of=2024-01-10", Some("c8-officer")).await;
    assert_eq!(kinds(&cut, "service", "unit"), ["c8-2"]);
    // The console's timeline is cut alike.
    let officer = console_login(&fixture, "c8-officer").await;
    let (status, _, body) =
        page(&fixture, "GET", "/people/p020?as_of=2024-01-10", Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("assigned to c8-2") && body.contains("discharged"), "{body}");
    assert!(!body.contains("posted") && !body.contains("Russia"), "{body}");
    let (_, _, body) =
        page(&fixture, "GET", "/people/p006?as_of=2024-01-10", Some(&officer), None).await;
    assert!(!body.contains("sf-1"), "{body}");
}

#[tokio::test]
async fn the_authorization_matrix_of_absent_ids() {
    let fixture = fixture();
    let policies = Policies::default_policies().unwrap();
    let absent_list =
        Resource::List { id: "absent".into(), owner: String::new(), kind: String::new() };
    let absent_person =
        Resource::Person { id: "absent".into(), administrations: vec![], lists: vec![] };
    let absent_order =
        Resource::Order { id: "absent".into(), issued_by: String::new(), targets: vec![] };
    let revoke = serde_json::json!({"on": "2024-02-01", "reason": "matrix", "as_of": "2024-01-20"});
    use muster_access::Action;
    let cases: Vec<(&str, &str, Option<Value>, Action, &Resource)> = vec![
        ("GET", "/api/v1/people/absent", None, Action::ReadPerson, &absent_person),
        (
            "GET",
            "/api/v1/people/absent/explain?discharge=true",
            None,
            Action::Explain,
            &absent_person,
        ),
        ("GET", "/api/v1/lists/absent", None, Action::ReadList, &absent_list),
        (
            "POST",
            "/api/v1/lists/absent/entries",
            Some(serde_json::json!({"persons": ["p006"]})),
            Action::ChangeList,
            &absent_list,
        ),
        ("DELETE", "/api/v1/lists/absent/entries/p001", None, Action::ChangeList, &absent_list),
        (
            "POST",
            "/api/v1/lists/absent/recheck",
            Some(serde_json::json!({})),
            Action::ChangeList,
            &absent_list,
        ),
        ("POST", "/api/v1/orders/absent/revoke", Some(revoke), Action::RevokeOrder, &absent_order),
    ];
    let mut found = 0;
    for (user, organisation, role) in MATRIX_USERS {
        let principal =
            Principal { name: user.to_string(), organisation: organisation.to_string(), role };
        for (method, path, body, action, resource) in &cases {
            let (status, answer) =
                fixture.request(&fixture.state, method, path, body.clone(), Some(user)).await;
            let expected = if policies.is_allowed(&principal, *action, resource) {
                found += 1;
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{method} {path} as {role}: {answer}");
        }
    }
    // Both answers occur.
    assert!(found > 3 && found < cases.len() * MATRIX_USERS.len() - 3, "{found}");
}

/// A condition a placement officer writes reads only what he may see of a
/// person: no service history, no method of a history, not even through a
/// failure counted; what he may read he can use, and no count of failures
/// is shown to him.
#[tokio::test]
async fn a_placement_condition_reads_only_the_placement_fields() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let add = |condition: &str| serde_json::json!({"where": condition, "as_of": "2024-01-10"});
    for (condition, named) in [
        (r#"person.served_in("sgc")"#, "served_in"),
        (r#"[1][person.had("posted") ? 5 : 0] == 2"#, "had"),
        (r#"person.rank == "sergeant""#, "rank"),
        (r#"person.discharge_cycle == "2020-autumn""#, "discharge_cycle"),
        (r#"person.deployed_at("gomdok") || true"#, "deployed_at"),
    ] {
        let (status, body) = fixture
            .request(
                &state,
                "POST",
                "/api/v1/lists/haebit-2023/entries",
                Some(add(condition)),
                Some("placer"),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{condition}: {body}");
        let message = body["error"]["details"]["diagnostics"][0]["message"].as_str().unwrap();
        assert!(message.contains(named) && message.contains("not readable"), "{message}");
    }
    // Nothing was added by any of them.
    let (_, page) = fixture
        .request(&state, "GET", "/api/v1/lists/haebit-2023?as_of=2024-01-10", None, Some("placer"))
        .await;
    assert_eq!(page["total"], 5, "{page}");
    // A condition on what he may see works, and says nothing of failures.
    let (status, added) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/lists/haebit-2023/entries",
            Some(add(r#"person.home_province == "Chagang" && person.age > 20"#)),
            Some("placer"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert!(added["added"].as_u64().unwrap() > 0, "{added}");
    assert!(added.get("failed").is_none(), "{added}");
    // A department, who may read everything of a person, is told how many
    // failed.
    let (status, added) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/lists/errd-list/entries",
            Some(add(r#"[1][person.had("posted") ? 5 : 0] == 2"#)),
            Some("errd-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert!(added["failed"].as_u64().unwrap() > 0, "{added}");
}

/// A costly condition is refused before anything runs, with its estimated
/// cost, wherever a caller writes one.
#[tokio::test]
async fn a_costly_condition_is_refused_with_its_cost() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let list: Vec<String> = (1..=35).map(|n| n.to_string()).collect();
    let list = format!("[{}]", list.join(","));
    let costly = format!(
        "{list}.all(a, {list}.all(b, {list}.exists(c, {list}.exists(d, a + b + c + d == 0))))"
    );
    let body = serde_json::json!({"where": costly, "as_of": "2024-01-10"});
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/lists/errd-list/entries",
            Some(body),
            Some("errd-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let message = answer["error"]["details"]["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("cost units") && message.contains("10,000"), "{message}");
    let path = format!(
        "/api/v1/stats?event=awol&by=home_province&as_of=2024-01-10&where={}",
        urlencode(&costly)
    );
    let (status, answer) = fixture.request(&state, "GET", &path, None, Some("analyst")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The number of entries on the audit log, as the auditor reads it, and
/// how many of them are refusals by the policies.
async fn audit_counts(fixture: &Fixture, state: &AppState) -> (usize, usize) {
    let (status, log) =
        fixture.request(state, "GET", "/api/v1/audit?limit=100000", None, Some("auditor")).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let entries = log["entries"].as_array().unwrap();
    let denied = entries.iter().filter(|entry| entry["kind"] == "denied").count();
    (entries.len(), denied)
}

#[tokio::test]
async fn an_act_the_role_may_not_do_is_refused_on_the_audit_log_and_writes_nothing() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let cases: &[(&str, &str, Value)] = &[
        // A unit administration transfers none of another's people, and
        // none of its own into another's units.
        (
            "c8-officer",
            "/api/v1/people/p009/assign",
            serde_json::json!({"unit": "c8-1", "as_of": "2024-01-10"}),
        ),
        (
            "c8-officer",
            "/api/v1/people/p001/assign",
            serde_json::json!({"unit": "ef-cb", "as_of": "2024-01-10"}),
        ),
        // Nor records an exemption (the papers bought are the abuse), a
        // discharge, or an event of another's man.
        (
            "c8-officer",
            "/api/v1/people/p001/events",
            serde_json::json!({"kind": "exempted", "ref": "msoc", "detail": "redeployment: bought", "as_of": "2024-01-10"}),
        ),
        (
            "c8-officer",
            "/api/v1/people/p001/discharge",
            serde_json::json!({"early": true, "grounds": "x", "as_of": "2024-01-10"}),
        ),
        (
            "c8-officer",
            "/api/v1/people/p009/events",
            serde_json::json!({"kind": "injured", "as_of": "2024-01-10"}),
        ),
        // A placement organisation posts from no list of another's, and
        // returns none posted by another.
        (
            "placer",
            "/api/v1/people/p005/post",
            serde_json::json!({"list": "sonbong-list", "country": "China", "as_of": "2024-01-10"}),
        ),
        ("placer", "/api/v1/people/p024/return", serde_json::json!({"as_of": "2024-01-10"})),
        (
            "placer",
            "/api/v1/people/p003/assign",
            serde_json::json!({"unit": "c8-1", "as_of": "2024-01-10"}),
        ),
        // The department reverses none of the ministry's acts; the analyst
        // and the auditor do no act at all.
        (
            "errd-officer",
            &format!("/api/v1/acts/{ACT_BY_MINISTER}/reverse"),
            serde_json::json!({"reason": "mine now"}),
        ),
        (
            "analyst",
            "/api/v1/people/p001/events",
            serde_json::json!({"kind": "injured", "as_of": "2024-01-10"}),
        ),
        (
            "auditor",
            "/api/v1/units/c8-1/recall",
            serde_json::json!({"site": "gomdok", "as_of": "2024-01-10"}),
        ),
    ];
    for (user, path, body) in cases {
        let (before, denied) = audit_counts(&fixture, &state).await;
        let (status, answer) =
            fixture.request(&state, "POST", path, Some(body.clone()), Some(user)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user} {path}: {answer}");
        let (after, denied_after) = audit_counts(&fixture, &state).await;
        assert_eq!(
            (after, denied_after),
            (before + 1, denied + 1),
            "{user} {path}: the refusal, and only it, is on the log"
        );
    }
}

#[tokio::test]
async fn an_act_about_no_one_held_tells_only_who_may_act_on_anyone() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let body = serde_json::json!({"kind": "injured", "as_of": "2024-01-10"});
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/people/p777/events",
            Some(body.clone()),
            Some("c8-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a unit administration cannot probe ids: {answer}");
    let (status, answer) = fixture
        .request(&state, "POST", "/api/v1/people/p777/events", Some(body), Some("minister"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/acts/99999/reverse",
            Some(serde_json::json!({"reason": "x"})),
            Some("c8-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/acts/99999/reverse",
            Some(serde_json::json!({"reason": "x"})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
}

#[tokio::test]
async fn an_act_refused_by_the_records_or_the_orders_writes_nothing() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let cases: &[(&str, &str, Value, StatusCode, &str)] = &[
        // p009 is excluded from haebit's list by the ministry's order: the
        // refusal names the rule.
        (
            "placer",
            "/api/v1/people/p009/post",
            serde_json::json!({"list": "haebit-2023", "country": "Russia", "as_of": "2024-01-10"}),
            StatusCode::CONFLICT,
            "mod-2024-001 rule 1",
        ),
        // He is serving: not enlisted again.
        (
            "errd-officer",
            "/api/v1/people/p001/enlist",
            serde_json::json!({"unit": "c8-1", "term_months": 120, "as_of": "2024-01-10"}),
            StatusCode::CONFLICT,
            "serving",
        ),
        // A discharge on another day than his computed date needs grounds.
        (
            "errd-officer",
            "/api/v1/people/p001/discharge",
            serde_json::json!({"as_of": "2024-01-10"}),
            StatusCode::CONFLICT,
            "discharge",
        ),
        // No open deployment to end.
        (
            "errd-officer",
            "/api/v1/people/p001/recall",
            serde_json::json!({"site": "gomdok", "as_of": "2024-01-10"}),
            StatusCode::CONFLICT,
            "gomdok",
        ),
        // Invalid values, in the import's words.
        (
            "errd-officer",
            "/api/v1/people",
            serde_json::json!({"id": "p901", "name": "X", "born": "2004-02-30", "sex": "M", "home_province": "Kangwon"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "born",
        ),
        (
            "errd-officer",
            "/api/v1/people",
            serde_json::json!({"id": "p902", "name": "X", "born": "2004-02-01", "sex": "Q", "home_province": "Kangwon"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sex",
        ),
        (
            "errd-officer",
            "/api/v1/people/p001/events",
            serde_json::json!({"kind": "promoted", "as_of": "2024-01-10"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "promoted",
        ),
        // Unknown ids.
        (
            "errd-officer",
            "/api/v1/people/p001/assign",
            serde_json::json!({"unit": "no-such-unit", "as_of": "2024-01-10"}),
            StatusCode::NOT_FOUND,
            "no-such-unit",
        ),
        // The registered id exists.
        (
            "errd-officer",
            "/api/v1/people",
            serde_json::json!({"id": "p001", "name": "X", "born": "2004-02-01", "sex": "M", "home_province": "Kangwon"}),
            StatusCode::CONFLICT,
            "p001",
        ),
        // An import is not reversed.
        (
            "minister",
            "/api/v1/acts/1/reverse",
            serde_json::json!({"reason": "x"}),
            StatusCode::CONFLICT,
            "import",
        ),
    ];
    for (user, path, body, expected, words) in cases {
        let (before, _) = audit_counts(&fixture, &state).await;
        let (status, answer) =
            fixture.request(&state, "POST", path, Some(body.clone()), Some(user)).await;
        assert_eq!(status, *expected, "{user} {path}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{path}: `{message}` names {words}");
        let (after, _) = audit_counts(&fixture, &state).await;
        assert_eq!(after, before, "{path}: nothing was written");
    }
    // A body with a field no act knows, or a text beyond its bound, is
    // refused before anything is read.
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/people/p001/assign",
            Some(serde_json::json!({"unit": "c8-1", "admin": true})),
            Some("minister"),
        )
        .await;
    assert!(status.is_client_error(), "{status} {answer}");
    let long = "x".repeat(5000);
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/people/p001/events",
            Some(serde_json::json!({"kind": "injured", "detail": long})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
}

#[tokio::test]
async fn the_reads_after_an_act_see_it() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    // Read first, so that the army is built before the act.
    let (status, before) = fixture
        .request(&state, "GET", "/api/v1/people/p001?as_of=2024-01-10", None, Some("minister"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let units = |person: &Value| -> Vec<String> {
        person["service"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| format!("{} {}..{}", row["unit"], row["from"], row["to"]))
            .collect()
    };
    assert_eq!(units(&before), ["\"c8-2\" \"2016-04-01\"..null"]);
    let (status, done) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/people/p001/assign",
            Some(serde_json::json!({"unit": "c8-1", "as_of": "2024-01-10"})),
            Some("c8-officer"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(done["kind"], "assign");
    assert_eq!(done["actor"], "user:c8-officer");
    assert_eq!(done["persons"][0]["person"], "p001");
    assert_eq!(done["persons"][0]["status"], "serving");
    let (_, after) = fixture
        .request(&state, "GET", "/api/v1/people/p001?as_of=2024-01-10", None, Some("minister"))
        .await;
    assert_eq!(
        units(&after),
        ["\"c8-2\" \"2016-04-01\"..\"2024-01-09\"", "\"c8-1\" \"2024-01-10\"..null"]
    );
    // A posting: the list shows him abroad at once, and the act is listed.
    let (status, posted) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/people/p003/post",
            Some(serde_json::json!({"list": "haebit-2023", "country": "Russia", "as_of": "2024-01-10"})),
            Some("placer"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    let lists = posted["persons"][0]["lists"].as_array().unwrap();
    assert!(
        lists.iter().all(|entry| entry["list"] == "haebit-2023"),
        "the placement is shown only its own list of his: {posted}"
    );
    let (_, person) = fixture
        .request(&state, "GET", "/api/v1/people/p003?as_of=2024-01-11", None, Some("minister"))
        .await;
    assert_eq!(person["status"], "abroad", "{person}");
    let (_, acts) =
        fixture.request(&state, "GET", "/api/v1/acts?kind=post", None, Some("auditor")).await;
    let listed: Vec<i64> =
        acts["acts"].as_array().unwrap().iter().map(|act| act["act"].as_i64().unwrap()).collect();
    assert_eq!(listed, [posted["act"].as_i64().unwrap(), ACT_BY_PLACER]);
    // Its reversal by the ministry: he reads as never posted.
    let path = format!("/api/v1/acts/{}/reverse", posted["act"]);
    let (status, reversed) = fixture
        .request(
            &state,
            "POST",
            &path,
            Some(serde_json::json!({"reason": "entered in error"})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reversed}");
    let (_, person) = fixture
        .request(&state, "GET", "/api/v1/people/p003?as_of=2024-01-11", None, Some("minister"))
        .await;
    assert_eq!(person["status"], "discharged", "{person}");
    let (status, again) = fixture
        .request(
            &state,
            "POST",
            &path,
            Some(serde_json::json!({"reason": "twice"})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
}

#[tokio::test]
async fn while_another_act_is_under_way_the_reads_after_an_answer_still_see_its_act() {
    // A reader that finds acts of the server under way does not catch the
    // army up himself: the writers do, before they answer. Held here, an
    // act under way (as a writer between its write and its answer) shows
    // that each kind of writer did.
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    for (user, path, body) in [
        (
            "minister",
            "/api/v1/people",
            serde_json::json!({"id": "p950", "name": "Ri Chol", "born": "2004-05-01", "sex": "M", "home_province": "Kangwon", "as_of": "2024-01-10"}),
        ),
        (
            "minister",
            "/api/v1/people/p950/enlist",
            serde_json::json!({"unit": "c8-1", "term_months": 120, "as_of": "2024-01-10"}),
        ),
        (
            "placer",
            "/api/v1/lists",
            serde_json::json!({"id": "live-2024", "kind": "overseas-posting", "owner": "haebit", "as_of": "2024-01-10"}),
        ),
        (
            "placer",
            "/api/v1/lists/live-2024/entries",
            serde_json::json!({"persons": ["p950"], "as_of": "2024-01-10"}),
        ),
    ] {
        let (status, answer) = fixture.request(&state, "POST", path, Some(body), Some(user)).await;
        assert!(status.is_success(), "{path}: {status} {answer}");
    }
    let flagged = |list: &'static str| {
        let state = state.clone();
        let fixture = &fixture;
        async move {
            let path = format!("/api/v1/lists/{list}?status=flagged&as_of=2024-03-01");
            let (code, answer) = fixture.request(&state, "GET", &path, None, Some("placer")).await;
            assert_eq!(code, StatusCode::OK, "{answer}");
            answer["total"].as_u64().unwrap()
        }
    };
    assert_eq!(flagged("live-2024").await, 0);
    let under_way = state.acting();
    // An act on a person: the statuses the army holds show it once it is
    // answered.
    let (status, done) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/people/p950/assign",
            Some(serde_json::json!({"unit": "sgc-1", "as_of": "2024-02-01"})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(flagged("live-2024").await, 1);
    // A request that writes without catching up (a list and its entries):
    // the next reader catches up, though an act is under way.
    for (path, body) in [
        (
            "/api/v1/lists",
            serde_json::json!({"id": "meanwhile", "kind": "overseas-posting", "owner": "haebit", "as_of": "2024-01-10"}),
        ),
        (
            "/api/v1/lists/meanwhile/entries",
            serde_json::json!({"persons": ["p950"], "as_of": "2024-01-10"}),
        ),
    ] {
        let (status, answer) =
            fixture.request(&state, "POST", path, Some(body), Some("placer")).await;
        assert!(status.is_success(), "{path}: {status} {answer}");
    }
    assert_eq!(flagged("meanwhile").await, 1);
    drop(under_way);
}

#[tokio::test]
async fn a_page_of_one_status_is_kept_live_by_the_acts() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let minister = Some("minister");
    let post_as = |user: &'static str, path: &'static str, body: Value| {
        let state = state.clone();
        let fixture = &fixture;
        async move {
            let (status, answer) =
                fixture.request(&state, "POST", path, Some(body), Some(user)).await;
            assert!(status.is_success(), "{path}: {status} {answer}");
            answer
        }
    };
    post_as(
        "minister",
        "/api/v1/people", serde_json::json!({"id": "p950", "name": "Ri Chol", "born": "2004-05-01", "sex": "M", "home_province": "Kangwon", "as_of": "2024-01-10"})).await;
    post_as(
        "minister",
        "/api/v1/people/p950/enlist",
        serde_json::json!({"unit": "c8-1", "term_months": 120, "as_of": "2024-01-10"}),
    )
    .await;
    post_as(
        "placer",
        "/api/v1/lists", serde_json::json!({"id": "live-2024", "kind": "overseas-posting", "owner": "haebit", "as_of": "2024-01-10"})).await;
    post_as(
        "placer",
        "/api/v1/lists/live-2024/entries",
        serde_json::json!({"persons": ["p950", "p009"], "as_of": "2024-01-10"}),
    )
    .await;
    let page = |status: &'static str| {
        let state = state.clone();
        let fixture = &fixture;
        async move {
            let path = format!("/api/v1/lists/live-2024?status={status}&as_of=2024-03-01");
            let (code, answer) = fixture.request(&state, "GET", &path, None, Some("placer")).await;
            assert_eq!(code, StatusCode::OK, "{answer}");
            let persons: Vec<String> = answer["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| format!("{} {}", entry["person"], entry["reasons"]))
                .collect();
            (answer["total"].as_u64().unwrap(), persons)
        }
    };
    assert_eq!(page("eligible").await, (1, vec!["\"p950\" []".to_string()]));
    assert_eq!(page("flagged").await.0, 0);
    // A transfer into the Supreme Guard: from that day he has served in an
    // important unit, and the statuses held for the day say so at once.
    post_as(
        "minister",
        "/api/v1/people/p950/assign",
        serde_json::json!({"unit": "sgc-1", "as_of": "2024-02-01"}),
    )
    .await;
    assert_eq!(page("eligible").await.0, 0);
    let (total, flagged) = page("flagged").await;
    assert_eq!(total, 1);
    assert!(
        flagged[0].starts_with("\"p950\"") && flagged[0].contains("mod-2024-001"),
        "{flagged:?}"
    );
    // Its reversal gives the first answer back.
    let (_, acts) =
        fixture.request(&state, "GET", "/api/v1/acts?kind=assign&limit=1", None, minister).await;
    let act = acts["acts"][0]["act"].as_i64().unwrap();
    let path = format!("/api/v1/acts/{act}/reverse");
    let (code, answer) = fixture
        .request(&state, "POST", &path, Some(serde_json::json!({"reason": "wrong unit"})), minister)
        .await;
    assert_eq!(code, StatusCode::CREATED, "{answer}");
    assert_eq!(page("eligible").await, (1, vec!["\"p950\" []".to_string()]));
}

#[tokio::test]
async fn the_console_offers_each_role_its_acts_and_shows_a_refusal_in_place() {
    let fixture = fixture();
    let officer = console_login(&fixture, "c8-officer").await;
    let (status, _, body) =
        page(&fixture, "GET", "/people/p001?as_of=2024-01-10", Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Assign to a unit") && body.contains("Record an event"), "{body}");
    assert!(!body.contains("<summary>Discharge") && !body.contains("Deploy at a site"), "{body}");
    assert!(!body.contains("<option>exempted"), "a unit administration records no papers");
    let csrf =
        body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    let form = "csrf=forged&act=assign&unit=c8-1&as_of=2024-01-10";
    let (status, _, _) =
        page(&fixture, "POST", "/people/p001/acts", Some(&officer), Some(form)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a form without the session's token");
    let form = format!("csrf={csrf}&act=event&kind=exempted&detail=bought&as_of=2024-01-10");
    let (status, _, _) =
        page(&fixture, "POST", "/people/p001/acts", Some(&officer), Some(&form)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a kind of event the role may not record");
    let form = format!("csrf={csrf}&act=assign&unit=c8-1&as_of=2024-01-10");
    let (status, headers, _) =
        page(&fixture, "POST", "/people/p001/acts", Some(&officer), Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap();
    assert!(location.starts_with("/people/p001?as_of=2024-01-10&note=act%20"), "{location}");
    let (_, _, body) = page(&fixture, "GET", location, Some(&officer), None).await;
    assert!(body.contains("(assign) done: assign p001 to c8-1"), "{body}");
    assert!(body.contains("assigned to c8-1"), "{body}");
    let (status, _, _) = page(&fixture, "GET", "/acts", Some(&officer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a unit administration reads no acts");

    // A posting refused by an order: the page, with the rule, in place.
    let placer = console_login(&fixture, "placer").await;
    let (_, _, body) =
        page(&fixture, "GET", "/people/p009?as_of=2024-01-10", Some(&placer), None).await;
    let csrf =
        body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    let form = format!("csrf={csrf}&act=post&list=haebit-2023&country=Russia&as_of=2024-01-10");
    let (status, _, body) =
        page(&fixture, "POST", "/people/p009/acts", Some(&placer), Some(&form)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.contains("The post was refused") && body.contains("mod-2024-001 rule 1"),
        "{body}"
    );
    assert!(body.contains("<h1>p009"), "the person's page, with the refusal in it");

    // The ministry reads the acts, and one act with its rows.
    let minister = console_login(&fixture, "minister").await;
    let (status, _, body) = page(&fixture, "GET", "/acts?kind=assign", Some(&minister), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("assign p001 to c8-1") && body.contains("user:c8-officer"), "{body}");
    let act = body.split(r#"<a href="/acts/"#).nth(1).unwrap().split('"').next().unwrap();
    let (status, _, body) =
        page(&fixture, "GET", &format!("/acts/{act}"), Some(&minister), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("service (2)") && body.contains("Reverse this act"), "{body}");
}

#[tokio::test]
async fn an_act_is_decided_by_the_orders_issued_just_before_it() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    // An act first, so that the rules the acts use are held.
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/people/p001/events",
            Some(serde_json::json!({"kind": "injured", "as_of": "2024-01-09"})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let order = r#"id = "mod-2024-009"
title = "South Pyongan stays home"
issued_by = "mod"
issued_on = 2024-01-05

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.home_province == "South Pyongan"'
reason = "Home province South Pyongan"
"#;
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/orders",
            Some(serde_json::json!({"document": order, "as_of": "2024-01-05"})),
            Some("minister"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/people/p003/post",
            Some(serde_json::json!({"list": "haebit-2023", "country": "Russia", "as_of": "2024-01-10"})),
            Some("placer"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("mod-2024-009 rule 1"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_mass_act_through_the_api_is_previewed_done_once_per_key_and_refused_whole() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let path = "/api/v1/lists/errd-list/redeploy";
    let body = |preview: bool| serde_json::json!({"site": "daehung", "preview": preview, "key": "errd-daehung-1", "as_of": "2024-01-10"});
    let user = Some("errd-officer");
    // p003 on the list is a civilian now: one who fails a check refuses
    // the whole act, so he is taken off and a serving soldier put on.
    let (status, refused) = fixture.request(&state, "POST", path, Some(body(false)), user).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["error"]["details"]["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("not serving")),
        "{refused}"
    );
    let (status, body_of) = fixture
        .request(
            &state,
            "DELETE",
            "/api/v1/lists/errd-list/entries/p003?as_of=2024-01-09",
            None,
            user,
        )
        .await;
    assert!(status.is_success(), "{body_of}");
    let (status, body_of) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/lists/errd-list/entries",
            Some(serde_json::json!({"persons": ["p001"], "as_of": "2024-01-09"})),
            user,
        )
        .await;
    assert!(status.is_success(), "{body_of}");
    // A preview: 200, nothing written (no act number, the person not deployed).
    let (status, previewed) = fixture.request(&state, "POST", path, Some(body(true)), user).await;
    assert_eq!(status, StatusCode::OK, "{previewed}");
    assert_eq!(previewed["act"], Value::Null);
    assert_eq!(previewed["done"], serde_json::json!(["p001"]));
    let (_, person) =
        fixture.request(&state, "GET", "/api/v1/people/p001?as_of=2024-01-10", None, user).await;
    assert!(!person.to_string().contains("daehung"), "{person}");
    // The act: 201, and the read after it sees it.
    let (status, done) = fixture.request(&state, "POST", path, Some(body(false)), user).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(done["done"], previewed["done"]);
    assert_eq!(done["refused"], previewed["refused"]);
    assert!(done["act"].is_i64(), "{done}");
    let (_, person) =
        fixture.request(&state, "GET", "/api/v1/people/p001?as_of=2024-01-10", None, user).await;
    assert!(person.to_string().contains("daehung"), "{person}");
    // The same key: the first act's answer, and no act more.
    let (_, acts) = fixture.request(&state, "GET", "/api/v1/acts?limit=1000", None, user).await;
    let (status, again) = fixture.request(&state, "POST", path, Some(body(false)), user).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again, done);
    let (_, after) = fixture.request(&state, "GET", "/api/v1/acts?limit=1000", None, user).await;
    assert_eq!(acts, after, "a second act with the key was recorded");
    // Without the key: he is deployed there already; 409, every failure
    // listed in the details.
    let (status, refused) = fixture
        .request(
            &state,
            "POST",
            path,
            Some(serde_json::json!({"site": "daehung", "as_of": "2024-01-10"})),
            user,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused.to_string().contains("deployed at `daehung` already"), "{refused}");
    // Another organisation's list: 403, whoever asks of a list he may not
    // act on; a list that does not exist reads the same to him.
    for list in ["sonbong-redeploy", "no-such-list"] {
        let (status, body) = fixture
            .request(
                &state,
                "POST",
                &format!("/api/v1/lists/{list}/redeploy"),
                Some(serde_json::json!({"site": "daehung", "preview": true})),
                user,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{list}: {body}");
    }
    // A placement posts from its own list only, and only the eligible.
    let (status, body) = fixture
        .request(
            &state,
            "POST",
            "/api/v1/lists/haebit-2023/post",
            Some(serde_json::json!({"country": "Russia", "eligible": false})),
            Some("placer"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// The session's CSRF token, as a page of his hands it out.
async fn csrf_of(fixture: &Fixture, cookie: &str) -> String {
    let (_, _, body) = page(fixture, "GET", "/", Some(cookie), None).await;
    body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string()
}

/// Confirms a mass act on the console: the page of its job.
async fn start_job(fixture: &Fixture, cookie: &str, form: &str) -> String {
    let (status, headers, body) = page(fixture, "POST", "/mass", Some(cookie), Some(form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let job = headers["location"].to_str().unwrap().to_string();
    assert!(job.starts_with("/mass/"), "{job}");
    job
}

/// Follows a job's page, showing its progress, until it leads to the
/// result.
async fn job_ended(fixture: &Fixture, cookie: &str, job: &str) -> String {
    for _ in 0..400 {
        let (status, headers, body) = page(fixture, "GET", job, Some(cookie), None).await;
        if status == StatusCode::SEE_OTHER {
            return headers["location"].to_str().unwrap().to_string();
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("<progress"), "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the act did not end");
}

/// The last act of the store the fixture's server runs on.
fn last_act(fixture: &Fixture) -> i64 {
    SqliteStore::open(&fixture._dir.path().join("muster.db")).unwrap().last_act().unwrap()
}

/// A mass act from the console, without JavaScript: the list page offers
/// it to the list's owner, the roster page the carry-out to the department;
/// a preview writes nothing, and one that would be refused lists every
/// failure and offers no confirmation; "Carry out" wants its confirmation,
/// then runs in the background (its page seen by its user only) and ends
/// on the result, with its CSV; the same confirmation again is the same
/// act.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_previews_confirms_and_carries_out_a_mass_act() {
    let fixture = fixture();
    let placer = console_login(&fixture, "placer").await;
    let placer_csrf = csrf_of(&fixture, &placer).await;
    let (status, _, body) =
        page(&fixture, "GET", "/lists/haebit-2023?as_of=2024-01-10", Some(&placer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Post abroad the eligible entries"), "{body}");
    let analyst = console_login(&fixture, "analyst").await;
    let officer = console_login(&fixture, "errd-officer").await;
    let csrf = csrf_of(&fixture, &officer).await;
    let (_, _, body) =
        page(&fixture, "GET", "/discharge?cycle=2020-autumn", Some(&officer), None).await;
    assert!(body.contains("Preview the carry-out"), "{body}");

    // A posting from the list: p008 is abroad already, so the act would be
    // refused whole; the preview says why, and offers no "Carry out".
    let before = last_act(&fixture);
    let posting = format!(
        "csrf={placer_csrf}&act=list-post&list=haebit-2023&country=Russia&as_of=2024-01-10&step=preview"
    );
    let (status, _, body) = page(&fixture, "POST", "/mass", Some(&placer), Some(&posting)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#"<dd id="would-be-done">2</dd>"#), "{body}");
    assert!(body.contains("mod-2024-001 rule 1"), "{body}");
    assert!(body.contains("p008</a></td><td class=\"problem\">`p008` cannot be posted"), "{body}");
    assert!(!body.contains("Carry out"), "{body}");
    // Another organisation's list: refused by the policies.
    let other = posting.replace("haebit-2023", "sonbong-list");
    let (status, _, _) = page(&fixture, "POST", "/mass", Some(&placer), Some(&other)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(last_act(&fixture), before, "previews write nothing");

    let form = |step: &str, extra: &str| {
        format!("csrf={csrf}&act=carry-out&cycle=2020-autumn&step={step}{extra}")
    };
    let (status, _, body) =
        page(&fixture, "POST", "/mass", Some(&officer), Some(&form("preview", ""))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let would = body
        .split(r#"<dd id="would-be-done">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|count| count.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("{body}"));
    assert!(would > 0, "{body}");
    assert!(body.contains("Carry out"), "{body}");
    assert_eq!(last_act(&fixture), before, "a preview writes nothing");
    let key = body
        .split(r#"name="key" value=""#)
        .nth(1)
        .unwrap_or_else(|| panic!("{body}"))
        .split('"')
        .next()
        .unwrap();

    // Not confirmed, a forged token, or no key: refused, nothing written.
    let (status, _, _) = page(
        &fixture,
        "POST",
        "/mass",
        Some(&officer),
        Some(&form("carry-out", &format!("&key={key}"))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let forged = form("carry-out", &format!("&key={key}&confirm=yes")).replace(&csrf, "forged");
    let (status, _, _) = page(&fixture, "POST", "/mass", Some(&officer), Some(&forged)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) =
        page(&fixture, "POST", "/mass", Some(&officer), Some(&form("carry-out", "&confirm=yes")))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(last_act(&fixture), before);

    let confirmed = form("carry-out", &format!("&key={key}&confirm=yes&count={would}"));
    let job = start_job(&fixture, &officer, &confirmed).await;
    let (status, _, _) = page(&fixture, "GET", &job, Some(&analyst), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a job is its user's only");
    let result = job_ended(&fixture, &officer, &job).await;
    assert!(result.starts_with("/acts/") && result.ends_with("/result"), "{result}");
    let (status, headers, _) =
        page(&fixture, "GET", &format!("{job}?fragment=1"), Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["hx-redirect"], result.as_str());
    assert_eq!(last_act(&fixture), before + 1, "one act: {result}");

    let (status, _, body) = page(&fixture, "GET", &result, Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(&format!(r#"<dd id="done-count">{would}</dd>"#)), "{body}");
    assert!(body.contains("Reverse this act"), "the department reverses its own acts: {body}");
    let (status, headers, csv) =
        page(&fixture, "GET", &format!("{result}.csv"), Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.lines().next(), Some("person,outcome,status,reasons,papers"));
    assert_eq!(csv.lines().filter(|line| line.contains(",done,")).count(), would, "{csv}");
    let (status, _, _) = page(&fixture, "GET", &result, Some(&analyst), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the analyst reads no roster");
    let (status, _, body) = page(&fixture, "GET", &result, Some(&placer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The same confirmation again (a second click): the same act.
    let again =
        job_ended(&fixture, &officer, &start_job(&fixture, &officer, &confirmed).await).await;
    assert_eq!(again, result);
    assert_eq!(last_act(&fixture), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_is_read_by_who_may_and_papers_break_no_limit_nor_are_revoked_twice() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let call = |method: &'static str, path: String, body: Option<Value>, user: &'static str| {
        let state = state.clone();
        let fixture = &fixture;
        async move { fixture.request(&state, method, &path, body, Some(user)).await }
    };
    // The whole register to the auditor; a unit administration's own
    // people only; nothing to a placement organisation.
    let (status, all) = call("GET", "/api/v1/exemptions".into(), None, "auditor").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let persons = |body: &Value| -> Vec<String> {
        body["papers"].as_array().unwrap().iter().map(|p| p["person"].to_string()).collect()
    };
    assert!(persons(&all).contains(&"\"p009\"".to_string()), "{all}");
    let (_, own) = call("GET", "/api/v1/exemptions".into(), None, "c8-officer").await;
    assert!(persons(&own).contains(&"\"p010\"".to_string()), "{own}");
    assert!(!persons(&own).contains(&"\"p009\"".to_string()), "{own}");
    let (_, none) = call("GET", "/api/v1/exemptions".into(), None, "placer").await;
    assert_eq!(none["papers"].as_array().unwrap().len(), 0, "{none}");
    // A limit set by the ministry refuses a paper that breaks it, naming it.
    let document = "[[limit]]\nscope = \"redeployment\"\ngrounds = \"medical\"\nissuer_kinds = [\"institution\"]\n";
    let body = serde_json::json!({"document": document, "as_of": "2024-01-10"});
    let (status, set) =
        call("PUT", "/api/v1/exemptions/limits".into(), Some(body.clone()), "minister").await;
    assert_eq!(status, StatusCode::CREATED, "{set}");
    let (status, _) = call("PUT", "/api/v1/exemptions/limits".into(), Some(body), "auditor").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let paper = |issuer: &str| {
        serde_json::json!({"document": format!("MED-{issuer}"), "person": "p010",
            "scope": "redeployment", "grounds": "medical", "issuer": issuer,
            "issued_on": "2024-01-05", "as_of": "2024-01-10"})
    };
    let (status, refused) =
        call("POST", "/api/v1/exemptions".into(), Some(paper("msc")), "errd-officer").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("limit 1"), "{refused}");
    assert_eq!(refused["error"]["details"]["breaches"][0]["kind"], "issuer-not-allowed");
    let (status, entered) =
        call("POST", "/api/v1/exemptions".into(), Some(paper("central-univ")), "errd-officer")
            .await;
    assert_eq!(status, StatusCode::CREATED, "{entered}");
    let id = entered["papers"][0]["id"].as_str().unwrap().to_string();
    // The next request sees it.
    let (_, register) =
        call("GET", "/api/v1/exemptions?person=p010&grounds=medical".into(), None, "auditor").await;
    assert_eq!(register["papers"][0]["id"], id.as_str(), "{register}");
    // Two revocations at once: one is done, the other refused, and the
    // paper is revoked once.
    let body = serde_json::json!({"reason": "bought", "as_of": "2024-02-01"});
    let (first, second) = tokio::join!(
        call("POST", format!("/api/v1/exemptions/{id}/revoke"), Some(body.clone()), "minister"),
        call("POST", format!("/api/v1/exemptions/{id}/revoke"), Some(body), "minister"),
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "{} {}", first.1, second.1);
    let (_, shown) = call("GET", format!("/api/v1/exemptions/{id}"), None, "auditor").await;
    assert_eq!(shown["paper"]["revoked"]["reason"], "bought", "{shown}");
    // An absent paper is answered as one the caller may not read.
    let (status, _) = call("GET", "/api/v1/exemptions/X-999999".into(), None, "c8-officer").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call("GET", "/api/v1/exemptions/X-999999".into(), None, "auditor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The path a redirect leads to.
fn location(headers: &axum::http::HeaderMap) -> String {
    headers["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_console_keeps_the_register_each_role_its_part_and_the_report_with_its_chart() {
    let fixture = fixture();
    let token = |body: &str| {
        body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string()
    };
    // The auditor reads the whole register and the report; a unit
    // administration its own people's papers; a placement officer none,
    // and no link to them.
    let auditor = console_login(&fixture, "auditor").await;
    let (status, _, body) = page(&fixture, "GET", "/exemptions", Some(&auditor), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#"href="/exemptions""#) && body.contains(">p009<"), "{body}");
    assert!(body.contains(r#"href="/exemptions/anomalies""#), "{body}");
    assert!(!body.contains("Enter a paper"), "the auditor enters none: {body}");
    let c8 = console_login(&fixture, "c8-officer").await;
    let (status, _, body) = page(&fixture, "GET", "/exemptions", Some(&c8), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#"href="/exemptions""#) && body.contains(">p010<"), "{body}");
    assert!(!body.contains(">p009<") && body.contains("Enter a paper"), "{body}");
    assert!(!body.contains(r#"href="/exemptions/anomalies""#), "{body}");
    let (status, _, _) = page(&fixture, "GET", "/exemptions/anomalies", Some(&c8), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let placer = console_login(&fixture, "placer").await;
    let (_, _, body) = page(&fixture, "GET", "/", Some(&placer), None).await;
    assert!(!body.contains(r#"href="/exemptions""#), "{body}");
    let (status, _, body) = page(&fixture, "GET", "/exemptions", Some(&placer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("No paper you may read") && !body.contains(">p009<"), "{body}");
    // A filter narrows the register.
    let (_, _, body) =
        page(&fixture, "GET", "/exemptions?person=p010&grounds=", Some(&auditor), None).await;
    assert!(body.contains(">p010<") && !body.contains(">p009<"), "{body}");

    // The ministry enters a paper from the form: from a placement
    // organisation it is refused in place, naming the rule, and nothing is
    // entered; from an institution it is entered, and its page shown.
    let minister = console_login(&fixture, "minister").await;
    let (_, _, body) = page(&fixture, "GET", "/exemptions", Some(&minister), None).await;
    let csrf = token(&body);
    let form = |issuer: &str, csrf: &str| {
        format!(
            "csrf={csrf}&document=MED-77&person=p010&scope=redeployment&grounds=medical&issuer={issuer}&official=&issued_on=2024-01-05&valid_until=&text=a+fracture&as_of=2024-01-10"
        )
    };
    let (status, _, body) =
        page(&fixture, "POST", "/exemptions", Some(&minister), Some(&form("haebit", &csrf))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("the default rule") && body.contains(r#"value="MED-77""#), "{body}");
    let (_, _, register) =
        page(&fixture, "GET", "/exemptions?document=MED-77", Some(&auditor), None).await;
    assert!(register.contains("No paper you may read"), "nothing was entered: {register}");
    let (status, _, body) = page(
        &fixture,
        "POST",
        "/exemptions",
        Some(&minister),
        Some(&form("central-univ", "forged")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a form without the session's token: {body}");
    let (status, headers, body) =
        page(&fixture, "POST", "/exemptions", Some(&minister), Some(&form("central-univ", &csrf)))
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let address = location(&headers);
    assert!(address.starts_with("/exemptions/X-"), "{address}");
    let id = address.trim_start_matches("/exemptions/").split('?').next().unwrap().to_string();
    let (status, _, body) = page(&fixture, "GET", &address, Some(&minister), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("entered by act") && body.contains("a fracture"), "{body}");
    assert!(body.contains("Revoke this paper") && body.contains("Add a note"), "{body}");

    // The auditor keeps a note; he may not revoke.
    let (_, _, body) =
        page(&fixture, "GET", &format!("/exemptions/{id}"), Some(&auditor), None).await;
    assert!(!body.contains("Revoke this paper") && body.contains("Add a note"), "{body}");
    let note = format!("csrf={}&text=asked+the+hospital", token(&body));
    let (status, headers, _) =
        page(&fixture, "POST", &format!("/exemptions/{id}/review"), Some(&auditor), Some(&note))
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, body) = page(&fixture, "GET", &location(&headers), Some(&auditor), None).await;
    assert!(body.contains("noted by act") && body.contains("asked the hospital"), "{body}");
    // The unit administration may not note it, and a forged post is refused.
    let (status, _, _) = page(
        &fixture,
        "POST",
        &format!("/exemptions/{id}/review"),
        Some(&c8),
        Some(&format!("csrf={}&text=mine", token(&register))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The ministry revokes it; the page shows it, and offers no second
    // revocation.
    let revoke = format!("csrf={csrf}&text=bought&as_of=2024-02-01");
    let (status, headers, _) =
        page(&fixture, "POST", &format!("/exemptions/{id}/revoke"), Some(&minister), Some(&revoke))
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, body) = page(&fixture, "GET", &location(&headers), Some(&minister), None).await;
    assert!(body.contains("revoked from 2024-02-01") && body.contains("bought"), "{body}");
    assert!(!body.contains("Revoke this paper"), "{body}");
    let (status, _, body) =
        page(&fixture, "POST", &format!("/exemptions/{id}/revoke"), Some(&minister), Some(&revoke))
            .await;
    assert_eq!(status, StatusCode::CONFLICT, "revoked twice: {body}");
    assert!(body.contains(r#"role="alert""#), "{body}");

    // Another organisation's paper is not the unit administration's to see.
    let (_, _, all) = page(&fixture, "GET", "/exemptions?person=p009", Some(&auditor), None).await;
    let other = all.split(r#"href="/exemptions/"#).nth(1).unwrap().split('"').next().unwrap();
    let (status, _, _) =
        page(&fixture, "GET", &format!("/exemptions/{other}"), Some(&c8), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The report: its findings and, for each scope tested, a chart of each
    // issuer beside its peers.
    let (status, _, body) = page(
        &fixture,
        "GET",
        "/exemptions/anomalies?from=2020-01-01&to=2025-12-31&scope=",
        Some(&auditor),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#"id="finding-counts""#), "{body}");
    assert!(body.contains("<svg"), "{body}");
    let (status, _, _) = page(
        &fixture,
        "GET",
        "/exemptions/anomalies?from=2025-01-01&to=2020-01-01",
        Some(&auditor),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_paper_entered_through_the_api_changes_a_list_entry_in_the_next_screening() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let call = |method: &'static str, path: &'static str, body: Option<Value>| {
        let state = state.clone();
        let fixture = &fixture;
        async move { fixture.request(&state, method, path, body, Some("errd-officer")).await }
    };
    let reference =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../muster-cli/tests/fixtures/reference/orders");
    let document = std::fs::read_to_string(reference.join("errd-2021-002.toml")).unwrap();
    let (status, body) =
        call("POST", "/api/v1/orders", Some(serde_json::json!({"document": document}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let list = serde_json::json!({"id": "mines-2024", "kind": "redeployment", "owner": "errd",
        "as_of": "2024-01-10"});
    let (status, body) = call("POST", "/api/v1/lists", Some(list)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let add = serde_json::json!({"persons": ["p010", "p011"], "as_of": "2024-01-10"});
    let (status, body) = call("POST", "/api/v1/lists/mines-2024/entries", Some(add)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let status_of = |body: &Value, person: &str| {
        body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["person"] == person)
            .map(|entry| entry["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (_, before) = call("GET", "/api/v1/lists/mines-2024?as_of=2024-06-01", None).await;
    let was = status_of(&before, "p011");
    assert_ne!(was, "excluded", "{before}");
    let paper = serde_json::json!({"document": "MED-2024/1", "person": "p011",
        "scope": "redeployment", "grounds": "medical", "issuer": "central-univ",
        "issued_on": "2024-03-01", "as_of": "2024-03-02"});
    let (status, body) = call("POST", "/api/v1/exemptions", Some(paper)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The very next request screens him with the paper: nominated while
    // eligible, flagged now by the order that honours exemptions, from the
    // day the paper holds.
    let (_, after) = call("GET", "/api/v1/lists/mines-2024?as_of=2024-06-01", None).await;
    assert_eq!(status_of(&after, "p011"), "flagged", "{after}");
    assert!(after.to_string().contains("errd-2021-002"), "{after}");
    assert_eq!(status_of(&after, "p010"), status_of(&before, "p010"), "{after}");
    let (_, earlier) = call("GET", "/api/v1/lists/mines-2024?as_of=2024-02-01", None).await;
    assert_eq!(status_of(&earlier, "p011"), was, "before the paper's day: {earlier}");
    // And by the engine's index: the flagged filter agrees.
    let (_, flagged) =
        call("GET", "/api/v1/lists/mines-2024?as_of=2024-06-01&status=flagged", None).await;
    assert_eq!(flagged["total"], 1, "{flagged}");
    assert_eq!(flagged["entries"][0]["person"], "p011", "{flagged}");
}

#[tokio::test]
async fn oversized_fields_of_the_register_are_refused_and_write_nothing() {
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let call = |method: &'static str, path: String, body: Value, user: &'static str| {
        let state = state.clone();
        let fixture = &fixture;
        async move { fixture.request(&state, method, &path, Some(body), Some(user)).await }
    };
    let acts = |state: &AppState| {
        let store = state.store().unwrap();
        store.last_act().unwrap()
    };
    let before = acts(&state);
    let long = |n: usize| "x".repeat(n);
    let paper = |field: &str, value: String| {
        let mut body = serde_json::json!({"document": "MED-9", "person": "p010",
            "scope": "redeployment", "grounds": "medical", "issuer": "central-univ",
            "issued_on": "2024-01-05", "as_of": "2024-01-10"});
        body[field] = Value::String(value);
        body
    };
    for (field, value) in [
        ("document", long(201)),
        ("text", long(1001)),
        ("official", long(201)),
        ("person", long(101)),
        ("issuer", format!("{}/../", long(10))),
    ] {
        let (status, body) =
            call("POST", "/api/v1/exemptions".into(), paper(field, value), "minister").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains('`'), "{body}");
    }
    let (_, register) =
        fixture.request(&state, "GET", "/api/v1/exemptions", None, Some("auditor")).await;
    let id = register["papers"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = call(
        "POST",
        format!("/api/v1/exemptions/{id}/revoke"),
        serde_json::json!({"reason": long(1001)}),
        "minister",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call(
        "POST",
        format!("/api/v1/exemptions/{id}/review"),
        serde_json::json!({"note": long(1001)}),
        "auditor",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A limits document over 256 KiB (in a body under the 1 MiB bound).
    let document = format!("# {}\n", long(300 * 1024));
    let (status, body) = call(
        "PUT",
        "/api/v1/exemptions/limits".into(),
        serde_json::json!({"document": document}),
        "minister",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A body over the bound is refused before it is read.
    let (status, _) =
        call("POST", "/api/v1/exemptions".into(), paper("text", long(2 * 1024 * 1024)), "minister")
            .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(acts(&state), before, "nothing was written");
}

#[tokio::test]
async fn the_auditor_gets_a_signed_checkpoint_and_proofs_that_verify() {
    use base64::Engine as _;
    use muster_core::merkle;
    let fixture = fixture();
    let (_dir, state) = fixture.copy();
    let get = |path: String| {
        let state = state.clone();
        let fixture = &fixture;
        async move { fixture.request(&state, "GET", &path, None, Some("auditor")).await }
    };
    let hash = |value: &Value| -> merkle::Hash {
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(value.as_str().unwrap()).unwrap();
        merkle::Hash::try_from(bytes.as_slice()).unwrap()
    };
    let (status, first) = get("/api/v1/audit/checkpoint".into()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let size = first["tree_size"].as_u64().unwrap();
    assert!(size >= 3, "{first}");
    // The note verifies by the store's key, and its lines are the view's.
    let key = muster_service::checkpoint::read_key(&muster_service::checkpoint::key_beside(
        fixture.db.to_str().unwrap(),
    ))
    .unwrap();
    let read =
        muster_service::checkpoint::read_checkpoint(first["note"].as_str().unwrap(), &key).unwrap();
    assert_eq!((read.size, read.root), (size, hash(&first["root_hash"])));
    // An act later, the log extends the first checkpoint.
    let body = serde_json::json!({"id": "audit-list", "kind": "overseas-posting",
        "owner": "haebit", "as_of": "2024-01-10"});
    let (status, _) =
        fixture.request(&state, "POST", "/api/v1/lists", Some(body), Some("placer")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, second) = get("/api/v1/audit/checkpoint".into()).await;
    let grown = second["tree_size"].as_u64().unwrap();
    assert!(grown > size, "{second}");
    let (status, proof) = get(format!("/api/v1/audit/consistency?from={size}&to={grown}")).await;
    assert_eq!(status, StatusCode::OK, "{proof}");
    let path: Vec<merkle::Hash> = proof["proof"].as_array().unwrap().iter().map(hash).collect();
    assert!(merkle::verify_consistency(
        size,
        grown,
        &hash(&first["root_hash"]),
        &hash(&second["root_hash"]),
        &path
    ));
    // The first act's entry in the first checkpoint's tree.
    let (status, inclusion) = get(format!("/api/v1/audit/proof/1?size={size}")).await;
    assert_eq!(status, StatusCode::OK, "{inclusion}");
    let path: Vec<merkle::Hash> = inclusion["proof"].as_array().unwrap().iter().map(hash).collect();
    let index = inclusion["leaf_index"].as_u64().unwrap();
    assert!(merkle::verify_inclusion(
        &hash(&inclusion["leaf_hash"]),
        index,
        size,
        &path,
        &hash(&first["root_hash"])
    ));
    // Sizes the log does not hold, and acts it does not record.
    let (status, _) = get(format!("/api/v1/audit/proof/1?size={}", grown + 1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(format!("/api/v1/audit/consistency?from={grown}&to={size}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get("/api/v1/audit/proof/999999".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get("/api/v1/audit/consistency?from=-1".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        fixture.request(&state, "GET", "/api/v1/audit/checkpoint", None, Some("minister")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_auditors_page_gives_the_checkpoint_and_checks_an_older_one() {
    let fixture = fixture();
    let auditor = console_login(&fixture, "auditor").await;
    let (status, _, body) = page(&fixture, "GET", "/audit", Some(&auditor), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains(r#"id="checkpoint-note""#) && body.contains("Download the checkpoint"),
        "{body}"
    );
    let (status, headers, note) =
        page(&fixture, "GET", "/audit/checkpoint", Some(&auditor), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(note.starts_with("muster.db\n") && note.contains("\n\n\u{2014} muster.db "), "{note}");
    let csrf =
        body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    let encode = |text: &str| {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (byte as char).to_string(),
                other => format!("%{other:02X}"),
            })
            .collect::<String>()
    };
    // The note as kept, with a browser's line ends: the log extends it.
    let form = format!("csrf={csrf}&checkpoint={}", encode(&note.replace('\n', "\r\n")));
    let (status, _, body) =
        page(&fixture, "POST", "/audit/checkpoint", Some(&auditor), Some(&form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("The log extends the checkpoint of"), "{body}");
    // A note changed after it was signed is refused, named.
    let lines: Vec<&str> = note.lines().collect();
    let forged = note.replacen(&format!("\n{}\n", lines[1]), "\n1\n", 1);
    let form = format!("csrf={csrf}&checkpoint={}", encode(&forged));
    let (_, _, body) =
        page(&fixture, "POST", "/audit/checkpoint", Some(&auditor), Some(&form)).await;
    assert!(body.contains("is not signed by this store&#39;s key"), "{body}");
    // A text larger than any checkpoint is refused before it is read.
    let form = format!("csrf={csrf}&checkpoint={}", "x".repeat(17 * 1024));
    let (status, _, _) =
        page(&fixture, "POST", "/audit/checkpoint", Some(&auditor), Some(&form)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Without the session's token, or by another role: refused.
    let form = format!("csrf=forged&checkpoint={}", encode(&note));
    let (status, _, _) =
        page(&fixture, "POST", "/audit/checkpoint", Some(&auditor), Some(&form)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let minister = console_login(&fixture, "minister").await;
    let (status, _, _) = page(&fixture, "GET", "/audit/checkpoint", Some(&minister), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
