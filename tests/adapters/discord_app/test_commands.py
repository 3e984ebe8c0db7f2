"""Every slash command end to end: the real discord.py client against the fake Discord's gateway and REST."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord_app.render import payload_problems
from bot.answer import Answer, AnswerKind, Item
from bot.services import DigestStatus
from tests.adapters.discord_app.conftest import ADMIN_USER_ID, Bot
from tests.adapters.discord_app.fake_discord import ADMIN_ROLE_ID, FakeDiscord
from tests.adapters.discord_app.helpers import (
    autocomplete,
    click,
    command_data,
    components,
    invoke,
    reply,
    slash,
)

EPHEMERAL = 64


def fields_text(message: dict[str, Any]) -> str:
    """Return the titles, descriptions and fields of a message payload as one text."""
    out = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        out += [embed.get("title") or "", embed.get("description") or ""]
        out += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return "\n".join(out)


def button(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    """Return a component of a message by custom id."""
    return next(c for c in components(message) if c.get("custom_id") == custom_id)


@pytest.mark.parametrize(
    ("name", "sub", "kw", "expected"),
    [
        ("dialogue", "latest", {}, "Latest: Iran-Pakistan Relations"),
        ("dialogue", "list", {}, "Dialogues, newest first"),
        ("dialogue", "list", {"query": "IRAS", "year": 2025}, "Dialogues matching IRAS 2025"),
        ("dialogue", "show", {"dialogue": "issi-ipis-annual-dialogue"}, "ISSI"),
        ("who", None, {"name": "Sohail Mahmood"}, "Sohail Mahmood"),
        ("session", None, {"topic": "Afghanistan"}, "Sessions on Afghanistan"),
        ("positions", None, {"topic": "Afghanistan"}, "Positions on Afghanistan"),
        ("positions", None, {"topic": "Afghanistan", "by": "Sohail Mahmood"}, "Positions on Afghanistan by"),
        ("search", None, {"query": "multipolar"}, "Search: multipolar"),
        ("help", None, {}, "what you can ask"),
    ],
)
async def test_command_answers_with_cited_embeds(bot: Bot, name: str, sub: str | None, kw: Any, expected: str) -> None:
    """Each slash command answers with embeds within Discord's limits, titled as expected."""
    message = await slash(bot.fake, name, sub, **kw)
    assert expected in message["embeds"][0]["title"]
    assert payload_problems(message) == []


async def test_answers_cite_dialogue_and_source(bot: Bot) -> None:
    """A /who answer names its dialogues in a Sources field and in the footer."""
    message = await slash(bot.fake, "who", name="Sohail Mahmood")
    embed = message["embeds"][0]
    assert embed["fields"][-1]["name"] == "Sources"
    assert "cites issi-" in embed["footer"]["text"]


async def test_every_reply_disables_mentions(bot: Bot) -> None:
    """Every message the bot sends carries allowed_mentions with nothing to parse."""
    await slash(bot.fake, "dialogue", "latest")
    await slash(bot.fake, "who", name="Nobody Atall")
    bodies = [c.body for c in bot.fake.calls if c.path.endswith("/callback") and c.body["type"] == 4]
    assert len(bodies) == 2
    assert all(b["data"]["allowed_mentions"] == {"parse": []} for b in bodies)


async def test_brief_text_with_mentions_pings_nobody(connect: Any, write_brief: Any) -> None:
    """A brief containing @everyone, @here, <@123> and <@&123> is shown but pings no one."""
    from tests.conftest import minimal_brief

    sneaky = "@everyone @here <@123> <@&456> listen"
    folder = write_brief("pings.yaml", minimal_brief("pings", title=f"Ping test {sneaky}")).parent
    bot = await connect(briefs=folder)
    message = await slash(bot.fake, "dialogue", "latest")
    assert sneaky.replace("<", "\\<") in fields_text(message)  # \<@123> shows as <@123>, never a mention
    assert message["allowed_mentions"] == {"parse": []}


async def test_autocomplete_people_is_capped_at_25(bot: Bot) -> None:
    """/who name autocomplete returns at most 25 choices with names and values of at most 100 characters."""
    choices = await autocomplete(bot.fake, "who", None, "name", name="")
    assert 0 < len(choices) <= 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


