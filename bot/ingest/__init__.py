"""Ingest: fetch an article (httpx), extract its main text, draft a brief for an analyst to review."""
