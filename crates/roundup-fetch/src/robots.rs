//! A small robots.txt parser and matcher (RFC 9309): user-agent groups, `Allow` / `Disallow`
//! with longest-match precedence (ties go to `Allow`), `*` wildcards and `$` end anchors,
//! `Crawl-delay` and `Sitemap` lines.

use std::time::Duration;

/// One `Allow` or `Disallow` line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    allow: bool,
    pattern: String,
}

/// The lines under one or more consecutive `User-agent` lines.
#[derive(Debug, Clone, Default, PartialEq)]
struct Group {
    agents: Vec<String>,
    rules: Vec<Rule>,
    crawl_delay: Option<f64>,
}

/// A parsed robots.txt file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RobotsTxt {
    groups: Vec<Group>,
    /// `Sitemap:` URLs, in file order.
    pub sitemaps: Vec<String>,
}

/// The product token of a User-Agent string: its first word before any `/`, lower-cased
/// (`"roundup/0.1 (+https://…)"` → `"roundup"`).
pub fn product_token(user_agent: &str) -> String {
    user_agent
        .split(|c: char| c == '/' || c.is_whitespace())
        .find(|s| !s.is_empty())
        .unwrap_or("*")
        .to_ascii_lowercase()
}

impl RobotsTxt {
    /// A file that allows everything (what a missing robots.txt means).
    pub fn allow_all() -> RobotsTxt {
        RobotsTxt::default()
    }

    /// A file that disallows everything (what an unreachable robots.txt means, for a while).
    pub fn disallow_all() -> RobotsTxt {
        RobotsTxt {
            groups: vec![Group {
                agents: vec!["*".into()],
                rules: vec![Rule {
                    allow: false,
                    pattern: "/".into(),
                }],
                crawl_delay: None,
            }],
            sitemaps: Vec::new(),
        }
    }

    /// Parses robots.txt text. Never fails: unknown and malformed lines are skipped, as the
    /// RFC asks.
    pub fn parse(text: &str) -> RobotsTxt {
        let mut out = RobotsTxt::default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for raw in text.lines() {
            let line = raw.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" | "useragent" | "user agent" => {
                    let start_new = !matches!(out.groups.last(),
                        Some(g) if g.rules.is_empty() && g.crawl_delay.is_none());
                    if start_new {
                        out.groups.push(Group::default());
                    }
                    if let Some(g) = out.groups.last_mut() {
                        g.agents.push(product_token(value));
                    }
                }
                "allow" | "disallow" | "dissallow" | "disalow" | "disallows" => {
                    let Some(g) = out.groups.last_mut() else {
                        continue; // rules before any user-agent line belong to no group
                    };
                    if value.is_empty() {
                        // `Disallow:` with no path allows everything: no rule.
                        continue;
                    }
                    g.rules.push(Rule {
                        allow: key == "allow",
                        pattern: normalize_escapes(value),
                    });
                }
                "crawl-delay" | "crawl_delay" | "crawldelay" => {
                    if let Some(g) = out.groups.last_mut() {
                        if let Ok(d) = value.parse::<f64>() {
                            if d.is_finite() && d >= 0.0 {
                                g.crawl_delay = Some(d);
                            }
                        }
                    }
                }
                "sitemap" | "site-map" if !value.is_empty() => {
                    out.sitemaps.push(value.to_string());
                }
                _ => {}
            }
        }
        out
    }

    /// The groups that apply to `token` (a product token, see [`product_token`]): every group
    /// naming it, else every `*` group.
    fn groups_for(&self, token: &str) -> Vec<&Group> {
        let token = token.to_ascii_lowercase();
        let named: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.agents.iter().any(|a| a == &token))
            .collect();
        if !named.is_empty() {
            return named;
        }
        self.groups
            .iter()
            .filter(|g| g.agents.iter().any(|a| a == "*"))
            .collect()
    }

    /// Whether `agent` (product token) may fetch `path` (path plus optional `?query`).
    /// `/robots.txt` itself is always allowed.
    pub fn is_allowed(&self, agent: &str, path: &str) -> bool {
        let path = if path.is_empty() { "/" } else { path };
        if path == "/robots.txt" {
            return true;
        }
        let path = normalize_escapes(path);
        let mut best: Option<(usize, bool)> = None;
        for g in self.groups_for(agent) {
            for r in &g.rules {
                if pattern_matches(r.pattern.as_bytes(), path.as_bytes()) {
                    let len = r.pattern.len();
                    best = match best {
                        None => Some((len, r.allow)),
                        Some((bl, ba)) if len > bl || (len == bl && r.allow && !ba) => {
                            Some((len, r.allow))
                        }
                        keep => keep,
                    };
                }
            }
        }
        !matches!(best, Some((_, false)))
    }

    /// The `Crawl-delay` for `agent` (product token), if its groups give one (the largest).
    pub fn crawl_delay(&self, agent: &str) -> Option<Duration> {
        self.groups_for(agent)
            .iter()
            .filter_map(|g| g.crawl_delay)
            .fold(None, |acc: Option<f64>, d| {
                Some(acc.map_or(d, |a| a.max(d)))
            })
            .map(|d| Duration::from_secs_f64(d.min(86_400.0)))
    }
}

