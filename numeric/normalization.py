"""``BatchNorm`` and ``LayerNorm``: normalisation layers whose gradients are derived.

Both compute ``gamma * x_hat + beta`` with ``x_hat = (x - mean) / sqrt(var + eps)``;
the kernels are the ``batch_norm`` and ``layer_norm`` entries of the op table, whose
derivation (``python -m symbolic derive batch_norm``) goes from the mean and variance
of every input to the closed form
``dx = (N g_hat - sum g_hat - x_hat sum(g_hat x_hat)) / (N sigma)``, ``g_hat = g gamma``.

* ``BatchNorm(n_features)`` normalises each feature over the batch. In training it
  uses the batch's statistics and keeps running averages, as PyTorch does
  (``momentum`` 0.1: ``running = (1 - momentum) running + momentum batch``, the variance
  unbiased); at evaluation (``training = False``, set by ``Model.evaluate`` and
  ``predict``) it uses the running ones.
* ``LayerNorm(n_features)`` normalises each sample over its features, the same in
  training and evaluation.

``gamma`` and ``beta`` are also ``weights`` and ``biases`` (with ``dweights`` and
``dbiases``), so every optimizer updates them as it updates a ``Dense`` layer's.
"""

from __future__ import annotations

import numpy as np

from numeric.kernels import kernels
from numeric.validate import as_batch


def _positive(owner: str, name: str, value: object, below_one: bool = False) -> float:
    top = 1 if below_one else np.inf
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= top:
        interval = "(0, 1]" if below_one else "> 0"
        raise ValueError(f"{owner} {name} must be a number {interval}, got {value!r}")
    return float(value)


class _Normalization:
    trainable = True  # Model and the optimizers update gamma and beta
    op = ""

    def __init__(self, n_features: int, eps: float = 1e-5, dtype: type = np.float64) -> None:
        kind = type(self).__name__
        if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 1:
            raise ValueError(f"{kind} n_features must be an integer >= 1, got {n_features!r}")
        self.n_features = n_features
        self.eps = _positive(kind, "eps", eps)
        self.gamma = np.ones((1, n_features), dtype=dtype)
        self.beta = np.zeros((1, n_features), dtype=dtype)
        self._forward, self._backward = kernels(self.op)

    # gamma and beta under the names the optimizers and the model file use
    @property
    def weights(self) -> np.ndarray:
        return self.gamma

    @weights.setter
    def weights(self, value: np.ndarray) -> None:
        self.gamma = value

    @property
    def biases(self) -> np.ndarray:
        return self.beta

    @biases.setter
    def biases(self, value: np.ndarray) -> None:
        self.beta = value

    def _checked(self, inputs: np.ndarray) -> np.ndarray:
        inputs = as_batch(inputs, f"inputs of {self!r}", self.n_features)
        if inputs.dtype != self.gamma.dtype:
            raise TypeError(
                f"{self!r} holds {self.gamma.dtype} parameters but got {inputs.dtype} inputs"
            )
        return inputs

    def _gradients(self, dvalues: np.ndarray, group: int) -> np.ndarray:
        dx, dgamma, dbeta = self._backward(self.inputs, self.gamma, dvalues, self.eps, group)
        self.dgamma, self.dbeta, self.dinputs = dgamma, dbeta, dx
        self.dweights, self.dbiases = dgamma, dbeta  # the names the optimizers update by
        return dx

    def astype(self, dtype: type) -> _Normalization:
        for name in self._arrays:
            setattr(self, name, getattr(self, name).astype(dtype))
        return self

    _arrays: tuple[str, ...] = ("gamma", "beta")


class BatchNorm(_Normalization):
    """Each of ``n_features`` normalised over the batch; running statistics for evaluation."""

    op = "batch_norm"
    _arrays = ("gamma", "beta", "running_mean", "running_var")

    def __init__(
        self, n_features: int, momentum: float = 0.1, eps: float = 1e-5, dtype: type = np.float64
    ) -> None:
        super().__init__(n_features, eps, dtype)
        self.momentum = _positive("BatchNorm", "momentum", momentum, below_one=True)
        self.running_mean = np.zeros((1, n_features), dtype=dtype)
        self.running_var = np.ones((1, n_features), dtype=dtype)
        self.training = True  # as PyTorch: Model switches it for evaluate and predict

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        inputs = self._checked(inputs)
        self.inputs, n = inputs, len(inputs)
        if not self.training:
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            self.output = (inputs - self.running_mean) * scale + self.beta
            return self.output
        if n < 2:
            raise ValueError(
                f"{self!r} needs more than one sample per batch in training (got {n}): the "
                f"variance of one value is 0; use a larger batch, or set training = False"
            )
        self.output = self._forward(inputs, self.gamma, self.beta, self.eps, n)
        # The running averages, as PyTorch keeps them: the variance unbiased (n - 1).
        mean, var = inputs.mean(axis=0, keepdims=True), inputs.var(axis=0, keepdims=True)
        m = self.momentum
        # In place, so that a training step rolled back after divergence restores them too.
        np.copyto(self.running_mean, (1 - m) * self.running_mean + m * mean)
        np.copyto(self.running_var, (1 - m) * self.running_var + m * var * (n / (n - 1)))
        return self.output

    def backward(self, dvalues: np.ndarray) -> np.ndarray:
        self._in_training("backward")  # the kernels differentiate the batch statistics
        return self._gradients(dvalues, len(self.inputs))

    def _in_training(self, what: str) -> None:
        if not self.training:
            raise RuntimeError(f"{self!r}.{what}: the layer is in evaluation mode")

    def __repr__(self) -> str:
        return f"BatchNorm({self.n_features})"


class LayerNorm(_Normalization):
    """Each sample normalised over its ``n_features`` features; the same at evaluation."""

    op = "layer_norm"

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        self.inputs = self._checked(inputs)
        self.output = self._forward(self.inputs, self.gamma, self.beta, self.eps, self.n_features)
        return self.output

    def backward(self, dvalues: np.ndarray) -> np.ndarray:
        return self._gradients(dvalues, self.n_features)

    def __repr__(self) -> str:
        return f"LayerNorm({self.n_features})"
