"""Driving the bot through the fake gateway: slash commands, autocomplete, buttons, menus."""

from __future__ import annotations

from typing import Any

from tests.adapters.discord_app.fake_discord import Call, FakeDiscord


def options(**values: Any) -> list[dict[str, Any]]:
    """Return command options from keyword values (strings type 3, ints type 4)."""
    return [{"name": k, "type": 4 if isinstance(v, int) else 3, "value": v} for k, v in values.items() if v is not None]


def command_data(command: str, sub: str | None = None, /, focused: str | None = None, **values: Any) -> dict[str, Any]:
    """Return the data of a slash command (or of its autocomplete when focused names an option)."""
    opts = options(**values)
    for opt in opts:
        if opt["name"] == focused:
            opt["focused"] = True
    if sub:
        opts = [{"name": sub, "type": 1, "options": opts}]
    return {"id": "1", "name": command, "type": 1, "options": opts}


async def invoke(fake: FakeDiscord, kind: int, data: dict[str, Any], **kw: Any) -> str:
    """Dispatch an INTERACTION_CREATE and return its token."""
    payload = fake.interaction(kind, data, **kw)
    await fake.dispatch("INTERACTION_CREATE", payload)
    return str(payload["token"])


def _is_callback(token: str) -> Any:
    return lambda c: c.method == "POST" and c.path.endswith(f"/{token}/callback") and c.status == 200


async def reply(fake: FakeDiscord, token: str) -> dict[str, Any]:
    """Wait for the bot's reply to an interaction; return the message payload it finally sent."""
    callback = await fake.wait_for(_is_callback(token))
    kind = callback.body["type"]
    if kind == 5:  # deferred: the answer comes as an edit of @original
        edit = await fake.wait_for(lambda c: c.method == "PATCH" and f"/{token}/messages/@original" in c.path)
        return dict(edit.body)
    return dict(callback.body.get("data") or {})


async def slash(fake: FakeDiscord, command: str, sub: str | None = None, /, **kw: Any) -> dict[str, Any]:
    """Run a slash command through the gateway and return the message the bot answered with."""
    user_kw = {k: kw.pop(k) for k in ("user_id", "roles", "permissions") if k in kw}
    token = await invoke(fake, 2, command_data(command, sub, **kw), **user_kw)
    return await reply(fake, token)


async def autocomplete(fake: FakeDiscord, command: str, sub: str | None, focused: str, /, **values: Any) -> list[Any]:
    """Run an autocomplete request and return the choices the bot offered."""
    token = await invoke(fake, 4, command_data(command, sub, focused=focused, **values))
    callback = await fake.wait_for(_is_callback(token))
    assert callback.body["type"] == 8
    return list(callback.body["data"]["choices"])


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the flat list of components (buttons, menus) of a message payload."""
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


def original_message(fake: FakeDiscord, token: str) -> dict[str, Any]:
    """Return the message the fake stored as an interaction's original response."""
    return fake.messages[fake._original[token]]


async def click(
    fake: FakeDiscord, token: str, custom_id: str, values: list[str] | None = None, **kw: Any
) -> tuple[str, Call]:
    """Press a button (or pick menu values) on an interaction's original message; return the new token and callback."""
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": 3 if values is not None else 2}
    if values is not None:
        data["values"] = values
    new = await invoke(fake, 3, data, message=original_message(fake, token), **kw)
    return new, await fake.wait_for(_is_callback(new))
