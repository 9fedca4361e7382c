"""WARC in and out: the kept responses as standard WARC/1.1 (warcio), and pages from any WARC through
the same extract → tag → store pipeline as a crawl.

Each kept response is written as a ``response`` record (status line, headers and the body as
received after decompression, so ``Content-Encoding`` is left out), a ``request`` record of the GET
that fetched it and a ``metadata`` record with what the monitor made of it (article id, canonical
URL, title, tags, content hash), the latter two tied to the response by ``WARC-Concurrent-To``. The
metadata is ``application/warc-fields``, as Heritrix writes it, which replay tools such as pywb leave
out of their index: a replay of the URL shows the page, not the metadata.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from . import __version__
from .charset import detect_encoding, header_charset
from .classify import Classifier
from .errors import MonitorError
from .models import Config
from .store import Store
from .urls import canonicalize

DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}  # the body is kept decoded


def _warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_warc(store: Store, path: str | Path, *, tags: Sequence[str] = (), since: datetime | None = None,
                user_agent: str = "") -> int:
    """Write the kept responses (of articles with one of ``tags``, fetched since ``since``) to a WARC file,
    gzipped per record when the name ends in ``.gz``; returns how many responses were written."""
    path = Path(path)
    count = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"), warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {
            "software": f"berita-monitor/{__version__}", "format": "WARC File Format 1.1",
            "description": "Article pages kept by berita-monitor as evidence"}))
        for raw in store.raw_pages(tags=tags, since=since):
            date = _warc_date(raw["fetched_at"])
            headers = [(k.title(), v) for k, v in raw["headers"].items() if k.lower() not in DROPPED_HEADERS]
            headers.append(("Content-Length", str(len(raw["body"]))))
            status = raw["status"]
            phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
            response = writer.create_warc_record(
                raw["url"], "response", payload=BytesIO(raw["body"]), length=len(raw["body"]),
                warc_headers_dict={"WARC-Date": date},
                http_headers=StatusAndHeaders(f"{status} {phrase}".strip(), headers, protocol="HTTP/1.1"))
            writer.write_record(response)
            concurrent = {"WARC-Date": date, "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")}
            parts = urlsplit(raw["url"])
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            request_headers = [("Host", parts.netloc), ("Accept", "text/html,application/xhtml+xml")]
            if user_agent:
                request_headers.append(("User-Agent", user_agent))
            writer.write_record(writer.create_warc_record(
                raw["url"], "request", payload=BytesIO(b""), length=0, warc_headers_dict=dict(concurrent),
                http_headers=StatusAndHeaders(f"GET {target} HTTP/1.1", request_headers, is_http_request=True)))
            fields = [("article-id", raw["article_id"]), ("canonical-url", raw["canonical_url"]),
                      ("title", raw["title"]), *(("tag", tag) for tag in raw["tags"]),
                      ("content-hash", raw["content_hash"]), ("version", raw["version"]),
                      ("body-sha256", raw["sha256"])]
            described = "".join(f"{name}: {' '.join(str(value).split())}\r\n" for name, value in fields).encode()
            writer.write_record(writer.create_warc_record(
                raw["url"], "metadata", payload=BytesIO(described), length=len(described),
                warc_content_type="application/warc-fields", warc_headers_dict=dict(concurrent)))
            count += 1
    return count


@dataclass
class ImportReport:
    responses: int = 0  # HTML responses with status 200 in the file
    outcomes: Counter[str] = field(default_factory=Counter)  # new, updated, duplicate, unchanged, skipped
    reasons: Counter[str] = field(default_factory=Counter)  # why pages were skipped


def _parse_date(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _source_of(url: str, config: Config | None) -> tuple[str, str, str | None]:
    """(source name, time zone, language) for a URL: the configured source of its host, else the host."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if config is not None:
        for source in config.sources:
            if (urlsplit(source.homepage).hostname or "").removeprefix("www.") == host:
                return source.name, source.timezone, source.language
        return host, config.settings.timezone, None
    return host, "Asia/Jakarta", None


def import_warc(store: Store, path: str | Path, *, config: Config | None = None,
                classifier: Classifier | None = None) -> ImportReport:
    """Extract, tag and store the HTML pages of a WARC file (status 200 responses), keeping each as raw."""
    from .crawl import extract_job

    report = ImportReport()
    try:
        with Path(path).open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.format != "warc":  # warcio reads anything as an old ARC file
                    raise ArchiveLoadFailed("no WARC/1.0 or WARC/1.1 record header")
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                if record.http_headers.get_statuscode() != "200" or "html" not in content_type.lower():
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                body = record.content_stream().read()
                fetched_at = _parse_date(record.rec_headers.get_header("WARC-Date") or "")
                report.responses += 1
                name, zone, language = _source_of(url, config)
                encoding = detect_encoding(body, header_charset(content_type))
                extraction, reason, tagging = extract_job(body, encoding, url, zone, language, classifier)
                if extraction is None:
                    report.reasons[reason or "not an article"] += 1
                    report.outcomes["skipped"] += 1
                    continue
                outcome, article_id = store.save_article(extraction.article, name, fetched_url=canonicalize(url),
                                                         fetched_at=fetched_at)
                headers = {k.lower(): v for k, v in record.http_headers.headers}
                store.save_raw(article_id, url, 200, headers, body, fetched_at)
                if tagging is not None and classifier is not None and outcome in ("new", "updated"):
                    store.save_tagging(article_id, tagging.tags, tagging.scores, tagging.why, classifier.version)
                report.outcomes[outcome] += 1
                if report.outcomes.total() % 50 == 0:
                    store.commit()
    except (ArchiveLoadFailed, OSError) as e:
        store.commit()
        raise MonitorError(f"{path}: not a readable WARC file: {e}") from None
    store.commit()
    return report
