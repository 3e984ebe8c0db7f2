"""Slack Block Kit limits, and a checker that lists every way a message breaks them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
MAX_FIELDS = 10
FIELD_TEXT = 2000
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 2000
ACTION_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
SELECT_OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
ACTION_ID = 255
BLOCK_ID = 255
FALLBACK_TEXT = 4000  # Slack truncates longer top-level text; keep well under 40,000


def _text(obj: Any, where: str, limit: int, problems: list[str], *, plain_only: bool = False) -> None:
    if not isinstance(obj, Mapping):
        problems.append(f"{where}: not a text object")
        return
    kind = obj.get("type")
    if kind not in {"plain_text", "mrkdwn"} or (plain_only and kind != "plain_text"):
        problems.append(f"{where}: bad text type {kind!r}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: empty text")
    elif len(text) > limit:
        problems.append(f"{where}: {len(text)} characters > {limit}")


def _element(el: Any, where: str, problems: list[str], action_ids: list[str]) -> None:
    if not isinstance(el, Mapping):
        problems.append(f"{where}: not an object")
        return
    action_id = el.get("action_id")
    if isinstance(action_id, str):
        action_ids.append(action_id)
        if len(action_id) > ACTION_ID:
            problems.append(f"{where}: action_id longer than {ACTION_ID}")
    kind = el.get("type")
    if kind == "button":
        _text(el.get("text"), f"{where}.text", BUTTON_TEXT, problems, plain_only=True)
        value = el.get("value", "")
        if len(value) > BUTTON_VALUE:
            problems.append(f"{where}.value: {len(value)} characters > {BUTTON_VALUE}")
        url = el.get("url", "")
        if len(url) > 3000:
            problems.append(f"{where}.url: longer than 3000")
    elif kind == "static_select":
        _text(el.get("placeholder"), f"{where}.placeholder", 150, problems, plain_only=True)
        options = el.get("options") or []
        if not options or len(options) > SELECT_OPTIONS:
            problems.append(f"{where}: {len(options)} options (1..{SELECT_OPTIONS})")
        for i, option in enumerate(options):
            _text(option.get("text"), f"{where}.options[{i}].text", OPTION_TEXT, problems, plain_only=True)
            if "description" in option:
                _text(option["description"], f"{where}.options[{i}].description", OPTION_TEXT, problems)
            if len(option.get("value", "")) > OPTION_VALUE:
                problems.append(f"{where}.options[{i}].value: longer than {OPTION_VALUE}")
    else:
        problems.append(f"{where}: unexpected element type {kind!r}")


def check_message(message: Mapping[str, Any]) -> list[str]:
    """Return every Block Kit limit a message (text + blocks) breaks; empty when it is valid."""
    problems: list[str] = []
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text: fallback text is missing")
    elif len(text) > FALLBACK_TEXT:
        problems.append(f"text: {len(text)} characters > {FALLBACK_TEXT}")
    blocks: Sequence[Any] = message.get("blocks") or []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"blocks: {len(blocks)} > {MAX_BLOCKS}")
    action_ids: list[str] = []
    block_ids: list[str] = []
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        kind = block.get("type")
        if isinstance(block.get("block_id"), str):
            block_ids.append(block["block_id"])
            if len(block["block_id"]) > BLOCK_ID:
                problems.append(f"{where}.block_id: longer than {BLOCK_ID}")
        if kind == "header":
            _text(block.get("text"), f"{where}.text", HEADER_TEXT, problems, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: a section needs text or fields")
            if "text" in block:
                _text(block["text"], f"{where}.text", SECTION_TEXT, problems)
            fields = block.get("fields")
            if fields is not None:
                if not fields or len(fields) > MAX_FIELDS:
                    problems.append(f"{where}.fields: {len(fields)} fields (1..{MAX_FIELDS})")
                for j, field in enumerate(fields):
                    _text(field, f"{where}.fields[{j}]", FIELD_TEXT, problems)
            if "accessory" in block:
                _element(block["accessory"], f"{where}.accessory", problems, action_ids)
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > CONTEXT_ELEMENTS:
                problems.append(f"{where}.elements: {len(elements)} elements (1..{CONTEXT_ELEMENTS})")
            for j, element in enumerate(elements):
                _text(element, f"{where}.elements[{j}]", CONTEXT_TEXT, problems)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > ACTION_ELEMENTS:
                problems.append(f"{where}.elements: {len(elements)} elements (1..{ACTION_ELEMENTS})")
            for j, element in enumerate(elements):
                _element(element, f"{where}.elements[{j}]", problems, action_ids)
        elif kind != "divider":
            problems.append(f"{where}: unexpected block type {kind!r}")
    for name, ids in (("action_id", action_ids), ("block_id", block_ids)):
        dupes = sorted({x for x in ids if ids.count(x) > 1})
        if dupes:
            problems.append(f"duplicate {name}s: {', '.join(dupes)}")
    return problems
