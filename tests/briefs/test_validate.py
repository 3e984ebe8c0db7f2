"""`briefbot validate` and the loader on a corpus of broken briefs: every problem, with file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.briefs import parsing
from bot.briefs.validate import validate_dir
from bot.index.store import BriefStore

from ..conftest import BRIEFS_DIR, minimal_brief

GOOD = minimal_brief("good")

BROKEN: dict[str, tuple[str | bytes, int | None, str]] = {
    # file name: (content, expected line or None, expected text in the message)
    "syntax.yaml": ("id: syntax\ntitle: [unclosed\nkind: x\n", 3, "YAML syntax error"),
    "tabs.yaml": ("id: tabs\n\ttitle: x\n", 2, "YAML syntax error"),
    "list.yaml": ("- id: list\n- title: x\n", 1, "must be a YAML mapping"),
    "empty.yaml": ("", 1, "must be a YAML mapping"),
    "multi.yaml": ("id: multi\ntitle: a\n---\nid: other\n", 3, "several YAML documents"),
    "bomb.yaml": (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
        1,
        "anchors and aliases",
    ),
    "binary.yaml": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", None, "binary file"),
    "latin1.yaml": ("id: latin1\ntitle: caf\xe9\n".encode("latin-1"), 2, "UTF-8"),
}


def _write_schema_cases(write: Callable[..., Path]) -> dict[str, tuple[str, str]]:
    """Write briefs that parse but break the schema; return file -> (field, message part)."""
    cases = {
        "missing-title.yaml": ("title", "add this field"),
        "bad-date.yaml": ("date", "not a real date"),
        "bad-month.yaml": ("date", "month 13"),
        "bad-format-date.yaml": ("date", "YYYY-MM-DD"),
        "unknown-key.yaml": ("participants[0].affilation", "check the spelling"),
        "bad-status.yaml": ("status", "published"),
        "stray-moderator.yaml": ("sessions[0].moderator", "not among participants"),
        "stray-author.yaml": ("positions[0].by[0]", "not among participants"),
        "wrong-id.yaml": ("id", "differs from the file name"),
        "twice.yaml": ("participants[1].name", "listed twice"),
    }
    data = {k: minimal_brief(k.removesuffix(".yaml")) for k in cases}
    del data["missing-title.yaml"]["title"]
    data["bad-date.yaml"]["date"] = "2025-02-30"
    data["bad-month.yaml"]["date"] = "2025-13"
    data["bad-format-date.yaml"]["date"] = "29 July 2025"
    data["unknown-key.yaml"]["participants"][0]["affilation"] = "typo"
    data["bad-status.yaml"]["status"] = "final"
    data["stray-moderator.yaml"]["sessions"][0]["moderator"] = "Nobody Known"
    data["stray-author.yaml"]["positions"][0]["by"] = ["Ghost Writer"]
    data["wrong-id.yaml"]["id"] = "another-id"
    data["twice.yaml"]["participants"][1]["name"] = "Zara Ahmed"
    for name, content in data.items():
        write(name, content)
    return cases


def test_validate_reports_every_broken_file_with_location(write_brief: Callable[..., Path]) -> None:
    """Every broken file is reported, with file, line and (for schema errors) the field path."""
    write_brief("good.yaml", GOOD)
    for name, (content, _, _) in BROKEN.items():
        write_brief(name, content)
    schema_cases = _write_schema_cases(write_brief)
    folder = write_brief("good.yaml", GOOD).parent
    result = validate_dir(folder)
    by_file: dict[str, list[str]] = {}
    for error in result.errors:
        by_file.setdefault(Path(error.path).name, []).append(str(error))
    for name, (_, line, text) in BROKEN.items():
        assert name in by_file, name
        rendered = by_file[name][0]
        assert text in rendered, rendered
        if line is not None:
            assert f"{name}:{line}" in rendered, rendered
    for name, (field, text) in schema_cases.items():
        assert name in by_file, name
        rendered = " | ".join(by_file[name])
        assert f" {field}:" in rendered and text in rendered, rendered
        assert f"{name}:" in rendered and any(ch.isdigit() for ch in rendered.split(name)[1][:4]), rendered
    assert "good.yaml" not in by_file


def test_validate_exit_summary_when_clean() -> None:
    """The shipped briefs validate clean."""
    result = validate_dir(BRIEFS_DIR)
    assert result.errors == []
    assert result.summary().startswith("OK: 2 brief(s) valid")


def test_registry_alias_claimed_twice(write_brief: Callable[..., Path]) -> None:
    """A spelling given to two registry people is an error naming the file and line."""
    write_brief("good.yaml", GOOD)
    path = write_brief(
        "people.yaml",
        "people:\n  - id: a\n    name: Ali Raza\n  - id: b\n    name: Ali Rida\n    aliases: [Ali Raza]\n",
    )
    errors = validate_dir(path.parent).errors
    assert len(errors) == 1
    assert "people.yaml:6" in str(errors[0]) and "also a spelling" in str(errors[0])


def test_huge_file_is_refused_quickly(write_brief: Callable[..., Path]) -> None:
    """A file over the size limit is refused without parsing it."""
    path = write_brief("huge.yaml", "x: " + "y" * 2_000_000 + "\n")
    result = validate_dir(path.parent)
    assert "limited to" in str(result.errors[0])


def test_registry_over_a_brief_s_limit_is_read(write_brief: Callable[..., Path]) -> None:
    """The people registry is not a brief: a registry over the 1 MB brief limit (a 50,000-brief folder's is
    1.1 MB) is read by validate and by the loader; only its own, larger limit refuses it."""
    people = "".join(
        f'  - id: "p{i:06d}"\n    name: "Person{i:06d} Example{i:06d}"\n    aliases: ["Persson{i:06d} Example"]\n'
        f'    country: "Pakistan"\n    honorific: "Dr."\n'
        for i in range(9000)
    )
    path = write_brief("people.yaml", "people:\n" + people)
    assert path.stat().st_size > parsing.MAX_BRIEF_BYTES
    write_brief("good.yaml", GOOD)
    assert validate_dir(path.parent).errors == []
    store = BriefStore(path.parent)
    report = store.load()
    assert report.errors == []
    assert len(store.catalog.registry.people) == 9000
    assert store.catalog.registry.people[-1].name == "Person008999 Example008999"


def test_registry_over_its_own_limit_is_refused(
    write_brief: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry over the registry limit is refused without parsing, saying which limit it broke."""
    path = write_brief("people.yaml", "people:\n  - id: a\n    name: Ali Raza\n")
    monkeypatch.setattr(parsing, "MAX_REGISTRY_BYTES", 20)
    errors = validate_dir(path.parent).errors
    assert len(errors) == 1
    assert "people registry is limited to 20 bytes" in str(errors[0])


