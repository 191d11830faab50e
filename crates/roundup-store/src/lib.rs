//! The Store: migrations and queries for SQLite and PostgreSQL behind one API, plus the durable job queue.
