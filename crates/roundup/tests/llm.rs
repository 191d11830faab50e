//! The optional LLM digest rewriter against real loopback HTTP servers speaking the
//! chat-completions protocol: a good rewrite is applied (and the request carries the model,
//! the messages and the bearer key); answers that invent names, numbers or quotes, change the
//! number of facts or are not JSON of the asked shape are rejected and the extractive digest
//! kept; server errors, hangs and garbage fall back without a panic.

use roundup::llm::{apply_rewrite, LlmConfig, LlmError, LlmRewriter};
use roundup_digest::{digest, digest_with, Digest, DigestConfig, DigestError, Story, StoryArticle};
use roundup_testkit::{Reply, TestServer};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// A small chat-completions server on a std thread (so it answers even while the test thread
// blocks inside a tokio runtime), recording every request with its body.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

enum Answer {
    /// A status and a body (Content-Length framing).
    Http(u16, Vec<u8>),
    /// A 200 with a chunked body.
    Chunked(Vec<u8>),
    /// Raw bytes, then close.
    Raw(Vec<u8>),
}

type Handler = dyn Fn(&Recorded) -> Answer + Send + Sync;

struct MockLlm {
    addr: std::net::SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
}

impl MockLlm {
    fn start(handler: impl Fn(&Recorded) -> Answer + Send + Sync + 'static) -> MockLlm {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log2, stop2) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (log, handler) = (log2.clone(), handler.clone());
                std::thread::spawn(move || serve(conn, &log, &*handler));
            }
        });
        MockLlm { addr, log, stop }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for MockLlm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wake the accept loop
    }
}

fn serve(mut conn: TcpStream, log: &Mutex<Vec<Recorded>>, handler: &Handler) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut rl = lines.next().unwrap_or("").split(' ');
    let method = rl.next().unwrap_or("").to_string();
    let path = rl.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let req = Recorded {
        method,
        path,
        headers,
        body: buf[head_end..head_end + len].to_vec(),
    };
    log.lock().unwrap().push(req.clone());
    let out = match handler(&req) {
        Answer::Http(status, body) => {
            let mut o = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            o.extend_from_slice(&body);
            o
        }
        Answer::Chunked(body) => {
            let mut o =
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .to_vec();
            for part in body.chunks(37) {
                o.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
                o.extend_from_slice(part);
                o.extend_from_slice(b"\r\n");
            }
            o.extend_from_slice(b"0\r\n\r\n");
            o
        }
        Answer::Raw(b) => b,
    };
    let _ = conn.write_all(&out);
    let _ = conn.flush();
}

/// A chat-completions response whose assistant message is `content`.
fn completion(content: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_764_576_000,
        "model": "test-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }]
    }))
    .unwrap()
}

// ---------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------

fn article(outlet: &str, slug: &str, title: &str, text: &str) -> StoryArticle {
    StoryArticle {
        outlet: outlet.into(),
        url: Some(format!("https://{slug}.example/harbor")),
        title: title.into(),
        text: text.into(),
        ..Default::default()
    }
}

fn story() -> Story {
    Story {
        id: "harbor-1".into(),
        articles: vec![
            article(
                "Harbor Gazette",
                "gazette",
                "Council approves harbor plan",
                "The Harbor City council voted seven to two on Tuesday to approve a plan to rebuild the old fishing piers.\n\n\
                 The rebuild will cost 12 million dollars and work is due to start in March, according to the council.\n\n\
                 “This is a good day for the harbor,” Mayor Ida Rell said.\n\n\
                 Councillor Tom Brandt argued that the piers should be sold to developers instead of rebuilt.",
            ),
            article(
                "Valley Ledger",
                "ledger",
                "Harbor City backs pier rebuild",
                "Harbor City council approved the pier rebuild on Tuesday by a vote of seven to two.\n\n\
                 The 12 million dollar project will be paid for by a state grant and local bonds.\n\n\
                 “We listened to the fishermen,” Mayor Ida Rell said after the vote.\n\n\
                 Fishermen have waited years for safe moorings at the old piers.",
            ),
            article(
                "Coast Post",
                "post",
                "Old fishing piers to be rebuilt",
                "Work on the old fishing piers in Harbor City is due to start in March after the council vote on Tuesday.\n\n\
                 The state grant covers most of the 12 million dollar cost, with local bonds paying the rest.\n\n\
                 Tom Brandt said the vote had been rushed.",
            ),
        ],
    }
}

