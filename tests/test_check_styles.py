"""The styles corpus (tests/corpus/styles/EXPECTED.py) through ``check_gradients``.

Every entry of the nnfs, book and cs231n styles is checked in float64 and, when it
is correct, in float32: a correct one passes, a buggy one is WRONG on exactly the
gradients the manifest names, with the diagnosis it names (None: no diagnosis may
be claimed), a regularised one is right for the objective with its penalty, and an
entry that cannot be checked raises, naming what the manifest names. micrograd and
torch entries are in tests/test_check_micrograd.py and tests/test_check_torch.py.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from numeric.check import CheckError, check_gradients
from tests.corpus.styles.EXPECTED import ENTRIES, SEED

STYLES = ("nnfs", "book", "cs231n")
CASES = [e for e in ENTRIES if e["style"] in STYLES]
IDS = [f"{e['file'].removesuffix('.py')}.{e['name']}-{k}" for k, e in enumerate(CASES)]

# The manifest's words for a diagnosis -> the words this checker uses for it.
SAID = {
    "unchanged": "passes the incoming gradient through unchanged",
    "ignores the incoming gradient": "ignores the incoming gradient",
    "off by a constant factor: actual = 3 x expected": "3x too large, the number of outputs",
    "off by a constant factor: actual = 0.5 x expected": "off by a constant factor: actual = 0.5",
}


def _array(shape: tuple, distribution: str, rng: np.random.Generator) -> np.ndarray:
    if distribution == "unit":
        return rng.uniform(0.05, 0.95, shape)
    if distribution == "positive":
        return rng.uniform(0.5, 2.0, shape)
    x = rng.standard_normal(shape)
    if distribution == "randn_away":  # away from ReLU's kink
        x = np.where(np.abs(x) < 0.05, np.sign(x) * 0.5 + (x == 0), x)
    return x


def _labels(entry: dict, x: np.ndarray, rng: np.random.Generator):
    if entry["labels"] is None:
        return None
    _, kind, classes = entry["labels"]
    indices = rng.integers(0, classes, x.shape[0])
    return {
        "indices": indices,
        "onehot": np.eye(classes)[indices],
        "binary": rng.integers(0, 2, x.shape).astype(np.float64),
        "targets": rng.standard_normal(x.shape),
    }[kind]


def _run(entry: dict, dtype=np.float64):
    module = importlib.import_module(f"tests.corpus.styles.{entry['file'].removesuffix('.py')}")
    rng = np.random.default_rng(SEED)
    inputs = {n: _array(shape, d, rng).astype(dtype) for n, (shape, d) in entry["inputs"].items()}
    labels = _labels(entry, next(iter(inputs.values())), rng)
    if isinstance(labels, np.ndarray) and labels.dtype.kind == "f":
        labels = labels.astype(dtype)
    if entry["style"] == "cs231n":
        forward = getattr(module, entry["name"])
        args = list(inputs.values())
        if labels is not None:
            args.append(labels)
        call = entry["forward"]
        if "{" in call:  # a bn_param / dropout_param dict, as the manifest writes it
            args.append(eval(call[call.index("{") : call.rindex("}") + 1]))  # noqa: S307
        return check_gradients(forward, *args)
    np.random.seed(SEED)
    namespace = {**vars(module), "np": np, "randn": np.random.randn}
    obj = eval(entry["build"], namespace)  # noqa: S307 - the manifest's constructor call
    for name, value in vars(obj).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            setattr(obj, name, value.astype(dtype))
    x = next(iter(inputs.values()))
    return check_gradients(obj, x, y_true=labels)


@pytest.mark.parametrize("entry", CASES, ids=IDS)
def test_float64_verdicts(entry):
    if entry["kind"] == "error":
        said = entry["verdict"].removeprefix("exit2: ")
        with pytest.raises(CheckError) as raised:
            _run(entry)
        message = str(raised.value)
        assert entry["name"] in message or "forward" in message
        assert all(word in message for word in said.split(" (")[0].split()), message
        return
    report = _run(entry)
    text = str(report)
    if entry["kind"] == "correct":
        assert report, text
        assert not report.conventions
        for gradient in report.gradients:  # the kernel is exact; the differences ~1e-10
            for c in gradient.comparisons:
                assert c.max_rel < (1e-8 if "kernel" in c.against else 2e-6), text
        assert {g.name for g in report.gradients} >= set(entry["gradients"]) - {
            n for n in entry["returned"]
        }
        return
    if entry["kind"] == "regularized":
        assert report, text
        assert set(report.conventions) == set(entry["verdict"]), text
        assert all("penalty, lambda = 0.0005" in c for c in report.conventions.values())
        return
    assert not report and sorted(report.wrong) == sorted(entry["verdict"]), text
    for name, keyword in entry["verdict"].items():
        gradient = report[name]
        if keyword is None:
            assert gradient.diagnosis is None, text
        else:
            assert SAID.get(keyword, keyword) in gradient.diagnosis, text
        figures = [c.max_rel for c in gradient.comparisons if c.max_rel is not None]
        assert all(rel > 0.1 for rel in figures), text  # a real error, not a tolerance miss


@pytest.mark.parametrize(
    "entry",
    [e for e in CASES if e["kind"] == "correct"],
    ids=[i for i, e in zip(IDS, CASES, strict=True) if e["kind"] == "correct"],
)
def test_float32_versions_of_the_correct_ones_pass(entry):
    report = _run(entry, np.float32)
    assert report, str(report)
    assert report.setup.startswith("float32")
    worst = max(c.max_rel for g in report.gradients for c in g.comparisons)
    assert worst < 1e-4  # float32 rounding, measured in float64


def test_the_corpus_has_every_kind_in_every_style():
    for style in STYLES:
        kinds = {e["kind"] for e in CASES if e["style"] == style}
        assert {"correct", "buggy"} <= kinds, style
    assert len(CASES) >= 60
