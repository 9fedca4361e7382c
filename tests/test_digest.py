"""The daily digest: stories across outlets, summaries, the e-mail itself, and sending it once over real SMTP."""

from __future__ import annotations

import email
import email.policy
import ssl
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from monitor.cli import cli
from monitor.digest import build_digest, subject
from monitor.extract import content_hash
from monitor.models import Article
from monitor.store import Store
from monitor.summarize import sentences, summary
from monitor.topics import default_dir, load_topics
from tests.conftest import Inbox, free_port

DAY = date(2024, 11, 26)
WITA = "Asia/Makassar"
# 26 Nov 2024 in WITA (UTC+8) runs from 25 Nov 16:00 to 26 Nov 16:00 UTC.
MORNING = datetime(2024, 11, 26, 1, 30, tzinfo=UTC)  # 09:30 WITA
SAME_EVENT = [
    ("kabar-ibu-kota", "Ribuan Surat Suara Pilkada Kukar Rusak, KPU Minta Cetak Ulang",
     "TENGGARONG - KPU Kutai Kartanegara menemukan 1.250 lembar surat suara rusak saat pelipatan di gudang "
     "logistik Tenggarong. Ketua KPU Kukar, H. Rudi Hartono, S.Sos., meminta percetakan mengganti surat "
     "suara yang rusak sebelum H-3. \"Kami sudah bersurat ke KPU RI,\" ujarnya, Selasa (26/11/2024).\n"
     "Kerusakan berupa tinta luntur dan lembar robek. Distribusi ke kecamatan tetap berjalan sesuai jadwal."),
    ("warta-etam", "KPU Kukar Temukan 1.250 Surat Suara Rusak di Gudang Tenggarong",
     "Sebanyak 1.250 lembar surat suara Pilkada Kutai Kartanegara ditemukan rusak di gudang logistik KPU "
     "Kukar di Tenggarong. Ketua KPU Kukar Rudi Hartono mengatakan surat suara rusak akan diganti percetakan "
     "sebelum H-3 pemungutan suara.\nKerusakan didominasi tinta luntur dan lembar yang robek saat pelipatan."),
    ("suara-mahakam", "Surat Suara Rusak di Kukar Capai 1.250 Lembar",
     "TENGGARONG, Suara Mahakam - Jumlah surat suara rusak di Kutai Kartanegara mencapai 1.250 lembar. "
     "KPU Kukar menemukan kerusakan tinta luntur dan robek saat pelipatan di gudang Tenggarong.\n"
     "Rudi Hartono memastikan percetakan mengganti lembar yang rusak sebelum H-3."),
]


def _save(store: Store, i: int, source: str, title: str, text: str, when: datetime, tags: dict[str, float]) -> int:
    article = Article(url=f"https://{source}.example/berita/{i}", title=title, text=text, published=when,
                      content_hash=content_hash(f"{title} {text}"))
    _, article_id = store.save_article(article, source, fetched_url=article.url, fetched_at=when)
    scores = {"logistics": 0.02, "security": 0.02, "asn_neutrality": 0.02} | tags
    store.save_tagging(article_id, [t for t, s in tags.items() if s >= 0.5], scores, {}, "test")
    return article_id


