//! Optional rewriting backend (e.g. an LLM) applied after the extractive digest.
//!
//! The default is [`Extractive`], which returns the digest unchanged. A backend that calls an
//! OpenAI-compatible API lives outside this crate (this crate does no I/O): it implements
//! [`DigestRewriter`], rewrites `summary` and fact wording from the given story, and must keep
//! every fact's `sources` and every quote verbatim.

use crate::types::{Digest, Story};
use crate::DigestError;

/// Rewrites an extractive digest (summary, fact wording); must keep attribution intact.
pub trait DigestRewriter {
    /// Rewrite `digest` of `story`; return an error to keep the extractive digest.
    fn rewrite(&self, story: &Story, digest: Digest) -> Result<Digest, DigestError>;
}

/// The default: no rewriting.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extractive;

impl DigestRewriter for Extractive {
    fn rewrite(&self, _story: &Story, digest: Digest) -> Result<Digest, DigestError> {
        Ok(digest)
    }
}
