"""Terminal rendering of neutral answers and the offline question loop."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.adapters.terminal import Paint, history_path, line_editing, terminal_width, use_colour, wrap
from bot.answer import DRAFT_MARK, Answer, Item
from bot.corrections import console_lines
from bot.digest.questions import DigestQuestion, answer_digest, parse_digest
from bot.errors import write_out
from bot.index.catalog import Catalog
from bot.present import quoted
from bot.query import ask

WIDTH = 100


def _marked(text: str, paint: Paint) -> str:
    """Return text with the draft mark coloured as a warning."""
    mark = f"[{DRAFT_MARK}]"
    return text.replace(mark, paint.warn(mark)) if paint.on else text


def render_item(item: Item, width: int = WIDTH, paint: Paint | None = None) -> list[str]:
    """Return the terminal lines of one item, wrapped at spaces only (ids and URLs stay whole)."""
    paint = paint or Paint(False)
    out: list[str] = []
    if item.heading:
        out.extend(paint.heading(_marked(line, paint)) for line in wrap(f"## {item.heading}", width, "", "   "))
    for key, value in item.fields:
        lines = wrap(f"{key}: {value}", width, subsequent="    ") or [f"{key}:"]
        lines[0] = paint.key(f"{key}:") + lines[0][len(key) + 1 :]
        out.extend(lines)
    for line in item.lines:
        out.extend(wrap(line, width) or [""])
    for bullet in item.bullets:
        out.extend(wrap(bullet, width, "  - ", "    "))
    return out


def render_text(answer: Answer, width: int = WIDTH, colour: bool = False) -> str:
    """Return an answer as readable terminal text, with its sources at the end (colour: ANSI styles)."""
    paint = Paint(colour)
    lines = [paint.title(_marked(line, paint)) for line in wrap(f"# {answer.title}", width, "", "  ")]
    if answer.intro:
        lines.extend(wrap(answer.intro, width))
    for column, item in _blocks(answer):
        if column is not None:
            lines += ["", f"=== {column} ==="]
        lines.append("")
        lines.extend(render_item(item, width, paint))
    if answer.choices:
        lines.append("")
        for i, choice in enumerate(answer.choices, 1):
            desc = f" — {choice.description}" if choice.description else ""
            line = f"  {i}. {choice.label}{desc}   (ask: {choice.question})"
            if len(line) <= width:
                lines.append(line)
            else:  # the question to ask stays on one line, whole, for copying
                lines.extend(wrap(f"{i}. {choice.label}{desc}", width, "  ", "      "))
                lines.append(f"      (ask: {choice.question})")
    cites = answer.citations()
    if cites:
        lines.append("")
        lines.append(paint.key("Sources:"))
        for cite in cites:
            text = f"[{cite.dialogue_id}] {cite.label()}" + (f" <{cite.url}>" if cite.url else "")
            lines.extend(paint.dim(line) for line in wrap(text, width, "  ", "      "))
    return "\n".join(lines) + "\n"


def save_attachment(answer: Answer, path: Path) -> str:
    """Write the answer's picture to path; return a line saying what was written (or why nothing was)."""
    if answer.attachment is None:
        return f"briefbot: this answer has no picture; {path} not written"
    data = answer.attachment.render()
    write_out(path, data)
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


@dataclass(frozen=True, slots=True)
class Failure:
    """A question that was not understood or found: its number, text and the answer's title."""

    number: int
    question: str
    title: str