@pytest.fixture
def day_db(db_path: Path) -> Path:
    store = Store(db_path)
    for i, (source, title, text) in enumerate(SAME_EVENT):
        _save(store, i, source, title, text, MORNING + timedelta(hours=i), {"logistics": 0.9 - i / 10})
    _save(store, 10, "warta-etam", "Polres Bontang Siagakan 400 Personel Amankan TPS",
          "BONTANG - Polres Bontang menyiagakan 400 personel untuk mengamankan 520 TPS. Kapolres AKBP Dr. Alex "
          "Frestian mengatakan pengamanan dibagi tiga ring. Titik rawan dipetakan bersama Bawaslu.",
          MORNING + timedelta(hours=5), {"security": 0.8})
    _save(store, 11, "kabar-ibu-kota", "Camat <b>Diperiksa</b> <script>alert(1)</script> Bawaslu",
          "SAMARINDA - Bawaslu Samarinda memeriksa seorang camat yang diduga mengunggah dukungan kepada pasangan "
          "calon di media sosial. ASN wajib netral selama tahapan pilkada.",
          MORNING + timedelta(hours=6), {"asn_neutrality": 0.85})
    _save(store, 12, "warta-etam", "Harga Cabai di Pasar Segiri Naik",
          "Harga cabai rawit di Pasar Segiri naik menjadi Rp80 ribu per kilogram menjelang akhir bulan.",
          MORNING + timedelta(hours=2), {})
    # the day after (16:30 UTC on the 26th is 00:30 WITA on the 27th) and the week before
    _save(store, 13, "warta-etam", "Logistik Tiba di Mahakam Ulu",
          "Logistik pilkada tiba di Mahakam Ulu dengan speedboat setelah dua hari perjalanan sungai.",
          datetime(2024, 11, 26, 16, 30, tzinfo=UTC), {"logistics": 0.9})
    for d in range(1, 8):
        _save(store, 20 + d, "warta-etam", f"Gudang KPU Hari {d}", f"Pelipatan surat suara hari ke-{d} di gudang.",
              MORNING - timedelta(days=d), {"logistics": 0.8})
    store.commit()
    store.close()
    return db_path


def test_the_same_event_from_three_outlets_is_one_story(day_db: Path) -> None:
    store = Store(day_db)
    digest = build_digest(store, DAY, load_topics(default_dir()), zone=WITA)
    logistics, security, asn = digest.sections
    assert (logistics.count, security.count, asn.count) == (3, 1, 1)
    assert logistics.average == 1.0 and logistics.spike and not security.spike
    [story] = logistics.stories
    assert story.outlets == 3
    assert story.source == "kabar-ibu-kota" and story.title.startswith("Ribuan Surat Suara")  # the first report
    assert story.published.strftime("%H:%M") == "09:30"
    assert story.score == pytest.approx(0.9)
    assert not story.summary.startswith("TENGGARONG")  # the dateline is not part of the summary
    assert "1.250 lembar surat suara rusak" in story.summary
    assert all("Cabai" not in s.title for section in digest.sections for s in section.stories)
    kukar = build_digest(store, DAY, load_topics(default_dir()), zone=WITA, regions=("Kukar",))
    assert [len(s.stories) for s in kukar.sections] == [1, 0, 0]  # Bontang and Samarinda stories left out
    assert [s.count for s in kukar.sections] == [3, 0, 0]
    assert subject(kukar) == "Ringkasan berita 26 Nov 2024 (Kukar): 3 logistik pemilu"
    with_untagged = build_digest(store, DAY, load_topics(default_dir()), zone=WITA, include_untagged=True)
    assert [s.title for s in with_untagged.sections[-1].stories] == ["Harga Cabai di Pasar Segiri Naik"]


def test_sentences_survive_abbreviations_numbers_and_quotes() -> None:
    text = ('Ketua KPU Kab. Kutai Kartanegara, H. Rudi Hartono, S.Sos., M.Si., menyebut 1.500 lembar rusak. '
            '"Kami sudah lapor," ujarnya di Jl. Gajah Mada No. 5. Kapolres AKBP Dr. Ary Fadli hadir. "Semua aman." '
            'Nilainya Rp1,5 miliar! Warga Kec. Samarinda Ulu dirawat dr. Andi di RS. A. Wahab Sjahranie.'
            '\nParagraf baru tanpa titik')
    assert sentences(text) == [
        "Ketua KPU Kab. Kutai Kartanegara, H. Rudi Hartono, S.Sos., M.Si., menyebut 1.500 lembar rusak.",
        '"Kami sudah lapor," ujarnya di Jl. Gajah Mada No. 5.',
        "Kapolres AKBP Dr. Ary Fadli hadir.",
        '"Semua aman."',
        "Nilainya Rp1,5 miliar!",
        "Warga Kec. Samarinda Ulu dirawat dr. Andi di RS. A. Wahab Sjahranie.",
        "Paragraf baru tanpa titik",
    ]
    lead = summary("Surat Suara Rusak", "BALIKPAPAN - Sebanyak 200 surat suara rusak ditemukan petugas. "
                   "Cuaca cerah sepanjang hari di kota itu. Surat suara pengganti tiba dua hari lagi.")
    assert lead == "Sebanyak 200 surat suara rusak ditemukan petugas. Surat suara pengganti tiba dua hari lagi."


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A throwaway CA and a certificate for 127.0.0.1: the server's TLS context and the CA file clients trust."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return context, path


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"desk", b"rahasia")
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself


def _env(inbox: Inbox, **extra: str) -> dict[str, str]:
    return {"MONITOR_SMTP_HOST": inbox.host, "MONITOR_SMTP_PORT": str(inbox.port), "MONITOR_SMTP_SECURITY": "none",
            "MONITOR_MAIL_FROM": "Monitor Berita <monitor@desk.example>", **extra}


def digest(db: Path, *args: str, env: dict[str, str]) -> Any:
    return CliRunner().invoke(cli, ["digest", "--db", str(db), "--config", str(db.parent / "none.yaml"),
                                    "--date", "2024-11-26", *args], env=env)


def test_the_digest_arrives_as_a_multipart_email_once(day_db: Path, smtp_server: Inbox) -> None:
    result = digest(day_db, "--to", "desk@bawaslu.example", env=_env(smtp_server))
    assert result.exit_code == 0, result.output
    [(rcpt, message)] = smtp_server.messages
    assert rcpt == ["desk@bawaslu.example"]
    assert message["Subject"] == "Ringkasan berita 26 Nov 2024: 3 logistik pemilu, 1 keamanan, 1 netralitas ASN"
    assert message["From"] == "Monitor Berita <monitor@desk.example>" and message["Date"] and message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    plain, page = text.get_content(), html.get_content()
    assert "dilaporkan oleh 3 media" in plain and "dilaporkan oleh 3 media" in page
    for outlet in ("kabar-ibu-kota.example/berita/0", "warta-etam.example/berita/1", "suara-mahakam.example/berita/2"):
        assert outlet in plain and outlet in page
    assert "LONJAKAN" in plain  # logistics: 3 against an average of 1.0
    assert "Camat &lt;b&gt;Diperiksa&lt;/b&gt; &lt;script&gt;" in page
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "Cabai" not in plain
    again = digest(day_db, "--to", "desk@bawaslu.example", env=_env(smtp_server))
    assert again.exit_code == 0 and "already had" in again.output
    assert len(smtp_server.messages) == 1
    forced = digest(day_db, "--to", "desk@bawaslu.example", "--force", env=_env(smtp_server))
    assert forced.exit_code == 0 and len(smtp_server.messages) == 2


def test_starttls_with_login_and_implicit_tls(day_db: Path, certificate: tuple[ssl.SSLContext, Path]) -> None:
    context, ca_file = certificate
    starttls = Inbox("127.0.0.1", free_port())
    controller = Controller(starttls, hostname=starttls.host, port=starttls.port, tls_context=context,
                            require_starttls=True, authenticator=_authenticate, auth_require_tls=True)
    controller.start()
    try:
        env = _env(starttls, MONITOR_SMTP_SECURITY="starttls", MONITOR_SMTP_USER="desk",
                   MONITOR_SMTP_PASSWORD="rahasia", SSL_CERT_FILE=str(ca_file))
        result = digest(day_db, "--to", "a@desk.example", env=env)
        assert result.exit_code == 0, result.output
        assert len(starttls.messages) == 1
        wrong = digest(day_db, "--to", "b@desk.example", env={**env, "MONITOR_SMTP_PASSWORD": "salah"})
        assert wrong.exit_code == 1
        assert "login refused for desk" in wrong.output and len(wrong.output.strip().splitlines()) == 1
        untrusted = digest(day_db, "--to", "b@desk.example", env={**env, "SSL_CERT_FILE": "/nonexistent"})
        assert untrusted.exit_code == 1 and "TLS failed" in untrusted.output
        assert len(starttls.messages) == 1
    finally:
        controller.stop()
    implicit = Inbox("127.0.0.1", free_port())
    controller = Controller(implicit, hostname=implicit.host, port=implicit.port, ssl_context=context)
    controller.start()
    try:
        result = digest(day_db, "--to", "c@desk.example",
                        env=_env(implicit, MONITOR_SMTP_SECURITY="ssl", SSL_CERT_FILE=str(ca_file)))
        assert result.exit_code == 0, result.output
        assert [rcpt for rcpt, _ in implicit.messages] == [["c@desk.example"]]
    finally:
        controller.stop()


