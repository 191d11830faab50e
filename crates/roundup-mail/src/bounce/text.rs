//! Report analysis: complaints, provider JSON notifications, RFC 3464 reports, auto-replies and
//! free-text bounces, down to one [`Recipient`] per failed address.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::dsn::{self, DsnRecipient};
use super::mime::Doc;
use super::reason::{self, action_for, squash, Reason};
use super::{Action, Recipient, Report, ReportKind};

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[A-Za-z0-9_][A-Za-z0-9._%+=!#$&'*/?^`{|}~-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+",
    )
    .expect("address regex")
});

static STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}").expect("status regex"));

static REPLY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[245][0-9][0-9]").expect("reply"));

/// Normalises an address: trims decoration, lowercases the domain.
fn normalize_address(a: &str) -> String {
    let a = a.trim_matches(|c: char| c == '.' || c == '\'' || c == '`' || c == '-');
    match a.rfind('@') {
        Some(at) => format!("{}@{}", &a[..at], a[at + 1..].to_ascii_lowercase()),
        None => a.to_string(),
    }
}

/// The first email address in `s`, normalised.
pub(crate) fn first_address(s: &str) -> Option<String> {
    ADDRESS
        .find(s)
        .map(|m| normalize_address(m.as_str()))
        .filter(|a| a.contains('@'))
}

/// All addresses in `s` with their byte offsets.
fn all_addresses(s: &str) -> Vec<(usize, String)> {
    ADDRESS
        .find_iter(s)
        .map(|m| (m.start(), normalize_address(m.as_str())))
        .collect()
}

/// The first RFC 3463 status code in `s` that is not part of a longer dotted number (an IP).
pub(crate) fn find_status(s: &str) -> Option<String> {
    let b = s.as_bytes();
    for m in STATUS.find_iter(s) {
        let before = m.start().checked_sub(1).map(|i| b[i]);
        let after = b.get(m.end()).copied();
        let after2 = b.get(m.end() + 1).copied();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'.') {
            continue;
        }
        if after.is_some_and(|c| c.is_ascii_digit())
            || (after == Some(b'.') && after2.is_some_and(|c| c.is_ascii_digit()))
        {
            continue;
        }
        return Some(m.as_str().to_string());
    }
    None
}

/// The SMTP reply code in `s`: a 2xx/4xx/5xx number standing alone and followed by a space, a
/// dash or the end, preferring one that precedes a status code.
pub(crate) fn find_reply_code(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    let mut first = None;
    for m in REPLY.find_iter(s) {
        let before = m.start().checked_sub(1).map(|i| b[i]);
        let after = b.get(m.end()).copied();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-' || c == b'#')
        {
            continue;
        }
        if !(after.is_none() || after == Some(b' ') || after == Some(b'-')) {
            continue;
        }
        let code: u16 = m.as_str().parse().ok()?;
        let rest = &s[m.end()..];
        let rest = rest.trim_start_matches([' ', '-']);
        if find_status(rest).is_some_and(|st| rest.starts_with(&st)) {
            return Some(code);
        }
        if first.is_none() && code != 250 {
            first = Some(code);
        }
    }
    first
}

fn truncate(s: &str, n: usize) -> String {
    let sq: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if sq.chars().count() <= n {
        sq
    } else {
        sq.chars().take(n).collect::<String>() + "…"
    }
}

/// Which reason a piece of evidence gives, and how strongly.
struct Decision {
    reason: Reason,
    status: Option<String>,
    inferred: bool,
}

/// The SMTP command a failure answered, when the report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Rcpt,
    Mail,
    Data,
    Other,
}

static COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"in reply to (rcpt to|mail from|end of data|data|helo|ehlo|connect|starttls)",
        r"|after (rcpt to|mail from|end of data|data|initial connection|helo|ehlo|starttls|rcpt)",
        r"|>>> (rcpt to|mail from|data|helo|ehlo)|(rcpt to|mail from|data) response",
        r"|\[(rcpt_to|mail_from)\]|smtp command:? (rcpt|mail|data)",
        r"|\b(rcpt to|mail from|data) command|smtp:(rcpt|mail|data)",
        r"|does not like (recipient)|like our (rcpt to)|\b(rcpt): <",
        // Pipelined sessions: the RCPT rejection shows up after DATA was sent.
        r"|need (rcpt) command|error: no valid (recipient)s",
    ))
    .expect("command regex")
});

