"""The correction path's core: where an answer's facts are in which brief file, and what admins read."""

from __future__ import annotations

from pathlib import Path

from bot.corrections import Report, Spot, admin_text, console_lines, line_of, spots
from bot.index.catalog import Catalog
from bot.query import ask
from tests.conftest import BRIEFS_DIR

IPIS = "issi-ipis-annual-dialogue"


def file_of(dialogue_id: str) -> Path:
    """Return the shipped brief file of a dialogue."""
    return BRIEFS_DIR / f"{dialogue_id}.yaml"


def test_positions_map_to_their_fields(shipped_catalog: Catalog) -> None:
    """Each listed position is the positions[i] field of its brief."""
    found = spots(ask(shipped_catalog, "positions Afghanistan by Iran"))
    assert found == (Spot(IPIS, "positions[2]", "Position: Afghanistan"),)


def test_search_hits_map_to_their_fields(shipped_catalog: Catalog) -> None:
    """A search hit names the exact field it was found in."""
    assert Spot(IPIS, "projects[2]", "ISSI-IPIS Annual Dialogue › Project 3") in spots(
        ask(shipped_catalog, "search pipeline")
    )


def test_line_of_a_field_is_where_the_editor_looks() -> None:
    """The line of positions[2] in the shipped brief holds that position's `by:`."""
    line = line_of(file_of(IPIS), "positions[2]")
    assert line is not None
    assert "by:" in (BRIEFS_DIR / f"{IPIS}.yaml").read_text(encoding="utf-8").splitlines()[line - 1]
    assert line_of(file_of(IPIS), "sessions[3].takeaways[1]") is not None


def test_admin_text_holds_id_field_question_and_file(shipped_catalog: Catalog) -> None:
    """Admins read the dialogue id, the field, the question, what is wrong, the file and line, and that nothing
    was changed."""
    answer = ask(shipped_catalog, "positions Afghanistan by Iran")
    report = Report("positions Afghanistan by Iran", answer.title, spots(answer), "Not said by IPIS.", surface="Slack")
    text = admin_text(report, file_of, "https://example.org/{file}#L{line}")
    assert f"Brief: {IPIS} · field positions[2]" in text
    assert "Question: positions Afghanistan by Iran" in text
    assert f"https://example.org/{IPIS}.yaml#L98" in text
    assert "Nothing was changed" in text


def test_console_report_prints_file_and_line(shipped_catalog: Catalog) -> None:
    """`report` in the console names the file and line of each place the last answer shows."""
    lines = console_lines(ask(shipped_catalog, "session Afghanistan"), file_of)
    assert lines[1].split()[0] == f"{BRIEFS_DIR / IPIS}.yaml:76"
    assert "sessions[3]" in lines[1]


def test_who_maps_to_the_participant_entries(shipped_catalog: Catalog) -> None:
    """A person's answer points at their participant entry in each dialogue."""
    found = spots(ask(shipped_catalog, "who Amina Khan"))
    assert [(s.dialogue_id, s.field) for s in found] == [
        ("issi-iras-dialogue-2025-07-29", "participants[0]"),
        (IPIS, "participants[2]"),
    ]


def test_a_dialogue_maps_each_item_to_its_field(shipped_catalog: Catalog) -> None:
    """`dialogue show` points at each session and position by its own field."""
    fields = [s.field for s in spots(ask(shipped_catalog, f"dialogue show {IPIS}"))]
    assert {"sessions[3]", "positions[4]", "participants"} <= set(fields)
