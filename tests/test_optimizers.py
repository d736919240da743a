"""RMSprop, Adagrad and Adam as the nnfs book writes them: defaults, one update step
against the book's formulas written out here, digits accuracy, and the state kept by
save / load so that a run resumes bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from numeric import (
    SGD,
    Adagrad,
    Adam,
    CategoricalCrossEntropy,
    Dense,
    Model,
    ModelFileError,
    ReLU,
    RMSprop,
    Softmax,
    data,
)


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    with threadpool_limits(1, user_api="blas"):  # tiny matmuls: a second thread only spins
        yield


class Layer:
    """A layer as optimizers see it: parameters and their gradients."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.weights, self.biases = rng.standard_normal((3, 2)), rng.standard_normal((1, 2))
        self.dweights, self.dbiases = rng.standard_normal((3, 2)), rng.standard_normal((1, 2))


def steps(optimizer: object, layer: Layer, grads: list[tuple[np.ndarray, np.ndarray]]) -> None:
    for dweights, dbiases in grads:
        layer.dweights, layer.dbiases = dweights, dbiases
        optimizer.pre_update_params()
        optimizer.update_params(layer)
        optimizer.post_update_params()


def gradients(count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    return [(rng.standard_normal((3, 2)), rng.standard_normal((1, 2))) for _ in range(count)]


def test_the_books_defaults():
    rms, ada, adam = RMSprop(), Adagrad(), Adam()
    assert (rms.learning_rate, rms.decay, rms.epsilon, rms.rho) == (0.001, 0.0, 1e-7, 0.9)
    assert (ada.learning_rate, ada.decay, ada.epsilon) == (1.0, 0.0, 1e-7)
    assert (adam.learning_rate, adam.decay, adam.epsilon) == (0.001, 0.0, 1e-7)
    assert (adam.beta_1, adam.beta_2) == (0.9, 0.999)


def test_rmsprop_steps_are_the_books():
    lr, decay, eps, rho = 0.01, 0.1, 1e-7, 0.9
    layer, grads = Layer(), gradients(3)
    w, cache = layer.weights.copy(), np.zeros((3, 2))
    for t, (g, _) in enumerate(grads):  # the book's Optimizer_RMSprop, for the weights
        rate = lr * (1.0 / (1.0 + decay * t))
        cache = rho * cache + (1 - rho) * g**2
        w = w - rate * g / (np.sqrt(cache) + eps)
    steps(RMSprop(lr, decay=decay, epsilon=eps, rho=rho), layer, grads)
    np.testing.assert_allclose(layer.weights, w, rtol=1e-15, atol=0)
    # and a figure: one step from w = 1, g = 2 at the defaults: cache = 0.4, step 0.001 * 2 /
    # (sqrt(0.4) + 1e-7) = 0.0031622771...
    one = Layer()
    one.weights[:], one.dweights[:] = 1.0, 2.0
    steps(RMSprop(), one, [(one.dweights, one.dbiases)])
    assert one.weights[0, 0] == pytest.approx(1 - 0.002 / (np.sqrt(0.4) + 1e-7), rel=1e-15)
    assert one.weights[0, 0] == pytest.approx(0.99683772283, abs=1e-11)


def test_adagrad_steps_are_the_books():
    lr, decay, eps = 0.5, 0.01, 1e-7
    layer, grads = Layer(), gradients(3)
    b, cache = layer.biases.copy(), np.zeros((1, 2))
    for t, (_, g) in enumerate(grads):  # the book's Optimizer_Adagrad, for the biases
        rate = lr * (1.0 / (1.0 + decay * t))
        cache = cache + g**2
        b = b - rate * g / (np.sqrt(cache) + eps)
    steps(Adagrad(lr, decay=decay, epsilon=eps), layer, grads)
    np.testing.assert_allclose(layer.biases, b, rtol=1e-15, atol=0)
    one = Layer()  # the first step: g / (|g| + 1e-7) at rate 1, about sign(g)
    one.weights[:], one.dweights[:] = 1.0, [[2.0, -2.0], [1e-7, -1e-7], [0.0, 0.5]]
    steps(Adagrad(), one, [(one.dweights, one.dbiases)])
    moved = [[1 - 2 / (2 + 1e-7), 1 + 2 / (2 + 1e-7)], [0.5, 1.5], [1.0, 1 - 0.5 / (0.5 + 1e-7)]]
    np.testing.assert_allclose(one.weights, moved, rtol=1e-15, atol=1e-15)


def test_adam_bias_correction_is_the_books():
    lr, decay, eps, b1, b2 = 0.01, 0.05, 1e-7, 0.9, 0.999
    layer, grads = Layer(), gradients(4)
    w, m, v = layer.weights.copy(), np.zeros((3, 2)), np.zeros((3, 2))
    for iterations, (g, _) in enumerate(grads):  # the book's Optimizer_Adam
        rate = lr * (1.0 / (1.0 + decay * iterations))
        m = b1 * m + (1 - b1) * g
        m_hat = m / (1 - b1 ** (iterations + 1))
        v = b2 * v + (1 - b2) * g**2
        v_hat = v / (1 - b2 ** (iterations + 1))
        w = w - rate * m_hat / (np.sqrt(v_hat) + eps)
    steps(Adam(lr, decay=decay, beta_1=b1, beta_2=b2, epsilon=eps), layer, grads)
    np.testing.assert_allclose(layer.weights, w, rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RMSprop(rho=1.0), "RMSprop: rho must be in"),
        (lambda: RMSprop(epsilon=0), "RMSprop: epsilon must be > 0"),
        (lambda: Adagrad(learning_rate=float("nan")), "Adagrad: learning_rate must be"),
        (lambda: Adagrad(decay=-1), "Adagrad: decay must be"),
    ],
)
def test_bad_hyperparameters_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def digits_model(seed: int = 0) -> Model:
    rng = np.random.default_rng(seed)
    return Model(
        [Dense(64, 64, rng=rng), ReLU(), Dense(64, 10, rng=rng), Softmax()],
        loss=CategoricalCrossEntropy(),
    )


