"""The offline sample sites (`monitor.demo`): URLs, encodings, feeds, sitemaps and traps."""

from __future__ import annotations

import datetime as dt
import gzip
import html
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message

import pytest
import trafilatura
import yaml
from lxml import etree

from monitor.demo import SampleServer, demo_config, expected_articles
from monitor.demo.server import ExpectedArticle

TODAY = dt.date(2025, 2, 12)  # a Wednesday: "Rabu, 12 Februari 2025" in site headers


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """GET without raising on 4xx/5xx; returns (status, headers, body)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def text_of(body: bytes, encoding: str = "utf-8") -> str:
    return html.unescape(body.decode(encoding))


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def server() -> Iterator[SampleServer]:
    with SampleServer(today=TODAY) as running:
        yield running


@pytest.fixture(scope="module")
def expected(server: SampleServer) -> list[ExpectedArticle]:
    return expected_articles(server.base_urls)


def encoding_of(site: str) -> str:
    return "cp1252" if site == "suara-mahakam" else "utf-8"


# --------------------------------------------------------------------------- every site


def test_every_site_has_articles(expected: list[ExpectedArticle]) -> None:
    sites = {e.site for e in expected}
    assert sites == {"kabar-ibu-kota", "warta-etam", "suara-mahakam"}
    for e in expected:
        assert e.published.tzinfo is not None
        assert e.paragraphs and all(p.strip() for p in e.paragraphs)
        assert e.url.startswith("http://127.0.0.1:")
    assert len({e.url for e in expected}) == len(expected)


def test_every_expected_article_is_served_with_its_title(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    for e in expected:
        status, headers, body = fetch(e.url)
        assert status == 200, e.url
        page = text_of(body, encoding_of(e.site))
        assert e.title in page, e.url
        assert f'<link rel="canonical" href="{e.url}">' in body.decode(encoding_of(e.site)), e.url
        assert int(headers["Content-Length"]) == len(body)


def test_article_pages_have_realistic_size(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    for e in expected[::5]:
        _, _, body = fetch(e.url)
        assert 20_000 < len(body) < 150_000, (e.url, len(body))


def test_header_prints_today_not_the_publication_date(server: SampleServer) -> None:
    for site in ("kabar-ibu-kota", "warta-etam"):
        _, _, body = fetch(server.url(site, "/"))
        assert "Rabu, 12 Februari 2025" in body.decode()


def test_unknown_paths_are_real_404s(server: SampleServer) -> None:
    for site in server.base_urls:
        status, _, _ = fetch(server.url(site, "/tidak-ada/sama-sekali/123"))
        assert status == 404
        status, _, _ = fetch(server.url(site, "/favicon.ico"))
        assert status == 404


def test_requests_are_recorded(server: SampleServer) -> None:
    url = server.url("warta-etam", "/robots.txt?probe=1")
    fetch(url, {"User-Agent": "probe-agent"})
    record = [r for r in server.requests if r.path == "/robots.txt?probe=1"][-1]
    assert record.site == "warta-etam" and record.method == "GET" and record.status == 200
    assert record.headers.get("User-Agent") == "probe-agent"


def test_demo_config_replaces_placeholders(server: SampleServer) -> None:
    text = demo_config(server.base_urls)
    assert "{kabar-ibu-kota}" not in text
    config = yaml.safe_load(text)
    assert config["defaults"]["delay"] == 0
    names = [s["name"] for s in config["sources"]]
    assert names == ["kabar-ibu-kota", "warta-etam", "suara-mahakam"]
    assert config["sources"][1]["feeds"] == [server.base_urls["warta-etam"] + "/rss"]


# --------------------------------------------------------------------------- kabar-ibu-kota


def test_kabar_listing_pages_reach_every_article(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    wanted = {e.url for e in expected if e.site == "kabar-ibu-kota"}
    base = server.base_urls["kabar-ibu-kota"]
    found: set[str] = set()
    url: str | None = base + "/kanal/kabar-ibu-kota"
    pages = 0
    while url:
        status, _, body = fetch(url)
        assert status == 200
        page = body.decode()
        pages += 1
        for href in re.findall(r'href="([^"]*/read/[^"]*)"', page):
            href = html.unescape(href)
            found.add((href if href.startswith("http") else base + href).split("?")[0].split("#")[0])
        nxt = re.search(r'<a class="next" href="([^"]+)"', page)
        url = base + html.unescape(nxt.group(1)) if nxt else None
    assert pages == -(-len(wanted) // 10)
    assert wanted <= found
    assert fetch(base + f"/kanal/kabar-ibu-kota?page={pages + 1}")[0] == 404


def test_kabar_home_has_tracking_and_fragment_links(server: SampleServer) -> None:
    _, _, body = fetch(server.url("kabar-ibu-kota", "/"))
    page = body.decode()
    assert "?utm_source=home" in page
    assert "#komentar" in page
    assert 'href="/read/' in page and f'href="{server.base_urls["kabar-ibu-kota"]}/read/' in page


def test_kabar_article_furniture(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    e = next(e for e in expected if e.site == "kabar-ibu-kota" and e.dateline)
    _, _, body = fetch(e.url)
    page = text_of(body)
    assert page.count("Kabar Ibu Kota") >= 2
    assert "BACA JUGA:" in page
    assert f"{e.dateline} - {e.paragraphs[0][:40]}" in norm(re.sub(r"<[^>]+>", "", page))
    assert '"datePublished": "' + e.published.isoformat() in page.replace('":"', '": "')
    assert f"| {e.published.strftime('%H:%M')} WITA" in page or e.published.utcoffset() != dt.timedelta(hours=8)


def test_kabar_amp_points_to_canonical(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    e = next(e for e in expected if e.site == "kabar-ibu-kota")
    amp = e.url.replace("/read/", "/amp/")
    status, _, body = fetch(amp)
    assert status == 200
    assert f'<link rel="canonical" href="{e.url}">' in body.decode()


def test_kabar_robots_allows_all(server: SampleServer) -> None:
    _, _, body = fetch(server.url("kabar-ibu-kota", "/robots.txt"))
    assert "Allow: /" in body.decode() and "Disallow" not in body.decode()


# --------------------------------------------------------------------------- warta-etam


def test_warta_feed_lists_every_article_and_the_traps(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    status, headers, body = fetch(server.url("warta-etam", "/rss"))
    assert status == 200 and "xml" in headers["Content-Type"]
    root = etree.fromstring(body)
    links = [link.text for link in root.iter("link")][1:]
    stripped = {link.split("?")[0] for link in links}
    wanted = {e.url for e in expected if e.site == "warta-etam"}
    assert wanted <= stripped
    assert any("utm_source=rss" in link for link in links)
    assert sum("/topic/pilkada-kaltim-2024" in link for link in links) == 1
    assert sum("/private/" in link for link in links) == 1
    assert "+0800" in root.find("channel/item/pubDate").text


def test_warta_feed_conditional_get(server: SampleServer) -> None:
    url = server.url("warta-etam", "/rss")
    _, headers, _ = fetch(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-Modified-Since": modified})[0] == 304
    assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200


def test_warta_robots_and_traps(server: SampleServer) -> None:
    _, _, body = fetch(server.url("warta-etam", "/robots.txt"))
    assert "Disallow: /private/" in body.decode() and "Disallow: /search" in body.decode()
    status, _, page = fetch(server.url("warta-etam", "/topic/pilkada-kaltim-2024"))
    assert status == 200 and b'og:type" content="article' not in page


def test_warta_article_furniture(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    e = next(e for e in expected if e.site == "warta-etam")
    _, _, body = fetch(e.url)
    page = text_of(body)
    assert "Editor: " in page and "WARTAETAM.CO/ZAINUL" in page and "Baca juga: " in page
    assert "application/ld+json" not in page
    assert f'<meta property="article:published_time" content="{e.published.isoformat()}">' in page
    assert 'class="side-article txt-article' in page
    assert f"WARTAETAM.CO{', ' + e.dateline if e.dateline else ''} - " in norm(re.sub(r"<[^>]+>", "", page))


def test_warta_multi_page_article(server: SampleServer) -> None:
    sites = server.sites  # what the server serves, even if articles.yaml changes meanwhile
    multi = [a for a in sites["warta-etam"].articles if a.pages > 1 and len(a.paragraphs) > 1]
    if not multi:
        pytest.skip("no multi-page article in warta-etam/articles.yaml")
    article = multi[0]
    url = server.base_urls["warta-etam"] + sites["warta-etam"].article_path(article)
    _, _, first = fetch(url)
    assert "Tampilkan Semua" in first.decode() and "?page=2" in first.decode()
    _, _, second = fetch(url + "?page=2")
    assert norm(article.paragraphs[0]) not in norm(text_of(second))
    _, _, whole = fetch(url + "?page=all")
    whole_text = norm(re.sub(r"<[^>]+>", "", text_of(whole)))
    for paragraph in article.paragraphs:
        assert norm(paragraph) in whole_text
    assert fetch(url + "?page=99")[0] == 404


# --------------------------------------------------------------------------- suara-mahakam


def test_suara_pages_are_windows_1252(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    e = next(e for e in expected if e.site == "suara-mahakam")
    _, headers, body = fetch(e.url)
    assert headers["Content-Type"] == "text/html; charset=windows-1252"
    assert b'<meta charset="windows-1252">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    page = body.decode("cp1252")
    assert "“" in page or "”" in page
    assert "[" in page and "Dapatkan update berita pilihan" in page and "Related Posts" in page


def test_suara_sitemaps(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    base = server.base_urls["suara-mahakam"]
    _, _, robots = fetch(base + "/robots.txt")
    assert f"Sitemap: {base}/sitemap_index.xml" in robots.decode()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = etree.fromstring(fetch(base + "/sitemap_index.xml")[2])
    children = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
    assert children == [base + "/post-sitemap.xml", base + "/post-sitemap2.xml.gz"]
    locs: list[str] = []
    for child in children:
        status, headers, body = fetch(child)
        assert status == 200
        if child.endswith(".gz"):
            assert "gzip" in headers["Content-Type"]
            body = gzip.decompress(body)
        urlset = etree.fromstring(body)
        locs += [loc.text for loc in urlset.findall("s:url/s:loc", ns)]
    wanted = {e.url for e in expected if e.site == "suara-mahakam"}
    assert wanted <= set(locs)
    assert base + "/category/politik/" in locs and base + "/halaman-hilang/" in locs
    assert fetch(base + "/halaman-hilang/")[0] == 200  # soft 404
    news = fetch(base + "/news-sitemap.xml")[2]
    assert news.count(b"<news:publication_date>") == min(10, len(wanted))
    _, headers, _ = fetch(base + "/post-sitemap2.xml.gz")
    assert fetch(base + "/post-sitemap2.xml.gz", {"If-None-Match": headers["ETag"]})[0] == 304


def test_suara_syndicated_copy(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    copies = [e for e in expected if e.syndicated_from]
    if not copies:
        pytest.skip("the syndicated original is missing from kabar-ibu-kota/articles.yaml")
    copy = copies[0]
    original = next(e for e in expected if e.url == copy.syndicated_from)
    assert copy.site == "suara-mahakam" and original.site == "kabar-ibu-kota"
    assert copy.title == original.title and copy.paragraphs == original.paragraphs
    assert copy.published > original.published
    page = text_of(fetch(copy.url)[2], "cp1252")
    assert "Artikel ini disadur dari Kabar Ibu Kota" in page


def test_suara_amp_points_to_canonical(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    e = next(e for e in expected if e.site == "suara-mahakam")
    status, _, body = fetch(e.url + "amp/")
    assert status == 200 and f'<link rel="canonical" href="{e.url}">' in body.decode("cp1252")
    assert fetch(e.url.rstrip("/"))[0] == 200  # urllib follows the 301 to the slash form


# --------------------------------------------------------------------------- extraction sanity


def test_trafilatura_recovers_most_paragraphs(server: SampleServer, expected: list[ExpectedArticle]) -> None:
    for site in ("kabar-ibu-kota", "warta-etam", "suara-mahakam"):
        for e in [e for e in expected if e.site == site][:3]:
            url = e.url + ("?page=all" if site == "warta-etam" else "")
            body = fetch(url)[2]
            result = trafilatura.bare_extraction(body, url=e.url, with_metadata=True)
            assert result is not None, url
            text = norm(result.text or "")
            kept = sum(norm(p)[-60:] in text for p in e.paragraphs)
            assert kept >= 0.8 * len(e.paragraphs), (url, kept, len(e.paragraphs))
            assert result.title == e.title
