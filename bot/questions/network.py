"""`network WHO`: who sat with whom, how often and when last; strongest ties first, with an ego-network picture.

Invariant: the text answer is computed from the in-memory summaries and people index only (no dialogue loaded);
the picture is drawn on demand from the same data (see bot.questions.picture) and adds nothing the text lacks.
"""

from __future__ import annotations

import re

from bot.answer import DRAFT_MARK, Answer, AnswerKind, Attachment, Choice, Item
from bot.index.catalog import Catalog
from bot.present import quoted
from bot.questions.ego import EgoNetwork, Tie, draft_note
from bot.questions.picture import ego_png
from bot.questions.subjects import SubjectKind, group_dialogues, is_group, resolve, suggestions
from bot.replies import help_answer, person_choices, summary_citation

MAX_TIES = 50  # ties listed in the answer (the strongest); the intro counts them all
PICTURE_TIES = 20  # ties drawn in the picture, so labels stay readable
GROUP_DIALOGUES = 300  # an institute's or country's network counts its most recent dialogues


def person_network(catalog: Catalog, key: str) -> EgoNetwork:
    """Return who a person sat with: every co-participant, the dialogues shared and the latest one."""
    record = catalog.people[key]
    counts: dict[str, int] = {}
    drafts: dict[str, int] = {}
    undated: dict[str, int] = {}
    latest: dict[str, str] = {}
    seen: set[str] = set()
    for a in record.appearances:  # newest first, so the first dialogue seen with someone is the latest
        did = a.dialogue_id
        if did in seen or did not in catalog.dialogues:
            continue
        seen.add(did)
        draft = _is_draft(catalog, did)
        no_date = int(not catalog.summary(did).date)
        met: set[str] = set()
        for part in catalog.parts(did):
            other = catalog.person_key(part)
            if other != key and other not in met:
                met.add(other)
                counts[other] = counts.get(other, 0) + 1
                drafts[other] = drafts.get(other, 0) + draft
                undated[other] = undated.get(other, 0) + no_date
                latest.setdefault(other, did)
    rank = catalog.rank
    order = sorted(counts, key=lambda k: (-counts[k], rank(latest[k]), catalog.people[k].name))
    ties = []
    for other in order:
        person = catalog.shown_person(other)
        ties.append(Tie(other, person.name, counts[other], latest[other], person.role, drafts[other], undated[other]))
    return EgoNetwork(record.name, len(seen), tuple(ties))


def group_network(catalog: Catalog, name: str) -> EgoNetwork:
    """Return the institutes an institute (or country) sat with: the affiliations of the other participants."""
    found = group_dialogues(catalog, name, exact=is_group(catalog, name, exact=True), limit=GROUP_DIALOGUES + 1)
    capped = len(found) > GROUP_DIALOGUES
    found = found[:GROUP_DIALOGUES]
    counts: dict[str, int] = {}
    drafts: dict[str, int] = {}
    undated: dict[str, int] = {}
    latest: dict[str, str] = {}
    labels: dict[str, str] = {}
    own = {" ".join(name.casefold().split())}
    for g in found:  # newest first
        mine = {p.index for p in g.people}
        draft = _is_draft(catalog, g.dialogue_id)
        no_date = int(not catalog.summary(g.dialogue_id).date)
        met: set[str] = set()
        for i, part in enumerate(catalog.parts(g.dialogue_id)):
            if i in mine or not part.affiliation:
                continue
            key = " ".join(part.affiliation.casefold().split())
            if key in own or key in met:
                continue
            met.add(key)
            labels.setdefault(key, part.affiliation)
            counts[key] = counts.get(key, 0) + 1
            drafts[key] = drafts.get(key, 0) + draft
            undated[key] = undated.get(key, 0) + no_date
            latest.setdefault(key, g.dialogue_id)
    rank = catalog.rank
    order = sorted(counts, key=lambda k: (-counts[k], rank(latest[k]), k))
    ties = tuple(Tie(k, labels[k], counts[k], latest[k], drafts=drafts[k], undated=undated[k]) for k in order)
    return EgoNetwork(name, len(found), ties, "institutes", GROUP_DIALOGUES if capped else 0)


