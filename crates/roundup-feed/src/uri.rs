//! URI helpers: reference resolution that keeps URLs as written (no normalization, like
//! a feed reader must), safe-scheme filtering, and URL canonicalization for deduplication.

use crate::FeedError;

const RELATIVE_SCHEMES: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp", "mms",
    "prospero", "rtsp", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss",
];
const NETLOC_SCHEMES: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
    "snews", "prospero", "rtsp", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git",
    "git+ssh", "ws", "wss",
];

/// URI schemes that are allowed in links kept from feeds.
pub const ACCEPTABLE_SCHEMES: &[&str] = &[
    "file", "ftp", "gopher", "h323", "hdl", "http", "https", "imap", "magnet", "mailto", "mms",
    "news", "nntp", "prospero", "rsync", "rtsp", "rtspu", "sftp", "shttp", "sip", "sips", "snews",
    "svn", "svn+ssh", "telnet", "wais", "aim", "callto", "cvs", "facetime", "feed", "git", "gtalk",
    "irc", "ircs", "irc6", "itms", "msnim", "skype", "ssh", "smb", "ymsg",
];

/// Splits off a scheme (lower-cased) if `s` starts with one.
pub(crate) fn scheme_of(s: &str) -> Option<(String, &str)> {
    let i = s.find(':')?;
    let sch = &s[..i];
    let mut chars = sch.chars();
    if !chars.next()?.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    Some((sch.to_ascii_lowercase(), &s[i + 1..]))
}

struct Parts<'a> {
    netloc: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn split(rest: &str, netloc_ok: bool) -> Parts<'_> {
    let (rest, fragment) = match rest.find('#') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (rest, query) = match rest.find('?') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if netloc_ok && rest.starts_with("//") {
        let r = &rest[2..];
        let e = r.find('/').unwrap_or(r.len());
        Parts {
            netloc: Some(&r[..e]),
            path: &r[e..],
            query,
            fragment,
        }
    } else {
        Parts {
            netloc: None,
            path: rest,
            query,
            fragment,
        }
    }
}

