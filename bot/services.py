"""What the chat surfaces and the scheduler share inside `briefbot run`: config, store, digests, admin alerts."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.answer import Answer
from bot.config import BotConfig
from bot.index.store import BriefStore, LoadReport
from bot.ops.metrics import Metrics

if TYPE_CHECKING:
    from bot.index.catalog import Catalog

log = logging.getLogger(__name__)

AdminAlert = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """One target's line in a digest's status."""

    target: str
    disabled: str | None
    last_at: dt.datetime | None
    last_status: str | None
    last_outcome: str | None
    briefs_delivered: int
    unfinished: int


@dataclass(frozen=True, slots=True)
class DigestStatus:
    """One digest's last and next run and its targets."""

    name: str
    schedule: str
    timezone: str
    last_run: dt.datetime | None
    last_outcome: str | None
    next_run: dt.datetime | None
    targets: tuple[TargetStatus, ...]


class DigestRunner(Protocol):
    """The digest scheduler as the chat surfaces see it."""

    def names(self) -> list[str]:
        """Return the configured digest names."""
        ...

    def preview(self, name: str) -> Answer:
        """Return what digest `name` would post now, changing nothing."""
        ...

    async def run_now(self, name: str) -> Answer:
        """Post digest `name` now to every target, record it, and report what happened."""
        ...

    def status(self) -> list[DigestStatus]:
        """Return last and next run per digest, and per target its state and last delivery."""
        ...


class Surface(Protocol):
    """A platform (Discord, Slack) or service (scheduler) running inside `briefbot run`."""

    async def start(self) -> None:
        """Connect and start serving; return once running (long-running work goes into tasks)."""
        ...

    async def close(self) -> None:
        """Stop serving and release connections."""
        ...


@dataclass
class Services:
    """Shared services built once in main() and passed to every surface."""

    config: BotConfig
    store: BriefStore
    digests: DigestRunner | None = None
    admin_alerts: list[AdminAlert] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)
    on_give_up: Callable[[str, str], None] | None = None  # set by `briefbot run`: a surface stopped for good
    # each platform's digest renderer ('discord', 'slack'), set by the composition root (bot.adapters)
    _reported: frozenset[str] = field(default=frozenset(), repr=False)
    _rechecks: set[asyncio.Task[LoadReport]] = field(default_factory=set, repr=False)
    # how a re-check is scheduled: (delay in seconds, callback); None = the running loop's call_later (tests inject)
    call_later: Callable[[float, Callable[[], None]], object] | None = field(default=None, repr=False)

    async def alert_admins(self, text: str) -> None:
        """Tell the admins on every surface that registered a way to reach them; never raises."""
        for alert in list(self.admin_alerts):
            try:
                await alert(text)
            except Exception:  # an unreachable admin channel must not break the caller
                log.exception("could not deliver an admin alert")

    def give_up(self, surface: str, reason: str) -> None:
        """Report that a surface stopped for good (e.g. its token was rejected); `briefbot run` decides what next."""
        if self.on_give_up is not None:
            self.on_give_up(surface, reason)

    async def reload(self, changed: Iterable[Path] | None = None) -> LoadReport:
        """Reload changed briefs (keeping the last good version of broken ones) and alert admins on errors.

        changed, when given (paths from file events), limits the check to those files; None scans the folder.
        """
        start = time.perf_counter()
        report = await asyncio.to_thread(self.store.load, changed)
        self.warm_questions()
        self.metrics.loaded(
            len(self.store.catalog), len({e.path for e in self.store.errors()}), time.perf_counter() - start
        )
        current = frozenset(str(e) for e in report.errors)
        new = [e for e in report.errors if str(e) not in self._reported]
        self._reported = current  # alert once per problem, not on every poll while it stays broken
        if new:
            shown = "\n".join(str(e) for e in new[:20])
            more = f"\n… and {len(new) - 20} more" if len(new) > 20 else ""
            await self.alert_admins(
                f"briefbot: {len(new)} new brief problem(s); last good versions kept.\n{shown}{more}"
            )
        if report.warnings:  # found when a file is read, so once per edit
            shown = "\n".join(str(w) for w in report.warnings[:20])
            await self.alert_admins(f"briefbot: {len(report.warnings)} brief warning(s); served anyway.\n{shown}")
        self.recheck_later(report)
        return report

    def warm_questions(self) -> asyncio.Future[None]:
        """Build the new snapshot's indexes for names and timeline/network/compare in a worker thread, not on a
        question."""
        from bot.questions.subjects import warm

        def warm_all(catalog: Catalog) -> None:
            catalog.warm_names()
            warm(catalog)

        return asyncio.get_running_loop().run_in_executor(None, warm_all, self.store.catalog)

    def merge_text_index(self) -> asyncio.Future[int]:
        """Merge the text index's segments in a worker thread, in small steps, so no question or reload waits."""
        return asyncio.get_running_loop().run_in_executor(None, self.store.merge_text_index)

    def recheck_later(self, report: LoadReport) -> None:
        """Reload the files a load left pending (still being written) once the settle interval has passed."""
        if not report.pending:
            return
        paths = [self.store.directory / name for name in report.pending]
        loop = asyncio.get_running_loop()

        def start() -> None:
            task = loop.create_task(self.reload(paths))
            self._rechecks.add(task)
            task.add_done_callback(self._rechecks.discard)

        (self.call_later or loop.call_later)(self.store.settle + 0.05, start)
