//! The service's errors: a status and a one-line message, as `{"error": "..."}`.
//!
//! Messages never hold a token, a salt or a balance: an internal failure is logged (without
//! request data) and answered with a generic message.

use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::failure::{Exit, Failure};

/// A failed request.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds to wait before retrying (503s).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// A well-formed request the rules refuse (a false claim, an invalid proof, a refused
    /// liquidation).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub fn too_many(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, message)
    }

    /// The queue is full: come back later.
    pub fn busy(queue: &str, retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the {queue} queue is full; retry after {retry_after} s"),
            )
        }
    }

    /// Something that should not happen: logged in full, answered in general.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {error}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error (logged by the service)",
        )
    }
}

/// A command's failure, by its kind: bad input 400, a refused claim or proof 422, internal 500.
impl From<Failure> for ApiError {
    fn from(failure: Failure) -> Self {
        match failure.exit() {
            Exit::BadInput => ApiError::bad_request(failure.to_string()),
            Exit::Rejected => ApiError::unprocessable(failure.to_string()),
            Exit::Internal => ApiError::internal(failure),
        }
    }
}

/// A body that is not the JSON the endpoint takes: 400 (or 413 too large, 415 not JSON), with
/// axum's message naming the field. (axum answers a well-formed body of the wrong shape 422;
/// here 422 means only "the rules refuse it", so that is 400 too.)
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = match rejection {
            JsonRejection::JsonDataError(_) => StatusCode::BAD_REQUEST,
            ref r => r.status(),
        };
        ApiError::new(status, rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, axum::Json(json!({"error": self.message}))).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"zkliq\""),
            );
        }
        response
    }
}

/// `axum::Json`, with rejections answered as [`ApiError`]s.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A path segment that does not parse (e.g. a transition number that is not one): 400.
impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

/// `axum::extract::Path`, with rejections answered as [`ApiError`]s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// A body that is not UTF-8, or too large: 400 or 413.
impl From<axum::extract::rejection::StringRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::StringRejection) -> Self {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

/// A text body (`String`), with rejections answered as [`ApiError`]s.
pub struct Text(pub String);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Text {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        String::from_request(req, state)
            .await
            .map(Text)
            .map_err(ApiError::from)
    }
}

/// A query string that does not parse: 400.
impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

/// `axum::extract::Query`, with rejections answered as [`ApiError`]s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);
