"""An immutable snapshot of the briefs with the indexes every question uses (people, dates, full text)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.models import Dialogue, Participant, PeopleRegistry, Person, fold, normalize_name
from bot.names import name_tokens, skeleton


@dataclass(frozen=True, slots=True)
class Appearance:
    """One person's part in one dialogue."""

    dialogue_id: str
    participant: Participant
    parts: tuple[str, ...]


@dataclass(slots=True)
class PersonRecord:
    """Everything known about one person across dialogues."""

    key: str
    name: str
    honorific: str | None = None
    country: str | None = None
    registered: bool = False
    spellings: set[str] = field(default_factory=set)
    appearances: list[Appearance] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NameMatch:
    """People a name query resolved to, best first, and how sure the match is."""

    keys: tuple[str, ...]
    how: str  # exact | transliteration | part | fuzzy | none
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TextHit:
    """One full-text hit: which dialogue, which field, and how well it matched."""

    dialogue_id: str
    kind: str
    ref: int
    field: str
    text: str
    score: float


def sort_key(dialogue: Dialogue) -> tuple[str, str]:
    """Return the ordering key of a dialogue: event date (undated ones last), then id."""
    return (dialogue.date or "", dialogue.id)


_WORD = re.compile(r"\w+", re.UNICODE)
_KIND_WEIGHT = {"title": 3.0, "session": 2.0, "topic": 2.0, "position": 1.5, "participant": 1.5}


class TextIndex:
    """SQLite FTS5 full-text index over every text field of the briefs, ranked with BM25."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE t USING fts5(did UNINDEXED, kind UNINDEXED, ref UNINDEXED,"
            " field UNINDEXED, body, tokenize='unicode61 remove_diacritics 2')"
        )
        self._rows: dict[str, list[int]] = {}

    def add(self, dialogues: Iterable[Dialogue]) -> None:
        """Index the text fields of these dialogues."""
        cur = self._db.cursor()
        for dialogue in dialogues:
            ids: list[int] = []
            for kind, ref, name, body in text_fields(dialogue):
                cur.execute(
                    "INSERT INTO t(did, kind, ref, field, body) VALUES (?,?,?,?,?)",
                    (dialogue.id, kind, ref, name, body),
                )
                ids.append(int(cur.lastrowid or 0))
            self._rows[dialogue.id] = ids
        self._db.commit()

    def remove(self, dialogue_id: str) -> None:
        """Drop one dialogue's rows."""
        ids = self._rows.pop(dialogue_id, [])
        self._db.executemany("DELETE FROM t WHERE rowid = ?", ((i,) for i in ids))
        self._db.commit()

    def search(self, text: str, kinds: Iterable[str] | None = None, limit: int = 50) -> list[TextHit]:
        """Return hits for all words of text (or, failing that, any word), best first."""
        words = [w for w in _WORD.findall(fold(text)) if w][:12]
        if not words:
            return []
        kind_set = set(kinds) if kinds else None
        hits = self._query(" AND ".join(f'"{w}"*' for w in words), kind_set, limit)
        if not hits and len(words) > 1:
            hits = self._query(" OR ".join(f'"{w}"*' for w in words), kind_set, limit)
        return hits

    def _query(self, match: str, kinds: set[str] | None, limit: int) -> list[TextHit]:
        sql = "SELECT did, kind, ref, field, body, bm25(t) FROM t WHERE t MATCH ?"
        params: list[object] = [match]
        if kinds:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(sorted(kinds))
        sql += " ORDER BY bm25(t) LIMIT ?"
        params.append(limit * 4)
        rows = self._db.execute(sql, params).fetchall()
        hits = [
            TextHit(did, kind, int(ref), name, body, -float(score) * _KIND_WEIGHT.get(kind, 1.0))
            for did, kind, ref, name, body, score in rows
        ]
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


