"""The fused step against the unfused generated kernels and HIPS autograd.

Every fused loop is checked stage by stage (bias + activation, activation backward
+ column sums, softmax + cross-entropy + gradient, each optimizer's update), in
float32 and float64, with numba and with the NumPy fallback; then whole steps
against the layer-by-layer path, and training on the digits to the same accuracy.
No timing here: speed is measured by benchmarks/.
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric import SGD, Adam, CategoricalCrossEntropy, Dense, Model, Softmax, SoftmaxCrossEntropy
from numeric.fused import compiled, plan
from numeric.fused.printer import ScalarPrinter
from numeric.fused.updates import RULES
from numeric.kernels import kernels
from numeric.layers import Activation
from symbolic import derived
from symbolic.ops import OPS, Elementwise
from tests.oracles import reference, vjp
from tests.tolerances import ATOL, RTOL

ACTIVATIONS = sorted(name for name, entry in OPS.items() if isinstance(entry, Elementwise))
DTYPES = [np.float32, np.float64]
numba = pytest.mark.skipif(not compiled.available(), reason="numba is not installed")


def close(actual, expected, dtype):
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(float(np.max(np.abs(expected))), 1.0)
    tolerance = ATOL[dtype] + RTOL[dtype] * scale
    assert np.asarray(actual).dtype == dtype
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64), expected, rtol=0, atol=tolerance
    )


def away_from_kinks(rng, shape, dtype, scale=3.0):
    values = rng.standard_normal(shape) * scale
    values[np.abs(values) < 1e-2] = 0.5  # ReLU, leaky ReLU and ELU at 0
    return values.astype(dtype)


# ----- one loop at a time -----


@numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_bias_and_activation_forward(name, dtype):
    rng = np.random.default_rng(0)
    XW, b = away_from_kinks(rng, (9, 7), dtype), away_from_kinks(rng, (1, 7), dtype, 0.1)
    Z, Y = XW.copy(), np.empty_like(XW)
    compiled.activation(OPS[name], dtype).forward(Z, b, Y)
    x = XW + b
    close(Y, kernels(name)[0](x), dtype)
    close(Y, reference(name)(x.astype(np.float64)), dtype)
    if "x" in {s.name for s in derived(name).backward.expr.free_symbols}:  # kept in Z
        close(Z, x, dtype)


@numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_backward_and_column_sums(name, dtype):
    rng = np.random.default_rng(1)
    x = away_from_kinks(rng, (9, 7), dtype)
    y = kernels(name)[0](x)
    g = rng.standard_normal(x.shape).astype(dtype)
    G, db = g.copy(), np.full((1, 7), np.nan, dtype)
    compiled.activation(OPS[name], dtype).backward(x, y, G, db)
    close(G, kernels(name)[1](x, y, g), dtype)
    close(G, vjp(reference(name), 0, (x.astype(np.float64),), g.astype(np.float64)), dtype)
    close(db, G.sum(axis=0, keepdims=True), dtype)


@numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_at_the_kinks_the_loops_keep_the_kernels_conventions(name, dtype):
    """x = 0 exactly: ReLU'(0) = 0, LeakyReLU'(0) = alpha, ELU'(0) = alpha, as the kernels."""
    x = np.array([[-1.0, -0.0, 0.0, 1.0, 1e-30, -1e-30]], dtype)
    forward, backward = kernels(name)
    y, g = forward(x), np.ones_like(x)
    Z, Y = x.copy(), np.empty_like(x)
    loops = compiled.activation(OPS[name], dtype)
    loops.forward(Z, np.zeros((1, x.shape[1]), dtype), Y)
    np.testing.assert_allclose(Y, y, rtol=RTOL[dtype], atol=ATOL[dtype])
    G, db = g.copy(), np.empty((1, x.shape[1]), dtype)
    loops.backward(x, y, G, db)
    np.testing.assert_allclose(G, backward(x, y, g), rtol=RTOL[dtype], atol=ATOL[dtype])


@numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_no_activation_adds_the_bias_and_sums_the_columns(dtype):
    rng = np.random.default_rng(2)
    XW, b, g = (rng.standard_normal(shape).astype(dtype) for shape in ((5, 3), (1, 3), (5, 3)))
    loops, Z, Y = compiled.activation(None, dtype), XW.copy(), np.empty_like(XW)
    loops.forward(Z, b, Y)
    close(Y, XW + b, dtype)
    G, db = g.copy(), np.empty_like(b)
    loops.backward(Z, Y, G, db)
    close(G, g, dtype)
    close(db, g.sum(axis=0, keepdims=True), dtype)


@numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 2), (7, 10), (300, 3)])
def test_softmax_cross_entropy_loop(shape, dtype):
    rng = np.random.default_rng(3)
    rows, classes = shape
    XW, b = (rng.standard_normal(s).astype(dtype) * 4 for s in (shape, (1, classes)))
    targets = np.eye(classes, dtype=dtype)[rng.integers(0, classes, rows)]
    Z, P, G, db = XW.copy(), np.empty_like(XW), np.empty_like(XW), np.empty_like(b)
    total = compiled.softmax_cross_entropy(dtype).forward_backward(Z, b, targets, P, G, db)
    z = XW + b
    softmax = kernels("softmax")[0]
    loss_forward, loss_backward = kernels("softmax_cross_entropy")
    close(Z, z, dtype)
    close(P, softmax(z), dtype)
    close(G, loss_backward(z, softmax(z), targets, rows, classes), dtype)
    close(db, G.sum(axis=0, keepdims=True), dtype)
    tiny = 10 * rows * float(np.finfo(dtype).eps)  # a loss of ~0 in float32 rounds to 0
    expected = float(np.sum(loss_forward(z, targets, rows, classes)))
    assert total == pytest.approx(expected, rel=1e-5, abs=tiny)
    labels = targets.argmax(axis=1)  # the same targets as class indices: the same results
    again = [XW.copy(), np.empty_like(XW), np.empty_like(XW), np.empty_like(b)]
    fused = compiled.softmax_cross_entropy(dtype).forward_backward_labels
    assert fused(again[0], b, labels, *again[1:]) == total
    for array, expected in zip(again, (Z, P, G, db), strict=True):
        np.testing.assert_array_equal(array, expected)
    z64, t64 = z.astype(np.float64), targets.astype(np.float64)
    mean_loss = reference("softmax_cross_entropy")
    close(G, vjp(lambda a: mean_loss(a, t64), 0, (z64,), 1.0), dtype)
    assert total == pytest.approx(rows * float(mean_loss(z64, t64)), rel=1e-5, abs=tiny)


def test_huge_logits_stay_finite():
    """The derivation's max shift, printed into the loop: no overflow at z = 1000."""
    if not compiled.available():
        pytest.skip("numba is not installed")
    Z = np.array([[1000.0, 0.0, -1000.0]], np.float32)
    b, targets = np.zeros((1, 3), np.float32), np.array([[0, 0, 1]], np.float32)
    P, G, db = np.empty_like(Z), np.empty_like(Z), np.empty_like(b)
    total = compiled.softmax_cross_entropy(np.float32).forward_backward(Z, b, targets, P, G, db)
    assert total == pytest.approx(2000.0)
    np.testing.assert_array_equal(P, [[1, 0, 0]])
    np.testing.assert_array_equal(G, [[1, 0, -1]])


class Layer:
    def __init__(self, rng, dtype):
        self.weights, self.biases = (rng.standard_normal(s).astype(dtype) for s in ((6, 4), (1, 4)))


