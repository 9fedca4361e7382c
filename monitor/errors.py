"""The one error hierarchy of the monitor; the CLI maps it to exit codes.

    MonitorError
     ├── ConfigError      bad feeds.yaml or settings (exit 2)
     ├── FetchError       a request that failed for good (carries the URL)
     ├── DiscoverError    a feed, sitemap or listing that gave no links
     ├── ExtractError     a page that is not an article (carries the reason)
     ├── ClassifierError  topics, training data or model files
     ├── StoreError       the SQLite store
     └── MailError        sending the digest

Third-party exceptions are wrapped once, in the module that owns the dependency.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error the monitor raises on purpose."""

    exit_code = 1


class ConfigError(MonitorError):
    """Configuration that cannot be used; nothing is fetched."""

    exit_code = 2


class FetchError(MonitorError):
    """A request that failed after its retries."""

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = message
        self.status = status


class DiscoverError(MonitorError):
    """A feed, sitemap or listing page that cannot be read for links."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = message


class ExtractError(MonitorError):
    """A page that gives no article (challenge, block page, soft 404, listing ...)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ClassifierError(MonitorError):
    """Topics, training data or a model file that cannot be used."""


class StoreError(MonitorError):
    """The database cannot be opened, upgraded or written."""


class MailError(MonitorError):
    """The digest could not be sent."""


class LockedError(MonitorError):
    """Another process writes to this database (one writer at a time)."""

    exit_code = 3