/// Human-readable wording that says the address itself was looked up and not found.
static AFFIRMATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"address (couldn't|could not|cannot|can't) be found|address not found|recipient name is not recognized|not listed in (the )?[a-z& ]*(directory|address book)|unknown recipient|no valid recipients|invalid final delivery userid|unknown user:|invalid recipient|remote smtp server has rejected address").expect("affirmative regex")
});

static RECIPIENT_REJECTED_HARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"recipient address rejected: access denied").expect("regex"));

static RECIPIENT_REJECTED_UNKNOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"recipient address rejected: (user unknown|unknown user|undeliverable address|no such user)").expect("regex")
});

/// "550 : User unknown": a reply naming no address, typical of post-DATA recipient filters.
static EMPTY_ADDRESS_UNKNOWN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b5[0-9][0-9]:? : user unknown").expect("empty-address regex"));

fn smtp_command(sq: &str) -> Option<Command> {
    // The last command mentioned is the one the failure answered (SMTP transcripts list them
    // in order).
    let m = COMMAND.captures_iter(sq).last()?;
    let word = m.iter().skip(1).flatten().next()?.as_str();
    Some(if word.starts_with("rcpt") || word == "recipient" {
        Command::Rcpt
    } else if word.starts_with("mail") {
        Command::Mail
    } else if word.contains("data") {
        Command::Data
    } else {
        Command::Other
    })
}

/// Decides the reason for one recipient from, in order: the wording of its own diagnostic (or
/// of the text around it when there is none), its status code, and the whole notification.
///
/// "User unknown" wording alone is trusted only when the status is x.1.1 or the failure
/// answered the RCPT command: a rejection after DATA (or of unknown stage) with such wording is
/// typically a content filter's, so it counts as `filtered`, a soft failure.
fn decide(
    diagnostic: &str,
    diag_type: Option<&str>,
    status: Option<&str>,
    block: &str,
    context: &str,
) -> Decision {
    let diag_sq = squash(diagnostic);
    let block_sq = squash(block);
    let ctx_sq = squash(context);
    let in_text = find_status(diagnostic).or_else(|| find_status(block));
    let status_found = match (status, in_text) {
        (Some(s), Some(t))
            if s.ends_with(".0.0") && t.starts_with(&s[..1]) && !t.ends_with(".0.0") =>
        {
            Some(t)
        }
        (Some(s), _) => Some(s.to_string()),
        (None, t) => t,
    };
    let class = status_found.as_deref().and_then(|s| s.chars().next());
    let by_status = status_found
        .as_deref()
        .and_then(reason::from_status)
        .filter(|r| *r != Reason::Delivered || class == Some('2'));
    let command = smtp_command(&diag_sq).or_else(|| smtp_command(&block_sq));
    let wording = if diag_type == Some("x-unix") {
        Some(Reason::MailerError)
    } else {
        strong(&diag_sq).or_else(|| {
            if diag_sq.is_empty() || by_status.is_none() {
                strong(&block_sq)
            } else {
                None
            }
        })
    };
    let reason = match wording {
        Some(Reason::UserUnknown) => {
            if command == Some(Command::Mail) {
                Reason::Rejected
            } else if by_status == Some(Reason::UserUnknown) {
                Reason::UserUnknown
            } else if command == Some(Command::Rcpt) {
                // A policy-class status (x.7.x) next to "user unknown" wording is a filter's
                // answer, except for directory-based "access denied" rejections.
                if status_found
                    .as_deref()
                    .is_some_and(|s| s.get(1..4) == Some(".7."))
                    && !RECIPIENT_REJECTED_HARD.is_match(&diag_sq)
                    && !RECIPIENT_REJECTED_HARD.is_match(&block_sq)
                {
                    Reason::Filtered
                } else {
                    Reason::UserUnknown
                }
            } else if command == Some(Command::Data)
                || EMPTY_ADDRESS_UNKNOWN.is_match(&diag_sq)
                || EMPTY_ADDRESS_UNKNOWN.is_match(&block_sq)
            {
                Reason::Filtered
            } else if let Some(r) = by_status {
                r
            } else if AFFIRMATIVE.is_match(&diag_sq) || AFFIRMATIVE.is_match(&block_sq) {
                Reason::UserUnknown
            } else {
                Reason::Filtered
            }
        }
        Some(w) if w.is_hard() && matches!(command, Some(Command::Mail) | Some(Command::Data)) => {
            Reason::Rejected
        }
        Some(w) => w,
        None => by_status
            .or_else(|| strong(&block_sq))
            .or_else(|| strong(&ctx_sq))
            .map(|r| {
                if r == Reason::UserUnknown
                    && command != Some(Command::Rcpt)
                    && by_status.is_none()
                    && !AFFIRMATIVE.is_match(&block_sq)
                    && !AFFIRMATIVE.is_match(&ctx_sq)
                {
                    Reason::Filtered
                } else {
                    r
                }
            })
            .unwrap_or(Reason::Undefined),
    };
    // A failure answering MAIL FROM is about the sender; after DATA the recipient was
    // already accepted, so domain-level "hard" wording is not about the recipient either.
    let reason = match command {
        Some(Command::Mail) if reason.is_hard() => Reason::Rejected,
        Some(Command::Data)
            if matches!(reason, Reason::HostUnknown | Reason::NotAccept)
                && by_status != Some(reason) =>
        {
            Reason::Rejected
        }
        _ => reason,
    };
    // The human-readable part contradicting a hard verdict with a soft, specific reason
    // (e.g. "Not enough disk space" next to a "user unknown" DSN): when unsure, prefer soft.
    let reason = if reason.is_hard() {
        match strong(&ctx_sq) {
            Some(
                r @ (Reason::MailboxFull | Reason::SystemFull | Reason::Suspend | Reason::Expired),
            ) => r,
            _ => reason,
        }
    } else {
        reason
    };
    let (status, inferred) = match status_found {
        Some(s) => (Some(s), false),
        None => (Some(infer_status(reason, &ctx_sq)), true),
    };
    Decision {
        reason,
        status,
        inferred,
    }
}

