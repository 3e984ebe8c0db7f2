"""The extractor passes that bot/ingest/extract runs over an article's text as written, one finding each: segments,
name candidates, people, descriptors, dates, the event, sessions and positions."""
