//! Newsletter commands as a user runs them: import subscribers, then apply a bounce mailbox
//! (`roundup bounces process --maildir` / `--mbox`) and read the states back with `export`.

use std::process::Command;

fn workdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("roundup-nlcli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The binary in `dir`, on the SQLite store `dir/t.db`, with the test secret.
fn cmd(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_roundup"));
    c.current_dir(dir)
        .env(
            "ROUNDUP_DATABASE_URL",
            format!("sqlite://{}", dir.join("t.db").display()),
        )
        .env("ROUNDUP_SECRET", "cli-test-secret-0123456789abcdef")
        .env_remove("ROUNDUP_SMTP_URL");
    c
}

fn roundup(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    cmd(dir).args(args).output().unwrap()
}

fn ok(o: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "status {:?}: {err}", o.status);
    err
}

fn bounce(rcpt: &str, id: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\nTo: news@example.org\nSubject: Undelivered Mail Returned to Sender\n\
Message-ID: <{id}@mx.example.net>\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\nDelivery failed.\n\n--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: 5.1.1\n\
Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown\n\n--b--\n"
    )
}

fn states(dir: &std::path::Path) -> Vec<(String, String)> {
    let o = roundup(dir, &["newsletter", "subscribers", "export"]);
    ok(&o);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect()
}

