"""Error types that carry where a problem is (file, line, field) and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def shown(text: str) -> str:
    """Return text safe to print on one line: newlines, ANSI escapes and other control characters escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True, slots=True)
class BriefError:
    """One problem in one brief file, located as precisely as the file allows."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        # one line, whatever the file name holds: a name with a newline or ANSI escapes cannot forge log lines
        return shown(f"{where}:{field} {self.message}")


class BriefbotError(Exception):
    """Base class of errors briefbot reports to a person instead of a traceback."""


def write_out(path: Path, data: str | bytes) -> None:
    """Write an --out file (text as UTF-8); a path that cannot be written is a BriefbotError, not a traceback."""
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as exc:
        raise BriefbotError(f"cannot write {shown(str(path))}: {exc.strerror or exc}") from exc


class ConfigError(BriefbotError):
    """The configuration is invalid; the message lists every problem."""


class BriefsUnavailable(BriefbotError):
    """The briefs folder cannot be read at all."""
