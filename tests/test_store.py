"""The SQLite store: schema versions, deduplication rules and FTS kept in sync."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.errors import StoreError
from monitor.extract import content_hash
from monitor.models import Article
from monitor.store import SCHEMA_VERSION, Store

NOW = datetime(2024, 11, 20, 10, 0, tzinfo=UTC)
TEXT = "SAMARINDA - KPU Samarinda menerima 600 ribu surat suara.\n\nSurat suara disimpan di gudang logistik."


def make(url: str, text: str = TEXT, published: datetime = NOW, dateline: str = "SAMARINDA") -> Article:
    return Article(url=url, title="KPU Terima Surat Suara", text=text, published=published, dateline=dateline,
                   content_hash=content_hash(text, dateline))


def test_new_database_has_the_current_schema(db_path: Path) -> None:
    store = Store(db_path)
    assert store.schema_version == SCHEMA_VERSION
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    assert Store(db_path).schema_version == SCHEMA_VERSION  # reopening changes nothing


def test_database_from_a_newer_monitor_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this monitor"):
        Store(db_path)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the droids " * 100)
    with pytest.raises(StoreError, match="notes.db"):
        Store(path)


def test_outcomes_new_unchanged_duplicate_updated(db_path: Path) -> None:
    store = Store(db_path)
    assert store.save_article(make("https://a.id/1"), "a", fetched_url="https://a.id/1", fetched_at=NOW)[0] == "new"
    assert store.save_article(make("https://a.id/1"), "a", fetched_url="https://a.id/1", fetched_at=NOW)[0] == \
        "unchanged"
    copy = make("https://b.id/x", text=TEXT.replace("SAMARINDA -", "SAMARINDA, B.id –"),
                published=NOW + timedelta(hours=3))
    outcome, article_id = store.save_article(copy, "b", fetched_url="https://b.id/x?utm_source=rss", fetched_at=NOW)
    assert outcome == "duplicate" and article_id == 1
    edited = make("https://a.id/1", text=TEXT + "\n\nPembaruan: 2.000 lembar rusak.")
    assert store.save_article(edited, "a", fetched_url="https://a.id/1", fetched_at=NOW)[0] == "updated"
    store.commit()
    shown = store.article(1)
    assert shown is not None
    assert [d["url"] for d in shown["duplicates"]] == ["https://b.id/x", "https://b.id/x?utm_source=rss"]
    assert shown["versions"][0]["text"] == TEXT and "rusak" in shown["text"]
    assert store.search("rusak")[0]["id"] == 1 and store.search("600 ribu")[0]["id"] == 1
    assert store.count("articles") == 1


def test_an_older_copy_becomes_the_article(db_path: Path) -> None:
    store = Store(db_path)
    store.save_article(make("https://copy.id/x", published=NOW + timedelta(hours=3)), "copy",
                       fetched_url="https://copy.id/x", fetched_at=NOW)
    outcome, article_id = store.save_article(make("https://orig.id/read/x"), "orig",
                                             fetched_url="https://orig.id/amp/x", fetched_at=NOW)
    assert outcome == "duplicate"
    shown = store.article(article_id)
    assert shown is not None and shown["canonical_url"] == "https://orig.id/read/x" and shown["source"] == "orig"
    assert "https://copy.id/x" in [d["url"] for d in shown["duplicates"]]
    assert "https://orig.id/amp/x" in shown["aliases"]


def test_uncommitted_writes_are_lost_but_the_database_stays_consistent(db_path: Path) -> None:
    store = Store(db_path)
    store.save_article(make("https://a.id/1"), "a", fetched_url="https://a.id/1", fetched_at=NOW)
    store.commit()
    store.save_article(make("https://a.id/2", text=TEXT + " Dua."), "a", fetched_url="https://a.id/2",
                       fetched_at=NOW)
    store.db.conn.close()  # as if the process died before the batch was committed
    reopened = Store(db_path)
    assert reopened.count("articles") == 1
    assert reopened.db.execute("SELECT COUNT(*) FROM articles_fts_0_docsize").fetchone()[0] == 1


def test_a_batch_is_stored_as_one_by_one_would_store_it(tmp_path: Path) -> None:
    first = make("https://a.id/1")
    batch = [
        (make("https://a.id/2", text=TEXT + " Dua."), "a", "https://a.id/2", NOW),
        (make("https://b.id/copy"), "b", "https://b.id/copy", NOW),  # the text of a stored article
        (make("https://a.id/1", text=TEXT + " Diperbarui."), "a", "https://a.id/1?amp=1", NOW),  # an edit
        (make("https://a.id/3", text="Kotak suara rusak di Tenggarong."), "a", "https://a.id/3", NOW),
        (make("https://c.id/3", text="Kotak suara rusak di Tenggarong."), "c", "https://c.id/3", NOW),  # in-batch copy
    ]
    outcomes = []
    for name, many in (("one.db", False), ("many.db", True)):
        store = Store(tmp_path / name)
        store.save_article(first, "a", fetched_url=first.url, fetched_at=NOW)
        if many:
            outcomes.append([o for o, _ in store.save_articles(batch)])
        else:
            outcomes.append([store.save_article(a, s, fetched_url=f, fetched_at=t)[0] for a, s, f, t in batch])
        store.commit()
        assert [r["url"] for r in store.search("kotak")] == ["https://a.id/3"]
        assert store.search("diperbarui")[0]["url"] == "https://a.id/1"
        assert store.db.execute("SELECT stem FROM words WHERE word='diperbarui'").fetchone() == ("baru",)
        assert store.count("articles") == 3
        store.close()
    assert outcomes[0] == outcomes[1] == ["new", "duplicate", "updated", "new", "duplicate"]
