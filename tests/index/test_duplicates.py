"""Duplicate ids (X.yaml beside X.yml): the served brief keeps serving, the newcomer is the one reported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot import query
from bot.answer import AnswerKind
from bot.index.store import BriefStore
from tests.conftest import minimal_brief


def _titles(store: BriefStore) -> str:
    return store.catalog.summary("x").title


def _skipped(store: BriefStore) -> list[str]:
    return [Path(e.path).name for e in store.last_report.errors if e.field == "id"]


def test_impostor_yml_beside_served_yaml_is_skipped(write_brief: Callable[..., Path]) -> None:
    """A copy X.yml with another title added beside the served X.yaml: X.yaml keeps serving, X.yml is reported."""
    store = BriefStore(write_brief("x.yaml", minimal_brief("x", title="The real one")).parent)
    store.load()
    write_brief("x.yml", minimal_brief("x", title="The impostor"))
    store.reload()
    assert _titles(store) == "The real one"
    assert _skipped(store) == ["x.yml"]


def test_newcomer_yaml_beside_served_yml_is_skipped(write_brief: Callable[..., Path]) -> None:
    """The served file wins whatever its suffix: X.yaml added beside a served X.yml is the one skipped."""
    store = BriefStore(write_brief("x.yml", minimal_brief("x", title="Served first")).parent)
    store.load()
    write_brief("x.yaml", minimal_brief("x", title="Newcomer"))
    store.reload()
    assert _titles(store) == "Served first"
    assert _skipped(store) == ["x.yaml"]


def test_fresh_start_serves_first_name_in_sorted_order(write_brief: Callable[..., Path]) -> None:
    """On a fresh start with both files, X.yaml (first in sorted order) is served and X.yml reported, every time."""
    write_brief("x.yml", minimal_brief("x", title="yml"))
    folder = write_brief("x.yaml", minimal_brief("x", title="yaml")).parent
    for _ in range(2):
        store = BriefStore(folder)
        store.load()
        assert _titles(store) == "yaml"
        assert _skipped(store) == ["x.yml"]


def test_message_names_the_skipped_file_and_the_served_one(write_brief: Callable[..., Path]) -> None:
    """The error is located at the skipped file and says which file is served."""
    write_brief("x.yml", minimal_brief("x"))
    folder = write_brief("x.yaml", minimal_brief("x")).parent
    store = BriefStore(folder)
    report = store.load()
    (error,) = report.errors
    assert error.path.endswith("x.yml")
    assert "this file is skipped" in error.message and str(folder / "x.yaml") in error.message


def test_served_file_removed_hands_over_to_the_other(write_brief: Callable[..., Path]) -> None:
    """When the served file goes, the remaining duplicate is served and no error is left."""
    folder = write_brief("x.yaml", minimal_brief("x", title="yaml")).parent
    store = BriefStore(folder)
    store.load()
    write_brief("x.yml", minimal_brief("x", title="yml"))
    store.reload()
    (folder / "x.yaml").unlink()
    report = store.reload()
    assert _titles(store) == "yml"
    assert report.ok


def test_search_finds_only_the_served_version(write_brief: Callable[..., Path]) -> None:
    """The text index holds the served brief, not the impostor."""
    folder = write_brief("x.yaml", minimal_brief("x", title="Genuine riverside talks")).parent
    store = BriefStore(folder)
    store.load()
    write_brief("x.yml", minimal_brief("x", title="Counterfeit mountain talks"))
    store.reload()
    assert query.search(store.catalog, "Counterfeit").kind is AnswerKind.NOT_FOUND
    assert query.search(store.catalog, "Genuine").refs == ("x:title",)
