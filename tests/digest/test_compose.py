"""Pure digest composition: selection, filters, backfill, drafts, changed briefs, platform limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.adapters.discord_app.digest import render_digest as render_discord
from bot.adapters.slack_app.digest import render_digest as render_slack
from bot.adapters.slack_app.render import escape as slack_escape
from bot.answer import AnswerKind
from bot.briefs.models import Dialogue
from bot.config import DigestConfig, DigestFilters
from bot.digest.compose import brief_version, compose, select_briefs
from bot.index.catalog import Catalog
from tests.conftest import minimal_brief


def dialogue(i: int, **overrides: Any) -> Dialogue:
    """Return a valid published brief number i, dated by i."""
    data = minimal_brief(f"d-{i:03d}", title=f"Dialogue {i}", date=f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}")
    data.update(overrides)
    return Dialogue.model_validate(data)


def config(**kwargs: Any) -> DigestConfig:
    """Return a digest config with one webhook target."""
    return DigestConfig.model_validate(
        {"name": "weekly", "schedule": "0 9 * * mon", "targets": [{"discord_webhook": "https://x.invalid/h"}], **kwargs}
    )


def test_first_digest_covers_only_backfill_and_records_everything() -> None:
    """A target's first digest holds the `backfill` newest briefs; all current versions are recorded as seen."""
    briefs = [dialogue(i) for i in range(8)]
    sel = select_briefs(briefs, config(backfill=3), None)
    assert [d.id for d in sel.dialogues] == ["d-007", "d-006", "d-005"]
    assert set(sel.record) == {d.id for d in briefs}


def test_after_first_digest_only_new_briefs() -> None:
    """Briefs already delivered in their current version are left out; a new one is in."""
    briefs = [dialogue(i) for i in range(4)]
    delivered = {d.id: brief_version(d) for d in briefs[:3]}
    sel = select_briefs(briefs, config(), delivered)
    assert [d.id for d in sel.new] == ["d-003"] and sel.changed == ()


def test_changed_brief_is_included_again() -> None:
    """A delivered brief whose content changed comes back, marked as updated."""
    old = dialogue(1)
    new = dialogue(1, location="Islamabad")
    sel = select_briefs([new], config(), {old.id: brief_version(old)})
    assert [d.id for d in sel.changed] == ["d-001"]
    assert compose(config(), sel).items[0].lines == ("Updated brief",)


def test_drafts_are_never_included() -> None:
    """Draft briefs are left out of first and later digests alike."""
    briefs = [dialogue(1), dialogue(2, status="draft")]
    assert [d.id for d in select_briefs(briefs, config(), None).dialogues] == ["d-001"]
    assert [d.id for d in select_briefs(briefs, config(), {}).dialogues] == ["d-001"]


def test_version_is_stable_and_content_sensitive() -> None:
    """The version hash is the same for equal content and differs after any change."""
    assert brief_version(dialogue(1)) == brief_version(dialogue(1))
    assert brief_version(dialogue(1)) != brief_version(dialogue(1, title="Another title"))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"organizers": ["ISSI"]}, ["d-001"]),
        ({"organizers": ["Institute of Strategic Studies Islamabad"]}, ["d-001"]),
        ({"organizers": ["IS"]}, []),
        ({"people": ["Ambassador Sohail Mahmood"]}, ["d-001"]),
        ({"topics": ["water"]}, ["d-002", "d-001"]),
        ({"countries": ["Iran"]}, ["d-002"]),
        ({"organizers": ["ISSI"], "countries": ["Iran"]}, []),
    ],
)
def test_filters(filters: dict[str, Any], expected: list[str]) -> None:
    """Organiser (acronym or full name), person (with honorific), topic and country filters; all must match."""
    issi = {"name": "Institute of Strategic Studies Islamabad", "acronym": "ISSI", "country": "Pakistan"}
    one = dialogue(
        1,
        organizers=[issi],
        participants=[
            {"name": "Zara Ahmed"},
            {"name": "Omid Karimi"},
            {"name": "Sohail Mahmood", "honorific": "Ambassador", "country": "Pakistan"},
        ],
    )
    two = dialogue(2, organizers=[{"name": "Tehran Forum", "country": "Iran"}])
    catalog = Catalog({d.id: d for d in (one, two)})
    sel = select_briefs([one, two], config(filters=DigestFilters(**filters)), None, catalog)
    assert [d.id for d in sel.dialogues] == expected


