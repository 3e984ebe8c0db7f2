"""Text search: an AND of several words is first probed in ascending row-id order, and the hits are the same."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

import bot.index.text as text_module
from bot.briefs.models import Dialogue
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.index.text import TextIndex
from bot.query import ask

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gen_corpus import NOUNS, TOPICS, generate
from tests.conftest import minimal_brief


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A generated corpus of 300 briefs in a cache file."""
    folder = tmp_path_factory.mktemp("briefs")
    generate(folder, 300, seed=13)
    store = BriefStore(folder, cache_dir=tmp_path_factory.mktemp("cache"))
    assert store.load().ok
    return store.catalog


def _questions() -> list[str]:
    rng = random.Random(5)
    words = [*NOUNS, *(w for t in TOPICS for w in t.split())]
    return [" ".join(rng.sample(words, rng.randint(2, 4))) for _ in range(150)]


def test_probed_and_answers_as_the_walk(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """For 150 queries of 2-4 common words (many with no field holding them all), search, session, positions and
    dialogue list answer the same with the probe as without it, and the probe spared the walks of the empty ones."""
    questions = _questions()
    kinds = ("search", "session", "positions", "dialogue list")
    probed = {(k, q): ask(catalog, f"{k} {q}") for k in kinds for q in questions}
    spared = 0
    real = TextIndex._query

    def unprobed(self: TextIndex, *args: object, probe: bool = False, **kw: object) -> object:
        nonlocal spared
        if probe and not real(self, *args, probe=True, **kw):  # type: ignore[arg-type]
            spared += 1
        return real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(TextIndex, "_query", unprobed)
    for (kind, question), answer in probed.items():
        assert ask(catalog, f"{kind} {question}") == answer, (kind, question)
    assert spared > 10


def test_probe_covers_every_class_asked() -> None:
    """Kinds in classes far apart (titles and organisers: the first and the last class) are probed together: an
    AND that matches only an organiser is found (not the OR of its words)."""
    data = minimal_brief(
        "probe-1",
        title="Roundtable on water",
        organizers=[{"name": "Quillfeather Zanzibarian Institute", "acronym": "QZI", "country": "Pakistan"}],
    )
    other = minimal_brief("probe-2", title="Quillfeather on water")  # one word of two: an OR would find it too
    catalog = Catalog({d["id"]: Dialogue.model_validate(d) for d in (data, other)})
    hits = catalog.text.search("quillfeather zanzibarian", kinds=("title", "organizer"), ranked=False)
    assert [(h.dialogue_id, h.kind) for h in hits] == [("probe-1", "organizer")]


def _spy_every(monkeypatch: pytest.MonkeyPatch) -> list[list[int] | None]:
    """Record what each AND shortcut decided (its matches, or None when FTS5 is left to answer)."""
    decided: list[list[int] | None] = []
    real = TextIndex._every

    def every(self: TextIndex, *args: object) -> list[int] | None:
        decided.append(real(self, *args))  # type: ignore[arg-type]
        return decided[-1]

    monkeypatch.setattr(TextIndex, "_every", every)
    return decided


def test_and_of_three_words_reads_the_fields_of_its_two_rarest(monkeypatch: pytest.MonkeyPatch) -> None:
    """An AND of three words is answered from the fields holding its two rarest words, the third looked for in
    their text: in Python for ASCII text, by the index for other text (here accented titles), as the walk finds."""
    titles = {
        "and-1": "Énergie digital management security",
        "and-2": "Digital management roundtable",
        "and-3": "Énergie digital management",
        "and-4": "Security roundtable",
        "and-5": "Security pipeline dialogue",
    }
    catalog = Catalog({did: Dialogue.model_validate(minimal_brief(did, title=title)) for did, title in titles.items()})
    decided = _spy_every(monkeypatch)
    hits = catalog.text.search("digital management security", kinds=("title",), ranked=False)
    assert [h.dialogue_id for h in hits] == ["and-1"]
    assert decided and decided[0] is not None and len(decided[0]) == 1
    decided.clear()
    catalog.text.search("digital management pipeline", kinds=("title",), ranked=False)
    assert decided == [[]]  # proven empty: no field of the two rarest words' (and-1 to and-3) holds "pipeline"


def test_and_pairs_words_typed_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fields read for an AND are those of two words typed apart when it has such: the parts of one typed word
    ("alpha-beta-delta") are mostly found together, so their pairs would exceed PAIR_CAP and leave the AND to FTS5."""
    titles = [f"Alpha-beta-delta roundtable {i}" for i in range(5)] + [f"Gamma dialogue {i}" for i in range(6)]
    titles.append("Alpha-beta-delta gamma meeting")
    catalog = Catalog(
        {
            f"pair-{i}": Dialogue.model_validate(minimal_brief(f"pair-{i}", title=title))
            for i, title in enumerate(titles)
        }
    )
    monkeypatch.setattr(text_module, "PAIR_CAP", 3)
    decided = _spy_every(monkeypatch)
    answer = ask(catalog, "search alpha-beta-delta gamma")
    assert answer.refs == ("pair-11:title",)
    assert decided and decided[0] is not None and len(decided[0]) == 1


def test_hits_without_texts_are_the_same_hits(catalog: Catalog) -> None:
    """texts=False (positions and dialogue list show their own rows) gives the same hits, in the same order, with
    their texts left empty; hits ranked by BM25 keep their texts."""
    for question in _questions()[:40]:
        for kinds in (("position",), ("title", "meta", "organizer", "topic")):
            full = catalog.text.search(question, kinds, limit=50, ranked=False)
            bare = catalog.text.search(question, kinds, limit=50, ranked=False, texts=False)
            assert [(h.dialogue_id, h.kind, h.ref, h.field) for h in bare] == [
                (h.dialogue_id, h.kind, h.ref, h.field) for h in full
            ]
            assert all(h.text == "" for h in bare)
            assert any(h.text for h in full) or not full
