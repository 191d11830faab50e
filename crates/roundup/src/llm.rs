//! Optional LLM rewriting backend for story digests.
//!
//! roundup's digests are extractive and attributed by default. When configured (see
//! [`LlmConfig::from_env`]), [`LlmRewriter`] sends the extractive digest's headline, key facts
//! (each with its source outlets) and quotes to an OpenAI-compatible chat-completions endpoint
//! (`POST {base_url}/v1/chat/completions`) and asks for a rewritten summary and rewritten fact
//! wordings only, as JSON.
//!
//! Attribution is never up to the model:
//!
//! * quotes, speakers and attributions are not taken from the answer at all: they stay
//!   byte-for-byte those of the extractive digest;
//! * every fact keeps its `sources`; the answer only replaces the wording of the fact with the
//!   same index;
//! * the answer is rejected — and the extractive digest kept, with the reason logged and
//!   returned — when it is not JSON of the asked shape, changes the number of facts, repeats
//!   or skips a fact index, or introduces a number, a capitalized name (or a new combination
//!   of known name parts) or a quotation that is not in the material it was given.
//!
//! The transport is reqwest (HTTP/1.1 and HTTP/2, `https://` with rustls and the webpki roots,
//! or `http://` for local servers such as llama.cpp, Ollama or vLLM). A call blocks its caller:
//! the request runs on a short-lived thread with its own single-threaded runtime, so it works
//! whether or not the caller runs inside a tokio runtime. Inside async code, run the rewrite
//! through `tokio::task::spawn_blocking` or `block_in_place` so it does not stall the runtime.

use roundup_digest::{Digest, DigestError, DigestRewriter, Quote, Story};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

/// Environment variable holding the endpoint base URL (`http://127.0.0.1:8080`).
pub const ENV_URL: &str = "ROUNDUP_LLM_URL";
/// Environment variable holding the model name.
pub const ENV_MODEL: &str = "ROUNDUP_LLM_MODEL";
/// Environment variable holding the optional API key (sent as `Authorization: Bearer KEY`).
pub const ENV_API_KEY: &str = "ROUNDUP_LLM_API_KEY";
/// Environment variable holding the optional request timeout in seconds.
pub const ENV_TIMEOUT: &str = "ROUNDUP_LLM_TIMEOUT_SECS";
/// Request timeout when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Sampling temperature sent with every request (low: rewording, not creativity).
pub const TEMPERATURE: f64 = 0.2;
/// Largest response body read, in bytes.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Longest accepted rewritten summary or fact, in characters.
pub const MAX_TEXT_CHARS: usize = 1200;

/// Errors of the LLM backend. Every one of them means "keep the extractive digest".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmError {
    /// The configuration is unusable (bad URL, unsupported scheme, missing model, bad key).
    Config(String),
    /// Connecting, sending or receiving failed.
    Transport(String),
    /// No complete answer within the configured timeout.
    Timeout(Duration),
    /// The server answered with a non-2xx status.
    Status {
        /// HTTP status code.
        status: u16,
        /// Start of the response body, for the log.
        body: String,
    },
    /// The response is not a chat-completions answer (bad HTTP, bad JSON, no content).
    Protocol(String),
    /// The model's answer was rejected by the shape or grounding checks.
    Rejected(String),
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LlmError::Config(m) => write!(f, "LLM config: {m}"),
            LlmError::Transport(m) => write!(f, "LLM transport: {m}"),
            LlmError::Timeout(d) => {
                write!(f, "LLM request timed out after {:.1}s", d.as_secs_f64())
            }
            LlmError::Status { status, body } => write!(f, "LLM server answered {status}: {body}"),
            LlmError::Protocol(m) => write!(f, "LLM protocol: {m}"),
            LlmError::Rejected(m) => write!(f, "LLM rewrite rejected: {m}"),
        }
    }
}

impl std::error::Error for LlmError {}

