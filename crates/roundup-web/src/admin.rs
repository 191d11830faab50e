//! The admin: password login (argon2 hash in the setting `admin_password_hash`), signed
//! session cookies, a CSRF token on every form, per-IP login rate limiting, and the editor's
//! actions (outlets, story flags and headlines, publish now, subscriber counts).
//!
//! A session cookie is `nonce.expiry.hmac` where the HMAC-SHA256 (keyed with the configured
//! secret) covers nonce and expiry; the nonce must also be in the server's session table, so
//! logging out ends the session for real. The CSRF token of a session is the HMAC of its
//! nonce; before login, a random nonce in a separate cookie plays that role (double submit).

use crate::error::WebError;
use crate::pages::{html, OutletView};
use crate::security::ClientIp;
use crate::view::{StoryCard, TimeView};
use crate::{AppState, Shared};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use hmac::{Hmac, Mac};
use minijinja::context;
use rand::RngCore;
use roundup_model::Lean;
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Setting key holding the admin password's argon2 PHC string.
pub const PASSWORD_SETTING: &str = "admin_password_hash";
const SESSION_COOKIE: &str = "roundup_session";
const LOGIN_CSRF_COOKIE: &str = "roundup_login_csrf";
const SESSION_SECS: i64 = 12 * 3600;

/// Hashes a password with argon2id and a random salt, as a PHC string
/// (`$argon2id$v=19$…`), for the setting `admin_password_hash`.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    match Argon2::default().hash_password(password.as_bytes(), &salt) {
        Ok(h) => h.to_string(),
        // Only reachable with parameters outside argon2's limits; the defaults are within.
        Err(e) => {
            tracing::error!(error = %e, "argon2 hashing failed");
            String::new()
        }
    }
}

/// Whether `password` matches a PHC hash from [`hash_password`]. A malformed hash matches
/// nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Live sessions (nonce → expiry) and the signing key used when no secret is configured.
pub(crate) struct Sessions {
    live: Mutex<HashMap<String, i64>>,
    fallback_key: Vec<u8>,
}

impl Default for Sessions {
    fn default() -> Self {
        let mut k = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Sessions {
            live: Mutex::new(HashMap::new()),
            fallback_key: k,
        }
    }
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    crate::templates::hex(&b)
}

fn key(st: &AppState) -> &[u8] {
    if st.cfg.secret.is_empty() {
        &st.sessions.fallback_key
    } else {
        st.cfg.secret.as_bytes()
    }
}

fn mac(st: &AppState, msg: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key(st)).expect("HMAC takes any key length");
    m.update(msg.as_bytes());
    m
}