#[test]
fn bounces_process_maildir_and_mbox() {
    let dir = workdir("bounces");
    std::fs::write(
        dir.join("subs.csv"),
        "email,lists\ngone@example.org,briefing\nfull@example.org,briefing\nangry@example.org,briefing\nfine@example.org,briefing\n",
    )
    .unwrap();
    ok(&roundup(
        &dir,
        &["newsletter", "subscribers", "import", "subs.csv"],
    ));

    let md = dir.join("bounces");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    std::fs::write(md.join("new/1.host"), bounce("gone@example.org", "m1")).unwrap();
    std::fs::write(
        md.join("new/2.host"),
        "From: fbl@isp.example\nTo: news@example.org\nSubject: complaint\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"f\"\n\n--f\nContent-Type: text/plain\n\nabuse\n\n\
--f\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\nOriginal-Rcpt-To: angry@example.org\n\n--f--\n",
    )
    .unwrap();
    std::fs::write(
        md.join("new/3.host"),
        b"\xff\xfe not a message at all \x00\x01",
    )
    .unwrap();
    let err = ok(&roundup(
        &dir,
        &["bounces", "process", "--maildir", "bounces"],
    ));
    assert!(err.contains("processed 3 messages"), "{err}");
    assert!(
        err.contains("1 suppressed") && err.contains("1 unsubscribed"),
        "{err}"
    );
    // Applied messages move to cur/ (seen), so the next run has nothing to do.
    assert_eq!(std::fs::read_dir(md.join("new")).unwrap().count(), 0);
    assert!(md.join("cur/1.host:2,S").exists());
    let err = ok(&roundup(
        &dir,
        &["bounces", "process", "--maildir", "bounces"],
    ));
    assert!(err.contains("processed 0 messages"), "{err}");

    let st = states(&dir);
    let of = |e: &str| st.iter().find(|(a, _)| a == e).map(|(_, s)| s.as_str());
    assert_eq!(of("gone@example.org"), Some("suppressed"));
    assert_eq!(of("angry@example.org"), Some("unsubscribed"));
    assert_eq!(of("full@example.org"), Some("confirmed"));
    assert_eq!(of("fine@example.org"), Some("confirmed"));

    // An mbox with a hard bounce for full@ (and the already-applied one again: no change).
    let mbox = format!(
        "From MAILER-DAEMON Mon Mar  2 08:00:00 2026\n{}\nFrom MAILER-DAEMON Mon Mar  2 08:05:00 2026\n{}\n",
        bounce("full@example.org", "m2"),
        bounce("gone@example.org", "m1")
    );
    std::fs::write(dir.join("bounces.mbox"), mbox).unwrap();
    let o = roundup(
        &dir,
        &["bounces", "process", "--mbox", "bounces.mbox", "--json"],
    );
    let err = ok(&o);
    assert!(err.contains("processed 2 messages"), "{err}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["report"]["addresses"][0]["effect"], "suppressed");
    assert_eq!(lines[1]["report"]["duplicate"], true);
    assert_eq!(
        states(&dir)
            .iter()
            .find(|(a, _)| a == "full@example.org")
            .unwrap()
            .1,
        "suppressed"
    );

    // Bad input is an error that names it.
    let o = roundup(&dir, &["bounces", "process", "--maildir", "nowhere"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("nowhere"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `roundup run` with newsletters configured sends a list when it is due (here: every
/// minute, so the first tick finds it due) to a real SMTP server, then stops on SIGTERM.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn run_loop_sends_the_due_newsletter() {
    use roundup_mail::newsletter::sink::Sink;
    use roundup_store::{Store, SubscriberState};
    let dir = workdir("sched");
    let db = format!("sqlite://{}", dir.join("t.db").display());
    let s = Store::connect(&db).await.unwrap();
    for e in ["a@example.org", "b@example.org"] {
        let (row, _) = s
            .insert_subscriber(e, SubscriberState::Confirmed, None, 1)
            .await
            .unwrap();
        s.add_subscriptions(row.id, &["minute"], 1).await.unwrap();
    }
    s.publish_edition(
        "briefing",
        "2026-12-01",
        "Morning briefing — 2026-12-01",
        &serde_json::json!({"title": "Morning briefing — 2026-12-01", "items": []}),
    )
    .await
    .unwrap();
    s.close().await;
    std::fs::write(
        dir.join("newsletter.toml"),
        r#"from = "Roundup <news@example.org>"
[[lists]]
id = "minute"
name = "Every minute"
cron = "* * * * *"
timezone = "UTC"
edition_kind = "briefing"
"#,
    )
    .unwrap();
    let sink = Sink::start().await.unwrap();
    let mut child = cmd(&dir)
        .args(["run", "--idle-secs", "1"])
        .env(
            "ROUNDUP_SMTP_URL",
            format!("smtp://127.0.0.1:{}", sink.port()),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    while sink.count() < 2 && t.elapsed() < std::time::Duration::from_secs(30) {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert_eq!(sink.count(), 2, "both readers got the due issue: {err}");
    let mut to: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m.rcpt_to[0].clone())
        .collect();
    to.sort();
    assert_eq!(to, ["a@example.org", "b@example.org"]);
    assert!(err.contains("newsletter scheduler on for: minute"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn http_post(addr: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    request(addr, "POST", path, "message/rfc822", headers, body)
}

fn request(
    addr: &str,
    method: &str,
    path: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
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

/// Starts `roundup serve` in `dir` on a free port with `env`; returns the child and address.
fn start_serve(dir: &std::path::Path, env: &[(&str, String)]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut serve = cmd(dir);
    serve
        .arg("serve")
        .env("ROUNDUP_SERVER_BIND", &addr)
        .env("ROUNDUP_BASE_URL", format!("http://{addr}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        serve.env(k, v);
    }
    let child = serve.spawn().unwrap();
    let t = std::time::Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(t.elapsed().as_secs() < 30, "roundup serve did not listen");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (child, addr)
}

/// Quoted-printable soft breaks and `=3D` undone, enough to find links in a message.
fn unqp(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .replace("=\r\n", "")
        .replace("=3D", "=")
}

fn link_after(text: &str, marker: &str) -> String {
    let i = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"));
    text[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/?=_-.:&%".contains(*c))
        .collect()
}

/// The whole subscriber journey through the real binaries: sign up on `roundup serve`, the
/// verification mail arrives at a real SMTP server, its link confirms, `roundup newsletter
/// send` delivers the briefing, and the RFC 8058 one-click POST to its `List-Unsubscribe`
/// URL unsubscribes.
#[tokio::test(flavor = "multi_thread")]
async fn subscriber_journey_through_roundup_serve_and_newsletter_send() {
    use roundup_mail::newsletter::sink::Sink;
    let dir = workdir("journey");
    let s = roundup_store::Store::connect(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    s.publish_edition(
        "briefing",
        "2026-12-01",
        "Morning briefing — 2026-12-01",
        &serde_json::json!({"title": "Morning briefing — 2026-12-01", "items": []}),
    )
    .await
    .unwrap();
    s.close().await;
    let sink = Sink::start().await.unwrap();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port());
    let (mut child, addr) = start_serve(&dir, &[("ROUNDUP_SMTP_URL", smtp.clone())]);
    let wait_mail = |n: usize| {
        let t = std::time::Instant::now();
        while sink.count() < n {
            assert!(t.elapsed().as_secs() < 20, "mail {n} never arrived");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };

    let (st, page) = request(
        &addr,
        "POST",
        "/subscribe",
        "application/x-www-form-urlencoded",
        &[],
        b"email=reader%40example.org&list=briefing",
    );
    assert_eq!(st, 200, "{page}");
    wait_mail(1);
    let verify = unqp(&sink.messages()[0].data);
    let confirm = link_after(&verify, "/confirm?token=");
    let (st, page) = request(&addr, "GET", &confirm, "text/plain", &[], b"");
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("reader@example.org"), "{page}");

    let out = cmd(&dir)
        .args(["newsletter", "send", "briefing"])
        .env("ROUNDUP_BASE_URL", format!("http://{addr}"))
        .env("ROUNDUP_SMTP_URL", &smtp)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_mail(2);
    let issue = sink.messages()[1].clone();
    assert_eq!(issue.rcpt_to, ["reader@example.org"]);
    // The List-Unsubscribe header (unfolded).
    let raw = String::from_utf8_lossy(&issue.data)
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    let lu = raw
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("list-unsubscribe:"))
        .expect("a List-Unsubscribe header")
        .to_string();
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    let url = lu
        .split(['<', '>'])
        .find(|p| p.starts_with("http"))
        .expect("an https/http unsubscribe URL")
        .to_string();
    let path = url
        .split_once(addr.as_str())
        .expect("link to our site")
        .1
        .to_string();
    let (st, page) = request(
        &addr,
        "POST",
        &path,
        "application/x-www-form-urlencoded",
        &[],
        b"List-Unsubscribe=One-Click",
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(st, 200, "{page}");
    let st = states(&dir);
    assert_eq!(
        st.iter()
            .find(|(a, _)| a == "reader@example.org")
            .map(|(_, s)| s.as_str()),
        Some("unsubscribed")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `roundup serve` with an inbound token: a mail server posts a bounce to the webhook and the
/// reader is suppressed; without the right token nothing happens.
#[test]
fn inbound_webhook_through_roundup_serve() {
    let dir = workdir("webhook");
    std::fs::write(
        dir.join("subs.csv"),
        "email\ngone@example.org\nfine@example.org\n",
    )
    .unwrap();
    ok(&roundup(
        &dir,
        &["newsletter", "subscribers", "import", "subs.csv"],
    ));
    let token = "inbound-token-0123456789abcdef";
    let (mut child, addr) = start_serve(
        &dir,
        &[
            ("ROUNDUP_SERVER_INBOUND_TOKEN", token.to_string()),
            ("ROUNDUP_SMTP_URL", "smtp://127.0.0.1:9".to_string()),
        ],
    );
    let msg = bounce("gone@example.org", "w1");
    let (st, _) = http_post(&addr, "/hooks/inbound", &[], msg.as_bytes());
    assert_eq!(st, 401);
    let (st, _) = http_post(
        &addr,
        "/hooks/inbound",
        &[("Authorization", "Bearer inbound-token-0123456789abcdeX")],
        msg.as_bytes(),
    );
    assert_eq!(st, 401);
    let (st, _) = http_post(
        &addr,
        "/hooks/inbound",
        &[("Authorization", &format!("Bearer {token}"))],
        b"  \r\n",
    );
    assert_eq!(st, 400);
    let (st, body) = http_post(
        &addr,
        "/hooks/inbound",
        &[("Authorization", &format!("Bearer {token}"))],
        msg.as_bytes(),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(st, 200, "{body}");
    assert!(body.contains("\"effect\":\"suppressed\""), "{body}");
    let st = states(&dir);
    let of = |e: &str| st.iter().find(|(a, _)| a == e).map(|(_, s)| s.clone());
    assert_eq!(of("gone@example.org").as_deref(), Some("suppressed"));
    assert_eq!(of("fine@example.org").as_deref(), Some("confirmed"));
    let _ = std::fs::remove_dir_all(&dir);
}
