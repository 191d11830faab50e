//! The public pages, and the data loaders the feeds and the API share with them.

use crate::error::WebError;
use crate::view::{self, DigestView, EditionView, StoryCard, TimeView};
use crate::Shared;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use roundup_model::Section;
use roundup_store::{OutletRow, StoryRow};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// How recent "today's" stories are.
pub(crate) const FRONT_WINDOW_SECS: i64 = 48 * 3600;
/// How far back section pages and related stories look.
pub(crate) const SECTION_WINDOW_SECS: i64 = 7 * 86400;
/// Stories on the front page.
const FRONT_STORIES: usize = 24;

/// An HTML response.
pub(crate) fn html(body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// A 301 Moved Permanently to a site path.
pub(crate) fn moved(location: &str) -> Response {
    let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn render<S: Serialize>(st: &Shared, name: &str, ctx: S) -> Result<Response, WebError> {
    Ok(html(st.templates.render(name, ctx, &st.cfg)?))
}

/// The front page's stories: the newest "front-page" edition of the last 48 hours (minus
/// stories suppressed since, with current links), else the best live stories of the last 48
/// hours.
pub(crate) async fn front_cards(st: &Shared) -> Result<Vec<StoryCard>, WebError> {
    let now = roundup_store::now_secs();
    if let Some(e) = st.store.latest_edition("front-page").await? {
        if e.published_at >= now - FRONT_WINDOW_SECS {
            let mut cards = Vec::new();
            for mut c in EditionView::from_row(&e).items {
                if let Some(id) = c.id {
                    match st.store.story(id).await? {
                        Some(row) if row.suppressed => continue,
                        Some(row) => {
                            c.url = format!("/story/{}", row.slug);
                            c.id = Some(row.id);
                        }
                        None => {}
                    }
                }
                cards.push(c);
            }
            if !cards.is_empty() {
                // Stories an editor pinned after the edition went out lead the page.
                let in_edition: HashSet<i64> = cards.iter().filter_map(|c| c.id).collect();
                let mut pinned: Vec<StoryCard> = st
                    .store
                    .stories_since(now - FRONT_WINDOW_SECS, false, FRONT_STORIES as i64)
                    .await?
                    .iter()
                    .filter(|s| s.pinned && !in_edition.contains(&s.id))
                    .map(StoryCard::from_row)
                    .collect();
                pinned.extend(cards);
                return Ok(pinned);
            }
        }
    }
    Ok(st
        .store
        .stories_since(now - FRONT_WINDOW_SECS, false, FRONT_STORIES as i64)
        .await?
        .iter()
        .map(StoryCard::from_row)
        .collect())
}

/// Up to ten short items: the newest "ten-things" edition of the last 48 hours, else the
/// front page's first ten stories.
async fn ten_things(st: &Shared, front: &[StoryCard]) -> Result<Vec<StoryCard>, WebError> {
    let now = roundup_store::now_secs();
    if let Some(e) = st.store.latest_edition("ten-things").await? {
        if e.published_at >= now - FRONT_WINDOW_SECS {
            let items: Vec<_> = EditionView::from_row(&e)
                .items
                .into_iter()
                .take(10)
                .collect();
            if !items.is_empty() {
                return Ok(items);
            }
        }
    }
    Ok(front.iter().take(10).cloned().collect())
}

/// GET /.
pub(crate) async fn home(State(st): State<Shared>) -> Result<Response, WebError> {
    let cards = front_cards(&st).await?;
    let ten = ten_things(&st, &cards).await?;
    let (lead, rest) = match cards.split_first() {
        Some((l, r)) => (Some(l.clone()), r.to_vec()),
        None => (None, vec![]),
    };
    let today = chrono::Utc::now().format("%A, %-d %B %Y").to_string();
    render(
        &st,
        "home.html",
        context! { title => "", lead, stories => rest, ten, today, is_home => true },
    )
}

/// One article of a story's coverage.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ArticleView {
    pub outlet: String,
    pub outlet_url: String,
    pub lean: String,
    pub title: String,
    pub url: String,
    pub authors: String,
    pub time: Option<TimeView>,
    #[serde(skip)]
    pub at: i64,
}

/// Every article of a story, newest first; from its entries, else from the digest timeline.
pub(crate) async fn story_articles(
    st: &Shared,
    s: &StoryRow,
) -> Result<Vec<ArticleView>, WebError> {
    let ids = st.store.story_entry_ids(s.id).await?;
    let mut out = Vec::new();
    if !ids.is_empty() {
        let outlets: HashMap<i64, OutletRow> = st
            .store
            .list_outlets()
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        for id in ids {
            let e = match st.store.entry(id).await {
                Ok(e) => e,
                Err(roundup_store::StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            let o = outlets.get(&e.outlet_id);
            let at = e
                .entry
                .published
                .map(|t| t.timestamp())
                .unwrap_or(e.fetched_at);
            out.push(ArticleView {
                outlet: o.map(|o| o.name.clone()).unwrap_or_default(),
                outlet_url: format!("/outlet/{}", e.outlet_id),
                lean: o
                    .and_then(|o| o.lean)
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default(),
                title: e.entry.title.clone(),
                url: view::safe_url(e.entry.url.as_deref().unwrap_or("")),
                authors: e.entry.authors.join(", "),
                time: Some(TimeView::of(view::from_unix(at))),
                at,
            });
        }
    } else {
        for t in DigestView::from_json(&s.digest).timeline {
            out.push(ArticleView {
                outlet: t.outlet,
                outlet_url: String::new(),
                lean: t.lean,
                title: t.title,
                url: t.url,
                authors: String::new(),
                at: t
                    .time
                    .as_ref()
                    .and_then(|tv| chrono::DateTime::parse_from_rfc3339(&tv.iso).ok())
                    .map(|d| d.timestamp())
                    .unwrap_or(0),
                time: t.time,
            });
        }
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.at));
    Ok(out)
}

const STOP: &[&str] = &[
    "about", "after", "again", "against", "amid", "before", "being", "could", "from", "have",
    "into", "more", "over", "says", "said", "than", "that", "their", "them", "there", "they",
    "this", "what", "when", "where", "which", "while", "will", "with", "would", "year", "years",
];

fn key_terms(s: &str) -> HashSet<String> {
    crate::search::words(s)
        .into_iter()
        .filter(|w| w.chars().count() > 3 && !STOP.contains(&w.as_str()))
        .collect()
}

/// Related stories: share headline terms and/or the section, best matches first.
async fn related(st: &Shared, s: &StoryRow) -> Result<Vec<StoryCard>, WebError> {
    let now = roundup_store::now_secs();
    let mine = key_terms(&s.headline);
    let mut scored: Vec<(usize, f64, StoryRow)> = st
        .store
        .stories_since(now - SECTION_WINDOW_SECS, false, 500)
        .await?
        .into_iter()
        .filter(|o| o.id != s.id)
        .filter_map(|o| {
            let shared = key_terms(&o.headline).intersection(&mine).count();
            let same = s.section.is_some() && o.section == s.section;
            let score = shared * 2 + same as usize;
            (shared > 0 || same).then_some((score, o.score, o))
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal))
    });
    Ok(scored
        .iter()
        .take(5)
        .map(|(_, _, r)| StoryCard::from_row(r))
        .collect())
}

