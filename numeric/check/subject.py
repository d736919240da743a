"""The one small protocol between a code style and the checker: a ``Subject``.

Every style (an nnfs object, the "Deep Learning from Scratch" book's layers, cs231n's
function pairs, a micrograd ``Value``, a PyTorch ``Function``) turns what the author
wrote into one or more subjects. The checker knows nothing else of the style:

* ``arrays``: the float64 arrays the differences move, by the author's names,
  inputs first. ``forward()`` reads their current contents.
* ``forward()``: the output for those contents, as a float64 array of any shape
  (a loss: the values whose *mean* is the loss).
* ``backward(g)``: the author's gradients for the cotangent ``g`` (an array of the
  output's shape), by array name, run in the author's own dtype; ``None`` for a
  gradient the author's code did not give.
* ``gradient_names``: how the author names each array's gradient (``"W" -> "dW"``).

A style calls user code only through ``numeric.check.errors.call``, so that whatever
it raises (``SystemExit`` included) becomes a ``UserCodeError`` naming the method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Forward = Callable[[], np.ndarray]
Backward = Callable[[np.ndarray], dict[str, Any]]


@dataclass(frozen=True)
class Layout:
    """Where the dense op's X, W and b are among a subject's arrays, and how they lie.

    The table's dense kernel takes X (batch, in), W (in, out), b (1, out); authors
    also store W as (out, in), the inputs as (features, batch), b as (out,) or (out, 1).
    """

    inputs: str
    weights: str | None = None
    biases: str | None = None
    inputs_transposed: bool = False  # (features, batch); the output is then (out, batch)
    weights_transposed: bool = False  # (out, in)


def argument_layouts(
    names: list[str], arrays: dict[str, np.ndarray], out_in_first: bool = False
) -> tuple[Layout, ...]:
    """Where a dense op may be among positional arguments ``(x, w[, b])``, likeliest first.

    cs231n stores ``w`` as (in, out); torch's ``F.linear`` as (out, in): ``out_in_first``.
    """
    if len(names) >= 2 and arrays[names[0]].ndim == 2 and arrays[names[1]].ndim == 2:
        x, w = names[:2]
        b = names[2] if len(names) > 2 else None
        flips = (True, False) if out_in_first else (False, True)
        return tuple(Layout(x, w, b, weights_transposed=flip) for flip in flips)
    return (Layout(names[0]),)


@dataclass
class Subject:
    """One computation to check: its arrays, its forward in float64, the author's backward."""

    name: str  # how the report names it: "Affine", "affine_forward", "Value: a * b"
    arrays: dict[str, np.ndarray]
    gradient_names: dict[str, str]
    forward: Forward
    backward: Backward
    dtype: np.dtype = field(default_factory=lambda: np.dtype(np.float64))
    loss: bool = False  # the output's mean is checked (g = 1 / size)
    unit_cotangent: bool = False  # backward seeds its own gradient of 1 (micrograd, a scalar)
    labels: Any = None  # targets passed alongside (a loss), for the op kernels
    hints: tuple[str, ...] = ()  # ops of the table the author's names suggest
    layouts: tuple[Layout, ...] = ()  # candidate places of the op's inputs (tried in order)
    parameters: tuple[str, ...] = ()  # arrays that are weights (a penalty may be in their gradient)
    blocking: dict[str, int] = field(default_factory=dict)  # array -> axis for blocked differences
    setup: str = ""  # dtype and shapes, for the report's first line
    notes: list[str] = field(default_factory=list)
    changed: Callable[[], list[str]] = field(default=lambda: [])  # what backward changed
    random: bool = False  # its forward draws random numbers, frozen for the check


@dataclass(frozen=True)
class Options:
    """What the caller of ``check_gradients`` said, handed to the style unchanged."""

    rng: np.random.Generator
    y_true: Any = None  # a loss's targets
    op: str | None = None  # the table op the user says it computes
    backward: Callable[..., Any] | None = None  # cs231n: the backward of a forward function
    labels: str | None = None  # "indices" or "onehot": how sampled class targets are given
