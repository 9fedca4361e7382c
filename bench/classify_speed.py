"""Classifier speed: training on the whole corpus, and tagging stored articles per second on one core.

Targets: training in under 30 s; classification of stored articles at ≥ 1,000 articles/s per core
(read from a real SQLite store, tags written back, as ``monitor retag`` does).

    python bench/classify_speed.py [--articles 5000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from monitor import classify
from monitor.extract import content_hash
from monitor.models import Article
from monitor.store import Store
from monitor.tagger import tag_stored, training_set
from monitor.topics import fingerprint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says

    topics, examples = training_set()
    started = time.perf_counter()
    classifier = classify.train(examples, topics, data_hash=fingerprint(topics, examples))
    train_seconds = time.perf_counter() - started
    print(f"training on {len(examples)} examples (5-fold thresholds + final fit): {train_seconds:.1f} s")

    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.db")
        now = datetime.now(UTC)
        for i in range(args.articles):
            base = examples[rng.randrange(len(examples))]
            paragraphs = [base.text] + [examples[rng.randrange(len(examples))].text for _ in range(2)]
            text = "\n\n".join(paragraphs) + f"\n\nCatatan {i}."
            store.save_article(Article(url=f"https://bench.example/{i}", title=base.title, text=text, published=now,
                                       content_hash=content_hash(text)), "bench", fetched_url=f"https://bench.example/{i}",
                               fetched_at=now)
        store.commit()
        words = sum(len(t.split()) for (t,) in store.db.execute("SELECT text FROM articles"))
        started = time.perf_counter()
        count = tag_stored(store, classifier)
        tag_seconds = time.perf_counter() - started
        store.close()
    rate = count / tag_seconds
    print(f"tagging {count} stored articles (mean {words // count} words): {tag_seconds:.2f} s = {rate:.0f} articles/s")
    print(f"{'PASS' if train_seconds < 30 else 'MISS'}: training {train_seconds:.1f} s (target < 30 s)")
    print(f"{'PASS' if rate >= 1000 else 'MISS'}: {rate:.0f} articles/s on one core (target ≥ 1,000)")
    if args.json:
        args.json.write_text(json.dumps({"examples": len(examples), "train_seconds": round(train_seconds, 2),
                                         "articles": count, "articles_per_second": round(rate)}, indent=2))


if __name__ == "__main__":
    main()
