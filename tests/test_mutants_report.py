"""numeric/check/report.py: the checker's verdicts on a layer too large for one
difference per element (the kernel, then differences along random directions).

Each test names the behaviour it protects; the wrong gradients are planted by hand
(a constant factor on dweights). Run by ``python benchmarks/mutation.py``.
"""

import time

import numpy as np
import pytest

from numeric.check import check_gradients
from numeric.check.errors import CheckError


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


# ----- the tolerances, by the dtype the code computes in -----


def test_the_tolerances_are_1e_5_and_1e_10_in_float64_and_1e_4_and_1e_6_in_float32():
    from numeric.check.report import _tolerances

    assert _tolerances(np.dtype(np.float64)) == (1e-5, 1e-10)
    assert _tolerances(np.dtype(np.float32)) == (1e-4, 1e-6)


class Dense_Planted:  # noqa: N801 - a small nnfs Dense, in the dtype of its weights
    """dweights and dinputs off by ``relative`` (alternating signs), plus ``l2`` * 2W."""

    def __init__(self, dtype, relative: float = 0.0, l2: float = 0.0, factor: float = 1.0):
        rng = np.random.default_rng(2)
        self.weights = rng.standard_normal((6, 5)).astype(dtype)
        self.biases = rng.standard_normal((1, 5)).astype(dtype)
        self.relative, self.l2, self.factor = relative, l2, factor

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        dtype = self.weights.dtype
        dweights = self.inputs.T @ dvalues
        signs = np.where(np.arange(dweights.size).reshape(dweights.shape) % 2, -1.0, 1.0)
        noise = (1 + self.relative * signs).astype(dtype)
        self.dweights = self.factor * dweights * noise + (2 * self.l2 * self.weights).astype(dtype)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


def _inputs(dtype, scale: float = 1.0):
    return (scale * np.random.default_rng(3).standard_normal((8, 6))).astype(dtype)


def test_a_float32_gradient_3e_5_off_passes_in_float32_and_is_flagged_in_float64():
    # float32's rtol 1e-4 (kernel and differences alike) holds 3e-5; float64's does not
    report = check_gradients(Dense_Planted(np.float32, relative=3e-5), _inputs(np.float32))
    assert report["dweights"].status == "ok", str(report)  # not excused as a penalty: ok
    assert [(c.against, c.ok) for c in report["dweights"].comparisons] == [
        ("the `dense` kernel", True),
        ("finite differences", True),
    ]
    report = check_gradients(Dense_Planted(np.float64, relative=3e-5), _inputs(np.float64))
    assert report.wrong == ["dweights"]
    assert [c.ok for c in report["dweights"].comparisons] == [False, False]


def test_a_float32_layers_l2_penalty_is_recognised_through_its_float32_rounding():
    # inputs ~100: dweights ~700, rounded in float32 to ~7e-5, which float32's fit
    # (bound 2.4e-4) allows and float64's (2.4e-5) would not: it would say WRONG
    report = check_gradients(Dense_Planted(np.float32, l2=0.05), _inputs(np.float32, 100))
    assert report["dweights"].status == "ok+L2"
    assert report.conventions == {
        "dweights": "the objective with an L2 penalty, lambda = 0.05 "
        "(forward's loss + lambda * sum w^2), not for forward alone"
    }


# ----- the cotangent: a stream of its own, in the code's dtype -----


class Recorder:
    """A dense layer that keeps every dvalues its backward is given."""

    def __init__(self, dtype=np.float64):
        self.weights = np.random.default_rng(5).standard_normal((3, 2)).astype(dtype)
        self.biases = np.zeros((1, 2), dtype=dtype)
        self.seen = []

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.seen.append(dvalues.copy())
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


def _cotangent(seed: int | None, dtype=np.float64) -> np.ndarray:
    layer = Recorder(dtype)
    inputs = np.random.default_rng(6).standard_normal((4, 3)).astype(dtype)
    report = (
        check_gradients(layer, inputs)
        if seed is None
        else check_gradients(layer, inputs, seed=seed)
    )
    assert report, str(report)
    return layer.seen[-1]  # the first backward is a probe, the last the check's


