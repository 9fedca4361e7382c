from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
