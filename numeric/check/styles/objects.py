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

import ast
import inspect
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from numeric.check import sampling
from numeric.check.errors import CheckError, call
from numeric.check.randomness import Frozen, draws_randomly
from numeric.check.recognise import entries, name_hints
from numeric.check.subject import Layout, Options, Subject

NAME = "objects"
GROUPS = (("weights", "weight", "W", "w"), ("biases", "bias", "b"), ("gamma",), ("beta",))
PATTERNS = ("d{}", "d_{}", "grad_{}", "grad{}", "{}_grad", "{}_gradient", "dL_d{}")
INPUT_GRADIENTS = (
    "dinputs", "d_inputs", "dinput", "dx", "dX", "d_x", "dA_prev", "grad_input",
    "grad_inputs", "input_grad", "inputs_grad", "grad_x", "dL_dx",
)  # fmt: skip
# ``y`` is left out: the book's MulLayer.forward(x, y) takes two inputs
LABEL_NAMES = {"y_true", "t", "target", "targets", "labels", "label", "y_pred_true"}
TRAINING = {"training", "train", "train_flg", "is_training", "train_mode"}
# Arrays an object keeps that are no parameters: caches of the last forward, optimizer state.
STATE = {"inputs", "input", "output", "outputs", "x", "X", "out", "y", "t", "mask", "cache"}
STATE_PARTS = ("momentum", "cache", "running_", "moving_", "mask")
RESHAPES = {"reshape", "copy", "astype", "T", "ravel", "view", "squeeze"}
# Extra backward parameters real code has, and the value a check passes them.
LEARNING_RATES = {"learning_rate", "lr", "eta", "step_size", "alpha", "optimizer"}
RATE = 0.01  # the learning rate a check passes to such a backward
RETURNED = "<returned>"  # the key of what backward returns, among the attributes it set
UPDATE = "<update>"  # the key of a gradient read off an in-place SGD step
SHAPE = (5, 3)  # (batch, features) when nothing says otherwise; 5 is no usual width


def accepts(target: Any) -> bool:
    return not isinstance(target, type) and callable(getattr(target, "forward", None))


def _parameters(method: Any) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):  # a builtin or C-extension method
        return []


def _is_loss(obj: Any, y_true: object, op: str | None) -> bool:
    if y_true is not None or "loss" in type(obj).__name__.lower():
        return True
    if op is not None and op in entries():
        from numeric.check.recognise import kind

        return kind(op) == "loss"
    names = [p.name for p in _parameters(obj.forward)]
    return len(names) > 1 and names[1] in LABEL_NAMES


def _gradient_names(parameter: str) -> list[str]:
    group = next((g for g in GROUPS if parameter in g), (parameter,))
    names = [parameter, *(n for n in group if n != parameter)]
    return [pattern.format(n) for n in names for pattern in PATTERNS]


def _base_name(node: ast.expr) -> str | None:
    """``dx`` for ``dx``, ``dx.reshape(...)``, ``dx.copy()`` or ``dx.T``; else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func if node.func.attr in RESHAPES else node
    if isinstance(node, ast.Attribute) and node.attr in RESHAPES:
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _returned_names(method: Any, count: int) -> list[str] | None:
    """The names in ``return dx`` (or ``return dx, dy``), when backward ends that way."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    except (OSError, TypeError, SyntaxError):
        return None
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None:
            items = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            names = [_base_name(i) for i in items]
            if len(items) == count and all(names):
                found.add(tuple(names))
    return list(found.pop()) if len(found) == 1 else None


