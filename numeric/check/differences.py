"""Central finite differences of ``<g, f(array)>``, cheap enough for a 784x128 layer.

``evaluate()`` returns the output (2-D, float64) for the current contents of
``array``, which is moved in place and always restored. Small arrays get one
difference per element; large 2-D arrays are moved a whole line at a time, each
element's effect read off its own output row or column, and that blocking is
verified along random directions (JAX's ``<v, J^T g> = <J v, g>``) before it is
trusted. What cannot be blocked is compared along random directions only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FD_STEP = 1e-6  # step h = FD_STEP * max(1, |value|): truncation ~1e-12, round-off ~1e-10
ELEMENTWISE_MAX = 512  # arrays up to this size get one difference per element
FALLBACK_MAX = 4096  # ... and up to this size when blocking does not apply
DIRECTIONS = 2  # random directions that verify a blocking, or stand in for it

Evaluate = Callable[[], np.ndarray]


def _difference(evaluate: Evaluate, array: np.ndarray, where: object) -> tuple:
    """``(out(+h) - out(-h), h)`` for ``array[where]`` moved by ``h``; the array restored."""
    saved = np.array(array[where])
    h = FD_STEP * np.maximum(1.0, np.abs(saved))
    array[where] = saved + h
    up = evaluate()
    array[where] = saved - h
    down = evaluate()
    array[where] = saved
    return up - down, h


def elementwise(evaluate: Evaluate, array: np.ndarray, g: np.ndarray) -> np.ndarray:
    """d<g, out>/d array, one central difference per element; shape of ``array``."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        delta, h = _difference(evaluate, array, index)
        grad[index] = np.sum(g * delta) / (2 * h)
    return grad


def blocked(evaluate: Evaluate, array: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """d<g, out>/d array (2-D), moving a whole line along ``axis`` per difference.

    axis 0: a column of inputs moves, sample b's effect is read off output row b
    (samples independent). axis 1: a row of a parameter moves, element k's effect
    is read off output column k (column k of the output uses column k only).
    """
    grad = np.zeros_like(array)
    for k in range(array.shape[1 - axis]):
        where = (slice(None), k) if axis == 0 else (k, slice(None))
        delta, h = _difference(evaluate, array, where)
        grad[where] = np.sum(g * delta, axis=1 - axis) / (2 * h)
    return grad


def directional(evaluate: Evaluate, array: np.ndarray, g: np.ndarray, v: np.ndarray) -> float:
    """d<g, out>/d array along ``v``, by one central difference."""
    saved = array.copy()
    h = FD_STEP * max(1.0, float(np.max(np.abs(array)))) / float(np.max(np.abs(v)))
    array[...] = saved + h * v
    up = evaluate()
    array[...] = saved - h * v
    down = evaluate()
    array[...] = saved
    return float(np.sum(g * (up - down)) / (2 * h))


def directions(shape: tuple, rng: np.random.Generator) -> list[np.ndarray]:
    """The random directions of a check: standard normal, ``DIRECTIONS`` of them."""
    return [rng.standard_normal(shape) for _ in range(DIRECTIONS)]


def gradient(
    evaluate: Evaluate,
    array: np.ndarray,
    g: np.ndarray,
    axis: int | None,
    rng: np.random.Generator,
    rtol: float,
) -> tuple[np.ndarray | None, str]:
    """d<g, out>/d array, or None when too large to get element by element; and how.

    ``axis`` is the axis along which lines may be moved together (see ``blocked``),
    or None when the code's structure promises nothing.
    """
    if array.size <= ELEMENTWISE_MAX:
        return elementwise(evaluate, array, g), "finite differences"
    out = evaluate()
    blockable = axis is not None and array.ndim == 2 and out.ndim == 2
    if blockable and out.shape[axis] == array.shape[axis]:
        grad = blocked(evaluate, array, g, axis)
        scale = np.linalg.norm(grad)
        bound = rtol * scale * np.sqrt(array.size) + 1e-12  # |v| ~ sqrt(size)
        # the blocking assumed a structure: verify it along random directions
        if all(
            abs(directional(evaluate, array, g, v) - float(np.vdot(v, grad))) <= bound
            for v in directions(array.shape, rng)
        ):
            return grad, "blocked finite differences"
    if array.size <= FALLBACK_MAX:
        return elementwise(evaluate, array, g), "finite differences"
    return None, "finite differences along random directions"
