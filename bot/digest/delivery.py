"""Digest delivery: the exactly-once engine over a Poster protocol that each platform's adapter implements.

A part is recorded as intended, posted, then recorded as posted; after a crash or an answer in doubt it is looked
for before it is posted again. Http gives the posters bounded retries that honour Retry-After.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import logging
import random
import secrets
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import httpx

from bot.answer import Answer
from bot.config import BotConfig, DigestConfig, DigestTarget
from bot.digest.changes import change_notes
from bot.digest.compose import Selection, brief_version, brief_version_scheme, compose, select_known
from bot.digest.state import Clock, Delivery, StateStore, utcnow
from bot.index.catalog import Catalog

log = logging.getLogger(__name__)
# httpx logs every request line (with the URL, which for webhooks is a secret) at INFO.
logging.getLogger("httpx").setLevel(logging.WARNING)

STEPS = ("after_compose", "after_intent", "after_post", "between_parts", "after_parts")
MAX_ATTEMPTS = 5
MAX_DELAY = 120.0

Sleep = Callable[[float], Awaitable[None]]
Alert = Callable[[str], Awaitable[None]]
Checkpoint = Callable[[str, str], None]  # (step, target): a seam for crash tests, called at each of STEPS


def _no_checkpoint(step: str, target: str) -> None:
    return None


# ----- posting ----------------------------------------------------------------------------------------------


class TargetGone(Exception):
    """The target no longer accepts posts (deleted webhook, unknown channel, revoked token)."""


class Rejected(Exception):
    """The platform refused this payload; retrying the same one will not help."""


class Unavailable(Exception):
    """The platform did not answer usefully after every retry; try again later."""


class InDoubt(Exception):
    """A post may or may not have arrived (a 5xx, a timeout, a transient Slack error): check before posting again."""


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


class Poster(Protocol):
    """Renders digest parts for one target's platform, posts them, and (where it can) finds parts already posted.

    Implementations live with their platform's adapter; a subclass inherits the defaults of find and prepare.
    """

    kind: str

    def render(self, answer: Answer) -> list[dict[str, Any]]:
        """Return the platform payloads of a digest answer, split between items within the platform's limits."""
        ...

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post one part; return the platform's message id when it gives one."""
        ...

    async def find(self, ref: PartRef, since: dt.datetime) -> tuple[Found, str | None]:
        """Tell whether the part was already posted (for reconciliation after a crash)."""
        return Found.UNKNOWN, None

    def prepare(self, payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
        """Return the payload with this part's idempotency marker added."""
        return dict(payload)


PosterFactory = Callable[[DigestTarget, "Http"], Poster]  # built by the adapters, injected by the composition root


def gone_or_rejected(resp: httpx.Response, what: str) -> Exception:
    """Return the error of a refused post: TargetGone for 401/403/404/410, else Rejected."""
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


def _hold_back(selection: Selection, held: Collection[str]) -> Selection:
    """Return the selection without the briefs being rewritten (not recorded either, so they come next time)."""
    if not held:
        return selection
    return replace(
        selection,
        new=tuple(d for d in selection.new if d.id not in held),
        changed=tuple(d for d in selection.changed if d.id not in held),
        record={bid: ver for bid, ver in selection.record.items() if bid not in held},
    )


class DeliveryEngine:
    """Composes, records and posts digests to their targets, exactly once per brief version per target."""

    def __init__(
        self,
        config: BotConfig,
        state: StateStore,
        client: httpx.AsyncClient,
        *,
        posters: PosterFactory,
        alert: Alert = _no_alert,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        checkpoint: Checkpoint | None = None,
        settling: Callable[[], Collection[str]] = frozenset,
    ) -> None:
        """Deliver through the posters that `posters` makes per target (each platform's own, see bot.adapters).

        settling returns the ids of briefs whose file changed within the store's settle interval: a digest leaves
        them out (neither the old nor the half-written new version) until they are stable.
        """
        self.config, self.state, self.alert, self.clock = config, state, alert, clock
        self.settling = settling
        self.http = Http(client, sleep=sleep)
        self._make_poster = posters
        self.checkpoint = checkpoint or _no_checkpoint
        self._scheme = ""

    def digest(self, name: str) -> DigestConfig:
        """Return the digest config called name; raise KeyError when there is none."""
        for digest in self.config.digests:
            if digest.name == name:
                return digest
        raise KeyError(name)

    def poster(self, target: DigestTarget) -> Poster:
        """Return the poster of a target."""
        return self._make_poster(target, self.http)

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
        selection = _hold_back(select_known(catalog, digest, delivered, self.brief_versions(catalog)), self.settling())
        if selection.changed and delivered:
            before = self.state.snapshots(delivered[d.id] for d in selection.changed)
            selection = replace(selection, changes=change_notes(selection.changed, delivered, before))
        return selection

    def brief_versions(self, catalog: Catalog) -> dict[str, str]:
        """Return brief_version() of every published brief by id, computed once per content (a dialogue is loaded
        only when its file content is new to the state): the store's content keys map to the versions."""
        scheme = self._scheme = self._scheme or brief_version_scheme()
        known = self.state.brief_versions(scheme)
        out: dict[str, str] = {}
        learned: dict[str, str] = {}
        for did, key in catalog.published_keys().items():
            version = known.get(key) if key is not None else None
            if version is None:
                version = brief_version(catalog.all[did])
                if key is not None:
                    learned[key] = version
            out[did] = version
        self.state.keep_brief_versions(scheme, learned)
        return out

    def render(self, poster: Poster, selection: Selection, digest: DigestConfig) -> list[dict[str, Any]]:
        """Return the platform payloads of a selection for a target's poster."""
        return poster.render(compose(digest, selection))

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
        payloads = self.render(poster, selection, digest)
        key = secrets.token_hex(8)
        parts = [poster.prepare(p, PartRef(key, i, len(payloads)), digest.name) for i, p in enumerate(payloads)]
        self.checkpoint("after_compose", tid)
        self.state.keep_snapshots(selection.snapshots)  # before the intent: a crash between leaves harmless rows
        delivery = self.state.record_intent(key, digest.name, tid, parts, selection.record, len(selection.dialogues))
        self.checkpoint("after_intent", tid)
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
                self.checkpoint("after_post", tid)
                self.state.mark_part(delivery.key, index, message_id)
                if index + 1 < total:
                    self.checkpoint("between_parts", tid)
            self.checkpoint("after_parts", tid)
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
