"""numeric/check/report.py: the checker's verdicts on a layer too large for one
difference per element (the kernel, then differences along random directions).

Each test names the behaviour it protects; the wrong gradients are planted by hand
(a constant factor on dweights). Run by ``python benchmarks/mutation.py``.
"""

import numpy as np
import pytest

from numeric.check import check_gradients


class Layer_Dense:  # noqa: N801 - the nnfs book's name, which the checker recognises
    def __init__(self, scale: float = 1.0) -> None:
        rng = np.random.default_rng(0)
        self.weights = 0.1 * rng.standard_normal((20, 30))  # 600 > 512 elements
        self.biases = np.zeros((1, 30))
        self.scale = scale  # a planted mistake in dweights

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.scale * (self.inputs.T @ dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


def _dweights(scale: float):
    report = check_gradients(Layer_Dense(scale), (40, 20))
    return report, report["dweights"].comparisons


def test_a_right_large_layer_passes_the_kernel_and_the_random_directions():
    report, (kernel, directional) = _dweights(1.0)
    assert report and kernel.against == "the `dense` kernel"
    assert directional.against == "finite differences along random directions"
    assert directional.ok and directional.max_abs < 1e-7 and directional.max_rel < 1e-9


def test_random_directions_flag_a_large_gradient_1_percent_off_with_its_relative_error():
    report, (kernel, directional) = _dweights(1.01)
    assert not report and not kernel.ok and not directional.ok
    assert directional.max_rel == pytest.approx(0.01, rel=1e-6)
    assert report["dweights"].diagnosis == "off by a constant factor: actual = 1.01 x expected"


def test_random_directions_bound_is_rtol_times_the_norms_a_near_miss_is_left_to_the_kernel():
    # bound 1e-5 |v| |dweights| ~ 0.06: 0.1 % off (error 0.29) is flagged, 0.01 % off
    # (error 0.029) is not -- the kernel, exact to 1e-8, flags it
    _, (_, directional) = _dweights(1.001)
    assert not directional.ok
    _, (kernel, directional) = _dweights(1.0001)
    assert directional.ok and not kernel.ok
    assert directional.max_rel == pytest.approx(1e-4, rel=1e-4)


def test_an_unknown_op_or_label_layout_is_refused_before_any_check():
    with pytest.raises(ValueError, match=r"^unknown op 'nope'; the table has: batch_norm, "):
        check_gradients(Layer_Dense(), (4, 20), op="nope")
    with pytest.raises(ValueError, match=r"^labels must be 'indices' or 'onehot', got 'bad'$"):
        check_gradients(Layer_Dense(), (4, 20), labels="bad")


def test_a_report_is_named_after_the_class_or_as_told_and_states_its_setup():
    report = check_gradients(Layer_Dense(), (4, 20))
    assert (report.subject, report.op, report.style) == ("Layer_Dense", "dense", "objects")
    assert report.setup == (
        "float64, inputs (4, 20), weights (20, 30), biases (1, 30); cotangent g ~ N(0, 1)"
    )
    assert check_gradients(Layer_Dense(), (4, 20), subject="My layer").subject == "My layer"


def test_a_float32_layer_is_judged_with_float32_tolerances():
    layer = Layer_Dense()
    layer.weights = layer.weights.astype(np.float32)
    layer.biases = layer.biases.astype(np.float32)
    inputs = np.random.default_rng(1).standard_normal((4, 20)).astype(np.float32)
    report = check_gradients(layer, inputs)
    assert report.setup.startswith("float32, ")
    assert report, str(report)  # rounding at 6e-8: within 1e-4, not within float64's 1e-8
    layer.scale = 1.01
    assert check_gradients(layer, inputs).wrong == ["dweights"]
