//! Near-duplicate detection and incremental story clustering.
