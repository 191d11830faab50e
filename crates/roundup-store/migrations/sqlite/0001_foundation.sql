-- Foundation: outlets, per-feed fetch state, feed entries, extracted articles, durable jobs.
-- Times are unix seconds (UTC) in INTEGER columns; lists are JSON arrays in TEXT columns.
CREATE TABLE outlets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    homepage TEXT,
    feed_url TEXT NOT NULL UNIQUE,
    lean TEXT,
    region TEXT,
    language TEXT,
    section_hint TEXT,
    paused INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE feed_state (
    outlet_id INTEGER PRIMARY KEY REFERENCES outlets(id) ON DELETE CASCADE,
    etag TEXT,
    last_modified TEXT,
    last_attempt INTEGER,
    last_success INTEGER,
    last_status TEXT,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_check INTEGER NOT NULL DEFAULT 0,
    poll_interval_secs INTEGER NOT NULL DEFAULT 3600,
    entries_total INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feed_state_next_check ON feed_state(next_check);

CREATE TABLE entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outlet_id INTEGER NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL,
    guid TEXT,
    url TEXT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    summary_html TEXT NOT NULL,
    content TEXT NOT NULL,
    authors TEXT NOT NULL,
    categories TEXT NOT NULL,
    published INTEGER,
    updated INTEGER,
    image TEXT,
    position INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    UNIQUE (outlet_id, dedup_key)
);
CREATE INDEX entries_published ON entries(published);
CREATE INDEX entries_url ON entries(url);

CREATE TABLE articles (
    entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    url TEXT,
    title TEXT,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    authors TEXT NOT NULL,
    published INTEGER,
    language TEXT,
    image TEXT,
    site_name TEXT,
    description TEXT,
    extractor_version TEXT NOT NULL,
    quality REAL NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    extracted_at INTEGER NOT NULL
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    unique_key TEXT UNIQUE,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    lease_until INTEGER,
    worker TEXT,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_claim ON jobs(state, run_at);