def test_the_cotangent_is_drawn_from_seed_and_0xC07A_never_a_users_default_rng_0():
    users = np.random.default_rng(0).standard_normal((4, 2))
    g = _cotangent(None)
    assert np.array_equal(g, np.random.default_rng([0, 0xC07A]).standard_normal((4, 2)))
    assert not np.allclose(g, users)
    assert np.array_equal(_cotangent(7), np.random.default_rng([7, 0xC07A]).standard_normal((4, 2)))


def test_a_float32_layer_is_given_a_float32_cotangent_that_float64_holds_exactly():
    g = _cotangent(None, np.float32)
    assert g.dtype == np.float32
    drawn = np.random.default_rng([0, 0xC07A]).standard_normal((4, 2)).astype(np.float32)
    assert np.array_equal(g, drawn)


class Double:
    """out = 2 x: its float32 backward, 2 dvalues, is exact."""

    def forward(self, inputs):
        self.output = 2 * inputs

    def backward(self, dvalues):
        self.dinputs = 2 * dvalues


def test_the_differences_see_the_same_rounded_cotangent_as_float32_code():
    # g rounded to float32 before both runs: an exact float32 backward matches the
    # float64 differences to their own error (~1e-10), not to float32's rounding of g (~1e-7)
    inputs = np.random.default_rng(6).standard_normal((4, 3)).astype(np.float32)
    (differences,) = check_gradients(Double(), inputs)["dinputs"].comparisons
    assert differences.against == "finite differences"
    assert differences.max_abs < 1e-9


# ----- a forward that draws random numbers -----


class Fresh:
    """A forward whose noise comes from a generator made on each call from the clock."""

    def forward(self, inputs):
        noise = np.random.default_rng(time.perf_counter_ns()).standard_normal(inputs.shape)
        self.output = inputs + noise

    def backward(self, dvalues):
        self.dinputs = dvalues


def test_a_forward_random_beyond_every_generator_is_refused_by_name():
    with pytest.raises(CheckError) as raised:
        check_gradients(Fresh(), (4, 3))
    assert str(raised.value) == (
        "Fresh: random forward: not checkable (two forwards of the same input differ "
        "even with NumPy's, Python's and the object's generators reset before each)"
    )


class Layer_Dropout:  # noqa: N801 - the nnfs book's dropout, its draws from np.random
    def __init__(self, rate):
        self.rate = 1 - rate

    def forward(self, inputs):
        self.inputs = inputs
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.output = inputs * self.binary_mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.binary_mask


def test_a_dropout_forward_is_checked_with_frozen_draws_and_says_so():
    # 80 units at rate 0.5: two masks drawn in a row are never the same
    report = check_gradients(Layer_Dropout(0.5), (8, 10))
    assert report, str(report)
    assert "random forward (dropout?): checked with the same random draws each run" in report.notes


# ----- a large layer: the kernel, then differences along random directions -----


class Layer_Dense_Shaped(Layer_Dense):  # noqa: N801 - recognised as dense by the name
    """A dense layer of any size, whose dweights can be planted transposed, absent or float16."""

    def __init__(self, rows: int, columns: int, dweights: str = "right") -> None:
        super().__init__()
        self.weights = 0.1 * np.random.default_rng(0).standard_normal((rows, columns))
        self.biases = np.zeros((1, columns))
        self.planted = dweights

    def backward(self, dvalues):
        super().backward(dvalues)
        if self.planted == "transposed":
            self.dweights = self.dweights.T
        elif self.planted == "absent":
            del self.dweights
        elif self.planted == "float16, 1% off":
            self.dweights = (1.01 * self.dweights).astype(np.float16)


def test_up_to_512_elements_a_known_op_gets_a_difference_per_element_beyond_random_directions():
    at = check_gradients(Layer_Dense_Shaped(16, 32), (8, 16))  # 512 weights
    beyond = check_gradients(Layer_Dense_Shaped(19, 27), (8, 19))  # 513
    assert [c.against for c in at["dweights"].comparisons] == [
        "the `dense` kernel",
        "finite differences",
    ]
    assert [c.against for c in beyond["dweights"].comparisons] == [
        "the `dense` kernel",
        "finite differences along random directions",
    ]
    assert at and beyond


