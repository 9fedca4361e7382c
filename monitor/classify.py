"""The topic classifier: TF-IDF features, one linear model per topic, per-topic thresholds, explanations.

``train`` fits a model on labeled examples and picks each topic's decision threshold from
cross-validated scores; ``Classifier.predict`` gives tags, scores and the terms that pushed each
tag. Models are saved with skops (never pickle): loading checks the file's SHA-256 against its
metadata and accepts only an explicit list of scikit-learn, SciPy and NumPy types.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import csr_matrix

from .errors import ClassifierError
from .extract import find_dateline
from .topics import Example, Topic

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

# Prediction needs only NumPy and SciPy: scikit-learn and skops are imported where a model is trained,
# saved or read, so crawl workers start fast.

CONTEXT_DAMPING = 0.2  # a topic whose context terms are all absent keeps a fifth of its score
MODEL_FORMAT = 3  # bump when features change: models of another format are retrained
# A model file holds only arrays and lists; anything else in it is refused.
TRUSTED_TYPES = frozenset({"numpy.ndarray", "numpy.dtype", "builtins.list", "builtins.dict", "builtins.str"})
WORD_FEATURES = {"min_df": 2, "max_df": 0.6, "max_features": 60000}  # words and word pairs, see analyze()

# Indonesian function words (written for this project): they carry no topic.
STOPWORDS = frozenset("""
ada adalah agar akan akhirnya aku anda antara apa apabila atas atau bagaimana bagi bahkan bahwa banyak baru
begitu belum beberapa berbagai bersama beliau bila bisa boleh bukan cukup dalam dan dapat dari daripada dengan
di dia diri dulu hal hampir hanya harus hingga ia ialah ini itu jadi jangan jika juga jumat kalau kami kamis
kamu kan karena kata kemudian kepada ketika kini kita ke lagi lain lalu lebih maka masih maupun melalui menjadi
menurut mereka minggu misalnya mungkin namun nanti oleh pada para per pernah pula pun rabu sabtu saat saja
salah sama sambil sampai sangat satu saya se sebagai sebelum sebuah secara sedang sehingga sejak sekitar
selain selama selasa seluruh semua senin sendiri seperti serta setelah setiap sini situ sudah supaya tak
tanpa tapi telah tentang terhadap tersebut tetapi tiap tidak ujar ungkap yaitu yakni yang tutur jelas ucap
katanya ujarnya jelasnya tuturnya ucapnya pihaknya""".split())
_WORD = re.compile(r"[a-z][a-z0-9]+(?:-[a-z0-9]+)*")


def analyze(doc: str) -> list[str]:
    """Words (no function words) and pairs of neighbouring words: the model's features."""
    words = [w for w in _WORD.findall(doc) if w not in STOPWORDS]
    return words + list(map(" ".join, zip(words, words[1:], strict=False)))


def prepare(title: str, text: str) -> str:
    """The text the model reads: headline twice (it weighs more), body without its dateline, lower case."""
    body = text or ""
    first, sep, rest = body.partition("\n")
    city = find_dateline(first)
    if city:
        cut = first.find(" ", first.find(city) + len(city))
        dash = re.search(r"[-–—]{1,2}\s", first[:120])
        if dash:
            first = first[dash.end():]
        elif cut > 0:
            first = first[cut:]
    return f"{title}\n{title}\n{first}{sep}{rest}".lower()


@dataclass(frozen=True)
class Tagging:
    """What the classifier says about one article."""

    tags: tuple[str, ...]
    scores: dict[str, float]
    why: dict[str, list[str]]


