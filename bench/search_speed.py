"""Search speed on a generated store: loading rate, size per article, and p95 query latency.

Articles (~400 words) are put together from paragraphs of the training corpus, so the vocabulary
and word frequencies are Indonesian news; about one in ten carries each topic tag. They are stored
a thousand at a time with their tags (``save_articles``, as an import does; ``--one-by-one`` uses
``save_article`` as a crawl does), a commit each; the loading rate counts the store's time only,
not the generator's. Queries go through ``Store.search`` (top 20
with snippets), as ``monitor search`` runs them, next to plain ``LIKE`` scans on the same data.
Articles come with their content hash and places (``regions.places``) as the extraction workers give
them; ``--find-places`` leaves the places to the store, which then finds them itself.
Targets (at 1,000,000 articles): two words + a tag filter p95 ≤ 50 ms, every query p95 ≤ 150 ms,
loading ≥ 1,500 articles/s.

    PYTHONPATH=. python bench/search_speed.py [--articles 1000000] [--db FILE] [--repeat 20] [--json FILE]
        [--one-by-one] [--find-places]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.extract import content_hash
from monitor.models import Article
from monitor.regions import places
from monitor.search import parse_query
from monitor.store import Store
from monitor.tagger import training_set

TOPICS = ["logistics", "security", "asn_neutrality"]
QUERIES = [  # (kind, query, tags, regions)
    ("two words + tag", '"surat suara"', ["logistics"], None),
    ("two words + tag", "pengamanan tps", ["security"], None),
    ("two words + tag", "netralitas asn", ["asn_neutrality"], None),
    ("two words", "distribusi logistik", None, None),
    ("other forms", "pendistribusian", None, None),
    ("rare word", "gempa", None, None),
    ("phrase OR", '"kotak suara" OR "bilik suara"', None, None),
    ("prefix", "sortir*", None, None),
    ("common word", "yang", None, None),
    ("common word", "pilkada", None, None),
    ("common + rare", "yang pendistribusian", None, None),
    ("no query + tag", "", ["security"], None),
    ("two words + region", '"surat suara"', None, ["Kukar"]),
    ("common word + region", "pilkada", None, ["Mahulu"]),
    ("no query + region", "", None, ["Berau"]),
    ("no query + absent region", "", None, ["Jayawijaya"]),
]
LIKES = [
    ("LIKE: %surat suara% + tag, newest 20",
     "SELECT a.id FROM articles a WHERE a.text LIKE '%surat suara%' AND EXISTS (SELECT 1 FROM article_tags t"
     " WHERE t.article_id=a.id AND t.topic='logistics' AND t.tagged=1) ORDER BY a.published DESC LIMIT 20"),
    ("LIKE: %pendistribusian%, newest 20",
     "SELECT id FROM articles WHERE text LIKE '%pendistribusian%' ORDER BY published DESC LIMIT 20"),
    ("LIKE: %gempa%, newest 20", "SELECT id FROM articles WHERE text LIKE '%gempa%' ORDER BY published DESC LIMIT 20"),
    ("LIKE: %tsunami% (no match: every row read)",
     "SELECT id FROM articles WHERE text LIKE '%tsunami%' ORDER BY published DESC LIMIT 20"),
]


def articles(start_id: int, n: int, seed: int = 0) -> Iterator[list[tuple[Article, dict[str, float]]]]:
    """Generated articles with their topic scores, a thousand at a time."""
    _, examples = training_set()
    paragraphs = [p for e in examples for p in e.text.split("\n\n") if len(p.split()) > 20]
    titles = [e.title for e in examples]
    rng = random.Random(seed + start_id)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    batch = []
    for i in range(start_id, start_id + n):
        body, words = [], 0
        while words < 400:
            paragraph = rng.choice(paragraphs)
            body.append(paragraph)
            words += len(paragraph.split())
        text = "\n\n".join(body) + f"\n\nNomor {i}."
        when = start + timedelta(minutes=i)
        title = rng.choice(titles)
        article = Article(url=f"https://bench.example/{i}", title=title, text=text, published=when,
                          content_hash=content_hash(text), regions=places(title, text))
        batch.append((article, {t: (0.9 if rng.random() < 0.1 else 0.05) for t in TOPICS}))
        if len(batch) == 1000:
            yield batch
            batch = []
    if batch:
        yield batch


def load(store: Store, start_id: int, n: int, *, one_by_one: bool = False, find_places: bool = False) -> float:
    """Store ``n`` generated articles a thousand at a time (``save_articles``, as an import does) or one by
    one (``save_article``, as a crawl does), with their tags; returns articles per second of store time."""
    spent = 0.0
    for batch in articles(start_id, n):
        started = time.perf_counter()
        items = [(replace(article, regions=None) if find_places else article, "bench", article.url,
                  article.published or datetime.now(UTC)) for article, _ in batch]
        if one_by_one:
            ids = [store.save_article(a, s, fetched_url=u, fetched_at=t)[1] for a, s, u, t in items]
        else:
            ids = [article_id for _, article_id in store.save_articles(items)]
        store.save_taggings([(article_id, [t for t, s in scores.items() if s > 0.5], scores, {})
                             for article_id, (_, scores) in zip(ids, batch, strict=True)], "bench")
        store.commit()
        spent += time.perf_counter() - started
    return n / spent


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def timed(run, repeat: int) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    times, results = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        results = run()
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="reuse (or create) this database instead of a temporary one")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one-by-one", action="store_true", help="load with save_article, as a crawl stores")
    parser.add_argument("--find-places", action="store_true", help="articles come without places: the store finds them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "search.db"
        store = Store(path)
        existing = store.count("articles")
        rate = None
        if existing < args.articles:
            rate = load(store, existing, args.articles - existing, one_by_one=args.one_by_one,
                        find_places=args.find_places)
            print(f"loaded {args.articles - existing} articles at {rate:.0f} articles/s (target ≥ 1,500)")
        count = store.count("articles")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        print(f"{count} articles, database {size / 1e9:.2f} GB = {size / count / 1024:.1f} KB per article")
        figures: dict[str, object] = {"articles": count, "load_per_s": rate, "bytes_per_article": size / count}
        print(f"{'query (top 20 with snippets)':45s} {'results':>7s} {'p50 ms':>8s} {'p95 ms':>8s}")
        worst = 0.0
        for kind, text, tags, regions in QUERIES:
            query = parse_query(text) if text else None
            times, results = timed(lambda q=query, t=tags, r=regions: len(store.search(q, tags=t, regions=r, limit=20)),
                                   args.repeat)
            label = (f"{kind}: {text or '(none)'}{' --tag ' + tags[0] if tags else ''}"
                     f"{' --region ' + regions[0] if regions else ''}")
            print(f"{label:45s} {results:7d} {statistics.median(times):8.1f} {p95(times):8.1f}")
            figures[label] = {"p50_ms": statistics.median(times), "p95_ms": p95(times)}
            worst = max(worst, p95(times))
        times, _ = timed(lambda: store.facets("yang")["total"], max(3, args.repeat // 4))
        print(f"{'facets of the web page: yang':45s} {'':7s} {statistics.median(times):8.1f} {p95(times):8.1f}")
        figures["facets: yang"] = {"p50_ms": statistics.median(times), "p95_ms": p95(times)}
        for label, sql in LIKES:
            times, results = timed(lambda s=sql: len(store.db.execute(s).fetchall()), 3)
            print(f"{label:45s} {results:7d} {statistics.median(times):8.1f} {p95(times):8.1f}")
            figures[label] = {"p50_ms": statistics.median(times), "p95_ms": p95(times)}
        figures["worst_p95_ms"] = worst
        print(f"worst search p95: {worst:.1f} ms")
        store.close()
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
