"""numeric/losses.py: behaviours that mutation testing found unprotected.

Each test names the behaviour; the expected numbers are worked out by hand in the
comments, never computed by the package. Run by ``python benchmarks/mutation.py``.
"""

import numpy as np
import pytest

from numeric.losses import Huber, Loss, MeanAbsoluteError, MeanSquaredError, SoftmaxCrossEntropy


def test_huber_switches_from_quadratic_to_linear_at_delta_1():
    # residuals 0.5, 0.9 (quadratic: r^2 / 2) and 1.1, 3 (linear: |r| - 1/2), one sample
    y_pred = np.array([[0.5, -0.9, 1.1, 3.0]])
    losses = Huber().forward(y_pred, np.zeros((1, 4)))
    assert losses == pytest.approx([(0.125 + 0.405 + 0.6 + 2.5) / 4], rel=1e-12)


def test_huber_gradient_is_the_residual_clipped_to_plus_minus_1_over_the_size():
    # d/dp of the mean over 2 samples x 2 outputs: clip(p - t, -1, 1) / 4
    y_pred = np.array([[0.5, -3.0], [2.0, 0.0]])
    y_true = np.array([[0.0, 0.0], [0.0, 0.25]])
    grad = Huber().backward(y_pred, y_true)
    assert grad == pytest.approx(np.array([[0.125, -0.25], [0.25, -0.0625]]), rel=1e-12)


def test_mean_absolute_error_is_the_mean_of_absolute_residuals_over_outputs():
    losses = MeanAbsoluteError().forward(np.array([[1.5, -2.0, 0.0]]), np.zeros((1, 3)))
    assert losses == pytest.approx([3.5 / 3], rel=1e-12)


def test_mean_absolute_error_gradient_is_the_sign_over_the_size_with_sign_0_equal_0():
    # PyTorch's L1Loss gives sign(0) = 0 at a zero residual
    grad = MeanAbsoluteError().backward(np.array([[1.5, -2.0, 0.0]]), np.zeros((1, 3)))
    assert grad.tolist() == [[1 / 3, -1 / 3, 0.0]]


def test_bad_predictions_are_named_as_predictions_given_to_the_loss():
    with pytest.raises(ValueError, match=r"predictions given to MeanSquaredError\(\) must be"):
        MeanSquaredError().forward(np.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match=r"predictions given to Huber\(\) must be floating"):
        Huber().backward(np.zeros((2, 2), dtype=int), np.zeros((2, 2)))


def test_bad_logits_are_named_as_logits_given_to_softmax_cross_entropy():
    with pytest.raises(ValueError, match=r"logits given to SoftmaxCrossEntropy\(\) must be"):
        SoftmaxCrossEntropy().backward(np.zeros(3), np.array([0]))


def test_a_user_loss_of_probabilities_refuses_others_with_the_generic_hint():
    from numeric.losses import Loss
    from symbolic.define import define_loss, undefine

    define_loss("mutants_clipped_log", "-t*log(p)", clip=True, targets="onehot")
    try:
        loss = Loss("mutants_clipped_log")
        with pytest.raises(ValueError, match=r"to 1.5: the last layer must give probabilities$"):
            loss.forward(np.array([[1.5, -0.5]]), np.array([0]))
    finally:
        undefine("mutants_clipped_log")


def test_a_user_loss_on_probabilities_says_the_last_layer_must_give_them():
    from symbolic import define

    define.define_loss("clipped_square_m", "(p - t)**2", clip=True, targets="binary")
    try:
        with pytest.raises(ValueError) as error:
            Loss("clipped_square_m").forward(np.array([[1.5], [0.2]]), np.array([[1], [0]]))
    finally:
        define.undefine("clipped_square_m")
    assert str(error.value) == (
        "Loss() needs probabilities in [0, 1], got values from 0 to 1.5: the last layer must "
        "give probabilities"
    )
