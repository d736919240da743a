"""A training step planned once per batch shape: buffers, matmuls into them, fused loops.

``plan(model, optimizer)`` returns a ``Step`` for a stack of ``Dense`` layers, each
followed by an elementwise activation or by nothing, ending in softmax +
cross-entropy (a ``Softmax`` layer with ``CategoricalCrossEntropy``, or logits with
``SoftmaxCrossEntropy``), trained by ``SGD`` or ``Adam``; None for anything else.

One step is the 2L - 1 + L matmuls of L dense layers (``out=`` its buffers; no
gradient w.r.t. the inputs) and, around them, one loop per stage: bias add +
activation, softmax + cross-entropy + its gradient + ``dbiases``, activation
backward + ``dbiases``, and the update. The update writes the new parameters into
a second set of buffers and the step swaps them in only when every new value is
finite: a diverged step is never applied, with no copy of the parameters kept for
a rollback, and an interrupted one leaves the last step's values in place. Each
layer's ``weights`` and ``biases`` are the current buffers between steps;
``Step.publish()`` copies them back into the layers' (and the optimizer's) own
arrays and sets ``dweights`` and ``dbiases``.

Without numba (``backend="numpy"``), the same plan runs today's generated kernels
with NumPy in place where it helps (matmuls into buffers, the bias added in place,
column sums into ``dbiases``).
"""

from __future__ import annotations

import numpy as np

from numeric.fused import compiled
from numeric.fused.updates import rule_for


class Unsupported(ValueError):
    """A model or optimizer the fused step does not plan (the caller uses the layers)."""


def _structure(model: object) -> tuple[list, list]:
    """(dense layers, the activation entry after each or None); ``Unsupported`` otherwise."""
    from numeric.layers import Activation, Dense
    from numeric.losses import CategoricalCrossEntropy, SoftmaxCrossEntropy
    from symbolic.ops import Elementwise

    layers = list(model.layers)
    if type(model.loss) is CategoricalCrossEntropy:
        last = layers.pop() if layers else None
        if not (isinstance(last, Activation) and last.name == "softmax"):
            raise Unsupported("cross-entropy without a softmax before it")
    elif type(model.loss) is not SoftmaxCrossEntropy:
        raise Unsupported(f"loss {model.loss!r}")
    dense, activations = [], []
    for layer in layers:
        if isinstance(layer, Dense):
            dense.append(layer)
            activations.append(None)
        elif isinstance(layer, Activation) and isinstance(layer.entry, Elementwise):
            if not dense or activations[-1] is not None:
                raise Unsupported("an activation that does not follow a dense layer")
            activations[-1] = layer
        else:
            raise Unsupported(f"layer {layer!r}")
    if not dense or activations[-1] is not None:
        raise Unsupported("the logits must come from a dense layer")
    return dense, activations


