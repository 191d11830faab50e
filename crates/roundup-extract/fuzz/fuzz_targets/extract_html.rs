//! Fuzz target: any bytes through the HTML/auto extractor must give Ok or a typed error,
//! never a panic, and the outputs must keep their invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = roundup_extract::Options { url: Some("https://example.com/2020/01/02/a"), now: None };
    if let Ok(x) = roundup_extract::extract_html(data, &opts) {
        assert!(!x.article.text.contains("\n\n\n"));
        assert!(x.quality.score >= 0.0 && x.quality.score <= 1.0);
        assert!(!x.article.html.contains("<script"));
        let _ = roundup_extract::to_markdown(&x.article);
    }
    let _ = roundup_extract::extract_auto(data, &opts);
});