class _Runner:
    """Runs one object's forward and backward, in float64 or its own dtype, and restores it."""

    def __init__(self, obj: Any, loss: bool) -> None:
        self.obj, self.loss = obj, loss
        self.label = type(obj).__name__
        self.saved = dict(vars(obj)) if hasattr(obj, "__dict__") else {}
        self.contents = {k: v.copy() for k, v in self.saved.items() if isinstance(v, np.ndarray)}
        floats = {k for k, v in self.contents.items() if v.dtype.kind == "f" and v.ndim >= 1}
        gradients = {d for k in floats for d in _gradient_names(k)}
        self.params = {
            k: self.contents[k]
            for k in sorted(floats, key=list(self.contents).index)
            if k not in STATE | gradients | set(INPUT_GRADIENTS)
            and not k.startswith("_")
            and not any(part in k for part in STATE_PARTS)
        }
        self.stale = set(INPUT_GRADIENTS) | {d for k in self.params for d in _gradient_names(k)}
        params = _parameters(obj.forward)
        self.training = {p.name: True for p in params[1:] if p.name in TRAINING}
        # more inputs than one: the book's MulLayer.forward(x, y), AddLayer
        empty = inspect.Parameter.empty
        others = [p.name for p in params[1:] if p.default is empty and p.name not in TRAINING]
        self.inputs = [params[0].name if params else "inputs", *([] if loss else others)]
        # a loss written forward(y_true, y_pred): the targets come first
        self.labels_first = loss and len(params) > 1 and params[0].name in LABEL_NAMES
        if self.labels_first:
            self.inputs = [params[1].name]
        self.frozen = Frozen(obj)
        self.changed: list[str] = []

    def restore(self) -> None:
        if not hasattr(self.obj, "__dict__"):
            return
        vars(self.obj).clear()
        vars(self.obj).update(self.saved)
        for name, content in self.contents.items():
            array = self.saved[name]
            if array.flags.writeable and not np.array_equal(array, content, equal_nan=True):
                array[...] = content  # changed in place (an optimizer step inside backward)
        self.frozen.reset()

    def forward(self, x: tuple, labels: object, params: dict) -> np.ndarray:
        """The object's output on inputs ``x`` with ``params`` in place, as a float64 array."""
        self.frozen.reset()
        for name, value in params.items():
            setattr(self.obj, name, value)
        args = x if labels is None else (labels, *x) if self.labels_first else (*x, labels)
        result = call(f"{self.label}.forward", self.obj.forward, *args, **self.training)
        if not isinstance(result, np.ndarray | float | int | np.generic):
            result = getattr(self.obj, "output", None)
        if result is None:
            arrays = [f".{k}" for k, v in vars(self.obj).items() if isinstance(v, np.ndarray)]
            said = f" (it set {', '.join(arrays)})" if arrays else ""
            raise CheckError(f"{self.label}.forward returned nothing and set no .output{said}")
        return np.array(result, dtype=np.float64)

    def backward(self, x: tuple, labels: object, g: np.ndarray) -> dict[str, Any]:
        """Every array backward set or returned, after a forward in the object's own dtype."""
        native = {name: value.copy() for name, value in self.params.items()}
        for name in list(vars(self.obj)):
            if name not in self.saved:
                delattr(self.obj, name)  # a stale gradient must not pass for a fresh one
        # A gradient kept from before is zeroed (code may accumulate into it with +=);
        # one still zero and in place afterwards was not set.
        placeholders = {}
        for name in self.stale & set(vars(self.obj)):
            value = getattr(self.obj, name)
            placeholders[name] = np.zeros_like(value) if isinstance(value, np.ndarray) else None
            setattr(self.obj, name, placeholders[name])
        self.forward(tuple(a.copy() for a in x), labels, native)
        if not self.loss:
            rates = {
                p.name: RATE for p in _parameters(self.obj.backward)[1:] if p.name in LEARNING_RATES
            }
            returned = call(f"{self.label}.backward", self.obj.backward, g.copy(), **rates)
        else:
            rates = {}
            required = [
                p for p in _parameters(self.obj.backward) if p.default is inspect.Parameter.empty
            ]
            output = getattr(self.obj, "output", None)
            given = np.array(output if np.shape(output) == x[0].shape else x[0]).copy()
            # by name: backward(dvalues, y_true) as nnfs, or the targets first
            args = [labels if p.name in LABEL_NAMES else given for p in required[:2]]
            returned = call(f"{self.label}.backward", self.obj.backward, *args)
        updates = {}
        for name, value in native.items():
            if not np.array_equal(value, self.params[name]):
                self.changed += [] if name in self.changed else [name]
                if rates:  # an SGD step inside backward: its gradient is (before - after) / lr
                    before = self.params[name].astype(np.float64)
                    updates[f"{UPDATE}{name}"] = (before - value.astype(np.float64)) / RATE
        found = {
            k: v
            for k, v in vars(self.obj).items()
            if not (k in placeholders and v is placeholders[k] and not np.any(v))
        }
        if isinstance(returned, tuple | list):  # one gradient per input
            found.update({f"{RETURNED}{i}": value for i, value in enumerate(returned)})
        if isinstance(returned, dict):  # {"inputs": dx, "weights": dW}
            found.update({f"{RETURNED}[{k!r}]": value for k, value in returned.items()})
        return {RETURNED: returned, **found, **updates}