def test_failures_are_one_line_errors_and_a_retry_sends_what_is_missing(day_db: Path, smtp_server: Inbox) -> None:
    closed = Inbox("127.0.0.1", free_port())
    refused = digest(day_db, "--to", "a@desk.example", env=_env(closed))
    assert refused.exit_code == 1
    assert f"SMTP server 127.0.0.1:{closed.port}: cannot connect" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    smtp_server.refuse.add("gone@desk.example")
    partial = digest(day_db, "--to", "a@desk.example", "--to", "gone@desk.example", env=_env(smtp_server))
    assert partial.exit_code == 1
    assert "recipient gone@desk.example refused: 550" in partial.output
    assert [rcpt for rcpt, _ in smtp_server.messages] == [["a@desk.example"]]
    smtp_server.refuse.clear()
    retry = digest(day_db, "--to", "a@desk.example", "--to", "gone@desk.example", env=_env(smtp_server))
    assert retry.exit_code == 0, retry.output
    assert [rcpt for rcpt, _ in smtp_server.messages] == [["a@desk.example"], ["gone@desk.example"]]
    no_host = digest(day_db, "--to", "a@desk.example", "--force", env={})
    assert no_host.exit_code == 2 and "MONITOR_SMTP_HOST" in no_host.output
    bad_address = digest(day_db, "--to", "not-an-address", env=_env(smtp_server))
    assert bad_address.exit_code == 2 and "not an e-mail address" in bad_address.output


def test_english_output_files_and_empty_days(day_db: Path, smtp_server: Inbox, tmp_path: Path) -> None:
    eml, html = tmp_path / "digest.eml", tmp_path / "digest.html"
    result = digest(day_db, "--language", "en", "--dry-run", "--output", str(eml), env={})
    assert result.exit_code == 0, result.output
    assert "reported by 3 outlets" in result.output and "Election logistics: 3 articles" in result.output
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("News digest 26 Nov 2024: 3 election logistics")
    assert digest(day_db, "--dry-run", "--output", str(html), env={}).exit_code == 0
    assert html.read_text().startswith("<!DOCTYPE html>") and "dilaporkan oleh 3 media" in html.read_text()
    assert smtp_server.messages == []  # a dry run sends nothing
    quiet = CliRunner().invoke(cli, ["digest", "--db", str(day_db), "--config", str(tmp_path / "none.yaml"),
                                     "--date", "2024-10-01", "--to", "a@desk.example"], env=_env(smtp_server))
    assert quiet.exit_code == 0 and "nothing tagged" in quiet.output and smtp_server.messages == []
    config = tmp_path / "feeds.yaml"
    config.write_text("digest:\n  send_empty: true\n  to: [a@desk.example]\nsources:\n"
                      "  - {name: a, homepage: 'https://a.example/', feeds: ['https://a.example/rss']}\n")
    sent = CliRunner().invoke(cli, ["digest", "--db", str(day_db), "--config", str(config), "--date", "2024-10-01"],
                              env=_env(smtp_server))
    assert sent.exit_code == 0, sent.output
    [(_, message)] = smtp_server.messages
    assert message["Subject"] == "Ringkasan berita 1 Okt 2024: tidak ada berita bertopik"
    assert "Tidak ada berita bertopik" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_password_in_the_config_file_is_refused(tmp_path: Path, day_db: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text("digest:\n  smtp: {host: smtp.example.org, password: rahasia}\nsources:\n"
                      "  - {name: a, homepage: 'https://a.example/', feeds: ['https://a.example/rss']}\n")
    result = CliRunner().invoke(cli, ["digest", "--db", str(day_db), "--config", str(config), "--dry-run"])
    assert result.exit_code == 2
    assert "digest.smtp.password" in result.output and "MONITOR_SMTP_PASSWORD" in result.output
    assert "rahasia" not in result.output
