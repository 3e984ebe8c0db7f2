"""Read one brief file safely: size and encoding limits, no YAML aliases, errors with file:line:column."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.briefs.models import Dialogue, PeopleRegistry, reference_problems
from bot.errors import BriefError

MAX_BRIEF_BYTES = 1_000_000
# the people registry is one file for the whole folder: ~160 bytes a person, so this is room for ~125,000 people
# (a 50,000-brief folder's registry of 6,848 people is 1.1 MB)
MAX_REGISTRY_BYTES = 20_000_000

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


try:  # libyaml's event parser, for the fast path below; without it every file takes the loader path
    import yaml._yaml as _libyaml

    _CParser: Any = _libyaml.CParser  # events typed as Any: the stubs' Event lacks the fields read here
except ImportError:  # pragma: no cover - depends on the PyYAML build
    _CParser = None


class _NotFastPath(Exception):
    """The document uses YAML the fast path does not build; the loader path must read it."""


_STR_TAG = "tag:yaml.org,2002:str"
# Tags the fast path builds with PyYAML's own constructors; merge (<<), value (=) and the rest fall back.
_SCALAR_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")}
_SAFE_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALAR_CONSTRUCTORS: dict[str, Callable[[Any, yaml.ScalarNode], Any]] = {
    tag: yaml.constructor.SafeConstructor.yaml_constructors[tag] for tag in _SCALAR_TAGS
}
_MISSING_KEY = object()


def _plain_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """Return SafeLoader's implicit resolvers by first character ('' for empty), wildcards appended."""
    table = yaml.SafeLoader.yaml_implicit_resolvers
    wildcard = table.get(None, [])
    return {first: [*resolvers, *wildcard] for first, resolvers in table.items() if first is not None}


_RESOLVERS_BY_FIRST = _plain_resolvers()
_WILDCARD_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers.get(None) or None


def _plain_scalar(value: str) -> Any:
    """Resolve and construct a plain scalar exactly as SafeLoader does (first matching resolver wins)."""
    resolvers = _RESOLVERS_BY_FIRST.get(value[:1], _WILDCARD_RESOLVERS)
    if resolvers is None:
        return value
    for tag, regexp in resolvers:
        if regexp.match(value):
            if tag == _STR_TAG:
                return value
            construct = _SCALAR_CONSTRUCTORS.get(tag)
            if construct is None:
                raise _NotFastPath(tag)
            return construct(_SAFE_CONSTRUCTOR, yaml.ScalarNode(tag, value))
    return value


def _fast_load(text: str | bytes) -> Any:
    """Build plain data straight from libyaml's events; raise on anything beyond plain one-document YAML."""
    get_event = _CParser(text).get_event
    get_event()  # StreamStartEvent
    event = get_event()
    if type(event) is yaml.StreamEndEvent:
        return None  # no document at all: only comments or nothing
    if type(event) is not yaml.DocumentStartEvent:
        raise _NotFastPath(event)
    root = _build_document(get_event)
    if type(get_event()) is not yaml.DocumentEndEvent or type(get_event()) is not yaml.StreamEndEvent:
        raise _NotFastPath("more than one document")
    return root


def _build_document(get_event: Callable[[], Any]) -> Any:
    """Build one document's data from its events, up to its last node (the hot loop, kept in one function)."""
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    sequence_start, mapping_start = yaml.SequenceStartEvent, yaml.MappingStartEvent
    collection_end = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    root: Any = None
    # The container being filled, whether it is a mapping, and its pending key; parents wait on the stack.
    container: Any = None
    is_mapping = False
    key: Any = _MISSING_KEY
    stack: list[tuple[Any, bool, Any]] = []
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event:
            if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                raise _NotFastPath(event)
            value = _plain_scalar(event.value) if event.implicit[0] else event.value
        elif kind is mapping_start or kind is sequence_start:
            if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                raise _NotFastPath(event)
            if is_mapping and key is _MISSING_KEY:
                raise _NotFastPath(event)  # a mapping or list used as a key
            value = {} if kind is mapping_start else []
            if container is None:
                root = value
            elif is_mapping:
                container[key] = value
                key = _MISSING_KEY
            else:
                container.append(value)
            stack.append((container, is_mapping, key))
            container, is_mapping, key = value, kind is mapping_start, _MISSING_KEY
            continue
        elif kind in collection_end:
            container, is_mapping, key = stack.pop()
            if container is None:
                break
            continue
        elif kind is alias_event:
            raise _NotFastPath(event)
        else:
            raise _NotFastPath(event)
        if container is None:
            root = value  # the whole document is one scalar
            break
        if not is_mapping:
            container.append(value)
        elif key is _MISSING_KEY:
            key = value
        else:
            container[key] = value
            key = _MISSING_KEY
    return root


def read_yaml(
    path: Path, text: str | None = None, raw: bytes | None = None, *, registry: bool = False
) -> tuple[Any, list[BriefError]]:
    """Parse one YAML file into plain data, or return the errors that stop it (raw: its bytes, if already read;
    registry: the file is the people registry, which has a limit of its own)."""
    shown = str(path)
    if text is None:
        try:
            size = path.stat().st_size if raw is None else len(raw)
            limit, what = (
                (MAX_REGISTRY_BYTES, "the people registry is") if registry else (MAX_BRIEF_BYTES, "briefs are")
            )
            if size > limit:
                return None, [BriefError(shown, f"file is {size:,} bytes; {what} limited to {limit:,} bytes")]
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
    maybe_anchor = _maybe_anchor(text)
    if _CParser is not None and not maybe_anchor:
        # Any exception, parse errors included, leaves the file to the loader path and its messages.
        with contextlib.suppress(Exception):
            return _fast_load(text), []
    try:
        loader = _StrictComposer if maybe_anchor else _FastLoader
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
    data, errors = read_yaml(path, registry=True)
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
    from bot.briefs.models import normalize_name

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
