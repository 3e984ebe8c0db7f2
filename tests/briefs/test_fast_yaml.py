"""The event-stream YAML fast path: the same data as CSafeLoader, and the old path for everything else."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import bot.briefs.parsing as parsing
from bench.gen_corpus import generate
from bot.briefs.parsing import read_yaml

from ..conftest import BRIEFS_DIR


def _same(fast: Any, loaded: Any) -> bool:
    """Return whether two parsed values are equal with equal types throughout (NaN equals NaN)."""
    if type(fast) is not type(loaded):
        return False
    if isinstance(fast, dict):
        return len(fast) == len(loaded) and all(
            _same(fast_key, loaded_key) and _same(fast_value, loaded_value)
            for (fast_key, fast_value), (loaded_key, loaded_value) in zip(fast.items(), loaded.items(), strict=True)
        )
    if isinstance(fast, list):
        return len(fast) == len(loaded) and all(map(_same, fast, loaded))
    if isinstance(fast, float) and math.isnan(fast):
        return math.isnan(loaded)
    if isinstance(fast, datetime.datetime):
        return bool(fast == loaded and fast.utcoffset() == loaded.utcoffset())
    return bool(fast == loaded)


def _csafe(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


SCALARS_AND_SHAPES = {
    "yaml 1.1 booleans": "a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: True\nh: FALSE\ni: Yes\nj: OFF\n",
    "nulls and empty values": "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: ''\n? g\n",
    "ints": "a: 1_000\nb: 0x1f\nc: 0o17\nd: 017\ne: 0b101\nf: -42\ng: +7\nh: 0\n",
    "sexagesimal": "a: 1:20\nb: 190:20:30\nc: 1:20.5\n",
    "floats": "a: -1.5e3\nb: 3.25\nc: 1_000.5\nd: 6.8523015e+5\ne: .5\nf: 1.\n",
    "infinities and nan": "a: .inf\nb: -.Inf\nc: +.INF\nd: .NaN\ne: .nan\n",
    "date": "date: 2025-07-29\n",
    "datetime utc": "at: 2025-07-29T10:00:00Z\n",
    "datetime with fraction and offset": "at: 2025-07-29 10:00:00.5 +05:00\nb: 2001-12-14t21:59:43.10-05:00\n",
    "quoted numbers and dates stay str": "a: '5'\nb: \"2025-07-29\"\nc: 'yes'\nd: \"null\"\ne: '1:20'\nf: \"0x1f\"\n",
    "near misses stay str": "a: 2025-7-29x\nb: 1.2.3\nc: yess\nd: 0x\ne: -x\nf: .\ng: 12abc\nh: nulls\n",
    "block literal and folded": (
        "lit: |\n  one\n  two\n\nfold: >\n  one\n  two\n\n  three\nkeep: |+\n  x\n\nstrip: >-\n  y\n"
    ),
    "flow map and list": "a: {x: 1, y: [true, null, 'q'], z: {}}\nb: [1, 2.5, ~, [], [a, b]]\n",
    "nested lists of maps": (
        "people:\n  - name: A\n    roles: [x, y]\n  - name: B\n    roles:\n      - z\n      - {k: v}\n"
    ),
    "int bool null and float keys": "1: one\ntrue: yes\n~: nothing\n2.5: x\n2025-07-29: d\n",
    "duplicate keys, last wins": "a: 1\nb: 2\na: 3\n1: x\ntrue: y\n",
    "persian urdu chinese": "fa: گفت‌وگوی راهبردی\nur: پاکستان اور ایران\nzh: 战略对话\nمیزبان: تهران\n",
    "bom": "\ufeffid: bom\ntitle: x\n",
    "comments": "# head\na: 1  # trailing\n# between\nb: [1, # in flow\n  2]\n",
    "empty document": "",
    "only comments": "# nothing here\n# at all\n",
    "explicit empty document": "---\n...\n",
    "only a scalar": "just text\n",
    "only an int": "42\n",
    "only a list": "- 1\n- two\n- [3]\n",
    "document markers": "---\na: 1\n...\n",
    "non-specific tag": "a: ! 5\nb: ! '5'\nc: ! [1]\n",
    "multi-line plain and quoted": "a: one\n  two\nb: \"x\\ty\\u00e9\"\nc: 'it''s'\n",
    "deep nesting": "[" * 200 + "]" * 200 + "\n",
    "strings with indicators inside": "a: R&D and 5*3\nb: x # not a comment? no, a comment\nc: a:b\nd: '<<'\n",
}


@pytest.mark.parametrize("text", SCALARS_AND_SHAPES.values(), ids=SCALARS_AND_SHAPES.keys())
def test_fast_load_matches_csafeloader(text: str) -> None:
    """The fast path itself (no fallback) builds exactly what CSafeLoader builds."""
    assert _same(parsing._fast_load(text), _csafe(text))


def test_same_helper_tells_types_apart() -> None:
    """The comparison used here fails on True vs 1, a date vs a datetime and NaN vs a number."""
    assert not _same({"a": True}, {"a": 1})
    assert not _same(datetime.date(2025, 7, 29), datetime.datetime(2025, 7, 29))
    assert not _same([math.nan], [1.0])
    assert _same([math.nan], [math.nan])


def test_plain_key_tag_resolution_skips_strings() -> None:
    """A plain word with no resolver for its first letter comes back as the very same str."""
    word = "organizers"
    assert parsing._plain_scalar(word) is word


FALLBACKS = {
    "anchor and alias": "a: &x [1, 2]\nb: *x\n",
    "anchor without alias": "a: &x 1\nb: [&y 2]\n",
    "alias bomb": 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n',
    "explicit str tag": "a: !!str 5\n",
    "explicit map tag": "a: !!map {x: 1}\n",
    "local tag": "a: !thing 5\n",
    "merge key": "base: {x: 1}\nchild:\n  <<: {x: 2, y: 3}\n  z: 4\n",
    "value key": "a: =\n",
    "two documents": "id: a\n---\nid: b\n",
    "syntax error": "id: x\ntitle: [unclosed\nkind: x\n",
    "tab indentation": "id: tabs\n\ttitle: x\n",
    "complex key": "? [a, b]\n: 1\n",
    "bad date": "date: 2025-13-45\n",
}


@pytest.fixture
def old_read_yaml(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, str], Any]:
    """Return read_yaml as it was before the fast path (libyaml's event parser hidden)."""

    def read(path: Path, text: str) -> Any:
        with monkeypatch.context() as patch:
            patch.setattr(parsing, "_CParser", None)
            try:
                return read_yaml(path, text=text)
            except Exception as exc:
                return type(exc), str(exc)

    return read


@pytest.mark.parametrize("text", FALLBACKS.values(), ids=FALLBACKS.keys())
def test_fast_load_refuses_what_it_does_not_build(text: str) -> None:
    """Anchors, tags, merge and value keys, several documents, errors and complex keys leave the fast path."""
    with pytest.raises(Exception):  # noqa: B017 - _NotFastPath, a YAMLError or a constructor's ValueError
        parsing._fast_load(text)


@pytest.mark.parametrize("text", FALLBACKS.values(), ids=FALLBACKS.keys())
def test_fallback_gives_the_old_result(text: str, old_read_yaml: Callable[[Path, str], Any], tmp_path: Path) -> None:
    """Whatever the fast path refuses, read_yaml answers as before: the same data, or the same error."""
    path = tmp_path / "brief.yaml"
    now: Any
    try:
        now = read_yaml(path, text=text)
    except Exception as exc:
        now = type(exc), str(exc)
    assert now == old_read_yaml(path, text)


def test_anchors_still_refused_with_their_line(tmp_path: Path) -> None:
    """An alias in a brief is still the located 'anchors and aliases' error."""
    data, errors = read_yaml(tmp_path / "a.yaml", text="a: 1\nb: &x [1]\nc: *x\n")
    assert data is None
    assert "anchors and aliases" in errors[0].message
    assert errors[0].line == 2


def test_two_documents_keep_their_message(tmp_path: Path) -> None:
    """Several documents are still reported as such, at the second document."""
    data, errors = read_yaml(tmp_path / "multi.yaml", text="id: multi\ntitle: a\n---\nid: other\n")
    assert data is None
    assert "several YAML documents" in errors[0].message
    assert errors[0].line == 3


def _assert_files_match(paths: list[Path]) -> None:
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8-sig")
        expected = _csafe(text)
        assert _same(parsing._fast_load(text), expected), path
        data, errors = read_yaml(path)
        assert not errors, path
        assert _same(data, expected), path


def test_shipped_briefs_match() -> None:
    """Every shipped brief (and the people registry) parses to the same data on the fast path."""
    _assert_files_match(sorted(BRIEFS_DIR.glob("*.yaml")))


def test_generated_corpus_matches(tmp_path: Path) -> None:
    """300 generated briefs and their registry parse to the same data on the fast path."""
    generate(tmp_path, 300)
    _assert_files_match(sorted(tmp_path.glob("*.yaml")))
