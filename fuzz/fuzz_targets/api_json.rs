//! The API's JSON bodies, through the router without a socket
//! (`muster_server::app(state)` with `tower::ServiceExt::oneshot`), so that
//! the body limit, the JSON extractor and the bounds of `limits.rs` are
//! exercised with the handlers behind them.
//!
//! The first byte of the input picks a route that takes a JSON body; the
//! rest is the body, sent as `application/json` with the token of a user
//! who may call the route (the minister for orders, the placement officer
//! of `haebit` for lists). The store holds the reference scenario with its
//! two orders and its list, made once; a request that may have changed it
//! (an answer 2xx, or a refusal, which is recorded) is followed by a fresh
//! copy, so that every input meets the same store. No answer may be a 5xx.
//!
//! Logins go to a throttle that refuses every attempt: the body is read and
//! bounded, and no password is hashed (which would take most of the time).

#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use muster_access::Policies;
use muster_fuzz::{day, reference_dir};
use muster_server::{AppState, Attempt, LoginThrottle, Refused, Settings, ThrottleKey, app};
use muster_store::{EntryAction, NewAct, NewList, NewOrder, NewUser, SqliteStore, Store};
use tower::ServiceExt;

/// The routes that take a JSON body, with the user who calls them.
const ROUTES: &[(&str, Option<&str>)] = &[
    ("/api/v1/session", None),
    ("/api/v1/orders", Some("minister")),
    ("/api/v1/orders/check", Some("minister")),
    ("/api/v1/orders/preview", Some("minister")),
    ("/api/v1/orders/mod-2024-001/revoke", Some("minister")),
    ("/api/v1/lists", Some("placer")),
    ("/api/v1/lists/haebit-2023/entries", Some("placer")),
    ("/api/v1/lists/haebit-2023/recheck", Some("placer")),
];

/// A throttle that refuses every login.
struct RefuseAll;

impl LoginThrottle for RefuseAll {
    fn attempt(&self, _keys: &[ThrottleKey], _now: SystemTime) -> Result<Attempt, Refused> {
        Err(Refused { retry_after: std::time::Duration::from_secs(60), locked: false })
    }

    fn succeeded(&self, _keys: &[ThrottleKey], _now: SystemTime) {}
}

struct Server {
    _dir: tempfile::TempDir,
    template: PathBuf,
    db: PathBuf,
    runtime: tokio::runtime::Runtime,
    state: Option<AppState>,
    minister: String,
    placer: String,
}

fn act(kind: &str, on: &str) -> NewAct {
    NewAct {
        kind: kind.to_string(),
        valid_on: day(on),
        actor: "fuzz".to_string(),
        summary: kind.to_string(),
    }
}

impl Server {
    fn new() -> Server {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let template = dir.path().join("template.db");
        let mut store = SqliteStore::create(&template).expect("a store");
        let reference = reference_dir();
        let dataset = muster_dataset::read_dataset(&reference).expect("the reference scenario");
        store
            .import(dataset, muster_dataset::Mode::New, act("import", "2020-01-01"), &mut |_, _| {})
            .expect("the reference scenario imports");
        for (id, on) in [("mod-2023-002", "2023-01-10"), ("mod-2024-001", "2024-01-02")] {
            let document = std::fs::read_to_string(reference.join(format!("orders/{id}.toml")))
                .expect("a reference order");
            let order = NewOrder {
                id: id.to_string(),
                document,
                overridden: false,
                impact: "{}".to_string(),
            };
            store.issue_order(act("order-issue", on), order, &[]).expect("the order issues");
        }
        let list = NewList {
            id: "haebit-2023".to_string(),
            kind: "overseas-posting".to_string(),
            owner: "haebit".to_string(),
            title: String::new(),
            quota: None,
        };
        store.create_list(act("list-create", "2023-06-01"), list).expect("the list");
        let persons: Vec<String> =
            ["p002", "p003", "p004", "p008", "p009"].iter().map(|id| id.to_string()).collect();
        store
            .change_entries(
                act("list-add", "2023-06-01"),
                "haebit-2023",
                &persons,
                EntryAction::Add,
                &[],
            )
            .expect("the entries");
        let mut tokens = Vec::new();
        for (name, organisation, role) in
            [("minister", "mod", "ministry"), ("placer", "haebit", "placement")]
        {
            let user = NewUser {
                name: name.to_string(),
                organisation: organisation.to_string(),
                role: role.to_string(),
                password_hash: muster_access::hash_password("a long fuzzing password")
                    .expect("a hash"),
                disabled: false,
            };
            store.put_user(act("user-add", "2024-01-01"), user, "{}").expect("a user");
            let token = muster_access::generate_token();
            store
                .add_token(
                    act("user-token", "2024-01-01"),
                    name,
                    "fuzz",
                    &muster_access::token_sha256(&token),
                )
                .expect("a token");
            tokens.push(token);
        }
        drop(store);
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let placer = tokens.pop().expect("the placer's token");
        let minister = tokens.pop().expect("the minister's token");
        let db = dir.path().join("muster.db");
        let mut server = Server { _dir: dir, template, db, runtime, state: None, minister, placer };
        server.reset();
        server
    }

    /// A fresh copy of the store, and a state on it.
    fn reset(&mut self) {
        self.state = None;
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", self.db.display()));
            if path.exists() {
                std::fs::remove_file(&path).expect("the old store");
            }
        }
        std::fs::copy(&self.template, &self.db).expect("a copy of the store");
        let settings = Settings { throttle: Arc::new(RefuseAll), ..Settings::default() };
        let policies = Policies::default_policies().expect("the default policies");
        let db = self.db.to_str().expect("a UTF-8 path");
        self.state = Some(AppState::configured(db, policies, settings));
    }
}

fn server() -> &'static Mutex<Server> {
    static SERVER: OnceLock<Mutex<Server>> = OnceLock::new();
    SERVER.get_or_init(|| Mutex::new(Server::new()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (path, user) = ROUTES[usize::from(pick) % ROUTES.len()];
    let mut server = server().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let state = server.state.clone().expect("a state");
    let mut request = axum::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("Content-Type", "application/json");
    if let Some(user) = user {
        let token = if user == "minister" { &server.minister } else { &server.placer };
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let request = request.body(axum::body::Body::from(body.to_vec())).expect("a request");
    let (status, answer) = server.runtime.block_on(async {
        let response = app(state).oneshot(request).await.expect("the router answers");
        let status = response.status();
        let answer = response.into_body().collect().await.expect("the answer's body").to_bytes();
        (status, answer)
    });
    assert!(
        !status.is_server_error(),
        "POST {path} with {:?} answered {status}: {}",
        String::from_utf8_lossy(body),
        String::from_utf8_lossy(&answer)
    );
    if status.is_success() || status == axum::http::StatusCode::FORBIDDEN {
        server.reset();
    }
});
