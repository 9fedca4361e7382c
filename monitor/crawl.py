"""One crawl run over the configured sources: discover → fetch → extract → dedupe → store.

HTTP is async on one shared client; extraction, the CPU-bound part, runs in worker processes
(one per core by default); this process owns the database and commits in batches. A failing
page or source is recorded with its reason and never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .classify import Classifier, Tagging
from .discover import discover_links
from .errors import ExtractError, FetchError
from .extract import Extraction, extract_article, merge_pages
from .fetch import Fetcher
from .models import Article, Config, CrawlReport, Link, Page, Source, SourceReport
from .regions import places
from .store import Store
from .urls import canonicalize, is_article_url

COMMIT_EVERY = 50
COMMIT_SECONDS = 2.0
HTML_TYPES = ("text/html", "application/xhtml+xml", "")


@dataclass(frozen=True)
class Event:
    """Progress of a crawl, for the CLI to show: kind is source-start, links, article or source-done."""

    kind: str
    source: str
    detail: str = ""
    total: int = 0


_WORKER: dict[str, Classifier] = {}  # in a worker process: the classifier it was started with


def start_worker(state: dict[str, Any] | None) -> None:
    """Pool initializer: the classifier arrives as plain arrays from the crawling process."""
    if state is not None:
        _WORKER["classifier"] = Classifier.from_state(state)


def extract_job(content: bytes, encoding: str, url: str, timezone_name: str, language: str | None,
                classifier: Classifier | None = None) -> tuple[Extraction | None, str | None, Tagging | None]:
    """Extract one page, find the places it is about, and tag it, in a worker process or inline:
    (extraction, None, tagging) or (None, reason, None)."""
    try:
        html = content.decode(encoding, errors="replace")
        extraction = extract_article(html, url, timezone=timezone_name, language=language)
    except ExtractError as e:
        return None, e.reason, None
    article = extraction.article
    extraction = replace(extraction, article=replace(article, regions=places(article.title, article.text)))
    classifier = classifier or _WORKER.get("classifier")
    tagging = None
    if classifier is not None:
        tagging = classifier.predict([(article.title, article.text)])[0]
    return extraction, None, tagging


class _Run:
    def __init__(self, config: Config, store: Store, fetcher: Fetcher, executor: Executor | None,
                 report: CrawlReport, limit: int | None, on_event: Callable[[Event], None],
                 classifier: Classifier | None) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.executor = executor
        self.report = report
        self.limit = limit
        self.on_event = on_event
        self.classifier = classifier
        self.known = store.known_urls()
        self.pending = 0
        self.last_commit = time.monotonic()

    def maybe_commit(self, force: bool = False) -> None:
        self.pending += 1
        if force or self.pending >= COMMIT_EVERY or time.monotonic() - self.last_commit > COMMIT_SECONDS:
            self.store.commit()
            self.pending = 0
            self.last_commit = time.monotonic()

    async def extract(self, page: Page, source: Source) -> tuple[Extraction | None, str | None, Tagging | None]:
        args = (page.content, page.encoding, page.final_url, source.timezone, source.language)
        if self.executor is None:
            return extract_job(*args, self.classifier)
        return await asyncio.get_running_loop().run_in_executor(self.executor, extract_job, *args)

    def wanted(self, link: Link, source: Source) -> bool:
        if not is_article_url(link.url, source):
            return False
        if link.url not in self.known:
            return True
        seen = self.known[link.url]  # the modification time listed when we fetched it
        return bool(seen and link.modified and link.modified > datetime.fromisoformat(seen))

    async def crawl_source(self, source: Source) -> SourceReport:
        report = self.report.sources[source.name]
        self.on_event(Event("source-start", source.name))
        for url in (source.homepage, *source.feeds, *source.sitemaps, *(listing.url for listing in source.listings)):
            self.fetcher.configure_host(url, delay=source.delay, concurrency=source.concurrency)
        found = await discover_links(source, self.fetcher, max_bytes=self.config.settings.max_bytes)
        report.errors.extend(found.errors)
        report.discovery_ok = found.answered > 0
        seen: set[str] = set()
        links: list[Link] = []
        for link in found.links:
            if link.url not in seen and self.wanted(link, source):
                seen.add(link.url)
                links.append(link)
        if self.limit is not None:
            links = links[: self.limit]
        report.links = len(links)
        self.on_event(Event("links", source.name, total=len(links)))
        queue: asyncio.Queue[Link] = asyncio.Queue()
        for link in links:
            queue.put_nowait(link)

        async def worker() -> None:
            while not queue.empty():
                link = queue.get_nowait()
                outcome = await self.crawl_article(link, source, report)
                self.on_event(Event("article", source.name, outcome, total=len(links)))

        await asyncio.gather(*(worker() for _ in range(max(1, source.concurrency * 2))))
        self.store.record_source_result(source.name, report.ok, report.errors[0] if report.errors else None)
        self.maybe_commit(force=True)
        self.on_event(Event("source-done", source.name))
        return report

    async def crawl_article(self, link: Link, source: Source, report: SourceReport) -> str:
        try:
            page = await self.fetcher.fetch(link.url, source=source.name, kind="article")
        except FetchError as e:
            if e.reason == "disallowed by robots.txt":
                report.skipped += 1
                return "skipped"
            report.failed += 1
            report.errors.append(f"article {e}")
            self.store.record_reject(link.url, source.name, e.reason, permanent=e.status in (404, 410))
            self.maybe_commit()
            return "failed"
        if page.content_type not in HTML_TYPES:
            report.failed += 1
            problem = f"not an HTML page ({page.content_type})"
            report.errors.append(f"article {link.url}: {problem}")
            self.store.record_reject(link.url, source.name, problem, permanent=True)
            self.maybe_commit()
            return "failed"
        extraction, reason, tagging = await self.extract(page, source)
        if extraction is None:
            report.skipped += 1
            self.store.record_reject(link.url, source.name, reason or "not an article", permanent=True)
            self.maybe_commit()
            return "skipped"
        article, sources_of_text = await self.whole_article(extraction, page, source)
        if self.classifier and article.text != extraction.article.text:  # pages were added: tag the whole text
            tagging = self.classifier.predict([(article.title, article.text)])[0]
        if not is_article_url(article.url, source) and article.url != canonicalize(page.final_url):
            article = replace(article, url=canonicalize(page.final_url))
        outcome, article_id = self.store.save_article(article, source.name, fetched_url=link.url,
                                                      fetched_at=page.fetched_at, listed_modified=link.modified)
        for kept in sources_of_text:
            self.store.save_raw(article_id, kept.final_url, kept.status, kept.headers, kept.content, kept.fetched_at)
        if tagging is not None and outcome in ("new", "updated") and self.classifier:
            self.store.save_tagging(article_id, tagging.tags, tagging.scores, tagging.why, self.classifier.version)
        self.known[link.url] = self.known[article.url] = link.modified.isoformat() if link.modified else None
        setattr(report, outcome, getattr(report, outcome) + 1)
        self.maybe_commit()
        return outcome

    async def whole_article(self, first: Extraction, first_page: Page, source: Source) -> tuple[Article, list[Page]]:
        """Multi-page articles: the "show all" page when there is one, else every numbered page; with the
        responses the text came from (kept as evidence)."""
        urls = [first.all_pages_url] if first.all_pages_url else list(first.next_pages)
        others: list[tuple[Extraction, Page]] = []
        for url in urls[: self.config.settings.max_pages]:
            try:
                page = await self.fetcher.fetch(url, source=source.name, kind="page")
            except FetchError:
                continue
            extraction, _, _ = await self.extract(page, source)
            if extraction is not None:
                others.append((extraction, page))
        if first.all_pages_url and others:
            return replace(others[0][0].article, url=first.article.url, pages=(first.all_pages_url,)), [others[0][1]]
        if not others:
            return first.article, [first_page]
        return merge_pages(first, [e for e, _ in others]), [first_page, *(p for _, p in others)]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


async def crawl_async(config: Config, store: Store, *, only: Sequence[str] = (), limit: int | None = None,
                      workers: int | None = None, on_event: Callable[[Event], None] | None = None,
                      classifier: Classifier | None = None) -> CrawlReport:
    """Crawl the enabled sources (or those named in ``only``) once; failures are in the report.
    With a classifier, every new or changed article is tagged as it is stored."""
    sources = [s for s in config.sources if (s.name in only if only else s.enabled)]
    store.sync_sources(config.sources)
    run_id = store.start_run(config.path)
    report = CrawlReport(run_id=run_id, started=datetime.now(UTC))
    report.sources = {s.name: SourceReport(s.name) for s in sources}
    count = default_workers() if workers is None else workers
    executor: Executor | None = None
    if count > 0:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["monitor.extract", "monitor.classify"])
        executor = ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=start_worker,
                                       initargs=(classifier.state() if classifier else None,))
    status = "failed"
    try:
        async with Fetcher(config.settings, cache=store, log=store.fetch_logger(run_id)) as fetcher:
            run = _Run(config, store, fetcher, executor, report, limit, on_event or (lambda event: None), classifier)
            results = await asyncio.gather(*(run.crawl_source(s) for s in sources), return_exceptions=True)
            for source, result in zip(sources, results, strict=True):
                if isinstance(result, BaseException):  # a bug must not hide the other sources' results
                    report.sources[source.name].errors.append(f"internal error: {result!r}")
                    store.record_source_result(source.name, False, f"internal error: {result!r}")
        status = "ok" if report.any_ok else "failed"
    except (asyncio.CancelledError, KeyboardInterrupt):
        status = "interrupted"  # what was stored so far is committed below
        raise
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
        report.finished = datetime.now(UTC)
        counts = {name: {k: v for k, v in r.__dict__.items()} for name, r in report.sources.items()}
        store.finish_run(run_id, counts, status)
    return report


def crawl(config: Config, store: Store, **kwargs: object) -> CrawlReport:
    """Synchronous wrapper of ``crawl_async``. SIGTERM, like Ctrl-C, cancels the crawl at its next ``await``
    (so its cleanup records what it stored) and then raises KeyboardInterrupt: a KeyboardInterrupt raised
    straight from a signal handler can land inside the event loop's own bookkeeping, and the crawl's
    cleanup then never runs."""
    async def cancellable() -> CrawlReport:
        task, loop = asyncio.current_task(), asyncio.get_running_loop()
        stopped = False

        def stop() -> None:
            nonlocal stopped
            stopped = True
            if task is not None:
                task.cancel()

        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread
            loop.add_signal_handler(signal.SIGTERM, stop)
        try:
            return await crawl_async(config, store, **kwargs)  # type: ignore[arg-type]
        except asyncio.CancelledError:
            if stopped:
                raise KeyboardInterrupt from None
            raise
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    try:
        return asyncio.run(cancellable())
    finally:
        if previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)  # asyncio leaves the default action behind


def crawl_database(config: Config, db_path: str | Path, *, only: Sequence[str] = (), limit: int | None = None,
                   workers: int | None = None, tag: bool = True, classifiers_dir: Path | None = None,
                   on_event: Callable[[Event], None] | None = None, on_train: Callable[[int], None] | None = None,
                   warn: Callable[[str], None] = lambda message: None) -> CrawlReport:
    """One crawl into a database file, tagging as it goes: the model is trained first when there is none,
    and articles stored before a model existed are tagged at the end. A classifier that cannot be used
    is reported through ``warn`` and the crawl stores articles untagged."""
    from .errors import ClassifierError
    from .tagger import ensure_model, tag_stored

    store = Store(db_path, display_zone=config.settings.timezone)
    try:
        classifier = None
        if tag:
            try:
                classifier = ensure_model(classifiers_dir, store, on_train=on_train)[0]
            except ClassifierError as e:
                warn(f"storing articles without tags: {e}")
        report = crawl(config, store, only=only, limit=limit, workers=workers, on_event=on_event,
                       classifier=classifier)
        if classifier is not None:
            tag_stored(store, classifier, untagged_only=True)
        if config.settings.retention:
            store.prune(config.settings.retention / 86400)
    finally:
        store.close()
    return report
