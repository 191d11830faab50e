//! The preferences page behind the newsletter's footer link, and the client address handed
//! to the sign-up hook, through real HTTP with recording hooks.

mod common;

use common::*;
use roundup_web::{
    BoxFuture, LinkError, ListChoice, Preferences, SignupError, SignupHandler, SubscriptionLinks,
    WebConfig,
};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

const CATALOG: &[(&str, &str, &str, &str)] = &[
    (
        "daily",
        "Daily <b>news</b>",
        "Every morning <script>alert(1)</script>",
        "Next issue Wed 2 Dec, 07:00 UTC",
    ),
    ("weekly", "Weekly", "", ""),
];

/// One reader behind the token "good"; "boom" fails inside; anything else is a bad link.
struct Links {
    lists: Mutex<Vec<String>>,
    changes: Mutex<Vec<Vec<String>>>,
}

impl Links {
    fn prefs(&self) -> Preferences {
        let have = self.lists.lock().unwrap().clone();
        Preferences {
            email: "reader+\"<x>@example.org".into(),
            lists: CATALOG
                .iter()
                .map(|(id, name, description, schedule)| ListChoice {
                    id: id.to_string(),
                    name: name.to_string(),
                    description: description.to_string(),
                    schedule: schedule.to_string(),
                    subscribed: have.iter().any(|h| h == id),
                })
                .collect(),
            suppressed: false,
        }
    }
    fn check(&self, token: &str) -> Result<(), LinkError> {
        match token {
            "good" => Ok(()),
            "boom" => Err(LinkError::Failed(
                "Something went wrong on our side.".into(),
            )),
            _ => Err(LinkError::BadLink(
                "This link is not valid any more.".into(),
            )),
        }
    }
}

impl SubscriptionLinks for Links {
    fn confirm(&self, _token: &str) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async { Err("no".to_string()) })
    }
    fn unsubscribe(&self, _token: &str) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async { Err("no".to_string()) })
    }
    fn preferences(&self, token: &str) -> BoxFuture<'_, Result<Preferences, LinkError>> {
        let r = self.check(token).map(|()| self.prefs());
        Box::pin(async move { r })
    }
    fn change_lists<'a>(
        &'a self,
        token: &'a str,
        lists: &'a [String],
    ) -> BoxFuture<'a, Result<Preferences, LinkError>> {
        Box::pin(async move {
            self.check(token)?;
            self.changes.lock().unwrap().push(lists.to_vec());
            if lists
                .iter()
                .any(|l| !CATALOG.iter().any(|(id, ..)| id == l))
            {
                return Err(LinkError::Invalid(
                    "Please choose one of the newsletters offered.".into(),
                ));
            }
            *self.lists.lock().unwrap() = lists.to_vec();
            Ok(self.prefs())
        })
    }
}

async fn prefs_site() -> (Server, Arc<Links>) {
    let links = Arc::new(Links {
        lists: Mutex::new(vec!["daily".into()]),
        changes: Mutex::new(vec![]),
    });
    let cfg = WebConfig {
        subscription_links: Some(links.clone()),
        ..config()
    };
    (serve(store().await, cfg).await, links)
}

fn checked(body: &str, list: &str) -> bool {
    let needle = format!("name=\"list\" value=\"{list}\"");
    let i = body
        .find(&needle)
        .unwrap_or_else(|| panic!("a checkbox for {list}"));
    body[i..i + body[i..].find('>').unwrap()].contains("checked")
}