async def test_autocomplete_people_matches_prefix(bot: Bot) -> None:
    """/who name autocomplete offers the person whose name starts with the typed text."""
    choices = await autocomplete(bot.fake, "who", None, "name", name="Sohail")
    assert "Sohail Mahmood" in [c["value"] for c in choices]


async def test_autocomplete_dialogues(bot: Bot) -> None:
    """/dialogue show autocomplete offers dialogue ids for title words."""
    choices = await autocomplete(bot.fake, "dialogue", "show", "dialogue", dialogue="Iran")
    assert [c["value"] for c in choices] == ["issi-iras-dialogue-2025-07-29"]


async def test_autocomplete_caps_many_dialogues(connect: Any, write_brief: Any) -> None:
    """With 40 dialogues, autocomplete still offers at most 25."""
    from tests.conftest import minimal_brief

    for i in range(40):
        write_brief(f"d{i:02d}.yaml", minimal_brief(f"d{i:02d}", title=f"Dialogue number {i} " + "x" * 150))
    bot = await connect(briefs=Path(write_brief("d00.yaml", minimal_brief("d00"))).parent)
    choices = await autocomplete(bot.fake, "dialogue", "show", "dialogue", dialogue="")
    assert len(choices) == 25
    assert all(len(c["name"]) <= 100 for c in choices)


async def test_long_answer_pages_with_buttons(connect: Any, long_briefs: Path) -> None:
    """A long answer shows page 1 with Prev disabled and Next enabled."""
    bot = await connect(briefs=long_briefs)
    message = await slash(bot.fake, "dialogue", "show", dialogue="long-dialogue")
    assert button(message, "briefbot:prev")["disabled"] is True
    assert button(message, "briefbot:next")["disabled"] is False
    assert button(message, "briefbot:page")["label"].startswith("1/")


async def test_next_button_turns_the_page(connect: Any, long_briefs: Path) -> None:
    """Pressing Next edits the message to page 2, within limits, and enables Prev."""
    bot = await connect(briefs=long_briefs)
    token = await invoke(bot.fake, 2, command_data("dialogue", "show", dialogue="long-dialogue"))
    first = await reply(bot.fake, token)
    _, callback = await click(bot.fake, token, "briefbot:next")
    assert callback.body["type"] == 7
    page2 = callback.body["data"]
    assert button(page2, "briefbot:page")["label"].startswith("2/")
    assert button(page2, "briefbot:prev")["disabled"] is False
    assert fields_text(page2) != fields_text(first)
    assert payload_problems(page2) == []
    assert page2["allowed_mentions"] == {"parse": []}


async def test_prev_button_goes_back(connect: Any, long_briefs: Path) -> None:
    """Next then Prev returns to page 1."""
    bot = await connect(briefs=long_briefs)
    token = await invoke(bot.fake, 2, command_data("dialogue", "show", dialogue="long-dialogue"))
    first = await reply(bot.fake, token)
    await click(bot.fake, token, "briefbot:next")
    _, callback = await click(bot.fake, token, "briefbot:prev")
    assert fields_text(callback.body["data"]) == fields_text(first)


async def test_only_the_asker_can_turn_pages(connect: Any, long_briefs: Path) -> None:
    """Someone else pressing Next gets an ephemeral note and the page does not change."""
    bot = await connect(briefs=long_briefs)
    token = await invoke(bot.fake, 2, command_data("dialogue", "show", dialogue="long-dialogue"))
    await reply(bot.fake, token)
    _, callback = await click(bot.fake, token, "briefbot:next", user_id=12345)
    assert callback.body["type"] == 4
    assert callback.body["data"]["flags"] & EPHEMERAL


async def test_several_people_offer_a_menu(bot: Bot) -> None:
    """/who Mahmood (two people) answers with a select menu of both."""
    message = await slash(bot.fake, "who", name="Mahmood")
    menu = button(message, "briefbot:choose")
    labels = [o["label"] for o in menu["options"]]
    assert any("Sohail Mahmood" in x for x in labels)
    assert any("Khalid Mahmood" in x for x in labels)


