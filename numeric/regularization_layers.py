"""``Dropout``: inverted dropout (the nnfs book's ``Layer_Dropout``), from the op table.

In training the layer multiplies its inputs by a fresh mask drawn from its own
``Generator`` (each element kept with probability ``1 - rate``) and scales the kept
ones by ``1 / (1 - rate)``; at evaluation (``training = False``, which ``Model`` sets in
``evaluate`` and ``predict``) it is the identity. Both directions are the kernels of
the ``dropout`` entry, derived with the mask as a symbol: ``backward`` is
``g * m / (1 - r)``.
"""

from __future__ import annotations

import numpy as np

from numeric.kernels import kernels
from numeric.validate import as_batch


class Dropout:
    """``output = mask * inputs / (1 - rate)`` in training, ``inputs`` at evaluation."""

    def __init__(self, rate: float, rng: np.random.Generator | int | None = None) -> None:
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
            raise ValueError(f"Dropout rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.training = True  # as PyTorch: Model switches it for evaluate and predict
        self.mask: np.ndarray | None = None
        self._forward, self._backward = kernels("dropout")

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        inputs = as_batch(inputs, f"inputs of {self!r}")
        self.inputs = inputs
        if not self.training:  # m = 1 and r = 0: the identity, no mask drawn
            self.mask = None
            self.output = inputs
            return self.output
        # The book's np.random.binomial(1, 1 - rate, size), from this layer's generator.
        self.mask = self.rng.binomial(1, 1 - self.rate, size=inputs.shape).astype(inputs.dtype)
        self.output = self._forward(inputs, self.mask, self.rate)
        return self.output

    def backward(self, dvalues: np.ndarray) -> np.ndarray:
        """dvalues: like the outputs; through the last forward's mask (none at evaluation)."""
        if self.mask is None:  # evaluation: the derived kernel with m = 1, r = 0
            self.dinputs = self._backward(np.ones((), dvalues.dtype), dvalues, 0.0)
        else:
            self.dinputs = self._backward(self.mask, dvalues, self.rate)
        return self.dinputs

    def __repr__(self) -> str:
        return f"Dropout({self.rate:g})"
