//! The error type of the site and how it becomes an HTTP response.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Errors of the website. Each becomes a page with a fitting status; details of internal
/// errors are logged, not shown.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] roundup_store::StoreError),
    /// A template failed to load or render.
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    /// A theme file could not be read.
    #[error("reading theme file {path}: {source}")]
    Theme {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Nothing at this address.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request is not allowed (CSRF token missing or wrong, not logged in).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Too many attempts.
    #[error("too many requests: {0}")]
    TooMany(String),
}

impl WebError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Store(roundup_store::StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn public_message(&self) -> String {
        match self {
            WebError::NotFound(_) | WebError::Store(roundup_store::StoreError::NotFound(_)) => {
                "There is nothing at this address. It may have moved, or never existed.".into()
            }
            WebError::BadRequest(m) | WebError::Forbidden(m) | WebError::TooMany(m) => m.clone(),
            _ => "Something went wrong on our side. Please try again in a moment.".into(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests",
            _ => "Server error",
        };
        // A self-contained page: the error path must not depend on the templates working.
        let body = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\
             <body><main id=\"main\" class=\"wrap error-page\"><h1>{title}</h1><p>{}</p>\
             <p><a href=\"/\">Back to the front page</a></p></main></body></html>",
            crate::view::escape_html(&self.public_message())
        );
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        r
    }
}