impl From<LlmError> for DigestError {
    fn from(e: LlmError) -> DigestError {
        DigestError::Rewriter(e.to_string())
    }
}

/// Where and how to reach the chat-completions endpoint.
#[derive(Clone, PartialEq, Eq)]
pub struct LlmConfig {
    /// Base URL, e.g. `http://127.0.0.1:8080`. `/v1/chat/completions` is appended (a base
    /// that already ends in `/v1` or `/chat/completions` is used as far as it goes).
    pub base_url: String,
    /// Model name sent in the request.
    pub model: String,
    /// Optional API key, sent as `Authorization: Bearer KEY`.
    pub api_key: Option<String>,
    /// Whole-request timeout (connect, send, receive).
    pub timeout: Duration,
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl LlmConfig {
    /// A config with no key and the default timeout.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Read [`ENV_URL`], [`ENV_MODEL`], [`ENV_API_KEY`] and [`ENV_TIMEOUT`]. No (or an empty)
    /// URL → `Ok(None)`: no rewriter, extractive digests. A URL without a model, or a timeout
    /// that is not a positive number of seconds, is an error.
    pub fn from_env() -> Result<Option<LlmConfig>, LlmError> {
        LlmConfig::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`LlmConfig::from_env`], reading variables through `get` (testable without
    /// touching the process environment).
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<LlmConfig>, LlmError> {
        let val = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(base_url) = val(ENV_URL) else {
            return Ok(None);
        };
        let model = val(ENV_MODEL)
            .ok_or_else(|| LlmError::Config(format!("{ENV_URL} is set but {ENV_MODEL} is not")))?;
        let timeout = match val(ENV_TIMEOUT) {
            None => DEFAULT_TIMEOUT,
            Some(t) => match t.parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Duration::from_secs_f64(s),
                _ => {
                    return Err(LlmError::Config(format!(
                        "{ENV_TIMEOUT} must be a positive number of seconds, got {t:?}"
                    )))
                }
            },
        };
        Ok(Some(LlmConfig {
            base_url,
            model,
            api_key: val(ENV_API_KEY),
            timeout,
        }))
    }
}

/// A parsed `http://` or `https://` endpoint.
#[derive(Debug, Clone)]
struct Endpoint {
    /// `Host` header value.
    host_header: String,
    /// The parsed base URL (host and port are resolved from it at request time).
    url: url::Url,
    /// Request target (path and query).
    target: String,
}

fn parse_endpoint(base: &str) -> Result<Endpoint, LlmError> {
    let url = url::Url::parse(base.trim())
        .map_err(|e| LlmError::Config(format!("bad base URL {base:?}: {e}")))?;
    match url.scheme() {
        "http" | "https" => {}
        s => {
            return Err(LlmError::Config(format!(
                "{base:?}: unsupported scheme {s:?}"
            )))
        }
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| LlmError::Config(format!("{base:?} has no host")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(LlmError::Config(
            "put credentials in ROUNDUP_LLM_API_KEY, not in the URL".into(),
        ));
    }
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let mut path = url.path().trim_end_matches('/').to_string();
    if !path.ends_with("/chat/completions") {
        if !path.ends_with("/v1") {
            path.push_str("/v1");
        }
        path.push_str("/chat/completions");
    }
    let target = match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    Ok(Endpoint {
        host_header,
        url,
        target,
    })
}

/// A [`DigestRewriter`] backed by an OpenAI-compatible chat-completions endpoint.
#[derive(Debug, Clone)]
pub struct LlmRewriter {
    cfg: LlmConfig,
    endpoint: Endpoint,
}

impl LlmRewriter {
    /// Validate `cfg` (URL, scheme, model, key) and build the rewriter. No network access.
    pub fn new(cfg: LlmConfig) -> Result<LlmRewriter, LlmError> {
        if cfg.model.trim().is_empty() {
            return Err(LlmError::Config("model name is empty".into()));
        }
        if cfg.timeout.is_zero() {
            return Err(LlmError::Config("timeout is zero".into()));
        }
        if let Some(k) = &cfg.api_key {
            if k.is_empty() || k.chars().any(|c| c.is_control()) {
                return Err(LlmError::Config(
                    "API key is empty or contains control characters".into(),
                ));
            }
        }
        let endpoint = parse_endpoint(&cfg.base_url)?;
        Ok(LlmRewriter { cfg, endpoint })
    }

    /// The rewriter configured by the environment (see [`LlmConfig::from_env`]), or `None`
    /// when no endpoint is configured.
    pub fn from_env() -> Result<Option<LlmRewriter>, LlmError> {
        LlmConfig::from_env()?.map(LlmRewriter::new).transpose()
    }

    /// The configuration.
    pub fn config(&self) -> &LlmConfig {
        &self.cfg
    }

    /// The full endpoint URL requests go to.
    pub fn endpoint_url(&self) -> String {
        let u = &self.endpoint.url;
        format!(
            "{}://{}{}",
            u.scheme(),
            self.endpoint.host_header,
            self.endpoint.target
        )
    }

    /// The JSON request body for `digest`: `{model, messages, temperature}`.
    pub fn request_body(&self, digest: &Digest) -> Value {
        json!({
            "model": self.cfg.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user_message(digest)},
            ],
            "temperature": TEMPERATURE,
        })
    }

