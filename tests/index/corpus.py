"""Generated corpora for store tests: a module-scoped corpus and private copies with old mtimes."""

from __future__ import annotations

import os
from pathlib import Path

OLD_NS = 1_600_000_000_000_000_000  # a date in the past, so copied files' mtimes are never racy


def private_copy(corpus: Path, tmp_path: Path) -> Path:
    """Copy a corpus into tmp_path/briefs with every file dated in the past; return the copy."""
    out = tmp_path / "briefs"
    out.mkdir()
    for path in corpus.iterdir():
        target = out / path.name
        target.write_bytes(path.read_bytes())
        os.utime(target, ns=(OLD_NS, OLD_NS))
    return out


def brief_paths(folder: Path) -> list[Path]:
    """Return the brief files of a generated folder (not the people registry), sorted."""
    return sorted(p for p in folder.glob("*.yaml") if p.name != "people.yaml")
