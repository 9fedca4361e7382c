"""``monitor run`` and ``monitor status``: crawls on time, the digest once at its hour, clean stops, one writer."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import parse_config
from monitor.errors import MailError
from monitor.schedule import Scheduler, digest_due
from tests.conftest import Inbox, free_port
from tests.servers import LocalServer, Reply, news_site

ZONE = "Asia/Makassar"


def write_config(path: Path, server: LocalServer, *, interval: str = "2s", extra: str = "") -> Path:
    path.write_text(f"""
settings: {{timezone: {ZONE}, retries: 0}}
defaults: {{delay: 0, concurrency: 2, interval: {interval}}}
digest: {{to: [desk@desk.example], time: "00:00", send_empty: true}}
sources: [{{name: s, homepage: "{server.base}/", listings: [{{url: "{server.base}/list", selector: a}}]}}]
{extra}""")
    return path


def start_run(config: Path, db: Path, inbox: Inbox | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    if inbox is not None:
        env.update({"MONITOR_SMTP_HOST": inbox.host, "MONITOR_SMTP_PORT": str(inbox.port),
                    "MONITOR_SMTP_SECURITY": "none", "MONITOR_MAIL_FROM": "monitor@desk.example"})
    return subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config), "--db", str(db),
                             "--workers", "0", "--log-format", "json"], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)


def runs(db: Path) -> list[tuple[str, str | None, str]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT started, finished, status FROM crawl_runs ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []


def wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stop(process: subprocess.Popen[str]) -> list[dict[str, object]]:
    """SIGTERM; the run must exit 0 within seconds. Returns its JSON log lines."""
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_crawls_come_on_time_the_digest_once_and_sigterm_stops_cleanly(tmp_path: Path, smtp_server: Inbox) -> None:
    db = tmp_path / "monitor.db"
    with LocalServer() as server:
        news_site(server, 3)
        listing = server.routes["/list"]
        # the network is down for the first crawl, and back for the next ones: no restart needed
        server.route("/list", lambda request: Reply(503) if request.count == 1 else listing(request))
        config = write_config(tmp_path / "feeds.yaml", server)
        process = start_run(config, db, smtp_server)
        wait_for(lambda: len([r for r in runs(db) if r[1]]) >= 3)
        logs = stop(process)
        finished = [r for r in runs(db) if r[1]]
        for (_, end, _), (start, _, _) in zip(finished, finished[1:], strict=False):
            gap = (datetime.fromisoformat(start) - datetime.fromisoformat(end)).total_seconds()
            assert 1.7 <= gap <= 4.0, gap  # the interval (2 s) ± 10 %, plus a moment for the step
        assert [status for _, _, status in finished][:2] == ["failed", "ok"]
        assert any(entry["level"] == "warning" and entry.get("source") == "s" for entry in logs)
        assert len(smtp_server.messages) == 1  # yesterday's digest, due since 00:00
        assert {entry["level"] for entry in logs} >= {"info"}
        assert any("stopping" in str(entry["message"]) for entry in logs)
        assert any(entry.get("source") == "s" and entry.get("new") == 3 for entry in logs)
        again = start_run(config, db, smtp_server)
        count = len(runs(db))
        wait_for(lambda: len([r for r in runs(db) if r[1]]) > count)
        stop(again)
        assert len(smtp_server.messages) == 1  # sent once, even across runs


def test_one_writer_at_a_time_and_a_killed_run_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    with LocalServer() as server:
        news_site(server, 60, delay=0.25)
        config = write_config(tmp_path / "feeds.yaml", server, interval="1h")
        process = start_run(config, db)
        wait_for(lambda: len(runs(db)) >= 1 and Path(f"{db}.lock").read_text().startswith("{"))
        crawl = subprocess.run([sys.executable, "-m", "monitor", "crawl", "--config", str(config), "--db", str(db)],
                               capture_output=True, text=True, timeout=60)
        assert crawl.returncode == 3
        assert f"in use by monitor run (pid {process.pid}" in crawl.stderr
        assert len(crawl.stderr.strip().splitlines()) == 1
        second = subprocess.run([sys.executable, "-m", "monitor", "run", "--config", str(config), "--db", str(db)],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 3 and "in use by monitor run" in second.stderr
        with sqlite3.connect(db) as conn:  # let the crawl store a few articles, then kill it
            wait_for(lambda: conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] >= 3)
        process.kill()
        process.communicate(timeout=10)
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        assert stored < 60
        resumed = start_run(config, db)
        wait_for(lambda: any(r[1] and r[2] == "ok" for r in runs(db)))
        logs = stop(resumed)
        assert any("took over the lock left by monitor run" in str(entry["message"]) for entry in logs)
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 60


def test_sigterm_during_a_crawl_keeps_what_was_stored(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    with LocalServer() as server:
        news_site(server, 30, delay=0.3)
        process = start_run(write_config(tmp_path / "feeds.yaml", server, interval="1h"), db)
        with_articles = 0

        def some_stored() -> bool:
            nonlocal with_articles
            try:
                with sqlite3.connect(db) as conn:
                    with_articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                return False
            return with_articles >= 2

        wait_for(some_stored)
        started = time.monotonic()
        stop(process)
        assert time.monotonic() - started < 10
    [(_, finished, status)] = runs(db)
    assert finished and status == "interrupted"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert 2 <= conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] < 30


def test_status_reports_health_and_fails_on_long_failures(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    with LocalServer() as server:
        news_site(server, 2)
        closed = f"http://127.0.0.1:{free_port()}"
        config = tmp_path / "feeds.yaml"
        config.write_text(f"""
