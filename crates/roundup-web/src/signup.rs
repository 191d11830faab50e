//! Newsletter sign-up and the pages behind the links of newsletter emails: the form, the
//! POST handler and the [`SignupHandler`] hook; confirmation, unsubscribe and the preferences
//! page through the [`SubscriptionLinks`] hook.
//!
//! The page shown after a sign-up is the same for every well-formed address, whether it was
//! new, already subscribed or suppressed, so the form cannot be used to learn who subscribes;
//! only the hook's per-IP limit (the client address is passed to it, see
//! `WebConfig::client_ip_header`) and malformed input are reported.
//!
//! The preferences page (`GET /preferences?token=`) only reads; its form posts the signed
//! token back in a hidden field (`POST /preferences`), and that token is the authority, as for
//! the RFC 8058 unsubscribe: it is secret, bound to one subscriber and purpose and it expires,
//! so a cross-site form cannot forge it (it also plays the CSRF token's role). Both answers
//! are `no-store` and `Referrer-Policy: no-referrer`, so the token stays out of caches and
//! out of the `Referer` of links followed from the page.

use crate::config::BoxFuture;
use crate::error::WebError;
use crate::security::ClientIp;
use crate::Shared;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

/// Why a sign-up was not accepted. Only `Invalid` is shown to the visitor; other errors are
/// logged and the visitor sees the same acknowledgement as everyone else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignupError {
    /// The input is not acceptable (shown to the visitor, 400).
    #[error("{0}")]
    Invalid(String),
    /// Too many sign-ups from the visitor's network (shown to the visitor, 429). Says nothing
    /// about the address.
    #[error("{0}")]
    RateLimited(String),
    /// The handler failed (logged, not shown).
    #[error("sign-up failed: {0}")]
    Failed(String),
}

/// Receives newsletter sign-ups (the mail crate's double opt-in plugs in here).
pub trait SignupHandler: Send + Sync {
    /// Starts a subscription of `email` to `list` (the address is trimmed and syntax-checked
    /// before this is called). `ip` is the visitor's address for per-IP limits: the TCP peer,
    /// or the configured proxy header's entry (see `WebConfig::client_ip_header`); `None`
    /// when unknown.
    fn signup(
        &self,
        email: &str,
        list: &str,
        ip: Option<IpAddr>,
    ) -> BoxFuture<'_, Result<(), SignupError>>;
}

/// One newsletter on the preferences page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListChoice {
    /// List id (the checkbox value).
    pub id: String,
    /// Display name.
    pub name: String,
    /// One line about the list (may be empty).
    pub description: String,
    /// When it is sent, in words ("Next issue Wed 2 Dec, 07:00 UTC"; may be empty).
    pub schedule: String,
    /// Whether the reader receives it now.
    pub subscribed: bool,
}

/// What a preferences link shows: the reader's address and every list offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preferences {
    /// The reader's address (the page shows it partly masked).
    pub email: String,
    /// Every list, with the reader's current choice.
    pub lists: Vec<ListChoice>,
    /// Mail to the address is blocked (bounces, complaints): choices are kept but nothing is
    /// sent.
    pub suppressed: bool,
}

/// Why a link's action failed. The messages are shown to the visitor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The link is malformed, altered, expired, for another purpose or its subscriber is
    /// gone (400, "This link does not work").
    #[error("{0}")]
    BadLink(String),
    /// The link is good but the request is not acceptable, e.g. an unknown list (400, the
    /// form is shown again).
    #[error("{0}")]
    Invalid(String),
    /// The service failed (500; the hook logs the details, the message is generic).
    #[error("{0}")]
    Failed(String),
}

/// Acts on the signed links of newsletter emails (the mail crate's opt-in service plugs in
/// here). `Ok` carries the message shown; `Err` a message safe to show (bad or expired link).
pub trait SubscriptionLinks: Send + Sync {
    /// Confirms a pending subscription (`/confirm?token=`).
    fn confirm(&self, token: &str) -> BoxFuture<'_, Result<String, String>>;
    /// Unsubscribes (`POST /unsubscribe?token=`, RFC 8058 one-click or the page's button).
    fn unsubscribe(&self, token: &str) -> BoxFuture<'_, Result<String, String>>;
    /// Reads the reader's lists for a preferences token (`GET /preferences?token=`). Must
    /// not change anything.
    fn preferences(&self, token: &str) -> BoxFuture<'_, Result<Preferences, LinkError>>;
    /// Replaces the reader's lists with `lists` for a preferences token (`POST
    /// /preferences`); an empty set unsubscribes from everything. Returns the new state.
    fn change_lists<'a>(
        &'a self,
        token: &'a str,
        lists: &'a [String],
    ) -> BoxFuture<'a, Result<Preferences, LinkError>>;
}

