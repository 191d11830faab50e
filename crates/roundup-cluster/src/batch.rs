//! Batch interface: cluster a JSONL file of articles with the incremental clusterer.
//!
//! Input: one article per line, `{"id","outlet","published","title","url","text"}` (`url`,
//! `text`, `outlet`, `published` may be empty or absent; `language`/`lang` is read when present;
//! every other field is ignored). Output: `(id, story)` per article in input order, with the
//! story id after every merge and split the stream caused.
//!
//! Arrival times: when the dated lines are in publication order (none earlier than the latest
//! date before it by more than the window), each article arrives at its publication time and
//! the rolling window applies as in a live pipeline. Otherwise the file is an archive, not a
//! stream, and every article arrives at one time (the latest date in the file), as in a
//! backfill import: nothing expires, and publication dates still count as time proximity.

use crate::{ClusterConfig, ClusterError, Clusterer, Doc, StoryId};
use chrono::{DateTime, NaiveDate, Utc};
use std::io::BufRead;

/// Errors of the batch interface; each names the 1-based input line.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A line could not be read.
    #[error("line {line}: cannot read: {source}")]
    Io {
        /// Line number.
        line: usize,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not a valid article.
    #[error("line {line}: {message}")]
    BadLine {
        /// Line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The clusterer refused the article (e.g. the same id twice).
    #[error("line {line}: {source}")]
    Cluster {
        /// Line number.
        line: usize,
        /// The clusterer's error.
        source: ClusterError,
    },
}

/// Parses a publication time: RFC 3339, `YYYY-MM-DD HH:MM:SS` (UTC) or `YYYY-MM-DD` (noon UTC).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Some(t.and_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(12, 0, 0).map(|t| t.and_utc());
    }
    None
}

fn text_field(v: &serde_json::Value, key: &str, line: usize) -> Result<String, BatchError> {
    match v.get(key) {
        None | Some(serde_json::Value::Null) => Ok(String::new()),
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(BatchError::BadLine {
            line,
            message: format!("field {key:?} must be a string, got {other}"),
        }),
    }
}

/// Parses one input line (1-based number `line`) into a [`Doc`].
pub fn parse_line(text: &str, line: usize) -> Result<Doc, BatchError> {
    let bad = |message: String| BatchError::BadLine { line, message };
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad("expected a JSON object".into()));
    }
    let id = match v.get("id") {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(serde_json::Value::Number(x)) => x.to_string(),
        Some(_) => return Err(bad("\"id\" must be a non-empty string or a number".into())),
        None => return Err(bad("missing \"id\"".into())),
    };
    let title = text_field(&v, "title", line)?;
    let body = text_field(&v, "text", line)?;
    if title.trim().is_empty() && body.trim().is_empty() {
        return Err(bad(format!(
            "article {id:?} has neither \"title\" nor \"text\""
        )));
    }
    let published_s = text_field(&v, "published", line)?;
    let published = if published_s.trim().is_empty() {
        None
    } else {
        Some(parse_time(&published_s).ok_or_else(|| {
            bad(format!(
                "\"published\" {published_s:?} is not an RFC 3339 time or a YYYY-MM-DD date"
            ))
        })?)
    };
    let mut language = text_field(&v, "language", line)?;
    if language.trim().is_empty() {
        language = text_field(&v, "lang", line)?;
    }
    Ok(Doc {
        id,
        outlet: text_field(&v, "outlet", line)?,
        published,
        title,
        url: text_field(&v, "url", line)?,
        text: body,
        language: (!language.trim().is_empty()).then_some(language),
    })
}

/// Reads every article of a JSONL stream (blank lines skipped), with its line number.
pub fn read_docs(r: impl BufRead) -> Result<Vec<(usize, Doc)>, BatchError> {
    let mut docs = Vec::new();
    for (i, line) in r.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|source| BatchError::Io {
            line: line_no,
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        docs.push((line_no, parse_line(&line, line_no)?));
    }
    Ok(docs)
}

/// True when the dated articles come in publication order, allowing lateness up to `window_secs`.
pub fn is_stream(docs: &[(usize, Doc)], window_secs: i64) -> bool {
    let mut latest: Option<i64> = None;
    for (_, d) in docs {
        if let Some(p) = d.published {
            let t = p.timestamp();
            if latest.is_some_and(|l| t < l - window_secs) {
                return false;
            }
            latest = Some(latest.map_or(t, |l| l.max(t)));
        }
    }
    true
}

