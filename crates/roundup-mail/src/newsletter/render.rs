//! Rendering one issue for one recipient.
//!
//! Each message is `multipart/alternative` with a real plain-text part first and an
//! email-safe HTML part second: table layout, inline CSS, a `color-scheme` meta plus a
//! `prefers-color-scheme: dark` style block, hidden preheader text and a "view in browser"
//! link to `{base_url}/edition/{id}`. Every piece of edition text is HTML-escaped; item links
//! are kept only when they are `http(s)` URLs.
//!
//! Headers: `From`, `Reply-To` (when configured), `To`, `Subject`, `Date`, a stable
//! `Message-ID` derived from the issue and subscriber ids (see [`message_id`]), `List-Id`,
//! `List-Unsubscribe` with an https one-click link and a mailto fallback, and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058). The unsubscribe link
//! carries a signed [`super::token`] for (subscriber, list).
//!
//! The per-recipient work is small: [`IssueTemplate::new`] renders the edition once, and
//! [`IssueTemplate::message`] fills in the recipient's links and builds the message.

use super::token::{Claims, Purpose, Signer};
use super::{ListConfig, NewsletterConfig, NewsletterError, Result};
use chrono::{DateTime, Duration, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use roundup_store::EditionRow;
use serde::Deserialize;
use std::fmt::Write as _;

/// How long the links in an issue keep working.
pub const LINK_TTL_DAYS: i64 = 400;

/// Marker replaced by a recipient's unsubscribe URL. Contains NUL, which is stripped from all
/// edition text and cannot survive HTML escaping, so content can never forge it.
const UNSUB: &str = "\u{0}UNSUB\u{0}";
/// Marker replaced by a recipient's preferences URL.
const PREFS: &str = "\u{0}PREFS\u{0}";

/// One story in an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Headline.
    pub headline: String,
    /// One-sentence summary.
    pub summary: String,
    /// Link to the article (http/https only).
    pub url: Option<String>,
    /// Section name, if known.
    pub section: Option<String>,
    /// Distinct outlets covering the story.
    pub outlets: usize,
}

/// The content of an issue, read from an edition snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueContent {
    /// The edition id (for the "view in browser" link).
    pub edition_id: i64,
    /// Edition title, used as the subject.
    pub title: String,
    /// Stories in order.
    pub items: Vec<Item>,
}

#[derive(Deserialize)]
struct Snapshot {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    items: Vec<SnapItem>,
}

#[derive(Deserialize)]
struct SnapItem {
    #[serde(default)]
    headline: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    section: Option<serde_json::Value>,
    #[serde(default)]
    outlets: usize,
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '\0' && (!c.is_control() || *c == '\n'))
        .collect::<String>()
        .trim()
        .to_string()
}

