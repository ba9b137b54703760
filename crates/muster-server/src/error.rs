//! One error shape for every error.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error of the API: its status, and a message that says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// What more there is to say: the diagnostics of a text, conflicts.
    pub details: Option<serde_json::Value>,
    /// For a 429, in how many seconds to try again (`Retry-After`).
    pub retry_after: Option<u64>,
}

/// The body of every error: `{"error": {"status": 404, "message": "..."}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    pub status: u16,
    pub message: String,
    /// For an order or a condition with errors, `source`, `diagnostics`
    /// (each with `message`, `label`, `help`, `line`, `column`, `end_line`,
    /// `end_column`) and `rendered`; for a conflict, `conflicts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), details: None, retry_after: None }
    }

    /// Too many attempts: try again after the seconds given.
    pub fn too_many(message: impl Into<String>, retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }
}

impl From<muster_store::StoreError> for ApiError {
    fn from(error: muster_store::StoreError) -> ApiError {
        use muster_store::StoreError;
        let status = match &error {
            StoreError::OrderExists { .. } | StoreError::ListExists { .. } => StatusCode::CONFLICT,
            StoreError::NoSuchOrder { .. }
            | StoreError::NoSuchList { .. }
            | StoreError::NotOnList { .. }
            | StoreError::NoSuchAct { .. } => StatusCode::NOT_FOUND,
            StoreError::Refused { .. }
            | StoreError::NotReversible { .. }
            | StoreError::AlreadyReversed { .. }
            | StoreError::Depended { .. } => StatusCode::CONFLICT,
            StoreError::Invalid(_) => StatusCode::BAD_REQUEST,
            _ => {
                tracing::error!(%error, "store failure");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the store failed: {error}"),
                );
            }
        };
        ApiError::new(status, error.to_string())
    }
}

impl From<muster_service::ServiceError> for ApiError {
    fn from(error: muster_service::ServiceError) -> ApiError {
        use muster_service::ServiceError;
        let details = error.details();
        let status = match &error {
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::Invalid(_) => StatusCode::BAD_REQUEST,
            ServiceError::Diagnostics { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Conflict { .. } | ServiceError::Refused { .. } => StatusCode::CONFLICT,
            ServiceError::InvalidValue(_) | ServiceError::OverLimit { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            // The act's handler records the refusal on the audit log (see
            // `handlers::acts`); one that reaches here is answered alike.
            ServiceError::Denied(_) | ServiceError::PaperDenied(_) => StatusCode::FORBIDDEN,
            ServiceError::Stopped(muster_service::Stop::Spent { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ServiceError::Stopped(_) => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Internal(message) => {
                tracing::error!(%message, "internal failure");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ServiceError::Store(_) => {
                let ServiceError::Store(error) = error else {
                    return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the store failed");
                };
                return ApiError::from(error);
            }
        };
        let message = match &error {
            ServiceError::Conflict { lines, message, .. } => {
                format!("{}\n{message}", lines.join("\n"))
            }
            other => other.to_string(),
        };
        ApiError { status, message, details, retry_after: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                status: self.status.as_u16(),
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
