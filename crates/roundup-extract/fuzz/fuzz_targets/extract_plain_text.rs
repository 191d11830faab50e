//! Fuzz target: the plain-text cleaner on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(x) = roundup_extract::extract_plain_text(&text, &roundup_extract::Options::default()) {
        assert!(!x.article.text.contains("\n\n\n"));
    }
});