fn sign(st: &AppState, msg: &str) -> String {
    crate::templates::hex(&mac(st, msg).finalize().into_bytes())
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if (s.len() & 1) != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Constant-time check of a hex signature.
fn verify_sig(st: &AppState, msg: &str, sig_hex: &str) -> bool {
    match unhex(sig_hex) {
        Some(sig) => mac(st, msg).verify_slice(&sig).is_ok(),
        None => false,
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

fn set_cookie(st: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if st.cfg.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/admin; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// The session of a request, if its cookie is valid, signed, live and unexpired.
fn session(st: &AppState, headers: &HeaderMap) -> Option<String> {
    let c = cookie(headers, SESSION_COOKIE)?;
    let mut parts = c.splitn(3, '.');
    let (nonce, exp, sig) = (parts.next()?, parts.next()?, parts.next()?);
    let expiry: i64 = exp.parse().ok()?;
    if !verify_sig(st, &format!("session:{nonce}:{expiry}"), sig) {
        return None;
    }
    let now = roundup_store::now_secs();
    if expiry < now {
        return None;
    }
    let live = st.sessions.live.lock().ok()?;
    (live.get(nonce).copied()? >= now).then(|| nonce.to_string())
}

fn session_csrf(st: &AppState, nonce: &str) -> String {
    sign(st, &format!("csrf:{nonce}"))
}

fn check_session_csrf(
    st: &AppState,
    nonce: &str,
    form: &HashMap<String, String>,
) -> Result<(), WebError> {
    let token = form.get("csrf").map(String::as_str).unwrap_or("");
    if verify_sig(st, &format!("csrf:{nonce}"), token) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "The form's security token is missing or expired. Reload the page and try again."
                .into(),
        ))
    }
}

/// Per-key sliding-window rate limiter.
pub(crate) struct RateLimiter {
    max: usize,
    window_secs: i64,
    hits: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window_secs: i64) -> RateLimiter {
        RateLimiter {
            max,
            window_secs,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt by `key` at `now`; false when it exceeds the limit.
    pub fn allow(&self, key: &str, now: i64) -> bool {
        let Ok(mut hits) = self.hits.lock() else {
            return false;
        };
        if hits.len() > 10_000 {
            let w = self.window_secs;
            hits.retain(|_, q| q.back().is_some_and(|t| *t > now - w));
        }
        let q = hits.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| *t <= now - self.window_secs) {
            q.pop_front();
        }
        if q.len() >= self.max {
            return false;
        }
        q.push_back(now);
        true
    }
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/login", get(login_form).post(login))
        .route("/admin/logout", post(logout))
        .route("/admin/outlets", post(add_outlet))
        .route("/admin/outlet/{id}/pause", post(pause_outlet))
        .route("/admin/outlet/{id}/tags", post(tag_outlet))
        .route("/admin/story/{id}/flags", post(flag_story))
        .route("/admin/story/{id}/rename", post(rename_story))
        .route("/admin/publish", post(publish))
}

fn render_login(
    st: &Shared,
    headers: &HeaderMap,
    error: &str,
    status: StatusCode,
) -> Result<Response, WebError> {
    let existing =
        cookie(headers, LOGIN_CSRF_COOKIE).filter(|c| c.len() == 32 && unhex(c).is_some());
    let nonce = existing.clone().unwrap_or_else(|| random_hex(16));
    let configured = true;
    let body = st.templates.render(
        "admin_login.html",
        context! { title => "Admin login", csrf => sign(st, &format!("login-csrf:{nonce}")), error, configured },
        &st.cfg,
    )?;
    let mut r = html(body);
    *r.status_mut() = status;
    if existing.is_none() {
        r.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(st, LOGIN_CSRF_COOKIE, &nonce, 3600),
        );
    }
    Ok(no_store(r))
}

async fn login_form(State(st): State<Shared>, headers: HeaderMap) -> Result<Response, WebError> {
    if session(&st, &headers).is_some() {
        return Ok(Redirect::to("/admin").into_response());
    }
    render_login(&st, &headers, "", StatusCode::OK)
}

async fn login(
    State(st): State<Shared>,
    ip: ClientIp,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    if !st.login_limiter.allow(&ip.key(), roundup_store::now_secs()) {
        let mut r = render_login(
            &st,
            &headers,
            "Too many login attempts. Wait a minute and try again.",
            StatusCode::TOO_MANY_REQUESTS,
        )?;
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return Ok(r);
    }
    let nonce = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let token = form.get("csrf").map(String::as_str).unwrap_or("");
    if nonce.is_empty() || !verify_sig(&st, &format!("login-csrf:{nonce}"), token) {
        return Err(WebError::Forbidden(
            "The login form's security token is missing or expired. Reload the page and try again."
                .into(),
        ));
    }
    let Some(hash) = st.store.setting(PASSWORD_SETTING).await? else {
        return render_login(
            &st,
            &headers,
            "No admin password is set. Run `roundup admin set-password` on the server.",
            StatusCode::UNAUTHORIZED,
        );
    };
    let password = form.get("password").cloned().unwrap_or_default();
    let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    if !ok {
        return render_login(&st, &headers, "Wrong password.", StatusCode::UNAUTHORIZED);
    }
    let nonce = random_hex(16);
    let expiry = roundup_store::now_secs() + SESSION_SECS;
    if let Ok(mut live) = st.sessions.live.lock() {
        let now = roundup_store::now_secs();
        live.retain(|_, e| *e >= now);
        live.insert(nonce.clone(), expiry);
    }
    let value = format!(
        "{nonce}.{expiry}.{}",
        sign(&st, &format!("session:{nonce}:{expiry}"))
    );
    let mut r = Redirect::to("/admin").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, SESSION_COOKIE, &value, SESSION_SECS),
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, LOGIN_CSRF_COOKIE, "", 0),
    );
    Ok(no_store(r))
}