    /// Ask the model to rewrite `digest` and return the checked result. A digest without
    /// facts is returned unchanged without a request (there is nothing to reword).
    pub fn try_rewrite(&self, digest: &Digest) -> Result<Digest, LlmError> {
        if digest.facts.is_empty() {
            return Ok(digest.clone());
        }
        let body = serde_json::to_vec(&self.request_body(digest))
            .map_err(|e| LlmError::Protocol(format!("cannot encode request: {e}")))?;
        let (status, resp) = self.post(&body)?;
        if !(200..300).contains(&status) {
            return Err(LlmError::Status {
                status,
                body: snippet(&String::from_utf8_lossy(&resp), 200),
            });
        }
        let content = completion_content(&resp)?;
        apply_rewrite(digest, &content)
    }

    /// POST `body` to the endpoint; (status, body bytes). Runs the request on its own thread
    /// and runtime (see the module docs), bounded by the configured timeout.
    fn post(&self, body: &[u8]) -> Result<(u16, Vec<u8>), LlmError> {
        let url = self.endpoint_url();
        let timeout = self.cfg.timeout;
        let key = self.cfg.api_key.clone();
        let body = body.to_vec();
        std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| LlmError::Transport(format!("runtime: {e}")))?;
                    rt.block_on(async move {
                        match tokio::time::timeout(timeout, request(&url, key, body, timeout)).await
                        {
                            Ok(r) => r,
                            Err(_) => Err(LlmError::Timeout(timeout)),
                        }
                    })
                })
                .join()
                .unwrap_or_else(|_| Err(LlmError::Transport("request thread panicked".into())))
        })
    }
}

/// One chat-completions POST: (status, body), the body capped at [`MAX_RESPONSE_BYTES`].
async fn request(
    url: &str,
    key: Option<String>,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), LlmError> {
    let client = reqwest::Client::builder()
        .user_agent(concat!("roundup/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| LlmError::Config(format!("HTTP client: {e}")))?;
    let mut req = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            LlmError::Timeout(timeout)
        } else {
            // The whole source chain: "error sending request" alone says little.
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            LlmError::Transport(msg)
        }
    };
    let mut resp = req.send().await.map_err(transport)?;
    let status = resp.status().as_u16();
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        out.extend_from_slice(&chunk);
        if out.len() > MAX_RESPONSE_BYTES {
            return Err(LlmError::Protocol(format!(
                "response larger than {MAX_RESPONSE_BYTES} bytes"
            )));
        }
    }
    Ok((status, out))
}

