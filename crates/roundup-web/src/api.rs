//! The JSON API under /api/v1 and its OpenAPI 3 document. Responses pass through the page
//! cache, which adds the ETag (hash of the body) and Cache-Control and answers
//! If-None-Match with 304.

use crate::error::WebError;
use crate::pages::{story_articles, OutletView};
use crate::view::{self, EditionView};
use crate::Shared;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roundup_store::{EditionRow, StoryRow};
use serde::Deserialize;
use serde_json::{json, Value};

/// An API error: the same cases as [`WebError`], as a JSON body.
pub(crate) struct ApiError(WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let msg = match &self.0 {
            e if status.is_server_error() => {
                tracing::error!(error = %e, "api request failed");
                "internal error".to_string()
            }
            e => e.to_string(),
        };
        let mut r = (
            status,
            json_body(&json!({ "error": msg, "status": status.as_u16() })),
        )
            .into_response();
        set_json(&mut r);
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

type ApiResult = Result<Response, ApiError>;

fn json_body(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

fn set_json(r: &mut Response) {
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
}

fn ok_json(v: &Value) -> Response {
    let mut r = json_body(v).into_response();
    set_json(&mut r);
    r
}

fn rfc3339(t: i64) -> String {
    view::from_unix(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn story_json(st: &Shared, s: &StoryRow, with_digest: bool) -> Value {
    let mut v = json!({
        "id": s.id,
        "slug": s.slug,
        "url": st.cfg.abs(&format!("/story/{}", s.slug)),
        "api_url": st.cfg.abs(&format!("/api/v1/story/{}", s.slug)),
        "headline": s.headline,
        "section": s.section,
        "first_seen": rfc3339(s.first_seen),
        "last_updated": rfc3339(s.last_updated),
        "article_count": s.article_count,
        "outlet_count": s.outlet_count,
        "score": if s.score.is_finite() { json!(s.score) } else { Value::Null },
        "pinned": s.pinned,
        "good_news": s.good_news,
        "summary": view::text(&s.digest, &["summary"]),
        "coverage": view::at(&s.digest, &["coverage"]).cloned().unwrap_or(Value::Null),
    });
    if with_digest {
        v["digest"] = s.digest.clone();
    }
    v
}

/// Query of /api/v1/stories.
#[derive(Debug, Deserialize)]
pub(crate) struct StoriesQuery {
    page: Option<String>,
    per_page: Option<String>,
    since: Option<String>,
}

fn num<T: std::str::FromStr>(v: &Option<String>, what: &str) -> Result<Option<T>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            ApiError(WebError::BadRequest(format!(
                "{what} must be a number, got {s:?}"
            )))
        }),
    }
}

/// Most stories one listing can page through.
const MAX_WINDOW: i64 = 10_000;

/// GET /api/v1/stories?page&per_page&since: stories updated since `since` (unix seconds,
/// default the last 7 days), pinned first then best score; `next` and a `Link: rel="next"`
/// header point at the following page.
pub(crate) async fn stories(State(st): State<Shared>, Query(q): Query<StoriesQuery>) -> ApiResult {
    let page: i64 = num(&q.page, "page")?.unwrap_or(1);
    let per_page: i64 = num(&q.per_page, "per_page")?.unwrap_or(20);
    if page < 1 || !(1..=100).contains(&per_page) {
        return Err(
            WebError::BadRequest("page must be >= 1 and per_page within 1..=100".into()).into(),
        );
    }
    let now = roundup_store::now_secs();
    let since: i64 = num(&q.since, "since")?.unwrap_or(now - crate::pages::SECTION_WINDOW_SECS);
    let offset = (page - 1).saturating_mul(per_page);
    if offset >= MAX_WINDOW {
        return Err(WebError::BadRequest(format!(
            "page too deep: at most {MAX_WINDOW} stories can be listed"
        ))
        .into());
    }
    let rows = st
        .store
        .stories_since(since, false, offset + per_page + 1)
        .await?;
    let has_next = rows.len() as i64 > offset + per_page;
    let items: Vec<Value> = rows
        .iter()
        .skip(offset as usize)
        .take(per_page as usize)
        .map(|s| story_json(&st, s, false))
        .collect();
    let link = |p: i64| {
        st.cfg.abs(&format!(
            "/api/v1/stories?page={p}&per_page={per_page}{}",
            q.since
                .as_ref()
                .map(|_| format!("&since={since}"))
                .unwrap_or_default()
        ))
    };
    let next = has_next.then(|| link(page + 1));
    let prev = (page > 1).then(|| link(page - 1));
    let mut r = ok_json(&json!({
        "page": page,
        "per_page": per_page,
        "count": items.len(),
        "next": next,
        "prev": prev,
        "stories": items,
    }));
    let mut links = Vec::new();
    if let Some(n) = &next {
        links.push(format!("<{n}>; rel=\"next\""));
    }
    if let Some(p) = &prev {
        links.push(format!("<{p}>; rel=\"prev\""));
    }
    if !links.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
            r.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(r)
}

