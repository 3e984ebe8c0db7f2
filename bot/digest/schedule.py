"""APScheduler wiring for digests: cron triggers in local time, catch-up after downtime, one scheduler per state."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.answer import Answer, AnswerKind, Item
from bot.config import DigestConfig
from bot.digest.compose import Selection, compose
from bot.digest.delivery import Checkpoint, DeliveryEngine, PosterFactory, Sleep, TargetOutcome, target_id
from bot.digest.state import Clock, StateStore, utcnow
from bot.errors import ConfigError
from bot.services import DigestStatus, Services, TargetStatus

log = logging.getLogger(__name__)

RETRY_PENDING_AFTER = 600  # seconds before an undelivered (pending) digest is tried again
MISFIRE_GRACE = 6 * 3600  # a job up to 6 h late (suspended host, blocked loop) still runs, once
CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 (and 7) = Sunday
APS_ORDER = (1, 2, 3, 4, 5, 6, 0)  # crontab day numbers in APScheduler's Monday-first order


def _day_number(token: str) -> int:
    token = token.strip().lower()
    if token.isdigit():
        number = int(token)
        if number > 7:
            raise ValueError(f"day of week {number} is out of range 0-7")
        return number
    full = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
    if token in CRONTAB_DAYS or token in full:
        return CRONTAB_DAYS.index(token[:3])
    raise ValueError(f"unknown day of week {token!r}; use mon, tue, wed, thu, fri, sat, sun")


def day_of_week_field(text: str) -> str:
    """Return a crontab day-of-week field (0 or 7 = Sunday, names allowed) as APScheduler day names."""
    text = text.strip().lower()
    if text in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad step in day of week {part!r}")
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            a, b = span.split("-", 1)
            low, high = _day_number(a), _day_number(b)
            if high < low:  # e.g. fri-mon wraps over the weekend
                high += 7
        else:
            low = _day_number(span)
            high = 6 if step_text else low
        days.update(d % 7 for d in range(low, high + 1, step))
    return ",".join(CRONTAB_DAYS[d] for d in APS_ORDER if d in days)


class LocalCronTrigger(CronTrigger):  # type: ignore[misc]
    """A CronTrigger that fires once, not twice, when clocks go back and a local time happens twice."""

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
        """Return the next fire time, skipping the second occurrence of a repeated wall-clock time."""
        fire: dt.datetime | None = super().get_next_fire_time(previous_fire_time, now)
        for _ in range(3):
            if fire is None or not _second_of_repeated(fire, self.timezone):
                return fire
            # Step in UTC: aware arithmetic in the local zone would reset fold and land on the same time again.
            fire = super().get_next_fire_time(None, fire.astimezone(dt.UTC) + dt.timedelta(seconds=1))
        return fire


def _second_of_repeated(moment: dt.datetime, zone: dt.tzinfo) -> bool:
    wall = moment.astimezone(zone).replace(tzinfo=None)
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    # Compare offsets, not datetimes: within one zone Python compares wall times and ignores fold.
    local = moment.astimezone(zone)
    return first.utcoffset() != second.utcoffset() and local.utcoffset() == second.utcoffset()


def build_trigger(schedule: str, timezone: str) -> CronTrigger:
    """Return the CronTrigger of a crontab-style schedule in an IANA time zone; raise ValueError if invalid."""
    fields = schedule.split()
    if len(fields) != 5:
        raise ValueError(f"schedule {schedule!r} needs 5 fields: minute hour day-of-month month day-of-week")
    minute, hour, day, month, dow = fields
    if day not in ("*", "?") and dow not in ("*", "?"):
        # crontab runs when EITHER matches, APScheduler when BOTH do: refuse rather than guess.
        raise ValueError(f"schedule {schedule!r}: restrict the day of month or the day of week, not both")
    return LocalCronTrigger(
        minute=minute,
        hour=hour,
        day=day if day != "?" else "*",
        month=month,
        day_of_week=day_of_week_field(dow),
        timezone=ZoneInfo(timezone),
    )


def next_fire(trigger: CronTrigger, after: dt.datetime) -> dt.datetime | None:
    """Return the trigger's first fire time strictly after `after`, in UTC."""
    fire: dt.datetime | None = trigger.get_next_fire_time(None, after.astimezone(dt.UTC) + dt.timedelta(seconds=1))
    # In UTC: local times in a gap or a repeated hour never compare equal across zones (PEP 495).
    return fire.astimezone(dt.UTC) if fire else None