def answer_lines(
    catalog: Catalog,
    questions: Iterable[str],
    out: TextIO,
    *,
    prompt: bool = False,
    width: int = WIDTH,
    colour: bool = False,
    failures: list[Failure] | None = None,
    file_of: Callable[[str], Path] | None = None,
    digests: Callable[[DigestQuestion], Answer] | None = None,
) -> int:
    """Answer questions one by one (digest questions through `digests`); return how many failed (unknown command
    or nothing found), noting each in failures when given. `report` prints the file and line to edit for the
    previous answer (file_of locates a dialogue's brief)."""
    failed = 0
    last: Answer | None = None
    if prompt:
        out.write("briefbot — ask a question (help for the list, Ctrl-D to quit)\n> ")
        out.flush()
    for number, raw in enumerate(questions, 1):
        text = raw.strip()
        if text.lower() in {"quit", "exit"}:
            break
        if text and text.split(" ", 1)[0].lower().lstrip("/") == "report":
            if last is None or file_of is None:
                out.write("Ask a question first; `report` then names the brief file and line to edit.\n")
            else:
                out.write("\n".join(console_lines(last, file_of)) + "\n")
        elif text:
            result = last = _answer(catalog, text, digests)
            if not result.ok:
                failed += 1
                if failures is not None:
                    failures.append(Failure(number, text, result.title))
            out.write(render_text(result, width, colour))
        if prompt:
            out.write("> ")
        out.flush()
    if prompt:
        out.write("\n")
    return failed


def _answer(catalog: Catalog, text: str, digests: Callable[[DigestQuestion], Answer] | None) -> Answer:
    """Answer a brief question from the catalog, a digest question through digests (none: no digests)."""
    question = parse_digest(text)
    if question is None:
        return ask(catalog, text)
    if digests is None:
        import asyncio  # here, not at the top: it costs a one-shot `briefbot ask` ~18 ms of imports (ssl, sockets)

        return asyncio.run(answer_digest(None, question, admin=True))
    return digests(question)


def failure_summary(failures: list[Failure], total: int) -> str:
    """Return the stderr summary of a batch: how many questions failed, and which."""
    lines = [f"briefbot: {len(failures)} of {total} question(s) not understood or not found:"]
    lines += [f"  {f.number}: {quoted(f.question)} — {f.title}" for f in failures]
    return "\n".join(lines) + "\n"


def _prompt_lines(greeting: str, out: TextIO) -> Iterator[str]:
    """Yield lines typed at a readline prompt until Ctrl-D, quit or exit."""
    out.write(greeting)
    out.flush()
    while True:
        try:
            line = input("> ")
        except EOFError:
            out.write("\n")
            return
        except KeyboardInterrupt:  # Ctrl-C drops the line being typed, as in a shell
            out.write("^C\n")
            continue
        if line.strip().lower() in {"quit", "exit"}:
            return
        yield line


def run_console(
    catalog: Catalog,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
    file_of: Callable[[str], Path] | None = None,
    digests: Callable[[DigestQuestion], Answer] | None = None,
) -> int:
    """Run the question loop over stdin: a readline prompt with history on a terminal; batch mode from a pipe,
    exiting 1 (with a summary on stderr) when any question was not understood or found."""
    width, colour = terminal_width(), use_colour(stdout)
    if stdin.isatty() and stdin is sys.stdin:
        with line_editing(history_path()):
            greeting = (
                "briefbot — ask a question (help for the list, report: where to fix the last answer, Ctrl-D to quit)\n"
            )
            answer_lines(
                catalog,
                _prompt_lines(greeting, stdout),
                stdout,
                width=width,
                colour=colour,
                file_of=file_of,
                digests=digests,
            )
        return 0
    failures: list[Failure] = []
    total = 0

    def counted() -> Iterator[str]:
        nonlocal total
        for line in stdin:
            total += 1
            yield line

    answer_lines(
        catalog, counted(), stdout, width=width, colour=colour, failures=failures, file_of=file_of, digests=digests
    )
    if failures:
        stderr.write(failure_summary(failures, total))
        return 1
    return 0


def run_questions(
    catalog: Catalog,
    questions: list[str],
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
    file_of: Callable[[str], Path] | None = None,
    digests: Callable[[DigestQuestion], Answer] | None = None,
) -> int:
    """Answer questions given as arguments, each in turn; exit 1 if any failed (several: with a summary)."""
    width, colour = terminal_width(), use_colour(stdout)
    failures: list[Failure] = []
    answer_lines(
        catalog, questions, stdout, width=width, colour=colour, failures=failures, file_of=file_of, digests=digests
    )
    if failures and len(questions) > 1:
        stderr.write(failure_summary(failures, len(questions)))
    return 1 if failures else 0