async def test_picking_a_person_answers_for_them(bot: Bot) -> None:
    """Picking a person from the menu edits the message into that person's profile."""
    token = await invoke(bot.fake, 2, command_data("who", name="Mahmood"))
    message = await reply(bot.fake, token)
    menu = button(message, "briefbot:choose")
    pick = next(o["value"] for o in menu["options"] if "Khalid" in o["label"])
    _, callback = await click(bot.fake, token, "briefbot:choose", values=[pick])
    assert callback.body["type"] == 7
    assert "Khalid Mahmood" in callback.body["data"]["embeds"][0]["title"]
    assert callback.body["data"]["allowed_mentions"] == {"parse": []}


async def test_unknown_name_is_ephemeral_with_closest_names(bot: Bot) -> None:
    """An unknown name gets an ephemeral reply naming the closest people, with a menu of them."""
    message = await slash(bot.fake, "who", name="Somaye Morovaty Qwerty")
    assert message["flags"] & EPHEMERAL
    assert "Closest:" in fields_text(message)
    assert any("Somaye Morovati" in o["label"] for o in button(message, "briefbot:choose")["options"])


async def test_reload_refused_to_non_admin(bot: Bot) -> None:
    """/reload from a user with no admin role or id is refused, ephemerally."""
    message = await slash(bot.fake, "reload")
    assert message["flags"] & EPHEMERAL
    assert "Only briefbot admins" in message["content"]


async def test_reload_by_admin_role_reports(bot: Bot) -> None:
    """/reload by a member with the admin role reloads and reports counts."""
    message = await slash(bot.fake, "reload", roles=(ADMIN_ROLE_ID,))
    assert "Reloaded:" in message["content"]


async def test_reload_keeps_last_good_and_alerts_admin(connect: Any, write_brief: Any) -> None:
    """A broken edit is reported by /reload and DMed to the admin user; the old version keeps answering."""
    from tests.conftest import minimal_brief

    path = write_brief("kept.yaml", minimal_brief("kept", title="Kept dialogue"))
    bot = await connect(briefs=path.parent)
    bot.services.store.load()
    path.write_text("id: kept\ntitle: [unclosed\n", encoding="utf-8")
    message = await slash(bot.fake, "reload", user_id=ADMIN_USER_ID)
    assert "1 problem(s)" in message["content"]
    dm = await bot.fake.wait_for(lambda c: c.method == "POST" and c.path.startswith("/channels/"))
    assert "brief problem" in dm.body["content"]
    assert dm.body["allowed_mentions"] == {"parse": []}
    latest = await slash(bot.fake, "dialogue", "latest")
    assert "Kept dialogue" in latest["embeds"][0]["title"]


async def test_digest_without_digests_says_so(bot: Bot) -> None:
    """/digest preview with no digest runner replies that none are configured."""
    message = await slash(bot.fake, "digest", "preview", name="weekly")
    assert "No digests are configured" in message["content"]


class Runner:
    """A DigestRunner over fixed answers, with a switch to fail and a gate to be slow."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.gate = threading.Event()
        self.gate.set()
        self.ran: list[str] = []

    def names(self) -> list[str]:
        """Return the digest names."""
        return ["weekly"]

    def preview(self, name: str) -> Answer:
        """Return a fixed digest, or fail."""
        self.gate.wait(10)
        if self.fail:
            raise RuntimeError("boom")
        return Answer(AnswerKind.DIGEST, f"Digest {name}", items=(Item("New", lines=("one new brief",)),))

    async def run_now(self, name: str) -> Answer:
        """Record the run and return what was posted."""
        self.ran.append(name)
        return Answer(AnswerKind.DIGEST, f"Posted {name}")

    def status(self) -> list[DigestStatus]:
        """Return one never-run digest."""
        return [DigestStatus("weekly", "0 9 * * mon", "UTC", None, None, None, ())]


async def test_digest_preview_shows_the_digest(bot: Bot) -> None:
    """/digest preview renders the runner's preview answer."""
    bot.services.digests = Runner()
    message = await slash(bot.fake, "digest", "preview", name="weekly")
    assert message["embeds"][0]["title"] == "Digest weekly"


