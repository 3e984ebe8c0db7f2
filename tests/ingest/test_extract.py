"""Extraction: the real articles agree with the curated briefs; fixtures draft valid briefs; eval thresholds hold."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from bot.briefs.models import Dialogue
from bot.briefs.parsing import dialogue_from_data, parse_dialogue, parse_registry
from bot.ingest.article import read_article
from bot.ingest.draft import to_yaml
from bot.ingest.extract import extract
from tests.ingest.conftest import ARTICLES, FIXTURES, ROOT

BRIEFS = ROOT / "briefs"
REGISTRY, _ = parse_registry(BRIEFS / "people.yaml")
SOURCES = sorted(p for p in FIXTURES.iterdir() if p.suffix in {".txt", ".html"})


def _draft(path: Path) -> Dialogue:
    return extract(read_article(path.read_text(encoding="utf-8"), file=str(path)), REGISTRY).dialogue


def _article(stem: str) -> Path:
    path = ARTICLES / f"{stem}.txt"
    if not path.exists():
        pytest.skip(f"real article {path} is not present")
    return path


def _same_quotes(value: str | None) -> str | None:
    """Drafts keep the text's own apostrophes (’); the curated briefs were typed with straight ones."""
    return value.replace("’", "'") if value else value


def _people(d: Dialogue) -> list[tuple[str | None, ...]]:
    return sorted(tuple(_same_quotes(v) for v in (p.name, p.honorific, p.role, p.affiliation)) for p in d.participants)


@pytest.mark.parametrize("stem", ["issi-ipis-annual-dialogue", "issi-iras-dialogue-2025-07-29"])
def test_real_article_matches_curated_brief(stem: str) -> None:
    """Participants, moderators, sessions and dates of a real article agree with its curated brief."""
    draft = _draft(_article(stem))
    curated, errors = parse_dialogue(BRIEFS / f"{stem}.yaml")
    assert curated is not None, errors
    assert _people(draft) == _people(curated)
    assert draft.moderators == curated.moderators
    assert [(s.title, s.moderator) for s in draft.sessions] == [(s.title, s.moderator) for s in curated.sessions]
    assert (draft.date, draft.sources[0].published) == (curated.date, curated.sources[0].published)


def test_author_and_head_of_state_are_not_participants() -> None:
    """The byline author is left out and an anticipated visitor goes to mentions."""
    ipis = _draft(_article("issi-ipis-annual-dialogue"))
    iras = _draft(_article("issi-iras-dialogue-2025-07-29"))
    assert ipis.sources[0].author == "Abu Bakr Alvi" and ipis.participant("Abu Bakr Alvi") is None
    assert [m.name for m in iras.mentions] == ["President of Iran"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_fixture_draft_validates(source: Path) -> None:
    """Every fixture's draft, written as YAML, passes the brief validator."""
    draft = _draft(source)
    text = to_yaml(draft)
    _, errors = dialogue_from_data(Path(f"{draft.id}.yaml"), yaml.safe_load(text), text)
    assert errors == [] and draft.status == "draft"


def test_registry_person_is_reused_with_alias_proposal() -> None:
    """A new spelling of a registry person links to them and is proposed as an alias."""
    draft = extract(read_article((FIXTURES / "programme.txt").read_text(encoding="utf-8")), REGISTRY)
    participant = draft.dialogue.participant("Suhail Mehmud")
    assert participant is not None and participant.person == "sohail-mahmood"
    assert draft.review.aliases == [("Suhail Mehmud", "sohail-mahmood")]


def test_sidebar_and_commenters_are_dropped_from_html() -> None:
    """Names in the author box, related stories and comments of an HTML page are not participants."""
    draft = _draft(FIXTURES / "byline-sidebar.html")
    names = {p.name for p in draft.participants}
    assert names == {"Saima Rashid", "Nasreen Akhtar", "Tanvir Hossain", "Maryam Qadir"}


def test_no_date_gives_null_with_note() -> None:
    """An article without an event date gets date null and a date_note saying so."""
    draft = _draft(_article("issi-ipis-annual-dialogue"))
    assert draft.date is None and draft.date_note and "no event date" in draft.date_note


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_ingest", ROOT / "bench" / "eval_ingest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_eval_thresholds() -> None:
    """Over all fixtures (and the real articles when present), participants F1 is at least 0.9."""
    bench = _bench()
    result = bench.evaluate(bench.fixture_cases() + bench.article_cases())
    assert result["cases"] >= 9
    assert result["fields"]["participants"]["f1"] >= 0.9
    assert result["fields"]["moderators"]["f1"] >= 0.8 and result["fields"]["sessions"]["f1"] >= 0.8
