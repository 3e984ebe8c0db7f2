"""Held-out articles (tests/ingest/holdout/): drafts are valid, the extractor generalises beyond its own fixtures."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from bot.briefs.models import Dialogue
from bot.briefs.parsing import dialogue_from_data, parse_registry
from bot.ingest.article import read_article
from bot.ingest.draft import to_yaml
from bot.ingest.extract import extract
from tests.ingest.conftest import ROOT

HOLDOUT = Path(__file__).resolve().parent / "holdout"
REGISTRY, _ = parse_registry(ROOT / "briefs" / "people.yaml")
SOURCES = sorted(p for p in HOLDOUT.iterdir() if p.suffix in {".txt", ".html"})


def _draft_of(raw: str, file: str = "test.txt") -> Dialogue:
    return extract(read_article(raw, file=file), REGISTRY).dialogue


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_ingest_holdout", ROOT / "bench" / "eval_ingest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_holdout_draft_validates(source: Path) -> None:
    """Every held-out article's draft, written as YAML, passes the brief validator."""
    draft = _draft_of(source.read_text(encoding="utf-8"), str(source))
    text = to_yaml(draft)
    _, errors = dialogue_from_data(Path(f"{draft.id}.yaml"), yaml.safe_load(text), text)
    assert errors == [] and draft.status == "draft"


def test_holdout_participants_f1() -> None:
    """Over the held-out articles, participants F1 (name, honorific, role, affiliation) is at least 0.9."""
    bench = _bench()
    result = bench.evaluate(bench.fixture_cases(HOLDOUT))
    assert result["cases"] >= 9
    assert result["fields"]["participants"]["f1"] >= 0.9


def test_who_heads_gives_role_and_affiliation() -> None:
    """A person introduced in prose as 'X, who heads Y' gets role Head and affiliation Y."""
    d = _draft_of(
        "The Karachi Council on Foreign Relations (KCFR) held a seminar in Karachi on 2 May 2024. "
        '"Trade must come first," said Dr. Bilal Qureshi, who heads KCFR.'
    )
    person = d.participant("Bilal Qureshi")
    assert person is not None and (person.role, person.affiliation) == ("Head", "KCFR")


def test_lowercase_role_after_article_is_kept() -> None:
    """'Ms. X, a research officer at Y' gives role 'research officer' and affiliation Y."""
    d = _draft_of(
        "The Karachi Council on Foreign Relations (KCFR) held a seminar in Karachi on 2 May 2024. "
        "It was moderated by Ms. Sadia Karim, a research officer at KCFR."
    )
    person = d.participant("Sadia Karim")
    assert person is not None and (person.role, person.affiliation) == ("research officer", "KCFR")


def test_event_date_from_labelled_block_outside_main_text() -> None:
    """An HTML event page's 'Date:' line, dropped by the main-text extractor, gives the event date."""
    html = (
        "<html><head><title>Seminar</title>"
        '<meta property="article:published_time" content="2024-06-20T10:00:00+05:00"></head><body>'
        '<div class="event-meta"><p>Date: <time datetime="2024-06-18">18 June 2024</time></p>'
        "<p>Venue: KCFR, Karachi</p></div>"
        "<article><h1>Seminar on maritime trade</h1><p>The Karachi Council on Foreign Relations (KCFR) hosted a "
        "seminar on maritime trade. Speakers included Dr. Bilal Qureshi, Director, KCFR, and Ms. Sadia Karim, "
        "Research Officer, KCFR, who discussed port competition in the Arabian Sea at length.</p></article>"
        '<aside class="related"><p>Date: 1 January 2020</p></aside></body></html>'
    )
    d = _draft_of(html, "event.html")
    assert (d.date, d.location, d.sources[0].published) == ("2024-06-18", "Karachi", dt.date(2024, 6, 20))


def test_anticipated_visit_of_titled_minister_is_a_mention() -> None:
    """A named minister whose visit is anticipated is a mention, not a participant."""
    d = _draft_of(
        "The Karachi Council on Foreign Relations (KCFR) held a seminar in Karachi on 2 May 2024. "
        "Dr. Bilal Qureshi, Director, KCFR, welcomed the visit of Pakistan's Minister for Planning, "
        "Dr. Nadia Hameed, to Dhaka next month."
    )
    assert d.participant("Nadia Hameed") is None and [m.name for m in d.mentions] == ["Nadia Hameed"]
