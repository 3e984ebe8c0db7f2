"""Digest delivery: SQLite state of what went where, the exactly-once protocol, and HTTP posting with retries."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import json
import logging
import os
import random
import secrets
import signal
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from bot.answer import Answer
from bot.config import BotConfig, DigestConfig, DigestTarget
from bot.digest.changes import change_notes
from bot.digest.compose import Selection, compose, select_briefs
from bot.index.catalog import Catalog

log = logging.getLogger(__name__)
# httpx logs every request line (with the URL, which for webhooks is a secret) at INFO.
logging.getLogger("httpx").setLevel(logging.WARNING)

CRASH_ENV = "BRIEFBOT_CRASH_AT"
CRASH_STEPS = ("after_compose", "after_intent", "after_post", "between_parts", "after_parts")
DISCORD_API = "https://discord.com/api/v10"
SLACK_API = "https://slack.com/api/"
SLACK_EVENT_TYPE = "briefbot_digest"
DISCORD_EPOCH_MS = 1420070400000
MAX_ATTEMPTS = 5
MAX_DELAY = 120.0
RECONCILE_SLACK_SECONDS = 120

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]
Alert = Callable[[str], Awaitable[None]]
Renderer = Callable[[Answer], list[dict[str, Any]]]  # a neutral digest answer -> one platform's message payloads


def utcnow() -> dt.datetime:
    """Return the current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def crash_point(step: str, target: str) -> None:
    """Kill this process with SIGKILL at `step` when BRIEFBOT_CRASH_AT asks for it (crash tests only)."""
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    want_step, _, want_target = spec.partition("@")
    if want_step == step and (not want_target or target.startswith(want_target)):
        log.warning("crash injected at %s for %s", step, target)
        os.kill(os.getpid(), signal.SIGKILL)


# ----- state ------------------------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS targets (
    digest TEXT NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL,
    first_seen_at TEXT NOT NULL, initialised_at TEXT, disabled_at TEXT, disabled_reason TEXT,
    PRIMARY KEY (digest, target));
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY, digest TEXT NOT NULL, target TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('intent', 'posted', 'failed', 'recorded')),
    parts TEXT NOT NULL, versions TEXT NOT NULL, done_parts INTEGER NOT NULL DEFAULT 0,
    message_ids TEXT NOT NULL DEFAULT '[]', items INTEGER NOT NULL DEFAULT 0, attempting INTEGER NOT NULL DEFAULT -1,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, outcome TEXT);
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (status, digest);
CREATE TABLE IF NOT EXISTS sent (
    digest TEXT NOT NULL, target TEXT NOT NULL, brief_id TEXT NOT NULL, version TEXT NOT NULL,
    delivery_key TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (digest, target, brief_id));
CREATE TABLE IF NOT EXISTS snapshots (version TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    digest TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL, last_run_at TEXT, last_outcome TEXT);
"""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One digest message set for one target, from intent to posted."""

    key: str
    digest: str
    target: str
    status: str
    parts: list[dict[str, Any]]
    versions: dict[str, str]
    done_parts: int
    attempting: int
    message_ids: list[str | None]
    items: int
    created_at: dt.datetime
    updated_at: dt.datetime
    outcome: str | None


@dataclass(frozen=True, slots=True)
class TargetState:
    """What the state store knows about one target of one digest."""

    digest: str
    target: str
    kind: str
    initialised_at: str | None
    disabled_at: str | None
    disabled_reason: str | None


