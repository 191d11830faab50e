//! The pipeline as the binary runs it: poll due feeds, store entries, fetch and extract their
//! pages, then cluster, digest, rank and publish. Each stage is a function over the store.

pub mod articles;
pub mod ingest;
pub mod poll;
pub mod stories;
