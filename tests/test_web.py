"""The web UI over a real database, served on 127.0.0.1 and read over HTTP."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.extract import content_hash
from monitor.models import Article
from monitor.store import Store
from monitor.web.app import make_web_server
from tests.servers import web_ui

EVIL = '<script>alert("x")</script> Surat Suara <b>Rusak</b>'


@pytest.fixture(scope="module")
def web(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("web") / "monitor.db"
    shutil.copy(demo_db, db)
    store = Store(db)
    text = 'Warga menemukan <img src=x onerror=alert(1)> surat suara rusak di TPS 3 & melapor ke "KPPS".'
    now = datetime(2024, 11, 27, 5, tzinfo=UTC)
    store.save_article(Article(url="https://evil.example/1", title=EVIL, text=text, published=now,
                               content_hash=content_hash(text)), "warta-etam", fetched_url="https://evil.example/1",
                       fetched_at=now)
    store.close()
    with web_ui(db) as base:
        yield base, db


def get(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def test_search_page_lists_matches_with_facets(web) -> None:
    base, _ = web
    status, body, headers = get(base + "/?q=distribusi")
    assert status == 200 and "<mark>" in body.lower()
    assert "script-src" not in headers["Content-Security-Policy"] and "default-src 'none'" in \
        headers["Content-Security-Policy"]
    for facet in ("Topik", "Sumber", "Wilayah", "Hari", "logistics", "kabar-ibu-kota"):
        assert facet in body
    _, body, _ = get(base + "/?q=yang+distribusi")
    assert "Kata umum tidak dicari: yang" in body and "<mark>" in body.lower()


def test_tag_filter_and_export(web) -> None:
    base, _ = web
    status, body, _ = get(base + "/?tag=security")
    assert status == 200
    rows = json.loads(get(base + "/export.json?tag=security")[1])
    assert rows and all("security" in r["tags"] for r in rows)
    assert f"{len(rows)} artikel" in body
    csv_status, csv_body, csv_headers = get(base + "/export.csv?q=pengamanan&tag=security")
    assert csv_status == 200 and csv_headers["Content-Type"].startswith("text/csv")
    assert csv_body.splitlines()[0].startswith("id,published,source,title,url,tags")


def test_article_page_shows_text_tags_and_link(web) -> None:
    base, db = web
    store = Store(db)
    article_id = store.search("Sukeskan Pilkada Serentak", limit=1)[0]["id"]
    store.close()
    status, body, _ = get(f"{base}/article/{article_id}")
    assert status == 200
    assert "Sukeskan Pilkada Serentak 2024, Pemprov Kaltim Ingatkan Netralitas ASN" in body
    assert "asn_neutrality" in body and "Buka di situs asli" in body and "Juga dimuat di" in body
    assert '<a href="/?region=Kalimantan%20Timur"' in body  # the places it is about, each a filter


def test_region_facet_filters_by_the_places_articles_are_about(web) -> None:
    base, db = web
    _, body, _ = get(base + "/?q=surat+suara")
    assert 'href="/?q=surat+suara&amp;region=Kalimantan+Timur">Kalimantan Timur (' in body
    store = Store(db)
    kukar = {r["id"] for r in store.search("surat suara", regions=["Kabupaten Kutai Kartanegara"], limit=100)}
    store.close()
    rows = json.loads(get(base + "/export.json?q=surat+suara&region=Kabupaten+Kutai+Kartanegara")[1])
    assert rows and {r["id"] for r in rows} == kukar
    status, body, _ = get(base + "/?region=Kukr")
    assert status == 200 and "unknown region &#39;Kukr&#39; (did you mean &#39;Kukar&#39;" in body


def test_untrusted_article_content_is_escaped(web) -> None:
    base, db = web
    status, body, _ = get(base + "/?q=rusak")
    assert status == 200
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "<img src=x" not in body and "&lt;img src=x" in body
    store = Store(db)
    evil_id = store.db.execute("SELECT id FROM articles WHERE url='https://evil.example/1'").fetchone()[0]
    store.close()
    status, page, _ = get(f"{base}/article/{evil_id}")
    assert "<script>" not in page and "&lt;script&gt;alert" in page and "<b>Rusak</b>" not in page


def test_bad_input_gives_a_page_not_a_traceback(web) -> None:
    base, _ = web
    status, body, _ = get(base + "/?q=*")
    assert status == 200 and "nothing to search for" in body
    status, body, _ = get(base + "/?since=kemarin")
    assert status == 400 and "not a date" in body
    assert get(base + "/article/999999")[0] == 404
    assert get(base + "/nope")[0] == 404


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no such database" in result.output


def test_serve_listens_on_loopback_by_default(web, tmp_path: Path) -> None:
    _, db = web
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    server = make_web_server(copy, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()
