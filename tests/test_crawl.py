"""End-to-end crawls of the bundled sample sites and of misbehaving sources, into a real SQLite file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.crawl import crawl
from monitor.demo import SampleServer, demo_config, expected_articles
from monitor.regions import places
from monitor.store import Store
from tests.servers import LocalServer, Reply, article_html, html_reply, news_site


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory):
    """One crawl of the sample sites (with the worker pool), shared by the tests that read its result."""
    with SampleServer() as sites:
        config = parse_config(demo_config(sites.base_urls), "demo.yaml")
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        store = Store(path)
        report = crawl(config, store, workers=2)
        first_requests = len(sites.requests)
        second = crawl(config, store, workers=0)
        second_requests = sites.requests[first_requests:]
        yield sites, store, report, second, second_requests
        store.close()


def test_every_sample_article_is_stored_once_with_clean_fields(demo_crawl) -> None:
    sites, store, report, _, _ = demo_crawl
    expected = expected_articles(sites.base_urls)
    originals = [e for e in expected if e.syndicated_from is None]
    assert store.count("articles") == len(originals) >= 60
    rows = {r["url"]: r for r in store.db.query("SELECT * FROM articles")}
    for e in originals:
        row = rows[e.url]
        assert row["title"] == e.title
        assert row["published"] == e.published.astimezone(UTC).isoformat(), e.url
        assert row["author"] == e.author or e.author is None
        assert row["dateline"] == e.dateline
        paragraphs = row["text"].split("\n\n")
        # the first paragraph carries the dateline prefix as printed
        assert paragraphs[0].endswith(e.paragraphs[0])
        assert paragraphs[1:] == list(e.paragraphs[1:]), f"text of {e.url} is not the clean body"
    assert all(r.ok for r in report.sources.values())


def test_furniture_never_reaches_the_text(demo_crawl) -> None:
    _, store, _, _, _ = demo_crawl
    markers = ("baca juga", "berita terkait", "penulis:", "editor:", "dapatkan update", "scroll untuk",
               "related posts", "bagikan:", "advertisement", "terpopuler", "berita populer", "artikel ini disadur")
    for (text,) in store.db.execute("SELECT text FROM articles"):
        for paragraph in text.lower().split("\n\n"):
            assert not paragraph.startswith(markers), paragraph
            assert "grup telegram" not in paragraph and "google news" not in paragraph


def test_syndicated_and_amp_copies_are_linked_not_stored(demo_crawl) -> None:
    sites, store, _, _, _ = demo_crawl
    expected = expected_articles(sites.base_urls)
    copy = next(e for e in expected if e.syndicated_from)
    original_id = store.db.execute("SELECT id FROM articles WHERE url=?", (copy.syndicated_from,)).fetchone()[0]
    shown = store.article(original_id)
    assert shown is not None
    assert copy.url in [d["url"] for d in shown["duplicates"]]
    amp = store.db.execute("SELECT u.url, a.url FROM urls u JOIN articles a ON a.id=u.article_id"
                           " WHERE u.url LIKE '%/amp/%'").fetchall()
    assert amp and all("/read/" in canonical for _, canonical in amp)


def test_traps_are_not_stored_and_robots_is_obeyed(demo_crawl) -> None:
    sites, store, _, _, _ = demo_crawl
    rejects = dict(store.db.execute("SELECT url, reason FROM rejects").fetchall())
    soft404 = sites.url("suara-mahakam", "/halaman-hilang/")
    assert "soft 404" in rejects[soft404]
    assert not any("/private/" in r.path for r in sites.requests)
    assert store.db.execute("SELECT COUNT(*) FROM articles WHERE url LIKE '%/topic/%' OR url LIKE '%/category/%'"
                            ).fetchone()[0] == 0


def test_multi_page_article_is_stored_whole(demo_crawl) -> None:
    sites, store, _, _, _ = demo_crawl
    site = sites.sites["warta-etam"]
    long = next(a for a in site.articles if a.pages > 1)
    text = store.db.execute("SELECT text FROM articles WHERE title=?", (long.title,)).fetchone()[0]
    assert text.split("\n\n")[-1] == long.paragraphs[-1]
    assert len(text.split("\n\n")) == len(long.paragraphs)


def test_places_found_in_the_workers_are_those_of_the_stored_text(demo_crawl) -> None:
    _, store, _, _, _ = demo_crawl
    stored: dict[int, set[tuple[str, float]]] = {}
    for article_id, key, weight in store.db.execute(
            "SELECT article_id, key, weight FROM article_regions JOIN regions ON id = region_id"):
        stored.setdefault(article_id, set()).add((key, weight))
    articles = store.db.execute("SELECT id, title, text FROM articles").fetchall()
    assert len(stored) > len(articles) / 2  # Kaltim news names its places
    for article_id, title, text in articles:  # multi-page articles included: placed on their whole text
        assert stored.get(article_id, set()) == set(places(title, text)), title


def test_second_crawl_makes_no_article_requests(demo_crawl) -> None:
    _, store, _, second, requests = demo_crawl
    assert all(r.new == 0 and r.failed == 0 for r in second.sources.values())
    kinds = {r.path for r in requests}
    assert not any("/read/" in p or p.count("/") >= 3 and "sitemap" not in p and "rss" not in p
                   and "kanal" not in p for p in kinds), kinds
    statuses = {r.status for r in requests if "rss" in r.path or "sitemap" in r.path}
    assert statuses == {304}


def test_a_failing_source_does_not_stop_the_others(server: LocalServer, db_path: Path) -> None:
    server.route("/feed", Reply(500, b"down"))
    server.route("/html-feed", html_reply("<html><body><h1>Berita</h1></body></html>"))
    server.route("/bad-feed", Reply(200, b"<rss><channel><item><title>x</ti", {"Content-Type": "application/xml"}))
    server.route("/list", html_reply('<html><body><a href="/a1">Satu</a></body></html>'))
    paragraphs = [f"Komisi Pemilihan Umum menyiapkan logistik pemilihan di kecamatan nomor {i}. " * 4 for i in range(3)]
    server.route("/a1", html_reply(article_html("Logistik Pilkada Tiba", paragraphs)))
    config = parse_config(f"""
