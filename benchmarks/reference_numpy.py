"""The reference: a training step hand-written in NumPy, in the seed README's style.

Kept in benchmarks/ only: it is what the generated kernels are measured against,
never used by the package. It is the *efficient* seed-style step, so that every
variant does the same 8 matmuls: the first layer computes no gradient w.r.t. its
inputs (a ninth matmul as large as the biggest forward one), and the ReLU masks
the incoming gradient in place instead of masking a copy.
"""

from __future__ import annotations

import numpy as np


class DenseLayer:
    def __init__(self, n_inputs, n_neurons, rng, dtype):
        self.weights = (rng.standard_normal((n_inputs, n_neurons)) * 0.01).astype(dtype)
        self.biases = np.zeros((1, n_neurons), dtype=dtype)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases
        return self.output

    def backward(self, dvalues, inputs_gradient=True):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T) if inputs_gradient else None
        return self.dinputs


class ActivationReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)
        return self.output

    def backward(self, dvalues):
        dvalues[self.inputs <= 0] = 0  # in place: dvalues is this step's own array
        self.dinputs = dvalues
        return self.dinputs


class SoftmaxCrossEntropy:
    """The nnfs book's combined softmax + categorical cross-entropy."""

    def forward(self, inputs, y_true):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(inputs)), y_true]))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples
        return self.dinputs


class SeedNetwork:
    """784 -> 128 -> ReLU -> 64 -> ReLU -> 10 -> softmax + cross-entropy, SGD."""

    def __init__(self, sizes, rng, dtype, learning_rate=0.01):
        self.dense = [DenseLayer(a, b, rng, dtype) for a, b in zip(sizes, sizes[1:], strict=False)]
        self.relus = [ActivationReLU() for _ in sizes[1:-1]]
        self.loss = SoftmaxCrossEntropy()
        self.learning_rate = learning_rate

    def step(self, X, y):
        out = X
        for dense, relu in zip(self.dense, self.relus + [None], strict=False):
            out = dense.forward(out)
            if relu is not None:
                out = relu.forward(out)
        loss = self.loss.forward(out, y)
        grad = self.loss.backward(self.loss.output, y)
        pairs = list(zip(self.dense, [None] + self.relus, strict=True))
        for k, (dense, relu) in reversed(list(enumerate(pairs))):
            grad = dense.backward(grad, inputs_gradient=k > 0)
            if relu is not None:
                grad = relu.backward(grad)
        for dense in self.dense:
            dense.weights -= self.learning_rate * dense.dweights
            dense.biases -= self.learning_rate * dense.dbiases
        return loss
