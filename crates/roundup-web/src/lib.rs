//! The website, feeds out, JSON API and admin (axum).
//!
//! Main types: [`WebConfig`] (site settings plus the hooks other crates plug in: a
//! [`SignupHandler`] for newsletter sign-ups, a [`Publisher`] for "publish edition now", an
//! optional [`SubscriberStats`] for the admin's subscriber counts), [`Site`] (the built
//! application: templates, page cache, search index, metrics), [`SiteHandle`] (what the
//! pipeline keeps to drop the page cache after a new edition and to count its own events in
//! [`Metrics`]), and [`WebError`].
//!
//! Entry points: [`router`] and [`serve`] for the common case, [`Site::new`] when the caller
//! also wants the [`SiteHandle`].
//!
//! Everything the site shows comes from [`roundup_store::Store`]. Story digests and edition
//! snapshots are JSON written by `roundup-digest`; they are read leniently (see `view`), so a
//! field that is missing or renamed degrades one line of a page, never the page.
//!
//! Pages are rendered with minijinja (HTML auto-escaping on) from templates embedded in the
//! binary; a theme folder (`theme_dir`) can override any template and the stylesheet. Every
//! piece of feed or article text is treated as untrusted: it is only ever inserted escaped,
//! and links taken from data pass [`view::safe_url`] (http, https or site-relative only).
//!
//! Search is a simple in-process index over recent stories and feed entries, rebuilt lazily
//! after each [`SiteHandle::refresh`] (a store-level full-text index can replace it later).

#![warn(missing_docs)]

mod admin;
mod api;
mod cache;
mod config;
mod error;
mod feeds;
mod inbound;
mod metrics;
mod pages;
mod search;
mod security;
mod signup;
mod templates;
pub mod view;

pub use admin::hash_password;
pub use config::{
    BoxFuture, FeedDiscovery, ListCount, NotConfigured, PublishOutcome, Publisher, SubscriberStats,
    WebConfig,
};
pub use error::WebError;
pub use inbound::{InboundHook, InboundMail};
pub use metrics::Metrics;
pub use signup::{
    AcknowledgeSignup, LinkError, ListChoice, Preferences, SignupError, SignupHandler,
    SubscriptionLinks,
};

use axum::routing::{get, post};
use axum::Router;
use roundup_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

/// Shared state of one running site.
pub(crate) struct AppState {
    pub store: Store,
    pub cfg: WebConfig,
    pub templates: templates::Templates,
    pub cache: cache::PageCache,
    pub metrics: Arc<Metrics>,
    pub search: search::SearchIndex,
    pub sessions: admin::Sessions,
    pub login_limiter: admin::RateLimiter,
}

pub(crate) type Shared = Arc<AppState>;

/// The built site: templates loaded, caches empty. Cheap to turn into a router.
pub struct Site {
    state: Shared,
}

/// What the pipeline keeps of a running site: drop the caches after new data, count events.
#[derive(Clone)]
pub struct SiteHandle {
    state: Shared,
}

impl std::fmt::Debug for SiteHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteHandle")
            .field("base_url", &self.state.cfg.base_url)
            .finish()
    }
}

impl SiteHandle {
    /// Drops every cached page and the search index; the next request renders from the store.
    /// Call after a new edition is published or stories change.
    pub fn refresh(&self) {
        self.state.cache.clear();
        self.state.search.invalidate();
    }

    /// The metrics registry the pipeline increments (fetches, extraction failures, emails).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.state.metrics.clone()
    }
}

impl Site {
    /// Builds the site: loads the embedded templates and the theme's overrides.
    pub fn new(store: Store, cfg: WebConfig) -> Result<Site, WebError> {
        let templates = templates::Templates::load(&cfg)?;
        let metrics = cfg.metrics.clone().unwrap_or_default();
        let state = Arc::new(AppState {
            store,
            templates,
            cache: cache::PageCache::new(4096),
            metrics,
            search: search::SearchIndex::default(),
            sessions: admin::Sessions::default(),
            login_limiter: admin::RateLimiter::new(5, 60),
            cfg,
        });
        Ok(Site { state })
    }

    /// A handle for the pipeline (refresh hook, metrics).
    pub fn handle(&self) -> SiteHandle {
        SiteHandle {
            state: self.state.clone(),
        }
    }

