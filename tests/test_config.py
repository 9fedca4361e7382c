"""feeds.yaml loading: defaults, overrides, and one-line errors that name file, source and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.config import load_config, parse_config, parse_duration
from monitor.errors import ConfigError
from monitor.models import Listing

REPO_FEEDS = Path(__file__).resolve().parent.parent / "feeds.yaml"

VALID = textwrap.dedent(
    """\
    settings:
      timezone: Asia/Makassar
    defaults:
      delay: 3
      concurrency: 4
      interval: 15m
      timezone: Asia/Makassar
      language: id
    sources:
      - name: kabar-ibu-kota
        homepage: https://ibukotakini.com/
        region: Kalimantan Timur
        listings:
          - url: https://ibukotakini.com/
            selector: 'a[href*="/read/"]'
        include: ['ibukotakini\\.com/read/']
        exclude: ['/tag/']
      - name: detik-kalimantan
        homepage: https://www.detik.com/kalimantan
        feeds: [https://rss.detik.com/index.php/kalimantan]
        delay: 0
        concurrency: 1
        interval: 2h
        timezone: Asia/Jakarta
        language: en
        enabled: false
    """
)


def make(source_extra: str = "", *, top: str = "") -> str:
    """A small valid file whose second source ('suara-kaltim') gets the extra lines."""
    text = textwrap.dedent(
        """\
        sources:
          - name: antara-kaltim
            homepage: https://kaltim.antaranews.com/
            feeds: [https://kaltim.antaranews.com/rss/terkini.xml]
          - name: suara-kaltim
            homepage: https://kaltim.suara.com/
        """
    )
    extra = textwrap.indent(textwrap.dedent(source_extra), "    ") if source_extra else ""
    if "sitemaps" not in source_extra and "feeds" not in source_extra and "listings" not in source_extra:
        extra = "    sitemaps: [https://kaltim.suara.com/sitemap.xml]\n" + extra
    return top + text + extra


def config_error(text: str, name: str = "feeds.yaml") -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, name)
    assert info.value.exit_code == 2
    message = str(info.value)
    assert "\n" not in message, f"error message must be one line: {message!r}"
    assert message.startswith(name), message
    return message


# --- valid files --------------------------------------------------------------------------------


def test_valid_file_applies_defaults_and_overrides() -> None:
    config = parse_config(VALID, "my-feeds.yaml")
    assert config.path == "my-feeds.yaml"
    assert [s.name for s in config.sources] == ["kabar-ibu-kota", "detik-kalimantan"]

    kik = config.source("kabar-ibu-kota")
    assert kik.delay == 3.0
    assert kik.concurrency == 4
    assert kik.interval == 900.0
    assert kik.timezone == "Asia/Makassar"
    assert kik.language == "id"
    assert kik.region == "Kalimantan Timur"
    assert kik.enabled is True
    assert kik.listings == (Listing("https://ibukotakini.com/", 'a[href*="/read/"]'),)
    assert kik.include == (r"ibukotakini\.com/read/",)
    assert kik.exclude == ("/tag/",)

    detik = config.source("detik-kalimantan")
    assert detik.delay == 0.0  # 0 is allowed (local mirrors) and wins over the default 3
    assert detik.concurrency == 1
    assert detik.interval == 7200.0
    assert detik.timezone == "Asia/Jakarta"
    assert detik.language == "en"
    assert detik.enabled is False
    assert detik.feeds == ("https://rss.detik.com/index.php/kalimantan",)
    assert config.settings.timezone == "Asia/Makassar"


def test_without_defaults_block_the_built_in_defaults_apply() -> None:
    config = parse_config(make(), "f.yaml")
    source = config.source("suara-kaltim")
    assert source.delay == 1.0
    assert source.concurrency == 2
    assert source.interval == 1800.0
    assert source.language == "id"
    assert source.sitemaps == ("https://kaltim.suara.com/sitemap.xml",)


def test_unknown_source_name_lookup_raises_key_error() -> None:
    config = parse_config(make(), "f.yaml")
    with pytest.raises(KeyError):
        config.source("tidak-ada")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90s", 90.0), ("15m", 900.0), ("2h", 7200.0), ("1d", 86400.0), ("1.5h", 5400.0), (" 30m ", 1800.0),
     ("45", 45.0), (45, 45.0), (2.5, 2.5)],
)
def test_parse_duration(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["5x", "", "15 minutes", "-5m", "m", 0, -3, "0s", True])
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


# --- errors in one source -----------------------------------------------------------------------

WHERE = "f.yaml: sources[1] (suara-kaltim): "


@pytest.mark.parametrize(
    ("extra", "field", "detail"),
    [
        ("dealy: 3\n", "dealy", "unknown key"),
        ("delay: -1\n", "delay", ">= 0"),
        ("concurrency: 0\n", "concurrency", ">= 1"),
        ("concurrency: '2'\n", "concurrency", "'2'"),
        ("feeds: https://kaltim.suara.com/rss\n", "feeds", "list"),
        ("interval: 5x\n", "interval", "'5x'"),
        ("timezone: Asia/Samarinda\n", "timezone", "Asia/Samarinda"),
        ("feeds: [ftp://kaltim.suara.com/rss]\n", "feeds", "ftp://kaltim.suara.com/rss"),
        ("include: ['(unclosed']\n", "include", "(unclosed"),
        ("exclude: ['[a-']\n", "exclude", "[a-"),
        ("listings:\n  - url: https://kaltim.suara.com/\n    selector: 'a[href'\n", "listings[0].selector", "a[href"),
        ("listings:\n  - url: https://kaltim.suara.com/\n    selector: a\n    colour: red\n", "listings[0].colour",
         "unknown key"),
        ("listings:\n  - selector: a\n", "listings[0].url", "required"),
        ("region: Kalimatan Timur\n", "region", "unknown region 'Kalimatan Timur' (did you mean 'Kalimantan Timur'"),
    ],
)
def test_bad_field_names_file_source_and_field(extra: str, field: str, detail: str) -> None:
    message = config_error(make(extra), "f.yaml")
    assert message.startswith(f"{WHERE}{field}:"), message
    assert detail in message


def test_missing_homepage() -> None:
    text = "sources:\n  - name: kaltimtoday\n    feeds: [https://kaltimtoday.co/feed]\n"
    message = config_error(text, "f.yaml")
    assert message.startswith("f.yaml: sources[0] (kaltimtoday): homepage:"), message
    assert "required" in message


def test_homepage_must_be_http() -> None:
    text = "sources:\n  - name: kaltimtoday\n    homepage: ftp://kaltimtoday.co/\n    feeds: [https://kaltimtoday.co/feed]\n"
    message = config_error(text, "f.yaml")
    assert message.startswith("f.yaml: sources[0] (kaltimtoday): homepage:"), message
    assert "http" in message


def test_duplicate_name_points_at_the_second_copy() -> None:
    text = make() + "  - name: antara-kaltim\n    homepage: https://kaltim.antaranews.com/\n    feeds: [https://a.b/rss]\n"
    message = config_error(text, "f.yaml")
    assert message.startswith("f.yaml: sources[2] (antara-kaltim): name:"), message
    assert "duplicate" in message and "sources[0]" in message


def test_source_without_feeds_sitemaps_or_listings() -> None:
    text = make() + "  - name: kaltimkece\n    homepage: https://kaltimkece.id/\n"
    message = config_error(text, "f.yaml")
    assert message.startswith("f.yaml: sources[2] (kaltimkece):"), message
    assert "feeds" in message and "sitemaps" in message and "listings" in message


def test_bad_name_is_rejected() -> None:
    text = "sources:\n  - name: Suara Kaltim\n    homepage: https://kaltim.suara.com/\n    feeds: [https://a.b/rss]\n"
    message = config_error(text, "f.yaml")
    assert "sources[0]" in message and "name:" in message and "Suara Kaltim" in message


def test_several_problems_still_give_one_line() -> None:
    message = config_error(make("dealy: 1\ndelay: -1\ninterval: 5x\n"), "f.yaml")
    assert message.startswith(WHERE), message
    assert "more problem" in message


# --- errors outside sources ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "where"),
    [
        ("defaults:\n  dealy: 1\n", "f.yaml: defaults.dealy: unknown key"),
        ("defaults:\n  interval: 5x\n", "f.yaml: defaults.interval:"),
        ("settings:\n  timezone: WITA\n", "f.yaml: settings.timezone:"),
        ("colour: red\n", "f.yaml: colour: unknown key"),
        ("digest:\n  regions: [Kukar, Atlantis]\n", "f.yaml: digest.regions: unknown region 'Atlantis'"),
    ],
)
def test_bad_top_level_blocks(top: str, where: str) -> None:
    message = config_error(make(top=top), "f.yaml")
    assert message.startswith(where), message


def test_missing_sources_key() -> None:
    message = config_error("defaults:\n  delay: 1\n", "f.yaml")
    assert message.startswith("f.yaml: sources:"), message


def test_invalid_yaml_names_the_line() -> None:
    text = "sources:\n  - name: a\n    homepage: https://a.b/\n\tfeeds: [https://a.b/rss]\n"
    message = config_error(text, "f.yaml")
    assert message.startswith("f.yaml: line 4:"), message
    assert "invalid YAML" in message


@pytest.mark.parametrize("text", ["- name: a\n- name: b\n", "just a string\n", "", "42\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    message = config_error(text, "f.yaml")
    assert "mapping" in message


# --- files on disk ------------------------------------------------------------------------------


def test_load_config_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(VALID, encoding="utf-8")
    config = load_config(path)
    assert config.path == str(path)
    assert config.source("kabar-ibu-kota").interval == 900.0


def test_load_config_error_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(make("delay: -1\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: sources[1] (suara-kaltim): delay:")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.exit_code == 2
    assert str(info.value) == f"{path}: file not found"


def test_repository_feeds_yaml_is_valid() -> None:
    config = load_config(REPO_FEEDS)
    names = [s.name for s in config.sources]
    assert len(names) >= 16
    assert len(set(names)) == len(names)
    assert names[0] == "kabar-ibu-kota"
    for source in config.sources:
        assert source.homepage.startswith(("http://", "https://"))
        assert source.feeds or source.sitemaps or source.listings, source.name
        assert source.delay >= 0 and source.concurrency >= 1 and source.interval > 0


@pytest.mark.parametrize("value", ["true", "[15m]"])
def test_wrongly_typed_interval_names_the_field(value: str) -> None:
    message = config_error(make(f"interval: {value}\n"), "f.yaml")
    assert message.startswith(f"{WHERE}interval: "), message
    assert "more problem" not in message
