"""Read one brief file safely: size and encoding limits, no YAML aliases, errors with file:line:column."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import BriefError
from bot.models import Dialogue, PeopleRegistry, reference_problems

MAX_BRIEF_BYTES = 1_000_000

try:  # the C parser is ~10x faster; fall back to the pure-Python one where libyaml is missing
    _FastLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _FastLoader = yaml.SafeLoader

# An anchor (&a) or alias (*a) at the start of a node; prose like "R&D" or "5*3" does not match.
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])[&*][^\s,\[\]{}]", re.MULTILINE)


class _StrictComposer(yaml.SafeLoader):
    """Pure-Python loader that refuses anchors and aliases (alias bombs) and keeps node marks."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            mark = event.start_mark
            raise yaml.MarkedYAMLError(
                problem="YAML anchors and aliases (&name / *name) are not allowed in briefs; write the value out",
                problem_mark=mark,
            )
        return super().compose_node(parent, index)


def _maybe_anchor(text: str) -> bool:
    # the regex scan costs ~0.2 ms per brief; most briefs hold neither character
    return ("&" in text or "*" in text) and _MAYBE_ANCHOR.search(text) is not None


def read_yaml(path: Path, text: str | None = None, raw: bytes | None = None) -> tuple[Any, list[BriefError]]:
    """Parse one YAML file into plain data, or return the errors that stop it (raw: its bytes, if already read)."""
    shown = str(path)
    if text is None:
        try:
            size = path.stat().st_size if raw is None else len(raw)
            if size > MAX_BRIEF_BYTES:
                return None, [
                    BriefError(shown, f"file is {size:,} bytes; briefs are limited to {MAX_BRIEF_BYTES:,} bytes")
                ]
            if raw is None:
                raw = path.read_bytes()
        except OSError as exc:
            return None, [BriefError(shown, f"cannot read file: {exc.strerror or exc}")]
        if b"\x00" in raw[:8192]:
            return None, [BriefError(shown, "binary file, not YAML text; remove it from the briefs folder")]
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            return None, [BriefError(shown, "not valid UTF-8 text; save the file as UTF-8", line=line)]
    try:
        loader = _StrictComposer if _maybe_anchor(text) else _FastLoader
        data = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if "expected a single document" in str(exc):
            problem = "several YAML documents (---) in one file; a brief is one document"
        return None, [
            BriefError(
                shown,
                f"YAML syntax error: {problem}",
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ]
    except yaml.YAMLError as exc:
        return None, [BriefError(shown, f"YAML error: {exc}")]
    except RecursionError:
        return None, [BriefError(shown, "YAML nesting is too deep")]
    return data, []


def locate(text: str, loc: Sequence[str | int]) -> tuple[int | None, int | None]:
    """Return the 1-based line and column of the node at a field path, or of its nearest parent."""
    try:
        node = yaml.compose(text, Loader=_StrictComposer)
    except yaml.YAMLError:
        return None, None
    best = node
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
            if nxt is None:
                break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        best = node
    if best is None:
        return None, None
    return best.start_mark.line + 1, best.start_mark.column + 1


def field_path(loc: Sequence[str | int]) -> str:
    """Return a pydantic location as a readable field path, e.g. participants[2].role."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _fix_hint(error_type: str, message: str) -> str:
    hints = {
        "missing": "add this field",
        "extra_forbidden": "remove it or check the spelling of the key (see `briefbot schema`)",
        "string_pattern_mismatch": "use the documented format",
        "literal_error": "use one of the allowed values",
    }
    hint = hints.get(error_type)
    return f"{message}; {hint}" if hint else message


def validation_errors(path: Path, text: str, exc: ValidationError) -> list[BriefError]:
    """Turn a pydantic ValidationError into located BriefErrors."""
    out: list[BriefError] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if isinstance(p, str | int)]
        # pydantic appends the validator's name for tagged unions etc.; keep only real keys
        line, column = locate(text, loc)
        message = err["msg"]
        if err["type"] == "string_pattern_mismatch" and loc and loc[-1] == "date":
            message = "date must be YYYY-MM-DD, YYYY-MM or YYYY (or null when the source gives none)"
        elif err["type"] == "string_pattern_mismatch" and loc and loc[-1] == "id":
            message = "id must be lowercase letters, digits, '-', '_' or '.'"
        out.append(
            BriefError(
                str(path),
                _fix_hint(err["type"], message),
                line=line,
                column=column,
                field=field_path(loc) or None,
            )
        )
    return out


def parse_dialogue(path: Path) -> tuple[Dialogue | None, list[BriefError]]:
    """Read, validate and cross-check one brief file; return the dialogue or every error found."""
    data, errors = read_yaml(path)
    if errors:
        return None, errors
    return dialogue_from_data(path, data)


def dialogue_from_data(path: Path, data: Any, text: str | None = None) -> tuple[Dialogue | None, list[BriefError]]:
    """Validate parsed data as a brief; text (for line numbers) is read from path when needed."""
    shown = str(path)
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        return None, [BriefError(shown, f"a brief must be a YAML mapping of keys (id, title, ...), not {kind}", line=1)]

    def source_text() -> str:
        if text is not None:
            return text
        try:
            return path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return ""

    try:
        dialogue = Dialogue.model_validate(data)
    except ValidationError as exc:
        return None, validation_errors(path, source_text(), exc)
    errors: list[BriefError] = []
    if dialogue.id != path.stem:
        line, column = locate(source_text(), ["id"])
        errors.append(
            BriefError(
                shown,
                f"id {dialogue.id!r} differs from the file name {path.stem!r}; rename one so they match",
                line=line,
                column=column,
                field="id",
            )
        )
    problems = reference_problems(dialogue)
    if problems:
        body = source_text()
        for loc, message in problems:
            line, column = locate(body, loc)
            errors.append(BriefError(shown, message, line=line, column=column, field=field_path(loc)))
    return (None, errors) if errors else (dialogue, [])


def parse_registry(path: Path) -> tuple[PeopleRegistry | None, list[BriefError]]:
    """Read and validate the people registry; return it or its errors."""
    data, errors = read_yaml(path)
    if errors:
        return None, errors
    if data is None:
        return PeopleRegistry(), []
    try:
        registry = PeopleRegistry.model_validate(data)
    except ValidationError as exc:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            text = ""
        return None, validation_errors(path, text, exc)
    return registry, registry_problems(path, registry)


def registry_problems(path: Path, registry: PeopleRegistry) -> list[BriefError]:
    """Return duplicate ids and spellings claimed by two people in the registry."""
    from bot.models import normalize_name

    text = ""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = path.read_text(encoding="utf-8-sig")
    errors: list[BriefError] = []
    ids: set[str] = set()
    owner: dict[str, str] = {}
    for i, person in enumerate(registry.people):
        if person.id in ids:
            line, column = locate(text, ["people", i, "id"])
            errors.append(BriefError(str(path), f"duplicate person id {person.id!r}", line, column, f"people[{i}].id"))
        ids.add(person.id)
        for j, spelling in enumerate((person.name, *person.aliases)):
            key = normalize_name(spelling)
            if key in owner and owner[key] != person.id:
                loc: list[str | int] = ["people", i, "aliases", j - 1] if j else ["people", i, "name"]
                line, column = locate(text, loc)
                errors.append(
                    BriefError(
                        str(path),
                        f"{spelling!r} is also a spelling of {owner[key]!r}; a spelling may name one person only",
                        line,
                        column,
                        field_path(loc),
                    )
                )
            owner.setdefault(key, person.id)
    return errors
