//! The loopback HTTP/1.1 server: listeners, the request log, route lookup and body streaming.

use crate::reply::{Action, BodySpec, Reply, Route};
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// One request as the server saw it, recorded when its head arrived.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Position in the server's log (0-based, arrival order).
    pub seq: usize,
    /// Method, e.g. `GET`.
    pub method: String,
    /// Path and query, e.g. `/feed.xml?x=1`.
    pub path: String,
    /// Request headers, names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The listener address the request came in on (tells simulated hosts apart).
    pub local_addr: SocketAddr,
    /// The client's address.
    pub peer_addr: SocketAddr,
    /// When the request head arrived.
    pub at: Instant,
}

impl RecordedRequest {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without its query string.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }
}

/// The smallest gap between consecutive arrivals in `requests` (sorted by arrival first), or
/// `None` with fewer than two requests. Use it to assert per-host spacing.
pub fn min_gap(requests: &[RecordedRequest]) -> Option<Duration> {
    let mut times: Vec<Instant> = requests.iter().map(|r| r.at).collect();
    times.sort();
    times.windows(2).map(|w| w[1] - w[0]).min()
}

#[derive(Default)]
struct InFlight {
    total: usize,
    max_total: usize,
    /// listener address → (current, max)
    per_addr: HashMap<SocketAddr, (usize, usize)>,
}

struct RouteEntry {
    route: Route,
    hits: usize,
}

struct Shared {
    routes: Mutex<HashMap<String, RouteEntry>>,
    log: Mutex<Vec<RecordedRequest>>,
    in_flight: Mutex<InFlight>,
    started: SystemTime,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (test data stays usable).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts a request as in flight from arrival until its response body is done or dropped.
struct InFlightGuard {
    shared: Arc<Shared>,
    local: SocketAddr,
}

impl InFlightGuard {
    fn new(shared: Arc<Shared>, local: SocketAddr) -> InFlightGuard {
        {
            let mut f = lock(&shared.in_flight);
            f.total += 1;
            f.max_total = f.max_total.max(f.total);
            let e = f.per_addr.entry(local).or_insert((0, 0));
            e.0 += 1;
            e.1 = e.1.max(e.0);
        }
        InFlightGuard { shared, local }
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut f = lock(&self.shared.in_flight);
        f.total = f.total.saturating_sub(1);
        if let Some(e) = f.per_addr.get_mut(&self.local) {
            e.0 = e.0.saturating_sub(1);
        }
    }
}

/// Configures the listeners of a [`TestServer`] before it starts.
#[derive(Debug, Default, Clone)]
pub struct ServerBuilder {
    binds: Vec<SocketAddr>,
}

impl ServerBuilder {
    /// Listen on this address (port 0 picks a free port). Any `127.x.y.z` works on Linux,
    /// which routes all of 127.0.0.0/8 to loopback, so one process can simulate many hosts.
    pub fn bind(mut self, addr: SocketAddr) -> ServerBuilder {
        self.binds.push(addr);
        self
    }

    /// Listen on this IP with a free port.
    pub fn bind_ip(self, ip: IpAddr) -> ServerBuilder {
        self.bind(SocketAddr::new(ip, 0))
    }

    /// Bind every listener and start serving in the background on the current tokio runtime.
    /// With no listener configured, binds `127.0.0.1:0`. All listeners share one route table
    /// and one request log.
    pub async fn start(self) -> io::Result<TestServer> {
        let binds = if self.binds.is_empty() {
            vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)]
        } else {
            self.binds
        };
        let shared = Arc::new(Shared {
            routes: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            in_flight: Mutex::new(InFlight::default()),
            started: SystemTime::now(),
        });
        let (tx, rx) = watch::channel(false);
        let mut addrs = Vec::with_capacity(binds.len());
        let mut listeners = Vec::with_capacity(binds.len());
        for b in binds {
            let l = TcpListener::bind(b).await?;
            addrs.push(l.local_addr()?);
            listeners.push(l);
        }
        for l in listeners {
            tokio::spawn(accept_loop(l, shared.clone(), rx.clone()));
        }
        Ok(TestServer {
            shared,
            addrs,
            shutdown: tx,
        })
    }
}