fn safe_url(u: &str) -> Option<String> {
    let parsed = url::Url::parse(u.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

impl IssueContent {
    /// Reads an edition row (its snapshot is roundup-digest's `Edition` JSON).
    pub fn from_edition(row: &EditionRow) -> Result<IssueContent> {
        let snap: Snapshot =
            serde_json::from_value(row.snapshot.clone()).map_err(|e| NewsletterError::Edition {
                id: row.id,
                detail: format!("snapshot: {e}"),
            })?;
        let title = snap
            .title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| row.title.clone());
        let items = snap
            .items
            .into_iter()
            .filter(|i| !i.headline.trim().is_empty())
            .map(|i| Item {
                headline: clean(&i.headline),
                summary: clean(&i.summary),
                url: i.url.as_deref().and_then(safe_url),
                section: i.section.and_then(|v| match v {
                    serde_json::Value::String(s) => Some(clean(&s)),
                    _ => None,
                }),
                outlets: i.outlets,
            })
            .collect();
        Ok(IssueContent {
            edition_id: row.id,
            title: clean(&title),
            items,
        })
    }

    /// Preheader: the first headlines, joined, at most about 140 characters.
    pub fn preheader(&self) -> String {
        let mut out = String::new();
        for i in &self.items {
            let add = if out.is_empty() {
                i.headline.clone()
            } else {
                format!(" · {}", i.headline)
            };
            if out.chars().count() + add.chars().count() > 140 {
                break;
            }
            out.push_str(&add);
        }
        if out.is_empty() {
            out = self.title.clone();
        }
        out
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out
}

/// Parses a mailbox (`Name <addr@host>` or `addr@host`) into (display name, address).
pub fn parse_mailbox(s: &str) -> Result<(Option<String>, String)> {
    let m: Mailbox = s
        .parse()
        .map_err(|e| NewsletterError::Config(format!("mailbox {s:?}: {e}")))?;
    Ok((m.name.clone(), m.email.to_string()))
}

/// The stable Message-ID of the issue `issue_id` sent to `subscriber_id`: a resend after a
/// crash carries the same id, so receivers and the bounce processor can de-duplicate.
pub fn message_id(issue_id: i64, subscriber_id: i64, domain: &str) -> String {
    format!("<issue-{issue_id}.sub-{subscriber_id}@{domain}>")
}

/// The recipient's signed links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// One-click unsubscribe (GET shows a confirmation page, POST unsubscribes).
    pub unsubscribe: String,
    /// Subscription preferences.
    pub preferences: String,
    /// The token inside the unsubscribe link.
    pub unsubscribe_token: String,
}

/// Signs the links of `subscriber_id` for `list`, valid [`LINK_TTL_DAYS`] from `now`.
pub fn links(
    cfg: &NewsletterConfig,
    signer: &Signer,
    subscriber_id: i64,
    list: &str,
    now: DateTime<Utc>,
) -> Result<Links> {
    let expires_at = now + Duration::days(LINK_TTL_DAYS);
    let claims = |purpose| Claims {
        subscriber_id: subscriber_id as u64,
        list: list.to_string(),
        purpose,
        expires_at,
    };
    let unsub = signer.sign(&claims(Purpose::Unsubscribe))?;
    let prefs = signer.sign(&claims(Purpose::Preferences))?;
    Ok(Links {
        unsubscribe: format!("{}/unsubscribe?token={unsub}", cfg.base()),
        preferences: format!("{}/preferences?token={prefs}", cfg.base()),
        unsubscribe_token: unsub,
    })
}

/// An issue rendered once, ready to be personalized per recipient.
#[derive(Debug, Clone)]
pub struct IssueTemplate {
    issue_id: i64,
    list_id: String,
    list_name: String,
    subject: String,
    html: String,
    text: String,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    domain: String,
    unsubscribe_mailto: String,
}

impl IssueTemplate {
    /// Renders `content` as issue `issue_id` of `list`.
    pub fn new(
        cfg: &NewsletterConfig,
        list: &ListConfig,
        issue_id: i64,
        content: &IssueContent,
    ) -> Result<IssueTemplate> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| NewsletterError::Config(format!("from {:?}: {e}", cfg.from)))?;
        let reply_to = match &cfg.reply_to {
            Some(r) => Some(
                r.parse()
                    .map_err(|e| NewsletterError::Config(format!("reply_to {r:?}: {e}")))?,
            ),
            None => None,
        };
        let view_url = format!("{}/edition/{}", cfg.base(), content.edition_id);
        Ok(IssueTemplate {
            issue_id,
            list_id: list.id.clone(),
            list_name: clean(&list.name),
            subject: content.title.replace(['\r', '\n'], " "),
            html: html_body(cfg, list, content, &view_url),
            text: text_body(list, content, &view_url),
            from,
            reply_to,
            domain: cfg.mail_domain(),
            unsubscribe_mailto: cfg.unsubscribe_mailto.clone(),
        })
    }

    /// The subject line.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The HTML and text bodies for a recipient with these links.
    pub fn bodies(&self, links: &Links) -> (String, String) {
        let html = self
            .html
            .replace(UNSUB, &escape_html(&links.unsubscribe))
            .replace(PREFS, &escape_html(&links.preferences));
        let text = self
            .text
            .replace(UNSUB, &links.unsubscribe)
            .replace(PREFS, &links.preferences);
        (html, text)
    }

    /// The message for subscriber `subscriber_id` at `to`, dated `now`.
    pub fn message(
        &self,
        subscriber_id: i64,
        to: &str,
        links: &Links,
        now: DateTime<Utc>,
    ) -> Result<Message> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| NewsletterError::Message(format!("recipient {to:?}: {e}")))?;
        let (html, text) = self.bodies(links);
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(self.subject.clone())
            .date(now.into())
            .message_id(Some(message_id(self.issue_id, subscriber_id, &self.domain)));
        if let Some(r) = &self.reply_to {
            b = b.reply_to(r.clone());
        }
        let list_name = self.list_name.replace(['"', '\\'], "");
        b = b
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Id"),
                format!("\"{list_name}\" <{}.{}>", self.list_id, self.domain),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!(
                    "<{}>, <mailto:{}?subject=unsubscribe%20{}>",
                    links.unsubscribe, self.unsubscribe_mailto, links.unsubscribe_token
                ),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
        b.multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| NewsletterError::Message(e.to_string()))
    }
}

