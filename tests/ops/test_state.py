"""`briefbot state backup` of a running bot, and `state restore`, give back an identical state."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from tests.adapters.slack_app.helpers import ADMIN

from .conftest import Deploy


def dump(path: Path) -> list[str]:
    """Return the SQL dump of a database: every schema object and row."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return list(db.iterdump())


async def test_backup_of_a_running_bot_restores_identically(
    deploy: Deploy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup taken while the bot runs (after a digest) restores, once the bot is stopped, to the same state."""
    bot = await deploy(digests=True)
    await bot.slack_command("digest now weekly", user=ADMIN)
    await bot.slack.next_post()
    config, state, copy = str(tmp_path / "config.yaml"), tmp_path / "state" / "state.db", tmp_path / "backup.db"
    assert main(["state", "backup", str(copy), "--config", config]) == 0
    assert "1 deliveries" in capsys.readouterr().out
    before = dump(state)
    assert dump(copy) == before and any('INSERT INTO "deliveries"' in line for line in before)
    assert await bot.finish() == 0
    with contextlib.closing(sqlite3.connect(state)) as db, db:
        db.execute("DELETE FROM deliveries")  # the state is lost or damaged
    assert main(["state", "restore", str(copy), "--config", config]) == 0
    assert dump(state) == before


async def test_restore_refused_while_the_bot_runs(
    deploy: Deploy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Restoring under a running digest scheduler is refused with one line; the state is untouched."""
    bot = await deploy(digests=True)
    await bot.slack_command("digest now weekly", user=ADMIN)
    await bot.slack.next_post()
    config, copy = str(tmp_path / "config.yaml"), tmp_path / "backup.db"
    assert main(["state", "backup", str(copy), "--config", config]) == 0
    assert main(["state", "restore", str(copy), "--config", config]) == 2
    assert "stop it before restoring" in capsys.readouterr().err
    await bot.finish()


def test_backup_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An existing backup file is never overwritten."""
    state = tmp_path / "state.db"
    with contextlib.closing(sqlite3.connect(state)) as db:
        db.execute("CREATE TABLE t (x)")
    config = tmp_path / "config.yaml"
    config.write_text(f"state_path: {state}\n", encoding="utf-8")
    (tmp_path / "old.db").write_text("keep me", encoding="utf-8")
    assert main(["state", "backup", str(tmp_path / "old.db"), "--config", str(config)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "old.db").read_text(encoding="utf-8") == "keep me"
