//! SSRF guard: classify destination addresses, resolve host names ourselves, and hand the
//! HTTP client only vetted addresses (so a DNS answer that changes between the check and the
//! connect cannot reach an internal address).

use crate::error::{BlockReason, FetchError};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why `ip` must not be fetched from, or `None` for a public unicast address.
pub fn classify_ip(ip: IpAddr) -> Option<BlockReason> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<BlockReason> {
    let o = ip.octets();
    let n = u32::from(ip);
    let in_net = |base: u32, bits: u32| (n >> (32 - bits)) == (base >> (32 - bits));
    if o[0] == 127 {
        return Some(BlockReason::Loopback);
    }
    if o[0] == 0 {
        return Some(BlockReason::Unspecified);
    }
    if o[0] == 10 || in_net(0xac10_0000, 12) || in_net(0xc0a8_0000, 16) {
        return Some(BlockReason::Private);
    }
    if in_net(0xa9fe_0000, 16) {
        return Some(BlockReason::LinkLocal);
    }
    if in_net(0x6440_0000, 10) {
        return Some(BlockReason::SharedAddressSpace);
    }
    if o[0] >= 224 && o[0] < 240 || n == u32::MAX {
        return Some(BlockReason::Multicast);
    }
    if o[0] >= 240 // 240/4 reserved
        || in_net(0xc000_0000, 24) // 192.0.0.0/24 IETF protocol assignments
        || in_net(0xc000_0200, 24) // 192.0.2.0/24 TEST-NET-1
        || in_net(0xc633_6400, 24) // 198.51.100.0/24 TEST-NET-2
        || in_net(0xcb00_7100, 24) // 203.0.113.0/24 TEST-NET-3
        || in_net(0xc612_0000, 15) // 198.18.0.0/15 benchmarking
        || in_net(0xc058_6300, 24)
    // 192.88.99.0/24 6to4 relay anycast
    {
        return Some(BlockReason::Reserved);
    }
    None
}

fn classify_v6(ip: Ipv6Addr) -> Option<BlockReason> {
    if ip.is_loopback() {
        return Some(BlockReason::Loopback);
    }
    if ip.is_unspecified() {
        return Some(BlockReason::Unspecified);
    }
    let seg = ip.segments();
    // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d: judge the IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if seg[..6].iter().all(|&s| s == 0) {
        return classify_v4(Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        ));
    }
    // NAT64 64:ff9b::/96 embeds an IPv4 address in the last 32 bits.
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6].iter().all(|&s| s == 0) {
        let v4 = Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        );
        return classify_v4(v4);
    }
    // 6to4 2002::/16 embeds an IPv4 address in bits 16..48.
    if seg[0] == 0x2002 {
        let v4 = Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        );
        if let Some(r) = classify_v4(v4) {
            return Some(r);
        }
    }
    if seg[0] & 0xfe00 == 0xfc00 {
        return Some(BlockReason::Private); // fc00::/7 unique local
    }
    if seg[0] & 0xffc0 == 0xfe80 || seg[0] & 0xffc0 == 0xfec0 {
        return Some(BlockReason::LinkLocal); // fe80::/10, deprecated site-local fec0::/10
    }
    if seg[0] & 0xff00 == 0xff00 {
        return Some(BlockReason::Multicast);
    }
    if seg[0] == 0x2001 && seg[1] == 0x0db8 || seg[0] == 0x0100 && seg[1..4] == [0, 0, 0] {
        return Some(BlockReason::Reserved); // documentation, discard-only
    }
    None
}

/// Resolves and vets host names, caching vetted answers for a short TTL. Shared between the
/// fetcher's pre-connect check (which turns refusals into typed errors) and the HTTP client's
/// resolver (which connects only to what this returns).
#[derive(Debug)]
pub(crate) struct Guard {
    allow_private: bool,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Vec<IpAddr>, Instant)>>,
}

