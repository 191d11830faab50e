//! The website, feeds out, JSON API and admin (axum).