/// The token of a link (`?token=`).
#[derive(Debug, Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn links(st: &Shared) -> Result<&Arc<dyn SubscriptionLinks>, WebError> {
    st.cfg
        .subscription_links
        .as_ref()
        .ok_or_else(|| WebError::NotFound("newsletter links are not configured".into()))
}

fn message_page(
    st: &Shared,
    status: StatusCode,
    heading: &str,
    message: &str,
    unsubscribe_token: Option<&str>,
) -> Result<Response, WebError> {
    let html = st.templates.render(
        "subscription.html",
        minijinja::context! { title => heading, heading => heading, message => message, unsubscribe_token => unsubscribe_token },
        &st.cfg,
    )?;
    let mut r = crate::pages::html(html);
    *r.status_mut() = status;
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

/// GET /confirm?token=: confirms the subscription.
pub(crate) async fn confirm(
    State(st): State<Shared>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    match links(&st)?.confirm(q.token.trim()).await {
        Ok(msg) => message_page(&st, StatusCode::OK, "Subscription confirmed", &msg, None),
        Err(msg) => message_page(
            &st,
            StatusCode::BAD_REQUEST,
            "This link does not work",
            &msg,
            None,
        ),
    }
}

/// GET /unsubscribe?token=: a page with one button (a GET never unsubscribes: link scanners
/// follow links).
pub(crate) async fn unsubscribe_page(
    State(st): State<Shared>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    links(&st)?;
    message_page(
        &st,
        StatusCode::OK,
        "Unsubscribe",
        "Press the button to stop receiving this newsletter.",
        Some(q.token.trim()),
    )
}

/// POST /unsubscribe?token=: unsubscribes at once (RFC 8058 one-click, no session, no CSRF
/// token: the signed token is the authority).
pub(crate) async fn unsubscribe(
    State(st): State<Shared>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    match links(&st)?.unsubscribe(q.token.trim()).await {
        Ok(msg) => message_page(&st, StatusCode::OK, "You are unsubscribed", &msg, None),
        Err(msg) => message_page(
            &st,
            StatusCode::BAD_REQUEST,
            "This link does not work",
            &msg,
            None,
        ),
    }
}

/// Most list ids one preferences form may carry (more is not a real form).
const MAX_FORM_LISTS: usize = 64;

/// The address with most of its local part hidden (`r••••r@example.org`): enough for the
/// reader to recognise it, less for someone the mail was forwarded to.
pub(crate) fn mask_email(email: &str) -> String {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return "•••".into();
    };
    let chars: Vec<char> = local.chars().collect();
    let masked = match chars.len() {
        0 => String::new(),
        1 | 2 => format!("{}•••", chars[0]),
        n => format!("{}{}{}", chars[0], "•".repeat((n - 2).min(6)), chars[n - 1]),
    };
    format!("{masked}@{domain}")
}

/// `no-store` and `no-referrer`: the URL or form of these pages carries a signed token.
fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        axum::http::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    r
}

fn preferences_page(
    st: &Shared,
    status: StatusCode,
    token: &str,
    p: &Preferences,
    notice: &str,
    error: &str,
) -> Result<Response, WebError> {
    let html = st.templates.render(
        "preferences.html",
        minijinja::context! {
            title => "Newsletter preferences",
            email => mask_email(&p.email),
            choices => &p.lists,
            suppressed => p.suppressed,
            token => token,
            notice => notice,
            error => error,
        },
        &st.cfg,
    )?;
    let mut r = crate::pages::html(html);
    *r.status_mut() = status;
    Ok(private(r))
}

fn link_failure(st: &Shared, e: LinkError) -> Result<Response, WebError> {
    let r = match e {
        LinkError::BadLink(m) | LinkError::Invalid(m) => message_page(
            st,
            StatusCode::BAD_REQUEST,
            "This link does not work",
            &m,
            None,
        )?,
        LinkError::Failed(m) => message_page(
            st,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            &m,
            None,
        )?,
    };
    Ok(private(r))
}