OPTIMIZERS = {
    "sgd": lambda: SGD(learning_rate=0.1, decay=0.01),
    "sgd_momentum": lambda: SGD(learning_rate=0.1, momentum=0.9),
    "adam": lambda: Adam(learning_rate=0.01, decay=0.01),
}


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", sorted(RULES))
def test_update_rules_agree_with_the_optimizers(kind, dtype, backend):
    """Three steps of the printed rule against optimizers.py, on the same gradients."""
    if backend == "numba" and not compiled.available():
        pytest.skip("numba is not installed")
    model = Model([Dense(6, 4, rng=0, dtype=dtype), Softmax()], loss=CategoricalCrossEntropy())
    ours, theirs = OPTIMIZERS[kind](), OPTIMIZERS[kind]()
    step = plan(model, ours, backend=backend)
    assert step.rule.kind == kind
    twin = Layer(np.random.default_rng(5), dtype)
    rng = np.random.default_rng(6)
    for _ in range(3):
        np.copyto(twin.weights, step.pairs[0]["p"][step.current])
        np.copyto(twin.biases, step.pairs[1]["p"][step.current])
        twin.dweights, twin.dbiases = (
            rng.standard_normal(a.shape).astype(dtype) for a in step.gradients
        )
        np.copyto(step.gradients[0], twin.dweights)
        np.copyto(step.gradients[1], twin.dbiases)
        theirs.pre_update_params()
        theirs.update_params(twin)
        theirs.post_update_params()
        assert step._update()
        for k, name in enumerate(("weights", "biases")):
            close(step.pairs[k]["p"][step.current], getattr(twin, name), dtype)
            grad = step.gradients[k]
            assert step.sumsq[k] == pytest.approx(
                float(np.sum(grad.astype(np.float64) ** 2)), rel=1e-5
            )
    assert ours.iterations == theirs.iterations == 3


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_a_step_that_is_not_finite_is_not_applied(backend):
    if backend == "numba" and not compiled.available():
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(7)
    X, y = (rng.standard_normal((8, 5)) * 1e9).astype(np.float32), rng.integers(0, 3, 8)
    model = Model([Dense(5, 3, rng=0, dtype=np.float32), Softmax()], loss=CategoricalCrossEntropy())
    before = model.layers[0].weights.copy()
    step = plan(model, SGD(learning_rate=1e30), backend=backend)  # lr * g overflows float32
    total, applied = step(X, y)
    assert np.isfinite(total) and not applied
    step.publish()
    np.testing.assert_array_equal(model.layers[0].weights, before)
    assert step.optimizer.iterations == 0


# ----- whole steps -----


def network(dtype, activation="relu", logits=False):
    layers = [
        Dense(12, 16, rng=0, dtype=dtype),
        Activation(activation),
        Dense(16, 8, rng=1, dtype=dtype),
        Activation(activation),
        Dense(8, 5, rng=2, dtype=dtype),
    ]
    if logits:
        return Model(layers, loss=SoftmaxCrossEntropy())
    return Model([*layers, Softmax()], loss=CategoricalCrossEntropy())


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "activation, logits, kind",
    [("relu", False, "sgd"), ("tanh", True, "sgd_momentum"), ("sigmoid", False, "adam")],
)
def test_steps_match_the_layer_by_layer_path(activation, logits, kind, dtype, backend):
    if backend == "numba" and not compiled.available():
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(8)
    fused, layered = network(dtype, activation, logits), network(dtype, activation, logits)
    ours, theirs = OPTIMIZERS[kind](), OPTIMIZERS[kind]()
    step = plan(fused, ours, backend=backend)
    for rows in (10, 10, 3):  # a last, smaller batch gets buffers of its own
        X = rng.standard_normal((rows, 12)).astype(dtype)
        y = rng.integers(0, 5, rows)
        total, applied = step(X, y)
        assert applied
        output = layered.forward(X)
        loss = layered.loss.calculate(output, y)
        layered.backward(output, y, inputs_gradient=False)
        theirs.pre_update_params()
        for layer in layered.dense_layers:
            theirs.update_params(layer)
        theirs.post_update_params()
        assert total / rows == pytest.approx(loss, rel=1e-5)
        close(step.output, layered._probabilities(output), dtype)
    step.publish()
    loose = {np.float32: 1e-4, np.float64: 1e-10}[dtype]  # three updates of the same gradients
    for ours_layer, their_layer in zip(fused.dense_layers, layered.dense_layers, strict=True):
        for name in ("weights", "biases", "dweights", "dbiases"):
            np.testing.assert_allclose(
                getattr(ours_layer, name), getattr(their_layer, name), rtol=loose, atol=loose
            )
        assert ours_layer.weights.dtype == dtype


