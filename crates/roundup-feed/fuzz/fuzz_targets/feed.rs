//! Any bytes → feed parser, JSON rendering, entry conversion and feed info: must not panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = roundup_feed::ParseOptions { base_url: Some("https://fuzz.example/feed".into()), charset: None };
    let parsed = roundup_feed::parse_feed_lenient(data, &opts);
    let _ = parsed.to_json();
    let _ = parsed.entries(Some("https://fuzz.example/feed"));
    let _ = parsed.info();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = roundup_feed::discover_feeds(text, "https://fuzz.example/");
        let _ = roundup_feed::canonicalize_url(text);
    }
});
