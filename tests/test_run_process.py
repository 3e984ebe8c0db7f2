"""`briefbot run` as a real process: serves Slack over HTTP, reloads on SIGHUP, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.adapters.slack_app.helpers import BOT_TOKEN, SECRET, FakeSlack, all_text, signed_headers, slash_body

from .conftest import BRIEFS_DIR


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_for_port(port: int, proc: asyncio.subprocess.Process) -> None:
    """Wait until the process accepts connections on port (fail fast if it exits)."""
    for _ in range(400):
        if proc.returncode is not None:
            raise AssertionError("briefbot run exited early")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise AssertionError("briefbot run did not start listening")


async def ask(session: aiohttp.ClientSession, port: int, fake: FakeSlack, text: str) -> str:
    """Send a signed `/brief` command and return the text of the reply posted to response_url."""
    body = slash_body("/brief", text, "UUSER01", fake.response_url())
    url = f"http://127.0.0.1:{port}/slack/events"
    async with session.post(url, data=body.encode(), headers=signed_headers(body)) as resp:
        assert resp.status == 200
    return all_text(await fake.next_post())


async def test_run_serves_reloads_and_stops(tmp_path: Path) -> None:
    """One process answers over Slack, picks up an edited brief on SIGHUP and exits 0 on SIGTERM."""
    fake = FakeSlack()
    runner = await fake.start()
    briefs = tmp_path / "briefs"
    shutil.copytree(BRIEFS_DIR, briefs)
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"briefs_dir: {briefs}\nstate_path: {tmp_path / 'state.db'}\nwatch_briefs: false\nlog_level: INFO\n"
        "slack:\n  bot_token: ${SLACK_BOT_TOKEN}\n  signing_secret: ${SLACK_SIGNING_SECRET}\n"
        f"  host: 127.0.0.1\n  port: {port}\n  api_base_url: {fake.api_url}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await wait_for_port(port, proc)
        async with aiohttp.ClientSession() as session:
            assert "Sohail Mahmood" in await ask(session, port, fake, "who Sohail Mahmood")
            brief = briefs / "issi-iras-dialogue-2025-07-29.yaml"
            brief.write_text(
                brief.read_text(encoding="utf-8").replace(
                    "title: Iran-Pakistan Relations in the Context of New Regional Developments",
                    "title: Renamed For The Reload Test",
                ),
                encoding="utf-8",
            )
            proc.send_signal(signal.SIGHUP)
            for _ in range(100):
                if "Renamed For The Reload Test" in await ask(session, port, fake, "dialogue latest"):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("SIGHUP did not reload the edited brief")
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await runner.cleanup()
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert "shutting down" in log
    assert BOT_TOKEN not in log and SECRET not in log
