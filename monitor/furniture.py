"""Indonesian page furniture: the lines that news templates put around and inside an article.

"Baca juga:" links, "Berita Terkait" lists, credits ("Penulis: X | Editor: Y"), photo credits,
Google News / Telegram / WhatsApp promos, share prompts and copyright lines are dropped; a line
is only dropped when the whole line is furniture, so real paragraphs are never cut.
"""

from __future__ import annotations

import re

_LINK_LINE = re.compile(
    r"^\s*[\[(]?\s*(?:baca|simak|lihat|tonton|cek|klik)(?:\s+(?:juga|pula|lainnya|selengkapnya|berita lainnya|"
    r"artikel lainnya|video))?\s*(?:\]|\))?\s*[:：>»\-–—]+\s*\S.{0,220}$",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(
    r"^\s*(?:baca juga|baca pula|lihat juga|simak juga|berita terkait|artikel terkait|berita lainnya|"
    r"related posts?|related articles?|related news|terpopuler|terpopuler hari ini|berita populer(?: hari ini)?|"
    r"populer|pilihan|pilihan editor|pilihan redaksi|rekomendasi|rekomendasi berita|berita rekomendasi|"
    r"baca selengkapnya|selengkapnya|advertisement|iklan|scroll (?:to|untuk) [\w\s]+|tutup|share|bagikan|"
    r"bagikan artikel|komentar|tinggalkan komentar|leave a reply|tags?|topik|topic|editor'?s? picks?|"
    r"most popular|trending|terkini|berita terkini|kabar ibu kota)\s*[:：]?\s*$",
    re.IGNORECASE,
)
_CREDIT_LINE = re.compile(
    r"^\s*[\[(]?\s*(?:penulis|editor|editing|pewarta|reporter|wartawan|kontributor|fotografer|foto|"
    r"sumber foto|redaktur|penyunting|penyelaras|penyelaras bahasa|copy ?editor|video|grafis|laporan wartawan|"
    r"tags?|topik|label|kata kunci)"
    r"\s*[:：].{0,160}$",
    re.IGNORECASE,
)
_PHOTO_CREDIT = re.compile(r"^\s*\(?[A-Z0-9.\-]{3,}\.(?:CO|COM|ID|NET|ASIA)(?:\.ID)?/[A-Za-z .'\-]{2,40}\)?\s*$")
_PROMO_STRONG = re.compile(
    r"dapatkan update berita|bergabung (?:di|ke|dengan) (?:grup|group|channel|saluran) (?:telegram|whatsapp)|"
    r"^(?:simak|ikuti|cek|baca|follow|pantau|gabung)\b.{0,80}\b(?:google news|whatsapp channel|saluran whatsapp|"
    r"channel whatsapp|grup telegram|channel telegram)|gabung di idn times|baca berita tanpa iklan|"
    r"peringatan plagiarisme|dilarang mengambil dan/atau menayangkan",
    re.IGNORECASE,
)
# Short lines only: a promo or notice starts with its verb or keyword, prose does not.
_PROMO = re.compile(
    r"^(?:ikuti|simak|gabung|bergabung|follow|dapatkan|download|unduh|klik|cek|kunjungi|yuk|jangan lupa)\b.{0,120}"
    r"\b(?:google news|telegram|whatsapp|aplikasi|instagram|youtube|tiktok|twitter|facebook|channel|saluran|"
    r"sini|laman)|"
    r"^(?:copyright|\(c\)|©|hak cipta)\b|all rights reserved|^dilarang mengambil|"
    r"scroll untuk melanjutkan|scroll to continue|"
    r"^(?:artikel|berita) ini (?:telah )?(?:disadur|dilansir|tayang|terbit)|"
    r"^(?:disadur|dilansir) dari|^melansir dari .{0,60}jaringan|jaringan suara\.com|^berita selengkapnya|"
    r"^klik (?:di )?sini|pengikut mengikuti",
    re.IGNORECASE,
)
_KONTRIBUTOR = re.compile(r"^(?:kontributor|laporan wartawan|wartawan)\s+[\w .]+,\s*[\w .'’]+$|"
                          r"^-?\((?:[\w .]{2,40})/\s*[\w .]{2,40}\)-?[\w.]*$", re.IGNORECASE)
_INITIALS = re.compile(r"^\s*[\[(](?:[\w.\- ]{2,30}/)?(?:[A-Za-z]{1,6}(?:\s*[/,]\s*[A-Za-z]{1,6})*)[\])]\s*$")
_SHARE = re.compile(
    r"^\s*(?:bagikan|share)\s*[:：]?\s*(?:facebook|twitter|x|whatsapp|telegram|line|email|copy link|\s|,)+$",
    re.IGNORECASE)
_PAGINATION = re.compile(r"^\s*(?:halaman\s*:?\s*)?\d{1,2}(?:\s+(?:[-–|]\s+)?\d{1,2})+"
                         r"\s*(?:selanjutnya|berikutnya|next)?\s*$|"
                         r"^\s*(?:halaman|page)\s+\d+\s*(?:dari|of)\s*\d+\s*$|^\s*(?:selanjutnya|sebelumnya|"
                         r"halaman selanjutnya|tampilkan semua|lihat semua)\s*[>»]*\s*$", re.IGNORECASE)
_SPOT = re.compile(r"(?:spot_img)+")


def is_furniture(line: str) -> bool:
    """Whether a whole line of extracted text is page furniture."""
    stripped = line.strip().lstrip("-•*·").strip()
    if not stripped:
        return True
    if len(stripped) > 500:
        return False
    if len(stripped) > 280:
        return bool(_PROMO_STRONG.search(stripped))
    return bool(
        _HEADER_LINE.match(stripped)
        or _LINK_LINE.match(stripped)
        or _CREDIT_LINE.match(stripped)
        or _PHOTO_CREDIT.match(stripped)
        or (len(stripped) < 80 and _KONTRIBUTOR.match(stripped))
        or _SHARE.match(stripped)
        or _PAGINATION.match(stripped)
        or (len(stripped) < 220 and _PROMO.search(stripped))
        or (len(stripped) < 500 and _PROMO_STRONG.search(stripped))
    )


def _is_list_item(line: str) -> bool:
    return line.lstrip().startswith(("-", "•", "*", "·")) or (len(line) < 140 and not re.search(r"[.!?\"”]\s*$", line))


def _same(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().casefold() == re.sub(r"\W+", " ", b).strip().casefold()


def clean_text(text: str, *, title: str | None = None, description: str | None = None) -> str:
    """Text without furniture lines; a furniture header also takes the short link list under it.
    Leading lines that repeat the headline, or a bulleted standfirst ("• …"), are dropped too."""
    lines = [_SPOT.sub("", line).rstrip() for line in text.splitlines()]
    while lines and (not lines[0].strip() or (title and _same(lines[0], title))
                     or (description and lines[0].lstrip().startswith(("•", "·"))
                         and _same(lines[0].lstrip("•· "), description))):
        lines.pop(0)
    kept: list[str] = []
    in_block = False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if _HEADER_LINE.match(stripped.lstrip("-•*· ")):
            in_block = True
            continue
        if in_block and _is_list_item(stripped):
            continue
        in_block = False
        if is_furniture(stripped):
            continue
        kept.append(stripped)
    while kept and _INITIALS.match(kept[-1]):  # reporter initials such as "[RWT]" close an article
        kept.pop()
    return "\n\n".join(kept)
