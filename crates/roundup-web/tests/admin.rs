//! Admin: login, sessions, CSRF, rate limit and the editor's actions, over real HTTP.

mod common;

use common::*;
use roundup_web::{BoxFuture, ListCount, PublishOutcome, Publisher, SubscriberStats, WebConfig};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery staple";

async fn admin_site(cfg: WebConfig) -> (Server, World) {
    admin_site_with(cfg, &cheap_hash(PASSWORD)).await
}

async fn admin_site_with(cfg: WebConfig, hash: &str) -> (Server, World) {
    let s = store().await;
    let w = world(&s).await;
    s.set_setting("admin_password_hash", hash).await.unwrap();
    (serve(s, cfg).await, w)
}

/// Logs in; returns (cookie header, csrf token of the session).
async fn login(srv: &Server) -> (String, String) {
    let form = srv.get("/admin/login").await;
    assert_eq!(form.status, 200);
    let pre = cookies_of(&form);
    let r = srv
        .post_form(
            "/admin/login",
            &[("csrf", &csrf_of(&form.body)), ("password", PASSWORD)],
            &pre,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin"));
    let session = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("roundup_session="))
        .expect("session cookie")
        .to_string();
    let cookie = session.split(';').next().unwrap().to_string();
    let dash = srv.get_with("/admin", &[("Cookie", &cookie)]).await;
    assert_eq!(dash.status, 200);
    (cookie, csrf_of(&dash.body))
}

#[tokio::test]
async fn login_sets_a_hardened_session_cookie() {
    // The real hash_password output, as `roundup admin set-password` stores it.
    let (srv, _) = admin_site_with(
        WebConfig {
            secure_cookies: true,
            ..config()
        },
        &roundup_web::hash_password(PASSWORD),
    )
    .await;
    assert_eq!(
        srv.get("/admin").await.status,
        303,
        "not logged in → login page"
    );
    let form = srv.get("/admin/login").await;
    assert_eq!(form.header("cache-control"), Some("no-store"));
    let pre = cookies_of(&form);
    let r = srv
        .post_form(
            "/admin/login",
            &[("csrf", &csrf_of(&form.body)), ("password", PASSWORD)],
            &pre,
        )
        .await;
    assert_eq!(r.status, 303);
    let c = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("roundup_session="))
        .unwrap()
        .to_string();
    for attr in [
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Max-Age=43200",
        "Path=/admin",
    ] {
        assert!(c.contains(attr), "{attr} in {c}");
    }
    let cookie = c.split(';').next().unwrap();
    let dash = srv.get_with("/admin", &[("Cookie", cookie)]).await;
    assert_eq!(dash.status, 200);
    assert!(dash.body.contains("Ridge Post"));
    assert!(
        dash.body
            .contains("server answered 503 Service Unavailable"),
        "fetch errors on the admin"
    );
    assert_eq!(dash.header("cache-control"), Some("no-store"));
    // A tampered cookie is rejected.
    let mut forged = cookie.to_string();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        srv.get_with("/admin", &[("Cookie", &forged)]).await.status,
        303
    );
    // A cookie signed with another secret is rejected.
    let (other, _) = admin_site(WebConfig {
        secret: "another-secret".into(),
        ..config()
    })
    .await;
    assert_eq!(
        other.get_with("/admin", &[("Cookie", cookie)]).await.status,
        303
    );
}

