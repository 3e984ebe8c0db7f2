"""Benchmark: time from INTERACTION_CREATE sent by the fake gateway to the interaction callback received.

Run on demand from the repository root:  .venv/bin/python bench/discord_latency.py [-n 1000] [--command who]
It starts the local fake Discord used by the tests, connects the real DiscordSurface to it over 127.0.0.1,
sends the interactions one at a time and prints p50/p95/max in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--command", choices=sorted(COMMANDS), default="who")
    args = parser.parse_args()
    times = sorted(asyncio.run(run(args.n, args.command)))
    q = statistics.quantiles(times, n=100)
    print(f"{args.command}: n={len(times)} p50={q[49]:.2f} ms p95={q[94]:.2f} ms max={times[-1]:.2f} ms")


if __name__ == "__main__":
    main()