/// Wording rules without the final catch-all ("rejected", "could not be delivered"), which
/// is boilerplate in too many notifications to outrank a status code.
fn strong(sq: &str) -> Option<Reason> {
    if RECIPIENT_REJECTED_HARD.is_match(sq) || RECIPIENT_REJECTED_UNKNOWN.is_match(sq) {
        return Some(Reason::UserUnknown);
    }
    // "Recipient address rejected: <why>": the why decides, when it says something specific.
    const RCPT_REJECTED: &str = "recipient address rejected: ";
    if let Some(p) = sq.find(RCPT_REJECTED) {
        let why = &sq[p + RCPT_REJECTED.len()..];
        match reason::from_wording(why) {
            Some(Reason::Rejected) | Some(Reason::Delivered) | None => {}
            Some(r) => return Some(r),
        }
    }
    match reason::from_wording(sq) {
        Some(Reason::Rejected) => {
            // Only the specific (sender-side) Rejected rule is strong.
            if is_weak_rejected(sq) {
                None
            } else {
                Some(Reason::Rejected)
            }
        }
        Some(Reason::Delivered) => None,
        other => other,
    }
}

static SENDER_SIDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"sender (address )?(rejected|refused|denied|verify failed|verification|domain|address)|(sender|from|envelope|return|mail from).{0,40}(domain|address) (not found|does not exist|unknown|must exist|invalid)|domain of sender|sender.* (unknown|invalid|not allowed)|mail from.*(rejected|refused)|your (address|domain|envelope)|invalid sender|unknown sender|bad sender|5\.1\.[78]\b|return path|null sender|address verification failed for sender").expect("sender regex")
});

fn is_weak_rejected(sq: &str) -> bool {
    !SENDER_SIDE.is_match(sq)
}

fn infer_status(reason: Reason, ctx: &str) -> String {
    let temporary = ctx.contains("temporar")
        || ctx.contains("delayed")
        || ctx.contains("will retry")
        || ctx.contains("will be retried")
        || ctx.contains("still trying")
        || ctx.contains("deferred");
    let class = if temporary && !reason.is_hard() {
        '4'
    } else {
        '5'
    };
    let detail = match reason {
        Reason::UserUnknown => "1.1",
        Reason::HostUnknown => "1.2",
        Reason::HasMoved => "1.6",
        Reason::NotAccept => "1.10",
        Reason::MailboxFull => "2.2",
        Reason::Suspend => "2.1",
        Reason::Expired => "4.7",
        Reason::MesgTooBig => "3.4",
        Reason::NetworkError => "4.0",
        Reason::SystemError => "3.0",
        Reason::SystemFull => "3.1",
        Reason::Blocked
        | Reason::SpamDetected
        | Reason::PolicyViolation
        | Reason::Filtered
        | Reason::VirusDetected
        | Reason::AuthFailure
        | Reason::RequirePtr
        | Reason::BadReputation
        | Reason::SecurityError => "7.1",
        _ => "0.0",
    };
    let class = if reason == Reason::Expired {
        '4'
    } else {
        class
    };
    format!("{class}.{detail}")
}