def test_loader_skips_broken_and_serves_the_rest(write_brief: Callable[..., Path]) -> None:
    """The bot's loader logs a broken file and serves the good ones."""
    write_brief("good.yaml", GOOD)
    path = write_brief("syntax.yaml", "id: syntax\ntitle: [\n")
    store = BriefStore(path.parent)
    report = store.load()
    assert list(store.catalog.dialogues) == ["good"]
    assert len(report.errors) == 1 and "syntax.yaml:" in str(report.errors[0])


def test_broken_edit_keeps_last_good_version(write_brief: Callable[..., Path]) -> None:
    """Breaking a brief that loaded before keeps its last good version and reports the error."""
    path = write_brief("good.yaml", GOOD)
    store = BriefStore(path.parent)
    store.load()
    path.write_text("id: good\ntitle: [\n", encoding="utf-8")
    _bump_mtime(path)
    report = store.reload()
    assert report.errors and "good.yaml:" in str(report.errors[0])
    assert store.catalog.dialogues["good"].title == "Dialogue good"


def test_reload_picks_up_edits_and_deletions(write_brief: Callable[..., Path]) -> None:
    """An edited brief is re-read and a deleted one disappears."""
    path = write_brief("good.yaml", GOOD)
    other = write_brief("other.yaml", minimal_brief("other"))
    store = BriefStore(path.parent)
    store.load()
    path.write_text(path.read_text(encoding="utf-8").replace("Dialogue good", "Renamed"), encoding="utf-8")
    _bump_mtime(path)
    other.unlink()
    store.reload()
    assert store.catalog.dialogues["good"].title == "Renamed"
    assert "other" not in store.catalog.dialogues


def test_drafts_are_hidden_unless_asked(write_brief: Callable[..., Path]) -> None:
    """Draft briefs are not answered from unless include_drafts is set."""
    path = write_brief("draft.yaml", minimal_brief("draft", status="draft"))
    assert "draft" not in BriefStore(path.parent).catalog.dialogues
    assert "draft" in BriefStore(path.parent, include_drafts=True).catalog.dialogues


@pytest.mark.parametrize("value", ["2025", "2025-07", "2025-07-29", None])
def test_partial_dates_are_allowed(write_brief: Callable[..., Path], value: str | None) -> None:
    """YYYY, YYYY-MM, YYYY-MM-DD and null are valid event dates."""
    path = write_brief("d.yaml", minimal_brief("d", date=value))
    assert validate_dir(path.parent).errors == []


def _bump_mtime(path: Path) -> None:
    """Move a file's mtime forward so a same-size rewrite within one clock tick is still seen."""
    import os

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