impl DigestRewriter for LlmRewriter {
    fn rewrite(&self, _story: &Story, digest: Digest) -> Result<Digest, DigestError> {
        match self.try_rewrite(&digest) {
            Ok(d) => {
                tracing::debug!(story = %digest.story_id, "LLM rewrite applied");
                Ok(d)
            }
            Err(e) => {
                tracing::warn!(story = %digest.story_id, reason = %e, "keeping the extractive digest");
                Err(e.into())
            }
        }
    }
}

fn snippet(s: &str, max: usize) -> String {
    let t: String = s.chars().take(max).collect();
    if t.len() < s.len() {
        format!("{}…", t.trim_end())
    } else {
        t.trim_end().to_string()
    }
}

// ---------------------------------------------------------------------------------------
// HTTP/1.1 response parsing
// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// Prompt
// ---------------------------------------------------------------------------------------

const SYSTEM_PROMPT: &str = "You are a careful news copy editor. You receive the key facts of a news story \
(each with an index and the outlets that report it) and the quotes reported in the coverage. \
Rewrite them for readers: a short neutral summary of one or two sentences, and a clearer wording of \
each fact.\n\
Rules:\n\
- Answer with one JSON object only, no prose and no code fence: \
{\"summary\": \"...\", \"facts\": [{\"index\": 0, \"text\": \"...\"}, ...]}\n\
- Give exactly one output fact per input fact, with the same index. Do not merge, split, add, drop or reorder facts.\n\
- Keep each fact's meaning. Use only information in the input: no new names, numbers, dates, places, \
organizations or claims.\n\
- Do not attribute anything to anyone and do not quote anyone: quotes and sources are shown separately.\n\
- Do not mention the outlets.";

fn quote_json(q: &Quote) -> Value {
    let mut v = json!({"speaker": q.speaker, "text": q.text});
    if let Some(r) = &q.speaker_role {
        v["role"] = json!(r);
    }
    v
}

/// The user message: the digest material as JSON.
fn user_message(d: &Digest) -> String {
    let facts: Vec<Value> = d
        .facts
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut outlets: Vec<&str> = Vec::new();
            for s in &f.sources {
                if !outlets.contains(&s.outlet.as_str()) {
                    outlets.push(&s.outlet);
                }
            }
            json!({"index": i, "text": f.text, "sources": outlets})
        })
        .collect();
    let material = json!({
        "headline": d.headline.text,
        "facts": facts,
        "quotes": d.quotes.iter().map(quote_json).collect::<Vec<_>>(),
        "reported_statements": d.attributions.iter().map(quote_json).collect::<Vec<_>>(),
    });
    format!(
        "Story material (JSON):\n{material}\n\nReturn the JSON object with \"summary\" and exactly {} facts (indexes 0 to {}).",
        d.facts.len(),
        d.facts.len().saturating_sub(1)
    )
}

// ---------------------------------------------------------------------------------------
// Answer parsing and checks
// ---------------------------------------------------------------------------------------

/// `choices[0].message.content` of a chat-completions response body.
fn completion_content(body: &[u8]) -> Result<String, LlmError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        LlmError::Protocol(format!(
            "response is not JSON ({e}): {:?}",
            snippet(&String::from_utf8_lossy(body), 120)
        ))
    })?;
    if let Some(err) = v.get("error") {
        return Err(LlmError::Protocol(format!(
            "server reported an error: {}",
            snippet(&err.to_string(), 200)
        )));
    }
    let msg = v
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("message"))
        .ok_or_else(|| LlmError::Protocol("response has no choices[0].message".into()))?;
    match msg.get("content").and_then(Value::as_str) {
        Some(s) if !s.trim().is_empty() => Ok(s.to_string()),
        _ => Err(LlmError::Protocol(
            "choices[0].message.content is missing or empty".into(),
        )),
    }
}

#[derive(Deserialize)]
struct Answer {
    summary: String,
    facts: Vec<AnswerFact>,
}

#[derive(Deserialize)]
struct AnswerFact {
    index: usize,
    text: String,
}

