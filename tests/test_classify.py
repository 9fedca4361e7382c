"""The topic classifier: training, thresholds, explanations, safe model files, commands and corrections."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from monitor import classify
from monitor.cli import cli
from monitor.demo import load_sites
from monitor.errors import ClassifierError
from monitor.tagger import ensure_model, training_set
from monitor.topics import default_dir, load_topics

FLOODS = [
    ("Banjir Rendam Lima Kelurahan di Samarinda Utara", "Hujan deras sejak subuh membuat Sungai Karang Mumus "
     "meluap. Air setinggi pinggang merendam rumah warga dan BPBD membuka posko pengungsian."),
    ("Sungai Mahakam Meluap, Warga Long Iram Mengungsi", "Banjir kiriman dari hulu merendam permukiman di tepi "
     "sungai. Warga mengungsi ke sekolah dan balai kampung sambil menunggu air surut."),
    ("BPBD Kutim Catat 1.200 Rumah Terendam Banjir", "Banjir melanda Sangatta Utara setelah hujan dua hari. "
     "Perahu karet dikerahkan untuk mengevakuasi lansia dan anak-anak ke tempat pengungsian."),
    ("Banjir Bandang Terjang Desa di Paser", "Air bah datang tengah malam dan menghanyutkan jembatan kayu. "
     "Pengungsi ditampung di masjid, sementara dapur umum menyiapkan makanan."),
    ("Genangan Banjir di Balikpapan Belum Surut", "Drainase yang tersumbat membuat banjir bertahan sejak pagi. "
     "Warga mengungsi sementara dan BPBD memompa air dari permukiman."),
    ("Banjir Rob Genangi Pesisir Bontang", "Air laut pasang masuk ke rumah warga di kampung atas laut. "
     "Warga memindahkan barang ke tempat tinggi dan sebagian mengungsi ke rumah kerabat."),
    ("Ratusan Warga Berau Mengungsi karena Banjir", "Sungai Segah meluap dan merendam jalan poros. "
     "BPBD mendirikan tenda pengungsian dan membagikan selimut serta air bersih."),
    ("Banjir Setinggi Dada di Tenggarong Seberang", "Tanggul jebol sehingga banjir masuk ke permukiman. "
     "Tim SAR gabungan mengevakuasi warga dengan perahu karet ke lokasi pengungsian."),
]


def demo_examples() -> list[dict[str, object]]:
    rows = []
    for site in load_sites().values():
        for a in site.articles:
            if a.syndicated_from:
                continue
            rows.append({"id": f"{site.name}-{a.id}", "title": a.title, "text": "\n\n".join(a.paragraphs),
                         "labels": list(a.labels), "region": "Kalimantan Timur"})
    return rows


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classifiers directory with the shipped topics and the sample sites' labeled articles."""
    directory = tmp_path_factory.mktemp("classifiers")
    shutil.copy(default_dir() / "topics.yaml", directory / "topics.yaml")
    (directory / "data").mkdir()
    with open(directory / "data" / "demo.jsonl", "w", encoding="utf-8") as out:
        for row in demo_examples():
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return directory


@pytest.fixture(scope="module")
def small_model(small_dir: Path) -> classify.Classifier:
    return ensure_model(small_dir)[0]


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_shipped_topics_and_data_are_complete() -> None:
    topics, examples = training_set()
    names = [t.name for t in topics]
    assert names == ["logistics", "security", "asn_neutrality"]
    assert all(t.seeds and t.label_id and t.label_en for t in topics)
    assert {label for e in examples for label in e.labels} == set(names)


def test_predict_gives_tags_scores_and_explaining_terms(small_model: classify.Classifier) -> None:
    tagging = small_model.predict([(
        "Ribuan Surat Suara Rusak Ditemukan saat Sortir dan Lipat di Gudang KPU",
        "KPU menemukan ribuan surat suara rusak saat proses sortir dan lipat di gudang logistik. "
        "Kotak suara dan bilik suara juga mulai didistribusikan ke kecamatan.")])[0]
    assert "logistics" in tagging.tags
    assert set(tagging.scores) == {"logistics", "security", "asn_neutrality"}
    assert all(0.0 <= s <= 1.0 for s in tagging.scores.values())
    assert tagging.why["logistics"] and set(tagging.why) == set(tagging.tags)
    assert any(term in " ".join(tagging.why["logistics"]) for term in ("surat", "suara", "sortir", "gudang", "kotak"))


