"""Hostile folders: forged file names shown escaped, every unreadable entry reported, look-alike letters warned."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.briefs.validate import validate_dir
from bot.cli import main
from bot.config import BotConfig
from bot.index.store import BriefStore
from bot.services import Services
from tests.conftest import minimal_brief

FORGED = "x\nbriefbot: all briefs OK\x1b[32m.yaml"


def test_validate_prints_forged_file_name_on_one_line(
    write_brief: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A file name with a newline and ANSI escapes is printed escaped: one line, no raw escape character."""
    folder = write_brief(FORGED, "id: [unclosed\n").parent
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    (line,) = out.splitlines()
    assert "\x1b" not in out and "x\\nbriefbot: all briefs OK\\x1b[32m.yaml" in line


def test_loader_logs_forged_file_name_escaped(
    write_brief: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """The loader's log line (and the admins' alert, which uses the same text) names the file escaped."""
    folder = write_brief(FORGED, "id: [unclosed\n").parent
    caplog.set_level(logging.WARNING)
    report = BriefStore(folder).load()
    (error,) = report.errors
    assert "\n" not in str(error) and "\x1b" not in str(error)
    assert all("\n" not in r.getMessage() and "\x1b" not in r.getMessage() for r in caplog.records)


@pytest.fixture
def odd_folder(write_brief: Callable[..., Path]) -> Path:
    """Return a folder with one good brief and a symlink loop, a FIFO, a device link and a broken link."""
    folder = write_brief("good.yaml", minimal_brief("good")).parent
    os.symlink("loop-b.yaml", folder / "loop-a.yaml")
    os.symlink("loop-a.yaml", folder / "loop-b.yaml")
    os.mkfifo(folder / "pipe.yaml")
    os.symlink("/dev/null", folder / "device.yaml")
    os.symlink("missing-target.yaml", folder / "broken.yaml")
    return folder


EXPECTED = {
    "broken.yaml": "broken symbolic link",
    "device.yaml": "character device",
    "loop-a.yaml": "symbolic link loop",
    "loop-b.yaml": "symbolic link loop",
    "pipe.yaml": "FIFO",
}


def test_validate_reports_every_unreadable_entry(odd_folder: Path) -> None:
    """Loops, FIFOs, devices and broken links are each reported by validate, never silently skipped."""
    result = validate_dir(odd_folder)
    found = {Path(e.path).name: e.message for e in result.errors}
    assert set(found) == set(EXPECTED)
    for name, words in EXPECTED.items():
        assert words in found[name]


def test_loader_reports_every_unreadable_entry_and_serves_the_rest(odd_folder: Path) -> None:
    """The bot's loader reports the same entries (without opening the FIFO) and serves the good brief."""
    store = BriefStore(odd_folder)
    report = store.load()
    assert sorted(Path(e.path).name for e in report.errors) == sorted(EXPECTED)
    assert len(store.catalog) == 1


def test_targeted_reload_reports_a_fifo(write_brief: Callable[..., Path]) -> None:
    """A FIFO named by a file event is reported too."""
    folder = write_brief("good.yaml", minimal_brief("good")).parent
    store = BriefStore(folder)
    store.load()
    os.mkfifo(folder / "pipe.yaml")
    report = store.reload([folder / "pipe.yaml"])
    assert [Path(e.path).name for e in report.errors] == ["pipe.yaml"]


def test_latin_name_with_cyrillic_letter_is_warned_naming_it(write_brief: Callable[..., Path]) -> None:
    """'Omid Karimi' with a Cyrillic 'о' is warned about, naming the letter and its code point."""
    data = minimal_brief("x")
    data["participants"][1]["name"] = "Omid Kar\u0456mi"  # Cyrillic і
    data["positions"][0]["by"] = ["Omid Kar\u0456mi"]
    result = validate_dir(write_brief("x.yaml", data).parent)
    assert result.errors == []
    (first, second) = result.warnings
    assert first.field == "participants[1].name"
    assert "U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I" in first.message
    assert second.field == "positions[0].by"


def test_greek_look_alike_is_warned_and_pure_scripts_are_not(write_brief: Callable[..., Path]) -> None:
    """A Greek omicron in a Latin word is warned; a wholly Cyrillic or wholly Latin name is not."""
    data = minimal_brief("x")
    data["participants"][0]["name"] = "Zara Ahmed"
    data["participants"][1]["name"] = "Сергей Лавров"
    data["participants"].append({"name": "Nik\u03bfs Dendias", "role": "Minister"})
    data["positions"][0]["by"] = ["Сергей Лавров"]
    result = validate_dir(write_brief("x.yaml", data).parent)
    (warning,) = result.warnings
    assert "Greek" in warning.message and "U+03BF" in warning.message


def test_loader_warns_about_look_alike_letters(
    write_brief: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """The bot's loader serves a brief whose name mixes scripts but logs a warning naming the letter."""
    data = minimal_brief("x")
    data["participants"][1]["name"] = "Omid Kar\u0456mi"
    data["positions"][0]["by"] = ["Omid Kar\u0456mi"]
    caplog.set_level(logging.WARNING)
    store = BriefStore(write_brief("x.yaml", data).parent)
    report = store.load()
    assert report.ok and len(store.catalog) == 1
    (warning,) = report.warnings
    assert "U+0456" in warning.message and warning.field == "participants[1].name"
    assert "U+0456" in caplog.text


async def test_admins_are_told_about_look_alike_letters(write_brief: Callable[..., Path]) -> None:
    """A reload that reads a brief with a look-alike letter sends the admins one warning naming it."""
    folder = write_brief("good.yaml", minimal_brief("good")).parent
    alerts: list[str] = []

    async def alert(text: str) -> None:
        alerts.append(text)

    services = Services(config=BotConfig(briefs_dir=folder), store=BriefStore(folder))
    services.admin_alerts.append(alert)
    services.store.load()
    data = minimal_brief("x")
    data["participants"][0]["name"] = "Z\u0430ra Ahmed"  # Cyrillic а
    data["moderators"] = ["Z\u0430ra Ahmed"]
    data["sessions"][0]["moderator"] = "Z\u0430ra Ahmed"
    write_brief("x.yaml", data)
    await services.reload()
    (text,) = alerts
    assert "served anyway" in text and "U+0430" in text


def test_validate_counts_unreadable_entries_among_the_files(odd_folder: Path) -> None:
    """The summary never says more bad files than files: "5 problem(s) in 5 of 6 file(s)", not "… in 5 of 1"."""
    result = validate_dir(odd_folder)
    assert result.summary() == f"{len(EXPECTED)} problem(s) in {len(EXPECTED)} of {len(EXPECTED) + 1} file(s)"
