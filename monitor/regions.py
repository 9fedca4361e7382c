"""Which places an article is about: provinces and kabupaten/kota of Indonesia, kecamatan of East Kalimantan.

The gazetteer (``monitor/data/regions.json``, built by ``scripts/build_regions.py``) holds each
region's names and the aliases news uses (Kukar, PPU, Kaltim, IKN). Mentions weigh by where they are:
3 in the headline, 2 in the lead, 1 further down (at most 3 from the body), and a kecamatan or
kabupaten passes its weight on to the regions it lies in. The dateline is left out: outlets file
stories under their office's city, which is often not where the story happened.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .extract import strip_dateline

# Regency names that are also everyday words: only "Kabupaten X"/"Kab. X" counts for them.
COMMON_WORDS = frozenset({"Batu", "Pati", "Malaka", "Landak", "Buru", "Muna", "Bone", "Puncak", "Agam", "Kaur",
                          "Lingga", "Banjar", "Bangka", "Seram", "Timor"})
_WORD = re.compile(r"[^\W_]+")
MIN_SCORE = 2  # a headline or lead mention, or two in the body
TITLE, LEAD, BODY, BODY_CAP = 3, 2, 1, 3


@dataclass(frozen=True)
class Region:
    """A place in the gazetteer; ``key`` names it whole ("Kalimantan Timur/Kutai Kartanegara")."""

    name: str
    level: str  # province, regency, district
    kind: str  # Provinsi, Kabupaten, Kota, Kecamatan
    parent: str | None  # key of the region it lies in

    @property
    def key(self) -> str:
        return f"{self.parent}/{self.name}" if self.parent else self.name

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
        # forms by their first word, longest first: a text is matched word by word, not by one huge pattern
        self.first: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {}
        for form, keys in forms.items():
            words = tuple(_WORD.findall(form))
            self.first.setdefault(words[0], []).append((words, sorted(keys)))
        for candidates in self.first.values():
            candidates.sort(key=lambda c: -len(c[0]))

    def mentions(self, text: str) -> list[str]:
        """Region keys mentioned in ``text``, once per mention (the longest name wins where names overlap)."""
        words = _WORD.findall(text)
        first = self.first
        found: list[str] = []
        end = 0  # words before this index belong to a name already found
        for i in [i for i, word in enumerate(words) if word in first]:
            if i < end:
                continue
            for form, keys in first[words[i]]:
                if tuple(words[i:i + len(form)]) == form:
                    found.extend(keys)
                    end = i + len(form)
                    break
        return found

    def ancestors(self, key: str) -> list[str]:
        parent = self.regions[key].parent
        return [parent, *self.ancestors(parent)] if parent else []


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    path = resources.files("monitor") / "data" / "regions.json"
    return Gazetteer(json.loads(path.read_text(encoding="utf-8")))


def regions_of(title: str, text: str) -> list[tuple[Region, float]]:
    """The regions an article is about with weights in (0, 1] (1 for the most weighty), heaviest first."""
    places = gazetteer()
    body = strip_dateline(text)
    lead, _, rest = body.partition("\n")
    scores: dict[str, float] = {}
    body_points: dict[str, float] = {}
    for part, weight in ((title, TITLE), (lead, LEAD), (rest, BODY)):
        for key in places.mentions(part):
            if weight == BODY:
                if body_points.get(key, 0) >= BODY_CAP:
                    continue
                body_points[key] = body_points.get(key, 0) + BODY
            scores[key] = scores.get(key, 0) + weight
    total = dict(scores)
    for key, score in scores.items():
        for ancestor in places.ancestors(key):
            total[ancestor] = max(total.get(ancestor, 0), score)
    kept = {k: s for k, s in total.items() if s >= MIN_SCORE}
    if not kept:
        return []
    top = max(kept.values())
    return sorted(((places.regions[k], round(s / top, 2)) for k, s in kept.items()), key=lambda r: (-r[1], r[0].key))
