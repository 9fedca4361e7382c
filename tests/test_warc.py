"""Evidence: every article response kept (bodies once), exported as valid WARC/1.1, and imported back."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from monitor.cli import cli
from monitor.config import parse_config
from monitor.extract import content_hash
from monitor.fetch import FetchRecord
from monitor.models import Article
from monitor.store import Store


def articles_of(db: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return {url: (title, digest) for url, title, digest in
                conn.execute("SELECT url, title, content_hash FROM articles")}


def fields(record: ArcWarcRecord) -> list[tuple[str, str]]:
    """The ``name: value`` lines of an ``application/warc-fields`` record."""
    lines = record.content_stream().read().decode().splitlines()
    return [(name, value) for name, _, value in (line.partition(": ") for line in lines if line)]


def test_export_is_valid_warc_and_import_gives_back_the_same_articles(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    shutil.copy(demo_db, db)
    warc = tmp_path / "evidence.warc.gz"
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--config", str(tmp_path / "none.yaml"),
                                      "--warc", str(warc)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM raw_pages").fetchone()[0]
        bodies = conn.execute("SELECT COUNT(*) FROM raw_bodies").fetchone()[0]
        stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert kept >= stored and bodies <= kept
    records: dict[str, list] = {}
    responses: dict[str, str] = {}
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            assert record.rec_headers.protocol == "WARC/1.1"
            records.setdefault(record.rec_type, []).append(record)
            if record.rec_type == "response":
                body = record.content_stream().read()
                assert record.http_headers.get_statuscode() == "200"
                assert int(record.http_headers.get_header("Content-Length")) == len(body)
                assert record.http_headers.get_header("Content-Encoding") is None
                assert b"<html" in body.lower()
                responses[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_headers.get_header(
                    "WARC-Target-URI")
            elif record.rec_type == "metadata":  # warc-fields, which replay tools (pywb) do not index
                assert record.rec_headers.get_header("Content-Type") == "application/warc-fields"
                assert {"article-id", "canonical-url", "title", "content-hash"} <= {n for n, _ in fields(record)}
    assert len(records["warcinfo"]) == 1
    assert len(records["response"]) == len(records["request"]) == len(records["metadata"]) == kept
    for record in records["request"] + records["metadata"]:
        target = responses[record.rec_headers.get_header("WARC-Concurrent-To")]
        assert target == record.rec_headers.get_header("WARC-Target-URI")
    fresh = tmp_path / "fresh.db"
    imported = CliRunner().invoke(cli, ["import", "--db", str(fresh), "--config", str(tmp_path / "none.yaml"),
                                        "--warc", str(warc)])
    assert imported.exit_code == 0, imported.output
    assert articles_of(fresh) == articles_of(db)
    with sqlite3.connect(fresh) as conn:
        assert conn.execute("SELECT COUNT(*) FROM article_tags WHERE tagged=1").fetchone()[0] > 0
    logistics = tmp_path / "logistics.warc"
    CliRunner().invoke(cli, ["export", "--db", str(db), "--warc", str(logistics), "--tag", "logistics"])
    with logistics.open("rb") as stream:
        tagged = [[value for name, value in fields(r) if name == "tag"] for r in ArchiveIterator(stream)
                  if r.rec_type == "metadata"]
    assert tagged and all("logistics" in tags for tags in tagged) and len(tagged) < kept


def test_bodies_are_kept_once_and_retention_spares_tagged_articles_and_trims_the_log(db_path: Path) -> None:
    store = Store(db_path)
    old = datetime.now(UTC) - timedelta(days=100)
    body = b"<html><body><p>Surat suara tiba.</p></body></html>"
    ids = []
    for i in range(2):
        text = f"Surat suara tiba di gudang nomor {i}."
        article = Article(url=f"https://a.id/{i}", title=f"Surat suara {i}", text=text, content_hash=content_hash(text))
        ids.append(store.save_article(article, "a", fetched_url=article.url, fetched_at=old)[1])
        store.save_raw(ids[-1], article.url, 200, {"content-type": "text/html"}, body, old)
        store.save_raw(ids[-1], article.url, 200, {"content-type": "text/html"}, body, old)  # fetched again
    store.save_tagging(ids[0], ["logistics"], {"logistics": 0.9}, {}, "test")
    log = store.fetch_logger(run_id=1)
    for when in (old, datetime.now(UTC)):
        log(FetchRecord("https://a.id/rss", "a", "feed", 200, 100, 0.1, None, when))
    store.commit()
    assert store.count("raw_pages") == 2 and store.count("raw_bodies") == 1
    assert [r["body"] for r in store.raw_pages()] == [body, body]
    config = parse_config("settings: {retention: 90d}\nsources:\n"
                          "  - {name: a, homepage: 'https://a.id/', feeds: ['https://a.id/rss']}\n")
    assert config.settings.retention == 90 * 86400
    assert store.prune(config.settings.retention / 86400) == 1
    assert [r["article_id"] for r in store.raw_pages()] == [ids[0]]
    assert store.count("raw_bodies") == 1
    assert store.count("fetches") == 1  # the request log keeps only what is younger than the retention


def test_a_file_that_is_not_a_warc_is_a_one_line_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.warc"
    bogus.write_bytes(b"this is not a WARC file\n" * 10)
    result = CliRunner().invoke(cli, ["import", "--db", str(tmp_path / "x.db"), "--warc", str(bogus), "--no-tag"])
    assert result.exit_code == 1
    assert "not a readable WARC file" in result.output and len(result.output.strip().splitlines()) == 1
