"""Berita monitor: crawl Indonesian regional news, extract, tag and search it."""

__version__ = "0.1.0"