/// An in-process HTTP/1.1 server on loopback that serves registered routes, injects faults on
/// demand and records every request.
///
/// Unregistered paths answer `404`. The server stops when dropped or on
/// [`TestServer::shutdown`]; it must be started inside a tokio runtime.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use roundup_testkit::{Reply, Route, TestServer};
/// let server = TestServer::start().await?;
/// server.route("/feed.xml", Route::new(Reply::xml("<rss/>")).with_etag("\"v1\""));
/// server.route("/flaky", Route::sequence([Reply::status(503), Reply::text("ok")]));
/// let url = server.url("/feed.xml");
/// // ... fetch `url`, then inspect server.requests() ...
/// # let _ = url; Ok(()) }
/// ```
pub struct TestServer {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addrs", &self.addrs)
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// A builder, to listen on several addresses.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Start on `127.0.0.1` with a free port.
    pub async fn start() -> io::Result<TestServer> {
        ServerBuilder::default().start().await
    }

    /// Start on this IP (e.g. `127.0.0.7`) with a free port.
    pub async fn start_on(ip: IpAddr) -> io::Result<TestServer> {
        ServerBuilder::default().bind_ip(ip).start().await
    }

    /// Start one server listening on each of these IPs (free ports), sharing routes and log.
    pub async fn start_many(ips: impl IntoIterator<Item = IpAddr>) -> io::Result<TestServer> {
        let mut b = ServerBuilder::default();
        for ip in ips {
            b = b.bind_ip(ip);
        }
        b.start().await
    }

    /// Start on `addr` serving a map of path → bytes as static files (Content-Type by
    /// extension, ETag and Last-Modified with `304` answers). Usable outside tests, e.g. to
    /// serve a demo's sample world.
    pub async fn serve_files<P, B>(
        addr: SocketAddr,
        files: impl IntoIterator<Item = (P, B)>,
    ) -> io::Result<TestServer>
    where
        P: Into<String>,
        B: Into<Bytes>,
    {
        let server = ServerBuilder::default().bind(addr).start().await?;
        server.add_files(files);
        Ok(server)
    }

    /// Register static files (see [`TestServer::serve_files`]). Paths should start with `/`
    /// (one is added if missing). Last-Modified is the server's start time. A request for a
    /// path ending in `/` is served `index.html` of that folder when registered.
    pub fn add_files<P, B>(&self, files: impl IntoIterator<Item = (P, B)>)
    where
        P: Into<String>,
        B: Into<Bytes>,
    {
        let modified = self.shared.started;
        for (path, body) in files {
            let mut path: String = path.into();
            if !path.starts_with('/') {
                path.insert(0, '/');
            }
            let route = Route::file(&path, body, modified);
            self.route(&path, route);
        }
    }

    /// The first listener's address.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// Every listener's address, in bind order.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// `http://IP:PORT` of the first listener.
    pub fn base_url(&self) -> String {
        base_url(self.addrs[0])
    }