def test_random_directions_are_the_same_on_every_run():
    first, second = _dweights(1.01)[1][1], _dweights(1.01)[1][1]
    assert first.max_abs == second.max_abs and first.max_rel == second.max_rel


def test_a_large_gradient_of_the_wrong_shape_is_named_by_the_random_directions_too():
    report = check_gradients(Layer_Dense_Shaped(20, 30, "transposed"), (40, 20))
    kernel, directional = report["dweights"].comparisons
    assert directional.against == "finite differences along random directions"
    assert not directional.ok and directional.max_abs is None
    # the directions have no expected array to say more; the kernel has
    assert directional.diagnosis == "wrong shape: expected (20, 30), got (30, 20)"
    assert kernel.diagnosis == directional.diagnosis + "; transposed: actual = expected.T"


def test_a_large_gradient_backward_never_set_is_missing_for_both_references():
    report = check_gradients(Layer_Dense_Shaped(20, 30, "absent"), (40, 20))
    assert report.wrong == ["dweights"]
    assert [(c.against, c.ok, c.diagnosis) for c in report["dweights"].comparisons] == [
        ("the `dense` kernel", False, "missing: backward neither set nor returned it"),
        (
            "finite differences along random directions",
            False,
            "missing: backward neither set nor returned it",
        ),
    ]


def test_a_float16_gradient_is_measured_in_float64_its_norm_does_not_overflow_the_bound():
    # |dweights| ~ 70 over 600 elements: the sum of squares, 3e6, is inf in float16, and
    # an infinite bound would pass a gradient 1 % off
    inputs = 10 * np.random.default_rng(4).standard_normal((40, 20))
    report = check_gradients(Layer_Dense_Shaped(20, 30, "float16, 1% off"), inputs)
    _, directional = report["dweights"].comparisons
    assert not directional.ok
    assert directional.max_rel == pytest.approx(0.01, rel=0.05)


class Unused:
    """A parameter its forward never reads (70 x 70: too large for a difference each)."""

    def __init__(self, dweights: float = 1.0):
        self.weights = np.ones((70, 70))
        self.given = dweights  # right: 0, forward does not depend on the weights

    def forward(self, inputs):
        self.output = 2 * inputs

    def backward(self, dvalues):
        self.dweights = np.full((70, 70), self.given)
        self.dinputs = 2 * dvalues


def test_a_gradient_for_a_parameter_forward_ignores_is_wrong_with_an_infinite_relative_error():
    report = check_gradients(Unused(), (4, 3))
    (directional,) = report["dweights"].comparisons
    assert directional.against == "finite differences along random directions"
    assert not directional.ok and directional.max_rel == float("inf")
    assert report.wrong == ["dweights"]


def test_a_zero_gradient_for_a_parameter_forward_ignores_is_exact_with_relative_error_0():
    report = check_gradients(Unused(0.0), (4, 3))
    (directional,) = report["dweights"].comparisons
    assert directional.ok and (directional.max_abs, directional.max_rel) == (0.0, 0.0)
    assert report, str(report)


# ----- a micrograd class: one subject per operation, gathered in one report -----


def test_a_micrograd_class_is_reported_operation_by_operation_under_its_own_name():
    from tests.corpus.styles import micrograd_buggy_mul

    report = check_gradients(micrograd_buggy_mul.Value)
    assert (report.subject, report.op, report.style, report.notes) == (
        "Value",
        None,
        "micrograd",
        (),
    )
    # the first operation's point, drawn from default_rng([0, 0xC07A])
    assert report.setup == "Value (micrograd) at a = 0.871, b = 1.322"
    assert len(report.gradients) == 48
    assert [g.name for g in report.gradients[:3]] == [
        "a + b: a.grad",
        "a + b: b.grad",
        "a + b (a, b < 0): a.grad",
    ]
    assert report.gradients[-1].name == "neuron: tanh(w·x + b): b.grad"
    assert all(
        [c.against for c in g.comparisons] == ["finite differences"] for g in report.gradients
    )
    assert report.wrong == [
        "a * b: b.grad",
        "a * b (a, b < 0): b.grad",
        "a / b: b.grad",
        "a / b (a, b < 0): b.grad",
        "neuron: tanh(w·x + b): x.grad",
    ]
    assert report["a * b: a.grad"].ok and report["a * b: a.grad"].convention is None
    # the figures are .grad itself (micrograd seeds 1): d(a b)/db = a = 0.871, and the
    # bug gives b its own data, 1.322
    (wrong,) = report["a * b: b.grad"].comparisons
    assert (wrong.expected, wrong.actual) == (
        pytest.approx(0.871, abs=5e-4),
        pytest.approx(1.322, abs=5e-4),
    )
    assert check_gradients(micrograd_buggy_mul.Value, subject="engine.py").subject == "engine.py"