def test_plan_refuses_what_it_does_not_fuse():
    from numeric import MeanSquaredError

    regression = Model([Dense(3, 1, rng=0)], loss=MeanSquaredError())
    assert plan(regression, SGD()) is None
    softmax_first = Model([Softmax(), Dense(3, 3, rng=0)], loss=SoftmaxCrossEntropy())
    assert plan(softmax_first, SGD()) is None
    assert plan(network(np.float64), object()) is None


def test_without_numba_the_numpy_backend_is_planned(monkeypatch):
    monkeypatch.setattr(compiled, "available", lambda: False)
    import numeric.fused.step as step_module

    monkeypatch.setattr(step_module.compiled, "available", lambda: False)
    assert plan(network(np.float64), SGD()).backend == "numpy"


# ----- provenance -----


@numba
@pytest.mark.parametrize("name", ["relu", "sigmoid", "gelu"])
def test_the_loops_print_the_derivation(name, kernel_cache_outside_home):
    """Each loop's statement is the derivation's expression, printed; nothing typed by hand."""
    loops = compiled.activation(OPS[name], np.float32)
    source = open(loops.__file__).read()
    derivation = derived(name)
    for expr in (derivation.forward.expr, derivation.backward.expr):
        assert ScalarPrinter().doprint(expr) in source
    assert str(loops.__file__).startswith(str(kernel_cache_outside_home))  # not in $HOME


# ----- through Model.fit -----


def digits_network():
    layers = [Dense(64, 16, rng=0), Activation("tanh"), Dense(16, 10, rng=1), Softmax()]
    return Model(layers, loss=CategoricalCrossEntropy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_fit_trains_digits_to_the_same_accuracy_fused_or_not(digits, dtype):
    X, y, X_test, y_test = (a.astype(dtype) if a.dtype.kind == "f" else a for a in digits)
    scores = {}
    for fused in (True, False):
        model = Model(
            [
                Dense(64, 64, rng=0, dtype=dtype),
                Activation("relu"),
                Dense(64, 10, rng=1, dtype=dtype),
            ],
            loss=SoftmaxCrossEntropy(),
        )
        history = model.fit(
            X, y, epochs=15, batch_size=32, optimizer=SGD(0.1, momentum=0.5), seed=0, fused=fused
        )
        scores[fused] = (model.evaluate(X_test, y_test)["accuracy"], history)
    (fused_accuracy, fused_history), (layered_accuracy, layered_history) = (
        scores[True],
        scores[False],
    )
    assert fused_accuracy >= 0.95 and abs(fused_accuracy - layered_accuracy) <= 0.01
    np.testing.assert_allclose(fused_history["loss"], layered_history["loss"], rtol=1e-3)
    np.testing.assert_allclose(fused_history["grad_norm"], layered_history["grad_norm"], rtol=1e-2)


def test_fit_fused_leaves_the_layers_own_arrays_and_the_seed_attributes(digits):
    X, y, _, _ = digits
    model = digits_network()
    arrays = [(layer.weights, layer.biases) for layer in model.dense_layers]
    optimizer = SGD(0.05, momentum=0.9)
    model.fit(X[:100], y[:100], epochs=2, batch_size=30, optimizer=optimizer, fused=True)
    for layer, (weights, biases) in zip(model.dense_layers, arrays, strict=True):
        assert layer.weights is weights and layer.biases is biases  # updated in place
        assert layer.dweights.shape == weights.shape and layer.dbiases.shape == biases.shape
    assert optimizer.iterations == 2 * 4
    velocity = optimizer._state(model.dense_layers[0])["weights"]
    assert np.any(velocity != 0)


def test_an_interrupted_fused_fit_keeps_the_last_completed_step(digits):
    X, y, _, _ = digits
    model = digits_network()
    seen = {}

    def stop(epoch, step, loss):
        if step == 3:
            seen["weights"] = [layer.weights.copy() for layer in model.dense_layers]
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, epochs=1, batch_size=20, optimizer=Adam(0.01), on_step=stop, fused=True)
    for layer, weights in zip(model.dense_layers, seen["weights"], strict=True):
        np.testing.assert_array_equal(layer.weights, weights)