defaults: {{delay: 0}}
sources:
  - {{name: s, homepage: "{server.base}/", listings: [{{url: "{server.base}/list", selector: a}}]}}
  - {{name: broken, homepage: "{closed}/", feeds: ["{closed}/rss"]}}
""")
        result = CliRunner().invoke(cli, ["crawl", "--config", str(config), "--db", str(db), "--workers", "0"])
        assert result.exit_code == 0, result.output
    report = CliRunner().invoke(cli, ["status", "--db", str(db), "--format", "json"])
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)
    by_name = {s["name"]: s for s in data["sources"]}
    assert by_name["s"]["articles_24h"] == 2 and by_name["s"]["articles_7d"] == 2 and by_name["s"]["last_success"]
    assert by_name["broken"]["failure_streak"] == 1 and by_name["broken"]["last_error"]
    assert data["articles"] == 2 and data["database_bytes"] > 0 and data["last_run"]["status"] == "ok"
    assert CliRunner().invoke(cli, ["status", "--db", str(db), "--max-failing", "24"]).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sources SET failing_since=? WHERE name='broken'",
                     ((datetime.now(UTC) - timedelta(days=2)).isoformat(),))
    late = CliRunner().invoke(cli, ["status", "--db", str(db), "--max-failing", "24"])
    assert late.exit_code == 1
    assert "failing for more than 24 h: broken (since" in late.output and "broken" in late.output


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.t = start.timestamp()

    def __call__(self) -> float:
        return self.t


def test_scheduler_turns_jitter_and_the_digest_hour() -> None:
    config = parse_config(f"""
settings: {{timezone: {ZONE}}}
digest: {{time: "07:00"}}
sources:
  - {{name: a, homepage: "https://a.example/", feeds: ["https://a.example/rss"], interval: 60}}
  - {{name: b, homepage: "https://b.example/", feeds: ["https://b.example/rss"], interval: 3600}}
  - {{name: c, homepage: "https://c.example/", feeds: ["https://c.example/rss"], enabled: false}}
""")
    clock = FakeClock(datetime(2024, 11, 26, 22, 0, tzinfo=UTC))  # 27 Nov 06:00 WITA
    crawled: list[list[str]] = []
    sent: list[date] = []
    fail = {"once": True}

    def send(day: date) -> None:
        if fail.pop("once", False):
            raise MailError("SMTP server down")
        sent.append(day)

    scheduler = Scheduler(config, lambda names: crawled.append(names) or True, send, now=clock, seed=1)
    scheduler.plan({"a": None, "b": clock.t - 600})
    assert set(scheduler.next_due) == {"a", "b"}  # disabled sources never run
    assert clock.t <= scheduler.next_due["a"] <= clock.t + 5
    assert clock.t + 3000 <= scheduler.next_due["b"] <= clock.t + 3005
    clock.t += 5
    wait = scheduler.step()
    assert crawled == [["a"]] and sent == []  # the digest failed: tried again next step
    assert 54 <= scheduler.next_due["a"] - clock.t <= 66  # 60 s ± 10 %
    assert 0 < wait <= 60
    scheduler.step()
    assert sent == [date(2024, 11, 25)]  # before 07:00 the last due digest is the day before yesterday's
    clock.t += 3600  # 07:05 WITA
    scheduler.step()
    assert sent == [date(2024, 11, 25), date(2024, 11, 26)]
    scheduler.step()
    assert len(sent) == 2  # once per day
    assert digest_due(datetime(2024, 11, 27, 7, 0), "07:00") == date(2024, 11, 26)
    assert digest_due(datetime(2024, 11, 27, 6, 59), "07:00") == date(2024, 11, 25)
