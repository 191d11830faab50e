//! Suppression policy (being built).
