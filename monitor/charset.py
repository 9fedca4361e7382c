"""Choosing the right character set for a page: BOM, valid UTF-8, <meta charset>, header, guess."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.-]+)""")
# As browsers do (WHATWG Encoding): these labels mean windows-1252.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "iso8859-1": "cp1252", "windows-1252": "cp1252", "l1": "cp1252"}


def _codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    name = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    match = re.search(r"charset\s*=\s*[\"']?([^;\"'\s]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def detect_encoding(content: bytes, declared: str | None = None) -> str:
    """The codec that decodes ``content``; a header that contradicts the bytes loses to the page."""
    if content.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    head = content[:4096]
    found = _META.search(head) or _XML_DECL.search(head)
    for label in (found.group(1) if found else None, declared):
        codec = _codec(label)
        if codec and codec not in ("utf-8", "utf-16"):
            try:
                content.decode(codec)
                return codec
            except UnicodeDecodeError:
                continue
    best = from_bytes(content[:65536]).best()
    if best is not None and best.encoding:
        return _codec(best.encoding) or "cp1252"
    return "cp1252"