    /// Absolute URL of `path` on the first listener.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url(), with_slash(path))
    }

    /// Absolute URL of `path` on listener number `i` (panics if `i` is out of range).
    pub fn url_on(&self, i: usize, path: &str) -> String {
        format!("{}{}", base_url(self.addrs[i]), with_slash(path))
    }

    /// Register (or replace) the route for `path`. A path with a query matches that exact
    /// query; a path without one matches any query. Replacing resets its reply sequence.
    pub fn route(&self, path: &str, route: impl Into<Route>) {
        lock(&self.shared.routes).insert(
            with_slash(path),
            RouteEntry {
                route: route.into(),
                hits: 0,
            },
        );
    }

    /// Remove a route (it answers `404` again).
    pub fn remove_route(&self, path: &str) {
        lock(&self.shared.routes).remove(&with_slash(path));
    }

    /// Register a chain of `hops` redirects with `status`: `{prefix}0` → `{prefix}1` → … →
    /// `{prefix}{hops}`, which answers `last`. Returns the first path.
    pub fn redirect_chain(&self, prefix: &str, hops: usize, status: u16, last: Reply) -> String {
        let prefix = with_slash(prefix);
        for i in 0..hops {
            self.route(
                &format!("{prefix}{i}"),
                Reply::redirect(status, &format!("{prefix}{}", i + 1)),
            );
        }
        self.route(&format!("{prefix}{hops}"), last);
        format!("{prefix}0")
    }

    /// Register a redirect loop `a` → `b` → `a` (302s).
    pub fn redirect_loop(&self, a: &str, b: &str) {
        self.route(a, Reply::redirect(302, &with_slash(b)));
        self.route(b, Reply::redirect(302, &with_slash(a)));
    }

    /// Serve this text as `/robots.txt`.
    pub fn robots(&self, body: &str) {
        self.route(
            "/robots.txt",
            Reply::text(body.to_string()).with_content_type("text/plain"),
        );
    }

    /// A copy of the request log, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Requests whose path (ignoring the query) equals `path`.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        let path = with_slash(path);
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.path_only() == path || r.path == path)
            .cloned()
            .collect()
    }

    /// Requests that arrived on this listener address.
    pub fn requests_on(&self, addr: SocketAddr) -> Vec<RecordedRequest> {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.local_addr == addr)
            .cloned()
            .collect()
    }

    /// How many requests `path` received.
    pub fn hits(&self, path: &str) -> usize {
        self.requests_to(path).len()
    }

    /// Empty the request log and reset the concurrency maxima.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
        let mut f = lock(&self.shared.in_flight);
        f.max_total = f.total;
        for e in f.per_addr.values_mut() {
            e.1 = e.0;
        }
    }

    /// Requests being served right now (a request counts until its body is sent or dropped).
    pub fn in_flight(&self) -> usize {
        lock(&self.shared.in_flight).total
    }

    /// The most requests served at once, over all listeners.
    pub fn max_in_flight(&self) -> usize {
        lock(&self.shared.in_flight).max_total
    }

    /// The most requests served at once on one listener address.
    pub fn max_in_flight_on(&self, addr: SocketAddr) -> usize {
        lock(&self.shared.in_flight)
            .per_addr
            .get(&addr)
            .map(|e| e.1)
            .unwrap_or(0)
    }

    /// Stop accepting and drop every open connection (hanging requests end too).
    pub fn shutdown(self) {
        drop(self)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn base_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
    }
}

