"""The gradient checker on the seed-style corpus: every broken backward flagged, with the
right gradient and diagnosis; no correct one flagged, in float64 or float32."""

from __future__ import annotations

import numpy as np
import pytest

import numeric
from numeric.check import CheckError, UserCodeError, check_gradients
from numeric.check.diagnose import diagnose
from tests.corpus import activations, custom, dense, losses

SHAPE = (5, 3)  # batch 5, unlike any width, so that "off by the batch size" is unambiguous
DENSE_SHAPE = (5, 4)

# (module, class, op it must be recognised as, {wrong gradient: diagnosis it must start with})
# A diagnosis of None: the mistake has no recognisable pattern, and none may be claimed.
CORPUS = [
    (dense, "DenseLayer", "dense", {}),
    (dense, "DenseLayerTransposedWeights", "dense", {
        "dweights": "wrong shape: expected (4, 3), got (3, 4); transposed: actual = expected.T",
    }),
    (dense, "DenseLayerBiasWrongAxis", "dense", {
        "dbiases": "wrong shape: expected (1, 3), got (5, 1)",
    }),
    (dense, "DenseLayerAveragedWeights", "dense", {"dweights": "5x too small, the batch size"}),
    (dense, "DenseLayerNoInputGradient", "dense", {"dinputs": "missing"}),
    (dense, "DenseLayerNoBiasGradient", "dense", {"dbiases": "missing"}),
    (dense, "DenseLayerZeroBiasGradient", "dense", {"dbiases": "all zeros"}),
    (activations, "Activation_ReLU", "relu", {}),
    (activations, "Activation_ReLU_InvertedMask", "relu", {"dinputs": "inverted mask"}),
    (activations, "Activation_Sigmoid", "sigmoid", {}),
    (activations, "Activation_Sigmoid_FromInputs", "sigmoid", {"dinputs": None}),
    (activations, "Activation_Sigmoid_NoOneMinus", "sigmoid", {"dinputs": None}),
    (activations, "Activation_Sigmoid_WrongSign", "sigmoid", {"dinputs": "wrong sign"}),
    (activations, "Activation_Softmax", "softmax", {}),
    (activations, "Activation_Softmax_RowJacobian", "softmax", {"dinputs": None}),
    (activations, "Activation_Softmax_NoOneMinus", "softmax", {"dinputs": None}),
    (losses, "Loss_CategoricalCrossentropy", "cross_entropy", {}),
    (losses, "Loss_CategoricalCrossentropy_NoBatchMean", "cross_entropy", {
        "dinputs": "5x too large, the batch size: the division by the batch size is missing",
    }),
    (losses, "Loss_CategoricalCrossentropy_WrongSign", "cross_entropy", {"dinputs": "wrong sign"}),
    (losses, "Loss_BinaryCrossentropy", "binary_cross_entropy", {}),
    (losses, "Loss_BinaryCrossentropy_NoOneMinus", "binary_cross_entropy", {"dinputs": None}),
    (losses, "Loss_BinaryCrossentropy_NoOutputMean", "binary_cross_entropy", {
        "dinputs": "3x too large, the number of outputs: the division by the number of",
    }),
    (losses, "Activation_Softmax_Loss_CategoricalCrossentropy", "softmax_cross_entropy", {}),
    (losses, "Activation_Softmax_Loss_CategoricalCrossentropy_NoBatchMean",
     "softmax_cross_entropy", {"dinputs": "5x too large, the batch size"}),
]  # fmt: skip
CORRECT = [entry for entry in CORPUS if not entry[3]]


def build(module, name: str, dtype=np.float64):
    np.random.seed(0)
    obj = getattr(module, name)(4, 3) if module is dense else getattr(module, name)()
    for attribute in ("weights", "biases"):
        if hasattr(obj, attribute):
            setattr(obj, attribute, getattr(obj, attribute).astype(dtype))
    return obj


@pytest.mark.parametrize("module, name, op, wrong", CORPUS, ids=[c[1] for c in CORPUS])
def test_corpus_verdicts(module, name, op, wrong):
    report = check_gradients(build(module, name), DENSE_SHAPE if module is dense else SHAPE)
    assert report.op == op
    assert bool(report) is (not wrong)
    assert report.wrong == list(wrong)
    for gradient in report.gradients:
        figures = [c.max_rel for c in gradient.comparisons if c.max_rel is not None]
        if gradient.name in wrong:
            expected = wrong[gradient.name]
            if expected is None:
                assert gradient.diagnosis is None
            else:
                assert gradient.diagnosis.startswith(expected)
            assert all(rel > 0.1 for rel in figures)  # a real error, not a tolerance miss
            assert "WRONG" in str(report) and gradient.name in str(report).splitlines()[-1]
        else:
            assert gradient.ok and gradient.diagnosis is None
            assert len(figures) == 2 and max(figures) < 1e-8  # kernel and differences agree


