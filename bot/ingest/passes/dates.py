"""The event date, faithfully: a date the text states, a weekday resolved against the dateline or publication
date, "today" in a dated wire report; a year only from the text's own dateline or publication date, never from
another number in the text. Unknown stays None with a note saying why."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.ingest.article import MONTHS
from bot.ingest.passes.segment import lines, sentences

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MON = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?"
    r"|Nov(?:ember)?|Dec(?:ember)?)"
)
_WD = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day|nesday|sday|rsday|urday)?\.?"
_DMY = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*(?:[-–&]|and|to)\s*\d{{1,2}}(?:st|nd|rd|th)?)?\s+(?:of\s+)?(?P<mon>{_MON})\.?"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\b",
    re.I,
)
_MDY = re.compile(
    rf"\b(?P<mon>{_MON})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}}(?:st|nd|rd|th)?)?"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\b",
    re.I,
)
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>\d\d)-(?P<day>\d\d)\b")
_EVENT = re.compile(
    r"\b(?:held|hold|holds|hosted|hosts?|organi[sz]ed|organi[sz]es|convened|took place|takes place|met|meet|meeting|"
    r"dialogue|roundtable|round-table|round table|conference|webinar|seminar|session|forum|consultations?|"
    r"discussion|launched|launch|visited|event|attended|workshop|symposium|talks)\b",
    re.I,
)
_WEEKDAY_ON = re.compile(rf"\b(?:on|last|this past)\s+(?P<wd>{'|'.join(WEEKDAYS)})\b", re.I)
_TODAY = re.compile(r"\b(?:today|on this day)\b", re.I)
_DAY_LABEL = re.compile(r"^(?:day\s+(?:\d+|one|two|three|four|five))\b", re.I)


@dataclass(frozen=True)
class EventDate:
    """The event date (or None), how it is known, and whether it rests on a weekday or a guess."""

    date: str | None
    note: str
    from_weekday: bool = False
    from_dateline: bool = False


def _date(year: int, mon: str | int, day: int) -> dt.date | None:
    month = mon if isinstance(mon, int) else MONTHS.get(mon.lower().rstrip("."), MONTHS.get(mon.lower()[:3], 0))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def full_dates(text: str) -> list[tuple[re.Match[str], dt.date | None, bool]]:
    """Return every stated date in a text: the match, the date when it has a year, and whether it has one."""
    out: list[tuple[re.Match[str], dt.date | None, bool]] = []
    for rx in (_ISO, _DMY, _MDY):
        for m in rx.finditer(text):
            if any(m.start() < o.end() and o.start() < m.end() for o, _, _ in out):
                continue
            if m["year"]:
                mon: str | int = int(m["mon"]) if rx is _ISO else m["mon"]
                out.append((m, _date(int(m["year"]), mon, int(m["day"])), True))
            else:
                out.append((m, None, False))
    out.sort(key=lambda x: x[0].start())
    return out


def posted_date(text: str) -> dt.date | None:
    """Return the date of a "Posted 18 November 2024" line anywhere in the text (the page's own date)."""
    for ln in lines(text):
        if re.match(r"^(?:posted|published|updated)\b", ln.text, re.I):
            found = [d for _, d, _ in full_dates(ln.text) if d]
            if found:
                return found[0]
    return None


def _only_date(line: str) -> dt.date | None:
    """The date of a line that is nothing but a date ("27 April 2019", "Thu. June 4th, 2020")."""
    rest = re.sub(rf"^\s*{_WD},?\s*", "", line, flags=re.I)
    found = full_dates(rest)
    if len(found) == 1 and found[0][1] and len(rest.strip()) - len(found[0][0].group()) <= 3:
        return found[0][1]
    return None


def event_date(
    text: str, published: dt.date | None, dateline: dt.date | None, dateline_text: str | None = None
) -> EventDate:
    """Return the event date of a text, given the page's publication date and the report's dateline date."""
    all_lines = lines(text)
    shown = next((d for d in (_only_date(ln.text) for ln in all_lines[:12]) if d), None)
    posted = next(
        (
            d
            for ln in all_lines
            if re.match(r"^(?:posted|published|updated)\b", ln.text, re.I)
            for _, d, _ in full_dates(ln.text)
            if d
        ),
        None,
    )
    published = published or posted
    reference = dateline or published or shown
    ref_what = (
        "the report's dateline"
        if dateline
        else ("the page's publication date" if published else "the date shown at the top of the page")
    )
    for i, line in enumerate(all_lines[:12]):
        label = re.match(r"^(?:event\s+)?(?:date|when)\s*:\s*(?P<value>.{6,80})$", line.text, re.I)
        if label:
            found = [d for _, d, _ in full_dates(label["value"]) if d]
            if found:
                return EventDate(found[0].isoformat(), f"Stated on the page ({line.text.strip()}).")
        if _DAY_LABEL.match(line.text) and i + 1 < len(all_lines):
            day = _only_date(all_lines[i + 1].text)
            if day:
                return EventDate(day.isoformat(), f"The programme's date for {line.text.strip()} ({day}).")
    for line in all_lines[:40]:
        if line.kind == "heading" and not _EVENT.search(line.text):
            continue
        for sent in sentences(line):
            if not _EVENT.search(sent.text):
                continue
            stated = full_dates(sent.text)
            # "on 4 September" is the event; "Karachi, 5 September 2024:" at the head is the release's date
            stated.sort(
                key=lambda x: not re.search(r"\b(?:on|from)\s+(?:\w+day,?\s+)?(?:the\s+)?$", sent.text[: x[0].start()])
            )
            for m, day, has_year in stated:
                if day:
                    return EventDate(day.isoformat(), _note(m.group(), ""))
                if not has_year and reference is not None:
                    guess = _date(reference.year, m["mon"], int(m["day"]))
                    if guess and guess <= reference:
                        return EventDate(guess.isoformat(), _note(m.group(), f"; the year is from {ref_what}"))
                if not has_year:
                    return EventDate(
                        None,
                        f"The text gives {m.group().strip()} without a year, and the page has no dateline or "
                        "publication date to take one from.",
                    )
            wd = _WEEKDAY_ON.search(sent.text)
            if wd and reference is not None:
                target = WEEKDAYS.index(wd["wd"].lower())
                back = (reference.weekday() - target) % 7
                day = reference - dt.timedelta(days=back)
                return EventDate(
                    day.isoformat(),
                    f"The text says '{wd.group()}'; resolved to the {wd['wd'].title()} on or before {ref_what} "
                    f"({reference.isoformat()}).",
                    from_weekday=True,
                )
            if _TODAY.search(sent.text) and dateline is not None:
                return EventDate(dateline.isoformat(), f"The wire report dated {dateline} says 'today'.")
    # an event page: a date standing on its own line near the top, or next to the title
    for line in all_lines[:6]:
        day = _only_date(line.text)
        if day and (published is None or day == published):
            return EventDate(day.isoformat(), f"The date shown on the event page ({line.text.strip()}).")
    head = text[:400]
    for m, day, _has_year in full_dates(head):
        if day and shown is None and published is None and re.search(r"[A-Z]{4,}|Featuring|Speakers", head):
            return EventDate(day.isoformat(), f"The date next to the event's title ({m.group().strip()}).")
    if dateline is not None:
        what = dateline_text or dateline.isoformat()
        return EventDate(
            dateline.isoformat(),
            f"From the report's dateline ({what}); the report does not say whether the event took place that day "
            "or shortly before.",
            from_dateline=True,
        )
    note = "The report gives no event date"
    if re.search(r"\brecently\b", text, re.I):
        note += '; it says only that the event took place "recently"'
    note += "."
    if published:
        note += f" The page was published on {published.isoformat()}."
    return EventDate(None, note)


def _note(stated: str, year_from: str) -> str:
    note = f"Stated in the text ({stated.strip()}){year_from}"
    if re.search(r"\d\s*(?:[-–&]|and|to)\s*\d", stated):
        note += "; the event ran over several days and this is the first"
    return note + "."
