//! Newsletters: subscriptions, signed tokens, MIME rendering, SMTP delivery, DKIM, send ledger, bounce classification.
