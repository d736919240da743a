"""nnfs-book style normalisation and dropout layers, right and wrong (issue 15).

The book's layer protocol (``forward(inputs, training)`` sets ``.output``,
``backward(dvalues)`` sets ``.dinputs`` and the parameter gradients), extended the way
learners extend it: ``gamma`` / ``beta`` with ``dgamma`` / ``dbeta``. BatchNorm's
backward in the closed form of cs231n's ``batchnorm_backward_alt``
(``dx = (N dxhat - sum dxhat - xhat sum(dxhat xhat)) / (N std)``), after Kratzert's
staged graph; the wrong versions are the mistakes those derivations warn about.
"""

import numpy as np


class Layer_BatchNorm:
    """Correct: each feature normalised over the batch; running averages kept."""

    def __init__(self, n_features, momentum=0.9, epsilon=1e-5):
        self.gamma = np.ones(n_features)
        self.beta = np.zeros(n_features)
        self.momentum, self.epsilon = momentum, epsilon
        self.running_mean = np.zeros(n_features)
        self.running_var = np.ones(n_features)

    def forward(self, inputs, training):
        self.inputs = inputs
        if not training:
            xhat = (inputs - self.running_mean) / np.sqrt(self.running_var + self.epsilon)
            self.output = self.gamma * xhat + self.beta
            return
        mean, var = inputs.mean(axis=0), inputs.var(axis=0)
        self.std = np.sqrt(var + self.epsilon)
        self.xhat = (inputs - mean) / self.std
        self.output = self.gamma * self.xhat + self.beta
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mean
        self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var

    def backward(self, dvalues):
        n = dvalues.shape[0]
        self.dgamma = np.sum(dvalues * self.xhat, axis=0)
        self.dbeta = np.sum(dvalues, axis=0)
        dxhat = dvalues * self.gamma
        self.dinputs = (
            n * dxhat - dxhat.sum(axis=0) - self.xhat * np.sum(dxhat * self.xhat, axis=0)
        ) / (n * self.std)


class Layer_BatchNorm_NoMeanPath(Layer_BatchNorm):
    """Wrong: the path through the batch mean is dropped (no ``- sum dxhat`` term), as if
    the mean were a constant; the variance's path is kept. dgamma and dbeta are right."""

    def backward(self, dvalues):
        n = dvalues.shape[0]
        self.dgamma = np.sum(dvalues * self.xhat, axis=0)
        self.dbeta = np.sum(dvalues, axis=0)
        dxhat = dvalues * self.gamma
        self.dinputs = (n * dxhat - self.xhat * np.sum(dxhat * self.xhat, axis=0)) / (n * self.std)


class Layer_LayerNorm:
    """Correct: each sample normalised over its features (no running statistics)."""

    def __init__(self, n_features, epsilon=1e-5):
        self.gamma = np.ones(n_features)
        self.beta = np.zeros(n_features)
        self.epsilon = epsilon

    def forward(self, inputs, training=True):
        self.inputs = inputs
        mean = inputs.mean(axis=1, keepdims=True)
        self.std = np.sqrt(inputs.var(axis=1, keepdims=True) + self.epsilon)
        self.xhat = (inputs - mean) / self.std
        self.output = self.gamma * self.xhat + self.beta

    def backward(self, dvalues):
        d = dvalues.shape[1]
        self.dgamma = np.sum(dvalues * self.xhat, axis=0)
        self.dbeta = np.sum(dvalues, axis=0)
        dxhat = dvalues * self.gamma
        self.dinputs = (
            d * dxhat
            - dxhat.sum(axis=1, keepdims=True)
            - self.xhat * np.sum(dxhat * self.xhat, axis=1, keepdims=True)
        ) / (d * self.std)


class Layer_LayerNorm_BatchAxis(Layer_LayerNorm):
    """Wrong: BatchNorm's backward pasted in: the sums run over the batch (axis 0) and N is
    the batch size, where the forward normalised each sample over its features."""

    def backward(self, dvalues):
        n = dvalues.shape[0]
        self.dgamma = np.sum(dvalues * self.xhat, axis=0)
        self.dbeta = np.sum(dvalues, axis=0)
        dxhat = dvalues * self.gamma
        self.dinputs = (
            n * dxhat - dxhat.sum(axis=0) - self.xhat * np.sum(dxhat * self.xhat, axis=0)
        ) / (n * self.std)


class Layer_Dropout_UnscaledBackward:
    """Wrong: the book's dropout with the mask stored unscaled and the scale applied in
    forward only, so backward passes ``dvalues * mask``: (1 - rate) times the gradient."""

    def __init__(self, rate):
        self.rate = 1 - rate  # the book stores the keep rate

    def forward(self, inputs, training):
        self.inputs = inputs
        if not training:
            self.output = inputs.copy()
            return
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape)
        self.output = inputs * self.binary_mask / self.rate

    def backward(self, dvalues):
        self.dinputs = dvalues * self.binary_mask
