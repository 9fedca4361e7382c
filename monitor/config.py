"""Loading and validating feeds.yaml: every mistake is reported before anything is fetched.

Errors name the file, the source and the field, for example
``feeds.yaml: sources[3] (suara-baru): delay: must be >= 0 (got -1)``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import soupsieve
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .models import Config, DigestSettings, Listing, Settings, Smtp, Source
from .regions import gazetteer

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def parse_duration(value: object) -> float:
    """Seconds from a number or a string such as ``90s``, ``15m``, ``2h``."""
    if isinstance(value, bool):
        raise ValueError(f"must be a duration such as 90s, 15m or 2h (got {value!r})")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"must be a duration such as 90s, 15m or 2h (got {value!r})")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"must be > 0 (got {value!r})")
    return seconds


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL (got {value!r})")
    return value


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone (got {value!r}); use an IANA name such as Asia/Makassar") from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Listing(_Strict):
    url: str
    selector: str
    next: str | None = None
    max_pages: int = Field(1, ge=1, le=100)

    _url = field_validator("url")(_check_url)

    @field_validator("selector", "next")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                soupsieve.compile(value)
            except Exception as e:  # soupsieve raises several types for bad selectors
                raise ValueError(f"bad CSS selector {value!r}: {str(e).splitlines()[0]}") from None
        return value


class _Politeness(_Strict):
    delay: float | None = Field(None, ge=0)
    concurrency: int | None = Field(None, ge=1, le=64)
    interval: float | str | None = None
    timezone: str | None = None
    language: str | None = None

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: object) -> float | None:
        return None if value is None else parse_duration(value)

    _zone = field_validator("timezone")(lambda v: v if v is None else _check_zone(v))


class _Defaults(_Politeness):
    pass


class _Source(_Politeness):
    name: str
    homepage: str
    region: str | None = None
    enabled: bool = True
    feeds: list[str] = []
    sitemaps: list[str] = []
    listings: list[_Listing] = []
    include: list[str] = []
    exclude: list[str] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"must be lower-case letters, digits, '-', '.' or '_' (got {value!r})")
        return value

    _homepage = field_validator("homepage")(_check_url)

    @field_validator("feeds", "sitemaps")
    @classmethod
    def _urls(cls, values: list[str]) -> list[str]:
        return [_check_url(v) for v in values]

    @field_validator("include", "exclude")
    @classmethod
    def _patterns(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                re.compile(value)
            except re.error as e:
                raise ValueError(f"bad regular expression {value!r}: {e}") from None
        return values


class _Settings(_Strict):
    user_agent: str = Settings.user_agent
    timezone: str = Settings.timezone
    concurrency: int = Field(Settings.concurrency, ge=1, le=256)
    timeout: float = Field(Settings.timeout, gt=0)
    max_bytes: int = Field(Settings.max_bytes, ge=1024)
    retries: int = Field(Settings.retries, ge=0, le=10)
    max_pages: int = Field(Settings.max_pages, ge=1, le=50)
    retention: float | str | None = None

    _zone = field_validator("timezone")(_check_zone)

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: object) -> float | None:
        return None if value is None else parse_duration(value)


_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def check_address(value: str) -> str:
    """An e-mail address (``desk@example.org``), or a name with one (``Desk <desk@example.org>``)."""
    from email.utils import parseaddr

    if not _ADDRESS.match(parseaddr(value)[1] or ""):
        raise ValueError(f"not an e-mail address (got {value!r})")
    return value


class _Smtp(_Strict):
    host: str | None = None
    port: int | None = Field(None, ge=1, le=65535)
    user: str | None = None
    security: str = "starttls"
    sender: str | None = Field(None, alias="from")

    @field_validator("security")
    @classmethod
    def _security(cls, value: str) -> str:
        if value not in ("none", "starttls", "ssl"):
            raise ValueError(f"must be none, starttls or ssl (got {value!r})")
        return value

    _sender = field_validator("sender")(lambda v: v if v is None else check_address(v))


class _Digest(_Strict):
    to: list[str] = []
    time: str = DigestSettings.time
    language: str = DigestSettings.language
    tags: list[str] = []
    regions: list[str] = []
    include_untagged: bool = False
    send_empty: bool = False
    max_stories: int = Field(DigestSettings.max_stories, ge=1, le=100)
    smtp: _Smtp = _Smtp()

    @field_validator("to")
    @classmethod
    def _to(cls, values: list[str]) -> list[str]:
        return [check_address(v) for v in values]

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError(f"must be a local time such as 07:00 (got {value!r})")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("id", "en"):
            raise ValueError(f"must be id or en (got {value!r})")
        return value


class _File(_Strict):
    settings: _Settings = _Settings()
    defaults: _Defaults = _Defaults()
    digest: _Digest = _Digest()
    sources: list[_Source]


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """``sources[3] (suara-baru): delay`` from a pydantic error location."""
    parts: list[str] = []
    node = data
    # union members add their type to the location ("interval.float"): not a field name
    loc = tuple(k for k in loc if not (isinstance(k, str) and re.fullmatch(r"float|int|str|bool|list\[.*\]", k)))
    for i, key in enumerate(loc):
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and key < len(node):
                node = node[key]
                if i == 1 and loc[0] == "sources" and isinstance(node, dict) and node.get("name"):
                    label += f" ({node['name']})"
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    head, *rest = parts or ["(top)"]
    if head.startswith("sources[") and rest:
        return f"{head}: {'.'.join(rest)}"
    return ".".join(parts)


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "is required"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        limit = next(iter(ctx.values()), "?")
        return f"must be {op} {limit} (got {got!r})"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{error['msg'].lower()} (got {got!r})"
    return f"{error['msg']} (got {got!r})"


def load_config(path: str | Path) -> Config:
    """Read and validate a feeds.yaml; raises ConfigError naming file, source and field."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    return parse_config(raw, str(path))