async def test_digest_now_runs_for_admin(bot: Bot) -> None:
    """/digest now by an admin user posts the digest."""
    runner = Runner()
    bot.services.digests = runner
    message = await slash(bot.fake, "digest", "now", name="weekly", user_id=ADMIN_USER_ID)
    assert runner.ran == ["weekly"]
    assert message["embeds"][0]["title"] == "Posted weekly"


async def test_digest_now_refused_to_non_admin(bot: Bot) -> None:
    """/digest now by someone else does not run."""
    runner = Runner()
    bot.services.digests = runner
    message = await slash(bot.fake, "digest", "now", name="weekly")
    assert runner.ran == []
    assert "Only briefbot admins" in message["content"]


async def test_failing_handler_apologises_and_bot_keeps_running(bot: Bot) -> None:
    """A handler that raises gets a polite ephemeral reply without a traceback; the next command works."""
    bot.services.digests = Runner(fail=True)
    message = await slash(bot.fake, "digest", "preview", name="weekly")
    assert message["flags"] & EPHEMERAL
    assert "Sorry" in message["content"] and "Traceback" not in message["content"]
    assert (await slash(bot.fake, "help"))["embeds"]


async def test_slow_answer_is_deferred_then_edited(bot: Bot) -> None:
    """An answer not ready in time is deferred (type 5) and then delivered as an edit of @original."""
    runner = Runner()
    runner.gate.clear()
    bot.services.digests = runner
    # created 2 s ago: past the 1.5 s budget, so the bot must defer at once rather than wait
    token = await invoke(bot.fake, 2, command_data("digest", "preview", name="weekly"), age=2.0)
    callback = await bot.fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    assert callback.body["type"] == 5
    runner.gate.set()
    message = await reply(bot.fake, token)
    assert message["embeds"][0]["title"] == "Digest weekly"


async def test_rate_limited_reply_is_retried(bot: Bot) -> None:
    """A 429 with Via and retry_after on the interaction callback is retried and the answer arrives."""
    bot.fake.rate_limit["/callback"] = 1
    message = await slash(bot.fake, "help")
    assert [c.status for c in bot.fake.calls if c.path.endswith("/callback")] == [429, 200]
    assert message["embeds"]


def test_fake_is_importable_without_network() -> None:
    """The fake builds interaction payloads with the test guild (sanity of the harness)."""
    assert FakeDiscord().interaction(2, {})["guild_id"]


async def test_expired_buttons_are_removed(connect: Any, long_briefs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the paging buttons time out, the message is edited to drop them."""
    from bot.adapters.discord_app import commands

    monkeypatch.setattr(commands, "VIEW_TIMEOUT", 0.05)
    bot = await connect(briefs=long_briefs)
    token = await invoke(bot.fake, 2, command_data("dialogue", "show", dialogue="long-dialogue"))
    assert components(await reply(bot.fake, token))
    edit = await bot.fake.wait_for(lambda c: c.method == "PATCH" and f"/{token}/messages/@original" in c.path)
    assert edit.body.get("components") == []


async def test_admin_alerts_show_brief_text_as_typed(connect: Any, write_brief: Any) -> None:
    """An alert quoting a brief's text (a look-alike name) reaches the admin's DM with its masked link as text."""
    from tests.conftest import minimal_brief

    path = write_brief("kept.yaml", minimal_brief("kept"))
    bot = await connect(briefs=path.parent)
    bot.services.store.load()
    data = minimal_brief("kept")
    name = "Omid Kar\u0456mi [verify](https://evil.example)"  # a Cyrillic і: the loader warns the admins
    data["participants"][1]["name"] = data["positions"][0]["by"][0] = name
    write_brief("kept.yaml", data)
    await slash(bot.fake, "reload", user_id=ADMIN_USER_ID)
    dm = await bot.fake.wait_for(lambda c: c.method == "POST" and c.path.startswith("/channels/"))
    assert "mixes Latin with Cyrillic" in dm.body["content"]
    assert "](https://evil.example)" not in dm.body["content"].replace("\\[verify]", "")
