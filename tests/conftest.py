from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from monitor.demo import SampleServer
from tests.servers import LocalServer


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


@pytest.fixture(scope="session")
def sample_sites() -> Iterator[SampleServer]:
    with SampleServer() as s:
        yield s


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "monitor.db"


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Models trained during the tests go to a temporary cache, trained once per session."""
    import os

    path = tmp_path_factory.mktemp("model-cache")
    old = os.environ.get("MONITOR_CACHE_DIR")
    os.environ["MONITOR_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("MONITOR_CACHE_DIR", None)
    else:
        os.environ["MONITOR_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample sites crawled (and tagged) by ``monitor crawl`` into a database; copy it before writing."""
    from click.testing import CliRunner

    from monitor.cli import cli
    from monitor.demo import demo_config

    folder = tmp_path_factory.mktemp("demo-db")
    with SampleServer() as sites:
        config = folder / "feeds.yaml"
        config.write_text(demo_config(sites.base_urls))
        db = folder / "monitor.db"
        result = CliRunner().invoke(cli, ["crawl", "--config", str(config), "--db", str(db), "--workers", "0"])
        assert result.exit_code == 0, result.output
    return db


@dataclass
class Inbox:
    """What a real SMTP server (aiosmtpd) on 127.0.0.1 received; ``refuse`` holds addresses it rejects."""

    host: str
    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    """A plain SMTP server on 127.0.0.1 that keeps what it receives."""
    inbox = Inbox("127.0.0.1", free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()
