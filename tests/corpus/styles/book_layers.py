"""Layers in the layout of the "Deep Learning from Scratch" book (Saito, O'Reilly Japan).

Style: a layer is built from its parameters (``Affine(W, b)``, ``b`` 1-D), ``forward(x)``
returns the output, ``backward(dout)`` returns ``dx`` and stores the parameter
gradients as attributes (``dW``, ``db``, ``dgamma``, ``dbeta``). ``SoftmaxWithLoss``
takes the targets in ``forward(x, t)`` (one-hot or labels) and returns the mean loss;
its ``backward(dout=1)`` returns ``dx``. ``Dropout`` and ``BatchNormalization`` take
``train_flg``. ``Relu.backward`` writes zeros into ``dout`` itself, as the book does.

Real code read before writing this (none of it copied):

* oreilly-japan/deep-learning-from-scratch ``common/layers.py`` (Relu, Sigmoid, Affine,
  SoftmaxWithLoss, Dropout, BatchNormalization) and ``common/functions.py`` (softmax,
  ``cross_entropy_error`` with its ``+ 1e-7`` inside the log).
* seitamuro/Handmade_Backpropagation ``layers.py``: ``self.db = dout`` (no sum over
  the batch).
* TaeSanKIM/python ``.../taesan/Affine.py``: ``dw`` and ``db`` computed as local
  variables and never stored.
* bernard-choi/CS231n ``2_Backpropagation_and_NN/Sigmoid.py``: ``backward`` computes
  ``dx`` and never returns it.
* an anonymous ``SigmoidLayer`` with ``1 / (1 + np.exp(x))`` in forward (the minus lost)
  under the textbook backward, which is then the negative of the true gradient.

Every class is plain NumPy; ``tests/corpus/styles/EXPECTED.py`` says what a checker
must report for each.
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:  # one-hot targets -> labels
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


# ----- correct -----


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        dx = dout * 1
        dy = dout * 1
        return dx, dy


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0  # in place, as the book does: the caller's dout changes
        dx = dout
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = sigmoid(x)
        self.out = out
        return out

    def backward(self, dout):
        dx = dout * (1.0 - self.out) * self.out
        return dx


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot targets
            dx = (self.y - self.t) / batch_size
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx


class Dropout:
    """The book's dropout: not inverted, the test-time output is scaled instead."""

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        return dout * self.mask


class BatchNormalization:
    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.batch_size = None
        self.xc = None
        self.xn = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
            self.running_var = np.zeros(x.shape[1])
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var + 10e-7)
            xn = xc / std
            self.batch_size = x.shape[0]
            self.xc = xc
            self.xn = xn
            self.std = std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xc = x - self.running_mean
            xn = xc / np.sqrt(self.running_var + 10e-7)
        return self.gamma * xn + self.beta

    def backward(self, dout):
        dbeta = dout.sum(axis=0)
        dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        dx = dxc - dmu / self.batch_size
        self.dgamma = dgamma
        self.dbeta = dbeta
        return dx


# ----- buggy -----


class AffineTransposedDW(Affine):
    """``dW`` from ``dout.T @ x``: (out, in), the transpose of W's (in, out)."""

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(dout.T, self.x)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


class AffineNoSumDb(Affine):
    """``db = dout``: one row per sample, not summed over the batch."""

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = dout
        return dx.reshape(*self.original_x_shape)


class AffineLocalGrads(Affine):
    """``dW`` and ``db`` computed into local variables: the attributes stay None."""

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        dW = np.dot(self.x.T, dout)  # noqa: F841 - the bug: never stored
        db = np.sum(dout, axis=0)  # noqa: F841 - the bug: never stored
        return dx.reshape(*self.original_x_shape)


class ReluNoMask(Relu):
    """The mask is computed in forward and forgotten in backward."""

    def backward(self, dout):
        dx = dout
        return dx


class SigmoidNoReturn(Sigmoid):
    """``dx`` is computed and not returned: backward returns None."""

    def backward(self, dout):
        dx = dout * (1.0 - self.out) * self.out  # noqa: F841 - the bug: no return


class SigmoidExpSign(Sigmoid):
    """``np.exp(x)`` for ``np.exp(-x)`` in forward, under the textbook backward."""

    def forward(self, x):
        out = 1 / (1 + np.exp(x))
        self.out = out
        return out


class SoftmaxWithLossNoBatchDiv(SoftmaxWithLoss):
    """Forward averages over the batch (cross_entropy_error), backward does not."""

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            dx = self.y - self.t
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
        return dx


class BatchNormalizationWrongBackward(BatchNormalization):
    """dx as if the batch mean and variance were constants: ``gamma * dout / std``."""

    def backward(self, dout):
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dx = self.gamma * dout / self.std
        return dx