fn recipient(address: String, d: Decision, reply: Option<u16>, diag: &str) -> Recipient {
    let class = d.status.as_deref().and_then(|s| s.chars().next());
    let class_for_action = if d.inferred { None } else { class };
    Recipient {
        address,
        action: action_for(d.reason, class_for_action),
        status: d.status,
        status_inferred: d.inferred,
        reply_code: reply,
        reason: d.reason,
        diagnostic: truncate(diag, 400),
    }
}

/// Entry point: the report of a parsed document.
pub(crate) fn analyze(doc: &Doc) -> Report {
    analyze_at(doc, 0)
}

/// How deep reports wrapping reports are followed.
const MAX_NESTING: usize = 2;

fn analyze_at(doc: &Doc, depth: usize) -> Report {
    if let Some(r) = complaint(doc) {
        return r;
    }
    if let Some(r) = unsubscribe_request(doc) {
        return r;
    }
    if let Some(r) = provider_json(doc) {
        return r;
    }
    let dsn_recipients: Vec<DsnRecipient> =
        doc.dsn.iter().flat_map(|d| dsn::parse_dsn(d)).collect();
    if !dsn_recipients.is_empty() {
        return from_dsn(doc, &dsn_recipients);
    }
    // A notification that only wraps the real report (a relay forwarding a DSN as an
    // attachment): read the attached one.
    if depth < MAX_NESTING {
        if let Some(raw) = doc.attached.as_deref() {
            let inner = Doc::parse(raw);
            if !inner.dsn.is_empty() && from_is_daemon(&inner) {
                let r = analyze_at(&inner, depth + 1);
                if r.kind == ReportKind::DeliveryStatus && !r.recipients.is_empty() {
                    return r;
                }
            }
        }
    }
    if is_auto_reply(doc) {
        let from = doc
            .header("from")
            .and_then(first_address)
            .unwrap_or_default();
        return Report {
            kind: ReportKind::AutoReply,
            recipients: vec![Recipient {
                address: from,
                status: None,
                status_inferred: false,
                reply_code: None,
                reason: Reason::Vacation,
                action: Action::Ignore,
                diagnostic: truncate(&doc.subject, 200),
            }],
        };
    }
    from_text(doc)
}

/// A reader's one-click unsubscribe request sent by their mail client (e.g. Apple Mail's
/// `X-Apple-Unsubscribe: true`, or a bare "unsubscribe" subject to a list-unsubscribe address).
fn unsubscribe_request(doc: &Doc) -> Option<Report> {
    let flagged = doc
        .header("x-apple-unsubscribe")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let subject_only = doc.subject.trim().eq_ignore_ascii_case("unsubscribe") && doc.dsn.is_empty();
    if !(flagged || subject_only) {
        return None;
    }
    let from = doc
        .header("from")
        .and_then(first_address)
        .unwrap_or_default();
    Some(Report {
        kind: ReportKind::Complaint,
        recipients: vec![Recipient {
            address: from,
            status: None,
            status_inferred: false,
            reply_code: None,
            reason: Reason::Feedback,
            action: Action::Unsubscribe,
            diagnostic: "unsubscribe request".into(),
        }],
    })
}

fn feedback_fields(doc: &Doc) -> Option<Vec<dsn::Field>> {
    if !doc.feedback.is_empty() {
        return Some(
            doc.feedback
                .iter()
                .flat_map(|t| dsn::parse_fields(t))
                .collect(),
        );
    }
    let is_report = doc.report_type.as_deref() == Some("feedback-report");
    let fields = dsn::parse_fields(&doc.text);
    let has_type = fields.iter().any(|f| f.name == "feedback-type");
    if is_report || has_type {
        return Some(fields);
    }
    None
}