fn with_slash(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

async fn wait_shutdown(mut rx: watch::Receiver<bool>) {
    // Ends when `true` is sent or the sender (the server) is gone.
    let _ = rx.wait_for(|v| *v).await;
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, rx: watch::Receiver<bool>) {
    let local = match listener.local_addr() {
        Ok(a) => a,
        Err(_) => return,
    };
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = wait_shutdown(rx.clone()) => return,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(_) => {
                // Out of file descriptors and the like: back off briefly, keep serving.
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        // A second handle on the socket, kept so a `reset` fault can set SO_LINGER=0 after
        // hyper has let go of the connection: closing the last handle then sends an RST.
        let (stream, twin) = match split_twin(stream) {
            Ok(x) => x,
            Err(_) => continue,
        };
        let shared = shared.clone();
        let rx = rx.clone();
        tokio::spawn(async move {
            let svc_rx = rx.clone();
            let reset = Arc::new(AtomicBool::new(false));
            let svc_reset = reset.clone();
            let service = service_fn(move |req| {
                handle(
                    shared.clone(),
                    local,
                    peer,
                    req,
                    svc_rx.clone(),
                    svc_reset.clone(),
                )
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = wait_shutdown(rx) => {}
            }
            if reset.load(Ordering::SeqCst) {
                if let Ok(t) = tokio::net::TcpStream::from_std(twin) {
                    let _ = t.set_zero_linger();
                }
            }
        });
    }
}

/// Splits an accepted stream into the stream hyper serves and a duplicate handle.
fn split_twin(
    stream: tokio::net::TcpStream,
) -> io::Result<(tokio::net::TcpStream, std::net::TcpStream)> {
    let std_stream = stream.into_std()?;
    let twin = std_stream.try_clone()?;
    Ok((tokio::net::TcpStream::from_std(std_stream)?, twin))
}

/// Why the server dropped a connection on purpose (returned as the service error).
fn fault(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, msg.to_string())
}

async fn handle(
    shared: Arc<Shared>,
    local: SocketAddr,
    peer: SocketAddr,
    req: Request<Incoming>,
    rx: watch::Receiver<bool>,
    reset: Arc<AtomicBool>,
) -> Result<Response<ReplyBody>, io::Error> {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    {
        let mut log = lock(&shared.log);
        let seq = log.len();
        log.push(RecordedRequest {
            seq,
            method: req.method().as_str().to_string(),
            path: path.clone(),
            headers: headers.clone(),
            local_addr: local,
            peer_addr: peer,
            at: Instant::now(),
        });
    }
    let guard = InFlightGuard::new(shared.clone(), local);

    let found = {
        let mut routes = lock(&shared.routes);
        let bare = path.split('?').next().unwrap_or("/").to_string();
        // Exact path and query, then the path alone, then `dir/index.html` for `dir/`.
        let key = [path.clone(), bare.clone(), format!("{bare}index.html")]
            .into_iter()
            .enumerate()
            .find(|(i, k)| (*i < 2 || bare.ends_with('/')) && routes.contains_key(k))
            .map(|(_, k)| k);
        key.and_then(|k| routes.get_mut(&k)).map(|e| {
            let i = e.hits.min(e.route.replies.len() - 1);
            e.hits += 1;
            (
                e.route.replies[i].clone(),
                e.route.etag.clone(),
                e.route.last_modified,
            )
        })
    };
    let (reply, etag, last_modified) =
        found.unwrap_or_else(|| (Reply::text("not found").with_status(404), None, None));

    if !reply.delay.is_zero() {
        tokio::select! {
            _ = tokio::time::sleep(reply.delay) => {}
            _ = wait_shutdown(rx.clone()) => return Err(fault("server shutting down")),
        }
    }
    match reply.action {
        Action::Hang => {
            wait_shutdown(rx).await;
            return Err(fault("server shutting down"));
        }
        Action::Close => return Err(fault("closing the connection on purpose")),
        Action::Reset => {
            reset.store(true, Ordering::SeqCst);
            return Err(fault("resetting the connection on purpose"));
        }
        Action::Respond => {}
    }

    let lm_text = last_modified.map(httpdate::fmt_http_date);
    let validated = reply.status == 200 && (etag.is_some() || last_modified.is_some());
    if validated && not_modified(&headers, etag.as_deref(), last_modified) {
        let mut resp = Response::new(ReplyBody::full(Bytes::new(), guard));
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        add_validators(&mut resp, etag.as_deref(), lm_text.as_deref());
        return Ok(resp);
    }

    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = ReplyBody::from_spec(&reply.body, guard, reset);
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    for (n, v) in &reply.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(n.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(n, v);
        }
    }
    if validated {
        add_validators(&mut resp, etag.as_deref(), lm_text.as_deref());
    }
    Ok(resp)
}

fn add_validators(resp: &mut Response<ReplyBody>, etag: Option<&str>, lm: Option<&str>) {
    if let Some(v) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        resp.headers_mut().insert(hyper::header::ETAG, v);
    }
    if let Some(v) = lm.and_then(|e| HeaderValue::from_str(e).ok()) {
        resp.headers_mut().insert(hyper::header::LAST_MODIFIED, v);
    }
}

/// RFC 9110 §13.1: If-None-Match (weak comparison) takes precedence over If-Modified-Since.
fn not_modified(
    headers: &[(String, String)],
    etag: Option<&str>,
    last_modified: Option<SystemTime>,
) -> bool {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(inm) = get("if-none-match") {
        let Some(etag) = etag else { return false };
        let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
        return inm
            .split(',')
            .any(|t| t.trim() == "*" || bare(t) == bare(etag));
    }
    if let (Some(ims), Some(lm)) = (get("if-modified-since"), last_modified) {
        if let Ok(ims) = httpdate::parse_http_date(ims) {
            // Compare at HTTP-date (whole second) precision.
            let secs = |t: SystemTime| {
                t.duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
            };
            return secs(lm) <= secs(ims);
        }
    }
    false
}

