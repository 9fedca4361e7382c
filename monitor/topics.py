"""Topics and labeled examples from a classifiers directory (``topics.yaml`` + ``data/*.jsonl``).

Nothing in the code names a topic: adding one is adding a block to topics.yaml and examples that
carry its name. Errors name the file, the line and the field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ClassifierError


@dataclass(frozen=True)
class Topic:
    """One tag the classifier can give."""

    name: str
    label_id: str
    label_en: str
    description: str
    seeds: tuple[str, ...] = ()
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class Example:
    """One labeled article for training or evaluation."""

    id: str
    title: str
    text: str
    labels: tuple[str, ...]
    region: str | None = None
    style: str | None = None
    origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def default_dir() -> Path:
    """The classifiers directory shipped with the package (topics and training data)."""
    return Path(str(resources.files("monitor") / "classifiers"))


def load_topics(directory: Path) -> list[Topic]:
    """Topics from ``directory/topics.yaml``; ClassifierError naming file and field on mistakes."""
    path = directory / "topics.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClassifierError(f"{path}: file not found") from None
    except yaml.YAMLError as e:
        raise ClassifierError(f"{path}: invalid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list) or not data["topics"]:
        raise ClassifierError(f"{path}: needs a non-empty 'topics' list")
    topics: list[Topic] = []
    for i, raw in enumerate(data["topics"]):
        where = f"{path}: topics[{i}]"
        if not isinstance(raw, dict):
            raise ClassifierError(f"{where}: must be a mapping")
        unknown = set(raw) - {"name", "label", "description", "seeds", "context"}
        if unknown:
            raise ClassifierError(f"{where}: {sorted(unknown)[0]}: unknown key")
        name = raw.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            raise ClassifierError(f"{where}: name: must be a word of letters, digits and '_' (got {name!r})")
        label = raw.get("label") or {}
        if not isinstance(label, dict):
            raise ClassifierError(f"{where} ({name}): label: must be a mapping with id and en")
        seeds = raw.get("seeds") or []
        context = raw.get("context") or []
        for key, value in (("seeds", seeds), ("context", context)):
            if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
                raise ClassifierError(f"{where} ({name}): {key}: must be a list of words or phrases")
        if any(t.name == name for t in topics):
            raise ClassifierError(f"{where} ({name}): name: duplicate")
        topics.append(Topic(name, str(label.get("id") or name), str(label.get("en") or name),
                            str(raw.get("description") or ""), tuple(s.strip().lower() for s in seeds),
                            tuple(s.strip().lower() for s in context)))
    return topics


def load_examples(paths: list[Path], topics: list[Topic]) -> list[Example]:
    """Labeled examples from JSON-lines files; every label must be a known topic."""
    names = {t.name for t in topics}
    examples: list[Example] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise ClassifierError(f"{path}: cannot read: {e}") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as e:
                raise ClassifierError(f"{where}: invalid JSON: {e.msg}") from None
            if not isinstance(raw, dict):
                raise ClassifierError(f"{where}: must be a JSON object")
            for key in ("title", "text"):
                if not isinstance(raw.get(key), str):
                    raise ClassifierError(f"{where}: {key}: must be a string")
            labels = raw.get("labels")
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                raise ClassifierError(f"{where}: labels: must be a list of topic names")
            unknown = [x for x in labels if x not in names]
            if unknown:
                known = ", ".join(sorted(names))
                raise ClassifierError(f"{where}: labels: unknown topic {unknown[0]!r} (topics: {known})")
            example_id = str(raw.get("id") or f"{path.stem}:{number}")
            if example_id in seen:
                raise ClassifierError(f"{where}: id: {example_id!r} already used in {seen[example_id]}")
            seen[example_id] = where
            examples.append(Example(example_id, raw["title"], raw["text"], tuple(sorted(set(labels))),
                                    raw.get("region"), raw.get("style"), path.name,
                                    {k: v for k, v in raw.items() if k not in ("id", "title", "text", "labels")}))
    return examples


def data_files(directory: Path) -> list[Path]:
    """The training files of a classifiers directory, in a stable order."""
    return sorted((directory / "data").glob("*.jsonl"))


def fingerprint(topics: list[Topic], examples: list[Example]) -> str:
    """A hash of everything the model learns from: topics, seeds and every example with its labels."""
    digest = hashlib.sha256()
    for topic in topics:
        digest.update(json.dumps([topic.name, topic.seeds, topic.context], ensure_ascii=False).encode())
    for ex in sorted(examples, key=lambda e: e.id):
        digest.update(json.dumps([ex.id, ex.title, ex.text, ex.labels], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]