def parse_config(text: str, name: str = "feeds.yaml") -> Config:
    """Validate the YAML text of a feeds file; ``name`` is used in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{name}:{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: must be a mapping with a 'sources' list")
    smtp = (data.get("digest") or {}).get("smtp") if isinstance(data.get("digest"), dict) else None
    if isinstance(smtp, dict) and "password" in smtp:
        raise ConfigError(f"{name}: digest.smtp.password: secrets do not belong in this file;"
                          " set MONITOR_SMTP_PASSWORD in the environment")
    try:
        parsed = _File.model_validate(data)
    except ValidationError as e:
        errors = e.errors()
        first = errors[0]
        places = {_where(error["loc"], data) for error in errors}  # a union reports one field twice
        extra = len(places) - 1
        more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        raise ConfigError(f"{name}: {_where(first['loc'], data)}: {_message(first)}{more}") from None

    defaults = parsed.defaults
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for i, s in enumerate(parsed.sources):
        where = f"{name}: sources[{i}] ({s.name})"
        if s.name in seen:
            raise ConfigError(f"{where}: name: duplicate of sources[{seen[s.name]}]")
        seen[s.name] = i
        if not (s.feeds or s.sitemaps or s.listings):
            raise ConfigError(f"{where}: needs at least one of feeds, sitemaps or listings")
        if s.region:
            gazetteer().resolve([s.region], f"{where}: region")
        sources.append(
            Source(
                name=s.name,
                homepage=s.homepage,
                feeds=tuple(s.feeds),
                sitemaps=tuple(s.sitemaps),
                listings=tuple(Listing(x.url, x.selector, x.next, x.max_pages) for x in s.listings),
                region=s.region,
                language=_pick(s.language, defaults.language, Source.language),
                timezone=_pick(s.timezone, defaults.timezone, Source.timezone),
                delay=_pick(s.delay, defaults.delay, Source.delay),
                concurrency=_pick(s.concurrency, defaults.concurrency, Source.concurrency),
                interval=_pick(s.interval, defaults.interval, Source.interval),
                include=tuple(s.include),
                exclude=tuple(s.exclude),
                enabled=s.enabled,
            )
        )
    d = parsed.digest
    gazetteer().resolve(d.regions, f"{name}: digest.regions")
    digest = DigestSettings(to=tuple(d.to), time=d.time, language=d.language, tags=tuple(d.tags),
                            regions=tuple(d.regions),
                            include_untagged=d.include_untagged, send_empty=d.send_empty,
                            max_stories=d.max_stories, smtp=Smtp(**d.smtp.model_dump()))
    return Config(path=name, settings=Settings(**parsed.settings.model_dump()), sources=tuple(sources), digest=digest)


def _pick(*values: Any) -> Any:
    return next(v for v in values if v is not None)
