"""URL canonicalization (one spelling per article) and the filters that keep a source to its own articles."""

from __future__ import annotations

import pytest

from monitor.models import Source
from monitor.urls import belongs_to, canonicalize, is_article_url, site_of


@pytest.mark.parametrize(
    ("url", "want"),
    [
        # trackers dropped, other parameters kept and sorted, fragment dropped, host lower-cased
        ("https://Kaltim.TribunNews.com/2024/11/25/kpu?utm_source=fb&utm_medium=social&utm_campaign=x"
         "&fbclid=IwAR0&gclid=Cj0&page=2&id=5#komentar",
         "https://kaltim.tribunnews.com/2024/11/25/kpu?id=5&page=2"),
        ("https://kaltim.suara.com/read/2024/06/11/184000/kpu?utm_source=twitter",
         "https://kaltim.suara.com/read/2024/06/11/184000/kpu"),
        ("https://x.id/berita?b=2&a=1", "https://x.id/berita?a=1&b=2"),
        ("HTTPS://X.ID/berita#top", "https://x.id/berita"),
        ("https://x.id/Berita/KPU-Kaltim", "https://x.id/Berita/KPU-Kaltim"),  # path case is kept
        # default ports dropped, others kept
        ("https://x.id:443/berita/1", "https://x.id/berita/1"),
        ("http://x.id:80/berita/1", "http://x.id/berita/1"),
        ("http://x.id:8080/berita/1", "http://x.id:8080/berita/1"),
        # AMP variants
        ("https://ibukotakini.com/amp/berita/123/slug", "https://ibukotakini.com/berita/123/slug"),
        ("https://ibukotakini.com/read/kpu-kaltim/amp/", "https://ibukotakini.com/read/kpu-kaltim/"),
        ("https://ibukotakini.com/read/kpu-kaltim/amp", "https://ibukotakini.com/read/kpu-kaltim"),
        ("https://ibukotakini.com/read/kpu-kaltim?amp=1", "https://ibukotakini.com/read/kpu-kaltim"),
        ("https://amp.kompas.com/regional/read/2024/11/25/123/kpu", "https://kompas.com/regional/read/2024/11/25/123/kpu"),
        ("https://kaltim.suara.com/read/2024/06/11/184000/kpu.amp",
         "https://kaltim.suara.com/read/2024/06/11/184000/kpu"),
        # words that merely contain "amp" are not AMP
        ("https://x.id/read/kampanye-damai/", "https://x.id/read/kampanye-damai/"),
        ("https://x.id/read/camp", "https://x.id/read/camp"),
    ],
)
def test_canonicalize(url: str, want: str) -> None:
    assert canonicalize(url) == want


def test_canonicalize_is_idempotent() -> None:
    once = canonicalize("https://AMP.Kompas.com:443/amp/regional/read/123/kpu?utm_source=x&z=1&a=2#frag")
    assert canonicalize(once) == once


@pytest.mark.parametrize(
    ("url", "base", "want"),
    [
        ("/read/kpu-kaltim", "https://ibukotakini.com/", "https://ibukotakini.com/read/kpu-kaltim"),
        ("../berita/2?utm_campaign=x", "https://x.id/kanal/politik/", "https://x.id/kanal/berita/2"),
        ("kpu-kaltim", "https://x.id/read/", "https://x.id/read/kpu-kaltim"),
        ("//cdn.x.id/read/kpu", "https://x.id/", "https://cdn.x.id/read/kpu"),
        ("  /read/kpu-kaltim  ", "https://ibukotakini.com/", "https://ibukotakini.com/read/kpu-kaltim"),
        ("https://other.id/read/1", "https://x.id/", "https://other.id/read/1"),
    ],
)
def test_canonicalize_resolves_relative_urls(url: str, base: str, want: str) -> None:
    assert canonicalize(url, base) == want


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.Example.com:8443/x", "example.com:8443"),
        ("https://m.detik.com/kalimantan", "detik.com"),
        ("https://amp.kompas.com/", "kompas.com"),
        ("https://kaltim.tribunnews.com:443/", "kaltim.tribunnews.com"),
    ],
)
def test_site_of(url: str, site: str) -> None:
    assert site_of(url) == site


