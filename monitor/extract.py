"""Article extraction: trafilatura for the text, then Indonesian dates, datelines and furniture.

``extract_article`` works on HTML we fetched ourselves (never trafilatura's downloader) and raises
``ExtractError`` with a reason for pages that are not articles: challenges, ISP block pages,
soft 404s, login or paywall stubs, tag/category/author listings, pages without main text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from .datelines import content_hash, find_dateline
from .dates import date_from_url, find_dates, parse_date, zone
from .errors import ExtractError
from .furniture import clean_text
from .models import Article
from .urls import canonicalize, site_of

MIN_TEXT = 200
ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                 "opinionnewsarticle", "backgroundnewsarticle", "webpage:article", "report", "liveblogposting"}
_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "publication_date",
    "dtk:publishdate", "content_publisheddate", "dc.date.issued", "dcterms.issued", "dc.date",
    "sailthru.date", "parsely-pub-date", "date", "article.published", "releasedate",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dtk:updatedate",
                  "content_modifieddate", "last-modified", "dcterms.modified")
_FURNITURE_NODES = etree.XPath(
    "//*[contains(@class,'baca-juga') or contains(@class,'bacajuga') or contains(@class,'baca_juga') "
    "or contains(@id,'baca-juga') or contains(@id,'bacajuga')][string-length(normalize-space()) < 600]"
    "|//*[contains(@class,'terkait') or contains(@id,'terkait')][string-length(normalize-space()) < 1500]"
)
_CHALLENGE = re.compile(
    r"just a moment\.\.\.|attention required! \| cloudflare|cf-browser-verification|challenge-platform|"
    r"checking your browser before|enable javascript and cookies to continue|ddos protection by|"
    r"verifying you are human|cf-chl-", re.IGNORECASE)
_BLOCKED = re.compile(r"internet ?positif|trustpositif|situs (?:ini )?(?:diblokir|tidak dapat diakses karena)|"
                      r"konten negatif|aduankonten", re.IGNORECASE)
_NOT_FOUND = re.compile(r"\b404\b|not found|tidak ditemukan|halaman tidak tersedia|tidak dapat ditemukan|"
                        r"halaman yang anda cari|page (?:does not|doesn't) exist|oops", re.IGNORECASE)
_LOGIN = re.compile(r"\b(?:login|log in|masuk untuk|sign in|berlangganan|subscribe|langganan|premium|"
                    r"khusus pelanggan|member only)\b", re.IGNORECASE)
_LISTING_PATH = re.compile(r"/(?:tag|tags|topik|topic|kategori|category|kanal|author|penulis|reporter|"
                           r"indeks|index|search|cari)(?:/|$)", re.IGNORECASE)
_SITE_SUFFIX = re.compile(r"\s+[|\-–—:]\s+[^|\-–—]{2,60}$")
_PAGE_ALL = re.compile(r"(?:tampilkan|lihat|baca)\s+(?:semua|selengkapnya(?: dalam satu halaman)?)|"
                       r"semua halaman|single page|show all", re.IGNORECASE)


@dataclass(frozen=True)
class Extraction:
    """An article plus what the crawler needs to finish it: the canonical URL and further pages."""

    article: Article
    canonical: str | None
    all_pages_url: str | None
    next_pages: tuple[str, ...]


def _meta(tree: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        value = node.get("content")
        if key and value and key not in found:
            found[key] = value.strip()
    return found


def _json_ld(tree: lxml.html.HtmlElement) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for node in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(node.text_content() or "null", strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                items.append(item)
    return items


def _types(item: dict[str, object]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def _first_article_ld(items: list[dict[str, object]]) -> dict[str, object] | None:
    for item in items:
        if _types(item) & ARTICLE_TYPES:
            return item
    return None


def _ld_author(item: dict[str, object]) -> str | None:
    author = item.get("author")
    authors = author if isinstance(author, list) else [author]
    names = []
    for a in authors:
        name = a.get("name") if isinstance(a, dict) else a
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return "; ".join(names) or None


def _visible_header_text(tree: lxml.html.HtmlElement) -> str:
    """Text right after the headline (where outlets print the date), not the site header."""
    h1 = tree.find(".//h1")
    if h1 is None:
        return ""
    chunks: list[str] = []
    size = 0
    started = False
    for node in tree.iter():
        if node is h1:
            started = True
            continue
        if not started or not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript"):
            continue
        if node.tag == "p" and len(node.text_content()) > 150:
            break  # the body has begun: its dates are event dates
        for piece in (node.text, node.tail):
            if piece and piece.strip():
                chunks.append(piece.strip())
                size += len(piece)
        if size > 600:
            break
    return "\n".join(chunks)


def _pagination(tree: lxml.html.HtmlElement, url: str) -> tuple[str | None, tuple[str, ...]]:
    """A "show all" URL, or the further numbered pages of a multi-page article."""
    here = urlsplit(url)
    base_path = here.path.rstrip("/")
    slug = base_path.rsplit("/", 1)[-1]
    all_url: str | None = None
    pages: dict[int, str] = {}
    for a in tree.iter("a"):
        href = a.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        if slug not in href and not href.startswith("?"):
            continue
        target = urljoin(url, href)
        parts = urlsplit(target)
        if site_of(target) != site_of(url):
            continue
        label = " ".join(a.text_content().split())
        same_article = parts.path.rstrip("/") == base_path or parts.path.rstrip("/").startswith(base_path + "/")
        if not same_article:
            continue
        if "page=all" in parts.query or parts.path.rstrip("/").endswith("/all") or _PAGE_ALL.search(label):
            all_url = target
            continue
        number = re.search(r"(?:^|&)(?:page|halaman|hal)=(\d{1,2})(?:&|$)", parts.query)
        suffix = re.fullmatch(re.escape(base_path) + r"/(\d{1,2})", parts.path.rstrip("/"))
        n = int(number.group(1)) if number else int(suffix.group(1)) if suffix else None
        if n and n >= 2 and (label.isdigit() or re.search(r"selanjutnya|berikutnya|next|halaman", label, re.I)):
            pages.setdefault(n, target)
    return all_url, tuple(pages[n] for n in sorted(pages))


def _mostly_links(tree: lxml.html.HtmlElement, text: str) -> bool:
    """Whether most extracted paragraphs are just the texts of links (a tag, category or index page)."""
    anchors = {" ".join(a.text_content().split()).lower() for a in tree.iter("a")}
    paragraphs = [" ".join(p.split()).lower().lstrip("-•* ") for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) < 4:
        return False
    unlinked = [p for p in paragraphs if p not in anchors]
    return len(unlinked) < 0.4 * len(paragraphs) and max(map(len, unlinked), default=0) < 400


def _not_article(html_text: str, tree: lxml.html.HtmlElement, url: str, title: str, is_article: bool) -> str | None:
    head = html_text[:6000]  # challenge and block pages are small; their markers come early
    if _CHALLENGE.search(title) or _CHALLENGE.search(head):
        return "anti-bot challenge page"
    if _BLOCKED.search(title) or _BLOCKED.search(head[:5000]):
        return "blocked page (Internet Positif)"
    h1 = tree.find(".//h1")
    h1_text = " ".join(h1.text_content().split()) if h1 is not None else ""
    if not is_article and any(_NOT_FOUND.search(t) and len(t) < 80 for t in (title, h1_text) if t):
        return "soft 404 (page says not found)"
    if not is_article and _LISTING_PATH.search(urlsplit(url).path):
        return "listing page (tag, category, author or index)"
    return None


def extract_article(html: str | bytes, url: str, *, timezone: str = "Asia/Jakarta", language: str | None = None,
                    fast: bool = True, now: datetime | None = None) -> Extraction:
    """Extract one article page; raises ExtractError with the reason when the page is not an article."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    if not html.strip():
        raise ExtractError(url, "empty page")
    tree = load_html(html)  # trafilatura's own parser settings, so its results stay as on a string
    if tree is None:
        raise ExtractError(url, "unparseable HTML")
    tz = zone(timezone)
    meta = _meta(tree)
    ld_items = _json_ld(tree)
    ld = _first_article_ld(ld_items)
    title_node = tree.find(".//title")
    page_title = " ".join(title_node.text_content().split()) if title_node is not None else ""
    og_type = meta.get("og:type", "").lower()
    is_article = bool(ld) or og_type == "article" or "article:published_time" in meta
    reason = _not_article(html, tree, url, page_title, is_article)
    if reason:
        raise ExtractError(url, reason)

    all_url, next_pages = _pagination(tree, url)
    html_lang = tree.get("lang")
    time_nodes = [node.get("datetime") or node.get("content") or node.text_content() for node in
                  tree.xpath("//time[@itemprop='datePublished' or contains(@class,'publish')]"
                             "|//*[@itemprop='datePublished']")]
    header_text = _visible_header_text(tree)
    canonical = None
    for node in tree.xpath("//link[@rel='canonical']/@href") + [meta.get("og:url", "")]:
        if node and site_of(urljoin(url, node)) == site_of(url):
            canonical = canonicalize(node, url)
            break
    lowered = html.lower()
    if "baca" in lowered or "terkait" in lowered:  # the XPath scan is costly: only where it can match
        for node in _FURNITURE_NODES(tree):
            if node.getparent() is not None:
                node.drop_tree()
    # trafilatura changes the tree it is given: everything read from `tree` is read above.
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False, fast=fast,
                                      date_extraction_params={"extensive_search": False, "original_date": True})
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        raise ExtractError(url, "no main text")
    title = _clean_title(str((ld or {}).get("headline") or meta.get("og:title") or doc.title or page_title),
                         doc.sitename or meta.get("og:site_name"))
    description = doc.description or meta.get("description") or meta.get("og:description") or None
    text = clean_text(doc.text or "", title=title, description=description)
    if len(text) < MIN_TEXT:
        if _LOGIN.search(text) or _LOGIN.search(page_title):
            raise ExtractError(url, "login or paywall page")
        raise ExtractError(url, f"no main text (only {len(text)} characters)")
    if not is_article and _mostly_links(tree, text):
        raise ExtractError(url, "listing page (mostly links)")

    published, published_from = _published(ld, meta, time_nodes, header_text, doc.date, text, url, tz, now)
    updated = None
    for value in ((ld or {}).get("dateModified"), *(meta.get(k) for k in _MODIFIED_META)):
        if isinstance(value, str) and (updated := parse_date(value, tz)):
            break
    dateline = find_dateline(text)
    lang = (html_lang or meta.get("og:locale") or doc.language or language or "").split("-")[0].split("_")[0]
    article = Article(
        url=canonical or canonicalize(url),
        title=title,
        text=text,
        author=(_clean_author(_ld_author(ld) if ld else None) or _clean_author(doc.author)
                or _clean_author(meta.get("author"))),
        published=published,
        published_from=published_from,
        updated=updated if updated and (not published or updated > published) else None,
        dateline=dateline,
        description=description,
        image=doc.image or meta.get("og:image") or None,
        language=lang.lower() or None,
        sitename=doc.sitename or meta.get("og:site_name") or None,
        categories=tuple(doc.categories or ()),
        tags=tuple(doc.tags or ()),
        content_hash=content_hash(text, dateline),
    )
    return Extraction(article, canonical, all_url, next_pages)