# ----- a cs231n function pair -----


def product_forward(x, w):
    return x * w, (x, w)


def product_gradients(dout, cache):  # not product_backward: found only when given
    x, w = cache
    return np.sum(dout * w), 2 * x * dout  # dw: a factor 2 too many


def test_a_forward_function_is_checked_with_the_backward_given_and_named_after_itself():
    x, w = np.array(1.5), np.array([0.5, -1.0, 2.0, 0.7])
    report = check_gradients(product_forward, x, w, backward=product_gradients)
    assert (report.subject, report.style) == ("product_forward", "cs231n")
    told = check_gradients(product_forward, x, w, backward=product_gradients, subject="x w")
    assert told.subject == "x w"
    assert report.wrong == ["dw"]
    # x is one number: a batch of 1, so the factor 2 is no batch size
    assert report["dw"].diagnosis == (
        "2x too large: a factor 2 too many (the 2 of a square, d(x^2)/dx = 2x, counted twice?)"
    )


# ----- a loss: its targets, given or drawn -----


class Loss_CategoricalCrossentropy:  # noqa: N801 - the nnfs name: the table's cross_entropy
    """nnfs's loss, keeping the targets its forward is given (on the class: the checker
    restores the object's own attributes)."""

    seen: list = []

    def forward(self, y_pred, y_true):
        type(self).seen.append(y_true)
        y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            return -np.log(y_pred[range(len(y_pred)), y_true])
        return -np.log(np.sum(y_pred * y_true, axis=1))

    def backward(self, dvalues, y_true):
        if y_true.ndim == 1:
            y_true = np.eye(dvalues.shape[1])[y_true]
        self.dinputs = -y_true / dvalues / len(dvalues)


class Scorer(Loss_CategoricalCrossentropy):
    """The same loss under a name that suggests nothing: one-hot targets by default."""


PREDICTIONS = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]])
CLASSES = np.array([2, 0, 1, 1])  # not what the checker would draw: [1, 2, 0, 1]


def test_a_loss_takes_its_targets_as_second_argument_or_as_y_true():
    def targets_seen(report) -> np.ndarray:
        assert report, str(report)
        assert report.setup == "float64, y_pred (4, 3), class indices (4,); the mean loss"
        return Loss_CategoricalCrossentropy.seen[-1]

    positional = check_gradients(Loss_CategoricalCrossentropy(), PREDICTIONS, CLASSES)
    assert np.array_equal(targets_seen(positional), CLASSES)
    keyword = check_gradients(Loss_CategoricalCrossentropy(), PREDICTIONS, y_true=CLASSES)
    assert np.array_equal(targets_seen(keyword), CLASSES)


def test_drawn_targets_are_indices_or_one_hot_rows_as_labels_says():
    def drawn(loss, labels):
        report = check_gradients(loss, (4, 3), labels=labels)
        assert report, str(report)
        return report.setup.removeprefix("float64, y_pred (4, 3), "), type(loss).seen[-1].shape

    one_hot = ("targets (4, 3); the mean loss", (4, 3))
    indices = ("class indices (4,); the mean loss", (4,))
    assert drawn(Loss_CategoricalCrossentropy(), None) == indices  # as the book feeds it
    assert drawn(Loss_CategoricalCrossentropy(), "onehot") == one_hot
    assert drawn(Scorer(), None) == one_hot
    assert drawn(Scorer(), "indices") == indices