def _find(found: dict, names: tuple | list) -> tuple[str | None, Any]:
    for name in names:
        value = found.get(name)
        if isinstance(value, np.ndarray | list | float | np.generic):
            return name, value
    return None, None


def _sampled_inputs(runner: _Runner, args: tuple, options: Options, hint: str | None) -> tuple:
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


def _dtype(runner: _Runner) -> np.dtype:
    dtypes = [v.dtype for v in runner.params.values()]
    return np.result_type(*dtypes) if dtypes else np.dtype(np.float64)


def _candidate_shapes(runner: _Runner) -> list[tuple[int, int]]:
    """(batch, in) for weights (in, out) or (out, in), then inputs stored (in, batch)."""
    batch = SHAPE[0]
    weights = next((runner.params[n] for n in GROUPS[0] if n in runner.params), None)
    if weights is None or weights.ndim != 2:  # a width from a 1-D parameter (gamma), if any
        widths = [v.shape[0] for v in runner.params.values() if v.ndim == 1]
        return list(dict.fromkeys([(batch, w) for w in widths] + [SHAPE]))
    rows, cols = weights.shape
    shapes = [(batch, rows), (batch, cols), (cols, batch), (rows, batch)]
    return list(dict.fromkeys(shapes))


def _transposed(runner: _Runner, x: np.ndarray) -> bool:
    """Inputs (features, batch): a weight matrix's row count is the first dimension."""
    weights = next((runner.params[n] for n in GROUPS[0] if n in runner.params), None)
    if weights is None or weights.ndim != 2 or x.ndim != 2:
        return False
    takes_rows = x.shape[1] in weights.shape
    return not takes_rows and x.shape[0] in weights.shape


def _layouts(runner: _Runner, inputs: str, transposed: bool) -> tuple[Layout, ...]:
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
    runner = _Runner(obj, loss)
    try:
        x, labels, transposed, notes = _sampled_inputs(
            runner, args, options, hints[0] if hints else None
        )
        yield [_subject(runner, x, labels, transposed, hints, notes)]
    finally:
        runner.restore()


def _subject(runner: _Runner, x, labels, transposed: bool, hints, notes) -> Subject:
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
    keys = _keys(runner, first)
    names = dict(keys)
    returned = [n for n in runner.inputs if keys[n].startswith(RETURNED) and "[" not in keys[n]]
    spoken = _returned_names(obj.backward, len(returned)) or [f"d{n} (returned)" for n in returned]
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


def _keys(runner: _Runner, found: dict) -> dict[str, str]:
    """{array: the attribute holding its gradient, or the RETURNED key of it}."""
    names = {}
    inputs = runner.inputs[0]
    attribute, _ = _find(found, INPUT_GRADIENTS)
    in_dict = _in_dict(found, [inputs, "inputs", "input", "x", "X", *INPUT_GRADIENTS])
    if len(runner.inputs) > 1:
        names.update({n: f"{RETURNED}{i}" for i, n in enumerate(runner.inputs)})
    elif attribute is not None:
        names[inputs] = attribute
    elif in_dict is not None:
        names[inputs] = in_dict
    elif isinstance(found.get(RETURNED), np.ndarray):
        names[inputs] = RETURNED
    else:  # reported missing, under the name nnfs (dinputs) or the book (dx) would give it
        names[inputs] = "dinputs" if inputs == "inputs" else f"d{inputs}"
    for param in list(runner.params):
        attribute, _ = _find(found, _gradient_names(param))
        group = next((g for g in GROUPS if param in g), (param,))
        in_dict = _in_dict(found, [*group, *_gradient_names(param)])
        well_known = any(param in group for group in GROUPS)
        if attribute is not None:
            names[param] = attribute
        elif in_dict is not None:
            names[param] = in_dict
        elif f"{UPDATE}{param}" in found:
            names[param] = f"{UPDATE}{param}"
        elif well_known:
            names[param] = _gradient_names(param)[0]  # reported missing under nnfs's name
        else:
            del runner.params[param]  # an array with no gradient: state, not a parameter
    return names


def _in_dict(found: dict, names: list[str]) -> str | None:
    """The key of a gradient backward returned in a dict under one of ``names``."""
    return next((f"{RETURNED}[{n!r}]" for n in names if f"{RETURNED}[{n!r}]" in found), None)


def _unmatched(runner: _Runner, names: dict) -> list[str]:
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