def merge_pages(first: Extraction, others: list[Extraction]) -> Article:
    """One article from the pages of a multi-page article (paragraphs already seen are not repeated)."""
    seen = set(first.article.text.split("\n\n"))
    paragraphs = first.article.text.split("\n\n")
    for page in others:
        for paragraph in page.article.text.split("\n\n"):
            if paragraph not in seen:
                seen.add(paragraph)
                paragraphs.append(paragraph)
    text = "\n\n".join(paragraphs)
    article = first.article
    return replace(article, text=text, content_hash=content_hash(text, article.dateline), regions=None,
                   pages=tuple(p.article.url for p in others))


def _published(ld: dict[str, object] | None, meta: dict[str, str], time_nodes: list[str], header_text: str,
               trafilatura_date: str | None, text: str, url: str, tz: tzinfo,
               now: datetime | None) -> tuple[datetime | None, str | None]:
    """Publication time by trust: JSON-LD, meta tags, <time itemprop>, text by the headline, URL, lead."""
    if ld and isinstance(ld.get("datePublished"), str):
        value = parse_date(str(ld["datePublished"]), tz)
        if value:
            return value, "json-ld"
    for key in _PUBLISHED_META:
        if key in meta and (value := parse_date(meta[key], tz)):
            return value, "meta"
    for raw in time_nodes:
        if raw and (value := parse_date(raw, tz)):
            return value, "time"
    near = find_dates(header_text, tz, now=now)
    with_time = [d for d in near if d.hour or d.minute]
    if with_time or near:
        return (with_time or near)[0], "text"
    from_url = date_from_url(url, tz)
    if from_url:
        return from_url, "url"
    lead = find_dates(text[:400], tz)
    if lead:
        return lead[0], "lead"
    if trafilatura_date and (value := parse_date(trafilatura_date, tz)):
        return value, "htmldate"
    return None, None


def _clean_title(title: str, sitename: str | None) -> str:
    title = " ".join(title.split())
    if sitename and title.lower().endswith(sitename.lower()):
        title = _SITE_SUFFIX.sub("", title)
    return title


def _clean_author(author: str | None) -> str | None:
    if not author:
        return None
    author = re.sub(r"^(?:oleh|penulis|reporter|by|editor|pewarta)\s*[:：]?\s*", "", author.strip(), flags=re.I)
    author = re.sub(r"\s*(?:author|penulis)$", "", author, flags=re.I).strip(" ,;|-")
    return author or None
