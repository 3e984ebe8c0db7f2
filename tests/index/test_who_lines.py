"""`who` lists a person's dialogues from the compact lines (bot.index.lines) exactly as from the summaries: for a
store started from the snapshot with and without the lines held, and for one started cold, before and after every
kind of reload; other answers cite their dialogues from the lines too."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pytest import MonkeyPatch

from bot.answer import Answer, Item, mark_draft
from bot.index.catalog import Catalog
from bot.index.lines import Line, Lines
from bot.index.snapshot import LazySummaries
from bot.index.store import BriefStore
from bot.query import ask, person_answer
from bot.questions.subjects import warm
from bot.replies import summary_citation, summary_heading
from tests.index.corpus import brief_paths
from tests.index.test_overlay_reload import _set, _steps, _write

CORPUS_SIZE = 60  # people with more than WHO_FULL dialogues: older dialogues listed a line each


def _store(folder: Path, cache: Path, drafts: bool) -> BriefStore:
    store = BriefStore(folder, cache_dir=cache, include_drafts=drafts)
    store.load()
    return store


def _who(catalog: Catalog) -> dict[str, Answer]:
    """Return the `who` answer of every person."""
    return {key: person_answer(catalog, catalog.people[key]) for key in sorted(catalog.people)}


def _listed_as_summaries_say(catalog: Catalog, answers: dict[str, Answer]) -> None:
    """Assert each listed dialogue's heading and citation are those its summary gives (the code before the lines)."""
    for key, answer in answers.items():
        dids = [a.dialogue_id for a in catalog.people[key].appearances]
        shown = [(item.heading, item.citation) for item in answer.items]
        items = [Item(summary_heading(catalog, did), citation=summary_citation(catalog, did)) for did in dids]
        assert shown == [(i.heading, i.citation) for i in map(mark_draft, items)], key


def _summaries(store: BriefStore) -> LazySummaries:
    summaries = store.catalog._summaries
    assert isinstance(summaries, LazySummaries)
    return summaries


def _refuse_reads_once_held(monkeypatch: MonkeyPatch) -> None:
    """Make reading summary rows fail in summaries that hold the lines."""
    rows = LazySummaries._rows

    def refused(self: LazySummaries, wanted: list[str]) -> Any:
        assert self._lines[0] is None, "summaries read with the lines held"
        return rows(self, wanted)

    monkeypatch.setattr(LazySummaries, "_rows", refused)


@pytest.mark.parametrize(("targeted", "drafts"), [(True, False), (False, False), (True, True)])
def test_who_lists_from_the_lines_as_from_the_summaries(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch, targeted: bool, drafts: bool
) -> None:
    """Every person's answer is the same from the lines (read no summary row), from the summaries read on demand,
    and from a store started cold; and each listed line is its summary's heading and citation, through 13 kinds of
    reload (the lines made at the start, shared by the later snapshots)."""
    paths = brief_paths(folder)
    _write(folder / f"{paths[4].stem}.yml", paths[4].read_text(encoding="utf-8"))  # a duplicate id at start
    cold = _store(folder, tmp_path / "cold", drafts)
    _store(folder, tmp_path / "held", drafts)
    held = _store(folder, tmp_path / "held", drafts)
    _store(folder, tmp_path / "read", drafts)
    read = _store(folder, tmp_path / "read", drafts)
    warm(held.catalog)
    built = _summaries(held)._lines[0]
    assert built is not None and len(built) == len(held.catalog.all)
    _refuse_reads_once_held(monkeypatch)
    want = _who(cold.catalog)
    assert max(len(answer.items) for answer in want.values()) > 5
    drafted = [item for answer in want.values() for item in answer.items if item.citation and item.citation.draft]
    assert bool(drafted) == drafts
    assert _who(held.catalog) == want == _who(read.catalog)
    _listed_as_summaries_say(held.catalog, want)
    for step, change in _steps(folder):
        touched = change()
        for store in (cold, held, read):
            store.reload(touched if targeted else None)
        want = _who(cold.catalog)
        assert _who(held.catalog) == want == _who(read.catalog), step
        _listed_as_summaries_say(held.catalog, want)
        assert _summaries(held)._lines[0] is built, step
        assert _summaries(read)._lines[0] is None, step


def test_lines_made_after_a_reload_keep_each_snapshot_as_it_was(folder: Path, tmp_path: Path) -> None:
    """Lines made after a reload (from rows that changed) serve every snapshot sharing them as its summaries do: the
    catalog of before the edit keeps its title, the new one has the edited title, and `who` answers as cold."""
    path = brief_paths(folder)[2]
    cold = _store(folder, tmp_path / "cold", False)
    _store(folder, tmp_path / "held", False)
    held = _store(folder, tmp_path / "held", False)
    before = held.catalog
    title = before.summary(path.stem).title
    _set(path, "title", '"Edited title"')
    for store in (cold, held):
        store.reload([path])
    warm(held.catalog)
    assert _summaries(held)._lines[0] is not None
    assert before.line(path.stem).title == title and held.catalog.line(path.stem).title == "Edited title"
    assert _who(held.catalog) == _who(cold.catalog)


def test_answers_cite_from_the_lines(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """Once the lines are held, sessions, positions and search cite their dialogues without reading a summary row,
    and answer as a store started cold does."""
    cold = _store(folder, tmp_path / "cold", False)
    _store(folder, tmp_path / "held", False)
    held = _store(folder, tmp_path / "held", False)
    warm(held.catalog)
    read: list[str] = []
    keep = LazySummaries._keep

    def counted(self: LazySummaries, did: str, blob: bytes) -> Any:
        read.append(did)
        return keep(self, did, blob)

    monkeypatch.setattr(LazySummaries, "_keep", counted)
    for question in ("session Afghanistan", "positions energy", "positions security by Iran", "search trade"):
        answer = ask(held.catalog, question)
        assert answer == ask(cold.catalog, question), question
        assert len(answer.items) > 1 and all(item.citation for item in answer.items), question
    assert read == []


def test_answers_keep_the_lines_they_cite(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A dialogue cited again (by the next answer, or twice in one item: heading and citation) is not decoded again."""
    _store(folder, tmp_path / "held", False)
    held = _store(folder, tmp_path / "held", False)
    warm(held.catalog)
    decoded: list[str] = []
    many = Lines.many

    def counted(self: Lines, dids: Sequence[str]) -> list[Line | None]:
        decoded.extend(dids)
        return many(self, dids)

    monkeypatch.setattr(Lines, "many", counted)
    first = ask(held.catalog, "positions energy")
    cited = {item.citation.dialogue_id for item in first.items if item.citation}
    assert len(cited) > 1 and sorted(decoded) == sorted(cited)
    assert ask(held.catalog, "positions energy") == first and len(decoded) == len(cited)


def test_a_cold_store_holds_no_lines(folder: Path, tmp_path: Path) -> None:
    """A store started cold holds its summaries in memory: warming makes no lines, and `who` answers from them."""
    store = BriefStore(folder, cache_dir=tmp_path / "cache")
    store.load()
    warm(store.catalog)
    assert not isinstance(store.catalog._summaries, LazySummaries)
    _listed_as_summaries_say(store.catalog, _who(store.catalog))