/// GET /story/{slug}.
pub(crate) async fn story(
    State(st): State<Shared>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let Some(s) = st.store.story_by_slug(&slug).await? else {
        return Err(WebError::NotFound(format!("story {slug}")));
    };
    if s.slug != slug {
        return Ok(crate::pages::moved(&format!("/story/{}", s.slug)));
    }
    if s.suppressed {
        return Err(WebError::NotFound(format!("story {slug}")));
    }
    let card = StoryCard::from_row(&s);
    let digest = DigestView::from_json(&s.digest);
    let articles = story_articles(&st, &s).await?;
    let related = related(&st, &s).await?;
    let first_seen = TimeView::of(view::from_unix(s.first_seen));
    render(
        &st,
        "story.html",
        context! { title => s.headline.clone(), story => card, digest, articles, related, first_seen },
    )
}

/// Stories of a section in the last week, best first.
pub(crate) async fn section_cards(
    st: &Shared,
    section: Section,
    limit: usize,
) -> Result<Vec<StoryCard>, WebError> {
    let now = roundup_store::now_secs();
    Ok(st
        .store
        .stories_since(now - SECTION_WINDOW_SECS, false, 5000)
        .await?
        .iter()
        .filter(|s| {
            s.section.as_deref().unwrap_or("") == section.as_str()
                || (s.section.is_none() && view::digest_section(&s.digest) == section.as_str())
        })
        .take(limit)
        .map(StoryCard::from_row)
        .collect())
}

