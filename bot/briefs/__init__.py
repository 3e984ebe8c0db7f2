"""Briefs: the data model, name keys, safe parsing and validation of brief files."""
