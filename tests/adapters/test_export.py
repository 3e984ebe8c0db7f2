"""`briefbot export --format md|csv|json [QUESTION]`: answers for reports, with their citations."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.export import export
from bot.answer import DRAFT_MARK
from bot.index.catalog import Catalog
from bot.index.store import BriefStore

from ..conftest import BRIEFS_DIR, minimal_brief


def test_markdown_compare_has_both_blocks_and_footnotes(shipped_catalog: Catalog) -> None:
    """A comparison as Markdown: one section per side, each statement footnoted to its dialogue and source."""
    text, ok = export(shipped_catalog, "compare Afghanistan Pakistan vs Iran", "md")
    assert ok
    assert text.index("## Pakistan") < text.index("## Iran") < text.index("## Sources")
    assert "### 2025-07-29 · Afghanistan [^1]" in text
    assert "[^1]: Iran-Pakistan Relations in the Context of New Regional Developments (2025-07-29), DNA" in text


def test_json_is_the_neutral_answer(shipped_catalog: Catalog) -> None:
    """A timeline as JSON: kind, items with their citations, and the sources."""
    text, _ = export(shipped_catalog, "timeline Sohail Mahmood", "json")
    data = json.loads(text)
    assert data["kind"] == "timeline"
    assert [s["dialogue_id"] for s in data["sources"]] == ["issi-iras-dialogue-2025-07-29", "issi-ipis-annual-dialogue"]
    assert data["items"][1]["heading"] == "Date not given"


def test_csv_of_an_answer_has_one_row_per_item(shipped_catalog: Catalog) -> None:
    """A network as CSV: one row per tie, with the dialogue it cites."""
    text, _ = export(shipped_catalog, "network Amina Khan", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["heading"] == "Sohail Mahmood" and "Shared dialogues: 2" in rows[0]["fields"]
    assert rows[0]["dialogue_id"] == "issi-iras-dialogue-2025-07-29"


def test_csv_people_by_dialogues(shipped_catalog: Catalog) -> None:
    """With no question, CSV is people x dialogues: Sohail Mahmood twice, oldest (undated) first."""
    text, _ = export(shipped_catalog, "", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["person"] == "Sohail Mahmood"]
    assert [r["dialogue_id"] for r in rows] == ["issi-ipis-annual-dialogue", "issi-iras-dialogue-2025-07-29"]
    assert rows[1]["role"] == "Director General" and rows[1]["affiliation"] == "ISSI"


def test_csv_positions(shipped_catalog: Catalog) -> None:
    """`--table positions`: every position with its dialogue and speakers."""
    text, _ = export(shipped_catalog, "", "csv", "positions")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 12 and rows[0]["by"] == "Sohail Mahmood; Muhammad Hassan Shaykh al-Islami"


def test_cli_writes_out(tmp_path: Path) -> None:
    """`briefbot export --format md --out FILE who Amina Khan` writes the file, exit 0."""
    target = tmp_path / "amina.md"
    args = ["export", "--briefs", str(BRIEFS_DIR), "--format", "md", "--out", str(target), "who", "Amina", "Khan"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8").startswith("# Ms. Amina Khan")


@pytest.mark.parametrize("table", ["people", "positions"])
def test_csv_tables_say_which_rows_come_from_a_draft(write_brief: Callable[..., Path], table: str) -> None:
    """With drafts included, every row of the people and positions tables carries its brief's status."""
    write_brief("done.yaml", minimal_brief("done", date="2024-01-01"))
    path = write_brief("raw.yaml", minimal_brief("raw", status="draft"))
    store = BriefStore(path.parent, include_drafts=True)
    assert store.load().ok
    rows = list(csv.DictReader(io.StringIO(export(store.catalog, "", "csv", table)[0])))
    assert {(r["dialogue_id"], r["status"]) for r in rows} == {("done", "published"), ("raw", "draft")}


def _draft_catalog(write_brief: Callable[..., Path]) -> Catalog:
    write_brief("done.yaml", minimal_brief("done", date="2024-01-01"))
    path = write_brief("raw.yaml", minimal_brief("raw", status="draft"))
    store = BriefStore(path.parent, include_drafts=True)
    assert store.load().ok
    return store.catalog


def test_markdown_footnote_of_a_draft_is_marked(write_brief: Callable[..., Path]) -> None:
    """A report's source footnote for a draft brief says it is not reviewed, as the answer's source line does."""
    text, _ = export(_draft_catalog(write_brief), "who Omid Karimi", "md")
    notes = [line for line in text.splitlines() if line.startswith("[^")]
    assert [DRAFT_MARK in line for line in notes] == [True, False]


def test_json_citations_say_which_come_from_a_draft(write_brief: Callable[..., Path]) -> None:
    """The neutral answer as JSON keeps each citation's draft flag, in items and sources."""
    data = json.loads(export(_draft_catalog(write_brief), "who Omid Karimi", "json")[0])
    assert [(s["dialogue_id"], s["draft"]) for s in data["sources"]] == [("raw", True), ("done", False)]


def test_cli_out_to_a_missing_folder_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    """`briefbot export --out` into a folder that does not exist says it cannot write the file (exit 2)."""
    target = tmp_path / "missing" / "amina.md"
    args = ["export", "--briefs", str(BRIEFS_DIR), "--format", "md", "--out", str(target), "who", "Amina", "Khan"]
    done = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"briefbot: cannot write {target}: No such file or directory" in done.stderr


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_cell_that_would_be_a_formula_is_text(write_brief: Callable[..., Path], start: str) -> None:
    """A brief's text starting like a spreadsheet formula is exported with a leading apostrophe, so it stays text."""
    summary = f'{start}HYPERLINK("http://example.invalid","open")'
    path = write_brief(
        "f.yaml", minimal_brief("f", positions=[{"by": ["Omid Karimi"], "topic": "T", "summary": summary}])
    )
    store = BriefStore(path.parent)
    assert store.load().ok
    rows = list(csv.DictReader(io.StringIO(export(store.catalog, "", "csv", "positions")[0])))
    assert [r["summary"] for r in rows] == ["'" + summary]


def test_csv_plain_cells_are_unchanged(shipped_catalog: Catalog) -> None:
    """Cells that do not start like a formula are exported as written."""
    rows = list(csv.reader(io.StringIO(export(shipped_catalog, "", "csv", "people")[0])))
    assert not any(cell.startswith("'") for row in rows for cell in row)
