"""A PyTorch custom ``torch.autograd.Function``: ``forward(ctx, ...)`` and ``backward(ctx, *g)``.

``check_gradients(MyLinear, x, w, b)`` runs ``MyLinear.apply`` on the arguments (NumPy
arrays or tensors). Every floating argument is an array to check, named by the
forward's parameter (after ``ctx``; all of them when the class defines
``setup_context``), its gradient ``"d" + name``; other arguments are passed as they are.
The check runs in float64, as ``torch.autograd.gradcheck`` asks: float32 inputs are
converted (``setup`` says so).

``backward(g)`` applies the Function to fresh leaf tensors and hands ``g`` to the node
it made (``out.grad_fn``, the ``ctx`` the author's ``backward`` receives) through
``grad_fn.apply``, so each gradient arrives as the author returned it: one of a wrong
shape is reported with its shape, where torch's engine would raise. A gradient torch
would sum down to its input's shape (a bias gradient left (batch, out)) is summed as
torch sums it. A Function with several outputs is checked on its float outputs
flattened into one array, ``g`` split back into one cotangent per output.

torch is optional: ``accepts`` imports nothing, and a class whose bases come from
torch means torch is already imported. A random forward (dropout) runs with torch's
generator, NumPy's and Python's reset before each run, and put back afterwards.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from numeric.check.errors import CheckError, call
from numeric.check.randomness import Frozen, draws_randomly
from numeric.check.recognise import name_hints
from numeric.check.subject import Options, Subject, argument_layouts

NAME = "torch_function"


def accepts(target: Any) -> bool:
    """A subclass of ``torch.autograd.Function`` (never importing torch to find out)."""
    if not isinstance(target, type):
        return False
    if not any(_from_torch(base) for base in target.__mro__[1:]):
        return False
    torch = sys.modules.get("torch")  # imported: the class derives from one of its classes
    function = getattr(getattr(torch, "autograd", None), "Function", None)
    return function is not None and issubclass(target, function) and target is not function


def _from_torch(cls: type) -> bool:
    return (getattr(cls, "__module__", None) or "").split(".")[0] == "torch"


@contextmanager
def subjects(target: type, args: tuple, options: Options) -> Iterator[list[Subject]]:
    """One subject: ``target.apply`` on the given arguments, its float ones checked."""
    import torch

    label = target.__name__
    names = _parameter_names(target, len(args))
    given = dict(zip(names, args, strict=True))
    floats = [n for n, v in given.items() if _floating(v)]
    if not floats:
        raise CheckError(f"{label}: no float array or tensor among the arguments to check")
    arrays = {n: _float64(given[n]) for n in floats}  # copies: the user's stay as given
    constants = {n: _constant(v) for n, v in given.items() if n not in arrays}
    frozen = Frozen(extra=((torch.get_rng_state, torch.set_rng_state),))
    notes: list[str] = []

    def apply(requires_grad: bool) -> tuple[list, Any]:
        frozen.reset()
        inputs = [
            torch.tensor(arrays[n], requires_grad=requires_grad) if n in arrays else constants[n]
            for n in names
        ]
        with torch.enable_grad() if requires_grad else torch.no_grad():
            return inputs, _outputs(call(f"{label}.forward", target.apply, *inputs), label)

    def forward() -> np.ndarray:
        return _flatten(_floats(apply(False)[1]))

    def backward(g: np.ndarray) -> dict[str, Any]:
        inputs, outputs = apply(True)
        floats_out = _floats(outputs)
        node = floats_out[0].grad_fn
        if node is None:
            raise CheckError(
                f"{label}.forward returned a tensor outside the graph (detached?): no backward"
            )
        pieces = iter(_split(g, floats_out))
        grad_outputs = [_cotangent(o, pieces, torch) for o in outputs]
        grads = call(f"{label}.backward", node.apply, *grad_outputs)
        grads = list(grads) if isinstance(grads, tuple | list) else [grads]
        note = _count(label, grads, len(inputs))
        if note and note not in notes:
            notes.append(note)
        by_input = dict(zip(names, grads + [None] * (len(names) - len(grads)), strict=False))
        result = {}
        for n in floats:
            result[n], summed = _numpy(by_input[n], inputs[names.index(n)], torch)
            note = f"d{n} returned as {summed}, summed to {arrays[n].shape} as torch's engine does"
            if summed and note not in notes:
                notes.append(note)
        return result

    try:
        out = forward()
        random = draws_randomly(frozen, forward)
        shapes = ", ".join(f"{n} {arrays[n].shape}" for n in floats)
        dtype = "float64" + _converted({n: _dtype(given[n]) for n in floats})
        yield [
            Subject(
                name=label,
                arrays=arrays,
                gradient_names={n: f"d{n}" for n in floats},
                forward=forward,
                backward=backward,
                hints=(options.op,) if options.op else tuple(name_hints(label)),
                layouts=argument_layouts(floats, arrays, out_in_first=True),  # F.linear's (out, in)
                blocking={floats[0]: 0} if out.ndim == 2 and arrays[floats[0]].ndim == 2 else {},
                setup=f"{label}.apply: {dtype}, {shapes}",
                changed=lambda: list(notes),
                random=random,
            )
        ]
    finally:
        frozen.reset()


# ----- the arguments -----


def _parameter_names(target: type, count: int) -> list[str]:
    """The forward's parameter names for ``count`` arguments (``ctx`` left out)."""
    label = target.__name__
    try:
        parameters = list(inspect.signature(target.forward).parameters.values())
    except (TypeError, ValueError):
        return [f"input{i}" for i in range(count)]
    separate = inspect.getattr_static(target, "setup_context") is not inspect.getattr_static(
        sys.modules["torch"].autograd.Function, "setup_context"
    )
    if not separate:
        parameters = parameters[1:]  # ctx
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in parameters if p.kind == p.VAR_POSITIONAL), None)
    if count > len(names):
        if star is None:
            raise CheckError(f"{label}.forward takes {len(names)} arguments, got {count}")
        names += [f"{star}{i}" for i in range(count - len(names))]
    required = [p.name for p in parameters if p.default is p.empty and p.kind != p.VAR_POSITIONAL]
    if count < len(required):
        missing = ", ".join(required[count:])
        raise CheckError(
            f"{label}.forward needs {missing}: give an array for each, "
            f"check_gradients({label}, {', '.join(required)}), or --shape per argument"
        )
    return names[:count]


