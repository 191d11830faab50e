//! Newsletters: subscriptions, signed tokens, MIME rendering, SMTP delivery, DKIM, send ledger, bounce classification.
//!
//! Built so far:
//! - [`bounce`]: classification of bounces, complaint feedback reports and auto-replies;
//! - [`suppression`]: the policy that turns a subscriber's bounce history into suppress/keep;
//! - [`token`]: signed, expiring email-link tokens (HMAC-SHA256, base64url).

pub mod bounce;
pub mod newsletter;
pub mod suppression;
pub mod token;
