"""Tests of the Discord surface against a local fake Discord."""
