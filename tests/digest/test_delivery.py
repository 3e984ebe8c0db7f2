"""Delivery to local stand-ins for a Discord webhook, the Discord REST API and the Slack Web API."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.adapters import digest_posters
from bot.config import load_config
from bot.digest.delivery import DeliveryEngine
from bot.digest.state import StateStore
from bot.index.store import BriefStore
from tests.conftest import minimal_brief
from tests.digest.fakes import DISCORD_TOKEN, SLACK_TOKEN, Failure, FakePlatforms, write_briefs, write_config


@dataclass
class Rig:
    """An engine wired to the fake platforms, with recorded sleeps and admin alerts."""

    engine: DeliveryEngine
    store: BriefStore
    state: StateStore
    waits: list[float] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    async def run(self) -> dict[str, str]:
        """Run digest 'weekly' and return target -> status."""
        outcomes = await self.engine.run(self.store.catalog, "weekly")
        return {o.target.split(":")[0]: o.status for o in outcomes}


@pytest.fixture
async def make_rig(fake: FakePlatforms, site: Path) -> AsyncIterator[Any]:
    """Return a factory of rigs for a list of targets (closing everything afterwards)."""
    opened: list[tuple[httpx.AsyncClient, StateStore]] = []

    async def make(targets: list[dict[str, Any]], briefs: int = 3, read_limit: float = 5, **digest: Any) -> Rig:
        write_briefs(site / "briefs", briefs, long=False)
        config = load_config(write_config(site / "config.yaml", fake, targets, **digest), env={})
        client = httpx.AsyncClient(timeout=read_limit)
        state = StateStore(config.state_path)
        opened.append((client, state))
        rig = Rig(None, BriefStore(config.briefs_dir), state)  # type: ignore[arg-type]

        async def sleep(seconds: float) -> None:
            rig.waits.append(seconds)

        async def alert(text: str) -> None:
            rig.alerts.append(text)

        rig.engine = DeliveryEngine(config, state, client, posters=digest_posters(config), alert=alert, sleep=sleep)
        return rig

    yield make
    for client, state in opened:
        await client.aclose()
        state.close()


async def test_discord_webhook_429_honours_retry_after(fake: FakePlatforms, make_rig: Any) -> None:
    """A 429 with Retry-After: 3 waits 3 s (injected sleep) and then delivers once."""
    rig = await make_rig([{"discord_webhook": fake.webhook_url()}])
    fake.fail["webhook_post"] = [Failure(429, {"Retry-After": "3"}, {"message": "rate limited", "retry_after": 3})]
    assert await rig.run() == {"discord_webhook": "posted"}
    assert rig.waits == [3.0]
    assert len(fake.webhook_posts) == 1


async def test_slack_5xx_then_success_backs_off_and_posts_once(fake: FakePlatforms, make_rig: Any) -> None:
    """Two 5xx answers from chat.postMessage are retried with growing backoff; one message arrives."""
    rig = await make_rig([{"slack_channel": "C111"}])
    fake.fail["slack_post"] = [Failure(500), Failure(503)]
    assert await rig.run() == {"slack_channel": "posted"}
    assert len(rig.waits) == 2 and rig.waits[1] > rig.waits[0]
    assert len(fake.slack["C111"]) == 1


async def test_discord_channel_posts_with_nonce_and_no_mentions(fake: FakePlatforms, make_rig: Any) -> None:
    """The bot posts to a channel via REST with a nonce, enforce_nonce and allowed_mentions parse []."""
    rig = await make_rig([{"discord_channel": 111}])
    assert await rig.run() == {"discord_channel": "posted"}
    (message,) = fake.discord["111"]
    assert message["allowed_mentions"] == {"parse": []}
    assert len(fake.nonces) == 1
    assert [e["title"] for e in message["embeds"]] == ["Dialogue number 2", "Dialogue number 1", "Dialogue number 0"]


async def test_deleted_webhook_disables_target_and_others_still_get_it(fake: FakePlatforms, make_rig: Any) -> None:
    """A 404 webhook is disabled with its reason and the admins told; the Slack and Discord targets still post."""
    fake.gone_webhooks.add("9")
    rig = await make_rig(
        [{"discord_webhook": fake.webhook_url("9")}, {"discord_channel": 111}, {"slack_channel": "C111"}]
    )
    status = await rig.run()
    assert status == {"discord_webhook": "disabled", "discord_channel": "posted", "slack_channel": "posted"}
    assert len(fake.discord["111"]) == 1 and len(fake.slack["C111"]) == 1
    (disabled,) = [t for t in rig.state.targets("weekly") if t.disabled_at]
    assert "404" in (disabled.disabled_reason or "")
    assert len(rig.alerts) == 1
    assert "stopped posting" in rig.alerts[0]


async def test_disabled_target_is_skipped_next_time(fake: FakePlatforms, make_rig: Any) -> None:
    """Once disabled, a target gets no further requests until enabled again."""
    fake.gone_webhooks.add("9")
    rig = await make_rig([{"discord_webhook": fake.webhook_url("9")}])
    await rig.run()
    calls = len(fake.requests)
    assert await rig.run() == {"discord_webhook": "disabled"}
    assert len(fake.requests) == calls


async def test_unknown_slack_channel_disables_target(fake: FakePlatforms, make_rig: Any) -> None:
    """chat.postMessage answering channel_not_found disables that Slack target."""
    rig = await make_rig([{"slack_channel": "C404"}, {"slack_webhook": fake.slack_hook_url()}])
    assert await rig.run() == {"slack_channel": "disabled", "slack_webhook": "posted"}


async def test_unknown_discord_channel_disables_target(fake: FakePlatforms, make_rig: Any) -> None:
    """A 404 Unknown Channel from the REST API disables that Discord target."""
    rig = await make_rig([{"discord_channel": 404}])
    assert await rig.run() == {"discord_channel": "disabled"}
    assert rig.alerts


async def test_outage_leaves_intent_that_next_run_finishes_once(fake: FakePlatforms, make_rig: Any) -> None:
    """When every retry fails the delivery stays pending; the next run posts it once and nothing is lost."""
    rig = await make_rig([{"slack_channel": "C111"}])
    fake.fail["slack_post"] = [Failure(503)] * 5
    assert await rig.run() == {"slack_channel": "pending"}
    assert fake.slack["C111"] == []
    assert await rig.run() == {"slack_channel": "posted"}
    assert len(fake.slack["C111"]) == 1
    assert await rig.run() == {"slack_channel": "nothing"}


async def test_new_brief_after_first_digest_is_posted_alone(fake: FakePlatforms, make_rig: Any, site: Path) -> None:
    """After the first digest only a newly added brief is posted."""
    rig = await make_rig([{"discord_webhook": fake.webhook_url()}])
    await rig.run()
    write_briefs(site / "briefs", 1, start=50, long=False)
    rig.store.load()
    await rig.run()
    assert [[e["title"] for e in m["embeds"]] for m in fake.webhook_posts][1] == ["Dialogue number 50"]


async def test_secrets_never_logged(fake: FakePlatforms, make_rig: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Webhook URLs and tokens appear in no log record, even at DEBUG and on failures."""
    caplog.set_level(logging.DEBUG)
    fake.gone_webhooks.add("9")
    rig = await make_rig(
        [{"discord_webhook": fake.webhook_url("9")}, {"discord_channel": 111}, {"slack_channel": "C111"}]
    )
    fake.fail["slack_post"] = [Failure(429, {"Retry-After": "1"})]
    await rig.run()
    ours = [r for r in caplog.records if not r.name.startswith("aiohttp")]  # aiohttp.access is the fake server
    text = "\n".join(r.getMessage() for r in ours) + "\n".join(rig.alerts)
    assert any(r.name == "bot.digest.delivery" for r in ours)
    for secret in ("secret-webhook-token", DISCORD_TOKEN, SLACK_TOKEN):
        assert secret not in text


