"""Crawl throughput: ``monitor.crawl.crawl`` against plain trafilatura on the same pages and cores.

A local mirror of ≥ 1,000 distinct ~100 KB article pages (the real pages of the shared extraction
benchmark, each copy with a unique sentence in its article body and a unique URL) is served from a
separate process over HTTP/1.1 keep-alive, with robots.txt and a sitemap index (children of ≤ 500
URLs). The crawler (delay 0, concurrency 8, global concurrency 16, default workers: one process per
core) crawls it into a fresh SQLite file, tagging every article as ``monitor crawl`` does; the
baseline is ``trafilatura.bare_extraction`` on the same HTML in a ``multiprocessing.Pool`` of as
many processes. Target: crawl ≥ 80% of the baseline's
pages per second, and every page stored as new.

    python bench/crawl_throughput.py [--pages 1000] [--gzip] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _mirror  # noqa: E402

from monitor.config import parse_config  # noqa: E402
from monitor.crawl import Event, crawl, default_workers  # noqa: E402
from monitor.errors import ExtractError  # noqa: E402
from monitor.extract import extract_article  # noqa: E402
from monitor.store import Store  # noqa: E402
from monitor.tagger import ensure_model  # noqa: E402

TARGET = 0.80


def _bare(item: tuple[str, str]) -> bool:
    html, url = item
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    return bool(doc and doc.text)


def _bare_fast(item: tuple[str, str]) -> bool:
    html, url = item
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, fast=True)
    return bool(doc and doc.text)


def _ours(item: tuple[str, str]) -> bool:
    html, url = item
    try:
        return bool(extract_article(html, url).article.text)
    except ExtractError:
        return False


def pool_rate(fn: Any, items: list[tuple[str, str]], processes: int) -> dict[str, float]:
    """Pages per second of ``fn`` over ``items`` in a fresh Pool (its start-up included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    pool = multiprocessing.get_context("fork").Pool(processes)
    ok = sum(pool.imap_unordered(fn, items, chunksize=4))
    pool.close()
    pool.join()  # reaped workers: their CPU time is now in RUSAGE_CHILDREN
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": elapsed, "pages_per_s": len(items) / elapsed, "with_text": ok,
            "cpu_ms_per_page": 1000 * cpu / len(items)}