fn extractive() -> Digest {
    let d = digest(&story(), &DigestConfig::default()).unwrap();
    // The checks below rely on the extractive digest having facts and Mayor Rell's quote.
    assert!(d.facts.len() >= 2, "extractive facts: {:#?}", d.facts);
    assert!(
        d.quotes.iter().any(|q| q.speaker.contains("Ida Rell")),
        "extractive quotes: {:#?}",
        d.quotes
    );
    d
}

/// A grounded rewrite of each fact: same words, reordered around a lead-in.
fn good_fact(i: usize, text: &str) -> String {
    let lead = ["In short: ", "Also: "][i % 2];
    format!("{lead}{}.", text.trim_end_matches('.'))
}

/// An answer in the asked shape: the summary and one text per fact index.
fn answer_json(summary: &str, facts: &[String]) -> String {
    json!({
        "summary": summary,
        "facts": facts.iter().enumerate().map(|(i, t)| json!({"index": i, "text": t})).collect::<Vec<_>>(),
    })
    .to_string()
}

fn rewriter(base_url: &str) -> LlmRewriter {
    LlmRewriter::new(LlmConfig {
        base_url: base_url.into(),
        model: "test-model".into(),
        api_key: Some("test-key-123".into()),
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

/// Run the rewriter through `digest_with` and assert the extractive digest was kept.
fn assert_kept(rw: &LlmRewriter) -> DigestError {
    let (d, err) = digest_with(&story(), &DigestConfig::default(), rw).unwrap();
    assert_eq!(d, extractive(), "the extractive digest must be kept");
    err.expect("the fallback reason is returned")
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn good_rewrite_is_applied_and_request_is_well_formed() {
    let ex = extractive();
    let facts: Vec<String> = ex
        .facts
        .iter()
        .enumerate()
        .map(|(i, f)| good_fact(i, &f.text))
        .collect();
    // Answer facts out of order (mapped back by index), wrapped in a code fence, plus fields
    // that try to touch attribution: they must be ignored.
    let mut items: Vec<Value> = facts
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"index": i, "text": t, "sources": ["Made Up Times"]}))
        .collect();
    items.reverse();
    let content = format!(
        "```json\n{}\n```",
        json!({
            "summary": "Harbor City council voted to rebuild the old fishing piers on Tuesday.",
            "facts": items,
            "quotes": [{"speaker": "Senator Bob Smith", "text": "Invented."}],
        })
    );
    let server = MockLlm::start(move |_| Answer::Http(200, completion(&content)));
    let rw = rewriter(&server.base_url());
    let (d, err) = digest_with(&story(), &DigestConfig::default(), &rw).unwrap();
    assert!(err.is_none(), "unexpected rejection: {err:?}");

    assert_eq!(
        d.summary,
        "Harbor City council voted to rebuild the old fishing piers on Tuesday."
    );
    assert_eq!(d.facts.len(), ex.facts.len());
    for (i, (new, old)) in d.facts.iter().zip(&ex.facts).enumerate() {
        assert_eq!(new.text, facts[i], "fact {i} wording");
        assert_ne!(new.text, old.text);
        assert_eq!(new.sources, old.sources, "fact {i} keeps its sources");
    }
    // Quotes, attributions and everything else byte-for-byte.
    assert_eq!(d.quotes, ex.quotes);
    assert_eq!(d.attributions, ex.attributions);
    assert_eq!(d.headline, ex.headline);
    assert_eq!(d.coverage, ex.coverage);
    assert_eq!(d.timeline, ex.timeline);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(r.header("authorization"), Some("Bearer test-key-123"));
    assert!(r
        .header("content-type")
        .is_some_and(|v| v.starts_with("application/json")));
    let body = r.json();
    assert_eq!(body["model"], "test-model");
    assert!(body["temperature"]
        .as_f64()
        .is_some_and(|t| (0.0..=1.0).contains(&t)));
    let msgs = body["messages"].as_array().expect("messages array");
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0]["role"], "system");
    assert_eq!(msgs[1]["role"], "user");
    let user = msgs[1]["content"].as_str().unwrap();
    for f in &ex.facts {
        // The facts go as JSON strings inside the message.
        let enc = serde_json::to_string(&f.text).unwrap();
        assert!(
            user.contains(&enc),
            "fact missing from the prompt: {}",
            f.text
        );
        for s in &f.sources {
            assert!(user.contains(&s.outlet), "source {} missing", s.outlet);
        }
    }
    for q in &ex.quotes {
        assert!(user.contains(&q.speaker), "speaker {} missing", q.speaker);
    }
}