def _received(fake: FakePlatforms, kind: str) -> int:
    """Return how many messages a target kind's single target received."""
    return {
        "discord_channel": len(fake.discord["111"]),
        "discord_webhook": len(fake.webhook_posts),
        "slack_channel": len(fake.slack["C111"]),
        "slack_webhook": len(fake.slack_hook_posts),
    }[kind]


def _target(fake: FakePlatforms, kind: str) -> dict[str, Any]:
    targets: dict[str, dict[str, Any]] = {
        "discord_channel": {"discord_channel": 111},
        "discord_webhook": {"discord_webhook": fake.webhook_url()},
        "slack_channel": {"slack_channel": "C111"},
        "slack_webhook": {"slack_webhook": fake.slack_hook_url()},
    }
    return targets[kind]


ROUTES = {
    "discord_channel": "channel_post",
    "discord_webhook": "webhook_post",
    "slack_channel": "slack_post",
    "slack_webhook": "slack_hook",
}
# kind -> (messages received, admins alerted): every kind whose history can be read is checked before a repost
IN_DOUBT_CASES = [
    ("discord_channel", 1, False),
    ("discord_webhook", 1, False),
    ("slack_channel", 1, False),
    ("slack_webhook", 2, True),
]


@pytest.mark.parametrize(("kind", "copies", "alerted"), IN_DOUBT_CASES)
async def test_accepted_then_502_is_checked_before_posting_again(
    fake: FakePlatforms, make_rig: Any, kind: str, copies: int, alerted: bool
) -> None:
    """A post the platform accepted but answered 502 is found and recorded; where it cannot be, admins are told."""
    rig = await make_rig([_target(fake, kind)])
    fake.accept_then[ROUTES[kind]] = [Failure(502)]
    assert await rig.run() == {kind: "posted"}
    assert _received(fake, kind) == copies
    assert any("may appear twice" in a for a in rig.alerts) is alerted
    assert await rig.run() == {kind: "nothing"}