/// GET /api/v1/story/{id or slug}: the story with its digest and articles. An old id or slug
/// of a merged story redirects (301) to the current slug.
pub(crate) async fn story(State(st): State<Shared>, Path(key): Path<String>) -> ApiResult {
    let row = match key.parse::<i64>() {
        Ok(id) => st.store.story(id).await?,
        Err(_) => st.store.story_by_slug(&key).await?,
    };
    let Some(s) = row.filter(|s| !s.suppressed) else {
        return Err(WebError::NotFound(format!("story {key}")).into());
    };
    if s.slug != key {
        return Ok(crate::pages::moved(&format!("/api/v1/story/{}", s.slug)));
    }
    let articles: Vec<Value> = story_articles(&st, &s)
        .await?
        .into_iter()
        .map(|a| {
            json!({
                "outlet": a.outlet,
                "lean": if a.lean.is_empty() { Value::Null } else { json!(a.lean) },
                "title": a.title,
                "url": if a.url.is_empty() { Value::Null } else { json!(a.url) },
                "authors": a.authors,
                "published": a.time.map(|t| t.iso),
            })
        })
        .collect();
    let mut v = story_json(&st, &s, true);
    v["articles"] = json!(articles);
    Ok(ok_json(&v))
}

fn edition_json(st: &Shared, e: &EditionRow, with_snapshot: bool) -> Value {
    let mut v = json!({
        "id": e.id,
        "kind": e.kind,
        "date": e.date,
        "title": e.title,
        "published_at": rfc3339(e.published_at),
        "url": st.cfg.abs(&format!("/edition/{}", e.id)),
        "api_url": st.cfg.abs(&format!("/api/v1/edition/{}", e.id)),
        "stories": EditionView::from_row(e).items.len(),
    });
    if with_snapshot {
        v["snapshot"] = e.snapshot.clone();
    }
    v
}

/// Query of /api/v1/editions.
#[derive(Debug, Deserialize)]
pub(crate) struct EditionsQuery {
    kind: Option<String>,
    date: Option<String>,
    limit: Option<String>,
}

/// GET /api/v1/editions?kind&date&limit.
pub(crate) async fn editions(
    State(st): State<Shared>,
    Query(q): Query<EditionsQuery>,
) -> ApiResult {
    let limit: i64 = num(&q.limit, "limit")?.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(WebError::BadRequest("limit must be within 1..=500".into()).into());
    }
    let kind = q.kind.as_deref().filter(|s| !s.is_empty());
    let date = q.date.as_deref().filter(|s| !s.is_empty());
    let eds = st.store.editions(kind, date, limit).await?;
    let items: Vec<Value> = eds.iter().map(|e| edition_json(&st, e, false)).collect();
    Ok(ok_json(&json!({ "count": items.len(), "editions": items })))
}

/// GET /api/v1/edition/{id}: the edition with its snapshot exactly as published.
pub(crate) async fn edition(State(st): State<Shared>, Path(id): Path<String>) -> ApiResult {
    let e = match id.parse::<i64>() {
        Ok(n) => st.store.edition(n).await?,
        Err(_) => None,
    };
    let Some(e) = e else {
        return Err(WebError::NotFound(format!("edition {id}")).into());
    };
    Ok(ok_json(&edition_json(&st, &e, true)))
}

/// GET /api/v1/outlets: every outlet with its fetch health.
pub(crate) async fn outlets(State(st): State<Shared>) -> ApiResult {
    let items: Vec<Value> = st
        .store
        .list_outlets()
        .await?
        .iter()
        .map(|o| {
            let v = OutletView::of(o);
            json!({
                "id": o.id,
                "name": o.name,
                "homepage": o.homepage,
                "feed_url": o.feed_url,
                "lean": o.lean,
                "region": o.region,
                "language": o.language,
                "paused": o.paused,
                "url": st.cfg.abs(&v.url),
                "health": {
                    "ok": v.healthy,
                    "last_status": o.state.last_status,
                    "last_attempt": o.state.last_attempt.map(rfc3339),
                    "last_success": o.state.last_success.map(rfc3339),
                    "consecutive_failures": o.state.consecutive_failures,
                    "last_error": o.state.last_error,
                    "entries_total": o.state.entries_total,
                },
            })
        })
        .collect();
    Ok(ok_json(&json!({ "count": items.len(), "outlets": items })))
}

/// GET /api/v1/search?q=.
pub(crate) async fn search(
    State(st): State<Shared>,
    Query(q): Query<crate::pages::SearchQuery>,
) -> ApiResult {
    let query: String = q.q.chars().take(200).collect();
    if query.trim().is_empty() {
        return Err(WebError::BadRequest("q is required".into()).into());
    }
    let hits = st.search.search(&st.store, &query, 50).await?;
    let items: Vec<Value> = hits
        .iter()
        .map(|h| {
            json!({
                "kind": h.kind,
                "title": h.title,
                "snippet": h.snippet,
                "url": if h.url.starts_with('/') { st.cfg.abs(&h.url) } else { h.url.clone() },
                "outlet": if h.outlet.is_empty() { Value::Null } else { json!(h.outlet) },
                "time": h.time.iso,
            })
        })
        .collect();
    Ok(ok_json(
        &json!({ "q": query, "count": items.len(), "results": items }),
    ))
}

/// GET /api/openapi.json.
pub(crate) async fn openapi(State(st): State<Shared>) -> Response {
    let mut doc: Value = serde_json::from_str(include_str!("openapi.json")).unwrap_or(Value::Null);
    doc["servers"] = json!([{ "url": st.cfg.base() }]);
    doc["info"]["title"] = json!(format!("{} API", st.cfg.site_title));
    let mut r = ok_json(&doc);
    *r.status_mut() = StatusCode::OK;
    r
}
