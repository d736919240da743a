"""Near misses in the nnfs style: right gradients, and the same scaled by (1 + delta).

Every wrong gradient elsewhere in the corpus is more than 10 % off; these are 1 %,
0.1 % or 1e-4 off (``delta``), or right but computed in another order than the book
(``reordered``), which differs only by rounding. ``tests/test_near_misses.py`` says
what the checker must make of each.
"""

import numpy as np

SHAPE = (6, 4)  # batch, inputs


class Dense:
    """The nnfs dense layer; ``off`` scales one gradient by (1 + delta); ``reordered``
    computes every gradient right but in another order than the book (sums of outer
    products, a transposed product, a reversed sum), which differs only by rounding."""

    def __init__(self, dtype, off=None, delta=0.0, reordered=False):
        rng = np.random.default_rng(3)
        self.weights = rng.standard_normal((SHAPE[1], 3)).astype(dtype)
        self.biases = rng.standard_normal((1, 3)).astype(dtype)
        self.off, self.delta, self.reordered = off, delta, reordered

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        if self.reordered:
            self.dweights = np.einsum("bi,bj->ij", self.inputs, dvalues)
            self.dbiases = np.add.reduce(dvalues[::-1], axis=0, keepdims=True)
            self.dinputs = np.dot(self.weights, dvalues.T).T
        else:
            self.dweights = np.dot(self.inputs.T, dvalues)
            self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
            self.dinputs = np.dot(dvalues, self.weights.T)
        if self.off:
            scaled = getattr(self, self.off) * (1 + self.delta)
            setattr(self, self.off, scaled.astype(dvalues.dtype))


class Cube:
    """y = x**3, an op the table does not have: only finite differences can judge it."""

    def __init__(self, delta=0.0, reordered=False):
        self.delta, self.reordered = delta, reordered

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs**3

    def backward(self, dvalues):
        x = self.inputs
        derivative = (x * x + x * x + x * x) if self.reordered else 3 * x**2
        self.dinputs = (dvalues * derivative * (1 + self.delta)).astype(dvalues.dtype)


class Loss_MeanSquaredError:
    """nnfs's MSE loss (per-sample values), its gradient scaled by (1 + delta)."""

    def __init__(self, delta=0.0):
        self.delta = delta

    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples, outputs = dvalues.shape
        gradient = -2 * (y_true - dvalues) / outputs / samples
        self.dinputs = (gradient * (1 + self.delta)).astype(dvalues.dtype)
