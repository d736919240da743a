"""A network built only from generated kernels: it trains, it runs the seed's loop,
and every kernel it calls is lambdify's output for the derivation in symbolic/."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import numeric
from numeric import SGD, CategoricalCrossEntropy, Dense, Model, ReLU, Softmax
from numeric.kernels import generate, kernels
from symbolic import OPS, derived
from tests.oracles import finite_difference
from tests.tolerances import FD_RTOL, FD_STEP


def test_digits_reach_95_percent_held_out(digits):
    X, y, X_test, y_test = digits
    model = Model(
        [Dense(64, 64, rng=0), ReLU(), Dense(64, 10, rng=1), Softmax()],
        loss=CategoricalCrossEntropy(),
    )
    model.fit(X, y, epochs=30, batch_size=32, optimizer=SGD(learning_rate=0.1), seed=0)
    assert model.evaluate(X_test, y_test)["accuracy"] >= 0.95


def test_seed_quick_start_loop_runs_and_its_loss_falls(digits):
    # The seed README's Quick Start with its imports changed and MNIST's 784 inputs
    # swapped for the 64 pixels of the digits.
    from numeric.seed import (
        Activation_ReLU,
        Activation_Softmax,
        DenseLayer,
        Loss_CategoricalCrossentropy,
        Model,
        Optimizer_SGD,
    )

    X_train, y_train, _, _ = digits
    model = Model()
    model.add(DenseLayer(64, 128))
    model.add(Activation_ReLU())
    model.add(DenseLayer(128, 64))
    model.add(Activation_ReLU())
    model.add(DenseLayer(64, 10))
    model.add(Activation_Softmax())
    model.loss = Loss_CategoricalCrossentropy()
    optimizer = Optimizer_SGD(learning_rate=0.5)
    losses = []
    for _epoch in range(100):
        output = model.forward(X_train)
        loss = model.loss.calculate(output, y_train)
        model.backward(output, y_train)
        for layer in model.layers:
            if hasattr(layer, "weights"):
                optimizer.update_params(layer)
        losses.append(loss)
    assert losses[-1] < 0.5 * losses[0]
    assert losses[-1] < 0.5


def test_one_hot_and_index_labels_give_the_same_gradients(digits):
    X, y, _, _ = digits
    model = Model([Dense(64, 10, rng=0), Softmax()], loss=CategoricalCrossEntropy())
    output = model.forward(X[:50])
    by_index = model.backward(output, y[:50], inputs_gradient=True).copy()
    by_one_hot = model.backward(output, np.eye(10)[y[:50]], inputs_gradient=True)
    np.testing.assert_array_equal(by_index, by_one_hot)


def test_float32_end_to_end(digits):
    X, y, _, _ = digits
    X = X.astype(np.float32)
    model = Model(
        [
            Dense(64, 32, rng=0, dtype=np.float32),
            ReLU(),
            Dense(32, 10, rng=1, dtype=np.float32),
            Softmax(),
        ],
        loss=CategoricalCrossEntropy(),
    )
    model.fit(X, y, epochs=1, batch_size=64, seed=0)
    output = model.forward(X[:8])
    model.backward(output, y[:8], inputs_gradient=True)
    assert output.dtype == np.float32
    for layer in model.layers:
        assert layer.dinputs.dtype == np.float32
        if isinstance(layer, Dense):
            assert layer.weights.dtype == layer.dweights.dtype == layer.dbiases.dtype == np.float32


def test_the_quick_start_backward_skips_the_inputs_gradient_unless_asked(digits):
    """As PyTorch for inputs that need no gradient: the first layer's dinputs only on request."""
    X, y, _, _ = digits
    model = Model(
        [Dense(64, 16, rng=0), ReLU(), Dense(16, 10, rng=1), Softmax()],
        loss=CategoricalCrossEntropy(),
    )
    output = model.forward(X[:20])
    assert model.backward(output, y[:20]) is None
    first, relu = model.layers[0], model.layers[1]
    assert first.dinputs is None and first.dweights is not None and relu.dinputs is not None
    dweights = first.dweights.copy()
    dX = model.backward(output, y[:20], inputs_gradient=True)
    np.testing.assert_array_equal(first.dweights, dweights)
    assert first.dinputs is dX
    # dX against central differences of the mean loss (not G @ W.T, the package's own way)
    X64, labels = X[:20].astype(np.float64), y[:20]

    def mean_loss(inputs):
        return model.loss.calculate(model.forward(inputs), labels)

    expected = finite_difference(mean_loss, (X64,), 0, 1.0, FD_STEP)
    np.testing.assert_allclose(dX, expected, rtol=FD_RTOL * 10, atol=1e-9)
    assert np.abs(expected).max() > 1e-3  # a gradient worth comparing


