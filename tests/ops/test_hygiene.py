"""A test run leaves nothing outside temporary folders; the package says its version and licence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main, version
from bot.index.cachedb import default_cache_root

from ..conftest import ROOT


def test_cache_goes_to_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Caches written during tests land under pytest's base temp folder, never in ~/.cache/briefbot."""
    root = default_cache_root()
    assert root is not None
    assert root.is_relative_to(tmp_path_factory.getbasetemp())
    assert not root.is_relative_to(Path.home() / ".cache")


@pytest.mark.parametrize("name", ["XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR"])
def test_user_folders_are_temporary(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Console history (XDG state), matplotlib's cache and anything else per-user goes under pytest's temp folder."""
    assert Path(os.environ[name]).is_relative_to(tmp_path_factory.getbasetemp())


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """`briefbot --version` prints the installed version and exits 0."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"briefbot {version()}"


def test_license_is_mit() -> None:
    """The LICENSE file is the MIT licence pyproject declares."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