def network_answer(catalog: Catalog, net: EgoNetwork, *, refs: tuple[str, ...] = ()) -> Answer:
    """Return the neutral answer of an ego network: one item per tie, citing the latest shared dialogue."""
    if not net.ties:
        return Answer(
            AnswerKind.NETWORK,
            f"Network: {net.centre}",
            f"{net.centre} took part in {net.dialogues} dialogue(s) with nobody else recorded.",
            refs=refs,
        )
    items = []
    for tie in net.ties[:MAX_TIES]:
        cite = summary_citation(catalog, tie.latest)
        fields = [
            ("Shared dialogues", _shared(tie)),
            ("Latest", _latest(tie, f"{cite.dialogue_title} ({cite.date or 'date not given'})")),
        ]
        if tie.detail:
            fields.insert(0, ("Role", tie.detail))
        items.append(Item(tie.label, tuple(fields), citation=cite))
    intro = f"{net.centre} sat with {len(net.ties)} {net.of} in {net.dialogues} dialogue(s); strongest ties first."
    if len(net.ties) > MAX_TIES:
        intro += f" The {MAX_TIES} strongest are listed."
    if net.counted:  # undated dialogues cannot be ranked: they sort last, so the cap drops them first
        intro += f" Only its {net.counted} most recent dialogues are counted (undated ones only if fewer are dated)."
    intro += " A picture of this network is attached where the platform allows."
    picture = Attachment(
        filename=_filename(net.centre),
        description=f"Ego network of {net.centre}: line width = dialogues shared "
        f"(the {min(len(net.ties), PICTURE_TIES)} strongest ties){draft_note(net.ties[:PICTURE_TIES])}",
        render=lambda: _render(net),
    )
    return Answer(AnswerKind.NETWORK, f"Network: {net.centre}", intro, tuple(items), refs=refs, attachment=picture)


def _is_draft(catalog: Catalog, dialogue_id: str) -> int:
    """Return 1 when the dialogue is an unreviewed draft (only there with drafts included), else 0."""
    return int(catalog.summary(dialogue_id).status == "draft")


def _shared(tie: Tie) -> str:
    """Return the count of shared dialogues, saying how many are drafts (as every answer marks drafts)."""
    if not tie.drafts:
        return str(tie.shared)
    return f"{tie.shared} (including {tie.drafts} [{DRAFT_MARK}])"


def _latest(tie: Tie, heading: str) -> str:
    """Return the latest shared dialogue, saying when undated ones may be later (they are never placed by guess)."""
    if not tie.undated or tie.shared == 1:
        return heading
    if tie.undated == tie.shared:
        return f"not known: {'neither' if tie.shared == 2 else 'none'} of the {tie.shared} is dated"
    return f"{heading}; {tie.undated} more without a date (may be later)"


def _render(net: EgoNetwork) -> bytes:
    return ego_png(net, limit=PICTURE_TIES)


def _filename(centre: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", centre.casefold()).strip("-")[:60] or "network"
    return f"network-{slug}.png"


def network(catalog: Catalog, text: str) -> Answer:
    """Return who a person (or institute) sat with, strongest ties first, with a picture attached."""
    what = " ".join(text.split())
    if not what:
        return help_answer("Whose network? Try `network Amina Khan` or `network ISSI`.")
    subject = resolve(catalog, what, topics=False)
    if subject is None or subject.kind not in {SubjectKind.PERSON, SubjectKind.GROUP}:
        close = suggestions(catalog, what)
        intro = f"No person or institute matches {quoted(what)}."
        if close:
            intro += " Closest: " + ", ".join(close) + "."
        choices = tuple(Choice(s, f"network {s}") for s in close)
        return Answer(AnswerKind.NOT_FOUND, "Nobody by that name", intro, choices=choices, ok=False)
    if subject.kind is SubjectKind.GROUP:
        return network_answer(catalog, group_network(catalog, subject.label))
    if len(subject.keys) > 1:
        choices = person_choices(catalog, subject.keys, lambda plain: f"network person {plain}")
        return Answer(
            AnswerKind.CHOOSE, f"{len(subject.keys)} people match {quoted(what)}", "Pick one:", choices=choices
        )
    key = subject.keys[0]
    return network_answer(catalog, person_network(catalog, key), refs=(key,))
