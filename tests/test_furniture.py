"""Page furniture (SOURCES.md §2.4) is removed from extracted text; real paragraphs survive."""

from __future__ import annotations

import pytest

from monitor.furniture import clean_text, is_furniture

LEAD = (
    "SAMARINDA - Komisi Pemilihan Umum (KPU) Kota Samarinda mulai mendistribusikan logistik pemilihan "
    "ke 10 kecamatan pada Senin (25/11/2024)."
)
SECOND = (
    "Ketua KPU Samarinda mengatakan seluruh kotak suara telah dikirim dan dijaga aparat keamanan "
    "hingga hari pemungutan suara."
)
LAST = "Distribusi ke kelurahan ditargetkan selesai dua hari sebelum hari pemungutan suara."

TELEGRAM_PROMO = (
    "Dapatkan update berita pilihan dan breaking news setiap hari dari Kaltimtoday.co. Mari bergabung di Grup "
    "Telegram \"Kaltimtoday.co News Update\", caranya klik link https://t.me/kaltimtodayco, kemudian join. Anda "
    "harus install aplikasi Telegram terlebih dulu di ponsel. Dapatkan juga update berita pilihan melalui saluran "
    "WhatsApp Kaltimtoday.co dengan mengikuti tautan yang tersedia di laman ini."
)


def body(*middle: str) -> str:
    return "\n".join([LEAD, *middle, SECOND, LAST])


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


@pytest.mark.parametrize(
    "line",
    [
        "Baca juga: KPU Kaltim Tetapkan Jadwal Debat Pilgub",
        "BACA JUGA: Bawaslu Temukan Surat Suara Rusak di Gudang Logistik",
        "Baca Juga: Inflasi Kaltim Turun, Harga Cabai Stabil",
        "Penulis: Zainul | Editor: Amalia Husnul",
        "Pewarta: Ahmad Rifandi Editor : Rahmad",
        "Editor : Abriandi",
        "TRIBUNKALTIM.CO/ZAINUL",
        "Cek Berita dan Artikel yang lain di Google News",
        "Join Grup Telegram Koran Kaltim untuk mendapatkan update berita terkini",
        "Simak berita terbaru lainnya di WhatsApp Channel Tribun Kaltim",
        TELEGRAM_PROMO,
        "COPYRIGHT © ANTARA News Kalimantan Timur 2024",
        "Copyright © 2024 Kaltimtoday.co. All rights reserved.",
        "SCROLL UNTUK MELANJUTKAN MEMBACA",
        "SCROLL TO CONTINUE WITH CONTENT",
        "ADVERTISEMENT",
        "TUTUP",
        "Gabung di IDN Times",
        "Baca berita tanpa iklan. Gabung Kompas.com+",
        "disadur dari Presisi.co--Jaringan Suara.com",
        "62.1k Pengikut Mengikuti",
        "Berita selengkapnya >>>",
        "Leave a Reply",
        "- 1 - 2",
    ],
)
def test_furniture_lines(line: str) -> None:
    assert is_furniture(line)
    assert clean_text(body(line)) == "\n\n".join([LEAD, SECOND, LAST])


@pytest.mark.parametrize("header", ["Baca juga:", "BACA JUGA:", "Baca Juga"])
def test_baca_juga_with_headline_on_the_next_line(header: str) -> None:
    text = body(header, "KPU Kaltim Tetapkan Jadwal Debat Pilgub")
    assert paragraphs(clean_text(text)) == [LEAD, SECOND, LAST]


def test_several_baca_juga_in_a_row_before_the_lead() -> None:
    text = "\n".join([
        "BACA JUGA: Surat Suara Pilgub Kaltim Tiba di Gudang KPU",
        "BACA JUGA: Polres Samarinda Siagakan 600 Personel",
        "BACA JUGA: Bawaslu Ingatkan ASN Jaga Netralitas",
        LEAD, SECOND, LAST,
    ])
    assert paragraphs(clean_text(text)) == [LEAD, SECOND, LAST]


def test_berita_terkait_takes_its_list_with_it() -> None:
    text = body(
        "Berita Terkait",
        "- KPU Kukar Sortir 500 Ribu Surat Suara",
        "• Gudang Logistik Balikpapan Dijaga Ketat",
        "Bawaslu Kaltim Awasi Distribusi ke Mahulu",
    )
    assert paragraphs(clean_text(text)) == [LEAD, SECOND, LAST]


def test_spot_img_placeholders_are_removed() -> None:
    text = "spot_imgspot_img\n" + LEAD + "spot_img\n" + SECOND + "\n" + LAST
    assert paragraphs(clean_text(text)) == [LEAD, SECOND, LAST]


@pytest.mark.parametrize("initials", ["[RWT]", "(WartaEtam.co/RL)", "(ant/RL)"])
def test_trailing_reporter_initials_are_removed(initials: str) -> None:
    assert paragraphs(clean_text(body() + "\n" + initials)) == [LEAD, SECOND, LAST]


def test_leading_title_and_standfirst_are_removed() -> None:
    title = "KPU Samarinda: Logistik Pilkada Mulai Didistribusikan!"
    standfirst = "Logistik dikirim ke 10 kecamatan dengan pengawalan polisi."
    text = "\n".join(["KPU Samarinda Logistik Pilkada Mulai Didistribusikan", "• " + standfirst, body()])
    assert paragraphs(clean_text(text, title=title, description=standfirst)) == [LEAD, SECOND, LAST]


def test_an_unbulleted_lead_that_repeats_the_description_is_kept() -> None:
    # Outlets often reuse the first paragraph as meta description: it is still article text.
    assert paragraphs(clean_text(body(), description=LEAD)) == [LEAD, SECOND, LAST]


def test_title_is_only_dropped_at_the_start() -> None:
    title = "Logistik Pilkada Aman"
    text = "\n".join([LEAD, title, SECOND])
    assert paragraphs(clean_text(text, title=title)) == [LEAD, title, SECOND]


def test_a_full_tribun_style_page() -> None:
    text = "\n".join([
        "Logistik Pilkada Samarinda Mulai Didistribusikan",
        "TRIBUNKALTIM.CO/ZAINUL",
        LEAD,
        "Baca juga: Bawaslu Temukan Surat Suara Rusak",
        SECOND,
        "SCROLL UNTUK MELANJUTKAN MEMBACA",
        LAST,
        "Penulis: Zainul | Editor: Amalia",
        "Cek Berita dan Artikel yang lain di Google News",
        "[ZNL]",
    ])
    cleaned = clean_text(text, title="Logistik Pilkada Samarinda Mulai Didistribusikan")
    assert paragraphs(cleaned) == [LEAD, SECOND, LAST]


# --- real prose survives ------------------------------------------------------------------------

BACA_PROSE = (
    "Baca juga, kata dia, adalah kebiasaan yang perlu ditumbuhkan di kalangan pemilih muda agar tidak mudah "
    "termakan hoaks menjelang pemungutan suara pada 27 November 2024 mendatang, terutama di Kutai Kartanegara."
)
GOOGLE_NEWS_QUOTE = (
    "\"Kami mengimbau masyarakat agar tidak menyebarkan informasi palsu, termasuk yang beredar di Google News "
    "maupun media sosial lainnya, karena dapat mengganggu tahapan pemilihan,\" ujar Ketua Bawaslu Kaltim Hari "
    "Dermanto di Samarinda."
)
EDITOR_PROSE = (
    "Ia menjelaskan bahwa seorang editor di media lokal turut dimintai keterangan oleh Bawaslu terkait "
    "pemberitaan yang dinilai tidak berimbang."
)
NUMBERS_PROSE = (
    "Petugas menyiapkan bilik nomor 1 2 3 di setiap TPS agar pemilih tidak antre terlalu lama, kata Ketua KPPS."
)
PILKADA_PROSE = "Pilkada serentak digelar pada 27 November 2024."


@pytest.mark.parametrize("paragraph", [BACA_PROSE, GOOGLE_NEWS_QUOTE, EDITOR_PROSE, NUMBERS_PROSE, PILKADA_PROSE])
def test_real_paragraphs_survive(paragraph: str) -> None:
    assert not is_furniture(paragraph)
    assert paragraphs(clean_text(body(paragraph))) == [LEAD, paragraph, SECOND, LAST]


def test_paragraph_after_baca_juga_header_is_kept() -> None:
    # the header takes short headline lines, never the next real paragraph
    text = "\n".join([LEAD, "Baca juga:", "Debat Pilgub Digelar Malam Ini", SECOND, LAST])
    assert paragraphs(clean_text(text)) == [LEAD, SECOND, LAST]


def test_blank_and_whitespace_lines_are_dropped() -> None:
    assert clean_text("\n   \n" + LEAD + "\n\n\t\n" + SECOND) == LEAD + "\n\n" + SECOND


def test_long_quote_with_mengikuti_google_news_survives() -> None:
    quote = (
        "“Masyarakat bisa memantau hasil hitung cepat dari berbagai sumber, termasuk mengikuti pemberitaan di "
        "Google News, tetapi hasil resmi tetap dari rekapitulasi berjenjang KPU,” kata Komisioner KPU Kaltim "
        "Abdul Qoyim Rasyid di Samarinda, Rabu (27/11/2024)."
    )
    assert not is_furniture(quote)
    assert quote in clean_text(body(quote))


@pytest.mark.parametrize(
    "sentence",
    [
        "Menurut dia, hak cipta atas desain surat suara dimiliki oleh KPU, sehingga percetakan tidak boleh "
        "menggunakannya untuk kepentingan lain di luar Pilkada 2024, kata pejabat itu.",
        "Ia menambahkan, warga sebaiknya mengecek jadwal distribusi di laman resmi KPU, bukan dari unggahan di "
        "grup Telegram yang belum tentu benar, kata Ketua KPU Kukar di Tenggarong.",
    ],
)
def test_short_prose_mentioning_promo_words_survives(sentence: str) -> None:
    assert not is_furniture(sentence)


@pytest.mark.parametrize("line", ["Kontributor Balikpapan, Dani J", "-(Disway Kaltim/ Iswanto)-NOMORSATUKALTIM"])
def test_credits_without_colon(line: str) -> None:
    assert is_furniture(line)
