"""L1 / L2 regularisers of ``Dense`` (the nnfs book's chapter 14): the gradient of
data loss + penalty against central finite differences and HIPS autograd, the penalty's
value against the book's formula, sign(0) = 0 for L1, ``regularization_loss`` in fit's
history, the checker's verdict on a regularised Dense, and save / load."""

from __future__ import annotations

import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from numeric import CategoricalCrossEntropy, Dense, Model, ReLU, Softmax, check_gradients, data
from numeric.model import ModelFileError
from numeric.training import TrainingStalled
from tests.tolerances import ATOL, FD_RTOL, FD_STEP, RTOL

STRENGTHS = {  # every keyword at once, each a different size so a mix-up shows
    "weight_regularizer_l1": 3e-3,
    "weight_regularizer_l2": 5e-4,
    "bias_regularizer_l1": 2e-3,
    "bias_regularizer_l2": 7e-4,
}


def regularised_model(**strengths: float) -> Model:
    rng = np.random.default_rng(0)
    return Model(
        [Dense(6, 5, rng=rng, **strengths), ReLU(), Dense(5, 3, rng=rng, **strengths), Softmax()],
        loss=CategoricalCrossEntropy(),
    )


def batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 2.0, (8, 6)), rng.integers(0, 3, 8)


def objective(model: Model, X: np.ndarray, y: np.ndarray) -> float:
    """What fit minimises: the mean data loss plus every layer's penalty (numeric)."""
    return model.loss.calculate(model.forward(X), y) + model.regularization_loss()


def autograd_objective(params: list, X: np.ndarray, y: np.ndarray, lam: dict) -> float:
    """The same objective written from the definitions in autograd.numpy: no kernel used."""
    (w1, b1), (w2, b2) = params
    hidden = anp.maximum(0.0, X @ w1 + b1)
    z = hidden @ w2 + b2
    p = anp.exp(z - anp.max(z, axis=1, keepdims=True))
    p = p / anp.sum(p, axis=1, keepdims=True)
    loss = -anp.mean(anp.log(anp.clip(p[anp.arange(len(y)), y], 1e-7, 1 - 1e-7)))
    for w, b in params:
        loss = loss + lam["weight_regularizer_l1"] * anp.sum(anp.abs(w))
        loss = loss + lam["weight_regularizer_l2"] * anp.sum(w * w)
        loss = loss + lam["bias_regularizer_l1"] * anp.sum(anp.abs(b))
        loss = loss + lam["bias_regularizer_l2"] * anp.sum(b * b)
    return loss