def _ts(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _parse_ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class StateStore:
    """Delivery state in one SQLite file (WAL, synchronous=FULL), one connection per process."""

    def __init__(self, path: Path | str, clock: Clock = utcnow) -> None:
        self.path = Path(path)
        self.clock = clock
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an fsync per commit: a recorded post survives power loss
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _tx(self) -> sqlite3.Connection:
        return self._db

    # targets
    def ensure_target(self, digest: str, target: str, kind: str) -> TargetState:
        """Register a target on first sight and return its state."""
        self._db.execute(
            "INSERT OR IGNORE INTO targets (digest, target, kind, first_seen_at) VALUES (?,?,?,?)",
            (digest, target, kind, _ts(self.clock())),
        )
        state = self.target(digest, target)
        assert state is not None
        return state

    def target(self, digest: str, target: str) -> TargetState | None:
        """Return a target's state, if known."""
        row = self._db.execute("SELECT * FROM targets WHERE digest=? AND target=?", (digest, target)).fetchone()
        if row is None:
            return None
        return TargetState(
            row["digest"], row["target"], row["kind"], row["initialised_at"], row["disabled_at"], row["disabled_reason"]
        )

    def targets(self, digest: str) -> list[TargetState]:
        """Return every known target of a digest."""
        rows = self._db.execute("SELECT target FROM targets WHERE digest=? ORDER BY target", (digest,)).fetchall()
        return [t for r in rows if (t := self.target(digest, r["target"])) is not None]

    def disable_target(self, digest: str, target: str, reason: str) -> None:
        """Stop posting to a target until it is enabled again, recording why."""
        self._db.execute(
            "UPDATE targets SET disabled_at=?, disabled_reason=? WHERE digest=? AND target=?",
            (_ts(self.clock()), reason, digest, target),
        )

    def enable_targets(self, digest: str) -> int:
        """Enable every disabled target of a digest again; return how many."""
        cur = self._db.execute(
            "UPDATE targets SET disabled_at=NULL, disabled_reason=NULL WHERE digest=? AND disabled_at IS NOT NULL",
            (digest,),
        )
        return cur.rowcount

    def delivered_versions(self, digest: str, target: str) -> dict[str, str] | None:
        """Return brief id -> version already delivered to a target, or None before its first digest."""
        state = self.target(digest, target)
        if state is None or state.initialised_at is None:
            return None
        rows = self._db.execute(
            "SELECT brief_id, version FROM sent WHERE digest=? AND target=?", (digest, target)
        ).fetchall()
        return {r["brief_id"]: r["version"] for r in rows}

    def keep_snapshots(self, snapshots: Mapping[str, str]) -> None:
        """Keep the snapshot of each brief version about to be delivered (content-addressed: repeats are no-ops)."""
        if snapshots:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR IGNORE INTO snapshots VALUES (?, ?)", list(snapshots.items()))

    def snapshots(self, versions: Iterable[str]) -> dict[str, str]:
        """Return the kept snapshots of these brief versions (versions delivered before they were kept: none)."""
        wanted = list(dict.fromkeys(versions))
        out: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self._db.execute(
                f"SELECT version, data FROM snapshots WHERE version IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update({r["version"]: r["data"] for r in rows})
        return out

    # deliveries
    def record_intent(
        self,
        key: str,
        digest: str,
        target: str,
        parts: Sequence[Mapping[str, Any]],
        versions: Mapping[str, str],
        items: int,
    ) -> Delivery:
        """Durably record what is about to be posted, before posting anything."""
        now = _ts(self.clock())
        self._db.execute(
            "INSERT INTO deliveries (key, digest, target, status, parts, versions, items, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (key, digest, target, "intent", json.dumps(list(parts)), json.dumps(dict(versions)), items, now, now),
        )
        delivery = self.delivery(key)
        assert delivery is not None
        return delivery

    def mark_attempt(self, key: str, index: int) -> None:
        """Record that part `index` is about to be sent (so a crash before this point is known to be harmless)."""
        self._db.execute(
            "UPDATE deliveries SET attempting=?, updated_at=? WHERE key=?", (index, _ts(self.clock()), key)
        )

    def mark_part(self, key: str, index: int, message_id: str | None) -> None:
        """Record that part `index` is posted (with the platform's message id when it gives one)."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT message_ids FROM deliveries WHERE key=?", (key,)).fetchone()
            ids = json.loads(row["message_ids"])
            ids += [None] * (index + 1 - len(ids))
            ids[index] = message_id
            self._db.execute(
                "UPDATE deliveries SET done_parts=?, message_ids=?, updated_at=? WHERE key=?",
                (index + 1, json.dumps(ids), _ts(self.clock()), key),
            )

    def finish(self, key: str, outcome: str = "posted") -> None:
        """Mark a delivery posted and record its brief versions as delivered to its target, atomically."""
        delivery = self.delivery(key)
        assert delivery is not None
        now = _ts(self.clock())
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "UPDATE deliveries SET status='posted', updated_at=?, outcome=? WHERE key=?", (now, outcome, key)
            )
            self._record_versions(delivery.digest, delivery.target, delivery.versions, key, now)

    def record_without_post(self, key: str, digest: str, target: str, versions: Mapping[str, str]) -> None:
        """Record versions as seen without posting (a first digest's older briefs when nothing is posted)."""
        now = _ts(self.clock())
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO deliveries (key, digest, target, status, parts, versions, created_at, updated_at, outcome)"
                " VALUES (?,?,?,'recorded','[]',?,?,?,'nothing to post; versions recorded')",
                (key, digest, target, json.dumps(dict(versions)), now, now),
            )
            self._record_versions(digest, target, versions, key, now)

    def _record_versions(self, digest: str, target: str, versions: Mapping[str, str], key: str, now: str) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO sent (digest, target, brief_id, version, delivery_key, at) VALUES (?,?,?,?,?,?)",
            [(digest, target, bid, ver, key, now) for bid, ver in versions.items()],
        )
        self._db.execute(
            "UPDATE targets SET initialised_at=COALESCE(initialised_at, ?) WHERE digest=? AND target=?",
            (now, digest, target),
        )

    def fail(self, key: str, outcome: str) -> None:
        """Give up on a delivery (its briefs stay undelivered and are composed again next time)."""
        self._db.execute(
            "UPDATE deliveries SET status='failed', outcome=?, updated_at=? WHERE key=?",
            (outcome, _ts(self.clock()), key),
        )

    def note(self, key: str, outcome: str) -> None:
        """Record the latest outcome of an unfinished delivery."""
        self._db.execute("UPDATE deliveries SET outcome=?, updated_at=? WHERE key=?", (outcome, _ts(self.clock()), key))

    def delivery(self, key: str) -> Delivery | None:
        """Return one delivery."""
        row = self._db.execute("SELECT * FROM deliveries WHERE key=?", (key,)).fetchone()
        return _delivery(row) if row else None

    def unfinished(self, digest: str | None = None) -> list[Delivery]:
        """Return deliveries recorded as intent but not yet posted, oldest first."""
        sql = "SELECT * FROM deliveries WHERE status='intent'"
        params: tuple[str, ...] = ()
        if digest is not None:
            sql += " AND digest=?"
            params = (digest,)
        return [_delivery(r) for r in self._db.execute(sql + " ORDER BY created_at", params).fetchall()]

    def last_delivery(self, digest: str, target: str) -> Delivery | None:
        """Return the latest delivery to a target, whatever its status."""
        row = self._db.execute(
            "SELECT * FROM deliveries WHERE digest=? AND target=? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (digest, target),
        ).fetchone()
        return _delivery(row) if row else None

    def deliveries(self, digest: str, target: str) -> list[Delivery]:
        """Return every delivery to a target, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM deliveries WHERE digest=? AND target=? ORDER BY created_at, rowid", (digest, target)
        ).fetchall()
        return [_delivery(r) for r in rows]

    # runs
    def first_seen(self, digest: str) -> dt.datetime:
        """Return when this digest was first scheduled (registering it now on first sight)."""
        self._db.execute("INSERT OR IGNORE INTO runs (digest, first_seen_at) VALUES (?,?)", (digest, _ts(self.clock())))
        row = self._db.execute("SELECT first_seen_at FROM runs WHERE digest=?", (digest,)).fetchone()
        return _parse_ts(row["first_seen_at"])

    def last_run(self, digest: str) -> dt.datetime | None:
        """Return when the digest last ran, if ever."""
        row = self._db.execute("SELECT last_run_at FROM runs WHERE digest=?", (digest,)).fetchone()
        return _parse_ts(row["last_run_at"]) if row and row["last_run_at"] else None

    def set_last_run(self, digest: str, when: dt.datetime, outcome: str) -> None:
        """Record a run of the digest."""
        self.first_seen(digest)
        self._db.execute("UPDATE runs SET last_run_at=?, last_outcome=? WHERE digest=?", (_ts(when), outcome, digest))

    def last_outcome(self, digest: str) -> str | None:
        """Return the summary of the digest's last run."""
        row = self._db.execute("SELECT last_outcome FROM runs WHERE digest=?", (digest,)).fetchone()
        return row["last_outcome"] if row else None


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        key=row["key"],
        digest=row["digest"],
        target=row["target"],
        status=row["status"],
        parts=json.loads(row["parts"]),
        versions=json.loads(row["versions"]),
        done_parts=row["done_parts"],
        attempting=row["attempting"],
        message_ids=json.loads(row["message_ids"]),
        items=row["items"],
        created_at=_parse_ts(row["created_at"]),
        updated_at=_parse_ts(row["updated_at"]),
        outcome=row["outcome"],
    )