fn html_body(
    cfg: &NewsletterConfig,
    list: &ListConfig,
    c: &IssueContent,
    view_url: &str,
) -> String {
    let e = escape_html;
    let mut h = String::with_capacity(8192);
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>{title}</title>
<style>
:root {{ color-scheme: light dark; supported-color-schemes: light dark; }}
@media (prefers-color-scheme: dark) {{
  .bg {{ background-color: #121212 !important; }}
  .card {{ background-color: #1e1e1e !important; }}
  .fg, .fg a {{ color: #e8e8e8 !important; }}
  .muted {{ color: #a0a0a0 !important; }}
  a {{ color: #8ab4f8 !important; }}
}}
</style>
</head>
<body class="bg" style="margin:0;padding:0;background-color:#f4f4f4;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:#f4f4f4;opacity:0;">{pre}</div>
<table role="presentation" class="bg" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f4;">
<tr><td align="center" style="padding:16px 8px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;">
<tr><td class="muted" align="right" style="padding:0 8px 8px 8px;font-family:Arial,Helvetica,sans-serif;font-size:12px;color:#666666;"><a href="{view}" style="color:#666666;text-decoration:underline;">View in browser</a></td></tr>
<tr><td class="card" style="background-color:#ffffff;padding:24px;border-radius:6px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td class="fg" style="font-family:Georgia,'Times New Roman',serif;font-size:26px;line-height:32px;color:#111111;padding-bottom:4px;">{list_name}</td></tr>
<tr><td class="muted" style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#666666;padding-bottom:16px;">{title}</td></tr>
"#,
        title = e(&c.title),
        pre = e(&c.preheader()),
        view = e(view_url),
        list_name = e(&list.name),
    );
    for (n, it) in c.items.iter().enumerate() {
        let headline = match &it.url {
            Some(u) => format!(
                r#"<a href="{}" style="color:#111111;text-decoration:none;">{}</a>"#,
                e(u),
                e(&it.headline)
            ),
            None => e(&it.headline),
        };
        let mut meta = Vec::new();
        if let Some(s) = &it.section {
            meta.push(e(s));
        }
        if it.outlets > 0 {
            meta.push(format!(
                "{} outlet{}",
                it.outlets,
                if it.outlets == 1 { "" } else { "s" }
            ));
        }
        let _ = write!(
            h,
            r#"<tr><td style="padding:12px 0;border-top:1px solid #e5e5e5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td class="fg" style="font-family:Arial,Helvetica,sans-serif;font-size:18px;line-height:24px;font-weight:bold;color:#111111;">{num}. {headline}</td></tr>
<tr><td class="fg" style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#333333;padding-top:4px;">{summary}</td></tr>
<tr><td class="muted" style="font-family:Arial,Helvetica,sans-serif;font-size:12px;color:#777777;padding-top:4px;">{meta}</td></tr>
</table>
</td></tr>
"#,
            num = n + 1,
            summary = e(&it.summary),
            meta = meta.join(" · "),
        );
    }
    let _ = write!(
        h,
        r#"</table>
</td></tr>
<tr><td class="muted" align="center" style="padding:16px 8px;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:18px;color:#666666;">
You receive {list_name} because you subscribed at {site}.<br>
<a href="{UNSUB}" style="color:#666666;text-decoration:underline;">Unsubscribe</a> · <a href="{PREFS}" style="color:#666666;text-decoration:underline;">Preferences</a> · <a href="{view}" style="color:#666666;text-decoration:underline;">View in browser</a>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"#,
        list_name = e(&list.name),
        site = e(cfg.base()),
        view = e(view_url),
    );
    h
}

fn text_body(list: &ListConfig, c: &IssueContent, view_url: &str) -> String {
    let mut t = String::with_capacity(4096);
    let _ = writeln!(t, "{}\n{}\n", clean(&list.name), c.title);
    let _ = writeln!(t, "View in browser: {view_url}\n");
    for (n, it) in c.items.iter().enumerate() {
        let _ = writeln!(t, "{}. {}", n + 1, it.headline);
        if !it.summary.is_empty() {
            let _ = writeln!(t, "   {}", it.summary);
        }
        if let Some(u) = &it.url {
            let _ = writeln!(t, "   {u}");
        }
        t.push('\n');
    }
    let _ = write!(t, "--\nUnsubscribe: {UNSUB}\nPreferences: {PREFS}\n");
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape_html("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn only_web_links_survive() {
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
        assert_eq!(
            safe_url(" https://example.org/a?b=1 ").as_deref(),
            Some("https://example.org/a?b=1")
        );
    }

    #[test]
    fn message_ids_are_stable() {
        assert_eq!(message_id(3, 9, "ex.org"), message_id(3, 9, "ex.org"));
        assert_ne!(message_id(3, 9, "ex.org"), message_id(3, 8, "ex.org"));
        assert_ne!(message_id(3, 9, "ex.org"), message_id(4, 9, "ex.org"));
    }
}
