//! Extraction behaviour on a hand-written page, the shared plain-text fixture, and hostile input.

use chrono::{TimeZone, Utc};
use roundup_extract::{
    extract_auto, extract_html, extract_plain_text, quality, ExtractError, Method, Options,
};

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/").to_string() + name)
        .expect("testdata file")
}

fn opts(url: Option<&str>) -> Options<'_> {
    Options {
        url,
        now: Some(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()),
    }
}

#[test]
fn news_article_metadata_and_body() {
    let page = testdata("news-article.html");
    let x = extract_html(
        &page,
        &opts(Some(
            "https://gazette.example/news/2021/03/04/sea-wall?utm=x",
        )),
    )
    .unwrap();
    let a = &x.article;
    assert_eq!(x.method, Method::Dom);
    assert_eq!(
        a.title.as_deref(),
        Some("Harbor council approves new sea wall")
    );
    assert_eq!(
        a.authors,
        vec!["Jane Doe".to_string(), "Sam Roe".to_string()]
    );
    assert_eq!(
        a.url.as_deref(),
        Some("https://gazette.example/news/2021/03/04/sea-wall")
    );
    assert_eq!(a.site_name.as_deref(), Some("The Harbor Gazette"));
    assert_eq!(
        a.image.as_deref(),
        Some("https://gazette.example/images/wall.jpg")
    );
    assert_eq!(
        a.description.as_deref(),
        Some("The & council voted 7-2 for the project.")
    );
    assert_eq!(a.language.as_deref(), Some("en"));
    // The date as written on the page, and the instant in UTC.
    assert_eq!(x.published_date.unwrap().to_string(), "2021-03-04");
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2021-03-04T23:30:00+00:00"
    );
    assert_eq!(a.updated.unwrap().to_rfc3339(), "2021-03-05T09:00:00+00:00");

    let paras: Vec<&str> = a.text.split("\n\n").collect();
    for want in [
        "The harbor council voted seven to two",
        "The wall, which will stretch",
        "Opposition from fishermen",
        "Local fishermen had argued",
        "\"We have waited long enough",
        "Construction starts in the autumn",
        "Read more about the regional flood plan",
    ] {
        assert!(
            paras.iter().any(|p| p.starts_with(want)),
            "missing {want:?} in {paras:#?}"
        );
    }
    for bad in [
        "cookies",
        "Share on",
        "newsletter",
        "artist's impression",
        "Storm damages pier",
        "Great news",
        "Copyright",
        "By Jane Doe",
        "Home",
        "not content",
        "color: red",
    ] {
        assert!(
            !a.text.contains(bad),
            "boilerplate {bad:?} kept in {paras:#?}"
        );
    }
    // Paragraphs are separated by exactly one blank line.
    assert!(!a.text.contains("\n\n\n"));
    // Minimal sanitized HTML with structure and absolute links.
    assert!(
        a.html.contains("<h2>Opposition from fishermen</h2>"),
        "{}",
        a.html
    );
    assert!(
        a.html.contains("<blockquote>\n<p>&quot;We have waited"),
        "{}",
        a.html
    );
    assert!(
        a.html.contains("<ul>\n<li>Construction starts"),
        "{}",
        a.html
    );
    assert!(
        a.html.contains(
            "<a href=\"https://gazette.example/news/flood-plan\">regional flood plan</a>"
        ),
        "{}",
        a.html
    );
    assert!(!a.html.contains("<script") && !a.html.contains("<img"));
    assert!(x.quality.score > 0.5, "{:?}", x.quality);
    assert!(quality(a) > 0.4);

    // Without a fetch URL, relative links resolve against the canonical URL.
    let y = extract_html(&page, &opts(None)).unwrap();
    assert_eq!(
        y.article.image.as_deref(),
        Some("https://gazette.example/images/wall.jpg")
    );

    let md = roundup_extract::to_markdown(a);
    assert!(
        md.starts_with("# Harbor council approves new sea wall\n"),
        "{md}"
    );
    assert!(md.contains("## Opposition from fishermen"), "{md}");
    assert!(md.contains("> \"We have waited"), "{md}");
    assert!(md.contains("- Construction starts"), "{md}");
    assert!(
        md.contains("[regional flood plan](https://gazette.example/news/flood-plan)"),
        "{md}"
    );
}

