"""Offline sample news sites served by `monitor demo` and used as test fixtures."""

from monitor.demo.server import (
    ExpectedArticle,
    RequestRecord,
    SampleServer,
    demo_config,
    expected_articles,
    load_sites,
)

__all__ = [
    "ExpectedArticle",
    "RequestRecord",
    "SampleServer",
    "demo_config",
    "expected_articles",
    "load_sites",
]
