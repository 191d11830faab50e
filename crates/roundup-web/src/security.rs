//! Security headers on every response, and the client address of a request.

use crate::Shared;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The Content-Security-Policy: no inline scripts or styles, nothing framed, forms post only
/// to this site. The site ships no JavaScript at all.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Middleware adding the security headers. A handler may set a stricter `Referrer-Policy`
/// (pages whose URL carries a signed token use `no-referrer`); every other header is forced.
pub(crate) async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("interest-cohort=(), camera=(), microphone=(), geolocation=()"),
    );
    resp
}

/// The client's IP address: with `client_ip_header` configured, the last entry of that header
/// (the one the trusted proxy added; entries before it come from the client and are ignored)
/// when it is a valid address; otherwise the TCP peer. `None` when neither is known (not
/// served over TCP).
pub(crate) struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The address as a rate-limiter key ("unknown" when not known).
    pub fn key(&self) -> String {
        self.0
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

impl FromRequestParts<Shared> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> Result<Self, Self::Rejection> {
        if let Some(h) = st.cfg.client_ip_header.as_deref() {
            let last = parts
                .headers
                .get_all(h)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty());
            if let Some(ip) = last.and_then(parse_forwarded_ip) {
                return Ok(ClientIp(Some(ip)));
            }
        }
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_canonical()),
        ))
    }
}

/// One entry of a proxy header as an address: `203.0.113.7`, `203.0.113.7:4711`,
/// `2001:db8::1`, `[2001:db8::1]:4711`, or an RFC 7239 `Forwarded` element
/// (`for=203.0.113.7;proto=https`, `for="[2001:db8::1]:4711"`). Anything else (`unknown`,
/// obfuscated identifiers, garbage) is `None`.
pub(crate) fn parse_forwarded_ip(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let value = match entry
        .split(';')
        .map(str::trim)
        .find(|p| p.len() > 4 && p[..4].eq_ignore_ascii_case("for="))
    {
        Some(p) => &p[4..],
        None => entry,
    };
    let value = value.trim().trim_matches('"');
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sa) = value.parse::<SocketAddr>() {
        return Some(sa.ip().to_canonical());
    }
    value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .and_then(|v| v.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::parse_forwarded_ip;

    #[test]
    fn proxy_header_entries() {
        let ip = |s: &str| parse_forwarded_ip(s).map(|i| i.to_string());
        assert_eq!(ip("203.0.113.7").as_deref(), Some("203.0.113.7"));
        assert_eq!(ip(" 203.0.113.7:4711 ").as_deref(), Some("203.0.113.7"));
        assert_eq!(ip("2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(ip("[2001:db8::1]:4711").as_deref(), Some("2001:db8::1"));
        assert_eq!(ip("[2001:db8::1]").as_deref(), Some("2001:db8::1"));
        assert_eq!(ip("::ffff:192.0.2.1").as_deref(), Some("192.0.2.1"));
        assert_eq!(
            ip("for=192.0.2.60;proto=http;by=203.0.113.43").as_deref(),
            Some("192.0.2.60")
        );
        assert_eq!(
            ip("For=\"[2001:db8:cafe::17]:4711\"").as_deref(),
            Some("2001:db8:cafe::17")
        );
        for bad in [
            "",
            "unknown",
            "for=_hidden",
            "999.1.1.1",
            "example.org",
            "1.2.3.4x",
        ] {
            assert_eq!(ip(bad), None, "{bad}");
        }
    }
}