/// Strip one surrounding markdown code fence (```json … ```), which many models add.
fn strip_fence(s: &str) -> &str {
    let t = s.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let Some(rest) = rest.strip_suffix("```") else {
        return t;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    rest.trim()
}

fn clean_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Check the model's answer `content` against `digest` and apply it: the summary and the fact
/// wordings are replaced; sources, quotes, attributions and everything else are kept.
///
/// Rejected when the answer is not JSON `{"summary": string, "facts": [{"index": n, "text":
/// string}]}`, has a different number of facts, repeats or skips an index, has an empty or
/// overlong text, or fails the grounding checks (see [`check_grounded`]).
pub fn apply_rewrite(digest: &Digest, content: &str) -> Result<Digest, LlmError> {
    let json_text = strip_fence(content);
    let answer: Answer = serde_json::from_str(json_text).map_err(|e| {
        LlmError::Rejected(format!(
            "answer is not JSON of the asked shape ({e}): {:?}",
            snippet(json_text, 120)
        ))
    })?;
    let n = digest.facts.len();
    if answer.facts.len() != n {
        return Err(LlmError::Rejected(format!(
            "answer has {} facts, {n} were given",
            answer.facts.len()
        )));
    }
    let mut texts: Vec<Option<String>> = vec![None; n];
    for f in answer.facts {
        let slot = texts.get_mut(f.index).ok_or_else(|| {
            LlmError::Rejected(format!("fact index {} is out of range 0..{n}", f.index))
        })?;
        if slot.is_some() {
            return Err(LlmError::Rejected(format!(
                "fact index {} repeated",
                f.index
            )));
        }
        *slot = Some(clean_text(&f.text));
    }
    let texts: Vec<String> = texts.into_iter().map(|t| t.unwrap_or_default()).collect();
    let summary = clean_text(&answer.summary);

    let source = Grounding::new(digest);
    let check = |what: &str, t: &str| -> Result<(), LlmError> {
        if t.is_empty() {
            return Err(LlmError::Rejected(format!("{what} is empty")));
        }
        if t.chars().count() > MAX_TEXT_CHARS {
            return Err(LlmError::Rejected(format!(
                "{what} is longer than {MAX_TEXT_CHARS} characters"
            )));
        }
        source
            .check(t)
            .map_err(|m| LlmError::Rejected(format!("{what}: {m}")))
    };
    check("summary", &summary)?;
    for (i, t) in texts.iter().enumerate() {
        check(&format!("fact {i}"), t)?;
    }

    let mut out = digest.clone();
    out.summary = summary;
    for (f, t) in out.facts.iter_mut().zip(texts) {
        f.text = t;
    }
    Ok(out)
}

/// Check that `text` introduces nothing that is not in `digest`'s headline, facts and quotes
/// (text, speaker, role): every number, every capitalized word, every run of capitalized
/// words (so known name parts cannot be recombined into a new name) and every quoted passage
/// must come from that material. Returns the first offending item.
pub fn check_grounded(digest: &Digest, text: &str) -> Result<(), String> {
    Grounding::new(digest).check(text)
}

/// Number words and the value they stand for ("one" is left out: "one of the" is no count).
const NUMBER_WORDS: &[(&str, u64)] = &[
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("dozen", 12),
];

/// Magnitude words: they must appear in the material themselves.
const SCALE_WORDS: &[&str] = &["hundred", "thousand", "million", "billion", "trillion"];

/// Capitalized words allowed at the start of a sentence even when the material does not use
/// them (function words and common sentence openers).
const STARTERS: &[&str] = &[
    "a",
    "an",
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "they",
    "their",
    "there",
    "he",
    "she",
    "his",
    "her",
    "we",
    "our",
    "in",
    "on",
    "at",
    "after",
    "before",
    "during",
    "following",
    "with",
    "without",
    "by",
    "for",
    "from",
    "as",
    "of",
    "to",
    "and",
    "but",
    "or",
    "so",
    "yet",
    "also",
    "meanwhile",
    "however",
    "while",
    "when",
    "where",
    "although",
    "though",
    "despite",
    "since",
    "until",
    "if",
    "under",
    "over",
    "about",
    "more",
    "most",
    "some",
    "many",
    "several",
    "both",
    "all",
    "each",
    "no",
    "not",
    "only",
    "officials",
    "authorities",
    "according",
    "earlier",
    "later",
    "now",
    "today",
    "separately",
    "additionally",
    "overall",
    "other",
    "another",
    "such",
    "what",
    "which",
    "who",
    "how",
    "why",
    "once",
    "then",
    "thus",
    "instead",
    "among",
    "amid",
    "against",
    "around",
    "through",
    "new",
    "further",
];

/// Title words: a run of capitalized words may continue with a new title ("Tuesday Mayor …").
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "president",
    "vice",
    "prime",
    "minister",
    "secretary",
    "senator",
    "sen",
    "rep",
    "representative",
    "governor",
    "gov",
    "mayor",
    "judge",
    "justice",
    "chief",
    "inspector",
    "detective",
    "sergeant",
    "officer",
    "general",
    "gen",
    "colonel",
    "captain",
    "capt",
    "commissioner",
    "chancellor",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "bishop",
    "ceo",
    "chair",
    "chairman",
    "chairwoman",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "police",
    "councillor",
    "councilor",
    "deputy",
    "director",
    "superintendent",
    "lord",
    "lady",
];

