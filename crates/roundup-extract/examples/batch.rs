//! Development helper: extract every page of a directory and write the benchmark's JSON.
//! `cargo run --release -p roundup-extract --example batch -- DIR OUT.json`
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&args[1]);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut out = serde_json::Map::new();
    let t = Instant::now();
    let mut bytes = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let Some(id) = name.strip_suffix(".html.gz").or(name.strip_suffix(".html")) else {
            continue;
        };
        let page = roundup_extract::read_page(f).unwrap();
        bytes += page.len();
        let v = match roundup_extract::extract_html(&page, &Default::default()) {
            Ok(x) => serde_json::json!({
                "articleBody": x.article.text, "title": x.article.title, "author": x.article.authors.join(", "),
                "date": x.published_date.map(|d| d.to_string()), "language": x.article.language, "method": x.method,
            }),
            Err(e) => serde_json::json!({"articleBody": "", "error": e.to_string()}),
        };
        out.insert(id.to_string(), v);
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "{} pages in {:.2}s: {:.1} pages/s, {:.1} MB/s",
        out.len(),
        s,
        out.len() as f64 / s,
        bytes as f64 / 1e6 / s
    );
    std::fs::write(&args[2], serde_json::to_string_pretty(&out).unwrap()).unwrap();
}
