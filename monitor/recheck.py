"""``monitor recheck``: fetch stored articles again to catch edits and removals, never deleting anything.

A changed text becomes the article's new version (the old one stays, with a word diff in ``monitor
show`` and the web UI); a 404 or 410, a redirect to the outlet's home page, or a page that is no longer
an article marks the article as removed since that day; an article that comes back is unmarked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urlsplit

from .classify import Classifier
from .errors import FetchError
from .fetch import Fetcher
from .models import Config, Settings
from .store import Store


@dataclass
class RecheckReport:
    checked: int = 0
    unchanged: int = 0
    updated: int = 0
    removed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _home(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


async def recheck_async(store: Store, config: Config | None = None, *, tags: tuple[str, ...] = (),
                        since: datetime | None = None, classifier: Classifier | None = None) -> RecheckReport:
    """Fetch again the stored articles (with one of ``tags``, published or first seen since ``since``)."""
    from .crawl import extract_job

    report = RecheckReport()
    sources = {s.name: s for s in config.sources} if config else {}
    settings = config.settings if config else Settings()
    async with Fetcher(settings) as fetcher:
        async def one(article_id: int, url: str, source_name: str) -> None:
            source = sources.get(source_name)
            if source is not None:
                fetcher.configure_host(url, delay=source.delay, concurrency=source.concurrency)
            report.checked += 1
            try:
                page = await fetcher.fetch(url, source=source_name, kind="recheck")
            except FetchError as e:
                if e.status in (404, 410):
                    store.mark_removed(article_id, f"HTTP {e.status}")
                    report.removed += 1
                else:
                    report.failed += 1
                    report.errors.append(str(e))
                return
            if _home(page.final_url) and not _home(url):
                store.mark_removed(article_id, f"redirected to the home page {page.final_url}")
                report.removed += 1
                return
            zone = source.timezone if source else settings.timezone
            extraction, reason, tagging = extract_job(page.content, page.encoding, page.final_url, zone,
                                                      source.language if source else None, classifier)
            if extraction is None:
                store.mark_removed(article_id, f"no longer an article: {reason}")
                report.removed += 1
                return
            canonical = store.article_url(article_id)
            outcome, _ = store.save_article(replace(extraction.article, url=canonical), source_name,
                                            fetched_url=url, fetched_at=page.fetched_at)
            store.save_raw(article_id, page.final_url, page.status, page.headers, page.content, page.fetched_at)
            store.mark_present(article_id)
            if outcome == "updated":
                report.updated += 1
                if tagging is not None and classifier is not None:
                    store.save_tagging(article_id, tagging.tags, tagging.scores, tagging.why, classifier.version)
            else:
                report.unchanged += 1
            store.commit()

        await asyncio.gather(*(one(*row) for row in store.articles_to_recheck(tags=tags, since=since)))
    store.commit()
    return report

