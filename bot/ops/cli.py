"""`briefbot health` (a container health check) and `briefbot state backup|restore`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the config (pydantic) is imported only when a command runs: `briefbot ask` stays light
    from bot.config import BotConfig

LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def health_url(config: BotConfig, ready: bool) -> str | None:
    """Return the URL of the health (or readiness) endpoint a config serves, or None when it serves none."""
    if config.health is None:
        return None
    host = LOOPBACK.get(config.health.host, config.health.host)
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{config.health.port}/{'readyz' if ready else 'healthz'}"


def cmd_health(args: argparse.Namespace) -> int:
    """Check the running bot's /healthz (or /readyz): print one line, exit 0 when healthy, else 1."""
    from bot.config import load_config
    from bot.ops.health import check_health

    url = args.url or health_url(load_config(args.config, secrets=False), args.ready)
    if url is None:
        print("briefbot health: the config has no health: section; nothing to check")
        return 1
    ok, text = check_health(url, timeout=args.timeout)
    print(f"{'healthy' if ok else 'unhealthy'}: {url}: {text.splitlines()[0] if text else ''}")
    return 0 if ok else 1


def cmd_state(args: argparse.Namespace) -> int:
    """Back up or restore the delivery state named by the config's state_path."""
    from bot.config import load_config
    from bot.ops import state

    state_path = load_config(args.config, secrets=False).state_path
    if args.action == "backup":
        held = state.backup(state_path, Path(args.path))
        print(f"backed up {state_path} to {args.path}: {held}")
    else:
        held = state.restore(Path(args.path), state_path)
        print(f"restored {state_path} from {args.path}: {held}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `briefbot health` and `briefbot state`."""
    p = sub.add_parser("health", help="check a running briefbot's /healthz (exit 0 healthy, 1 not)")
    p.add_argument("--config", help="config file whose health: section to check")
    p.add_argument("--url", help="the URL to check instead, e.g. http://127.0.0.1:8080/healthz")
    p.add_argument("--ready", action="store_true", help="check /readyz (every configured surface connected)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait (default 5)")
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("state", help="back up or restore the digest delivery state (state_path)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    b = actions.add_parser("backup", help="copy the state to PATH; safe while the bot runs")
    b.add_argument("path", help="new file to write the copy to")
    b.add_argument("--config", required=True, help="config file naming state_path")
    r = actions.add_parser("restore", help="replace the state with the backup at PATH; stop the bot first")
    r.add_argument("path", help="a file written by `briefbot state backup`")
    r.add_argument("--config", required=True, help="config file naming state_path")
    p.set_defaults(func=cmd_state)
