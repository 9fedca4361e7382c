"""The SQLite store (sqlite-utils, WAL): the only module that writes SQL.

Tables: ``sources``, ``articles`` (one row per canonical URL) with ``articles_fts`` kept in sync by
triggers, ``urls`` (every URL that leads to an article: fetched, AMP, syndicated duplicates),
``article_versions`` (earlier texts of edited articles), ``rejects`` (pages that are not articles),
``fetches`` (every request), ``crawl_runs`` and ``http_cache`` (validators for conditional GET).
Writes go into one open transaction that the crawler commits in batches, so a killed crawl loses
at most the last batch and leaves the database consistent.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from .dates import to_utc_iso
from .errors import StoreError
from .fetch import CacheEntry, FetchRecord
from .models import Article, Source
from .search import Query, highlight, index_text, parse_query, to_fts

SCHEMA_VERSION = 3
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
    """An expanded index (each word and its stem) for Indonesian morphology; titles weigh ten times the body."""
    db.execute("CREATE VIRTUAL TABLE articles_stem USING fts5(title, text, tokenize='unicode61 remove_diacritics 2')")
    for table in ("articles_fts", "articles_stem"):
        db.execute(f"INSERT INTO {table}({table}, rank) VALUES('rank', 'bm25(10.0, 1.0)')")
    rows = db.execute("SELECT id, title, text FROM articles").fetchall()
    db.conn.executemany("INSERT INTO articles_stem (rowid, title, text) VALUES (?, ?, ?)",
                        [(i, index_text(t), index_text(x)) for i, t, x in rows])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migrate_1, _migrate_2, _migrate_3]


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
            conn.execute("PRAGMA foreign_keys=ON")
            self._upgrade()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot open database: {e}") from None
        self._fetch_rows: list[tuple[Any, ...]] = []

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
            self.db.conn.commit()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: write failed: {e}") from None

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
                self._index_stems(conn, article_id, article)
                return "updated", article_id
            twin = conn.execute("SELECT id, published FROM articles WHERE content_hash=? ORDER BY id LIMIT 1",
                                (article.content_hash,)).fetchone()
            if twin is not None:
                twin_id, twin_published = twin
                published = to_utc_iso(article.published)
                if published and twin_published and published < twin_published:
                    # This copy came out first: it becomes the article, the stored one its duplicate.
                    conn.execute("UPDATE urls SET kind='duplicate' WHERE article_id=?", (twin_id,))
                    conn.execute(
                        "UPDATE articles SET url=?, source=?, title=?, author=?, published=?, published_from=?,"
                        " updated=?, dateline=?, description=?, image=?, language=?, sitename=?, categories=?,"
                        " tags=?, text=?, pages=?, fetched_url=?, fetched_at=? WHERE id=?",
                        (*self._columns(article, source, fetched_url)[:15], json.dumps(list(article.pages)),
                         fetched_url, fetched, twin_id))
                    conn.execute("DELETE FROM urls WHERE url IN (?, ?)", (article.url, fetched_url))
                    self._index_stems(conn, twin_id, article)
                    self._add_urls(conn, twin_id, source, [(article.url, "canonical"), (fetched_url, "fetched")])
                else:
                    self._add_urls(conn, twin_id, source, [(article.url, "duplicate"), (fetched_url, "duplicate")])
                return "duplicate", int(twin_id)
            cursor = conn.execute(
                "INSERT INTO articles (url, source, title, author, published, published_from, updated, dateline,"
                " description, image, language, sitename, categories, tags, text, content_hash, pages, fetched_url,"
                " first_seen, fetched_at, changed_at, version, listed_modified)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                (*self._columns(article, source, fetched_url), json.dumps(list(article.pages)), fetched_url,
                 fetched, fetched, fetched, listed))
            article_id = int(cursor.lastrowid or 0)
            self._add_urls(conn, article_id, source, [(article.url, "canonical"), (fetched_url, "fetched")])
            self._index_stems(conn, article_id, article)
            return "new", article_id

    @staticmethod
    def _columns(article: Article, source: str, fetched_url: str) -> tuple[Any, ...]:
        """url … text, content_hash in the column order of ``articles``."""
        return (article.url, source, article.title, article.author, to_utc_iso(article.published),
                article.published_from, to_utc_iso(article.updated), article.dateline, article.description,
                article.image, article.language, article.sitename, json.dumps(list(article.categories)),
                json.dumps(list(article.tags)), article.text, article.content_hash)

    @staticmethod
    def _index_stems(conn: sqlite3.Connection, article_id: int, article: Article) -> None:
        conn.execute("DELETE FROM articles_stem WHERE rowid=?", (article_id,))
        conn.execute("INSERT INTO articles_stem (rowid, title, text) VALUES (?, ?, ?)",
                     (article_id, index_text(article.title), index_text(article.text)))

    @staticmethod
    def _add_urls(conn: sqlite3.Connection, article_id: int, source: str, urls: list[tuple[str, str]]) -> None:
        now = _now()
        for url, kind in urls:
            conn.execute("INSERT OR IGNORE INTO urls (url, article_id, source, kind, first_seen)"
                         " VALUES (?, ?, ?, ?, ?)",
                         (url, article_id, source, kind, now))

    # -- tags and corrections --------------------------------------------------------------------
    def save_tagging(self, article_id: int, tags: Sequence[str], scores: dict[str, float],
                     why: dict[str, list[str]], model_version: str) -> None:
        """The model's verdict on one article (every topic's score); corrections are kept apart."""
        self.save_taggings([(article_id, tags, scores, why)], model_version)

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
        }

    def _filters(self, tags: list[str] | None, min_score: float | None, sources: list[str] | None,
                 regions: list[str] | None, since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for topic in tags or []:
            score = " AND t.score >= ?" if min_score is not None else ""
            where.append(f"a.id IN (SELECT article_id FROM article_tags t WHERE t.topic=? AND {EFFECTIVE}=1{score})")
            params.extend([topic, min_score] if min_score is not None else [topic])
        if sources:
            where.append(f"a.source IN ({', '.join('?' for _ in sources)})")
            params.extend(sources)
        if regions:
            where.append(f"a.source IN (SELECT name FROM sources WHERE region IN ({', '.join('?' for _ in regions)}))")
            params.extend(regions)
        if since:
            where.append("a.published >= ?")
            params.append(to_utc_iso(since))
        if until:
            where.append("a.published < ?")
            params.append(to_utc_iso(until))
        return (" AND " + " AND ".join(where)) if where else "", params

    def _matching(self, query: Query | None, filters: str, params: list[Any]) -> tuple[str, list[Any]]:
        """SQL giving (id, pass, rank) of every article that matches: pass 0 exact, 1 by other forms."""
        if query is None:
            return f"SELECT a.id, 0 AS pass, 0 AS rank FROM articles a WHERE 1=1{filters}", params
        exact, expanded = to_fts(query, expanded=False), to_fts(query, expanded=True)
        sql = ("SELECT a.id, m.pass, m.rank FROM ("
               " SELECT rowid, rank, 0 AS pass FROM articles_fts WHERE articles_fts MATCH ?"
               " UNION ALL SELECT rowid, rank, 1 FROM articles_stem WHERE articles_stem MATCH ?"
               " AND rowid NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
               f") m JOIN articles a ON a.id = m.rowid WHERE 1=1{filters}")
        return sql, [exact, expanded, exact, *params]

    def search(self, query: Query | str | None = None, *, sources: list[str] | None = None,
               since: datetime | None = None, until: datetime | None = None, tags: list[str] | None = None,
               regions: list[str] | None = None, min_score: float | None = None, limit: int = 20,
               offset: int = 0, mark: tuple[str, str] = ("[", "]")) -> list[dict[str, Any]]:
        """Articles matching a query (exact matches first, then by morphology and synonyms; bm25 with titles
        weighing more) or, without a query, the newest ones; filters apply to both."""
        if isinstance(query, str):
            query = parse_query(query) if query.strip() else None
        filters, params = self._filters(tags, min_score, sources, regions, since, until)
        try:
            if query is None:
                hits = [(row[0], 0) for row in self.db.execute(
                    f"SELECT a.id FROM articles a WHERE 1=1{filters} ORDER BY a.published DESC, a.id DESC"
                    " LIMIT ? OFFSET ?", [*params, limit, offset])]
            else:
                hits = self._ranked(query, filters, params, limit, offset)
            rows = {r[0]: r for r in self.db.execute(
                f"SELECT id, url, title, source, published, text FROM articles WHERE id IN"
                f" ({', '.join('?' for _ in hits)})", [h[0] for h in hits])} if hits else {}
        except sqlite3.OperationalError as e:
            raise StoreError(f"{self.path}: search failed: {e}") from None
        results = []
        for article_id, exact_pass in hits:
            _, url, title, source, published, text = rows[article_id]
            snippet = highlight(text, query, mark=mark) if query is not None else text[:200]
            results.append(dict(id=article_id, url=url, title=title, source=source, published=self._local(published),
                                tags=self.tags_of(article_id)[0], snippet=snippet,
                                match=None if query is None else ("exact" if exact_pass == 0 else "related form")))
        return results

    def _ranked(self, query: Query, filters: str, params: list[Any], limit: int, offset: int) -> list[tuple[int, int]]:
        """(id, pass) of one page of matches: exact ones by rank, then the other forms only to fill the page."""
        exact, expanded = to_fts(query, expanded=False), to_fts(query, expanded=True)
        hits = [(row[0], 0) for row in self.db.execute(
            "SELECT a.id FROM (SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ?) m"
            f" JOIN articles a ON a.id = m.rowid WHERE 1=1{filters} ORDER BY m.rank LIMIT ? OFFSET ?",
            [exact, *params, limit, offset])]
        if len(hits) == limit:
            return hits
        exact_total = offset + len(hits) if hits else self.db.execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) m"
            f" JOIN articles a ON a.id = m.rowid WHERE 1=1{filters}", [exact, *params]).fetchone()[0]
        hits += [(row[0], 1) for row in self.db.execute(
            "SELECT a.id FROM (SELECT rowid, rank FROM articles_stem WHERE articles_stem MATCH ?) m"
            " JOIN articles a ON a.id = m.rowid"
            f" WHERE a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?){filters}"
            " ORDER BY m.rank LIMIT ? OFFSET ?",
            [expanded, exact, *params, limit - len(hits), max(0, offset - exact_total)])]
        return hits

    def facets(self, query: Query | str | None = None, *, sources: list[str] | None = None,
               since: datetime | None = None, until: datetime | None = None, tags: list[str] | None = None,
               regions: list[str] | None = None, min_score: float | None = None) -> dict[str, Any]:
        """How many matching articles there are, by tag, source, region and day (display zone)."""
        if isinstance(query, str):
            query = parse_query(query) if query.strip() else None
        filters, params = self._filters(tags, min_score, sources, regions, since, until)
        matching, params = self._matching(query, filters, params)
        base = f"WITH m AS ({matching}) "
        try:
            total = self.db.execute(base + "SELECT COUNT(*) FROM m", params).fetchone()[0]
            by_tag = self.db.execute(base + f"SELECT t.topic, COUNT(*) FROM m JOIN article_tags t ON t.article_id=m.id"
                                     f" WHERE {EFFECTIVE}=1 GROUP BY t.topic ORDER BY 2 DESC", params).fetchall()
            by_source = self.db.execute(base + "SELECT a.source, COUNT(*) FROM m JOIN articles a ON a.id=m.id"
                                        " GROUP BY a.source ORDER BY 2 DESC", params).fetchall()
            by_region = self.db.execute(base + "SELECT s.region, COUNT(*) FROM m JOIN articles a ON a.id=m.id"
                                        " JOIN sources s ON s.name=a.source WHERE s.region IS NOT NULL"
                                        " GROUP BY s.region ORDER BY 2 DESC", params).fetchall()
            published = self.db.execute(base + "SELECT a.published FROM m JOIN articles a ON a.id=m.id"
                                        " WHERE a.published IS NOT NULL", params).fetchall()
        except sqlite3.OperationalError as e:
            raise StoreError(f"{self.path}: search failed: {e}") from None
        days: dict[str, int] = {}
        for (value,) in published:
            day = datetime.fromisoformat(value).astimezone(self.zone).date().isoformat()
            days[day] = days.get(day, 0) + 1
        return {"total": total, "tag": by_tag, "source": by_source, "region": by_region,
                "day": sorted(days.items(), reverse=True)}

    def _model_version(self, article_id: int) -> str | None:
        row = self.db.execute("SELECT model_version FROM article_tags WHERE article_id=? LIMIT 1",
                              (article_id,)).fetchone()
        return row[0] if row else None

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0])
