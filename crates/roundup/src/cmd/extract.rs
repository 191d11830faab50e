//! `roundup extract`: one page file to an article (JSON, text or Markdown), or a directory of
//! pages to the extraction benchmark's prediction format with `--batch DIR --out PRED.json`.

use anyhow::{bail, Context};
use roundup_extract::{Extraction, Options};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Output format of a single extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The article and its quality signal as JSON.
    Json,
    /// Title, then the body text.
    Text,
    /// Title, byline and body as Markdown.
    Markdown,
}

/// Arguments of this command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Page file (HTML, .html.gz or plain text; "-" for stdin). Fetching URLs is `roundup fetch`'s job.
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub input: Option<String>,
    /// URL the page came from (resolves relative links, gives URL dates).
    #[arg(long)]
    pub url: Option<String>,
    /// Output format for a single page.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Extract every *.html and *.html.gz file of this directory.
    #[arg(long, requires = "out")]
    pub batch: Option<PathBuf>,
    /// With --batch: where to write the predictions JSON ({id: {articleBody, title, author, date, language}}).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --batch: no progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(dir) = &args.batch {
        let out = args
            .out
            .as_deref()
            .context("--batch needs --out PRED.json")?;
        return batch(dir, out, args.quiet);
    }
    let input = args
        .input
        .as_deref()
        .context("give a page file, or --batch DIR --out PRED.json")?;
    let fetched_url;
    let bytes = if input.starts_with("http://") || input.starts_with("https://") {
        // Fetched politely with the configured fetcher (user agent, robots.txt, SSRF guard,
        // size cap, charset), like the pipeline does.
        let cfg_path = std::env::var_os("ROUNDUP_CONFIG").map(std::path::PathBuf::from);
        let cfg = crate::config::Config::load(cfg_path.as_deref())?;
        let fetcher = crate::app::fetcher(&cfg)?;
        let page = crate::app::runtime()?.block_on(async move { fetcher.fetch(input).await });
        match page {
            roundup_fetch::FetchOutcome::Ok(f) => {
                fetched_url = Some(f.final_url.clone());
                f.text_lossy().into_owned().into_bytes()
            }
            roundup_fetch::FetchOutcome::NotModified(_) => bail!("{input}: unexpected 304"),
            roundup_fetch::FetchOutcome::Failed(e) => bail!("{input}: {}", e.message()),
        }
    } else if input == "-" {
        fetched_url = None;
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("reading stdin")?;
        b
    } else {
        fetched_url = None;
        roundup_extract::read_page(Path::new(input))?
    };
    let opts = Options {
        url: args.url.as_deref().or(fetched_url.as_deref()),
        now: None,
    };
    let x = roundup_extract::extract_auto(&bytes, &opts)
        .with_context(|| format!("extracting {input}"))?;
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let v = serde_json::json!({
                "article": x.article,
                "published_date": x.published_date.map(|d| d.to_string()),
                "method": x.method,
                "quality": x.quality,
                "extractor_version": roundup_extract::EXTRACTOR_VERSION,
            });
            serde_json::to_writer_pretty(&mut stdout, &v)?;
            writeln!(stdout)?;
        }
        Format::Text => {
            if let Some(t) = &x.article.title {
                writeln!(stdout, "{t}\n")?;
            }
            writeln!(stdout, "{}", x.article.text)?;
        }
        Format::Markdown => write!(stdout, "{}", roundup_extract::to_markdown(&x.article))?,
    }
    Ok(())
}

fn prediction(x: &Extraction) -> serde_json::Value {
    serde_json::json!({
        "articleBody": x.article.text,
        "title": x.article.title,
        "author": if x.article.authors.is_empty() { None } else { Some(x.article.authors.join(", ")) },
        "date": x.published_date.map(|d| d.format("%Y-%m-%d").to_string()),
        "language": x.article.language,
    })
}

fn batch(dir: &Path, out: &Path, quiet: bool) -> anyhow::Result<()> {
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .with_context(|| format!("reading directory {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let id = name
                .strip_suffix(".html.gz")
                .or_else(|| name.strip_suffix(".html"))?
                .to_string();
            Some((id, e.path()))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no *.html or *.html.gz files in {}", dir.display());
    }
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(files.len() as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} pages {per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut extract_secs = 0.0f64;
    let mut bytes = 0usize;
    let mut errors = 0usize;
    let mut preds = serde_json::Map::new();
    for (id, path) in &files {
        let v = match roundup_extract::read_page(path) {
            Ok(page) => {
                bytes += page.len();
                let t = Instant::now();
                let r = roundup_extract::extract_html(&page, &Options::default());
                extract_secs += t.elapsed().as_secs_f64();
                match r {
                    Ok(x) => prediction(&x),
                    Err(e) => {
                        errors += 1;
                        serde_json::json!({ "articleBody": "", "error": e.to_string() })
                    }
                }
            }
            Err(e) => {
                errors += 1;
                serde_json::json!({ "articleBody": "", "error": e.to_string() })
            }
        };
        preds.insert(id.clone(), v);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let total = started.elapsed().as_secs_f64();
    let f = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = std::io::BufWriter::new(f);
    serde_json::to_writer_pretty(&mut w, &preds)?;
    w.flush()?;
    let n = files.len() as f64;
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "{} pages ({:.1} MB, {} errors) in {:.2}s: {:.1} pages/s, {:.1} MB/s (extraction alone: {:.2}s, {:.1} pages/s, {:.1} MB/s)",
        files.len(),
        mb,
        errors,
        total,
        n / total,
        mb / total,
        extract_secs,
        n / extract_secs.max(1e-9),
        mb / extract_secs.max(1e-9)
    );
    Ok(())
}