def test_fit_fused_true_refuses_a_model_it_cannot_fuse():
    from numeric import MeanSquaredError

    model = Model([Dense(3, 1, rng=0)], loss=MeanSquaredError())
    with pytest.raises(ValueError, match="fused=True"):
        model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=1, fused=True)


def test_the_kernels_command_shows_the_fused_loops(capsys):
    from numeric.__main__ import kernels_main

    assert kernels_main(["relu"]) == 0
    shown = capsys.readouterr().out
    assert "def _lambdifygenerated(x, y, g)" in shown  # today's kernels, then the loops
    assert "# relu: fused loops" in shown and "def backward(X, Y, G, db):" in shown
    assert "d = g*(T(1.0) if x > T(0.0) else T(0.0))" in shown
    assert kernels_main(["softmax_cross_entropy"]) == 0
    assert "def forward_backward(Z, b, Tt, P, G, db):" in capsys.readouterr().out


def test_fit_takes_the_fused_step_when_it_pays_for_numba(monkeypatch):
    """Small runs go layer by layer unless numba is already loaded (its start costs ~0.7 s)."""
    import sys

    from numeric.training import FUSED_FROM, _planned

    model, optimizer = digits_network(), SGD(0.1)
    if compiled.available():
        import numba  # noqa: F401 - loaded: its start is paid

        assert _planned(model, optimizer, None, 1.0) is not None
        monkeypatch.delitem(sys.modules, "numba")
        assert _planned(model, optimizer, None, FUSED_FROM) is not None
    assert _planned(model, optimizer, None, FUSED_FROM / 2) is None
    assert _planned(model, optimizer, False, FUSED_FROM) is None
    assert _planned(model, optimizer, True, 1.0) is not None


# ----- the modules on disk are never trusted, only recognised -----


def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROP_DERIVED_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "fused"


def test_a_module_on_disk_that_is_not_what_we_print_is_written_anew(tmp_path, monkeypatch):
    import hashlib

    folder = fresh_cache(tmp_path, monkeypatch)
    text = "VALUE = 1\n"
    name = f"fused_probe_float64_{hashlib.sha256(text.encode()).hexdigest()[:20]}"
    folder.mkdir(parents=True, mode=0o700)
    (folder / f"{name}.py").write_text("VALUE = 2  # planted\n")
    (folder / f"{name}.py").chmod(0o600)
    loaded = compiled.module("probe", tmp_path, lambda dtype: text, np.float64)
    assert loaded.VALUE == 1
    assert (folder / f"{name}.py").read_text() == text
    assert (folder / f"{name}.py").stat().st_mode & 0o077 == 0


def test_a_cache_others_may_write_is_not_used(tmp_path, monkeypatch):
    from numeric.kernel_cache import KernelCacheWarning

    folder = fresh_cache(tmp_path, monkeypatch)
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    with pytest.warns(KernelCacheWarning, match="others may write"):
        loaded = compiled.module("probe2", tmp_path, lambda dtype: "VALUE = 3\n", np.float32)
    assert loaded.VALUE == 3 and not str(loaded.__file__).startswith(str(folder))
    assert list(folder.iterdir()) == []


def test_a_small_fit_does_not_load_numba():
    """numba's start (0.7 s, 100 MB) is paid only by runs large enough to need it."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from numeric import CategoricalCrossEntropy, Dense, Model, ReLU, Softmax\n"
        "m = Model([Dense(4, 3, rng=0), ReLU(), Dense(3, 2, rng=1), Softmax()],\n"
        "          loss=CategoricalCrossEntropy())\n"
        "X = np.random.default_rng(0).random((20, 4)); y = (X[:, 0] > 0.5).astype(int)\n"
        "m.fit(X, y, epochs=20, batch_size=4, seed=0)\n"
        "print('numba' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr
