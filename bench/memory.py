"""Peak memory of a big crawl: 10,000 generated articles; target < 400 MB for the crawler and its workers.

A separate process serves N generated article pages (20–60 KB each) with robots.txt and a sitemap
index whose children list ≤ 1,000 URLs each. The crawl (delay 0, concurrency 8, default workers)
runs in its own spawned process; this process samples ``/proc`` (psutil is not installed) for
that crawler process and all its descendants (the forkserver, the extraction workers, the resource
tracker): resident set (VmRSS), peak resident set (VmHWM) and proportional set size (Pss, which
shares copy-on-write pages fairly between the forked workers). The crawler also reports its own
``getrusage(RUSAGE_SELF).ru_maxrss``.

    python bench/memory.py [--articles 10000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _mirror  # noqa: E402

TARGET_MB = 400.0
MAX_CHILD_SITEMAPS = 10  # monitor.discover reads at most this many children of a sitemap index


def _crawl_child(base_url: str, db_path: str, conn: Any) -> None:
    from monitor.config import parse_config
    from monitor.crawl import crawl
    from monitor.store import Store

    config = parse_config(
        "settings: {concurrency: 16}\nsources:\n"
        + _mirror.source_yaml("generated", base_url, sitemaps=["/sitemap.xml"], delay=0, concurrency=8),
        "bench-memory.yaml")
    store = Store(db_path)
    started = time.perf_counter()
    report = crawl(config, store)
    elapsed = time.perf_counter() - started
    store.close()
    r = report.sources["generated"]
    conn.send({"seconds": elapsed, "links": r.links, "new": r.new, "duplicate": r.duplicate,
               "skipped": r.skipped, "failed": r.failed, "errors": r.errors[:5],
               "ru_maxrss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _status(pid: int) -> dict[str, int]:
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                values[key] = int(value.split()[0])
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    values["Pss"] = int(line.split()[1])
    except OSError:
        pass
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--per-sitemap", type=int, default=1000, help="URLs per child sitemap")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between /proc samples")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    children = -(-args.articles // args.per_sitemap)
    if children > MAX_CHILD_SITEMAPS:
        print(f"warning: {children} child sitemaps, but the crawler reads only the newest "
              f"{MAX_CHILD_SITEMAPS}: raise --per-sitemap")

    ctx = multiprocessing.get_context("spawn")
    with _mirror.MirrorServer(_mirror.generated_site, [(args.articles, args.per_sitemap)]) as server, \
            tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        base_url = server.base_urls[0]
        print(f"{args.articles} generated articles at {base_url} (server pid {server.pid}), "
              f"{children} child sitemaps")
        db = Path(tmp) / "memory.db"
        receive, send = ctx.Pipe(duplex=False)
        started = time.perf_counter()
        proc = ctx.Process(target=_crawl_child, args=(base_url, str(db), send), name="bench-crawler")
        proc.start()
        peak_rss = peak_pss = 0
        peak_at = 0.0
        hwm: dict[int, tuple[str, int]] = {}
        series: list[tuple[float, int, int, int]] = []  # (t, crawler RSS, total RSS, total PSS)
        roles_seen: dict[str, int] = {}
        result = None
        while True:
            if receive.poll(args.interval):
                result = receive.recv()
                break
            if not proc.is_alive():
                break
            total_rss = total_pss = crawler_rss = 0
            for pid, role in _mirror.process_tree(proc.pid).items():
                try:
                    s = _status(pid)
                except OSError:
                    continue
                total_rss += s.get("VmRSS", 0)
                total_pss += s.get("Pss", s.get("VmRSS", 0))
                if role == "crawler":
                    crawler_rss = s.get("VmRSS", 0)
                if s.get("VmHWM", 0) >= hwm.get(pid, ("", 0))[1]:
                    hwm[pid] = (role, s.get("VmHWM", 0))
                roles_seen[role] = roles_seen.get(role, 0) + (pid not in roles_seen)
            t = time.perf_counter() - started
            series.append((t, crawler_rss, total_rss, total_pss))
            if total_rss > peak_rss:
                peak_rss, peak_at = total_rss, t
            peak_pss = max(peak_pss, total_pss)
        proc.join(timeout=60)
        wall = time.perf_counter() - started
        stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM articles").fetchone()[0] if db.exists() else 0
        server_usage = server.usage()

    if result is None:
        print(f"crawler process ended without a result (exit code {proc.exitcode})")
        sys.exit(1)
    per_role: dict[str, int] = {}
    for role, kb in hwm.values():
        per_role[role] = max(per_role.get(role, 0), kb)
    mb = 1024.0
    figures = {
        "articles": args.articles, "crawl": result, "stored": stored, "wall_s": wall,
        "peak_total_rss_mb": peak_rss / mb, "peak_total_pss_mb": peak_pss / mb, "peak_at_s": peak_at,
        "peak_hwm_by_role_mb": {k: v / mb for k, v in per_role.items()},
        "sum_of_process_peaks_mb": sum(kb for _, kb in hwm.values()) / mb,
        "processes": len(hwm), "server": server_usage, "target_mb": TARGET_MB,
        "series": [(round(t, 1), round(c / mb, 1), round(r / mb, 1), round(p / mb, 1)) for t, c, r, p in series[::5]],
    }
    figures["passed"] = figures["peak_total_rss_mb"] < TARGET_MB and result["new"] == args.articles

    rows = [["crawler + workers (sampled sum of RSS)", figures["peak_total_rss_mb"]],
            ["crawler + workers (sampled sum of PSS)", figures["peak_total_pss_mb"]],
            ["sum of every process's own peak (VmHWM)", figures["sum_of_process_peaks_mb"]],
            ["crawler process ru_maxrss (RUSAGE_SELF)", result["ru_maxrss_self_mb"]]]
    rows += [[f"  peak of one {role} (VmHWM)", kb / mb] for role, kb in sorted(per_role.items())]
    print()
    print(_mirror.table(rows, ["peak memory", "MB"]))
    print()
    print(f"crawl: {result['links']} links, {result['new']} new, {result['duplicate']} duplicate, "
          f"{result['skipped']} skipped, {result['failed']} failed in {result['seconds']:.0f}s "
          f"({result['links'] / result['seconds']:.0f} pages/s); {stored} articles in the DB; "
          f"{len(hwm)} processes sampled; peak at {peak_at:.0f}s")
    if result["errors"]:
        print("errors:", *result["errors"], sep="\n  ")
    n = len(series)
    if n >= 4:
        marks = [series[int(n * q) - 1] for q in (0.25, 0.5, 0.75, 1.0)]
        print("crawler RSS over the crawl: " + ", ".join(f"{t:.0f}s {c / mb:.0f} MB (total {r / mb:.0f})"
                                                         for t, c, r, _ in marks))
    verdict = "PASS" if figures["passed"] else "MISS"
    print(f"\n{verdict}: peak {figures['peak_total_rss_mb']:.0f} MB RSS for crawler and workers "
          f"(target < {TARGET_MB:.0f} MB), {result['new']}/{args.articles} stored new")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
