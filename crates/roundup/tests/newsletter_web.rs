//! The site's sign-up form and email links wired to the real double opt-in service: a real
//! SQLite store, a real SMTP server on loopback (the mail crate's sink), and real HTTP.

use roundup_mail::newsletter::sink::Sink;
use roundup_mail::newsletter::smtp::Security;
use roundup_mail::newsletter::{optin::Optin, NewsletterConfig};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    http_with(addr, method, path, &[], body)
}

fn http_with(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The first `/confirm?token=…` link of a captured message (quoted-printable undone).
fn confirm_link(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw)
        .replace("=\r\n", "")
        .replace("=3D", "=");
    let i = text
        .find("/confirm?token=")
        .expect("a confirmation link in the email");
    text[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/?=_-.".contains(*c))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn signup_sends_a_verification_email_whose_link_confirms_and_unsubscribe_works() {
    let dir = std::env::temp_dir().join(format!("roundup-nlweb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = roundup_store::Store::connect(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    let sink = Sink::start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut nc = NewsletterConfig {
        base_url: format!("http://{addr}"),
        secret: "a-test-secret-of-32-bytes-length".into(),
        ..Default::default()
    };
    nc.smtp.host = "127.0.0.1".into();
    nc.smtp.port = Some(sink.port());
    nc.smtp.security = Security::Plain;
    let lists: Vec<(String, String)> = nc
        .lists
        .iter()
        .map(|l| (l.id.clone(), l.name.clone()))
        .collect();
    let first_list = lists[0].0.clone();
    let optin = Optin::new(store.clone(), nc.clone()).unwrap();
    let (signup, links) = roundup::newsletter_web::hooks(optin);
    let wc = roundup_web::WebConfig {
        base_url: nc.base_url.clone(),
        secret: "web-secret-for-the-test-000000000".into(),
        signup,
        subscription_links: Some(links),
        lists,
        ..Default::default()
    };
    let site = roundup_web::Site::new(store.clone(), wc).unwrap();
    tokio::spawn(async move {
        let _ = roundup_web::serve_site(listener, &site).await;
    });

    let body = format!("email=Reader%40Example.ORG&list={first_list}");
    let (status, page) =
        tokio::task::spawn_blocking(move || http(addr, "POST", "/subscribe", &body))
            .await
            .unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Check your inbox"));
    let t = Instant::now();
    while sink.count() == 0 && t.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1, "one verification email");
    assert!(
        msgs[0].rcpt_to[0].to_lowercase() == "reader@example.org",
        "{:?}",
        msgs[0].rcpt_to
    );
    let link = confirm_link(&msgs[0].data);
    let sub = store
        .subscriber_by_email("reader@example.org")
        .await
        .unwrap()
        .expect("pending subscriber");
    assert_ne!(format!("{:?}", sub.state).to_lowercase(), "confirmed");

    let l2 = link.clone();
    let (status, page) = tokio::task::spawn_blocking(move || http(addr, "GET", &l2, ""))
        .await
        .unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Subscription confirmed"), "{page}");
    let sub = store
        .subscriber_by_email("reader@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(format!("{:?}", sub.state).to_lowercase(), "confirmed");
    // The admin's list statistics read the same rows.
    let stats = roundup::newsletter_web::StoreSubscriberStats {
        store: store.clone(),
        lists: vec![first_list.clone()],
    };
    let counts = roundup_web::SubscriberStats::counts(&stats).await.unwrap();
    assert_eq!(
        (
            counts[0].confirmed,
            counts[0].pending,
            counts[0].unsubscribed
        ),
        (1, 0, 0)
    );

    // A tampered link is refused with a page that says so; GET /unsubscribe never acts.
    let bad = format!("{link}x");
    let (status, page) = tokio::task::spawn_blocking(move || http(addr, "GET", &bad, ""))
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(page.contains("This link does not work"));
    let signer = roundup_mail::newsletter::token::Signer::new(nc.secret.as_bytes()).unwrap();
    let links = roundup_mail::newsletter::render::links(
        &nc,
        &signer,
        sub.id,
        &first_list,
        chrono::Utc::now(),
    )
    .unwrap();
    let path = format!("/unsubscribe?token={}", links.unsubscribe_token);
    let p2 = path.clone();
    let (status, page) = tokio::task::spawn_blocking(move || http(addr, "GET", &p2, ""))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\""), "{page}");
    assert_eq!(
        store.subscriptions_of(sub.id).await.unwrap(),
        vec![first_list.clone()],
        "GET does not unsubscribe"
    );
    // RFC 8058 one-click: a bare POST with the List-Unsubscribe=One-Click body.
    let (status, page) = tokio::task::spawn_blocking(move || {
        http(addr, "POST", &path, "List-Unsubscribe=One-Click")
    })
    .await
    .unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You are unsubscribed"));
    assert!(
        store.subscriptions_of(sub.id).await.unwrap().is_empty(),
        "unsubscribed from the list"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A site wired to the real opt-in service over a fresh SQLite store and a running sink.
struct Env {
    dir: std::path::PathBuf,
    store: roundup_store::Store,
    sink: Sink,
    addr: std::net::SocketAddr,
    nc: NewsletterConfig,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start(
    tag: &str,
    tune: impl FnOnce(&mut NewsletterConfig, &mut roundup_web::WebConfig),
) -> Env {
    let dir = std::env::temp_dir().join(format!("roundup-nlweb-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = roundup_store::Store::connect(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    let sink = Sink::start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut nc = NewsletterConfig {
        base_url: format!("http://{addr}"),
        secret: "a-test-secret-of-32-bytes-length".into(),
        ..Default::default()
    };
    nc.smtp.host = "127.0.0.1".into();
    nc.smtp.port = Some(sink.port());
    nc.smtp.security = Security::Plain;
    let mut wc = roundup_web::WebConfig {
        base_url: nc.base_url.clone(),
        secret: "web-secret-for-the-test-000000000".into(),
        lists: nc
            .lists
            .iter()
            .map(|l| (l.id.clone(), l.name.clone()))
            .collect(),
        ..Default::default()
    };
    tune(&mut nc, &mut wc);
    let optin = Optin::new(store.clone(), nc.clone()).unwrap();
    let (signup, links) = roundup::newsletter_web::hooks(optin);
    wc.signup = signup;
    wc.subscription_links = Some(links);
    let site = roundup_web::Site::new(store.clone(), wc).unwrap();
    tokio::spawn(async move {
        let _ = roundup_web::serve_site(listener, &site).await;
    });
    Env {
        dir,
        store,
        sink,
        addr,
        nc,
    }
}

impl Env {
    async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let (addr, method, path, body) = (
            self.addr,
            method.to_string(),
            path.to_string(),
            body.to_string(),
        );
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let h: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            http_with(addr, &method, &path, &h, &body)
        })
        .await
        .unwrap()
    }

    async fn wait_for_mails(&self, n: usize) {
        let t = Instant::now();
        while self.sink.count() < n && t.elapsed() < Duration::from_secs(15) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(self.sink.count(), n, "mails in the sink");
    }

    /// Signs up through the form and follows the confirmation link mailed for it.
    async fn subscribe_confirmed(&self, email: &str, list: &str) {
        let before = self.sink.count();
        let (status, page) = self
            .call(
                "POST",
                "/subscribe",
                &[],
                &format!("email={}&list={list}", email.replace('@', "%40")),
            )
            .await;
        assert_eq!(status, 200, "{page}");
        self.wait_for_mails(before + 1).await;
        let link = confirm_link(&self.sink.messages()[before].data);
        let (status, page) = self.call("GET", &link, &[], "").await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Subscription confirmed"), "{page}");
    }

    async fn lists_and_state(&self, id: i64) -> (Vec<String>, roundup_store::SubscriberState) {
        let sub = self.store.subscriber(id).await.unwrap().unwrap();
        (self.store.subscriptions_of(id).await.unwrap(), sub.state)
    }
}

/// The body of a response (after the header block).
fn body_of(resp: &str) -> &str {
    resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("")
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && b[i + 1..].starts_with(b"\r\n") {
            i += 3;
        } else if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("QP escape"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn base64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in s.bytes().filter(|c| A.contains(c)) {
        acc = (acc << 6) | A.iter().position(|a| *a == c).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// (Content-Type, decoded body) of each part of a multipart message.
fn mime_parts(raw: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(raw).into_owned();
    let i = text.find("boundary=").expect("a multipart message") + "boundary=".len();
    let boundary: String = text[i..]
        .trim_start_matches('"')
        .chars()
        .take_while(|c| *c != '"' && *c != '\r' && *c != ';')
        .collect();
    let delim = format!("--{boundary}");
    text.split(&delim)
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .filter_map(|p| {
            let (head, body) = p.trim_start_matches("\r\n").split_once("\r\n\r\n")?;
            let header = |name: &str| {
                head.split("\r\n")
                    .find(|l| l.to_ascii_lowercase().starts_with(name))
                    .map(|l| l[name.len()..].trim().to_ascii_lowercase())
                    .unwrap_or_default()
            };
            let decoded = match header("content-transfer-encoding:").as_str() {
                "quoted-printable" => quoted_printable(body),
                "base64" => base64(body),
                _ => body.as_bytes().to_vec(),
            };
            Some((
                header("content-type:"),
                String::from_utf8(decoded).expect("UTF-8 part"),
            ))
        })
        .collect()
}

/// The URL after `needle` in `text`, up to the first character a URL of ours does not use.
fn url_after(text: &str, needle: &str) -> String {
    let i = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in {text}"))
        + needle.len();
    text[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/:?=_-.%&;".contains(*c))
        .collect::<String>()
        .replace("&amp;", "&")
}

fn checked(page: &str, list: &str) -> bool {
    let needle = format!("name=\"list\" value=\"{list}\"");
    let i = page
        .find(&needle)
        .unwrap_or_else(|| panic!("a checkbox for {list} in {page}"));
    page[i..i + page[i..].find('>').unwrap()].contains("checked")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_preferences_link_of_a_delivered_newsletter_changes_the_lists() {
    use roundup_mail::newsletter::deliver::{prepare_issue, Sender};
    use roundup_mail::newsletter::token::{Claims, Purpose, Signer};
    use roundup_store::SubscriberState;

    let env = start("prefs", |_, _| {}).await;
    env.subscribe_confirmed("reader@example.org", "briefing")
        .await;
    env.subscribe_confirmed("reader@example.org", "ten-things")
        .await;
    let sub = env
        .store
        .subscriber_by_email("reader@example.org")
        .await
        .unwrap()
        .unwrap();
    let both = vec!["briefing".to_string(), "ten-things".to_string()];
    assert_eq!(
        env.lists_and_state(sub.id).await,
        (both.clone(), SubscriberState::Confirmed)
    );

    // A real issue of the briefing, through the send ledger and SMTP into the sink.
    env.store
        .publish_edition(
            "briefing",
            "2026-12-01",
            "Tuesday briefing",
            &serde_json::json!({"title": "Tuesday briefing", "items": [
                {"headline": "Harbor budget passes", "summary": "Seven votes to two.", "url": "https://example.org/a"}
            ]}),
        )
        .await
        .unwrap();
    let issue = prepare_issue(&env.store, &env.nc, "briefing")
        .await
        .unwrap()
        .expect("an issue of the briefing");
    let report = Sender::new(env.store.clone(), env.nc.clone())
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    env.wait_for_mails(3).await;
    let mail = env.sink.messages().pop().unwrap();
    let parts = mime_parts(&mail.data);
    let text = &parts
        .iter()
        .find(|(ct, _)| ct.starts_with("text/plain"))
        .expect("a text part")
        .1;
    let html = &parts
        .iter()
        .find(|(ct, _)| ct.starts_with("text/html"))
        .expect("an HTML part")
        .1;
    assert!(text.contains("Harbor budget passes") && html.contains("Harbor budget passes"));
    let from_text = url_after(text, "Preferences: ");
    let prefix = format!("{}/preferences?token=", env.nc.base_url);
    assert!(from_text.starts_with(&prefix), "{from_text}");
    let from_html = format!("{prefix}{}", url_after(html, &format!("href=\"{prefix}")));
    assert_eq!(
        from_text, from_html,
        "both parts carry the same preferences link"
    );
    let path = from_text[env.nc.base_url.len()..].to_string();
    let token = from_text[prefix.len()..].to_string();

    // The page shows the reader's lists and changes nothing.
    for _ in 0..2 {
        let (status, page) = env.call("GET", &path, &[], "").await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("Cache-Control: no-store") || page.contains("cache-control: no-store")
        );
        let page = body_of(&page);
        assert!(checked(page, "briefing") && checked(page, "ten-things"));
        assert!(!checked(page, "good-news"));
        for shown in [
            "Morning Briefing",
            "10 Things",
            "Weekly Good News",
            "Ten stories you need to know today",
            "Next issue",
        ] {
            assert!(page.contains(shown), "{shown}");
        }
        assert!(page.contains("r••••r@example.org") && !page.contains("reader@example.org"));
    }
    assert_eq!(
        env.lists_and_state(sub.id).await,
        (both.clone(), SubscriberState::Confirmed),
        "GET changes nothing"
    );

    // Unchecking a list removes it.
    let (status, page) = env
        .call(
            "POST",
            "/preferences",
            &[],
            &format!("token={token}&list=briefing&action=save"),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Saved. You will receive: Morning Briefing."),
        "{page}"
    );
    assert!(!checked(body_of(&page), "ten-things"));
    let only_briefing = (vec!["briefing".to_string()], SubscriberState::Confirmed);
    assert_eq!(env.lists_and_state(sub.id).await, only_briefing);

    // Bad links: altered, foreign, expired, for another purpose, for nobody. All 4xx, and
    // nothing changes.
    let mut tampered: Vec<char> = token.chars().collect();
    tampered[6] = if tampered[6] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let claims = |id: i64, purpose, days: i64| Claims {
        subscriber_id: id as u64,
        list: "briefing".into(),
        purpose,
        expires_at: chrono::Utc::now() + chrono::Duration::days(days),
    };
    let ours = Signer::new(env.nc.secret.as_bytes()).unwrap();
    let foreign = Signer::new(b"another-secret-of-enough-length!").unwrap();
    let bad_tokens = [
        tampered,
        format!("{token}x"),
        token[..token.len() - 3].to_string(),
        foreign
            .sign(&claims(sub.id, Purpose::Preferences, 30))
            .unwrap(),
        ours.sign(&claims(sub.id, Purpose::Preferences, -1))
            .unwrap(),
        ours.sign(&claims(sub.id, Purpose::Unsubscribe, 30))
            .unwrap(),
        ours.sign(&claims(sub.id, Purpose::Confirm, 30)).unwrap(),
        ours.sign(&claims(sub.id + 1000, Purpose::Preferences, 30))
            .unwrap(),
        "not-a-token".into(),
    ];
    for bad in &bad_tokens {
        let (status, page) = env
            .call("GET", &format!("/preferences?token={bad}"), &[], "")
            .await;
        assert_eq!(status, 400, "GET {bad}: {page}");
        assert!(page.contains("This link does not work"), "{page}");
        assert!(
            !page.contains("type=\"checkbox\""),
            "no form for a bad link"
        );
        for body in [
            format!("token={bad}&list=good-news&list=ten-things&action=save"),
            format!("token={bad}&action=unsubscribe"),
        ] {
            let (status, page) = env.call("POST", "/preferences", &[], &body).await;
            assert_eq!(status, 400, "POST {body}: {page}");
        }
    }
    assert_eq!(
        env.lists_and_state(sub.id).await,
        only_briefing,
        "bad links change nothing"
    );

    // "Unsubscribe from all" unsubscribes, whatever boxes are checked.
    let (status, page) = env
        .call(
            "POST",
            "/preferences",
            &[],
            &format!("token={token}&list=briefing&action=unsubscribe"),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("You are unsubscribed from all newsletters"),
        "{page}"
    );
    assert_eq!(
        env.lists_and_state(sub.id).await,
        (vec![], SubscriberState::Unsubscribed)
    );
    // The same link can bring the reader back (it was mailed to them).
    let (status, _) = env
        .call(
            "POST",
            "/preferences",
            &[],
            &format!("token={token}&list=good-news&action=save"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        env.lists_and_state(sub.id).await,
        (vec!["good-news".to_string()], SubscriberState::Confirmed)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signups_are_limited_per_client_address() {
    async fn signup(env: &Env, email: &str, forwarded: Option<&str>) -> (u16, String) {
        let h: Vec<(&str, &str)> = forwarded
            .map(|f| ("X-Forwarded-For", f))
            .into_iter()
            .collect();
        let body = format!("email={}&list=briefing", email.replace('@', "%40"));
        let (status, resp) = env.call("POST", "/subscribe", &h, &body).await;
        (status, body_of(&resp).to_string())
    }
    let limited =
        |r: &(u16, String)| r.0 == 429 && r.1.contains("Too many sign-ups from your network");
    let accepted = |r: &(u16, String)| r.0 == 200 && r.1.contains("Check your inbox");

    // No proxy header configured: every request counts for the TCP peer, whatever it claims.
    let env = start("ip-peer", |nc, _| nc.optin.per_ip_max = 2).await;
    let a = signup(&env, "a1@example.org", Some("203.0.113.1")).await;
    let b = signup(&env, "a2@example.org", Some("203.0.113.2")).await;
    let c = signup(&env, "a3@example.org", Some("203.0.113.3")).await;
    assert!(accepted(&a) && accepted(&b), "{a:?} {b:?}");
    assert_eq!(a.1, b.1, "the same answer for every address");
    assert!(limited(&c), "{c:?}");
    env.wait_for_mails(2).await;
    assert!(env
        .store
        .subscriber_by_email("a3@example.org")
        .await
        .unwrap()
        .is_none());

    // Configured: the entry the proxy added (the last) counts, one budget per client.
    let env = start("ip-proxy", |nc, wc| {
        nc.optin.per_ip_max = 2;
        wc.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;
    let cases = [
        ("b1", Some("203.0.113.1"), true),
        ("b2", Some("198.51.100.7, 203.0.113.1"), true),
        // A client-written first entry does not buy a fresh budget.
        ("b3", Some("198.51.100.8, 203.0.113.1"), false),
        ("b4", Some("203.0.113.2"), true),
        // No header: the peer address, counted on its own.
        ("b5", None, true),
        // IPv6 clients count per /64.
        ("b6", Some("2001:db8:1:2::1"), true),
        ("b7", Some("[2001:db8:1:2::ffff]:4711"), true),
        ("b8", Some("2001:db8:1:2:abcd::1"), false),
        ("b9", Some("2001:db8:1:3::1"), true),
    ];
    for (who, forwarded, ok) in cases {
        let email = format!("{who}@example.org");
        let r = signup(&env, &email, forwarded).await;
        if ok {
            assert!(
                accepted(&r),
                "{who}: {} {}",
                r.0,
                &r.1[r.1.find("<main").unwrap_or(0)..]
            );
            assert_eq!(r.1, a.1, "{who}: the usual answer");
        } else {
            assert!(
                limited(&r),
                "{who}: {} {}",
                r.0,
                &r.1[r.1.find("<main").unwrap_or(0)..]
            );
            assert!(env
                .store
                .subscriber_by_email(&email)
                .await
                .unwrap()
                .is_none());
        }
    }
    env.wait_for_mails(cases.iter().filter(|c| c.2).count())
        .await;
}
