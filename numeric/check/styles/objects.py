"""Objects with ``forward`` and ``backward`` methods, however their author named things.

The seed's and the nnfs book's layers (``forward`` sets ``.output``, ``backward(dvalues)``
sets ``.dinputs``, ``.dweights``, ``.dbiases``), the "Deep Learning from Scratch" book's
(``Affine(W, b)``, ``backward(dout)`` returns ``dx`` and sets ``dW``, ``db``;
``SoftmaxWithLoss.forward(x, t)`` returns the loss, ``backward(dout=1)`` returns ``dx``),
and the variations real code has, all read from the object's structure:

* **parameters**: the float arrays the object holds before its first forward
  (``weights``/``W``/``w``, ``biases``/``bias``/``b``, ``gamma``, ``beta``, ...);
* **a parameter's gradient**: the attribute backward sets under a gradient name of it
  (``dweights``, ``dW``, ``dw``, ``grad_W``, ``d_weights``, ``weights_grad``, ``dgamma``);
* **the input gradient**: the attribute backward sets (``dinputs``, ``d_inputs``,
  ``dx``, ...), else what it returns, named as the ``return`` statement names it;
* **a loss**: ``forward``'s second parameter is a target (``y_true``, ``t``, ...), or
  the class name says loss, or targets are given; ``backward(dvalues, y_true)``
  (nnfs) gets the predictions, or the forward's ``.output`` when it has their
  shape; ``backward()`` (the book's ``dout=1``) gets nothing;
* **a training flag** (``forward(inputs, training)``, ``train_flg``) is set: dropout
  and batch normalisation are checked as they train, their randomness frozen;
* **layouts**: inputs (features, batch) and weights (out, in) are found from the
  shapes the forward accepts, and the table's kernels are applied transposed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from numeric.check import sampling
from numeric.check.errors import CheckError
from numeric.check.randomness import draws_randomly
from numeric.check.recognise import entries, name_hints
from numeric.check.styles import object_names
from numeric.check.styles.object_names import GROUPS, RETURNED, UPDATE
from numeric.check.styles.object_runner import LABEL_NAMES, STATE, Runner, parameters_of
from numeric.check.subject import Layout, Options, Subject

NAME = "objects"
SHAPE = (5, 3)  # (batch, features) when nothing says otherwise; 5 is no usual width


def accepts(target: Any) -> bool:
    return not isinstance(target, type) and callable(getattr(target, "forward", None))


def _is_loss(obj: Any, y_true: object, op: str | None) -> bool:
    if y_true is not None or "loss" in type(obj).__name__.lower():
        return True
    if op is not None and op in entries():
        from numeric.check.recognise import kind

        return kind(op) == "loss"
    names = [p.name for p in parameters_of(obj.forward)]
    return len(names) > 1 and names[1] in LABEL_NAMES


def _sampled_inputs(runner: Runner, args: tuple, options: Options, hint: str | None) -> tuple:
    """(inputs, labels, layout transposed?, notes) from the user's arrays or shapes."""
    rng, dtype = options.rng, _dtype(runner)
    first = args[0] if args else None
    labels = options.y_true
    if first is not None and not isinstance(first, tuple):
        x = np.array(first)
        if x.dtype.kind != "f":
            raise CheckError(f"inputs must be a float array, got {x.dtype} {x.shape}")
        if runner.loss:
            if labels is None:
                labels = sampling.loss_inputs(hint, x.shape, rng, options.labels)[1]
            return x, labels, False, []
        x, notes = sampling.away_from_kinks(x)
        return x, None, _transposed(runner, x), notes
    if runner.loss:
        x, sampled = sampling.loss_inputs(hint, first or SHAPE, rng, options.labels)
        return x.astype(dtype), sampled if labels is None else labels, False, []
    if first:
        x = sampling.layer_inputs(first, rng).astype(dtype)
        return x, None, _transposed(runner, x), []
    errors = []
    for shape in _candidate_shapes(runner):
        x = sampling.layer_inputs(shape, rng).astype(dtype)
        try:
            inputs = (x.copy(),) * len(runner.inputs)
            runner.forward(inputs, None, {k: v.copy() for k, v in runner.params.items()})
        except CheckError as error:
            errors.append(error)
            continue
        return x, None, _transposed(runner, x), []
    raise errors[0]  # what the likeliest shape, (batch, rows of the weights), raised


def _dtype(runner: Runner) -> np.dtype:
    dtypes = [v.dtype for v in runner.params.values()]
    return np.result_type(*dtypes) if dtypes else np.dtype(np.float64)


def _candidate_shapes(runner: Runner) -> list[tuple[int, int]]:
    """(batch, in) for weights (in, out) or (out, in), then inputs stored (in, batch)."""
    batch = SHAPE[0]
    weights = next((runner.params[n] for n in GROUPS[0] if n in runner.params), None)
    if weights is None or weights.ndim != 2:  # a width from a 1-D parameter (gamma), if any
        widths = [v.shape[0] for v in runner.params.values() if v.ndim == 1]
        return list(dict.fromkeys([(batch, w) for w in widths] + [SHAPE]))
    rows, cols = weights.shape
    shapes = [(batch, rows), (batch, cols), (cols, batch), (rows, batch)]
    return list(dict.fromkeys(shapes))


def _transposed(runner: Runner, x: np.ndarray) -> bool:
    """Inputs (features, batch): a weight matrix's row count is the first dimension."""
    weights = next((runner.params[n] for n in GROUPS[0] if n in runner.params), None)
    if weights is None or weights.ndim != 2 or x.ndim != 2:
        return False
    takes_rows = x.shape[1] in weights.shape
    return not takes_rows and x.shape[0] in weights.shape


