"""`briefbot digest status` after a delivery: last and next run in the digest's time zone, per-target counts."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.digest.fakes import FakePlatforms
from tests.digest.test_crash import ROOT, env_hooks, run_digest, setup_site


async def test_status_after_run(fake: FakePlatforms, site: Path) -> None:
    """Status shows the next run in local time with UTC, and what each target received."""
    config = setup_site(site, fake)
    assert await run_digest(config, full_cli=True) == 0
    env = {**os.environ, "DISCORD_HOOK": env_hooks["discord"], "SLACK_HOOK": env_hooks["slack"]}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "digest", "status", "--config", str(config),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    head, *targets = out.decode().strip().splitlines()
    assert head.startswith("weekly:") and "UTC)" in head and "last run never" not in head
    assert len(targets) == 4
    assert all("enabled" in line and "14 brief(s) delivered" in line for line in targets), out.decode()