def run_crawl(base_url: str, workers: int | None, db_path: Path, per_child: int) -> dict[str, Any]:
    config = parse_config(
        "settings: {concurrency: 16}\nsources:\n"
        + _mirror.source_yaml("mirror", base_url, sitemaps=["/sitemap.xml"], delay=0, concurrency=8),
        "bench-throughput.yaml")
    store = Store(db_path)
    classifier = ensure_model(store=store)[0]  # as `monitor crawl` does: articles are tagged as they are stored
    times: list[float] = []
    links_at: list[float] = []

    def on_event(event: Event) -> None:
        if event.kind == "article":
            times.append(time.perf_counter())
        elif event.kind == "links":
            links_at.append(time.perf_counter())

    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    report = crawl(config, store, workers=workers, on_event=on_event, classifier=classifier)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    store.close()
    src = report.sources["mirror"]
    con = sqlite3.connect(db_path)
    rejects = con.execute("SELECT reason, COUNT(*) FROM rejects GROUP BY reason ORDER BY 2 DESC").fetchall()
    fetches = dict(con.execute("SELECT kind, COUNT(*) FROM fetches GROUP BY kind").fetchall())
    stored = con.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    con.close()
    steady = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return {
        "seconds": elapsed,
        "pages_per_s": src.links / elapsed if elapsed else 0.0,
        "steady_pages_per_s": steady,
        "discovery_s": (links_at[0] - started) if links_at else None,
        "first_article_s": (times[0] - started) if times else None,
        "links": src.links, "new": src.new, "duplicate": src.duplicate, "updated": src.updated,
        "unchanged": src.unchanged, "skipped": src.skipped, "failed": src.failed,
        "articles_in_db": stored, "rejects": rejects, "errors": src.errors[:10], "fetches_by_kind": fetches,
        "main_cpu_s": (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
    }


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=_mirror.DEFAULT_DATA)
    parser.add_argument("--pages", type=int, default=1000, help="distinct article pages in the mirror")
    parser.add_argument("--per-sitemap", type=int, default=500, help="URLs per child sitemap")
    parser.add_argument("--workers", type=int, default=None, help="extraction processes (default: one per core)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="measurement rounds; the order of the runs alternates between rounds so that a "
                             "drifting CPU speed (shared VMs) does not favour one side")
    parser.add_argument("--gzip", action="store_true", help="serve pages gzip-compressed (Content-Encoding)")
    parser.add_argument("--no-references", action="store_true",
                        help="skip the fast=True and extract_article-in-a-Pool reference runs")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    processes = args.workers or default_workers()

    started = time.perf_counter()
    bases, left_out = _mirror.plan_mirror(args.data, processes)
    print(f"{len(bases)} of {len(bases) + len(left_out)} real pages usable as bases "
          f"({time.perf_counter() - started:.0f}s to plan); left out: {len(left_out)}")
    for key, why in left_out.items():
        print(f"  {key[:16]}…  {why}")

    calls = [(args.data, bases, args.pages, args.per_sitemap, args.gzip)]
    figures: dict[str, Any] = {"pages": args.pages, "processes": processes, "gzip": args.gzip, "rounds": [],
                               "bases": len(bases), "left_out": left_out}
    probe0 = _mirror.cpu_probe()
    with _mirror.MirrorServer(_mirror.article_mirror, calls) as server:
        base_url = server.base_urls[0]
        items = [(html, base_url + path) for path, html in _mirror.mirror_pages(args.data, bases, args.pages, base_url)]
        sizes = sorted(len(h.encode()) for h, _ in items)
        figures["median_page_kb"] = sizes[len(sizes) // 2] / 1024
        print(f"mirror: {args.pages} pages, median {figures['median_page_kb']:.0f} KB, at {base_url} "
              f"(server pid {server.pid}); {processes} processes; {args.rounds} rounds")

        def crawl_once() -> dict[str, Any]:
            server.reset()
            server_cpu = server.usage()["cpu_s"]
            with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp, \
                    _mirror.CpuSampler(os.getpid(), exclude=[server.pid]) as sampler:
                result = run_crawl(base_url, args.workers, Path(tmp) / "crawl.db", args.per_sitemap)
            result["cpu_by_role_s"] = sampler.by_role()
            result["server_cpu_s"] = server.usage()["cpu_s"] - server_cpu
            result["server_requests"] = dict(server.counts())
            return result

        runs: list[tuple[str, Any]] = [("baseline", lambda: pool_rate(_bare, items, processes))]
        if not args.no_references:
            runs += [("baseline_fast", lambda: pool_rate(_bare_fast, items, processes)),
                     ("extract_article_pool", lambda: pool_rate(_ours, items, processes))]
        runs.append(("crawl", crawl_once))
        for number in range(args.rounds):
            order = runs if number % 2 == 0 else runs[::-1]
            this: dict[str, Any] = {}
            for name, fn in order:
                before = _mirror.cpu_probe()
                this[name] = fn()
                this[name]["cpu_speed"] = probe0 / ((before + _mirror.cpu_probe()) / 2)
                print(f"  round {number + 1}: {name:22s} {this[name]['pages_per_s']:6.1f} pages/s "
                      f"(CPU speed index {this[name]['cpu_speed']:.2f})", flush=True)
            this["ratio"] = this["crawl"]["pages_per_s"] / this["baseline"]["pages_per_s"]
            figures["rounds"].append(this)
        items.clear()

    rounds = figures["rounds"]

    def rate(name: str, key: str = "pages_per_s") -> float:
        return median([r[name][key] for r in rounds])

    base = rate("baseline")
    figures["ratio"] = median([r["ratio"] for r in rounds])
    figures["target"] = TARGET
    last = rounds[-1]["crawl"]
    figures["passed"] = figures["ratio"] >= TARGET and all(r["crawl"]["new"] == args.pages for r in rounds)

    rows = [[f"trafilatura.bare_extraction, Pool({processes})", base, rate("baseline", "seconds"), 1.0]]
    if not args.no_references:
        rows.append(["  reference: same with fast=True", rate("baseline_fast"), rate("baseline_fast", "seconds"),
                     rate("baseline_fast") / base])
        rows.append([f"  reference: monitor extract_article, Pool({processes})", rate("extract_article_pool"),
                     rate("extract_article_pool", "seconds"), rate("extract_article_pool") / base])
    rows.append(["monitor.crawl.crawl (HTTP + extract + SQLite)", rate("crawl"), rate("crawl", "seconds"),
                 figures["ratio"]])
    rows.append(["  crawl steady state (first→last article)", rate("crawl", "steady_pages_per_s"), "",
                 rate("crawl", "steady_pages_per_s") / base])
    print()
    print(_mirror.table(rows, ["median of rounds", "pages/s", "seconds", "ratio"]))
    print("per-round crawl/baseline ratios: " + ", ".join(f"{r['ratio']:.2f}" for r in rounds))
    if not args.no_references:
        print("per-round crawl/(extract_article in a Pool) ratios: "
              + ", ".join(f"{r['crawl']['pages_per_s'] / r['extract_article_pool']['pages_per_s']:.2f}"
                          for r in rounds))
    speeds = [r[n]["cpu_speed"] for r in rounds for n in r if isinstance(r[n], dict)]
    if max(speeds) / min(speeds) > 1.1:
        print(f"note: the CPU speed index varied from {min(speeds):.2f} to {max(speeds):.2f} during the runs: "
              "compare the per-round ratios")
    print()
    c = last
    cpu = ", ".join(f"{role} {s:.1f}s" for role, s in sorted(c["cpu_by_role_s"].items()))
    print(f"last crawl: links {c['links']}, new {c['new']}, duplicate {c['duplicate']}, updated {c['updated']}, "
          f"skipped {c['skipped']}, failed {c['failed']}; articles in DB {c['articles_in_db']}")
    print(f"last crawl: discovery done after {c['discovery_s']:.2f}s, first article stored after "
          f"{c['first_article_s']:.2f}s; CPU: {cpu}, server {c['server_cpu_s']:.1f}s "
          f"over {c['seconds']:.1f}s wall × {os.cpu_count()} cores")
    pool_cpu = ", ".join(f"{n} {median([r[n]['cpu_ms_per_page'] for r in rounds]):.1f}"
                         for n in ("baseline", "baseline_fast", "extract_article_pool") if n in rounds[0])
    crawl_cpu = ", ".join(
        f"{role} {median([r['crawl']['cpu_by_role_s'].get(role, 0) for r in rounds]) * 1000 / args.pages:.1f}"
        for role in ("worker", "crawler"))
    print(f"CPU ms per page (median of rounds): pools: {pool_cpu}; crawl: {crawl_cpu}, server "
          f"{median([r['crawl']['server_cpu_s'] for r in rounds]) * 1000 / args.pages:.1f}")
    print(f"last crawl: fetches by kind {c['fetches_by_kind']}; server saw {c['server_requests']}")
    if c["rejects"]:
        print("rejects:", ", ".join(f"{r} ×{n}" for r, n in c["rejects"]))
    if c["errors"]:
        print("errors (first 10):", *c["errors"], sep="\n  ")
    verdict = "PASS" if figures["passed"] else "MISS"
    print(f"\n{verdict}: crawl at {figures['ratio']:.0%} of the baseline (median of rounds; target ≥ {TARGET:.0%}), "
          f"{c['new']}/{args.pages} stored new")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
