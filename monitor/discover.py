"""Discovery: article links from RSS/Atom feeds, sitemaps (indexes, news sitemaps, .gz) and listing pages.

Each discovery URL is fetched through the polite ``Fetcher``; feeds and sitemaps use conditional
GET, and an unchanged one (304) is read again from the cached body, so a crawl interrupted after
fetching a feed still finds the articles it had not stored. Failures are collected per URL: one
broken feed does not hide the links from the others.
"""

from __future__ import annotations

import calendar
import re
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
import soupsieve
from bs4 import BeautifulSoup
from lxml import etree

from .dates import parse_date, zone
from .errors import DiscoverError, FetchError
from .fetch import Fetcher
from .models import Link, Page, Source
from .urls import canonicalize

MAX_SITEMAP_DEPTH = 3
MAX_CHILD_SITEMAPS = 10
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)", re.IGNORECASE | re.DOTALL)


@dataclass
class Discovery:
    """Links found for one source, and what went wrong on the way."""

    links: list[Link] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered: int = 0  # discovery URLs that gave a usable answer


def _looks_html(page: Page) -> bool:
    return page.content_type in ("text/html", "application/xhtml+xml") or bool(_HTML_START.match(page.content[:512]))


def _struct_time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def parse_feed(page: Page, source: Source) -> list[Link]:
    """Links of an RSS/Atom feed; DiscoverError for an HTML page or a feed that cannot be parsed."""
    if _looks_html(page) and b"<rss" not in page.content[:2048] and b"<feed" not in page.content[:2048]:
        raise DiscoverError(page.url, "feed URL returned an HTML page, not RSS/Atom")
    parsed = feedparser.parse(page.content, response_headers={"content-location": page.final_url})
    if not any(entry.get("link") or entry.get("links") for entry in parsed.entries):
        if parsed.bozo:
            problem = (str(parsed.get("bozo_exception", "")).splitlines() or ["unknown error"])[0][:200]
            raise DiscoverError(page.url, f"malformed feed ({problem})")
        if not parsed.feed and not parsed.entries:
            raise DiscoverError(page.url, "not an RSS/Atom feed")
        return []
    tz = zone(source.timezone)
    links = []
    for entry in parsed.entries:
        href = entry.get("link") or next((x.get("href") for x in entry.get("links", []) if x.get("href")), None)
        if not href:
            continue
        published = parse_date(entry.get("published"), tz) or _struct_time(entry.get("published_parsed"))
        modified = parse_date(entry.get("updated"), tz) or _struct_time(entry.get("updated_parsed"))
        links.append(Link(canonicalize(href, page.final_url), source.name, page.url, entry.get("title"),
                          published, modified))
    return links


def _gunzip(content: bytes, limit: int) -> bytes:
    """Decompress a gzipped sitemap without letting a gzip bomb grow past ``limit`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(content, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise DiscoverError("", f"gzipped sitemap larger than {limit} bytes when decompressed")
    return out


def parse_sitemap(page: Page, source: Source, limit: int) -> tuple[list[Link], list[tuple[str, datetime | None]]]:
    """(article links, child sitemaps) of a sitemap, a sitemap index or a Google News sitemap."""
    content = page.content
    if content[:2] == b"\x1f\x8b":
        try:
            content = _gunzip(content, limit)
        except DiscoverError as e:
            raise DiscoverError(page.url, e.reason) from None
        except zlib.error as e:
            raise DiscoverError(page.url, f"broken gzip ({e})") from None
    if _HTML_START.match(content[:512]):
        raise DiscoverError(page.url, "sitemap URL returned an HTML page, not XML")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as e:
        raise DiscoverError(page.url, f"malformed sitemap ({e})") from None
    if root is None:
        raise DiscoverError(page.url, "empty or malformed sitemap")
    tz = zone(source.timezone)
    kind = etree.QName(root).localname.lower()
    links: list[Link] = []
    children: list[tuple[str, datetime | None]] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        values: dict[str, str] = {}
        for child in node.iter():
            if isinstance(child.tag, str) and child.text and child.text.strip():
                values.setdefault(etree.QName(child).localname.lower(), child.text.strip())
        loc = values.get("loc")
        if not loc:
            continue
        lastmod = parse_date(values.get("lastmod"), tz)
        if kind == "sitemapindex":
            children.append((urljoin(page.final_url, loc), lastmod))
        else:
            published = parse_date(values.get("publication_date"), tz)
            links.append(Link(canonicalize(loc, page.final_url), source.name, page.url, values.get("title"),
                              published, lastmod))
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoverError(page.url, f"not a sitemap (root element <{kind}>)")
    return links, children


def parse_listing(page: Page, selector: str, next_selector: str | None,
                  source: Source) -> tuple[list[Link], str | None]:
    """Article links matched by ``selector`` on a listing page, and the next page's URL."""
    if not _looks_html(page):
        raise DiscoverError(page.url, f"listing page is not HTML ({page.content_type or 'no content type'})")
    soup = BeautifulSoup(page.text, "lxml")
    base = page.final_url
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        base = urljoin(base, str(base_tag["href"]))
    links: list[Link] = []
    for node in soupsieve.select(selector, soup):
        anchor = node if node.name == "a" and node.get("href") else node.find("a", href=True)
        if anchor is None:
            continue
        href = str(anchor["href"]).strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        title = " ".join(anchor.get_text(" ").split()) or None
        links.append(Link(canonicalize(href, base), source.name, page.url, title))
    next_url = None
    if next_selector:
        found = soupsieve.select_one(next_selector, soup)
        anchor = found if found is not None and found.name == "a" else (found.find("a", href=True) if found else None)
        if anchor is not None and anchor.get("href"):
            next_url = urljoin(base, str(anchor["href"]))
    return links, next_url


