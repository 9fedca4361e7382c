"""Offline sample news sites for `monitor demo` and the test-suite.

Three sites, each modelled on a real Indonesian outlet template, are served on
127.0.0.1 (one port each) from `sites/<name>/site.yaml`, `articles.yaml` and
Jinja2 templates:

- ``kabar-ibu-kota`` (custom CMS, discovered through HTML listing pages),
- ``warta-etam`` (Tribun-like, RSS feed, multi-page articles),
- ``suara-mahakam`` (WordPress + Yoast, windows-1252, sitemaps incl. ``.gz``).

Example::

    with SampleServer() as server:
        print(server.url("warta-etam", "/rss"))
        for article in expected_articles(server.base_urls): ...
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import gzip
import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

import jinja2
import yaml

__all__ = [
    "Article",
    "ExpectedArticle",
    "RequestRecord",
    "SampleServer",
    "Site",
    "demo_config",
    "expected_articles",
    "load_sites",
]

SITES_DIR = Path(__file__).parent / "sites"
FEEDS_TEMPLATE = Path(__file__).parent / "feeds.yaml"

ID_DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
ID_MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Article:
    """One article as served by one site (parsed from articles.yaml or syndicated)."""

    slug: str
    id: int
    kanal: str
    title: str
    author: str | None
    editor: str | None
    published: dt.datetime
    updated: dt.datetime | None
    dateline: str | None
    description: str
    tags: tuple[str, ...]
    labels: tuple[str, ...]
    event: str | None
    paragraphs: tuple[str, ...]
    pages: int = 1
    syndicated_from: tuple[str, str] | None = None  # (site, slug) of the original
    credit: str | None = None


@dataclass
class Site:
    """A sample site: its directory, parsed site.yaml and articles (newest first)."""

    name: str
    directory: Path
    config: dict[str, Any]
    articles: list[Article] = field(default_factory=list)

    @property
    def engine(self) -> str:
        return str(self.config["engine"])

    def article_path(self, article: Article) -> str:
        """Canonical path of an article on this site."""
        return str(self.config["article_path"]).format(slug=article.slug, id=article.id, kanal=article.kanal)

    def amp_path(self, article: Article) -> str | None:
        pattern = self.config.get("amp_path")
        if not pattern:
            return None
        return str(pattern).format(slug=article.slug, id=article.id, kanal=article.kanal)


@dataclass(frozen=True)
class ExpectedArticle:
    """What a perfect crawl of the sample sites should store for one article."""

    site: str
    url: str
    title: str
    author: str | None
    published: dt.datetime
    dateline: str | None
    paragraphs: list[str]
    labels: list[str]
    syndicated_from: str | None


@dataclass(frozen=True)
class RequestRecord:
    """One request seen by the sample server."""

    site: str
    method: str
    path: str
    headers: dict[str, str]
    status: int
    time: float  # time.monotonic()


# --------------------------------------------------------------------------- loading


def _parse_time(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        stamp = dt.datetime.fromisoformat(str(value))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return stamp


def _split_body(body: str) -> tuple[str, ...]:
    parts = re.split(r"\n\s*\n", body.strip())
    return tuple(" ".join(p.split()) for p in parts if p.strip())


def _article_from_yaml(raw: dict[str, Any]) -> Article:
    published = _parse_time(raw["published"])
    assert published is not None
    return Article(
        slug=str(raw["slug"]),
        id=int(raw["id"]),
        kanal=str(raw.get("kanal") or "berita"),
        title=str(raw["title"]).strip(),
        author=raw.get("author") or None,
        editor=raw.get("editor") or None,
        published=published,
        updated=_parse_time(raw.get("updated")),
        dateline=raw.get("dateline") or None,
        description=str(raw.get("description") or "").strip(),
        tags=tuple(str(t) for t in raw.get("tags") or ()),
        labels=tuple(str(t) for t in raw.get("labels") or ()),
        event=raw.get("event") or None,
        paragraphs=_split_body(str(raw["body"])),
        pages=max(1, int(raw.get("pages") or 1)),
    )


def _parse_delay(value: Any) -> dt.timedelta:
    """'3h', '90m', '45s' or a number of minutes."""
    if isinstance(value, (int, float)):
        return dt.timedelta(minutes=value)
    match = re.fullmatch(r"\s*(\d+)\s*([hms])\s*", str(value or "0m"))
    if not match:
        raise ValueError(f"bad delay {value!r}")
    unit = {"h": "hours", "m": "minutes", "s": "seconds"}[match.group(2)]
    return dt.timedelta(**{unit: int(match.group(1))})


def load_sites(sites_dir: Path | None = None) -> dict[str, Site]:
    """Parse every `sites/<name>/site.yaml` + `articles.yaml`; resolve syndicated copies."""
    root = Path(sites_dir) if sites_dir is not None else SITES_DIR
    sites: dict[str, Site] = {}
    for site_yaml in sorted(root.glob("*/site.yaml")):
        directory = site_yaml.parent
        config = yaml.safe_load(site_yaml.read_text(encoding="utf-8")) or {}
        name = str(config.get("name") or directory.name)
        articles_file = directory / "articles.yaml"
        raw_articles: list[dict[str, Any]] = []
        if articles_file.exists():
            raw_articles = yaml.safe_load(articles_file.read_text(encoding="utf-8")) or []
        articles = [_article_from_yaml(raw) for raw in raw_articles]
        sites[name] = Site(name=name, directory=directory, config=config, articles=articles)

    for site in sites.values():
        for entry in site.config.get("syndicate") or []:
            source = sites.get(str(entry["site"]))
            if source is None:
                continue
            original = next((a for a in source.articles if a.slug == entry["slug"]), None)
            if original is None:
                continue  # the article writers dropped it: nothing to copy
            offset = dt.timedelta(hours=float(site.config.get("utc_offset_hours", 8)))
            published = (original.published + _parse_delay(entry.get("delay", "3h"))).astimezone(dt.timezone(offset))
            existing_ids = {a.id for a in site.articles}
            new_id = int(entry.get("id") or (max(existing_ids | {0}) + 1))
            site.articles.append(
                Article(
                    slug=original.slug,
                    id=new_id,
                    kanal=str(entry.get("kanal") or original.kanal),
                    title=original.title,
                    author=entry.get("author", original.author),
                    editor=entry.get("editor", original.editor),
                    published=published,
                    updated=None,
                    dateline=original.dateline,
                    description=original.description,
                    tags=original.tags,
                    labels=original.labels,
                    event=original.event,
                    paragraphs=original.paragraphs,
                    pages=1,
                    syndicated_from=(source.name, original.slug),
                    credit=str(entry.get("credit") or f"Artikel ini disadur dari {source.name}"),
                )
            )
    for site in sites.values():
        site.articles.sort(key=lambda a: (a.published, a.id), reverse=True)
    return sites


def demo_config(base_urls: dict[str, str]) -> str:
    """Text of `monitor/demo/feeds.yaml` with each `{site-name}` replaced by its base URL."""
    text = FEEDS_TEMPLATE.read_text(encoding="utf-8")
    for name, base in base_urls.items():
        text = text.replace("{" + name + "}", base.rstrip("/"))
    return text


def expected_articles(base_urls: dict[str, str], sites_dir: Path | None = None) -> list[ExpectedArticle]:
    """Every article a crawl of the sample sites should find, with its canonical URL."""
    sites = load_sites(sites_dir)
    result: list[ExpectedArticle] = []
    for name, site in sites.items():
        if name not in base_urls:
            continue
        base = base_urls[name].rstrip("/")
        for article in site.articles:
            syndicated_from = None
            if article.syndicated_from is not None:
                src_name, src_slug = article.syndicated_from
                src_site = sites[src_name]
                src_article = next(a for a in src_site.articles if a.slug == src_slug)
                if src_name in base_urls:
                    syndicated_from = base_urls[src_name].rstrip("/") + src_site.article_path(src_article)
            result.append(
                ExpectedArticle(
                    site=name,
                    url=base + site.article_path(article),
                    title=article.title,
                    author=article.author,
                    published=article.published,
                    dateline=article.dateline,
                    paragraphs=list(article.paragraphs),
                    labels=list(article.labels),
                    syndicated_from=syndicated_from,
                )
            )
    return result


# --------------------------------------------------------------------------- formatting helpers


def zone_name(stamp: dt.datetime) -> str:
    """WIB / WITA / WIT for +07/+08/+09, else 'UTC+H'."""
    offset = stamp.utcoffset() or dt.timedelta(0)
    hours = offset.total_seconds() / 3600
    if hours in ZONES:
        return ZONES[int(hours)]
    return f"UTC{hours:+g}"


def id_date(day: dt.date, weekday: bool = True) -> str:
    """'Rabu, 13 November 2024' (or without the weekday)."""
    text = f"{day.day} {ID_MONTHS[day.month - 1]} {day.year}"
    return f"{ID_DAYS[day.weekday()]}, {text}" if weekday else text


def id_month_short(day: dt.date) -> str:
    return ID_MONTHS[day.month - 1][:3]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def initials(name: str | None) -> str:
    if not name:
        return "RED"
    return "".join(w[0] for w in name.split() if w[:1].isalpha()).upper()[:3] or "RED"


def json_ld(data: Any) -> str:
    """JSON for a <script> element (ASCII only, no '</')."""
    return json.dumps(data, ensure_ascii=True, indent=2).replace("</", "<\\/")


def http_date(stamp: dt.datetime) -> str:
    return email.utils.format_datetime(stamp.astimezone(dt.UTC), usegmt=True)


def split_pages(paragraphs: tuple[str, ...], pages: int) -> list[list[str]]:
    """Split paragraphs into `pages` nearly equal chunks (never an empty page)."""
    pages = max(1, min(pages, len(paragraphs)))
    size = math.ceil(len(paragraphs) / pages)
    chunks = [list(paragraphs[i : i + size]) for i in range(0, len(paragraphs), size)]
    return chunks or [[]]


# --------------------------------------------------------------------------- responses


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def conditional(
    body: bytes, content_type: str, last_modified: dt.datetime, request_headers: dict[str, str]
) -> Response:
    """200 with ETag/Last-Modified, or 304 for a matching If-None-Match / If-Modified-Since."""
    etag = _etag(body)
    last_modified = last_modified.replace(microsecond=0)
    headers = {"ETag": etag, "Last-Modified": http_date(last_modified)}
    inm = request_headers.get("if-none-match")
    ims = request_headers.get("if-modified-since")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        if "*" in tags or etag in tags:
            return Response(304, b"", content_type, headers)
    elif ims:
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            since = None
        if since is not None and since.tzinfo is not None and since >= last_modified:
            return Response(304, b"", content_type, headers)
    return Response(200, body, content_type, headers)


# --------------------------------------------------------------------------- site applications


class SiteApp:
    """Routes requests of one site to its templates. Subclasses per engine."""

    def __init__(self, site: Site, sites: dict[str, Site], server: SampleServer) -> None:
        self.site = site
        self.sites = sites
        self.server = server
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(site.directory / "templates")),
            autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default=True),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self.env.globals.update(
            id_date=id_date,
            zone_name=zone_name,
            id_month_short=id_month_short,
            slugify=slugify,
            initials=initials,
        )
        self.charset = str(site.config.get("charset", "utf-8"))

    # -- helpers
    @property
    def base(self) -> str:
        return self.server.base_urls[self.site.name]

    @property
    def today(self) -> dt.date:
        return self.server.today or dt.date.today()

    def article_url(self, article: Article) -> str:
        return self.base + self.site.article_path(article)

    def original_url(self, article: Article) -> str | None:
        if article.syndicated_from is None:
            return None
        src_name, src_slug = article.syndicated_from
        src_site = self.sites[src_name]
        src_article = next(a for a in src_site.articles if a.slug == src_slug)
        base = self.server.base_urls.get(src_name, "")
        return base + src_site.article_path(src_article)

    def by_path(self, path: str) -> Article | None:
        for article in self.site.articles:
            if self.site.article_path(article) == path:
                return article
        return None

    def related(self, article: Article | None, n: int = 5) -> list[Article]:
        others = [a for a in self.site.articles if a is not article]
        if article is not None:
            same = [a for a in others if a.kanal == article.kanal or set(a.tags) & set(article.tags)]
            rest = [a for a in others if a not in same]
            others = same + rest
        return others[:n]

    def popular(self, n: int = 6) -> list[Article]:
        # "Terpopuler": a stable pseudo-random order, not the newest first
        return sorted(self.site.articles, key=lambda a: hashlib.md5(a.slug.encode()).hexdigest())[:n]

    def context(self, **extra: Any) -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "site": self.site.config,
            "base": self.base,
            "today": self.today,
            "articles": self.site.articles,
            "popular": self.popular(),
            "url_of": self.article_url,
            "path_of": self.site.article_path,
            "amp_of": self.site.amp_path,
            "charset": self.charset,
            "now_year": self.today.year,
        }
        ctx.update(extra)
        return ctx

    def render(self, template: str, status: int = 200, **extra: Any) -> Response:
        text = self.env.get_template(template).render(self.context(**extra))
        body = text.encode(self.charset, errors="xmlcharrefreplace")
        return Response(status, body, f"text/html; charset={self.charset}")

    def not_found(self) -> Response:
        return self.render("404.html", status=404, latest=self.site.articles[:5])

    def robots(self) -> Response:
        text = str(self.site.config.get("robots") or "User-agent: *\nAllow: /\n")
        return Response(200, text.replace("{base}", self.base).encode(), "text/plain; charset=utf-8")

    # -- entry point
    def handle(self, method: str, target: str, headers: dict[str, str]) -> Response:
        parts = urlsplit(target)
        path = parts.path or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if path == "/robots.txt":
            return self.robots()
        response = self.route(path, query, headers)
        return response if response is not None else self.not_found()

    def route(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Response | None:
        raise NotImplementedError

    def page_number(self, query: dict[str, str]) -> int | None:
        raw = query.get("page", "1")
        return int(raw) if raw.isdigit() and int(raw) >= 1 else None


class IbukotaApp(SiteApp):
    """Custom CMS: /read/<slug>, /amp/<slug>, listing pages under /kanal/<rubric>."""

    def route(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Response | None:
        if path == "/":
            return self.render("home.html", latest=self.site.articles[:12])
        match = re.fullmatch(r"/kanal/([a-z0-9-]+)/?", path)
        if match:
            return self.listing(match.group(1), query)
        if path.startswith("/read/"):
            article = self.by_path(path.rstrip("/"))
            if article is not None:
                return self.render(
                    "article.html",
                    article=article,
                    related=self.related(article),
                    baca_juga=self.related(article, 1),
                )
        if path.startswith("/amp/"):
            slug = path[len("/amp/") :].rstrip("/")
            article = next((a for a in self.site.articles if a.slug == slug), None)
            if article is not None:
                return self.render(
                    "amp.html",
                    article=article,
                    baca_juga=self.related(article, 1),
                    related=self.related(article),
                )
        return None

    def listing(self, kanal: str, query: dict[str, str]) -> Response | None:
        rubric = self.site.config["rubric"]
        kanals: dict[str, str] = self.site.config.get("kanals") or {}
        if kanal == rubric["slug"]:
            items, title = self.site.articles, rubric["name"]
        else:
            items = [a for a in self.site.articles if a.kanal == kanal]
            if not items:
                return None
            title = kanals.get(kanal, kanal.replace("-", " ").title())
        per_page = int(self.site.config.get("per_page", 10))
        pages = max(1, math.ceil(len(items) / per_page))
        page = self.page_number(query)
        if page is None or page > pages:
            return None
        chunk = items[(page - 1) * per_page : page * per_page]
        return self.render("listing.html", kanal=kanal, kanal_title=title, items=chunk, page=page, pages=pages)


class TribunApp(SiteApp):
    """Tribun-like: /<kanal>/<id>/<slug>[?page=N|all], /rss, /topic/<slug>."""

    def route(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Response | None:
        if path == "/":
            return self.render("home.html", latest=self.site.articles[:15])
        if path == "/rss":
            return self.rss(headers)
        match = re.fullmatch(r"/topic/([a-z0-9-]+)/?", path)
        if match:
            items = [a for a in self.site.articles if match.group(1) in map(slugify, a.tags)]
            if not items:
                return None
            topic = next(t for a in items for t in a.tags if slugify(t) == match.group(1))
            return self.render("topic.html", topic=topic, items=items)
        if path.startswith("/private/"):
            return self.render("private.html")
        if path.rstrip("/") == "/search":
            return self.render("search.html", q=query.get("q", ""))
        article = self.by_path(path.rstrip("/"))
        if article is None:
            return None
        chunks = split_pages(article.paragraphs, article.pages)
        raw_page = query.get("page", "1")
        if raw_page == "all":
            page: int | str = "all"
            shown = [p for chunk in chunks for p in chunk]
        else:
            number = self.page_number(query)
            if number is None or number > len(chunks):
                return None
            page, shown = number, chunks[number - 1]
        return self.render(
            "article.html",
            article=article,
            page=page,
            page_count=len(chunks),
            shown=shown,
            first_page=page in (1, "all"),
            related=self.related(article),
            baca_juga=self.related(article, 6)[1:],
        )

    @staticmethod
    def _rss_item(title: str, link: str, guid: str, when: dt.datetime, description: str, tags: tuple[str, ...]) -> str:
        cats = "".join(f"      <category>{xml_escape(t)}</category>\n" for t in tags)
        return (
            "    <item>\n"
            f"      <title>{xml_escape(title)}</title>\n"
            f"      <link>{xml_escape(link)}</link>\n"
            f'      <guid isPermaLink="false">{xml_escape(guid)}</guid>\n'
            f"      <pubDate>{email.utils.format_datetime(when)}</pubDate>\n"
            f"      <description><![CDATA[{description}]]></description>\n" + cats + "    </item>\n"
        )

    def rss(self, headers: dict[str, str]) -> Response:
        """RSS 2.0 of every article (newest first) plus two traps, with ETag/Last-Modified."""
        cfg = self.site.config
        utm = "?utm_source=rss&utm_medium=feed"
        items: list[tuple[dt.datetime, str]] = [
            (
                a.published,
                self._rss_item(
                    a.title, self.article_url(a) + utm, f"{cfg['domain']}-{a.id}", a.published, a.description, a.tags
                ),
            )
            for a in self.site.articles
        ]
        newest = self.site.articles[0].published if self.site.articles else dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        # traps: one topic page (not an article) and one robots-disallowed URL among the items
        topic = cfg.get("topic")
        if topic and items:
            at = min(3, len(items))
            when = items[at - 1][0]
            link = f"{self.base}/topic/{topic['slug']}{utm}"
            text = f"Kumpulan berita terbaru seputar {topic['name']}"
            items.insert(at, (when, self._rss_item(f"Topik: {topic['name']}", link, link, when, text, ())))
        private = cfg.get("private_link")
        if private and items:
            at = min(6, len(items))
            when = items[at - 1][0]
            link = self.base + private["path"]
            items.insert(at, (when, self._rss_item(private["title"], link, link, when, "Pratinjau redaksi", ())))
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            "  <channel>\n"
            f"    <title>{xml_escape(cfg['title'])} - Berita Terkini</title>\n"
            f"    <link>{self.base}/</link>\n"
            f'    <atom:link href="{self.base}/rss" rel="self" type="application/rss+xml"/>\n'
            f"    <description>{xml_escape(cfg['tagline'])}</description>\n"
            "    <language>id</language>\n"
            f"    <lastBuildDate>{email.utils.format_datetime(newest)}</lastBuildDate>\n"
            "    <ttl>5</ttl>\n" + "".join(text for _, text in items) + "  </channel>\n</rss>\n"
        ).encode("utf-8")
        return conditional(body, "application/rss+xml; charset=utf-8", newest, headers)


class WordpressApp(SiteApp):
    """WordPress + Yoast: /<slug>/, /<slug>/amp/, sitemaps (one gzipped), cp1252 pages."""

    SITEMAP_XSL = '<?xml-stylesheet type="text/xsl" href="//{host}/main-sitemap.xsl"?>\n'

    def route(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Response | None:
        if path == "/":
            return self.render("home.html", latest=self.site.articles[:12])
        if path == "/sitemap_index.xml":
            return self.sitemap_index(headers)
        if path == "/post-sitemap.xml":
            return self.post_sitemap(1, headers)
        if path == "/post-sitemap2.xml.gz":
            return self.post_sitemap(2, headers)
        if path == "/news-sitemap.xml":
            return self.news_sitemap(headers)
        soft = self.site.config.get("soft_404_path")
        if soft and path == soft:
            return self.render("soft404.html")  # status 200 on purpose
        match = re.fullmatch(r"/category/([a-z0-9-]+)/", path)
        if match:
            items = [a for a in self.site.articles if a.kanal == match.group(1)]
            if not items:
                return None
            return self.render("category.html", kanal=match.group(1), items=items)
        match = re.fullmatch(r"/([a-z0-9-]+)/amp/?", path)
        if match:
            article = next((a for a in self.site.articles if a.slug == match.group(1)), None)
            if article is not None:
                return self.render("amp.html", article=article, related=self.related(article))
            return None
        match = re.fullmatch(r"/([a-z0-9-]+)", path)
        if match and any(a.slug == match.group(1) for a in self.site.articles):
            return Response(
                301,
                b"",
                "text/html; charset=" + self.charset,
                {"Location": f"{self.base}{path}/"},
            )
        article = self.by_path(path)
        if article is None:
            return None
        return self.render(
            "article.html",
            article=article,
            related=self.related(article, 4),
            baca_juga=self.related(article, 2)[1:] or self.related(article, 1),
            original_url=self.original_url(article),
        )

    # -- sitemaps (UTF-8 like Yoast, whatever the page charset)
    def _halves(self) -> tuple[list[Article], list[Article]]:
        oldest_first = sorted(self.site.articles, key=lambda a: (a.published, a.id))
        cut = math.ceil(len(oldest_first) / 2)
        return oldest_first[:cut], oldest_first[cut:]

    def _newest(self, items: list[Article]) -> dt.datetime:
        stamps = [a.updated or a.published for a in items]
        return max(stamps) if stamps else dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    def _xml_head(self) -> str:
        host = urlsplit(self.base).netloc
        return '<?xml version="1.0" encoding="UTF-8"?>' + self.SITEMAP_XSL.format(host=host)

    def sitemap_index(self, headers: dict[str, str]) -> Response:
        first, second = self._halves()
        entries = [("/post-sitemap.xml", self._newest(first)), ("/post-sitemap2.xml.gz", self._newest(second))]
        body = self._xml_head() + (
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(
                f"\t<sitemap>\n\t\t<loc>{self.base}{p}</loc>\n\t\t<lastmod>{when.isoformat()}</lastmod>\n\t</sitemap>\n"
                for p, when in entries
            )
            + "</sitemapindex>\n<!-- XML Sitemap generated by Yoast SEO -->"
        )
        return conditional(body.encode(), "text/xml; charset=UTF-8", max(w for _, w in entries), headers)

    def post_sitemap(self, number: int, headers: dict[str, str]) -> Response:
        first, second = self._halves()
        items = first if number == 1 else second
        rows = []
        if number == 1:
            rows.append((self.base + "/", self._newest(self.site.articles)))
            # traps: a category page and a soft 404 listed like posts
            for trap in self.site.config.get("sitemap_traps") or []:
                rows.append((self.base + trap, self._newest(first)))
        rows += [(self.article_url(a), a.updated or a.published) for a in items]
        body_text = self._xml_head() + (
            '<urlset xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" '
            'xsi:schemaLocation="http://www.sitemaps.org/schemas/sitemap/0.9 '
            'http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd" '
            'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(
                f"\t<url>\n\t\t<loc>{xml_escape(loc)}</loc>\n\t\t<lastmod>{when.isoformat()}</lastmod>\n\t</url>\n"
                for loc, when in rows
            )
            + "</urlset>\n<!-- XML Sitemap generated by Yoast SEO -->"
        )
        body = body_text.encode("utf-8")
        newest = self._newest(items)
        if number == 1:
            return conditional(body, "text/xml; charset=UTF-8", newest, headers)
        gz = gzip.compress(body, mtime=0)
        return conditional(gz, "application/x-gzip", newest, headers)

    def news_sitemap(self, headers: dict[str, str]) -> Response:
        cfg = self.site.config
        items = self.site.articles[:10]
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            + "".join(
                "\t<url>\n"
                f"\t\t<loc>{xml_escape(self.article_url(a))}</loc>\n"
                "\t\t<news:news>\n"
                "\t\t\t<news:publication>\n"
                f"\t\t\t\t<news:name>{xml_escape(cfg['title'])}</news:name>\n"
                "\t\t\t\t<news:language>id</news:language>\n"
                "\t\t\t</news:publication>\n"
                f"\t\t\t<news:publication_date>{a.published.isoformat()}</news:publication_date>\n"
                f"\t\t\t<news:title>{xml_escape(a.title)}</news:title>\n"
                "\t\t</news:news>\n"
                "\t</url>\n"
                for a in items
            )
            + "</urlset>\n"
        ).encode("utf-8")
        return conditional(body, "text/xml; charset=UTF-8", self._newest(items), headers)


ENGINES: dict[str, type[SiteApp]] = {
    "ibukota": IbukotaApp,
    "tribun": TribunApp,
    "wordpress": WordpressApp,
}


# --------------------------------------------------------------------------- HTTP server


def _make_handler(
    site_name: str, app_getter: Callable[[], SiteApp], record: Callable[[RequestRecord], None]
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nginx"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
            pass

        def _serve(self, send_body: bool) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                response = app_getter().handle(self.command, self.path, headers)
            except Exception as exc:  # pragma: no cover - shows up as a 500 in tests
                body = f"Internal Server Error: {exc!r}".encode()
                response = Response(500, body, "text/plain; charset=utf-8")
            record(
                RequestRecord(
                    site=site_name,
                    method=self.command,
                    path=self.path,
                    headers=dict(self.headers.items()),
                    status=response.status,
                    time=time.monotonic(),
                )
            )
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            length = 0 if response.status == 304 else len(response.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if send_body and response.status != 304:
                self.wfile.write(response.body)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(False)

    return Handler


class SampleServer:
    """Serves every sample site on its own 127.0.0.1 port (port 0 → OS-chosen) in daemon threads."""

    def __init__(self, sites_dir: Path | None = None, *, today: dt.date | None = None) -> None:
        self.sites_dir = Path(sites_dir) if sites_dir is not None else SITES_DIR
        self.today = today
        self.sites = load_sites(self.sites_dir)
        self.base_urls: dict[str, str] = {}
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._apps: dict[str, SiteApp] = {}

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def start(self) -> SampleServer:
        """Bind one port per site and serve in daemon threads."""
        if self._servers:
            return self
        for name, site in self.sites.items():
            app_cls = ENGINES[site.engine]
            self._apps[name] = app_cls(site, self.sites, self)
            handler = _make_handler(name, functools.partial(self._apps.__getitem__, name), self._record)
            httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            httpd.daemon_threads = True
            self.base_urls[name] = f"http://127.0.0.1:{httpd.server_address[1]}"
            thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"sample-{name}",
                daemon=True,
            )
            thread.start()
            self._servers.append(httpd)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop every site server."""
        for httpd in self._servers:
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SampleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, site: str, path: str) -> str:
        """Absolute URL of `path` on `site`."""
        return self.base_urls[site] + ("" if path.startswith("/") else "/") + path


def main() -> None:  # pragma: no cover - manual use: python -m monitor.demo.server
    """Serve the sample sites until Ctrl-C."""
    with SampleServer() as server:
        for name, base in server.base_urls.items():
            print(f"{name:16} {base}/")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
