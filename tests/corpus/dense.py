"""Dense layers in the nnfs style: one correct, the others with one mistake each."""

import numpy as np


class DenseLayer:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class DenseLayerTransposedWeights(DenseLayer):
    def backward(self, dvalues):
        self.dweights = np.dot(dvalues.T, self.inputs)  # (neurons, inputs): transposed
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class DenseLayerBiasWrongAxis(DenseLayer):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)  # over neurons, not samples
        self.dinputs = np.dot(dvalues, self.weights.T)


class DenseLayerAveragedWeights(DenseLayer):
    def backward(self, dvalues):
        # the loss's gradient is already a batch mean: dividing again is one time too many
        self.dweights = np.dot(self.inputs.T, dvalues) / len(dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class DenseLayerNoInputGradient(DenseLayer):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)


class DenseLayerZeroBiasGradient(DenseLayer):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.zeros_like(self.biases)
        self.dinputs = np.dot(dvalues, self.weights.T)


class DenseLayerNoBiasGradient(DenseLayer):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dinputs = np.dot(dvalues, self.weights.T)


class DenseLayerBackwardCrashes(DenseLayer):
    def backward(self, dvalues):
        self.dinputs = np.dot(dvalues, self.weights)  # shapes do not align


class DenseLayerForwardCrashes(DenseLayer):
    def forward(self, inputs):
        self.output = np.dot(inputs, self.weights.T) + self.biases
