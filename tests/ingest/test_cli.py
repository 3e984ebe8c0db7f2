"""`briefbot ingest`: URLs, files and stdin become valid drafts; never overwriting; failures do not stop a batch."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import httpx
import pytest

from bot.briefs.validate import validate_dir
from bot.cli import main
from bot.ingest.cli import Options, Progress, ingest_all
from bot.ingest.fetch import make_client
from tests.ingest.conftest import FIXTURES, ROOT, Site


@pytest.fixture
def briefs(tmp_path: Path) -> Path:
    """Return a briefs folder holding only the people registry."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    shutil.copy(ROOT / "briefs" / "people.yaml", folder / "people.yaml")
    return folder


async def _run(sources: list[str], briefs: Path, **kw: object) -> list:  # type: ignore[type-arg]
    options = Options(out=briefs, briefs=briefs, **kw)  # type: ignore[arg-type]
    async with make_client(timeout=httpx.Timeout(0.5)) as client:
        return await ingest_all(sources, options, client=client)


async def test_url_becomes_valid_draft(site: Site, briefs: Path) -> None:
    """A served HTML page with boilerplate becomes a valid draft with the page's publication date."""
    [outcome] = await _run([site.url("/article")], briefs)
    assert outcome.error is None and outcome.path is not None
    dialogue = outcome.draft.dialogue
    assert dialogue.sources[0].url == site.url("/article")
    assert str(dialogue.sources[0].published) == "2024-06-03" and dialogue.date == "2024-06-01"
    assert validate_dir(briefs).errors == []


async def test_failures_do_not_stop_the_batch(site: Site, briefs: Path) -> None:
    """404, timeout, too large, wrong type, DNS failure and a missing file fail alone, with clear messages."""
    sources = [
        site.url("/missing"),
        site.url("/slow"),
        site.url("/big"),
        site.url("/file.pdf"),
        "http://briefbot-test.invalid/a",
        str(briefs / "nope.txt"),
        str(FIXTURES / "roundtable.txt"),
    ]
    outcomes = await _run(sources, briefs, max_bytes=10_000)
    messages = [o.error for o in outcomes]
    assert "HTTP 404" in messages[0] and "timed out" in messages[1] and "byte limit" in messages[2]
    assert "not HTML" in messages[3] and "DNS" in messages[4] and "no such file" in messages[5]
    assert messages[6] is None and outcomes[6].path is not None and outcomes[6].path.exists()


def test_file_sources_and_exit_code(briefs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files are drafted with a review summary; a failing source makes the exit code 1."""
    code = main(["ingest", str(FIXTURES / "british.txt"), "missing.txt", "--briefs", str(briefs)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "sdpi-odi-roundtable-2025-02-03.yaml" in out and "found:" in out and "to check:" in out
    assert "missing.txt: no such file" in err and "1 draft(s) written, 1 source(s) failed" in out
    assert validate_dir(briefs).errors == []


def test_stdin_source(briefs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`-` reads the article from standard input."""
    monkeypatch.setattr("sys.stdin", io.StringIO((FIXTURES / "virtual.txt").read_text(encoding="utf-8")))
    assert main(["ingest", "-", "--briefs", str(briefs)]) == 0
    assert (briefs / "ipi-kaziss-virtual-dialogue-2024-11-14.yaml").exists()


def test_never_overwrites(briefs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second draft of the same article gets a suffix; the first file is left untouched."""
    source = str(FIXTURES / "roundtable.txt")
    assert main(["ingest", source, "--briefs", str(briefs)]) == 0
    first = briefs / "irs-roundtable-2024-03-12.yaml"
    before = first.read_text(encoding="utf-8")
    assert main(["ingest", source, "--briefs", str(briefs)]) == 0
    assert first.read_text(encoding="utf-8") == before and (briefs / "irs-roundtable-2024-03-12-2.yaml").exists()


def test_explicit_id_taken_is_refused(briefs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An explicit --id that is taken is refused with a clear message instead of overwriting."""
    (briefs / "mine.yaml").write_text("keep: me\n", encoding="utf-8")
    code = main(["ingest", str(FIXTURES / "roundtable.txt"), "--id", "mine", "--briefs", str(briefs)])
    assert code == 1 and "'mine' already exists" in capsys.readouterr().err
    assert (briefs / "mine.yaml").read_text(encoding="utf-8") == "keep: me\n"


def test_progress_is_plain_when_not_a_tty(briefs: Path) -> None:
    """Without a terminal, progress is one plain line per source."""
    stream = io.StringIO()
    progress = Progress(2, stream)
    options = Options(out=briefs, briefs=briefs)
    import asyncio

    asyncio.run(ingest_all([str(FIXTURES / "british.txt"), "nope.txt"], options, progress=progress))
    assert stream.getvalue().splitlines() == [f"[1/2] ok {FIXTURES / 'british.txt'}", "[2/2] FAILED nope.txt"]
