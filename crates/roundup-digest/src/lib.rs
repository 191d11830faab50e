//! Ranking, sections, good-news filter and the extractive, attributed story digest.

pub mod quotes;
pub mod text;
pub mod types;
pub use types::*;
