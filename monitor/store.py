"""The SQLite store (sqlite-utils, WAL): the only module that writes SQL.

Tables: ``sources``, ``articles`` (one row per canonical URL), ``urls`` (every URL that leads to an
article: fetched, AMP, syndicated duplicates), ``article_versions`` (earlier texts of edited articles),
``rejects`` (pages that are not articles), ``fetches`` (every request), ``crawl_runs``, ``http_cache``
(validators for conditional GET), ``article_tags`` and ``labels`` (the model's verdicts and people's
corrections). Full-text search: contentless FTS5 indexes of SHARD articles each (``articles_fts_N``),
written here with every article, and ``words``, the lexicon of indexed words with their stems.
Writes go into one open transaction that the crawler commits in batches, so a killed crawl loses
at most the last batch and leaves the database consistent.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from .dates import to_utc_iso
from .diffs import word_diff
from .errors import StoreError
from .fetch import CacheEntry, FetchRecord
from .models import Article, Source
from .regions import ancestors, gazetteer, places
from .search import Query, forms_of, highlight, parse_query, stems, to_fts, vocabulary, wanted_pattern

SCHEMA_VERSION = 9
# Full-text search in a large archive. bm25 reads every match of each query word in the index it ranks in
# (to weigh rare words above common ones), which takes seconds for a very common word in a million articles;
# so the index is split into shards of SHARD consecutive articles, searched newest first, and a query is
# ranked among its newest WINDOW matches (all of them when fewer; more while filters leave too few).
SHARD = 50_000
WINDOW = 1_000
FACET_WINDOW = 5_000  # facets count the newest matches up to this many
_SHARD_NAME = re.compile(r"articles_fts_(\d+)")
# A topic applies when a person added it, or the model gave it and nobody removed it.
EFFECTIVE = "(CASE t.label WHEN 'add' THEN 1 WHEN 'remove' THEN 0 ELSE t.tagged END)"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _migrate_1(db: sqlite_utils.Database) -> None:
    db.table("sources").create({
        "name": str, "homepage": str, "region": str, "language": str, "config": str,
        "added": str, "last_crawl": str, "last_success": str, "last_error": str, "last_error_at": str,
        "failing_since": str, "failure_streak": int,
    }, pk="name")
    db.table("articles").create({
        "id": int, "url": str, "source": str, "title": str, "author": str, "published": str,
        "published_from": str, "updated": str, "dateline": str, "description": str, "image": str,
        "language": str, "sitename": str, "categories": str, "tags": str, "text": str, "content_hash": str,
        "pages": str, "fetched_url": str, "first_seen": str, "fetched_at": str, "changed_at": str, "version": int,
        "listed_modified": str,
    }, pk="id", not_null={"url", "source", "title", "text", "content_hash"})
    db.table("articles").create_index(["url"], unique=True)
    db.table("articles").create_index(["content_hash"])
    db.table("articles").create_index(["source", "published"])
    db.table("articles").create_index(["published"])
    db.table("urls").create({"url": str, "article_id": int, "source": str, "kind": str, "first_seen": str}, pk="url",
                      foreign_keys=[("article_id", "articles", "id")])
    db.table("urls").create_index(["article_id"])
    db.table("article_versions").create({
        "id": int, "article_id": int, "version": int, "title": str, "text": str, "content_hash": str,
        "published": str, "fetched_at": str, "replaced_at": str,
    }, pk="id", foreign_keys=[("article_id", "articles", "id")])
    db.table("article_versions").create_index(["article_id"])
    db.table("rejects").create({"url": str, "source": str, "reason": str, "permanent": int, "attempts": int,
                          "first_seen": str, "last_seen": str}, pk="url")
    db.table("fetches").create({"id": int, "run_id": int, "url": str, "source": str, "kind": str, "status": int,
                          "bytes": int, "elapsed": float, "error": str, "fetched_at": str}, pk="id")
    db.table("fetches").create_index(["run_id"])
    db.table("crawl_runs").create({"id": int, "started": str, "finished": str, "status": str, "config": str,
                             "counts": str}, pk="id")
    db.table("http_cache").create({"url": str, "etag": str, "last_modified": str, "body": bytes, "fetched_at": str},
                            pk="url")
    db.table("articles").enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")


def _migrate_2(db: sqlite_utils.Database) -> None:
    """Topic tags (the model's scores, all topics) and people's corrections, kept apart."""
    db.table("article_tags").create({
        "article_id": int, "topic": str, "score": float, "tagged": int, "model_version": str, "why": str,
        "tagged_at": str, "label": str,
    }, pk=("article_id", "topic"), foreign_keys=[("article_id", "articles", "id")])
    db.table("article_tags").create_index(["topic", "tagged"])
    db.table("labels").create({"id": int, "article_id": int, "topic": str, "action": str, "created_at": str},
                              pk="id", foreign_keys=[("article_id", "articles", "id")])
    db.table("labels").create_index(["article_id"])


def _migrate_3(db: sqlite_utils.Database) -> None:
    """Titles weigh ten times the body in the ranking."""
    db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES('rank', 'bm25(10.0, 1.0)')")


def _migrate_4(db: sqlite_utils.Database) -> None:
    """Sharded contentless full-text indexes (see SHARD) and a lexicon of indexed words with their stems
    replace the single index and the expanded index of schema 3: bounded ranking cost, half the size."""
    for name in ("articles_ai", "articles_ad", "articles_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute("DROP TABLE IF EXISTS articles_stem")
    db.execute("DROP TABLE IF EXISTS articles_fts")
    db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, stem TEXT NOT NULL) WITHOUT ROWID")
    db.execute("CREATE INDEX words_stem ON words(stem)")
    shards: set[str] = set()
    found: set[str] = set()
    for article_id, title, text in db.execute("SELECT id, title, text FROM articles"):
        _index(db.conn, article_id, title, text, shards=shards)
        found.update(title.split(), text.split())
    _add_words(db.conn, vocabulary(" ".join(found)))


def _shard(conn: sqlite3.Connection, article_id: int, known: set[str]) -> str:
    """The full-text index holding an article, created when its first article comes."""
    name = f"articles_fts_{(article_id - 1) // SHARD}"
    if name not in known:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (name,)).fetchone() is None:
            conn.execute(f"CREATE VIRTUAL TABLE {name} USING fts5(title, text, content='',"
                         " tokenize='unicode61 remove_diacritics 2')")
            conn.execute(f"INSERT INTO {name} ({name}, rank) VALUES ('rank', 'bm25(10.0, 1.0)')")  # titles 10×
            # fewer, larger segments while loading: a quarter less indexing time
            conn.execute(f"INSERT INTO {name} ({name}, rank) VALUES ('hashsize', {8 << 20})")
        known.add(name)
    return name


def _index(conn: sqlite3.Connection, article_id: int, title: str, text: str,
           old: tuple[str, str] | None = None, shards: set[str] | None = None) -> None:
    """Index an article's title and text; ``old`` is what was indexed before (contentless indexes forget)."""
    name = _shard(conn, article_id, set() if shards is None else shards)
    if old is not None:
        conn.execute(f"INSERT INTO {name} ({name}, rowid, title, text) VALUES ('delete', ?, ?, ?)", (article_id, *old))
    conn.execute(f"INSERT INTO {name} (rowid, title, text) VALUES (?, ?, ?)", (article_id, title, text))


def _migrate_5(db: sqlite_utils.Database) -> None:
    """Digests sent, one row per (day, recipient): a digest goes out once unless forced."""
    db.table("digests").create({"day": str, "recipient": str, "message_id": str, "subject": str, "sent_at": str},
                               pk=("day", "recipient"))
    db.table("articles").create_index(["first_seen"])


def _migrate_6(db: sqlite_utils.Database) -> None:
    """Raw pages as evidence: every fetched article response (status, headers, time) with its body,
    compressed and stored once however many times it was fetched."""
    db.execute("CREATE TABLE raw_bodies (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, body BLOB NOT NULL)"
               " WITHOUT ROWID")
    db.table("raw_pages").create({"id": int, "article_id": int, "url": str, "status": int, "headers": str,
                                  "sha256": str, "fetched_at": str, "version": int}, pk="id",
                                 foreign_keys=[("article_id", "articles", "id")])
    db.table("raw_pages").create_index(["article_id"])
    db.table("raw_pages").create_index(["sha256"])


def _migrate_7(db: sqlite_utils.Database) -> None:
    """Articles the outlet took down: when it was noticed and how (they are never deleted here)."""
    db.execute("ALTER TABLE articles ADD COLUMN removed_at TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN removed_reason TEXT")


def _migrate_8(db: sqlite_utils.Database) -> None:
    """The places each article is about, with weights (see regions.py); regions by number, so that an
    article's places take a few bytes each."""
    db.execute("CREATE TABLE regions (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
               " label TEXT NOT NULL, level TEXT NOT NULL)")
    db.execute("CREATE TABLE article_regions (article_id INTEGER NOT NULL, region_id INTEGER NOT NULL,"
               " weight REAL NOT NULL, PRIMARY KEY (article_id, region_id)) WITHOUT ROWID")
    db.execute("CREATE INDEX article_regions_region ON article_regions(region_id, article_id)")
    ids = _region_ids(db.conn)
    for article_id, title, text in db.execute("SELECT id, title, text FROM articles").fetchall():
        _place(db.conn, ids, article_id, places(title, text))


def _migrate_9(db: sqlite_utils.Database) -> None:
    """The request log is pruned by age (``settings.retention``)."""
    db.execute("CREATE INDEX IF NOT EXISTS fetches_fetched_at ON fetches(fetched_at)")


def _region_ids(conn: sqlite3.Connection) -> dict[str, int]:
    """Region key → number, adding the gazetteer's regions the table does not have yet."""
    conn.executemany("INSERT OR IGNORE INTO regions (key, name, label, level) VALUES (?, ?, ?, ?)",
                     [(r.key, r.name, r.label, r.level) for r in gazetteer().regions.values()])
    return dict(conn.execute("SELECT key, id FROM regions").fetchall())


def _place(conn: sqlite3.Connection, ids: dict[str, int], article_id: int, found: Sequence[tuple[str, float]]) -> None:
    """Record the regions an article is about (replacing what an earlier text gave)."""
    conn.execute("DELETE FROM article_regions WHERE article_id=?", (article_id,))
    conn.executemany(_INSERT_REGION, _region_rows(ids, article_id, found))


def _region_rows(ids: dict[str, int], article_id: int,
                 found: Sequence[tuple[str, float]]) -> list[tuple[int, int, float]]:
    return [(article_id, ids[key], weight) for key, weight in found if key in ids]


def _places_of(article: Article) -> Sequence[tuple[str, float]]:
    """An article's places as the extraction workers found them, or found now."""
    return article.regions if article.regions is not None else places(article.title, article.text)


_INSERT_REGION = "INSERT INTO article_regions (article_id, region_id, weight) VALUES (?, ?, ?)"


_INSERT_ARTICLE = (
    "INSERT INTO articles (id, url, source, title, author, published, published_from, updated, dateline, description,"
    " image, language, sitename, categories, tags, text, content_hash, pages, fetched_url, first_seen, fetched_at,"
    " changed_at, version, listed_modified)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)")


def _any_topic(article_id: str, tags: Sequence[str]) -> tuple[list[str], list[Any]]:
    """SQL conditions (and their parameters) for "the article in column ``article_id`` has one of ``tags``"."""
    if not tags:
        return [], []
    return ([f"EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id={article_id} AND {EFFECTIVE}=1"
             f" AND t.topic IN ({', '.join('?' * len(tags))}))"], list(tags))


def _add_words(conn: sqlite3.Connection, new: set[str]) -> None:
    ordered = sorted(new)
    conn.executemany("INSERT OR IGNORE INTO words (word, stem) VALUES (?, ?)",
                     zip(ordered, stems(ordered), strict=True))


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migrate_1, _migrate_2, _migrate_3, _migrate_4,
                                                                  _migrate_5, _migrate_6, _migrate_7,
                                                                  _migrate_8, _migrate_9]


