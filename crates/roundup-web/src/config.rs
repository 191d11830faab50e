//! Site settings and the hooks other crates plug into the site.

use crate::metrics::Metrics;
use crate::signup::{AcknowledgeSignup, SignupHandler};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed, sendable future (the hooks are trait objects, so their methods return these).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Settings of the website.
#[derive(Clone)]
pub struct WebConfig {
    /// Public base URL without a trailing slash ("https://news.example.org"); feeds and the
    /// API use it for absolute links.
    pub base_url: String,
    /// Secret for signing session cookies and CSRF tokens. Use a long random value.
    pub secret: String,
    /// Theme folder: `templates/NAME.html` and `static/style.css` there replace the embedded
    /// ones.
    pub theme_dir: Option<PathBuf>,
    /// Site title ("Roundup").
    pub site_title: String,
    /// Mark cookies `Secure` (set when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// Newsletter sign-up hook; the default only acknowledges.
    pub signup: Arc<dyn SignupHandler>,
    /// Newsletter lists offered on the sign-up form (slug, title).
    pub lists: Vec<(String, String)>,
    /// "Publish edition now" hook; the default answers "not configured".
    pub publisher: Arc<dyn Publisher>,
    /// Subscriber counts per list for the admin; the section is hidden when `None`.
    pub subscribers: Option<Arc<dyn SubscriberStats>>,
    /// Finds the feed behind a URL the editor gives in the admin (a page or a feed); `None`
    /// takes the URL as the feed URL.
    pub discovery: Option<Arc<dyn FeedDiscovery>>,
    /// Confirmation and unsubscribe links from newsletter emails; `None` answers 404.
    pub subscription_links: Option<Arc<dyn crate::signup::SubscriptionLinks>>,
    /// Metrics registry to use (share one with the pipeline); a fresh one when `None`.
    pub metrics: Option<Arc<Metrics>>,
    /// Header naming the client address when the site runs behind a reverse proxy
    /// ("x-forwarded-for"; its last entry, the one the proxy added, is used). `None` uses
    /// the TCP peer address. Only set this when a proxy you control always sets the header.
    pub client_ip_header: Option<String>,
    /// The inbound-mail webhook (`POST /hooks/inbound`); `None` answers 404.
    pub inbound: Option<crate::inbound::InboundHook>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("base_url", &self.base_url)
            .field("secret", &"***")
            .field("theme_dir", &self.theme_dir)
            .field("site_title", &self.site_title)
            .field("secure_cookies", &self.secure_cookies)
            .field("lists", &self.lists)
            .field("subscribers", &self.subscribers.is_some())
            .field("client_ip_header", &self.client_ip_header)
            .field("inbound", &self.inbound.is_some())
            .finish()
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            base_url: "http://127.0.0.1:8080".into(),
            secret: String::new(),
            theme_dir: None,
            site_title: "Roundup".into(),
            secure_cookies: false,
            signup: Arc::new(AcknowledgeSignup),
            lists: vec![("daily".into(), "The daily briefing".into())],
            publisher: Arc::new(NotConfigured),
            subscribers: None,
            subscription_links: None,
            discovery: None,
            metrics: None,
            client_ip_header: None,
            inbound: None,
        }
    }
}

impl WebConfig {
    /// The base URL without a trailing slash.
    pub(crate) fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// An absolute URL for a site path ("/story/x" → "https://host/story/x").
    pub(crate) fn abs(&self, path: &str) -> String {
        format!("{}{}", self.base(), path)
    }
}

/// What a publish produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishOutcome {
    /// Id of the new edition.
    pub edition_id: i64,
    /// Human summary ("front page of 2026-12-01 with 12 stories").
    pub message: String,
}

/// Publishes an edition on demand (the admin's "publish edition now").
pub trait Publisher: Send + Sync {
    /// Publishes an edition of `kind` ("front-page", "briefing", …). The error is shown to
    /// the editor as is.
    fn publish(&self, kind: &str) -> BoxFuture<'_, Result<PublishOutcome, String>>;
}

/// The default [`Publisher`]: always answers that publishing is not configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotConfigured;

impl Publisher for NotConfigured {
    fn publish(&self, _kind: &str) -> BoxFuture<'_, Result<PublishOutcome, String>> {
        Box::pin(async {
            Err("publishing is not configured on this server (no publisher hook)".to_string())
        })
    }
}

/// Subscribers of one newsletter list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCount {
    /// List slug.
    pub list: String,
    /// Confirmed subscribers.
    pub confirmed: u64,
    /// Awaiting confirmation.
    pub pending: u64,
    /// Unsubscribed or suppressed.
    pub unsubscribed: u64,
}

/// Feed autodiscovery for the admin's "add outlet" form (the binary plugs in the fetcher).
pub trait FeedDiscovery: Send + Sync {
    /// The feed URL and title behind `url` (the URL itself when it is a feed, else a feed the
    /// page links to or one at a common path). The error is shown to the editor.
    fn discover(&self, url: &str) -> BoxFuture<'_, Result<(String, Option<String>), String>>;
}

/// Subscriber counts per list, shown on the admin page.
pub trait SubscriberStats: Send + Sync {
    /// Counts per list.
    fn counts(&self) -> BoxFuture<'_, Result<Vec<ListCount>, String>>;
}
