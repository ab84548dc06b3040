"""Detection accuracy against the labelled corpus in ``tests/corpus`` (see its README.md).

Model references are compared as ``(path, line, id)`` sets: what the scanner reports (kind
``model``, context other than ``comment``) against ``tests/corpus/labels.yaml``. A failing run lists
every false positive and false negative as ``path:line id`` so the detector (or the label) can be
fixed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).parent / "corpus"
TREE = CORPUS / "tree"
LABELS = CORPUS / "labels.yaml"

MIN_PRECISION = 0.97
MIN_RECALL = 0.95
MAX_PROVIDER_MISMATCH = 0.03

Key = tuple[str, int, str]  # (path, line, id)


# -- helpers ------------------------------------------------------------------------------------


def load_labels() -> dict[str, dict]:
    with open(LABELS, encoding="utf-8") as fh:
        files = yaml.safe_load(fh)["files"]
    return {str(path): (entry or {}) for path, entry in files.items()}


def tree_files() -> set[str]:
    out = set()
    for dirpath, _dirs, names in os.walk(TREE):
        for name in names:
            out.add(Path(dirpath, name).relative_to(TREE).as_posix())
    return out


def labelled_models(labels: dict[str, dict]) -> dict[Key, str]:
    """(path, line, id) -> provider ("" when the label gives none)."""
    return {
        (path, int(m["line"]), str(m["id"])): str(m.get("provider", ""))
        for path, entry in labels.items()
        for m in entry.get("models") or []
    }


def ambiguous_models(labels: dict[str, dict]) -> set[Key]:
    """(path, line, id) that the labels leave unscored (as the real-code kit does: a served alias
    equal to a model name, an API name without an org in prose, a deployment name)."""
    return {(path, int(m["line"]), str(m["id"])) for path, entry in labels.items() for m in entry.get("ambiguous") or []}


def score(predicted: set[Key], expected: set[Key]) -> tuple[float, float, list[Key], list[Key]]:
    """Precision, recall, false positives and false negatives (both sorted)."""
    tp = len(predicted & expected)
    fp = sorted(predicted - expected)
    fn = sorted(expected - predicted)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(expected) if expected else 1.0
    return precision, recall, fp, fn


def fmt(keys) -> str:
    return "\n".join(f"  {path}:{line} {id_}" for path, line, id_ in keys)


# -- the corpus itself (no scanner needed) ------------------------------------------------------


def test_every_file_is_labelled_and_every_label_exists():
    labels = load_labels()
    files = tree_files()
    unlabelled = sorted(files - set(labels))
    missing = sorted(set(labels) - files)
    assert not unlabelled and not missing, (
        f"files without an entry in labels.yaml: {unlabelled}\nlabelled paths that do not exist: {missing}"
    )


def test_labels_point_at_the_string():
    """Every labelled line exists and contains the id (ids are substrings of what is written)."""
    bad = []
    for (path, line, id_), _prov in labelled_models(load_labels()).items():
        lines = (TREE / path).read_text(encoding="utf-8").splitlines()
        if not 1 <= line <= len(lines) or id_ not in lines[line - 1]:
            bad.append(f"{path}:{line} {id_}")
    assert not bad, "labels that do not match the file:\n" + "\n".join(bad)


def test_walker_sees_every_corpus_file():
    """No corpus file may sit in a folder the walker skips or match an ignore rule."""
    from sovaudit.walk.walker import walk

    items, _skipped = walk(str(TREE))
    assert sorted(tree_files() - {it.path for it in items}) == []


# -- the scanner against the labels -------------------------------------------------------------


@pytest.fixture(scope="module")
def model_refs(kb):
    from sovaudit.detect.scan import scan
    from sovaudit.model import Context, Kind, ScanConfig

    result = scan(ScanConfig(root=str(TREE), cache_dir="-"), kb)
    return [r for r in result.references if r.kind == Kind.MODEL and r.context != Context.COMMENT]


def test_model_precision_and_recall(model_refs):
    labels = load_labels()
    expected = set(labelled_models(labels))
    predicted = {(r.path, r.line, r.id) for r in model_refs} - ambiguous_models(labels)
    precision, recall, fp, fn = score(predicted, expected)
    msg = (
        f"precision {precision:.3f} (min {MIN_PRECISION}), recall {recall:.3f} (min {MIN_RECALL}); "
        f"{len(predicted)} predicted, {len(expected)} labelled\n"
        f"false positives ({len(fp)}):\n{fmt(fp)}\nfalse negatives ({len(fn)}):\n{fmt(fn)}"
    )
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, msg


def test_hard_negatives_are_not_reported(model_refs):
    """No model reference is a string the labels list as a trap in that file (a served alias, a
    dataset, a container image, a local path)."""
    labels = load_labels()
    unscored = ambiguous_models(labels)
    hits = []
    for r in model_refs:
        if (r.path, r.line, r.id) in unscored:
            continue
        negs = {str(n) for n in labels.get(r.path, {}).get("negatives") or []}
        if r.id in negs or r.text in negs:
            hits.append(f"  {r.path}:{r.line} {r.id}")
    checked = sum(len(e.get("negatives") or []) for e in labels.values())
    assert checked > 150 and not hits, "hard negatives reported as models:\n" + "\n".join(hits)


def test_provider_attribution(model_refs):
    """Where a label names the provider, the reference found at that place carries it."""
    providers: dict[Key, set[str]] = {}
    for r in model_refs:
        providers.setdefault((r.path, r.line, r.id), set()).add(r.provider)
    checked = 0
    mismatches = []
    for key, want in sorted(labelled_models(load_labels()).items()):
        if not want or key not in providers:
            continue  # no provider labelled, or not found at all (counted by the recall test)
        checked += 1
        if want not in providers[key]:
            got = ", ".join(sorted(p or '""' for p in providers[key]))
            mismatches.append(f"  {key[0]}:{key[1]} {key[2]}: expected {want}, got {got}")
    rate = len(mismatches) / checked if checked else 0.0
    assert rate <= MAX_PROVIDER_MISMATCH, (
        f"{len(mismatches)} of {checked} provider labels differ ({rate:.1%} > {MAX_PROVIDER_MISMATCH:.0%}):\n"
        + "\n".join(mismatches)
    )


def test_score_helper():
    a, b, c = ("f", 1, "x"), ("f", 2, "y"), ("g", 3, "z")
    assert score({a, b}, {a, b}) == (1.0, 1.0, [], [])
    assert score({a, c}, {a, b}) == (0.5, 0.5, [c], [b])
    assert score(set(), set()) == (1.0, 1.0, [], [])
