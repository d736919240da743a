"""Optimizers: plain NumPy updates of a layer's parameters from its gradients.

``update_params(layer)`` updates ``weights`` and ``biases`` in place from
``dweights`` and ``dbiases`` (produced by the generated kernels);
``pre_update_params`` / ``post_update_params`` bracket one step (learning-rate
decay, step count), as in the nnfs book. Per-layer state (velocities, moments)
is created with the optimizer's first step on that layer, keyed by the layer.
Hyperparameters are checked when an optimizer is made: a NaN rate, a momentum
of 10 or ``beta_1 = 1`` are refused, never trained with.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

PARAMETERS = (("weights", "dweights"), ("biases", "dbiases"))


POSITIVE = ("> 0 and finite", lambda v: 0 < v < math.inf)
NON_NEGATIVE = (">= 0 and finite", lambda v: 0 <= v < math.inf)
FRACTION = ("in [0, 1)", lambda v: 0 <= v < 1)  # a momentum, a moment's decay


def _hyperparameter(owner: str, name: str, value: object, allowed: tuple) -> float:
    """``value`` as a float, or a ``ValueError`` naming the optimizer, the name and the range."""
    text, ok = allowed
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not ok(float(value)):
        raise ValueError(f"{owner}: {name} must be {text}, got {value!r}")
    return float(value)


class _Optimizer:
    """Learning-rate decay and step count shared by every optimizer."""

    def __init__(self, learning_rate: float, decay: float) -> None:
        owner = type(self).__name__
        learning_rate = _hyperparameter(owner, "learning_rate", learning_rate, POSITIVE)
        decay = _hyperparameter(owner, "decay", decay, NON_NEGATIVE)
        self.learning_rate = self.current_learning_rate = learning_rate
        self.decay, self.iterations = decay, 0
        self.state: dict[int, tuple[object, dict[str, object]]] = {}

    def pre_update_params(self) -> None:
        """``lr_t = learning_rate / (1 + decay * t)``, t the steps taken so far."""
        self.current_learning_rate = self.learning_rate / (1 + self.decay * self.iterations)

    def post_update_params(self) -> None:
        self.iterations += 1

    def _state(self, layer: object) -> dict[str, object]:
        # Keyed by id, with the layer kept alive so that the id cannot be reused.
        held = self.state.get(id(layer))
        if held is None or held[0] is not layer:
            held = self.state[id(layer)] = (layer, {})
        return held[1]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate}, decay={self.decay})"


class SGD(_Optimizer):
    """``p -= lr * dp``; with ``momentum``, ``v = momentum * v - lr * dp; p += v``.

    ``decay`` anneals the rate per step: ``lr_t = learning_rate / (1 + decay * t)``.
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, momentum: float = 0.0):
        super().__init__(learning_rate, decay)
        self.momentum = _hyperparameter(type(self).__name__, "momentum", momentum, FRACTION)

    def __repr__(self) -> str:
        return (
            f"SGD(learning_rate={self.learning_rate}, decay={self.decay}, momentum={self.momentum})"
        )

    def update_params(self, layer: object) -> None:
        lr = self.current_learning_rate
        state = self._state(layer)
        for name, grad_name in PARAMETERS:
            param, grad = getattr(layer, name), getattr(layer, grad_name)
            # lr * grad goes into a buffer kept across steps: a fresh array of a large
            # layer costs new pages every step (a third of the update's time at batch 128).
            step = state.get(f"{name}.step")
            if step is None or step.shape != param.shape or step.dtype != param.dtype:
                step = state[f"{name}.step"] = np.empty_like(param)
            np.multiply(grad, lr, out=step)
            if not self.momentum:
                param -= step
                continue
            if name not in state:
                state[name] = np.zeros_like(param)
            velocity = state[name]
            velocity *= self.momentum
            velocity -= step
            param += velocity


