"""Optimizers: plain NumPy updates of a layer's parameters from its gradients.

``update_params(layer)`` updates ``weights`` and ``biases`` in place from
``dweights`` and ``dbiases``; ``pre_update_params`` / ``post_update_params``
bracket one step (learning-rate decay, step count), as in the nnfs book.
"""

from __future__ import annotations

import numpy as np

PARAMETERS = (("weights", "dweights"), ("biases", "dbiases"))


class SGD:
    """``p -= lr * dp``; with ``momentum``, ``v = momentum * v - lr * dp; p += v``.

    ``decay`` anneals the rate: ``lr_t = learning_rate / (1 + decay * t)``.
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, momentum: float = 0.0):
        self.learning_rate = self.current_learning_rate = learning_rate
        self.decay, self.momentum, self.iterations = decay, momentum, 0
        self.velocity: dict[int, dict[str, np.ndarray]] = {}

    def pre_update_params(self) -> None:
        self.current_learning_rate = self.learning_rate / (1 + self.decay * self.iterations)

    def update_params(self, layer: object) -> None:
        lr = self.current_learning_rate
        for name, grad_name in PARAMETERS:
            param, grad = getattr(layer, name), getattr(layer, grad_name)
            if self.momentum:
                state = self.velocity.setdefault(id(layer), {})
                v = state.setdefault(name, np.zeros_like(param))
                v *= self.momentum
                v -= lr * grad
                param += v
            else:
                param -= lr * grad

    def post_update_params(self) -> None:
        self.iterations += 1


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction; ``decay`` as in ``SGD``."""

    def __init__(
        self,
        learning_rate: float = 0.001,
        decay: float = 0.0,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
    ):
        self.learning_rate = self.current_learning_rate = learning_rate
        self.decay, self.beta_1, self.beta_2, self.epsilon = decay, beta_1, beta_2, epsilon
        self.iterations = 0
        self.moments: dict[int, dict[str, tuple[np.ndarray, np.ndarray]]] = {}

    def pre_update_params(self) -> None:
        self.current_learning_rate = self.learning_rate / (1 + self.decay * self.iterations)

    def update_params(self, layer: object) -> None:
        step = self.iterations + 1
        state = self.moments.setdefault(id(layer), {})
        for name, grad_name in PARAMETERS:
            param, grad = getattr(layer, name), getattr(layer, grad_name)
            m, v = state.setdefault(name, (np.zeros_like(param), np.zeros_like(param)))
            m *= self.beta_1
            m += (1 - self.beta_1) * grad
            v *= self.beta_2
            v += (1 - self.beta_2) * grad * grad
            m_hat = m / (1 - self.beta_1**step)
            v_hat = v / (1 - self.beta_2**step)
            param -= self.current_learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)

    def post_update_params(self) -> None:
        self.iterations += 1
