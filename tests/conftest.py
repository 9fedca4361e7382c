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