class Classifier:
    """A trained multi-label model: vectorizers, one linear model per topic, thresholds and metadata."""

    def __init__(self, topics: list[str], terms: Sequence[str], idf: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray, thresholds: dict[str, float], meta: dict[str, Any],
                 context: dict[str, list[str]] | None = None) -> None:
        self.topics = topics
        self.context = context or {}
        self._context = [context_pattern(self.context.get(t, [])) for t in topics]
        self.coef = np.asarray(coef, dtype=np.float32)  # topics × features
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.thresholds = thresholds
        self.meta = meta
        self._names = np.asarray(terms, dtype=str)
        self._n_word = len(self._names)
        self._vocabulary = {str(t): i for i, t in enumerate(self._names)}
        self._idf = np.asarray(idf, dtype=np.float32)

    def state(self) -> dict[str, Any]:
        """Everything the model is, as plain arrays and values (for model files and worker processes)."""
        return {"topics": list(self.topics), "word_terms": self._names, "word_idf": self._idf.astype(np.float64),
                "coef": self.coef, "intercept": self.intercept, "thresholds": dict(self.thresholds),
                "meta": dict(self.meta), "context": dict(self.context)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Classifier:
        return cls(list(state["topics"]), state["word_terms"], state["word_idf"], state["coef"], state["intercept"],
                   state["thresholds"], state["meta"], state["context"])

    def vectorizer(self) -> TfidfVectorizer:
        """The scikit-learn vectorizer these features reproduce (fitted from the model's vocabulary and idf)."""
        return _rebuilt(list(self._names), self._idf, dict(self.meta.get("features") or WORD_FEATURES))

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unknown"))

    def _word_features(self, docs: Sequence[str]) -> csr_matrix:
        """The same matrix as ``self.vectorizer().transform(docs)`` (sublinear tf, idf, l2), three times faster."""
        lookup = self._vocabulary.get
        found: list[int] = []
        indptr = [0]
        for doc in docs:
            found.extend(map(lookup, analyze(doc), repeat(-1)))  # -1: not in the vocabulary
            indptr.append(len(found))
        ids = np.asarray(found, dtype=np.int32)
        known = ids >= 0
        ends = np.concatenate(([0], np.cumsum(known)))[np.asarray(indptr)]
        matrix = csr_matrix((np.ones(int(known.sum()), dtype=np.float32), ids[known], ends.astype(np.int32)),
                            shape=(len(docs), self._n_word))
        matrix.sum_duplicates()
        matrix.data = (1.0 + np.log(matrix.data)) * self._idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
        return matrix

    def _scores(self, features: csr_matrix, docs: Sequence[str]) -> np.ndarray:
        margin = features @ self.coef.T + self.intercept
        scores = np.asarray(1.0 / (1.0 + np.exp(-margin)))
        outside: dict[str, np.ndarray] = {}  # topics usually share one context: search it once per document
        for column, pattern in enumerate(self._context):
            if pattern is not None:
                if pattern.pattern not in outside:
                    outside[pattern.pattern] = np.array([pattern.search(doc) is None for doc in docs], dtype=bool)
                scores[outside[pattern.pattern], column] *= CONTEXT_DAMPING
        return scores

    def scores(self, docs: Sequence[str]) -> np.ndarray:
        """Probability-like scores of prepared documents, one column per topic."""
        return self._scores(self._word_features(docs), docs)

    def predict(self, items: Sequence[tuple[str, str]], *, explain: int = 5) -> list[Tagging]:
        """Tags, scores and explaining terms for (title, text) pairs."""
        docs = [prepare(title, text) for title, text in items]
        if not docs:
            return []
        features = self._word_features(docs)
        columns = self._scores(features, docs)
        result = []
        for row, scores in enumerate(columns):
            tags = tuple(t for t, s in zip(self.topics, scores, strict=True) if s >= self.thresholds[t])
            why: dict[str, list[str]] = {}
            if explain:
                start, end = features.indptr[row], features.indptr[row + 1]
                indices, values = features.indices[start:end], features.data[start:end]
                for topic in tags:
                    contribution = values * self.coef[self.topics.index(topic), indices]
                    order = np.argsort(-contribution)
                    why[topic] = [str(self._names[indices[i]]) for i in order[:explain] if contribution[i] > 0]
            result.append(Tagging(tags, {t: round(float(s), 4) for t, s in zip(self.topics, scores, strict=True)},
                                  why))
        return result


def context_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """A topic's context terms as one regex (words starting with a term), or None when it has none."""
    if not terms:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(t.lower()) for t in sorted(terms, key=len, reverse=True)) + ")")