#[tokio::test]
async fn login_rejects_missing_csrf_and_wrong_password() {
    let (srv, _) = admin_site(config()).await;
    let form = srv.get("/admin/login").await;
    let pre = cookies_of(&form);
    let r = srv
        .post_form("/admin/login", &[("password", PASSWORD)], &pre)
        .await;
    assert_eq!(r.status, 403, "no CSRF token");
    let r = srv
        .post_form(
            "/admin/login",
            &[("csrf", &csrf_of(&form.body)), ("password", PASSWORD)],
            "",
        )
        .await;
    assert_eq!(r.status, 403, "token without its cookie");
    let r = srv
        .post_form(
            "/admin/login",
            &[("csrf", &csrf_of(&form.body)), ("password", "wrong")],
            &pre,
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Wrong password."));
    assert!(r
        .headers_named("set-cookie")
        .iter()
        .all(|c| !c.starts_with("roundup_session=")));
}

#[tokio::test]
async fn login_is_rate_limited_per_ip() {
    let (srv, _) = admin_site(config()).await;
    let form = srv.get("/admin/login").await;
    let pre = cookies_of(&form);
    let token = csrf_of(&form.body);
    for i in 0..5 {
        let r = srv
            .post_form(
                "/admin/login",
                &[("csrf", &token), ("password", "guess")],
                &pre,
            )
            .await;
        assert_eq!(r.status, 401, "attempt {i}");
    }
    let r = srv
        .post_form(
            "/admin/login",
            &[("csrf", &token), ("password", PASSWORD)],
            &pre,
        )
        .await;
    assert_eq!(r.status, 429, "even the right password waits");
    assert_eq!(r.header("retry-after"), Some("60"));
}

#[tokio::test]
async fn no_password_configured_refuses_login() {
    let srv = serve(store().await, config()).await;
    let form = srv.get("/admin/login").await;
    let r = srv
        .post_form(
            "/admin/login",
            &[("csrf", &csrf_of(&form.body)), ("password", "")],
            &cookies_of(&form),
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("No admin password is set"));
}

#[tokio::test]
async fn actions_need_session_and_csrf() {
    let (srv, w) = admin_site(config()).await;
    let (cookie, csrf) = login(&srv).await;
    let path = format!("/admin/story/{}/flags", w.budget);
    assert_eq!(
        srv.post_form(&path, &[("csrf", &csrf), ("pinned", "1")], "")
            .await
            .status,
        403,
        "no session"
    );
    assert_eq!(
        srv.post_form(&path, &[("pinned", "1")], &cookie)
            .await
            .status,
        403,
        "no token"
    );
    assert_eq!(
        srv.post_form(&path, &[("csrf", "00ff"), ("pinned", "1")], &cookie)
            .await
            .status,
        403,
        "wrong token"
    );
    assert!(
        !srv.store.story(w.budget).await.unwrap().unwrap().pinned,
        "nothing changed"
    );
    let r = srv
        .post_form(&path, &[("csrf", &csrf), ("pinned", "1")], &cookie)
        .await;
    assert_eq!(r.status, 303);
    assert!(srv.store.story(w.budget).await.unwrap().unwrap().pinned);
    // Another session's token does not work with this session.
    let (cookie2, csrf2) = login(&srv).await;
    assert_ne!(csrf, csrf2);
    assert_eq!(
        srv.post_form(&path, &[("csrf", &csrf2), ("pinned", "0")], &cookie)
            .await
            .status,
        403
    );
    assert_eq!(
        srv.post_form(&path, &[("csrf", &csrf2), ("pinned", "0")], &cookie2)
            .await
            .status,
        303
    );
    // Logout ends the session for real.
    assert_eq!(
        srv.post_form("/admin/logout", &[("csrf", &csrf)], &cookie)
            .await
            .status,
        303
    );
    assert_eq!(
        srv.get_with("/admin", &[("Cookie", &cookie)]).await.status,
        303
    );
    assert_eq!(
        srv.post_form(&path, &[("csrf", &csrf), ("pinned", "1")], &cookie)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn editor_actions_change_the_site() {
    let (srv, w) = admin_site(config()).await;
    let (cookie, csrf) = login(&srv).await;
    // Warm the cache, then act: the action must invalidate it.
    assert!(srv
        .get("/section/science")
        .await
        .body
        .contains("Storm closes coastal roads"));
    let r = srv
        .post_form(
            &format!("/admin/story/{}/rename", w.storm),
            &[("csrf", &csrf), ("headline", "Roads reopen after storm")],
            &cookie,
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/admin?ok=story-renamed"));
    assert!(srv
        .get("/section/science")
        .await
        .body
        .contains("Roads reopen after storm"));
    let dash = srv
        .get_with("/admin?ok=story-renamed", &[("Cookie", &cookie)])
        .await;
    assert!(dash.body.contains("Headline saved."));
    assert!(dash.body.contains("Automatic: Storm closes coastal roads"));

    srv.post_form(
        &format!("/admin/story/{}/flags", w.storm),
        &[("csrf", &csrf), ("suppressed", "1")],
        &cookie,
    )
    .await;
    assert!(srv.store.story(w.storm).await.unwrap().unwrap().suppressed);
    assert!(!srv
        .get("/section/science")
        .await
        .body
        .contains("Roads reopen"));

    let r = srv
        .post_form(
            "/admin/outlets",
            &[
                ("csrf", &csrf),
                ("feed_url", "https://new.example/feed.xml"),
                ("lean", "center-right"),
                ("region", "uk"),
            ],
            &cookie,
        )
        .await;
    assert_eq!(r.status, 303);
    let o = srv
        .store
        .list_outlets()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.feed_url == "https://new.example/feed.xml")
        .unwrap();
    assert_eq!(o.name, "new.example");
    assert_eq!(o.lean, Some(roundup_model::Lean::CenterRight));
    let r = srv
        .post_form(
            "/admin/outlets",
            &[("csrf", &csrf), ("feed_url", "javascript:alert(1)")],
            &cookie,
        )
        .await;
    assert!(r.body.contains("must be an http"));
    let r = srv
        .post_form(
            "/admin/outlets",
            &[
                ("csrf", &csrf),
                ("feed_url", "https://x.example/f"),
                ("lean", "sideways"),
            ],
            &cookie,
        )
        .await;
    assert!(r.body.contains("unknown lean"));

    srv.post_form(
        &format!("/admin/outlet/{}/pause", o.id),
        &[("csrf", &csrf), ("paused", "1")],
        &cookie,
    )
    .await;
    assert!(srv.store.outlet(o.id).await.unwrap().paused);
    srv.post_form(
        &format!("/admin/outlet/{}/pause", o.id),
        &[("csrf", &csrf), ("paused", "0")],
        &cookie,
    )
    .await;
    assert!(!srv.store.outlet(o.id).await.unwrap().paused);
    srv.post_form(
        &format!("/admin/outlet/{}/tags", o.id),
        &[("csrf", &csrf), ("lean", "left"), ("region", "ie")],
        &cookie,
    )
    .await;
    let o = srv.store.outlet(o.id).await.unwrap();
    assert_eq!(
        (o.lean, o.region.as_deref()),
        (Some(roundup_model::Lean::Left), Some("ie"))
    );
    assert_eq!(
        srv.post_form(
            "/admin/outlet/99999/pause",
            &[("csrf", &csrf), ("paused", "1")],
            &cookie
        )
        .await
        .status,
        404
    );

    // Publishing without a hook says so.
    let r = srv
        .post_form(
            "/admin/publish",
            &[("csrf", &csrf), ("kind", "front-page")],
            &cookie,
        )
        .await;
    assert_eq!(r.status, 502);
    assert!(r.body.contains("not configured"));
    // No subscriber hook: no subscriber section.
    assert!(!srv
        .get_with("/admin", &[("Cookie", &cookie)])
        .await
        .body
        .contains("Subscribers"));
}

struct FakePublisher(roundup_store::Store);
impl Publisher for FakePublisher {
    fn publish(&self, kind: &str) -> BoxFuture<'_, Result<PublishOutcome, String>> {
        let kind = kind.to_string();
        Box::pin(async move {
            let id = self
                .0
                .publish_edition(
                    &kind,
                    "2026-12-01",
                    "Published from admin",
                    &serde_json::json!({"stories": []}),
                )
                .await
                .map_err(|e| e.to_string())?;
            Ok(PublishOutcome {
                edition_id: id,
                message: format!("{kind} with 0 stories"),
            })
        })
    }
}

struct FakeCounts;
impl SubscriberStats for FakeCounts {
    fn counts(&self) -> BoxFuture<'_, Result<Vec<ListCount>, String>> {
        Box::pin(async {
            Ok(vec![ListCount {
                list: "daily".into(),
                confirmed: 42,
                pending: 3,
                unsubscribed: 7,
            }])
        })
    }
}

#[tokio::test]
async fn publish_and_subscriber_hooks() {
    let s = store().await;
    world(&s).await;
    s.set_setting("admin_password_hash", &cheap_hash(PASSWORD))
        .await
        .unwrap();
    let cfg = WebConfig {
        publisher: Arc::new(FakePublisher(s.clone())),
        subscribers: Some(Arc::new(FakeCounts)),
        ..config()
    };
    let srv = serve(s, cfg).await;
    let (cookie, csrf) = login(&srv).await;
    assert!(!srv
        .get("/archive")
        .await
        .body
        .contains("Published from admin"));
    let r = srv
        .post_form(
            "/admin/publish",
            &[("csrf", &csrf), ("kind", "briefing")],
            &cookie,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("briefing with 0 stories"));
    assert!(
        srv.get("/archive")
            .await
            .body
            .contains("Published from admin"),
        "cache dropped after publishing"
    );
    let dash = srv.get_with("/admin", &[("Cookie", &cookie)]).await;
    assert!(dash.body.contains("Subscribers"));
    assert!(dash.body.contains("<td>42</td>"));
}

#[tokio::test]
async fn behind_a_proxy_the_limit_is_per_forwarded_address() {
    let (srv, _) = admin_site(WebConfig {
        client_ip_header: Some("x-forwarded-for".into()),
        ..config()
    })
    .await;
    let form = srv.get("/admin/login").await;
    let pre = cookies_of(&form);
    let body = format!("csrf={}&password=guess", csrf_of(&form.body));
    let attempt = |ip: &'static str| {
        let h = vec![
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", pre.as_str()),
            ("X-Forwarded-For", ip),
        ];
        let body = body.clone();
        let srv = &srv;
        async move { srv.request("POST", "/admin/login", &h, &body).await.status }
    };
    for _ in 0..5 {
        assert_eq!(attempt("198.51.100.7, 10.0.0.1").await, 401);
    }
    // A client-supplied first entry cannot dodge the limit: the proxy-added last one counts.
    assert_eq!(attempt("203.0.113.9, 10.0.0.1").await, 429);
    assert_eq!(attempt("10.0.0.2").await, 401, "another client");
}
