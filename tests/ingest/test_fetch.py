"""Fetching over HTTP: the page, its metadata, and a clear message for every kind of failure."""

from __future__ import annotations

import httpx
import pytest

from bot.ingest.fetch import FetchError, fetch, make_client
from tests.ingest.conftest import Site


async def _fetch_error(url: str, **kwargs: object) -> str:
    async with make_client(timeout=httpx.Timeout(0.5)) as client:
        with pytest.raises(FetchError) as info:
            await fetch(client, url, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


async def test_fetch_html_page(site: Site) -> None:
    """An HTML page comes back with its content type and final URL."""
    async with make_client() as client:
        page = await fetch(client, site.url("/article"))
    assert page.is_html and "Climate Diplomacy" in page.text
    assert page.final_url == site.url("/article")


async def test_user_agent_is_descriptive(site: Site) -> None:
    """Requests carry briefbot's own User-Agent."""
    async with make_client() as client:
        await fetch(client, site.url("/article"))
    assert site.seen_headers[0]["User-Agent"].startswith("briefbot/")


async def test_plain_text_is_accepted(site: Site) -> None:
    """A text/plain page is fetched and marked as not HTML."""
    async with make_client() as client:
        page = await fetch(client, site.url("/plain"))
    assert not page.is_html


async def test_404_is_a_client_error(site: Site) -> None:
    """A 404 names the status and says it is a client error."""
    assert "HTTP 404" in await _fetch_error(site.url("/missing"))


async def test_503_is_a_server_error(site: Site) -> None:
    """A 5xx names the status and says it is a server error."""
    assert "HTTP 503" in (message := await _fetch_error(site.url("/broken"))) and "server error" in message


async def test_timeout(site: Site) -> None:
    """A server that never answers ends in a timeout message."""
    assert "timed out" in await _fetch_error(site.url("/slow"))


async def test_too_large_is_cut_while_streaming(site: Site) -> None:
    """A body above the size limit is refused while streaming."""
    assert "larger than the 10,000-byte limit" in await _fetch_error(site.url("/big"), max_bytes=10_000)


async def test_wrong_content_type(site: Site) -> None:
    """A PDF is refused by content type."""
    assert "application/pdf is not HTML or plain text" in await _fetch_error(site.url("/file.pdf"))


async def test_redirect_loop(site: Site) -> None:
    """A redirect loop stops at the redirect limit."""
    assert "too many redirects" in await _fetch_error(site.url("/loop"))


async def test_dns_failure() -> None:
    """An unresolvable .invalid host gives a DNS message."""
    assert "cannot resolve host" in await _fetch_error("http://briefbot-test.invalid/article")