class Adam(_Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction; ``decay`` as in ``SGD``.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g²``,
    ``p -= lr_t m̂ / (sqrt(v̂) + epsilon)`` with ``m̂ = m / (1 - b1^t)``, ``v̂ = v / (1 - b2^t)``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        decay: float = 0.0,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
    ):
        super().__init__(learning_rate, decay)
        self.beta_1 = _hyperparameter(type(self).__name__, "beta_1", beta_1, FRACTION)
        self.beta_2 = _hyperparameter(type(self).__name__, "beta_2", beta_2, FRACTION)
        self.epsilon = _hyperparameter(type(self).__name__, "epsilon", epsilon, POSITIVE)

    def update_params(self, layer: object) -> None:
        step = self.iterations + 1
        state = self._state(layer)
        for name, grad_name in PARAMETERS:
            param, grad = getattr(layer, name), getattr(layer, grad_name)
            if name not in state:
                state[name] = (np.zeros_like(param), np.zeros_like(param))
            m, v = state[name]
            m *= self.beta_1
            m += (1 - self.beta_1) * grad
            v *= self.beta_2
            v += (1 - self.beta_2) * grad * grad
            m_hat = m / (1 - self.beta_1**step)
            v_hat = v / (1 - self.beta_2**step)
            param -= self.current_learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)


class Adagrad(_Optimizer):
    """Adagrad (Duchi et al. 2011) as the nnfs book writes it; ``decay`` as in ``SGD``.

    ``cache += g²``, ``p -= lr_t g / (sqrt(cache) + epsilon)``: each parameter's rate
    shrinks with the sum of its squared gradients, hence the book's default rate of 1.
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, epsilon: float = 1e-7):
        super().__init__(learning_rate, decay)
        self.epsilon = _hyperparameter(type(self).__name__, "epsilon", epsilon, POSITIVE)

    def __repr__(self) -> str:
        return (
            f"Adagrad(learning_rate={self.learning_rate}, decay={self.decay}, "
            f"epsilon={self.epsilon})"
        )

    def update_params(self, layer: object) -> None:
        _scaled_by_cache(self, layer, self.accumulate)

    @staticmethod
    def accumulate(cache: np.ndarray, grad: np.ndarray) -> None:
        cache += grad * grad


def _scaled_by_cache(optimizer: _Optimizer, layer: object, accumulate: Callable) -> None:
    """Adagrad's and RMSprop's step: ``accumulate(cache, g)``, then
    ``p -= lr_t g / (sqrt(cache) + epsilon)``, the cache one array per parameter."""
    state = optimizer._state(layer)
    for name, grad_name in PARAMETERS:
        param, grad = getattr(layer, name), getattr(layer, grad_name)
        if name not in state:
            state[name] = (np.zeros_like(param),)
        (cache,) = state[name]
        accumulate(cache, grad)
        param -= optimizer.current_learning_rate * grad / (np.sqrt(cache) + optimizer.epsilon)


class RMSprop(_Optimizer):
    """RMSprop (Tieleman & Hinton 2012) as the nnfs book writes it; ``decay`` as in ``SGD``.

    ``cache = rho cache + (1 - rho) g²``, ``p -= lr_t g / (sqrt(cache) + epsilon)``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        decay: float = 0.0,
        epsilon: float = 1e-7,
        rho: float = 0.9,
    ):
        super().__init__(learning_rate, decay)
        self.epsilon = _hyperparameter(type(self).__name__, "epsilon", epsilon, POSITIVE)
        self.rho = _hyperparameter(type(self).__name__, "rho", rho, FRACTION)

    def __repr__(self) -> str:
        return (
            f"RMSprop(learning_rate={self.learning_rate}, decay={self.decay}, "
            f"epsilon={self.epsilon}, rho={self.rho})"
        )

    def update_params(self, layer: object) -> None:
        _scaled_by_cache(self, layer, self.accumulate)

    def accumulate(self, cache: np.ndarray, grad: np.ndarray) -> None:
        cache *= self.rho
        cache += (1 - self.rho) * grad * grad


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}