/// Clusters `docs` in order; returns each article's final story id (after merges and splits).
pub fn cluster_docs(
    docs: &[(usize, Doc)],
    config: ClusterConfig,
) -> Result<Vec<StoryId>, BatchError> {
    let window = (config.window_hours * 3600.0) as i64;
    let stream = is_stream(docs, window);
    let latest = docs.iter().filter_map(|(_, d)| d.published).max();
    let archive_time = latest.unwrap_or_default();
    let mut clusterer = Clusterer::new(config);
    let mut assigned = Vec::with_capacity(docs.len());
    for (line, d) in docs {
        let a = if stream {
            clusterer.ingest_in_order(d)
        } else {
            clusterer.ingest(d, archive_time)
        }
        .map_err(|source| BatchError::Cluster {
            line: *line,
            source,
        })?;
        assigned.push(a.story);
        // A split moves articles without changing their old story's id: look them up again.
        let events = clusterer.take_events();
        if events
            .iter()
            .any(|e| matches!(e, crate::StoryEvent::Split { .. }))
        {
            for ((_, d), s) in docs.iter().zip(assigned.iter_mut()) {
                if let Some(now) = clusterer.story_of(&d.id) {
                    *s = now;
                }
            }
        }
    }
    Ok(assigned.into_iter().map(|s| clusterer.resolve(s)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_name_their_line_number() {
        let input = "{\"id\":\"a\",\"title\":\"Quake hits\"}\n\nnot json\n";
        let err = read_docs(input.as_bytes()).unwrap_err();
        assert!(
            err.to_string().starts_with("line 3: not valid JSON"),
            "{err}"
        );

        let err = read_docs("{\"title\":\"x\"}".as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "line 1: missing \"id\"");

        let err =
            read_docs("{\"id\":\"a\",\"title\":\"x\",\"published\":\"last tuesday\"}".as_bytes())
                .unwrap_err();
        assert!(err.to_string().contains("line 1: \"published\""), "{err}");

        let err = read_docs("{\"id\":\"a\",\"title\":7}".as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("field \"title\" must be a string"),
            "{err}"
        );

        let err = read_docs("{\"id\":\"a\",\"title\":\"\",\"text\":\"\"}".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("neither"), "{err}");

        let err = read_docs("[1,2]".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("expected a JSON object"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_an_error_with_line() {
        let input = "{\"id\":\"a\",\"title\":\"Quake hits coastal town\"}\n{\"id\":\"a\",\"title\":\"Quake again\"}\n";
        let docs = read_docs(input.as_bytes()).unwrap();
        let err = cluster_docs(&docs, ClusterConfig::default()).unwrap_err();
        assert!(err.to_string().starts_with("line 2:"), "{err}");
    }

    #[test]
    fn gold_story_field_is_ignored_and_ids_may_be_numbers() {
        let input =
            "{\"id\":1,\"story\":\"S\",\"title\":\"Quake hits coastal town\",\"category\":\"x\"}\n";
        let docs = read_docs(input.as_bytes()).unwrap();
        assert_eq!(docs[0].1.id, "1");
        assert_eq!(
            cluster_docs(&docs, ClusterConfig::default()).unwrap().len(),
            1
        );
    }

    #[test]
    fn times() {
        assert!(parse_time("2014-03-10T17:21:20Z").is_some());
        assert!(parse_time("2005-05-24").is_some());
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn archive_detection() {
        let mk = |id: &str, date: &str| {
            (
                1,
                Doc {
                    id: id.into(),
                    title: "x".into(),
                    published: parse_time(date),
                    ..Doc::default()
                },
            )
        };
        let stream = vec![
            mk("a", "2014-03-10"),
            mk("b", "2014-03-11"),
            mk("c", "2014-03-10"),
        ];
        assert!(is_stream(&stream, 72 * 3600));
        let archive = vec![mk("a", "2013-03-10"), mk("b", "2005-03-11")];
        assert!(!is_stream(&archive, 72 * 3600));
    }
}
