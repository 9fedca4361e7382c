"""Extraction quality on the shared article-extraction benchmark (181 real pages with ground truth).

Scores plain ``trafilatura.bare_extraction`` and ``monitor.extract.extract_article`` (with the
Indonesian cleanup) with the benchmark's shingle metric, so that cleaning is shown never to cost text.

    python bench/extraction_quality.py [--data ../shared/benchmarks/extraction]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from monitor.errors import ExtractError
from monitor.extract import extract_article

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "extraction"


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Bag of 4-token shingles (a text under 4 tokens is one shingle, an empty text none)."""
    tokens = re.findall(r"\w+", text or "")
    if not tokens:
        return Counter()
    if len(tokens) < 4:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3))


def score(results: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """Precision, recall and F1 as the benchmark defines them (per-page ratios, then averaged)."""
    precisions, recalls, exact = [], [], 0
    for key, expected in truth.items():
        got = results.get(key, "")
        exp_bag, got_bag = shingles(expected), shingles(got)
        tp = sum((exp_bag & got_bag).values())
        fp = sum(got_bag.values()) - tp
        fn = sum(exp_bag.values()) - tp
        if got_bag:
            precisions.append(tp / (tp + fp) if tp + fp else 0.0)
        if exp_bag:
            recalls.append(tp / (tp + fn) if tp + fn else 0.0)
        elif not got_bag:
            recalls.append(1.0)
        exact += re.findall(r"\w+", got) == re.findall(r"\w+", expected)
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    return {"f1": 2 * p * r / (p + r), "precision": p, "recall": r, "accuracy": exact / len(truth)}


def run(name: str, fn: Callable[[str, str], str], pages: dict[str, tuple[str, str]],
        truth: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    results = {key: fn(html, url) for key, (html, url) in pages.items()}
    elapsed = time.perf_counter() - started
    figures = score(results, truth)
    figures["pages_per_s"] = len(pages) / elapsed
    print(f"{name:55s} F1 {figures['f1']:.3f}  P {figures['precision']:.3f}  R {figures['recall']:.3f}  "
          f"{figures['pages_per_s']:.0f} pages/s")
    return figures


def plain(fast: bool) -> Callable[[str, str], str]:
    def extract(html: str, url: str) -> str:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, fast=fast)
        return (doc.text or "") if doc else ""
    return extract


def ours(fast: bool) -> Callable[[str, str], str]:
    def extract(html: str, url: str) -> str:
        try:
            return extract_article(html, url, fast=fast).article.text
        except ExtractError:
            return ""
    return extract


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    truth_raw = json.loads((args.data / "ground-truth.json").read_text())
    pages = {}
    for path in sorted((args.data / "html").glob("*.html.gz")):
        key = path.name.split(".")[0]
        pages[key] = (gzip.open(path, "rt", encoding="utf8").read(), truth_raw[key].get("url", ""))
    truth = {k: v["articleBody"] for k, v in truth_raw.items() if k in pages}
    print(f"{len(pages)} pages")
    extractors = {
        "trafilatura bare_extraction (with_metadata, no comments)": plain(False),
        "trafilatura bare_extraction fast=True": plain(True),
        "monitor extract_article (fast=False)": ours(False),
        "monitor extract_article (default, fast=True)": ours(True),
    }
    figures = {name: run(name, fn, pages, truth) for name, fn in extractors.items()}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
