"""Hypothesis: random shapes (batch 1..512, width 1..64) and values including the
extremes, float32 and float64. Every elementwise kernel and weight penalty is finite,
agrees with the autograd oracle where the oracle is finite, with central differences
where they are well-conditioned, and in float32 with its float64 result; softmax, the
losses, the dense layer and the penalties agree with autograd and with differences along
a random direction. Profile: tests/conftest.py."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from numeric.kernels import kernels
from symbolic.ops import OPS, Elementwise, Penalty
from tests.oracles import reference, vjp
from tests.tolerances import ULPS

ELEMENTWISE = sorted(n for n, e in OPS.items() if isinstance(e, Elementwise))
PENALTIES = sorted(n for n, e in OPS.items() if isinstance(e, Penalty))
values = st.one_of(
    st.floats(-30, 30, width=32),
    st.sampled_from([0.0, 1.0, -1.0, 1e4, -1e4, 1e3, -1e3, 88.0, -88.0]),
)
shapes = st.tuples(st.integers(1, 512), st.integers(1, 64))
batches = shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=values))
RAISE = {"over": "raise", "invalid": "raise", "divide": "raise", "under": "ignore"}


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(x=batches)
def test_elementwise_kernels_agree_with_autograd_and_float64(name, x):
    forward, backward = kernels(name)
    g = np.cos(x)  # a cotangent of the input's shape, deterministic
    with np.errstate(**RAISE):
        y = forward(x)
        dx = backward(x, y, g)
        y32 = forward(x.astype(np.float32))
        dx32 = backward(x.astype(np.float32), y32, g.astype(np.float32))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))
    assert y32.dtype == dx32.dtype == np.float32
    for got, want in ((y32, y), (dx32, dx)):
        error = np.abs(got - want) / np.maximum(np.abs(want), 1)
        assert np.max(error) <= ULPS * np.finfo(np.float32).eps
    with np.errstate(all="ignore"):  # the oracle is the naive definition: it may overflow
        expected = vjp(reference(name), 0, (x,), g)
    ok = np.isfinite(expected) & (np.abs(x) > 1e-6)  # away from kinks
    error = np.abs(dx - expected)[ok] / np.maximum(np.abs(expected[ok]), 1)
    assert error.size == 0 or np.max(error) <= 1e-9
    smooth = ok & (np.abs(x) < 20) & (np.abs(x) > 1e-3)
    h = 1e-6
    fd = (forward(x + h) - forward(x - h)) / (2 * h) * g
    assert np.all(np.abs(fd - dx)[smooth] <= 1e-5 * np.maximum(np.abs(dx[smooth]), 1))


@pytest.mark.parametrize("name", PENALTIES)
@given(weights=batches)
def test_penalty_kernels_agree_with_autograd_and_float64(name, weights):
    forward, backward = kernels(name)
    with np.errstate(**RAISE):
        total, dw = forward(weights), backward(weights)
        total32, dw32 = forward(weights.astype(np.float32)), backward(weights.astype(np.float32))
    assert np.isfinite(total) and np.all(np.isfinite(dw)) and dw.shape == weights.shape
    assert total32.dtype == dw32.dtype == np.float32
    # float32 against float64: the sum to a few ulps of its size, the gradient per element
    assert abs(total32 - total) <= ULPS * np.finfo(np.float32).eps * max(abs(total), 1)
    error = np.abs(dw32 - dw) / np.maximum(np.abs(dw), 1)
    assert np.max(error) <= ULPS * np.finfo(np.float32).eps
    expected = autograd.grad(reference(name))(weights)
    ok = weights != 0  # |w| has its kink at 0, where the table's sign(0) = 0 holds
    assert np.array_equal(dw[ok], expected[ok])
    assert np.all(dw[~ok] == 0)


OTHERS = sorted(n for n, e in OPS.items() if not isinstance(e, Elementwise))


@pytest.mark.parametrize("name", OTHERS)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_other_ops_agree_with_autograd_and_differences(name, shape, seed):
    # Softmax, the losses, the dense layer and the penalties on random shapes, with inputs
    # sampled as in test_kernels: autograd element by element, differences along a direction.
    from tests.test_kernels import case

    forward, ref, args, checks = case(name, shape, np.random.default_rng(seed))
    direction_rng = np.random.default_rng(seed + 1)
    for argnum, gradient, cotangent in checks:
        assert np.all(np.isfinite(gradient))
        expected = vjp(ref, argnum, args, cotangent)
        error = np.abs(gradient - expected) / np.maximum(np.abs(expected), 1)
        assert np.max(error) <= 1e-9
        v = direction_rng.standard_normal(np.shape(args[argnum]))
        h = 1e-6
        up, down = list(args), list(args)
        up[argnum], down[argnum] = args[argnum] + h * v, args[argnum] - h * v
        along = (np.sum(cotangent * forward(*up)) - np.sum(cotangent * forward(*down))) / (2 * h)
        assert abs(np.sum(v * gradient) - along) <= 1e-5 * max(1.0, abs(along))
