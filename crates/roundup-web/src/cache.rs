//! The page cache: rendered GET responses kept in memory by path + query until the next
//! refresh, each with an ETag (hash of the body) so clients revalidate with a 304.

use crate::Shared;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;

/// A cached response.
#[derive(Clone)]
pub(crate) struct CachedPage {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
}

/// Cached pages by path + query, bounded in count.
pub(crate) struct PageCache {
    pages: RwLock<HashMap<String, CachedPage>>,
    max: usize,
}

/// Responses larger than this are not cached (a pathological search result page).
const MAX_BODY: usize = 2 * 1024 * 1024;

impl PageCache {
    pub fn new(max: usize) -> PageCache {
        PageCache {
            pages: RwLock::new(HashMap::new()),
            max,
        }
    }

    pub fn clear(&self) {
        if let Ok(mut p) = self.pages.write() {
            p.clear();
        }
    }

    fn get(&self, key: &str) -> Option<CachedPage> {
        self.pages.read().ok()?.get(key).cloned()
    }

    fn put(&self, key: String, page: CachedPage) {
        if let Ok(mut p) = self.pages.write() {
            if p.len() >= self.max {
                // Crude but bounded: a flood of distinct query strings cannot grow memory.
                p.clear();
            }
            p.insert(key, page);
        }
    }
}

/// Strong ETag of a body.
pub(crate) fn etag_of(body: &[u8]) -> HeaderValue {
    let h = Sha256::digest(body);
    HeaderValue::from_str(&format!("\"{}\"", crate::templates::hex(&h[..12])))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// Whether If-None-Match names this ETag (or `*`).
pub(crate) fn matches_etag(req_headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(inm) = req_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let want = etag.to_str().unwrap_or("");
    inm.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == want || t.strip_prefix("W/").is_some_and(|w| w == want))
}

fn respond(page: &CachedPage, req_headers: &HeaderMap) -> Response {
    if matches_etag(req_headers, &page.etag) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, page.etag.clone());
        if let Some(cc) = page.headers.get(header::CACHE_CONTROL) {
            r.headers_mut().insert(header::CACHE_CONTROL, cc.clone());
        }
        return r;
    }
    let mut r = Response::new(Body::from(page.body.clone()));
    *r.status_mut() = page.status;
    *r.headers_mut() = page.headers.clone();
    r
}

/// Middleware for public GET routes: serve from the cache, else render, cache a 200 and
/// serve it with ETag and Cache-Control.
pub(crate) async fn cache_layer(State(st): State<Shared>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let key = match req.uri().query() {
        Some(q) => format!("{}?{}", req.uri().path(), q),
        None => req.uri().path().to_string(),
    };
    let req_headers = req.headers().clone();
    if let Some(page) = st.cache.get(&key) {
        st.metrics.cache_hit();
        return respond(&page, &req_headers);
    }
    st.metrics.cache_miss();
    // A HEAD response has had its body stripped by the router: never cache it.
    let is_get = req.method() == Method::GET;
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK || !is_get {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, path = %key, "response too large to cache");
            return (StatusCode::INTERNAL_SERVER_ERROR, "response too large").into_response();
        }
    };
    let etag = etag_of(&bytes);
    parts.headers.insert(header::ETAG, etag.clone());
    parts
        .headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("public, max-age=60"));
    let page = CachedPage {
        status: parts.status,
        headers: parts.headers,
        body: bytes,
        etag,
    };
    let out = respond(&page, &req_headers);
    st.cache.put(key, page);
    out
}
