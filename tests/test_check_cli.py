"""``python -m numeric check FILE.py:CALL``: exit 0, 1 or 2, run as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from numeric.check.cli import UsageError, parse_call

CORPUS = Path(__file__).parent / "corpus"


def check(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "numeric", "check", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_correct_square_dense_layer_exits_0():
    run = check(f"{CORPUS / 'dense.py'}:DenseLayer(4, 4)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("all 3 gradients match")


def test_square_transposed_weights_exit_1_named_and_diagnosed():
    run = check(f"{CORPUS / 'dense.py'}:DenseLayerTransposedWeights(4, 4)", "--shape", "5,4")
    assert run.returncode == 1, run.stderr
    assert "dweights  WRONG" in run.stdout and "dinputs   ok" in run.stdout
    assert "diagnosis: transposed: actual = expected.T" in run.stdout
    assert run.stdout.strip().endswith("1 of 3 gradients wrong: dweights")


def test_a_broken_loss_exits_1():
    run = check(
        f"{CORPUS / 'losses.py'}:Loss_CategoricalCrossentropy_NoBatchMean", "--op", "cross_entropy"
    )
    assert run.returncode == 1
    assert "5x too large, the batch size" in run.stdout


@pytest.mark.parametrize(
    "target, extra, message",
    [
        ("missing.py:DenseLayer(4, 3)", [], "error: no such file"),
        ("dense.py:Nope", [], "error: " + "{dense} has no 'Nope'; it defines: DenseLayer,"),
        ("dense.py:DenseLayer(4)", [], "error: DenseLayer(4) raised TypeError"),
        (
            "dense.py:DenseLayerForwardCrashes(4, 3)",
            [],
            "error: DenseLayerForwardCrashes.forward raised ValueError",
        ),
        ("dense.py:DenseLayer(4, 3)", ["--shape", "5,7"], "error: DenseLayer.forward raised"),
        ("dense.py:DenseLayerBackwardCrashes(4, 3)", [], "error: DenseLayerBackwardCrashes.back"),
        ("dense.py:DenseLayer(__import__('os'), 3)", [], "error: only literal arguments"),
        ("activations.py:Activation_ReLU", ["--op", "nope"], "error: unknown op 'nope'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(target, extra, message):
    run = check(str(CORPUS / target), *extra)
    assert run.returncode == 2
    assert run.stdout == "" and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith(message.format(dense=CORPUS / "dense.py"))


@pytest.mark.parametrize(
    "call, parsed",
    [
        ("DenseLayer", ("DenseLayer", [], {})),
        ("DenseLayer(4, 3)", ("DenseLayer", [4, 3], {})),
        (
            "Layer(-1.5, name='x', bias=True, scale=None)",
            ("Layer", [-1.5], {"name": "x", "bias": True, "scale": None}),
        ),
    ],
)
def test_constructor_calls_are_parsed_as_literals(call, parsed):
    assert parse_call(call) == parsed


@pytest.mark.parametrize(
    "call",
    [
        "os.system('x')",
        "Layer(*args)",
        "Layer(**kw)",
        "Layer([1, 2])",
        "Layer(n=f())",
        "Layer(-'a')",
        "1 +",
    ],
)
def test_anything_but_literal_calls_is_refused(call):
    with pytest.raises(UsageError):
        parse_call(call)
