"""Regions: the gazetteer, aliases, weights, the dateline trap, and precision/recall on a labeled set."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.crawl import extract_job
from monitor.errors import ConfigError
from monitor.extract import content_hash
from monitor.models import Article, Source
from monitor.regions import gazetteer, regions_of
from monitor.store import SCHEMA_VERSION, Store
from tests.servers import article_html

WHEN = datetime(2024, 11, 26, 2, tzinfo=UTC)

# (headline, text, the kabupaten/kota and provinces the article is about). Written for these tests.
LABELED = [
    ("Ribuan Surat Suara Rusak di Kukar", "TENGGARONG - KPU Kutai Kartanegara menemukan 1.250 surat suara rusak.",
     {"Kutai Kartanegara", "Kalimantan Timur"}),
    ("Polisi Kirim Personel ke Tanjung Selor", "BALIKPAPAN - Polres Bulungan menerima 300 personel tambahan setelah"
     " bentrok di depan kantor KPU.", {"Bulungan", "Kalimantan Utara"}),
    ("Logistik Pilkada Tiba di Mahulu", "Logistik pemilihan untuk Mahakam Ulu tiba dengan speedboat setelah dua hari.",
     {"Mahakam Ulu", "Kalimantan Timur"}),
    ("Bawaslu PPU Periksa Camat", "Bawaslu Penajam Paser Utara memeriksa seorang camat yang mengunggah dukungan.",
     {"Penajam Paser Utara", "Kalimantan Timur"}),
    ("Pengamanan TPS di IKN Diperketat", "Aparat gabungan menjaga TPS di kawasan Ibu Kota Nusantara.",
     {"Penajam Paser Utara", "Kalimantan Timur"}),
    ("KPU Samarinda Mulai Lipat Surat Suara", "SAMARINDA - Ratusan pekerja melipat surat suara di gudang KPU Kota"
     " Samarinda.", {"Samarinda", "Kalimantan Timur"}),
    ("Distribusi Logistik ke Kecamatan Samarinda Ulu", "Petugas membawa kotak suara ke Kecamatan Samarinda Ulu.",
     {"Samarinda", "Kalimantan Timur"}),
    ("Netralitas ASN di Kabupaten Berau Disorot", "Pemkab Berau mengingatkan pegawai untuk netral.",
     {"Berau", "Kalimantan Timur"}),
    ("Bentrok Pendukung Paslon di Sangatta", "SANGATTA - Dua kelompok pendukung bentrok di Kutai Timur.",
     {"Kutai Timur", "Kalimantan Timur"}),
    ("Kotak Suara Kurang di Bontang", "Kota Bontang kekurangan 40 kotak suara menjelang pemungutan.",
     {"Bontang", "Kalimantan Timur"}),
    ("Pemprov Kaltim Siapkan Helikopter", "SAMARINDA - Pemerintah Provinsi Kalimantan Timur menyiapkan helikopter"
     " untuk daerah terpencil.", {"Kalimantan Timur"}),
    ("Surat Suara Tertukar di Makassar", "JAKARTA - KPU RI menerima laporan surat suara tertukar di Kota Makassar.",
     {"Makassar", "Sulawesi Selatan"}),
    ("Kerawanan Pilkada di Jayawijaya", "Polda Papua memetakan kerawanan di Kabupaten Jayawijaya.",
     {"Jayawijaya", "Papua Pegunungan", "Papua"}),
    ("Logistik ke Pulau Terluar", "Logistik untuk Kabupaten Kepulauan Anambas dikirim dengan kapal.",
     {"Kepulauan Anambas", "Kepulauan Riau"}),
    ("Harga Cabai Naik Jelang Akhir Bulan", "Harga cabai rawit naik. Batu bata dan pasir juga lebih mahal.", set()),
    ("Debat Kandidat Berlangsung Tertib", "Debat kedua berlangsung tertib di sebuah hotel.", set()),
    ("Distribusi Logistik Paser Tuntas", "TANAH GROGOT - Logistik Kabupaten Paser sudah tiba di semua kecamatan.",
     {"Paser", "Kalimantan Timur"}),
    ("Rekapitulasi di Kutai Barat Molor", "Rapat pleno KPU Kubar molor karena listrik padam.",
     {"Kutai Barat", "Kalimantan Timur"}),
]


def names(title: str, text: str) -> set[str]:
    return {region.name for region, _ in regions_of(title, text) if region.level != "district"}


def test_region_tagging_precision_and_recall_on_a_labeled_set() -> None:
    found = expected = right = 0
    for title, text, truth in LABELED:
        got = names(title, text)
        found += len(got)
        expected += len(truth)
        right += len(got & truth)
    precision, recall = right / found, right / expected
    print(f"regions: precision {precision:.2f}, recall {recall:.2f} on {len(LABELED)} texts")
    assert precision >= 0.9 and recall >= 0.9


def test_the_dateline_alone_does_not_make_a_region() -> None:
    assert "Balikpapan" not in names("Bentrok di Kantor KPU", "BALIKPAPAN - Bentrok pecah di kantor KPU Bulungan.")
    assert "Balikpapan" in names("Bentrok di Balikpapan", "BALIKPAPAN - Bentrok pecah di kantor KPU.")


def test_aliases_weights_and_parents() -> None:
    [(province, p_weight), (regency, r_weight)] = sorted(regions_of("Surat Suara Rusak di Kukar", "Isi berita."),
                                                         key=lambda r: r[0].level)
    assert (province.name, regency.name, regency.kind) == ("Kalimantan Timur", "Kutai Kartanegara", "Kabupaten")
    assert p_weight == r_weight == 1.0
    weighted = dict((r.name, w) for r, w in regions_of(
        "KPU Samarinda Rapat", "Rapat membahas logistik.\nPetugas dari Bontang dan dari Bontang ikut hadir."))
    assert weighted["Samarinda"] == 1.0 and weighted["Bontang"] < 1.0
    assert names("Kerusuhan", "Batu beterbangan di jalan.") == set()  # a regency name that is an everyday word
    mentions = gazetteer().mentions
    assert mentions("Logistik tiba di Samarinda. Kota ini siap.") == ["Kalimantan Timur/Kota Samarinda"]
    assert mentions("KPU Kab. Kutai Kartanegara dan Kabupaten Toli-Toli") == [
        "Kalimantan Timur/Kabupaten Kutai Kartanegara", "Sulawesi Tengah/Kabupaten Toli-Toli"]
    assert mentions("Kutai, Kartanegara, dan PPUX") == []  # a name does not run over a comma or into a word
    # streets and villages named after a place elsewhere are not that place
    assert mentions("gudang di Kelurahan Batu Ampar dan Jl. Samarinda, Kel. Sangatta") == []
    assert mentions("Kecamatan Batu Ampar") == ["Kalimantan Timur/Kabupaten Kutai Timur/Batu Ampar"]
    assert len(gazetteer().regions) > 38 + 514


def test_a_kota_and_a_kabupaten_of_one_name_are_two_regions() -> None:
    gaz = gazetteer()
    assert gaz.resolve(["Kota Bandung"]) == {"Jawa Barat/Kota Bandung"}
    assert gaz.resolve(["Bandung"]) == {"Jawa Barat/Kota Bandung", "Jawa Barat/Kabupaten Bandung"}
    assert gaz.resolve(["kab. kutai  kartanegara", "TENGGARONG"]) >= {"Kalimantan Timur/Kabupaten Kutai Kartanegara"}
    with pytest.raises(ConfigError, match=r"search --region: unknown region 'Kukr' \(did you mean 'Kukar'"):
        gaz.resolve(["Kukr"], "search --region")


def _article(i: int, title: str, text: str) -> Article:
    return Article(url=f"https://x.id/{i}", title=title, text=text, published=WHEN + timedelta(hours=i),
                   content_hash=content_hash(text))


STORIES = [("Surat Suara Rusak di Kukar", "TENGGARONG - KPU menemukan surat suara rusak di gudang."),
           ("Bentrok di Kantor KPU", "BALIKPAPAN - Bentrok pecah di kantor KPU Bulungan, Kalimantan Utara."),
           ("Rapat Pleno Berjalan Lancar", "Rapat pleno rekapitulasi suara berjalan lancar hingga malam.")]


def test_regions_are_stored_shown_searched_and_faceted(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    store = Store(db)
    store.sync_sources((Source(name="kaltim-post", homepage="https://kaltim.example/", region="Kaltim"),))
    for i, (title, text) in enumerate(STORIES):
        store.save_article(_article(i, title, text), "kaltim-post", fetched_url=f"https://x.id/{i}", fetched_at=WHEN)
    store.commit()
    first = store.article(1)["regions"]
    assert [(r["label"], r["level"], r["weight"]) for r in first] == [
        ("Kalimantan Timur", "province", 1.0), ("Kabupaten Kutai Kartanegara", "regency", 1.0)]
    assert "Balikpapan" not in {r["name"] for r in store.article(2)["regions"]}  # the dateline is not the place
    assert [r["url"] for r in store.search("surat", regions=["kukar"])] == ["https://x.id/0"]
    assert [r["url"] for r in store.search(None, regions=["Kalimantan Utara"])] == ["https://x.id/1"]
    assert store.search("bentrok", regions=["Balikpapan"]) == []
    # no place found in the text: the source's region stands in, for it and the province around it only
    assert {r["url"] for r in store.search(None, regions=["Kalimantan Timur"])} == {"https://x.id/0", "https://x.id/2"}
    assert store.search(None, regions=["Samarinda"]) == []
    assert dict(store.facets(None)["region"]) == {"Kalimantan Timur": 2, "Kabupaten Kutai Kartanegara": 1,
                                                  "Kalimantan Utara": 1, "Kabupaten Bulungan": 1}
    store.close()
    shown = CliRunner().invoke(cli, ["show", "2", "--db", str(db)])
    assert "regions: Kalimantan Utara 1.00, Kabupaten Bulungan 1.00" in shown.output
    as_json = json.loads(CliRunner().invoke(cli, ["show", "2", "--db", str(db), "--format", "json"]).output)
    assert [r["name"] for r in as_json["regions"]] == ["Kalimantan Utara", "Bulungan"]
    found = CliRunner().invoke(cli, ["search", "--db", str(db), "--region", "PPU", "--format", "json"])
    assert found.exit_code == 0 and json.loads(found.output) == []
    wrong = CliRunner().invoke(cli, ["search", "--db", str(db), "--region", "Kukr"])
    assert wrong.exit_code == 2 and "unknown region 'Kukr' (did you mean 'Kukar'" in wrong.output


def test_a_batch_places_articles_as_one_by_one_and_an_edit_moves_them(tmp_path: Path) -> None:
    batch, single = Store(tmp_path / "batch.db"), Store(tmp_path / "single.db")
    items = [(_article(i, title, text), "x", f"https://x.id/{i}", WHEN) for i, (title, text) in enumerate(STORIES)]
    batch.save_articles(items)
    for article, source, url, when in items:
        single.save_article(article, source, fetched_url=url, fetched_at=when)
    for store in (batch, single):
        store.commit()
    query = "SELECT article_id, key, weight FROM article_regions JOIN regions ON id = region_id ORDER BY 1, 2"
    assert batch.db.execute(query).fetchall() == single.db.execute(query).fetchall() != []
    edited = _article(0, "Surat Suara Rusak di Kutai Barat", "Petugas menemukan surat suara rusak.")
    single.save_article(edited, "x", fetched_url="https://x.id/0", fetched_at=WHEN)
    assert [r["name"] for r in single.article(1)["regions"]] == ["Kalimantan Timur", "Kutai Barat"]
    single.close()
    batch.close()


def test_an_older_database_gets_its_articles_placed(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    store = Store(db)
    store.save_article(_article(0, *STORIES[0]), "x", fetched_url="https://x.id/0", fetched_at=WHEN)
    store.db.execute("DROP TABLE article_regions")
    store.db.execute("DROP TABLE regions")
    store.db.execute("PRAGMA user_version = 7")
    store.close()
    again = Store(db)
    assert again.schema_version == SCHEMA_VERSION
    assert [r["name"] for r in again.article(1)["regions"]] == ["Kalimantan Timur", "Kutai Kartanegara"]
    again.close()


def test_places_are_found_beside_extraction_and_kept_by_the_store(tmp_path: Path) -> None:
    html = article_html("Surat Suara Rusak di Kukar", ["TENGGARONG - KPU Kutai Kartanegara menemukan surat suara"
                        " rusak di gudang logistik. " * 4, "Petugas memeriksa ulang semua kotak suara. " * 5],
                        published="2024-11-26T10:00:00+08:00")
    extraction, reason, _ = extract_job(html.encode(), "utf-8", "https://x.id/berita/1", "Asia/Makassar", "id")
    assert reason is None and extraction is not None
    assert dict(extraction.article.regions or ()) == {"Kalimantan Timur": 1.0,
                                                      "Kalimantan Timur/Kabupaten Kutai Kartanegara": 1.0}
    store = Store(tmp_path / "monitor.db")  # what the pipeline found is stored as found, not looked for again
    given = replace(extraction.article, regions=(("Kalimantan Utara", 1.0),))
    store.save_article(given, "x", fetched_url=given.url, fetched_at=WHEN)
    assert [r["key"] for r in store.article(1)["regions"]] == ["Kalimantan Utara"]
    store.close()