def float32_inputs(module, name: str, rng) -> tuple:
    """Float32 inputs for a correct corpus entry, and its labels (None for a layer)."""
    if module is dense:
        return rng.standard_normal(DENSE_SHAPE).astype(np.float32), None
    if module is activations:
        return rng.standard_normal(SHAPE).astype(np.float32), None
    if "Binary" in name:
        p = rng.uniform(0.05, 0.95, SHAPE).astype(np.float32)
        return p, rng.integers(0, 2, SHAPE).astype(np.float32)
    logits = rng.standard_normal(SHAPE).astype(np.float32)
    if "Softmax" in name:
        return logits, rng.integers(0, 3, 5)
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), rng.integers(0, 3, 5)


@pytest.mark.parametrize("module, name, op, wrong", CORRECT, ids=[c[1] for c in CORRECT])
def test_float32_versions_of_the_correct_ones_pass(module, name, op, wrong):
    obj = build(module, name, np.float32)
    x, labels = float32_inputs(module, name, np.random.default_rng(1))
    report = check_gradients(obj, x, labels)
    assert report, str(report)
    assert report.op == op and report.setup.startswith("float32")
    worst = max(c.max_rel for g in report.gradients for c in g.comparisons)
    assert worst < 1e-4  # float32 rounding, measured in float64


def test_float32_errors_are_still_caught():
    obj = build(dense, "DenseLayerAveragedWeights", np.float32)
    report = check_gradients(obj, np.ones(DENSE_SHAPE, np.float32))
    assert report.wrong == ["dweights"] and report["dweights"].diagnosis.startswith("5x too small")


def test_square_transposed_weights_have_the_right_shape_and_wrong_values():
    np.random.seed(0)
    report = check_gradients(dense.DenseLayerTransposedWeights(4, 4), (5, 4))
    kernel, differences = report["dweights"].comparisons
    assert report.wrong == ["dweights"]
    assert report["dweights"].diagnosis == "transposed: actual = expected.T"
    assert kernel.max_rel > 0.1 and differences.max_rel > 0.1
    # transposing errs symmetrically: the kernel and the differences see the same error
    assert kernel.max_abs == pytest.approx(differences.max_abs, rel=1e-6)


def test_every_perturbed_array_is_restored():
    obj = build(dense, "DenseLayer")
    obj.forward(np.ones((2, 4)))  # state the user had before the check
    weights, biases, before = obj.weights, obj.biases.copy(), dict(vars(obj))
    saved_weights = weights.copy()
    x = np.random.default_rng(0).standard_normal(DENSE_SHAPE)
    saved_x = x.copy()
    check_gradients(obj, x)
    assert obj.weights is weights and np.array_equal(obj.weights, saved_weights)
    assert np.array_equal(obj.biases, biases) and np.array_equal(x, saved_x)
    assert vars(obj).keys() == before.keys() and obj.output is before["output"]


def test_inputs_at_the_relu_kink_are_moved_off_it():
    x = np.array([[0.0, 1e-9, -2.0], [-1e-5, 0.5, 3.0]])
    report = check_gradients(activations.Activation_ReLU(), x)
    assert report, str(report)
    assert any("3 inputs within 0.001 of 0" in note for note in report.notes)


def test_an_unknown_layer_is_checked_by_differences_alone():
    right = check_gradients(custom.Squash(), SHAPE)
    wrong = check_gradients(custom.SquashBroken(), SHAPE)
    assert right.op is None and right and right["dinputs"].comparisons[0].max_rel < 1e-8
    assert wrong.wrong == ["dinputs"] and wrong["dinputs"].comparisons[0].max_rel > 0.1
    assert [c.against for c in wrong["dinputs"].comparisons] == ["finite differences"]


def test_a_known_op_under_an_unknown_name_is_recognised_by_its_forward():
    report = check_gradients(custom.MyActivation(), SHAPE)
    assert report.op == "sigmoid" and report and "from its forward" in report.notes[0]


def test_an_explicit_op_is_used_and_an_unknown_one_refused():
    report = check_gradients(custom.MyActivation(), SHAPE, op="sigmoid")
    assert report.op == "sigmoid" and "given; forward matches" in report.notes[0]
    mismatch = check_gradients(custom.Squash(), SHAPE, op="sigmoid")
    assert "differs by" in mismatch.notes[0] and mismatch.wrong == ["dinputs"]
    with pytest.raises(ValueError, match="unknown op 'nope'"):
        check_gradients(custom.Squash(), SHAPE, op="nope")


def test_a_forward_with_a_training_flag_is_run_in_training_mode():
    # dropout and batch normalisation have the backward of their training forward
    class Training(activations.Activation_ReLU):
        def forward(self, inputs, training):
            assert training is True
            super().forward(inputs)

    report = check_gradients(Training(), SHAPE)
    assert report and report.op == "relu"


def test_a_forward_that_raises_is_a_check_error():
    with pytest.raises(UserCodeError, match="DenseLayerForwardCrashes.forward raised ValueError"):
        check_gradients(build(dense, "DenseLayerForwardCrashes"), DENSE_SHAPE)


