"""`who` over a saved people index whose word rows hold person numbers in recency order (people.Ranked): the same
answers as the index built in memory, for the bench's generated names and misspelt three-word names, before and
after a reload, with no person read to order a family name."""

from __future__ import annotations

import importlib
import os
import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from pytest import MonkeyPatch

import bot.index.catalog as catalog_module
from bot.index.catalog import Catalog, ShownPerson
from bot.index.people import Patched, Ranked, Stored
from bot.index.store import BriefStore
from bot.query import ask
from tests.index.corpus import OLD_NS, brief_paths

CORPUS_SIZE = 300  # briefs generated for this module (see conftest)
CORPUS_SEED = 13


def _store(folder: Path, cache: Path | None) -> BriefStore:
    store = BriefStore(folder, cache_dir=cache)
    assert store.load().ok
    return store


def _questions(catalog: Catalog) -> list[str]:
    """The bench's `who` questions (exact, letter dropped, family name, with a title), and three-word names with a
    letter changed in each word (widened by equally_close to everyone about as close)."""
    rng = random.Random(4)
    make_questions = importlib.import_module("bench.run_bench").make_questions  # the bench's own generator
    out: list[str] = make_questions(catalog, rng, 150)["who"]
    three = [s for s in catalog._spellings if len(s.split()) == 3]
    for spelling in rng.sample(three, min(60, len(three))):
        words = [w[:1] + "e" + w[2:] if len(w) > 3 else w for w in spelling.split()]
        out.append("who " + " ".join(words))
    return out


def _rename(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(OLD_NS + 10**9, OLD_NS + 10**9))


def _rename_three(folder: Path, warm: BriefStore, memory: BriefStore) -> None:
    """Rename the first participant of three briefs, each reloaded by both stores."""
    for path in brief_paths(folder)[3:6]:
        part = warm.catalog.parts(path.stem)[0]
        _rename(path, part.name, part.name.split()[-1] + " Renamed")
        for store in (warm, memory):
            store.reload([path])


@pytest.mark.parametrize(
    ("in_memory", "few"),
    [(0, 32), (0, 0), (1 << 20, 32)],
    ids=["read-a-key-at-a-time", "read-a-key-at-a-time-costed-at-once", "read-whole"],
)
def test_generated_names_answer_as_the_index_built_in_memory(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch, in_memory: int, few: int
) -> None:
    """Every generated `who` question answers as on an index built in memory (plain sets, people sorted when
    asked), on a warm start and after reloads that rename and drop participants; the numbered rows did the work
    (matched people costed one by one, or all at once)."""
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", in_memory)
    monkeypatch.setattr(catalog_module, "FEW_PRESENT", few)
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    memory = _store(folder, None)
    warm.catalog.warm_names()
    assert any(isinstance(v, Ranked) for v in warm.catalog._tokens.values())
    assert not any(isinstance(v, Ranked) for v in memory.catalog._tokens.values())
    ranked_costs = []
    real = Catalog._ranked_costs

    def counted(self: Catalog, words: list[str], best: int) -> dict[str, int] | None:
        found = real(self, words, best)
        ranked_costs.append(found)
        return found

    monkeypatch.setattr(Catalog, "_ranked_costs", counted)
    questions = _questions(memory.catalog)
    for question in questions:
        assert ask(warm.catalog, question) == ask(memory.catalog, question), question
    assert sum(1 for found in ranked_costs if found) >= 5  # widened over the saved numbers, not person by person
    _rename_three(folder, warm, memory)
    for question in questions:
        assert ask(warm.catalog, question) == ask(memory.catalog, question), question


def _matched(catalog: Catalog, question: str) -> tuple[str, ...]:
    """The people `who` offers for a question (a closed store answers names; its display rows need the cache)."""
    name = question.removeprefix("who ")
    match = catalog.find_people(name)
    return match.keys if match.how == "exact" else catalog.equally_close(name, match.keys)


@pytest.mark.parametrize("in_memory", [0, 1 << 20], ids=["read-a-key-at-a-time", "read-whole"])
def test_a_closed_store_matches_names_as_before(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch, in_memory: int
) -> None:
    """A store closed after a warm start matches every generated `who` name as the index built in memory does
    (what equally_close compares the saved people's names by is read before the cache closes)."""
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", in_memory)
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    memory = _store(folder, None)
    questions = _questions(memory.catalog)
    warm.close()
    for question in questions:
        assert _matched(warm.catalog, question) == _matched(memory.catalog, question), question


def test_a_family_name_is_ordered_without_reading_its_people(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """`who FAMILY-NAME` naming several people lists them newest first from the word's row: until the people shown
    are read (at once), only the first one has been read."""
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", 0)
    memory = _store(folder, None)
    word, keys = max(memory.catalog._tokens.items(), key=lambda item: len(item[1]))
    assert len(keys) >= 5
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    read: list[str] = []
    before_shown: list[int] = []
    one, many, shown = Stored.person, Stored.many, Catalog.shown_people

    def person(self: Stored, key: str) -> bytes | None:
        read.append(key)
        return one(self, key)

    def rows(self: Stored, kind: int, wanted: list[str]) -> list[tuple[str, bytes]]:
        if kind == 0:
            read.extend(wanted)
        return many(self, kind, wanted)

    def shown_people(self: Catalog, wanted: Sequence[str]) -> list[ShownPerson]:
        before_shown.append(len(read))
        return shown(self, wanted)

    expected = ask(memory.catalog, f"who {word}")
    monkeypatch.setattr(Stored, "person", person)
    monkeypatch.setattr(Stored, "many", rows)
    monkeypatch.setattr(Catalog, "shown_people", shown_people)
    answer = ask(warm.catalog, f"who {word}")
    assert answer == expected
    assert len(answer.refs) == len(keys)
    assert len(before_shown) == 1 and before_shown[0] <= 1, (before_shown, len(keys))


def test_a_reload_lays_its_changes_over_the_saved_rows(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A reload that renames people changes their words' saved rows by laying the keys added or removed over them
    (Patched), not by copying each word's whole set; membership in a saved row is answered from its numbers (no set
    of its keys is kept); the word maps hold what the index built in memory holds."""
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", 0)
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    memory = _store(folder, None)
    warm.catalog.warm_names()
    _rename_three(folder, warm, memory)
    catalog = warm.catalog
    patched = [v for m in (catalog._exact, catalog._skeleton, catalog._tokens) for v in m._over.values()]  # type: ignore[attr-defined]
    assert any(isinstance(v, Patched) for v in patched)
    assert all(isinstance(v.base, Ranked) and v.added.isdisjoint(v.base) for v in patched if isinstance(v, Patched))
    for name in ("_exact", "_skeleton", "_tokens"):
        mine, theirs = getattr(catalog, name), getattr(memory.catalog, name)
        assert {w: set(v) for w, v in mine.items()} == {w: set(v) for w, v in theirs.items()}, name
        for word, keys in mine.items():
            if isinstance(keys, Ranked):
                assert all(k in keys for k in keys) and "nobody" not in keys
                assert keys._members is None, word


def test_the_word_index_fills_no_name_memo(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """warm_names' word index over every spelling leaves normalize_name's memo as it was (at 50,000 briefs it kept
    ~37,000 entries, ~8 MB of the bot's peak) and answers as the index built in memory."""
    from bot.briefs.keys import normalize_name

    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", 0)
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    memory = _store(folder, None)
    normalize_name.cache_clear()
    index = warm.catalog._word_index()
    assert normalize_name.cache_info().currsize == 0
    assert {w: list(p) for w, p in index.items()} == {w: list(p) for w, p in memory.catalog._word_index().items()}


def test_the_registry_maps_fill_no_name_memo(folder: Path) -> None:
    """The registry's spelling map is made without filling normalize_name's memo (~15,000 spellings at 50,000
    briefs) and holds what it held."""
    from bot.briefs.keys import normalize_name

    catalog = _store(folder, None).catalog
    assert catalog.registry.people
    before = dict(catalog._by_spelling)
    normalize_name.cache_clear()
    catalog._registry_maps()
    assert normalize_name.cache_info().currsize == 0
    assert catalog._by_spelling == before
    assert before == {normalize_name(s): p for p in reversed(catalog.registry.people) for s in (*p.aliases, p.name)}


def _rename_a_lone_word(folder: Path, warm: BriefStore, memory: BriefStore) -> None:
    """Rename, in every brief, a person with a name word nobody else's name holds (the word's row is removed)."""
    catalog = memory.catalog
    lone = sorted(w for w, keys in catalog._tokens.items() if len(keys) == 1 and w.isalpha())
    for word in lone:
        name = catalog.people[next(iter(catalog._tokens[word]))].name
        if word not in name.lower().split():
            continue
        paths = [p for p in brief_paths(folder) if name in p.read_text(encoding="utf-8")]
        for path in paths:
            _rename(path, name, "Lone Renamed")
        for store in (warm, memory):
            store.reload(paths)
        return


def _misspelt_words(catalog: Catalog) -> list[list[str]]:
    """The typed words of the generated questions that equally_close widens (not an exact spelling)."""
    from bot.briefs.keys import normalize_name
    from bot.briefs.names import PARTICLES

    out = []
    for question in _questions(catalog):
        name = question.removeprefix("who ")
        if catalog.find_people(name).how in {"exact", "none"}:
            continue
        out.append([w for w in normalize_name(name).replace("-", " ").split() if w not in PARTICLES])
    return out


@pytest.mark.parametrize("in_memory", [0, 1 << 20], ids=["read-a-key-at-a-time", "read-whole"])
def test_the_saved_words_widen_as_the_candidates_costed_one_by_one(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch, in_memory: int
) -> None:
    """Over the saved name words (fuzzy.NearWords) the people within each bound are those _near_costs finds person
    by person, with the same costs, before and after reloads that add and remove name words; a word a reload
    changed, near a typed one, leaves the widening to _near_costs."""
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", in_memory)
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    memory = _store(folder, None)
    warm.catalog.warm_names()
    typed = _misspelt_words(memory.catalog)
    assert len(typed) >= 20

    def agree(catalog: Catalog) -> int:
        served = 0
        for words in typed:
            for best in (1, 2, 3):
                fast = catalog._ranked_costs(words, best)
                slow = catalog._near_costs(words, catalog._nears(words, best), best, {})
                assert fast is None or fast == {k: c for k, c in slow.items() if c <= best}, (words, best)
                served += fast is not None
        return served

    assert agree(warm.catalog) == 3 * len(typed)
    _rename_three(folder, warm, memory)
    _rename_a_lone_word(folder, warm, memory)
    changes = warm.catalog._word_changes()
    assert changes is not None and "renamed" in changes[1] and changes[2]  # a word added, words removed
    assert agree(warm.catalog) > 0
    assert warm.catalog._ranked_costs(["renamex"], 1) is None  # near the word the reload added
    for name in (f"{changes[2][0]}x", "Renamex"):
        assert ask(warm.catalog, f"who {name}") == ask(memory.catalog, f"who {name}"), name


def test_a_saved_rows_people_come_with_their_numbers(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A name matched by a saved row (a spelling, skeleton or name word) gives its people's numbers with them, in
    their order; equally_close given them widens as when it looks them up, and as the index built in memory."""
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", 0)
    monkeypatch.setattr(catalog_module, "FEW_PRESENT", 0)  # every match costed over the numbers at once
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    memory = _store(folder, None)
    warm.catalog.warm_names()
    number = warm.catalog._saved_order.numbers()  # type: ignore[union-attr]
    numbered = 0
    for question in _questions(memory.catalog):
        name = question.removeprefix("who ")
        match = warm.catalog.find_people(name)
        assert match == memory.catalog.find_people(name), name
        if match.numbers is None:
            continue
        numbered += 1
        assert list(match.numbers) == [number[k] for k in match.keys], name
        widened = warm.catalog.equally_close(name, match.keys, match.numbers)
        assert widened == warm.catalog.equally_close(name, match.keys), name
        assert widened == memory.catalog.equally_close(name, match.keys), name
    assert numbered >= 50


def test_matched_people_costed_at_once_cost_as_one_by_one(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """equally_close's costs of the matched people over the saved numbers at once (numpy; the whole name's distance
    only where its letter bound is under the cost by word) equal those computed person by person, for misspelt
    names, family names and names with a lost space, each against many people."""
    from bot.briefs.keys import normalize_name
    from bot.briefs.names import PARTICLES

    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", 0)
    _store(folder, tmp_path / "cache")
    catalog = _store(folder, tmp_path / "cache").catalog
    catalog.warm_names()
    rng = random.Random(6)
    everyone = list(catalog._saved_order.keys)  # type: ignore[union-attr]
    typed: list[tuple[str, tuple[str, ...]]] = [(q.removeprefix("who "), ()) for q in _questions(catalog)]
    three = [s for s in catalog._spellings if len(s.split()) == 3]
    for spelling in rng.sample(three, 20):  # a lost space, asked of its people too
        typed.append(("".join(spelling.split()[:2]) + " " + spelling.split()[2], catalog.find_people(spelling).keys))
    lowered = 0
    for name, theirs in typed:
        words = [w for w in normalize_name(name).replace("-", " ").split() if w not in PARTICLES]
        if not words:
            continue
        keys = list(dict.fromkeys([*theirs, *rng.sample(everyone, 60)]))
        monkeypatch.setattr(catalog_module, "FEW_PRESENT", 0)
        at_once = catalog._numbered_costs(words, keys)
        monkeypatch.setattr(catalog_module, "FEW_PRESENT", 1000)
        assert at_once == catalog._numbered_costs(words, keys), name
        lowered += bool(theirs) and at_once is not None and at_once[theirs[0]] < 3  # by the whole name (lost space)
    assert lowered >= 10