#[test]
fn json_ld_article_body_is_a_fallback_for_script_rendered_pages() {
    let body = "First paragraph of a story rendered by a script, long enough to count as the text of an article for sure.\n\
                Second paragraph of the same story, which also carries enough words to be counted as real article text.";
    let page = format!(
        r#"<html><head><script type="application/ld+json">{{"@type":"NewsArticle","headline":"H","articleBody":{}}}</script></head>
        <body><div id="app">Loading…</div></body></html>"#,
        serde_json::to_string(body).unwrap()
    );
    let x = extract_html(page.as_bytes(), &opts(None)).unwrap();
    assert_eq!(x.method, Method::JsonLd);
    assert_eq!(x.article.text.split("\n\n").count(), 2);
    assert!(x.article.text.starts_with("First paragraph"));
}

#[test]
fn dates_from_time_element_url_and_text() {
    let p = b"<html><body><article><time datetime=\"2019-11-19T10:00:00Z\">Nov 19</time><p>Body text that is long enough to be a paragraph of an article, with commas, and more.</p></article></body></html>";
    assert_eq!(
        extract_html(p, &opts(None))
            .unwrap()
            .published_date
            .unwrap()
            .to_string(),
        "2019-11-19"
    );
    let p = b"<html><body><article><p>Body text that is long enough to be a paragraph of an article, with commas, and more.</p></article></body></html>";
    let x = extract_html(p, &opts(Some("https://x.example/2018/05/06/story"))).unwrap();
    assert_eq!(x.published_date.unwrap().to_string(), "2018-05-06");
    let p = b"<html><body><div class=\"info\">Posted on March 3, 2017</div><article><p>Body text that is long enough to be a paragraph of an article, with commas, and more.</p></article></body></html>";
    assert_eq!(
        extract_html(p, &opts(None))
            .unwrap()
            .published_date
            .unwrap()
            .to_string(),
        "2017-03-03"
    );
    // Sanity limits: future and pre-1995 dates are ignored.
    let p = b"<html><head><meta property=\"article:published_time\" content=\"2031-01-01\"></head><body><p>Printed 1990-01-01.</p></body></html>";
    assert_eq!(extract_html(p, &opts(None)).unwrap().published_date, None);
}

#[test]
fn language_detected_when_not_declared() {
    let p = "<html><body><article><p>Le conseil municipal a voté jeudi soir la construction d'une nouvelle digue le long de la côte est, mettant fin à un débat qui durait depuis presque dix ans.</p></article></body></html>";
    let x = extract_html(p.as_bytes(), &opts(None)).unwrap();
    assert_eq!(x.article.language.as_deref(), Some("fr"));
}

#[test]
fn legacy_charset_is_decoded() {
    let mut p = b"<html><head><meta charset=\"iso-8859-1\"></head><body><article><p>Caf\xe9 prices rose again this week, the owners of the caf\xe9s on the square said on Monday morning.</p></article></body></html>".to_vec();
    p.extend_from_slice(b"\n");
    let x = extract_html(&p, &opts(None)).unwrap();
    assert!(x.article.text.contains("Café prices"), "{}", x.article.text);
}

fn week_fixture() -> Option<String> {
    let path = roundup_testkit::shared_path("fixtures/week-article-page.txt");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            eprintln!("skipping: shared fixture {} not present", path.display());
            None
        }
    }
}