fn complaint(doc: &Doc) -> Option<Report> {
    let fields = feedback_fields(doc)?;
    let mut addrs: Vec<String> = fields
        .iter()
        .filter(|f| f.name == "original-rcpt-to")
        .filter_map(|f| first_address(&f.value))
        .collect();
    if addrs.is_empty() {
        addrs = fields
            .iter()
            .filter(|f| f.name == "removal-recipient")
            .filter_map(|f| first_address(&f.value))
            .collect();
    }
    if addrs.is_empty() {
        if let Some(a) = doc.original_header("to").and_then(first_address) {
            addrs.push(a);
        }
    }
    if addrs.is_empty() {
        addrs.push(String::new());
    }
    let kind = fields
        .iter()
        .find(|f| f.name == "feedback-type")
        .map(|f| f.value.clone())
        .unwrap_or_else(|| "abuse".into());
    Some(Report {
        kind: ReportKind::Complaint,
        recipients: dedupe(addrs)
            .into_iter()
            .map(|address| Recipient {
                address,
                status: None,
                status_inferred: false,
                reply_code: None,
                reason: Reason::Feedback,
                action: Action::Unsubscribe,
                diagnostic: format!("feedback-type: {kind}"),
            })
            .collect(),
    })
}

fn dedupe(addrs: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    addrs
        .into_iter()
        .filter(|a| a.is_empty() || seen.insert(a.to_ascii_lowercase()))
        .collect()
}

/// Provider notifications carried as JSON (Amazon SES, optionally inside an SNS envelope).
fn provider_json(doc: &Doc) -> Option<Report> {
    let t = doc.text.as_str();
    if !t.contains("notificationType") && !t.contains("eventType") {
        return None;
    }
    let start = t.find('{')?;
    let end = t.rfind('}')?;
    if end <= start {
        return None;
    }
    let raw = &t[start..=end];
    // Long lines may arrive split by a relay as "!\n " (sendmail's over-long line handling).
    let mut v: serde_json::Value = serde_json::from_str(raw)
        .or_else(|_| serde_json::from_str(&raw.replace("!\n ", "")))
        .or_else(|_| serde_json::from_str(&raw.replace("\n ", "").replace('\n', "")))
        .ok()?;
    if let Some(inner) = v.get("Message").and_then(|m| m.as_str()) {
        v = serde_json::from_str(inner).ok()?;
    }
    let kind = v
        .get("notificationType")
        .or_else(|| v.get("eventType"))
        .and_then(|x| x.as_str())?
        .to_ascii_lowercase();
    let s = |x: &serde_json::Value, k: &str| x.get(k).and_then(|y| y.as_str()).map(str::to_string);
    let mut out = Vec::new();
    match kind.as_str() {
        "complaint" => {
            for r in v["complaint"]["complainedRecipients"].as_array()? {
                out.push(Recipient {
                    address: s(r, "emailAddress")
                        .map(|a| normalize_address(&a))
                        .unwrap_or_default(),
                    status: None,
                    status_inferred: false,
                    reply_code: None,
                    reason: Reason::Feedback,
                    action: Action::Unsubscribe,
                    diagnostic: s(&v["complaint"], "complaintFeedbackType").unwrap_or_default(),
                });
            }
            return Some(Report {
                kind: ReportKind::Complaint,
                recipients: out,
            });
        }
        "delivery" => {
            let smtp = s(&v["delivery"], "smtpResponse").unwrap_or_default();
            for r in v["delivery"]["recipients"].as_array()? {
                out.push(Recipient {
                    address: r.as_str().map(normalize_address).unwrap_or_default(),
                    status: find_status(&smtp).or(Some("2.0.0".into())),
                    status_inferred: find_status(&smtp).is_none(),
                    reply_code: find_reply_code(&smtp),
                    reason: Reason::Delivered,
                    action: Action::Ignore,
                    diagnostic: truncate(&smtp, 400),
                });
            }
        }
        "bounce" => {
            let b = &v["bounce"];
            let sub = format!(
                "{} {}",
                s(b, "bounceType").unwrap_or_default(),
                s(b, "bounceSubType").unwrap_or_default()
            );
            for r in b["bouncedRecipients"].as_array()? {
                let diag = s(r, "diagnosticCode").unwrap_or_default();
                let (dt, dv) = dsn::typed_value(&diag);
                let st = s(r, "status");
                let d = decide(&dv, dt.as_deref(), st.as_deref(), "", &sub);
                out.push(recipient(
                    s(r, "emailAddress")
                        .map(|a| normalize_address(&a))
                        .unwrap_or_default(),
                    d,
                    find_reply_code(&dv),
                    &dv,
                ));
            }
        }
        _ => return None,
    }
    Some(Report {
        kind: ReportKind::DeliveryStatus,
        recipients: out,
    })
}

