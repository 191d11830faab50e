//! Writes every file of the sample world's sites under a directory, for inspection and for the
//! shared scorers: `cargo run -p roundup-sample --example dump_site -- OUT_DIR [BASE_URL]`.
//!
//! Besides the site it writes `OUT_DIR/stories.jsonl` (clustering gold, for
//! `shared/eval/clustering/score.py`) and `OUT_DIR/extraction/{html/ID.html,ground-truth.json}`
//! (article pages and their gold bodies in the format of `shared/eval/extraction/score.py`).
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "sample-site".to_string()));
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_string());
    let site = roundup_sample::build_site(&base);
    for (path, res) in &site.resources {
        let mut p = out.join(path.trim_start_matches('/'));
        if path.ends_with('/') {
            p = p.join("index.html");
        }
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&p, &res.body)?;
    }
    std::fs::write(
        out.join("stories.jsonl"),
        roundup_sample::stories_jsonl_at(&base),
    )?;
    let ex = out.join("extraction");
    std::fs::create_dir_all(ex.join("html"))?;
    let mut gold = serde_json::Map::new();
    for a in &roundup_sample::world().articles {
        let id = a.id.replace('/', "_").replace(".html", "");
        if let Some((_, body)) = site.get(&a.path) {
            std::fs::write(ex.join("html").join(format!("{id}.html")), body)?;
        }
        gold.insert(
            id,
            serde_json::json!({"articleBody": a.text(), "url": a.url(&base)}),
        );
    }
    std::fs::write(
        ex.join("ground-truth.json"),
        serde_json::to_string_pretty(&gold)?,
    )?;
    println!("{} files under {}", site.len(), out.display());
    Ok(())
}
