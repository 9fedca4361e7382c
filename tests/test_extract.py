"""Extraction of Indonesian article pages: dates, datelines, furniture, and pages that are not articles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.errors import ExtractError
from monitor.extract import content_hash, extract_article, find_dateline
from tests.servers import article_html

BODY = [
    "SAMARINDA - Komisi Pemilihan Umum (KPU) Kota Samarinda mulai mendistribusikan logistik Pilkada 2024 ke sepuluh "
    "kecamatan, Senin (25/11/2024). Surat suara, kotak suara dan bilik suara diangkut dengan truk dari gudang.",
    "Ketua KPU Samarinda mengatakan seluruh logistik harus tiba di panitia pemungutan suara paling lambat H-1. "
    "\u201cKami pastikan tidak ada TPS yang kekurangan surat suara,\u201d katanya.",
    "Distribusi ke wilayah pinggiran seperti Palaran dan Sambutan dilakukan lebih awal karena jarak tempuh "
    "yang jauh dan kondisi jalan yang rusak setelah hujan deras sepekan terakhir.",
]
WITA = timezone(timedelta(hours=8))


def page(head: str = "", before: str = "", after: str = "", body: list[str] | None = None,
         title: str = "KPU Samarinda Distribusikan Logistik Pilkada") -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in (body or BODY))
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title} | Kaltim Uji</title>
{head}</head><body><header><div class="tanggal">Sabtu, 28 November 2026</div>
<nav><a href="/">Beranda</a> <a href="/politik">Politik</a> <a href="/daerah">Daerah</a></nav></header>
<main><article><h1>{title}</h1>{before}<div class="content">{paragraphs}{after}</div></article></main>
<aside><h3>Terpopuler</h3><ul><li><a href="/a">Satu berita lain yang populer hari ini</a></li></ul></aside>
<footer>Copyright © 2024 Kaltim Uji</footer></body></html>"""


def test_visible_indonesian_date_by_the_headline_beats_the_header_date() -> None:
    html = page(before='<div class="meta">Oleh Rina | Senin, 25 November 2024 14:30 WITA</div>')
    article = extract_article(html, "https://kaltim.example/politik/123/kpu").article
    assert article.published == datetime(2024, 11, 25, 14, 30, tzinfo=WITA)
    assert article.published_from == "text"


