//! Polite HTTP fetching: per-host pools and delays, robots.txt, conditional GET, retries, size caps, charset, SSRF guard.
