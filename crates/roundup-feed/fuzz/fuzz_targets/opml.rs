//! Any bytes → OPML import, then export of what was read: must not panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = roundup_feed::opml::parse_opml(data) {
        let out = roundup_feed::opml::to_opml(doc.title.as_deref().unwrap_or(""), &doc.feeds);
        // what we write must read back with the same number of feeds
        let back = roundup_feed::opml::parse_opml(out.as_bytes()).expect("exported OPML parses");
        assert_eq!(back.feeds.len(), doc.feeds.len());
    }
});