def text_fields(dialogue: Dialogue) -> Iterator[tuple[str, int, str, str]]:
    """Yield (kind, ref, field path, text) for every searchable field of a dialogue."""
    yield "title", 0, "title", dialogue.title
    if dialogue.kind:
        yield "meta", 0, "kind", dialogue.kind
    if dialogue.location:
        yield "meta", 0, "location", dialogue.location
    if dialogue.host_unit:
        yield "meta", 0, "host_unit", dialogue.host_unit
    for i, org in enumerate(dialogue.organizers):
        yield (
            "organizer",
            i,
            f"organizers[{i}]",
            " ".join(x for x in (org.name, org.acronym, org.country) if x),
        )
    for i, p in enumerate(dialogue.participants):
        parts = (p.honorific, p.name, p.role, p.affiliation, p.country)
        yield "participant", i, f"participants[{i}]", " ".join(x for x in parts if x)
    for i, s in enumerate(dialogue.sessions):
        yield "session", i, f"sessions[{i}].title", s.title
        if s.summary:
            yield "session", i, f"sessions[{i}].summary", s.summary
        for j, takeaway in enumerate(s.takeaways):
            yield "session", i, f"sessions[{i}].takeaways[{j}]", takeaway
    for i, pos in enumerate(dialogue.positions):
        yield "position", i, f"positions[{i}]", f"{pos.topic}. {pos.summary}"
    for i, fig in enumerate(dialogue.figures):
        yield "figure", i, f"figures[{i}]", f"{fig.what}: {fig.value}"
    for i, topic in enumerate(dialogue.topics):
        yield "topic", i, f"topics[{i}]", topic
    for i, project in enumerate(dialogue.projects):
        yield "project", i, f"projects[{i}]", project
    for i, forum in enumerate(dialogue.forums):
        yield "forum", i, f"forums[{i}]", forum
    for i, mention in enumerate(dialogue.mentions):
        yield (
            "mention",
            i,
            f"mentions[{i}]",
            " ".join(x for x in (mention.name, mention.role, mention.context) if x),
        )


