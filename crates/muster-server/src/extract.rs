//! Extractors whose rejections are API errors in the one error shape, with
//! a message that says what is wrong. They hold the general bounds of
//! `limits`: a body past its size is a 413; a JSON string or list past its
//! size, a query value past its size, a path segment that is not an id, a
//! 400.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::limits;

/// A JSON body.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Json<T>, ApiError> {
        let value = match axum::Json::<serde_json::Value>::from_request(request, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(limits::too_large(None));
            }
            Err(rejection) => {
                return Err(ApiError::bad_request(format!(
                    "the body is not what this route takes: {}",
                    rejection.body_text()
                )));
            }
        };
        limits::check_json(&value)?;
        serde_json::from_value(value).map(Json).map_err(|error| {
            ApiError::bad_request(format!("the body is not what this route takes: {error}"))
        })
    }
}

/// Query parameters.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Query<T>, ApiError> {
        if let Ok(axum::extract::Query(pairs)) =
            axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state).await
        {
            for (key, value) in &pairs {
                limits::check_bytes(key, value, limits::MAX_QUERY_VALUE)?;
            }
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(ApiError::bad_request(format!(
                "the query parameters are not what this route takes: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Path<T>, ApiError> {
        // Every segment a route takes is an id (of a person, list, order,
        // site, cycle).
        if let Ok(axum::extract::Path(segments)) =
            axum::extract::Path::<Vec<(String, String)>>::from_request_parts(parts, state).await
        {
            for (name, value) in &segments {
                limits::check_id(&format!("the `{name}` of the path"), value)?;
            }
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(ApiError::bad_request(format!(
                "the path is not what this route takes: {}",
                rejection.body_text()
            ))),
        }
    }
}
