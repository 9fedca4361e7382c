"""The ``monitor`` command line: a thin layer over the library. Errors become one line and an exit code."""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from . import __version__
from .config import load_config
from .errors import ConfigError, MonitorError

F = TypeVar("F", bound=Callable[..., Any])


def _fail(error: MonitorError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(error.exit_code)


def handle_errors(func: F) -> F:
    """Turn our errors into ``error: …`` on stderr and the error's exit code."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as e:
            _fail(e)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
    return wrapper  # type: ignore[return-value]


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), default="feeds.yaml",
                             envvar="MONITOR_CONFIG", show_default=True, help="Sources file (feeds.yaml).")
db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False), default="monitor.db",
                         envvar="MONITOR_DB", show_default=True, help="SQLite database file.")


def _zone(config_path: str | None) -> str:
    """The display zone: from the config file when there is one, else the default."""
    if config_path and Path(config_path).exists():
        try:
            return load_config(config_path).settings.timezone
        except ConfigError:
            pass
    from .models import Settings
    return Settings.timezone


def _day(value: str | None, zone: str, *, end: bool = False) -> datetime | None:
    """A --since/--until value: YYYY-MM-DD (a whole day in the display zone) or an ISO 8601 time."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").date() + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="monitor")
def cli() -> None:
    """Monitor Indonesian regional news: crawl, extract, store and search articles.

    Example: monitor crawl --config feeds.yaml --db monitor.db
    """


