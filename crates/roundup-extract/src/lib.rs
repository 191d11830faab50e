//! Article extraction: HTML or plain-text page to Article (body, title, byline, date, language, image).
