-- Inbound mail: what bounces, complaints and mailto unsubscribes told us about each address
-- (the history the suppression policy decides on). One row per (message, address): processing
-- the same message twice records nothing new.
CREATE TABLE bounce_events (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    message_key TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    UNIQUE (message_key, email)
);
CREATE INDEX bounce_events_email ON bounce_events(email, at);

-- Named lease locks: at most one holder per name until it releases or the lease runs out
-- (the story stage and the newsletter scheduler run once at a time across workers).
CREATE TABLE locks (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
