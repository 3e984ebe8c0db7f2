"""The cache's layout: squeezed dialogues, items one row per kind, text stored once, a schema change rebuilds."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
from pytest import MonkeyPatch

import bot.index.cachedb as cachedb
import bot.index.store as store_module
from bot.briefs.models import Dialogue
from bot.briefs.parsing import parse_dialogue
from bot.index.cachedb import CacheDB, code_version
from bot.index.pack import pack, unpack
from bot.index.rows import (
    LONG_BODY,
    ROW_TOP,
    SEQ_MASK,
    group_items,
    plain_body,
    row_id,
    stored_body,
    stored_field,
    text_fields,
    text_items,
    ungroup_items,
)
from bot.index.store import BriefStore
from tests.index.corpus import brief_paths, private_copy


def _dialogues(corpus: Path) -> list[Dialogue]:
    out = []
    for path in brief_paths(corpus):
        dialogue, errors = parse_dialogue(path)
        assert dialogue is not None, errors
        out.append(dialogue)
    return out


def test_packed_dialogue_is_compressed_and_round_trips(corpus: Path) -> None:
    """A packed dialogue takes well under its marshal bytes and unpacks to the validated original."""
    for dialogue in _dialogues(corpus):
        blob = pack(dialogue)
        assert len(blob) < len(marshal.dumps(dialogue.model_dump(exclude_unset=True, mode="json"))) * 0.6
        assert unpack(blob) == dialogue


def test_item_groups_round_trip(corpus: Path) -> None:
    """Grouping a dialogue's display items by kind keeps every item, in ref order, byte for byte."""
    for dialogue in _dialogues(corpus):
        items = list(text_items(dialogue))
        groups = dict(group_items(items))
        assert set(groups) == {kind for kind, _, _ in items}
        for kind, blob in groups.items():
            assert list(ungroup_items(blob)) == [(ref, data) for k, ref, data in items if k == kind]


def test_display_items_read_back_one_row_per_kind(corpus: Path) -> None:
    """items() and items_of() return each stored display item with its dialogue's version; one row per kind."""
    db = CacheDB(None)
    dialogues = _dialogues(corpus)
    db.begin()
    for i, dialogue in enumerate(dialogues):
        db.put_text(dialogue.id, f"v{i}", dialogue.date, text_fields(dialogue), text_items(dialogue))
    db.commit()
    expected = {
        (d.id, kind, ref): (f"v{i}", data) for i, d in enumerate(dialogues) for kind, ref, data in text_items(d)
    }
    assert db.items([*expected, ("nobody", "position", 0), (dialogues[0].id, "position", 999)]) == expected
    for kind in ("session", "position", "people"):
        got = db.items_of([d.id for d in dialogues], kind)
        assert [(did, ref) for did, ref, _, _ in got] == [(d, r) for d, k, r in expected if k == kind]
        assert all(expected[(did, kind, ref)] == (ver, data) for did, ref, ver, data in got)
    rows = db.db.execute("SELECT COUNT(*), COUNT(DISTINCT did || ' ' || kind) FROM items").fetchone()
    assert rows[0] == rows[1] == len({key[:2] for key in expected})
    db.close()


def test_schema_number_is_part_of_the_code_version(monkeypatch: MonkeyPatch) -> None:
    """Another table layout (SCHEMA) means another code version, so a cache of the old layout is rebuilt."""
    before = code_version()
    monkeypatch.setattr(cachedb, "SCHEMA", cachedb.SCHEMA - 1)
    assert code_version() != before