def test_digest_item_has_title_date_organisers_moderator_positions_link() -> None:
    """Each dialogue item carries title, date, organisers, moderator, main positions and the source link."""
    d = dialogue(1, sources=[{"url": "https://example.org/r", "publisher": "Wire"}])
    answer = compose(config(), select_briefs([d], config(), None))
    assert answer.kind is AnswerKind.DIGEST
    item = answer.items[0]
    assert item.heading == "Dialogue 1"
    fields = dict(item.fields)
    assert fields["Date"] == "2024-01-02" and fields["Organisers"] == "EXI"
    assert fields["Moderator"] == "Dr. Zara Ahmed" and fields["Link"] == "https://example.org/r"
    assert item.bullets == ("Water (Omid Karimi): Asked for a joint river commission.",)


def long_selection(n: int) -> Any:
    """Return a selection of n briefs with long positions."""
    text = "Long position text about corridors and trade. " * 6
    briefs = [
        dialogue(i, positions=[{"by": ["Omid Karimi"], "topic": f"T{j}", "summary": text} for j in range(3)])
        for i in range(n)
    ]
    return compose(config(), select_briefs(briefs, config(backfill=n), None))


def test_discord_payloads_respect_limits_and_never_split_items() -> None:
    """Discord messages hold at most 10 embeds and 6000 characters; every item is one whole embed."""
    answer = long_selection(30)
    payloads = render_discord(answer)
    assert len(payloads) > 1
    titles = [e["title"] for p in payloads for e in p["embeds"]]
    assert titles == [i.heading for i in answer.items]
    for p in payloads:
        assert len(p["embeds"]) <= 10
        size = sum(len(e.get("title", "")) + len(e.get("description", "")) for e in p["embeds"])
        size += sum(len(f["name"]) + len(f["value"]) for e in p["embeds"] for f in e.get("fields", []))
        assert size <= 6000 - 200
        assert p["allowed_mentions"] == {"parse": []}


def test_slack_payloads_respect_limits_and_never_split_items() -> None:
    """Slack messages hold at most 50 blocks, sections at most 3000 characters, items whole."""
    answer = long_selection(40)
    payloads = render_slack(answer)
    assert len(payloads) > 1
    sections = [b for p in payloads for b in p["blocks"] if b["type"] == "section"]
    assert len(sections) == 40
    for p in payloads:
        assert len(p["blocks"]) <= 50 and p["text"]
        assert all(len(b["text"]["text"]) <= 3000 for b in p["blocks"] if b["type"] == "section")


def test_slack_text_is_escaped() -> None:
    """&, < and > are escaped, so <!channel> and <@U1> in a brief cannot ping anyone."""
    assert slack_escape("A & B <!channel> <@U1>") == "A &amp; B &lt;!channel&gt; &lt;@\u2060U1&gt;"
    d = dialogue(1, title="Talks <!here> & more")
    payload = render_slack(compose(config(), select_briefs([d], config(), None)))[0]
    assert "<!here>" not in json.dumps(payload)


def test_empty_digest_says_nothing_new() -> None:
    """With nothing new, the answer says so (posted only when post_when_empty is set)."""
    sel = select_briefs([dialogue(1)], config(), {"d-001": brief_version(dialogue(1))})
    assert sel.empty
    assert render_discord(compose(config(), sel))[0]["embeds"][0]["description"].startswith("No new")
