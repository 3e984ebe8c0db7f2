"""The core (everything outside bot/adapters) imports no platform library; digest scheduling alone uses APScheduler."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT

PLATFORM = ("discord", "slack_bolt", "slack_sdk", "aiohttp", "apscheduler")
LOADED_BY = """
import importlib, json, pkgutil, sys
skip = {"bot.adapters", "bot.__main__", "bot.run", "bot.cli", "bot.digest.schedule", "bot.digest.cli"}
todo = ["bot"]
while todo:
    package = importlib.import_module(todo.pop())
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name not in skip:
            (todo.append if info.ispkg else importlib.import_module)(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def test_core_imports_no_platform_library() -> None:
    """Importing every core module loads no discord, slack, aiohttp or apscheduler module."""
    done = subprocess.run([sys.executable, "-c", LOADED_BY], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert [m for m in loaded if m.split(".")[0] in PLATFORM] == []