def _vectorizer(settings: dict[str, Any], vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=analyze, sublinear_tf=True, dtype=np.float32, vocabulary=vocabulary, **settings)


def _rebuilt(terms: Sequence[str], idf: np.ndarray, settings: dict[str, Any]) -> TfidfVectorizer:
    """A fitted vectorizer from its vocabulary and idf weights (what a model file keeps)."""
    vectorizer = _vectorizer(settings, {str(t): i for i, t in enumerate(terms)})
    vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
    return vectorizer


def label_matrix(examples: Sequence[Example], topics: list[str]) -> np.ndarray:
    return np.array([[int(t in ex.labels) for t in topics] for ex in examples], dtype=np.int8)


def label_strata(examples: Sequence[Example], folds: int) -> np.ndarray:
    """Label sets as strata for k-fold splits; sets too rare to spread over the folds are pooled."""
    strata = np.array(["|".join(e.labels) or "-" for e in examples])
    values, counts = np.unique(strata, return_counts=True)
    rare = set(values[counts < folds])
    strata = np.array(["rare" if s in rare else s for s in strata])
    if 0 < int(np.sum(strata == "rare")) < folds:
        strata[strata == "rare"] = values[np.argmax(counts)]
    return strata


def best_threshold(scores: np.ndarray, truth: np.ndarray, beta: float = 1.0) -> float:
    """The score cut-off that maximizes F-beta on out-of-fold scores (ties: the higher cut-off)."""
    best, best_f = 0.5, -1.0
    for cut in np.unique(np.round(scores, 3)):
        predicted = scores >= cut
        tp = int(np.sum(predicted & (truth == 1)))
        fp = int(np.sum(predicted & (truth == 0)))
        fn = int(np.sum(~predicted & (truth == 1)))
        if tp == 0:
            continue
        p, r = tp / (tp + fp), tp / (tp + fn)
        f = (1 + beta**2) * p * r / (beta**2 * p + r)
        if f >= best_f:
            best, best_f = float(cut), f
    return best


def out_of_fold_scores(examples: Sequence[Example], topics: list[str], *, folds: int = 5, seed: int = 0,
                       c: float = 8.0, context: dict[str, list[str]] | None = None) -> np.ndarray:
    """Scores of each example from a model that did not see it (stratified by label set)."""
    docs = [prepare(e.title, e.text) for e in examples]
    y = label_matrix(examples, topics)
    strata = label_strata(examples, folds)
    scores = np.zeros(y.shape, dtype=float)
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(docs, strata):
        clf = fit([examples[i] for i in train_idx], topics, thresholds={t: 0.5 for t in topics}, c=c,
                  context=context)
        scores[test_idx] = clf.scores([docs[i] for i in test_idx])
    return scores


def fit(examples: Sequence[Example], topics: list[str], *, thresholds: dict[str, float], c: float = 8.0,
        meta: dict[str, Any] | None = None, context: dict[str, list[str]] | None = None) -> Classifier:
    """Fit vectorizers and one logistic regression per topic (thresholds given)."""
    missing = [t for t in topics if not any(t in e.labels for e in examples)]
    if missing:
        raise ClassifierError(f"no training example is labeled {missing[0]!r}: add examples to classifiers/data/")
    from sklearn.linear_model import LogisticRegression

    docs = [prepare(e.title, e.text) for e in examples]
    vectorizer = _vectorizer(WORD_FEATURES)
    x = csr_matrix(vectorizer.fit_transform(docs))
    y = label_matrix(examples, topics)
    coef, intercept = [], []
    for column in range(y.shape[1]):
        model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=1000)
        model.fit(x, y[:, column])
        coef.append(model.coef_[0])
        intercept.append(model.intercept_[0])
    # Keep only vocabulary and idf: a fitted vectorizer also holds every term it dropped (stop_words_).
    return Classifier(topics, vectorizer.get_feature_names_out(), vectorizer.idf_, np.vstack(coef),
                      np.array(intercept), thresholds, {"features": WORD_FEATURES, **(meta or {})}, context)