@pytest.mark.parametrize(
    "optimizer, epochs",
    [(lambda: RMSprop(learning_rate=0.002), 20), (lambda: Adagrad(learning_rate=0.05), 20)],
    ids=["RMSprop", "Adagrad"],
)
def test_reaches_97_percent_on_digits(optimizer, epochs):
    X, y, X_test, y_test = data.load("digits")
    model = digits_model()
    model.fit(X, y, epochs=epochs, batch_size=32, optimizer=optimizer(), seed=0, fused=False)
    assert model.evaluate(X_test, y_test)["accuracy"] >= 0.97


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(0.1, decay=1e-3, momentum=0.9),
        lambda: Adam(0.002, decay=1e-3),
        lambda: RMSprop(0.002, decay=1e-3),
        lambda: Adagrad(0.05, decay=1e-3),
    ],
    ids=["SGD", "Adam", "RMSprop", "Adagrad"],
)
def test_save_and_load_resume_bit_for_bit(make, tmp_path):
    X, y, _, _ = data.load("digits")
    X, y = X[:300], y[:300]
    straight, optimizer = digits_model(), make()
    straight.fit(X, y, epochs=2, optimizer=optimizer, seed=0, fused=False)
    straight.fit(X, y, epochs=2, optimizer=optimizer, seed=1, fused=False)

    halted, first = digits_model(), make()
    halted.fit(X, y, epochs=2, optimizer=first, seed=0, fused=False)
    halted.save(tmp_path / "run.npz", optimizer=first)
    resumed = Model.load(tmp_path / "run.npz")
    assert type(resumed.optimizer) is type(first) and resumed.optimizer is not first
    assert resumed.optimizer.iterations == first.iterations > 0
    resumed.fit(X, y, epochs=2, optimizer=resumed.optimizer, seed=1, fused=False)
    for a, b in zip(straight.dense_layers, resumed.dense_layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.biases, b.biases)


def test_a_file_without_optimizer_loads_none_and_a_bad_field_is_refused(tmp_path):
    model, optimizer = digits_model(), RMSprop()
    X, y, _, _ = data.load("digits")
    model.fit(X[:256], y[:256], epochs=2, optimizer=optimizer, seed=0, fused=False)
    model.save(tmp_path / "plain.npz")
    assert Model.load(tmp_path / "plain.npz").optimizer is None
    model.save(tmp_path / "run.npz", optimizer=optimizer)
    with np.load(tmp_path / "run.npz") as archive:
        arrays = dict(archive)
    spec = json.loads(str(arrays["architecture"]))
    for change, message in (
        ({"rho": 1.5}, "rho must be in"),
        ({"rho": 0.9, "momentum": 0.5}, "needs exactly the hyperparameters"),
    ):
        bad = json.loads(json.dumps(spec))
        bad["optimizer"]["hyperparameters"].update(change)
        np.savez(tmp_path / "bad.npz", **{**arrays, "architecture": np.array(json.dumps(bad))})
        with pytest.raises(ModelFileError, match=message):
            Model.load(tmp_path / "bad.npz")
    bad = json.loads(json.dumps(spec))
    bad["optimizer"]["layers"] = [1]  # an activation holds no state
    np.savez(tmp_path / "bad.npz", **{**arrays, "architecture": np.array(json.dumps(bad))})
    with pytest.raises(ModelFileError, match="indices of layers with parameters"):
        Model.load(tmp_path / "bad.npz")
    truncated = {k: v for k, v in arrays.items() if not k.endswith("biases.cache")}
    np.savez(tmp_path / "bad.npz", **truncated)
    with pytest.raises(ModelFileError, match="missing"):
        Model.load(tmp_path / "bad.npz")


def test_the_state_of_normalisation_layers_resumes_too(tmp_path):
    from numeric import BatchNorm, LayerNorm

    def model() -> Model:
        rng = np.random.default_rng(0)
        layers = [Dense(64, 32, rng=rng), BatchNorm(32), ReLU(), Dense(32, 10, rng=rng)]
        return Model([*layers, LayerNorm(10), Softmax()], loss=CategoricalCrossEntropy())

    X, y, _, _ = data.load("digits")
    X, y = X[:300], y[:300]
    straight, optimizer = model(), RMSprop(0.002)
    straight.fit(X, y, epochs=2, optimizer=optimizer, seed=0, fused=False)
    straight.fit(X, y, epochs=1, optimizer=optimizer, seed=1, fused=False)
    halted, first = model(), RMSprop(0.002)
    halted.fit(X, y, epochs=2, optimizer=first, seed=0, fused=False)
    halted.save(tmp_path / "run.npz", optimizer=first)
    resumed = Model.load(tmp_path / "run.npz")
    assert len(resumed.optimizer.state) == 4  # two Dense, BatchNorm's and LayerNorm's γ, β
    resumed.fit(X, y, epochs=1, optimizer=resumed.optimizer, seed=1, fused=False)
    for a, b in zip(straight.layers, resumed.layers, strict=True):
        for name in ("weights", "biases", "running_mean", "running_var"):
            if hasattr(a, name):
                np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
