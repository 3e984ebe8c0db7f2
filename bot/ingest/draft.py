"""Write a draft Dialogue as a brief YAML file, in the brief format, never overwriting an existing file."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bot.briefs.models import Dialogue
from bot.errors import BriefbotError

log = logging.getLogger(__name__)

MAX_SUFFIX = 99


class DraftExists(BriefbotError):
    """The draft's file (or id) is already taken and the id was given explicitly."""


class _Dumper(yaml.SafeDumper):
    """Block style YAML that keeps long prose readable."""


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = ">" if len(value) > 100 and "\n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dialogue_data(dialogue: Dialogue) -> dict[str, Any]:
    """Return the plain data of a dialogue in the field order of the brief format."""
    data: dict[str, Any] = dialogue.model_dump(mode="json")
    for p in data["participants"]:
        if p.get("person") is None:
            p.pop("person", None)
    return data


def to_yaml(dialogue: Dialogue, header: str | None = None) -> str:
    """Return the brief YAML text of a dialogue, with an optional comment header."""
    body = yaml.dump(
        dialogue_data(dialogue),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=110,
        default_flow_style=False,
    )
    lines = [f"# {line}".rstrip() for line in (header or "").splitlines()]
    return "\n".join([*lines, body]) if lines else body


def taken_ids(*folders: Path) -> set[str]:
    """Return the ids (file stems) of the briefs in these folders."""
    ids: set[str] = set()
    for folder in folders:
        if folder.is_dir():
            ids |= {p.stem for p in folder.iterdir() if p.suffix in {".yaml", ".yml"}}
    return ids


def free_id(wanted: str, out_dir: Path, taken: set[str], explicit: bool) -> str:
    """Return an id whose file does not exist: the wanted one, else wanted-2, -3 ...; refuse for an explicit id."""

    def free(candidate: str) -> bool:
        return candidate not in taken and not (out_dir / f"{candidate}.yaml").exists()

    if free(wanted):
        return wanted
    if explicit:
        raise DraftExists(f"a brief with id {wanted!r} already exists in {out_dir}; choose another --id")
    for n in range(2, MAX_SUFFIX + 1):
        candidate = f"{wanted}-{n}"
        if free(candidate):
            return candidate
    raise DraftExists(f"ids {wanted!r} to {wanted}-{MAX_SUFFIX} are all taken in {out_dir}")


def write_draft(dialogue: Dialogue, out_dir: Path, header: str | None = None) -> Path:
    """Write the draft to out_dir/<id>.yaml, failing rather than overwriting a file that appeared meanwhile."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{dialogue.id}.yaml"
    text = to_yaml(dialogue, header)
    # Atomic: the full text goes to a hidden temp file (the bot ignores dot files), then a hard link gives it its
    # name in one step. The bot never sees a half-written draft, and link() fails rather than overwrite a file.
    fd, tmp = tempfile.mkstemp(prefix=f".{dialogue.id}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
    except FileExistsError:
        raise DraftExists(f"{path} already exists; not overwriting it") from None
    finally:
        os.unlink(tmp)
    log.debug("wrote draft %s", path)
    return path


def header_for(source: str, extractor: str, today: dt.date | None = None) -> str:
    """Return the comment header of a draft: where it came from and that it needs review."""
    day = (today or dt.date.today()).isoformat()
    return (
        f"Draft written by `briefbot ingest` ({extractor} extractor) on {day} from:\n  {source}\n"
        "Review every field against the source, rewrite quoted sentences, then set status: published."
    )
