"""Prometheus metrics of one briefbot process: questions, latency, errors, briefs, reloads, digest deliveries."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

COMMANDS = frozenset({"dialogue", "who", "session", "positions", "search", "help", "digest", "reload"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0)
DELIVERY_STATUS = {"intent": "pending", "posted": "posted", "failed": "failed", "recorded": "recorded"}


def command_label(question: str) -> str:
    """Return the command a question asks (its first word) as a metric label; anything else is 'other'."""
    head = question.strip().lstrip("/").split(" ", 1)[0].lower()
    return head if head in COMMANDS else "other"


# The libraries' own log line for each request they retry after a 429 (they retry it themselves, quietly otherwise):
# logger name -> (start of the message, platform label)
RATE_LIMIT_LINES = {
    "discord.http": ("We are being rate limited. %s %s responded with 429. Retrying", "discord"),
    "discord.webhook.async_": ("Webhook ID %s is rate limited. Retrying", "discord"),  # interaction replies
    "bot.adapters.slack_app.app": ("slack: rate limited on", "slack"),
}


class RetryCounter(logging.Filter):
    """Counts the 429 retries that discord.py and the Slack client report in their log lines; drops nothing."""

    def __init__(self, counter: Counter) -> None:
        super().__init__()
        self.counter = counter

    def filter(self, record: logging.LogRecord) -> bool:
        """Count record if it is a library's "rate limited, retrying" line."""
        rule = RATE_LIMIT_LINES.get(record.name)
        if rule is not None and str(record.msg).startswith(rule[0]):
            self.counter.labels(rule[1]).inc()
        return True


class Metrics:
    """The metrics of one process, in a registry of its own (tests build many; none is global)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.questions = Counter(
            "briefbot_questions", "Questions answered, per platform and command.", ["platform", "command"], registry=r
        )
        self.latency = Histogram(
            "briefbot_answer_seconds",
            "Time from receiving a question to sending its answer.",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter("briefbot_errors", "Questions that failed with an error.", ["platform"], registry=r)
        self.deferred = Counter(
            "briefbot_interactions_deferred",
            "Interactions deferred (slow answers).",
            ["platform"],
            registry=r,
        )
        self.expired = Counter(
            "briefbot_interactions_expired",
            "Interactions dropped without computing them: their platform's deadline had passed (load shedding).",
            ["platform"],
            registry=r,
        )
        self.briefs_loaded = Gauge("briefbot_briefs_loaded", "Briefs being served.", registry=r)
        self.briefs_broken = Gauge("briefbot_briefs_broken", "Brief files with problems (last good kept).", registry=r)
        self.reload_seconds = Histogram(
            "briefbot_reload_seconds", "Time to (re)load the briefs.", buckets=LATENCY_BUCKETS, registry=r
        )
        self.rate_limited = Counter(
            "briefbot_rate_limited",
            "Discord and Slack API requests retried after a 429 (digest retries: briefbot_digest_retries).",
            ["platform"],
            registry=r,
        )
        self._digests: DigestCollector | None = None

    @contextlib.contextmanager
    def question(self, platform: str, question: str) -> Iterator[None]:
        """Count one question now and time it until the block ends (an escaping error is counted too).

        Each question is also one log event with context fields (platform, command, seconds), never its text.
        """
        start = time.perf_counter()
        command = command_label(question)
        self.questions.labels(platform, command).inc()
        try:
            yield
        except Exception:
            self.errors.labels(platform).inc()
            raise
        finally:
            seconds = time.perf_counter() - start
            self.latency.labels(platform).observe(seconds)
            log.info(
                "%s: answered a %s question in %.0f ms",
                platform,
                command,
                seconds * 1000,
                extra={"platform": platform, "command": command, "seconds": round(seconds, 4)},
            )

    def loaded(self, briefs: int, broken: int, seconds: float | None = None) -> None:
        """Record a (re)load of the briefs: how many are served, how many files are broken, how long it took."""
        self.briefs_loaded.set(briefs)
        self.briefs_broken.set(broken)
        if seconds is not None:
            self.reload_seconds.observe(seconds)

    def watch_digests(self, state_path: Path, retries: Callable[[], int]) -> None:
        """Report digest deliveries and disabled targets from the state file, and retries from retries()."""
        if self._digests is None:
            self._digests = DigestCollector(state_path, retries)
            self.registry.register(self._digests)

    @contextlib.contextmanager
    def counting_rate_limits(self) -> Iterator[None]:
        """Count the Discord and Slack clients' 429 retries while the block runs (the loggers are global)."""
        counter = RetryCounter(self.rate_limited)
        loggers = [logging.getLogger(name) for name in RATE_LIMIT_LINES]
        for logger in loggers:
            logger.addFilter(counter)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeFilter(counter)

    def exposition(self) -> bytes:
        """Return every metric in the Prometheus text format."""
        return generate_latest(self.registry)


class DigestCollector(Collector):
    """Reads delivery counts from the state database (read-only) at each scrape, so they survive restarts."""

    def __init__(self, state_path: Path, retries: Callable[[], int]) -> None:
        self.state_path = state_path
        self.retries = retries

    def collect(self) -> Iterator[Metric]:
        """Yield deliveries per status, disabled targets and retries after 429/5xx."""
        counts = dict.fromkeys(DELIVERY_STATUS.values(), 0)
        disabled = 0
        if self.state_path.exists():
            with contextlib.closing(sqlite3.connect(f"file:{self.state_path}?mode=ro", uri=True, timeout=1)) as db:
                try:
                    for status, n in db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status"):
                        counts[DELIVERY_STATUS.get(status, status)] = n
                    disabled = db.execute("SELECT COUNT(*) FROM targets WHERE disabled_at IS NOT NULL").fetchone()[0]
                except sqlite3.OperationalError:  # a state file not initialised yet
                    pass
        deliveries = GaugeMetricFamily(
            "briefbot_digest_deliveries", "Digest deliveries in the state, per status.", labels=["status"]
        )
        for status, n in sorted(counts.items()):
            deliveries.add_metric([status], n)
        yield deliveries
        yield GaugeMetricFamily("briefbot_digest_targets_disabled", "Digest targets disabled.", value=disabled)
        yield CounterMetricFamily(
            "briefbot_digest_retries", "Digest HTTP retries after 429, 5xx or network errors.", value=self.retries()
        )