def _layouts(runner: Runner, inputs: str, transposed: bool) -> tuple[Layout, ...]:
    weights = next((n for n in GROUPS[0] if n in runner.params), None)
    biases = next((n for n in GROUPS[1] if n in runner.params), None)
    if weights is None or runner.params[weights].ndim != 2:
        return (Layout(inputs, inputs_transposed=transposed),)
    return tuple(
        Layout(inputs, weights, biases, transposed, flip) for flip in (transposed, not transposed)
    )


def _hints(obj: Any, op: str | None) -> tuple[str, ...]:
    if op:
        return (op,)
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name in entries():  # the package's own Activation("relu")
        return (name,)
    return tuple(name_hints(type(obj).__name__))


@contextmanager
def subjects(obj: Any, args: tuple, options: Options) -> Iterator[list[Subject]]:
    if not callable(getattr(obj, "backward", None)):
        raise CheckError(f"{type(obj).__name__} has a forward but no backward to check")
    hints = _hints(obj, options.op)
    loss = _is_loss(obj, options.y_true, hints[0] if hints else None)
    runner = Runner(obj, loss)
    try:
        x, labels, transposed, notes = _sampled_inputs(
            runner, args, options, hints[0] if hints else None
        )
        yield [_subject(runner, x, labels, transposed, hints, notes)]
    finally:
        runner.restore()


def _subject(runner: Runner, x, labels, transposed: bool, hints, notes) -> Subject:
    obj, inputs = runner.obj, runner.inputs[0]
    dtype = np.result_type(x.dtype, *(v.dtype for v in runner.params.values()))
    dtype = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
    more = {name: sampling.layer_inputs(x.shape, np.random.default_rng(k)) for k, name in
            enumerate(runner.inputs[1:], 1)}  # fmt: skip
    native = tuple(a.astype(dtype) for a in (x, *more.values()))
    arrays = {name: a.astype(np.float64) for name, a in zip(runner.inputs, native, strict=True)}
    arrays.update({k: v.astype(np.float64) for k, v in runner.params.items()})
    floats = isinstance(labels, np.ndarray) and labels.dtype.kind == "f"
    labels64 = labels.astype(np.float64) if floats else labels
    native_labels = labels.astype(dtype) if floats else labels

    def forward() -> np.ndarray:
        params = {k: v for k, v in arrays.items() if k not in runner.inputs}
        return runner.forward(tuple(arrays[n].copy() for n in runner.inputs), labels64, params)

    # a first run tells where the gradients are (nonzero g: an SGD step must show)
    probe = np.random.default_rng(0).standard_normal(forward().shape).astype(dtype)
    first = runner.backward(native, native_labels, probe)
    keys = object_names.keys(runner.inputs, runner.params, first)
    for state in [a for a in arrays if a not in keys]:
        del arrays[state]  # no gradient: state, not a parameter (noted, not differenced)
    names = dict(keys)
    returned = [n for n in runner.inputs if keys[n].startswith(RETURNED) and "[" not in keys[n]]
    spoken = object_names.returned_names(obj.backward, len(returned)) or [
        f"d{n} (returned)" for n in returned
    ]
    names.update(zip(returned, spoken, strict=True))
    for array, key in keys.items():
        if key.startswith(UPDATE):
            names[array] = f"d{array} (read off its SGD step)"
        elif key.startswith(f"{RETURNED}["):
            names[array] = f"backward(){key.removeprefix(RETURNED)}"

    def backward(g: np.ndarray) -> dict[str, Any]:
        found = runner.backward(native, native_labels, g)
        return {array: found.get(key) for array, key in keys.items()}

    def changed() -> list[str]:
        return [
            f"backward changed `{name}` in place (an optimizer step inside backward?); "
            "the check used the values before it, and they are restored"
            for name in runner.changed
        ]

    random = draws_randomly(runner.frozen, forward)
    shapes = ", ".join(f"{a} {v.shape}" for a, v in arrays.items())
    if runner.loss:
        targets = "class indices" if np.ndim(labels) == 1 else "targets"
        setup = f"{dtype}, {shapes}, {targets} {np.shape(labels)}; the mean loss"
    else:
        setup = f"{dtype}, {shapes}; cotangent g ~ N(0, 1)"
    params = [k for k in arrays if k not in runner.inputs]
    return Subject(
        name=type(obj).__name__,
        arrays=arrays,
        gradient_names=names,
        forward=forward,
        backward=backward,
        dtype=np.dtype(dtype),
        loss=runner.loss,
        labels=labels64,
        hints=hints if len(runner.inputs) == 1 else (),
        layouts=_layouts(runner, inputs, transposed) if len(runner.inputs) == 1 else (),
        parameters=tuple(params),
        blocking={inputs: 1 if transposed else 0, **{p: 1 for p in params}},
        setup=setup,
        notes=list(notes) + _unmatched(runner, names),
        changed=changed,
        random=random,
    )


def _unmatched(runner: Runner, names: dict) -> list[str]:
    gradients = set(runner.stale) | set(names.values())
    state = [k for k in runner.contents if k not in runner.params and k not in gradients]
    floats = [
        k
        for k in state
        if runner.contents[k].dtype.kind == "f" and k not in STATE and runner.contents[k].ndim
    ]
    if not floats:
        return []
    return [f"arrays with no gradient, not checked as parameters: {', '.join(floats)}"]