@pytest.mark.parametrize(("kind", "copies", "alerted"), IN_DOUBT_CASES)
async def test_accepted_then_timeout_is_checked_before_posting_again(
    fake: FakePlatforms, make_rig: Any, kind: str, copies: int, alerted: bool
) -> None:
    """A post the platform accepted but never answered (client timeout) is not blindly posted again."""
    rig = await make_rig([_target(fake, kind)], read_limit=0.3)
    fake.accept_then[ROUTES[kind]] = [None]
    assert await rig.run() == {kind: "posted"}
    assert _received(fake, kind) == copies
    assert any("may appear twice" in a for a in rig.alerts) is alerted


async def test_accepted_on_last_attempt_then_503_is_found_not_posted_again(fake: FakePlatforms, make_rig: Any) -> None:
    """Four 503s, then a post accepted but answered 503 on the last attempt: the check finds it; one message."""
    rig = await make_rig([{"slack_channel": "C111"}])
    fake.fail["slack_post"] = [Failure(503)] * 4
    fake.accept_then["slack_post"] = [Failure(503)]
    assert await rig.run() == {"slack_channel": "posted"}
    assert len(fake.slack["C111"]) == 1


SLACK_TRANSIENT = ["service_unavailable", "internal_error", "fatal_error", "request_timeout", "ratelimited"]


@pytest.mark.parametrize("error", SLACK_TRANSIENT)
async def test_slack_transient_error_is_retried_soon_not_failed(fake: FakePlatforms, make_rig: Any, error: str) -> None:
    """ok:false with a transient error (HTTP 200) is retried within the run, like a 5xx, and posted once."""
    rig = await make_rig([{"slack_channel": "C111"}])
    fake.fail["slack_post"] = [Failure(200, body={"ok": False, "error": error})]
    assert await rig.run() == {"slack_channel": "posted"}
    assert len(fake.slack["C111"]) == 1
    assert len(rig.waits) == 1
    assert not rig.alerts


async def test_slack_transient_error_after_accepting_posts_once(fake: FakePlatforms, make_rig: Any) -> None:
    """ok:false service_unavailable for a post Slack did make: history shows it, so it is not posted again."""
    rig = await make_rig([{"slack_channel": "C111"}])
    fake.accept_then["slack_post"] = [Failure(200, body={"ok": False, "error": "service_unavailable"})]
    assert await rig.run() == {"slack_channel": "posted"}
    assert len(fake.slack["C111"]) == 1


async def test_slack_transient_errors_throughout_leave_delivery_pending(fake: FakePlatforms, make_rig: Any) -> None:
    """service_unavailable on every attempt leaves the delivery pending (retried soon), never failed."""
    rig = await make_rig([{"slack_channel": "C111"}])
    fake.fail["slack_post"] = [Failure(200, body={"ok": False, "error": "service_unavailable"})] * 5
    assert await rig.run() == {"slack_channel": "pending"}
    assert await rig.run() == {"slack_channel": "posted"}
    assert len(fake.slack["C111"]) == 1