TRIBUN = Source(name="tribun-kaltim", homepage="https://kaltim.tribunnews.com/", feeds=("https://kaltim.tribunnews.com/rss",))


@pytest.mark.parametrize(
    "url",
    [
        "https://kaltim.tribunnews.com/2024/11/25/kpu-samarinda",
        "https://www.kaltim.tribunnews.com/2024/11/25/kpu-samarinda",
        "https://m.kaltim.tribunnews.com/2024/11/25/kpu-samarinda",
        "https://video.kaltim.tribunnews.com/2024/11/25/kpu-samarinda",
        "https://KALTIM.tribunnews.com/2024/11/25/kpu-samarinda",
        "https://kaltim.tribunnews.com/?p=123",
    ],
)
def test_own_site_and_subdomains_are_articles(url: str) -> None:
    assert belongs_to(url, TRIBUN)
    assert is_article_url(url, TRIBUN)


@pytest.mark.parametrize(
    "url",
    [
        "https://tribunnews.com/2024/11/25/kpu-samarinda",  # the parent domain is another site
        "https://kalteng.tribunnews.com/2024/11/25/kpu",
        "https://evilkaltim.tribunnews.com/2024/11/25/kpu",
        "https://kaltim.tribunnews.com.evil.com/2024/11/25/kpu",
        "https://www.detik.com/kalimantan/berita/d-7166387/kpu",
    ],
)
def test_other_hosts_are_rejected(url: str) -> None:
    assert not belongs_to(url, TRIBUN)
    assert not is_article_url(url, TRIBUN)


@pytest.mark.parametrize(
    "url",
    [
        "https://kaltim.tribunnews.com/",
        "https://kaltim.tribunnews.com",
        "https://kaltim.tribunnews.com/tag/pilkada-kaltim",
        "https://kaltim.tribunnews.com/topic/pilkada-kaltim",
        "https://kaltim.tribunnews.com/category/politik/",
        "https://kaltim.tribunnews.com/kategori/politik",
        "https://kaltim.tribunnews.com/author/zainul",
        "https://kaltim.tribunnews.com/penulis/zainul",
        "https://kaltim.tribunnews.com/search?q=kpu",
        "https://kaltim.tribunnews.com/feed",
        "https://kaltim.tribunnews.com/rss/",
        "https://kaltim.tribunnews.com/sitemap.xml",
        "https://kaltim.tribunnews.com/page/2",
        "https://kaltim.tribunnews.com/foto/kpu.jpg",
        "https://kaltim.tribunnews.com/images/kpu.JPG?w=300",
        "https://kaltim.tribunnews.com/files/laporan.pdf",
        "ftp://kaltim.tribunnews.com/2024/11/25/kpu",
        "mailto:redaksi@tribunnews.com",
    ],
)
def test_non_article_urls_are_rejected(url: str) -> None:
    assert not is_article_url(url, TRIBUN)


def test_words_containing_tag_are_not_tag_pages() -> None:
    assert is_article_url("https://kaltim.tribunnews.com/2024/11/25/tagline-kampanye-kpu", TRIBUN)


IBUKOTAKINI = Source(
    name="kabar-ibu-kota",
    homepage="https://ibukotakini.com/",
    include=(r"ibukotakini\.com/read/[a-z0-9-]+",),
    exclude=("/foto/", "/video/"),
)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://ibukotakini.com/read/kpu-kaltim-siap", True),
        ("https://ibukotakini.com/amp/kpu-kaltim-siap", False),  # not matched by include
        ("https://ibukotakini.com/berita/kpu-kaltim-siap", False),
        ("https://ibukotakini.com/read/foto/kpu-kaltim", False),  # matched by exclude
        ("https://ibukotakini.com/read/video/debat", False),
    ],
)
def test_include_and_exclude_patterns(url: str, kept: bool) -> None:
    assert is_article_url(url, IBUKOTAKINI) is kept


def test_exclude_alone_filters() -> None:
    source = Source(name="s", homepage="https://x.id/", exclude=(r"/opini/",))
    assert is_article_url("https://x.id/berita/kpu", source)
    assert not is_article_url("https://x.id/opini/kpu", source)
