"""Crawls on a terminal: a rich progress display (plain log lines when not a terminal) and the summary."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from .crawl import Event, crawl_database
from .models import Config, CrawlReport


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


def crawl_in_terminal(config: Config, db_path: str | Path, **options: Any) -> CrawlReport:
    """``crawl_database`` with progress and notices on stderr and the summary table on stdout."""
    def notice(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with progress_for(sys.stderr) as on_event:
        report = crawl_database(config, db_path, on_event=on_event, warn=lambda m: notice(f"warning: {m}"),
                                on_train=lambda n: notice(training_notice(n)), **options)
    print_report(report)
    return report


def training_notice(examples: int) -> str:
    return f"training the topic classifier on {examples} examples (once per change of the data)…"


def print_report(report: CrawlReport) -> None:
    """The per-source summary of a crawl run, and the first errors of each source."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Crawl run {report.run_id}", show_lines=False)
    columns = ("links", "new", "updated", "duplicate", "unchanged", "skipped", "failed")
    for column in ("source", *columns, "status"):
        table.add_column(column, justify="left" if column in ("source", "status") else "right")
    for name, r in report.sources.items():
        table.add_row(name, *(str(getattr(r, c)) for c in columns), "ok" if r.ok else "FAILED")
    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 120)
    console.print(table)
    for name, r in report.sources.items():
        for error in r.errors[:5]:
            console.print(f"  {name}: {error}", markup=False, highlight=False)
        if len(r.errors) > 5:
            console.print(f"  {name}: … and {len(r.errors) - 5} more errors (see the fetches table)")
