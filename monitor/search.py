"""Search queries: what people type, made safe for FTS5, with Indonesian morphology and synonyms.

One full-text index holds the words as written; a lexicon (the ``words`` table: every indexed
word with its Snowball Indonesian stem) turns a query word into the forms of it that occur in the
archive, so ``distribusi`` also looks for ``mendistribusikan`` and ``pendistribusian`` and the
other way round. Snowball alone would not do: it turns ``distribusi`` into ``stribusi`` but
``mendistribusikan`` into ``distribusi``, so a word is matched to a form when either one's stem
is the other or both stems agree. Exact matches rank first.

Query syntax: words (all must match), ``"a phrase"``, ``OR`` between items, ``-word`` or
``NOT word`` to exclude, ``prefix*``. Anything else a person types is taken as text, never as
FTS5 syntax.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import Stemmer

from .errors import MonitorError

# The unicode61 tokenizer of the index: letters and digits make words, everything else separates them.
_TOKEN = re.compile(r"[^\W_]+")
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

# Indonesian function words: a query word among these is left out when the query has other words
# (alone, or inside a phrase, it is searched for).
COMMON_WORDS = frozenset("""
yang dan di ke dari ini itu dengan untuk pada dalam tidak akan juga oleh karena sebagai adalah atau
bahwa para telah sudah saat ada bisa secara serta bagi kepada agar namun tersebut
""".split())


class QueryError(MonitorError):
    """A query with nothing to search for."""

    exit_code = 2


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("indonesian")


def _fold(word: str) -> str:
    """A word as the index holds it: lower case, diacritics removed (``remove_diacritics 2``)."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of a text as the index sees them."""
    return [_fold(w) for w in _TOKEN.findall(text.lower())]


def vocabulary(text: str) -> set[str]:
    """The distinct words of a text worth a lexicon entry (numbers have no other forms)."""
    return {_fold(w) for w in set(_TOKEN.findall(text.lower())) if not w.isdigit()}


def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def stems(words_: list[str]) -> list[str]:
    return list(_stemmer().stemWords(words_))


def forms_of(word: str) -> set[str]:
    """The keys a query word is looked up by in the lexicon: itself, its stem, and the stem without
    a verb suffix that Snowball keeps in some words (awasi → awas, as in pengawasan)."""
    root = stem(word)
    forms = {word, root}
    for suffix in ("kan", "i"):
        if root.endswith(suffix) and len(root) - len(suffix) >= 4:
            forms.add(root[: -len(suffix)])
    return forms


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
    ignored: list[str] = field(default_factory=list)  # function words left out (see COMMON_WORDS)


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
    # A function word next to other words narrows nothing and costs a read of most of the index.
    common = [g for g in query.groups if len(g) == 1 and not g[0].prefix and g[0].words[0] in COMMON_WORDS
              and len(g[0].words) == 1]
    if len(common) < len(query.groups):
        query.groups = [g for g in query.groups if g not in common]
        query.ignored = [g[0].words[0] for g in common]
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


Forms = Callable[[str], Iterable[str]]
"""Where a word's other forms come from: the store's lexicon (the word itself is always kept)."""


def _expanded(item: Item, forms: Forms) -> str:
    """An item or its synonyms and acronyms, each single word also in the archive's other forms of it."""
    if item.prefix:
        return _exact(item)
    options: list[str] = []
    for variant in _synonyms(item):
        if len(variant) == 1:
            options.extend(_quote(f) for f in sorted({variant[0], *forms(variant[0])}))
        else:
            options.append(_quote(" ".join(variant)))
    return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"


def to_fts(query: Query, forms: Forms | None = None) -> str:
    """The FTS5 MATCH expression of a query, every word quoted: the words as typed or, given
    ``forms``, with their other forms and synonyms as alternatives."""
    def render(item: Item) -> str:
        return _exact(item) if forms is None else _expanded(item, forms)

    groups = []
    for group in query.groups:
        parts = [render(item) for item in group]
        groups.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    expression = " AND ".join(groups)
    for item in query.excluded:
        expression = f"({expression}) NOT {render(item)}"
    return expression


def wanted_pattern(query: Query, forms: Forms) -> re.Pattern[str]:
    """A pattern for every word a query looks for, its forms and synonyms included: what snippets mark."""
    found: set[str] = set()
    prefixes: list[str] = []
    for group in query.groups:
        for item in group:
            if item.prefix:
                prefixes.append(re.escape(item.words[0]) + r"[^\W_]*")
                continue
            for variant in _synonyms(item):
                found.update(variant)
                if len(variant) == 1:
                    found.update(forms(variant[0]))
    options = sorted(map(re.escape, found), key=len, reverse=True) + prefixes
    return re.compile(r"(?<![^\W_])(?:" + "|".join(options) + r")(?![^\W_])", re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern[str], *, width: int = 200, mark: tuple[str, str] = ("[", "]")) -> str:
    """A window of ``text`` around the first word ``pattern`` finds, such words marked."""
    first = pattern.search(text)
    if first is None:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, first.start() - width // 4)
    end = min(len(text), start + width)
    out, last = [], start
    for found in pattern.finditer(text, start):
        a, b = found.span()
        if b > end:
            break
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
