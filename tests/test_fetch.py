"""The polite fetcher against a real local server with misbehaving routes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from monitor.errors import FetchError
from monitor.fetch import CacheEntry, Fetcher, FetchRecord, retry_after
from monitor.models import Settings
from tests.servers import LocalServer, Reply, gzip_bomb, html_reply

FAST = Settings(timeout=2.0, retries=2, max_bytes=200_000)


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[str, CacheEntry] = {}

    def get_cached(self, url: str) -> CacheEntry | None:
        return self.entries.get(url)

    def put_cached(self, url: str, entry: CacheEntry) -> None:
        self.entries[url] = entry


def fetch(url: str, settings: Settings = FAST, *, log: list[FetchRecord] | None = None, delay: float = 0.0,
          concurrency: int = 2, **kwargs: object):
    async def go():
        async with Fetcher(settings, log=log.append if log is not None else None, backoff=0.05, **kwargs) as f:
            f.configure_host(url, delay=delay, concurrency=concurrency)
            return await f.fetch(url, source="test")
    return asyncio.run(go())


def test_plain_page_is_fetched_with_an_identifying_user_agent(server: LocalServer) -> None:
    server.route("/a", html_reply("<html><body><p>Halo</p></body></html>"))
    page = fetch(server.url("/a"))
    assert page.status == 200 and "Halo" in page.text
    agent = next(s.headers["user-agent"] for s in server.seen if s.path == "/a")
    assert agent.startswith("berita-monitor/") and "+http" in agent


def test_500_then_200_is_retried(server: LocalServer) -> None:
    server.route("/flaky", lambda r: Reply(500, b"oops") if r.count == 1 else html_reply("<p>ok</p>"))
    log: list[FetchRecord] = []
    page = fetch(server.url("/flaky"), log=log)
    assert page.status == 200
    assert [r.status for r in log if r.kind == "article"] == [500, 200]


def test_429_waits_for_retry_after(server: LocalServer) -> None:
    server.route("/busy", lambda r: Reply(429, b"", {"Retry-After": "1"}) if r.count == 1 else html_reply("<p>ok</p>"))
    assert fetch(server.url("/busy")).status == 200
    first, second = [s.time for s in server.seen if s.path == "/busy"]
    assert second - first >= 0.95


def test_retry_after_far_in_the_future_gives_up_at_once(server: LocalServer) -> None:
    server.route("/later", Reply(503, b"", {"Retry-After": "86400"}))
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch(server.url("/later"))
    assert server.counts["/later"] == 1


def test_retry_after_parses_seconds_and_dates() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=datetime(2015, 10, 21, 7, 27, tzinfo=UTC)
                       .timestamp()) == pytest.approx(60.0)
    assert retry_after("soon") is None


def test_timeout_is_an_error_after_retries(server: LocalServer) -> None:
    server.route("/slow", Reply(200, b"<p>late</p>", {"Content-Type": "text/html"}, delay=1.5))
    with pytest.raises(FetchError, match="timeout"):
        fetch(server.url("/slow"), Settings(timeout=0.3, retries=1))
    assert server.counts["/slow"] == 2


def test_redirect_loop_is_reported(server: LocalServer) -> None:
    server.route("/loop-a", Reply(302, b"", {"Location": "/loop-b"}))
    server.route("/loop-b", Reply(302, b"", {"Location": "/loop-a"}))
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(server.url("/loop-a"))


def test_oversized_body_is_cut_off(server: LocalServer) -> None:
    server.route("/big", Reply(200, b"x" * 300_000, {"Content-Type": "text/html"}))
    with pytest.raises(FetchError, match="too large"):
        fetch(server.url("/big"))


def test_gzip_bomb_is_cut_off_on_decompressed_size(server: LocalServer) -> None:
    bomb = gzip_bomb(50_000_000)
    assert len(bomb) < 100_000
    server.route("/bomb", Reply(200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"}))
    with pytest.raises(FetchError, match="too large"):
        fetch(server.url("/bomb"))


def test_dropped_connection_is_an_error(server: LocalServer) -> None:
    server.route("/drop", Reply(drop=True))
    with pytest.raises(FetchError, match="connection|dropped"):
        fetch(server.url("/drop"))
    assert server.counts["/drop"] == 3  # retried


def test_truncated_body_is_an_error(server: LocalServer) -> None:
    server.route("/half", Reply(200, b"<html>" + b"a" * 10_000 + b"</html>", {"Content-Type": "text/html"},
                                truncate=True))
    with pytest.raises(FetchError, match="truncated|connection"):
        fetch(server.url("/half"))


def test_refused_connection_is_an_error() -> None:
    with pytest.raises(FetchError, match="connection failed"):
        fetch("http://127.0.0.1:9/", Settings(retries=0))


@pytest.mark.parametrize(("body", "header", "expected"), [
    ("<meta charset='windows-1252'><p>“Netral” – kata café</p>".encode("cp1252"), "text/html; charset=utf-8",
     "“Netral” – kata café"),
    ("<meta charset='utf-8'><p>“Netral” – kata café</p>".encode(), "text/html; charset=iso-8859-1",
     "“Netral” – kata café"),
    ("<p>“Netral” – kata</p>".encode("cp1252"), "text/html; charset=iso-8859-1", "“Netral” – kata"),
])
def test_charsets_are_decoded_right(server: LocalServer, body: bytes, header: str, expected: str) -> None:
    server.route("/cs", Reply(200, body, {"Content-Type": header}))
    assert expected in fetch(server.url("/cs")).text


def test_robots_txt_disallow_is_honoured(server: LocalServer) -> None:
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    server.route("/private/x", html_reply("<p>secret</p>"))
    with pytest.raises(FetchError, match="robots.txt"):
        fetch(server.url("/private/x"))
    assert "/private/x" not in server.paths()


def test_robots_txt_crawl_delay_spaces_requests(server: LocalServer) -> None:
    server.route("/robots.txt", Reply(200, b"User-agent: *\nCrawl-delay: 1\n", {"Content-Type": "text/plain"}))
    for name in ("/p1", "/p2"):
        server.route(name, html_reply("<p>x</p>"))

    async def go() -> None:
        async with Fetcher(FAST) as f:
            f.configure_host(server.base, delay=0, concurrency=2)
            await asyncio.gather(f.fetch(server.url("/p1")), f.fetch(server.url("/p2")))
    asyncio.run(go())
    times = sorted(s.time for s in server.seen if s.path in ("/p1", "/p2"))
    assert times[1] - times[0] >= 0.95


def test_per_host_delay_and_concurrency(server: LocalServer) -> None:
    paths = [f"/n{i}" for i in range(6)]
    for p in paths:
        server.route(p, Reply(200, b"<p>x</p>", {"Content-Type": "text/html"}, delay=0.2))

    async def go() -> None:
        async with Fetcher(FAST) as f:
            f.configure_host(server.base, delay=0.1, concurrency=2)
            await asyncio.gather(*(f.fetch(server.url(p)) for p in paths))
    asyncio.run(go())
    starts = sorted(s.time for s in server.seen if s.path in paths)
    assert all(b - a >= 0.09 for a, b in zip(starts, starts[1:], strict=False))
    assert server.max_in_flight <= 2


def test_conditional_get_uses_validators(server: LocalServer) -> None:
    def feed(request) -> Reply:  # type: ignore[no-untyped-def]
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, b"", {"ETag": '"v1"'})
        return Reply(200, b"<rss/>", {"ETag": '"v1"', "Content-Type": "application/rss+xml"})
    server.route("/feed", feed)
    cache = MemoryCache()

    async def go():
        async with Fetcher(FAST, cache=cache) as f:
            f.configure_host(server.base, delay=0, concurrency=1)
            first = await f.fetch(server.url("/feed"), kind="feed", conditional=True)
            second = await f.fetch(server.url("/feed"), kind="feed", conditional=True)
            return first, second
    first, second = asyncio.run(go())
    assert first.status == 200 and not first.not_modified
    assert second.not_modified and second.content == b"<rss/>"
