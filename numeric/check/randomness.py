"""A random forward (dropout) checked with its randomness frozen.

Every forward of a check starts from the same random state: NumPy's global
generator, Python's ``random``, and every ``numpy.random.Generator`` or
``RandomState`` the checked objects hold (one level deep, and in dicts such as
cs231n's ``dropout_param``). So the mask of the forward that backward uses is the
mask of every finite difference. The states are put back when the check ends.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def _generators(holders: Iterable[Any]) -> list[Any]:
    found = []
    for holder in holders:
        values = [holder]
        if isinstance(holder, dict):
            values += list(holder.values())
        elif hasattr(holder, "__dict__"):
            values += list(vars(holder).values())
        for value in values:
            generator = isinstance(value, np.random.Generator | np.random.RandomState)
            if generator and all(value is not f for f in found):
                found.append(value)
    return found


def _state(generator: Any) -> Any:
    if isinstance(generator, np.random.Generator):
        return copy.deepcopy(generator.bit_generator.state)
    return generator.get_state()


def _set_state(generator: Any, state: Any) -> None:
    if isinstance(generator, np.random.Generator):
        generator.bit_generator.state = copy.deepcopy(state)
    else:
        generator.set_state(state)


class Frozen:
    """The random state at creation, put back by ``reset()`` before each forward.

    ``extra`` holds (get_state, set_state) pairs of other libraries (torch's generator).
    """

    def __init__(self, *holders: Any, extra: tuple[tuple[Callable, Callable], ...] = ()) -> None:
        self.numpy = np.random.get_state()
        self.python = random.getstate()
        self.generators = [(g, _state(g)) for g in _generators(holders)]
        self.extra = [(get(), put) for get, put in extra]
        self.active = True

    def reset(self) -> None:
        if not self.active:
            return
        np.random.set_state(self.numpy)
        random.setstate(self.python)
        for generator, state in self.generators:
            _set_state(generator, state)
        for state, put in self.extra:
            put(state)


def differs(first: np.ndarray, second: np.ndarray) -> bool:
    """Two outputs of the same input are not the same (NaN equal to NaN)."""
    return first.shape != second.shape or not np.array_equal(first, second, equal_nan=True)


def draws_randomly(frozen: Frozen, forward: Callable[[], np.ndarray]) -> bool:
    """Whether two forwards of the same input differ when ``frozen`` does not reset."""
    frozen.active = False
    try:
        return differs(np.asarray(forward()), np.asarray(forward()))
    finally:
        frozen.active = True
