//! The `roundup` application: configuration, the pipeline as the binary runs it (ingest,
//! article extraction, scheduling) and the command implementations. `main.rs` is only the
//! command-line parser over these modules, so integration tests can drive the same code.

pub mod app;
pub mod cmd;
pub mod config;
pub mod feedio;
pub mod llm;
pub mod newsletter_web;
pub mod pipeline;