class StateLock:
    """An exclusive lock file next to the state database: one scheduler (or `digest run`) per state store."""

    def __init__(self, state_path: Path) -> None:
        self.path = Path(f"{state_path}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise ConfigError naming the state file in use."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ConfigError(
                f"another briefbot process (pid in {self.path}) is already delivering digests with this state file;"
                " run one scheduler per state_path (use /digest now in chat while the bot runs)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Release the lock (the kernel also releases it if the process dies)."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class DigestService:
    """Runs every configured digest on its schedule inside the running loop; also serves preview and run_now."""

    label = "digests"

    def __init__(
        self,
        services: Services,
        *,
        posters: PosterFactory,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        """Set up the configured digests, posting through `posters` (each platform's, injected by the composition
        root); checkpoint is the crash tests' seam (see DeliveryEngine)."""
        self.services = services
        self.config = services.config
        self.clock = clock
        problems = []
        self.triggers: dict[str, CronTrigger] = {}
        for digest in self.config.digests:
            try:
                self.triggers[digest.name] = build_trigger(digest.schedule, digest.timezone)
            except ValueError as exc:
                problems.append(f"digests.{digest.name}.schedule: {exc}")
        if problems:
            raise ConfigError("\n".join(problems))
        self._own_client = client is None
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=10.0))
        self.state = StateStore(self.config.state_path, clock=clock)
        self.engine = DeliveryEngine(
            self.config,
            self.state,
            self.client,
            posters=posters,
            alert=services.alert_admins,
            clock=clock,
            sleep=sleep,
            checkpoint=checkpoint,
            settling=services.store.settling_ids,
        )
        self.lock = StateLock(self.config.state_path)
        services.metrics.watch_digests(self.config.state_path, lambda: len(self.engine.http.waits))
        self.scheduler: AsyncIOScheduler | None = None
        self._busy = asyncio.Lock()
        self._startup: asyncio.Task[None] | None = None

    def not_ready(self) -> str | None:
        """Return None while the scheduler runs, else why not."""
        return None if self.scheduler is not None and self.scheduler.running else "scheduler not running"

    def names(self) -> list[str]:
        """Return the configured digest names."""
        return [d.name for d in self.config.digests]

    def _digest(self, name: str) -> DigestConfig:
        try:
            return self.engine.digest(name)
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"no digest named {name!r} (configured: {known})") from None

    def preview(self, name: str) -> Answer:
        """Return what digest `name` would post now to its targets, changing nothing."""
        digest = self._digest(name)
        catalog = self.services.store.catalog
        seen: dict[str, Any] = {}
        new, changed, notes = [], [], []
        changes: dict[str, str] = {}  # what changed, against the first target's last version that says so
        first = False
        for target in digest.targets:
            _, tid = target_id(target)
            state = self.state.target(name, tid)
            if state and state.disabled_at:
                notes.append(f"{tid}: disabled ({state.disabled_reason})")
                continue
            selection = self.engine.selection(catalog, digest, tid)
            first = first or selection.first
            notes.append(
                f"{tid}: {len(selection.dialogues)} brief(s)" if not selection.empty else f"{tid}: nothing new"
            )
            for d in selection.new:
                if d.id not in seen:
                    seen[d.id] = d
                    new.append(d)
            for d in selection.changed:
                if d.id not in seen:
                    seen[d.id] = d
                    changed.append(d)
            for did, note in selection.changes.items():
                changes.setdefault(did, note)
        answer = compose(digest, Selection(new=tuple(new), changed=tuple(changed), first=first, changes=changes))
        intro = f"Preview of digest {name} (nothing posted). {answer.intro} Targets: " + "; ".join(notes) + "."
        return Answer(AnswerKind.DIGEST, answer.title, intro, answer.items, refs=answer.refs)

    async def run_now(self, name: str) -> Answer:
        """Post digest `name` now to every target, record it, and report what happened."""
        self._digest(name)
        async with self._busy:
            catalog = self.services.store.catalog
            outcomes = await self.engine.run(catalog, name)
        if any(o.status == "pending" for o in outcomes) and self.scheduler is not None and self.scheduler.running:
            # An outage outlasted the retries: finish the recorded delivery soon, not at the next scheduled time.
            when = self.clock() + dt.timedelta(seconds=RETRY_PENDING_AFTER)
            self.scheduler.add_job(
                self.run_scheduled, "date", run_date=when, args=[name], id=f"retry:{name}", replace_existing=True
            )
        return outcome_answer(name, outcomes)

    async def run_scheduled(self, name: str) -> None:
        """Run a digest from its schedule (the APScheduler job); never raises."""
        try:
            answer = await self.run_now(name)
            log.info("digest %s ran: %s", name, answer.intro)
        except Exception:
            log.exception("digest %s failed", name)

    def next_run(self, name: str, now: dt.datetime | None = None) -> dt.datetime | None:
        """Return the next scheduled time of a digest."""
        return next_fire(self.triggers[name], now or self.clock())

    def missed(self, name: str, now: dt.datetime | None = None) -> bool:
        """Whether a scheduled time passed since the digest last ran (or was first seen) while nothing ran it."""
        now = now or self.clock()
        since = self.state.last_run(name) or self.state.first_seen(name)
        fire = next_fire(self.triggers[name], since)
        return fire is not None and fire <= now

    async def catch_up(self) -> list[str]:
        """Finish interrupted deliveries, then run once every digest whose scheduled time passed while down."""
        async with self._busy:
            await self.engine.reconcile()
        ran = []
        for name in self.names():
            if self.missed(name):
                log.info("digest %s missed its scheduled time while briefbot was down; running it once now", name)
                await self.run_scheduled(name)
                ran.append(name)
        return ran

    async def start(self) -> None:
        """Lock the state store, schedule every digest and start catching up in the background."""
        self.lock.acquire()
        for name in self.names():
            self.state.first_seen(name)
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        for name, trigger in self.triggers.items():
            self.scheduler.add_job(
                self.run_scheduled,
                trigger=trigger,
                args=[name],
                id=f"digest:{name}",
                name=f"digest {name}",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=MISFIRE_GRACE,
            )
        self.scheduler.start()
        self._startup = asyncio.create_task(self._catch_up_safely(), name="digest-catch-up")
        log.info("digest scheduler started with %d digest(s)", len(self.triggers))

    async def _catch_up_safely(self) -> None:
        try:
            await self.catch_up()
        except Exception:
            log.exception("digest catch-up failed")

    async def close(self) -> None:
        """Stop the scheduler, wait for nothing, close connections and release the lock."""
        if self._startup is not None and not self._startup.done():
            self._startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._startup
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down via call_soon
        self.scheduler = None
        if self._own_client:
            await self.client.aclose()
        self.state.close()
        self.lock.release()

    def status(self) -> list[DigestStatus]:
        """Return last and next run per digest, and per target its state and last delivery."""
        out = []
        for digest in self.config.digests:
            targets = []
            for target in digest.targets:
                _kind, tid = target_id(target)
                state = self.state.target(digest.name, tid)
                last = self.state.last_delivery(digest.name, tid)
                delivered = self.state.delivered_versions(digest.name, tid) or {}
                unfinished = [d for d in self.state.unfinished(digest.name) if d.target == tid]
                targets.append(
                    TargetStatus(
                        tid,
                        state.disabled_reason if state and state.disabled_at else None,
                        last.updated_at if last else None,
                        last.status if last else None,
                        last.outcome if last else None,
                        len(delivered),
                        len(unfinished),
                    )
                )
            out.append(
                DigestStatus(
                    digest.name,
                    digest.schedule,
                    digest.timezone,
                    self.state.last_run(digest.name),
                    self.state.last_outcome(digest.name),
                    self.next_run(digest.name),
                    tuple(targets),
                )
            )
        return out


def outcome_answer(name: str, outcomes: list[TargetOutcome]) -> Answer:
    """Return a neutral report of a digest run, one item per target."""
    posted = sum(1 for o in outcomes if o.status == "posted")
    items = []
    for o in outcomes:
        fields = [("Status", o.status), ("Briefs", str(o.items))]
        if o.parts:
            fields.append(("Messages", str(o.parts)))
        if o.detail:
            fields.append(("Detail", o.detail))
        items.append(Item(heading=o.target, fields=tuple(fields)))
    ok = all(o.status in {"posted", "nothing", "recorded"} for o in outcomes)
    intro = f"Posted to {posted} of {len(outcomes)} target(s)."
    return Answer(AnswerKind.DIGEST, f"Digest {name}", intro, tuple(items), ok=ok)
