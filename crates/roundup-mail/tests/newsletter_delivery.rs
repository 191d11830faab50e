//! Delivery against a real SMTP server on loopback (the crate's sink): rendering and headers
//! parsed back, ledger outcomes, 421/451/550 replies, a relay that is down, AUTH, DKIM.

mod newsletter_support;

use mail_parser::{MessageParser, MimeHeaders};
use newsletter_support::{pg_db, sqlite_db, TestDb};
use roundup_mail::newsletter::deliver::{prepare_issue, Sender};
use roundup_mail::newsletter::sink::{Sink, SinkOptions};
use roundup_mail::newsletter::token::{Purpose, Signer};
use roundup_mail::newsletter::NewsletterConfig;
use roundup_store::*;

const SECRET: &str = "0123456789abcdef-newsletter-test";

fn config(port: u16) -> NewsletterConfig {
    let mut c = NewsletterConfig {
        base_url: "https://news.example.org/".into(),
        from: "Roundup News <news@example.org>".into(),
        reply_to: Some("editor@example.org".into()),
        unsubscribe_mailto: "unsubscribe@example.org".into(),
        secret: SECRET.into(),
        ..Default::default()
    };
    c.smtp.host = "127.0.0.1".into();
    c.smtp.port = Some(port);
    c.smtp.pool_size = 4;
    c.smtp.timeout_secs = 5;
    c.delivery.rate_per_sec = 0.0;
    c.delivery.concurrency = 4;
    c.delivery.retry_base_secs = 1;
    c.delivery.retry_max_secs = 1;
    c.delivery.lease_secs = 10;
    c.delivery.max_attempts = 3;
    c.delivery.max_connection_failures = 3;
    c
}

fn snapshot() -> serde_json::Value {
    serde_json::json!({
        "kind": "morning-briefing",
        "title": "Morning briefing — 2026-03-02",
        "generated_at": "2026-03-02T06:00:00Z",
        "items": [
            {"position": 1, "story_id": "s1", "headline": "Council <script>alert(1)</script> & budget",
             "summary": "The council \"approved\" the budget.", "url": "https://a.example/budget",
             "section": "politics", "outlets": 4, "score": 3.0, "digest": null},
            {"position": 2, "story_id": "s2", "headline": "Storm reaches coast",
             "summary": "Winds of 120 km/h.", "url": "javascript:alert(2)",
             "section": "world", "outlets": 1, "score": 2.0, "digest": null}
        ]
    })
}

async fn seed(s: &Store, emails: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for e in emails {
        let (row, _) = s
            .insert_subscriber(e, SubscriberState::Confirmed, None, 1)
            .await
            .unwrap();
        s.add_subscriptions(row.id, &["briefing"], 1).await.unwrap();
        ids.push(row.id);
    }
    s.publish_edition(
        "briefing",
        "2026-03-02",
        "Morning briefing — 2026-03-02",
        &snapshot(),
    )
    .await
    .unwrap();
    ids
}

fn header<'a>(m: &'a mail_parser::Message<'a>, name: &str) -> String {
    m.header_raw(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .trim()
        .to_string()
}

