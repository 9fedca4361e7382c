"""Re-crawl cost: a second crawl of unchanged sources must fetch no article and finish in under 2 s.

Twenty small sites, each on its own 127.0.0.1 port (so each is its own host with its own politeness
gate), are served by threads of one separate process. Each has an RSS feed of 20 articles; feed,
robots.txt and articles answer conditional GETs (ETag / Last-Modified → 304). Sources use the default
politeness (delay 1 s per host, 2 connections). The first crawl stores everything; the second, on the
same database with nothing changed, is timed and its requests are counted by kind, both from the
server's own log and from the ``fetches`` table.

    python bench/recrawl.py [--sites 20] [--articles 20] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _mirror  # noqa: E402

from monitor.config import parse_config  # noqa: E402
from monitor.crawl import crawl  # noqa: E402
from monitor.store import Store  # noqa: E402

MAX_SECONDS = 2.0
KINDS = ("robots", "feed", "sitemap", "article", "page", "other")


def one_crawl(config_text: str, db_path: Path, server: _mirror.MirrorServer) -> dict[str, Any]:
    config = parse_config(config_text, "bench-recrawl.yaml")
    server.reset()
    store = Store(db_path)
    started = time.perf_counter()
    report = crawl(config, store)
    elapsed = time.perf_counter() - started
    store.close()
    log = server.log()
    con = sqlite3.connect(db_path)
    fetches = dict(con.execute("SELECT kind, COUNT(*) FROM fetches WHERE run_id=? GROUP BY kind",
                               (report.run_id,)).fetchall())
    streaks = con.execute("SELECT COUNT(*) FROM sources WHERE failure_streak > 0").fetchone()[0]
    con.close()
    totals = Counter()
    errors: list[str] = []
    for r in report.sources.values():
        for key in ("links", "new", "updated", "unchanged", "duplicate", "skipped", "failed"):
            totals[key] += getattr(r, key)
        totals["sources_ok"] += r.ok
        errors.extend(r.errors)
    return {
        "seconds": elapsed,
        "server_requests": dict(Counter(kind for _, kind, *_ in log)),
        "server_statuses": dict(Counter(f"{kind} {status}" for _, kind, status, *_ in log)),
        "fetches_by_kind": fetches,
        "outcomes": dict(totals),
        "sources_with_failure_streak": streaks,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--articles", type=int, default=20, help="articles in each site's feed")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    calls = [(number, args.articles) for number in range(args.sites)]
    with _mirror.MirrorServer(_mirror.feed_site, calls) as server:
        config_text = "sources:\n" + "".join(
            _mirror.source_yaml(f"situs-{i:02d}", base, feeds=["/rss"]) for i, base in enumerate(server.base_urls))
        print(f"{args.sites} sites × {args.articles} articles on ports "
              f"{server.base_urls[0].rsplit(':', 1)[1]}…{server.base_urls[-1].rsplit(':', 1)[1]} "
              f"(server pid {server.pid}); default delay 1 s per host")
        with tempfile.TemporaryDirectory(prefix="bench-recrawl-") as tmp:
            db = Path(tmp) / "recrawl.db"
            first = one_crawl(config_text, db, server)
            second = one_crawl(config_text, db, server)

    expected = args.sites * args.articles
    rows = []
    for name, run in (("first crawl", first), ("second crawl (nothing changed)", second)):
        rows.append([name, run["seconds"], *(run["server_requests"].get(k, 0) for k in KINDS),
                     run["outcomes"].get("new", 0), run["outcomes"].get("sources_ok", 0)])
    print()
    print(_mirror.table(rows, ["", "seconds", *KINDS, "new", "sources ok"]))
    print()
    for name, run in (("first", first), ("second", second)):
        print(f"{name}: fetches table by kind {run['fetches_by_kind']}; server statuses {run['server_statuses']}")
        print(f"{name}: outcomes {run['outcomes']}; sources with a failure streak: "
              f"{run['sources_with_failure_streak']}")
        if run["errors"]:
            print(f"{name}: {len(run['errors'])} source errors, e.g. {run['errors'][0]}")

    articles_2 = second["server_requests"].get("article", 0) + second["fetches_by_kind"].get("article", 0)
    checks = {
        "first crawl stored every article": first["outcomes"].get("new", 0) == expected,
        "second crawl made no article request": articles_2 == 0,
        f"second crawl under {MAX_SECONDS:g} s": second["seconds"] < MAX_SECONDS,
        "second crawl: every source still ok": second["outcomes"].get("sources_ok", 0) == args.sites,
    }
    print()
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'MISS'}: {name}")
    if args.json:
        args.json.write_text(json.dumps({"sites": args.sites, "articles": args.articles, "first": first,
                                         "second": second, "checks": checks}, indent=2, default=str))


if __name__ == "__main__":
    main()