async def discover_links(source: Source, fetcher: Fetcher, *, max_bytes: int) -> Discovery:
    """Every article link the source's feeds, sitemaps and listings give (not yet filtered)."""
    found = Discovery()

    async def fetch(url: str, kind: str, conditional: bool) -> Page | None:
        try:
            return await fetcher.fetch(url, source=source.name, kind=kind, conditional=conditional)
        except FetchError as e:
            found.errors.append(f"{kind} {e}")
            return None

    for url in source.feeds:
        page = await fetch(url, "feed", True)
        if page is None:
            continue
        try:
            found.links.extend(parse_feed(page, source))
            found.answered += 1
        except DiscoverError as e:
            found.errors.append(f"feed {e}")

    for url in source.sitemaps:
        await _walk_sitemap(url, source, fetch, found, max_bytes, depth=0)

    for listing in source.listings:
        page_url: str | None = listing.url
        seen: set[str] = set()
        for _ in range(listing.max_pages):
            if page_url is None or page_url in seen:
                break
            seen.add(page_url)
            page = await fetch(page_url, "listing", False)
            if page is None:
                break
            try:
                links, page_url = parse_listing(page, listing.selector, listing.next, source)
            except DiscoverError as e:
                found.errors.append(f"listing {e}")
                break
            found.answered += 1
            found.links.extend(links)
    return found


async def _walk_sitemap(url: str, source: Source, fetch: Callable[[str, str, bool], Awaitable[Page | None]],
                        found: Discovery, max_bytes: int, depth: int) -> None:
    page = await fetch(url, "sitemap", True)
    if page is None:
        return
    try:
        links, children = parse_sitemap(page, source, max_bytes)
    except DiscoverError as e:
        found.errors.append(f"sitemap {e}")
        return
    found.answered += 1
    found.links.extend(links)
    if depth >= MAX_SITEMAP_DEPTH:
        return
    for child in newest_children(children):
        await _walk_sitemap(child, source, fetch, found, max_bytes, depth + 1)


def newest_children(children: list[tuple[str, datetime | None]], limit: int = MAX_CHILD_SITEMAPS) -> list[str]:
    """The child sitemaps worth reading: indexes of big sites list years of monthly sitemaps.
    By <lastmod> when the index gives it; otherwise both ends of the list, since some sites list
    the newest first and others (WordPress: post-sitemap.xml … post-sitemapN.xml) last."""
    if len(children) <= limit:
        return [url for url, _ in children]
    if any(lastmod for _, lastmod in children):
        oldest = datetime.min.replace(tzinfo=UTC)
        ranked = sorted(children, key=lambda child: child[1] or oldest, reverse=True)
        return [url for url, _ in ranked[:limit]]
    half = limit // 2
    return [url for url, _ in children[:half] + children[-(limit - half):]]