def test_he_init_before_relu_glorot_otherwise():
    model = Model([Dense(400, 300, rng=0), ReLU(), Dense(300, 10, rng=1), Softmax()])
    he, glorot = model.layers[0].weights.std(), model.layers[2].weights.std()
    assert abs(he - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
    assert abs(glorot - np.sqrt(2 / 310)) < 0.05 * np.sqrt(2 / 310)


def test_same_rng_seed_gives_same_weights():
    a, b = Dense(5, 3, rng=7), Dense(5, 3, rng=7)
    np.testing.assert_array_equal(a.weights, b.weights)


# ----- provenance -----


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_kernel_is_lambdify_output_for_its_derivation(name):
    derivation = derived(name)
    for kernel, form in zip(kernels(name), (derivation.forward, derivation.backward), strict=True):
        fresh = generate(name, kernel.role, form.args, form.expr)
        assert kernel.source == fresh.source
        assert kernel.expr == str(form.expr)
        assert "_lambdifygenerated" in kernel.source


def test_layers_call_kernels_and_compute_no_derivative():
    # Every backward in numeric/ is a call of a generated kernel: no arithmetic at all.
    for module in (
        numeric.layers,
        numeric.losses,
        numeric.normalization,
        numeric.regularization_layers,
    ):
        tree = ast.parse(inspect.getsource(module))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef) and function.name.startswith("backward"):
                body = [node for stmt in function.body for node in ast.walk(stmt)]
                arithmetic = [n for n in body if isinstance(n, ast.BinOp | ast.UnaryOp)]
                assert not arithmetic, f"{module.__name__}.{function.name} computes by hand"


def test_numeric_holds_no_math_functions_outside_the_optimizers():
    # Derivatives would need exp/log/tanh/where; only the optimizers (sqrt in Adam) and the
    # finite differences (a step scaled by max(1, |x|)) may use math.
    suspicious = ("np.exp", "np.log", "np.tanh", "np.where", "np.heaviside", "np.maximum")
    for path in Path(numeric.__file__).parent.glob("*.py"):
        if path.name in ("optimizers.py", "differences.py"):
            continue
        text = path.read_text()
        assert not [s for s in suspicious if s in text], path.name


# ----- bad input -----


def test_widths_that_do_not_chain_are_named():
    model = Model([Dense(4, 3)])
    with pytest.raises(ValueError, match=r"Dense\(4, 3\) gives 3 outputs but Dense\(5, 2\)"):
        model.add(Dense(5, 2))


def test_one_dimensional_batch_is_refused():
    with pytest.raises(ValueError, match=r"2-D batch .* got shape \(4,\).*reshape"):
        Dense(4, 2).forward(np.ones(4))


def test_wrong_feature_count_is_refused():
    with pytest.raises(ValueError, match=r"4 features per sample, got shape \(2, 3\)"):
        Dense(4, 2).forward(np.ones((2, 3)))


def test_integer_inputs_are_refused_with_a_conversion_hint():
    with pytest.raises(TypeError, match=r"floating point .* got uint8.*astype"):
        Dense(4, 2).forward(np.ones((2, 4), dtype=np.uint8))


def test_labels_out_of_range_are_refused():
    loss = CategoricalCrossEntropy()
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\), got 3 at index 1"):
        loss.calculate(np.full((2, 3), 1 / 3), np.array([0, 3]))


def test_one_hot_rows_must_sum_to_one():
    loss = CategoricalCrossEntropy()
    with pytest.raises(ValueError, match=r"row 1 sums to 2"):
        loss.calculate(np.full((2, 3), 1 / 3), np.array([[1, 0, 0], [1, 1, 0]]))


def test_dtype_mismatch_is_refused():
    with pytest.raises(TypeError, match=r"float64 weights but got float32 inputs"):
        Dense(2, 2).forward(np.ones((1, 2), dtype=np.float32))


def test_accuracy_reads_labels_and_one_hot_rows_alike():
    from numeric.model import accuracy

    predictions = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]])
    labels = np.array([0, 1, 0, 2])  # the first two right, the last two wrong
    assert accuracy(predictions, labels) == 0.5
    assert accuracy(predictions, np.eye(3)[labels]) == 0.5
    # one output: a probability above 0.5 is class 1
    assert accuracy(np.array([[0.6], [0.4], [0.5]]), np.array([[1], [0], [1]])) == 2 / 3
