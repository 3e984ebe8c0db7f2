"""`briefbot digest preview|run|status|enable`: digests from the command line."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.answer import Answer, AnswerKind
from bot.digest.questions import DigestQuestion, answer_digest
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.digest.delivery import Checkpoint
    from bot.digest.schedule import DigestService
    from bot.services import DigestStatus


def _service(args: argparse.Namespace, checkpoint: Checkpoint | None = None) -> DigestService:
    """Build the digest service of the config named by args (the command line's composition root)."""
    from bot.adapters import digest_posters
    from bot.config import load_config
    from bot.digest.schedule import DigestService
    from bot.index.store import BriefStore
    from bot.services import Services

    config = load_config(args.config)
    store = BriefStore(config.briefs_dir, settle=config.settle_seconds)
    for _ in range(5):  # a brief still being written is waited for, not left for the next period
        if not store.load().pending:
            break
        time.sleep(config.settle_seconds)
    services = Services(config=config, store=store)

    async def to_stderr(text: str) -> None:
        print(f"admin alert: {text}", file=sys.stderr)

    services.admin_alerts.append(to_stderr)
    return DigestService(services, posters=digest_posters(config), checkpoint=checkpoint)


def _check_name(service: DigestService, name: str) -> None:
    if name not in service.names():
        raise ConfigError(f"no digest named {name!r} (configured: {', '.join(service.names()) or 'none'})")


class _LockedRunner:
    """The digest service as a console's runner: posting now takes the state lock first, as `digest run` does."""

    def __init__(self, service: DigestService) -> None:
        self.service = service

    def names(self) -> list[str]:
        """Return the configured digest names."""
        return list(self.service.names())

    def preview(self, name: str) -> Answer:
        """Return what digest `name` would post now, changing nothing."""
        return self.service.preview(name)

    def status(self) -> list[DigestStatus]:
        """Return every digest's status."""
        return list(self.service.status())

    async def run_now(self, name: str) -> Answer:
        """Post digest `name` now (refused while the bot's scheduler holds the state)."""
        self.service.lock.acquire()
        return await self.service.run_now(name)


def console_digests(args: argparse.Namespace) -> Callable[[DigestQuestion], Answer]:
    """Return how the console answers a digest question: with the digests of --config, else saying there are none."""

    def answer(question: DigestQuestion) -> Answer:
        async def go() -> Answer:
            if not getattr(args, "config", None):
                return await answer_digest(None, question, admin=True)
            try:
                service = _service(args)
            except ConfigError as exc:
                return Answer(AnswerKind.ERROR, "Digests unavailable", str(exc), ok=False)
            try:
                return await answer_digest(_LockedRunner(service), question, admin=True)
            except ConfigError as exc:
                return Answer(AnswerKind.ERROR, "Digest not posted", str(exc), ok=False)
            finally:
                await service.close()

        return asyncio.run(go())

    return answer


def cmd_preview(args: argparse.Namespace) -> int:
    """Print what a digest would post now, changing nothing."""
    from bot.adapters.console import render_text

    async def go() -> int:
        service = _service(args)
        try:
            _check_name(service, args.name)
            sys.stdout.write(render_text(service.preview(args.name)))
        finally:
            await service.close()
        return 0

    return asyncio.run(go())


def cmd_run(args: argparse.Namespace, checkpoint: Checkpoint | None = None) -> int:
    """Post a digest now to every target and record it (refused while the bot's scheduler holds the state).

    checkpoint, a seam for crash tests, is called at each step of the delivery protocol.
    """
    from bot.adapters.console import render_text

    async def go() -> int:
        service = _service(args, checkpoint)
        try:
            _check_name(service, args.name)
            service.lock.acquire()
            answer = await service.run_now(args.name)
            sys.stdout.write(render_text(answer))
            return 0 if answer.ok else 1
        finally:
            await service.close()

    return asyncio.run(go())


def _when(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "never"


def cmd_status(args: argparse.Namespace) -> int:
    """Print last and next run per digest, and per target its last delivery and any failure."""

    async def go() -> int:
        service = _service(args)
        try:
            rows = service.status()
        finally:
            await service.close()
        if not rows:
            print("No digests are configured.")
        for row in rows:
            nxt = "never"
            if row.next_run:
                local = row.next_run.astimezone(ZoneInfo(row.timezone))
                nxt = f"{local.isoformat(timespec='minutes')} ({row.next_run.astimezone(dt.UTC):%H:%M} UTC)"
            print(f"{row.name}: '{row.schedule}' {row.timezone}; last run {_when(row.last_run)}; next {nxt}")
            for t in row.targets:
                state = f"DISABLED ({t.disabled})" if t.disabled else "enabled"
                last = f"{t.last_status} at {_when(t.last_at)}" if t.last_status else "nothing delivered yet"
                extra = f"; {t.unfinished} unfinished" if t.unfinished else ""
                outcome = f" — {t.last_outcome}" if t.last_outcome and t.last_status != "posted" else ""
                print(f"  {t.target}: {state}; last {last}{outcome}; {t.briefs_delivered} brief(s) delivered{extra}")
        return 0

    return asyncio.run(go())


def cmd_enable(args: argparse.Namespace) -> int:
    """Enable the disabled targets of a digest again (after fixing the webhook or channel)."""

    async def go() -> int:
        service = _service(args)
        try:
            _check_name(service, args.name)
            count = service.state.enable_targets(args.name)
        finally:
            await service.close()
        print(f"{count} target(s) of {args.name} enabled again.")
        return 0

    return asyncio.run(go())


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `briefbot digest ...` to the command line."""
    parser = subparsers.add_parser("digest", help="preview, post or inspect scheduled digests")
    sub = parser.add_subparsers(dest="digest_command", required=True, metavar="ACTION")
    for name, func, help_text, needs_name in (
        ("preview", cmd_preview, "show what a digest would post now (changes nothing)", True),
        ("run", cmd_run, "post a digest now to every target and record it", True),
        ("status", cmd_status, "last and next run per digest, and per target", False),
        ("enable", cmd_enable, "enable a digest's disabled targets again", True),
    ):
        p = sub.add_parser(name, help=help_text)
        if needs_name:
            p.add_argument("name", help="digest name from the config")
        p.add_argument("--config", default="config.yaml", help="config file (default ./config.yaml)")
        p.set_defaults(func=func)