/// Calendar words after which a run of capitalized words may break ("On Tuesday Mayor …").
const CALENDAR: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A word of a text with its position facts.
struct Word<'a> {
    text: &'a str,
    /// First word of a sentence (or of the text, or after a colon).
    initial: bool,
    /// Separated from the previous word by whitespace only.
    joined: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut initial = true;
    let mut joined = false;
    let mut start: Option<usize> = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if i < text.len() && is_word_char(c) {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            out.push(Word {
                text: &text[s..i],
                initial,
                joined,
            });
            initial = false;
            joined = true;
        }
        if i >= text.len() {
            break;
        }
        if matches!(c, '.' | '!' | '?' | ':' | ';' | '\n') {
            // A dot inside an abbreviation ("U.S. officials") still ends the sentence for
            // this purpose: being lenient on starters only allows function words.
            initial = true;
        }
        if !c.is_whitespace() {
            joined = false;
        }
    }
    out
}

fn is_capitalized(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_uppercase())
}

/// Numbers in a text: digit runs with inner `,` / `.` joined ("1,200.5" → "1200.5"), and
/// number words as their value.
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut s = String::new();
            while i < chars.len() {
                let c = chars[i];
                if c.is_ascii_digit() {
                    s.push(c);
                } else if (c == ',' || c == '.')
                    && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
                    && !s.is_empty()
                {
                    if c == '.' {
                        s.push('.');
                    }
                } else {
                    break;
                }
                i += 1;
            }
            let s = s.trim_start_matches('0');
            out.push(if s.is_empty() || s.starts_with('.') {
                format!("0{s}")
            } else {
                s.to_string()
            });
        } else {
            i += 1;
        }
    }
    for w in words(text) {
        let l = w.text.to_lowercase();
        if let Some((_, v)) = NUMBER_WORDS.iter().find(|(n, _)| *n == l) {
            out.push(v.to_string());
        }
    }
    out
}

/// Quoted passages of a text (between straight or curly double quotes, or guillemets).
fn quoted_passages(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for c in text.chars() {
        match (c, cur.as_mut()) {
            ('"' | '“' | '”' | '«' | '»' | '„', Some(s)) => {
                out.push(std::mem::take(s));
                cur = None;
            }
            ('"' | '“' | '«' | '„', None) => cur = Some(String::new()),
            (_, Some(s)) => s.push(c),
            _ => {}
        }
    }
    if let Some(s) = cur {
        out.push(s); // an unclosed quote still counts
    }
    out.into_iter()
        .map(|s| norm_phrase(&s))
        .filter(|s| !s.is_empty())
        .collect()
}

