"""The polite HTTP client: robots.txt, per-host delay and concurrency, retries, limits, conditional GET.

One ``Fetcher`` (one shared ``httpx.AsyncClient``) serves a whole crawl. httpx exceptions never leave
this module: every failure becomes a ``FetchError`` that names the URL.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from protego import Protego

from .charset import detect_encoding, header_charset
from .errors import FetchError
from .models import Page, Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ROBOTS_TTL = 24 * 3600.0
MAX_RETRY_AFTER = 120.0
MAX_CRAWL_DELAY = 60.0


@dataclass(frozen=True)
class FetchRecord:
    """One request as it goes into the fetch log."""

    url: str
    source: str | None
    kind: str
    status: int | None
    bytes: int
    elapsed: float
    error: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class CacheEntry:
    """What a conditional GET needs to remember about a URL."""

    etag: str | None
    last_modified: str | None
    body: bytes | None
    fetched_at: datetime


class HttpCache(Protocol):
    """Validators (and, for robots.txt, bodies) kept between runs; the store implements it."""

    def get_cached(self, url: str) -> CacheEntry | None: ...

    def put_cached(self, url: str, entry: CacheEntry) -> None: ...


class HostGate:
    """At most ``concurrency`` requests at once to one host, starting at least ``delay`` seconds apart."""

    def __init__(self, concurrency: int, delay: float, *, clock: Callable[[], float],
                 sleep: Callable[[float], Awaitable[None]]) -> None:
        self.concurrency = concurrency
        self.delay = delay
        self._semaphore = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self._next = 0.0
        self._clock = clock
        self._sleep = sleep

    async def __aenter__(self) -> HostGate:
        await self._semaphore.acquire()
        try:
            async with self._lock:
                wait = self._next - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                self._next = self._clock() + self.delay
        except BaseException:
            self._semaphore.release()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._semaphore.release()


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.TooManyRedirects):
        return "too many redirects (redirect loop)"
    if isinstance(error, httpx.ConnectTimeout):
        return "connect timeout"
    if isinstance(error, httpx.ReadTimeout):
        return "read timeout"
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.ConnectError):
        text = str(error) or "connection failed"
        if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return f"DNS lookup failed ({text})"
        return f"connection failed ({text})"
    if isinstance(error, httpx.RemoteProtocolError):
        text = str(error)
        if "incomplete" in text.lower() or "without sending complete message body" in text:
            return f"truncated body ({text})"
        return f"connection dropped ({text or 'server closed the connection'})"
    if isinstance(error, httpx.ReadError):
        return f"connection dropped ({error or 'read error'})"
    if isinstance(error, httpx.DecodingError):
        return f"undecodable body ({error})"
    return f"{type(error).__name__}: {error}"


class Fetcher:
    """Fetch pages politely. Use as ``async with Fetcher(settings) as fetcher:``."""

    def __init__(
        self,
        settings: Settings,
        *,
        cache: HttpCache | None = None,
        log: Callable[[FetchRecord], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        backoff: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.log = log
        self.sleep = sleep
        self.clock = clock
        self.backoff = backoff
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._gates: dict[str, HostGate] = {}
        self._host_config: dict[str, tuple[int, float]] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_lock: dict[str, asyncio.Lock] = {}
        self._robots_failed: dict[str, str] = {}
        self._global = asyncio.Semaphore(settings.concurrency)
        self.agent_token = settings.user_agent.split("/")[0].split()[0] or "berita-monitor"

    async def __aenter__(self) -> Fetcher:
        timeout = httpx.Timeout(self.settings.timeout, connect=min(10.0, self.settings.timeout))
        limits = httpx.Limits(max_connections=self.settings.concurrency,
                              max_keepalive_connections=self.settings.concurrency)
        self._client = httpx.AsyncClient(
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept-Language": "id,en;q=0.7",
                "Accept-Encoding": "gzip, deflate",
            },
            timeout=timeout,
            limits=limits,
            follow_redirects=True,
            max_redirects=10,
            transport=self._transport,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def configure_host(self, url: str, *, delay: float, concurrency: int) -> None:
        """Politeness for the host of ``url``; when sources share a host the stricter values win."""
        key = _host_key(url)
        if key in self._host_config:
            old_concurrency, old_delay = self._host_config[key]
            concurrency, delay = min(concurrency, old_concurrency), max(delay, old_delay)
        self._host_config[key] = (concurrency, delay)
        self._gates.pop(key, None)

    def _gate(self, url: str) -> HostGate:
        key = _host_key(url)
        gate = self._gates.get(key)
        if gate is None:
            concurrency, delay = self._host_config.get(key, (2, 1.0))
            robots = self._robots.get(key)
            if robots is not None:
                crawl_delay = robots.crawl_delay(self.agent_token)
                if crawl_delay:
                    delay = max(delay, min(float(crawl_delay), MAX_CRAWL_DELAY))
            gate = self._gates[key] = HostGate(concurrency, delay, clock=self.clock, sleep=self.sleep)
        return gate

    async def allowed(self, url: str, *, source: str | None = None) -> bool:
        """Whether robots.txt lets us fetch ``url`` (robots.txt fetched once per host and cached)."""
        key = _host_key(url)
        if key not in self._robots:
            lock = self._robots_lock.setdefault(key, asyncio.Lock())
            async with lock:
                if key in self._robots_failed:
                    raise FetchError(url, self._robots_failed[key])
                if key not in self._robots:
                    try:
                        self._robots[key] = await self._load_robots(key, source)
                    except FetchError as e:
                        # An unreachable host fails every later request of this run at once, without retries.
                        self._robots_failed[key] = f"robots.txt unavailable ({e.reason})"
                        raise FetchError(url, self._robots_failed[key], status=e.status) from None
                    self._gates.pop(key, None)  # its crawl-delay may change the gate
        robots = self._robots[key]
        return True if robots is None else bool(robots.can_fetch(url, self.agent_token))

    async def _load_robots(self, key: str, source: str | None) -> Protego | None:
        url = key + "/robots.txt"
        cached = self.cache.get_cached(url) if self.cache else None
        now = datetime.now(UTC)
        if cached and cached.body is not None and (now - cached.fetched_at).total_seconds() < ROBOTS_TTL:
            return Protego.parse(cached.body.decode("utf-8", "replace"))
        try:
            page = await self._request(url, source=source, kind="robots", conditional=True)
        except FetchError as e:
            if e.status is not None and 400 <= e.status < 500:
                return None  # no robots.txt: everything is allowed
            raise
        body = cached.body if page.not_modified and cached and cached.body is not None else page.content
        if self.cache:
            entry = CacheEntry(page.headers.get("etag"), page.headers.get("last-modified"), body, now)
            self.cache.put_cached(url, entry)
        return Protego.parse(body.decode("utf-8", "replace"))

    async def fetch(self, url: str, *, source: str | None = None, kind: str = "article",
                    conditional: bool = False) -> Page:
        """GET ``url`` politely; raises FetchError (robots, status, size, network) naming the URL."""
        if not await self.allowed(url, source=source):
            self._record(url, source, kind, None, 0, 0.0, "disallowed by robots.txt")
            raise FetchError(url, "disallowed by robots.txt")
        return await self._request(url, source=source, kind=kind, conditional=conditional)

    async def _request(self, url: str, *, source: str | None, kind: str, conditional: bool) -> Page:
        assert self._client is not None, "use 'async with Fetcher(...)'"
        headers: dict[str, str] = {}
        cached = self.cache.get_cached(url) if (conditional and self.cache) else None
        if cached:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            started = self.clock()
            try:
                async with self._global, self._gate(url):
                    started = self.clock()
                    status, final_url, resp_headers, body = await self._get(url, headers)
            except FetchError as e:
                self._record(url, source, kind, e.status, 0, self.clock() - started, e.reason)
                raise
            except httpx.HTTPError as e:
                reason = _describe(e)
                self._record(url, source, kind, None, 0, self.clock() - started, reason)
                permanent = isinstance(e, (httpx.TooManyRedirects, httpx.UnsupportedProtocol, httpx.InvalidURL))
                if last or permanent:
                    raise FetchError(url, reason) from None
                await self.sleep(self._backoff(attempt))
                continue
            elapsed = self.clock() - started
            if status in RETRY_STATUSES:
                error = f"HTTP {status}"
                self._record(url, source, kind, status, len(body), elapsed, error)
                wait = retry_after(resp_headers.get("retry-after"))
                if last or (wait is not None and wait > MAX_RETRY_AFTER):
                    raise FetchError(url, error + (f" (Retry-After {wait:.0f}s)" if wait else ""), status=status)
                await self.sleep(wait if wait is not None else self._backoff(attempt))
                continue
            now = datetime.now(UTC)
            if status == 304 and cached:
                self._record(url, source, kind, status, 0, elapsed, None)
                return Page(url, final_url, status, resp_headers, cached.body or b"", "utf-8", now, elapsed,
                            not_modified=True)
            if status >= 400:
                self._record(url, source, kind, status, len(body), elapsed, f"HTTP {status}")
                raise FetchError(url, f"HTTP {status}", status=status)
            self._record(url, source, kind, status, len(body), elapsed, None)
            if conditional and self.cache and kind != "robots":
                # The body is kept so that a 304 can be read again (a crawl killed after this fetch resumes).
                self.cache.put_cached(url, CacheEntry(resp_headers.get("etag"), resp_headers.get("last-modified"),
                                                      body, now))
            encoding = detect_encoding(body, header_charset(resp_headers.get("content-type", "")))
            return Page(url, final_url, status, resp_headers, body, encoding, now, elapsed)
        raise AssertionError("unreachable")

    async def _get(self, url: str, headers: dict[str, str]) -> tuple[int, str, dict[str, str], bytes]:
        assert self._client is not None
        limit = self.settings.max_bytes
        async with self._client.stream("GET", url, headers=headers) as response:
            resp_headers = {k.lower(): v for k, v in response.headers.items()}
            declared = resp_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit and "content-encoding" not in resp_headers:
                raise FetchError(url, f"response too large ({declared} bytes > max_bytes {limit})",
                                 status=response.status_code)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError(url, f"response too large (over max_bytes {limit} after decompression)",
                                     status=response.status_code)
                chunks.append(chunk)
            return response.status_code, str(response.url), resp_headers, b"".join(chunks)

    def _backoff(self, attempt: int) -> float:
        base = self.backoff * (2 ** attempt)
        return base + random.uniform(0, base)

    def _record(self, url: str, source: str | None, kind: str, status: int | None, size: int,
                elapsed: float, error: str | None) -> None:
        if self.log is not None:
            self.log(FetchRecord(url, source, kind, status, size, round(elapsed, 4), error,
                                 datetime.now(UTC)))