/// Requires a session and a valid CSRF token; returns the session nonce.
fn authorize(
    st: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<String, WebError> {
    let Some(nonce) = session(st, headers) else {
        return Err(WebError::Forbidden("Please log in first.".into()));
    };
    check_session_csrf(st, &nonce, form)?;
    Ok(nonce)
}

async fn logout(
    State(st): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let nonce = authorize(&st, &headers, &form)?;
    if let Ok(mut live) = st.sessions.live.lock() {
        live.remove(&nonce);
    }
    let mut r = Redirect::to("/admin/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&st, SESSION_COOKIE, "", 0));
    Ok(no_store(r))
}

/// Fixed messages for `/admin?ok=CODE` after an action (codes, not text, so the address
/// cannot be used to show arbitrary text on the admin page).
fn ok_message(code: &str) -> &'static str {
    match code {
        "outlet-added" => "Outlet saved. Its feed is due for a fetch now.",
        "outlet-paused" => "Outlet paused.",
        "outlet-resumed" => "Outlet resumed.",
        "outlet-tagged" => "Outlet's lean and region saved.",
        "story-flagged" => "Story flags saved.",
        "story-renamed" => "Headline saved.",
        _ => "",
    }
}

#[derive(serde::Deserialize)]
struct DashQuery {
    #[serde(default)]
    ok: String,
}

async fn dashboard(
    State(st): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<DashQuery>,
) -> Result<Response, WebError> {
    let Some(nonce) = session(&st, &headers) else {
        return Ok(Redirect::to("/admin/login").into_response());
    };
    render_dashboard(&st, &nonce, ok_message(&q.ok), "").await
}

async fn render_dashboard(
    st: &Shared,
    nonce: &str,
    message: &str,
    error: &str,
) -> Result<Response, WebError> {
    let outlets: Vec<OutletView> = st
        .store
        .list_outlets()
        .await?
        .iter()
        .map(OutletView::of)
        .collect();
    let now = roundup_store::now_secs();
    let stories: Vec<_> = st
        .store
        .stories_since(now - crate::pages::SECTION_WINDOW_SECS, true, 100)
        .await?
        .iter()
        .map(|s| {
            context! {
                id => s.id,
                card => StoryCard::from_row(s),
                auto_headline => s.auto_headline.clone(),
                renamed => s.headline != s.auto_headline,
                suppressed => s.suppressed,
                pinned => s.pinned,
                score => format!("{:.2}", s.score),
                updated => TimeView::of(crate::view::from_unix(s.last_updated)),
            }
        })
        .collect();
    let (subscribers, subscribers_error) = match &st.cfg.subscribers {
        None => (None, String::new()),
        Some(h) => match h.counts().await {
            Ok(c) => (
                Some(
                    c.into_iter()
                        .map(|l| context! { list => l.list, confirmed => l.confirmed, pending => l.pending, unsubscribed => l.unsubscribed })
                        .collect::<Vec<_>>(),
                ),
                String::new(),
            ),
            Err(e) => (Some(vec![]), e),
        },
    };
    let failing = outlets.iter().filter(|o| !o.healthy && !o.paused).count();
    let body = st.templates.render(
        "admin.html",
        context! {
            title => "Admin",
            csrf => session_csrf(st, nonce),
            message, error, outlets, stories, failing,
            show_subscribers => subscribers.is_some(),
            subscribers => subscribers.unwrap_or_default(),
            subscribers_error,
            leans => Lean::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            kinds => ["front-page", "briefing", "ten-things", "good-news"],
        },
        &st.cfg,
    )?;
    Ok(no_store(html(body)))
}

fn done(st: &Shared, code: &str) -> Response {
    st.cache.clear();
    st.search.invalidate();
    no_store(Redirect::to(&format!("/admin?ok={code}")).into_response())
}

fn field<'a>(form: &'a HashMap<String, String>, k: &str) -> &'a str {
    form.get(k).map(|s| s.trim()).unwrap_or("")
}

fn parse_lean(s: &str) -> Result<Option<Lean>, WebError> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|e: roundup_model::UnknownValue| WebError::BadRequest(e.to_string()))
}

fn parse_id(s: &str) -> Result<i64, WebError> {
    s.parse().map_err(|_| WebError::NotFound(format!("id {s}")))
}

