"""Which places an article is about: provinces and kabupaten/kota of Indonesia, kecamatan of East Kalimantan.

The gazetteer (``monitor/data/regions.json``, built by ``scripts/build_regions.py``) holds each
region's names and the aliases news uses (Kukar, PPU, Kaltim, IKN). Mentions weigh by where they are:
3 in the headline, 2 in the lead, 1 further down (at most 3 from the body), and a kecamatan or
kabupaten passes its weight on to the regions it lies in. The dateline is left out: outlets file
stories under their office's city, which is often not where the story happened.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .datelines import strip_dateline
from .errors import ConfigError

# Regency names that are also everyday words: only "Kabupaten X"/"Kab. X" counts for them.
COMMON_WORDS = frozenset({"Batu", "Pati", "Malaka", "Landak", "Buru", "Muna", "Bone", "Puncak", "Agam", "Kaur",
                          "Lingga", "Banjar", "Bangka", "Seram", "Timor"})
_WORD = re.compile(r"[^\W_]+")
_CAPITALIZED = re.compile(r"[A-Z][^\W_]*")  # words a place name can start with
# the next word of a name: after spaces or a hyphen (Toli-Toli), or after the full stop of "Kab."/"Kec."
_NEXT_WORD = re.compile(r"(\.?)[ \t\u00a0]*[-–]?[ \t\u00a0]*([^\W_]+)")
_ABBREVIATED = frozenset({"Kab", "Kec", "KAB", "KEC"})
# a place name after these words names a street, village or estate, not the region ("Kelurahan Batu Ampar"
# in Balikpapan is not Kecamatan Batu Ampar of Kutai Timur; "Jalan Samarinda" is a street)
_NOT_THE_REGION = re.compile(r"\b(?:jalan|jl|jln|gang|gg|kelurahan|kel|desa|kampung|dusun|perumahan|perum|"
                             r"komplek|kompleks|tol)\.?[ \t\u00a0]+$", re.IGNORECASE)
MIN_SCORE = 2  # a headline or lead mention, or two in the body
TITLE, LEAD, BODY, BODY_CAP = 3, 2, 1, 3


@dataclass
class _Node:
    keys: list[str] = field(default_factory=list)  # the regions named by the words up to here
    next: dict[str, _Node] = field(default_factory=dict)


@dataclass(frozen=True)
class Region:
    """A place in the gazetteer; ``key`` names it whole ("Kalimantan Timur/Kabupaten Kutai Kartanegara")."""

    name: str
    level: str  # province, regency, district
    kind: str  # Provinsi, Kabupaten, Kota, Kecamatan
    parent: str | None  # key of the region it lies in

    @property
    def key(self) -> str:
        """Unique: a kota may share its name with a kabupaten (Kota Bandung, Kabupaten Bandung)."""
        if not self.parent:
            return self.name
        return f"{self.parent}/{self.label if self.level == 'regency' else self.name}"

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}" if self.level != "province" else self.name


class Gazetteer:
    def __init__(self, data: dict[str, object]) -> None:
        self.regions: dict[str, Region] = {}
        forms: dict[str, set[str]] = {}

        def add(region: Region, *names: str) -> None:
            self.regions[region.key] = region
            for name in names:
                forms.setdefault(name, set()).add(region.key)
                forms.setdefault(name.upper(), set()).add(region.key)

        bare: dict[str, set[str]] = {}
        for province in data["provinces"]:  # type: ignore[attr-defined]
            prov = Region(province["name"], "province", "Provinsi", None)
            add(prov, province["name"], f"Provinsi {province['name']}", *province["aliases"])
            for regency in province["regencies"]:
                reg = Region(regency["name"], "regency", regency["type"], prov.key)
                prefixes = ["Kabupaten", "Kab."] if reg.kind == "Kabupaten" else ["Kota"]
                add(reg, *(f"{p} {reg.name}" for p in prefixes), *regency["aliases"])
                bare.setdefault(reg.name, set()).add(reg.key)
                for district in regency.get("districts", []):
                    dis = Region(district, "district", "Kecamatan", reg.key)
                    add(dis, f"Kecamatan {district}", f"Kec. {district}")
                    if " " in district:  # one-word kecamatan names are too often other things
                        bare.setdefault(district, set()).add(dis.key)
        for name, keys in bare.items():  # a bare name counts when it is unmistakable
            if name in COMMON_WORDS or name in forms or len({k.split("/", 1)[0] for k in keys}) > 1:
                continue
            for key in keys:
                forms.setdefault(name, set()).add(key)
                forms.setdefault(name.upper(), set()).add(key)
        # what a person may type to mean a region: any form, and the bare name even where texts need more
        named = [(form, keys) for form, keys in forms.items() if not form.isupper() or len(form) <= 4]
        named += [(region.name, {key}) for key, region in self.regions.items()]
        self.by_name: dict[str, set[str]] = {}  # normalized name → region keys
        self.spelled: dict[str, str] = {}  # normalized name → as written, for suggestions
        for form, keys in named:
            self.by_name.setdefault(_normal(form), set()).update(keys)
            self.spelled.setdefault(_normal(form), form)
        # a trie of the forms' words: a text is walked from each capitalized word, not matched by one huge
        # pattern (16 ms per article) nor split into every word (most words cannot start a place name)
        self.trie: dict[str, _Node] = {}
        for form, keys in forms.items():
            first, *rest = _WORD.findall(form)
            node = self.trie.setdefault(first, _Node())
            for word in rest:
                node = node.next.setdefault(word, _Node())
            node.keys = sorted(keys)

    def mentions(self, text: str) -> list[str]:
        """Region keys mentioned in ``text``, once per mention (the longest name wins where names overlap)."""
        trie = self.trie
        starts = []  # (offset, end, word) of each whole word that can start a name
        for word in trie.keys() & set(_CAPITALIZED.findall(text)):
            at = text.find(word)
            while at >= 0:
                after = at + len(word)
                if (not text[at - 1:at].isalnum() and not text[after:after + 1].isalnum()
                        and not _NOT_THE_REGION.search(text, max(0, at - 12), at)):
                    starts.append((at, after, word))
                at = text.find(word, after)
        starts.sort()
        found: list[str] = []
        end = 0  # text before this offset belongs to a name already found
        for at, after, word in starts:
            if at < end:
                continue
            node = trie[word]
            keys, stop, pos, previous = node.keys, after, after, word
            while node.next and (following := _NEXT_WORD.match(text, pos)):
                stopped, previous = following.group(1) and previous not in _ABBREVIATED, following.group(2)
                node = None if stopped else node.next.get(previous)  # type: ignore[assignment]
                if node is None:
                    break
                pos = following.end()
                if node.keys:
                    keys, stop = node.keys, pos
            if keys:
                found.extend(keys)
                end = stop
        return found

    def keys_for(self, name: str) -> set[str]:
        """The regions a person means by ``name`` ("Kukar", "kutai kartanegara", "Kota Samarinda"), or none."""
        return self.by_name.get(_normal(name), set())

    def resolve(self, names: Iterable[str], where: str = "") -> set[str]:
        """The keys of the regions named, for filters; a name the gazetteer does not know is an error
        that suggests the nearest names."""
        keys: set[str] = set()
        for name in names:
            found = self.keys_for(name)
            if not found:
                near = difflib.get_close_matches(_normal(name), self.spelled, n=3, cutoff=0.75)
                hint = f" (did you mean {' or '.join(repr(self.spelled[n]) for n in near)}?)" if near else ""
                raise ConfigError(f"{where + ': ' if where else ''}unknown region {name!r}{hint}; use a province,"
                                  " kabupaten/kota, East Kalimantan kecamatan or an alias such as Kukar")
            keys |= found
        return keys


def _normal(name: str) -> str:
    return " ".join(_WORD.findall(name)).lower()


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    path = resources.files("monitor") / "data" / "regions.json"
    return Gazetteer(json.loads(path.read_text(encoding="utf-8")))


def ancestors(key: str) -> tuple[str, ...]:
    """The keys of the regions ``key`` lies in, nearest first ("A/B/C" → "A/B", "A")."""
    parts = key.split("/")
    return tuple("/".join(parts[:n]) for n in range(len(parts) - 1, 0, -1))


def regions_of(title: str, text: str) -> list[tuple[Region, float]]:
    """The regions an article is about with weights in (0, 1] (1 for the most weighty), heaviest first."""
    gaz = gazetteer()
    body = strip_dateline(text)
    lead, _, rest = body.partition("\n")
    scores: dict[str, float] = {}
    body_points: dict[str, float] = {}
    for part, weight in ((title, TITLE), (lead, LEAD), (rest, BODY)):
        for key in gaz.mentions(part):
            if weight == BODY:
                if body_points.get(key, 0) >= BODY_CAP:
                    continue
                body_points[key] = body_points.get(key, 0) + BODY
            scores[key] = scores.get(key, 0) + weight
    total = dict(scores)
    for key, score in scores.items():
        for ancestor in ancestors(key):
            total[ancestor] = max(total.get(ancestor, 0), score)
    kept = {k: s for k, s in total.items() if s >= MIN_SCORE}
    if not kept:
        return []
    top = max(kept.values())
    return sorted(((gaz.regions[k], round(s / top, 2)) for k, s in kept.items()), key=lambda r: (-r[1], r[0].key))


def places(title: str, text: str) -> tuple[tuple[str, float], ...]:
    """``regions_of`` as (key, weight) pairs: what an ``Article`` carries to the store."""
    return tuple((region.key, weight) for region, weight in regions_of(title, text))
