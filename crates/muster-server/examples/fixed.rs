//! The stack's limit, for the API benchmark: a minimal axum server that
//! answers every GET with the same small JSON body, on the same runtime
//! setup as `muster serve`.
//!
//! `cargo run --release -p muster-server --example fixed -- 127.0.0.1:8099`

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8099".to_string());
    let body = r#"{"id":"p0000001","name":"Jong Kum-gil","status":"discharged"}"#;
    let app = Router::new().fallback(get(move || async move {
        ([(axum::http::header::CONTENT_TYPE, "application/json")], body)
    }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
