"""Broken briefs cost a start nothing: their errors are cached like records, and many are logged as one line."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.index.store import CACHE_MIN_FILES, BriefStore
from tests.conftest import minimal_brief

BROKEN = "id: [unclosed\n"


def _folder(tmp_path: Path, write_brief: Callable[..., Path], broken: int) -> Path:
    """Write enough good briefs for an on-disk cache, and `broken` files that do not parse."""
    for i in range(CACHE_MIN_FILES):
        write_brief(f"b{i:04d}.yaml", minimal_brief(f"b{i:04d}"))
    folder = write_brief("b0000.yaml", minimal_brief("b0000")).parent
    for i in range(broken):
        path = folder / f"x{i:03d}.yaml"
        path.write_text(BROKEN, encoding="utf-8")
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # long ago: not racy
    return folder


def test_unchanged_broken_file_is_not_read_again(tmp_path: Path, write_brief: Callable[..., Path]) -> None:
    """A later process reports a broken file's errors from the cache while its size and mtime are unchanged."""
    folder = _folder(tmp_path, write_brief, 1)
    first = BriefStore(folder, cache_dir=tmp_path / "cache").load()
    assert [Path(e.path).name for e in first.errors] == ["x000.yaml"]
    path = folder / "x000.yaml"
    path.write_text(BROKEN.replace("[", "{"), encoding="utf-8")  # same size, other content, same mtime
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    again = BriefStore(folder, cache_dir=tmp_path / "cache").load()
    assert [str(e) for e in again.errors] == [str(e) for e in first.errors]


def test_fixed_broken_file_is_served(tmp_path: Path, write_brief: Callable[..., Path]) -> None:
    """Once the file changes, it is read again: fixed, it is served and its cached errors are gone."""
    folder = _folder(tmp_path, write_brief, 1)
    BriefStore(folder, cache_dir=tmp_path / "cache").load()
    write_brief("x000.yaml", minimal_brief("x000"))
    fixed = BriefStore(folder, cache_dir=tmp_path / "cache")
    assert fixed.load().errors == []
    assert "x000" in fixed.catalog.dialogues
    assert BriefStore(folder, cache_dir=tmp_path / "cache").load().errors == []


def test_many_broken_files_log_one_warning(
    tmp_path: Path, write_brief: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Many broken briefs give one warning line that points to `briefbot validate`; each is logged at INFO."""
    folder = _folder(tmp_path, write_brief, 5)
    caplog.set_level(logging.INFO, logger="bot.index.store")
    BriefStore(folder, cache_dir=tmp_path / "cache").load()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["5 briefs skipped — run `briefbot validate` for every problem"]
    assert sum(r.levelno == logging.INFO and "brief skipped" in r.getMessage() for r in caplog.records) == 5
