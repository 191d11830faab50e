//! The site's sign-up form and email links wired to the real double opt-in service: a real
//! SQLite store, a real SMTP server on loopback (the mail crate's sink), and real HTTP.

use roundup_mail::newsletter::sink::Sink;
use roundup_mail::newsletter::smtp::Security;
use roundup_mail::newsletter::{optin::Optin, NewsletterConfig};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
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
