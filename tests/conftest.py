"""Shared fixtures: the shipped briefs, a catalog over them, and a writer of synthetic briefs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.index.catalog import Catalog
from bot.index.store import BriefStore

ROOT = Path(__file__).resolve().parent.parent
BRIEFS_DIR = ROOT / "briefs"
ARTICLES_DIR = ROOT.parent / "shared" / "articles"


@pytest.fixture(scope="session", autouse=True)
def _temporary_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep whatever a test run writes for the user (caches, console history, matplotlib's font cache), also from
    subprocesses, in pytest's temporary folder instead of ~/.cache, ~/.local/state and ~/.config."""
    folder = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIEFBOT_CACHE_DIR", str(folder / "cache" / "briefbot"))
        for name, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state"), ("XDG_CONFIG_HOME", "config")):
            patch.setenv(name, str(folder / sub))
        patch.setenv("XDG_DATA_HOME", str(folder / "data"))
        patch.setenv("MPLCONFIGDIR", str(folder / "config" / "matplotlib"))
        yield folder


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    """Return a catalog over the shipped briefs/ folder."""
    store = BriefStore(BRIEFS_DIR)
    assert store.load().ok
    return store.catalog


def minimal_brief(brief_id: str, **overrides: Any) -> dict[str, Any]:
    """Return the data of a small valid brief, with fields overridden."""
    data: dict[str, Any] = {
        "id": brief_id,
        "title": f"Dialogue {brief_id}",
        "kind": "roundtable",
        "date": "2024-05-01",
        "status": "published",
        "organizers": [{"name": "Example Institute", "acronym": "EXI", "country": "Pakistan"}],
        "moderators": ["Zara Ahmed"],
        "participants": [
            {"name": "Zara Ahmed", "honorific": "Dr.", "role": "Director", "affiliation": "EXI"},
            {"name": "Omid Karimi", "honorific": "Mr.", "role": "Fellow", "affiliation": "Tehran Forum"},
        ],
        "sessions": [{"title": "Water security", "moderator": "Zara Ahmed", "takeaways": ["Rivers matter."]}],
        "positions": [{"by": ["Omid Karimi"], "topic": "Water", "summary": "Asked for a joint river commission."}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def write_brief(tmp_path: Path) -> Callable[..., Path]:
    """Return a function writing a brief (data or raw text) into tmp_path/briefs."""
    folder = tmp_path / "briefs"
    folder.mkdir(exist_ok=True)

    def write(name: str, content: dict[str, Any] | str | bytes) -> Path:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    return write
