"""Datelines ("BALIKPAPAN - …", "SAMARINDA.NIAGA.ASIA –", "Jakarta (ANTARA) -"): finding and stripping
the office city that opens a story, and the content hash that ignores it. Light on imports, since the
region finder and the summarizer use it outside extraction."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def content_hash(text: str, dateline: str | None = None) -> str:
    """A hash of the words of a text, blind to case, punctuation, spacing and the dateline prefix."""
    body = text
    if dateline:
        first, _, rest = body.partition("\n")
        body = _strip_dateline(first) + "\n" + rest
    normalized = unicodedata.normalize("NFKC", body).casefold()
    words = re.findall(r"\w+", normalized)
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]


_DATELINE = re.compile(r"^\s*(?P<prefix>[^\n]{2,80}?)\s*(?:[-–—]{1,2}|\|)\s+(?=\S)")
_BRAND = re.compile(r"\.(?:co|com|id|net|asia|tv|news)\b|\b(?:times|news|kompas|antara|tribun\w*|republika|detik\w*|"
                    r"liputan6|inews\w*|okezone|tempo|jawapos|suara\w*|prokal|disway|nomorsatukaltim|niaga|"
                    r"kn|fajar|merdeka|sindonews|cnn indonesia|viva)\b", re.IGNORECASE)


def _dateline_parts(first: str) -> tuple[str | None, int]:
    """(city, length of the prefix) of a first paragraph that starts with a dateline."""
    m = _DATELINE.match(first)
    if not m:
        return None, 0
    prefix = m.group("prefix")
    if re.search(r"[.!?\"“”]\s*$", prefix) or len(prefix.split()) > 8:
        return None, 0
    prefix_clean = re.sub(r"\((?:antara|antara news)\)", ",ANTARA", prefix, flags=re.IGNORECASE)
    parts = [p.strip() for p in prefix_clean.split(",") if p.strip()]
    has_brand = any(_BRAND.search(p) or p.upper() == "ANTARA" for p in parts)
    if not all(_BRAND.search(p) or p.upper() == "ANTARA" or all(w[:1].isupper() for w in p.split() if w[:1].isalpha())
               for p in parts):
        return None, 0  # a lower-case phrase before the dash: prose, not a dateline
    city = None
    for part in parts:
        if part.upper() == "ANTARA":
            continue
        if part.count(".") >= 2 and part.split(".")[0].isupper() and _BRAND.search(part):
            city = part.split(".")[0]  # SAMARINDA.NIAGA.ASIA
            break
        if _BRAND.search(part):
            continue
        words = part.split()
        if 1 <= len(words) <= 4 and all(w[0].isupper() for w in words if w[0].isalpha()):
            city = part
            break
    if city is None:
        return (None, m.end()) if has_brand else (None, 0)
    if not (city.isupper() or has_brand or len(city.split()) <= 3):
        return None, 0
    return city, m.end()


def find_dateline(text: str) -> str | None:
    """The dateline city of a text ("BALIKPAPAN - …" → "BALIKPAPAN"), if it has one."""
    first = text.split("\n", 1)[0]
    return _dateline_parts(first)[0]


def _strip_dateline(first: str) -> str:
    return first[_dateline_parts(first)[1]:]


def strip_dateline(text: str) -> str:
    """The text without the dateline that opens it ("BALIKPAPAN - Polisi …" → "Polisi …")."""
    first, newline, rest = text.partition("\n")
    return _strip_dateline(first) + newline + rest