fn bad_token(st: &Shared) -> Result<Response, WebError> {
    link_failure(
        st,
        LinkError::BadLink(
            "This link is incomplete. Use the preferences link of a newsletter.".into(),
        ),
    )
}

/// GET /preferences?token=: the reader's lists as checkboxes. Reads only (link scanners and
/// prefetchers follow links).
pub(crate) async fn preferences_form(
    State(st): State<Shared>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    let links = links(&st)?;
    let token = q.token.trim();
    if token.is_empty() {
        return bad_token(&st);
    }
    match links.preferences(token).await {
        Ok(p) => preferences_page(&st, StatusCode::OK, token, &p, "", ""),
        Err(e) => link_failure(&st, e),
    }
}

/// POST /preferences: `token` (hidden field), `list` (one per checked box) and `action`
/// (`save`, or `unsubscribe` for "Unsubscribe from all", which ignores the boxes).
pub(crate) async fn preferences_save(
    State(st): State<Shared>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let links = links(&st)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    let token = field("token").to_string();
    if token.is_empty() {
        return bad_token(&st);
    }
    let unsubscribe_all = field("action") == "unsubscribe";
    let mut lists: Vec<String> = Vec::new();
    if !unsubscribe_all {
        for (k, v) in &fields {
            let v = v.trim();
            if k == "list" && !v.is_empty() && !lists.iter().any(|l| l == v) {
                lists.push(v.to_string());
            }
        }
    }
    if lists.len() > MAX_FORM_LISTS {
        return Err(WebError::BadRequest("Too many lists in the form.".into()));
    }
    match links.change_lists(&token, &lists).await {
        Ok(p) => {
            let chosen: Vec<&str> = p
                .lists
                .iter()
                .filter(|l| l.subscribed)
                .map(|l| l.name.as_str())
                .collect();
            let notice = if chosen.is_empty() {
                "You are unsubscribed from all newsletters. You can subscribe again here at any time.".to_string()
            } else {
                format!("Saved. You will receive: {}.", chosen.join(", "))
            };
            preferences_page(&st, StatusCode::OK, &token, &p, &notice, "")
        }
        // A good link with an unacceptable choice: show the form again, unchanged.
        Err(LinkError::Invalid(m)) => match links.preferences(&token).await {
            Ok(p) => preferences_page(&st, StatusCode::BAD_REQUEST, &token, &p, "", &m),
            Err(e) => link_failure(&st, e),
        },
        Err(e) => link_failure(&st, e),
    }
}

/// The default [`SignupHandler`]: accepts every sign-up and does nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcknowledgeSignup;

impl SignupHandler for AcknowledgeSignup {
    fn signup(
        &self,
        _email: &str,
        _list: &str,
        _ip: Option<IpAddr>,
    ) -> BoxFuture<'_, Result<(), SignupError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Form fields of POST /subscribe.
#[derive(Debug, Deserialize)]
pub(crate) struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    list: String,
}

/// A plausible address: one `@`, something before it, a dotted domain after it, no spaces or
/// angle brackets, at most 254 characters. Deliverability is the confirmation mail's job.
pub(crate) fn plausible_email(e: &str) -> bool {
    if e.len() > 254
        || e.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:\\[]".contains(c))
    {
        return false;
    }
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// GET /subscribe: the sign-up form.
pub(crate) async fn form(State(st): State<Shared>) -> Result<Response, WebError> {
    let html = st.templates.render(
        "subscribe.html",
        minijinja::context! { title => "Subscribe", error => "", email => "" },
        &st.cfg,
    )?;
    Ok(crate::pages::html(html))
}

/// POST /subscribe.
pub(crate) async fn submit(
    State(st): State<Shared>,
    ClientIp(ip): ClientIp,
    Form(f): Form<SignupForm>,
) -> Result<Response, WebError> {
    let email = f.email.trim();
    let list = if f.list.trim().is_empty() {
        st.cfg
            .lists
            .first()
            .map(|l| l.0.clone())
            .unwrap_or_default()
    } else {
        f.list.trim().to_string()
    };
    let known_list = st.cfg.lists.iter().any(|(slug, _)| *slug == list);
    let problem = if !plausible_email(email) {
        Some("Please enter a valid email address.")
    } else if !known_list {
        Some("Please choose one of the newsletters offered.")
    } else {
        None
    };
    if let Some(p) = problem {
        let html = st.templates.render(
            "subscribe.html",
            minijinja::context! { title => "Subscribe", error => p, email => email },
            &st.cfg,
        )?;
        let mut r = crate::pages::html(html);
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(r);
    }
    match st.cfg.signup.signup(email, &list, ip).await {
        Ok(()) => {}
        Err(e @ (SignupError::Invalid(_) | SignupError::RateLimited(_))) => {
            let status = match e {
                SignupError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::BAD_REQUEST,
            };
            let msg = e.to_string();
            let html = st.templates.render(
                "subscribe.html",
                minijinja::context! { title => "Subscribe", error => msg, email => email },
                &st.cfg,
            )?;
            let mut r = crate::pages::html(html);
            *r.status_mut() = status;
            return Ok(r);
        }
        Err(e) => tracing::warn!(error = %e, "newsletter sign-up failed"),
    }
    let html = st.templates.render(
        "subscribed.html",
        minijinja::context! { title => "Check your inbox" },
        &st.cfg,
    )?;
    Ok(crate::pages::html(html).into_response())
}

/// The JSON body of `POST /api/v1/subscribe`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiSignup {
    email: String,
    #[serde(default)]
    list: Option<String>,
}