async fn delivers_and_renders(db: TestDb) {
    let s = db.store.clone();
    let sink = Sink::start().await.unwrap();
    let emails = ["ana@example.org", "bo@example.net", "cy@example.com"];
    let ids = seed(&s, &emails).await;
    let cfg = config(sink.port());
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    let sender = Sender::new(s.clone(), cfg.clone()).unwrap();
    let rep = sender.send_issue(&issue).await.unwrap();
    assert_eq!((rep.sent, rep.failed, rep.remaining), (3, 0, 0));
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 3);
    let signer = Signer::new(SECRET).unwrap();
    let edition_id = issue.edition_id;
    for cap in &msgs {
        assert_eq!(cap.mail_from, "news@example.org");
        let to = &cap.rcpt_to[0];
        let pos = emails
            .iter()
            .position(|e| e == to)
            .expect("known recipient");
        let sub_id = ids[pos];
        let m = MessageParser::default().parse(&cap.data).expect("parses");
        assert_eq!(
            m.message_id().unwrap(),
            format!("issue-{}.sub-{sub_id}@example.org", issue.id)
        );
        assert_eq!(m.subject().unwrap(), "Morning briefing — 2026-03-02");
        assert!(m.date().is_some());
        assert!(header(&m, "Reply-To").contains("editor@example.org"));
        assert_eq!(
            header(&m, "List-Id"),
            "\"Morning Briefing\" <briefing.example.org>"
        );
        assert_eq!(
            header(&m, "List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        let lu = header(&m, "List-Unsubscribe").replace(['\r', '\n'], "");
        let https = lu
            .split(',')
            .map(|p| p.trim().trim_matches(['<', '>']))
            .find(|p| p.starts_with("https://"))
            .expect("https unsubscribe")
            .to_string();
        assert!(lu.contains("<mailto:unsubscribe@example.org?subject=unsubscribe%20"));
        assert!(https.starts_with("https://news.example.org/unsubscribe?token="));
        let token = https.split("token=").nth(1).unwrap();
        let claims = signer
            .verify(token, Purpose::Unsubscribe, chrono::Utc::now())
            .unwrap();
        assert_eq!(claims.subscriber_id, sub_id as u64);
        assert_eq!(claims.list, "briefing");

        let ct = m.content_type().unwrap();
        assert_eq!(
            (ct.ctype(), ct.subtype()),
            ("multipart", Some("alternative"))
        );
        let text = m.body_text(0).unwrap();
        let html = m.body_html(0).unwrap();
        assert!(!html.contains("<script>"), "headline is escaped");
        assert!(html.contains("Council &lt;script&gt;alert(1)&lt;/script&gt; &amp; budget"));
        assert!(html.contains("&quot;approved&quot;"));
        assert!(!html.contains("javascript:"), "non-web links are dropped");
        assert!(html.contains(r#"href="https://a.example/budget""#));
        assert!(html.contains(r#"<meta name="color-scheme" content="light dark">"#));
        assert!(html.contains("prefers-color-scheme: dark"));
        assert!(html.contains(&format!(
            r#"href="https://news.example.org/edition/{edition_id}""#
        )));
        assert!(html.contains("display:none"), "preheader");
        assert!(html.contains("<table role=\"presentation\""));
        assert!(html.contains(&https.replace('&', "&amp;")), "footer link");
        // The text part is real text, not HTML.
        assert!(!text.contains("<table"));
        assert!(text.contains("1. Council <script>alert(1)</script> & budget"));
        assert!(text.contains(&format!(
            "View in browser: https://news.example.org/edition/{edition_id}"
        )));
        assert!(text.contains(&format!("Unsubscribe: {https}")));
    }
    let c = s.ledger_counts(issue.id).await.unwrap();
    assert_eq!((c.sent, c.open()), (3, 0));
    // Idempotent: the same issue again sends nothing.
    let again = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    assert_eq!(again.id, issue.id);
    let rep = sender.send_issue(&again).await.unwrap();
    assert_eq!(rep.sent, 0);
    assert_eq!(sink.count(), 3);
    db.finish().await;
}

#[tokio::test]
async fn delivers_and_renders_sqlite() {
    delivers_and_renders(sqlite_db().await).await;
}

#[tokio::test]
async fn delivers_and_renders_postgres() {
    delivers_and_renders(pg_db().await).await;
}

#[tokio::test]
async fn smtp_error_replies_421_451_550() {
    let db = sqlite_db().await;
    let s = db.store.clone();
    let sink = Sink::start().await.unwrap();
    sink.set_faults(|f| {
        f.greeting = Some((1, "421 4.3.2 too busy, come back later".into()));
        f.rcpt
            .insert("gone@example.org".into(), "550 5.1.1 no such user".into());
        f.data.insert(
            "later@example.org".into(),
            (1, "451 4.3.0 temporary failure".into()),
        );
        f.rcpt.insert(
            "content@example.org".into(),
            "554 5.7.1 message refused".into(),
        );
    });
    seed(
        &s,
        &[
            "ok@example.org",
            "gone@example.org",
            "later@example.org",
            "content@example.org",
        ],
    )
    .await;
    let mut cfg = config(sink.port());
    cfg.delivery.concurrency = 1;
    cfg.smtp.pool_size = 1;
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    let rep = Sender::new(s.clone(), cfg)
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap();
    assert_eq!(rep.remaining, 0);
    let rows = s.ledger_rows(issue.id).await.unwrap();
    let row = |e: &str| rows.iter().find(|r| r.email == e).unwrap().clone();
    assert_eq!(row("ok@example.org").state, SendState::Sent);
    assert_eq!(row("later@example.org").state, SendState::Sent);
    assert!(
        row("later@example.org").attempts >= 2,
        "451 was retried: {:?}",
        row("later@example.org")
    );
    let gone = row("gone@example.org");
    assert_eq!(gone.state, SendState::Failed);
    assert!(gone.last_error.unwrap().contains("550"));
    assert_eq!(gone.attempts, 1, "5xx is not retried");
    let content = row("content@example.org");
    assert_eq!(content.state, SendState::Failed);
    // 550 suppresses the reader; 554 (message refused) does not.
    assert_eq!(
        s.subscriber_by_email("gone@example.org")
            .await
            .unwrap()
            .unwrap()
            .state,
        SubscriberState::Suppressed
    );
    assert_eq!(
        s.subscriber_by_email("content@example.org")
            .await
            .unwrap()
            .unwrap()
            .state,
        SubscriberState::Confirmed
    );
    let delivered: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m.rcpt_to[0].clone())
        .collect();
    assert_eq!(delivered.len(), 2, "{delivered:?}");
    assert!(rep.retried >= 1);
    db.finish().await;
}

#[tokio::test]
async fn relay_down_keeps_rows_queued_then_delivers() {
    let db = sqlite_db().await;
    let s = db.store.clone();
    seed(&s, &["a@example.org", "b@example.org"]).await;
    // A port with nothing listening.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let cfg = config(port);
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    let err = Sender::new(s.clone(), cfg)
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unavailable"), "{err}");
    let rows = s.ledger_rows(issue.id).await.unwrap();
    assert!(rows
        .iter()
        .all(|r| r.state == SendState::Queued && r.attempts == 0));
    // The relay comes back: everything goes out.
    let sink = Sink::start().await.unwrap();
    let rep = Sender::new(s.clone(), config(sink.port()))
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap();
    assert_eq!((rep.sent, rep.remaining), (2, 0));
    assert_eq!(sink.count(), 2);
    db.finish().await;
}

#[tokio::test]
async fn auth_required_and_wrong_password() {
    let db = sqlite_db().await;
    let s = db.store.clone();
    seed(&s, &["a@example.org"]).await;
    let sink = Sink::start_with(SinkOptions {
        keep_bodies: true,
        auth: Some(("mailer".into(), "s3cret".into())),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut cfg = config(sink.port());
    cfg.smtp.username = Some("mailer".into());
    cfg.smtp.password = Some("wrong".into());
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    let err = Sender::new(s.clone(), cfg.clone())
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unavailable"), "{err}");
    assert_eq!(
        s.ledger_counts(issue.id).await.unwrap().failed,
        0,
        "an AUTH refusal does not fail readers"
    );
    cfg.smtp.password = Some("s3cret".into());
    let rep = Sender::new(s.clone(), cfg)
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap();
    assert_eq!(rep.sent, 1);
    assert_eq!(sink.count(), 1);
    db.finish().await;
}

#[tokio::test]
async fn suppressed_before_delivery_is_skipped() {
    let db = sqlite_db().await;
    let s = db.store.clone();
    seed(&s, &["a@example.org", "b@example.org"]).await;
    let sink = Sink::start().await.unwrap();
    let cfg = config(sink.port());
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    s.suppress_email("b@example.org", 5).await.unwrap();
    let rep = Sender::new(s.clone(), cfg)
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap();
    assert_eq!((rep.sent, rep.suppressed), (1, 1));
    assert_eq!(sink.messages()[0].rcpt_to, vec!["a@example.org"]);
    db.finish().await;
}

fn python_dkim_ok() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import dkim, nacl"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Verifies with dkimpy, the public key given instead of a DNS lookup.
fn dkim_verify(msg: &[u8], selector: &str, domain: &str, record: &str) -> (bool, String) {
    use std::io::Write;
    let script = r#"
import sys, dkim, os
rec = os.environ["DKIM_RECORD"].encode()
name = (os.environ["DKIM_SELECTOR"] + "._domainkey." + os.environ["DKIM_DOMAIN"] + ".").encode()
def dns(q, timeout=5):
    return rec if q == name or q == name[:-1] else None
msg = sys.stdin.buffer.read()
ok = dkim.verify(msg, dnsfunc=dns)
print("OK" if ok else "FAIL")
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .env("DKIM_RECORD", record)
        .env("DKIM_SELECTOR", selector)
        .env("DKIM_DOMAIN", domain)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(msg).unwrap();
    let out = child.wait_with_output().unwrap();
    let so = String::from_utf8_lossy(&out.stdout).to_string();
    (
        so.trim() == "OK",
        format!("{so}{}", String::from_utf8_lossy(&out.stderr)),
    )
}

#[tokio::test]
async fn dkim_rsa_signature_verifies_with_dkimpy() {
    dkim_round("rsa").await;
}

#[tokio::test]
async fn dkim_ed25519_signature_verifies_with_dkimpy() {
    dkim_round("ed25519").await;
}

/// Signs a real delivery with a fresh `alg` key (made by openssl), verifies the captured
/// message with dkimpy against the matching DNS record, and checks tampering breaks it.
async fn dkim_round(alg: &str) {
    assert!(
        python_dkim_ok(),
        "python3 with dkimpy and pynacl is needed (scripts/test installs them: pip install dkimpy pynacl)"
    );
    let dir = std::env::temp_dir().join(format!("nl-dkim-{}", newsletter_support::unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("k.pem");
    let openssl = |args: &[&str]| {
        let o = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl is needed (Debian package openssl)");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    let k = key.to_str().unwrap();
    if alg == "rsa" {
        openssl(&["genrsa", "-traditional", "-out", k, "2048"]);
    } else {
        openssl(&["genpkey", "-algorithm", "ed25519", "-out", k]);
    }
    let der = openssl(&["pkey", "-in", k, "-pubout", "-outform", "DER"]);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let record = if alg == "rsa" {
        format!("v=DKIM1; k=rsa; p={}", b64.encode(&der))
    } else {
        // RFC 8463: the raw 32-byte public key (the end of the SubjectPublicKeyInfo).
        format!(
            "v=DKIM1; k=ed25519; p={}",
            b64.encode(&der[der.len() - 32..])
        )
    };
    let db = sqlite_db().await;
    let s = db.store.clone();
    seed(&s, &["a@example.org"]).await;
    let sink = Sink::start().await.unwrap();
    let mut cfg = config(sink.port());
    cfg.dkim = Some(roundup_mail::newsletter::smtp::DkimConfigFile {
        selector: "sel1".into(),
        domain: "example.org".into(),
        key_file: key.clone(),
        algorithm: alg.into(),
    });
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    Sender::new(s.clone(), cfg)
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap();
    let msg = &sink.messages()[0].data;
    let m = MessageParser::default().parse(msg).unwrap();
    let sig = header(&m, "DKIM-Signature");
    assert!(sig.contains(&format!("a={alg}-sha256")), "{sig}");
    assert!(sig.contains("list-unsubscribe-post") || sig.contains("List-Unsubscribe-Post"));
    let (ok, out) = dkim_verify(msg, "sel1", "example.org", &record);
    assert!(ok, "dkimpy: {out}");
    // Tampering breaks it.
    let tampered = String::from_utf8_lossy(msg).replacen("Morning briefing", "Evening briefing", 1);
    let (ok, _) = dkim_verify(tampered.as_bytes(), "sel1", "example.org", &record);
    assert!(!ok, "a modified subject must not verify");
    let _ = std::fs::remove_dir_all(dir);
    db.finish().await;
}

/// A directory removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("roundup-tls-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A test CA and a `cn` server certificate it signed, made with the `openssl` command
/// (Debian's openssl; the test script installs it): `(cert_pem, key_pem, dir)`, the CA
/// certificate is `dir/ca.pem`.
fn self_signed(cn: &str) -> (Vec<u8>, Vec<u8>, TempDir) {
    let dir = TempDir::new();
    let p = |f: &str| dir.path().join(f);
    std::fs::write(
        p("ext.cnf"),
        format!("subjectAltName=DNS:{cn}\nbasicConstraints=CA:FALSE\n"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("the openssl command (Debian package openssl) is needed for the TLS tests");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "2", "-subj", "/CN=roundup test CA"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    run(&ca);
    let subj = format!("/CN={cn}");
    let mut leaf = vec!["req", "-subj", subj.as_str()];
    leaf.extend(ec);
    leaf.extend(["-keyout", "key.pem", "-out", "leaf.csr"]);
    run(&leaf);
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    ]);
    (
        std::fs::read(p("cert.pem")).unwrap(),
        std::fs::read(p("key.pem")).unwrap(),
        dir,
    )
}

async fn tls_sink(implicit: bool, cert: &[u8], key: &[u8]) -> Sink {
    Sink::start_with(SinkOptions {
        keep_bodies: true,
        tls: Some(roundup_mail::newsletter::sink::SinkTls {
            cert_pem: cert.to_vec(),
            key_pem: key.to_vec(),
            implicit,
        }),
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn tls_round(implicit: bool) {
    use roundup_mail::newsletter::smtp::Security;
    let db = sqlite_db().await;
    let s = db.store.clone();
    seed(&s, &["a@example.org", "b@example.org", "c@example.org"]).await;
    let (cert, key, dir) = self_signed("localhost");
    let sink = tls_sink(implicit, &cert, &key).await;
    let mut cfg = config(sink.port());
    cfg.smtp.host = "localhost".into();
    cfg.smtp.security = if implicit {
        Security::Tls
    } else {
        Security::Starttls
    };
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();

    // Without our CA the certificate is not trusted: no reader is failed, rows stay queued.
    let err = Sender::new(s.clone(), cfg.clone())
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unavailable"), "{err}");
    let c = s.ledger_counts(issue.id).await.unwrap();
    assert_eq!((c.failed, c.sent, sink.count()), (0, 0, 0));

    // With it, everything goes out encrypted.
    let ca = dir.path().join("ca.pem");
    cfg.smtp.ca_file = Some(ca);
    let rep = Sender::new(s.clone(), cfg)
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap();
    assert_eq!((rep.sent, rep.remaining), (3, 0));
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 3);
    assert!(msgs.iter().all(|m| m.tls), "every message went over TLS");
    let parsed = MessageParser::default().parse(&msgs[0].data).unwrap();
    assert!(parsed.subject().unwrap().contains("Morning briefing"));
    db.finish().await;
}

#[tokio::test]
async fn starttls_with_configured_ca() {
    tls_round(false).await;
}

#[tokio::test]
async fn implicit_tls_with_configured_ca() {
    tls_round(true).await;
}

#[tokio::test]
async fn starttls_required_but_not_offered_fails_the_relay_not_readers() {
    use roundup_mail::newsletter::smtp::Security;
    let db = sqlite_db().await;
    let s = db.store.clone();
    seed(&s, &["a@example.org"]).await;
    let sink = Sink::start().await.unwrap(); // plain sink: no STARTTLS in its EHLO
    let mut cfg = config(sink.port());
    cfg.smtp.security = Security::Starttls;
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    let err = Sender::new(s.clone(), cfg)
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("STARTTLS"), "{err}");
    assert_eq!(sink.count(), 0, "nothing is sent in clear text");
    let rows = s.ledger_rows(issue.id).await.unwrap();
    assert!(rows
        .iter()
        .all(|r| r.state == SendState::Queued && r.attempts == 0));
    db.finish().await;
}

#[tokio::test]
async fn a_plain_client_cannot_skip_starttls_at_a_sink_that_requires_it() {
    // The sink's own guard (what makes the STARTTLS test meaningful): MAIL before the upgrade
    // is refused.
    let (cert, key, _dir) = self_signed("localhost");
    let sink = tls_sink(false, &cert, &key).await;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut c = BufReader::new(tokio::net::TcpStream::connect(sink.addr()).await.unwrap());
    let mut line = String::new();
    c.read_line(&mut line).await.unwrap();
    c.get_mut().write_all(b"EHLO t\r\n").await.unwrap();
    let mut ehlo = String::new();
    loop {
        line.clear();
        c.read_line(&mut line).await.unwrap();
        ehlo.push_str(&line);
        if line.as_bytes().get(3) == Some(&b' ') {
            break;
        }
    }
    assert!(ehlo.contains("STARTTLS"), "{ehlo}");
    c.get_mut()
        .write_all(b"MAIL FROM:<a@b.c>\r\n")
        .await
        .unwrap();
    line.clear();
    c.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("530"), "{line}");
}
