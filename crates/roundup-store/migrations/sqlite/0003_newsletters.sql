-- Newsletters: subscribers (double opt-in), their list subscriptions, issues (one per list and
-- edition), the per-recipient send ledger, and sign-up rate-limit events.
CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    pending_expires INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX subscribers_pending ON subscribers(state, pending_expires);

CREATE TABLE subscriptions (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    list TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (subscriber_id, list)
);
CREATE INDEX subscriptions_list ON subscriptions(list);

CREATE TABLE newsletter_issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    list TEXT NOT NULL,
    edition_id INTEGER NOT NULL,
    subject TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (list, edition_id)
);

CREATE TABLE send_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id INTEGER NOT NULL REFERENCES newsletter_issues(id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    worker TEXT,
    last_error TEXT,
    sent_at INTEGER,
    updated_at INTEGER NOT NULL,
    UNIQUE (issue_id, subscriber_id)
);
CREATE INDEX send_ledger_claim ON send_ledger(issue_id, state, next_attempt_at);

CREATE TABLE signup_events (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX signup_events_key ON signup_events(key, at);
