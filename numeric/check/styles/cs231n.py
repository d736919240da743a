"""cs231n's functional layers: ``out, cache = affine_forward(x, w, b)`` and its backward.

* The backward is ``backward=``, else found by name in the forward's module:
  ``affine_forward`` -> ``affine_backward``, ``sigmoid`` -> ``sigmoid_backward``.
  It is called as ``backward(dout, cache)`` and returns the gradients of the float
  array arguments, in their order (one array when there is one).
* A loss such as ``softmax_loss(x, y)`` returns ``(loss, dx)``: no backward, the
  gradient comes with the loss (one per float argument, matched by order and shape).
* Float arrays among the arguments are differentiated; everything else (integer
  labels, a ``bn_param`` or ``dropout_param`` dict) is passed as it is, a fresh copy
  each call, so a running mean updated in ``bn_param`` never leaks between runs.
* Gradients are named ``d`` + the parameter's name: ``dx``, ``dw``, ``db``, ``dgamma``.
"""

from __future__ import annotations

import copy
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from numeric.check import sampling
from numeric.check.errors import CheckError, call
from numeric.check.randomness import Frozen, draws_randomly
from numeric.check.recognise import name_hints
from numeric.check.subject import Options, Subject, argument_layouts

NAME = "cs231n"
# What the CLI passes a ``bn_param``, ``dropout_param``, ``conv_param`` or ``pool_param``.
PARAM = {"mode": "train", "p": 0.5, "seed": 0, "stride": 1, "pad": 1, "pool_height": 2,
         "pool_width": 2}  # fmt: skip


def accepts(target: Any) -> bool:
    return inspect.isfunction(target)


def backward_of(forward: Callable) -> Callable | None:
    """``affine_backward`` for ``affine_forward``, ``conv_backward_naive`` for
    ``conv_forward_naive``, ``sigmoid_backward`` for ``sigmoid``."""
    module = sys.modules.get(forward.__module__)
    name = forward.__name__
    names = [name.replace("_forward", "_backward")] if "_forward" in name else []
    for candidate in [*names, f"{name}_backward"]:
        found = getattr(module, candidate, None)
        if inspect.isfunction(found):
            return found
    return None


def _float(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _outputs(result: Any, label: str) -> tuple[Any, Any]:
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckError(f"{label} must return (out, cache) or (loss, grad), got {type(result)}")
    return result


@contextmanager
def subjects(forward: Callable, args: tuple, options: Options) -> Iterator[list[Subject]]:
    names = list(inspect.signature(forward).parameters)
    if len(args) > len(names):
        raise CheckError(f"{forward.__name__} takes {len(names)} arguments, got {len(args)}")
    given = dict(zip(names, args, strict=False))
    floats = [n for n, v in given.items() if _float(v)]
    if not floats:
        raise CheckError(f"{forward.__name__}: no float array among the arguments to check")
    dtype = np.result_type(*(given[n].dtype for n in floats))
    dtype = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
    arrays = {n: given[n].astype(np.float64) for n in floats}  # copies: the user's stay as given
    native = {n: given[n].astype(dtype) for n in floats}
    frozen = Frozen(*(v for v in given.values() if isinstance(v, dict)))
    label = forward.__name__
    backward = options.backward or backward_of(forward)

    def run(values: dict) -> Any:
        frozen.reset()
        call_args = [values[n] if n in values else copy.deepcopy(given[n]) for n in given]
        return _outputs(call(label, forward, *call_args), label)

    changes: list[str] = []

    def forward64() -> np.ndarray:
        # copies: a forward that shifts its input in place (logits -= max) must not move
        # the arrays the differences move
        values = {n: a.copy() for n, a in arrays.items()}
        out = np.array(run(values)[0], dtype=np.float64)
        moved = [n for n in floats if not np.array_equal(values[n], arrays[n])]
        changes.extend(n for n in moved if n not in changes)
        return out

    loss = backward is None
    if loss and np.ndim(forward64()) != 0:
        raise CheckError(
            f"{label} returns (out, cache) but there is no {label.removesuffix('_forward')}"
            "_backward in its module: give backward="
        )

    def gradients(g: np.ndarray) -> dict[str, Any]:
        values = {n: v.copy() for n, v in native.items()}
        first, second = run(values)
        if loss:
            grads = second
        else:
            blabel = getattr(backward, "__name__", "backward")
            grads = call(blabel, backward, g.copy(), second)
        grads = grads if isinstance(grads, tuple | list) else (grads,)
        return _match(floats, arrays, list(grads), loss)

    try:
        random = draws_randomly(frozen, forward64)
        shapes = ", ".join(f"{n} {a.shape}" for n, a in arrays.items())
        labels = next((v for n, v in given.items() if n not in floats and _is_labels(v)), None)
        x_name = floats[0]
        yield [
            Subject(
                name=label,
                arrays=arrays,
                gradient_names={n: f"d{n}" for n in floats},
                forward=forward64,
                backward=gradients,
                dtype=np.dtype(dtype),
                loss=loss,
                labels=labels,
                hints=(options.op,) if options.op else tuple(name_hints(_stem(label))),
                layouts=argument_layouts(floats, arrays),
                parameters=tuple(floats[1:]),
                blocking={x_name: 0},
                setup=f"{dtype}, {shapes}" + ("; the loss" if loss else "; dout ~ N(0, 1)"),
                notes=[
                    f"{label} changes its argument `{n}` in place; the check passes copies"
                    for n in changes
                ],
                random=random,
            )
        ]
    finally:
        frozen.reset()


def _stem(name: str) -> str:
    return name.removesuffix("_forward").removesuffix("_naive").removesuffix("_fast")


def _is_labels(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind in "iu"


def _match(floats: list[str], arrays: dict, grads: list, loss: bool) -> dict[str, Any]:
    """The returned gradients by argument: in order, or by shape for a loss's lone one."""
    if loss and len(grads) < len(floats):
        matched = {}
        for grad in grads:
            shape = np.shape(grad)
            name = next((n for n in floats if arrays[n].shape == shape and n not in matched), None)
            if name is not None:
                matched[name] = grad
        return matched
    return dict(zip(floats, grads, strict=False))


def example_arguments(forward: Callable, shapes: list[tuple], rng, labels: str | None) -> list:
    """Arguments for the CLI: a sampled array per shape, class labels, a ``*_param`` dict.

    Parameters named like targets (``y``, ``labels``) get class indices for the
    previous array's width; ``bn_param``-like ones get ``PARAM``.
    """
    names = list(inspect.signature(forward).parameters)
    args, shapes = [], list(shapes)
    for name in names:
        if name in ("y", "labels", "t", "target", "targets"):
            batch, classes = args[-1].shape[0], args[-1].shape[-1]
            indices = rng.integers(0, classes, batch)
            args.append(np.eye(classes)[indices] if labels == "onehot" else indices)
        elif name.endswith("_param"):
            args.append(dict(PARAM))
        elif shapes:
            args.append(sampling.layer_inputs(shapes.pop(0), rng))
        else:
            break
    if shapes:
        raise CheckError(f"{forward.__name__} takes fewer arrays than the {len(args)} shapes given")
    return args
