"""`briefbot validate`: every problem in every file of a briefs folder, reported at once."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.briefs.folder import BRIEF_SUFFIXES, REGISTRY_FILE, brief_files, duplicate_error, not_a_brief
from bot.briefs.models import Dialogue, fold
from bot.briefs.names import mixed_script
from bot.briefs.parsing import parse_dialogue, parse_registry
from bot.errors import BriefError, BriefsUnavailable


@dataclass
class ValidationResult:
    """Errors found and counts of what was checked."""

    errors: list[BriefError] = field(default_factory=list)
    warnings: list[BriefError] = field(default_factory=list)
    files: int = 0
    published: int = 0
    drafts: int = 0
    people: int = 0

    def summary(self) -> str:
        """Return one line saying what was checked and what was found."""
        if self.errors:
            bad = len({e.path for e in self.errors})
            return f"{len(self.errors)} problem(s) in {bad} of {self.files} file(s)"
        return (
            f"OK: {self.files} brief(s) valid ({self.published} published, {self.drafts} draft), "
            f"{self.people} people in the registry"
        )


def validate_dir(directory: Path) -> ValidationResult:
    """Check every brief and the people registry of a folder."""
    result = ValidationResult()
    try:
        files = brief_files(directory)
    except BriefsUnavailable as exc:
        result.errors.append(BriefError(str(directory), str(exc)))
        return result
    skipped = unreadable(directory)
    result.errors.extend(skipped)
    result.files += len({e.path for e in skipped})  # entries named like briefs count, so the summary adds up
    seen: dict[str, Path] = {}
    dialogues: list[Dialogue] = []
    for path in files:
        result.files += 1
        dialogue, errors = parse_dialogue(path)
        result.errors.extend(errors)
        if dialogue is None:
            continue
        if dialogue.id in seen:  # files come in sorted order: the bot serves the first one (X.yaml before X.yml)
            result.errors.append(duplicate_error(path, dialogue.id, seen[dialogue.id]))
            continue
        seen[dialogue.id] = path
        dialogues.append(dialogue)
        result.warnings.extend(mixed_script_warnings(dialogue, path))
        if dialogue.is_published:
            result.published += 1
        else:
            result.drafts += 1
    result.errors.extend(series_problems(dialogues, seen))
    registry_path = directory / REGISTRY_FILE
    if registry_path.exists():
        registry, errors = parse_registry(registry_path)
        result.errors.extend(errors)
        if registry is not None:
            result.people = len(registry.people)
            for i, person in enumerate(registry.people):
                for name in (person.name, *person.aliases):
                    warning = mixed_script(name)
                    if warning:
                        result.warnings.append(BriefError(str(registry_path), warning, None, None, f"people[{i}]"))
            known_ids = {p.id for p in registry.people}
            for dialogue in dialogues:
                for i, participant in enumerate(dialogue.participants):
                    if participant.person and participant.person not in known_ids:
                        result.errors.append(
                            BriefError(
                                str(seen[dialogue.id]),
                                f"person id {participant.person!r} is not in {REGISTRY_FILE}",
                                None,
                                None,
                                f"participants[{i}].person",
                            )
                        )
    return result


def series_problems(dialogues: list[Dialogue], paths: dict[str, Path]) -> list[BriefError]:
    """Return the problems of `series` and `round` across briefs: one name spelled two ways, a round used twice."""
    errors: list[BriefError] = []
    spelled: dict[str, tuple[str, str]] = {}  # folded words -> (spelling, dialogue id)
    rounds: dict[tuple[str, int], str] = {}
    for dialogue in dialogues:
        if dialogue.series is None:
            continue
        key = " ".join(re.findall(r"\w+", fold(dialogue.series)))
        first = spelled.setdefault(key, (dialogue.series, dialogue.id))
        if first[0] != dialogue.series:
            errors.append(
                BriefError(
                    str(paths[dialogue.id]),
                    f"series {dialogue.series!r} is spelled {first[0]!r} in {first[1]}: use one spelling",
                    None,
                    None,
                    "series",
                )
            )
        if dialogue.round is not None:
            other = rounds.setdefault((key, dialogue.round), dialogue.id)
            if other != dialogue.id:
                errors.append(
                    BriefError(
                        str(paths[dialogue.id]),
                        f"round {dialogue.round} of series {dialogue.series!r} is also {other}",
                        None,
                        None,
                        "round",
                    )
                )
    errors += _rounds_out_of_date_order(dialogues, paths)
    return errors


def _rounds_out_of_date_order(dialogues: list[Dialogue], paths: dict[str, Path]) -> list[BriefError]:
    """Return a problem for every dated round dated before an earlier-numbered dated round of its series."""
    by_series: dict[str, list[Dialogue]] = {}
    for d in dialogues:
        if d.series is not None and d.round is not None and d.date:
            by_series.setdefault(" ".join(re.findall(r"\w+", fold(d.series))), []).append(d)
    errors = []
    for rounds in by_series.values():
        latest: Dialogue | None = None  # the latest-dated round among the lower numbers
        for d in sorted(rounds, key=lambda d: d.round or 0):
            mine, theirs = d.date or "", (latest.date or "") if latest is not None else ""
            # a partial date ("2025") that contains the other is no contradiction
            if latest is not None and latest.round != d.round and mine < theirs and not theirs.startswith(mine):
                errors.append(
                    BriefError(
                        str(paths[d.id]),
                        f"round {d.round} of series {d.series!r} is dated {d.date}, before round {latest.round} "
                        f"({latest.id}, {latest.date}): check the date or the round number",
                        None,
                        None,
                        "round",
                    )
                )
            if latest is None or (d.date or "") > (latest.date or ""):
                latest = d
    return errors


def unreadable(directory: Path) -> list[BriefError]:
    """Return a problem for every name with a brief's suffix that is no readable file (loops, FIFOs, devices)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []  # reported by brief_files
    out = []
    for name in names:
        if name.startswith(".") or name == REGISTRY_FILE or not name.endswith(BRIEF_SUFFIXES):
            continue
        problem = not_a_brief(directory / name)
        if problem is None and not os.access(directory / name, os.R_OK):
            problem = BriefError(str(directory / name), "skipped: cannot be read (permission denied)")
        if problem is not None:
            out.append(problem)
    return out


def mixed_script_warnings(dialogue: Dialogue, path: Path) -> list[BriefError]:
    """Return a warning for every person's name in a brief that mixes scripts."""
    names: list[tuple[str, str]] = [(f"participants[{i}].name", p.name) for i, p in enumerate(dialogue.participants)]
    names += [(f"moderators[{i}]", m) for i, m in enumerate(dialogue.moderators)]
    names += [(f"positions[{i}].by", b) for i, p in enumerate(dialogue.positions) for b in p.by]
    names += [(f"mentions[{i}].name", m.name) for i, m in enumerate(dialogue.mentions)]
    out = []
    for where, name in names:
        warning = mixed_script(name)
        if warning:
            out.append(BriefError(str(path), warning, None, None, where))
    return out
