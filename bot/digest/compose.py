"""Digest composition as pure functions: which briefs are new for a target and the neutral answer.

Each platform renders that answer with its own escaper (bot.adapters.*.digest), injected into the delivery engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.answer import Answer, AnswerKind, Item
from bot.briefs.keys import fold, normalize_name
from bot.config import DigestConfig, DigestFilters
from bot.digest.changes import snapshot
from bot.index.catalog import Catalog, sort_key
from bot.present import citation, moderators

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue

MAX_POSITIONS = 3
POSITION_CHARS = 300
NOTHING_NEW = "No new or changed briefs since the last digest."


LATER_KEYS = ("series", "round")


def brief_version_scheme() -> str:
    """Return a tag of how brief_version() computes (its code, the keys it leaves out, the models' code)."""
    from bot.index.cachedb import code_version

    code = brief_version.__code__
    text = f"{code.co_code!r}{code.co_consts!r}{code.co_names!r}{LATER_KEYS!r}{code_version()}"
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def brief_version(dialogue: Dialogue) -> str:
    """Return a stable hash of a brief's validated content (changes whenever any field changes)."""
    # keys added later are left out while unset, so a brief that does not use them keeps the version it had
    unset = {key for key in LATER_KEYS if getattr(dialogue, key) is None}
    return hashlib.sha256(dialogue.model_dump_json(exclude=unset).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Selection:
    """What one target's next digest holds, and every brief version to record once it is delivered."""

    new: tuple[Dialogue, ...] = ()
    changed: tuple[Dialogue, ...] = ()
    record: Mapping[str, str] = field(default_factory=dict)
    first: bool = False
    changes: Mapping[str, str] = field(default_factory=dict)  # brief id -> what changed since the target's version
    snapshots: Mapping[str, str] = field(default_factory=dict)  # version -> snapshot, for every recorded version

    @property
    def dialogues(self) -> tuple[Dialogue, ...]:
        """Return the new and changed dialogues, newest first."""
        return tuple(sorted((*self.new, *self.changed), key=sort_key, reverse=True))

    @property
    def empty(self) -> bool:
        """Whether there is nothing to show."""
        return not self.new and not self.changed


def _matches_any(wanted: Iterable[str], have: Iterable[str]) -> bool:
    have_folded = [fold(h) for h in have if h]
    return any(fold(w) and any(fold(w) == h or fold(w) in h for h in have_folded) for w in wanted)


def _people_keys(catalog: Catalog | None, names: Sequence[str]) -> set[str]:
    keys: set[str] = set()
    if catalog is None:
        return keys
    for name in names:
        match = catalog.find_people(name)
        if match.how in {"exact", "transliteration"}:
            keys.update(match.keys)
    return keys


def matches_filters(dialogue: Dialogue, filters: DigestFilters, catalog: Catalog | None = None) -> bool:
    """Return whether a dialogue passes every non-empty filter (any value within one filter matches)."""
    if filters.organizers:
        names = {fold(x) for o in dialogue.organizers for x in (o.name, o.acronym) if x}
        wanted = {fold(w) for w in filters.organizers}
        long_names = [f" {fold(o.name)} " for o in dialogue.organizers]
        if not wanted & names and not any(f" {w} " in n for w in wanted for n in long_names):
            return False
    if filters.people:
        wanted = {normalize_name(p) for p in filters.people}
        present = {normalize_name(p.name) for p in dialogue.participants}
        if not wanted & present:
            keys = _people_keys(catalog, filters.people)
            records = [catalog.people[k] for k in keys if catalog and k in catalog.people]
            if not any(a.dialogue_id == dialogue.id for r in records for a in r.appearances):
                return False
    if filters.topics:
        texts = [*dialogue.topics, *(p.topic for p in dialogue.positions), *(s.title for s in dialogue.sessions)]
        if not _matches_any(filters.topics, [dialogue.title, *texts]):
            return False
    if filters.countries:
        countries = {
            fold(c)
            for c in (*(o.country for o in dialogue.organizers), *(p.country for p in dialogue.participants))
            if c
        }
        if not {fold(c) for c in filters.countries} & countries:
            return False
    return True


def select_known(
    catalog: Catalog, config: DigestConfig, delivered: Mapping[str, str] | None, versions: Mapping[str, str]
) -> Selection:
    """Return select_briefs() over the catalog, given every published brief's version by id: only the new and
    changed dialogues are loaded (all of them for a first digest or a digest with filters, which read them)."""
    if delivered is None or any(config.filters.model_dump().values()):
        return select_briefs(catalog.all.values(), config, delivered, catalog, versions)

    def newest_first(ids: list[str]) -> tuple[Dialogue, ...]:
        return tuple(
            catalog.all[did] for did in sorted(ids, key=lambda i: (catalog.summary(i).date or "", i), reverse=True)
        )

    new = newest_first([did for did in versions if did not in delivered])
    changed = newest_first([did for did, v in versions.items() if did in delivered and delivered[did] != v])
    record = {d.id: versions[d.id] for d in (*new, *changed)}
    snaps = {versions[d.id]: snapshot(d) for d in (*new, *changed)}
    return Selection(new=new, changed=changed, record=record, snapshots=snaps)


def select_briefs(
    dialogues: Iterable[Dialogue],
    config: DigestConfig,
    delivered: Mapping[str, str] | None,
    catalog: Catalog | None = None,
    known: Mapping[str, str] | None = None,
) -> Selection:
    """Return the published, matching briefs new or changed for a target; `delivered` None = its first digest.

    known, when given, holds brief_version() of the briefs by id, already computed.
    """
    candidates = sorted(
        (d for d in dialogues if d.is_published and matches_filters(d, config.filters, catalog)),
        key=sort_key,
        reverse=True,
    )
    versions = {d.id: known[d.id] if known and d.id in known else brief_version(d) for d in candidates}
    if delivered is None:
        # A new target gets only the most recent `backfill` briefs; the older ones count as seen.
        snaps = {versions[d.id]: snapshot(d) for d in candidates}
        return Selection(new=tuple(candidates[: config.backfill]), record=versions, first=True, snapshots=snaps)
    new = tuple(d for d in candidates if d.id not in delivered)
    changed = tuple(d for d in candidates if d.id in delivered and delivered[d.id] != versions[d.id])
    record = {d.id: versions[d.id] for d in (*new, *changed)}
    snaps = {versions[d.id]: snapshot(d) for d in (*new, *changed)}
    return Selection(new=new, changed=changed, record=record, snapshots=snaps)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def digest_item(dialogue: Dialogue, *, updated: bool = False, change: str | None = None) -> Item:
    """Return one dialogue as a digest item: title, date, organisers, moderators, main positions, link."""
    cite = citation(dialogue)
    fields: list[tuple[str, str]] = [("Date", dialogue.date or "date not given")]
    if dialogue.organizers:
        fields.append(("Organisers", ", ".join(o.acronym or o.name for o in dialogue.organizers)))
    chairs = moderators(dialogue)
    if chairs:
        fields.append(("Moderator" if len(chairs) == 1 else "Moderators", ", ".join(chairs)))
    url = cite.url if cite.url and cite.url.startswith(("http://", "https://")) else None
    if url:
        fields.append(("Link", url))
    bullets = []
    for position in dialogue.positions[:MAX_POSITIONS]:
        by = ", ".join(position.by)
        bullets.append(_shorten(f"{position.topic} ({by}): {position.summary}", POSITION_CHARS))
    lines = (f"Updated brief: {change}" if change else "Updated brief",) if updated else ()
    return Item(heading=dialogue.title, fields=tuple(fields), lines=lines, bullets=tuple(bullets), citation=cite)


def compose(config: DigestConfig, selection: Selection) -> Answer:
    """Return the neutral digest answer of a selection (an empty one says there is nothing new)."""
    changed_ids = {d.id for d in selection.changed}
    items = tuple(
        digest_item(d, updated=d.id in changed_ids, change=selection.changes.get(d.id)) for d in selection.dialogues
    )
    if selection.empty:
        intro = NOTHING_NEW
    elif selection.first:
        intro = f"The {len(items)} most recent brief(s)."
    else:
        bits = [f"{len(selection.new)} new"] if selection.new else []
        bits += [f"{len(selection.changed)} updated"] if selection.changed else []
        intro = " and ".join(bits) + " since the last digest."
    return Answer(AnswerKind.DIGEST, config.title, intro, items, refs=tuple(d.id for d in selection.dialogues))
