"""Digest: compose, deliver exactly once, and schedule digests of new briefs."""