class Store:
    """One SQLite database; ``Store(path)`` opens it and upgrades its schema if needed."""

    def __init__(self, path: str | Path, *, display_zone: str = "Asia/Makassar") -> None:
        self.path = str(path)
        self.zone = ZoneInfo(display_zone)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level="DEFERRED")
            self.db = sqlite_utils.Database(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-32000")  # 32 MB: index pages stay in memory while loading
            conn.execute("PRAGMA foreign_keys=ON")
            self._upgrade()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot open database: {e}") from None
        self._fetch_rows: list[tuple[Any, ...]] = []
        self._new_words: set[str] = set()  # the batch's words as written: the lexicon gets them at commit
        self._known_words: set[str] = set()
        self._shard_names: set[str] = set()

    @cached_property
    def _regions(self) -> dict[str, int]:
        """Region key → number in ``regions``, for writing an article's places."""
        return _region_ids(self.db.conn)

    # -- schema -----------------------------------------------------------------------------------
    def _upgrade(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version} is newer than this monitor ({SCHEMA_VERSION});"
                             " upgrade the monitor")
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self.db.conn:
                MIGRATIONS[number - 1](self.db)
                self.db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.commit()
        self.db.conn.close()

    def commit(self) -> None:
        """Write the batch: pending fetch-log rows and the open transaction."""
        try:
            if self._fetch_rows:
                self.db.conn.executemany(
                    "INSERT INTO fetches (run_id, url, source, kind, status, bytes, elapsed, error, fetched_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._fetch_rows)
                self._fetch_rows = []
            if self._new_words:
                self._flush_words()
            self.db.conn.commit()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: write failed: {e}") from None

    def _flush_words(self) -> None:
        """Add the batch's words that the lexicon may not have yet (this store remembers what it added)."""
        new = vocabulary(" ".join(self._new_words)) - self._known_words
        self._new_words = set()
        if len(self._known_words) > 500_000:  # a cache, not the lexicon: keep memory bounded
            self._known_words = set()
        _add_words(self.db.conn, new)
        self._known_words |= new

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self.db.conn
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: write failed: {e}") from None

    # -- sources and runs -----------------------------------------------------------------------
    def sync_sources(self, sources: tuple[Source, ...]) -> None:
        """Record the configured sources (new ones added, settings refreshed)."""
        now = _now()
        with self._write() as conn:
            for s in sources:
                conn.execute(
                    "INSERT INTO sources (name, homepage, region, language, config, added, failure_streak)"
                    " VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT(name) DO UPDATE SET homepage=excluded.homepage,"
                    " region=excluded.region, language=excluded.language, config=excluded.config",
                    (s.name, s.homepage, s.region, s.language, json.dumps(asdict(s), default=str), now))

    def start_run(self, config_path: str) -> int:
        with self._write() as conn:
            cursor = conn.execute("INSERT INTO crawl_runs (started, status, config) VALUES (?, 'running', ?)",
                                  (_now(), config_path))
        self.commit()
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, counts: dict[str, dict[str, Any]], status: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE crawl_runs SET finished=?, status=?, counts=? WHERE id=?",
                         (_now(), status, json.dumps(counts, ensure_ascii=False), run_id))
        self.commit()

    def record_source_result(self, name: str, ok: bool, error: str | None) -> None:
        now = _now()
        with self._write() as conn:
            if ok:
                conn.execute("UPDATE sources SET last_crawl=?, last_success=?, failure_streak=0, failing_since=NULL"
                             " WHERE name=?", (now, now, name))
            else:
                conn.execute("UPDATE sources SET last_crawl=?, last_error=?, last_error_at=?,"
                             " failure_streak=COALESCE(failure_streak, 0)+1,"
                             " failing_since=COALESCE(failing_since, ?) WHERE name=?",
                             (now, error, now, now, name))

    def source_rows(self) -> list[dict[str, Any]]:
        """Sources with their last crawl result and article counts."""
        return [dict(row) for row in self.db.query(
            "SELECT s.name, s.homepage, s.region, s.last_crawl, s.last_success, s.last_error, s.last_error_at,"
            " s.failing_since, s.failure_streak, (SELECT COUNT(*) FROM articles a WHERE a.source=s.name) AS articles"
            " FROM sources s ORDER BY s.name")]

    def status(self, now: datetime | None = None) -> dict[str, Any]:
        """Health at a glance: per source the last success and error, failure streak and since when, articles
        stored in the last 24 hours and 7 days; totals, the last crawl run and the database size."""
        now = now or datetime.now(UTC)
        day, week = (now - timedelta(days=1)).isoformat(), (now - timedelta(days=7)).isoformat()
        sources = [dict(row) for row in self.db.query(
            "SELECT s.name, s.region, s.last_crawl, s.last_success, s.last_error, s.last_error_at, s.failing_since,"
            " COALESCE(s.failure_streak, 0) AS failure_streak,"
            " (SELECT COUNT(*) FROM articles a WHERE a.source=s.name AND a.first_seen >= :day) AS articles_24h,"
            " (SELECT COUNT(*) FROM articles a WHERE a.source=s.name AND a.first_seen >= :week) AS articles_7d"
            " FROM sources s ORDER BY s.name", {"day": day, "week": week})]
        for row in sources:
            for key in ("last_crawl", "last_success", "last_error_at", "failing_since"):
                row[key] = self._local(row[key])
        run = self.db.execute("SELECT started, finished, status FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        size = sum(Path(f"{self.path}{suffix}").stat().st_size for suffix in ("", "-wal")
                   if self.path != ":memory:" and Path(f"{self.path}{suffix}").exists())
        return {
            "sources": sources,
            "articles": self.count("articles"),
            "articles_24h": sum(r["articles_24h"] for r in sources),
            "articles_7d": sum(r["articles_7d"] for r in sources),
            "last_run": None if run is None else {"started": self._local(run[0]), "finished": self._local(run[1]),
                                                  "status": run[2]},
            "database_bytes": size,
        }

    # -- fetch log and HTTP cache ---------------------------------------------------------------
    def fetch_logger(self, run_id: int) -> Callable[[FetchRecord], None]:
        def log(record: FetchRecord) -> None:
            self._fetch_rows.append((run_id, record.url, record.source, record.kind, record.status, record.bytes,
                                     record.elapsed, record.error, record.fetched_at.isoformat()))
        return log

    def get_cached(self, url: str) -> CacheEntry | None:
        row = self.db.execute("SELECT etag, last_modified, body, fetched_at FROM http_cache WHERE url=?",
                              (url,)).fetchone()
        if row is None:
            return None
        return CacheEntry(row[0], row[1], row[2], datetime.fromisoformat(row[3]))

    def put_cached(self, url: str, entry: CacheEntry) -> None:
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO http_cache (url, etag, last_modified, body, fetched_at)"
                         " VALUES (?, ?, ?, ?, ?)", (url, entry.etag, entry.last_modified, entry.body,
                                                     entry.fetched_at.isoformat()))

    # -- articles --------------------------------------------------------------------------------
    def known_urls(self) -> dict[str, str | None]:
        """URLs already stored or rejected for good, with the modification time their feed or sitemap gave
        when they were fetched (None if it gave none, and for rejects)."""
        known: dict[str, str | None] = {}
        for url, modified in self.db.execute(
                "SELECT u.url, a.listed_modified FROM urls u JOIN articles a ON a.id=u.article_id"):
            known[url] = modified
        # A page that failed for a passing reason (timeout, 5xx) is tried again while the outlet lists it,
        # up to five crawls spread over at least two days.
        cutoff = (datetime.now(UTC) - timedelta(days=2)).isoformat()
        for (url,) in self.db.execute("SELECT url FROM rejects WHERE permanent=1 OR (attempts>=5 AND first_seen<?)",
                                      (cutoff,)):
            known.setdefault(url, None)
        return known

    def record_reject(self, url: str, source: str, reason: str, *, permanent: bool) -> None:
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO rejects (url, source, reason, permanent, attempts, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT(url) DO UPDATE SET reason=excluded.reason,"
                " permanent=excluded.permanent, attempts=attempts+1, last_seen=excluded.last_seen",
                (url, source, reason, int(permanent), now, now))

    def save_article(self, article: Article, source: str, *, fetched_url: str, fetched_at: datetime,
                     listed_modified: datetime | None = None) -> tuple[str, int]:
        """Store an extracted article; returns (outcome, article id), outcome one of
        ``new``, ``updated`` (text changed; the old text becomes a version), ``unchanged``, ``duplicate``.
        ``listed_modified`` is the modification time the feed or sitemap gave, to notice later edits."""
        fetched = fetched_at.astimezone(UTC).isoformat()
        listed = to_utc_iso(listed_modified)
        with self._write() as conn:
            row = conn.execute("SELECT id, content_hash, title, text, published, fetched_at, version FROM articles"
                               " WHERE url=?", (article.url,)).fetchone()
            if row is None:
                alias = conn.execute("SELECT article_id FROM urls WHERE url IN (?, ?)",
                                     (article.url, fetched_url)).fetchone()
                if alias is not None:
                    row = conn.execute("SELECT id, content_hash, title, text, published, fetched_at, version"
                                       " FROM articles WHERE id=?", (alias[0],)).fetchone()
            if row is not None:
                article_id, old_hash, old_title, old_text, old_published, old_fetched, version = row
                known = conn.execute("SELECT 1 FROM urls WHERE url=?", (fetched_url,)).fetchone() is not None
                self._add_urls(conn, article_id, source, [(article.url, "canonical"), (fetched_url, "fetched")])
                if old_hash == article.content_hash:
                    conn.execute("UPDATE articles SET fetched_at=?, listed_modified=COALESCE(?, listed_modified)"
                                 " WHERE id=?", (fetched, listed, article_id))
                    # A new URL for the same text (an AMP copy, a redirect) is a duplicate, not a re-fetch.
                    return ("unchanged" if known else "duplicate"), article_id
                conn.execute(
                    "INSERT INTO article_versions (article_id, version, title, text, content_hash, published,"
                    " fetched_at, replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (article_id, version or 1, old_title, old_text, old_hash, old_published, old_fetched, fetched))
                conn.execute(
                    "UPDATE articles SET title=?, author=?, published=COALESCE(?, published), published_from=?,"
                    " updated=?, dateline=?, description=?, image=?, text=?, content_hash=?, pages=?, fetched_url=?,"
                    " fetched_at=?, changed_at=?, version=?, listed_modified=COALESCE(?, listed_modified) WHERE id=?",
                    (article.title, article.author, to_utc_iso(article.published), article.published_from,
                     to_utc_iso(article.updated), article.dateline, article.description, article.image,
                     article.text, article.content_hash, json.dumps(list(article.pages)), fetched_url, fetched,
                     fetched, (version or 1) + 1, listed, article_id))
                self._index(conn, article_id, article, old=(old_title, old_text))
                return "updated", article_id
            twin = conn.execute("SELECT id, published FROM articles WHERE content_hash=? ORDER BY id LIMIT 1",
                                (article.content_hash,)).fetchone()
            if twin is not None:
                twin_id, twin_published = twin
                published = to_utc_iso(article.published)
                if published and twin_published and published < twin_published:
                    # This copy came out first: it becomes the article, the stored one its duplicate.
                    conn.execute("UPDATE urls SET kind='duplicate' WHERE article_id=?", (twin_id,))
                    old = conn.execute("SELECT title, text FROM articles WHERE id=?", (twin_id,)).fetchone()
                    conn.execute(
                        "UPDATE articles SET url=?, source=?, title=?, author=?, published=?, published_from=?,"
                        " updated=?, dateline=?, description=?, image=?, language=?, sitename=?, categories=?,"
                        " tags=?, text=?, pages=?, fetched_url=?, fetched_at=? WHERE id=?",
                        (*self._columns(article, source, fetched_url)[:15], json.dumps(list(article.pages)),
                         fetched_url, fetched, twin_id))
                    conn.execute("DELETE FROM urls WHERE url IN (?, ?)", (article.url, fetched_url))
                    self._index(conn, twin_id, article, old=old)
                    self._add_urls(conn, twin_id, source, [(article.url, "canonical"), (fetched_url, "fetched")])
                else:
                    self._add_urls(conn, twin_id, source, [(article.url, "duplicate"), (fetched_url, "duplicate")])
                return "duplicate", int(twin_id)
            cursor = conn.execute(_INSERT_ARTICLE, (None, *self._row(article, source, fetched_url, fetched, listed)))
            article_id = int(cursor.lastrowid or 0)
            self._add_urls(conn, article_id, source, [(article.url, "canonical"), (fetched_url, "fetched")])
            self._index(conn, article_id, article)
            return "new", article_id

    def save_articles(self, items: Sequence[tuple[Article, str, str, datetime]]) -> list[tuple[str, int]]:
        """Store many articles at once — (article, source, fetched URL, fetched at) each — as an import does:
        the new ones in a few statements, any whose URL or text is already known through ``save_article``.
        Returns (outcome, id) in the order given."""
        def chunks(values: list[str]) -> Iterator[list[str]]:
            for i in range(0, len(values), 500):
                yield values[i:i + 500]

        urls = [u for article, _, fetched_url, _ in items for u in (article.url, fetched_url)]
        hashes = [article.content_hash for article, _, _, _ in items]
        with self._write() as conn:
            known = {u for part in chunks(urls) for (u,) in conn.execute(
                f"SELECT url FROM urls WHERE url IN ({', '.join('?' * len(part))})", part)}
            known |= {h for part in chunks(hashes) for (h,) in conn.execute(
                f"SELECT content_hash FROM articles WHERE content_hash IN ({', '.join('?' * len(part))})", part)}
            next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM articles").fetchone()[0]
            results: list[tuple[str, int] | None] = []
            rows, url_rows, later = [], [], []
            now = _now()
            places: list[tuple[int, int, float]] = []
            for position, (article, source, fetched_url, fetched_at) in enumerate(items):
                keys = {article.url, fetched_url, article.content_hash}
                if keys & known:  # known, or a copy of an earlier item: the careful path, after the others
                    later.append(position)
                    results.append(None)
                    continue
                known |= keys
                fetched = fetched_at.astimezone(UTC).isoformat()
                rows.append((next_id, *self._row(article, source, fetched_url, fetched, None)))
                places += _region_rows(self._regions, next_id, _places_of(article))
                url_rows += [(article.url, next_id, source, "canonical", now)]
                if fetched_url != article.url:
                    url_rows.append((fetched_url, next_id, source, "fetched", now))
                results.append(("new", next_id))
                next_id += 1
            conn.executemany(_INSERT_ARTICLE, rows)
            conn.executemany("INSERT INTO urls (url, article_id, source, kind, first_seen) VALUES (?, ?, ?, ?, ?)",
                             url_rows)
            shards: dict[str, list[tuple[int, str, str]]] = {}
            for row in rows:
                shards.setdefault(_shard(conn, row[0], self._shard_names), []).append((row[0], row[3], row[15]))
                self._new_words.update(row[3].split(), row[15].split())
            for name, entries in shards.items():
                conn.executemany(f"INSERT INTO {name} (rowid, title, text) VALUES (?, ?, ?)", entries)
            conn.executemany(_INSERT_REGION, places)
        for position in later:
            article, source, fetched_url, fetched_at = items[position]
            results[position] = self.save_article(article, source, fetched_url=fetched_url, fetched_at=fetched_at)
        return [r for r in results if r is not None]

    @classmethod
    def _row(cls, article: Article, source: str, fetched_url: str, fetched: str,
             listed: str | None) -> tuple[Any, ...]:
        """The values of a new ``articles`` row after its id, in ``_INSERT_ARTICLE`` order."""
        return (*cls._columns(article, source, fetched_url), json.dumps(list(article.pages)), fetched_url, fetched,
                fetched, fetched, listed)

    @staticmethod
    def _columns(article: Article, source: str, fetched_url: str) -> tuple[Any, ...]:
        """url … text, content_hash in the column order of ``articles``."""
        return (article.url, source, article.title, article.author, to_utc_iso(article.published),
                article.published_from, to_utc_iso(article.updated), article.dateline, article.description,
                article.image, article.language, article.sitename, json.dumps(list(article.categories)),
                json.dumps(list(article.tags)), article.text, article.content_hash)

    def _index(self, conn: sqlite3.Connection, article_id: int, article: Article,
               old: tuple[str, str] | None = None) -> None:
        """Full-text index the article; its words go to the lexicon with the batch."""
        _index(conn, article_id, article.title, article.text, old, self._shard_names)
        self._new_words.update(article.title.split(), article.text.split())
        _place(conn, self._regions, article_id, _places_of(article))

    @staticmethod
    def _add_urls(conn: sqlite3.Connection, article_id: int, source: str, urls: list[tuple[str, str]]) -> None:
        now = _now()
        seen = set()
        for url, kind in urls:
            if url not in seen:
                seen.add(url)
                conn.execute("INSERT OR IGNORE INTO urls (url, article_id, source, kind, first_seen)"
                             " VALUES (?, ?, ?, ?, ?)", (url, article_id, source, kind, now))

    # -- rechecks ------------------------------------------------------------------------------
    def articles_to_recheck(self, *, tags: Sequence[str] = (), since: datetime | None = None
                            ) -> list[tuple[int, str, str]]:
        """(id, URL to fetch, source) of stored articles with one of ``tags``, published (or first seen) since
        ``since``; removed ones too, to notice when they come back."""
        where, params = _any_topic("a.id", tags)
        if since:
            where.append("COALESCE(a.published, a.first_seen) >= ?")
            params.append(to_utc_iso(since))
        condition = " AND ".join(where) or "1=1"
        return [(int(i), u, s) for i, u, s in self.db.execute(
            f"SELECT a.id, COALESCE(a.fetched_url, a.url), a.source FROM articles a WHERE {condition} ORDER BY a.id",
            params)]

    def article_url(self, article_id: int) -> str:
        return str(self.db.execute("SELECT url FROM articles WHERE id=?", (article_id,)).fetchone()[0])

    def mark_removed(self, article_id: int, reason: str) -> None:
        """The outlet no longer shows the article: keep it, note since when and why."""
        with self._write() as conn:
            conn.execute("UPDATE articles SET removed_at=COALESCE(removed_at, ?), removed_reason=? WHERE id=?",
                         (_now(), reason, article_id))

    def mark_present(self, article_id: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE articles SET removed_at=NULL, removed_reason=NULL WHERE id=? AND removed_at"
                         " IS NOT NULL", (article_id,))

    # -- raw pages (evidence) ------------------------------------------------------------------
    def save_raw(self, article_id: int, url: str, status: int, headers: dict[str, str], body: bytes,
                 fetched_at: datetime) -> None:
        """Keep a fetched response of an article as evidence; a body is stored once (zlib), and a fetch that
        brought the same body from the same URL as the article's last kept one adds nothing."""
        digest = hashlib.sha256(body).hexdigest()
        with self._write() as conn:
            last = conn.execute("SELECT sha256, url FROM raw_pages WHERE article_id=? ORDER BY id DESC LIMIT 1",
                                (article_id,)).fetchone()
            if last == (digest, url):
                return
            if conn.execute("SELECT 1 FROM raw_bodies WHERE sha256=?", (digest,)).fetchone() is None:
                conn.execute("INSERT INTO raw_bodies (sha256, size, body) VALUES (?, ?, ?)",
                             (digest, len(body), zlib.compress(body, 1)))  # level 1: 4× smaller, 2.4× faster than 6
            conn.execute("INSERT INTO raw_pages (article_id, url, status, headers, sha256, fetched_at, version)"
                         " SELECT ?, ?, ?, ?, ?, ?, version FROM articles WHERE id=?",
                         (article_id, url, status, json.dumps(headers), digest,
                          fetched_at.astimezone(UTC).isoformat(), article_id))

    def raw_pages(self, *, tags: Sequence[str] = (), since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Kept responses, oldest first, with their article's id, title, tags and content hash; ``tags``:
        only articles with one of these topics; ``since``: fetched then or later."""
        where, params = _any_topic("r.article_id", tags)
        if since:
            where.append("r.fetched_at >= ?")
            params.append(to_utc_iso(since))
        rows = self.db.execute(
            "SELECT r.id, r.article_id, r.url, r.status, r.headers, r.sha256, r.fetched_at, r.version, a.url, a.title,"
            f" a.content_hash, b.body FROM raw_pages r JOIN articles a ON a.id=r.article_id JOIN raw_bodies b"
            f" ON b.sha256=r.sha256 WHERE {' AND '.join(where) or '1=1'} ORDER BY r.id", params)
        for (raw_id, article_id, url, status, headers, digest, fetched_at, version, canonical, title, text_hash,
             body) in rows:
            yield dict(id=raw_id, article_id=article_id, url=url, status=status, headers=json.loads(headers),
                       sha256=digest, fetched_at=datetime.fromisoformat(fetched_at), version=version,
                       canonical_url=canonical, title=title, content_hash=text_hash, tags=self.tags_of(article_id)[0],
                       body=zlib.decompress(body))

    def prune(self, days: float, now: datetime | None = None) -> int:
        """Drop kept responses older than ``days`` of articles that have no topic (tagged ones stay), the
        bodies nothing refers to any more, and request-log rows older than ``days``; returns how many
        responses went."""
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat()
        with self._write() as conn:
            gone = conn.execute(
                f"DELETE FROM raw_pages WHERE fetched_at < ? AND NOT EXISTS (SELECT 1 FROM article_tags t"
                f" WHERE t.article_id=raw_pages.article_id AND {EFFECTIVE}=1)", (cutoff,)).rowcount
            conn.execute("DELETE FROM raw_bodies WHERE sha256 NOT IN (SELECT sha256 FROM raw_pages)")
            conn.execute("DELETE FROM fetches WHERE fetched_at < ?", (cutoff,))
        self.commit()
        return int(gone)

    # -- tags and corrections --------------------------------------------------------------------
    def save_tagging(self, article_id: int, tags: Sequence[str], scores: dict[str, float],
                     why: dict[str, list[str]], model_version: str) -> None:
        """The model's verdict on one article (every topic's score); corrections are kept apart."""
        self.save_taggings([(article_id, tags, scores, why)], model_version)

    def place(self, articles: Sequence[tuple[int, str, str]]) -> None:
        """Find the places of stored articles — (id, title, text) each — again, as the gazetteer has them now."""
        with self._write() as conn:
            for article_id, title, text in articles:
                _place(conn, self._regions, article_id, places(title, text))

    def save_taggings(self, verdicts: Sequence[tuple[int, Sequence[str], dict[str, float], dict[str, list[str]]]],
                      model_version: str) -> None:
        """Many verdicts in one statement: (article id, tags, scores, why) each."""
        now = _now()
        rows = [(article_id, topic, score, int(topic in tags), model_version,
                 json.dumps(why.get(topic, []), ensure_ascii=False) if topic in tags else "[]", now)
                for article_id, tags, scores, why in verdicts for topic, score in scores.items()]
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO article_tags (article_id, topic, score, tagged, model_version, why, tagged_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(article_id, topic) DO UPDATE SET score=excluded.score,"
                " tagged=excluded.tagged, model_version=excluded.model_version, why=excluded.why,"
                " tagged_at=excluded.tagged_at", rows)

    def add_label(self, article_id: int, topic: str, *, present: bool) -> None:
        """Record a person's correction: ``topic`` is (or is not) about this article."""
        if self.db.execute("SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone() is None:
            raise StoreError(f"{self.path}: no article with id {article_id}")
        action = "add" if present else "remove"
        with self._write() as conn:
            conn.execute("INSERT INTO labels (article_id, topic, action, created_at) VALUES (?, ?, ?, ?)",
                         (article_id, topic, action, _now()))
            conn.execute("INSERT INTO article_tags (article_id, topic, tagged, label) VALUES (?, ?, 0, ?)"
                         " ON CONFLICT(article_id, topic) DO UPDATE SET label=excluded.label",
                         (article_id, topic, action))
        self.commit()

    def tags_of(self, article_id: int) -> tuple[list[str], dict[str, float], dict[str, list[str]], dict[str, str]]:
        """(tags, scores, why, corrections) of an article: the model's tags with people's corrections applied."""
        tags: list[str] = []
        scores: dict[str, float] = {}
        why: dict[str, list[str]] = {}
        corrections: dict[str, str] = {}
        for topic, score, tagged, reasons, label in self.db.execute(
                f"SELECT topic, score, {EFFECTIVE} AS tagged, why, label FROM article_tags t WHERE article_id=?"
                " ORDER BY topic", (article_id,)):
            if score is not None:
                scores[topic] = score
            if tagged:
                tags.append(topic)
                why[topic] = json.loads(reasons or "[]")
            if label:
                corrections[topic] = label
        return tags, scores, why, corrections

    def labeled_articles(self) -> list[tuple[int, str, str, list[str]]]:
        """Articles people corrected, with their tags after the corrections: training data."""
        ids = [row[0] for row in self.db.execute("SELECT DISTINCT article_id FROM labels ORDER BY article_id")]
        result = []
        for article_id in ids:
            title, text = self.db.execute("SELECT title, text FROM articles WHERE id=?", (article_id,)).fetchone()
            result.append((article_id, title, text, self.tags_of(article_id)[0]))
        return result

    def articles_to_tag(self, *, since: datetime | None = None, untagged_only: bool = False,
                        batch: int = 500) -> Iterator[list[tuple[int, str, str]]]:
        """(id, title, text) of stored articles in batches, oldest first."""
        where, params = ["1=1"], []
        if since:
            where.append("COALESCE(published, first_seen) >= ?")
            params.append(to_utc_iso(since))
        if untagged_only:
            where.append("id NOT IN (SELECT article_id FROM article_tags)")
        last = 0
        while True:
            rows = self.db.execute(f"SELECT id, title, text FROM articles WHERE {' AND '.join(where)} AND id > ?"
                                   " ORDER BY id LIMIT ?", [*params, last, batch]).fetchall()
            if not rows:
                return
            yield [(int(r[0]), r[1], r[2]) for r in rows]
            last = rows[-1][0]

    # -- reading ---------------------------------------------------------------------------------
    def _local(self, value: str | None) -> str | None:
        return datetime.fromisoformat(value).astimezone(self.zone).isoformat() if value else None

    def article(self, article_id: int) -> dict[str, Any] | None:
        """Every field of one stored article, times in the display zone (the ``monitor show`` contract)."""
        row = self.db.execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            return None
        columns = [d[0] for d in self.db.execute("SELECT * FROM articles LIMIT 0").description]
        data = dict(zip(columns, row, strict=True))
        tags, scores, why, corrections = self.tags_of(article_id)
        duplicates = [dict(url=u, source=s) for u, s in self.db.execute(
            "SELECT url, source FROM urls WHERE article_id=? AND kind='duplicate' AND url != ? ORDER BY first_seen",
            (article_id, data["url"]))]
        aliases = [u for (u,) in self.db.execute(
            "SELECT url FROM urls WHERE article_id=? AND kind!='duplicate' AND url != ?", (article_id, data["url"]))]
        versions = [dict(version=v, title=t, text=x, published=self._local(p), fetched_at=f, replaced_at=r)
                    for v, t, x, p, f, r in self.db.execute(
                        "SELECT version, title, text, published, fetched_at, replaced_at FROM article_versions"
                        " WHERE article_id=? ORDER BY version", (article_id,))]
        following = [v["text"] for v in versions[1:]] + [data["text"]]
        for version, later in zip(versions, following, strict=False):
            version["diff"] = word_diff(version["text"], later)  # what the next version changed
        return {
            "id": data["id"],
            "url": data["fetched_url"] or data["url"],
            "canonical_url": data["url"],
            "source": data["source"],
            "title": data["title"],
            "author": data["author"],
            "published": self._local(data["published"]),
            "published_from": data["published_from"],
            "updated": self._local(data["updated"]),
            "dateline": data["dateline"],
            "description": data["description"],
            "image": data["image"],
            "language": data["language"],
            "sitename": data["sitename"],
            "categories": json.loads(data["categories"] or "[]"),
            "page_tags": json.loads(data["tags"] or "[]"),
            "text": data["text"],
            "tags": tags,
            "scores": scores,
            "why": why,
            "corrections": corrections,
            "model_version": self._model_version(article_id),
            "duplicates": duplicates,
            "aliases": aliases,
            "versions": versions,
            "version": data["version"],
            "first_seen": self._local(data["first_seen"]),
            "fetched_at": self._local(data["fetched_at"]),
            "content_hash": data["content_hash"],
            "removed_at": self._local(data["removed_at"]),
            "removed_reason": data["removed_reason"],
            "regions": [dict(name=name, label=label, level=level, key=key, weight=weight)
                        for name, label, level, key, weight in self.db.execute(
                            "SELECT g.name, g.label, g.level, g.key, r.weight FROM article_regions r JOIN regions g"
                            " ON g.id = r.region_id WHERE r.article_id=? ORDER BY r.weight DESC, g.key",
                            (article_id,))],
        }

    def _filters(self, tags: list[str] | None, min_score: float | None, sources: list[str] | None,
                 regions: list[str] | None, since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
        """SQL conditions on ``a`` (articles), each checked by an index lookup per candidate article."""
        where: list[str] = []
        params: list[Any] = []
        for topic in tags or []:
            score = " AND t.score >= ?" if min_score is not None else ""
            where.append(f"EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id=a.id AND t.topic=?"
                         f" AND {EFFECTIVE}=1{score})")
            params.extend([topic, min_score] if min_score is not None else [topic])
        if sources:
            where.append(f"a.source IN ({', '.join('?' for _ in sources)})")
            params.extend(sources)
        if regions:
            clause, values = self._region_filter(regions)
            where.append(clause)
            params.extend(values)
        if since:
            where.append("a.published >= ?")
            params.append(to_utc_iso(since))
        if until:
            where.append("a.published < ?")
            params.append(to_utc_iso(until))
        return (" AND " + " AND ".join(where)) if where else "", params

    def _region_filter(self, names: list[str] | tuple[str, ...]) -> tuple[str, list[Any]]:
        """Articles about one of the regions named (or a place within it); an article with no place found
        counts when its source is configured with such a region."""
        keys = gazetteer().resolve(names)
        ids = [i for (i,) in self.db.execute(f"SELECT id FROM regions WHERE key IN ({', '.join('?' * len(keys))})",
                                             sorted(keys))]
        local = [name for name, places in self._source_places().items() if places & keys]
        return (f"(EXISTS (SELECT 1 FROM article_regions r WHERE r.article_id=a.id AND r.region_id IN"
                f" ({', '.join('?' * len(ids))})) OR (a.source IN ({', '.join('?' * len(local))}) AND NOT EXISTS"
                f" (SELECT 1 FROM article_regions r WHERE r.article_id=a.id)))", [*ids, *local])

    def _source_places(self) -> dict[str, set[str]]:
        """Each source's configured region as gazetteer keys, with the regions around it."""
        places = {}
        for name, region in self.db.execute("SELECT name, region FROM sources WHERE region IS NOT NULL"):
            keys = gazetteer().keys_for(region)
            places[name] = keys | {around for key in keys for around in ancestors(key)}
        return places

    def _forms(self) -> Callable[[str], list[str]]:
        """A query word's forms in the archive, from the lexicon: words whose stem is the word or one of
        its keys (``forms_of``), or that are such a key themselves; the shortest 40 at most."""
        @cache
        def lookup(word: str) -> list[str]:
            keys = forms_of(word)
            stems_ = keys | {k + suffix for k in keys for suffix in ("i", "kan")}
            marks_k, marks_s = ", ".join("?" * len(keys)), ", ".join("?" * len(stems_))
            return [w for (w,) in self.db.execute(
                f"SELECT word FROM words WHERE stem IN ({marks_s}) OR word IN ({marks_k})"
                " ORDER BY length(word), word LIMIT 40", [*stems_, *keys])]
        return lookup

    def _shards(self) -> list[str]:
        """The full-text indexes, newest first (read each time: a crawler may have started a new one)."""
        names = [(int(m.group(1)), name) for (name,) in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
            if (m := _SHARD_NAME.fullmatch(name))]
        return [name for _, name in sorted(names, reverse=True)]

    def _top(self, match: str, filters: str, params: list[Any], n: int) -> list[int]:
        """Ids of the ``n`` best matches (bm25, titles ×10) that pass the filters, ranked among the newest
        WINDOW matches, or among more of them while the filters leave fewer than ``n``."""
        found: list[tuple[float, int]] = []
        examined, chunk = 0, max(WINDOW, n)
        for shard in self._shards():
            upper: int | None = None  # look at matches below this rowid
            while True:  # rank the newest ``chunk`` matches below ``upper``
                below = "" if upper is None else " AND rowid < ?"
                below_params: list[Any] = [] if upper is None else [upper]
                row = self.db.execute(f"SELECT rowid FROM {shard} WHERE {shard} MATCH ?{below} ORDER BY rowid DESC"
                                      " LIMIT 1 OFFSET ?", [match, *below_params, chunk - 1]).fetchone()
                bound = below if row is None else f"{below} AND rowid >= ?"
                bound_params: list[Any] = below_params if row is None else [*below_params, row[0]]
                sql = f"SELECT rank, rowid FROM {shard} WHERE {shard} MATCH ?{bound} ORDER BY rank LIMIT ?"
                if filters:
                    sql = (f"SELECT m.rank, a.id FROM (SELECT rowid, rank FROM {shard} WHERE {shard} MATCH ?{bound}) m"
                           f" JOIN articles a ON a.id = m.rowid WHERE 1=1{filters} ORDER BY m.rank LIMIT ?")
                found += [(r[0], -r[1]) for r in self.db.execute(sql, [match, *bound_params, *params, n])]
                if row is None:  # no more matches in this shard
                    examined += self.db.execute(f"SELECT COUNT(*) FROM {shard} WHERE {shard} MATCH ?{below}",
                                                [match, *below_params]).fetchone()[0]
                    break
                examined += chunk
                if len(found) >= n:
                    return [-i for _, i in sorted(found)[:n]]
                upper, chunk = int(row[0]), chunk * 4  # the filters left too few: look further back
            if examined >= WINDOW and len(found) >= n:
                break
            chunk = max(WINDOW - examined, 1) if examined < WINDOW else chunk
        return [-i for _, i in sorted(found)[:n]]

    def _newest(self, match: str | None, filters: str, params: list[Any], n: int) -> list[tuple[int, str, str]]:
        """(id, source, published) of the ``n`` newest articles (by storage order) that match and pass the
        filters; without a match expression, the most recently published ones."""
        if match is None:
            return self.db.execute(f"SELECT a.id, a.source, a.published FROM articles a WHERE 1=1{filters}"
                                   " ORDER BY a.published DESC, a.id DESC LIMIT ?", [*params, n]).fetchall()
        rows: list[tuple[int, str, str]] = []
        for shard in self._shards():
            rows += self.db.execute(
                f"SELECT a.id, a.source, a.published FROM {shard} m JOIN articles a ON a.id = m.rowid"
                f" WHERE {shard} MATCH ?{filters} ORDER BY m.rowid DESC LIMIT ?", [match, *params, n - len(rows)])
            if len(rows) >= n:
                break
        return rows

    def search(self, query: Query | str | None = None, *, sources: list[str] | None = None,
               since: datetime | None = None, until: datetime | None = None, tags: list[str] | None = None,
               regions: list[str] | None = None, min_score: float | None = None, limit: int = 20,
               offset: int = 0, mark: tuple[str, str] = ("[", "]")) -> list[dict[str, Any]]:
        """Articles matching a query (exact matches first, then other forms and synonyms; bm25 with titles
        weighing more) or, without a query, the newest ones; filters apply to both."""
        if isinstance(query, str):
            query = parse_query(query) if query.strip() else None
        filters, params = self._filters(tags, min_score, sources, regions, since, until)
        forms = self._forms()
        try:
            if query is None:
                hits = [(row[0], 0) for row in self.db.execute(
                    f"SELECT a.id FROM articles a WHERE 1=1{filters} ORDER BY a.published DESC, a.id DESC"
                    " LIMIT ? OFFSET ?", [*params, limit, offset])]
            else:
                exact, expanded = to_fts(query), to_fts(query, forms)
                hits = [(i, 0) for i in self._top(exact, filters, params, offset + limit)]
                if len(hits) < offset + limit and expanded != exact:
                    hits += [(i, 1) for i in self._top(f"({expanded}) NOT ({exact})", filters, params,
                                                       offset + limit - len(hits))]
                hits = hits[offset:]
            rows = {r[0]: r for r in self.db.execute(
                f"SELECT id, url, title, source, published, text FROM articles WHERE id IN"
                f" ({', '.join('?' for _ in hits)})", [h[0] for h in hits])} if hits else {}
        except sqlite3.OperationalError as e:
            raise StoreError(f"{self.path}: search failed: {e}") from None
        pattern = wanted_pattern(query, forms) if query is not None else None
        results = []
        for article_id, exact_pass in hits:
            _, url, title, source, published, text = rows[article_id]
            snippet = highlight(text, pattern, mark=mark) if pattern is not None else text[:200]
            results.append(dict(id=article_id, url=url, title=title, source=source, published=self._local(published),
                                tags=self.tags_of(article_id)[0], snippet=snippet,
                                match=None if query is None else ("exact" if exact_pass == 0 else "related form")))
        return results

    def facets(self, query: Query | str | None = None, *, sources: list[str] | None = None,
               since: datetime | None = None, until: datetime | None = None, tags: list[str] | None = None,
               regions: list[str] | None = None, min_score: float | None = None) -> dict[str, Any]:
        """How many matching articles there are, by tag, source, region and day (display zone). Counts
        cover the newest FACET_WINDOW matches; ``capped`` says when there are more."""
        if isinstance(query, str):
            query = parse_query(query) if query.strip() else None
        filters, params = self._filters(tags, min_score, sources, regions, since, until)
        match = None if query is None else to_fts(query, self._forms())
        try:
            rows = self._newest(match, filters, params, FACET_WINDOW + 1)
            ids = json.dumps([r[0] for r in rows[:FACET_WINDOW]])
            by_tag = self.db.execute(
                f"SELECT t.topic, COUNT(*) FROM json_each(?) j JOIN article_tags t ON t.article_id = j.value"
                f" WHERE {EFFECTIVE}=1 GROUP BY t.topic ORDER BY 2 DESC, 1", [ids]).fetchall()
            # the provinces and kabupaten/kota the matching articles are about (their source's region for
            # those with no place found, as the filter has it), the 15 commonest
            by_region = Counter(dict(self.db.execute(
                "SELECT g.label, COUNT(*) FROM json_each(?) j JOIN article_regions r ON r.article_id = j.value"
                " JOIN regions g ON g.id = r.region_id WHERE g.level != 'district' GROUP BY g.id", [ids])))
            unplaced = self.db.execute(
                "SELECT a.source, COUNT(*) FROM json_each(?) j JOIN articles a ON a.id = j.value WHERE NOT EXISTS"
                " (SELECT 1 FROM article_regions r WHERE r.article_id = a.id) GROUP BY a.source", [ids]).fetchall()
        except sqlite3.OperationalError as e:
            raise StoreError(f"{self.path}: search failed: {e}") from None
        configured, places_by_key = self._source_places(), gazetteer().regions
        for source, n in unplaced:
            for region in (places_by_key[key] for key in configured.get(source, ())):
                if region.level != "district":
                    by_region[region.label] += n
        counted = rows[:FACET_WINDOW]
        days = Counter(datetime.fromisoformat(p).astimezone(self.zone).date().isoformat() for _, _, p in counted if p)
        return {"total": len(counted), "capped": len(rows) > FACET_WINDOW, "tag": by_tag,
                "source": Counter(s for _, s, _ in counted).most_common(),
                "region": sorted(by_region.items(), key=lambda item: (-item[1], item[0]))[:15],
                "day": sorted(days.items(), reverse=True)}

    # -- digests --------------------------------------------------------------------------------
    def day_articles(self, start: datetime, end: datetime, regions: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Articles published in [start, end) (first seen then, when undated), with effective tags, scores
        and the other outlets that carried the same text; ``regions`` as in search."""
        where, params = self._day_where(start, end, regions)
        rows = self.db.execute(f"SELECT a.id, a.url, a.fetched_url, a.title, a.source, a.published, a.first_seen,"
                               f" a.text FROM articles a WHERE {where} ORDER BY a.published, a.id", params)
        articles = []
        for article_id, url, fetched_url, title, source, published, first_seen, text in rows.fetchall():
            tags, scores, _, _ = self.tags_of(article_id)
            copies = self.db.execute("SELECT url, source FROM urls WHERE article_id=? AND kind='duplicate'"
                                     " ORDER BY first_seen", (article_id,)).fetchall()
            articles.append(dict(id=article_id, url=fetched_url or url, title=title, source=source, text=text,
                                 published=datetime.fromisoformat(published or first_seen), tags=tags, scores=scores,
                                 copies=[(u, s) for u, s in copies if s != source]))
        return articles

    def topic_counts(self, start: datetime, end: datetime, regions: tuple[str, ...] = ()) -> dict[str, int]:
        """How many articles of [start, end) each topic has (people's corrections applied)."""
        where, params = self._day_where(start, end, regions)
        return dict(self.db.execute(
            f"SELECT t.topic, COUNT(*) FROM articles a JOIN article_tags t ON t.article_id = a.id"
            f" WHERE {where} AND {EFFECTIVE}=1 GROUP BY t.topic", params).fetchall())

    def _day_where(self, start: datetime, end: datetime, regions: tuple[str, ...]) -> tuple[str, list[Any]]:
        where = ("((a.published >= ? AND a.published < ?)"
                 " OR (a.published IS NULL AND a.first_seen >= ? AND a.first_seen < ?))")
        params: list[Any] = [to_utc_iso(start), to_utc_iso(end)] * 2
        if regions:
            clause, values = self._region_filter(regions)
            return f"{where} AND {clause}", [*params, *values]
        return where, params

    def digest_sent(self, day: str, recipient: str) -> str | None:
        """When the digest of ``day`` went to ``recipient``, None if it has not."""
        row = self.db.execute("SELECT sent_at FROM digests WHERE day=? AND recipient=?", (day, recipient)).fetchone()
        return row[0] if row else None

    def record_digest(self, day: str, recipient: str, message_id: str, subject: str) -> None:
        """Remember that the server accepted the digest of ``day`` for ``recipient``."""
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO digests (day, recipient, message_id, subject, sent_at)"
                         " VALUES (?, ?, ?, ?, ?)", (day, recipient, message_id, subject, _now()))
        self.commit()

    def _model_version(self, article_id: int) -> str | None:
        row = self.db.execute("SELECT model_version FROM article_tags WHERE article_id=? LIMIT 1",
                              (article_id,)).fetchone()
        return row[0] if row else None

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0])
