"""The console as a tool: terminal width, whole ids and URLs, colour rules, several questions, exit codes,
readline editing and persistent history (a real pseudo-terminal)."""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.console import render_text
from bot.adapters.terminal import split_questions, terminal_width, use_colour, wrap
from bot.answer import Answer, AnswerKind, Citation, Item
from tests.conftest import BRIEFS_DIR, ROOT

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG_URL = "https://www.example.org/reports/2025/07/29/iran-pakistan-relations-in-the-context-of-new-developments"


def run_ask(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ask --briefs <shipped> ARGS` with a clean environment plus env."""
    full = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "NO_COLOR"}} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--briefs", str(BRIEFS_DIR), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=full,
        check=False,
    )


class Tty(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Return True, as a terminal does."""
        return True


def test_columns_sets_the_width() -> None:
    """COLUMNS is respected: at 60 columns no line of an answer is wider, except a single unbreakable word."""
    done = run_ask("dialogue latest", env={"COLUMNS": "60"})
    for line in done.stdout.splitlines():
        assert len(line) <= 60 or " " not in line.strip(), line


def test_width_from_columns_is_clamped() -> None:
    """A silly COLUMNS is kept within 40-160 columns."""
    assert terminal_width({"COLUMNS": "80"}) == 80
    assert terminal_width({"COLUMNS": "5"}) == 40
    assert terminal_width({"COLUMNS": "999"}) == 160


def test_ids_and_urls_are_never_split() -> None:
    """Wrapping breaks at spaces only: a hyphenated id and a long URL stay whole on their lines."""
    item = Item("Source", lines=(f"see issi-iras-dialogue-2025-07-29 at {LONG_URL} for more",))
    cite = Citation("issi-iras-dialogue-2025-07-29", "Iran-Pakistan Relations", "2025-07-29", "DNA", LONG_URL)
    text = render_text(Answer(AnswerKind.SEARCH, "t", items=(Item("x", citation=cite), item)), width=40)
    assert LONG_URL in text.splitlines()[4] or any(line.strip().startswith(LONG_URL) for line in text.splitlines())
    assert sum(line.count("issi-iras-dialogue-2025-07-29") for line in text.splitlines()) == 2
    assert wrap("a-b-c-d-e-f-g-h-i-j", 5) == ["a-b-c-d-e-f-g-h-i-j"]


def test_sources_lines_are_wrapped() -> None:
    """A long Sources line is wrapped with an indent, instead of running past the terminal's edge."""
    done = run_ask("who Sohail Mahmood", env={"COLUMNS": "60"})
    sources = done.stdout.split("Sources:\n", 1)[1].splitlines()
    assert len(sources) > 2
    assert all(len(line) <= 60 for line in sources)
    assert sources[1].startswith("      ")


def test_no_colour_in_a_pipe() -> None:
    """Output to a pipe carries no escape codes."""
    assert not ANSI.search(run_ask("who Amina Khan").stdout)


def test_colour_on_a_terminal_only_and_never_with_no_color() -> None:
    """Colour is used on a terminal, and not when NO_COLOR is set (to anything but empty)."""
    assert use_colour(Tty(), {})
    assert not use_colour(Tty(), {"NO_COLOR": "1"})
    assert use_colour(Tty(), {"NO_COLOR": ""})
    assert not use_colour(io.StringIO(), {})


def test_coloured_text_reads_the_same_without_codes(shipped_catalog: object) -> None:
    """Colour only adds styles: stripped of its codes, the text is exactly the plain rendering."""
    from bot.query import ask

    answer = ask(shipped_catalog, "who Sohail Mahmood")  # type: ignore[arg-type]
    coloured = render_text(answer, 80, colour=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == render_text(answer, 80)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["who", "Sohail", "Mahmood"], ["who Sohail Mahmood"]),
        (["/who Sohail Mahmood"], ["/who Sohail Mahmood"]),
        (["dialogue latest", "who Khan"], ["dialogue latest", "who Khan"]),
        (["dialogue latest", "help"], ["dialogue latest", "help"]),
        ([], []),
    ],
)
def test_split_questions(args: list[str], expected: list[str]) -> None:
    """Arguments holding spaces are questions of their own; bare words make one question."""
    assert split_questions(args) == expected


def test_several_questions_as_arguments_are_all_answered() -> None:
    """`ask "dialogue latest" "who Khan"` answers both, in order, and exits 0."""
    done = run_ask("dialogue latest", "who Khan")
    titles = [line for line in done.stdout.splitlines() if line.startswith("# ")]
    assert titles[0].startswith("# Latest:") and titles[1] == "# Ms. Amina Khan"
    assert done.returncode == 0


def test_arguments_with_a_failure_exit_1_with_a_summary() -> None:
    """One unanswerable question among several: all are answered, exit 1, and stderr names the one that failed."""
    done = run_ask("dialogue latest", "who Zzyzx", "session Afghanistan")
    assert done.returncode == 1
    assert done.stdout.count("\n# ") == 2
    assert "1 of 3 question(s)" in done.stderr and "2: “who Zzyzx” — Nobody by that name" in done.stderr


def test_batch_exits_1_when_a_question_fails() -> None:
    """A piped batch with an unknown command and a name nobody has exits 1 and lists both on stderr."""
    done = run_ask(stdin="dialogue latest\nfrobnicate now\nwho Zzyzx\n")
    assert done.returncode == 1
    assert "2 of 3 question(s)" in done.stderr
    assert "2: “frobnicate now” — Unknown question" in done.stderr


def test_batch_exits_0_when_all_are_answered() -> None:
    """A piped batch of good questions exits 0 and writes nothing on stderr."""
    done = run_ask(stdin="dialogue latest\nwho Amina Khan\n")
    assert done.returncode == 0 and done.stderr == ""


def _read_until(fd: int, done: Callable[[str], bool], seen: list[str], within: float = 30.0) -> str:
    """Read a pseudo-terminal until done(everything read) holds (or the deadline passes); return everything read."""
    deadline = time.monotonic() + within
    while not done("".join(seen)):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"never happened; read so far: {''.join(seen)[-500:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen.append(os.read(fd, 65536).decode("utf-8", "replace"))
            except OSError:
                break
    return "".join(seen)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_prompt_has_line_editing_and_persistent_history(tmp_path: Path) -> None:
    """At the prompt the Up arrow recalls the last question (not "^[[A"), and the history survives the session."""
    import pty

    history = tmp_path / "history"
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "NO_COLOR"}}
    env |= {"BRIEFBOT_HISTORY": str(history), "TERM": "xterm", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--briefs", str(BRIEFS_DIR)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    seen: list[str] = []
    answered = "# Ms. Amina Khan"
    try:
        _read_until(master, lambda text: "> " in text, seen)
        os.write(master, b"who Amina Khan\r")
        _read_until(master, lambda text: text.count(answered) == 1 and text.rstrip().endswith(">"), seen)
        os.write(master, b"\x1b[A\r")  # Up, Enter: the same question again
        text = _read_until(master, lambda text: text.count(answered) == 2 and text.rstrip().endswith(">"), seen)
        assert "Unknown question" not in text and "^[[A" not in text
        os.write(master, b"\x04")  # Ctrl-D
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert history.read_text(encoding="utf-8").splitlines()[-1] == "who Amina Khan"


def test_report_in_the_console_names_file_and_line() -> None:
    """After an answer, `report` prints the brief file and line to edit; nothing is changed."""
    done = run_ask(stdin="positions Afghanistan by Iran\nreport the author is wrong\n")
    assert done.returncode == 0
    assert "To correct this answer, edit" in done.stdout
    assert f"{BRIEFS_DIR / 'issi-ipis-annual-dialogue.yaml'}:98  positions[2]  Position: Afghanistan" in done.stdout


def test_report_as_the_only_argument_asks_for_a_question_first() -> None:
    """`ask report` alone says to ask a question first (as the prompt does), not "Unknown question"."""
    done = run_ask("report")
    assert "Ask a question first" in done.stdout and "Unknown question" not in done.stdout


def test_an_empty_argument_is_answered_with_help_not_read_from_stdin() -> None:
    """`ask ""` (an empty variable in a script) gets the help, as an empty /brief does, instead of reading stdin."""
    done = run_ask("", stdin="who Riffat Masood\n")
    assert "what you can ask" in done.stdout and "Riffat Masood" not in done.stdout
