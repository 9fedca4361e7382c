"""Indonesian dates: the formats of SOURCES.md §3.1, zones WIB/WITA/WIT, traps and URL dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.dates import date_from_url, find_dates, parse_date, to_utc_iso

WIB, WITA, WIT = (timezone(timedelta(hours=h)) for h in (7, 8, 9))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, tz=WITA) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)


def same_instant_and_offset(got: datetime | None, want: datetime) -> None:
    assert got is not None
    assert got.tzinfo is not None
    assert got == want
    assert got.utcoffset() == want.utcoffset()
    assert got.replace(tzinfo=None) == want.replace(tzinfo=None)


# The default zone is WITA (Asia/Makassar), so an explicit WIB/WIT is visible in the result.
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Senin, 25 November 2024 14:30 WIB", at(2024, 11, 25, 14, 30, tz=WIB)),
        ("Rabu, 13 November 2024 | 15:42 WITA", at(2024, 11, 13, 15, 42, tz=WITA)),
        ("Rabu, 13 November 2024 15:42 WIT", at(2024, 11, 13, 15, 42, tz=WIT)),
        ("Senin, 15 Mei 2017 18:43 WIB", at(2017, 5, 15, 18, 43, tz=WIB)),
        ("Kompas.com - 19/12/2015, 20:51 WIB", at(2015, 12, 19, 20, 51, tz=WIB)),
        ("Kompas.com - 01/02/2017, 15:11 WIB", at(2017, 2, 1, 15, 11, tz=WIB)),
        ("Politik | 20 November 2024, 20:30 WIB", at(2024, 11, 20, 20, 30, tz=WIB)),
        ("By Sarah Nafisah, Senin, 26 Agustus 2019 | 20:00 WIB", at(2019, 8, 26, 20, 0, tz=WIB)),
        ("Senin, 29 Jan 2024 16:04 WIB", at(2024, 1, 29, 16, 4, tz=WIB)),
        ("Kamis, 14 Nop 2024 08.50 Wita", at(2024, 11, 14, 8, 50, tz=WITA)),
        ("Jum'at, 1 Maret 2024 09:00 WIB", at(2024, 3, 1, 9, 0, tz=WIB)),
        ("Jumat, 22 November 2024 - 07:15 WITA", at(2024, 11, 22, 7, 15, tz=WITA)),
        ("Senin, 25 november 2024 - 14:30 wib", at(2024, 11, 25, 14, 30, tz=WIB)),
        ("25 November 2024 pukul 13.30 Wita", at(2024, 11, 25, 13, 30, tz=WITA)),
        ("25 November 2024 14:30:15 WIB", at(2024, 11, 25, 14, 30, 15, tz=WIB)),
        ("17 Agt 2024", at(2024, 8, 17)),
        ("5 Agu 2024", at(2024, 8, 5)),
        ("5 Des 2023 10:00 WIB", at(2023, 12, 5, 10, 0, tz=WIB)),
        ("3 Sept 2024", at(2024, 9, 3)),
        ("3 Okt 2024", at(2024, 10, 3)),
        ("1 Pebruari 2024", at(2024, 2, 1)),
        ("Selasa, 21 Januari 2025", at(2025, 1, 21)),
        ("November 13, 2024 by", at(2024, 11, 13)),
        ("Minggu, Maret 16, 2025", at(2025, 3, 16)),
    ],
)
def test_visible_header_formats(text: str, want: datetime) -> None:
    same_instant_and_offset(parse_date(text, "Asia/Makassar"), want)


@pytest.mark.parametrize(
    ("text", "zone", "want"),
    [
        ("24 Oktober 2024 11:08", "Asia/Makassar", at(2024, 10, 24, 11, 8, tz=WITA)),
        ("24 Oktober 2024 11:08", "Asia/Jakarta", at(2024, 10, 24, 11, 8, tz=WIB)),
        ("24 Oktober 2024 11:08", "Asia/Jayapura", at(2024, 10, 24, 11, 8, tz=WIT)),
        ("8 Desember 2022 19:11", "Asia/Makassar", at(2022, 12, 8, 19, 11, tz=WITA)),
        ("2026/06/05 20:30:23", "Asia/Jakarta", at(2026, 6, 5, 20, 30, 23, tz=WIB)),
        ("2026-03-26 12:14:10", "Asia/Jakarta", at(2026, 3, 26, 12, 14, 10, tz=WIB)),
    ],
)
def test_no_zone_in_text_takes_the_default_zone(text: str, zone: str, want: datetime) -> None:
    same_instant_and_offset(parse_date(text, zone), want)


def test_default_zone_can_be_a_tzinfo() -> None:
    same_instant_and_offset(parse_date("24 Oktober 2024 11:08", WIT), at(2024, 10, 24, 11, 8, tz=WIT))


def test_explicit_zone_beats_default_zone() -> None:
    same_instant_and_offset(parse_date("Senin, 25 November 2024 14:30 WIB", "Asia/Jayapura"),
                            at(2024, 11, 25, 14, 30, tz=WIB))


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Sun, 15 Mar 2020 15:51:04 +0700", at(2020, 3, 15, 15, 51, 4, tz=WIB)),
        ("Mon, 25 Nov 2024 07:00:00 GMT", at(2024, 11, 25, 7, 0, 0, tz=UTC)),
        ("2024-11-25T06:30:00Z", at(2024, 11, 25, 6, 30, tz=UTC)),
        ("2024-11-25T14:30:00+07:00", at(2024, 11, 25, 14, 30, tz=WIB)),
        ("2024-11-25T15:30:00.123+0800", at(2024, 11, 25, 15, 30, tz=WITA)),
        ("2017-05-15T18:43:56+07:00", at(2017, 5, 15, 18, 43, 56, tz=WIB)),
    ],
)
def test_machine_formats(text: str, want: datetime) -> None:
    same_instant_and_offset(parse_date(text, "Asia/Jayapura"), want)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Kamis, 10/10/2019", at(2019, 10, 10)),
        ("Selasa (17/9/2024)", at(2024, 9, 17)),
        ("Selasa (13/02/2024)", at(2024, 2, 13)),
        ("Senin(9/12/2024)", at(2024, 12, 9)),
        ("05/11/2024", at(2024, 11, 5)),  # day/month: 5 November, not May 11
        ("Kamis (2/11/23)", at(2023, 11, 2)),
        ("Selasa 26/11/24.", at(2024, 11, 26)),
    ],
)
def test_slash_dates_are_day_month_year(text: str, want: datetime) -> None:
    same_instant_and_offset(parse_date(text, "Asia/Makassar"), want)


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2024",
        "30 Februari 2024",
        "13/25/2024",  # month 25 does not exist (and it is not read as month/day)
        "2024-02-30",
        "Minggu (1/10)",  # no year: not a full date
        "Tidak ada tanggal di sini, hanya angka 12 dan 2024.",
        "",
        "   ",
        None,
    ],
)
def test_no_valid_date_gives_none(text: str | None) -> None:
    assert parse_date(text, "Asia/Makassar") is None


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("17 menit yang lalu", timedelta(minutes=17)),
        ("2 jam lalu", timedelta(hours=2)),
        ("sejam yang lalu", timedelta(hours=1)),
        ("3 hari yang lalu", timedelta(days=3)),
        ("30 detik yang lalu", timedelta(seconds=30)),
    ],
)
def test_relative_dates_count_back_from_now(text: str, delta: timedelta) -> None:
    now = datetime(2024, 11, 25, 12, 0, tzinfo=UTC)
    got = parse_date(text, "Asia/Jakarta", now=now)
    assert got is not None
    assert got == now - delta
    assert got.utcoffset() == timedelta(hours=7)  # shown in the source's zone


def test_relative_dates_need_now() -> None:
    assert parse_date("17 menit yang lalu", "Asia/Jakarta") is None
    assert find_dates("17 menit yang lalu", "Asia/Jakarta") == []


def test_find_dates_returns_all_dates_in_order() -> None:
    text = "Rapat digelar Rabu (18/9/2024), setelah sebelumnya dijadwalkan Selasa, 17 September 2024."
    assert find_dates(text, "Asia/Makassar") == [at(2024, 9, 18), at(2024, 9, 17)]


@pytest.mark.parametrize(
    "text",
    [
        "Diperbarui: 26 November 2024 10:00 WIB\nDipublikasikan 25 November 2024 09:00 WIB",
        "Dipublikasikan: 25 November 2024 09:00 WIB | Diperbarui: 26 November 2024 10:00 WIB",
        "Terbit: 25/11/2024, 09:00 WIB | Diperbarui: 26/11/2024, 10:00 WIB",
        "Update: 26 Nov 2024 10:00 WIB Terbit: 25 Nov 2024 09:00 WIB",
    ],
)
def test_find_dates_skips_updated_dates(text: str) -> None:
    assert find_dates(text, "Asia/Makassar") == [at(2024, 11, 25, 9, 0, tz=WIB)]


def test_updated_dates_kept_when_asked() -> None:
    text = "Diperbarui: 26 November 2024 10:00 WIB"
    assert find_dates(text, "Asia/Makassar") == []
    assert find_dates(text, "Asia/Makassar", skip_updated=False) == [at(2024, 11, 26, 10, 0, tz=WIB)]


@pytest.mark.parametrize(
    "text",
    [
        "Diperbarui: Selasa, 26 November 2024 10:00 WIB\nSenin, 25 November 2024 09:00 WIB",
        "Dipublikasikan Senin, 25 November 2024 09:00 WIB. Diperbarui Selasa, 26 November 2024 10:00 WIB",
    ],
)
def test_find_dates_skips_updated_dates_with_weekday(text: str) -> None:
    assert find_dates(text, "Asia/Makassar") == [at(2024, 11, 25, 9, 0, tz=WIB)]


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("https://kaltim.suara.com/read/2024/06/11/184000/kpu-samarinda", at(2024, 6, 11, 18, 40, 0)),
        ("https://kaltim.tribunnews.com/2024/11/13/bawaslu-kaltim", at(2024, 11, 13)),
        ("https://example.id/berita/20241113/kpu-kukar", at(2024, 11, 13)),
    ],
)
def test_date_from_url(url: str, want: datetime) -> None:
    same_instant_and_offset(date_from_url(url, "Asia/Makassar"), want)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.detik.com/kalimantan/berita/d-7166387/kpu",
        "https://example.id/2024/13/45/slug/",
        "https://ibukotakini.com/read/kpu-kaltim",
    ],
)
def test_date_from_url_without_a_date(url: str) -> None:
    assert date_from_url(url, "Asia/Makassar") is None


def test_to_utc_iso() -> None:
    assert to_utc_iso(at(2024, 11, 25, 14, 30, tz=WIB)) == "2024-11-25T07:30:00+00:00"
    assert to_utc_iso(parse_date("Rabu, 13 November 2024 | 15:42 WITA")) == "2024-11-13T07:42:00+00:00"
    assert to_utc_iso(parse_date("Kamis, 14 November 2024 01:15 WIT")) == "2024-11-13T16:15:00+00:00"
    assert to_utc_iso(None) is None
