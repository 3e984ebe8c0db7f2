"""Smoke test: the shipped briefs load and the latest dialogue is the ISSI-IRAS one."""

from pathlib import Path

from bot.query import ask
from bot.store import BriefStore

BRIEFS = Path(__file__).resolve().parent.parent / "briefs"


def test_latest_is_issi_iras() -> None:
    """`dialogue latest` answers the ISSI-IRAS dialogue of 29 July 2025."""
    answer = ask(BriefStore(BRIEFS).catalog, "/dialogue latest")
    assert answer.refs == ("issi-iras-dialogue-2025-07-29",)
