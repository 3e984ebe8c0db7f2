"""A briefs folder: which of its entries are brief files, and why an entry named like a brief cannot be one."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from bot.errors import BriefError, BriefsUnavailable

REGISTRY_FILE = "people.yaml"
BRIEF_SUFFIXES = (".yaml", ".yml")


def folder_unavailable(directory: Path, exc: OSError) -> BriefsUnavailable:
    """Return the error for a briefs folder that cannot be listed: missing, not a folder, or unreadable."""
    if isinstance(exc, FileNotFoundError):
        return BriefsUnavailable(f"briefs folder {directory} does not exist")
    if isinstance(exc, NotADirectoryError):
        return BriefsUnavailable(f"{directory} is not a folder")
    return BriefsUnavailable(f"cannot read briefs folder {directory}: {exc.strerror or exc}")


def brief_files(directory: Path) -> list[Path]:
    """Return the brief files of a folder (not the people registry, not hidden files), sorted."""
    try:
        entries = list(directory.iterdir())
    except OSError as exc:
        raise folder_unavailable(directory, exc) from None
    return sorted(
        p
        for p in entries
        if p.suffix in BRIEF_SUFFIXES and not p.name.startswith(".") and p.name != REGISTRY_FILE and p.is_file()
    )


def duplicate_error(skipped: Path, did: str, served: Path) -> BriefError:
    """Return the error reported for a file skipped because another file already serves its id."""
    return BriefError(str(skipped), f"duplicate id {did!r}: this file is skipped; {served} is served", 1, None, "id")


_KINDS = {
    0o010000: "a FIFO (named pipe)",
    0o020000: "a character device",
    0o060000: "a block device",
    0o140000: "a socket",
    0o040000: "a folder",
}


def not_a_brief(path: Path, st: os.stat_result | None = None, error: OSError | None = None) -> BriefError | None:
    """Return why a name with a brief's suffix cannot be read as a brief (loop, FIFO, device...), or None if it can."""
    if error is None and st is None:
        try:
            st = os.stat(path)
        except OSError as exc:
            error = exc
    if error is not None:
        if isinstance(error, FileNotFoundError):
            if not os.path.islink(path):
                return None  # gone meanwhile: nothing to report
            return BriefError(str(path), "skipped: a broken symbolic link (its target does not exist)")
        if error.errno == errno.ELOOP:
            return BriefError(str(path), "skipped: a symbolic link loop")
        return BriefError(str(path), f"skipped: cannot be read ({error.strerror or error})")
    assert st is not None
    kind = st.st_mode & 0o170000
    if kind == 0o100000:
        return None
    return BriefError(str(path), f"skipped: {_KINDS.get(kind, 'not a regular file')}, not a file")
