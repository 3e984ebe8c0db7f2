"""Compile brief files into cache records: read, validate, summarise, pack and prepare their text rows.

A cold start compiles in a pool of spawned worker processes; results come back as marshalled plain tuples.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import multiprocessing
import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from bot.errors import BriefError
from bot.index.pack import pack
from bot.index.records import (
    Summary,
    blob_of_parts,
    parts_from_blob,
    summarize,
    summary_from_head,
    summary_to_data,
)
from bot.index.rows import (
    ItemGroup,
    ItemRow,
    PreparedRow,
    TextRow,
    date_key,
    group_items,
    prepare_text,
    text_fields,
    text_items,
)

log = logging.getLogger(__name__)

# chunks submitted ahead per worker: enough to keep them busy while the store feeds its text index (~0.25 s a feed,
# see CacheDB.FEED_DIALOGUES; 4 left both workers idle ~0.15 s a feed), few enough to bound memory (a chunk's results
# are ~0.5 MB)
IN_FLIGHT = 16


# ----- compiling one file (runs in worker processes on a cold start) ----------------------------------------


class Compiled(NamedTuple):
    """Everything the store keeps of one good brief file."""

    summary: Summary
    blob: bytes
    rows: tuple[TextRow, ...]  # empty when prepared holds them
    digest: str
    items: tuple[ItemRow, ...] = ()
    prepared: tuple[PreparedRow, ...] | None = None  # the text rows as put_text() writes them (see prepare_text)
    groups: tuple[ItemGroup, ...] | None = None  # the items as put_text() stores them (see group_items)
    parts: bytes | None = None  # the participants as the cache stores them (records.parts_blob), made in a worker


def content_digest(raw: bytes) -> str:
    """Return the content hash used to verify racy cache records."""
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def compile_file(path: Path) -> tuple[Compiled | None, list[BriefError], str]:
    """Read, validate and compile one brief; return it (or its errors) and its content hash."""
    from bot.briefs.parsing import dialogue_from_data, read_yaml

    try:
        raw: bytes | None = path.read_bytes()
    except OSError:
        raw = None
    digest = content_digest(raw or b"")
    data, errors = read_yaml(path, raw=raw)  # None: read_yaml reports the read error
    if errors:
        return None, errors, digest
    dialogue, errors = dialogue_from_data(path, data)
    if dialogue is None:
        return None, errors, digest
    items = tuple(text_items(dialogue))
    # text rows and item groups are made here, in the workers, on a cold start
    prepared = prepare_text(dialogue.id, text_fields(dialogue), items)
    return Compiled(summarize(dialogue), pack(dialogue), (), digest, (), prepared, group_items(items)), [], digest


def compile_many(paths: Sequence[str]) -> list[tuple[str, Compiled | None, list[BriefError], str]]:
    """Compile a chunk of files (the unit of work of one worker process)."""
    out = []
    for shown in paths:
        compiled, errors, digest = compile_file(Path(shown))
        out.append((shown, compiled, errors, digest))
    return out


def _to_wire(item: tuple[str, Compiled | None, list[BriefError], str]) -> Any:
    """Return one compile result as plain tuples (marshal is several times faster than pickle both ways)."""
    import pickle

    shown, compiled, errors, digest = item
    if compiled is None:
        return (shown, None, pickle.dumps(errors), digest)
    head, parts = summary_to_data(compiled.summary)
    # as parts_blob(compiled.summary) makes it, from the summary's data made once
    return (shown, (head, blob_of_parts(parts), compiled.blob, compiled.prepared, compiled.groups), b"", digest)


def _from_wire(data: Any, lean: bool = False) -> tuple[str, Compiled | None, list[BriefError], str]:
    """Rebuild one compile result sent by _to_wire(); lean: its summary without participant records (the cache
    has them: a cold start keeps no per-person data of 50,000 briefs in memory)."""
    import pickle

    shown, body, errors, digest = data
    if body is None:
        return shown, None, pickle.loads(errors), digest
    head, parts, blob, prepared, groups = body
    summary = summary_from_head(head, () if lean else parts_from_blob(parts))
    return shown, Compiled(summary, blob, (), digest, (), prepared, groups, parts), [], digest


def _start_worker() -> None:
    """Prepare a worker process: import the parser, then keep the collector off the imported modules."""
    import gc

    import bot.briefs.parsing  # noqa: F401 - imported before the freeze below

    # a short-lived process whose data is acyclic: collect rarely
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _compile_chunk(chunk: list[str]) -> bytes:
    """Compile one chunk of files in a worker; return the results as marshal bytes (several times faster than
    pickle both ways)."""
    return marshal.dumps([_to_wire(item) for item in compile_many(chunk)])


def start_pool(workers: int) -> ProcessPoolExecutor:
    """Return a pool of worker processes (spawned afresh, so any caller is safe), already starting: each imports the
    parser (~0.5 s) while the caller goes on (a cold start orders its files meanwhile)."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker)
    # every worker started with the pool's manager thread, not one per submit: CPython 3.11 adds workers on submit
    # while that thread may be iterating over them ("dictionary changed size during iteration", seen in the tests)
    pool._safe_to_dynamically_spawn_children = False  # type: ignore[attr-defined]
    with contextlib.suppress(Exception):  # a pool that cannot start fails compile_parallel's submits, which copes
        pool.submit(int)  # the first submit starts every worker
    return pool


