"""The terminal itself: its width, colour (only on a terminal, honouring NO_COLOR), wrapping that never breaks an id
or URL, a readline prompt with persistent history, and several questions given as arguments."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

DEFAULT_WIDTH = 100
MIN_WIDTH, MAX_WIDTH = 40, 160
HISTORY_LINES = 1000


def terminal_width(env: Mapping[str, str] | None = None) -> int:
    """Return the width to wrap at: COLUMNS when set, else the terminal's, else 100 (kept within 40-160)."""
    env = os.environ if env is None else env
    columns = env.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    else:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(width, MAX_WIDTH))


def use_colour(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Return whether to colour output: only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Paint:
    """ANSI styles, or plain text when colour is off."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def _style(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on and text else text

    def title(self, text: str) -> str:
        """Return an answer's title: bold cyan."""
        return self._style("1;36", text)

    def heading(self, text: str) -> str:
        """Return an item's heading: bold."""
        return self._style("1", text)

    def key(self, text: str) -> str:
        """Return a field's label: bold."""
        return self._style("1", text)

    def warn(self, text: str) -> str:
        """Return a warning such as the draft mark: bold yellow."""
        return self._style("1;33", text)

    def dim(self, text: str) -> str:
        """Return secondary text (sources): dim."""
        return self._style("2", text)


def wrap(text: str, width: int, initial: str = "", subsequent: str = "") -> list[str]:
    """Wrap at spaces only: an id, URL or hyphenated name is never split (a longer word overflows instead)."""
    wrapper = textwrap.TextWrapper(
        width,
        initial_indent=initial,
        subsequent_indent=subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return wrapper.wrap(text)


def split_questions(args: list[str]) -> list[str]:
    """Return the questions in command-line arguments: each argument holding a space is a question of its own
    (`ask "dialogue latest" "who Khan"`); otherwise the words make one question (`ask who Sohail Mahmood`)."""
    words = [a for a in args if a.strip()]
    if len(words) > 1 and any(" " in a.strip() for a in words):
        return [a.strip() for a in words]
    return [" ".join(a.strip() for a in words)] if words else []


def history_path(env: Mapping[str, str] | None = None) -> Path:
    """Return the history file: BRIEFBOT_HISTORY, else $XDG_STATE_HOME/briefbot/history (~/.local/state)."""
    env = os.environ if env is None else env
    if env.get("BRIEFBOT_HISTORY"):
        return Path(env["BRIEFBOT_HISTORY"]).expanduser()
    state = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "briefbot" / "history"


@contextmanager
def line_editing(path: Path) -> Iterator[bool]:
    """Turn on readline editing (arrows, Ctrl-R) for input() with history loaded from path and saved back on exit;
    yield whether readline is available (it is not on every platform)."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        yield False
        return
    readline.set_history_length(HISTORY_LINES)
    with suppress(OSError):  # no history yet, or unreadable: start afresh
        readline.read_history_file(path)
    try:
        yield True
    finally:
        with suppress(OSError):  # a read-only home must not turn quitting into a traceback
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
