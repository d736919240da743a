"""Layers the op table does not know, checked by finite differences alone."""

import numpy as np


class Squash:
    """x / (1 + |x|): smooth, and no op of the table."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs / (1 + np.abs(inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues / (1 + np.abs(self.inputs)) ** 2


class SquashBroken(Squash):
    def backward(self, dvalues):
        self.dinputs = dvalues / (1 + np.abs(self.inputs))  # the square is missing


class MyActivation:
    """A sigmoid under a name that says nothing: recognised by its forward."""

    def forward(self, inputs):
        self.output = 0.5 * (1 + np.tanh(inputs / 2))

    def backward(self, dvalues):
        self.dinputs = dvalues * self.output * (1 - self.output)


class SquashedDense:
    """squash(x W + b): output column k uses column k of W only, so blocks apply."""

    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.05 * np.random.randn(n_inputs, n_neurons)
        self.biases = 0.1 * np.random.randn(1, n_neurons)

    def forward(self, inputs):
        self.inputs = inputs
        self.z = np.dot(inputs, self.weights) + self.biases
        self.output = self.z / (1 + np.abs(self.z))

    def backward(self, dvalues):
        dz = dvalues / (1 + np.abs(self.z)) ** 2
        self.dweights = np.dot(self.inputs.T, dz)
        self.dbiases = np.sum(dz, axis=0, keepdims=True)
        self.dinputs = np.dot(dz, self.weights.T)


class SymmetricMix:
    """x (W + W^T): every output column uses a row and a column of W, so no blocking."""

    def __init__(self, n):
        self.weights = np.random.randn(n, n) / n

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights + self.weights.T)

    def backward(self, dvalues):
        half = np.dot(self.inputs.T, dvalues)
        self.dweights = half + half.T
        self.dinputs = np.dot(dvalues, self.weights + self.weights.T)


class SymmetricMixBroken(SymmetricMix):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)  # forgets the W^T half
        self.dinputs = np.dot(dvalues, self.weights + self.weights.T)
