"""Digest questions (`digest [preview|now|status] [NAME]`): parsed once, checked and answered alike on every surface."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answer import Answer, AnswerKind, Choice, Item

if TYPE_CHECKING:  # for annotations only: a console question loads no service (config, metrics) it does not use
    from bot.services import DigestRunner, DigestStatus

ACTIONS = ("preview", "now", "status")
HELP = (
    ("digest preview NAME", "what digest NAME would post now"),
    ("digest now NAME", "post digest NAME now (admins only)"),
    ("digest status [NAME]", "last and next run of each digest, and each target's last delivery"),
)


@dataclass(frozen=True, slots=True)
class DigestQuestion:
    """A parsed digest question: the action ("" when none was given) and the digest's name ("" when none)."""

    action: str
    name: str = ""


def parse_digest(text: str) -> DigestQuestion | None:
    """Parse 'digest preview weekly' (also 'digests ...', '/brief digest ...'); None when it is no digest question."""
    body = " ".join(text.split()).lstrip("/!")
    if body.lower().startswith("brief "):
        body = body[6:].lstrip("/")
    head, _, rest = body.partition(" ")
    if head.lower() not in {"digest", "digests"}:
        return None
    action, _, name = rest.partition(" ")
    action = action.lower()
    return DigestQuestion(action, name.strip()) if action in ACTIONS else DigestQuestion("")


def help_items() -> tuple[Item, ...]:
    """Return the help lines of the digest questions."""
    return tuple(Item(fields=((ask, what),)) for ask, what in HELP)


def _problem(title: str, intro: str, choices: tuple[Choice, ...] = ()) -> Answer:
    return Answer(AnswerKind.ERROR, title, intro, choices=choices, ok=False)


def digest_problem(runner: DigestRunner | None, question: DigestQuestion, *, admin: bool) -> Answer | None:
    """Return why a digest question cannot be answered as asked (or the list of digests), else None."""
    if runner is None:
        return _problem("No digests", "No digests are configured for this briefbot.")
    names = runner.names()
    previews = tuple(Choice(n, f"digest preview {n}") for n in names[:25])
    if not question.action:
        listed = ", ".join(names) or "none"
        intro = (
            f"Configured digests: {listed}. Ask `digest preview NAME` or `digest status`; admins can post one "
            "with `digest now NAME`."
        )
        return Answer(AnswerKind.HELP, "Digests", intro, choices=previews)
    if question.name not in names and not (question.action == "status" and not question.name):
        return _problem("No such digest", f"No digest is named {question.name!r}.", previews)
    if question.action == "now" and not admin:
        return _problem("Admins only", "Only briefbot admins can post a digest now; try `digest preview`.")
    return None


async def answer_digest(runner: DigestRunner | None, question: DigestQuestion, *, admin: bool) -> Answer:
    """Answer a digest question: preview (changing nothing), status, or (admins) post it now."""
    problem = digest_problem(runner, question, admin=admin)
    if problem is not None or runner is None:
        return problem or _problem("No digests", "No digests are configured for this briefbot.")
    if question.action == "preview":
        import asyncio  # already loaded by the running loop; at the top it would cost a one-shot `ask` ~18 ms

        return await asyncio.to_thread(runner.preview, question.name)
    if question.action == "status":
        return digest_status(runner, question.name)
    return await runner.run_now(question.name)


def digest_status(runner: DigestRunner, name: str = "") -> Answer:
    """Return the status of digest `name`, or of every digest when name is empty."""
    return status_answer([s for s in runner.status() if not name or s.name == name])


def _when(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "never"


def status_answer(rows: list[DigestStatus]) -> Answer:
    """Return the status of digests as a neutral answer: one item per digest, one bullet per target."""
    if not rows:
        return Answer(AnswerKind.HELP, "Digest status", "No digests are configured.")
    items = []
    for row in rows:
        fields = (
            ("Schedule", f"{row.schedule} ({row.timezone})"),
            ("Last run", _when(row.last_run)),
            ("Next run", _when(row.next_run)),
        )
        bullets = []
        for t in row.targets:
            state = f"DISABLED ({t.disabled})" if t.disabled else "enabled"
            last = f"{t.last_status} at {_when(t.last_at)}" if t.last_status else "nothing delivered yet"
            extra = f"; {t.unfinished} unfinished" if t.unfinished else ""
            bullets.append(f"{t.target}: {state}; last {last}; {t.briefs_delivered} brief(s) delivered{extra}")
        items.append(Item(row.name, fields, (), tuple(bullets)))
    return Answer(AnswerKind.HELP, "Digest status", f"{len(rows)} digest(s).", tuple(items))