def test_json_ld_beats_visible_text_and_updated_is_kept_apart() -> None:
    head = """<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},
{"@type":"NewsArticle","headline":"KPU Samarinda Distribusikan Logistik Pilkada",
"datePublished":"2024-11-25T09:10:00+07:00",
"dateModified":"2024-11-26T08:00:00+07:00","author":[{"@type":"Person","name":"Rina Sari"}]}]}</script>"""
    before = '<div class="meta">Diperbarui: Selasa, 26 November 2024 08:00 WIB</div>'
    article = extract_article(page(head, before), "https://kaltim.example/politik/123/kpu").article
    assert article.published == datetime(2024, 11, 25, 9, 10, tzinfo=timezone(timedelta(hours=7)))
    assert article.published_from == "json-ld"
    assert article.updated == datetime(2024, 11, 26, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    assert article.author == "Rina Sari"


def test_time_without_zone_takes_the_source_zone() -> None:
    before = '<div class="meta">24 Oktober 2024 11:08</div>'
    makassar = extract_article(page(before=before), "https://k.example/x/1/y", timezone="Asia/Makassar").article
    jakarta = extract_article(page(before=before), "https://k.example/x/1/y", timezone="Asia/Jakarta").article
    assert makassar.published is not None and makassar.published.utcoffset() == timedelta(hours=8)
    assert jakarta.published is not None and jakarta.published.utcoffset() == timedelta(hours=7)


def test_lead_date_is_the_last_resort() -> None:
    article = extract_article(page(), "https://kaltim.example/politik/kpu-distribusi").article
    assert article.published is not None and article.published.date().isoformat() == "2024-11-25"
    assert article.published_from == "lead"


def test_meta_published_time_and_url_date() -> None:
    head = '<meta property="article:published_time" content="2024-11-13T15:42:00+08:00">'
    assert extract_article(page(head), "https://k.example/a/b").article.published == datetime(
        2024, 11, 13, 15, 42, tzinfo=WITA)
    from_url = extract_article(page(body=BODY[1:]), "https://k.example/read/2024/06/11/184000/slug").article
    assert from_url.published_from == "url" and from_url.published is not None
    assert (from_url.published.hour, from_url.published.minute) == (18, 40)


def test_inline_baca_juga_and_credits_are_removed_but_paragraphs_kept() -> None:
    after = ('<p>Baca juga: <a href="/x">Bawaslu Temukan Dugaan Politik Uang di Loa Janan</a></p>'
             '<p><strong>BACA JUGA:</strong></p><p><a href="/y">Debat Pilgub Kaltim Memanas</a></p>'
             '<p>Penulis: Rina | Editor: Budi</p><p>Simak berita lainnya di Google News</p>')
    body = [BODY[0], BODY[1]]
    html = page(after=after, body=body).replace(f"<p>{BODY[1]}</p>", "<div class='baca-juga'><a href='/z'>"
                                                "Baca juga: Gudang KPU Kebanjiran</a></div><p>" + BODY[1] + "</p>")
    article = extract_article(html, "https://k.example/politik/1/kpu").article
    assert article.text.split("\n\n") == body
    assert article.dateline == "SAMARINDA"


@pytest.mark.parametrize(("html", "reason"), [
    ("<html><head><title>Just a moment...</title></head><body><div id='cf-browser-verification'>Checking your "
     "browser before accessing</div></body></html>", "challenge"),
    ("<html><head><title>Internet Positif</title></head><body><h1>Situs ini diblokir</h1><p>Internet Positif "
     "Kementerian Komunikasi dan Informatika</p></body></html>", "Internet Positif"),
    (page(title="Halaman Tidak Ditemukan", body=["Maaf, halaman yang Anda cari tidak tersedia. Silakan kembali ke "
          "beranda atau gunakan kotak pencarian untuk menemukan berita yang Anda inginkan hari ini."]), "soft 404"),
    (page(body=["Silakan login untuk membaca artikel ini. Berlangganan sekarang."]), "login or paywall"),
    ("<html><body></body></html>", "no main text"),
])
def test_pages_that_are_not_articles_are_refused_with_a_reason(html: str, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason):
        extract_article(html, "https://k.example/berita/1/x")


def test_tag_page_is_a_listing() -> None:
    items = "".join(f'<li><a href="/berita/{i}/judul-{i}">Judul berita nomor {i} tentang pilkada kaltim</a></li>'
                    for i in range(30))
    html = (f"<html><head><title>Tag: Pilkada</title></head><body><h1>Pilkada</h1><ul class='list'>{items}</ul>"
            "</body></html>")
    with pytest.raises(ExtractError, match="listing"):
        extract_article(html, "https://k.example/tag/pilkada")


def test_pagination_links_are_found() -> None:
    after = ('<div class="paging"><a href="?page=2">2</a> <a href="?page=3">3</a> '
             '<a href="?page=2">Selanjutnya</a> <a href="?page=all">Tampilkan Semua</a></div>')
    result = extract_article(page(after=after), "https://k.example/pilkada/9001/slug-berita")
    assert result.all_pages_url == "https://k.example/pilkada/9001/slug-berita?page=all"
    assert result.next_pages == ("https://k.example/pilkada/9001/slug-berita?page=2",
                                 "https://k.example/pilkada/9001/slug-berita?page=3")


def test_canonical_link_gives_the_article_url() -> None:
    head = '<link rel="canonical" href="https://ibukota.example/read/slug-berita?utm_source=amp">'
    result = extract_article(page(head), "https://ibukota.example/amp/slug-berita")
    assert result.article.url == "https://ibukota.example/read/slug-berita"


def test_content_hash_ignores_dateline_case_and_punctuation() -> None:
    a = "BALIKPAPAN - Pemprov Kaltim mengingatkan ASN agar netral.\n\nIsi kedua."
    b = "SAMARINDA, SuaraMahakam.id \u2013 Pemprov Kaltim mengingatkan ASN agar netral!\n\nisi kedua"
    assert content_hash(a, find_dateline(a)) == content_hash(b, find_dateline(b))
    assert content_hash(a, "BALIKPAPAN") != content_hash(a.replace("netral", "tidak netral"), "BALIKPAPAN")


@pytest.mark.parametrize(("first", "city"), [
    ("BALIKPAPAN - Pemerintah", "BALIKPAPAN"),
    ("TRIBUNKALTIM.CO, UJOH BILANG - Logistik", "UJOH BILANG"),
    ("Samarinda (ANTARA) - Komisi", "Samarinda"),
    ("Tenggarong, Kaltim (ANTARA) - Warga", "Tenggarong"),
    ("Liputan6.com, Balikpapan - Polisi", "Balikpapan"),
    ("Penajam, IDN Times - Bawaslu", "Penajam"),
    ("SAMARINDA.NIAGA.ASIA- Dinas", "SAMARINDA"),
    ("BALIKPAPAN, KOMPAS.com \u2013 Kericuhan", "BALIKPAPAN"),
    ("SuaraKaltim.id - Harga", None),
    ("IKNPOS.ID \u2013 Otorita", None),
    ("Pemerintah daerah - katanya - belum siap.", None),
    ("Menurut Bawaslu, pelanggaran itu - jika terbukti - berat.", None),
])
def test_datelines(first: str, city: str | None) -> None:
    assert find_dateline(first + " isi berita berikutnya.") == city


def test_real_page_with_windows_1252_bytes() -> None:
    html = article_html("Uji “Kutip”", BODY, charset="windows-1252").encode("cp1252")
    article = extract_article(html.decode("cp1252"), "https://k.example/berita/1/uji").article
    assert "\u201cKami pastikan" in article.text
