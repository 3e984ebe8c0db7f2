"""Crash-test driver: `python -m tests.digest.driver CONFIG NAME` = `briefbot digest run NAME --config CONFIG`
without importing the chat adapters (faster start-up, so the kill-and-restart matrix stays quick), with the crash
seam injected: BRIEFBOT_CRASH_AT=STEP[@TARGET] kills this process with SIGKILL at that step of the protocol."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from bot.digest.cli import cmd_run

CRASH_ENV = "BRIEFBOT_CRASH_AT"


def crash_point(step: str, target: str) -> None:
    """Kill this process at `step` (for targets starting with the given prefix) when BRIEFBOT_CRASH_AT asks."""
    want_step, _, want_target = os.environ.get(CRASH_ENV, "").partition("@")
    if want_step == step and (not want_target or target.startswith(want_target)):
        logging.getLogger(__name__).warning("crash injected at %s for %s", step, target)
        os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(cmd_run(argparse.Namespace(config=sys.argv[1], name=sys.argv[2]), checkpoint=crash_point))