fn norm_phrase(s: &str) -> String {
    words(s)
        .iter()
        .map(|w| w.text.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the model was given, indexed for the checks.
struct Grounding {
    /// Words exactly as written.
    exact: HashSet<String>,
    /// Words, lower-cased.
    lower: HashSet<String>,
    /// Normalized numbers.
    numbers: HashSet<String>,
    /// Word sequences of each text (exact case), to find runs of capitalized words.
    sequences: Vec<Vec<String>>,
    /// Each text as normalized lower-case words joined by spaces, padded with spaces.
    phrases: Vec<String>,
}

impl Grounding {
    fn new(d: &Digest) -> Grounding {
        let mut texts: Vec<&str> = vec![&d.headline.text];
        texts.extend(d.facts.iter().map(|f| f.text.as_str()));
        for q in d.quotes.iter().chain(&d.attributions) {
            texts.push(&q.text);
            texts.push(&q.speaker);
            if let Some(r) = &q.speaker_role {
                texts.push(r);
            }
        }
        let mut g = Grounding {
            exact: HashSet::new(),
            lower: HashSet::new(),
            numbers: HashSet::new(),
            sequences: Vec::new(),
            phrases: Vec::new(),
        };
        for t in texts {
            let ws = words(t);
            for w in &ws {
                g.exact.insert(w.text.to_string());
                g.lower.insert(w.text.to_lowercase());
            }
            g.numbers.extend(numbers(t));
            g.sequences
                .push(ws.iter().map(|w| w.text.to_string()).collect());
            g.phrases.push(format!(" {} ", norm_phrase(t)));
        }
        g
    }

    fn has_sequence(&self, run: &[&str]) -> bool {
        self.sequences.iter().any(|s| {
            s.windows(run.len())
                .any(|w| w.iter().zip(run).all(|(a, b)| a == b))
        })
    }

    fn check(&self, text: &str) -> Result<(), String> {
        for n in numbers(text) {
            if !self.numbers.contains(&n) {
                return Err(format!("number {n} is not in the given facts or quotes"));
            }
        }
        let ws = words(text);
        for w in &ws {
            let l = w.text.to_lowercase();
            if SCALE_WORDS.contains(&l.as_str()) && !self.lower.contains(&l) {
                return Err(format!("{:?} is not in the given facts or quotes", w.text));
            }
        }
        // Capitalized words: known exactly, or a sentence opener.
        let known = |w: &Word| {
            self.exact.contains(w.text)
                || w.text == "I"
                || (w.initial && {
                    let l = w.text.to_lowercase();
                    STARTERS.contains(&l.as_str()) || self.lower.contains(&l)
                })
        };
        for w in ws.iter().filter(|w| is_capitalized(w.text)) {
            if !known(w) {
                return Err(format!(
                    "name {:?} is not in the given facts or quotes",
                    w.text
                ));
            }
        }
        // Runs of capitalized words must be runs of the material (no new name combinations).
        let mut i = 0;
        while i < ws.len() {
            if !is_capitalized(ws[i].text) {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < ws.len() && ws[j].joined && !ws[j].initial && is_capitalized(ws[j].text) {
                j += 1;
            }
            self.check_run(&ws[i..j])?;
            i = j;
        }
        for q in quoted_passages(text) {
            if !self.phrases.iter().any(|p| p.contains(&format!(" {q} "))) {
                return Err(format!(
                    "quoted passage {:?} is not in the given facts or quotes",
                    snippet(&q, 60)
                ));
            }
        }
        Ok(())
    }

    /// A run of capitalized words: split it where a break is natural (after a sentence
    /// opener or a calendar word, before a title); each piece must occur in the material.
    fn check_run(&self, run: &[Word]) -> Result<(), String> {
        let mut start = 0;
        // A sentence-initial opener the material does not have in that form is its own piece.
        if run.len() > 1 && run[0].initial && !self.exact.contains(run[0].text) {
            start = 1;
        }
        while start < run.len() {
            let mut end = start + 1;
            let texts: Vec<&str> = run.iter().map(|w| w.text).collect();
            while end < run.len() && self.has_sequence(&texts[start..=end]) {
                end += 1;
            }
            if end < run.len() {
                let prev = run[end - 1].text.to_lowercase();
                let next = run[end].text.to_lowercase();
                let natural = CALENDAR.contains(&prev.as_str())
                    || TITLES.contains(&next.as_str())
                    || (end - 1 == 0 && run[0].initial);
                if !natural {
                    return Err(format!(
                        "name {:?} is not in the given facts or quotes",
                        texts[start..=end].join(" ")
                    ));
                }
            }
            start = end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_paths() {
        let t = |b: &str| parse_endpoint(b).unwrap().target;
        assert_eq!(t("http://127.0.0.1:8080"), "/v1/chat/completions");
        assert_eq!(t("http://h/"), "/v1/chat/completions");
        assert_eq!(t("http://h/v1"), "/v1/chat/completions");
        assert_eq!(t("http://h/api/v1/"), "/api/v1/chat/completions");
        assert_eq!(
            t("http://h/x/chat/completions?k=1"),
            "/x/chat/completions?k=1"
        );
        assert_eq!(t("https://api.example/v1"), "/v1/chat/completions");
        assert!(matches!(
            parse_endpoint("ftp://h"),
            Err(LlmError::Config(_))
        ));
        assert!(matches!(
            parse_endpoint("not a url"),
            Err(LlmError::Config(_))
        ));
        assert_eq!(
            parse_endpoint("http://[::1]:9/").unwrap().host_header,
            "[::1]:9"
        );
    }

    #[test]
    fn numbers_are_normalized() {
        assert_eq!(
            numbers("1,200 people and 3.50 dollars, 007"),
            vec!["1200", "3.50", "7"]
        );
        assert_eq!(numbers("seven to two"), vec!["7", "2"]);
        assert_eq!(numbers("one of them"), Vec::<String>::new());
    }

    #[test]
    fn quoted_passages_found() {
        assert_eq!(
            quoted_passages("He said “We will, win” and \"go\""),
            vec!["we will win", "go"]
        );
    }

    #[test]
    fn fences_stripped() {
        assert_eq!(strip_fence("```json\n{\"a\":1}\n```"), "{\"a\":1}");
        assert_eq!(strip_fence(" {\"a\":1} "), "{\"a\":1}");
    }

    #[test]
    fn from_lookup_rules() {
        let none = LlmConfig::from_lookup(|_| None).unwrap();
        assert!(none.is_none());
        let only_url = LlmConfig::from_lookup(|k| (k == ENV_URL).then(|| "http://h".to_string()));
        assert!(matches!(only_url, Err(LlmError::Config(_))));
        let full = LlmConfig::from_lookup(|k| match k {
            ENV_URL => Some("http://h:1".into()),
            ENV_MODEL => Some(" m ".into()),
            ENV_API_KEY => Some("".into()),
            ENV_TIMEOUT => Some("2.5".into()),
            _ => None,
        })
        .unwrap()
        .unwrap();
        assert_eq!(full.model, "m");
        assert_eq!(full.api_key, None);
        assert_eq!(full.timeout, Duration::from_millis(2500));
        let bad_t = LlmConfig::from_lookup(|k| match k {
            ENV_URL => Some("http://h:1".into()),
            ENV_MODEL => Some("m".into()),
            ENV_TIMEOUT => Some("-1".into()),
            _ => None,
        });
        assert!(matches!(bad_t, Err(LlmError::Config(_))));
        let dbg = format!(
            "{:?}",
            LlmConfig {
                api_key: Some("sekrit".into()),
                ..LlmConfig::new("http://h", "m")
            }
        );
        assert!(!dbg.contains("sekrit"));
    }
}
