"""The brief store: a folder of YAML briefs -> validated dialogues -> a Catalog, reloaded when files change."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.catalog import Catalog
from bot.errors import BriefError, BriefsUnavailable
from bot.models import Dialogue, PeopleRegistry
from bot.parsing import parse_dialogue, parse_registry

log = logging.getLogger(__name__)

REGISTRY_FILE = "people.yaml"
BRIEF_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What identifies one version of a file without reading it."""

    size: int
    mtime_ns: int


@dataclass
class LoadReport:
    """What a load or reload did: files read, dialogues kept, errors found."""

    loaded: int = 0
    reused: int = 0
    removed: int = 0
    errors: list[BriefError] = field(default_factory=list)
    changed: bool = False

    @property
    def ok(self) -> bool:
        """Whether every file loaded cleanly."""
        return not self.errors


def brief_files(directory: Path) -> list[Path]:
    """Return the brief files of a folder (not the people registry, not hidden files), sorted."""
    try:
        entries = list(directory.iterdir())
    except FileNotFoundError:
        raise BriefsUnavailable(f"briefs folder {directory} does not exist") from None
    except NotADirectoryError:
        raise BriefsUnavailable(f"{directory} is not a folder") from None
    except OSError as exc:
        raise BriefsUnavailable(f"cannot read briefs folder {directory}: {exc.strerror or exc}") from None
    return sorted(
        p
        for p in entries
        if p.suffix in BRIEF_SUFFIXES and not p.name.startswith(".") and p.name != REGISTRY_FILE and p.is_file()
    )


def stamp(path: Path) -> FileStamp | None:
    """Return the size and mtime of a file, or None when it is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return FileStamp(st.st_size, st.st_mtime_ns)


class BriefStore:
    """Loads a briefs folder, keeps the last good version of every brief and serves a Catalog snapshot."""

    def __init__(
        self,
        directory: Path | str,
        *,
        include_drafts: bool = False,
        on_errors: Callable[[list[BriefError]], None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.include_drafts = include_drafts
        self.on_errors = on_errors
        self._lock = threading.Lock()
        self._good: dict[Path, tuple[FileStamp, Dialogue]] = {}
        self._bad: dict[Path, tuple[FileStamp, list[BriefError]]] = {}
        self._registry: tuple[FileStamp | None, PeopleRegistry] = (None, PeopleRegistry())
        self._catalog: Catalog | None = None
        self.last_report = LoadReport()

    @property
    def catalog(self) -> Catalog:
        """Return the current snapshot, loading the folder on first use."""
        if self._catalog is None:
            self.load()
        assert self._catalog is not None
        return self._catalog

    def load(self) -> LoadReport:
        """Read the folder (only files changed since the last load) and swap in a new snapshot."""
        with self._lock:
            report = self._refresh()
            if report.changed or self._catalog is None:
                dialogues = {d.id: d for _, d in self._good.values()}
                self._catalog = Catalog(dialogues, self._registry[1], include_drafts=self.include_drafts)
            self.last_report = report
        for error in report.errors:
            log.warning("brief skipped: %s", error)
        if report.errors and self.on_errors:
            self.on_errors(report.errors)
        return report

    reload = load

    def errors(self) -> list[BriefError]:
        """Return the errors of files currently failing (their last good version, if any, is served)."""
        out: list[BriefError] = []
        for _, errors in self._bad.values():
            out.extend(errors)
        return out

    def _refresh(self) -> LoadReport:
        report = LoadReport()
        files = brief_files(self.directory)
        current = set(files)
        for path in [p for p in self._good if p not in current]:
            del self._good[path]
            report.removed += 1
            report.changed = True
        for path in [p for p in self._bad if p not in current]:
            del self._bad[path]
        for path in files:
            st = stamp(path)
            if st is None:
                continue
            good = self._good.get(path)
            if good and good[0] == st:
                report.reused += 1
                continue
            bad = self._bad.get(path)
            if bad and bad[0] == st:
                report.errors.extend(bad[1])
                continue
            dialogue, errors = parse_dialogue(path)
            if dialogue is None:
                self._bad[path] = (st, errors)
                report.errors.extend(errors)
                continue
            self._bad.pop(path, None)
            self._good[path] = (st, dialogue)
            report.loaded += 1
            report.changed = True
        report.errors.extend(self._check_duplicate_ids())
        registry_path = self.directory / REGISTRY_FILE
        reg_stamp = stamp(registry_path)
        if reg_stamp != self._registry[0]:
            if reg_stamp is None:
                self._registry = (None, PeopleRegistry())
                report.changed = True
            else:
                registry, errors = parse_registry(registry_path)
                if registry is None:
                    report.errors.extend(errors)  # keep the last good registry
                else:
                    report.errors.extend(errors)
                    self._registry = (reg_stamp, registry)
                    report.changed = True
        return report

    def _check_duplicate_ids(self) -> list[BriefError]:
        owners: dict[str, Path] = {}
        errors: list[BriefError] = []
        for path, (_, dialogue) in sorted(self._good.items()):
            first = owners.setdefault(dialogue.id, path)
            if first != path:
                errors.append(
                    BriefError(str(path), f"duplicate id {dialogue.id!r}, also used by {first}", 1, None, "id")
                )
        return errors
