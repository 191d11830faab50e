//! Adapter from fetched feed bytes to what the pipeline stores.

use roundup_model::FeedEntry;

/// A parsed feed as the pipeline uses it.
pub struct ParsedForIngest {
    /// Entries in feed order.
    pub entries: Vec<FeedEntry>,
    /// Feed title.
    pub title: Option<String>,
    /// The publisher's own polling hint (TTL / sy:updatePeriod), seconds.
    pub poll_hint_secs: Option<i64>,
}

/// Parses a fetched feed document. `content_type` supplies the transport charset.
pub fn parse(
    bytes: &[u8],
    url: &str,
    content_type: Option<&str>,
) -> Result<ParsedForIngest, roundup_feed::FeedError> {
    let opts = roundup_feed::ParseOptions {
        base_url: Some(url.to_string()),
        charset: content_type.and_then(roundup_fetch::charset::content_type_charset),
    };
    let parsed = roundup_feed::parse_feed_with(bytes, &opts)?;
    let info = parsed.info();
    Ok(ParsedForIngest {
        entries: parsed.entries(Some(url)),
        title: info.title.clone(),
        poll_hint_secs: info.suggested_poll_interval().map(|d| d.as_secs() as i64),
    })
}
