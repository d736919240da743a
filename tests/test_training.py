"""Training for real: accuracies reached, reproducibility, optimizers, divergence,
work never lost (exceptions mid-fit, crashes mid-save), save and load."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from numeric import (
    SGD,
    Activation,
    Adam,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Dense,
    MeanSquaredError,
    Model,
    ReLU,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropy,
    data,
)
from numeric.model import ArchitectureMismatch, ModelFileError
from numeric.training import Diverged, TrainingStalled


def mlp(widths: list[int], activation: str = "relu", seed: int = 0, head: str = "softmax"):
    """Dense layers of ``widths`` with ``activation`` between them, then ``head``."""
    rng = np.random.default_rng(seed)
    layers: list = []
    for n_in, n_out in zip(widths[:-2], widths[1:-1], strict=True):
        layers += [Dense(n_in, n_out, rng=rng), Activation(activation)]
    layers.append(Dense(widths[-2], widths[-1], rng=rng))
    if head == "softmax":
        return Model([*layers, Softmax()], loss=CategoricalCrossEntropy())
    if head == "logits":
        return Model(layers, loss=SoftmaxCrossEntropy())
    if head == "sigmoid":
        return Model([*layers, Sigmoid()], loss=BinaryCrossEntropy())
    return Model(layers, loss=MeanSquaredError())


def weights(model: Model) -> list[np.ndarray]:
    return [a.copy() for layer in model.dense_layers for a in (layer.weights, layer.biases)]


def assert_same(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # Tiny matmuls: a second BLAS thread only spins, 10x slower on a busy 2-core machine.
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", seed=0)  # 1438 train, 359 test


# ----- accuracies reached (figures asserted) -----


def test_digits_adam_reaches_97_percent_held_out(digits):
    X, y, X_test, y_test = digits
    model = mlp([64, 128, 64, 10])
    history = model.fit(X, y, epochs=25, batch_size=32, optimizer=Adam(0.002), seed=0)
    accuracy = model.evaluate(X_test, y_test)["accuracy"]
    assert accuracy >= 0.97, accuracy  # measured 0.9861
    assert history["loss"][-1] < 0.05 * history["loss"][0]


def test_digits_momentum_sgd_with_decay_reaches_97_percent_held_out(digits):
    X, y, X_test, y_test = digits
    model = mlp([64, 128, 10])
    optimizer = SGD(0.05, momentum=0.9, decay=1e-3)
    model.fit(X, y, epochs=25, batch_size=32, optimizer=optimizer, seed=0)
    assert model.evaluate(X_test, y_test)["accuracy"] >= 0.97  # measured 0.9805 (seeds 0-2)
    assert optimizer.current_learning_rate == 0.05 / (1 + 1e-3 * (optimizer.iterations - 1))


def test_digits_from_logits_with_softmax_cross_entropy(digits):
    X, y, X_test, y_test = digits
    model = mlp([64, 64, 10], head="logits")
    model.fit(X, y, epochs=15, batch_size=32, optimizer=Adam(0.002), seed=0)
    probabilities = model.predict(X_test)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12)
    assert model.evaluate(X_test, y_test)["accuracy"] >= 0.96  # measured 0.9721


def test_three_class_spiral_reaches_90_percent_held_out():
    # The spiral's noise bounds any classifier near 0.91 (k-NN on 60,000 points: 0.909).
    X, y = data.spiral_data(2000, 3, seed=0)
    X_test, y_test = data.spiral_data(1000, 3, seed=1)
    model = mlp([2, 64, 64, 3])
    model.fit(X, y, epochs=40, batch_size=128, optimizer=Adam(0.01, decay=1e-3), seed=0)
    accuracy = model.evaluate(X_test, y_test)["accuracy"]
    assert accuracy >= 0.90, accuracy  # measured 0.913


def test_binary_spiral_with_sigmoid_and_binary_cross_entropy():
    X, y, X_test, y_test = data.split(*data.spiral_data(500, 2, seed=0), test_size=0.2)
    model = mlp([2, 64, 64, 1], head="sigmoid")
    model.fit(X, y, epochs=40, batch_size=32, optimizer=Adam(0.01), seed=0)
    scores = model.evaluate(X_test, y_test)
    assert model.predict(X_test).shape == (200, 1)
    assert scores["accuracy"] >= 0.95, scores  # measured 0.985


def test_sine_regression_with_mean_squared_error():
    X, y = data.sine_data(1000)
    model = mlp([1, 64, 64, 1], head="linear")
    history = model.fit(X, y, epochs=60, batch_size=32, optimizer=Adam(0.005), seed=0)
    assert set(history) == {"loss", "grad_norm"}  # no accuracy for a regression
    assert model.evaluate(X, y)["loss"] < 0.002  # measured 3e-4; var(y) = 0.5


# ----- history and reproducibility -----


def test_history_has_train_validation_and_gradient_norms(digits):
    X, y, X_test, y_test = digits
    model = mlp([64, 16, 16, 10])
    history = model.fit(X, y, epochs=3, batch_size=64, validation_data=(X_test, y_test), seed=0)
    assert model.history is history
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "grad_norm"}
    assert all(len(values) == 3 for values in history.values())
    assert np.array(history["grad_norm"]).shape == (3, 3)
    assert history["val_accuracy"][-1] == model.evaluate(X_test, y_test)["accuracy"]


def test_same_seed_gives_bit_identical_weights(digits):
    X, y, _, _ = digits
    runs = []
    for _ in range(2):
        model = mlp([64, 32, 10], seed=3)
        model.fit(X, y, epochs=2, batch_size=32, optimizer=Adam(0.01), seed=7)
        runs.append(weights(model))
    assert_same(*runs)
    other = mlp([64, 32, 10], seed=3)
    other.fit(X, y, epochs=2, batch_size=32, optimizer=Adam(0.01), seed=8)
    assert not np.array_equal(other.dense_layers[0].weights, runs[0][0])


def test_sigmoid_stack_shows_vanishing_gradients_relu_does_not(digits):
    X, y, _, _ = digits
    ratios = {}
    for activation in ("sigmoid", "relu"):
        model = mlp([64, 32, 32, 32, 32, 32, 10], activation)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TrainingStalled)
            history = model.fit(
                X[:512], y[:512], epochs=1, batch_size=32, optimizer=SGD(0.1), seed=0
            )
        first, *_, last = history["grad_norm"][0]
        ratios[activation] = first / last
        if activation == "sigmoid":  # its first layers learn nothing: fit says so
            assert [str(w.message)[:40] for w in caught] == [
                "training ended at chance accuracy: 0.099"
            ]
    assert ratios["sigmoid"] < 0.01 < 0.5 < ratios["relu"], ratios  # measured 0.0015, 1.3


def test_progress_bar_is_drawn_on_stderr(digits, capsys):
    X, y, _, _ = digits
    with pytest.warns(TrainingStalled):  # 2 epochs of 64 samples: 12.5 %, chance is 14 %
        mlp([64, 10]).fit(X[:64], y[:64], epochs=2, batch_size=32, verbose=True, seed=0)
    err = capsys.readouterr().err
    assert "2/2" in err and "loss=" in err and "acc=" in err


# ----- optimizers -----


def test_decay_anneals_the_rate_per_step():
    optimizer = SGD(learning_rate=0.5, decay=0.1)
    rates = []
    for _ in range(4):
        optimizer.pre_update_params()
        rates.append(optimizer.current_learning_rate)
        optimizer.post_update_params()
    np.testing.assert_allclose(rates, [0.5 / (1 + 0.1 * t) for t in range(4)], rtol=0, atol=0)


def test_sgd_momentum_and_adam_follow_their_update_rules():
    layer = Dense(3, 2, rng=0)
    grads = [np.random.default_rng(k).standard_normal((3, 2)) for k in range(3)]
    for optimizer in (SGD(0.1, momentum=0.9), Adam(0.01)):
        w = layer.weights.copy()
        expected, v, m, s = w.copy(), 0.0, 0.0, 0.0
        for t, g in enumerate(grads, start=1):
            layer.dweights, layer.dbiases = g, np.zeros((1, 2))
            optimizer.pre_update_params()
            optimizer.update_params(layer)
            optimizer.post_update_params()
            if isinstance(optimizer, SGD):
                v = 0.9 * v - 0.1 * g
                expected = expected + v
            else:
                m, s = 0.9 * m + 0.1 * g, 0.999 * s + 0.001 * g**2
                m_hat, s_hat = m / (1 - 0.9**t), s / (1 - 0.999**t)
                expected = expected - 0.01 * m_hat / (np.sqrt(s_hat) + 1e-7)
        np.testing.assert_allclose(layer.weights, expected, rtol=1e-12)


# ----- divergence and lost work -----


def test_divergence_stops_naming_the_epoch_and_keeps_the_last_good_weights(digits):
    X, y, _, _ = digits
    model = mlp([1, 16, 1], head="linear")
    X, y = data.sine_data(256)
    good = []
    with pytest.raises(Diverged, match=r"in epoch \d+ \(step \d+\).*lower learning rate"):
        model.fit(
            X * 1e3,
            y,
            epochs=50,
            batch_size=32,
            optimizer=SGD(1e3),
            seed=0,
            on_step=lambda epoch, step, loss: good.append(weights(model)),
        )
    after = weights(model)
    assert all(np.isfinite(a).all() for a in after)
    assert_same(after, good[-1])


def test_exception_in_a_callback_keeps_the_completed_step_and_epochs(digits):
    X, y, _, _ = digits
    model = mlp([64, 16, 10])
    seen = []

    def stop(epoch: int, step: int, loss: float) -> None:
        seen.append(weights(model))
        if epoch == 2 and step == 5:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        model.fit(X, y, epochs=5, batch_size=64, seed=0, on_step=stop)
    assert_same(weights(model), seen[-1])
    assert len(model.history["loss"]) == len(model.history["accuracy"]) == 1


@pytest.mark.parametrize("error", [KeyboardInterrupt, MemoryError])
def test_interrupt_inside_an_update_restores_the_last_completed_step(digits, error):
    X, y, _, _ = digits

    class Failing(SGD):
        def update_params(self, layer: Dense) -> None:
            super().update_params(layer)  # the first layer is already changed
            if self.iterations == 30 and layer is not model.dense_layers[0]:
                raise error()

    model = mlp([64, 16, 10])
    seen = []
    with pytest.raises(error):
        model.fit(
            X,
            y,
            epochs=3,
            batch_size=32,
            optimizer=Failing(0.1),
            seed=0,
            on_step=lambda *_: seen.append(weights(model)),
        )
    assert len(seen) == 30  # steps 1..30 completed, step 31 interrupted
    assert_same(weights(model), seen[-1])
    assert len(model.history["loss"]) == 0  # 45 steps per epoch: none completed


# ----- save and load -----


def test_save_load_gives_identical_predictions(digits, tmp_path):
    X, y, X_test, _ = digits
    model = mlp([64, 32, 10], head="logits")
    model.fit(X, y, epochs=2, optimizer=Adam(0.01), seed=0)
    model.save(tmp_path / "m.npz")
    loaded = Model.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    assert type(loaded.loss) is SoftmaxCrossEntropy
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]
    fresh = mlp([64, 32, 10], head="logits", seed=9).load_weights(tmp_path / "m.npz")
    np.testing.assert_array_equal(fresh.predict(X_test), model.predict(X_test))


def test_float32_model_round_trips(tmp_path):
    model = Model([Dense(3, 2, rng=0, dtype=np.float32), ReLU()])
    model.save(tmp_path / "m.npz")
    loaded = Model.load(tmp_path / "m.npz")
    assert loaded.dtype == np.float32 and loaded.loss is None
    assert_same(weights(loaded), weights(model))


def test_loading_another_architecture_raises_naming_the_file(tmp_path):
    mlp([64, 32, 10]).save(tmp_path / "m.npz")
    wider = r"m\.npz: .* layers Dense\(64, 32\) relu .* this model has Dense\(64, 16\) relu"
    with pytest.raises(ArchitectureMismatch, match=wider):
        mlp([64, 16, 10]).load_weights(tmp_path / "m.npz")
    other_loss = mlp([64, 32, 10])
    other_loss.loss = MeanSquaredError()
    with pytest.raises(
        ArchitectureMismatch, match=r"loss 'cross_entropy', .* 'mean_squared_error'"
    ):
        other_loss.load_weights(tmp_path / "m.npz")
    with pytest.raises(ArchitectureMismatch, match=r"dtype 'float64', .* 'float32'"):
        mlp([64, 32, 10]).astype(np.float32).load_weights(tmp_path / "m.npz")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "foreign npz", "missing weights"])
def test_a_damaged_file_raises_model_file_error_naming_it(tmp_path, damage):
    path = tmp_path / "m.npz"
    mlp([64, 32, 10]).save(path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a zip file at all")
    elif damage == "foreign npz":
        np.savez(path, a=np.ones(3))
    else:
        arrays = dict(np.load(path))
        del arrays["layer2.weights"]
        np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=r"m\.npz"):
        Model.load(path)
    with pytest.raises(ModelFileError, match=r"m\.npz"):
        mlp([64, 32, 10]).load_weights(path)


def test_a_crash_mid_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    old = mlp([64, 32, 10], seed=1)
    old.save(path)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        mlp([64, 32, 10], seed=2).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary left behind
    monkeypatch.undo()
    assert_same(weights(Model.load(path)), weights(old))
