"""Crash-test driver: `python -m tests.digest.driver CONFIG NAME` = `briefbot digest run NAME --config CONFIG`
without importing the chat adapters (faster start-up, so the kill-and-restart matrix stays quick)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.digest.cli import cmd_run

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(cmd_run(argparse.Namespace(config=sys.argv[1], name=sys.argv[2])))