class Catalog:
    """Published (and optionally draft) dialogues with people, date and text indexes, built once."""

    def __init__(
        self,
        dialogues: Mapping[str, Dialogue],
        registry: PeopleRegistry | None = None,
        *,
        include_drafts: bool = False,
    ) -> None:
        self.all: dict[str, Dialogue] = dict(dialogues)
        self.registry = registry or PeopleRegistry()
        self.include_drafts = include_drafts
        visible = [d for d in self.all.values() if include_drafts or d.is_published]
        self.dialogues: dict[str, Dialogue] = {d.id: d for d in visible}
        self.ordered: list[Dialogue] = sorted(visible, key=sort_key, reverse=True)
        self._rank = {d.id: i for i, d in enumerate(self.ordered)}
        self._folded_titles = [fold(d.title) for d in self.ordered]
        self.people: dict[str, PersonRecord] = {}
        self._exact: dict[str, set[str]] = {}
        self._skeleton: dict[str, set[str]] = {}
        self._tokens: dict[str, set[str]] = {}
        self._build_people()
        self._spellings = list(self._exact)
        self._spelling_keys = [self._exact[s] for s in self._spellings]
        self.text = TextIndex()
        self.text.add(self.ordered)

    def __len__(self) -> int:
        return len(self.dialogues)

    def rank(self, dialogue_id: str) -> int:
        """Return the position of a dialogue in newest-first order."""
        return self._rank.get(dialogue_id, len(self._rank))

    def _index_spelling(self, key: str, spelling: str) -> None:
        self._exact.setdefault(normalize_name(spelling), set()).add(key)
        self._skeleton.setdefault(skeleton(spelling), set()).add(key)
        for token in name_tokens(spelling) | set(skeleton(spelling).split()):
            self._tokens.setdefault(token, set()).add(key)

    def _build_people(self) -> None:
        by_spelling: dict[str, Person] = {}
        for person in self.registry.people:
            record = PersonRecord(person.id, person.name, person.honorific, person.country, registered=True)
            self.people[person.id] = record
            for spelling in (person.name, *person.aliases):
                by_spelling.setdefault(normalize_name(spelling), person)
                record.spellings.add(spelling)
                self._index_spelling(person.id, spelling)
        for dialogue in self.ordered:  # newest first, so appearances are newest first
            for participant in dialogue.participants:
                reg = None
                if participant.person:
                    reg = next((p for p in self.registry.people if p.id == participant.person), None)
                reg = reg or by_spelling.get(normalize_name(participant.name))
                key = reg.id if reg else "name:" + normalize_name(participant.name)
                if key not in self.people:
                    self.people[key] = PersonRecord(key, participant.name, participant.honorific, participant.country)
                record = self.people[key]
                if participant.name not in record.spellings:
                    record.spellings.add(participant.name)
                    self._index_spelling(key, participant.name)
                record.appearances.append(Appearance(dialogue.id, participant, dialogue.parts_of(participant.name)))
        # registry entries with no appearance in the visible briefs are not people of this catalog
        for key in [k for k, r in self.people.items() if not r.appearances]:
            del self.people[key]
            for index in (self._exact, self._skeleton, self._tokens):
                for spelling in [s for s, keys in index.items() if key in keys]:
                    index[spelling].discard(key)
                    if not index[spelling]:
                        del index[spelling]

    def find_people(self, query: str) -> NameMatch:
        """Resolve a name as typed (honorific, case, accents, part, misspelling, alias) to people."""
        key = normalize_name(query)
        if not key:
            return NameMatch((), "none")
        hit = self._exact.get(key)
        if hit:
            return NameMatch(self._by_recency(hit), "exact")
        hit = self._skeleton.get(skeleton(query))
        if hit:
            return NameMatch(self._by_recency(hit), "transliteration")
        words = key.split()
        sets = [self._tokens.get(w) or self._tokens.get(skeleton(w), set()) for w in words]
        if all(sets):
            common = set.intersection(*sets)
            if common:
                return NameMatch(self._by_recency(common), "part")
        scored: dict[str, float] = {}
        for _, score, index in process.extract(key, self._spellings, scorer=fuzz.WRatio, limit=20):
            for person_key in self._spelling_keys[index]:
                scored[person_key] = max(scored.get(person_key, 0.0), float(score))
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        if ranked and ranked[0][1] >= 85:
            best = ranked[0][1]
            close = tuple(k for k, s in ranked if s >= best - 3)
            return NameMatch(close, "fuzzy")
        suggestions = tuple(self.people[k].name for k, _ in ranked[:3])
        return NameMatch((), "none", suggestions)

    def _by_recency(self, keys: Iterable[str]) -> tuple[str, ...]:
        present = [k for k in keys if k in self.people]

        def newest(k: str) -> tuple[int, str]:
            apps = self.people[k].appearances
            return (min((self.rank(a.dialogue_id) for a in apps), default=1 << 30), self.people[k].name)

        return tuple(sorted(present, key=newest))

    def name_choices(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        """Return up to limit (label, value) pairs of people whose spellings start with or contain prefix."""
        key = normalize_name(prefix) if prefix.strip() else ""
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        if not key:
            for record in sorted(self.people.values(), key=lambda r: r.name):
                out.append((record.name, record.name))
                if len(out) >= limit:
                    break
            return out
        starts = [s for s in self._spellings if s.startswith(key) or f" {key}" in f" {s}"]
        if len(starts) < limit:
            extra = process.extract(key, self._spellings, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
            starts += [s for s, _, _ in extra if s not in starts]
        for spelling in starts:
            for person_key in sorted(self._exact[spelling]):
                if person_key in seen:
                    continue
                seen.add(person_key)
                record = self.people[person_key]
                label = record.name
                matched = next((s for s in record.spellings if normalize_name(s) == spelling), record.name)
                if normalize_name(matched) != normalize_name(record.name):
                    label = f"{record.name} (also {matched})"
                out.append((label[:100], record.name[:100]))
                if len(out) >= limit:
                    return out
        return out

    def dialogue_choices(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        """Return up to limit (label, id) pairs of dialogues whose title or id contains prefix, newest first."""
        key = fold(prefix)
        out: list[tuple[str, str]] = []
        for dialogue, title in zip(self.ordered, self._folded_titles, strict=True):
            if not key or key in title or key in dialogue.id:
                when = dialogue.date or "undated"
                out.append((f"{dialogue.title} ({when})"[:100], dialogue.id[:100]))
                if len(out) >= limit:
                    break
        return out
