"""Digest composition as pure functions: which briefs are new for a target, the neutral answer, platform payloads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.answer import Answer, AnswerKind, Item, paginate
from bot.briefs.models import Dialogue, fold, normalize_name
from bot.config import DigestConfig, DigestFilters
from bot.digest.changes import snapshot
from bot.index.catalog import Catalog, sort_key
from bot.query import citation, full_name

MAX_POSITIONS = 3
POSITION_CHARS = 300
NOTHING_NEW = "No new or changed briefs since the last digest."

# Discord: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
DISCORD_EMBEDS_PER_MESSAGE = 10
DISCORD_MESSAGE_BUDGET = 5600  # of the 6000 characters all embeds of a message may hold; room for the footer
DISCORD_CONTENT_LIMIT = 2000
# Slack: 50 blocks per message, 3000 characters per section text, 150 per header.
SLACK_BLOCKS_PER_MESSAGE = 50
SLACK_SECTION_LIMIT = 3000
SLACK_MESSAGE_BUDGET = 12000


LATER_KEYS = ("series", "round")


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


def select_briefs(
    dialogues: Iterable[Dialogue],
    config: DigestConfig,
    delivered: Mapping[str, str] | None,
    catalog: Catalog | None = None,
) -> Selection:
    """Return the published, matching briefs new or changed for a target; `delivered` None = its first digest."""
    candidates = sorted(
        (d for d in dialogues if d.is_published and matches_filters(d, config.filters, catalog)),
        key=sort_key,
        reverse=True,
    )
    versions = {d.id: brief_version(d) for d in candidates}
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


def _moderators(dialogue: Dialogue) -> list[str]:
    names = list(dialogue.moderators)
    names += [s.moderator for s in dialogue.sessions if s.moderator and s.moderator not in names]
    out = []
    for name in names:
        participant = dialogue.participant(name)
        out.append(full_name(participant) if participant else name)
    return out


def digest_item(dialogue: Dialogue, *, updated: bool = False, change: str | None = None) -> Item:
    """Return one dialogue as a digest item: title, date, organisers, moderators, main positions, link."""
    cite = citation(dialogue)
    fields: list[tuple[str, str]] = [("Date", dialogue.date or "date not given")]
    if dialogue.organizers:
        fields.append(("Organisers", ", ".join(o.acronym or o.name for o in dialogue.organizers)))
    moderators = _moderators(dialogue)
    if moderators:
        fields.append(("Moderator" if len(moderators) == 1 else "Moderators", ", ".join(moderators)))
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


# ----- Discord ------------------------------------------------------------------------------------------------


def _embed(item: Item) -> dict[str, Any]:
    link = next((v for k, v in item.fields if k == "Link"), None)
    embed: dict[str, Any] = {"title": _shorten(item.heading or "Brief", 256)}
    if link:
        embed["url"] = link
    desc = [f"*{line}*" for line in item.lines] + [f"• {b}" for b in item.bullets]
    if desc:
        embed["description"] = _shorten("\n".join(desc), 4096) if len("\n".join(desc)) > 4096 else "\n".join(desc)
    fields = [
        {"name": k, "value": _shorten(v, 1024), "inline": k != "Moderators"} for k, v in item.fields if k != "Link"
    ]
    if fields:
        embed["fields"] = fields[:25]
    return embed


def _embed_size(embed: Mapping[str, Any]) -> int:
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return size + len(embed.get("footer", {}).get("text", ""))


def render_discord(answer: Answer) -> list[dict[str, Any]]:
    """Return Discord message payloads (content + embeds), split between items within Discord's limits."""
    embeds = {id(item): _embed(item) for item in answer.items}
    pages = paginate(
        list(answer.items), lambda it: _embed_size(embeds[id(it)]), DISCORD_MESSAGE_BUDGET, DISCORD_EMBEDS_PER_MESSAGE
    )
    headline = f"**{answer.title}**" + (f" — {answer.intro}" if answer.intro and answer.items else "")
    groups = [[embeds[id(it)] for it in page] for page in pages] or [[{"description": answer.intro or NOTHING_NEW}]]
    payloads: list[dict[str, Any]] = []
    for i, group in enumerate(groups):
        payload: dict[str, Any] = {"embeds": group, "allowed_mentions": {"parse": []}}
        if i == 0:
            payload["content"] = _shorten(headline, DISCORD_CONTENT_LIMIT)
        payloads.append(payload)
    return payloads


# ----- Slack --------------------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Escape &, < and > for Slack mrkdwn, which also defuses <!channel> and <@user> mentions."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A bare @here is not a mention in blocks, but a zero-width space makes sure no client reads it as one.
    for word in ("@here", "@channel", "@everyone"):
        text = text.replace(word, "@\u200b" + word[1:])
    return text


def _slack_item(item: Item) -> tuple[list[dict[str, Any]], str]:
    link = next((v for k, v in item.fields if k == "Link"), None)
    title = slack_escape(item.heading or "Brief")
    head = f"*<{link.replace('|', '%7C').replace('>', '%3E')}|{title}>*" if link else f"*{title}*"
    lines = [head] + [f"_{slack_escape(x)}_" for x in item.lines]
    lines += [f"*{slack_escape(k)}:* {slack_escape(v)}" for k, v in item.fields if k != "Link"]
    lines += [f"• {slack_escape(b)}" for b in item.bullets]
    text = "\n".join(lines)
    if len(text) > SLACK_SECTION_LIMIT:
        text = text[: SLACK_SECTION_LIMIT - 1] + "…"
    fallback = f"{item.heading or 'Brief'}" + (f" ({link})" if link else "")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}, {"type": "divider"}], fallback


def render_slack(answer: Answer) -> list[dict[str, Any]]:
    """Return Slack message payloads (blocks + escaped text fallback), split between items within limits."""
    rendered = {id(item): _slack_item(item) for item in answer.items}
    pages = paginate(
        list(answer.items),
        lambda it: sum(len(b.get("text", {}).get("text", "")) for b in rendered[id(it)][0]),
        SLACK_MESSAGE_BUDGET,
        (SLACK_BLOCKS_PER_MESSAGE - 2) // 2,
    )
    intro = answer.intro or NOTHING_NEW
    header: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _shorten(answer.title, 150)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(intro)}]},
    ]
    if not pages:
        return [{"text": slack_escape(f"{answer.title}: {intro}"), "blocks": header}]
    payloads = []
    for i, page in enumerate(pages):
        blocks = [b for it in page for b in rendered[id(it)][0]]
        fallback = "; ".join(rendered[id(it)][1] for it in page)
        if i == 0:
            blocks = header + blocks
            fallback = f"{answer.title}: {intro} {fallback}"
        payloads.append({"text": slack_escape(_shorten(fallback, 3000)), "blocks": blocks})
    return payloads
