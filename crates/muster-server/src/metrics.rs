//! Request metrics for Prometheus at `/metrics`, and a log line per request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

/// The metrics of one server.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    seconds: HistogramVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("muster_http_requests_total", "HTTP requests, by route, method and status"),
            &["route", "method", "status"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let seconds = HistogramVec::new(
            HistogramOpts::new(
                "muster_http_request_seconds",
                "Time to answer an HTTP request, by route",
            ),
            &["route", "method"],
        )
        .unwrap_or_else(|_| unreachable_histogram());
        // Registering a new metric in a new registry cannot collide.
        let _ = registry.register(Box::new(requests.clone()));
        let _ = registry.register(Box::new(seconds.clone()));
        Metrics { registry, requests, seconds }
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> Response {
        let mut text = Vec::new();
        match TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            Ok(()) => ([("content-type", "text/plain; version=0.0.4")], text).into_response(),
            Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// The metric definitions are constants: building them cannot fail.
fn unreachable_metric() -> IntCounterVec {
    IntCounterVec::new(Opts::new("muster_unused", "unused"), &[])
        .unwrap_or_else(|_| std::process::abort())
}

fn unreachable_histogram() -> HistogramVec {
    HistogramVec::new(HistogramOpts::new("muster_unused_seconds", "unused"), &[])
        .unwrap_or_else(|_| std::process::abort())
}

/// The method as a label: one of the standard methods, or `other` (a
/// client may send any token as a method, and every label value is a new
/// series kept for ever).
fn method_label(method: &Method) -> &'static str {
    static STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    STANDARD.iter().find(|standard| *standard == method).map_or("other", Method::as_str)
}

/// Counts, times and logs every request. Each label takes a bounded set of
/// values: the method (see [`method_label`]), the route's template as
/// matched (or `unmatched`, never the path asked for), and the status.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16().to_string();
    metrics.requests.with_label_values(&[route.as_str(), method, status.as_str()]).inc();
    metrics.seconds.with_label_values(&[route.as_str(), method]).observe(elapsed.as_secs_f64());
    tracing::info!(method, %route, %status, micros = elapsed.as_micros() as u64, "request");
    response
}
