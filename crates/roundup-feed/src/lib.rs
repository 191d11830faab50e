//! RSS, Atom and JSON Feed parsing to FeedEntry; OPML import/export; feed autodiscovery.
