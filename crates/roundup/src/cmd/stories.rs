//! `roundup stories …`: cluster, digest and rank stories; show the ranking with its terms.

use crate::app;
use crate::config::Config;
use crate::pipeline::stories::StoryStage;
use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;

/// Story commands.
#[derive(Debug, Subcommand)]
pub enum Stories {
    /// Cluster the last 72 h of entries into stories, write digests and scores, and (with
    /// --publish) publish the editions.
    Update {
        /// Also publish the front page, briefing, ten-things and good-news editions.
        #[arg(long)]
        publish: bool,
    },
    /// Print the day's biggest stories.
    Top {
        /// Day (YYYY-MM-DD, UTC); default today.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Only this section (world, politics, business, …).
        #[arg(long)]
        section: Option<roundup_model::Section>,
        /// How many.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print every term of each story's score.
        #[arg(long)]
        explain: bool,
    },
}

/// Runs a stories command.
pub fn run(cmd: Stories, cfg: &Config) -> Result<()> {
    app::runtime()?.block_on(async move {
        let store = app::open_store(cfg).await?;
        match cmd {
            Stories::Update { publish } => {
                let stats = StoryStage::default()
                    .run(&store, Utc::now(), publish)
                    .await?;
                println!(
                    "{} entries → {} stories ({} new, {} merged); {} editions published",
                    stats.entries, stats.stories, stats.created, stats.merged, stats.editions
                );
            }
            Stories::Top {
                date,
                section,
                limit,
                explain,
            } => {
                let day = date.unwrap_or_else(|| Utc::now().date_naive());
                let start = day
                    .and_hms_opt(0, 0, 0)
                    .context("date")?
                    .and_utc()
                    .timestamp();
                let end = start + 86_400;
                let mut rows: Vec<_> = store
                    .stories_since(start, false, 10_000)
                    .await?
                    .into_iter()
                    .filter(|s| s.last_updated < end)
                    .filter(|s| section.is_none_or(|x| s.section.as_deref() == Some(x.as_str())))
                    .collect();
                rows.truncate(limit);
                if rows.is_empty() {
                    println!(
                        "no stories on {day}{}",
                        section.map(|s| format!(" in {s}")).unwrap_or_default()
                    );
                }
                for (i, s) in rows.iter().enumerate() {
                    println!(
                        "{:>2}. {:>7.3}  {}  [{} · {} outlets · {}]{}",
                        i + 1,
                        s.score,
                        s.headline,
                        s.section.as_deref().unwrap_or("-"),
                        s.outlet_count,
                        DateTime::from_timestamp(s.last_updated, 0)
                            .map(|t| t.format("%H:%M").to_string())
                            .unwrap_or_default(),
                        if s.pinned { "  (pinned)" } else { "" }
                    );
                    if explain {
                        match serde_json::from_value::<roundup_digest::ScoreTerms>(
                            s.digest["score_terms"].clone(),
                        ) {
                            Ok(terms) => println!("{}", indent(&terms.to_string())),
                            Err(_) => println!(
                                "      (no score terms stored; run `roundup stories update`)"
                            ),
                        }
                    }
                }
            }
        }
        store.close().await;
        Ok(())
    })
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("      {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