impl Reply {
    fn with_status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }
}

/// The response body: whole bytes, or a channel fed by a producer task.
pub(crate) struct ReplyBody {
    inner: BodyInner,
    _guard: InFlightGuard,
}

enum BodyInner {
    Full(Option<Bytes>),
    Stream {
        rx: mpsc::Receiver<io::Result<Bytes>>,
        exact_len: Option<u64>,
        done: bool,
    },
}

const FILLER_CHUNK: usize = 64 * 1024;

impl ReplyBody {
    fn full(b: Bytes, guard: InFlightGuard) -> ReplyBody {
        ReplyBody {
            inner: BodyInner::Full(if b.is_empty() { None } else { Some(b) }),
            _guard: guard,
        }
    }

    fn stream(
        exact_len: Option<u64>,
        guard: InFlightGuard,
    ) -> (ReplyBody, mpsc::Sender<io::Result<Bytes>>) {
        let (tx, rx) = mpsc::channel(2);
        (
            ReplyBody {
                inner: BodyInner::Stream {
                    rx,
                    exact_len,
                    done: false,
                },
                _guard: guard,
            },
            tx,
        )
    }

    fn from_spec(spec: &BodySpec, guard: InFlightGuard, reset: Arc<AtomicBool>) -> ReplyBody {
        match spec.clone() {
            BodySpec::Full(b) => ReplyBody::full(b, guard),
            BodySpec::Trickle {
                data,
                chunk,
                interval,
            } => {
                let (body, tx) = ReplyBody::stream(Some(data.len() as u64), guard);
                tokio::spawn(async move {
                    let mut off = 0;
                    while off < data.len() {
                        if off > 0 {
                            tokio::time::sleep(interval).await;
                        }
                        let end = (off + chunk).min(data.len());
                        if tx.send(Ok(data.slice(off..end))).await.is_err() {
                            return;
                        }
                        off = end;
                    }
                });
                body
            }
            BodySpec::Filler {
                len,
                content_length,
            } => {
                let (body, tx) = ReplyBody::stream(content_length.then_some(len), guard);
                tokio::spawn(async move {
                    let pattern: Bytes = b"roundup filler line 0123456789\n"
                        .iter()
                        .copied()
                        .cycle()
                        .take(FILLER_CHUNK)
                        .collect::<Vec<u8>>()
                        .into();
                    let mut left = len;
                    while left > 0 {
                        let n = left.min(FILLER_CHUNK as u64) as usize;
                        if tx.send(Ok(pattern.slice(..n))).await.is_err() {
                            return;
                        }
                        left -= n as u64;
                    }
                });
                body
            }
            BodySpec::GzipBomb { decoded_len } => {
                let (body, tx) = ReplyBody::stream(None, guard);
                tokio::spawn(async move {
                    let unit = bomb::unit();
                    let mut crc = flate2::Crc::new();
                    let _ = tx.send(Ok(Bytes::from_static(&bomb::GZIP_HEADER))).await;
                    let mut left = decoded_len;
                    while left >= bomb::UNIT_LEN {
                        if tx.send(Ok(unit.bytes.clone())).await.is_err() {
                            return;
                        }
                        crc.combine(&unit.crc);
                        left -= bomb::UNIT_LEN;
                    }
                    let mut tail_crc = flate2::Crc::new();
                    tail_crc.update(&vec![0u8; left as usize]);
                    crc.combine(&tail_crc);
                    let mut tail = bomb::final_block(left);
                    tail.extend_from_slice(&crc.sum().to_le_bytes());
                    tail.extend_from_slice(&(decoded_len as u32).to_le_bytes());
                    let _ = tx.send(Ok(Bytes::from(tail))).await;
                });
                body
            }
            BodySpec::Truncated {
                data,
                declared_len,
                reset: rst,
            } => {
                let (body, tx) = ReplyBody::stream(Some(declared_len), guard);
                tokio::spawn(async move {
                    if !data.is_empty() && tx.send(Ok(data)).await.is_err() {
                        return;
                    }
                    // Give the bytes a moment to reach the socket, then abort the body.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    if rst {
                        reset.store(true, Ordering::SeqCst);
                    }
                    let _ = tx.send(Err(fault("cutting the body on purpose"))).await;
                });
                body
            }
        }
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        match &mut this.inner {
            BodyInner::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            BodyInner::Stream { rx, done, .. } => {
                if *done {
                    return Poll::Ready(None);
                }
                match rx.poll_recv(cx) {
                    Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(Frame::data(b)))),
                    Poll::Ready(Some(Err(e))) => {
                        *done = true;
                        Poll::Ready(Some(Err(e)))
                    }
                    Poll::Ready(None) => {
                        *done = true;
                        Poll::Ready(None)
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            BodyInner::Full(b) => b.is_none(),
            BodyInner::Stream { done, .. } => *done,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            BodyInner::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            BodyInner::Stream { exact_len, .. } => match exact_len {
                Some(n) => SizeHint::with_exact(*n),
                None => SizeHint::default(),
            },
        }
    }
}