def compile_parallel(
    paths: Sequence[str],
    workers: int,
    chunk_size: int = 32,
    lean: bool = False,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[tuple[str, Compiled | None, list[BriefError], str]]:
    """Compile files in a pool of worker processes (start_pool's, or one of its own); yield the results in the order
    of paths, then shut the pool down. A few chunks per worker are in flight at a time, so finished results never
    pile up in memory; the chunks of a pool that cannot start or dies are compiled in-process, in the same order.
    lean: summaries come without participant records (see _from_wire)."""
    chunks = list(iter_chunks(paths, chunk_size))
    pool = pool or start_pool(workers)
    pending: dict[int, Future[bytes]] = {}
    broken = False
    try:
        for i, chunk in enumerate(chunks):
            while not broken and len(pending) < IN_FLIGHT * workers and i + len(pending) < len(chunks):
                try:
                    pending[i + len(pending)] = pool.submit(_compile_chunk, chunks[i + len(pending)])
                except Exception:  # no worker could start
                    log.warning("compile workers did not start; compiling in-process")
                    broken = True
            got = _chunk_result(pending.pop(i, None), broken, lean)
            broken = broken or got is None
            if got is None or [item[0] for item in got] != chunk:
                got = [(shown, *compile_file(Path(shown))) for shown in chunk]
            yield from got
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _chunk_result(
    future: Future[bytes] | None, broken: bool, lean: bool = False
) -> list[tuple[str, Compiled | None, list[BriefError], str]] | None:
    """Return a worker's results for one chunk, or None when the pool failed (the caller compiles the chunk)."""
    if future is None or broken:
        return None
    try:
        return [_from_wire(item, lean) for item in marshal.loads(future.result())]
    except Exception:  # a dead pool: the rest is compiled here
        log.warning("a compile worker failed; finishing its files in-process")
        return None


def iter_chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    """Yield successive chunks of items."""
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


_DATE_LINE = re.compile(rb"^date:[ \t]*[\"']?(\d{4}(?:-\d\d(?:-\d\d)?)?)[\"']?[ \t]*(?:#.*)?\r?$", re.MULTILINE)


def predicted_date_key(path: Path | str) -> int:
    """Return the date key a brief's top-level `date:` line most likely gives (0 if none is found in its head).

    Used only to order a cold start so that text rows arrive in row-id order; a wrong guess costs speed only.
    """
    # os.read, not a file object: a cold start of 50,000 briefs orders them in 0.4 s rather than 1 s
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return 0
    try:
        head = os.read(fd, 4096)
    except OSError:
        return 0
    finally:
        os.close(fd)
    found = _DATE_LINE.search(head)
    return date_key(found.group(1).decode()) if found else 0