#[test]
fn plain_text_page_keeps_article_paragraphs_only() {
    let Some(page) = week_fixture() else { return };
    let x = extract_plain_text(&page, &opts(None)).unwrap();
    assert_eq!(x.method, Method::PlainText);
    let a = &x.article;
    assert_eq!(
        a.title.as_deref(),
        Some("Russia's new anti-ISIS coalition surprised U.S. officials")
    );
    let paras: Vec<&str> = a.text.split("\n\n").collect();
    // Every article paragraph of the page, including the quote after the sign-up block.
    for want in [
        "On Sunday, Iraq said that it has signed",
        "The new, formal agreement follows",
        "Russian drones have been flying",
        "\"We're just at the beginning of trying to understand",
    ] {
        assert!(
            paras.iter().any(|p| p.starts_with(want)),
            "missing {want:?} in {paras:#?}"
        );
    }
    assert_eq!(paras.len(), 4, "{paras:#?}");
    for bad in [
        "signing up",
        "Sign up",
        "There was a problem",
        "verification",
        "Subscribe",
        "Continue reading",
        "senior editor",
        "Speed Read",
        "Published",
        "Menendez",
        "echo chamber",
        "inbox",
    ] {
        assert!(
            !a.text.contains(bad),
            "boilerplate {bad:?} kept in {paras:#?}"
        );
    }
    assert_eq!(a.language.as_deref(), Some("en"));
    // extract_auto routes markup-free text to the plain-text cleaner.
    let y = extract_auto(page.as_bytes(), &opts(None)).unwrap();
    assert_eq!(y.article.text, a.text);
}

#[test]
fn empty_and_binary_input_are_errors() {
    assert!(matches!(
        extract_html(b"", &opts(None)),
        Err(ExtractError::Empty)
    ));
    assert!(matches!(
        extract_html(b"  \n\t ", &opts(None)),
        Err(ExtractError::Empty)
    ));
    assert!(matches!(
        extract_auto(b"", &opts(None)),
        Err(ExtractError::Empty)
    ));
    assert!(matches!(
        extract_plain_text("", &opts(None)),
        Err(ExtractError::Empty)
    ));
    // PNG header and pseudo-random bytes.
    let mut garbage = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let mut x: u32 = 12345;
    for _ in 0..100_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        garbage.push((x >> 16) as u8);
    }
    assert!(matches!(
        extract_html(&garbage, &opts(None)),
        Err(ExtractError::Binary)
    ));
    assert!(matches!(
        extract_auto(&garbage, &opts(None)),
        Err(ExtractError::Binary)
    ));
}

#[test]
fn invalid_utf8_is_decoded_lossily_without_panic() {
    let mut p =
        b"<html><body><article><p>Valid start of a paragraph that goes on for a while, ".to_vec();
    p.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]);
    p.extend_from_slice(
        b" and then continues with more words, commas, and an end.</p></article></body></html>",
    );
    let x = extract_html(&p, &opts(None)).unwrap();
    assert!(x.article.text.contains("Valid start"));
    assert!(x.article.text.contains("continues"));
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    // Run in a thread with a small stack: any recursive walk over 100k levels would overflow.
    let h = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let depth = 100_000;
            let mut p = String::with_capacity(depth * 12);
            p.push_str("<html><body>");
            for _ in 0..depth {
                p.push_str("<div>");
            }
            p.push_str("<p>Deep paragraph text that is long enough to be kept, with commas, and a full stop.</p>");
            for _ in 0..depth {
                p.push_str("</div>");
            }
            p.push_str("</body></html>");
            let x = extract_html(p.as_bytes(), &opts(None)).unwrap();
            // html5ever may reparent past its own depth limits; only require no crash and a result.
            let _ = x.article.text.len();
            let mut q = String::from("<html><body>");
            for _ in 0..depth {
                q.push_str("<span><b>");
            }
            q.push_str("text");
            let _ = extract_html(q.as_bytes(), &opts(None)).unwrap();
        })
        .unwrap();
    h.join().expect("deep nesting must not panic or overflow");
}

#[test]
fn fifty_megabyte_page() {
    let para = "<p>This is one paragraph of a very long page, with a few commas, some words, and an ending.</p>\n";
    let mut p = String::from("<html><head><title>Big</title></head><body><article>");
    while p.len() < 50 * 1024 * 1024 {
        p.push_str(para);
    }
    p.push_str("</article></body></html>");
    let x = extract_html(p.as_bytes(), &opts(None)).unwrap();
    assert!(
        x.article.text.len() > 40 * 1024 * 1024,
        "{}",
        x.article.text.len()
    );
}

#[test]
fn too_large_input_is_an_error() {
    let big = vec![b'a'; roundup_extract::MAX_INPUT_BYTES + 1];
    assert!(matches!(
        extract_html(&big, &opts(None)),
        Err(ExtractError::TooLarge { .. })
    ));
}