/// Parses a section name; aliases ("tech") name the canonical slug to redirect to.
pub(crate) fn parse_section(name: &str) -> Result<(Section, bool), WebError> {
    let s: Section = name
        .parse()
        .map_err(|_| WebError::NotFound(format!("section {name}")))?;
    Ok((s, s.as_str() != name))
}

/// GET /section/{name}.
pub(crate) async fn section(
    State(st): State<Shared>,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let (sec, alias) = parse_section(&name)?;
    if alias {
        return Ok(crate::pages::moved(&format!("/section/{}", sec.as_str())));
    }
    let cards = section_cards(&st, sec, 50).await?;
    render(
        &st,
        "section.html",
        context! { title => sec.title(), section => sec.as_str(), section_title => sec.title(), stories => cards },
    )
}

/// An outlet as listed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OutletView {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub homepage: String,
    pub feed_url: String,
    pub lean: String,
    pub region: String,
    pub language: String,
    pub paused: bool,
    pub healthy: bool,
    pub fetched: bool,
    pub status: String,
    pub last_success: Option<TimeView>,
    pub last_attempt: Option<TimeView>,
    pub failures: i64,
    pub last_error: String,
    pub entries_total: i64,
    pub poll_minutes: i64,
}

impl OutletView {
    pub(crate) fn of(o: &OutletRow) -> OutletView {
        OutletView {
            id: o.id,
            name: o.name.clone(),
            url: format!("/outlet/{}", o.id),
            homepage: view::safe_url(o.homepage.as_deref().unwrap_or("")),
            feed_url: view::safe_url(&o.feed_url),
            lean: o.lean.map(|l| l.as_str().to_string()).unwrap_or_default(),
            region: o.region.clone().unwrap_or_default(),
            language: o.language.clone().unwrap_or_default(),
            paused: o.paused,
            healthy: o.state.consecutive_failures == 0,
            fetched: o.state.last_attempt.is_some(),
            status: o
                .state
                .last_status
                .clone()
                .unwrap_or_else(|| "never fetched".into()),
            last_success: o
                .state
                .last_success
                .map(|t| TimeView::of(view::from_unix(t))),
            last_attempt: o
                .state
                .last_attempt
                .map(|t| TimeView::of(view::from_unix(t))),
            failures: o.state.consecutive_failures,
            last_error: o.state.last_error.clone().unwrap_or_default(),
            entries_total: o.state.entries_total,
            poll_minutes: o.state.poll_interval_secs / 60,
        }
    }
}

/// GET /outlets.
pub(crate) async fn outlets(State(st): State<Shared>) -> Result<Response, WebError> {
    let outlets: Vec<OutletView> = st
        .store
        .list_outlets()
        .await?
        .iter()
        .map(OutletView::of)
        .collect();
    let failing = outlets.iter().filter(|o| !o.healthy && !o.paused).count();
    render(
        &st,
        "outlets.html",
        context! { title => "Outlets", outlets, failing },
    )
}

/// GET /outlet/{id}.
pub(crate) async fn outlet(
    State(st): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id
        .parse()
        .map_err(|_| WebError::NotFound(format!("outlet {id}")))?;
    let o = st.store.outlet(id).await?;
    let mut recent = Vec::new();
    for e in st.store.entries_of_outlet(id).await?.into_iter().take(30) {
        let story = match st.store.story_of_entry(e.id).await? {
            Some(sid) => st
                .store
                .story(sid)
                .await?
                .filter(|s| !s.suppressed)
                .map(|s| (format!("/story/{}", s.slug), s.headline)),
            None => None,
        };
        let at = e
            .entry
            .published
            .map(|t| t.timestamp())
            .unwrap_or(e.fetched_at);
        recent.push(context! {
            title => e.entry.title,
            url => view::safe_url(e.entry.url.as_deref().unwrap_or("")),
            time => TimeView::of(view::from_unix(at)),
            story_url => story.as_ref().map(|s| s.0.clone()).unwrap_or_default(),
            story_headline => story.map(|s| s.1).unwrap_or_default(),
        });
    }
    let ov = OutletView::of(&o);
    render(
        &st,
        "outlet.html",
        context! { title => ov.name.clone(), outlet => ov, recent },
    )
}

/// Points an edition's story links at the stories' current slugs (merged stories included);
/// the edition's text stays exactly as published.
async fn resolve_links(st: &Shared, e: &mut EditionView) -> Result<(), WebError> {
    for c in &mut e.items {
        if let Some(id) = c.id {
            if let Some(row) = st.store.story(id).await? {
                c.url = format!("/story/{}", row.slug);
            }
        }
    }
    Ok(())
}