def test_thresholds_decide_the_tags(small_model: classify.Classifier) -> None:
    item = [("Bawaslu Periksa ASN yang Ikut Kampanye", "Aparatur sipil negara diduga melanggar netralitas.")]
    score = small_model.predict(item)[0].scores["asn_neutrality"]
    parts = (small_model.topics, small_model._names, small_model._idf, small_model.coef, small_model.intercept)
    strict = classify.Classifier(*parts, {**small_model.thresholds, "asn_neutrality": min(score + 0.01, 1.0)}, {})
    loose = classify.Classifier(*parts, {**small_model.thresholds, "asn_neutrality": max(score - 0.01, 0.0)}, {})
    assert "asn_neutrality" not in strict.predict(item)[0].tags
    assert "asn_neutrality" in loose.predict(item)[0].tags


def test_thresholds_come_from_cross_validation(small_model: classify.Classifier) -> None:
    assert set(small_model.thresholds) == set(small_model.topics)
    assert all(0.0 < t < 1.0 for t in small_model.thresholds.values())
    assert len(set(small_model.thresholds.values())) > 1  # chosen per topic, not one global cut-off


def test_multi_label_output(small_model: classify.Classifier) -> None:
    sites = load_sites()
    both = next(a for a in sites["kabar-ibu-kota"].articles if len(a.labels) == 2)
    tagging = small_model.predict([(both.title, "\n\n".join(both.paragraphs))])[0]
    assert set(tagging.tags) == set(both.labels)


def test_model_file_records_data_hash_and_versions(small_dir: Path, small_model: classify.Classifier,
                                                   model_cache: Path) -> None:
    meta_files = list((model_cache / "models").glob("*.skops.json"))
    metas = [json.loads(p.read_text()) for p in meta_files]
    meta = next(m for m in metas if m["data_hash"] == small_model.meta["data_hash"])
    assert meta["libraries"]["scikit-learn"] and meta["libraries"]["skops"] and meta["sha256"]
    assert meta["examples"] == len(demo_examples())


def test_changed_data_trains_a_new_model(small_dir: Path, small_model: classify.Classifier,
                                         tmp_path: Path) -> None:
    changed = tmp_path / "classifiers"
    shutil.copytree(small_dir, changed)
    with open(changed / "data" / "more.jsonl", "w", encoding="utf-8") as out:
        out.write(json.dumps({"id": "x1", "title": "Gudang KPU", "text": "Surat suara tiba di gudang logistik.",
                              "labels": ["logistics"]}) + "\n")
    trained: list[int] = []
    model, path = ensure_model(changed, on_train=trained.append)
    assert trained and model.meta["data_hash"] != small_model.meta["data_hash"]
    again, again_path = ensure_model(changed, on_train=trained.append)
    assert len(trained) == 1 and again_path == path  # unchanged data: the saved model is reused


