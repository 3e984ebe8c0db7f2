"""Benchmark: time from INTERACTION_CREATE sent by the fake gateway to the interaction callback received.

Run on demand from the repository root:  .venv/bin/python bench/discord_latency.py [-n 1000] [--command who]
It starts the local fake Discord used by the tests, connects the real DiscordSurface to it over 127.0.0.1,
sends the interactions one at a time and prints p50/p95/max in milliseconds.

Load:  .venv/bin/python bench/discord_latency.py --burst 1000 --rate 100 [--big]
sends `/who` at a steady rate (not waiting for answers) from a fake Discord running on its own thread and event
loop, against the shipped briefs plus (--big) one valid 0.9 MB brief (45 positions of 20,000 characters) by the
person asked about. It reports how many interactions got their callback (an answer or a deferral) within
Discord's 3 seconds, the latency of the answered ones, and how many deferred answers were edited in.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.discord_app import DiscordSurface  # noqa: E402
from bot.config import BotConfig, DiscordConfig  # noqa: E402
from bot.index.store import BriefStore  # noqa: E402
from bot.services import Services  # noqa: E402
from tests.adapters.discord_app.fake_discord import FakeDiscord  # noqa: E402
from tests.adapters.discord_app.helpers import command_data  # noqa: E402

COMMANDS = {
    "help": command_data("help"),
    "who": command_data("who", name="Sohail Mahmood"),
    "latest": command_data("dialogue", "latest"),
    "search": command_data("search", query="Afghanistan"),
    "autocomplete": command_data("who", focused="name", name="Mah"),
}


async def run(n: int, command: str) -> list[float]:
    """Send n interactions one after another; return each latency in milliseconds."""
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory() as state:
        config = BotConfig(
            briefs_dir=ROOT / "briefs",
            state_path=Path(state) / "state.db",
            discord=DiscordConfig(
                token="bench-token",  # type: ignore[arg-type]
                api_base_url=fake.base,
                gateway_url=fake.gateway,
            ),
        )
        surface = DiscordSurface(Services(config=config, store=BriefStore(config.briefs_dir)))
        await surface.start()
        await fake.identified.wait()
        kind = 4 if command == "autocomplete" else 2
        out: list[float] = []
        try:
            for _ in range(n):
                payload = fake.interaction(kind, COMMANDS[command])
                token = payload["token"]
                sent = time.perf_counter()
                await fake.dispatch("INTERACTION_CREATE", payload)
                call = await fake.wait_for(lambda c, t=token: c.path.endswith(f"/{t}/callback"))
                out.append((call.at - sent) * 1000)
                fake.calls.clear()
                fake.messages.clear()
        finally:
            await surface.close()
            await fake.close()
    return out


BIG_PERSON = "Omid Karimi"


def big_brief() -> dict[str, Any]:
    """Return a valid brief of about 0.9 MB: 45 positions of 20,000 characters by one person."""
    sentence = "The delegation set out its view on regional connectivity, trade corridors and water. "
    text = (sentence * (20_000 // len(sentence) + 1))[:20_000].rsplit(" ", 1)[0] + "."
    return {
        "id": "big-dialogue",
        "title": "A very large dialogue",
        "kind": "roundtable",
        "date": "2025-12-01",
        "status": "published",
        "organizers": [{"name": "Example Institute", "acronym": "EXI", "country": "Pakistan"}],
        "moderators": ["Zara Ahmed"],
        "participants": [
            {"name": "Zara Ahmed", "honorific": "Dr.", "role": "Director", "affiliation": "EXI"},
            {"name": BIG_PERSON, "honorific": "Mr.", "role": "Fellow", "affiliation": "Tehran Forum"},
        ],
        "positions": [{"by": [BIG_PERSON], "topic": f"Topic {i}", "summary": text} for i in range(45)],
    }


class FakeOnThread:
    """The fake Discord on its own thread and event loop, as a separate server would be."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-discord", daemon=True)
        self.thread.start()
        self.fake = FakeDiscord()
        self.call(self.fake.start())

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the fake's loop and wait for it (from another thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def acall(self, coro: Any) -> Any:
        """Run a coroutine on the fake's loop and await it from the caller's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def close(self) -> None:
        """Stop the fake and its loop."""
        self.call(self.fake.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


async def burst(n: int, rate: float, big: bool) -> None:
    """Send n `/who` at `rate` per second without waiting for answers; print the figures and exit."""
    server = FakeOnThread()
    fake = server.fake
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "briefs"
        shutil.copytree(ROOT / "briefs", folder)
        if big:
            (folder / "big-dialogue.yaml").write_text(yaml.safe_dump(big_brief(), sort_keys=False), encoding="utf-8")
        config = BotConfig(
            briefs_dir=folder,
            state_path=Path(tmp) / "state.db",
            discord=DiscordConfig(
                token="bench-token",  # type: ignore[arg-type]
                api_base_url=fake.base,
                gateway_url=fake.gateway,
            ),
        )
        store = BriefStore(config.briefs_dir)
        store.load()
        surface = DiscordSurface(Services(config=config, store=store))
        await surface.start()
        await server.acall(fake.identified.wait())
        data = command_data("who", name=BIG_PERSON if big else "Sohail Mahmood")
        planned: dict[str, float] = {}
        start = time.perf_counter() + 0.5
        try:
            for i in range(n):
                when = start + i / rate
                delay = when - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                late = max(0.0, time.perf_counter() - when)
                payload = fake.interaction(2, data, age=late)  # created when planned, however late we are
                planned[payload["token"]] = when
                asyncio.run_coroutine_threadsafe(fake.dispatch("INTERACTION_CREATE", payload), server.loop)
            end = start + n / rate
            while time.perf_counter() < end + 20:
                answered = {c.path.split("/")[-2] for c in list(fake.calls) if c.path.endswith("/callback")}
                edits = sum(1 for c in list(fake.calls) if c.method == "PATCH" and "@original" in c.path)
                deferred = sum(
                    1 for c in list(fake.calls) if c.path.endswith("/callback") and (c.body or {}).get("type") == 5
                )
                if len(answered) >= n and edits >= deferred:
                    break
                await asyncio.sleep(0.25)
        finally:
            # the figures are taken; with an unbounded backlog (the old code) closing waits for it, so exit now
            print(json.dumps(figures(fake, planned, n, rate, big), indent=2), flush=True)
            os._exit(0)


def figures(fake: FakeDiscord, planned: dict[str, float], n: int, rate: float, big: bool) -> dict[str, Any]:
    """Return the load figures from the calls the fake recorded."""
    first: dict[str, tuple[float, int]] = {}
    for c in fake.calls:
        if c.path.endswith("/callback"):
            token = c.path.split("/")[-2]
            if token in planned and token not in first:
                first[token] = (c.at - planned[token], int((c.body or {}).get("type", 0)))
    in_time = [t for t, _ in first.values() if t <= 3.0]
    answered = sorted(t for t, kind in first.values() if kind == 4 and t <= 3.0)
    deferred = sum(1 for t, kind in first.values() if kind == 5 and t <= 3.0)
    edits = sum(1 for c in fake.calls if c.method == "PATCH" and "@original" in c.path)
    q = statistics.quantiles(answered, n=100) if len(answered) > 1 else [answered[0] if answered else 0.0] * 99
    return {
        "sent": n,
        "rate_per_s": rate,
        "big_brief": big,
        "answered_or_deferred_within_3s": len(in_time),
        "share_within_3s": len(in_time) / n,
        "answered_directly": len(answered),
        "deferred": deferred,
        "deferred_then_edited": edits,
        "late_or_never": n - len(in_time),
        "callbacks_after_3s_wasted": sum(1 for t, _ in first.values() if t > 3.0),
        "answered_p50_ms": round(q[49] * 1000, 1),
        "answered_p99_ms": round(q[98] * 1000, 1),
        "answered_max_ms": round((answered[-1] if answered else 0.0) * 1000, 1),
    }


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--command", choices=sorted(COMMANDS), default="who")
    parser.add_argument("--burst", type=int, help="send this many /who at --rate without waiting (load test)")
    parser.add_argument("--rate", type=float, default=100.0, help="interactions per second in --burst mode")
    parser.add_argument("--big", action="store_true", help="add a 0.9 MB brief by the person asked about")
    args = parser.parse_args()
    if args.burst:
        asyncio.run(burst(args.burst, args.rate, args.big))
        return
    times = sorted(asyncio.run(run(args.n, args.command)))
    q = statistics.quantiles(times, n=100)
    print(
        f"{args.command}: n={len(times)} p50={q[49]:.2f} ms p95={q[94]:.2f} ms p99={q[98]:.2f} ms"
        f" max={times[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
