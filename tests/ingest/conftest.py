"""Local servers for ingest tests: an article site with failure routes, and a fake OpenAI-compatible endpoint."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
# ../shared beside the checkout (/work/main) or beside the worktrees' folder (/work/wt/<name>)
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared"
)
ARTICLES = SHARED / "articles"
INGEST_DEV = SHARED / "ingest-dev"


@dataclass
class Site:
    """A running local site: its base URL and what it saw."""

    base: str
    seen_headers: list[dict[str, str]] = field(default_factory=list)
    llm_answer: Any = None
    llm_requests: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on the site."""
        return self.base + path


def _app(site: Site, never: asyncio.Event) -> web.Application:
    html = (FIXTURES / "byline-sidebar.html").read_text(encoding="utf-8")
    plain = (FIXTURES / "roundtable.txt").read_text(encoding="utf-8")

    async def article(request: web.Request) -> web.Response:
        site.seen_headers.append(dict(request.headers))
        return web.Response(text=html, content_type="text/html")

    async def text(request: web.Request) -> web.Response:
        return web.Response(text=plain, content_type="text/plain")

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, text="not here")

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=503, text="down")

    async def slow(request: web.Request) -> web.Response:
        await never.wait()  # released at teardown; the client's timeout fires first
        return web.Response(text="late")

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(64):
            await response.write(b"<p>" + b"x" * 1020 + b"</p>")
        await response.write_eof()
        return response

    async def pdf(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4", content_type="application/pdf")

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def chat(request: web.Request) -> web.Response:
        site.llm_requests.append({"body": await request.json(), "auth": request.headers.get("Authorization")})
        answer = site.llm_answer
        if isinstance(answer, int):
            return web.Response(status=answer, text="error")
        content = answer if isinstance(answer, str) else json.dumps(answer)
        return web.json_response({"choices": [{"message": {"role": "assistant", "content": content}}]})

    app = web.Application()
    app.router.add_get("/article", article)
    app.router.add_get("/plain", text)
    app.router.add_get("/missing", missing)
    app.router.add_get("/broken", broken)
    app.router.add_get("/slow", slow)
    app.router.add_get("/big", big)
    app.router.add_get("/file.pdf", pdf)
    app.router.add_get("/loop", loop)
    app.router.add_post("/v1/chat/completions", chat)
    return app


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """Serve the article site and the fake LLM endpoint on 127.0.0.1 at an ephemeral port."""
    never = asyncio.Event()
    holder = Site(base="")
    runner = web.AppRunner(_app(holder, never))
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = runner.addresses[0][1]
    holder.base = f"http://127.0.0.1:{port}"
    try:
        yield holder
    finally:
        never.set()
        await runner.cleanup()