/// Lines of the notification text, and the line index where each address first appears.
struct TextIndex<'a> {
    lines: Vec<&'a str>,
}

impl<'a> TextIndex<'a> {
    fn new(text: &'a str) -> Self {
        TextIndex {
            lines: text.split('\n').collect(),
        }
    }

    fn first_line_of(&self, addr: &str) -> Option<usize> {
        let a = addr.to_ascii_lowercase();
        if a.is_empty() {
            return None;
        }
        self.lines
            .iter()
            .position(|l| l.to_ascii_lowercase().contains(&a))
    }

    fn join(&self, from: usize, to: usize) -> String {
        self.lines[from.min(self.lines.len())..to.min(self.lines.len())].join("\n")
    }
}

/// For each address (in order), the text from its first line up to the next address's first
/// line; plus the preamble before the first address.
fn blocks(text: &str, addrs: &[String]) -> (Vec<String>, String) {
    let idx = TextIndex::new(text);
    let starts: Vec<Option<usize>> = addrs.iter().map(|a| idx.first_line_of(a)).collect();
    let mut sorted: Vec<usize> = starts.iter().flatten().copied().collect();
    sorted.sort_unstable();
    sorted.dedup();
    let preamble_end = sorted.first().copied().unwrap_or(idx.lines.len());
    let preamble = idx.join(0, preamble_end);
    let lower: Vec<String> = idx.lines.iter().map(|l| l.to_ascii_lowercase()).collect();
    let keys: Vec<String> = addrs.iter().map(|a| a.to_ascii_lowercase()).collect();
    let out = starts
        .iter()
        .enumerate()
        .map(|(k, s)| match s {
            Some(s) => {
                // Up to the next line naming another recipient (reports may repeat themselves,
                // e.g. in two languages, so first appearances alone are not enough).
                let next = (s + 1..idx.lines.len())
                    .find(|&i| {
                        keys.iter().enumerate().any(|(j, key)| {
                            j != k && !key.is_empty() && lower[i].contains(key.as_str())
                        })
                    })
                    .unwrap_or(idx.lines.len());
                idx.join(*s, next)
            }
            None => String::new(),
        })
        .collect();
    (out, preamble)
}

fn from_dsn(doc: &Doc, recs: &[DsnRecipient]) -> Report {
    let addrs: Vec<String> = recs
        .iter()
        .map(|r| r.address().unwrap_or_default())
        .collect();
    let (blks, preamble) = blocks(&doc.text, &addrs);
    let mut out = Vec::new();
    let single = recs.len() == 1;
    for (i, r) in recs.iter().enumerate() {
        let action = r.action.as_deref().unwrap_or("");
        let status = r.status.as_deref().and_then(find_status);
        let diag = r.diagnostic.clone().unwrap_or_default();
        if matches!(action, "delivered" | "relayed" | "expanded" | "deliverable")
            || (status.as_deref().is_some_and(|s| s.starts_with('2')) && action != "failed")
        {
            out.push(Recipient {
                address: addrs[i].clone(),
                status: status.clone().or(Some("2.0.0".into())),
                status_inferred: status.is_none(),
                reply_code: find_reply_code(&diag),
                reason: Reason::Delivered,
                action: Action::Ignore,
                diagnostic: truncate(&diag, 400),
            });
            continue;
        }
        let block = if blks[i].is_empty() && single {
            doc.text.clone()
        } else {
            blks[i].clone()
        };
        let context = format!("{preamble}\n{}", doc.subject);
        let d = decide(
            &diag,
            r.diagnostic_type.as_deref(),
            status.as_deref(),
            &block,
            &context,
        );
        let reply = find_reply_code(&diag).or_else(|| find_reply_code(&block));
        let shown = if diag.is_empty() {
            block.as_str()
        } else {
            diag.as_str()
        };
        let mut rec = recipient(addrs[i].clone(), d, reply, shown);
        if action == "delayed" && rec.action == Action::Suppress {
            rec.action = Action::Soft;
        }
        out.push(rec);
    }
    Report {
        kind: ReportKind::DeliveryStatus,
        recipients: out,
    }
}

