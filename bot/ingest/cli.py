"""`briefbot ingest SOURCE...`: draft briefs from URLs, files or stdin, one failing source not stopping the rest."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

import httpx
import yaml

from bot.briefs.models import PeopleRegistry
from bot.briefs.parsing import dialogue_from_data, parse_registry
from bot.errors import BriefbotError
from bot.ingest.article import Article, read_article
from bot.ingest.draft import free_id, header_for, taken_ids, to_yaml, write_draft
from bot.ingest.extract import Draft, extract
from bot.ingest.fetch import MAX_BYTES, FetchError, fetch, make_client
from bot.ingest.llm import LLMSettings, extract_with_llm

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What happened to one source: the draft written, or why it failed."""

    source: str
    path: Path | None = None
    draft: Draft | None = None
    error: str | None = None


@dataclass
class Options:
    """Settings of one ingest run."""

    out: Path
    briefs: Path
    brief_id: str | None = None
    extractor: str = "rules"
    max_bytes: int = MAX_BYTES
    llm: LLMSettings | None = None
    stdin: IO[str] | None = None
    outcomes: list[Outcome] = field(default_factory=list)


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


async def load_article(source: str, options: Options, client: httpx.AsyncClient | None) -> Article:
    """Return the article of one source: a URL (fetched), '-' (stdin) or a file."""
    if _is_url(source):
        if client is None:
            raise FetchError(f"{source}: no HTTP client")
        fetched = await fetch(client, source, max_bytes=options.max_bytes)
        return read_article(fetched.text, url=fetched.final_url, html=fetched.is_html)
    if source == "-":
        stream = options.stdin or sys.stdin
        raw = stream.read(options.max_bytes + 1)
        if len(raw) > options.max_bytes:
            raise BriefbotError(f"standard input is larger than the {options.max_bytes:,}-byte limit")
        return read_article(raw)
    path = Path(source)
    raw = _read_file(path, options.max_bytes)
    html = path.suffix.lower() in {".html", ".htm", ".xhtml"} or None
    return read_article(raw, file=str(path), html=html)


def _read_file(path: Path, max_bytes: int) -> str:
    """Read a local source as text, refusing what is too large or unreadable."""
    try:
        if not path.is_file():
            raise BriefbotError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise BriefbotError(f"{path}: file is {size:,} bytes, more than the {max_bytes:,}-byte limit")
        return path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise BriefbotError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _registry(briefs: Path) -> PeopleRegistry | None:
    path = briefs / "people.yaml"
    if not path.exists():
        return None
    registry, errors = parse_registry(path)
    for error in errors:
        log.warning("people registry: %s", error)
    return registry


async def ingest_one(
    source: str, options: Options, client: httpx.AsyncClient | None, registry: PeopleRegistry | None
) -> Outcome:
    """Draft one source and write it; return the outcome instead of raising."""
    try:
        article = await load_article(source, options, client)
        if not article.text.strip():
            raise BriefbotError(f"{source}: no article text found")
        draft = extract(article, registry, brief_id=options.brief_id)
        if options.extractor == "llm" and options.llm is not None and client is not None:
            draft = await extract_with_llm(client, options.llm, article, draft)
        taken = taken_ids(options.out, options.briefs)
        new_id = free_id(draft.dialogue.id, options.out, taken, explicit=options.brief_id is not None)
        if new_id != draft.dialogue.id:
            draft.review.check.insert(0, f"id {draft.dialogue.id!r} is taken; this draft is {new_id!r}")
            draft.dialogue = draft.dialogue.model_copy(update={"id": new_id})
        header = header_for(source if source != "-" else "standard input", draft.extractor)
        text = to_yaml(draft.dialogue, header)
        path = options.out / f"{new_id}.yaml"
        _, errors = dialogue_from_data(path, yaml.safe_load(text), text)
        if errors:
            raise BriefbotError("draft does not validate: " + "; ".join(e.message for e in errors))
        written = write_draft(draft.dialogue, options.out, header)
        return Outcome(source=source, path=written, draft=draft)
    except (BriefbotError, ValueError, OSError) as exc:
        return Outcome(source=source, error=str(exc))


