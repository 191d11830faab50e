-- Stories (clusters of entries), merges as redirects, immutable editions, key/value settings.
CREATE TABLE stories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    headline TEXT NOT NULL,
    headline_override TEXT,
    section TEXT,
    first_seen INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    article_count INTEGER NOT NULL DEFAULT 0,
    outlet_count INTEGER NOT NULL DEFAULT 0,
    score REAL NOT NULL DEFAULT 0,
    good_news INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    suppressed INTEGER NOT NULL DEFAULT 0,
    digest TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX stories_last_updated ON stories(last_updated);

CREATE TABLE story_entries (
    entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE
);
CREATE INDEX story_entries_story ON story_entries(story_id);

CREATE TABLE story_redirects (
    old_id INTEGER PRIMARY KEY,
    new_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE
);

CREATE TABLE editions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    edition_date TEXT NOT NULL,
    title TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX editions_kind_date ON editions(kind, edition_date);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