/// Upper-cases the hex digits of `%xx` escapes so `%2f` and `%2F` compare equal.
fn normalize_escapes(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let (h, l) = (b[i + 1], b[i + 2]);
            if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() {
                out.push('%');
                out.push(h.to_ascii_uppercase() as char);
                out.push(l.to_ascii_uppercase() as char);
                i += 3;
                continue;
            }
        }
        // Copy one UTF-8 character.
        let ch_len = utf8_len(b[i]);
        let end = (i + ch_len).min(b.len());
        out.push_str(std::str::from_utf8(&b[i..end]).unwrap_or("\u{fffd}"));
        i = end;
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// Whether a robots pattern matches the start of `path`: `*` matches any run of bytes, a
/// final `$` anchors the end, and otherwise the pattern is a prefix.
fn pattern_matches(pattern: &[u8], path: &[u8]) -> bool {
    let (pat, anchored) = match pattern.split_last() {
        Some((b'$', rest)) => (rest, true),
        _ => (pattern, false),
    };
    // Greedy glob with backtracking to the last star: linear for patterns with one star,
    // O(n·m) worst case, no recursion.
    let (mut p, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p == pat.len() {
            if !anchored || s == path.len() {
                return true;
            }
        } else if pat[p] == b'*' {
            star = Some((p, s));
            p += 1;
            continue;
        } else if s < path.len() && pat[p] == path[s] {
            p += 1;
            s += 1;
            continue;
        }
        // Mismatch (or anchored pattern done too early): widen the last star's match.
        match star {
            Some((sp, ss)) if ss < path.len() => {
                star = Some((sp, ss + 1));
                p = sp + 1;
                s = ss + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_tokens() {
        assert_eq!(product_token("roundup/0.1 (+https://x)"), "roundup");
        assert_eq!(product_token("  Googlebot"), "googlebot");
        assert_eq!(product_token(""), "*");
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches(b"/fish", b"/fish.html"));
        assert!(!pattern_matches(b"/fish", b"/Fish"));
        assert!(pattern_matches(b"/*.php$", b"/index.php"));
        assert!(!pattern_matches(b"/*.php$", b"/index.php?x"));
        assert!(pattern_matches(b"/*.php", b"/a/b.php?x"));
        assert!(pattern_matches(b"/fish*", b"/fish"));
        assert!(pattern_matches(b"*", b"/anything"));
        assert!(pattern_matches(b"/$", b"/"));
        assert!(!pattern_matches(b"/$", b"/a"));
        assert!(pattern_matches(b"/a*b*c$", b"/axxbyyc"));
        assert!(!pattern_matches(b"/a*b*c$", b"/axxbyycd"));
    }

    #[test]
    fn groups_longest_match_and_ties() {
        let r = RobotsTxt::parse(
            "User-agent: *\nDisallow: /private\nAllow: /private/open\n\n\
             User-agent: roundup\nUser-agent: other\nDisallow: /feeds/\nAllow: /feeds/public\n\
             Crawl-delay: 2.5\n\nUser-agent: tie\nAllow: /page\nDisallow: /page\n\
             Sitemap: https://example.com/sitemap.xml\n",
        );
        // roundup has its own group: the * group does not apply.
        assert!(r.is_allowed("roundup", "/private"));
        assert!(!r.is_allowed("roundup", "/feeds/x.xml"));
        assert!(r.is_allowed("roundup", "/feeds/public.xml"));
        assert_eq!(r.crawl_delay("roundup"), Some(Duration::from_millis(2500)));
        // others fall back to *
        assert!(!r.is_allowed("somebot", "/private/x"));
        assert!(r.is_allowed("somebot", "/private/open/x"));
        assert!(r.is_allowed("somebot", "/feeds/x.xml"));
        assert_eq!(r.crawl_delay("somebot"), None);
        // equal length: allow wins
        assert!(r.is_allowed("tie", "/page"));
        assert_eq!(r.sitemaps, vec!["https://example.com/sitemap.xml"]);
        assert!(r.is_allowed("anyone", "/robots.txt"));
    }

    #[test]
    fn merges_groups_and_ignores_junk() {
        let r = RobotsTxt::parse(
            "Disallow: /zzz\n<html>not robots</html>\nUser-agent: Roundup/1.0\n\
             Disallow: /a # comment\nUser-agent: *\nDisallow: /\nUser-agent: roundup\nDisallow: /b\n\
             Disallow:\n",
        );
        assert!(r.is_allowed("roundup", "/zzz"));
        assert!(!r.is_allowed("roundup", "/a"));
        assert!(!r.is_allowed("roundup", "/b/c"));
        assert!(r.is_allowed("roundup", "/c"));
        assert!(!r.is_allowed("x", "/c"));
    }

    #[test]
    fn empty_and_disallow_all() {
        assert!(RobotsTxt::parse("").is_allowed("roundup", "/x"));
        assert!(RobotsTxt::parse("User-agent: *\nDisallow:\n").is_allowed("roundup", "/x"));
        let all = RobotsTxt::disallow_all();
        assert!(!all.is_allowed("roundup", "/"));
        assert!(all.is_allowed("roundup", "/robots.txt"));
    }

    #[test]
    fn escapes_and_queries() {
        let r = RobotsTxt::parse("User-agent: *\nDisallow: /a%2fb\nDisallow: /*?session=\n");
        assert!(!r.is_allowed("x", "/a%2Fb"));
        assert!(!r.is_allowed("x", "/list?session=1"));
        assert!(r.is_allowed("x", "/list?page=1"));
    }
}
