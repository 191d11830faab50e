//! Ranking, sections, good-news filter and the extractive, attributed story digest.