classifiers_option = click.option(
    "--classifiers", "classifiers_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar="MONITOR_CLASSIFIERS", help="Topics and training data (default: the ones shipped with the monitor).")


@cli.command()
@config_option
@db_option
@click.option("--source", "only", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="At most N new articles per source.")
@click.option("--workers", type=click.IntRange(min=0), help="Extraction processes (default: one per core; 0 = none).")
@click.option("--tag/--no-tag", default=True, show_default=True, help="Tag new articles with the topic classifier.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Seconds to wait for another writer (monitor run, another crawl) to finish.")
@classifiers_option
@handle_errors
def crawl(config_path: str, db_path: str, only: tuple[str, ...], limit: int | None, workers: int | None,
          tag: bool, wait: float, classifiers_dir: Path | None) -> None:
    """Crawl the sources once, store new articles and tag them (training the model first if there is none).

    Exit code 0 if any source worked, 1 if all failed, 2 on a bad configuration, 3 when another process
    (monitor run, another crawl) is writing to the database.

    Example: monitor crawl --source kabar-ibu-kota --limit 20
    """
    config = load_config(config_path)
    unknown = [name for name in only if name not in {s.name for s in config.sources}]
    if unknown:
        raise ConfigError(f"{config_path}: no source named {', '.join(map(repr, unknown))}")
    from .lock import DatabaseLock
    from .progress import crawl_in_terminal

    with DatabaseLock(db_path, "monitor crawl", wait=wait):
        report = crawl_in_terminal(config, db_path, only=only, limit=limit, workers=workers, tag=tag,
                                   classifiers_dir=classifiers_dir)
    sys.exit(0 if report.any_ok else 1)


@cli.command()
@config_option
@db_option
@click.option("--workers", type=click.IntRange(min=0), help="Extraction processes (default: one per core; 0 = none).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True)
@classifiers_option
@handle_errors
def run(config_path: str, db_path: str, workers: int | None, log_format: str, log_level: str,
        classifiers_dir: Path | None) -> None:
    """Keep going: crawl each source on its interval (with jitter) and send yesterday's digest at digest.time,
    catching up once after a downtime. Stops cleanly on SIGTERM or Ctrl-C (exit 0). One writer at a time:
    refuses (exit 3) while another run or crawl holds the database.

    Example: monitor run --config feeds.yaml --db /var/lib/berita-monitor/monitor.db --log-format json
    """
    from .schedule import run_forever, setup_logging

    config = load_config(config_path)
    setup_logging(log_format, log_level)
    run_forever(config, db_path, workers=workers, classifiers_dir=classifiers_dir)


@cli.command()
@db_option
@config_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--max-failing", type=click.FloatRange(min=0), metavar="HOURS",
              help="Exit 1 when a source has been failing for longer than this.")
@handle_errors
def status(db_path: str, config_path: str, fmt: str, max_failing: float | None) -> None:
    """Health at a glance: per source the last success, last error, failure streak and articles in the last
    24 hours and 7 days; totals, the last crawl and the database size. With --max-failing, exit 1 when a
    source has failed for longer than that (for cron or a monitoring system).

    Example: monitor status --max-failing 24
    """
    store = _open_existing(db_path, config_path)
    try:
        now = datetime.now(store.zone)
        report = store.status()
    finally:
        store.close()
    late = [r for r in report["sources"] if max_failing is not None and r["failing_since"]
            and now - datetime.fromisoformat(r["failing_since"]) > timedelta(hours=max_failing)]
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table()
        for column in ("source", "last success", "failures", "failing since", "24 h", "7 d", "last error"):
            table.add_column(column)
        for r in report["sources"]:
            table.add_row(r["name"], (r["last_success"] or "never")[:16].replace("T", " "), str(r["failure_streak"]),
                          (r["failing_since"] or "")[:16].replace("T", " "), str(r["articles_24h"]),
                          str(r["articles_7d"]), _escape((r["last_error"] or "")[:80]),
                          style="red" if r["failure_streak"] else None)
        console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
        console.print(table)
        run = report["last_run"] or {}
        click.echo(f"{report['articles']} articles ({report['articles_24h']} in 24 h, {report['articles_7d']} in"
                   f" 7 days); database {report['database_bytes'] / 1e6:.1f} MB; last crawl"
                   f" {(run.get('started') or 'never')[:16].replace('T', ' ')} ({run.get('status', '-')})")
    if late:
        names = ", ".join(f"{r['name']} (since {r['failing_since'][:16].replace('T', ' ')})" for r in late)
        raise MonitorError(f"failing for more than {max_failing:g} h: {names}")


def _training_notice(examples: int) -> None:
    from .progress import training_notice

    click.echo(training_notice(examples), err=True)


@cli.command()
@config_option
@db_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def sources(config_path: str, db_path: str, fmt: str) -> None:
    """List the configured sources with their last crawl result.

    Example: monitor sources --format json
    """
    from .store import Store

    config = load_config(config_path)
    rows = {}
    if Path(db_path).exists():
        store = Store(db_path, display_zone=config.settings.timezone)
        rows = {row["name"]: row for row in store.source_rows()}
        store.close()
    result = []
    for s in config.sources:
        row = rows.get(s.name, {})
        result.append({
            "name": s.name, "homepage": s.homepage, "enabled": s.enabled, "region": s.region,
            "discovery": [k for k in ("feeds", "sitemaps", "listings") if getattr(s, k)],
            "articles": row.get("articles", 0), "last_crawl": row.get("last_crawl"),
            "last_success": row.get("last_success"), "failure_streak": row.get("failure_streak") or 0,
            "last_error": row.get("last_error"),
        })
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for column in ("name", "discovery", "articles", "last success", "failures", "last error"):
        table.add_column(column)
    for r in result:
        table.add_row(r["name"] + ("" if r["enabled"] else " (off)"), ",".join(r["discovery"]), str(r["articles"]),
                      (r["last_success"] or "never")[:19], str(r["failure_streak"]), (r["last_error"] or "")[:80])
    Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140).print(table)


@cli.command()
@click.argument("article_id", type=int)
@db_option
@config_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def show(article_id: int, db_path: str, config_path: str, fmt: str) -> None:
    """Print one stored article with all its fields.

    Example: monitor show 12 --format json
    """
    store = _open_existing(db_path, config_path)
    article = store.article(article_id)
    store.close()
    if article is None:
        raise MonitorError(f"{db_path}: no article with id {article_id}")
    if fmt == "json":
        click.echo(json.dumps(article, ensure_ascii=False, indent=2))
        return
    click.echo(article["title"])
    click.echo(f"{article['source']} · {article['published'] or 'no date'} · {article['author'] or 'no author'}"
               f"{' · ' + article['dateline'] if article['dateline'] else ''}")
    click.echo(article["url"])
    for topic in article["tags"]:
        click.echo(f"tag {topic} ({article['scores'].get(topic, 0):.2f}): {', '.join(article['why'].get(topic, []))}")
    if article["regions"]:
        click.echo("regions: " + ", ".join(f"{r['label']} {r['weight']:.2f}" for r in article["regions"]))
    click.echo("")
    click.echo(article["text"])
    for dup in article["duplicates"]:
        click.echo(f"\nalso published at {dup['url']} ({dup['source']})")
    if article["removed_at"]:
        click.echo(f"\nremoved from the outlet since {article['removed_at'][:16].replace('T', ' ')}:"
                   f" {article['removed_reason']}")
    for version in article["versions"]:
        click.echo(f"\nearlier version {version['version']} (replaced {version['replaced_at'][:19]}), then changed:")
        click.echo("".join({"insert": "{+%s+}", "delete": "[-%s-]"}.get(op, "%s") % text.strip() + " "
                           for op, text in version["diff"] if text.strip()).strip())