def test_tampered_model_files_are_refused(small_model: classify.Classifier, tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    classify.save(small_model, path)
    assert classify.load(path).topics == small_model.topics
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(ClassifierError, match="checksum"):
        classify.load(path)


def test_model_with_untrusted_types_is_refused_even_with_a_matching_checksum(tmp_path: Path) -> None:
    import hashlib

    import skops.io as sio

    path = tmp_path / "evil.skops"
    sio.dump({"topics": ["x"], "word_terms": [Path("/etc/passwd")]}, path)
    meta = {"thresholds": {"x": 0.5}, "format": classify.MODEL_FORMAT,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    Path(f"{path}.json").write_text(json.dumps(meta))
    with pytest.raises(ClassifierError, match="untrusted types"):
        classify.load(path)


def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match="model file not found"):
        classify.load(tmp_path / "none.skops")


def test_a_topic_added_in_topics_yaml_is_learned(small_dir: Path, tmp_path: Path) -> None:
    directory = tmp_path / "classifiers"
    shutil.copytree(small_dir, directory)
    config = yaml.safe_load((directory / "topics.yaml").read_text())
    config["topics"].append({"name": "flood", "label": {"id": "Banjir", "en": "Flood"},
                             "description": "Floods and their victims.", "seeds": ["banjir", "mengungsi"]})
    (directory / "topics.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    with open(directory / "data" / "floods.jsonl", "w", encoding="utf-8") as out:
        for i, (title, text) in enumerate(FLOODS):
            out.write(json.dumps({"id": f"flood-{i}", "title": title, "text": text, "labels": ["flood"]}) + "\n")
    result = run("train", "--classifiers", str(directory))
    assert result.exit_code == 0, result.output
    assert "flood" in result.output
    line = json.dumps({"title": "Banjir Kembali Rendam Samarinda", "text": "Warga mengungsi karena banjir "
                       "setinggi lutut merendam rumah mereka sejak pagi.", "ref": 7})
    out = json.loads(run("classify", "--classifiers", str(directory), input=line + "\n").output)
    assert out["tags"] == ["flood"] and out["ref"] == 7 and "flood" in out["scores"]


def test_unknown_label_in_data_names_file_and_line(small_dir: Path, tmp_path: Path) -> None:
    directory = tmp_path / "classifiers"
    shutil.copytree(small_dir, directory)
    (directory / "data" / "bad.jsonl").write_text('{"id": "b1", "title": "t", "text": "x", "labels": ["logistik"]}\n')
    result = run("train", "--classifiers", str(directory))
    assert result.exit_code == 1
    assert "bad.jsonl:1: labels: unknown topic 'logistik'" in result.output


def test_classify_command_reads_a_file_or_stdin_and_reports_bad_lines(small_dir: Path, tmp_path: Path) -> None:
    items = tmp_path / "in.jsonl"
    items.write_text("\n".join(json.dumps({"title": t, "text": x, "n": i}) for i, (t, x) in enumerate([
        ("Polres Kukar Siagakan 800 Personel Amankan TPS Rawan", "Kapolres memimpin apel gelar pasukan "
         "pengamanan pilkada dan memetakan TPS rawan bentrok."),
        ("Harga Cabai di Samarinda Turun", "Pedagang di Pasar Segiri menjual cabai lebih murah pekan ini."),
    ])) + "\n", encoding="utf-8")
    result = run("classify", str(items), "--classifiers", str(small_dir))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["n"] for r in rows] == [0, 1]
    assert "security" in rows[0]["tags"] and rows[1]["tags"] == []
    assert all(set(r) >= {"title", "text", "tags", "scores", "why"} for r in rows)
    bad = run("classify", "--classifiers", str(small_dir), input='{"title": "ok", "text": "x"}\nnot json\n')
    assert bad.exit_code == 1 and "<stdin>:2: invalid JSON" in bad.output


def test_evaluate_reports_model_and_baseline(small_dir: Path, tmp_path: Path) -> None:
    result = run("evaluate", "--classifiers", str(small_dir), "--folds", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["topics"]) == {"logistics", "security", "asn_neutrality"}
    for scores in report["topics"].values():
        assert {"precision", "recall", "f1", "support"} <= set(scores["model"])
        assert {"precision", "recall", "f1"} <= set(scores["baseline"])
        assert 0 <= scores["stream_precision"] <= 1
    assert 0 < report["macro_f1"] <= 1 and 0 < report["baseline_macro_f1"] <= 1
    labeled = tmp_path / "labeled.jsonl"
    labeled.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in demo_examples()[:20]),
                       encoding="utf-8")
    on_file = json.loads(run("evaluate", "--classifiers", str(small_dir), "--data", str(labeled),
                             "--format", "json").output)
    assert on_file["examples"] == 20 and on_file["method"] == "trained model on a labeled file"
    table = run("evaluate", "--classifiers", str(small_dir), "--folds", "3")
    assert "baseline F1" in table.output and "macro" in table.output


