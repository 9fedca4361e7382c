"""Crawl progress: a rich progress display on a terminal, plain log lines otherwise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO

from .crawl import Event


@contextmanager
def progress_for(stream: TextIO) -> Iterator[Callable[[Event], None]]:
    """Yield an event handler that reports crawl progress on ``stream``."""
    if not stream.isatty():
        def log(event: Event) -> None:
            if event.kind == "article":
                return
            stamp = datetime.now().strftime("%H:%M:%S")
            message = {"source-start": "discovering links", "links": f"{event.total} new links to fetch",
                       "source-done": "done"}.get(event.kind, event.kind)
            print(f"{stamp} {event.source}: {message}", file=stream, flush=True)
        yield log
        return

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                        console=Console(file=stream), transient=False)
    tasks: dict[str, TaskID] = {}
    counts: dict[str, dict[str, int]] = {}

    def show(event: Event) -> None:
        if event.source not in tasks:
            tasks[event.source] = progress.add_task(event.source, total=None, status="discovering")
            counts[event.source] = {}
        task = tasks[event.source]
        if event.kind == "links":
            progress.update(task, total=event.total, status="fetching")
        elif event.kind == "article":
            counts[event.source][event.detail] = counts[event.source].get(event.detail, 0) + 1
            status = " ".join(f"{k}={v}" for k, v in sorted(counts[event.source].items()))
            progress.update(task, advance=1, status=status)
        elif event.kind == "source-done":
            progress.update(task, status=" ".join(f"{k}={v}" for k, v in sorted(counts[event.source].items()))
                            or "nothing new")

    with progress:
        yield show
