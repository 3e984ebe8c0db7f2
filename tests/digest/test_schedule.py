"""Cron schedules in local time (DST, no-DST zones, crontab day numbers) and catch-up after downtime."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.adapters import digest_posters
from bot.config import load_config
from bot.digest.schedule import DigestService, build_trigger, day_of_week_field, next_fire
from bot.errors import ConfigError
from bot.index.store import BriefStore
from bot.services import Services
from tests.digest.fakes import FakePlatforms, write_briefs, write_config

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """Return an aware UTC datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("1", "mon"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("sat,sun", "sat,sun"),
        ("fri-mon", "mon,fri,sat,sun"),
        ("*/2", "tue,thu,sat,sun"),
        ("*", "*"),
    ],
)
def test_crontab_day_numbers_become_names(field: str, names: str) -> None:
    """Crontab day-of-week fields (Sunday = 0 or 7) are converted, not read with APScheduler's Monday = 0."""
    assert day_of_week_field(field) == names


def test_numeric_monday_fires_on_monday() -> None:
    """'0 9 * * 1' fires on a Monday, as in crontab (APScheduler alone would pick Tuesday)."""
    fire = next_fire(build_trigger("0 9 * * 1", "UTC"), at(2025, 7, 2))
    assert fire is not None and fire.strftime("%A %H:%M") == "Monday 09:00"


def test_karachi_nine_is_four_utc() -> None:
    """09:00 Asia/Karachi is 04:00 UTC all year."""
    trigger = build_trigger("0 9 * * mon", "Asia/Karachi")
    assert next_fire(trigger, at(2025, 1, 1)) == at(2025, 1, 6, 4)
    assert next_fire(trigger, at(2025, 7, 1)) == at(2025, 7, 7, 4)


def test_tehran_has_no_dst_since_2022() -> None:
    """09:00 Asia/Tehran is 05:30 UTC in both winter and summer (Iran dropped DST in 2022)."""
    trigger = build_trigger("0 9 * * sat", "Asia/Tehran")
    assert next_fire(trigger, at(2025, 1, 1)) == at(2025, 1, 4, 5, 30)
    assert next_fire(trigger, at(2025, 7, 1)) == at(2025, 7, 5, 5, 30)


def test_london_spring_forward_keeps_local_nine() -> None:
    """Sunday 09:00 Europe/London is 09:00 UTC before the March change and 08:00 UTC on its day."""
    trigger = build_trigger("0 9 * * sun", "Europe/London")
    assert next_fire(trigger, at(2025, 3, 17)) == at(2025, 3, 23, 9)
    assert next_fire(trigger, at(2025, 3, 24)) == at(2025, 3, 30, 8)


def test_london_missing_hour_fires_once_later() -> None:
    """01:30 does not exist on 30 March 2025 in London; the run happens once, an hour later (02:30 BST)."""
    trigger = build_trigger("30 1 * * *", "Europe/London")
    first = next_fire(trigger, at(2025, 3, 29, 12))
    assert first == at(2025, 3, 30, 1, 30)
    assert next_fire(trigger, first) == at(2025, 3, 31, 0, 30)


def test_london_repeated_hour_fires_once() -> None:
    """01:30 happens twice on 26 October 2025 in London; the digest runs only at the first one."""
    trigger = build_trigger("30 1 * * *", "Europe/London")
    first = next_fire(trigger, at(2025, 10, 25, 12))
    assert first == at(2025, 10, 26, 0, 30)
    assert next_fire(trigger, first) == at(2025, 10, 27, 1, 30)


@pytest.mark.parametrize("bad", ["0 9 * *", "0 9 1 * mon", "0 9 * * funday", "0 9 * * 8"])
def test_bad_schedules_are_refused(bad: str) -> None:
    """Wrong field counts, day-of-month AND day-of-week, and unknown days are errors."""
    with pytest.raises(ValueError):
        build_trigger(bad, "UTC")


class Clock:
    """A settable clock."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def service(site: Path, fake: FakePlatforms, clock: Clock) -> DigestService:
    """Return a DigestService for digest 'weekly' (Mondays 09:00 Karachi) posting to a Discord webhook."""
    write_briefs(site / "briefs", 2, long=False)
    config = load_config(write_config(site / "config.yaml", fake, [{"discord_webhook": fake.webhook_url()}]), env={})
    services = Services(config=config, store=BriefStore(config.briefs_dir))
    return DigestService(services, posters=digest_posters(config), clock=clock)


async def test_catch_up_runs_once_after_missed_time(fake: FakePlatforms, site: Path) -> None:
    """Down over Monday 09:00 Karachi, the digest runs once on start; a second start runs nothing more."""
    clock = Clock(at(2025, 7, 4))  # Friday: the digest is first seen
    svc = service(site, fake, clock)
    try:
        svc.state.first_seen("weekly")
        assert await svc.catch_up() == []
        clock.now = at(2025, 7, 14, 6)  # missed Mon 7 and Mon 14 04:00 UTC: one catch-up run, not two
        assert svc.missed("weekly")
        assert await svc.catch_up() == ["weekly"]
        assert len(fake.webhook_posts) == 1
        assert await svc.catch_up() == []
    finally:
        await svc.close()


async def test_scheduled_job_registered_with_coalesce_and_grace(fake: FakePlatforms, site: Path) -> None:
    """start() registers one job per digest with an explicit id, coalescing and a generous misfire grace."""
    svc = service(site, fake, Clock(at(2025, 7, 4)))
    try:
        await svc.start()
        assert svc.scheduler is not None
        job = svc.scheduler.get_job("digest:weekly")
        assert job.coalesce is True and job.misfire_grace_time >= 3600 and job.max_instances == 1
    finally:
        await svc.close()


async def test_second_scheduler_on_same_state_is_refused(fake: FakePlatforms, site: Path) -> None:
    """Only one process may schedule digests per state store: the lock file refuses a second one."""
    first = service(site, fake, Clock(at(2025, 7, 4)))
    second = service(site, fake, Clock(at(2025, 7, 4)))
    try:
        await first.start()
        with pytest.raises(ConfigError, match="one scheduler per state_path"):
            second.lock.acquire()
    finally:
        await first.close()
        await second.close()


async def test_triggering_job_directly_posts_digest(fake: FakePlatforms, site: Path) -> None:
    """Calling the job function posts the digest and records the run time from the injected clock."""
    clock = Clock(at(2025, 7, 7, 4))
    svc = service(site, fake, clock)
    try:
        await svc.run_scheduled("weekly")
        assert len(fake.webhook_posts) == 1
        assert svc.state.last_run("weekly") == clock.now
        assert svc.next_run("weekly") == at(2025, 7, 14, 4)
    finally:
        await svc.close()


async def test_outage_schedules_a_retry_job(fake: FakePlatforms, site: Path) -> None:
    """When every attempt fails, a one-off retry job is scheduled instead of waiting for next week."""
    from bot.digest.delivery import Http
    from tests.digest.fakes import Failure

    svc = service(site, fake, Clock(at(2025, 7, 7, 4)))
    svc.engine.http = Http(svc.client, sleep=lambda s: _no_wait(), attempts=2)
    fake.fail["webhook_post"] = [Failure(503), Failure(503)]
    try:
        await svc.start()
        answer = await svc.run_now("weekly")
        assert not answer.ok
        assert svc.scheduler is not None and svc.scheduler.get_job("retry:weekly") is not None
    finally:
        await svc.close()


async def _no_wait() -> None:
    return None