def _dtype(value: Any) -> str:
    """ "float32" for a NumPy array or a tensor alike."""
    return str(value.dtype).removeprefix("torch.")


def _converted(dtypes: dict[str, str]) -> str:
    """ " (x, w given in float32, converted)", or nothing when all came in float64."""
    groups = {d: [n for n in dtypes if dtypes[n] == d] for d in dtypes.values() if d != "float64"}
    given = "; ".join(f"{', '.join(names)} given in {d}" for d, names in groups.items())
    return f" ({given}, converted)" if given else ""


def _floating(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    return bool(getattr(value, "is_floating_point", lambda: False)())


def _float64(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    return value.detach().cpu().double().numpy().copy()


def _constant(value: Any) -> Any:
    """An argument not checked: a NumPy array becomes a tensor (integer targets, a mask)."""
    if isinstance(value, np.ndarray):
        return sys.modules["torch"].from_numpy(value.copy())
    return value


# ----- outputs, cotangents and gradients -----


def _outputs(result: Any, label: str) -> list:
    outputs = list(result) if isinstance(result, tuple | list) else [result]
    if not _floats(outputs):
        raise CheckError(f"{label}.forward returned no float tensor: nothing to differentiate")
    return outputs


def _floats(outputs: list) -> list:
    return [o for o in outputs if _floating(o) and not isinstance(o, np.ndarray)]


def _flatten(outputs: list) -> np.ndarray:
    """One output as it is; several as one flat array, in order."""
    values = [o.detach().cpu().double().numpy() for o in outputs]
    return values[0].copy() if len(values) == 1 else np.concatenate([v.ravel() for v in values])


def _split(g: np.ndarray, outputs: list) -> list[np.ndarray]:
    if len(outputs) == 1:
        return [np.asarray(g, dtype=np.float64).reshape(outputs[0].shape)]
    sizes = np.cumsum([o.numel() for o in outputs])[:-1]
    parts = np.split(np.asarray(g, dtype=np.float64).ravel(), sizes)
    return [part.reshape(o.shape) for part, o in zip(parts, outputs, strict=True)]


def _cotangent(output: Any, pieces: Iterator[np.ndarray], torch: Any) -> Any:
    """What torch hands backward for this output: g, zeros for an integer tensor, or None."""
    if _floating(output) and not isinstance(output, np.ndarray):
        return torch.from_numpy(next(pieces).copy()).to(output.dtype)
    if isinstance(output, torch.Tensor):
        return torch.zeros_like(output)
    return None


def _numpy(grad: Any, leaf: Any, torch: Any) -> tuple[np.ndarray | None, tuple | None]:
    """The author's gradient as a NumPy array, summed to the input's shape where torch
    would; and the shape it came in when it was summed."""
    if grad is None:
        return None, None
    if not isinstance(grad, torch.Tensor):
        return np.asarray(grad), None
    shape, given = tuple(leaf.shape), tuple(grad.shape)
    summed = given != shape and _reducible(shape, given, torch)
    if summed:
        grad = grad.sum_to_size(shape)
    return grad.detach().cpu().numpy().copy(), given if summed else None


def _reducible(shape: tuple, grad_shape: tuple, torch: Any) -> bool:
    """torch's engine sums a gradient to its input's shape when that shape expands to it."""
    try:
        return tuple(torch.broadcast_shapes(shape, grad_shape)) == grad_shape
    except RuntimeError:
        return False


def _count(label: str, grads: list, inputs: int) -> str | None:
    """What torch's engine would refuse: too few gradients, or a surplus one not None."""
    if len(grads) < inputs or any(g is not None for g in grads[inputs:]):
        return (
            f"{label}.backward returned {len(grads)} gradients for {inputs} inputs (torch raises)"
        )
    return None