#[tokio::test]
async fn the_page_shows_the_lists_escaped_and_changes_nothing() {
    let (srv, links) = prefs_site().await;
    let r = srv.get("/preferences?token=good").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Newsletter preferences"));
    assert!(checked(&r.body, "daily"), "current list checked");
    assert!(!checked(&r.body, "weekly"), "other list unchecked");
    assert!(r.body.contains("Daily &lt;b&gt;news&lt;/b&gt;"));
    assert!(r
        .body
        .contains("Every morning &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!r.body.contains("<script>alert"), "no markup from data");
    assert!(r.body.contains("Next issue Wed 2 Dec, 07:00 UTC"));
    // The address is partly hidden (and escaped).
    assert!(
        r.body.contains("r••••••&gt;@example.org"),
        "{}",
        &r.body[r.body.find("sent to").unwrap_or(0)..][..120]
    );
    assert!(!r.body.contains("reader+"));
    assert!(r
        .body
        .contains("<input type=\"hidden\" name=\"token\" value=\"good\">"));
    assert!(r.body.contains("name=\"action\" value=\"save\""));
    assert!(r.body.contains("name=\"action\" value=\"unsubscribe\""));
    assert!(r.body.contains(
        "<form class=\"signup page preferences\" action=\"/preferences\" method=\"post\">"
    ));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert!(r.header("content-security-policy").is_some());
    // Reading twice is still reading.
    srv.get("/preferences?token=good").await;
    assert!(links.changes.lock().unwrap().is_empty(), "GET never writes");
    assert_eq!(*links.lists.lock().unwrap(), vec!["daily".to_string()]);
    // Other pages keep the usual referrer policy.
    assert_eq!(
        srv.get("/subscribe").await.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
}

#[tokio::test]
async fn bad_links_get_a_clear_error_page() {
    let (srv, links) = prefs_site().await;
    for path in [
        "/preferences",
        "/preferences?token=",
        "/preferences?token=forged",
        "/preferences?token=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    ] {
        let r = srv.get(path).await;
        assert_eq!(r.status, 400, "{path}");
        assert!(r.body.contains("This link does not work"), "{path}");
        assert!(!r.body.contains("<script>alert"), "{path}");
        assert!(!r.body.contains("type=\"checkbox\""), "{path}: no form");
    }
    let r = srv
        .post_form(
            "/preferences",
            &[("token", "forged"), ("list", "weekly")],
            "",
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("This link does not work"));
    let r = srv
        .post_form("/preferences", &[("list", "weekly")], "")
        .await;
    assert_eq!(r.status, 400, "no token");
    let r = srv.get("/preferences?token=boom").await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("Something went wrong"));
    assert_eq!(*links.lists.lock().unwrap(), vec!["daily".to_string()]);
    // Without the hook the page does not exist.
    let plain = serve(store().await, config()).await;
    assert_eq!(plain.get("/preferences?token=good").await.status, 404);
}

#[tokio::test]
async fn saving_and_unsubscribing_from_all() {
    let (srv, links) = prefs_site().await;
    let r = srv
        .post_form(
            "/preferences",
            &[
                ("token", "good"),
                ("list", "weekly"),
                ("list", "daily"),
                ("list", "weekly"),
                ("action", "save"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .body
        .contains("Saved. You will receive: Daily &lt;b&gt;news&lt;/b&gt;, Weekly."));
    assert!(checked(&r.body, "daily") && checked(&r.body, "weekly"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(
        links.changes.lock().unwrap().last().unwrap(),
        &vec!["weekly".to_string(), "daily".to_string()],
        "checked lists, de-duplicated"
    );
    // Unchecking one.
    let r = srv
        .post_form(
            "/preferences",
            &[("token", "good"), ("list", "weekly"), ("action", "save")],
            "",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(*links.lists.lock().unwrap(), vec!["weekly".to_string()]);
    assert!(!checked(&r.body, "daily"));
    // An unknown list: the form again with the message, nothing changed.
    let r = srv
        .post_form(
            "/preferences",
            &[("token", "good"), ("list", "nope"), ("action", "save")],
            "",
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r
        .body
        .contains("Please choose one of the newsletters offered."));
    assert!(checked(&r.body, "weekly"));
    assert_eq!(*links.lists.lock().unwrap(), vec!["weekly".to_string()]);
    // "Unsubscribe from all" ignores the boxes.
    let r = srv
        .post_form(
            "/preferences",
            &[
                ("token", "good"),
                ("list", "daily"),
                ("action", "unsubscribe"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("You are unsubscribed from all newsletters"));
    assert!(links.lists.lock().unwrap().is_empty());
    assert!(links.changes.lock().unwrap().last().unwrap().is_empty());
    assert!(!checked(&r.body, "daily") && !checked(&r.body, "weekly"));
    assert!(
        r.body.contains("name=\"token\" value=\"good\""),
        "the reader can subscribe again from the same page"
    );
}

struct Rec(Mutex<Vec<Option<IpAddr>>>);

impl SignupHandler for Rec {
    fn signup(
        &self,
        _email: &str,
        _list: &str,
        ip: Option<IpAddr>,
    ) -> BoxFuture<'_, Result<(), SignupError>> {
        self.0.lock().unwrap().push(ip);
        Box::pin(async { Ok(()) })
    }
}

async fn signup_from(srv: &Server, forwarded: &str) -> u16 {
    let h = vec![
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("X-Forwarded-For", forwarded),
    ];
    srv.request(
        "POST",
        "/subscribe",
        &h,
        "email=ana%40example.org&list=daily",
    )
    .await
    .status
}

#[tokio::test]
async fn the_signup_hook_gets_the_peer_or_the_configured_proxy_header() {
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    // No proxy header configured: a client-sent header is ignored.
    let rec = Arc::new(Rec(Mutex::new(vec![])));
    let srv = serve(
        store().await,
        WebConfig {
            signup: rec.clone(),
            ..config()
        },
    )
    .await;
    assert_eq!(signup_from(&srv, "203.0.113.9").await, 200);
    assert_eq!(*rec.0.lock().unwrap(), vec![ip("127.0.0.1")]);

    // Configured: the proxy-added (last) entry, when it is an address; else the peer.
    let rec = Arc::new(Rec(Mutex::new(vec![])));
    let srv = serve(
        store().await,
        WebConfig {
            signup: rec.clone(),
            client_ip_header: Some("x-forwarded-for".into()),
            ..config()
        },
    )
    .await;
    for h in [
        "203.0.113.9",
        "198.51.100.1, 203.0.113.9",
        "198.51.100.1, [2001:db8::7]:4711",
        "198.51.100.1, unknown",
    ] {
        assert_eq!(signup_from(&srv, h).await, 200, "{h}");
    }
    assert_eq!(
        *rec.0.lock().unwrap(),
        vec![
            ip("203.0.113.9"),
            ip("203.0.113.9"),
            ip("2001:db8::7"),
            ip("127.0.0.1")
        ]
    );
}
