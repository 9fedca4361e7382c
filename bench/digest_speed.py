"""Digest speed: building, grouping and rendering one day's digest out of 2,000 stored articles.

The day's articles (~400 words, put together from paragraphs of the training corpus, as in
``search_speed.py``) are spread over 24 hours, about one in ten per topic tag, with a week of
earlier days for the averages. Timed: ``build_digest`` (reading the day, stories, summaries) plus
rendering both parts and composing the message. Target: under 5 s.

    python bench/digest_speed.py [--articles 2000] [--repeat 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_speed import articles  # noqa: E402

from monitor.digest import build_digest, compose  # noqa: E402
from monitor.store import Store  # noqa: E402
from monitor.topics import default_dir, load_topics  # noqa: E402

DAY = date(2024, 11, 26)


def fill(store: Store, per_day: int, days: int) -> None:
    """``per_day`` articles on DAY and a tenth of that on each of the ``days`` before, in WITA."""
    start = datetime(2024, 11, 25, 16, tzinfo=UTC)  # 26 Nov 00:00 WITA
    plan = [(start, per_day)] + [(start - timedelta(days=d), per_day // 10) for d in range(1, days + 1)]
    offset = 0
    for day_start, n in plan:
        for batch in articles(offset, n):
            for i, (article, scores) in enumerate(batch):
                when = day_start + timedelta(seconds=(offset + i) * 86400 // max(n, 1) % 86400)
                article = replace(article, published=when)
                _, article_id = store.save_article(article, "bench", fetched_url=article.url, fetched_at=when)
                store.save_tagging(article_id, [t for t, s in scores.items() if s > 0.5], scores, {}, "bench")
            store.commit()
            offset += len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "digest.db")
        fill(store, args.articles, 7)
        topics = load_topics(default_dir())
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            digest = build_digest(store, DAY, topics, zone="Asia/Makassar")
            message = compose(digest, "monitor@desk.example", "desk@desk.example")
            times.append(time.perf_counter() - started)
        counts = {s.topic: (s.count, len(s.stories)) for s in digest.sections}
        print(f"{args.articles} articles on {DAY}: {counts} (articles, stories) per topic")
        print(f"message {len(message.as_bytes()) / 1024:.0f} KB; build + render: median"
              f" {statistics.median(times):.2f} s, worst {max(times):.2f} s (target < 5 s)")
        store.close()
        if args.json:
            args.json.write_text(json.dumps({"articles": args.articles, "seconds": times, "per_topic": counts}))


if __name__ == "__main__":
    main()
