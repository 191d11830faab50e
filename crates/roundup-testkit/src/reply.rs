//! What a route answers: [`Reply`] (one response, or a fault) and [`Route`] (a sequence of
//! replies plus optional validators for conditional requests).

use bytes::Bytes;
use std::time::{Duration, SystemTime};

/// How the body of a [`Reply`] is produced.
#[derive(Debug, Clone)]
pub(crate) enum BodySpec {
    /// The whole body at once.
    Full(Bytes),
    /// `data` sent `chunk` bytes at a time with `interval` between chunks.
    Trickle {
        data: Bytes,
        chunk: usize,
        interval: Duration,
    },
    /// `len` bytes of filler generated on the fly (never held in memory).
    Filler { len: u64, content_length: bool },
    /// A gzip stream that decodes to `decoded_len` zero bytes, compressed on the fly.
    GzipBomb { decoded_len: u64 },
    /// Announce `declared_len` bytes, send `data`, then drop the connection.
    Truncated {
        data: Bytes,
        declared_len: u64,
        reset: bool,
    },
}

/// What the server does with a request, beyond answering normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Answer with status, headers and body.
    Respond,
    /// Never answer (until the server shuts down or the client gives up).
    Hang,
    /// Close the connection without sending anything.
    Close,
    /// Reset the connection (TCP RST) without sending anything.
    Reset,
}

/// One response (or fault) a route gives.
///
/// Build with the constructors ([`Reply::ok`], [`Reply::status`], [`Reply::redirect`], …) and
/// refine with the `with_*` methods:
///
/// ```
/// use roundup_testkit::Reply;
/// let r = Reply::ok("<rss/>").with_content_type("application/rss+xml");
/// # let _ = r;
/// ```
#[derive(Debug, Clone)]
pub struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: BodySpec,
    pub(crate) delay: Duration,
    pub(crate) action: Action,
}

impl Reply {
    /// A reply with this status code, no headers and an empty body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: BodySpec::Full(Bytes::new()),
            delay: Duration::ZERO,
            action: Action::Respond,
        }
    }

    /// `200 OK` with this body (no Content-Type unless added).
    pub fn ok(body: impl Into<Bytes>) -> Reply {
        Reply::status(200).with_body(body)
    }

    /// `200 OK` with this body and Content-Type.
    pub fn bytes(content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply::ok(body).with_content_type(content_type)
    }

    /// `200 OK`, `text/html; charset=utf-8`.
    pub fn html(body: impl Into<Bytes>) -> Reply {
        Reply::bytes("text/html; charset=utf-8", body)
    }

    /// `200 OK`, `text/plain; charset=utf-8`.
    pub fn text(body: impl Into<Bytes>) -> Reply {
        Reply::bytes("text/plain; charset=utf-8", body)
    }

    /// `200 OK`, `application/xml` (no charset parameter: XML declares its own).
    pub fn xml(body: impl Into<Bytes>) -> Reply {
        Reply::bytes("application/xml", body)
    }

    /// A redirect (`301`, `302`, `303`, `307` or `308`) to `location` (absolute or relative).
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).with_header("Location", location)
    }

    /// `status` (typically 429 or 503) with `Retry-After: <secs>`.
    pub fn retry_after(status: u16, secs: u64) -> Reply {
        Reply::status(status).with_header("Retry-After", &secs.to_string())
    }

    /// `status` with `Retry-After` given as an HTTP-date `after` from now.
    pub fn retry_after_date(status: u16, after: Duration) -> Reply {
        let when = httpdate::fmt_http_date(SystemTime::now() + after);
        Reply::status(status).with_header("Retry-After", &when)
    }

    /// `304 Not Modified`, unconditionally.
    pub fn not_modified() -> Reply {
        Reply::status(304)
    }

    /// `200 OK` whose body is sent `chunk` bytes at a time, `interval` apart.
    pub fn slow_body(body: impl Into<Bytes>, chunk: usize, interval: Duration) -> Reply {
        Reply {
            body: BodySpec::Trickle {
                data: body.into(),
                chunk: chunk.max(1),
                interval,
            },
            ..Reply::status(200)
        }
    }

    /// `200 OK` with `len` bytes of filler and a `Content-Length` header, generated as it
    /// is sent (a multi-gigabyte body costs no memory).
    pub fn huge(len: u64) -> Reply {
        Reply {
            body: BodySpec::Filler {
                len,
                content_length: true,
            },
            ..Reply::status(200)
        }
        .with_content_type("text/plain; charset=utf-8")
    }

    /// Like [`Reply::huge`] but chunked, with no `Content-Length`, so the client only learns
    /// the size by reading.
    pub fn huge_chunked(len: u64) -> Reply {
        Reply {
            body: BodySpec::Filler {
                len,
                content_length: false,
            },
            ..Reply::status(200)
        }
        .with_content_type("text/plain; charset=utf-8")
    }

    /// `200 OK`, `Content-Encoding: gzip`, a small compressed body that inflates to
    /// `decoded_len` zero bytes. Compressed on the fly, so only what the client reads is made.
    pub fn gzip_bomb(decoded_len: u64) -> Reply {
        Reply {
            body: BodySpec::GzipBomb { decoded_len },
            ..Reply::status(200)
        }
        .with_content_type("text/html")
        .with_header("Content-Encoding", "gzip")
    }

    /// `200 OK` with the body gzip-compressed and `Content-Encoding: gzip`.
    pub fn gzip(content_type: &str, body: &[u8]) -> Reply {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing to a Vec cannot fail.
        let _ = enc.write_all(body);
        let out = enc.finish().unwrap_or_default();
        Reply::bytes(content_type, out).with_header("Content-Encoding", "gzip")
    }

    /// `200 OK` that announces `declared_len` bytes, sends `sent` and then closes the
    /// connection mid-body.
    pub fn close_mid_body(sent: impl Into<Bytes>, declared_len: u64) -> Reply {
        Reply {
            body: BodySpec::Truncated {
                data: sent.into(),
                declared_len,
                reset: false,
            },
            ..Reply::status(200)
        }
    }

    /// Like [`Reply::close_mid_body`] but the connection is reset (TCP RST, "connection
    /// reset by peer") instead of closed.
    pub fn reset_mid_body(sent: impl Into<Bytes>, declared_len: u64) -> Reply {
        Reply {
            body: BodySpec::Truncated {
                data: sent.into(),
                declared_len,
                reset: true,
            },
            ..Reply::status(200)
        }
    }

    /// Reset the connection (TCP RST) without answering.
    pub fn reset() -> Reply {
        Reply {
            action: Action::Reset,
            ..Reply::status(200)
        }
    }

    /// Never answer: the request hangs until the client gives up or the server stops.
    pub fn hang() -> Reply {
        Reply {
            action: Action::Hang,
            ..Reply::status(200)
        }
    }

    /// Close the connection without answering.
    pub fn close() -> Reply {
        Reply {
            action: Action::Close,
            ..Reply::status(200)
        }
    }

    /// Add a header (repeatable; names are sent as given).
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Set (replace) the Content-Type header.
    pub fn with_content_type(mut self, content_type: &str) -> Reply {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        self.with_header("Content-Type", content_type)
    }

    /// Replace the body with these bytes.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Reply {
        self.body = BodySpec::Full(body.into());
        self
    }

    /// Wait this long before sending the response head (a slow server).
    pub fn with_delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// The status code this reply sends.
    pub fn status_code(&self) -> u16 {
        self.status
    }
}