class Step:
    """One planned training step of a model; see the module's docstring."""

    def __init__(self, model: object, optimizer: object, backend: str | None = None) -> None:
        self.dense, self.activations = _structure(model)
        if rule_for(optimizer) is None:
            raise Unsupported(f"optimizer {optimizer!r}")
        if backend is None:
            backend = "numba" if compiled.available() else "numpy"
        if backend not in ("numba", "numpy"):
            raise ValueError(f"backend must be 'numba' or 'numpy', got {backend!r}")
        self.model, self.optimizer, self.backend = model, optimizer, backend
        self.dtype = self.dense[0].weights.dtype
        self.rule, _ = rule_for(optimizer)
        self._buffers: dict[int, dict] = {}
        self._loops = self._kernels()
        self._parameters()

    # ----- planned once -----

    def _kernels(self) -> dict:
        if self.backend == "numba":
            entries = [getattr(a, "entry", None) for a in self.activations[:-1]]
            return {
                "activations": [compiled.activation(e, self.dtype) for e in entries],
                "loss": compiled.softmax_cross_entropy(self.dtype),
                "update": compiled.update(self.rule, self.dtype).apply,
            }
        from numeric.kernels import kernels

        return {
            "activations": self.activations[:-1],
            "loss": (kernels("softmax")[0], *kernels("softmax_cross_entropy")),
            "update": _numpy_update(self.rule),
        }

    def _parameters(self) -> None:
        """Two buffers for every parameter and every array of optimizer state."""
        state_names = [a.name for a in self.rule.arrays[2:]]
        self.current = 0
        self.pairs = []  # per parameter: {"p": [array, spare], "v": [...], ...}
        self.gradients = []
        for layer in self.dense:
            state = self._optimizer_state(layer, state_names)
            for name in ("weights", "biases"):
                param = getattr(layer, name)
                if not param.flags.c_contiguous or param.dtype != self.dtype:
                    # the loops are compiled for C order and one dtype
                    raise Unsupported(
                        f"{layer!r}.{name} is {param.dtype}, C order: {param.flags.c_contiguous}"
                    )
                entry = {"p": [param, np.empty_like(param)]}
                for key, array in zip(state_names, state[name], strict=True):
                    entry[key] = [array, np.empty_like(array)]
                self.pairs.append(entry)
                self.gradients.append(np.empty_like(param))
        self.sumsq = np.zeros(len(self.pairs))
        self._weights = {  # (weights, biases) of every layer, by which buffer is current
            now: ([p["p"][now] for p in self.pairs[0::2]], [p["p"][now] for p in self.pairs[1::2]])
            for now in (0, 1)
        }
        names = [a.name for a in self.rule.arrays]
        targets = [t.name for t, _ in self.rule.assign]
        self._update_args = {}  # by which buffer is current: the arrays of the update, in order
        for now in (0, 1):
            current = [
                tuple(self.gradients) if n == "g" else tuple(pair[n][now] for pair in self.pairs)
                for n in names
            ]
            spare = [tuple(pair[n][1 - now] for pair in self.pairs) for n in targets]
            self._update_args[now] = (*current, *spare)

    def _optimizer_state(self, layer: object, names: list[str]) -> dict[str, tuple]:
        """The optimizer's own state arrays for ``layer`` (created as its first step would)."""
        state = self.optimizer._state(layer)
        arrays = {}
        for name in ("weights", "biases"):
            param = getattr(layer, name)
            if not names:
                arrays[name] = ()
            elif len(names) == 1:  # SGD's velocity
                if name not in state:
                    state[name] = np.zeros_like(param)
                arrays[name] = (state[name],)
            else:  # Adam's moments (m, v)
                if name not in state:
                    state[name] = (np.zeros_like(param), np.zeros_like(param))
                arrays[name] = tuple(state[name])
        return arrays

    def buffers(self, rows: int) -> dict:
        """The arrays of a batch of ``rows`` samples, allocated on first use."""
        held = self._buffers.get(rows)
        if held is None:
            widths = [layer.n_neurons for layer in self.dense]
            empty = lambda width: np.empty((rows, width), self.dtype)  # noqa: E731
            held = self._buffers[rows] = {
                "Z": [empty(w) for w in widths],
                "Y": [empty(w) for w in widths[:-1]],
                "G": [empty(w) for w in widths],
                "P": empty(widths[-1]),
                "T": np.zeros((rows, widths[-1]), self.dtype),
            }
        return held

    def gather(self, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``X[rows]``: fancy indexing, 50-65 us for 128 rows of 784 float32 where
        ``np.take(..., out=)`` into a buffer of the batch took 65-120 us."""
        return X[rows]

    # ----- one step -----

    def targets(self, y: np.ndarray, rows: int) -> np.ndarray:
        """2-D targets in the model's dtype; class indices as they are for the fused loop
        (it reads t as ``j == y[i]``), as one-hot rows for the NumPy kernels."""
        if y.ndim == 2:
            return y.astype(self.dtype, copy=False)
        if self.backend == "numba":
            return y
        T = self.buffers(rows)["T"]
        T.fill(0)
        T[np.arange(rows), y] = 1
        return T

    def __call__(self, X: np.ndarray, y: np.ndarray) -> tuple[float, bool]:
        """Forward, loss, backward and update on one batch; (summed loss, applied).

        ``applied`` is False when the loss or a new parameter is not finite: the
        step is then not applied (nothing to roll back), and ``sumsq`` is meaningless.
        """
        rows = len(X)
        buffers = self.buffers(rows)
        targets = self.targets(y, rows)
        W, b = self._weights[self.current]
        # Overflow is found from the values (the loss, the new parameters), not from warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.backend == "numba":
                total = self._numba(X, targets, W, b, buffers)
            else:
                total = self._numpy(X, targets, W, b, buffers)
            self.output = buffers["P"]
            return total, bool(np.isfinite(total)) and self._update()

    def _numba(self, X, targets, W, b, buffers) -> float:
        Z, Y, G = buffers["Z"], buffers["Y"], buffers["G"]
        dW, db = self.gradients[0::2], self.gradients[1::2]
        loops = self._loops["activations"]
        last = len(W) - 1
        h = X
        for k in range(last):
            np.dot(h, W[k], out=Z[k])
            loops[k].forward(Z[k], b[k], Y[k])
            h = Y[k]
        np.dot(h, W[last], out=Z[last])
        loss = self._loops["loss"]
        fused = loss.forward_backward if targets.ndim == 2 else loss.forward_backward_labels
        total = fused(Z[last], b[last], targets, buffers["P"], G[last], db[last])
        for k in range(last, -1, -1):
            np.dot((Y[k - 1] if k else X).T, G[k], out=dW[k])
            if k:
                np.dot(G[k], W[k].T, out=G[k - 1])
                loops[k - 1].backward(Z[k - 1], Y[k - 1], G[k - 1], db[k - 1])
        return total

    def _numpy(self, X, targets, W, b, buffers) -> float:
        Z, G = buffers["Z"], buffers["G"]
        dW, db = self.gradients[0::2], self.gradients[1::2]
        softmax, loss_forward, loss_backward = self._loops["loss"]
        activations = self._loops["activations"]
        last = len(W) - 1
        Y, h = [], X
        for k in range(last + 1):
            np.dot(h, W[k], out=Z[k])
            np.add(Z[k], b[k], out=Z[k])
            if k < last:
                h = Z[k] if activations[k] is None else activations[k]._forward(Z[k])
                Y.append(h)
        rows, classes = Z[last].shape
        P = buffers["P"] = softmax(Z[last])
        total = float(np.sum(loss_forward(Z[last], targets, rows, classes)))
        gradient = loss_backward(Z[last], P, targets, rows, classes)
        for k in range(last, -1, -1):
            np.sum(gradient, axis=0, keepdims=True, out=db[k])
            np.dot((Y[k - 1] if k else X).T, gradient, out=dW[k])
            if k:
                np.dot(gradient, W[k].T, out=G[k - 1])
                gradient = G[k - 1]
                if activations[k - 1] is not None:
                    gradient = activations[k - 1]._backward(Z[k - 1], Y[k - 1], gradient)
        buffers["Y"] = Y
        return total

    def _update(self) -> bool:
        """The optimizer's rule into the spare buffers; swapped in when all finite."""
        optimizer = self.optimizer
        optimizer.pre_update_params()
        _, scalars = rule_for(optimizer)
        values = [self.dtype.type(scalars[s.name]) for s in self.rule.scalars]
        ok = self._loops["update"](*self._update_args[self.current], *values, self.sumsq)
        if ok:
            self.current = 1 - self.current
            self._sync()
            optimizer.post_update_params()
        return bool(ok)

    # ----- handing back -----

    def _sync(self) -> None:
        """Each layer's ``weights`` and ``biases`` are the current buffers."""
        for k, layer in enumerate(self.dense):
            layer.weights = self.pairs[2 * k]["p"][self.current]
            layer.biases = self.pairs[2 * k + 1]["p"][self.current]

    def publish(self) -> None:
        """The current parameters and state back into the layers' and the optimizer's own
        arrays (the ones they had before the plan); ``dweights`` and ``dbiases`` on each
        dense layer, from the last step."""
        if self.current:
            for pair in self.pairs:
                for arrays in pair.values():
                    np.copyto(arrays[0], arrays[1])
            self.current = 0
        self._sync()
        for k, layer in enumerate(self.dense):
            layer.dweights, layer.dbiases = self.gradients[2 * k], self.gradients[2 * k + 1]


def _numpy_update(rule: object):
    """The rule lambdified for NumPy: new values into the spare buffers, finite or not."""
    import sympy as sp

    targets = [t for t, _ in rule.assign]
    assigned, exprs = {}, []
    for target, expr in rule.assign:
        expr = expr.xreplace(assigned)
        exprs.append(expr)
        assigned[target] = expr
    function = sp.lambdify((*rule.arrays, *rule.scalars), exprs, modules="numpy")
    count = len(rule.arrays)

    def apply(*args):
        arrays, rest = args[:count], args[count:]
        nexts, scalars, sumsq = rest[: len(targets)], rest[len(targets) : -1], rest[-1]
        ok = True
        for k in range(len(arrays[0])):
            new = function(*(a[k] for a in arrays), *scalars)
            for value, out in zip(new, nexts, strict=True):
                np.copyto(out[k], value)
                ok = ok and bool(np.isfinite(out[k]).all())
            gradient = arrays[1][k].reshape(-1)
            sumsq[k] = float(np.dot(gradient, gradient))
        return ok

    return apply


def plan(model: object, optimizer: object, backend: str | None = None) -> Step | None:
    """A planned step for ``model`` and ``optimizer``, or None when it does not apply."""
    try:
        return Step(model, optimizer, backend)
    except Unsupported:
        return None