    /// The axum router of the whole site.
    pub fn router(&self) -> Router {
        build_router(self.state.clone())
    }
}

fn build_router(state: Shared) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    // Public, cacheable GETs: rendered once per path+query until the next refresh.
    let cached = Router::new()
        .route("/", get(pages::home))
        .route("/story/{slug}", get(pages::story))
        .route("/section/{name}", get(pages::section))
        .route("/outlets", get(pages::outlets))
        .route("/outlet/{id}", get(pages::outlet))
        .route("/archive", get(pages::archive))
        .route("/archive/{date}", get(pages::archive_day))
        .route("/edition/{id}", get(pages::edition))
        .route("/search", get(pages::search))
        .route("/subscribe", get(signup::form))
        .route("/feed.xml", get(feeds::front_rss))
        .route("/atom.xml", get(feeds::front_atom))
        .route("/feed.json", get(feeds::front_json))
        .route("/section/{name}/feed.xml", get(feeds::section_rss))
        .route("/section/{name}/atom.xml", get(feeds::section_atom))
        .route("/section/{name}/feed.json", get(feeds::section_json))
        .route("/editions/{kind}/feed.xml", get(feeds::editions_rss))
        .route("/editions/{kind}/atom.xml", get(feeds::editions_atom))
        .route("/editions/{kind}/feed.json", get(feeds::editions_json))
        .route("/api/v1/stories", get(api::stories))
        .route("/api/v1/story/{key}", get(api::story))
        .route("/api/v1/editions", get(api::editions))
        .route("/api/v1/edition/{id}", get(api::edition))
        .route("/api/v1/outlets", get(api::outlets))
        .route("/api/v1/search", get(api::search))
        .route("/api/openapi.json", get(api::openapi))
        .layer(from_fn_with_state(state.clone(), cache::cache_layer));
    let uncached = Router::new()
        .route("/subscribe", post(signup::submit))
        .route("/api/v1/subscribe", post(signup::api_submit))
        .route("/confirm", get(signup::confirm))
        .route(
            "/unsubscribe",
            get(signup::unsubscribe_page).post(signup::unsubscribe),
        )
        .route(
            "/preferences",
            get(signup::preferences_form).post(signup::preferences_save),
        )
        .route("/static/{file}", get(pages::static_file))
        .route("/favicon.svg", get(pages::favicon))
        .route("/favicon.ico", get(pages::favicon))
        .route("/healthz", get(pages::healthz))
        .route("/robots.txt", get(pages::robots))
        .route("/metrics", get(metrics::exposition))
        .route(
            "/hooks/inbound",
            post(inbound::receive).layer(axum::extract::DefaultBodyLimit::max(
                inbound::MAX_MESSAGE_BYTES + 1,
            )),
        )
        .merge(admin::routes());
    Router::new()
        .merge(cached)
        .merge(uncached)
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(from_fn(security::headers))
        .with_state(state)
}

/// The router of a site over `store` with `cfg`. Panics never; a template error in a theme
/// folder is reported by [`Site::new`] — this function falls back to the embedded templates
/// when the theme fails to load, logging the error.
pub fn router(store: Store, cfg: WebConfig) -> Router {
    match Site::new(store.clone(), cfg.clone()) {
        Ok(site) => site.router(),
        Err(e) => {
            tracing::error!(error = %e, "theme failed to load; using the embedded templates");
            let cfg = WebConfig {
                theme_dir: None,
                ..cfg
            };
            match Site::new(store, cfg) {
                Ok(site) => site.router(),
                Err(e) => {
                    // The embedded templates are compiled in and tested; this cannot happen
                    // short of a build error, but a router must still be returned.
                    tracing::error!(error = %e, "embedded templates failed to load");
                    Router::new().fallback(|| async {
                        (
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                            "templates failed to load",
                        )
                    })
                }
            }
        }
    }
}

/// Serves the site on `listener` until the task is cancelled. Client addresses are passed to
/// the handlers (login rate limiting is per IP).
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    cfg: WebConfig,
) -> std::io::Result<()> {
    let site = Site::new(store, cfg).map_err(std::io::Error::other)?;
    serve_site(listener, &site).await
}

/// Serves an already built [`Site`] (keep its [`SiteHandle`] to refresh it).
pub async fn serve_site(listener: tokio::net::TcpListener, site: &Site) -> std::io::Result<()> {
    axum::serve(
        listener,
        site.router()
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
