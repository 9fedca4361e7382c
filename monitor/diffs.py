"""What changed between two versions of an article, word by word."""

from __future__ import annotations

import difflib
import re


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) pieces turning ``old`` into ``new`` word by word: op is ``equal``, ``delete`` or ``insert``."""
    a, b = re.findall(r"\S+\s*", old), re.findall(r"\S+\s*", new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            pieces.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(("insert", "".join(b[j1:j2])))
        if op == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
    return pieces
