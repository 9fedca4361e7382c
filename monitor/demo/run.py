"""``monitor demo``: serve the sample sites on 127.0.0.1, crawl them, show what was stored."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from ..config import parse_config
from ..errors import MonitorError
from ..models import CrawlReport
from ..store import Store
from .server import SampleServer, demo_config

DEMO_MARK = "demo:"
SHOWCASE = "sukeskan-pilkada-serentak-2024-pemprov-kaltim-ingatkan-netralitas-asn"


def _clear_previous_demo(path: Path) -> None:
    """Remove an earlier demo database; refuse to touch a database the demo did not make."""
    if not path.exists():
        return
    try:
        with sqlite3.connect(path) as conn:
            configs = [row[0] for row in conn.execute("SELECT config FROM crawl_runs")]
    except sqlite3.DatabaseError:
        configs = ["?"]
    if any(not (c or "").startswith(DEMO_MARK) for c in configs):
        raise MonitorError(f"{path}: exists and is not a demo database; choose another --db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def run_demo(db_path: str, *, serve: bool = False, echo: Callable[[str], None] = print,
             workers: int | None = None) -> CrawlReport:
    """Crawl the bundled sample sites into ``db_path`` (tagging them) and print a summary and a few articles."""
    from ..progress import crawl_in_terminal

    path = Path(db_path)
    _clear_previous_demo(path)
    with SampleServer() as server:
        for name, url in server.base_urls.items():
            echo(f"serving sample site {name} at {url}")
        config = parse_config(demo_config(server.base_urls), f"{DEMO_MARK}sample-sites")
        report = crawl_in_terminal(config, path, workers=workers)
        store = Store(path, display_zone=config.settings.timezone)
        try:
            _showcase(store, echo)
            echo(f"\n{store.count('articles')} articles stored in {path}. Try:\n"
                 f"  monitor search pilkada --db {path}\n"
                 f"  monitor search --tag logistics --db {path}\n"
                 f"  monitor show 1 --db {path} --format json")
        finally:
            store.close()
        if serve:
            echo("serving the sample sites until Ctrl-C")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return report


def _showcase(store: Store, echo: Callable[[str], None]) -> None:
    ids = [row[0] for row in store.db.execute("SELECT id FROM articles WHERE url LIKE ?", (f"%{SHOWCASE}%",))]
    for (topic,) in store.db.execute("SELECT DISTINCT topic FROM article_tags ORDER BY topic"):
        ids += [r["id"] for r in store.search(tags=[topic], limit=3) if r["id"] not in ids][:1]
    for article_id in ids:
        article = store.article(article_id)
        if article is None:
            continue
        echo("")
        echo(f"[{article['id']}] {article['title']}")
        echo(f"    {article['source']} · {article['published']} · {article['author'] or '-'} · "
             f"dateline {article['dateline'] or '-'}")
        for topic in article["tags"]:
            echo(f"    tag {topic} ({article['scores'].get(topic, 0):.2f}): {', '.join(article['why'].get(topic, []))}")
        lead = article["text"].split("\n\n")[0]
        echo(f"    {lead[:240]}{'…' if len(lead) > 240 else ''}")
        for dup in article["duplicates"]:
            echo(f"    same text also at {dup['url']} ({dup['source']})")