static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)undeliver|undelivered|delivery|returned|failure|failed|bounce|rejected|delayed|non.?delivery|not delivered|could not|unable to deliver|mail system error|error|warning|notification|unzustellbar|nicht zustellbar|non remis|no entregado|delivery status|problem|fehlgeschlagen|échec|エラー|不達|未送達").expect("subject regex")
});

static AUTOREPLY_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(re:\s*)?(auto(matic|matische)?[ -]?(reply|response|respond|antwort|réponse|respuesta|risposta)|autoreply|autoresponse|out of (the )?office|away from|away until|on vacation|vacation|abwesen|absence|absent|automatische antwort|réponse automatique|respuesta automática|risposta automatica|自動応答|自動返信|不在)").expect("autoreply regex")
});

fn from_is_daemon(doc: &Doc) -> bool {
    let from = doc.header("from").unwrap_or("").to_ascii_lowercase();
    [
        "mailer-daemon",
        "postmaster",
        "mail delivery",
        "mailerdaemon",
        "mail-daemon",
        "bounce",
        "mdaemon",
        "mail administrator",
        "system administrator",
    ]
    .iter()
    .any(|k| from.contains(k))
}

fn is_auto_reply(doc: &Doc) -> bool {
    let hdr = |n: &str| doc.header(n).map(|v| v.to_ascii_lowercase());
    let header_says = hdr("auto-submitted").is_some_and(|v| v.contains("auto-replied"))
        || hdr("x-autoreply").is_some()
        || hdr("x-autorespond").is_some()
        || hdr("x-autoresponder").is_some()
        || hdr("precedence").is_some_and(|v| v.contains("auto_reply") || v.contains("auto-reply"))
        || hdr("x-auto-response").is_some();
    let subject_says = AUTOREPLY_SUBJECT.is_match(&doc.subject);
    if !(header_says || subject_says) {
        return false;
    }
    if from_is_daemon(doc) {
        return false;
    }
    if subject_says {
        return true;
    }
    if BOUNCE_SUBJECT.is_match(&doc.subject) {
        return false;
    }
    // A header alone: make sure the body does not read like a bounce.
    let sq = squash(&doc.text);
    !(sq.contains("could not be delivered")
        || sq.contains("permanent error")
        || sq.contains("delivery has failed")
        || sq.contains("undeliverable")
        || sq.contains("failed permanently")
        || sq.contains("following address")
        || sq.contains("following recipient")
        || find_status(&doc.text).is_some_and(|s| s.starts_with('5') || s.starts_with('4')))
}

/// Addresses that belong to the sending side (or the reporting system), never recipients.
fn excluded_addresses(doc: &Doc) -> HashSet<String> {
    let mut set = HashSet::new();
    for n in [
        "to",
        "from",
        "reply-to",
        "sender",
        "delivered-to",
        "x-original-to",
        "return-path",
        "errors-to",
        "cc",
    ] {
        for f in doc.headers.iter().filter(|f| f.name == n) {
            for (_, a) in all_addresses(&f.value) {
                set.insert(a.to_ascii_lowercase());
            }
        }
    }
    for n in ["from", "return-path", "sender", "reply-to"] {
        if let Some(v) = doc.original_header(n) {
            for (_, a) in all_addresses(v) {
                set.insert(a.to_ascii_lowercase());
            }
        }
    }
    set
}

fn is_daemon_local(a: &str) -> bool {
    let l = a.split('@').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        l.as_str(),
        "mailer-daemon"
            | "postmaster"
            | "mailerdaemon"
            | "mail-daemon"
            | "root"
            | "abuse"
            | "noreply"
            | "no-reply"
    )
}