/// GET /archive.
pub(crate) async fn archive(State(st): State<Shared>) -> Result<Response, WebError> {
    let mut days: Vec<(String, Vec<EditionView>)> = Vec::new();
    for e in st.store.editions(None, None, 2000).await? {
        let mut v = EditionView::from_row(&e);
        v.items.clear();
        match days.last_mut() {
            Some((d, list)) if *d == e.date => list.push(v),
            _ => days.push((e.date.clone(), vec![v])),
        }
    }
    days.sort_by(|a, b| b.0.cmp(&a.0));
    let days: Vec<_> = days
        .into_iter()
        .map(|(date, editions)| context! { date => date.clone(), url => format!("/archive/{date}"), editions })
        .collect();
    render(&st, "archive.html", context! { title => "Archive", days })
}

/// GET /archive/{YYYY-MM-DD}.
pub(crate) async fn archive_day(
    State(st): State<Shared>,
    Path(date): Path<String>,
) -> Result<Response, WebError> {
    let valid = date.len() == 10 && chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_ok();
    if !valid {
        return Err(WebError::NotFound(format!("archive {date}")));
    }
    let mut editions: Vec<EditionView> = st
        .store
        .editions(None, Some(&date), 100)
        .await?
        .iter()
        .map(EditionView::from_row)
        .collect();
    for e in &mut editions {
        resolve_links(&st, e).await?;
    }
    if editions.is_empty() {
        return Err(WebError::NotFound(format!("editions of {date}")));
    }
    render(
        &st,
        "archive_day.html",
        context! { title => format!("Editions of {date}"), date, editions },
    )
}

/// GET /edition/{id}.
pub(crate) async fn edition(
    State(st): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let Some(e) = (match id.parse::<i64>() {
        Ok(n) => st.store.edition(n).await?,
        Err(_) => None,
    }) else {
        return Err(WebError::NotFound(format!("edition {id}")));
    };
    let mut ed = EditionView::from_row(&e);
    resolve_links(&st, &mut ed).await?;
    render(
        &st,
        "edition.html",
        context! { title => ed.title.clone(), edition => ed },
    )
}

/// Query of /search.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    pub q: String,
}

/// GET /search?q=.
pub(crate) async fn search(
    State(st): State<Shared>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let query = q.q.chars().take(200).collect::<String>();
    let hits = if query.trim().is_empty() {
        vec![]
    } else {
        st.search.search(&st.store, &query, 50).await?
    };
    render(
        &st,
        "search.html",
        context! { title => if query.is_empty() { "Search".to_string() } else { format!("Search: {query}") }, q => query, hits },
    )
}

/// GET /static/{file}: the stylesheet, cached for a year (its URL carries a version).
pub(crate) async fn static_file(
    State(st): State<Shared>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if file != "style.css" {
        return Err(WebError::NotFound(format!("static {file}")));
    }
    let css = &st.templates.css;
    let etag = HeaderValue::from_str(&format!("\"{}\"", css.version))
        .unwrap_or_else(|_| HeaderValue::from_static("\"css\""));
    let mut r = if crate::cache::matches_etag(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = css.body.clone().into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        );
        r
    };
    r.headers_mut().insert(header::ETAG, etag);
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(r)
}

/// The site icon: a small embedded SVG (no data: URL, so the page markup stays free of them).
const FAVICON_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">\
<rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#b3261e\"/>\
<text x=\"16\" y=\"23\" font-family=\"Georgia,serif\" font-size=\"20\" text-anchor=\"middle\" fill=\"#fff\">R</text></svg>";

/// GET /favicon.svg (and /favicon.ico, which browsers ask for on their own).
pub(crate) async fn favicon() -> Response {
    let mut r = FAVICON_SVG.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

/// GET /healthz: 200 "ok" when the database answers, 503 otherwise.
pub(crate) async fn healthz(State(st): State<Shared>) -> Response {
    let mut r = match st.store.schema_version().await {
        Ok(v) => (StatusCode::OK, format!("ok schema={v}\n")).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable\n".to_string(),
            )
                .into_response()
        }
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// GET /robots.txt: everything but the admin may be crawled.
pub(crate) async fn robots() -> Response {
    let mut r = "User-agent: *\nDisallow: /admin\n".into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

/// Fallback: 404.
pub(crate) async fn not_found() -> WebError {
    WebError::NotFound("page".into())
}