settings: {{retries: 1, timeout: 2}}
defaults: {{delay: 0}}
sources:
  - {{name: down, homepage: "{server.base}/", feeds: ["{server.base}/feed"]}}
  - {{name: html, homepage: "{server.base}/", feeds: ["{server.base}/html-feed"]}}
  - {{name: broken, homepage: "{server.base}/", feeds: ["{server.base}/bad-feed"]}}
  - {{name: refused, homepage: "http://127.0.0.1:9/", feeds: ["http://127.0.0.1:9/rss"]}}
  - {{name: good, homepage: "{server.base}/", listings: [{{url: "{server.base}/list", selector: a}}]}}
""")
    store = Store(db_path)
    report = crawl(config, store, workers=0)
    assert report.any_ok
    assert report.sources["good"].new == 1 and report.sources["good"].ok
    for name, fragment in (("down", "HTTP 500"), ("html", "HTML page"), ("broken", "malformed feed"),
                           ("refused", "connection failed")):
        assert not report.sources[name].ok
        assert any(fragment in e for e in report.sources[name].errors), report.sources[name].errors
    status = {r["name"]: r for r in store.source_rows()}
    assert status["down"]["failure_streak"] == 1 and "HTTP 500" in status["down"]["last_error"]
    assert status["good"]["last_success"]
    errors = store.db.execute("SELECT COUNT(*) FROM fetches WHERE error IS NOT NULL").fetchone()[0]
    assert errors >= 4
    store.close()


def test_edited_article_keeps_its_previous_version(server: LocalServer, db_path: Path) -> None:
    state = {"version": 1}
    first = ["Bawaslu Kutai Timur memeriksa seorang kepala desa yang diduga mengajak warga memilih pasangan calon. "
             "Pemeriksaan berlangsung di kantor Bawaslu selama tiga jam.",
             "Kepala desa itu membantah tuduhan tersebut dan menyebut video yang beredar sudah dipotong sehingga "
             "maknanya berubah, kata kuasa hukumnya kepada wartawan."]
    edited = first + ["Pembaruan: kepala desa itu akhirnya dijatuhi sanksi teguran tertulis oleh bupati."]

    def feed(request) -> Reply:  # type: ignore[no-untyped-def]
        updated = "2024-11-21T10:00:00+08:00" if state["version"] == 1 else "2024-11-22T09:00:00+08:00"
        return Reply(200, f"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Kades</title><link href="{server.base}/berita/kades"/><id>1</id><updated>{updated}</updated></entry>
</feed>""".encode(), {"Content-Type": "application/atom+xml"})
    server.route("/atom", feed)
    server.route("/berita/kades", lambda r: html_reply(article_html(
        "Bawaslu Periksa Kades", first if state["version"] == 1 else edited)))
    config = parse_config(f"""
defaults: {{delay: 0}}
sources: [{{name: s, homepage: "{server.base}/", feeds: ["{server.base}/atom"]}}]
""")
    store = Store(db_path)
    assert crawl(config, store, workers=0).sources["s"].new == 1
    state["version"] = 2
    assert crawl(config, store, workers=0).sources["s"].updated == 1
    article = store.article(1)
    assert article is not None and "sanksi teguran" in article["text"]
    assert len(article["versions"]) == 1 and "sanksi" not in article["versions"][0]["text"]
    store.close()


