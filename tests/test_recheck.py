"""``monitor recheck``: edits become versions with a diff, removals are marked with their date, nothing is deleted."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from tests.servers import LocalServer, Reply, article_html, html_reply, news_site, web_ui
from tests.test_web import get


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_edits_removals_and_redirects_home(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    config = tmp_path / "feeds.yaml"
    with LocalServer() as server:
        news_site(server, 5)
        server.route("/", html_reply("<html><body><h1>Beranda</h1></body></html>"))
        config.write_text(f"""
defaults: {{delay: 0}}
sources: [{{name: s, homepage: "{server.base}/", listings: [{{url: "{server.base}/list", selector: a}}]}}]
""")
        crawled = run("crawl", "--config", str(config), "--db", str(db), "--workers", "0")
        assert crawled.exit_code == 0, crawled.output  # type: ignore[attr-defined]
        edited = ["Petugas KPU menarik kembali logistik nomor 0 karena segel kotak suara rusak. " * 4] * 3
        server.route("/berita/0", Reply(200, article_html("Logistik 0 Tiba di TPS", edited).encode(),
                                        {"Content-Type": "text/html; charset=utf-8"}))
        server.route("/berita/1", Reply(404, b"<html><body>Halaman tidak ditemukan</body></html>",
                                        {"Content-Type": "text/html"}))
        server.route("/berita/2", Reply(301, b"", {"Location": "/"}))
        server.route("/berita/3", Reply(410, b"gone", {"Content-Type": "text/plain"}))
        result = run("recheck", "--config", str(config), "--db", str(db))
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        assert "checked 5: 1 unchanged, 1 edited, 3 removed, 0 failed" in result.output  # type: ignore[attr-defined]

    def show(article_id: int) -> dict:
        shown = run("show", str(article_id), "--db", str(db), "--format", "json")
        assert shown.exit_code == 0, shown.output  # type: ignore[attr-defined]
        return json.loads(shown.output)  # type: ignore[attr-defined]

    articles = {show(i)["url"].rsplit("/", 1)[-1]: show(i) for i in range(1, 6)}
    assert len(articles) == 5  # nothing deleted
    first = articles["0"]
    assert "segel kotak suara rusak" in first["text"] and first["removed_at"] is None
    [version] = first["versions"]
    assert "mendistribusikan" in version["text"]
    assert ["insert", "menarik kembali "] in version["diff"] or any(
        op == "insert" and "menarik" in piece for op, piece in version["diff"])
    assert any(op == "delete" and "mendistribusikan" in piece for op, piece in version["diff"])
    assert articles["1"]["removed_reason"] == "HTTP 404" and articles["1"]["removed_at"]
    assert articles["3"]["removed_reason"] == "HTTP 410"
    assert articles["2"]["removed_reason"].startswith("redirected to the home page")
    assert articles["4"]["removed_at"] is None and articles["4"]["versions"] == []
    text = run("show", str(first["id"]), "--db", str(db)).output  # type: ignore[attr-defined]
    assert "{+menarik" in text and "[-mendistribusikan" in text
    with web_ui(db) as base:
        _, page, _ = get(f"{base}/article/{first['id']}")
        assert "<ins>" in page and "<del>" in page
        _, page, _ = get(f"{base}/article/{articles['1']['id']}")
        assert "Dihapus dari situs sejak" in page and "HTTP 404" in page
