"""Indonesian sentence splitting, extractive summaries, and grouping a day's articles into stories.

Summaries are extractive and deterministic: news puts the event in its first sentences, so the
lead sentence always comes first and at most two more follow, chosen for the words they share with
the headline. Stories are groups of articles about the same event from several outlets: articles
whose headline and lead share enough weighted words (TF-IDF cosine) fall into one story.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .classify import STOPWORDS
from .datelines import strip_dateline

# Words that end with a full stop without ending the sentence (compared in lower case, without the stop).
ABBREVIATIONS = frozenset("""
kab kec kel kota prov desa ds dusun jl jln gg no nomor hal tel telp
dr drs dra ir prof hj h kh st sdr sdri bpk bp ibu ny nn tn yth an
pt cv tbk persero ud koperasi rs rsu rsud univ
dll dsb dst dkk spt ttd tgl
jend letjen mayjen brigjen kol letkol mayor kapt lettu letda serka serma
irjen kombes akbp kompol akp iptu ipda aiptu aipda bripka brigpol brigadir bripda
rp us usd km kg cm mm ha
""".split())
_CANDIDATE_END = re.compile(r"""[.!?…]+["”’')\]]*(?=\s+["“‘'(\[]?[A-Z0-9])""")
_WORD = re.compile(r"[^\W_]+")


def sentences(text: str) -> list[str]:
    """The sentences of a text, paragraph by paragraph. A full stop after an abbreviation (Kab., H.,
    S.Sos.), an initial or inside a number does not end a sentence; closing quotes stay with it."""
    found: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = " ".join(paragraph.split())
        start = 0
        for end in _CANDIDATE_END.finditer(paragraph):
            if end.group().startswith(".") and _abbreviation_before(paragraph, end.start()):
                continue
            piece = paragraph[start:end.end()].strip()
            if piece:
                found.append(piece)
            start = end.end()
        rest = paragraph[start:].strip()
        if rest:
            found.append(rest)
    return found


def _abbreviation_before(text: str, stop: int) -> bool:
    """Whether the word before the full stop at ``stop`` is an abbreviation or an initial."""
    word = text[:stop].rsplit(None, 1)[-1] if text[:stop].strip() else ""
    word = word.lstrip("(\"“'")
    if not word:
        return False
    if "." in word:  # S.Sos, M.Si, a.n, U.S
        return all(len(part) <= 4 for part in word.split("."))
    return word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in STOPWORDS and not w.isdigit()]


def summary(title: str, text: str, *, max_sentences: int = 3, max_chars: int = 360) -> str:
    """One to three sentences of the article: the lead (without its dateline), then the sentences of the
    first paragraphs that share most words with the headline, in the article's order."""
    candidates = [s for s in sentences(strip_dateline(text)) if len(s.split()) >= 5][:12]
    if not candidates:
        return " ".join(text.split())[:max_chars]
    headline = set(_content_words(title))
    chosen = [0]
    length = len(candidates[0])
    ranked = sorted(range(1, len(candidates)),
                    key=lambda i: (-len(headline & set(_content_words(candidates[i]))), i))
    for i in ranked:
        if len(chosen) >= max_sentences:
            break
        if length + len(candidates[i]) + 1 <= max_chars and headline & set(_content_words(candidates[i])):
            chosen.append(i)
            length += len(candidates[i]) + 1
    text_out = " ".join(candidates[i] for i in sorted(chosen))
    return text_out if len(text_out) <= max_chars else text_out[: max_chars - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class Item:
    """What clustering needs of an article."""

    id: int
    title: str
    text: str


def stories(items: Sequence[Item], *, threshold: float = 0.3, lead_words: int = 120) -> list[list[int]]:
    """Groups of item indexes about the same event (the largest first, then in the order given): items
    whose headline and lead have a TF-IDF cosine of at least ``threshold`` with another of the group."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    if not items:
        return []
    bags = [Counter(_content_words(f"{item.title} {item.title} {' '.join(item.text.split()[:lead_words])}"))
            for item in items]
    df = Counter(word for bag in bags for word in bag)
    column = {word: i for i, word in enumerate(df)}
    n = len(items)
    rows, cols, values = [], [], []
    for row, bag in enumerate(bags):
        for word, count in bag.items():
            rows.append(row)
            cols.append(column[word])
            values.append((1 + math.log(count)) * math.log((1 + n) / (1 + df[word]) + 1))
    matrix = csr_matrix((values, (rows, cols)), shape=(n, len(column)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix = csr_matrix(matrix.multiply(1 / norms[:, None]))
    similar = matrix @ matrix.T
    similar.data = (similar.data >= threshold).astype(np.int8)
    similar.eliminate_zeros()
    _, labels = connected_components(similar, directed=False)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
