"""The 24 hand-labelled real pages in ../shared/ingest-dev: drafts validate and score as the issue requires.

The pages are read from ../shared (never copied into the project); every test skips when they are absent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from bot.briefs.parsing import dialogue_from_data
from bot.ingest.article import read_article
from bot.ingest.draft import to_yaml
from bot.ingest.extract import extract
from tests.ingest.conftest import INGEST_DEV, ROOT

ARTICLES = INGEST_DEV / "articles"
STEMS = sorted(p.stem for p in ARTICLES.glob("*.txt")) if ARTICLES.is_dir() else []


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_ingest_dev", ROOT / "bench" / "eval_ingest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _needs_pages() -> None:
    if not STEMS:
        pytest.skip(f"the hand-labelled pages are not present at {ARTICLES}")


@pytest.mark.parametrize("stem", STEMS or ["(absent)"])
def test_real_page_draft_validates(stem: str) -> None:
    """Every real page's draft, written as YAML, passes the brief validator."""
    _needs_pages()
    body, url = _bench().page_body(ARTICLES / f"{stem}.txt")
    draft = extract(read_article(body, url=url, html=False))
    text = to_yaml(draft.dialogue)
    _, errors = dialogue_from_data(Path(f"{draft.dialogue.id}.yaml"), yaml.safe_load(text), text)
    assert errors == []


def _figures(tmp_path: Path) -> dict[str, Any]:
    bench = _bench()
    scorer = bench.load_scorer()
    assert scorer is not None
    bench.draft_pages(STEMS, tmp_path)
    figures: dict[str, Any] = bench.score_pages(scorer, STEMS, tmp_path)
    return figures


def test_real_pages_participants_and_fields(tmp_path: Path) -> None:
    """Over the real pages: participants F1 at least 0.9 and honorific, role, affiliation each at least 0.8."""
    _needs_pages()
    figures = _figures(tmp_path)
    assert figures["f1"] >= 0.9
    assert min(figures["honorific"], figures["role"], figures["affiliation"]) >= 0.8


def test_real_pages_moderators_and_dates(tmp_path: Path) -> None:
    """Over the real pages: moderators and session moderators at least 0.9, and no invented date."""
    _needs_pages()
    figures = _figures(tmp_path)
    assert figures["moderators"] >= 0.9 and figures["session_moderators"] >= 0.9
    assert figures["dates_invented"] == 0
