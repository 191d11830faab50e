//! `POST /hooks/inbound`: the inbound-mail webhook. A mail server or provider posts each
//! bounce, complaint, auto-reply or unsubscribe request as a raw RFC 5322 message (the request
//! body); the [`InboundMail`] hook (the mail crate's processor, plugged in by the binary)
//! applies it and its JSON report is returned.
//!
//! The endpoint exists only when configured ([`crate::WebConfig::inbound`]) and requires the
//! configured token as `Authorization: Bearer <token>` (compared in constant time); bodies over
//! [`MAX_MESSAGE_BYTES`] are refused with 413.

use crate::config::BoxFuture;
use crate::Shared;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Largest message accepted (bounces quote the original; newsletters are small).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// Applies one inbound message; `Ok` carries the JSON report, `Err` an internal failure.
pub trait InboundMail: Send + Sync {
    /// Processes one raw message.
    fn process(&self, raw: Vec<u8>) -> BoxFuture<'_, Result<serde_json::Value, String>>;
}

/// The webhook's processor and the token callers must present.
#[derive(Clone)]
pub struct InboundHook {
    /// The processor.
    pub handler: Arc<dyn InboundMail>,
    /// The shared secret (`Authorization: Bearer …`); at least 16 bytes.
    pub token: String,
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn plain(status: StatusCode, msg: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

/// POST /hooks/inbound.
pub(crate) async fn receive(State(st): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(hook) = st.cfg.inbound.clone() else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if hook.token.len() < 16 || !constant_time_eq(given.as_bytes(), hook.token.as_bytes()) {
        return plain(StatusCode::UNAUTHORIZED, "missing or wrong bearer token\n");
    }
    if body.len() > MAX_MESSAGE_BYTES {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "message too large\n");
    }
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return plain(
            StatusCode::BAD_REQUEST,
            "empty body: post the raw message\n",
        );
    }
    match hook.handler.process(body.to_vec()).await {
        Ok(report) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(report),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "inbound message failed");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "could not process the message now; retry later\n",
            )
        }
    }
}