def test_topics_yaml_mistakes_are_named(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text("topics:\n  - name: logistics\n    seeds: [a]\n  - name: logistics\n")
    with pytest.raises(ClassifierError, match=r"topics\[1\] \(logistics\): name: duplicate"):
        load_topics(tmp_path)
    (tmp_path / "topics.yaml").write_text("topics:\n  - name: x\n    colour: red\n")
    with pytest.raises(ClassifierError, match=r"topics\[0\]: colour: unknown key"):
        load_topics(tmp_path)


@pytest.fixture(scope="module")
def tagged_db(small_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sample sites crawled with tagging on (``monitor crawl``), with the small classifiers directory."""
    from monitor.demo import SampleServer, demo_config

    folder = tmp_path_factory.mktemp("tagged")
    with SampleServer() as sites:
        config = folder / "feeds.yaml"
        config.write_text(demo_config(sites.base_urls))
        db = folder / "monitor.db"
        result = run("crawl", "--config", str(config), "--db", str(db), "--workers", "1",
                     "--classifiers", str(small_dir))
        assert result.exit_code == 0, result.output
        yield sites, db


def test_crawl_tags_new_articles_with_scores_explanations_and_model_version(tagged_db) -> None:
    sites, db = tagged_db
    expected = {a.title: set(a.labels) for s in sites.sites.values() for a in s.articles}
    rows = json.loads(run("search", "--db", str(db), "--limit", "200", "--format", "json").output)
    assert len(rows) == 64
    agree = sum(set(r["tags"]) == expected[r["title"]] for r in rows)
    assert agree >= 56, f"only {agree} of 64 sample articles tagged as labeled"  # trained on them: near-perfect
    shown = json.loads(run("show", str(rows[0]["id"]), "--db", str(db), "--format", "json").output)
    assert set(shown["scores"]) == {"logistics", "security", "asn_neutrality"}
    assert shown["model_version"] and set(shown["why"]) == set(shown["tags"])
    logistics = json.loads(run("search", "--db", str(db), "--tag", "logistics", "--limit", "200",
                               "--format", "json").output)
    assert logistics and all("logistics" in r["tags"] for r in logistics)


def test_corrections_survive_retagging_and_join_the_training_data(tagged_db, small_dir: Path,
                                                                   tmp_path: Path) -> None:
    _, db = tagged_db
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    rows = json.loads(run("search", "--db", str(copy), "--tag", "security", "--format", "json").output)
    target = rows[0]["id"]
    result = run("label", str(target), "--remove", "security", "--add", "asn_neutrality", "--db", str(copy),
                 "--classifiers", str(small_dir))
    assert result.exit_code == 0, result.output
    assert "asn_neutrality" in result.output and "security" not in result.output.split("tags now")[1]
    with sqlite3.connect(copy) as conn:  # places as an older gazetteer left them: none
        placed = conn.execute("SELECT COUNT(*) FROM article_regions").fetchone()[0]
        conn.execute("DELETE FROM article_regions")
    retag = run("retag", "--db", str(copy), "--classifiers", str(small_dir))
    assert retag.exit_code == 0 and "tagged 64 articles" in retag.output
    with sqlite3.connect(copy) as conn:  # found again
        assert conn.execute("SELECT COUNT(*) FROM article_regions").fetchone()[0] == placed > 0
    shown = json.loads(run("show", str(target), "--db", str(copy), "--format", "json").output)
    assert "security" not in shown["tags"] and "asn_neutrality" in shown["tags"]
    assert shown["corrections"] == {"security": "remove", "asn_neutrality": "add"}
    assert "security" in shown["scores"]  # the model's score is kept next to the correction
    trained = run("train", "--db", str(copy), "--classifiers", str(small_dir))
    assert trained.exit_code == 0, trained.output
    assert f"{len(demo_examples()) + 1} examples" in trained.output
    bad = run("label", str(target), "--add", "weather", "--db", str(copy), "--classifiers", str(small_dir))
    assert bad.exit_code == 2 and "unknown topic 'weather'" in bad.output
    missing = run("label", "9999", "--add", "security", "--db", str(copy), "--classifiers", str(small_dir))
    assert missing.exit_code == 1 and "no article with id 9999" in missing.output


def test_retag_since_only_touches_newer_articles(tagged_db, small_dir: Path) -> None:
    _, db = tagged_db
    result = run("retag", "--db", str(db), "--classifiers", str(small_dir), "--since", "2024-11-25")
    count = int(result.output.split("tagged ")[1].split()[0])
    assert 0 < count < 64


def test_fast_feature_path_equals_scikit_learn(small_model: classify.Classifier) -> None:
    import numpy as np

    docs = [classify.prepare(a.title, "\n\n".join(a.paragraphs)) for s in load_sites().values() for a in s.articles]
    docs += ["", "kata yang tidak ada dalam kosakata sama sekali"]
    fast = small_model._word_features(docs).toarray()
    reference = small_model.vectorizer().transform(docs).toarray()
    assert np.allclose(fast, reference, atol=1e-6)
