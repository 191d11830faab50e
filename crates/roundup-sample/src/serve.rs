//! Serving the sample world over HTTP (feature `serve`, on by default).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = roundup_sample::serve::spawn("127.0.0.1:0").await?;
//! for outlet in roundup_sample::outlets_at(&server.base_url) {
//!     println!("{} -> {}", outlet.name, outlet.feed_url);
//! }
//! # Ok(()) }
//! ```

use crate::data::fnv;
use crate::SampleSite;
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Response, StatusCode, Uri};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

/// An axum router answering every path of `site` (`GET` and `HEAD`) with its content type,
/// a strong `ETag` (and `304 Not Modified` for a matching `If-None-Match`); `404` for other
/// paths, `405` for other methods.
pub fn router(site: SampleSite) -> Router {
    let site = Arc::new(site);
    Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
        let site = Arc::clone(&site);
        async move { respond(&site, &method, &uri, &headers) }
    })
}

fn respond(site: &SampleSite, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response<Body> {
    let build = |status: StatusCode, ct: &str, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap_or_else(|_| Response::new(Body::empty()))
    };
    if method != Method::GET && method != Method::HEAD {
        return build(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            b"method not allowed\n".to_vec(),
        );
    }
    let Some((ct, body)) = site.get(uri.path()) else {
        return build(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"not found\n".to_vec(),
        );
    };
    let etag = format!("\"{:016x}\"", fnv(std::str::from_utf8(body).unwrap_or("")));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let (status, payload) = if matches {
        (StatusCode::NOT_MODIFIED, Vec::new())
    } else if method == Method::HEAD {
        (StatusCode::OK, Vec::new())
    } else {
        (StatusCode::OK, body.to_vec())
    };
    let mut resp = build(status, ct, payload);
    if let Ok(v) = etag.parse() {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// A sample-world server running in a background tokio task.
#[derive(Debug)]
pub struct SampleServer {
    /// The base URL every link in the served files points at (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl SampleServer {
    /// Stops the server.
    pub fn shutdown(self) {
        self.task.abort();
    }
}

impl Drop for SampleServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `addr` (e.g. `127.0.0.1:0` for a free port), renders the site for the bound address
/// and serves it until the returned [`SampleServer`] is dropped. Must be called inside a tokio
/// runtime.
pub async fn spawn(addr: &str) -> std::io::Result<SampleServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let app = router(crate::build_site(&base_url));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("sample server stopped: {e}");
        }
    });
    Ok(SampleServer {
        base_url,
        addr,
        task,
    })
}
