"""Fetch one article over HTTP with httpx: timeouts, size cap, redirect limit, HTML/text only, clear errors."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

import httpx

from bot import __version__
from bot.errors import BriefbotError

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
USER_AGENT = f"briefbot/{__version__} (+https://github.com/briefbot; drafts Track-II dialogue briefs for review)"
ALLOWED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class FetchError(BriefbotError):
    """A source could not be fetched; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """The body of a fetched page and what the server said about it."""

    url: str
    final_url: str
    content_type: str
    text: str

    @property
    def is_html(self) -> bool:
        """Whether the body is an HTML page rather than plain text."""
        return self.content_type != "text/plain"


def make_client(timeout: float | httpx.Timeout = TIMEOUT, max_redirects: int = MAX_REDIRECTS) -> httpx.AsyncClient:
    """Return an AsyncClient with briefbot's User-Agent, redirects limited and proxies from the environment."""
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
        trust_env=True,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"},
    )


def _is_dns_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        text = str(seen).lower()
        if any(s in text for s in ("name or service not known", "nodename nor servname", "getaddrinfo", "no address")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _decode(body: bytes, response: httpx.Response) -> str:
    encoding = response.charset_encoding or "utf-8"
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


async def fetch(client: httpx.AsyncClient, url: str, *, max_bytes: int = MAX_BYTES) -> Fetched:
    """Fetch one URL with the injected client; raise FetchError with a clear message on any failure."""
    try:
        async with client.stream("GET", url) as response:
            if response.status_code >= 400:
                reason = response.reason_phrase or "error"
                kind = "client error" if response.status_code < 500 else "server error"
                raise FetchError(f"{url}: HTTP {response.status_code} {reason} ({kind})")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type not in ALLOWED_TYPES:
                shown = content_type or "none given"
                raise FetchError(f"{url}: content type {shown} is not HTML or plain text")
            length = response.headers.get("content-length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{url}: page is {int(length):,} bytes, more than the {max_bytes:,}-byte limit")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{url}: page is larger than the {max_bytes:,}-byte limit; stopped reading")
                chunks.append(chunk)
            body = b"".join(chunks)
            final = str(response.url)
            log.debug("fetched %s (%d bytes, %s)", final, size, content_type)
            return Fetched(url=url, final_url=final, content_type=content_type, text=_decode(body, response))
    except httpx.TooManyRedirects:
        raise FetchError(f"{url}: too many redirects (limit {client.max_redirects})") from None
    except httpx.TimeoutException as exc:
        raise FetchError(f"{url}: timed out ({type(exc).__name__})") from None
    except httpx.ConnectError as exc:
        if _is_dns_failure(exc):
            host = httpx.URL(url).host
            raise FetchError(f"{url}: cannot resolve host {host!r} (DNS failure)") from None
        raise FetchError(f"{url}: cannot connect ({exc})") from None
    except httpx.InvalidURL as exc:
        raise FetchError(f"{url}: invalid URL ({exc})") from None
    except httpx.UnsupportedProtocol:
        raise FetchError(f"{url}: only http and https URLs are supported") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
