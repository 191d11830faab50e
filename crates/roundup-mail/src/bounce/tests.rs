//! Unit tests of the whole classifier on small synthetic messages.

use super::*;

fn one(raw: &str) -> Report {
    classify(raw.as_bytes()).expect("classify")
}