/// A registered path: the replies it gives in order (the last one repeats), plus optional
/// validators. With an ETag or Last-Modified set, `200` replies carry those headers and a
/// request whose `If-None-Match` / `If-Modified-Since` matches gets `304 Not Modified`.
#[derive(Debug, Clone)]
pub struct Route {
    pub(crate) replies: Vec<Reply>,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<SystemTime>,
}

impl Route {
    /// A route that always gives this reply.
    pub fn new(reply: Reply) -> Route {
        Route {
            replies: vec![reply],
            etag: None,
            last_modified: None,
        }
    }

    /// A route that gives these replies in turn, repeating the last one forever (e.g. two
    /// `503`s then a `200`). An empty list answers `404`.
    pub fn sequence(replies: impl IntoIterator<Item = Reply>) -> Route {
        let mut replies: Vec<Reply> = replies.into_iter().collect();
        if replies.is_empty() {
            replies.push(Reply::status(404));
        }
        Route {
            replies,
            etag: None,
            last_modified: None,
        }
    }

    /// A static file: `200` with a Content-Type guessed from the path's extension, an ETag
    /// derived from the content and a Last-Modified of `modified`, answering `304` to
    /// matching conditional requests.
    pub fn file(path: &str, body: impl Into<Bytes>, modified: SystemTime) -> Route {
        let body: Bytes = body.into();
        let etag = format!("\"{:016x}\"", fnv1a(&body));
        Route::new(Reply::bytes(guess_content_type(path), body))
            .with_etag(&etag)
            .with_last_modified(modified)
    }

    /// Set the entity tag (give it quoted, e.g. `"\"v1\""`, or `W/"v1"`).
    pub fn with_etag(mut self, etag: &str) -> Route {
        self.etag = Some(etag.to_string());
        self
    }

    /// Set the Last-Modified time (sent as an HTTP-date, second precision).
    pub fn with_last_modified(mut self, at: SystemTime) -> Route {
        self.last_modified = Some(at);
        self
    }
}

impl From<Reply> for Route {
    fn from(reply: Reply) -> Route {
        Route::new(reply)
    }
}

/// A Content-Type for a file path, by extension (UTF-8 for text types).
pub fn guess_content_type(path: &str) -> &'static str {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "xml" => "application/xml",
        "rss" => "application/rss+xml",
        "atom" => "application/atom+xml",
        "json" => "application/json",
        "opml" => "text/x-opml",
        "txt" => "text/plain; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        _ if path.ends_with('/') || ext.is_empty() => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// 64-bit FNV-1a hash (a stable, dependency-free ETag source).
fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