# ----- posting ----------------------------------------------------------------------------------------------


class TargetGone(Exception):
    """The target no longer accepts posts (deleted webhook, unknown channel, revoked token)."""


class Rejected(Exception):
    """The platform refused this payload; retrying the same one will not help."""


class Unavailable(Exception):
    """The platform did not answer usefully after every retry; try again later."""


class InDoubt(Exception):
    """A post may or may not have arrived (a 5xx, a timeout, a transient Slack error): check before posting again."""


# Slack answers these with HTTP 200 and ok:false; the post may or may not have been made, and a retry soon may work.
SLACK_TRANSIENT = frozenset({"service_unavailable", "internal_error", "fatal_error", "request_timeout", "ratelimited"})


class Found(enum.Enum):
    """Whether a possibly posted part is on the platform."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PartRef:
    """Which part of which delivery a message is, for idempotency keys and reconciliation."""

    key: str
    index: int
    total: int

    @property
    def marker(self) -> str:
        """Return the visible reference put in the Discord footer, e.g. 'ref 1a2b3c4d5e6f7a8b-0'."""
        return f"ref {self.key}-{self.index}"

    @property
    def nonce(self) -> str:
        """Return the Discord nonce (at most 25 characters)."""
        return f"{self.key}{self.index:03d}"


def target_id(target: DigestTarget) -> tuple[str, str]:
    """Return (kind, stable id) of a target; webhook URLs are secrets, so only a hash of them is stored."""
    if target.discord_channel is not None:
        return "discord_channel", f"discord_channel:{target.discord_channel}"
    if target.slack_channel is not None:
        return "slack_channel", f"slack_channel:{target.slack_channel}"
    secret = target.discord_webhook or target.slack_webhook
    assert secret is not None
    kind = "discord_webhook" if target.discord_webhook else "slack_webhook"
    return kind, f"{kind}:{hashlib.sha256(secret.get_secret_value().encode()).hexdigest()[:12]}"


def _retry_after(resp: httpx.Response) -> float | None:
    header = resp.headers.get("Retry-After")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    if "json" in resp.headers.get("content-type", ""):
        try:
            body = resp.json()
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
            return max(0.0, float(body["retry_after"]))
    return None


@dataclass
class Http:
    """HTTP with bounded retries on 429, 5xx and network errors, honouring Retry-After."""

    client: httpx.AsyncClient
    sleep: Sleep = asyncio.sleep
    attempts: int = MAX_ATTEMPTS
    base_delay: float = 1.0
    waits: list[float] = field(default_factory=list)

    async def request(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        """Send a request, retrying transient failures; raise Unavailable when every attempt failed."""
        problem = "no attempt made"
        for attempt in range(self.attempts):
            delay = min(MAX_DELAY, self.base_delay * 2**attempt) * (1 + random.random() / 4)
            try:
                resp = await self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                problem = f"network error ({type(exc).__name__})"
            else:
                if resp.status_code != 429 and resp.status_code < 500:
                    return resp
                problem = f"HTTP {resp.status_code}"
                delay = min(MAX_DELAY, _retry_after(resp) or delay)
            if attempt + 1 < self.attempts:
                log.info("%s: %s; retrying in %.1fs", what, problem, delay)
                self.waits.append(delay)
                await self.sleep(delay)
        raise Unavailable(f"{what}: {problem} after {self.attempts} attempts")

    def backoff(self, attempt: int) -> float:
        """Return the wait before retry number attempt (0-based): exponential with jitter, capped."""
        return float(min(MAX_DELAY, self.base_delay * 2**attempt) * (1 + random.random() / 4))

    async def wait(self, delay: float) -> None:
        """Wait delay seconds with the injected sleep, recording it."""
        self.waits.append(delay)
        await self.sleep(delay)

    async def send_once(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        """Send a non-idempotent request: retry only what surely did not arrive; raise InDoubt on what may have.

        A 429 or a connection never made is retried here (honouring Retry-After). A 5xx, a timeout or a connection
        lost after sending may hide a post the platform accepted: the caller must check before posting again.
        """
        problem = "no attempt made"
        for attempt in range(self.attempts):
            delay = self.backoff(attempt)
            try:
                resp = await self.client.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                problem = f"network error ({type(exc).__name__})"  # nothing was sent
            except httpx.TransportError as exc:
                raise InDoubt(f"{what}: network error ({type(exc).__name__})") from None
            else:
                if resp.status_code >= 500:
                    raise InDoubt(f"{what}: HTTP {resp.status_code}")
                if resp.status_code != 429:
                    return resp
                problem = "HTTP 429"
                delay = min(MAX_DELAY, _retry_after(resp) or delay)
            if attempt + 1 < self.attempts:
                log.info("%s: %s; retrying in %.1fs", what, problem, delay)
                await self.wait(delay)
        raise Unavailable(f"{what}: {problem} after {self.attempts} attempts")


class Poster:
    """Posts digest parts to one target and, where the platform allows, finds parts already posted."""

    kind = "?"

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post one part; return the platform's message id when it gives one."""
        raise NotImplementedError

    async def find(self, ref: PartRef, since: dt.datetime) -> tuple[Found, str | None]:
        """Tell whether the part was already posted (for reconciliation after a crash)."""
        return Found.UNKNOWN, None

    def prepare(self, payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
        """Return the payload with this part's idempotency marker added."""
        return dict(payload)


def _gone_or_rejected(resp: httpx.Response, what: str) -> Exception:
    detail = ""
    try:
        body = resp.json()
        if isinstance(body, dict):
            detail = str(body.get("message") or body.get("error") or "")[:200]
    except ValueError:
        detail = resp.text[:100]
    if resp.status_code in (401, 403, 404, 410):
        return TargetGone(f"{what}: HTTP {resp.status_code} {detail}".strip())
    return Rejected(f"{what}: HTTP {resp.status_code} {detail}".strip())


def snowflake_at(when: dt.datetime) -> int:
    """Return the smallest Discord snowflake of a moment (for `after=` in message history)."""
    return max(0, int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


class DiscordChannelPoster(Poster):
    """The bot posts to a channel via REST, with `nonce` + `enforce_nonce`; history shows our footer marker."""

    kind = "discord_channel"

    def __init__(self, http: Http, api_base: str, token: str | None, channel_id: int) -> None:
        self.http, self.api, self.token, self.channel_id = http, api_base.rstrip("/"), token, channel_id

    def _headers(self) -> dict[str, str]:
        if not self.token:
            raise TargetGone("no discord token in the config")
        return {"Authorization": f"Bot {self.token}"}

    def prepare(self, payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
        """Add the footer marker to the last embed."""
        return _with_footer(payload, ref, digest)

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post with the part's nonce, so Discord itself drops a repeat within its dedup window."""
        body = {**payload, "nonce": ref.nonce, "enforce_nonce": True}
        what = f"discord channel {self.channel_id}"
        url = f"{self.api}/channels/{self.channel_id}/messages"
        resp = await self.http.send_once("POST", url, what, json=body, headers=self._headers())
        if resp.status_code >= 300:
            raise _gone_or_rejected(resp, what)
        return str(resp.json().get("id")) if resp.content else None

    async def find(self, ref: PartRef, since: dt.datetime) -> tuple[Found, str | None]:
        """Look for the part's footer marker in the channel's messages since the intent."""
        return await find_in_channel(self.http, self.api, self._headers(), self.channel_id, ref, since)


def _with_footer(payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
    out = dict(payload)
    embeds = [dict(e) for e in out.get("embeds", [])] or [{"description": "\u200b"}]
    embeds[-1]["footer"] = {"text": f"{digest} · {ref.index + 1}/{ref.total} · {ref.marker}"}
    out["embeds"] = embeds
    return out


async def find_in_channel(
    http: Http, api: str, headers: Mapping[str, str], channel_id: int | str, ref: PartRef, since: dt.datetime
) -> tuple[Found, str | None]:
    """Search a Discord channel's messages after `since` for the part's footer marker."""
    after = snowflake_at(since - dt.timedelta(minutes=5))
    try:
        resp = await http.request(
            "GET",
            f"{api}/channels/{channel_id}/messages",
            f"discord channel {channel_id} history",
            params={"limit": 100, "after": str(after)},
            headers=dict(headers),
        )
    except Unavailable:
        return Found.UNKNOWN, None
    if resp.status_code != 200:
        return Found.UNKNOWN, None
    for message in resp.json():
        for embed in message.get("embeds", []):
            if ref.marker in (embed.get("footer") or {}).get("text", ""):
                return Found.YES, str(message.get("id"))
    return Found.NO, None


class DiscordWebhookPoster(Poster):
    """Posts to a webhook with `?wait=true` (recording the message id); finds parts via the bot, if configured."""

    kind = "discord_webhook"

    def __init__(self, http: Http, url: str, api_base: str, token: str | None) -> None:
        self.http, self.url, self.api, self.token = http, url, api_base.rstrip("/"), token

    def prepare(self, payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
        """Add the footer marker to the last embed."""
        return _with_footer(payload, ref, digest)

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post and return the created message's id."""
        resp = await self.http.send_once(
            "POST", self.url, "discord webhook", json=dict(payload), params={"wait": "true"}
        )
        if resp.status_code >= 300:
            raise _gone_or_rejected(resp, "discord webhook")
        return str(resp.json().get("id")) if resp.content else None

    async def find(self, ref: PartRef, since: dt.datetime) -> tuple[Found, str | None]:
        """Read the webhook's channel with the bot token, when there is one; else the answer is unknown."""
        if not self.token:
            return Found.UNKNOWN, None
        try:
            resp = await self.http.request("GET", self.url, "discord webhook lookup")
        except Unavailable:
            return Found.UNKNOWN, None
        if resp.status_code != 200 or not resp.json().get("channel_id"):
            return Found.UNKNOWN, None
        headers = {"Authorization": f"Bot {self.token}"}
        return await find_in_channel(self.http, self.api, headers, resp.json()["channel_id"], ref, since)


SLACK_GONE = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "account_inactive",
    "access_denied",
}


class SlackChannelPoster(Poster):
    """chat.postMessage with our key in message metadata; conversations.history finds it after a crash."""

    kind = "slack_channel"

    def __init__(self, http: Http, api_base: str, token: str | None, channel: str) -> None:
        base = api_base if api_base.endswith("/") else api_base + "/"
        self.http, self.api, self.token, self.channel = http, base, token, channel

    def _headers(self) -> dict[str, str]:
        if not self.token:
            raise TargetGone("no slack bot_token in the config")
        return {"Authorization": f"Bearer {self.token}"}

    def prepare(self, payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
        """Add message metadata carrying the idempotency key and part."""
        meta = {"event_type": SLACK_EVENT_TYPE, "event_payload": {"key": ref.key, "part": ref.index, "digest": digest}}
        return {**payload, "metadata": meta}

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post one part and return its ts."""
        what = f"slack channel {self.channel}"
        body = {**payload, "channel": self.channel, "unfurl_links": False, "unfurl_media": False}
        resp = await self.http.send_once(
            "POST", self.api + "chat.postMessage", what, json=body, headers=self._headers()
        )
        if resp.status_code >= 300:
            raise _gone_or_rejected(resp, what)
        data = resp.json()
        if not data.get("ok"):
            error = str(data.get("error", "unknown_error"))
            if error in SLACK_GONE:
                raise TargetGone(f"{what}: {error}")
            if error in SLACK_TRANSIENT:
                raise InDoubt(f"{what}: {error}")
            raise Rejected(f"{what}: {error}")
        return str(data.get("ts")) if data.get("ts") else None

    async def find(self, ref: PartRef, since: dt.datetime) -> tuple[Found, str | None]:
        """Look for a message whose metadata carries the part's key in the channel since the intent."""
        oldest = f"{since.timestamp() - RECONCILE_SLACK_SECONDS:.6f}"
        form = {"channel": self.channel, "oldest": oldest, "limit": "200", "include_all_metadata": "true"}
        what = f"slack channel {self.channel} history"
        try:
            resp = await self.http.request(
                "POST", self.api + "conversations.history", what, data=form, headers=self._headers()
            )
        except Unavailable:
            return Found.UNKNOWN, None
        data = resp.json() if resp.status_code == 200 else {}
        if not data.get("ok"):
            return Found.UNKNOWN, None
        for message in data.get("messages", []):
            meta = message.get("metadata") or {}
            load = meta.get("event_payload") or {}
            if (
                meta.get("event_type") == SLACK_EVENT_TYPE
                and load.get("key") == ref.key
                and load.get("part") == ref.index
            ):
                return Found.YES, str(message.get("ts"))
        return Found.NO, None


class SlackWebhookPoster(Poster):
    """Incoming webhook: no message id, no history; a crash right after a post cannot be checked."""

    kind = "slack_webhook"

    def __init__(self, http: Http, url: str) -> None:
        self.http, self.url = http, url

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post one part."""
        resp = await self.http.send_once("POST", self.url, "slack webhook", json=dict(payload))
        if resp.status_code >= 300:
            raise _gone_or_rejected(resp, "slack webhook")
        if resp.text.strip() in SLACK_TRANSIENT:  # webhooks answer errors as plain text
            raise InDoubt(f"slack webhook: {resp.text.strip()}")
        return None


# ----- the protocol -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    """What one run did for one target."""

    target: str
    status: str  # posted | nothing | recorded | disabled | failed | pending | skipped
    items: int = 0
    parts: int = 0
    detail: str = ""


async def _no_alert(text: str) -> None:
    return None


class DeliveryEngine:
    """Composes, records and posts digests to their targets, exactly once per brief version per target."""

    def __init__(
        self,
        config: BotConfig,
        state: StateStore,
        client: httpx.AsyncClient,
        *,
        renderers: Mapping[str, Renderer],
        alert: Alert = _no_alert,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Deliver with renderers 'discord' and 'slack' (each platform's own, see bot.adapters.digest_renderers)."""
        self.config, self.state, self.alert, self.clock = config, state, alert, clock
        self.renderers = renderers
        self.http = Http(client, sleep=sleep)

    def digest(self, name: str) -> DigestConfig:
        """Return the digest config called name; raise KeyError when there is none."""
        for digest in self.config.digests:
            if digest.name == name:
                return digest
        raise KeyError(name)

    def poster(self, target: DigestTarget) -> Poster:
        """Return the poster of a target."""
        discord = self.config.discord
        slack = self.config.slack
        discord_api = (discord.api_base_url if discord else None) or DISCORD_API
        discord_token = discord.token.get_secret_value() if discord else None
        if target.discord_channel is not None:
            return DiscordChannelPoster(self.http, discord_api, discord_token, target.discord_channel)
        if target.discord_webhook is not None:
            return DiscordWebhookPoster(
                self.http, target.discord_webhook.get_secret_value(), discord_api, discord_token
            )
        if target.slack_channel is not None:
            slack_api = (slack.api_base_url if slack else None) or SLACK_API
            token = slack.bot_token.get_secret_value() if slack else None
            return SlackChannelPoster(self.http, slack_api, token, target.slack_channel)
        assert target.slack_webhook is not None
        return SlackWebhookPoster(self.http, target.slack_webhook.get_secret_value())

    def _posters(self, digest: DigestConfig) -> dict[str, Poster]:
        out: dict[str, Poster] = {}
        for target in digest.targets:
            kind, tid = target_id(target)
            self.state.ensure_target(digest.name, tid, kind)
            out[tid] = self.poster(target)
        return out

    def selection(self, catalog: Catalog, digest: DigestConfig, target: str) -> Selection:
        """Return what the target's next digest would hold."""
        delivered = self.state.delivered_versions(digest.name, target)
        selection = select_briefs(catalog.all.values(), digest, delivered, catalog)
        if selection.changed and delivered:
            before = self.state.snapshots(delivered[d.id] for d in selection.changed)
            selection = replace(selection, changes=change_notes(selection.changed, delivered, before))
        return selection

    def render(self, kind: str, selection: Selection, digest: DigestConfig) -> list[dict[str, Any]]:
        """Return the platform payloads of a selection for a target kind."""
        answer = compose(digest, selection)
        return self.renderers["discord" if kind.startswith("discord") else "slack"](answer)

    async def reconcile(self, digest_name: str | None = None) -> list[TargetOutcome]:
        """Finish every delivery left unfinished (by a crash or an outage) before anything new is composed."""
        outcomes = []
        for delivery in self.state.unfinished(digest_name):
            try:
                digest = self.digest(delivery.digest)
            except KeyError:
                self.state.fail(delivery.key, "digest no longer configured")
                continue
            posters = self._posters(digest)
            poster = posters.get(delivery.target)
            target = self.state.target(delivery.digest, delivery.target)
            if poster is None or (target and target.disabled_at):
                self.state.fail(delivery.key, "target no longer configured or disabled")
                continue
            log.info("reconciling delivery %s of digest %s to %s", delivery.key, delivery.digest, delivery.target)
            outcomes.append(await self._post(digest.name, delivery, poster, reconciling=True))
        return outcomes

    async def run(self, catalog: Catalog, name: str) -> list[TargetOutcome]:
        """Reconcile, then compose, record and post digest `name` to every target; return what happened."""
        digest = self.digest(name)
        pending = {o.target: o for o in await self.reconcile(name)}
        outcomes: list[TargetOutcome] = []
        for tid, poster in self._posters(digest).items():
            state = self.state.target(name, tid)
            if state and state.disabled_at:
                outcomes.append(TargetOutcome(tid, "disabled", detail=state.disabled_reason or ""))
                continue
            earlier = pending.get(tid)
            if earlier and earlier.status in {"pending", "disabled"}:
                outcomes.append(earlier)  # still unreachable: do not stack a second digest behind it
                continue
            outcome = await self._run_target(catalog, digest, tid, poster)
            if earlier and outcome.status in {"nothing", "recorded"}:
                outcome = earlier  # the interrupted delivery just finished; report that
            outcomes.append(outcome)
        summary = ", ".join(f"{o.target}: {o.status}" for o in outcomes)
        self.state.set_last_run(name, self.clock(), summary)
        return outcomes

    async def _run_target(self, catalog: Catalog, digest: DigestConfig, tid: str, poster: Poster) -> TargetOutcome:
        selection = self.selection(catalog, digest, tid)
        if selection.empty and not digest.post_when_empty:
            if selection.record:
                self.state.keep_snapshots(selection.snapshots)
                self.state.record_without_post(secrets.token_hex(8), digest.name, tid, selection.record)
                return TargetOutcome(tid, "recorded", detail="nothing to post; older briefs marked as seen")
            return TargetOutcome(tid, "nothing", detail="nothing new")
        payloads = self.render(poster.kind, selection, digest)
        key = secrets.token_hex(8)
        parts = [poster.prepare(p, PartRef(key, i, len(payloads)), digest.name) for i, p in enumerate(payloads)]
        crash_point("after_compose", tid)
        self.state.keep_snapshots(selection.snapshots)  # before the intent: a crash between leaves harmless rows
        delivery = self.state.record_intent(key, digest.name, tid, parts, selection.record, len(selection.dialogues))
        crash_point("after_intent", tid)
        return await self._post(digest.name, delivery, poster, reconciling=False)

    async def _post(self, name: str, delivery: Delivery, poster: Poster, *, reconciling: bool) -> TargetOutcome:
        tid, total = delivery.target, len(delivery.parts)
        try:
            for index in range(delivery.done_parts, total):
                ref = PartRef(delivery.key, index, total)
                if reconciling and index == delivery.done_parts and delivery.attempting >= index:
                    # Only this part can be in doubt: parts are posted one at a time and recorded after each.
                    arrived, message_id = await self._arrived(name, delivery, poster, ref, "was interrupted")
                    if arrived:
                        self.state.mark_part(delivery.key, index, message_id)
                        continue
                message_id = await self._post_part(name, delivery, poster, ref)
                crash_point("after_post", tid)
                self.state.mark_part(delivery.key, index, message_id)
                if index + 1 < total:
                    crash_point("between_parts", tid)
            crash_point("after_parts", tid)
            self.state.finish(delivery.key)
        except TargetGone as exc:
            reason = str(exc)
            self.state.disable_target(name, tid, reason)
            self.state.fail(delivery.key, f"target disabled: {reason}")
            log.warning("digest %s: target %s disabled: %s", name, tid, reason)
            await self.alert(
                f"briefbot: digest {name} stopped posting to {tid}: {reason}. Fix it, then run"
                f" `briefbot digest enable {name}`."
            )
            return TargetOutcome(tid, "disabled", delivery.items, detail=reason)
        except Rejected as exc:
            self.state.fail(delivery.key, str(exc))
            log.warning("digest %s to %s rejected: %s", name, tid, exc)
            await self.alert(f"briefbot: digest {name} to {tid} was rejected: {exc}")
            return TargetOutcome(tid, "failed", delivery.items, detail=str(exc))
        except Unavailable as exc:
            self.state.note(delivery.key, f"will retry: {exc}")
            log.warning("digest %s to %s not delivered yet: %s", name, tid, exc)
            return TargetOutcome(tid, "pending", delivery.items, detail=str(exc))
        return TargetOutcome(tid, "posted", delivery.items, total)

    async def _arrived(
        self, name: str, delivery: Delivery, poster: Poster, ref: PartRef, why: str, *, warn: bool = True
    ) -> tuple[bool, str | None]:
        """Check whether a part in doubt arrived (and its message id); when that cannot be known, alert the admins."""
        found, message_id = await poster.find(ref, delivery.created_at)
        if found is Found.YES:
            log.info("part %d of %s was already posted; recording it", ref.index + 1, delivery.key)
            return True, message_id
        if found is Found.UNKNOWN and warn:
            log.warning("cannot check whether part %d of %s reached %s", ref.index + 1, delivery.key, delivery.target)
            await self.alert(
                f"briefbot: digest {name} to {delivery.target} {why} and that platform cannot be checked;"
                f" part {ref.index + 1}/{ref.total} is being posted again and may appear twice."
            )
        return False, None

    async def _post_part(self, name: str, delivery: Delivery, poster: Poster, ref: PartRef) -> str | None:
        """Post one part; after an answer that leaves it in doubt, check whether it arrived before posting again."""
        problem = ""
        for attempt in range(self.http.attempts):
            self.state.mark_attempt(delivery.key, ref.index)
            try:
                return await poster.post(delivery.parts[ref.index], ref)
            except InDoubt as exc:
                problem = str(exc)
                log.info("%s; checking whether part %d arrived before posting again", problem, ref.index + 1)
            await self.http.wait(self.http.backoff(attempt))
            why = f"got no clear answer ({problem})"
            arrived, message_id = await self._arrived(name, delivery, poster, ref, why, warn=attempt == 0)
            if arrived:
                return message_id
        raise Unavailable(f"{problem} after {self.http.attempts} attempts")
