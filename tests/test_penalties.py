"""The L1 and L2 weight penalties: the nnfs book's chapter 14 formulas, their convention
at 0 written as numbers, lambda as a parameter, and the call a gradient checker makes
to fit a layer's lambda. Oracles, extremes, proofs and notebooks cover them with the
rest of the table (test_kernels, test_extremes, test_properties, test_proofs...)."""

from __future__ import annotations

import numpy as np
import pytest

from numeric import Activation
from numeric.kernels import kernels, kernels_for
from symbolic import op
from symbolic.ops import OPS, Penalty

PENALTIES = sorted(n for n, e in OPS.items() if isinstance(e, Penalty))
LAMBDA = 5e-4  # the nnfs book's weight_regularizer_l2 in chapter 14


def nnfs_regularization(weights, l1, l2):
    """The nnfs book's Loss.regularization_loss and Layer_Dense.backward, for weights."""
    loss = l1 * np.sum(np.abs(weights)) + l2 * np.sum(weights * weights)
    dL1 = np.ones_like(weights)  # noqa: N806 - the book's name
    dL1[weights < 0] = -1
    return loss, l1 * dL1 + 2 * l2 * weights


def test_l1_gradient_at_zero_is_zero():
    w = np.array([[-2.0, 0.0, 3.0]])
    assert kernels("l1_penalty")[1](w).tolist() == [[-1.0, 0.0, 1.0]]
    assert kernels("l1_penalty(lambda_=0.0005)")[1](w).tolist() == [[-0.0005, 0.0, 0.0005]]
    assert kernels("l2_penalty(lambda_=0.0005)")[1](w).tolist() == [[-0.002, 0.0, 0.003]]


def test_the_nnfs_books_penalties_and_where_l1_differs():
    w = np.random.default_rng(0).standard_normal((64, 32))
    w[0, :3] = 0.0
    l1_forward, l1_backward = kernels(f"l1_penalty(lambda_={LAMBDA})")
    l2_forward, l2_backward = kernels(f"l2_penalty(lambda_={LAMBDA})")
    loss, _ = nnfs_regularization(w, LAMBDA, LAMBDA)
    np.testing.assert_allclose(l1_forward(w) + l2_forward(w), loss, rtol=1e-14)
    _, only_l2 = nnfs_regularization(w, 0.0, LAMBDA)
    np.testing.assert_array_equal(l2_backward(w), only_l2)  # 2 * lambda * w, bit for bit
    _, only_l1 = nnfs_regularization(w, LAMBDA, 0.0)
    differ = l1_backward(w) != only_l1
    assert differ.sum() == 3 and np.all(w[differ] == 0)  # the book gives +lambda at 0
    assert np.all(l1_backward(w)[differ] == 0) and np.all(only_l1[differ] == LAMBDA)


@pytest.mark.parametrize("name", PENALTIES)
def test_lambda_is_set_like_alpha(name):
    by_name = kernels(f"{name}(lambda_=0.0005)")
    by_entry = kernels_for(op(name).with_params(lambda_=5e-4))
    assert [k.source for k in by_name] == [k.source for k in by_entry]
    assert op(name).params[0][1] == 1  # the default: backward(w) is the direction
    assert "0.0005" in by_name[0].source
    with pytest.raises(TypeError, match="no parameter 'alpha'"):
        op(name).with_params(alpha=0.1)


@pytest.mark.parametrize("name", PENALTIES)
def test_a_layers_lambda_is_fitted_by_least_squares_from_the_direction(name):
    # What a gradient checker does: dweights = data term + lambda * direction, with the
    # direction from the default entry (lambda = 1); lambda = <r, d> / <d, d>.
    rng = np.random.default_rng(1)
    W, data = rng.standard_normal((64, 32)), rng.standard_normal((64, 32))
    _, penalty = nnfs_regularization(W, *((LAMBDA, 0.0) if name == "l1_penalty" else (0, LAMBDA)))
    dweights = data + penalty
    direction = kernels(name)[1](W)
    fitted = np.sum((dweights - data) * direction) / np.sum(direction * direction)
    assert abs(fitted - LAMBDA) <= 1e-15


@pytest.mark.parametrize("name", PENALTIES)
def test_a_penalty_is_not_an_activation(name):
    from numeric.cli_train import UsageError, _check_activation
    from numeric.model import ModelFileError, _activation

    with pytest.raises(ValueError, match="not an activation"):
        Activation(name)
    with pytest.raises(UsageError) as refused:
        _check_activation(name)
    assert "penalty" not in str(refused.value).split("choose from")[1]
    with pytest.raises(ModelFileError, match="not an activation"):
        _activation(name, "model.npz")
