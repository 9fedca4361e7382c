"""The command line: exit codes, one-line errors and the JSON contracts other tools rely on."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.demo import SampleServer, demo_config
from tests.servers import LocalServer, Reply


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """A demo config and a database crawled through ``monitor crawl``."""
    with SampleServer() as sites:
        folder = tmp_path_factory.mktemp("cli")
        config = folder / "feeds.yaml"
        config.write_text(demo_config(sites.base_urls))
        db = folder / "monitor.db"
        result = CliRunner().invoke(cli, ["crawl", "--config", str(config), "--db", str(db), "--workers", "0"])
        yield sites, config, db, result


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_crawl_exits_0_and_prints_a_summary(crawled) -> None:
    _, _, _, result = crawled
    assert result.exit_code == 0, result.output
    for name in ("kabar-ibu-kota", "warta-etam", "suara-mahakam"):
        assert name in result.output


def test_bad_config_exits_2_with_one_line_naming_file_source_and_field(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text("sources:\n  - name: a\n    homepage: https://x.id/\n    feeds: [https://x.id/rss]\n"
                      "  - name: suara-baru\n    homepage: https://y.id/\n    feeds: [https://y.id/rss]\n"
                      "    delay: -1\n")
    result = run("crawl", "--config", str(config), "--db", str(tmp_path / "m.db"))
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {config}: sources[1] (suara-baru): delay: must be >= 0.0 (got -1)")
    assert not (tmp_path / "m.db").exists()


def test_missing_config_and_unknown_source_exit_2(tmp_path: Path, crawled) -> None:
    result = run("crawl", "--config", str(tmp_path / "nope.yaml"), "--db", str(tmp_path / "m.db"))
    assert result.exit_code == 2 and "file not found" in result.output
    _, config, db, _ = crawled
    result = run("crawl", "--config", str(config), "--db", str(db), "--source", "nope")
    assert result.exit_code == 2 and "no source named 'nope'" in result.output


def test_all_sources_failing_exits_1_and_keeps_what_is_stored(tmp_path: Path, server: LocalServer, crawled) -> None:
    server.route("/rss", Reply(500, b"down"))
    _, _, db, _ = crawled
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    before = json.loads(run("search", "--db", str(copy), "--format", "json", "--limit", "500").output)
    config = tmp_path / "down.yaml"
    config.write_text(f"settings: {{retries: 0}}\nsources: [{{name: down, homepage: '{server.base}/', "
                      f"feeds: ['{server.base}/rss']}}]\n")
    result = run("crawl", "--config", str(config), "--db", str(copy), "--workers", "0")
    assert result.exit_code == 1
    assert "HTTP 500" in result.output
    after = json.loads(run("search", "--db", str(copy), "--format", "json", "--limit", "500").output)
    assert len(after) == len(before) > 60


def test_search_json_contract_and_filters(crawled) -> None:
    _, config, db, _ = crawled
    result = run("search", "surat suara", "--db", str(db), "--config", str(config), "--format", "json")
    rows = json.loads(result.output)
    assert rows and all({"id", "url", "title", "source", "published", "tags", "snippet"} <= set(r) for r in rows)
    assert all(r["published"].endswith("+08:00") for r in rows)
    only = json.loads(run("search", "surat suara", "--db", str(db), "--source", "warta-etam",
                          "--format", "json").output)
    assert only and {r["source"] for r in only} == {"warta-etam"}
    november = json.loads(run("search", "--db", str(db), "--config", str(config), "--since", "2024-11-20",
                              "--until", "2024-11-22", "--format", "json", "--limit", "100").output)
    assert november and all("2024-11-20" <= r["published"][:10] <= "2024-11-22" for r in november)
    assert len(json.loads(run("search", "--db", str(db), "--limit", "3", "--format", "json").output)) == 3


def test_search_survives_odd_queries(crawled) -> None:
    _, _, db, _ = crawled
    for query in ('"unbalanced', "AND ( suara", "a:b", "NEAR(", '"surat suara" OR', "logistik -hoaks"):
        result = run("search", query, "--db", str(db), "--format", "json")
        assert result.exit_code == 0, (query, result.output)
        json.loads(result.output)
    for query in ("*", "-", "🙂", "NOT pilkada", "AND ("):
        result = run("search", query, "--db", str(db), "--format", "json")
        assert result.exit_code == 2, (query, result.output)
        assert result.output.startswith("error: nothing to search for") and result.output.count("\n") == 1


def test_search_table_marks_matches_and_filters_by_tag_and_region(crawled) -> None:
    _, config, db, _ = crawled
    table = run("search", "distribusi", "--db", str(db), "--config", str(config))
    assert table.exit_code == 0 and "distribusi" in table.output.lower()
    rows = json.loads(run("search", "distribusi", "--db", str(db), "--format", "json").output)
    assert any(r["match"] == "related form" for r in rows)  # mendistribusikan, pendistribusian …
    assert json.loads(run("search", "--db", str(db), "--region", "Kalimantan Timur", "--format", "json",
                          "--limit", "5").output)
    assert json.loads(run("search", "--db", str(db), "--region", "Papua", "--format", "json").output) == []


def test_show_json_has_every_contract_field(crawled) -> None:
    _, config, db, _ = crawled
    first = json.loads(run("search", "Netralitas ASN", "--db", str(db), "--format", "json").output)[0]
    shown = json.loads(run("show", str(first["id"]), "--db", str(db), "--config", str(config),
                           "--format", "json").output)
    for key in ("id", "url", "canonical_url", "source", "title", "author", "published", "dateline", "text", "tags",
                "scores", "why", "duplicates", "versions"):
        assert key in shown
    assert shown["title"] == first["title"]
    result = run("show", "99999", "--db", str(db))
    assert result.exit_code == 1 and "no article with id 99999" in result.output


def test_sources_lists_last_result(crawled) -> None:
    _, config, db, _ = crawled
    rows = json.loads(run("sources", "--config", str(config), "--db", str(db), "--format", "json").output)
    assert {r["name"] for r in rows} == {"kabar-ibu-kota", "warta-etam", "suara-mahakam"}
    assert all(r["articles"] > 15 and r["last_success"] and r["failure_streak"] == 0 for r in rows)


def test_extract_a_saved_file_and_a_url(tmp_path: Path, crawled) -> None:
    sites, _, _, _ = crawled
    article = sites.sites["kabar-ibu-kota"].articles[0]
    url = sites.url("kabar-ibu-kota", sites.sites["kabar-ibu-kota"].article_path(article))
    result = run("extract", url, "--json", "--timezone", "Asia/Makassar")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == article.title and data["text"].endswith(article.paragraphs[-1])
    page = tmp_path / "page.html"
    import urllib.request
    page.write_bytes(urllib.request.urlopen(url).read())
    from_file = json.loads(run("extract", str(page), "--url", url, "--json", "--timezone", "Asia/Makassar").output)
    assert from_file["text"] == data["text"] and from_file["published"] == data["published"]
    assert run("extract", str(tmp_path / "missing.html")).exit_code == 1


def test_python_dash_m_and_help_for_every_command() -> None:
    result = subprocess.run([sys.executable, "-m", "monitor", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("crawl", "demo", "extract", "search", "show", "sources"):
        assert command in result.stdout
        assert run(command, "--help").exit_code == 0


def test_demo_command_builds_the_demo_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = subprocess.run([sys.executable, "-m", "monitor", "demo", "--db", str(db)], capture_output=True,
                            text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Sukeskan Pilkada Serentak 2024, Pemprov Kaltim Ingatkan Netralitas ASN" in result.stdout
    again = subprocess.run([sys.executable, "-m", "monitor", "demo", "--db", str(db)], capture_output=True,
                           text=True, timeout=300, cwd=tmp_path)
    assert again.returncode == 0 and "64 articles stored" in again.stdout
    other = tmp_path / "real.db"
    import sqlite3
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE crawl_runs (config TEXT)")
        conn.execute("INSERT INTO crawl_runs VALUES ('feeds.yaml')")
    refused = subprocess.run([sys.executable, "-m", "monitor", "demo", "--db", str(other)], capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 1 and "not a demo database" in refused.stderr


def test_every_command_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"`monitor {name}" in readme, name
