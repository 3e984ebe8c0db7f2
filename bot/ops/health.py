"""GET /healthz (alive), /readyz (briefs loaded and every configured surface connected) and /metrics.

A small HTTP/1.1 server on asyncio streams: the core imports no web framework, and three GET routes need none.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST

from bot.errors import ConfigError
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

READ_TIMEOUT = 5.0
MAX_HEADER_LINES = 100
Check = Callable[[], str | None]  # None when ready, else why not


class Readiness(Protocol):
    """A surface that can say whether it is connected."""

    def not_ready(self) -> str | None:
        """Return None when connected and serving, else why not (one short phrase)."""
        ...


def readiness(checks: Mapping[str, Check]) -> tuple[bool, dict[str, str]]:
    """Run every check; return whether all pass and each one's 'ok' or reason."""
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            reason = check()
        except Exception as exc:  # a broken check means not ready, never a crashed endpoint
            reason = f"check failed ({type(exc).__name__})"
        results[name] = reason or "ok"
    return all(r == "ok" for r in results.values()), results


class HealthServer:
    """Serves /healthz, /readyz and /metrics on host:port (port 0 picks a free one, see .port)."""

    def __init__(self, host: str, port: int, metrics: Metrics, checks: Mapping[str, Check]) -> None:
        self.host = host
        self.port = port
        self.metrics = metrics
        self.checks = checks
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Start listening, or raise ConfigError naming the address."""
        try:
            self._server = await asyncio.start_server(self._serve, self.host, self.port)
        except OSError as exc:
            raise ConfigError(f"health: cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("health: serving /healthz, /readyz and /metrics on http://%s:%d", self.host, self.port)

    async def close(self) -> None:
        """Stop listening and close open connections."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    def respond(self, method: str, path: str) -> tuple[int, str, bytes]:
        """Return status, content type and body for a request."""
        if method not in {"GET", "HEAD"}:
            return 405, "text/plain; charset=utf-8", b"method not allowed\n"
        if path == "/healthz":
            return 200, "text/plain; charset=utf-8", b"ok\n"
        if path == "/readyz":
            ready, results = readiness(self.checks)
            body = json.dumps({"ready": ready, "checks": results}, sort_keys=True).encode() + b"\n"
            return (200 if ready else 503), "application/json", body
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, self.metrics.exposition()
        return 404, "text/plain; charset=utf-8", b"not found\n"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                request = (await reader.readline()).decode("latin-1").split()
                for _ in range(MAX_HEADER_LINES):
                    if (await reader.readline()) in {b"\r\n", b"\n", b""}:
                        break
            if len(request) != 3:
                status, kind, body = 400, "text/plain; charset=utf-8", b"bad request\n"
                method = "GET"
            else:
                method = request[0]
                status, kind, body = self.respond(method, request[1].split("?", 1)[0])
            head = (
                f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + (b"" if method == "HEAD" else body))
            await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):  # ValueError: a huge line
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


def check_health(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    """GET url (e.g. http://127.0.0.1:8080/healthz) and return whether it answered 200, and the first body line."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200, resp.read(200).decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}: {exc.read(200).decode('utf-8', 'replace').strip()}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"cannot reach {url}: {getattr(exc, 'reason', exc)}"