def backward(model: Model, X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    model.backward(model.forward(X), y)
    return [g for layer in model.dense_layers for g in (layer.dweights, layer.dbiases)]


def test_gradient_of_data_loss_plus_penalty_against_finite_differences_and_autograd():
    model = regularised_model(**STRENGTHS)
    for layer in model.dense_layers:  # biases away from 0, where |b| has its kink
        layer.biases[:] = np.linspace(-0.5, 0.6, layer.n_neurons)
    X, y = batch()
    grads = backward(model, X, y)
    arrays = [a for layer in model.dense_layers for a in (layer.weights, layer.biases)]
    params = [(layer.weights.copy(), layer.biases.copy()) for layer in model.dense_layers]
    truth = autograd.grad(autograd_objective)(params, X, y, STRENGTHS)
    for k, (array, grad) in enumerate(zip(arrays, grads, strict=True)):
        np.testing.assert_allclose(
            grad, truth[k // 2][k % 2], rtol=RTOL[np.float64], atol=ATOL[np.float64]
        )
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + FD_STEP
            up = objective(model, X, y)
            array[index] = saved - FD_STEP
            down = objective(model, X, y)
            array[index] = saved
            numeric[index] = (up - down) / (2 * FD_STEP)
        scale = np.max(np.abs(numeric))
        assert np.max(np.abs(grad - numeric)) <= FD_RTOL * scale + 1e-8, k
    # The penalties moved the gradients: without them the same batch gives others.
    plain = backward(regularised_model(), X, y)
    assert not np.allclose(plain[0], grads[0])


def test_penalty_value_is_the_nnfs_books_regularization_loss():
    model = regularised_model(**STRENGTHS)
    expected = 0.0
    for layer in model.dense_layers:
        layer.biases[:] = np.linspace(-1, 1, layer.n_neurons)
        w, b = layer.weights, layer.biases
        # the book's Loss.regularization_loss, written out
        expected += STRENGTHS["weight_regularizer_l1"] * np.sum(np.abs(w))
        expected += STRENGTHS["weight_regularizer_l2"] * np.sum(w * w)
        expected += STRENGTHS["bias_regularizer_l1"] * np.sum(np.abs(b))
        expected += STRENGTHS["bias_regularizer_l2"] * np.sum(b * b)
    assert model.regularization_loss() == pytest.approx(expected, rel=1e-14)
    assert regularised_model().regularization_loss() == 0.0


def test_l1_gradient_at_zero_is_zero_and_l2_is_twice_lambda_w():
    layer = Dense(2, 3, rng=0, bias_regularizer_l1=0.5, weight_regularizer_l2=0.25)
    layer.biases[:] = [[-2.0, 0.0, 3.0]]
    layer.forward(np.ones((1, 2)))
    layer.backward(np.zeros((1, 3)))  # no data gradient: only the penalties remain
    assert layer.dbiases.tolist() == [[-0.5, 0.0, 0.5]]  # sign(0) = 0, as the op entry states
    np.testing.assert_array_equal(layer.dweights, 2 * 0.25 * layer.weights)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_dtype_is_kept(dtype):
    layer = Dense(3, 2, rng=0, dtype=dtype, weight_regularizer_l1=1e-3, bias_regularizer_l2=1e-3)
    layer.forward(np.ones((4, 3), dtype=dtype))
    layer.backward(np.ones((4, 2), dtype=dtype))
    assert layer.dweights.dtype == dtype and layer.dbiases.dtype == dtype


@pytest.mark.parametrize("bad", [-1e-3, float("nan"), float("inf"), "0.1", True, None])
def test_a_bad_strength_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="weight_regularizer_l2 must be a number >= 0"):
        Dense(3, 2, weight_regularizer_l2=bad)


def test_fit_reports_data_loss_plus_regularization_loss():
    X, y, _, _ = data.load("digits")
    rng = np.random.default_rng(0)
    model = Model(
        [Dense(64, 32, rng=rng, weight_regularizer_l2=5e-4), ReLU(), Dense(32, 10, rng=rng)]
        + [Softmax()],
        loss=CategoricalCrossEntropy(),
    )
    history = model.fit(X, y, epochs=2, batch_size=64, seed=0, validation_data=(X, y))
    assert history["regularization_loss"][-1] > 0
    for total, part, penalty in zip(
        history["loss"], history["data_loss"], history["regularization_loss"], strict=True
    ):
        assert total == pytest.approx(part + penalty, rel=1e-12)
    # val_loss is the data loss (the book's validation): below the training total here
    assert history["val_loss"][-1] < history["loss"][-1]
    with warnings.catch_warnings():  # 8 samples, one epoch: it learns nothing, and says so
        warnings.simplefilter("ignore", TrainingStalled)
        assert "regularization_loss" not in regularised_model().fit(*batch(), epochs=1)


def test_fused_step_is_refused_for_a_regularised_model():
    X, y = batch()
    with pytest.raises(ValueError, match="no L1/L2 penalties"):
        regularised_model(**STRENGTHS).fit(X, y, epochs=1, fused=True)


def test_the_checker_judges_a_regularised_dense_right():
    for strengths, status in (
        ({"weight_regularizer_l2": 5e-4}, "ok+L2"),
        ({"weight_regularizer_l1": 5e-4}, "ok+L1"),
        (STRENGTHS, "ok+L1+L2"),
    ):
        layer = Dense(4, 8, rng=1, **strengths)
        layer.biases[:] = np.linspace(-1, 1, 8)
        report = check_gradients(layer, (5, 4))
        assert report, report
        assert report["dweights"].status == status
        assert report["dinputs"].status == "ok"
    # and a wrong penalty gradient is still WRONG: L2's 2 forgotten (lambda w, not 2 lambda w)

    class HalfL2(Dense):
        def backward(self, dvalues, inputs_gradient=True):
            out = super().backward(dvalues, inputs_gradient)
            self.dweights = self.dweights - self.weight_regularizer_l2 * self.weights
            self.dweights = self.dweights + 0.3 * np.sign(self.weights) * (self.weights > 0)
            return out

    report = check_gradients(HalfL2(4, 8, rng=1, weight_regularizer_l2=5e-4), (5, 4))
    assert not report and report.wrong == ["dweights"]


def test_save_and_load_keep_the_regularisers(tmp_path):
    model = regularised_model(**STRENGTHS)
    model.save(tmp_path / "m.npz")
    again = Model.load(tmp_path / "m.npz")
    for before, after in zip(model.dense_layers, again.dense_layers, strict=True):
        assert after.regularizers == before.regularizers == STRENGTHS
    assert again.regularization_loss() == model.regularization_loss()
    with pytest.raises(ModelFileError, match=r"Dense\(6, 5, weight_regularizer_l1=0.003, "):
        regularised_model().load_weights(tmp_path / "m.npz")


class BookLayerDense:
    """The nnfs book's chapter-14 Layer_Dense, as printed: all four regularisers, biases
    initialised to 0, and its L1 subgradient +1 at 0 (``dL1[w < 0] = -1``)."""

    def __init__(self, n_inputs, n_neurons, l1=0.0, l2=0.0):
        self.weights = 0.01 * np.random.default_rng(3).standard_normal((n_inputs, n_neurons))
        self.biases = np.zeros((1, n_neurons))
        self.weight_regularizer_l1 = self.bias_regularizer_l1 = l1
        self.weight_regularizer_l2 = self.bias_regularizer_l2 = l2

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        for name, prefix in (("weights", "weight"), ("biases", "bias")):
            value, grad = getattr(self, name), getattr(self, "d" + name)
            l1 = getattr(self, f"{prefix}_regularizer_l1")
            l2 = getattr(self, f"{prefix}_regularizer_l2")
            if l1 > 0:
                dL1 = np.ones_like(value)  # noqa: N806 - the book's name
                dL1[value < 0] = -1
                grad += l1 * dL1
            if l2 > 0:
                grad += 2 * l2 * value
        self.dinputs = np.dot(dvalues, self.weights.T)


def test_the_checker_names_the_books_l1_convention_at_zero_biases():
    report = check_gradients(BookLayerDense(4, 8, l1=5e-4, l2=5e-4), (5, 4))
    assert report, report
    assert report["dweights"].status == "ok+L1+L2"
    assert report["dbiases"].status == "ok+L1"  # all biases 0: only L1's +lambda shows
    assert "the nnfs book's dL1[w < 0] = -1" in report.conventions["dbiases"]
    assert "lambda = 0.0005" in report.conventions["dbiases"]
    # the package's own Dense takes sign(0) = 0: at zero biases its L1 adds nothing
    layer = Dense(4, 8, rng=3, bias_regularizer_l1=5e-4)
    assert check_gradients(layer, (5, 4))["dbiases"].status == "ok"
