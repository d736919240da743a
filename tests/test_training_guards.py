"""Training never fails silently: every input checked before the first step, under its
own name; losses fed the wrong kind of prediction refuse; optimizers refuse impossible
hyperparameters when made; a run that learnt nothing ends with a TrainingStalled warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from numeric import (
    SGD,
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
from numeric.training import Diverged, TrainingStalled


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", seed=0)


def classifier(head: bool = True, inputs: int = 64, classes: int = 10) -> Model:
    layers = [Dense(inputs, 32, rng=0), ReLU(), Dense(32, classes, rng=1)]
    return Model([*layers, Softmax()] if head else layers, loss=CategoricalCrossEntropy())


def refused_before_any_step(model: Model, error: type, message: str, *args, **kwargs) -> str:
    """``fit`` raises ``error`` matching ``message``; no step ran, no weight moved."""
    before = [layer.weights.copy() for layer in model.dense_layers]
    steps = []
    with pytest.raises(error, match=message) as raised:
        model.fit(
            *args, epochs=2, batch_size=8, seed=0, on_step=lambda *a: steps.append(a), **kwargs
        )
    assert steps == []
    for layer, weights in zip(model.dense_layers, before, strict=True):
        np.testing.assert_array_equal(layer.weights, weights)
    return str(raised.value)


def stalled(model: Model, *args, **kwargs) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TrainingStalled)
        model.fit(*args, **kwargs)
    return [str(w.message) for w in caught if w.category is TrainingStalled]


# ----- categorical cross-entropy fed something other than probabilities -----


def test_cross_entropy_without_a_final_softmax_is_refused_before_training(digits):
    # Was: loss 1e-7 (every output clipped to 1 - 1e-7) at 10 % accuracy, no word said.
    X, y, _, _ = digits
    message = refused_before_any_step(
        classifier(head=False), ValueError, "needs probabilities", X, y
    )
    assert message == (
        "CategoricalCrossEntropy needs probabilities, but the model ends in Dense(32, 10), whose "
        "outputs are not: add Softmax() as the last layer, or use SoftmaxCrossEntropy() on the "
        "logits"
    )
    with warnings.catch_warnings():  # one short epoch: whether it beats chance is not the point
        warnings.simplefilter("ignore", TrainingStalled)
        classifier(head=True).fit(X[:64], y[:64], epochs=1, optimizer=Adam(0.01), seed=0)
        logits = Model(classifier(head=False).layers, loss=SoftmaxCrossEntropy())
        logits.fit(X[:64], y[:64], epochs=1, optimizer=Adam(0.01), seed=0)  # takes logits


def test_the_losses_of_probabilities_refuse_other_values_when_called_directly():
    logits = np.array([[2.0, -1.5, 0.3], [0.1, 3.0, -0.2]])
    with pytest.raises(ValueError) as error:
        CategoricalCrossEntropy().calculate(logits, np.array([0, 1]))
    assert str(error.value) == (
        "CategoricalCrossEntropy() needs probabilities in [0, 1], got values from -1.5 to 3: "
        "add Softmax() as the last layer, or use SoftmaxCrossEntropy() on the logits"
    )
    with pytest.raises(ValueError, match=r"from -0\.5 to 1\.5: add Sigmoid\(\) as the last layer"):
        BinaryCrossEntropy().backward(np.array([[1.5], [-0.5]]), np.array([1, 0]))
    probabilities = np.array([[0.2, 0.5, 0.3], [0.0, 1.0, 0.0]])
    assert CategoricalCrossEntropy().calculate(probabilities, np.array([1, 1])) > 0
    assert MeanSquaredError().calculate(logits, np.zeros((2, 3))) > 0  # any real value


# ----- every input checked before the first step, under its own name -----


@pytest.mark.parametrize(
    "validation, error, message",
    [
        ("nan", ValueError, r"^validation_data X row 3 is not finite"),
        ("width", ValueError, r"^validation_data X must have 64 features per sample"),
        ("dtype", TypeError, r"^the model holds float64 weights but validation_data X is float32"),
        (
            "label",
            ValueError,
            r"^validation_data y: labels must lie in \[0, 10\), got 12 at index 4",
        ),
        ("count", ValueError, r"^validation_data X has 10 samples but validation_data y has"),
        ("empty", ValueError, r"^validation_data X has no samples"),
        ("triple", TypeError, r"^validation_data must be a pair \(X, y\), got a tuple of 3"),
        ("strings", TypeError, r"^validation_data y must be class indices or float targets"),
    ],
)
def test_validation_data_is_checked_before_the_first_step_under_its_own_name(
    digits, validation, error, message
):
    # Was: checked only after the first epoch had trained, called "X", NaN accepted.
    X, y, X_val, y_val = digits
    X_val, y_val = X_val[:10].copy(), y_val[:10].copy()
    bad = {
        "nan": lambda: (np.where(np.arange(10)[:, None] == 3, np.nan, X_val), y_val),
        "width": lambda: (X_val[:, :60], y_val),
        "dtype": lambda: (X_val.astype(np.float32), y_val),
        "label": lambda: (X_val, np.where(np.arange(10) == 4, 12, y_val)),
        "count": lambda: (X_val, y_val[:9]),
        "empty": lambda: (X_val[:0], y_val[:0]),
        "triple": lambda: (X_val, y_val, None),
        "strings": lambda: (X_val, y_val.astype(str)),
    }[validation]()
    refused_before_any_step(classifier(), error, message, X, y, validation_data=bad)


def test_nan_in_y_and_too_few_labels_are_named_as_y(digits):
    X, y, _, _ = digits
    targets = np.eye(10)[y]
    targets[5, 2] = np.nan
    refused_before_any_step(classifier(), ValueError, r"^y row 5 is not finite", X, targets)
    refused_before_any_step(classifier(), ValueError, r"^X has 1438 samples but y has", X, y[:-1])


def test_fit_on_zero_samples_is_refused(digits):
    # Was: ZeroDivisionError.
    X, y, _, _ = digits
    refused_before_any_step(classifier(), ValueError, r"^X has no samples", X[:0], y[:0])
    with pytest.raises(ValueError, match=r"^X has no samples: there is nothing to evaluate"):
        classifier().evaluate(X[:0], y[:0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 2.5}, r"epochs must be an integer >= 0, got 2.5"),
        ({"epochs": -1}, r"epochs must be an integer >= 0, got -1"),
        ({"batch_size": 0}, r"batch_size must be an integer >= 1, got 0"),
        ({"batch_size": True}, r"batch_size must be an integer >= 1, got True"),
    ],
)
def test_epochs_and_batch_size_must_be_counts(digits, kwargs, message):
    X, y, _, _ = digits
    with pytest.raises(ValueError, match=message):
        classifier().fit(X, y, **{"epochs": 1, **kwargs})


def test_boolean_labels_train_as_0_and_1(digits):
    # Was: IndexError (a boolean array indexes as a mask).
    X, y, _, _ = digits
    even = y % 2 == 0
    runs = []
    for labels in (even, even.astype(np.int64)):
        model = Model([Dense(64, 8, rng=0), ReLU(), Dense(8, 2, rng=1), Softmax()])
        model.loss = CategoricalCrossEntropy()
        runs.append(model.fit(X, labels, epochs=2, optimizer=Adam(0.01), seed=0))
        assert model.evaluate(X, labels)["accuracy"] > 0.9
    assert runs[0]["loss"] == runs[1]["loss"] and runs[0]["accuracy"] == runs[1]["accuracy"]
    binary = Model([Dense(64, 8, rng=0), ReLU(), Dense(8, 1, rng=1), Sigmoid()])
    binary.loss = BinaryCrossEntropy()
    binary.fit(X, even, epochs=2, optimizer=Adam(0.01), seed=0)
    assert binary.evaluate(X, even)["accuracy"] > 0.9


@pytest.mark.parametrize(
    "labels, shown",
    [
        (lambda y: np.where(np.arange(len(y)) == 7, 2, y % 2), r"got \[2\] at row 7"),
        (
            lambda y: np.where(np.arange(len(y)) == 3, 0.5, (y % 2).astype(float)),
            r"got \[0\.5\] at row 3",
        ),
        (lambda y: np.where(np.arange(len(y)) == 0, -1, y % 2), r"got \[-1\] at row 0"),
    ],
)
def test_binary_cross_entropy_labels_must_be_0_or_1(digits, labels, shown):
    # Was: a label of 2 was accepted (and trained towards a probability of 2).
    X, y, _, _ = digits
    model = Model([Dense(64, 8, rng=0), ReLU(), Dense(8, 1, rng=1), Sigmoid()])
    model.loss = BinaryCrossEntropy()
    message = r"^y: binary cross-entropy labels must be 0 or 1, " + shown
    refused_before_any_step(model, ValueError, message, X, labels(y))
    with pytest.raises(ValueError, match=r"binary cross-entropy labels must be 0 or 1"):
        BinaryCrossEntropy().calculate(np.full((2, 1), 0.5), np.array([0, 2]))


# ----- optimizers: hyperparameters checked when made -----


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: SGD(float("nan")), "SGD: learning_rate must be > 0 and finite, got nan"),
        (lambda: SGD(1e400), "SGD: learning_rate must be > 0 and finite, got inf"),
        (lambda: SGD(0.0), "SGD: learning_rate must be > 0 and finite, got 0.0"),
        (lambda: SGD("0.1"), "SGD: learning_rate must be > 0 and finite, got '0.1'"),
        (lambda: SGD(0.1, momentum=10), "SGD: momentum must be in [0, 1), got 10"),
        (lambda: SGD(0.1, momentum=-0.1), "SGD: momentum must be in [0, 1), got -0.1"),
        (lambda: SGD(0.1, decay=float("nan")), "SGD: decay must be >= 0 and finite, got nan"),
        (lambda: Adam(beta_1=1), "Adam: beta_1 must be in [0, 1), got 1"),
        (lambda: Adam(beta_2=1.5), "Adam: beta_2 must be in [0, 1), got 1.5"),
        (lambda: Adam(epsilon=0), "Adam: epsilon must be > 0 and finite, got 0"),
        (lambda: Adam(learning_rate=True), "Adam: learning_rate must be > 0 and finite, got True"),
    ],
)
def test_impossible_hyperparameters_are_refused_when_the_optimizer_is_made(make, message):
    with pytest.raises(ValueError) as error:
        make()
    assert str(error.value) == message


def test_usual_hyperparameters_are_accepted():
    assert repr(SGD(0.5, decay=1e-3, momentum=0.9)) == (
        "SGD(learning_rate=0.5, decay=0.001, momentum=0.9)"
    )
    assert Adam(0.002, beta_1=0.0, beta_2=0.999, epsilon=1e-8).beta_1 == 0.0
    assert SGD(np.float32(0.1)).learning_rate == pytest.approx(0.1)


# ----- a run that learnt nothing says so -----


@pytest.mark.parametrize("rate, shown", [(10, "10.0"), (1e6, "1000000.0")])
def test_a_learning_rate_that_kills_every_relu_ends_with_a_warning(digits, rate, shown):
    # Was: `train --lr 10`, or SGD with lr 1e6, ended at chance accuracy with no word.
    X, y, _, _ = digits
    messages = stalled(classifier(), X, y, epochs=3, optimizer=SGD(rate), seed=0)
    assert len(messages) == 1
    assert messages[0].startswith("training ended at chance accuracy: 0.")
    expected = f"the most frequent class (0.1043); the learning rate ({shown}) may be too high"
    assert expected in messages[0]
    accuracy = float(messages[0].split(": ")[1].split()[0])
    assert accuracy < 0.1043 + 0.025, accuracy


def test_a_loss_that_does_not_move_ends_with_a_warning():
    X, y = data.sine_data(256)
    model = Model([Dense(1, 16, rng=0), ReLU(), Dense(16, 1, rng=1)], loss=MeanSquaredError())
    messages = stalled(model, X, y, epochs=3, optimizer=SGD(1e-9), seed=0)
    assert len(messages) == 1 and messages[0].startswith("the loss has not moved: ")
    assert "after 3 epochs" in messages[0] and "learning rate (1e-09) may be too low" in messages[0]


def test_a_run_that_learns_gives_no_warning(digits):
    X, y, _, _ = digits
    assert stalled(classifier(), X, y, epochs=3, optimizer=Adam(0.002), seed=0) == []
    X, y = data.sine_data(256)
    model = Model([Dense(1, 16, rng=0), ReLU(), Dense(16, 1, rng=1)], loss=MeanSquaredError())
    assert stalled(model, X, y, epochs=3, optimizer=Adam(0.01), seed=0) == []


@pytest.mark.parametrize("fused", [False, None])
def test_a_loss_that_overflows_to_inf_stops_at_that_step_naming_inf(fused):
    # Squared errors of 1e200 overflow float64 to inf, not NaN: the check must be
    # isfinite, or the step is applied and the weights go bad before anyone says so.
    model = Model([Dense(1, 1, rng=0)], loss=MeanSquaredError())
    before = model.dense_layers[0].weights.copy()
    X, y = np.full((4, 1), 1e200), np.zeros((4, 1))
    with pytest.raises(Diverged, match=r"^the loss became inf in epoch 1 \(step 1\)"):
        model.fit(X, y, epochs=1, batch_size=4, optimizer=SGD(0.1), seed=0, fused=fused)
    np.testing.assert_array_equal(model.dense_layers[0].weights, before)