#[test]
fn read_page_gunzips_and_reports_missing_files() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("roundup-extract-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("page.html.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b"<html><body><p>hello</p></body></html>")
        .unwrap();
    std::fs::write(&path, enc.finish().unwrap()).unwrap();
    assert_eq!(
        roundup_extract::read_page(&path).unwrap(),
        b"<html><body><p>hello</p></body></html>"
    );
    let err = roundup_extract::read_page(&dir.join("missing.html")).unwrap_err();
    assert!(matches!(err, ExtractError::Io { .. }));
    assert!(err.to_string().contains("missing.html"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Scores the shared benchmark in-process (when present): a quick regression check that does
/// not need the CLI. The floor sits a little under the measured figure.
#[test]
fn shared_benchmark_smoke() {
    let dir = roundup_testkit::shared_path("eval/extraction/scrapinghub");
    let dir = dir.display();
    let Ok(gold) = std::fs::read_to_string(format!("{dir}/ground-truth.json")) else {
        eprintln!("skipping: {dir} not present");
        return;
    };
    let gold: serde_json::Value = serde_json::from_str(&gold).unwrap();
    let gold = gold.as_object().unwrap();
    let tokens = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        for c in s.chars() {
            if c.is_alphanumeric() || c == '_' {
                cur.push(c);
            } else if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    };
    let mut f1s = Vec::new();
    for (id, g) in gold.iter().take(40) {
        let page =
            roundup_extract::read_page(std::path::Path::new(&format!("{dir}/html/{id}.html.gz")))
                .unwrap();
        let x = extract_html(&page, &Options::default()).unwrap();
        let gt = tokens(g["articleBody"].as_str().unwrap_or(""));
        let pt = tokens(&x.article.text);
        let gs: std::collections::HashSet<&[String]> = gt.windows(4).collect();
        let ps: std::collections::HashSet<&[String]> = pt.windows(4).collect();
        let tp = gs.intersection(&ps).count() as f64;
        let p = if ps.is_empty() {
            0.0
        } else {
            tp / ps.len() as f64
        };
        let r = if gs.is_empty() {
            1.0
        } else {
            tp / gs.len() as f64
        };
        f1s.push(if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        });
    }
    let mean = f1s.iter().sum::<f64>() / f1s.len() as f64;
    eprintln!("mean item F1 over {} pages: {mean:.4}", f1s.len());
    assert!(mean > 0.93, "mean item F1 {mean:.4}");
}

#[test]
fn author_roles_are_not_names() {
    let p = b"<html><head><meta name=\"author\" content=\"TOM KRISHER, AP Auto Writer\"></head><body><article><p>Body text that is long enough to be a paragraph of an article, with commas, and more.</p></article></body></html>";
    let x = extract_html(p, &opts(None)).unwrap();
    assert_eq!(x.article.authors, vec!["TOM KRISHER".to_string()]);
    let p = b"<html><head><meta name=\"author\" content=\"By Ann Lee and Bo Chan\"></head><body><p>x</p></body></html>";
    assert_eq!(
        extract_html(p, &opts(None)).unwrap().article.authors,
        vec!["Ann Lee".to_string(), "Bo Chan".to_string()]
    );
}

/// Cheap deterministic fuzzing on real pages: truncations and byte flips must never panic.
#[test]
fn mutated_pages_never_panic() {
    let mut pages = vec![testdata("news-article.html")];
    let dir = roundup_testkit::shared_path("eval/extraction/scrapinghub/html");
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files.iter().step_by(30).take(6) {
            pages.push(roundup_extract::read_page(f).unwrap());
        }
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for page in &pages {
        for _ in 0..12 {
            let mut p = page.clone();
            let cut = (next() as usize) % p.len().max(1);
            p.truncate(cut.max(1));
            for _ in 0..(next() % 40) {
                let i = (next() as usize) % p.len();
                p[i] = (next() & 0xff) as u8;
            }
            let _ = extract_auto(&p, &opts(Some("https://example.com/2020/01/02/x")));
            let _ = extract_html(&p, &opts(None));
        }
    }
}
