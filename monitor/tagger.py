"""Where models live and how stored articles get their tags.

The model for a classifiers directory is named by the hash of its topics and training data
(including people's corrections from a database): when the data changes, the next run trains a
new model. Models built at run time go to the user's cache directory, never into the package.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from . import classify
from .classify import Classifier
from .errors import ClassifierError
from .store import Store
from .topics import Example, Topic, data_files, default_dir, fingerprint, load_examples, load_topics


def cache_dir() -> Path:
    """``$MONITOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/berita-monitor``, else ``~/.cache/berita-monitor``."""
    explicit = os.environ.get("MONITOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "berita-monitor"


def training_set(directory: Path | None = None, store: Store | None = None) -> tuple[list[Topic], list[Example]]:
    """Topics and examples of a classifiers directory, plus the corrected articles of a database."""
    directory = directory or default_dir()
    topics = load_topics(directory)
    examples = load_examples(data_files(directory), topics)
    if store is not None:
        names = {t.name for t in topics}
        for article_id, title, text, tags in store.labeled_articles():
            examples.append(Example(f"db:{article_id}", title, text, tuple(t for t in tags if t in names),
                                    origin="corrections"))
    if not examples:
        raise ClassifierError(f"{directory / 'data'}: no training examples (*.jsonl)")
    return topics, examples


def model_path(data_hash: str) -> Path:
    return cache_dir() / "models" / f"topics-{data_hash}-f{classify.MODEL_FORMAT}.skops"


def ensure_model(directory: Path | None = None, store: Store | None = None, *, force: bool = False,
                 output: Path | None = None, on_train: Callable[[int], None] | None = None) -> tuple[Classifier, Path]:
    """The model for the current training data: loaded when it exists, trained (and saved) when not."""
    topics, examples = training_set(directory, store)
    data_hash = fingerprint(topics, examples)
    path = output or model_path(data_hash)
    if path.exists() and not force:
        classifier = classify.load(path)
        if classifier.meta.get("data_hash") == data_hash:
            return classifier, path
    if on_train is not None:
        on_train(len(examples))
    classifier = classify.train(examples, topics, data_hash=data_hash)
    classify.save(classifier, path)
    return classifier, path


def tag_stored(store: Store, classifier: Classifier, *, since: datetime | None = None,
               untagged_only: bool = False, places: bool = False) -> int:
    """Apply ``classifier`` to stored articles (corrections stay as they are), and with ``places`` find
    their places again (after the gazetteer changed); returns how many."""
    count = 0
    for batch in store.articles_to_tag(since=since, untagged_only=untagged_only):
        taggings = classifier.predict([(title, text) for _, title, text in batch])
        store.save_taggings([(article_id, t.tags, t.scores, t.why) for (article_id, _, _), t
                             in zip(batch, taggings, strict=True)], classifier.version)
        if places:
            store.place(batch)
        count += len(batch)
        store.commit()
    return count