def test_a_backward_that_raises_gives_no_verdict():
    with pytest.raises(UserCodeError, match="DenseLayerBackwardCrashes.backward raised ValueError"):
        check_gradients(build(dense, "DenseLayerBackwardCrashes"), DENSE_SHAPE)
    assert issubclass(UserCodeError, CheckError)


def test_a_large_layer_that_cannot_be_blocked_is_checked_along_directions():
    np.random.seed(0)
    right = check_gradients(custom.SymmetricMix(70), (4, 70))
    wrong = check_gradients(custom.SymmetricMixBroken(70), (4, 70))
    against = right["dweights"].comparisons[0].against
    assert against == "finite differences along random directions"
    assert right and right["dweights"].comparisons[0].max_rel < 1e-6
    assert wrong.wrong == ["dweights"] and wrong["dweights"].comparisons[0].max_rel > 0.1


def test_a_784_to_128_dense_layer_is_checked():
    # Its time (measured 0.05-0.2 s, budget 2 s) is in benchmarks/budgets.py, not a test.
    np.random.seed(0)
    report = check_gradients(dense.DenseLayer(784, 128), (5, 784))
    assert report, str(report)
    broken = check_gradients(dense.DenseLayerAveragedWeights(784, 128), (5, 784))
    assert broken.wrong == ["dweights"] and broken["dweights"].diagnosis.startswith("5x too small")


def test_an_unrecognised_784_to_128_layer_gets_blocked_differences():
    np.random.seed(0)
    report = check_gradients(custom.SquashedDense(784, 128), (5, 784))
    assert report and report.op is None
    assert [g.comparisons[0].against for g in report.gradients] == [
        "blocked finite differences",
        "blocked finite differences",
        "finite differences",
    ]
    assert max(g.comparisons[0].max_rel for g in report.gradients) < 1e-7


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: numeric.Dense(4, 3, rng=0), (5, 4)),
        (lambda: numeric.Dense(4, 3, rng=0, dtype=np.float32), (5, 4)),
        (numeric.ReLU, SHAPE),
        (numeric.Sigmoid, SHAPE),
        (numeric.Softmax, SHAPE),
        (numeric.CategoricalCrossEntropy, SHAPE),
        (numeric.BinaryCrossEntropy, SHAPE),
        (numeric.SoftmaxCrossEntropy, SHAPE),
    ],
)
def test_the_package_own_layers_pass(make, shape):
    report = check_gradients(make(), shape)
    assert report and report.op is not None, str(report)


def test_the_report_reads():
    np.random.seed(0)
    text = str(check_gradients(dense.DenseLayerTransposedWeights(4, 4), (5, 4)))
    assert text.splitlines()[0].startswith("DenseLayerTransposedWeights: checked as `dense`")
    assert "dweights  WRONG" in text and "worst element [" in text
    assert "diagnosis: transposed" in text and text.endswith("1 of 3 gradients wrong: dweights")


@pytest.mark.parametrize(
    "actual, said",
    [
        (lambda e: np.zeros_like(e), "all zeros"),
        (lambda e: -e, "wrong sign"),
        (lambda e: 5 * e, "5x too large"),
        (lambda e: e / 5, "5x too small"),
        (lambda e: e.T, "transposed"),
        (lambda e: np.where(e == 0, 1.0, 0.0), "inverted mask"),
        (lambda e: 2.5 * e, "off by a constant factor: actual = 2.5 x expected"),
        (lambda e: e + np.arange(e.size).reshape(e.shape), None),
    ],
)
def test_diagnoses(actual, said):
    expected = np.random.default_rng(0).standard_normal((4, 4)) * [1, 0, 1, 1]
    diagnosis = diagnose(actual(expected), expected, batch=5, rtol=1e-5, atol=1e-10)
    assert diagnosis == said if said is None else diagnosis.startswith(said)


def test_the_documented_tolerances_hold():
    # README "What the verdicts rest on": 1e-5 against the differences, 1e-8 against the
    # kernel in float64, 1e-4 in float32; written here as numbers, not read from the package.
    from numeric.check import report as checker

    f64, f32 = np.dtype(np.float64), np.dtype(np.float32)
    assert checker.RTOL == {f64: 1e-5, f32: 1e-4}
    assert checker.KERNEL_RTOL == {f64: 1e-8, f32: 1e-4}


@pytest.mark.parametrize("error, passes", [(1e-10, True), (1e-7, False), (1e-3, False)])
def test_a_relative_error_in_dweights_is_caught_at_the_kernel_tolerance(error, passes):
    class Scaled(dense.DenseLayer):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dweights = self.dweights * (1 + error)

    np.random.seed(0)
    report = check_gradients(Scaled(4, 3), DENSE_SHAPE)
    assert bool(report) is passes
    kernel, differences = report["dweights"].comparisons
    assert kernel.max_rel == pytest.approx(error, rel=1e-3)
    assert differences.ok is (error < 1e-5)
