//! How the API reports failures: a status code and a JSON body naming the
//! problem (`{"error": "...", "detail": ...}`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error answer of the API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub detail: Option<Value>,
    /// Seconds for a `Retry-After` header, for refusals that will pass.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), detail: None, retry_after: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

impl From<safecare_store::StoreError> for ApiError {
    fn from(err: safecare_store::StoreError) -> Self {
        match err {
            safecare_store::StoreError::InvalidQuery(msg) => ApiError::bad_request(msg),
            other => {
                tracing::error!(err = %other, "store failure");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("storage unavailable: {other}"))
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(detail) = self.detail {
            body["detail"] = detail;
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<crate::pipeline::Busy> for ApiError {
    fn from(busy: crate::pipeline::Busy) -> Self {
        let retry_after = Some(busy.retry_after);
        ApiError { retry_after, ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, busy.to_string()) }
    }
}

impl From<crate::provision::ProvisionError> for ApiError {
    fn from(err: crate::provision::ProvisionError) -> Self {
        use crate::provision::ProvisionError::*;
        let status = match &err {
            ShortPassword | TimeZone(_) => StatusCode::BAD_REQUEST,
            Exists(_) => StatusCode::CONFLICT,
            NoSuchUser(_) => StatusCode::NOT_FOUND,
            Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            Hash(_) | Random(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, err.to_string())
    }
}

impl From<safecare_respond::RepositoryError> for ApiError {
    fn from(err: safecare_respond::RepositoryError) -> Self {
        match err.0.downcast::<safecare_store::StoreError>() {
            Ok(store) => ApiError::from(*store),
            Err(other) => {
                tracing::error!(err = %other, "incident repository failure");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("storage unavailable: {other}"))
            }
        }
    }
}

impl From<safecare_respond::IncidentError> for ApiError {
    fn from(err: safecare_respond::IncidentError) -> Self {
        use safecare_respond::IncidentError::*;
        match err {
            NotFound(_) => ApiError::not_found(err.to_string()),
            Repository(err) => err.into(),
            Merge(_) => ApiError::new(StatusCode::CONFLICT, err.to_string()),
            Split(_) => ApiError::bad_request(err.to_string()),
            Impact(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, err.to_string()),
            Close(
                safecare_respond::CloseError::EmptyReason(_)
                | safecare_respond::CloseError::NoOriginal
                | safecare_respond::CloseError::OriginalNotDuplicate(_),
            ) => ApiError::bad_request(err.to_string()),
            Close(_) => ApiError::new(StatusCode::CONFLICT, err.to_string()),
        }
    }
}
