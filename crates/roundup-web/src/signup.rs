//! Newsletter sign-up: the form, the POST handler and the [`SignupHandler`] hook.
//!
//! The page shown after a sign-up is the same for every well-formed address, whether it was
//! new, already subscribed or suppressed, so the form cannot be used to learn who subscribes.

use crate::config::BoxFuture;
use crate::error::WebError;
use crate::Shared;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// Why a sign-up was not accepted. Only `Invalid` is shown to the visitor; other errors are
/// logged and the visitor sees the same acknowledgement as everyone else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignupError {
    /// The input is not acceptable (shown to the visitor).
    #[error("{0}")]
    Invalid(String),
    /// The handler failed (logged, not shown).
    #[error("sign-up failed: {0}")]
    Failed(String),
}

/// Receives newsletter sign-ups (the mail crate's double opt-in plugs in here).
pub trait SignupHandler: Send + Sync {
    /// Starts a subscription of `email` to `list` (the address is trimmed and syntax-checked
    /// before this is called).
    fn signup(&self, email: &str, list: &str) -> BoxFuture<'_, Result<(), SignupError>>;
}

/// Acts on the signed links of newsletter emails (the mail crate's opt-in service plugs in
/// here). `Ok` carries the message shown; `Err` a message safe to show (bad or expired link).
pub trait SubscriptionLinks: Send + Sync {
    /// Confirms a pending subscription (`/confirm?token=`).
    fn confirm(&self, token: &str) -> BoxFuture<'_, Result<String, String>>;
    /// Unsubscribes (`POST /unsubscribe?token=`, RFC 8058 one-click or the page's button).
    fn unsubscribe(&self, token: &str) -> BoxFuture<'_, Result<String, String>>;
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

/// The default [`SignupHandler`]: accepts every sign-up and does nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcknowledgeSignup;

impl SignupHandler for AcknowledgeSignup {
    fn signup(&self, _email: &str, _list: &str) -> BoxFuture<'_, Result<(), SignupError>> {
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
    match st.cfg.signup.signup(email, &list).await {
        Ok(()) => {}
        Err(SignupError::Invalid(msg)) => {
            let html = st.templates.render(
                "subscribe.html",
                minijinja::context! { title => "Subscribe", error => msg, email => email },
                &st.cfg,
            )?;
            let mut r = crate::pages::html(html);
            *r.status_mut() = StatusCode::BAD_REQUEST;
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

#[cfg(test)]
mod tests {
    use super::plausible_email;

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