def train(examples: Sequence[Example], topic_list: list[Topic], *, data_hash: str, folds: int = 5) -> Classifier:
    """Train on every example, with per-topic thresholds chosen on cross-validated scores."""
    import scipy
    import sklearn
    import skops

    topics = [t.name for t in topic_list]
    context = {t.name: list(t.context) for t in topic_list if t.context}
    y = label_matrix(examples, topics)
    oof = out_of_fold_scores(examples, topics, folds=folds, context=context)
    thresholds = {t: best_threshold(oof[:, i], y[:, i]) for i, t in enumerate(topics)}
    meta = {
        "format": MODEL_FORMAT,
        "features": WORD_FEATURES,
        "version": f"{data_hash[:8]}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}",
        "data_hash": data_hash,
        "trained_at": datetime.now(UTC).isoformat(),
        "examples": len(examples),
        "topics": topics,
        "thresholds": thresholds,
        "context": context,
        "libraries": {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                      "skops": skops.__version__},
    }
    return fit(examples, topics, thresholds=thresholds, meta=meta, context=context)


# -- model files ------------------------------------------------------------------------------------
def save(classifier: Classifier, path: Path) -> None:
    """Write ``path`` (skops, arrays only) and ``path.json`` (metadata with the file's SHA-256)."""
    import skops.io as sio

    path.parent.mkdir(parents=True, exist_ok=True)
    full = classifier.state()
    state = {key: full[key] for key in ("topics", "word_terms", "word_idf", "coef", "intercept")}
    tmp = path.with_suffix(".tmp")
    sio.dump(state, tmp)
    meta = {**classifier.meta, "sha256": hashlib.sha256(tmp.read_bytes()).hexdigest()}
    os.replace(tmp, path)
    Path(f"{path}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")


def load(path: Path) -> Classifier:
    """Read a model written by ``save``; refuse one whose bytes or types are not what we wrote."""
    import skops.io as sio

    meta_path = Path(f"{path}.json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        content = path.read_bytes()
    except FileNotFoundError as e:
        raise ClassifierError(f"{e.filename}: model file not found (run 'monitor train')") from None
    except (OSError, ValueError) as e:
        raise ClassifierError(f"{meta_path}: unreadable model metadata: {e}") from None
    if hashlib.sha256(content).hexdigest() != meta.get("sha256"):
        raise ClassifierError(f"{path}: model file does not match its recorded checksum; refusing to load it "
                              "(run 'monitor train --force' to rebuild)")
    if meta.get("format") != MODEL_FORMAT:
        raise ClassifierError(f"{path}: model format {meta.get('format')} is not {MODEL_FORMAT} (run 'monitor train')")
    try:
        found = set(sio.get_untrusted_types(data=content))
        unexpected = sorted(found - TRUSTED_TYPES)
        if unexpected:
            raise ClassifierError(f"{path}: model file contains untrusted types ({', '.join(unexpected[:3])}); "
                                  "refusing to load it")
        state = sio.loads(content, trusted=sorted(found))
        thresholds = {str(k): float(v) for k, v in meta["thresholds"].items()}
        return Classifier(list(state["topics"]), state["word_terms"], state["word_idf"], state["coef"],
                          state["intercept"], thresholds, meta, meta.get("context") or {})
    except ClassifierError:
        raise
    except Exception as e:  # skops and numpy raise many types for damaged files
        raise ClassifierError(f"{path}: not a readable model file ({type(e).__name__}: {e})") from None
