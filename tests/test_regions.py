"""Regions: the gazetteer, aliases, weights, the dateline trap, and precision/recall on a labeled set."""

from __future__ import annotations

from monitor.regions import gazetteer, regions_of

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
    assert len(gazetteer().regions) > 38 + 514
