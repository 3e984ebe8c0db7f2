"""Compile brief files into cache records: read, validate, summarise, pack, prepare text rows (in worker processes
on a cold start)."""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from bot.errors import BriefError
from bot.index.pack import pack
from bot.index.records import Summary, parts_from_data, summarize, summary_from_head, summary_to_data
from bot.index.rows import ItemRow, PreparedRow, TextRow, date_key, prepare_text, text_fields, text_items

log = logging.getLogger(__name__)


# ----- compiling one file (runs in worker processes on a cold start) ----------------------------------------


class Compiled(NamedTuple):
    """Everything the store keeps of one good brief file."""

    summary: Summary
    blob: bytes
    rows: tuple[TextRow, ...]  # empty when prepared holds them
    digest: str
    items: tuple[ItemRow, ...] = ()
    prepared: tuple[PreparedRow, ...] | None = None  # the text rows as put_text() writes them (see prepare_text)


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
    prepared = prepare_text(dialogue.id, text_fields(dialogue), items)  # done here, in the workers, on a cold start
    return Compiled(summarize(dialogue), pack(dialogue), (), digest, items, prepared), [], digest


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
    return (shown, (head, parts, compiled.blob, compiled.prepared, compiled.items), b"", digest)


def _from_wire(data: Any) -> tuple[str, Compiled | None, list[BriefError], str]:
    """Rebuild one compile result sent by _to_wire()."""
    import pickle

    shown, body, errors, digest = data
    if body is None:
        return shown, None, pickle.loads(errors), digest
    head, parts, blob, prepared, items = body
    summary = summary_from_head(head, parts_from_data(parts))
    return shown, Compiled(summary, blob, (), digest, items, prepared), [], digest


def worker_main() -> None:
    """Compile the chunks of files named on stdin (marshalled list of lists); stream one result chunk per chunk."""
    import gc
    import sys

    import bot.briefs.parsing  # noqa: F401 - imported before the freeze below

    # a short-lived process whose data is acyclic: keep the collector off the imported modules and collect rarely
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    chunks: list[list[str]] = marshal.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    for chunk in chunks:
        data = marshal.dumps([_to_wire(item) for item in compile_many(chunk)])
        out.write(len(data).to_bytes(8, "little") + data)
        out.flush()
    out.write((0).to_bytes(8, "little"))
    out.flush()


def _read_chunk(stream: Any) -> Any:
    """Return the next chunk a worker wrote, or None at its end."""
    size = int.from_bytes(stream.read(8), "little")
    if size == 0:
        return None
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("short read from a compile worker")
    return marshal.loads(data)


def compile_parallel(
    paths: Sequence[str], workers: int, chunk_size: int = 32
) -> Iterator[tuple[str, Compiled | None, list[BriefError], str]]:
    """Compile files in worker processes (interpreters started afresh, so any caller is safe); yield the results
    in the order of paths (chunks are dealt to the workers in turn and read back in the same turn)."""
    import queue
    import subprocess
    import sys
    import threading

    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (package_root, env.get("PYTHONPATH")) if x)
    command = [sys.executable, "-c", "from bot.index.compile import worker_main; worker_main()"]
    chunks = list(iter_chunks(paths, chunk_size))
    outboxes: list[queue.Queue[list[tuple[str, Compiled | None, list[BriefError], str]] | None]] = []
    procs = []
    for i in range(workers):
        share = chunks[i::workers]
        outbox: queue.Queue[list[tuple[str, Compiled | None, list[BriefError], str]] | None] = queue.Queue()
        outboxes.append(outbox)
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        procs.append(proc)

        def feed(proc: subprocess.Popen[bytes] = proc, share: list[list[str]] = share, outbox: Any = outbox) -> None:
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(marshal.dumps(share))
                proc.stdin.close()
                while (chunk := _read_chunk(proc.stdout)) is not None:
                    outbox.put([_from_wire(item) for item in chunk])
            except Exception:  # a dead worker: the caller compiles its remaining chunks in-process
                log.warning("a compile worker failed; finishing its files in-process")
            finally:
                outbox.put(None)

        threading.Thread(target=feed, daemon=True).start()
    failed = [False] * workers
    try:
        for i, chunk in enumerate(chunks):
            w = i % workers
            got = None if failed[w] else outboxes[w].get()
            if got is None or [item[0] for item in got] != chunk:
                failed[w] = True
                got = [(shown, *compile_file(Path(shown))) for shown in chunk]
            yield from got
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


_DATE_LINE = re.compile(rb"^date:[ \t]*[\"']?(\d{4}(?:-\d\d(?:-\d\d)?)?)[\"']?[ \t]*(?:#.*)?\r?$", re.MULTILINE)


def predicted_date_key(path: Path) -> int:
    """Return the date key a brief's top-level `date:` line most likely gives (0 if none is found in its head).

    Used only to order a cold start so that text rows arrive in row-id order; a wrong guess costs speed only.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return 0
    found = _DATE_LINE.search(head)
    return date_key(found.group(1).decode()) if found else 0


def iter_chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    """Yield successive chunks of items."""
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
