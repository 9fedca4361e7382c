"""How good the classifier is: cross-validation with whole regions held out, next to a keyword baseline.

The baseline counts a topic's seed terms (from topics.yaml) in an article and tags it when the
count reaches a cut-off learned on the training folds: what a careful person would build by hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from . import classify
from .classify import Classifier, label_matrix, prepare
from .topics import Example, Topic

NEGATIVE_WEIGHT = 5  # a real stream has many more untagged articles than a training set


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Evaluation:
    """Per-topic scores of the model and of the keyword baseline, and the worst mistakes."""

    topics: list[str]
    model: dict[str, Scores]
    baseline: dict[str, Scores]
    stream_precision: dict[str, float]
    examples: int
    method: str
    confusions: list[dict[str, object]] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        return float(np.mean([s.f1 for s in self.model.values()]))

    @property
    def baseline_macro_f1(self) -> float:
        return float(np.mean([s.f1 for s in self.baseline.values()]))

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method, "examples": self.examples,
            "macro_f1": round(self.macro_f1, 4), "baseline_macro_f1": round(self.baseline_macro_f1, 4),
            "topics": {t: {"model": self.model[t].__dict__, "baseline": self.baseline[t].__dict__,
                           "stream_precision": self.stream_precision[t]} for t in self.topics},
            "worst_confusions": self.confusions,
        }


def _scores(predicted: np.ndarray, truth: np.ndarray) -> Scores:
    tp = int(np.sum(predicted & (truth == 1)))
    fp = int(np.sum(predicted & (truth == 0)))
    fn = int(np.sum(~predicted & (truth == 1)))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return Scores(round(p, 4), round(r, 4), round(f, 4), int(np.sum(truth == 1)))


def seed_counts(examples: Sequence[Example], topics: list[Topic]) -> np.ndarray:
    """How often each topic's seed terms occur in each example (whole words, case-insensitive)."""
    patterns = [re.compile(r"\b(?:" + "|".join(re.escape(s) for s in t.seeds) + r")\b") if t.seeds else None
                for t in topics]
    counts = np.zeros((len(examples), len(topics)), dtype=int)
    for i, ex in enumerate(examples):
        doc = prepare(ex.title, ex.text)
        for j, pattern in enumerate(patterns):
            counts[i, j] = len(pattern.findall(doc)) if pattern else 0
    return counts


class KeywordBaseline:
    """Tag a topic when its seed terms occur at least ``cut`` times (cut learned on training data)."""

    def __init__(self, topics: list[Topic]) -> None:
        self.topics = topics
        self.cuts = [1] * len(topics)

    def fit(self, examples: Sequence[Example]) -> KeywordBaseline:
        counts = seed_counts(examples, self.topics)
        y = label_matrix(examples, [t.name for t in self.topics])
        for j in range(len(self.topics)):
            best, best_f = 1, -1.0
            for cut in range(1, 16):
                f = _scores(counts[:, j] >= cut, y[:, j]).f1
                if f > best_f:
                    best, best_f = cut, f
            self.cuts[j] = best
        return self

    def predict(self, examples: Sequence[Example]) -> np.ndarray:
        return seed_counts(examples, self.topics) >= np.array(self.cuts)


def _report(topics: list[Topic], examples: Sequence[Example], predicted: np.ndarray, scores: np.ndarray | None,
            baseline: np.ndarray, method: str, thresholds: np.ndarray | None) -> Evaluation:
    names = [t.name for t in topics]
    y = label_matrix(examples, names)
    negative = np.array([not ex.labels for ex in examples])
    model_scores = {t: _scores(predicted[:, j], y[:, j]) for j, t in enumerate(names)}
    stream = {}
    for j, t in enumerate(names):
        tp = int(np.sum(predicted[:, j] & (y[:, j] == 1)))
        fp_other = int(np.sum(predicted[:, j] & (y[:, j] == 0) & ~negative))
        fp_negative = int(np.sum(predicted[:, j] & negative))
        denominator = tp + fp_other + NEGATIVE_WEIGHT * fp_negative
        stream[t] = round(tp / denominator, 4) if denominator else 0.0
    confusions: list[dict[str, object]] = []
    if scores is not None and thresholds is not None:
        wrong = predicted != (y == 1)
        margin = np.where(wrong, np.abs(scores - thresholds), 0).max(axis=1)
        for i in np.argsort(-margin)[:5]:
            if margin[i] <= 0:
                break
            confusions.append({"id": examples[i].id, "title": examples[i].title, "labels": list(examples[i].labels),
                               "predicted": [t for j, t in enumerate(names) if predicted[i, j]],
                               "scores": {t: round(float(scores[i, j]), 3) for j, t in enumerate(names)}})
    return Evaluation(names, model_scores, {t: _scores(baseline[:, j], y[:, j]) for j, t in enumerate(names)},
                      stream, len(examples), method, confusions)


def cross_validate(topics: list[Topic], examples: Sequence[Example], *, folds: int = 5, seed: int = 0) -> Evaluation:
    """Grouped, stratified k-fold: a whole region is never in training and test at once; thresholds and
    baseline cut-offs are learned inside each training fold only."""
    names = [t.name for t in topics]
    y = label_matrix(examples, names)
    strata = classify.label_strata(examples, folds)
    groups = np.array([ex.region or ex.id for ex in examples])
    grouped = len(set(groups)) >= 2 * folds
    if not grouped:  # too few regions to hold whole ones out: plain stratified folds
        groups = np.array([ex.id for ex in examples])
    scores = np.zeros(y.shape)
    thresholds = np.zeros(y.shape)
    predicted = np.zeros(y.shape, dtype=bool)
    baseline = np.zeros(y.shape, dtype=bool)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(examples)), strata, groups):
        train = [examples[i] for i in train_idx]
        test = [examples[i] for i in test_idx]
        context = {t.name: list(t.context) for t in topics if t.context}
        inner = classify.out_of_fold_scores(train, names, folds=3, seed=seed, context=context)
        cut = {t: classify.best_threshold(inner[:, j], y[train_idx, j]) for j, t in enumerate(names)}
        model = classify.fit(train, names, thresholds=cut, context=context)
        fold_scores = model.scores([prepare(e.title, e.text) for e in test])
        scores[test_idx] = fold_scores
        thresholds[test_idx] = np.array([cut[t] for t in names])
        predicted[test_idx] = fold_scores >= thresholds[test_idx]
        baseline[test_idx] = KeywordBaseline(topics).fit(train).predict(test)
    method = f"{folds}-fold cross-validation, stratified by label set" + (
        ", whole regions held out" if grouped else "")
    return _report(topics, examples, predicted, scores, baseline, method, thresholds)


def score_data(classifier: Classifier, topics: list[Topic], train: Sequence[Example],
               examples: Sequence[Example]) -> Evaluation:
    """A trained model and the baseline (fit on ``train``) scored on another labeled set."""
    names = [t.name for t in topics]
    scores = classifier.scores([prepare(e.title, e.text) for e in examples])
    thresholds = np.array([classifier.thresholds[t] for t in names])
    baseline = KeywordBaseline(topics).fit(train).predict(examples)
    return _report(topics, examples, scores >= thresholds, scores, baseline, "trained model on a labeled file",
                   np.tile(thresholds, (len(examples), 1)))