#[test]
fn no_key_means_no_authorization_header_and_chunked_answers_work() {
    let ex = extractive();
    let facts: Vec<String> = ex.facts.iter().map(|f| f.text.clone()).collect();
    let content = answer_json("Harbor City will rebuild the old fishing piers.", &facts);
    let server = MockLlm::start(move |_| Answer::Chunked(completion(&content)));
    let rw = LlmRewriter::new(LlmConfig::new(server.base_url() + "/v1/", "m2")).unwrap();
    let out = rw.try_rewrite(&ex).unwrap();
    assert_eq!(
        out.summary,
        "Harbor City will rebuild the old fishing piers."
    );
    let r = &server.requests()[0];
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.json()["model"], "m2");
}

#[test]
fn invented_name_is_rejected() {
    let ex = extractive();
    let mut facts: Vec<String> = ex.facts.iter().map(|f| f.text.clone()).collect();
    facts[0] = "Senator Bob Smith said the council approved the plan.".into();
    let content = answer_json("The council approved the plan.", &facts);
    let server = MockLlm::start(move |_| Answer::Http(200, completion(&content)));
    let rw = rewriter(&server.base_url());
    match rw.try_rewrite(&ex) {
        Err(LlmError::Rejected(m)) => assert!(m.contains("Senator") || m.contains("Bob"), "{m}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    let err = assert_kept(&rw);
    assert!(err.to_string().contains("rejected"), "{err}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn invented_names_numbers_and_quotes_are_rejected_offline() {
    let ex = extractive();
    let base: Vec<String> = ex.facts.iter().map(|f| f.text.clone()).collect();
    let with_fact0 = |t: &str| {
        let mut f = base.clone();
        f[0] = t.to_string();
        answer_json("The council approved the plan.", &f)
    };
    let cases = [
        // A name mid-sentence.
        "The plan was backed by Bob Smith on Tuesday.",
        // Known name parts recombined into a new person.
        "The plan was backed by Ida Brandt on Tuesday.",
        // A number not in the material.
        "The rebuild will cost 15 million dollars.",
        "The council voted eight to one.",
        // An invented quotation of known words in a new combination.
        "The mayor called it “a good day for developers”.",
        // An outlet the fact came from is not material to name in the text.
        "Valley Ledger reported that the council approved the plan.",
    ];
    for c in cases {
        match apply_rewrite(&ex, &with_fact0(c)) {
            Err(LlmError::Rejected(_)) => {}
            other => panic!("{c:?} should be rejected, got {other:?}"),
        }
    }
    // The summary is checked too.
    let bad_summary = answer_json("Governor Ann Lee praised the piers.", &base);
    assert!(matches!(
        apply_rewrite(&ex, &bad_summary),
        Err(LlmError::Rejected(_))
    ));
    // Grounded wordings with known names, numbers (also as words) and quotes pass.
    let ok = [
        "On Tuesday Mayor Ida Rell welcomed the vote.",
        "The council voted 7 to 2 for the plan.",
        "Rell called it “a good day for the harbor”.",
        "Tom Brandt wanted the piers sold.",
    ];
    for c in ok {
        if let Err(e) = apply_rewrite(&ex, &with_fact0(c)) {
            panic!("{c:?} should pass: {e}");
        }
    }
}

#[test]
fn wrong_fact_count_or_shape_is_rejected() {
    let ex = extractive();
    let n = ex.facts.len();
    let facts: Vec<String> = ex.facts.iter().map(|f| f.text.clone()).collect();
    let fewer = answer_json("The council approved the plan.", &facts[..n - 1]);
    let server = MockLlm::start(move |_| Answer::Http(200, completion(&fewer)));
    let rw = rewriter(&server.base_url());
    match rw.try_rewrite(&ex) {
        Err(LlmError::Rejected(m)) => assert!(m.contains("facts"), "{m}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_kept(&rw);

    let mut more = facts.clone();
    more.push("The council approved the plan.".into());
    let more = answer_json("The council approved the plan.", &more);
    assert!(matches!(
        apply_rewrite(&ex, &more),
        Err(LlmError::Rejected(_))
    ));

    // Right count, but an index repeated (and one missing).
    let dup = json!({
        "summary": "The council approved the plan.",
        "facts": (0..n).map(|i| json!({"index": i.min(n - 2), "text": facts[i.min(n - 2)]})).collect::<Vec<_>>(),
    })
    .to_string();
    assert!(matches!(
        apply_rewrite(&ex, &dup),
        Err(LlmError::Rejected(_))
    ));
    // Out-of-range index.
    let oor = json!({
        "summary": "The council approved the plan.",
        "facts": (0..n).map(|i| json!({"index": i + 1, "text": facts[i]})).collect::<Vec<_>>(),
    })
    .to_string();
    assert!(matches!(
        apply_rewrite(&ex, &oor),
        Err(LlmError::Rejected(_))
    ));
    // Not JSON, wrong types, missing summary, empty text.
    for bad in [
        "Here is your rewrite: the council approved the plan.".to_string(),
        json!({"summary": "The council approved the plan.", "facts": facts}).to_string(),
        json!({"facts": (0..n).map(|i| json!({"index": i, "text": facts[i]})).collect::<Vec<_>>()})
            .to_string(),
        json!({"summary": "", "facts": (0..n).map(|i| json!({"index": i, "text": facts[i]})).collect::<Vec<_>>()})
            .to_string(),
        json!({"summary": "The plan passed.", "facts": (0..n).map(|i| json!({"index": i, "text": " "})).collect::<Vec<_>>()})
            .to_string(),
    ] {
        match apply_rewrite(&ex, &bad) {
            Err(LlmError::Rejected(_)) => {}
            other => panic!("{bad:?} should be rejected, got {other:?}"),
        }
    }
}

#[test]
fn server_errors_and_garbage_keep_the_extractive_digest() {
    let ex = extractive();
    let cases: Vec<(&str, Answer)> = vec![
        (
            "500",
            Answer::Http(500, b"{\"error\":{\"message\":\"overloaded\"}}".to_vec()),
        ),
        ("401", Answer::Http(401, b"unauthorized".to_vec())),
        (
            "non-JSON 200",
            Answer::Http(200, b"<html>hello</html>".to_vec()),
        ),
        (
            "JSON without choices",
            Answer::Http(200, b"{\"object\":\"list\"}".to_vec()),
        ),
        (
            "error object in a 200",
            Answer::Http(200, b"{\"error\":{\"message\":\"bad model\"}}".to_vec()),
        ),
        (
            "null content",
            Answer::Http(
                200,
                serde_json::to_vec(
                    &json!({"choices":[{"message":{"role":"assistant","content":null}}]}),
                )
                .unwrap(),
            ),
        ),
        (
            "not HTTP",
            Answer::Raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec()),
        ),
        (
            "closed mid-body",
            Answer::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"choices\":".to_vec()),
        ),
        ("closed without a response", Answer::Raw(Vec::new())),
    ];
    for (name, answer) in cases {
        let answer = Arc::new(Mutex::new(Some(answer)));
        let server = MockLlm::start(move |_| {
            answer
                .lock()
                .unwrap()
                .take()
                .unwrap_or(Answer::Raw(Vec::new()))
        });
        let rw = rewriter(&server.base_url());
        let e = rw.try_rewrite(&ex).expect_err(name);
        assert!(
            !matches!(e, LlmError::Rejected(_) | LlmError::Config(_)),
            "{name}: {e}"
        );
        if name == "500" {
            assert!(matches!(e, LlmError::Status { status: 500, .. }), "{e}");
        }
    }
    // Through digest_with: kept, with the reason.
    let server = MockLlm::start(|_| Answer::Http(503, b"busy".to_vec()));
    let err = assert_kept(&rewriter(&server.base_url()));
    assert!(err.to_string().contains("503"), "{err}");
}

/// An https endpoint really speaks TLS: a plain-HTTP server on that port is a transport
/// error, not an answer.
#[test]
fn https_endpoint_speaks_tls() {
    let server = MockLlm::start(|_| Answer::Http(200, completion("{}")));
    let url = server.base_url().replace("http://", "https://");
    let rw = LlmRewriter::new(LlmConfig {
        timeout: Duration::from_secs(1),
        ..LlmConfig::new(url, "m")
    })
    .unwrap();
    let e = rw.try_rewrite(&extractive()).unwrap_err();
    assert!(
        matches!(e, LlmError::Transport(_) | LlmError::Timeout(_)),
        "{e}"
    );
    assert!(
        server.requests().is_empty(),
        "no plain-text HTTP request reached the server"
    );
}

#[test]
fn connection_refused_is_a_transport_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let rw = rewriter(&format!("http://127.0.0.1:{port}"));
    assert!(matches!(
        rw.try_rewrite(&extractive()),
        Err(LlmError::Transport(_))
    ));
    assert_kept(&rw);
}

/// Inside a tokio runtime (the pipeline's situation), against the testkit's server: a 500, a
/// hanging server (timeout), a reset and a good answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_inside_a_tokio_runtime_with_testkit_faults() {
    let ex = extractive();
    let server = TestServer::start().await.unwrap();
    let rw = |timeout_ms: u64| {
        LlmRewriter::new(LlmConfig {
            timeout: Duration::from_millis(timeout_ms),
            ..LlmConfig::new(server.base_url(), "m")
        })
        .unwrap()
    };
    let path = "/v1/chat/completions";

    server.route(path, Reply::status(500));
    assert!(matches!(
        rw(5000).try_rewrite(&ex),
        Err(LlmError::Status { status: 500, .. })
    ));

    server.route(path, Reply::hang());
    let t = Instant::now();
    let e = rw(400).try_rewrite(&ex).unwrap_err();
    assert_eq!(e, LlmError::Timeout(Duration::from_millis(400)));
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    let (d, err) = digest_with(&story(), &DigestConfig::default(), &rw(300)).unwrap();
    assert_eq!(d, ex);
    assert!(err.unwrap().to_string().contains("timed out"));

    // A slow trickle that outlasts the timeout is a timeout too (the deadline is overall).
    let body = completion(&answer_json("x", &[]));
    server.route(path, Reply::slow_body(body, 4, Duration::from_millis(100)));
    assert!(matches!(
        rw(400).try_rewrite(&ex),
        Err(LlmError::Timeout(_))
    ));

    server.route(path, Reply::reset());
    assert!(rw(2000).try_rewrite(&ex).is_err());

    let facts: Vec<String> = ex
        .facts
        .iter()
        .enumerate()
        .map(|(i, f)| good_fact(i, &f.text))
        .collect();
    let good = completion(&answer_json("Harbor City will rebuild the piers.", &facts));
    server.route(path, Reply::bytes("application/json", good));
    let out = rw(5000).try_rewrite(&ex).unwrap();
    assert_eq!(out.summary, "Harbor City will rebuild the piers.");
    assert_eq!(out.quotes, ex.quotes);
    assert!(server.hits(path) >= 6);
}

#[tokio::test(flavor = "current_thread")]
async fn works_on_a_current_thread_runtime() {
    let ex = extractive();
    let facts: Vec<String> = ex.facts.iter().map(|f| f.text.clone()).collect();
    let content = answer_json("The council approved the harbor plan.", &facts);
    let server = MockLlm::start(move |_| Answer::Http(200, completion(&content)));
    let out = rewriter(&server.base_url()).try_rewrite(&ex).unwrap();
    assert_eq!(out.summary, "The council approved the harbor plan.");
}

#[test]
fn config_errors_are_typed() {
    // https endpoints (hosted APIs) are accepted; other schemes are configuration errors.
    let rw = LlmRewriter::new(LlmConfig::new("https://api.example.com", "m")).unwrap();
    assert_eq!(
        rw.endpoint_url(),
        "https://api.example.com/v1/chat/completions"
    );
    assert!(matches!(
        LlmRewriter::new(LlmConfig::new("ftp://api.example.com", "m")),
        Err(LlmError::Config(_))
    ));
    assert!(matches!(
        LlmRewriter::new(LlmConfig::new("http://127.0.0.1:1", " ")),
        Err(LlmError::Config(_))
    ));
    assert!(matches!(
        LlmRewriter::new(LlmConfig {
            api_key: Some("a\r\nX-Evil: 1".into()),
            ..LlmConfig::new("http://127.0.0.1:1", "m")
        }),
        Err(LlmError::Config(_))
    ));
    let rw = LlmRewriter::new(LlmConfig::new("http://127.0.0.1:9/v1", "m")).unwrap();
    assert_eq!(rw.endpoint_url(), "http://127.0.0.1:9/v1/chat/completions");
}