impl Guard {
    pub(crate) fn new(allow_private: bool, ttl: Duration) -> Guard {
        Guard {
            allow_private,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Refuses `ip` unless private addresses are allowed.
    pub(crate) fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), FetchError> {
        if self.allow_private {
            return Ok(());
        }
        match classify_ip(ip) {
            Some(reason) => Err(FetchError::Blocked {
                host: host.to_string(),
                addr: ip.to_string(),
                reason,
            }),
            None => Ok(()),
        }
    }

    /// Resolves `host` (a domain name) and vets every address: one refused address refuses
    /// the host (a mixed answer is a rebinding attempt or a misconfiguration).
    pub(crate) async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, FetchError> {
        let key = host.trim_end_matches('.').to_ascii_lowercase();
        if let Ok(cache) = self.cache.lock() {
            if let Some((ips, at)) = cache.get(&key) {
                if at.elapsed() < self.ttl {
                    return Ok(ips.clone());
                }
            }
        }
        let addrs = tokio::net::lookup_host((key.as_str(), 0))
            .await
            .map_err(|e| FetchError::Dns {
                host: host.to_string(),
                message: e.to_string(),
            })?;
        let mut ips: Vec<IpAddr> = Vec::new();
        for a in addrs {
            if !ips.contains(&a.ip()) {
                ips.push(a.ip());
            }
        }
        if ips.is_empty() {
            return Err(FetchError::Dns {
                host: host.to_string(),
                message: "no addresses".into(),
            });
        }
        for ip in &ips {
            self.check_ip(host, *ip)?;
        }
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 50_000 {
                cache.retain(|_, (_, at)| at.elapsed() < self.ttl);
            }
            cache.insert(key, (ips.clone(), Instant::now()));
        }
        Ok(ips)
    }
}

/// The HTTP client's DNS resolver: answers only with vetted addresses.
pub(crate) struct GuardResolver(pub(crate) Arc<Guard>);

impl reqwest::dns::Resolve for GuardResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips = guard
                .resolve(&host)
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            let addrs: reqwest::dns::Addrs =
                Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<BlockReason> {
        classify_ip(s.parse().unwrap())
    }

    #[test]
    fn classifies_special_ranges() {
        assert_eq!(c("127.0.0.1"), Some(BlockReason::Loopback));
        assert_eq!(c("127.9.8.7"), Some(BlockReason::Loopback));
        assert_eq!(c("10.1.2.3"), Some(BlockReason::Private));
        assert_eq!(c("172.16.0.1"), Some(BlockReason::Private));
        assert_eq!(c("172.31.255.255"), Some(BlockReason::Private));
        assert_eq!(c("172.32.0.1"), None);
        assert_eq!(c("192.168.1.1"), Some(BlockReason::Private));
        assert_eq!(c("169.254.169.254"), Some(BlockReason::LinkLocal));
        assert_eq!(c("0.0.0.0"), Some(BlockReason::Unspecified));
        assert_eq!(c("224.0.0.1"), Some(BlockReason::Multicast));
        assert_eq!(c("255.255.255.255"), Some(BlockReason::Multicast));
        assert_eq!(c("100.64.0.1"), Some(BlockReason::SharedAddressSpace));
        assert_eq!(c("100.127.255.255"), Some(BlockReason::SharedAddressSpace));
        assert_eq!(c("100.128.0.1"), None);
        assert_eq!(c("8.8.8.8"), None);
        assert_eq!(c("93.184.216.34"), None);
        assert_eq!(c("::1"), Some(BlockReason::Loopback));
        assert_eq!(c("::"), Some(BlockReason::Unspecified));
        assert_eq!(c("fd00::1"), Some(BlockReason::Private));
        assert_eq!(c("fe80::1"), Some(BlockReason::LinkLocal));
        assert_eq!(c("ff02::1"), Some(BlockReason::Multicast));
        assert_eq!(c("::ffff:127.0.0.1"), Some(BlockReason::Loopback));
        assert_eq!(c("::ffff:169.254.169.254"), Some(BlockReason::LinkLocal));
        assert_eq!(c("64:ff9b::a00:1"), Some(BlockReason::Private));
        assert_eq!(c("2002:c0a8:0101::1"), Some(BlockReason::Private));
        assert_eq!(c("2606:4700::1111"), None);
    }
}