/// Candidate recipient addresses of a free-text notification, in order of first appearance.
fn text_candidates(doc: &Doc) -> Vec<String> {
    let excluded = excluded_addresses(doc);
    let mut out: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let mut daemons = Vec::new();
    let mut summary = Vec::new();
    for line in doc.text.split('\n') {
        let lower = line.to_ascii_lowercase();
        let trimmed = lower.trim_start();
        let summary_line = ["to:", "cc:", "subject:"]
            .iter()
            .any(|p| trimmed.starts_with(p));
        if [
            "message-id",
            "in-reply-to",
            "references",
            "received:",
            "dkim",
            "from:",
            "sender:",
            "reply-to:",
            "return-path",
            "x-",
            "arc-",
            "mail from",
            "envelope-from",
        ]
        .iter()
        .any(|p| trimmed.starts_with(p))
        {
            continue;
        }
        for (pos, a) in all_addresses(line) {
            let key = a.to_ascii_lowercase();
            let before = lower[..pos].trim_end_matches(['<', ' ', '"', '\'']);
            if before.ends_with("expanded from")
                || before.ends_with("mail from:")
                || before.ends_with("from:")
                || before.ends_with("sender")
                || before.ends_with("envelope-from")
                || before.ends_with("sent by")
            {
                continue;
            }
            let local = a.split('@').next().unwrap_or("");
            if !local.chars().any(|c| c.is_ascii_alphabetic()) && local.len() > 8 {
                continue;
            }
            if excluded.contains(&key) {
                continue;
            }
            if summary_line {
                if !summary.iter().any(|x: &String| x.eq_ignore_ascii_case(&a)) {
                    summary.push(a);
                }
                continue;
            }
            if !seen.insert(key) {
                continue;
            }
            if is_daemon_local(&a) {
                daemons.push(a);
            } else {
                out.push(a);
            }
        }
    }
    if out.is_empty() {
        out = summary;
    }
    if out.is_empty() {
        out = daemons;
    }
    out
}

fn from_text(doc: &Doc) -> Report {
    let mut addrs: Vec<String> = Vec::new();
    if let Some(v) = doc.header("x-failed-recipients") {
        addrs = dedupe(all_addresses(v).into_iter().map(|(_, a)| a).collect());
    }
    if addrs.is_empty() {
        addrs = text_candidates(doc);
    }
    let bouncy = from_is_daemon(doc) || BOUNCE_SUBJECT.is_match(&doc.subject);
    if addrs.is_empty() {
        if let Some(a) = doc.original_header("to").and_then(first_address) {
            addrs.push(a);
        }
    }
    let text_sq = squash(&doc.text);
    if addrs.is_empty() && !bouncy && reason::from_wording(&text_sq).is_none() {
        return Report {
            kind: ReportKind::Unrecognized,
            recipients: Vec::new(),
        };
    }
    if addrs.is_empty() {
        addrs.push(String::new());
    }
    let (blks, preamble) = blocks(&doc.text, &addrs);
    let single = addrs.len() == 1;
    let mut out = Vec::new();
    for (i, a) in addrs.iter().enumerate() {
        let block = if single || blks[i].is_empty() {
            if single {
                // The whole notification after (and including) the address line.
                let idx = TextIndex::new(&doc.text);
                match idx.first_line_of(a) {
                    Some(s) => idx.join(s, idx.lines.len()),
                    None => doc.text.clone(),
                }
            } else {
                String::new()
            }
        } else {
            blks[i].clone()
        };
        let context = format!(
            "{preamble}\n{}\n{}",
            doc.subject,
            if single { &doc.text } else { "" }
        );
        let d = decide("", None, None, &block, &context);
        let reply = find_reply_code(&block);
        out.push(recipient(a.clone(), d, reply, &block));
    }
    Report {
        kind: ReportKind::DeliveryStatus,
        recipients: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_not_from_ip() {
        assert_eq!(
            find_status("host 10.5.1.1 said: 550 5.1.1 no"),
            Some("5.1.1".into())
        );
        assert_eq!(find_status("192.0.2.153"), None);
        assert_eq!(find_status("(#5.5.0)"), Some("5.5.0".into()));
    }

    #[test]
    fn reply_codes() {
        assert_eq!(find_reply_code("said: 550 5.1.1 <a@b> unknown"), Some(550));
        assert_eq!(find_reply_code("port 25 ok 451-4.7.1 later"), Some(451));
        assert_eq!(find_reply_code("id 12550 x"), None);
    }

    #[test]
    fn addresses() {
        assert_eq!(
            first_address("rfc822; <Kiji.Tora@Example.ORG>"),
            Some("Kiji.Tora@example.org".into())
        );
        assert_eq!(first_address("no address here"), None);
    }
}
