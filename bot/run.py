"""`briefbot run`: the Discord bot, the Slack app and the digest scheduler in one process and event loop."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot.config import BotConfig, load_config
from bot.errors import BriefbotError
from bot.index.store import BriefStore, LoadReport
from bot.ops.health import Check, HealthServer
from bot.ops.logs import configure_logging
from bot.services import Services, Surface

log = logging.getLogger(__name__)

WATCH_INTERVAL_SECONDS = 2.0  # polling, when file events are unavailable
RESCAN_SECONDS = 300.0  # with file events: a full check after this long without any
CLOSE_TIMEOUT_SECONDS = 10.0


def build_surfaces(services: Services) -> list[Surface]:
    """Create the configured surfaces: digest scheduler first (chat commands use it), then Discord, Slack."""
    config = services.config
    surfaces: list[Surface] = []
    if config.digests:
        from bot.adapters import digest_posters
        from bot.digest.schedule import DigestService

        digests = DigestService(services, posters=digest_posters(config))
        services.digests = digests
        surfaces.append(digests)
    if config.discord:
        from bot.adapters.discord_app.client import DiscordSurface

        surfaces.append(DiscordSurface(services))
    if config.slack:
        from bot.adapters.slack_app import SlackSurface

        surfaces.append(SlackSurface(services))
    return surfaces


async def watch_briefs(
    services: Services,
    stop: asyncio.Event,
    interval: float = WATCH_INTERVAL_SECONDS,
    on_reload: Callable[[LoadReport], None] | None = None,
) -> None:
    """Reload briefs whose files change, until stop is set: from OS file events, else by polling the folder.

    on_reload, when given, receives the report of every reload the watcher makes.
    """
    try:
        await _watch_events(services, stop, on_reload)
    except ImportError:
        log.info("watchfiles is not installed; checking the briefs folder every %.0f s", interval)
    except Exception as exc:
        log.warning("file events unavailable (%s); checking the briefs folder every %.0f s", exc, interval)
    else:
        if stop.is_set():
            return
        log.warning("file events stopped; checking the briefs folder every %.0f s", interval)
    await poll_briefs(services, stop, interval, on_reload)


async def _watch_events(
    services: Services, stop: asyncio.Event, on_reload: Callable[[LoadReport], None] | None
) -> None:
    """Reload exactly the files that OS file events (watchfiles) name, until stop is set.

    A quiet spell of RESCAN_SECONDS also gets a full check, in case the OS dropped events.
    """
    from watchfiles import awatch

    folder = services.store.directory
    # a full check first: files may have changed between the first load and the watch being in place
    await _reload(services, None, on_reload)
    events = awatch(
        folder,
        stop_event=stop,
        recursive=False,
        debounce=1000,
        step=50,
        rust_timeout=int(RESCAN_SECONDS * 1000),
        yield_on_timeout=True,
    )
    async for changes in events:
        await _reload(services, [Path(path) for _, path in changes] if changes else None, on_reload)


async def poll_briefs(
    services: Services,
    stop: asyncio.Event,
    interval: float = WATCH_INTERVAL_SECONDS,
    on_reload: Callable[[LoadReport], None] | None = None,
) -> None:
    """Check the whole folder every interval seconds until stop is set (the store re-reads only changed files)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return
        await _reload(services, None, on_reload)


async def _reload(
    services: Services, changed: list[Path] | None, on_reload: Callable[[LoadReport], None] | None
) -> None:
    try:
        report = await services.reload(changed)
        if report.changed:
            log.info("briefs reloaded: %d read, %d removed", report.loaded, report.removed)
        if on_reload is not None:
            on_reload(report)
    except BriefbotError as exc:
        log.error("briefs folder unavailable, keeping the last good briefs: %s", exc)
    except Exception:
        log.exception("brief reload failed; keeping the last good briefs")