async def test_digest_posts_the_served_brief_not_the_impostor(fake: FakePlatforms, make_rig: Any, site: Path) -> None:
    """A copy brief-000.yml with another title beside brief-000.yaml: the digest carries the served title only."""
    rig = await make_rig([{"discord_webhook": fake.webhook_url()}], briefs=1)
    impostor = yaml.safe_load((site / "briefs" / "brief-000.yaml").read_text())
    (site / "briefs" / "brief-000.yml").write_text(yaml.safe_dump({**impostor, "title": "Impostor"}))
    await rig.run()
    (post,) = fake.webhook_posts
    assert [e["title"] for e in post["embeds"]] == ["Dialogue number 0"]


async def test_digest_never_composes_a_brief_changed_within_the_settle_interval(
    fake: FakePlatforms, make_rig: Any, site: Path
) -> None:
    """A brief written 0.5 s ago (settle 2 s) is left out of the digest; once stable it is posted."""
    rig = await make_rig([{"discord_webhook": fake.webhook_url()}], briefs=0)
    path = site / "briefs" / "fresh.yaml"
    path.write_text(yaml.safe_dump(minimal_brief("fresh", title="Being written")))
    now = [os.stat(path).st_mtime_ns + 500_000_000]
    rig.store = BriefStore(site / "briefs", settle=2.0, clock=lambda: now[0])
    assert await rig.run() == {"discord_webhook": "nothing"}
    now[0] += 2_000_000_000
    rig.store.reload()
    assert await rig.run() == {"discord_webhook": "posted"}
    assert [e["title"] for e in fake.webhook_posts[0]["embeds"]] == ["Being written"]


class _Guarded(Mapping[str, Any]):
    """A catalog's dialogues where loading any but the allowed ones fails the test."""

    def __init__(self, inner: Mapping[str, Any], allowed: set[str]) -> None:
        self.inner, self.allowed = inner, allowed

    def __getitem__(self, key: str) -> Any:
        assert key in self.allowed, f"dialogue {key} loaded"
        return self.inner[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.inner)

    def __len__(self) -> int:
        return len(self.inner)


async def test_selection_loads_only_new_briefs(fake: FakePlatforms, make_rig: Any, site: Path) -> None:
    """After a first digest, a selection loads no dialogue whose content was seen: only the new one."""
    rig = await make_rig([{"slack_webhook": fake.slack_hook_url()}], briefs=12)
    await rig.run()
    added = write_briefs(site / "briefs", 1, start=50, long=False)
    rig.store.load()
    catalog = rig.store.catalog
    catalog.all = _Guarded(catalog.all, set(added))
    digest = rig.engine.digest("weekly")
    tid = next(iter(rig.engine._posters(digest)))
    selection = rig.engine.selection(catalog, digest, tid)
    assert [d.id for d in selection.new] == added and selection.changed == ()


async def test_digest_holds_back_a_served_brief_whose_file_is_being_rewritten(
    fake: FakePlatforms, make_rig: Any, site: Path
) -> None:
    """A served brief whose file changed 0.5 s ago is left out (neither version); once stable, the new one posts."""
    rig = await make_rig([{"discord_webhook": fake.webhook_url()}], briefs=0)
    path = site / "briefs" / "x.yaml"
    path.write_text(yaml.safe_dump(minimal_brief("x", title="Old title")))
    now = [os.stat(path).st_mtime_ns + 10_000_000_000]
    rig.store = BriefStore(site / "briefs", settle=2.0, clock=lambda: now[0])
    rig.store.load()
    rig.engine.settling = rig.store.settling_ids
    path.write_text(yaml.safe_dump(minimal_brief("x", title="New title")))
    now[0] = os.stat(path).st_mtime_ns + 500_000_000
    assert rig.store.reload().pending == ["x.yaml"]
    assert await rig.run() == {"discord_webhook": "nothing"}
    now[0] += 2_000_000_000
    rig.store.reload()
    assert await rig.run() == {"discord_webhook": "posted"}
    assert [e["title"] for e in fake.webhook_posts[0]["embeds"]] == ["New title"]
