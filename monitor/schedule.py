"""``monitor run``: crawl each source on its own interval and send the digest at its hour, for weeks.

The scheduler holds the database lock for its whole life, crawls the sources that are due (each
after its ``interval``, with ±10 % jitter so they drift apart), and sends the most recent digest
that is due and not yet sent — yesterday's after ``digest.time``, so a digest missed while the
machine was off goes out once when it is back. A failing source is logged and tried again at its
next turn. SIGTERM or Ctrl-C lets the running crawl write what it has, then exits 0.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

from .errors import MonitorError
from .lock import DatabaseLock
from .models import Config

log = logging.getLogger("monitor.run")
JITTER = 0.1  # each wait is the interval ± 10 %
IDLE_MAX = 60.0  # seconds between checks when nothing is due (the digest hour is checked as often)


class JsonLines(logging.Formatter):
    """One JSON object per log record: time, level, message and any ``extra`` fields."""

    FIELDS = ("source", "day", "new", "failed", "recipients", "error")

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "message": record.getMessage()}
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(fmt: str = "text", level: str = "info") -> None:
    """Log records to stderr as plain lines or JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    root = logging.getLogger("monitor")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def digest_due(now: datetime, at: str) -> date:
    """The day whose digest is due at local time ``now``: yesterday once ``at`` has passed, else the day before."""
    hour, minute = map(int, at.split(":"))
    today = now.date()
    return today - timedelta(days=1 if now.time() >= time(hour, minute) else 2)


@dataclass
class Scheduler:
    """Everything ``monitor run`` does between start and stop; ``crawl`` and ``send`` are the real work
    (a crawl of the named sources into the database; sending one day's digest)."""

    config: Config
    crawl: Callable[[list[str]], bool]
    send: Callable[[date], None] | None = None
    now: Callable[[], float] = clock.time
    seed: int | None = None
    next_due: dict[str, float] = field(default_factory=dict)
    digest_done: set[date] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.zone = ZoneInfo(self.config.settings.timezone)

    def plan(self, last_crawls: dict[str, float | None]) -> None:
        """First turns: a source never crawled, or whose interval has passed, is due now (spread over a few
        seconds); the others when their interval since the last crawl ends."""
        start = self.now()
        for source in self.config.sources:
            if not source.enabled:
                continue
            last = last_crawls.get(source.name)
            due = start if last is None else last + source.interval
            self.next_due[source.name] = max(due, start) + self.random.uniform(0, min(5.0, source.interval * JITTER))

    def due(self) -> list[str]:
        now = self.now()
        return sorted(name for name, at in self.next_due.items() if at <= now)

    def step(self) -> float:
        """Do what is due (digest first: it is short); returns seconds until the next thing to do."""
        self.maybe_send_digest()
        names = self.due()
        if names:
            log.info("crawling %s", ", ".join(names), extra={"source": names})
            self.crawl(names)
            finished = self.now()
            for source in self.config.sources:
                if source.name in names:
                    wait = source.interval * (1 + self.random.uniform(-JITTER, JITTER))
                    self.next_due[source.name] = finished + wait
        if not self.next_due:
            return IDLE_MAX
        return max(0.0, min(min(self.next_due.values()) - self.now(), IDLE_MAX))

    def maybe_send_digest(self) -> None:
        if self.send is None:
            return
        day = digest_due(datetime.fromtimestamp(self.now(), self.zone), self.config.digest.time)
        if day in self.digest_done:
            return
        try:
            self.send(day)
            self.digest_done.add(day)
        except MonitorError as e:  # the SMTP server may be back next time
            log.error("digest of %s not sent: %s", day, e, extra={"day": day.isoformat(), "error": str(e)})


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # asyncio cancels the running crawl, whose cleanup writes what it has


def run_forever(config: Config, db_path: str | Path, *, workers: int | None = None,
                classifiers_dir: Path | None = None) -> None:
    """``monitor run``: take the database lock, then crawl and send digests until SIGTERM or Ctrl-C."""
    from .crawl import crawl_database
    from .digest import build_digest, send_digest
    from .store import Store
    from .topics import default_dir, load_topics

    def crawl(names: list[str]) -> bool:
        report = crawl_database(config, db_path, only=names, workers=workers, classifiers_dir=classifiers_dir,
                                warn=log.warning)
        for name, source in report.sources.items():
            if source.ok:
                log.info("%s: %d new, %d updated, %d failed", name, source.new, source.updated, source.failed,
                         extra={"source": name, "new": source.new, "failed": source.failed})
            else:
                error = "; ".join(source.errors[:1]) or "failed"
                log.warning("%s failed: %s", name, error, extra={"source": name, "error": error})
        return report.any_ok

    settings = config.digest

    def send(day: date) -> None:
        store = Store(db_path, display_zone=config.settings.timezone)
        try:
            digest = build_digest(store, day, load_topics(classifiers_dir or default_dir()),
                                  zone=config.settings.timezone, language=settings.language, tags=settings.tags,
                                  include_untagged=settings.include_untagged, max_stories=settings.max_stories,
                                  regions=settings.regions)
            if digest.empty and not settings.send_empty:
                log.info("digest of %s: nothing tagged, not sent", day, extra={"day": day.isoformat()})
                return
            delivery = send_digest(store, digest, settings, list(settings.to))
        finally:
            store.close()
        if delivery.sent:
            log.info("digest of %s sent to %s", day, ", ".join(delivery.sent),
                     extra={"day": day.isoformat(), "recipients": delivery.sent})
        if delivery.refused:
            raise MonitorError("refused by the server: " + "; ".join(f"{a} ({r})" for a, r in
                                                                     delivery.refused.items()))

    with DatabaseLock(db_path, "monitor run") as lock:
        if lock.previous:
            log.warning("took over the lock left by %s (pid %s), which is no longer running",
                        lock.previous.get("command"), lock.previous.get("pid"))
        scheduler = Scheduler(config, crawl, send if settings.to else None)
        if not settings.to:
            log.info("no digest.to in %s: no digest will be sent", config.path)
        scheduler.plan(_last_crawls(config, db_path))
        previous = signal.signal(signal.SIGTERM, _raise_stop)
        log.info("running: %d sources, digest at %s %s", len(scheduler.next_due), settings.time,
                 config.settings.timezone)
        try:
            while True:
                clock.sleep(scheduler.step())
        except KeyboardInterrupt:
            log.info("stopping: the running crawl has written what it had")
        finally:
            signal.signal(signal.SIGTERM, previous)


def _last_crawls(config: Config, db_path: str | Path) -> dict[str, float | None]:
    from .store import Store

    store = Store(db_path, display_zone=config.settings.timezone)
    try:
        return {row["name"]: (datetime.fromisoformat(row["last_crawl"]).timestamp() if row["last_crawl"] else None)
                for row in store.source_rows()}
    finally:
        store.close()