def test_cache_of_an_older_layout_is_rebuilt(corpus: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A cache file written under the previous schema number is not read: every brief is compiled again."""
    folder = private_copy(corpus, tmp_path)
    monkeypatch.setattr(cachedb, "SCHEMA", cachedb.SCHEMA - 1)
    old = BriefStore(folder, cache_dir=tmp_path / "cache")
    old.load()
    old.close()
    monkeypatch.undo()
    again = BriefStore(folder, cache_dir=tmp_path / "cache")
    report = again.load()
    assert report.loaded == len(brief_paths(folder)) and report.reused == 0
    assert again.catalog.dialogues  # answers from the rebuilt cache
    again.close()
    warm = BriefStore(folder, cache_dir=tmp_path / "cache")
    assert warm.load().reused == len(brief_paths(folder))  # the rebuilt cache is the current layout's
    warm.close()


def _text_rows(store: BriefStore) -> dict[str, list[tuple[str, int, str, str]]]:
    assert store._db is not None
    rows: dict[str, list[tuple[str, int, str, str]]] = {}
    for did, kind, ref, field, body in store._db.db.execute(
        "SELECT did, kind, ref, field, body FROM textstore ORDER BY did, (? - rowid) & ?", (ROW_TOP, SEQ_MASK)
    ):
        rows.setdefault(did, []).append((kind, ref, field, body))
    return rows


@pytest.mark.parametrize("bulk", [False, True])
def test_text_store_gives_back_every_field_as_written(
    corpus: Path, tmp_path: Path, monkeypatch: MonkeyPatch, bulk: bool
) -> None:
    """Each dialogue's text rows (dialogue id and version from textrows, long texts squeezed) read back as its
    fields, in field order; FTS5's integrity check finds the index equal to that content."""
    if bulk:
        monkeypatch.setattr(store_module, "BULK_MIN_FILES", 1)
    store = BriefStore(private_copy(corpus, tmp_path), cache_dir=tmp_path / "cache")
    store.load()
    assert store._db is not None
    expected = {d.id: list(text_fields(d)) for d in _dialogues(corpus) if d.status == "published"}
    assert _text_rows(store) == expected
    squeezed = store._db.db.execute("SELECT COUNT(*) FROM textbody WHERE typeof(body) = 'blob'").fetchone()[0]
    assert squeezed > 0
    store._db.db.execute("INSERT INTO t(t) VALUES ('integrity-check')")  # raises if index and content differ
    store.close()


def test_search_hits_carry_long_texts_whole(corpus: Path, tmp_path: Path) -> None:
    """A hit on a long (squeezed) text returns it whole, as the field reads, and its version is the served one."""
    store = BriefStore(private_copy(corpus, tmp_path), cache_dir=tmp_path / "cache")
    store.load()
    fields = {(d.id, f): body for d in _dialogues(corpus) for _, _, f, body in text_fields(d)}
    long = next(((did, f), b) for (did, f), b in fields.items() if len(b) >= LONG_BODY and f.startswith("positions"))
    word = max(long[1].split(), key=len).strip(".,;:")
    hits = store.catalog.text.search(word, limit=200)
    assert any((h.dialogue_id, h.field, h.text) == (*long[0], long[1]) for h in hits)
    assert all(h.text == fields[(h.dialogue_id, h.field)] for h in hits)
    store.close()


def test_stored_body_round_trips() -> None:
    """Short texts are kept as they are, long ones squeezed, and both read back as written."""
    short, long = "Maritime security", "Regional connectivity and transit corridors. " * 10
    assert stored_body(short) == short
    assert isinstance(stored_body(long), bytes) and len(stored_body(long)) < len(long.encode())
    assert plain_body(stored_body(long)) == long and plain_body(stored_body(short)) == short


FIELD_SHAPES = [
    ("title", 0, "title"),
    *[("meta", 0, name) for name in ("kind", "series", "location", "host_unit")],
    ("organizer", 2, "organizers[2]"),
    ("participant", 11, "participants[11]"),
    ("session", 3, "sessions[3].title"),
    ("session", 3, "sessions[3].summary"),
    ("session", 3, "sessions[3].takeaways[0]"),
    ("session", 12, "sessions[12].takeaways[10]"),
    ("position", 7, "positions[7]"),
    ("figure", 1, "figures[1]"),
    ("topic", 0, "topics[0]"),
    ("project", 4, "projects[4]"),
    ("forum", 5, "forums[5]"),
    ("mention", 6, "mentions[6]"),
    # shapes no brief gives today are kept as text
    ("session", 3, "sessions[3].takeaways[01]"),
    ("session", 3, "sessions[4].title"),
    ("position", 7, "positions[8]"),
    ("meta", 0, "language"),
    ("annex", 1, "annexes[1]"),
]


def test_stored_field_reads_back_through_the_view() -> None:
    """Every field shape text_fields writes is stored as small codes and spelled out again by the textstore view;
    any other shape is stored, and read back, as text; a text that looks like a number stays text."""
    db = CacheDB(None)
    db.db.execute("INSERT INTO textrows VALUES ('d', 'v', 0, 0)")
    rows = [
        (row_id(i), *stored_field(kind, ref, field), ref, "2024") for i, (kind, ref, field) in enumerate(FIELD_SHAPES)
    ]
    db.db.executemany("INSERT INTO textbody(rowid, kind, field, ref, body, who) VALUES (?,?,?,?,?,'')", rows)
    got = db.db.execute("SELECT did, kind, ref, field, body, ver FROM textstore ORDER BY rowid DESC").fetchall()
    assert got == [("d", kind, ref, field, "2024", "v") for kind, ref, field in FIELD_SHAPES]
    coded = [stored_field(kind, ref, field) for kind, ref, field in FIELD_SHAPES]
    assert all(isinstance(k, int) and isinstance(f, int) for k, f in coded[:17])
    assert all(isinstance(f, str) for _, f in coded[17:])
    db.close()


def test_participants_of_a_cache_being_built_read_alike_twice(corpus: Path, tmp_path: Path) -> None:
    """While a fresh cache is built, a version's participants come from memory once, then from the table: the same
    records either way, and the same after the cache is moved into place."""
    from bot.index.cachedb import FileRecord
    from bot.index.compile import compile_file

    path = brief_paths(corpus)[0]
    compiled, errors, digest = compile_file(path)
    assert compiled is not None, errors
    db = CacheDB(tmp_path / "cache.sqlite")
    assert db.building is not None
    db.begin()
    db.put_file(path.name, FileRecord(1, 2, False, digest, "v1"), compiled)
    expected = compiled.summary.participants
    assert expected and db.participants("v1") == expected  # from memory
    assert db.participants("v1") == expected  # from the table
    db.commit()
    db.finish_fresh()
    assert db.participants("v1") == expected
    db.close()
