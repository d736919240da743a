"""``Model.summary()`` / ``print(model)``: the exact text for small models, as Keras prints it."""

from __future__ import annotations

import doctest

import numpy as np

import numeric.summary
from numeric import (
    Activation,
    Dense,
    MeanSquaredError,
    Model,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
)

EXPECTED = """\
Model: "model"
_________________________________________________________________
 Layer (type)                Output Shape              Param #
=================================================================
 dense (Dense)               (None, 16)                80
 relu (Activation)           (None, 16)                0
 dense_1 (Dense)             (None, 16)                272
 leaky_relu (Activation)     (None, 16)                0
 dense_2 (Dense)             (None, 3)                 51
=================================================================
Total params: 403 (1.57 KB)
Trainable params: 403 (1.57 KB)
Non-trainable params: 0 (0.00 B)
Loss: SoftmaxCrossEntropy (softmax_cross_entropy)
Regularizers of layer 2: weight_regularizer_l2=0.0005, bias_regularizer_l1=0.001
_________________________________________________________________"""


def test_the_exact_text_of_a_small_model(capsys):
    model = Model(
        [
            Dense(4, 16),
            ReLU(),
            Dense(16, 16, weight_regularizer_l2=5e-4, bias_regularizer_l1=1e-3),
            Activation("leaky_relu", alpha=0.1),
            Dense(16, 3),
        ],
        loss=SoftmaxCrossEntropy(),
    ).astype(np.float32)  # 4 bytes a parameter: 403 * 4 = 1612 B = 1.57 KB
    assert str(model) == EXPECTED
    model.summary()
    assert capsys.readouterr().out == EXPECTED + "\n"
    lines = []
    model.summary(print_fn=lines.append)
    assert lines == [EXPECTED]


def test_counts_the_seeds_mnist_network_and_the_dtype_sets_the_bytes():
    model = Model([Dense(784, 128), ReLU(), Dense(128, 64), ReLU(), Dense(64, 10), Sigmoid()])
    text = str(model)
    assert "Total params: 109,386 (854.58 KB)" in text  # float64: 875,088 bytes
    assert " dense_2 (Dense)             (None, 10)                650" in text
    assert " sigmoid (Activation)        (None, 10)                0" in text
    assert "Loss: none set" in text
    model.loss = MeanSquaredError()
    assert "Loss: MeanSquaredError (mean_squared_error)" in str(model)


class RunningStats:
    """A normalisation-like layer: γ, β trainable, running statistics not (as Keras counts)."""

    def __init__(self, n: int) -> None:
        self.n_features = n
        self.weights, self.biases = np.ones((1, n)), np.zeros((1, n))
        self.running_mean, self.running_var = np.zeros((1, n)), np.ones((1, n))


def test_non_trainable_statistics_are_counted_apart():
    model = Model([Dense(3, 5), RunningStats(5), ReLU()])
    text = str(model)
    assert " runningstats (RunningStats)  (None, 5)" not in text  # the column is kept
    assert " runningstats (RunningStats) (None, 5)                 20" in text
    assert " relu (Activation)           (None, 5)                 0" in text
    assert "Total params: 40 (320.00 B)" in text
    assert "Trainable params: 30 (240.00 B)" in text
    assert "Non-trainable params: 10 (80.00 B)" in text


def test_the_modules_example_runs():
    failures, tried = doctest.testmod(numeric.summary, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0