def test_killed_crawl_leaves_a_consistent_database_and_resumes(server: LocalServer, tmp_path: Path) -> None:
    n = 30
    news_site(server, n, delay=0.1)
    config_path = tmp_path / "feeds.yaml"
    config_path.write_text(f"""
defaults: {{delay: 0, concurrency: 1}}
sources: [{{name: s, homepage: "{server.base}/", listings: [{{url: "{server.base}/list", selector: a, max_pages: 1}}]}}]
""")
    db = tmp_path / "kill.db"
    command = [sys.executable, "-m", "monitor", "crawl", "--config", str(config_path), "--db", str(db),
               "--workers", "0"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    stored = 0
    while time.monotonic() < deadline and stored < 8:
        time.sleep(0.2)
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 0 < stored < n
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        fts = conn.execute("SELECT COUNT(*) FROM articles_fts_0_docsize").fetchone()[0]  # what the index holds
        assert fts == conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == n
        assert conn.execute("SELECT COUNT(DISTINCT url) FROM articles").fetchone()[0] == n


def test_sigterm_stops_a_crawl_that_records_what_it_stored(server: LocalServer, tmp_path: Path) -> None:
    news_site(server, 30, delay=0.3)
    config_path = tmp_path / "feeds.yaml"
    config_path.write_text(f"""
defaults: {{delay: 0}}
sources: [{{name: s, homepage: "{server.base}/", listings: [{{url: "{server.base}/list", selector: a, max_pages: 1}}]}}]
""")
    db = tmp_path / "term.db"
    process = subprocess.Popen([sys.executable, "-m", "monitor", "crawl", "--config", str(config_path), "--db", str(db),
                                "--workers", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline, stored = time.monotonic() + 60, 0
    while time.monotonic() < deadline and stored < 2:
        time.sleep(0.1)
        try:
            with sqlite3.connect(db) as conn:
                stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        except sqlite3.OperationalError:
            pass
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 130 and "interrupted" in err
    with sqlite3.connect(db) as conn:
        [(finished, status)] = conn.execute("SELECT finished, status FROM crawl_runs").fetchall()
        assert finished and status == "interrupted"
        assert 2 <= conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] < 30


def test_non_html_article_responses_are_recorded_as_errors(server: LocalServer, db_path: Path) -> None:
    server.route("/list", html_reply('<html><body><a href="/dokumen/1">DPT</a></body></html>'))
    server.route("/dokumen/1", Reply(200, b"%PDF-1.4 ...", {"Content-Type": "application/pdf"}))
    config = parse_config(f"""
defaults: {{delay: 0}}
sources: [{{name: s, homepage: "{server.base}/", listings: [{{url: "{server.base}/list", selector: a}}]}}]
""")
    store = Store(db_path)
    report = crawl(config, store, workers=0).sources["s"]
    assert report.failed == 1 and "not an HTML page (application/pdf)" in report.errors[0]
    reason = store.db.execute("SELECT reason FROM rejects WHERE url LIKE '%/dokumen/1'").fetchone()[0]
    assert "application/pdf" in reason
    store.close()


def test_big_sitemap_indexes_are_read_newest_first() -> None:
    from datetime import datetime

    from monitor.discover import newest_children

    dated = [(f"https://x.id/sitemap-{m:02d}.xml", datetime(2024, m, 1, tzinfo=UTC)) for m in range(1, 13)]
    assert newest_children(dated, limit=3) == ["https://x.id/sitemap-12.xml", "https://x.id/sitemap-11.xml",
                                               "https://x.id/sitemap-10.xml"]
    undated = [(f"https://x.id/post-sitemap{n}.xml", None) for n in range(1, 30)]
    picked = newest_children(undated, limit=4)
    assert picked[:2] == ["https://x.id/post-sitemap1.xml", "https://x.id/post-sitemap2.xml"]
    assert picked[2:] == ["https://x.id/post-sitemap28.xml", "https://x.id/post-sitemap29.xml"]
