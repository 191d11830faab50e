//! Throughput check: parses a synthetic 20-item RSS feed and an Atom feed N times (default
//! 5,000 each) through `parse_feed_with` + `entries()` and prints the time per feed.
//! `cargo run --release -p roundup-feed --example bench_parse -- 5000`
use std::time::Instant;

fn rss(n: usize) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Bench Gazette</title><link>https://bench.example/</link><language>en</language>"#,
    );
    for i in 0..n {
        s.push_str(&format!(
            "<item><title>Story number {i} &amp; more</title><link>https://bench.example/story/{i}?utm_source=rss</link><guid>https://bench.example/story/{i}</guid><pubDate>Tue, 10 Jun 2025 04:{:02}:00 GMT</pubDate><dc:creator>Reporter {i}</dc:creator><category>World</category><description><![CDATA[<p>{}</p><p><a href=\"/related/{i}\">Related</a> <img src=\"/img/{i}.jpg\"></p>]]></description><media:content url=\"https://cdn.bench.example/{i}.jpg\" medium=\"image\"/></item>",
            i % 60,
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ".repeat(4)
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn atom(n: usize) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/"><title>Bench Atom</title><link href="/"/>"#,
    );
    for i in 0..n {
        s.push_str(&format!(
            "<entry><title type=\"html\">Entry {i} &lt;b&gt;bold&lt;/b&gt;</title><link href=\"/e/{i}\"/><id>tag:atom.example,2025:{i}</id><updated>2025-06-10T04:00:00Z</updated><author><name>A {i}</name></author><content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p></div></content></entry>",
            "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium. ".repeat(4)
        ));
    }
    s.push_str("</feed>");
    s
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    for (name, doc) in [("rss", rss(20)), ("atom", atom(20))] {
        let opts = roundup_feed::ParseOptions {
            base_url: Some("https://bench.example/feed".into()),
            charset: None,
        };
        let t = Instant::now();
        let mut entries = 0;
        for _ in 0..n {
            let p = roundup_feed::parse_feed_with(doc.as_bytes(), &opts).expect("parses");
            entries += p.entries(Some("https://bench.example/feed")).len();
        }
        let el = t.elapsed();
        let t2 = Instant::now();
        for _ in 0..n {
            let p = roundup_feed::parse_feed_with(doc.as_bytes(), &opts).expect("parses");
            std::hint::black_box(p.items.len());
        }
        println!(
            "{name}: parse only {:.0} µs/feed",
            t2.elapsed().as_micros() as f64 / n as f64
        );
        println!(
            "{name}: {n} feeds ({} KiB each), {entries} entries in {:.2?} = {:.0} µs/feed",
            doc.len() / 1024,
            el,
            el.as_micros() as f64 / n as f64
        );
    }
}
