"""Search: Indonesian morphology both ways, synonyms, exact matches first, and queries that cannot break it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.extract import content_hash
from monitor.models import Article
from monitor.search import Item, QueryError, parse_query, to_fts, vocabulary, words
from monitor.store import Store

NOW = datetime(2024, 11, 20, tzinfo=UTC)
# (query word, a text that holds only another form of it)
PAIRS = [
    ("distribusi", "KPU mulai mendistribusikan logistik ke kecamatan."),
    ("mendistribusikan", "Jadwal distribusi logistik dimajukan sehari."),
    ("distribusi", "Pendistribusian kotak suara tertunda karena hujan."),
    ("pendistribusian", "Distribusi kotak suara berjalan lancar."),
    ("netral", "Bupati menekankan kenetralan pegawai di lingkungan pemkab."),
    ("kenetralan", "Seluruh pegawai diminta tetap netral selama tahapan."),
    ("aman", "Polres menyiapkan pengamanan di setiap titik rawan."),
    ("pengamanan", "Situasi di kantor kecamatan tetap aman hingga malam."),
    ("rusak", "Petugas mencatat kerusakan pada ratusan lembar kertas."),
    ("kerusakan", "Ratusan lembar ditemukan rusak saat diperiksa."),
    ("lipat", "Proses pelipatan melibatkan seratus pekerja harian."),
    ("pelipatan", "Pekerja harian mulai melipat lembar demi lembar."),
    ("awasi", "Panitia memperketat pengawasan di gudang."),
]
SYNONYM_PAIRS = [
    ("ASN", "Tiga PNS dilaporkan karena mengunggah foto bersama calon."),
    ("PNS", "Seorang ASN diperiksa karena ikut kampanye."),
    ("pilkada", "Tahapan pemilukada di kabupaten itu memasuki masa tenang."),
    ('"surat suara"', "Kertas suara cadangan disimpan di gudang."),
    ("TPS", "Warga antre di tempat pemungutan suara sejak pagi."),
]


def store_with(path: Path, texts: list[str], titles: list[str] | None = None) -> Store:
    store = Store(path)
    for i, text in enumerate(texts):
        title = titles[i] if titles else f"Berita nomor {i}"
        store.save_article(Article(url=f"https://x.id/{i}", title=title, text=text, published=NOW + timedelta(hours=i),
                                   content_hash=content_hash(f"{title} {text} {i}")), "x", fetched_url=f"https://x.id/{i}",
                           fetched_at=NOW)
    store.commit()
    return store


def test_other_forms_are_found_both_ways(db_path: Path) -> None:
    store = store_with(db_path, [text for _, text in PAIRS])
    found = sum(any(r["url"] == f"https://x.id/{i}" for r in store.search(parse_query(word), limit=50))
                for i, (word, _) in enumerate(PAIRS))
    recall = found / len(PAIRS)
    print(f"morphology recall: {found}/{len(PAIRS)} = {recall:.2f}")
    assert recall == 1.0


def test_synonyms_and_acronyms_are_found(db_path: Path) -> None:
    store = store_with(db_path, [text for _, text in SYNONYM_PAIRS])
    for i, (query, _) in enumerate(SYNONYM_PAIRS):
        urls = [r["url"] for r in store.search(parse_query(query))]
        assert f"https://x.id/{i}" in urls, query


def test_exact_matches_rank_before_other_forms_and_titles_weigh_more(db_path: Path) -> None:
    store = store_with(db_path, [
        "Pendistribusian logistik ke pedalaman memakan waktu dua hari.",
        "Logistik tiba. Distribusi ke kecamatan dimulai besok pagi setelah pengecekan.",
        "Rapat membahas anggaran daerah dan pembangunan jalan di kecamatan.",
    ], titles=["Logistik ke Pedalaman", "Gudang KPU Penuh", "Distribusi Logistik Dipercepat"])
    results = store.search(parse_query("distribusi"))
    assert [r["url"] for r in results] == ["https://x.id/2", "https://x.id/1", "https://x.id/0"]
    assert [r["match"] for r in results] == ["exact", "exact", "related form"]
    assert "[Pendistribusian]" in results[2]["snippet"]


def test_phrase_or_not_and_prefix(db_path: Path) -> None:
    store = store_with(db_path, [
        "Surat suara rusak ditemukan di gudang.",
        "Suara warga terdengar keras, surat kabar memberitakan.",
        "Kotak suara kurang di dua kecamatan.",
        "Surat suara kurang dan rusak dikembalikan.",
    ])
    def urls(q: str) -> set[str]:
        return {r["url"][-1] for r in store.search(parse_query(q))}
    assert urls('"surat suara"') == {"0", "3"}
    assert urls('"surat suara" rusak') == {"0", "3"}
    assert urls('"surat suara" -kurang') == {"0"}
    assert urls('"surat suara" NOT kurang') == {"0"}
    assert urls("rusak OR kurang") == {"0", "2", "3"}
    assert urls("kec*") == {"2"}
    assert urls("gud*") == {"0"}


@pytest.mark.parametrize("typed", ['"unbalanced', "AND ( suara", "a:b", "surat-suara", "🙂 surat", "NEAR(", "x OR",
                                   "OR x", "(((suara", "title:surat", "kotak^2", "'suara'", '"" suara'])
def test_anything_typed_is_searched_safely(db_path: Path, typed: str) -> None:
    store = store_with(db_path, ["Surat suara rusak di gudang.", "Kotak suara tiba."])
    store.search(parse_query(typed))  # no exception: the query is parsed into quoted words


@pytest.mark.parametrize("typed", ["*", "-", "🙂", "NOT suara", "-suara", "AND OR", '""', "AND ("])
def test_queries_with_nothing_to_find_are_one_line_errors(typed: str) -> None:
    with pytest.raises(QueryError) as error:
        parse_query(typed)
    assert "\n" not in str(error.value)


def test_fts_expressions_quote_every_word() -> None:
    query = parse_query('pilkada "surat suara" -hoaks dist*')
    assert to_fts(query) == '("pilkada" AND "surat suara" AND "dist"*) NOT "hoaks"'
    expanded = to_fts(query, lambda word: {"pilkada": ["pilkadanya"]}.get(word, []))
    assert '"pemilukada"' in expanded and '"pilkadanya"' in expanded and '"kertas suara"' in expanded
    assert expanded.endswith('NOT "hoaks"') and '"dist"*' in expanded
    assert parse_query("a OR b").groups == [[Item(("a",)), Item(("b",))]]


def test_function_words_are_left_out_beside_other_words() -> None:
    query = parse_query("yang pendistribusian di tps")
    assert query.groups == [[Item(("pendistribusian",))], [Item(("tps",))]] and query.ignored == ["yang", "di"]
    assert parse_query("yang").groups == [[Item(("yang",))]]
    assert parse_query('"surat yang rusak" di').groups == [[Item(("surat", "yang", "rusak"))]]
    assert parse_query("yang OR dan kotak").groups[0] == [Item(("yang",)), Item(("dan",))]


def test_words_are_split_and_folded_like_the_index() -> None:
    assert words("Pemilú_2024 KPU-Kaltim") == ["pemilu", "2024", "kpu", "kaltim"]
    assert vocabulary("Mendistribusikan 2024 logistik, logistik.") == {"mendistribusikan", "logistik"}


def test_the_lexicon_holds_every_indexed_word_with_its_stem(db_path: Path) -> None:
    store = store_with(db_path, ["KPU mendistribusikan logistik."])
    assert store.db.execute("SELECT stem FROM words WHERE word='mendistribusikan'").fetchone() == ("distribusi",)
    assert store.db.execute("SELECT COUNT(*) FROM words WHERE word IN ('berita', 'nomor', 'kpu')").fetchone() == (3,)


def test_very_common_words_are_ranked_among_the_newest_matches(db_path: Path, monkeypatch) -> None:
    import monitor.store

    monkeypatch.setattr(monitor.store, "WINDOW", 5)
    monkeypatch.setattr(monitor.store, "FACET_WINDOW", 5)
    monkeypatch.setattr(monitor.store, "SHARD", 4)  # four indexes: the window spans two of them
    store = store_with(db_path, [f"Warga yang datang ke TPS nomor {i}." for i in range(12)]
                       + ["Yang yang yang: rapat KPU membahas yang lain."])
    results = store.search("yang", limit=3)
    assert results[0]["url"] == "https://x.id/12"  # ranked first within the window
    assert {r["url"] for r in results} <= {f"https://x.id/{i}" for i in range(8, 13)}
    # a filter that the window leaves too few of widens it
    store.save_tagging(1, ["security"], {"security": 0.9}, {}, "test")
    store.commit()
    assert [r["url"] for r in store.search("yang", tags=["security"])] == ["https://x.id/0"]  # article 1
    facets = store.facets("yang")
    assert facets["capped"] and facets["total"] == 5
    assert not store.facets("rapat")["capped"]
    assert len(store._shards()) == 4
    assert {r["url"] for r in store.search("warga", limit=20)} == {f"https://x.id/{i}" for i in range(12)}


def test_old_databases_get_the_sharded_index_and_the_lexicon(db_path: Path) -> None:
    import sqlite_utils

    from monitor.store import MIGRATIONS, SCHEMA_VERSION

    old = sqlite_utils.Database(db_path)
    for migrate in MIGRATIONS[:2]:  # a schema-2 database: one index kept by triggers, no lexicon
        migrate(old)
    old["articles"].insert({"url": "https://x.id/0", "source": "x", "title": "Gudang KPU",
                            "text": "KPU mendistribusikan logistik.", "content_hash": "h"})
    old.execute("PRAGMA user_version = 2")
    old.conn.commit()
    old.conn.close()
    upgraded = Store(db_path)
    assert upgraded.schema_version == SCHEMA_VERSION
    assert upgraded.search(parse_query("distribusi"))[0]["url"] == "https://x.id/0"
    names = {n for (n,) in upgraded.db.execute("SELECT name FROM sqlite_master")}
    assert "articles_fts" not in names and "articles_fts_0" in names
    assert upgraded.db.execute("SELECT v FROM articles_fts_0_config WHERE k='rank'").fetchone() == ("bm25(10.0, 1.0)",)
    # edits keep the index right: the old words are gone from it
    upgraded.save_article(Article(url="https://x.id/0", title="Gudang KPU", text="Kotak suara tiba.",
                                  content_hash="h2"), "x", fetched_url="https://x.id/0", fetched_at=NOW)
    upgraded.commit()
    assert upgraded.search("kotak")[0]["url"] == "https://x.id/0"
    assert upgraded.search("logistik") == []