fn unparse(
    scheme: &str,
    netloc: Option<&str>,
    path: &str,
    query: Option<&str>,
    fragment: Option<&str>,
) -> String {
    let mut out = String::new();
    if !scheme.is_empty() {
        out.push_str(scheme);
        out.push(':');
    }
    if let Some(n) = netloc {
        out.push_str("//");
        out.push_str(n);
    }
    out.push_str(path);
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = fragment.filter(|f| !f.is_empty()) {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Resolves `rel` against `base` (RFC 3986 reference resolution, no normalization).
pub fn urljoin(base: &str, rel: &str) -> String {
    // collapse extra slashes after "scheme://"
    let rel_fixed;
    let rel = if let Some(i) = rel.find("://") {
        if scheme_of(rel).is_some_and(|(s, _)| s.len() == i) && rel[i + 3..].starts_with('/') {
            rel_fixed = format!("{}://{}", &rel[..i], rel[i + 3..].trim_start_matches('/'));
            rel_fixed.as_str()
        } else {
            rel
        }
    } else {
        rel
    };
    if base.is_empty() {
        return rel.to_string();
    }
    if rel.is_empty() {
        return base.to_string();
    }
    let (bscheme, brest) = scheme_of(base).unwrap_or((String::new(), base));
    let (scheme, rrest) = match scheme_of(rel) {
        Some((s, r)) => (s, r),
        None => (bscheme.clone(), rel),
    };
    if scheme != bscheme || !RELATIVE_SCHEMES.contains(&scheme.as_str()) {
        return rel.to_string();
    }
    let netloc_ok = NETLOC_SCHEMES.contains(&scheme.as_str());
    let b = split(brest, netloc_ok);
    let r = split(rrest, netloc_ok);
    if r.netloc.is_some() {
        return unparse(&scheme, r.netloc, r.path, r.query, r.fragment);
    }
    let netloc = b.netloc;
    if r.path.is_empty() {
        let query = if r.query.is_some() { r.query } else { b.query };
        return unparse(&scheme, netloc, b.path, query, r.fragment);
    }
    let segments: Vec<&str> = if r.path.starts_with('/') {
        r.path.split('/').collect()
    } else {
        let mut base_parts: Vec<&str> = b.path.split('/').collect();
        if base_parts.last() != Some(&"") {
            base_parts.pop();
        }
        let mut segs = base_parts;
        segs.extend(r.path.split('/'));
        // drop empty inner segments
        let n = segs.len();
        segs.into_iter()
            .enumerate()
            .filter(|(i, s)| *i == 0 || *i == n - 1 || !s.is_empty())
            .map(|(_, s)| s)
            .collect()
    };
    let mut resolved: Vec<&str> = Vec::new();
    for seg in &segments {
        match *seg {
            ".." => {
                resolved.pop();
            }
            "." => {}
            s => resolved.push(s),
        }
    }
    if matches!(segments.last(), Some(&".") | Some(&"..")) {
        resolved.push("");
    }
    let mut path = resolved.join("/");
    if path.is_empty() {
        path = "/".into();
    } else if netloc.is_some() && !path.starts_with('/') {
        path.insert(0, '/');
    }
    unparse(&scheme, netloc, &path, r.query, r.fragment)
}

/// `urljoin(base, rel)`, or "" when the result uses a scheme outside [`ACCEPTABLE_SCHEMES`].
/// With an empty `rel`, checks `base` itself.
pub fn make_safe_absolute(base: &str, rel: &str) -> String {
    if base.is_empty() {
        return if rel.is_empty() {
            String::new()
        } else {
            safe_or_empty(rel)
        };
    }
    if rel.is_empty() {
        return match scheme_of(base) {
            None => base.to_string(),
            Some((s, _)) if ACCEPTABLE_SCHEMES.contains(&s.as_str()) => base.to_string(),
            _ => String::new(),
        };
    }
    let joined = urljoin(base, rel);
    let s = joined
        .trim()
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if scheme_of(joined.trim()).is_some() && !ACCEPTABLE_SCHEMES.contains(&s.as_str()) {
        return String::new();
    }
    joined
}

fn safe_or_empty(u: &str) -> String {
    match scheme_of(u.trim()) {
        Some((s, _)) if !ACCEPTABLE_SCHEMES.contains(&s.as_str()) => String::new(),
        _ => u.to_string(),
    }
}

/// Query parameters that only track the click and never change the page.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "yclid",
    "igshid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "rb_clickid",
    "s_cid",
    "ncid",
    "ocid",
    "cmpid",
    "_ga",
    "_gl",
    "ref_src",
    "spm",
    "wt_mc",
    "wt.mc_id",
    "at_medium",
    "at_campaign",
    "ito",
    "sr_share",
    "cmp",
];

/// Canonicalizes a URL for deduplication: scheme and host lower-cased, default port and
/// fragment dropped, `utm_*` and other common tracking parameters removed (the order of
/// the others is kept), an empty query removed.
///
/// ```
/// let u = roundup_feed::canonicalize_url("HTTP://Example.COM:80/a?utm_source=x&id=3&fbclid=y#top").unwrap();
/// assert_eq!(u, "http://example.com/a?id=3");
/// ```
pub fn canonicalize_url(input: &str) -> Result<String, FeedError> {
    let mut url = url::Url::parse(input.trim()).map_err(|e| FeedError::InvalidUrl {
        url: input.to_string(),
        reason: e.to_string(),
    })?;
    if url.cannot_be_a_base() {
        return Err(FeedError::InvalidUrl {
            url: input.to_string(),
            reason: "not a hierarchical URL".into(),
        });
    }
    url.set_fragment(None);
    if let Some(q) = url.query() {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|pair| {
                if pair.is_empty() {
                    return false;
                }
                let key = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
                !(key.starts_with("utm_") || TRACKING_PARAMS.contains(&key.as_str()))
            })
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            let q = kept.join("&");
            url.set_query(Some(&q));
        }
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_like_a_browser() {
        assert_eq!(urljoin("http://a/b/c/d;p?q", "g"), "http://a/b/c/g");
        assert_eq!(urljoin("http://a/b/c/d;p?q", "../g"), "http://a/b/g");
        assert_eq!(urljoin("http://a/b/c/d;p?q", "/g"), "http://a/g");
        assert_eq!(urljoin("http://a/b/c/d;p?q", "//h/x"), "http://h/x");
        assert_eq!(urljoin("http://a/b/c/d;p?q", "?y"), "http://a/b/c/d;p?y");
        assert_eq!(
            urljoin("http://example.com", "http://example.com"),
            "http://example.com"
        );
        assert_eq!(urljoin("http://example.com", "x"), "http://example.com/x");
        assert_eq!(urljoin("", "rel"), "rel");
        assert_eq!(urljoin("http://a/", "tag:x,2004:1"), "tag:x,2004:1");
    }

    #[test]
    fn safe_schemes() {
        assert_eq!(make_safe_absolute("http://a/", "javascript:alert(1)"), "");
        assert_eq!(make_safe_absolute("javascript:x", ""), "");
        assert_eq!(make_safe_absolute("http://a/b", ""), "http://a/b");
    }

    #[test]
    fn canonicalize() {
        assert_eq!(
            canonicalize_url("https://EXAMPLE.org:443/x?a=1&utm_medium=m&gclid=2&b=#f").unwrap(),
            "https://example.org/x?a=1&b="
        );
        assert_eq!(
            canonicalize_url("http://example.org/?utm_source=a").unwrap(),
            "http://example.org/"
        );
        assert_eq!(
            canonicalize_url("http://example.org:8080/p").unwrap(),
            "http://example.org:8080/p"
        );
        assert!(canonicalize_url("not a url").is_err());
        assert!(canonicalize_url("mailto:x@y").is_err());
    }
}
