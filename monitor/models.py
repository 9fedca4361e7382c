"""Plain data passed between the pipeline stages: config → discover → fetch → extract → store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import __version__


@dataclass(frozen=True)
class Listing:
    """An HTML page whose links (matched by a CSS selector) are articles."""

    url: str
    selector: str
    next: str | None = None
    max_pages: int = 1


@dataclass(frozen=True)
class Source:
    """One outlet from feeds.yaml, with defaults already applied."""

    name: str
    homepage: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    region: str | None = None
    language: str = "id"
    timezone: str = "Asia/Jakarta"
    delay: float = 1.0
    concurrency: int = 2
    interval: float = 1800.0
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class Settings:
    """Global settings: how the crawler presents itself and its limits."""

    user_agent: str = f"berita-monitor/{__version__} (+https://github.com/berita-monitor/berita-monitor)"
    timezone: str = "Asia/Makassar"
    concurrency: int = 16
    timeout: float = 20.0
    max_bytes: int = 5_000_000
    retries: int = 3
    max_pages: int = 10
    retention: float | None = None  # seconds: raw pages of untagged articles older than this are dropped


@dataclass(frozen=True)
class Smtp:
    """How digests are sent. The password is never in the file: ``MONITOR_SMTP_PASSWORD`` only."""

    host: str | None = None
    port: int | None = None  # default: 465 for ssl, 587 for starttls, 25 otherwise
    user: str | None = None
    security: str = "starttls"  # none | starttls | ssl
    sender: str | None = None  # the From address


@dataclass(frozen=True)
class DigestSettings:
    """The daily digest: who gets it, when, in which language, about which topics."""

    to: tuple[str, ...] = ()
    time: str = "07:00"  # local time (settings.timezone) at which `monitor run` sends yesterday's digest
    language: str = "id"  # id | en
    tags: tuple[str, ...] = ()  # empty: every topic
    regions: tuple[str, ...] = ()  # empty: everywhere; else articles about these regions (see regions.py)
    include_untagged: bool = False
    send_empty: bool = False  # send a short "nothing found" digest on a day without tagged news
    max_stories: int = 10  # per topic, the most widely reported first
    smtp: Smtp = Smtp()


@dataclass(frozen=True)
class Config:
    """A validated feeds.yaml."""

    path: str
    settings: Settings
    sources: tuple[Source, ...]
    digest: DigestSettings = DigestSettings()

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)


@dataclass(frozen=True)
class Link:
    """An article URL found by discovery, with what the feed or sitemap said of it."""

    url: str
    source: str
    found_on: str
    title: str | None = None
    published: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class Page:
    """A fetched response, decoded."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    encoding: str
    fetched_at: datetime
    elapsed: float
    not_modified: bool = False

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass(frozen=True)
class Article:
    """What extraction gives for one article page."""

    url: str
    title: str
    text: str
    author: str | None = None
    published: datetime | None = None
    published_from: str | None = None
    updated: datetime | None = None
    dateline: str | None = None
    description: str | None = None
    image: str | None = None
    language: str | None = None
    sitename: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    content_hash: str = ""
    # (gazetteer key, weight) of the places it is about, found beside tagging in the extraction workers;
    # None: not looked for yet (the store then finds them)
    regions: tuple[tuple[str, float], ...] | None = None


@dataclass
class SourceReport:
    """Counts for one source in one crawl run."""

    name: str
    links: int = 0
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    discovery_ok: bool = False

    @property
    def ok(self) -> bool:
        """A source worked if discovery answered and not every page failed."""
        fetched = self.new + self.updated + self.duplicate + self.unchanged + self.skipped
        return self.discovery_ok and (fetched > 0 or self.failed == 0)


@dataclass
class CrawlReport:
    """The outcome of one crawl run over the selected sources."""

    run_id: int
    started: datetime
    finished: datetime | None = None
    sources: dict[str, SourceReport] = field(default_factory=dict)

    @property
    def any_ok(self) -> bool:
        return any(report.ok for report in self.sources.values())