def _open_existing(db_path: str, config_path: str | None):  # type: ignore[no-untyped-def]
    from .store import Store

    if not Path(db_path).exists():
        raise MonitorError(f"{db_path}: no such database (run 'monitor crawl' first)")
    return Store(db_path, display_zone=_zone(config_path))


@cli.command()
@click.argument("query", required=False)
@db_option
@config_option
@click.option("--tag", "tags", multiple=True, help="Only articles with this topic tag (repeatable: all of them).")
@click.option("--min-score", type=click.FloatRange(0, 1), help="With --tag: only tags scored at least this.")
@click.option("--source", "sources_", multiple=True, help="Only this source (repeatable).")
@click.option("--region", "regions", multiple=True,
              help="Only articles about this place: province, kabupaten/kota, kecamatan or alias such as Kukar"
              " (repeatable); an article with no place found counts by its source's region.")
@click.option("--since", help="From this day (YYYY-MM-DD, display zone) or time (ISO 8601).")
@click.option("--until", help="Up to and including this day, or before this time.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@handle_errors
def search(query: str | None, db_path: str, config_path: str, tags: tuple[str, ...], min_score: float | None,
           sources_: tuple[str, ...], regions: tuple[str, ...], since: str | None, until: str | None, limit: int,
           fmt: str) -> None:
    """Search stored articles: all words must match, "a phrase", OR, -word or NOT word, prefix*. Words also
    find their other forms (distribusi → pendistribusian) and synonyms (ASN → PNS), after the exact matches.
    Without QUERY: the newest articles matching the filters.

    Example: monitor search '"surat suara" rusak OR kurang' --tag logistics --since 2024-11-01
    """
    from .search import parse_query

    parsed = parse_query(query) if query and query.strip() else None
    if parsed is not None and parsed.ignored:
        click.echo(f"left out common words: {', '.join(parsed.ignored)} (quote a phrase to keep them)", err=True)
    store = _open_existing(db_path, config_path)
    zone = str(store.zone)
    try:
        rows = store.search(parsed, sources=list(sources_), since=_day(since, zone),
                            until=_day(until, zone, end=True), tags=list(tags), regions=list(regions),
                            min_score=min_score, limit=limit)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        from .search import results_csv

        click.echo(results_csv(rows), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(show_lines=True)
        for column in ("id", "published", "source", "tags", "title / snippet"):
            table.add_column(column)
        for row in rows:
            table.add_row(str(row["id"]), (row["published"] or "")[:16].replace("T", " "), row["source"],
                          _escape(", ".join(row["tags"])),
                          f"[bold]{_escape(row['title'])}[/bold]\n{_marked(row['snippet'] or '')}")
        Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140).print(table)
        if not rows:
            click.echo("no articles found", err=True)


def _marked(snippet: str) -> str:
    """A snippet with its [matches] shown in colour on the terminal."""
    return re.sub(r"\\\[([^\]]*)\]", r"[reverse]\1[/reverse]", _escape(snippet))


def _escape(text: str) -> str:
    from rich.markup import escape
    return escape(text)


@cli.command()
@click.argument("target")
@click.option("--url", "base_url", help="The page's address, when TARGET is a file.")
@click.option("--timezone", "tz", default="Asia/Jakarta", show_default=True,
              help="Zone for times printed without one.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def extract(target: str, base_url: str | None, tz: str, as_json: bool) -> None:
    """Show what extraction gives for one page (a URL, fetched politely, or a saved HTML file).

    Example: monitor extract saved-page.html --url https://kaltim.example/read/x --json
    """
    import asyncio

    from .charset import detect_encoding
    from .extract import extract_article
    from .fetch import Fetcher
    from .models import Settings

    if target.startswith(("http://", "https://")):
        async def get() -> tuple[bytes, str, str]:
            async with Fetcher(Settings(retries=1)) as fetcher:
                page = await fetcher.fetch(target)
            return page.content, page.encoding, page.final_url
        content, encoding, url = asyncio.run(get())
    else:
        path = Path(target)
        if not path.is_file():
            raise MonitorError(f"{target}: no such file (give a file or an http(s) URL)")
        content = path.read_bytes()
        encoding = detect_encoding(content)
        url = base_url or path.resolve().as_uri()
    result = extract_article(content.decode(encoding, "replace"), url, timezone=tz)
    article = result.article
    data = {
        "url": article.url, "title": article.title, "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "published_from": article.published_from,
        "updated": article.updated.isoformat() if article.updated else None,
        "dateline": article.dateline, "description": article.description, "image": article.image,
        "language": article.language, "sitename": article.sitename, "categories": list(article.categories),
        "tags": list(article.tags), "text": article.text, "content_hash": article.content_hash,
        "all_pages_url": result.all_pages_url, "next_pages": list(result.next_pages),
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key in ("title", "author", "published", "published_from", "dateline", "url"):
        click.echo(f"{key}: {data[key]}")
    click.echo("")
    click.echo(article.text)


@cli.command()
@classifiers_option
@click.option("--db", "db_path", type=click.Path(dir_okay=False, exists=True),
              help="Also learn from the corrections recorded in this database (monitor label).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the model here.")
@click.option("--force", is_flag=True, help="Train even if a model for this data exists.")
@handle_errors
def train(classifiers_dir: Path | None, db_path: str | None, output: Path | None, force: bool) -> None:
    """Train the topic classifier from classifiers/ (and corrections) and save it safely (skops).

    Example: monitor train --db monitor.db
    """
    from .tagger import ensure_model

    store = _open_existing(db_path, None) if db_path else None
    try:
        classifier, path = ensure_model(classifiers_dir, store, force=force, output=output,
                                        on_train=_training_notice)
    finally:
        if store is not None:
            store.close()
    meta = classifier.meta
    click.echo(f"model {classifier.version}: {meta.get('examples')} examples, topics "
               f"{', '.join(classifier.topics)}; thresholds "
               + ", ".join(f"{t} {v:.3f}" for t, v in classifier.thresholds.items()))
    click.echo(f"saved to {path}")


@cli.command("classify")
@click.argument("source_file", required=False, type=click.File("r", encoding="utf-8"), default="-")
@classifiers_option
@click.option("--model", "model_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Use this saved model instead of the one for the classifiers directory.")
@handle_errors
def classify_command(source_file: Any, classifiers_dir: Path | None, model_path: Path | None) -> None:
    """Tag JSON lines (title, text; other keys pass through) from FILE or stdin: adds tags, scores and why.

    Example: monitor classify articles.jsonl > tagged.jsonl
    """
    from . import classify
    from .tagger import ensure_model

    classifier = classify.load(model_path) if model_path else ensure_model(
        classifiers_dir, on_train=_training_notice)[0]
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        for item, tagging in zip(batch, classifier.predict([(i["title"], i["text"]) for i in batch]), strict=True):
            click.echo(json.dumps({**item, "tags": list(tagging.tags), "scores": tagging.scores,
                                   "why": tagging.why}, ensure_ascii=False))
        batch.clear()

    name = getattr(source_file, "name", "-")
    for number, line in enumerate(source_file, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            raise MonitorError(f"{name}:{number}: invalid JSON: {e.msg}") from None
        if not isinstance(item, dict) or not isinstance(item.get("title", ""), str) \
                or not isinstance(item.get("text", ""), str) or not (item.get("title") or item.get("text")):
            raise MonitorError(f"{name}:{number}: needs an object with a 'title' and/or 'text' string")
        item.setdefault("title", "")
        item.setdefault("text", "")
        batch.append(item)
        if len(batch) >= 256:
            flush()
    flush()


@cli.command()
@classifiers_option
@click.option("--data", "data_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Score the trained model on this labeled JSON-lines file instead of cross-validating.")
@click.option("--folds", type=click.IntRange(min=2, max=20), default=5, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def evaluate(classifiers_dir: Path | None, data_file: Path | None, folds: int, fmt: str) -> None:
    """Precision, recall and F1 per topic and macro-F1, next to a keyword baseline built from the seed terms.

    Example: monitor evaluate --folds 5
    """
    from . import evaluate as ev
    from .tagger import ensure_model, training_set
    from .topics import load_examples

    topics, examples = training_set(classifiers_dir)
    if data_file:
        classifier = ensure_model(classifiers_dir, on_train=_training_notice)[0]
        result = ev.score_data(classifier, topics, examples, load_examples([data_file], topics))
    else:
        result = ev.cross_validate(topics, examples, folds=folds)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{result.examples} examples · {result.method}")
    for column in ("topic", "support", "precision", "recall", "F1", "baseline P", "baseline R", "baseline F1",
                   f"P in a stream (negatives ×{ev.NEGATIVE_WEIGHT})"):
        table.add_column(column, justify="left" if column == "topic" else "right")
    for t in result.topics:
        m, b = result.model[t], result.baseline[t]
        table.add_row(t, str(m.support), f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}",
                      f"{b.precision:.3f}", f"{b.recall:.3f}", f"{b.f1:.3f}", f"{result.stream_precision[t]:.3f}")
    table.add_row("macro", "", "", "", f"{result.macro_f1:.3f}", "", "", f"{result.baseline_macro_f1:.3f}", "")
    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
    console.print(table)
    if result.confusions:
        console.print("worst mistakes:")
        for c in result.confusions:
            console.print(f"  {c['id']}: labels {c['labels']} predicted {c['predicted']} {c['scores']} — "
                          f"{c['title']}", markup=False, highlight=False)


@cli.command()
@db_option
@config_option
@classifiers_option
@click.option("--since", help="Only articles published from this day (YYYY-MM-DD) or time (ISO 8601).")
@handle_errors
def retag(db_path: str, config_path: str, classifiers_dir: Path | None, since: str | None) -> None:
    """Apply the current model to stored articles, and find their places again with the current gazetteer;
    people's corrections (monitor label) are kept.

    Example: monitor retag --since 2024-11-01
    """
    from .tagger import ensure_model, tag_stored

    store = _open_existing(db_path, config_path)
    try:
        classifier, _ = ensure_model(classifiers_dir, store, on_train=_training_notice)
        count = tag_stored(store, classifier, since=_day(since, str(store.zone)), places=True)
    finally:
        store.close()
    click.echo(f"tagged {count} articles with model {classifier.version}")


@cli.command()
@click.argument("article_id", type=int)
@click.option("--add", "add", multiple=True, help="The article is about this topic.")
@click.option("--remove", "remove", multiple=True, help="The article is not about this topic.")
@db_option
@classifiers_option
@handle_errors
def label(article_id: int, add: tuple[str, ...], remove: tuple[str, ...], db_path: str,
          classifiers_dir: Path | None) -> None:
    """Correct an article's tags; the correction joins the training data at the next monitor train.

    Example: monitor label 12 --add asn_neutrality --remove security
    """
    from .topics import default_dir, load_topics

    if not add and not remove:
        raise click.UsageError("give --add TOPIC or --remove TOPIC")
    names = {t.name for t in load_topics(classifiers_dir or default_dir())}
    for topic in (*add, *remove):
        if topic not in names:
            raise click.BadParameter(f"unknown topic {topic!r} (topics: {', '.join(sorted(names))})")
    store = _open_existing(db_path, None)
    try:
        for topic in add:
            store.add_label(article_id, topic, present=True)
        for topic in remove:
            store.add_label(article_id, topic, present=False)
        tags = store.tags_of(article_id)[0]
    finally:
        store.close()
    click.echo(f"article {article_id}: tags now {', '.join(tags) or '(none)'}")


@cli.command()
@db_option
@config_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default; give 0.0.0.0 to share on a network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@handle_errors
def serve(db_path: str, config_path: str, host: str, port: int) -> None:
    """Browse and search the archive in a web browser: facets, article pages, CSV and JSON export.

    Example: monitor serve --db monitor.db --port 8080
    """
    from .web.app import make_web_server

    store = _open_existing(db_path, config_path)  # fails early, upgrades the schema once
    zone = str(store.zone)
    store.close()
    try:
        server = make_web_server(db_path, host=host, port=port, zone=zone)
    except OSError as e:
        raise MonitorError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    click.echo(f"serving {db_path} at http://{host}:{server.server_port}/ (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


@cli.command()
@db_option
@config_option
@classifiers_option
@click.option("--date", "day", help="The day to summarize (YYYY-MM-DD in the configured zone); default: yesterday.")
@click.option("--tag", "tags", multiple=True, help="Only this topic (repeatable); default: digest.tags, else all.")
@click.option("--to", "recipients", multiple=True, help="Send to this address (repeatable); default: digest.to.")
@click.option("--language", type=click.Choice(["id", "en"]), help="Language of the e-mail; default: digest.language.")
@click.option("--region", "regions", multiple=True,
              help="Only articles about this region (repeatable); default: digest.regions, else everywhere.")
@click.option("--include-untagged", is_flag=True, help="Add the day's articles that have no topic.")
@click.option("--dry-run", is_flag=True, help="Show the digest (plain text) and send nothing.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write the message too: FILE.eml whole, FILE.html.")
@click.option("--force", is_flag=True, help="Send again to recipients who already had this day's digest.")
@handle_errors
def digest(db_path: str, config_path: str, classifiers_dir: Path | None, day: str | None, tags: tuple[str, ...],
           recipients: tuple[str, ...], language: str | None, regions: tuple[str, ...], include_untagged: bool,
           dry_run: bool, output: str | None, force: bool) -> None:
    """E-mail the day's tagged news, grouped into stories and summarized; each recipient gets a day's
    digest once. SMTP settings: digest.smtp in the config file, MONITOR_SMTP_HOST/_PORT/_USER/_SECURITY
    and MONITOR_MAIL_FROM over them; the password only from MONITOR_SMTP_PASSWORD.

    Example: monitor digest --date 2024-11-26 --to desk@example.org
    """
    from .config import check_address
    from .digest import build_digest, compose, render, send_digest
    from .errors import MailError
    from .models import DigestSettings, Settings
    from .topics import default_dir, load_topics

    config = load_config(config_path) if Path(config_path).exists() else None
    settings = config.digest if config else DigestSettings()
    zone = config.settings.timezone if config else Settings.timezone
    if day:
        try:
            the_day = datetime.strptime(day, "%Y-%m-%d").date()
        except ValueError:
            raise click.BadParameter(f"{day!r} is not a date (YYYY-MM-DD)", param_hint="--date") from None
    else:
        the_day = datetime.now(ZoneInfo(zone)).date() - timedelta(days=1)
    for address in recipients:
        try:
            check_address(address)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--to") from None
    store = _open_existing(db_path, config_path)
    try:
        result = build_digest(store, the_day, load_topics(classifiers_dir or default_dir()), zone=zone,
                              language=language or settings.language, tags=tags or settings.tags,
                              include_untagged=include_untagged or settings.include_untagged,
                              max_stories=settings.max_stories, regions=regions or settings.regions)
        text, html = render(result)
        if output:
            sender = settings.smtp.sender or "monitor@localhost"
            body = html if output.endswith((".html", ".htm")) else compose(
                result, sender, (recipients or settings.to or ("desk@localhost",))[0]).as_string()
            Path(output).write_text(body, encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
        if dry_run:
            click.echo(text)
            return
        if result.empty and not settings.send_empty:
            click.echo(f"nothing tagged on {the_day}: no digest sent (digest.send_empty: true sends one)", err=True)
            return
        to = list(recipients or settings.to)
        if not to:
            raise ConfigError("no recipients: give --to or set digest.to in the config file")
        delivery = send_digest(store, result, settings, to, force=force)
    finally:
        store.close()
    for address in delivery.sent:
        click.echo(f"sent the digest of {the_day} to {address}", err=True)
    for address in delivery.skipped:
        click.echo(f"{address} already had the digest of {the_day} (--force sends it again)", err=True)
    if delivery.refused:
        address, reason = next(iter(delivery.refused.items()))
        more = f" (and {len(delivery.refused) - 1} more)" if len(delivery.refused) > 1 else ""
        raise MailError(f"recipient {address} refused: {reason}{more}")


@cli.command()
@db_option
@config_option
@click.option("--tag", "tags", multiple=True, help="Only articles with this topic (repeatable: any of them).")
@click.option("--since", help="Only articles published (or first seen) from this day (YYYY-MM-DD) or time.")
@click.option("--tag-changes/--no-tag-changes", default=True, show_default=True,
              help="Tag edited articles again with the topic classifier.")
@classifiers_option
@handle_errors
def recheck(db_path: str, config_path: str, tags: tuple[str, ...], since: str | None, tag_changes: bool,
            classifiers_dir: Path | None) -> None:
    """Fetch stored articles again, politely: an edited text becomes a new version (the old one is kept, with
    a word diff in show and the web UI); a 404/410, a redirect to the home page or a page that is no longer
    an article marks the article as removed since today. Nothing is ever deleted.

    Example: monitor recheck --tag asn_neutrality --since 2024-11-01
    """
    import asyncio

    from .lock import DatabaseLock
    from .recheck import recheck_async
    from .tagger import ensure_model

    config = load_config(config_path) if Path(config_path).exists() else None
    with DatabaseLock(db_path, "monitor recheck"):
        store = _open_existing(db_path, config_path)
        try:
            classifier = ensure_model(classifiers_dir, store, on_train=_training_notice)[0] if tag_changes else None
            report = asyncio.run(recheck_async(store, config, tags=tags, since=_day(since, str(store.zone)),
                                               classifier=classifier))
        finally:
            store.close()
    click.echo(f"checked {report.checked}: {report.unchanged} unchanged, {report.updated} edited,"
               f" {report.removed} removed, {report.failed} failed", err=True)
    for error in report.errors[:10]:
        click.echo(f"  {error}", err=True)
    sys.exit(1 if report.checked and report.failed == report.checked else 0)


@cli.command()
@db_option
@config_option
@click.option("--warc", "warc_path", required=True, type=click.Path(dir_okay=False),
              help="WARC file to write (FILE.warc.gz: gzipped per record).")
@click.option("--tag", "tags", multiple=True, help="Only articles with this topic (repeatable: any of them).")
@click.option("--since", help="Only pages fetched from this day (YYYY-MM-DD, display zone) or time (ISO 8601).")
@handle_errors
def export(db_path: str, config_path: str, warc_path: str, tags: tuple[str, ...], since: str | None) -> None:
    """Write the kept article pages as standard WARC/1.1: response, request and metadata records.

    Example: monitor export --warc evidence-2024-11.warc.gz --tag asn_neutrality --since 2024-11-01
    """
    from .warc import export_warc

    store = _open_existing(db_path, config_path)
    try:
        count = export_warc(store, warc_path, tags=list(tags), since=_day(since, str(store.zone)))
    except OSError as e:
        raise MonitorError(f"{warc_path}: cannot write: {e.strerror or e}") from None
    finally:
        store.close()
    click.echo(f"wrote {count} pages to {warc_path}", err=True)


@cli.command("import")
@db_option
@config_option
@click.option("--warc", "warc_path", required=True, type=click.Path(dir_okay=False, exists=True),
              help="WARC file to read (.warc or .warc.gz), from this monitor or any crawler.")
@click.option("--tag/--no-tag", default=True, show_default=True, help="Tag the articles with the topic classifier.")
@classifiers_option
@handle_errors
def import_command(db_path: str, config_path: str, warc_path: str, tag: bool, classifiers_dir: Path | None) -> None:
    """Store the article pages of a WARC file through the same extraction, tagging and deduplication as a
    crawl (pages of a configured outlet's host are filed under that source, others under their host name).

    Example: monitor import --warc CC-NEWS-20241126.warc.gz
    """
    from .lock import DatabaseLock
    from .models import Settings
    from .store import Store
    from .tagger import ensure_model
    from .warc import import_warc

    config = load_config(config_path) if Path(config_path).exists() else None
    with DatabaseLock(db_path, "monitor import"):
        store = Store(db_path, display_zone=config.settings.timezone if config else Settings.timezone)
        try:
            classifier = ensure_model(classifiers_dir, store, on_train=_training_notice)[0] if tag else None
            report = import_warc(store, warc_path, config=config, classifier=classifier)
        finally:
            store.close()
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.outcomes.items())) or "nothing stored"
    click.echo(f"{report.responses} HTML pages in {warc_path}: {counts}", err=True)


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default="demo.db", show_default=True,
              help="Database for the demo (replaced if it holds an earlier demo).")
@click.option("--serve", is_flag=True, help="Keep serving the sample sites after the crawl, until Ctrl-C.")
@handle_errors
def demo(db_path: str, serve: bool) -> None:
    """Crawl the bundled sample news sites, served on 127.0.0.1, into a demo database.

    Example: monitor demo --db demo.db
    """
    from .demo.run import run_demo

    report = run_demo(db_path, serve=serve, echo=click.echo)
    sys.exit(0 if report.any_ok else 1)


def main() -> None:
    cli(prog_name="monitor")
