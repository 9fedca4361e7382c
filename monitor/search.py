"""Search queries: what people type, made safe for FTS5, with Indonesian morphology and synonyms.

Two indexes work together: the exact one (``articles_fts``) and an expanded one
(``articles_stem``) where every word is followed by its Snowball Indonesian stem. A query term
looks for itself and its stem in the expanded index, which finds ``mendistribusikan`` and
``pendistribusian`` from ``distribusi`` and the other way round (Snowball alone turns
``distribusi`` into ``stribusi`` and ``mendistribusikan`` into ``distribusi``, so stems alone
would not meet). Exact matches rank first.

Query syntax: words (all must match), ``"a phrase"``, ``OR`` between items, ``-word`` or
``NOT word`` to exclude, ``prefix*``. Anything else a person types is taken as text, never as
FTS5 syntax.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import Stemmer

from .errors import MonitorError

_TOKEN = re.compile(r"\w+", re.UNICODE)
_QUERY = re.compile(r'(-?)"([^"]*)("?)|(\S+)')
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("asn", "pns", "aparatur sipil negara", "pegawai negeri sipil"),
    ("pilkada", "pemilukada", "pemilihan kepala daerah"),
    ("surat suara", "kertas suara"),
    ("tps", "tempat pemungutan suara"),
    ("kpu", "komisi pemilihan umum"),
    ("bawaslu", "badan pengawas pemilu"),
    ("dpt", "daftar pemilih tetap"),
    ("kades", "kepala desa"),
    ("paslon", "pasangan calon"),
    ("pppk", "pegawai pemerintah dengan perjanjian kerja"),
    ("tni", "tentara nasional indonesia"),
    ("polri", "kepolisian"),
)


class QueryError(MonitorError):
    """A query with nothing to search for."""

    exit_code = 2


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("indonesian")


def words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def forms_of(word: str) -> set[str]:
    """What a query word looks for in the expanded index: itself, its stem, and the stem without a
    verb suffix that Snowball keeps in some words (awasi → awas, as in pengawasan)."""
    root = stem(word)
    forms = {word, root}
    for suffix in ("kan", "i"):
        if root.endswith(suffix) and len(root) - len(suffix) >= 4:
            forms.add(root[: -len(suffix)])
    return forms


def index_text(text: str) -> str:
    """The expanded-index form of a text: each word followed by its stem when that differs."""
    tokens = words(text)
    stems = _stemmer().stemWords(tokens)
    return " ".join(t if s == t else f"{t} {s}" for t, s in zip(tokens, stems, strict=True))


@dataclass(frozen=True)
class Item:
    """One thing to find: a word, a prefix or a phrase (as a list of words)."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass
class Query:
    """All groups must match (each group: any of its items); excluded items must not."""

    groups: list[list[Item]] = field(default_factory=list)
    excluded: list[Item] = field(default_factory=list)

    @property
    def terms(self) -> set[str]:
        return {w for group in self.groups for item in group for w in item.words}


def parse_query(text: str) -> Query:
    """Read what a person typed; stray operators, quotes and symbols are tolerated."""
    query = Query()
    pending_or = False
    negate_next = False
    for match in _QUERY.finditer(text):
        minus, phrase, _closed, bare = match.groups()
        negate = bool(minus) or negate_next
        negate_next = False
        if bare is not None:
            if bare == "OR":
                pending_or = bool(query.groups)
                continue
            if bare in ("AND", "NEAR"):
                continue
            if bare == "NOT":
                negate_next = True
                continue
            if bare.startswith("-") and len(bare) > 1:
                negate, bare = True, bare[1:]
            prefix = bare.endswith("*")
            tokens = tuple(words(bare))
            if not tokens:
                continue
            item = Item(tokens, prefix=prefix and len(tokens) == 1)
        else:
            tokens = tuple(words(phrase or ""))
            if not tokens:
                continue
            item = Item(tokens)
        if negate:
            query.excluded.append(item)
            pending_or = False
        elif pending_or:
            query.groups[-1].append(item)
            pending_or = False
        else:
            query.groups.append([item])
    if not query.groups:
        raise QueryError(f"nothing to search for in {text!r}: give at least one word"
                         + (" that is not excluded" if query.excluded else ""))
    return query


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _exact(item: Item) -> str:
    if len(item.words) > 1:
        return _quote(" ".join(item.words))
    return _quote(item.words[0]) + ("*" if item.prefix else "")


def _synonyms(item: Item) -> list[tuple[str, ...]]:
    phrase = " ".join(item.words)
    for group in SYNONYMS:
        if phrase in group:
            return [tuple(g.split()) for g in group]
    return [item.words]


def _expanded(item: Item) -> str:
    """An item in the expanded index: itself or its stem; synonyms and acronyms too."""
    if item.prefix:
        return _exact(item)
    options: list[str] = []
    for variant in _synonyms(item):
        if len(variant) == 1:
            options.extend(_quote(f) for f in sorted(forms_of(variant[0])))
        else:
            # the expanded index puts stems between words: allow a little distance
            options.append(f"NEAR({' '.join(_quote(w) for w in variant)}, {len(variant)})")
    return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"


def to_fts(query: Query, *, expanded: bool) -> str:
    """The FTS5 MATCH expression for the exact or the expanded index; every word is quoted."""
    render = _expanded if expanded else _exact
    groups = []
    for group in query.groups:
        parts = [render(item) for item in group]
        groups.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    expression = " AND ".join(groups)
    for item in query.excluded:
        expression = f"({expression}) NOT {render(item)}"
    return expression


def highlight(text: str, query: Query, *, width: int = 200, mark: tuple[str, str] = ("[", "]")) -> str:
    """A window of ``text`` around the first matching word, matches marked (words match by stem)."""
    wanted = {stem(t) for t in query.terms} | query.terms
    prefixes = tuple(w for group in query.groups for item in group if item.prefix for w in item.words)
    tokens = list(_TOKEN.finditer(text))
    lowered = [m.group().lower() for m in tokens]
    stems = _stemmer().stemWords(lowered)  # one call for the whole text
    spans = [m.span() for m, w, s in zip(tokens, lowered, stems, strict=True)
             if w in wanted or s in wanted or (prefixes and w.startswith(prefixes))]
    if not spans:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, spans[0][0] - width // 4)
    end = min(len(text), start + width)
    out, last = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(text[last:a] + mark[0] + text[a:b] + mark[1])
        last = b
    out.append(text[last:end])
    return ("…" if start else "") + "".join(out).replace("\n", " ") + ("…" if end < len(text) else "")


CSV_FIELDS = ["id", "published", "source", "title", "url", "tags", "snippet", "match"]


def results_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Search results as CSV (tags joined by commas), for the command line and the web export."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "tags": ",".join(row["tags"])})
    return buffer.getvalue()
