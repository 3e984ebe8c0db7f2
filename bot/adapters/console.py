"""Terminal rendering of neutral answers and the offline question loop."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.answer import Answer, Item
from bot.index.catalog import Catalog
from bot.query import ask

WIDTH = 100


def render_item(item: Item, width: int = WIDTH) -> list[str]:
    """Return the terminal lines of one item."""
    out: list[str] = []
    if item.heading:
        out.append(f"## {item.heading}")
    for key, value in item.fields:
        out.extend(textwrap.wrap(f"{key}: {value}", width, subsequent_indent="    ") or [f"{key}:"])
    for line in item.lines:
        out.extend(textwrap.wrap(line, width) or [""])
    for bullet in item.bullets:
        out.extend(textwrap.wrap(bullet, width, initial_indent="  - ", subsequent_indent="    "))
    return out


def render_text(answer: Answer, width: int = WIDTH) -> str:
    """Return an answer as readable terminal text, with its sources at the end."""
    lines = [f"# {answer.title}"]
    if answer.intro:
        lines.extend(textwrap.wrap(answer.intro, width))
    for column, item in _blocks(answer):
        if column is not None:
            lines += ["", f"=== {column} ==="]
        lines.append("")
        lines.extend(render_item(item, width))
    if answer.choices:
        lines.append("")
        for i, choice in enumerate(answer.choices, 1):
            desc = f" — {choice.description}" if choice.description else ""
            lines.append(f"  {i}. {choice.label}{desc}   (ask: {choice.question})")
    cites = answer.citations()
    if cites:
        lines.append("")
        lines.append("Sources:")
        for cite in cites:
            lines.append(f"  [{cite.dialogue_id}] {cite.label()}" + (f" <{cite.url}>" if cite.url else ""))
    return "\n".join(lines) + "\n"


def save_attachment(answer: Answer, path: Path) -> str:
    """Write the answer's picture to path; return a line saying what was written (or why nothing was)."""
    if answer.attachment is None:
        return f"briefbot: this answer has no picture; {path} not written"
    data = answer.attachment.render()
    path.write_bytes(data)
    return f"briefbot: picture written to {path} ({len(data):,} bytes): {answer.attachment.description}"


def _blocks(answer: Answer) -> list[tuple[str | None, Item]]:
    """Return the items in print order, each with a block title where a side-by-side column starts."""
    if not answer.columns:
        return [(None, item) for item in answer.items]
    out: list[tuple[str | None, Item]] = [(None, i) for i in answer.items if i.column is None]
    for number, title in enumerate(answer.columns):
        side = [i for i in answer.items if i.column == number]
        out += [(title if n == 0 else None, item) for n, item in enumerate(side)]
    return out


def answer_lines(catalog: Catalog, questions: Iterable[str], out: TextIO, *, prompt: bool) -> int:
    """Answer questions one by one; return how many failed (unknown command or nothing found)."""
    failed = 0
    if prompt:
        out.write("briefbot — ask a question (help for the list, Ctrl-D to quit)\n> ")
        out.flush()
    for raw in questions:
        text = raw.strip()
        if text.lower() in {"quit", "exit"}:
            break
        if text:
            result = ask(catalog, text)
            failed += 0 if result.ok else 1
            out.write(render_text(result))
        if prompt:
            out.write("> ")
        out.flush()
    if prompt:
        out.write("\n")
    return failed


def run_console(catalog: Catalog, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Run the question loop over stdin: a prompt on a terminal, batch mode from a pipe."""
    answer_lines(catalog, stdin, stdout, prompt=stdin.isatty())
    return 0