# ----- what backward changed -----


class Stepping:
    """A backward that also takes an SGD step on its weights."""

    def __init__(self):
        self.weights = np.random.default_rng(1).standard_normal((3, 2))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dinputs = dvalues @ self.weights.T
        self.weights -= 0.1 * self.dweights


def test_a_backward_that_steps_its_weights_is_checked_before_the_step_and_said_so():
    report = check_gradients(Stepping(), (4, 3))
    assert report, str(report)
    assert report.notes[-1] == (
        "backward changed `weights` in place (an optimizer step inside backward?); "
        "the check used the values before it, and they are restored"
    )


# ----- explaining a wrong gradient -----


class Activation_ReLU:  # noqa: N801 - the nnfs name: recognised as the table's relu
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()  # the mask (inputs > 0) forgotten


def test_a_recognised_layer_passing_dvalues_through_is_shown_its_derived_backward():
    report = check_gradients(Activation_ReLU(), (4, 5))
    assert report.op == "relu" and report.wrong == ["dinputs"]
    assert report["dinputs"].diagnosis == (
        "passes the incoming gradient through unchanged (= dvalues): the layer's own "
        "derivative is missing (the chain rule multiplies by it); its own backward, "
        "derived: g*Heaviside(x, 0)"
    )


class Penalised:
    """A dense layer (not named as one) with 2 lambda x added to one gradient."""

    def __init__(self, shape: tuple, into: str) -> None:
        self.weights = np.random.default_rng(8).standard_normal(shape)
        self.biases = np.zeros((1, shape[1]))
        self.into = into

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T
        if self.into == "dweights":
            self.dweights += 2 * 0.01 * self.weights
        else:
            self.dinputs += 2 * 0.01 * self.inputs


L2 = (
    "the objective with an L2 penalty, lambda = 0.01 (forward's loss + lambda * sum w^2), "
    "not for forward alone"
)


def test_an_l2_penalty_is_fitted_to_a_parameter_of_4_elements():
    report = check_gradients(Penalised((2, 2), "dweights"), (3, 2))
    assert report, str(report)
    assert report.conventions == {"dweights": L2}


def test_no_penalty_is_fitted_to_a_parameter_of_3_elements():
    # too few elements for a fitted lambda to mean anything: the mistake stays a mistake
    report = check_gradients(Penalised((1, 3), "dweights"), (3, 1))
    assert report.wrong == ["dweights"] and report.conventions == {}


def test_a_penalty_shaped_error_in_dinputs_is_not_excused_as_a_penalty():
    # inputs are no parameter: 2 lambda inputs in dinputs is a mistake, not a convention
    report = check_gradients(Penalised((3, 4), "dinputs"), (5, 3))
    assert report.wrong == ["dinputs"] and report.conventions == {}
    assert report["dinputs"].status == "WRONG"


# ----- never a false pass -----


class Scaled_Square:  # noqa: N801 - no op of the table: judged by the differences alone
    """out = w * x^2, elementwise; both gradients off by ``relative``."""

    def __init__(self, relative: float) -> None:
        self.w = np.random.default_rng(9).uniform(0.5, 2.0, (1, 4))
        self.relative = relative

    def forward(self, inputs):
        self.inputs = inputs
        self.output = self.w * inputs**2

    def backward(self, dvalues):
        off = 1 + self.relative
        self.dinputs = off * 2 * self.w * self.inputs * dvalues
        self.dw = off * np.sum(self.inputs**2 * dvalues, axis=0, keepdims=True)


@pytest.mark.parametrize("relative, ok", [(0.0, True), (1e-6, True), (1e-4, False)])
def test_against_differences_alone_float64_flags_1e_4_and_passes_1e_6(relative, ok):
    report = check_gradients(Scaled_Square(relative), (3, 4))
    assert report.op is None
    assert [(g.name, [c.against for c in g.comparisons]) for g in report.gradients] == [
        ("dinputs", ["finite differences"]),
        ("dw", ["finite differences"]),
    ]
    assert [g.ok for g in report.gradients] == [ok, ok]
