"""URL canonicalization and the filters that keep discovery to a source's own articles."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import courlan

from .models import Source

_TRACKING = re.compile(
    r"^(utm_[a-z_]*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_[a-z]+|igshid|_ga|_gl|ref|ref_src|"
    r"src|source|from|share|amp|amp_js_v|usqp|outputType|_branch_match_id|cmpid|wt_[a-z]+|__twitter_impression)$",
    re.IGNORECASE,
)
_AMP_PATH = re.compile(r"(?:/amp/?|\.amp)$", re.IGNORECASE)
_AMP_SEGMENT = re.compile(r"^/amp(/.+)$", re.IGNORECASE)
_NOT_ARTICLE = re.compile(
    r"/(?:tag|tags|topik|topic|kategori|category|categories|kanal|author|penulis|reporter|search|cari|"
    r"indeks|index|page|login|masuk|register|daftar|wp-admin|wp-login|feed|rss|sitemap)(?:/|$|\?)|"
    r"\.(?:jpe?g|png|gif|webp|svg|pdf|mp3|mp4|zip|xml|css|js|ico)(?:$|\?)",
    re.IGNORECASE,
)


def canonicalize(url: str, base: str | None = None) -> str:
    """One spelling per article: absolute, lower-case host, no fragment, no trackers, no AMP variant."""
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("amp."):
        host = host[4:]
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path or "/"
    amp_segment = _AMP_SEGMENT.match(path)
    if amp_segment and amp_segment.group(1).count("/") >= 2:
        path = amp_segment.group(1)  # /amp/berita/123/slug → /berita/123/slug
    elif _AMP_PATH.search(path) and path not in ("/amp", "/amp/"):
        path = _AMP_PATH.sub("", path) or "/"
        if parts.path.endswith("/"):
            path = path.rstrip("/") + "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    cleaned = urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))
    try:
        return courlan.normalize_url(cleaned, strict=False)
    except (ValueError, TypeError):  # courlan refuses some odd URLs; ours is already clean
        return cleaned


def site_of(url: str) -> str:
    """The host of a URL without ``www.``, ``m.`` or ``amp.``, with its port when not the default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "amp."):
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    return host


def belongs_to(url: str, source: Source) -> bool:
    """Whether a URL is on the source's own site (its homepage host or a subdomain of it)."""
    host, home = site_of(url), site_of(source.homepage)
    return host == home or host.endswith("." + home)


def is_article_url(url: str, source: Source) -> bool:
    """Keep a discovered URL if it is on the source's site, looks like an article and passes its filters."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not belongs_to(url, source):
        return False
    if source.include and not any(re.search(p, url) for p in source.include):
        return False
    if any(re.search(p, url) for p in source.exclude):
        return False
    if parts.path in ("", "/") and not parts.query:
        return False
    return not _NOT_ARTICLE.search(parts.path + ("?" + parts.query if parts.query else ""))
