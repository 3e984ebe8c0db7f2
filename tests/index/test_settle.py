"""Torn writes: a new or changed brief is read only once its size and mtime have been stable for the settle interval."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.config import BotConfig
from bot.index.store import BriefStore
from bot.services import Services
from tests.conftest import minimal_brief

SETTLE = 2.0
SECOND = 1_000_000_000


class Clock:
    """A clock in ns that tests move by hand; `then` runs once on the next reading (a writer racing the reader)."""

    def __init__(self, now: int) -> None:
        self.now = now
        self.then: Callable[[], None] | None = None

    def __call__(self) -> int:
        if self.then is not None:
            action, self.then = self.then, None
            action()
        return self.now


def _mtime(path: Path) -> int:
    return os.stat(path).st_mtime_ns


def _half(data: dict[str, object]) -> str:
    """Return the first part of a brief as a slow writer leaves it: valid YAML, cut after the participants."""
    text = yaml.safe_dump(data, sort_keys=False)
    return text[: text.index("sessions:")]


def test_changed_file_within_interval_keeps_last_version(write_brief: Callable[..., Path]) -> None:
    """A file rewritten half-way (valid YAML) within the interval is not read: the full version keeps serving."""
    full = minimal_brief("x", title="Full")
    path = write_brief("x.yaml", full)
    clock = Clock(_mtime(path) + 10 * SECOND)
    store = BriefStore(path.parent, settle=SETTLE, clock=clock)
    store.load()
    write_brief("x.yaml", _half({**full, "title": "Cut short"}))
    clock.now = _mtime(path) + SECOND // 2
    report = store.reload()
    assert report.pending == ["x.yaml"]
    assert store.catalog.summary("x").title == "Full"


def test_changed_file_is_read_once_stable(write_brief: Callable[..., Path]) -> None:
    """Once size and mtime have stayed the same for the interval, the new version is served."""
    path = write_brief("x.yaml", minimal_brief("x", title="Old"))
    clock = Clock(_mtime(path) + 10 * SECOND)
    store = BriefStore(path.parent, settle=SETTLE, clock=clock)
    store.load()
    write_brief("x.yaml", minimal_brief("x", title="New"))
    clock.now = _mtime(path)
    store.reload()
    clock.now += int(SETTLE * SECOND)
    report = store.reload()
    assert report.pending == []
    assert store.catalog.summary("x").title == "New"


def test_new_file_within_interval_is_not_served(write_brief: Callable[..., Path]) -> None:
    """A brand-new file is not served until stable, even on the first load."""
    path = write_brief("x.yaml", _half(minimal_brief("x")))
    store = BriefStore(path.parent, settle=SETTLE, clock=Clock(_mtime(path)))
    report = store.load()
    assert report.pending == ["x.yaml"]
    assert len(store.catalog) == 0


def test_stamp_stable_for_interval_by_observation_is_read(write_brief: Callable[..., Path]) -> None:
    """A file whose mtime lies in the future (clock skew) is read once seen unchanged for the interval."""
    path = write_brief("x.yaml", minimal_brief("x", title="Skewed"))
    clock = Clock(_mtime(path) - 60 * SECOND)
    store = BriefStore(path.parent, settle=SETTLE, clock=clock)
    assert store.load().pending == ["x.yaml"]
    clock.now += int(SETTLE * SECOND)
    store.reload()
    assert store.catalog.summary("x").title == "Skewed"


def test_file_changed_while_parsed_is_read_again_later(write_brief: Callable[..., Path]) -> None:
    """A file that changes between the stability check and the end of parsing is not served from that read."""
    path = write_brief("x.yaml", minimal_brief("x", title="Old"))
    clock = Clock(_mtime(path) + 10 * SECOND)
    store = BriefStore(path.parent, settle=SETTLE, clock=clock)
    store.load()
    os.utime(path, ns=(clock.now - 5 * SECOND, clock.now - 5 * SECOND))
    write_brief("x.yaml", minimal_brief("x", title="First write"))
    os.utime(path, ns=(clock.now - 5 * SECOND, clock.now - 5 * SECOND))  # looks stable

    def more() -> None:
        path.write_text(path.read_text() + "\n# more\n")

    clock.then = more  # the writer goes on meanwhile
    report = store.reload()
    assert report.pending == ["x.yaml"]
    assert store.catalog.summary("x").title == "Old"


def test_no_settle_reads_at_once(write_brief: Callable[..., Path]) -> None:
    """With settle 0 (`briefbot ask`, one-shot tools), a fresh file is read at once."""
    path = write_brief("x.yaml", minimal_brief("x"))
    store = BriefStore(path.parent)
    assert store.load().pending == []
    assert len(store.catalog) == 1


async def test_pending_file_is_read_again_after_the_interval(write_brief: Callable[..., Path]) -> None:
    """A reload that leaves a file pending schedules a targeted reload for after the interval, which serves it."""
    path = write_brief("x.yaml", minimal_brief("x", title="Old"))
    clock = Clock(_mtime(path) + 10 * SECOND)
    scheduled: list[tuple[float, Callable[[], None]]] = []
    services = Services(
        config=BotConfig(briefs_dir=path.parent),
        store=BriefStore(path.parent, settle=SETTLE, clock=clock),
        call_later=lambda delay, callback: scheduled.append((delay, callback)),
    )
    services.store.load()
    write_brief("x.yaml", minimal_brief("x", title="New"))
    clock.now = _mtime(path)
    await services.reload()
    ((delay, callback),) = scheduled
    assert delay >= SETTLE and services.store.catalog.summary("x").title == "Old"
    clock.now += int(SETTLE * SECOND)
    callback()
    await asyncio.gather(*services._rechecks)
    assert services.store.catalog.summary("x").title == "New"