class Progress:
    """A progress bar on a terminal, plain lines otherwise; silent for a single source."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.done = total, stream, 0
        self.tty = stream.isatty()

    def step(self, outcome: Outcome) -> None:
        """Record one finished source."""
        self.done += 1
        if self.total < 2:
            return
        status = "ok" if outcome.error is None else "FAILED"
        if self.tty:
            width = 30
            filled = width * self.done // self.total
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {status:6} {outcome.source[-40:]:40}{end}")
        else:
            self.stream.write(f"[{self.done}/{self.total}] {status} {outcome.source}\n")
        self.stream.flush()


async def ingest_all(
    sources: list[str], options: Options, client: httpx.AsyncClient | None = None, progress: Progress | None = None
) -> list[Outcome]:
    """Ingest every source in order, with one shared HTTP client when any source is a URL."""
    registry = _registry(options.briefs)
    needs_client = client is None and (any(_is_url(s) for s in sources) or options.extractor == "llm")
    own = make_client() if needs_client else None
    try:
        outcomes = []
        for source in sources:
            outcome = await ingest_one(source, options, client or own, registry)
            outcomes.append(outcome)
            if progress:
                progress.step(outcome)
        return outcomes
    finally:
        if own is not None:
            await own.aclose()


def review_text(outcome: Outcome) -> str:
    """Return the review summary of one written draft."""
    assert outcome.draft is not None and outcome.path is not None
    review = outcome.draft.review
    lines = [f"{outcome.path}  (status: draft, {outcome.draft.extractor} extractor)  <- {outcome.source}"]
    for label, items in (("found", review.found), ("unsure", review.unsure), ("to check", review.check)):
        for item in items:
            lines.append(f"  {label + ':':10}{item}")
    return "\n".join(lines) + "\n"


def cmd_ingest(args: argparse.Namespace) -> int:
    """Draft one brief per source; exit 1 if any source failed."""
    if args.id and len(args.source) > 1:
        print("briefbot ingest: --id needs exactly one SOURCE", file=sys.stderr)
        return 2
    if args.source.count("-") > 1:
        print("briefbot ingest: standard input (-) can be read only once", file=sys.stderr)
        return 2
    llm = None
    if args.extractor == "llm":
        llm = LLMSettings.from_env()
        if llm is None:
            print(
                "briefbot ingest: --extractor llm needs BRIEFBOT_LLM_BASE_URL and BRIEFBOT_LLM_MODEL", file=sys.stderr
            )
            return 2
    briefs = Path(args.briefs) if args.briefs else Path("briefs")
    options = Options(
        out=Path(args.out) if args.out else briefs, briefs=briefs, brief_id=args.id, extractor=args.extractor, llm=llm
    )
    progress = Progress(len(args.source), sys.stderr)
    outcomes = asyncio.run(ingest_all(args.source, options, progress=progress))
    for outcome in outcomes:
        if outcome.error:
            print(f"briefbot ingest: {outcome.error}", file=sys.stderr)
        else:
            sys.stdout.write(review_text(outcome))
    failed = sum(1 for o in outcomes if o.error)
    if len(outcomes) > 1 or failed:
        print(f"{len(outcomes) - failed} draft(s) written, {failed} source(s) failed, of {len(outcomes)}")
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `briefbot ingest` to the command line."""
    p = subparsers.add_parser("ingest", help="draft briefs from article URLs, files or stdin (-) for review")
    p.add_argument("source", nargs="+", metavar="SOURCE", help="a URL, an HTML or text file, or - for stdin")
    p.add_argument("--out", help="folder to write drafts to (default: the briefs folder)")
    p.add_argument("--id", help="id (file name) of the draft; only with one SOURCE; refused if taken")
    p.add_argument("--briefs", help="briefs folder with people.yaml and existing ids (default ./briefs)")
    p.add_argument(
        "--extractor", choices=("rules", "llm"), default="rules", help="rules (default) or llm (env BRIEFBOT_LLM_*)"
    )
    p.set_defaults(func=cmd_ingest)
