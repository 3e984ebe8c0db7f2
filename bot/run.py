"""`briefbot run`: the Discord bot, the Slack app and the digest scheduler in one process and event loop."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from pathlib import Path

from bot.config import BotConfig, load_config
from bot.errors import BriefbotError
from bot.index.store import BriefStore, LoadReport
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
        from bot.digest.schedule import DigestService

        digests = DigestService(services)
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
    """Run every configured surface until stop is set (or SIGTERM/SIGINT); return the exit code."""
    stop = stop or asyncio.Event()
    store = BriefStore(config.briefs_dir, settle=config.settle_seconds)
    report = await asyncio.to_thread(store.load)
    log.info("loaded %d brief(s), %d problem(s)", len(store.catalog), len(report.errors))
    services = Services(config=config, store=store)
    services.recheck_later(report)
    surfaces = build_surfaces(services)
    if not surfaces:
        raise BriefbotError(
            "nothing to run: configure discord, slack or digests (for offline answers use `briefbot ask`)"
        )
    background: set[asyncio.Task[object]] = set()

    def reload_now() -> None:
        task = asyncio.get_running_loop().create_task(services.reload())
        background.add(task)
        task.add_done_callback(background.discard)

    install_signal_handlers(stop, reload_now)
    started: list[Surface] = []
    code = 0
    try:
        for surface in surfaces:
            await surface.start()
            started.append(surface)
            log.info("%s started", type(surface).__name__)
        if config.watch_briefs:
            watcher = asyncio.create_task(watch_briefs(services, stop))
            background.add(watcher)
        await stop.wait()
        log.info("shutting down")
    except BriefbotError as exc:
        log.error("%s", exc)
        code = 1
    finally:
        stop.set()
        for surface in reversed(started):
            try:
                await asyncio.wait_for(surface.close(), timeout=CLOSE_TIMEOUT_SECONDS)
            except Exception:
                log.exception("%s did not close cleanly", type(surface).__name__)
        for task in list(background):
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
    return code


def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot from a config file."""
    config = load_config(args.config)
    logging.getLogger().setLevel(args.log_level or config.log_level)
    return asyncio.run(serve(config))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `briefbot run` to the command line."""
    p = sub.add_parser("run", help="run the Discord bot, Slack app and digest scheduler from a config file")
    p.add_argument("--config", required=True, type=Path, help="config file (see config.example.yaml)")
    p.set_defaults(func=cmd_run, default_log_level="INFO")
