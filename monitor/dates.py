"""Indonesian dates and times: "Senin, 25 November 2024 14:30 WIB", "25/11/2024", "(10/6/2024)", ISO, RFC 2822.

Every parsed time is timezone-aware: an explicit offset or WIB/WITA/WIT wins, otherwise the
source's zone is assumed. Slash dates are day/month/year, as always in Indonesian text.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nop": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}
ZONES = {"wib": 7, "wita": 8, "wit": 9, "utc": 0, "gmt": 0}
WEEKDAYS = (r"(?:senin|selasa|rabu|kamis|jum'?at|jumat|sabtu|minggu|ahad|"
            r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)")

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_TIME = (r"(?:(?:pukul|jam|pk\.?)\s*)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?"
         r"\s*(?P<zone>wib|wita|wit|utc|gmt)?\b")
# "25 November 2024", "Senin, 25 Nov 2024 | 14:30 WIB"
_DAY_MONTH_YEAR = re.compile(
    rf"\b(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})\.?\s+(?P<year>\d{{4}})\b(?:[\s,|/\-–—]*(?:{_TIME}))?",
    re.IGNORECASE,
)
# "November 13, 2024", "Maret 16, 2025"
_MONTH_DAY_YEAR = re.compile(
    rf"\b(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}}),\s*(?P<year>\d{{4}})\b(?:[\s,|/\-–—]*(?:{_TIME}))?",
    re.IGNORECASE,
)
# "25/11/2024", "19/12/2015, 20:51 WIB", "(2/11/23)"
_SLASH = re.compile(
    rf"(?<![\d/])(?P<day>\d{{1,2}})[/-](?P<month>\d{{1,2}})[/-](?P<year>\d{{4}}|\d{{2}})(?![\d/])(?:[\s,|\-–—]*(?:{_TIME}))?",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"^\s*(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
    r"(?:[T\s]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2}|wib|wita|wit|utc|gmt)?\s*$",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?P<n>\d+|se)\s*(?P<unit>detik|menit|jam|hari|minggu|bulan|tahun)\s+(?:yang\s+)?lalu\b", re.IGNORECASE
)
_LABEL_TAIL = re.compile(rf"(?:\s*(?:pada|tanggal|on)?\s*{WEEKDAYS}?\s*,?\s*)$", re.IGNORECASE)
_UPDATED = re.compile(r"(diperbarui|diupdate|update[d]?|pembaruan|terakhir diubah|modified)\s*:?\s*$", re.IGNORECASE)


def zone(name: str | None) -> tzinfo:
    """A tzinfo for an IANA name (default Asia/Jakarta)."""
    return ZoneInfo(name or "Asia/Jakarta")


def _offset(label: str | None) -> tzinfo | None:
    if not label:
        return None
    label = label.lower()
    if label in ZONES:
        return timezone(timedelta(hours=ZONES[label]))
    if label == "z":
        return UTC
    sign = -1 if label[0] == "-" else 1
    digits = label[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def _build(year: int, month: int, day: int, hour: int | None, minute: int | None, second: int | None,
           tz: tzinfo | None, default_tz: tzinfo) -> datetime | None:
    if year < 100:
        year += 2000
    try:
        value = datetime(year, month, day, hour or 0, minute or 0, second or 0)
    except ValueError:
        return None
    if not 1990 <= year <= 2100:
        return None
    return value.replace(tzinfo=tz or default_tz)


def _from_match(m: re.Match[str], default_tz: tzinfo) -> datetime | None:
    groups = m.groupdict()
    month_text = groups["month"]
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower()]
    if groups.get("hour") and int(groups["hour"]) > 23:
        groups["hour"] = groups["minute"] = groups["second"] = None
    num = lambda k: int(groups[k]) if groups.get(k) else None  # noqa: E731
    return _build(int(groups["year"]), month, int(groups["day"]), num("hour"), num("minute"), num("second"),
                  _offset(groups.get("zone")), default_tz)


def parse_date(text: str | None, default_tz: tzinfo | str | None = None, *,
               now: datetime | None = None) -> datetime | None:
    """Parse one date string (meta value, feed date or visible text); None if it holds no date."""
    if not text:
        return None
    tz = default_tz if isinstance(default_tz, tzinfo) else zone(default_tz)
    text = text.strip()
    m = _ISO.match(text)
    if m:
        g = m.groupdict()
        return _build(int(g["year"]), int(g["month"]), int(g["day"]),
                      int(g["hour"]) if g["hour"] else None, int(g["minute"]) if g["minute"] else None,
                      int(g["second"]) if g["second"] else None, _offset(g["offset"]), tz)
    if re.match(r"^[A-Za-z]{3},?\s+\d", text):
        try:
            value = email.utils.parsedate_to_datetime(text)
            return value if value.tzinfo else value.replace(tzinfo=tz)
        except (TypeError, ValueError):
            pass
    found = find_dates(text, tz, now=now)
    return found[0] if found else None


def find_dates(text: str, default_tz: tzinfo | str | None = None, *, now: datetime | None = None,
               skip_updated: bool = True) -> list[datetime]:
    """Every date in a piece of visible text, in order; dates labelled "Diperbarui" are left out."""
    tz = default_tz if isinstance(default_tz, tzinfo) else zone(default_tz)
    hits: list[tuple[int, datetime]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _SLASH):
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            before = text[max(0, m.start() - 60):m.start()].rsplit("\n", 1)[-1]
            before = _LABEL_TAIL.sub("", before)
            if skip_updated and _UPDATED.search(before.rstrip(" ,:|(\t")):
                taken.append(m.span())
                continue
            value = _from_match(m, tz)
            if value is not None:
                hits.append((m.start(), value))
                taken.append(m.span())
    if now is not None:
        for m in _RELATIVE.finditer(text):
            n = 1 if m.group("n").lower() == "se" else int(m.group("n"))
            unit = m.group("unit").lower()
            delta = {"detik": timedelta(seconds=n), "menit": timedelta(minutes=n), "jam": timedelta(hours=n),
                     "hari": timedelta(days=n), "minggu": timedelta(weeks=n), "bulan": timedelta(days=30 * n),
                     "tahun": timedelta(days=365 * n)}[unit]
            hits.append((m.start(), (now - delta).astimezone(tz)))
    return [value for _, value in sorted(hits, key=lambda hit: hit[0])]


def date_from_url(url: str, default_tz: tzinfo | str | None = None) -> datetime | None:
    """A date in the URL path: /2024/11/13/, /read/2024/06/11/184000/ (Suara), /20241113/."""
    tz = default_tz if isinstance(default_tz, tzinfo) else zone(default_tz)
    m = re.search(r"/(20\d{2})/(\d{1,2})/(\d{1,2})/(?:(\d{2})(\d{2})(\d{2})/)?", url)
    if m:
        hour, minute, second = (int(x) if x else None for x in m.group(4, 5, 6))
        return _build(int(m.group(1)), int(m.group(2)), int(m.group(3)), hour, minute, second, None, tz)
    m = re.search(r"/(20\d{2})(\d{2})(\d{2})\d*(?:/|$|-)", url)
    if m:
        return _build(int(m.group(1)), int(m.group(2)), int(m.group(3)), None, None, None, None, tz)
    return None


def to_utc_iso(value: datetime | None) -> str | None:
    """The UTC ISO 8601 form used in the store."""
    return value.astimezone(UTC).isoformat() if value else None
