"""Every kernel of the table against autograd and central finite differences.

Parametrised over the op table: an op added to the table is tested here with no
new test code.
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric.kernels import kernels
from symbolic.ops import (
    OPS,
    Affine,
    Composed,
    Elementwise,
    Loss,
    Masked,
    Normalization,
    Penalty,
    Rowwise,
)
from tests.oracles import finite_difference, reference, vjp
from tests.tolerances import ATOL, FD_RTOL, FD_STEP, RTOL

SHAPES = [(1, 1), (1, 2), (2, 1), (3, 2), (5, 7), (1200, 3)]


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(expected))), 1e-12)
    return float(np.max(np.abs(np.asarray(actual) - expected))) / scale


def one_hot(rng, batch, classes):
    return np.eye(classes)[rng.integers(0, classes, batch)]


def case(name: str, shape: tuple[int, int], rng):
    """``(forward, backward_by_argument)``: closures over sampled inputs, for one op.

    ``forward(*args)`` is the kernel's forward as a function of the differentiable
    arguments; ``checks`` lists ``(argnum, kernel_gradient, cotangent)``.
    """
    entry, (fwd, bwd) = OPS[name], kernels(name)
    batch, width = shape
    if isinstance(entry, Elementwise | Rowwise):
        inputs = rng.standard_normal(shape) * 3
        inputs[np.abs(inputs) < 1e-3] = 0.5  # away from kinks (ReLU at 0)
        g = rng.standard_normal(shape)
        output = fwd(inputs)
        args = (inputs,)
        return fwd, reference(name), args, [(0, bwd(inputs, output, g), g)]
    if isinstance(entry, Loss):
        # Inside (0, 1) and away from the clip at 1e-7 and 1 - 1e-7, where the loss is
        # flat and finite differences would straddle the kink.
        preds = rng.uniform(0.05, 0.95, shape)
        if entry.targets == "binary":
            targets = rng.integers(0, 2, shape).astype(float)
        else:
            targets = one_hot(rng, batch, width)

        def mean_loss(pred, target=targets):
            return np.mean(fwd(pred, target, batch, width))

        ref = reference(name)
        return (
            mean_loss,
            lambda pred: ref(pred, targets),
            (preds,),
            [(0, bwd(preds, targets, batch, width), 1.0)],
        )
    if isinstance(entry, Composed):
        logits, targets = rng.standard_normal(shape) * 3, one_hot(rng, batch, width)
        softmax = kernels(entry.activation)[0]

        def mean_loss(z):
            return np.mean(fwd(z, targets, batch, width))

        ref = reference(name)
        grad = bwd(logits, softmax(logits), targets, batch, width)
        return mean_loss, lambda z: ref(z, targets), (logits,), [(0, grad, 1.0)]
    if isinstance(entry, Affine):
        n_in = width + 2
        X = rng.standard_normal((batch, n_in))
        W, b = rng.standard_normal((n_in, width)), rng.standard_normal((1, width))
        G = rng.standard_normal((batch, width))
        dX, dW, db = bwd(X, W, G)
        return fwd, reference(name), (X, W, b), [(0, dX, G), (1, dW, G), (2, db, G)]
    if isinstance(entry, Penalty):
        # The penalty summed over a weight array; its gradient needs no incoming one.
        weights = rng.standard_normal(shape) * 3
        weights[np.abs(weights) < 1e-3] = 0.5  # away from the kink of |w|
        return fwd, reference(name), (weights,), [(0, bwd(weights), 1.0)]
    if isinstance(entry, Masked):  # dropout: one drawn mask, a rate
        inputs, g = rng.standard_normal(shape) * 3, rng.standard_normal(shape)
        mask, rate = rng.integers(0, 2, shape).astype(float), 0.3
        ref = reference(name)
        return (
            lambda x: fwd(x, mask, rate),
            lambda x: ref(x, mask, rate),
            (inputs,),
            [(0, bwd(mask, g, rate), g)],
        )
    if isinstance(entry, Normalization):  # x, gamma, beta; the group is a column or a row
        group = batch if entry.axis == "batch" else width
        inputs, G = rng.standard_normal(shape) * 3 + 1, rng.standard_normal(shape)
        gamma, beta = rng.standard_normal((1, width)), rng.standard_normal((1, width))
        ref = reference(name)
        dx, dgamma, dbeta = bwd(inputs, gamma, G, EPS_NORM, group)
        return (
            lambda x, gm, bt: fwd(x, gm, bt, EPS_NORM, group),
            lambda x, gm, bt: ref(x, gm, bt, EPS_NORM),
            (inputs, gamma, beta),
            [(0, dx, G), (1, dgamma, G), (2, dbeta, G)],
        )
    raise TypeError(name)


# BatchNorm's and LayerNorm's epsilon. Larger than PyTorch's 1e-5 here: a group of two
# normalises to -1, 1 whatever x is, and dx is then of the order of epsilon, which central
# differences could not resolve to FD_RTOL (tests/test_extremes.py takes 1e-5).
EPS_NORM = 1e-2


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_matches_the_definition(name, shape):
    forward, ref, args, _ = case(name, shape, np.random.default_rng(0))
    np.testing.assert_allclose(
        forward(*args), ref(*args), rtol=RTOL[np.float64], atol=ATOL[np.float64]
    )


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(OPS))
def test_backward_matches_autograd(name, shape):
    _, ref, args, checks = case(name, shape, np.random.default_rng(1))
    for argnum, gradient, cotangent in checks:
        expected = vjp(ref, argnum, args, cotangent)
        assert np.shape(gradient) == np.shape(expected)
        assert relative_error(gradient, expected) < RTOL[np.float64], (name, argnum)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(OPS))
def test_backward_matches_finite_differences(name, shape):
    forward, _, args, checks = case(name, shape, np.random.default_rng(2))
    for argnum, gradient, cotangent in checks:
        if np.size(args[argnum]) <= 400:
            expected = finite_difference(forward, args, argnum, cotangent, FD_STEP)
            assert relative_error(gradient, expected) < FD_RTOL, (name, argnum)
        else:  # along one random direction v: <v, J^T g> against the derivative along v
            rng = np.random.default_rng(3)
            v = rng.standard_normal(np.shape(args[argnum]))
            shifted = [list(args), list(args)]
            shifted[0][argnum] = args[argnum] + FD_STEP * v
            shifted[1][argnum] = args[argnum] - FD_STEP * v
            up, down = (np.sum(cotangent * forward(*a)) for a in shifted)
            directional = (up - down) / (2 * FD_STEP)
            assert abs(np.sum(v * gradient) - directional) < FD_RTOL * max(1, abs(directional))


@pytest.mark.parametrize("name", sorted(OPS))
def test_float32_stays_float32(name):
    rng = np.random.default_rng(4)
    _, _, args, checks = case(name, (6, 3), rng)
    entry, (fwd, bwd) = OPS[name], kernels(name)
    as32 = [a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args]
    if isinstance(entry, Elementwise | Rowwise):
        out = fwd(*as32)
        grads = [bwd(as32[0], out, as32[0])]
    elif isinstance(entry, Affine):
        out = fwd(*as32)
        grads = list(bwd(as32[0], as32[1], out))
    elif isinstance(entry, Penalty):
        out, grads = fwd(as32[0]), [bwd(as32[0])]
    elif isinstance(entry, Masked):
        mask = np.ones((6, 3), dtype=np.float32)
        out, grads = fwd(as32[0], mask, 0.25), [bwd(mask, as32[0], 0.25)]
    elif isinstance(entry, Normalization):
        group = 6 if entry.axis == "batch" else 3
        out = fwd(*as32, EPS_NORM, group)
        grads = list(bwd(as32[0], as32[1], out, EPS_NORM, group))
    else:
        target = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
        if isinstance(entry, Composed):
            out = fwd(as32[0], target, 6, 3)
            grads = [bwd(as32[0], kernels("softmax")[0](as32[0]), target, 6, 3)]
        else:
            p32 = np.full((6, 3), 0.3, dtype=np.float32)
            out, grads = fwd(p32, target, 6, 3), [bwd(p32, target, 6, 3)]
    assert out.dtype == np.float32
    assert all(np.asarray(grad).dtype == np.float32 for grad in grads)


def test_relu_derivative_at_zero_is_zero():
    fwd, bwd = kernels("relu")
    x = np.array([[-1.0, 0.0, 2.0]])
    assert bwd(x, fwd(x), np.ones_like(x)).tolist() == [[0.0, 0.0, 1.0]]
