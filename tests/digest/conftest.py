"""Fixtures of the digest tests: the fake platforms server and a config + briefs folder pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.digest.fakes import FakePlatforms


@pytest.fixture
async def fake() -> AsyncIterator[FakePlatforms]:
    """Return a running fake Discord + Slack server on 127.0.0.1."""
    platforms = await FakePlatforms().start()
    try:
        yield platforms
    finally:
        await platforms.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Return a folder holding config.yaml, briefs/ and state/."""
    (tmp_path / "briefs").mkdir()
    return tmp_path