fn api_json(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The answer to every acceptable API sign-up (the same for new, pending and subscribed
/// addresses).
pub const API_ACCEPTED: &str = "You will receive a verification email shortly.";

/// POST /api/v1/subscribe: `{"email": "...", "list": "briefing"}` (list optional: the first
/// offered). 202 with the same body for every well-formed request; 400 with
/// `{"error", "status"}` for malformed JSON, a bad address, an unknown list or the hook's
/// refusal; 429 when there were too many sign-ups from this network.
pub(crate) async fn api_submit(
    State(st): State<Shared>,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> Response {
    let bad = |msg: String| {
        api_json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": msg, "status": 400}),
        )
    };
    let req: ApiSignup = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return bad(format!(
                "expected a JSON object {{\"email\": \"…\", \"list\": \"…\"}}: {e}"
            ))
        }
    };
    let email = req.email.trim();
    let list = match req.list.as_deref().map(str::trim) {
        Some(l) if !l.is_empty() => l.to_string(),
        _ => st
            .cfg
            .lists
            .first()
            .map(|l| l.0.clone())
            .unwrap_or_default(),
    };
    if !plausible_email(email) {
        return bad("Please enter a valid email address.".into());
    }
    if !st.cfg.lists.iter().any(|(slug, _)| *slug == list) {
        let known: Vec<&str> = st.cfg.lists.iter().map(|(s, _)| s.as_str()).collect();
        return bad(format!("unknown list; offered: {}", known.join(", ")));
    }
    match st.cfg.signup.signup(email, &list, ip).await {
        Ok(()) => {}
        Err(SignupError::Invalid(msg)) => return bad(msg),
        Err(SignupError::RateLimited(msg)) => {
            return api_json(
                StatusCode::TOO_MANY_REQUESTS,
                serde_json::json!({"error": msg, "status": 429}),
            )
        }
        Err(e) => tracing::warn!(error = %e, "newsletter sign-up failed"),
    }
    api_json(
        StatusCode::ACCEPTED,
        serde_json::json!({"status": "accepted", "list": list, "message": API_ACCEPTED}),
    )
}

#[cfg(test)]
mod tests {
    use super::{mask_email, plausible_email};

    #[test]
    fn masked_addresses() {
        assert_eq!(mask_email("reader@example.org"), "r••••r@example.org");
        assert_eq!(mask_email("al@example.org"), "a•••@example.org");
        assert_eq!(mask_email("a@example.org"), "a•••@example.org");
        assert_eq!(
            mask_email("averyveryverylongname@x.org"),
            "a••••••e@x.org",
            "long local parts are capped"
        );
        assert_eq!(mask_email("nonsense"), "•••");
    }

    #[test]
    fn email_syntax() {
        assert!(plausible_email("ana@example.org"));
        assert!(plausible_email("a.b+news@mail.example.co.uk"));
        for bad in [
            "",
            "ana",
            "@example.org",
            "ana@",
            "ana@example",
            "a b@example.org",
            "ana@@x.org",
            "<a>@x.org",
            "ana@x..org",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }
}