async fn add_outlet(
    State(st): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let nonce = authorize(&st, &headers, &form)?;
    let feed_url = field(&form, "feed_url");
    let lower = feed_url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://"))
        || feed_url.len() > 2000
        || feed_url.contains(char::is_whitespace)
    {
        return render_dashboard(
            &st,
            &nonce,
            "",
            "The feed URL must be an http:// or https:// address.",
        )
        .await;
    }
    // A page URL is resolved to its feed when discovery is configured.
    let (feed_url, found_title) = match &st.cfg.discovery {
        Some(d) => match d.discover(feed_url).await {
            Ok((u, t)) => (u, t),
            Err(e) => return render_dashboard(&st, &nonce, "", &e).await,
        },
        None => (feed_url.to_string(), None),
    };
    let feed_url = feed_url.as_str();
    let name = match field(&form, "name") {
        "" if found_title.as_deref().is_some_and(|t| !t.trim().is_empty()) => {
            found_title.clone().unwrap_or_default().trim().to_string()
        }
        "" => feed_url
            .split('/')
            .nth(2)
            .unwrap_or(feed_url)
            .trim_start_matches("www.")
            .to_string(),
        n => n.to_string(),
    };
    let lean = match parse_lean(field(&form, "lean")) {
        Ok(l) => l,
        Err(e) => return render_dashboard(&st, &nonce, "", &e.to_string()).await,
    };
    let region = Some(field(&form, "region").to_string()).filter(|r| !r.is_empty());
    st.store
        .upsert_outlet(&roundup_store::NewOutlet {
            name,
            feed_url: feed_url.to_string(),
            lean,
            region,
            ..Default::default()
        })
        .await?;
    Ok(done(&st, "outlet-added"))
}

async fn pause_outlet(
    State(st): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    authorize(&st, &headers, &form)?;
    let paused = field(&form, "paused") == "1";
    st.store.set_paused(parse_id(&id)?, paused).await?;
    Ok(done(
        &st,
        if paused {
            "outlet-paused"
        } else {
            "outlet-resumed"
        },
    ))
}

async fn tag_outlet(
    State(st): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    authorize(&st, &headers, &form)?;
    let lean = parse_lean(field(&form, "lean"))?;
    let region = field(&form, "region");
    st.store
        .set_outlet_tags(parse_id(&id)?, lean, Some(region).filter(|r| !r.is_empty()))
        .await?;
    Ok(done(&st, "outlet-tagged"))
}

async fn flag_story(
    State(st): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    authorize(&st, &headers, &form)?;
    let flag = |k: &str| match field(&form, k) {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    st.store
        .set_story_flags(parse_id(&id)?, flag("pinned"), flag("suppressed"))
        .await?;
    Ok(done(&st, "story-flagged"))
}

async fn rename_story(
    State(st): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    authorize(&st, &headers, &form)?;
    let h = field(&form, "headline");
    if h.chars().count() > 300 {
        return Err(WebError::BadRequest(
            "A headline has at most 300 characters.".into(),
        ));
    }
    st.store
        .rename_story(parse_id(&id)?, Some(h).filter(|h| !h.is_empty()))
        .await?;
    Ok(done(&st, "story-renamed"))
}

async fn publish(
    State(st): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let nonce = authorize(&st, &headers, &form)?;
    let kind = match field(&form, "kind") {
        "" => "front-page",
        k => k,
    };
    match st.cfg.publisher.publish(kind).await {
        Ok(out) => {
            st.cache.clear();
            st.search.invalidate();
            st.metrics.inc_editions_published();
            let msg = format!("Published edition {}: {}", out.edition_id, out.message);
            render_dashboard(&st, &nonce, &msg, "").await
        }
        Err(e) => {
            let mut r =
                render_dashboard(&st, &nonce, "", &format!("Publishing failed: {e}")).await?;
            *r.status_mut() = StatusCode::BAD_GATEWAY;
            Ok(r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "wrong"));
        assert!(!verify_password("not a hash", "correct horse"));
        assert_ne!(h, hash_password("correct horse"), "salted");
    }

    #[test]
    fn limiter_window() {
        let l = RateLimiter::new(2, 60);
        assert!(l.allow("a", 0));
        assert!(l.allow("a", 1));
        assert!(!l.allow("a", 2));
        assert!(l.allow("b", 2));
        assert!(l.allow("a", 61));
    }

    #[test]
    fn cookie_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; roundup_session=x.y.z; b=2"),
        );
        assert_eq!(cookie(&h, "roundup_session").as_deref(), Some("x.y.z"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