def install_signal_handlers(stop: asyncio.Event, on_hangup: Callable[[], None]) -> None:
    """SIGTERM/SIGINT stop the process cleanly; SIGHUP reloads briefs."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(AttributeError):  # no SIGHUP on Windows
        loop.add_signal_handler(signal.SIGHUP, on_hangup)


async def serve(config: BotConfig, stop: asyncio.Event | None = None) -> int:
    """Run every configured surface until stop is set (or SIGTERM/SIGINT); return the exit code.

    The exit code is 2 when every surface stopped for good (e.g. the only one, Discord, had its token rejected).
    """
    stop = stop or asyncio.Event()
    store = BriefStore(config.briefs_dir, settle=config.settle_seconds)
    services = Services(config=config, store=store)
    checks: dict[str, Check] = {"briefs": lambda: "loading"}
    health = HealthServer(config.health.host, config.health.port, services.metrics, checks) if config.health else None
    if health is not None:
        await health.start()  # first, so a long cold start already answers /healthz
    try:
        with services.metrics.counting_rate_limits():
            return await _serve(services, stop, checks)
    finally:
        if health is not None:
            await health.close()


async def _first_load(services: Services, checks: dict[str, Check]) -> None:
    """Load the briefs, warm the questions, count them and mark the briefs ready."""
    store = services.store
    began = time.perf_counter()
    report = await asyncio.to_thread(store.load)
    services.warm_questions()
    services.merge_text_index()
    services.metrics.loaded(len(store.catalog), len({e.path for e in store.errors()}), time.perf_counter() - began)
    checks["briefs"] = lambda: None
    log.info("loaded %d brief(s), %d problem(s)", len(store.catalog), len(report.errors))
    services.recheck_later(report)


async def _close(started: list[Surface], background: set[asyncio.Task[object]]) -> None:
    """Close the started surfaces, newest first, each within its timeout, then cancel the background tasks."""
    for surface in reversed(started):
        try:
            await asyncio.wait_for(surface.close(), timeout=CLOSE_TIMEOUT_SECONDS)
        except Exception:
            log.exception("%s did not close cleanly", type(surface).__name__)
    for task in list(background):
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)


async def _serve(services: Services, stop: asyncio.Event, checks: dict[str, Check]) -> int:
    config = services.config
    await _first_load(services, checks)
    surfaces = build_surfaces(services)
    if not surfaces:
        raise BriefbotError(
            "nothing to run: configure discord, slack or digests (for offline answers use `briefbot ask`)"
        )
    background: set[asyncio.Task[object]] = set()

    def spawn(coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        background.add(task)
        task.add_done_callback(background.discard)

    code = 0
    running = {surface_label(s) for s in surfaces}

    def give_up(name: str, reason: str) -> None:
        nonlocal code
        running.discard(name)
        if running:
            spawn(services.alert_admins(f"briefbot: {reason}. Still running: {', '.join(sorted(running))}."))
        else:
            log.error("no surface left running; exiting")
            code = 2
            stop.set()

    services.on_give_up = give_up
    install_signal_handlers(stop, lambda: spawn(services.reload()))
    started: list[Surface] = []
    try:
        for surface in surfaces:
            checks[surface_label(surface)] = getattr(surface, "not_ready", lambda: None)
            await surface.start()
            started.append(surface)
            log.info("%s started", type(surface).__name__)
        if config.watch_briefs:
            spawn(watch_briefs(services, stop))
        await stop.wait()
        log.info("shutting down")
    except BriefbotError as exc:
        log.error("%s", exc)
        code = 1
    finally:
        stop.set()
        await _close(started, background)
    return code


def surface_label(surface: Surface) -> str:
    """Return a surface's short name (discord, slack, digests) for readiness and messages."""
    return str(getattr(surface, "label", type(surface).__name__))


def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot from a config file."""
    config = load_config(args.config)
    configure_logging(args.log_level or config.log_level, config.log_format)
    return asyncio.run(serve(config))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `briefbot run` to the command line."""
    p = sub.add_parser("run", help="run the Discord bot, Slack app and digest scheduler from a config file")
    p.add_argument("--config", required=True, type=Path, help="config file (see config.example.yaml)")
    p.set_defaults(func=cmd_run, default_log_level="INFO")
