"""/timeline, /compare, /network (with its picture as an attachment) and /dialogue series through the fake Discord."""

from __future__ import annotations

from bot.adapters.discord_app.render import payload_problems
from tests.adapters.discord_app.conftest import Bot
from tests.adapters.discord_app.fake_discord import Call
from tests.adapters.discord_app.helpers import autocomplete, click, command_data, components, invoke, reply, slash
from tests.adapters.discord_app.test_commands import fields_text


def _callback_of(token: str) -> object:
    return lambda c: c.method == "POST" and c.path.endswith(f"/{token}/callback") and c.status == 200


async def test_timeline_lists_both_dialogues_with_the_undated_apart(bot: Bot) -> None:
    """/timeline subject:Sohail Mahmood: the dated dialogue, then "Date not given" and the undated one."""
    message = await slash(bot.fake, "timeline", subject="Sohail Mahmood")
    names = [f["name"] for f in message["embeds"][0]["fields"] if not f["name"].endswith("(continued)")]
    assert names[0].startswith("2025-07-29 — Iran-Pakistan Relations")
    assert names[1] == "Date not given" and names[2] == "date not given — ISSI-IPIS Annual Dialogue"
    assert not payload_problems(message)


async def test_timeline_order_option(bot: Bot) -> None:
    """order:newest first is passed on (the intro says it)."""
    message = await slash(bot.fake, "timeline", subject="Afghanistan", order="newest first")
    assert "newest first" in message["embeds"][0]["description"]


async def test_compare_shows_two_columns(bot: Bot) -> None:
    """/compare: inline fields, the two sides' titles first, each statement citing its dialogue."""
    message = await slash(bot.fake, "compare", topic="Afghanistan", a="Pakistan", b="Iran")
    embed = message["embeds"][0]
    fields = embed["fields"]
    assert [f["name"] for f in fields[:2]] == ["__Pakistan__", "__Iran__"]
    assert all(f["inline"] for f in fields[:-1]) and fields[-1]["name"] == "Sources"
    text = fields_text(message)
    assert "Urged closer Pakistan-Iran coordination on Afghanistan" in text
    assert "Shaykh al-Islami" in text
    assert not payload_problems(message)


async def test_network_attaches_the_picture(bot: Bot) -> None:
    """/network name:Amina Khan: Sohail Mahmood first with two shared dialogues; the PNG arrives as a file."""
    token = await invoke(bot.fake, 2, command_data("network", name="Amina Khan"))
    call: Call = await bot.fake.wait_for(_callback_of(token))
    message = call.body["data"]
    assert message["embeds"][0]["fields"][0]["name"] == "Sohail Mahmood"
    assert "**Shared dialogues:** 2" in message["embeds"][0]["fields"][0]["value"]
    filename, data = call.files["files[0]"]
    assert filename == "network-amina-khan.png" and data.startswith(b"\x89PNG")
    assert message["embeds"][0]["image"]["url"] == "attachment://network-amina-khan.png"
    assert message["attachments"][0]["filename"] == "network-amina-khan.png"


async def test_dialogue_series(bot: Bot) -> None:
    """/dialogue series name:ISSI-IPIS lists the series' rounds."""
    message = await slash(bot.fake, "dialogue", "series", name="ISSI-IPIS")
    assert message["embeds"][0]["title"] == "Series: ISSI-IPIS Annual Dialogue"


async def test_autocomplete_of_the_new_options(bot: Bot) -> None:
    """Subjects, topics, sides and series are offered as you type."""
    subjects = await autocomplete(bot.fake, "timeline", None, "subject", subject="Soh")
    assert "Sohail Mahmood" in [c["value"] for c in subjects]
    topics = await autocomplete(bot.fake, "compare", None, "topic", topic="Afgh")
    assert "Afghanistan" in [c["value"] for c in topics]
    sides = await autocomplete(bot.fake, "compare", None, "a", a="ISS")
    assert "ISSI" in [c["value"] for c in sides]
    series = await autocomplete(bot.fake, "dialogue", "series", "name", name="ISSI")
    assert [c["value"] for c in series] == ["ISSI-IPIS Annual Dialogue"]


async def test_picking_a_person_for_a_network_attaches_the_picture(bot: Bot) -> None:
    """/network name:Mahmood offers both; picking one edits the message into their network, picture attached."""
    token = await invoke(bot.fake, 2, command_data("network", name="Mahmood"))
    message = await reply(bot.fake, token)
    menu = next(c for c in components(message) if c.get("custom_id") == "briefbot:choose")
    pick = next(o["value"] for o in menu["options"] if "Khalid" in o["label"])
    _, callback = await click(bot.fake, token, "briefbot:choose", values=[pick])
    assert callback.body["type"] == 7
    assert callback.body["data"]["embeds"][0]["title"] == "Network: Khalid Mahmood"
    filename, data = callback.files["files[0]"]
    assert filename == "network-khalid-mahmood.png" and data.startswith(b"\x89PNG")