/// A gzip stream of zeros built by hand from fixed-Huffman deflate blocks, so a bomb of any
/// size costs no compression work: one ~6 KB block (1 MiB of zeros) is sent over and over.
mod bomb {
    use bytes::Bytes;
    use std::sync::OnceLock;

    /// Gzip member header: magic, deflate, no flags, no mtime, unknown OS.
    pub(super) const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    /// Matches of length 258 per unit.
    const MATCHES: u64 = 4064;
    /// Zeros one unit decodes to: one literal plus the matches.
    pub(super) const UNIT_LEN: u64 = 1 + 258 * MATCHES;

    /// One repeatable unit and its CRC.
    pub(super) struct Unit {
        pub(super) bytes: Bytes,
        pub(super) crc: flate2::Crc,
    }

    #[derive(Default)]
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }

    impl Bits {
        /// Appends `len` bits of `value`, least significant first (deflate bit order).
        fn put(&mut self, value: u64, len: u32) {
            self.acc |= value << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Appends a Huffman code, most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let mut rev = 0;
            for i in 0..len {
                rev |= ((code >> i) & 1) << (len - 1 - i);
            }
            self.put(rev, len);
        }
        fn align(&mut self) {
            if self.n > 0 {
                self.put(0, 8 - self.n);
            }
        }
        // Fixed Huffman codes: literal 0 = 0x30/8, length 258 = symbol 285 = 0xC5/8,
        // distance 1 = 0/5, end of block = 0/7.
        fn zeros(&mut self, count: u64) {
            if count == 0 {
                return;
            }
            self.code(0x30, 8);
            let rest = count - 1;
            for _ in 0..rest / 258 {
                self.code(0xc5, 8);
                self.code(0, 5);
            }
            for _ in 0..rest % 258 {
                self.code(0x30, 8);
            }
        }
    }

    pub(super) fn unit() -> &'static Unit {
        static UNIT: OnceLock<Unit> = OnceLock::new();
        UNIT.get_or_init(|| {
            let mut b = Bits::default();
            b.put(0, 1); // not final
            b.put(1, 2); // fixed Huffman
            b.zeros(UNIT_LEN);
            b.code(0, 7); // end of block
                          // Empty stored block (a sync flush): byte-aligns the unit so copies can follow.
            b.put(0, 3);
            b.align();
            b.out.extend_from_slice(&[0, 0, 0xff, 0xff]);
            let mut crc = flate2::Crc::new();
            crc.update(&vec![0u8; UNIT_LEN as usize]);
            Unit {
                bytes: Bytes::from(b.out),
                crc,
            }
        })
    }

    /// The final block carrying the last `count` zeros.
    pub(super) fn final_block(count: u64) -> Vec<u8> {
        let mut b = Bits::default();
        b.put(1, 1); // final
        b.put(1, 2); // fixed Huffman
        b.zeros(count);
        b.code(0, 7);
        b.align();
        b.out
    }
}
