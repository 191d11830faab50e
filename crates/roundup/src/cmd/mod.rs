//! One module per CLI area. Each exposes its clap `Args` and a `run` function.

pub mod bench;
pub mod bounces;
pub mod cluster;
pub mod extract;
pub mod feeds;
pub mod fetch;
pub mod newsletter;
pub mod parse_feed;
pub mod serve;
pub mod stories;
