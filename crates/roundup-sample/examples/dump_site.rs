//! Writes every file of the sample world's sites under a directory, for inspection:
//! `cargo run -p roundup-sample --example dump_site -- OUT_DIR [BASE_URL]`.
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
    println!("{} files under {}", site.len(), out.display());
    Ok(())
}
