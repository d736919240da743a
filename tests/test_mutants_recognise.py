"""numeric/check/recognise.py: which op of the table an object computes, and the truth
its generated kernels give. Each test names the behaviour it protects; the expected
values are written here (a ReLU, a dense layer, a softmax by hand), never read back
from the kernels. Run by ``python benchmarks/mutation.py``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from numeric.check import recognise as rc
from numeric.check.subject import Layout

X = np.array([[-1.5, 0.5, 2.0], [1.0, -0.25, 3.0]])  # (batch 2, features 3), no zero
W = np.array([[1.0, -2.0], [0.5, 0.0], [-1.0, 3.0]])  # (in 3, out 2)
B = np.array([0.25, -0.5])


def subject(arrays, layouts=(), hints=(), loss=False, labels=None):
    """What recognise reads off a style's Subject: its arrays, layouts, hints, loss, labels."""
    return SimpleNamespace(arrays=arrays, layouts=layouts, hints=hints, loss=loss, labels=labels)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ----- the protocol each op follows, and the ops a name suggests -----


def test_each_table_op_follows_the_protocol_of_its_kind():
    kinds = {op: rc.kind(op) for op in rc.entries()}
    assert kinds == {
        **dict.fromkeys(
            ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus", "silu", "gelu"],
            "activation",
        ),
        "mish": "activation",
        "softmax": "activation",
        **dict.fromkeys(["cross_entropy", "binary_cross_entropy", "mean_squared_error"], "loss"),
        "mean_absolute_error": "loss",
        "huber": "loss",
        "softmax_cross_entropy": "loss",
        "dense": "dense",
        "l2_penalty": "penalty",
        "l1_penalty": "penalty",
        "dropout": "masked",
        "layer_norm": "normalization",
        "batch_norm": "normalization",
    }


@pytest.mark.parametrize(
    "name, hints",
    [
        # the nnfs book's fused class: its alias first, then every op its name contains
        ("Activation_Softmax_Loss_CategoricalCrossentropy",
         ["softmax_cross_entropy", "cross_entropy", "softmax"]),
        ("SoftmaxWithLoss", ["softmax_cross_entropy", "softmax"]),
        ("Layer_Dense", ["dense"]),
        ("Affine", ["dense"]),
        ("FullyConnected", ["dense"]),
        ("nn.Linear", ["dense"]),
        ("Activation_ReLU", ["relu", "elu"]),  # "relu" contains "elu"
        ("LeakyReLU", ["leaky_relu", "relu", "elu"]),  # longest table name first
        ("Logistic", ["sigmoid"]),
        ("BCE", ["binary_cross_entropy"]),
        ("Loss_BinaryCrossentropy", ["binary_cross_entropy", "cross_entropy"]),
        ("mse_loss", ["mean_squared_error"]),
        ("Loss_MeanAbsoluteError", ["mean_absolute_error"]),
        ("Tanh", ["tanh"]),
        ("Conv2D", []),
    ],
)  # fmt: skip
def test_a_name_suggests_its_aliases_first_then_the_table_ops_it_contains(name, hints):
    assert rc.name_hints(name) == hints


# ----- the kernels' values -----


def test_integer_labels_become_one_hot_rows_and_others_keep_their_values():
    assert rc._one_hot(np.array([2, 0]), (2, 3)).tolist() == [[0, 0, 1], [1, 0, 0]]
    # one column: 0/1 targets of a binary loss, reshaped, not one-hot
    column = rc._one_hot(np.array([1, 0]), (2, 1))
    assert column.dtype == np.float64 and column.tolist() == [[1.0], [0.0]]
    assert rc._one_hot(np.array([1, 0]), (2, 2)).tolist() == [[0, 1], [1, 0]]  # two classes
    # bool labels are classes 1 and 0, not a mask over the rows
    assert rc._one_hot(np.array([True, False, True]), (3, 2)).tolist() == [[0, 1], [1, 0], [0, 1]]
    # float 0/1 targets in one dimension: values, never indices
    assert rc._one_hot(np.array([1.0, 0.0]), (2, 1)).tolist() == [[1.0], [0.0]]
    soft = rc._one_hot(np.array([[0.25, 0.75]]), (1, 2))
    assert soft.tolist() == [[0.25, 0.75]]


def test_the_dense_kernels_give_xw_plus_b_and_the_three_gradients_by_name():
    g = np.array([[1.0, 2.0], [-1.0, 0.5]])
    out, grads = rc.kernel_values("dense", X, {"weights": W, "biases": B[None]}, None, g)
    assert np.allclose(out, X @ W + B, rtol=0, atol=1e-12)
    assert list(grads) == ["dinputs", "dweights", "dbiases"]
    assert np.allclose(grads["dinputs"], g @ W.T, rtol=0, atol=1e-12)
    assert np.allclose(grads["dweights"], X.T @ g, rtol=0, atol=1e-12)
    assert np.allclose(grads["dbiases"].ravel(), [0.0, 2.5], rtol=0, atol=1e-12)
    assert all(v.dtype == np.float64 for v in grads.values())


def test_a_kernel_missing_an_argument_gives_nothing_and_no_cotangent_gives_the_forward_only():
    assert rc.kernel_values("dense", X, {}, None, None) is None  # no weights
    out, grads = rc.kernel_values("relu", X, {}, None, None)
    assert grads == {} and out.tolist() == [[0.0, 0.5, 2.0], [1.0, 0.0, 3.0]]


def test_the_softmax_cross_entropy_truth_is_softmax_minus_targets_over_the_batch():
    labels = np.array([2, 0])
    out, grads = rc.kernel_values("softmax_cross_entropy", X, {}, labels, np.full((2, 1), 0.5))
    expected = (softmax(X) - np.eye(3)[labels]) / 2
    assert np.allclose(grads["dinputs"], expected, rtol=0, atol=1e-12)
    losses = -np.log(softmax(X)[[0, 1], labels])
    assert np.allclose(np.ravel(out), losses, rtol=0, atol=1e-12)


def test_the_forward_error_is_the_largest_difference_or_for_a_loss_the_mean_difference():
    out = np.maximum(X, 0)
    out[1, 2] += 0.125
    out[0, 0] -= 0.0625
    assert rc._forward_error("relu", X, {}, None, out) == 0.125
    labels = np.array([2, 0])
    losses = -np.log(softmax(X)[[0, 1], labels])
    shifted = losses + np.array([0.5, -0.25])  # the mean moves by 0.125
    error = rc._forward_error("softmax_cross_entropy", X, {}, labels, shifted)
    assert error == pytest.approx(0.125, abs=1e-12)
    # a shape no kernel of the op takes: no error to give, not a crash
    assert rc._forward_error("dense", X, {"weights": W[:2], "biases": B}, None, out) is None
    assert rc._forward_error("dense", X, {}, None, out) is None


def test_kernel_arguments_undo_the_authors_transposed_storage():
    arrays = {"x": X.T, "W": W.T, "b": B.reshape(2, 1)}
    layout = Layout("x", "W", "b", inputs_transposed=True, weights_transposed=True)
    x, params = rc._kernel_args(arrays, layout)
    assert x.tolist() == X.tolist()
    assert params["weights"].tolist() == W.tolist()
    assert params["biases"].shape == (1, 2) and params["layout"] is layout
    x, params = rc._kernel_args({"x": X}, Layout("x"))
    assert x is X and params == {"layout": Layout("x")}


# ----- recognising -----


def test_an_activation_is_recognised_from_its_forward_among_the_activations():
    leaky = np.where(X > 0, X, 0.01 * X)
    op, layout, note = rc.recognise(None, subject({"x": X}), leaky)
    assert (op, layout) == ("leaky_relu", Layout("x"))  # relu, tried first, differs at x < 0
    assert (
        note == "recognised as `leaky_relu` from its forward; forward matches its kernel "
        "(max abs 0)"
    )


def test_an_op_the_names_suggest_is_confirmed_by_its_forward():
    s = subject({"x": X}, hints=("tanh",))
    op, _, note = rc.recognise(None, s, np.tanh(X))
    assert op == "tanh"
    assert note.startswith("recognised as `tanh` from the names; forward matches its kernel")
    op, layout, note = rc.recognise(None, subject({"x": X}, hints=("relu", "elu")), np.tanh(X))
    assert (op, layout) == (None, None)
    assert note == "the names suggest `relu` or `elu`, but forward differs from its kernel"


def test_a_given_op_is_kept_and_the_note_says_by_how_much_its_forward_differs():
    op, layout, note = rc.recognise("tanh", subject({"x": X}), np.tanh(X))
    assert (op, layout, note) == (
        "tanh",
        Layout("x"),
        "given; forward matches its kernel (max abs 0)",
    )
    op, layout, note = rc.recognise("tanh", subject({"x": X}), np.tanh(X) + 0.5)
    assert (op, layout) == ("tanh", Layout("x"))
    assert note == "op `tanh` given, but forward differs by 0.5 from its kernel"
    # dense given for an object without weights: no kernel to run
    op, _, note = rc.recognise("dense", subject({"x": X}), X)
    assert (
        op == "dense" and note == "op `dense` given, but forward cannot be compared with its kernel"
    )


def test_an_unknown_forward_is_left_to_the_differences_and_a_nameless_input_to_nothing():
    assert rc.recognise(None, subject({"x": X}), X**3) == (
        None,
        None,
        "op not recognised: checked against finite differences only",
    )
    assert rc.recognise(None, subject({"x": X}, layouts=(Layout(""),)), X) == (None, None, "")


def test_an_error_exactly_at_the_bound_is_a_match_and_an_empty_output_no_crash():
    x = np.array([[-1.0, 1.0]])
    out = np.array([[1e-6, 1.0]])  # relu gives 0 there: error 1e-6, the bound at scale 1
    assert rc.recognise(None, subject({"x": x}, hints=("relu",)), out)[0] == "relu"
    empty = np.zeros((0, 3))
    assert rc.recognise(None, subject({"x": empty}, hints=("relu",)), empty)[0] is None


def test_infinite_values_are_compared_without_floating_point_warnings():
    # inf - inf in the squared error: nan, silently (RuntimeWarning is an error here)
    p = np.array([[np.inf, 1.0]])
    out, _ = rc.kernel_values("mean_squared_error", p, {}, p.copy(), None)
    assert np.isnan(out).all()


def test_the_forward_must_match_to_a_millionth_of_the_outputs_scale():
    big = 1000 * X
    near = np.maximum(big, 0)
    near[0, 2] += 5e-4  # bound 1e-6 * 3000 = 3e-3
    assert rc.recognise(None, subject({"x": big}, hints=("relu",)), near)[0] == "relu"
    near[0, 2] += 3e-3  # 3.5e-3 > 3e-3
    assert rc.recognise(None, subject({"x": big}, hints=("relu",)), near)[0] is None
    small = np.maximum(X / 100, 0)  # outputs under 1: the bound stays 1e-6
    small[1, 2] += 2e-6
    assert rc.recognise(None, subject({"x": X / 100}, hints=("relu",)), small)[0] is None
    small[1, 2] -= 1.5e-6
    assert rc.recognise(None, subject({"x": X / 100}, hints=("relu",)), small)[0] == "relu"


def test_a_dense_layer_with_weights_stored_out_by_in_is_recognised_in_its_second_layout():
    arrays = {"x": X, "W": W.T.copy(), "b": B}
    layouts = (Layout("x", "W", "b"), Layout("x", "W", "b", weights_transposed=True))
    op, layout, note = rc.recognise(None, subject(arrays, layouts), X @ W + B)
    assert op == "dense" and layout == layouts[1]
    assert note.startswith("recognised as `dense` from its forward; forward matches")


def test_a_layer_storing_inputs_features_by_batch_is_compared_on_its_transposed_output():
    arrays = {"x": X.T.copy()}
    layout = Layout("x", inputs_transposed=True)
    op, found, _ = rc.recognise(
        None, subject(arrays, (layout,), ("sigmoid",)), 1 / (1 + np.exp(-X.T))
    )
    assert (op, found) == ("sigmoid", layout)


def test_a_loss_is_recognised_by_its_mean_among_the_losses_only():
    labels = np.array([2, 0])
    losses = -np.log(softmax(X)[[0, 1], labels])
    s = subject({"x": X}, loss=True, labels=labels)
    op, _, note = rc.recognise(None, s, losses)
    assert op == "softmax_cross_entropy"
    assert note.startswith("recognised as `softmax_cross_entropy` from its forward")


# ----- the truth -----


def test_the_truth_is_given_by_array_name_in_the_authors_layout():
    g = np.array([[1.0, 2.0], [-1.0, 0.5]])
    arrays = {"x": X.T.copy(), "W": W.T.copy(), "b": B.reshape(2, 1)}
    layout = Layout("x", "W", "b", inputs_transposed=True, weights_transposed=True)
    back = rc.truth("dense", layout, subject(arrays), g.T)
    assert sorted(back) == ["W", "b", "x"]
    assert np.allclose(back["x"], (g @ W.T).T, rtol=0, atol=1e-12)
    assert np.allclose(back["W"], (X.T @ g).T, rtol=0, atol=1e-12)
    assert back["b"].shape == (2, 1) and np.allclose(back["b"].ravel(), [0.0, 2.5])
    assert rc.truth("dense", None, subject(arrays), g) == {}
    assert rc.truth("dense", Layout("x"), subject({"x": X}), g) == {}  # no weights: no kernel


def test_a_loss_truth_takes_the_cotangent_of_the_batch_mean_whatever_g_is_given():
    labels = np.array([2, 0])
    s = subject({"x": X}, loss=True, labels=labels)
    back = rc.truth("softmax_cross_entropy", Layout("x"), s, np.ones((2, 1)))
    expected = (softmax(X) - np.eye(3)[labels]) / 2
    assert list(back) == ["x"] and np.allclose(back["x"], expected, rtol=0, atol=1e-12)


def test_a_one_dimensional_gamma_gets_its_gradient_in_its_own_shape():
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, 0.25, -1.0])
    arrays = {"x": X, "gamma": gamma, "beta": beta}
    mean, var = X.mean(axis=0), X.var(axis=0)
    xhat = (X - mean) / np.sqrt(var + 1e-5)
    out = gamma * xhat + beta
    s = subject(arrays, (Layout("x"),), hints=("batch_norm",))
    op, layout, note = rc.recognise(None, s, out)
    assert op == "batch_norm" and note.startswith(
        "recognised as `batch_norm` from the names (eps = 1e-05)"
    )
    g = np.array([[1.0, -1.0, 0.5], [0.25, 2.0, -0.5]])
    back = rc.truth(op, layout, s, g)
    assert back["gamma"].shape == (3,) and back["beta"].shape == (3,)
    assert np.allclose(back["gamma"], (g * xhat).sum(axis=0), rtol=0, atol=1e-9)
    assert np.allclose(back["beta"], g.sum(axis=0), rtol=0, atol=1e-12)


def test_a_norm_without_gamma_or_beta_arrays_gets_the_input_gradient_only():
    xhat = (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + 1e-5)
    s = subject({"x": X}, (Layout("x"),), hints=("batch_norm",))
    op, layout, _ = rc.recognise(None, s, xhat)
    assert op == "batch_norm" and (layout.weights, layout.biases) == (None, None)
    back = rc.truth(op, layout, s, np.ones_like(X))
    assert list(back) == ["x"]
    assert np.allclose(back["x"], 0.0, rtol=0, atol=1e-12)  # a sum's gradient through a norm


# ----- penalties in a parameter's gradient -----

WP = np.array([[0.5, -1.0], [2.0, -0.25]])  # no zero


def test_an_l2_penalty_is_named_with_its_lambda():
    note = rc.penalty(WP, 0 * WP, 5e-4 * 2 * WP, 1e-7, 1e-12)
    assert note == (
        "the objective with an L2 penalty, lambda = 0.0005 (forward's loss + lambda * sum w^2), "
        "not for forward alone"
    )


def test_an_l1_penalty_is_named_and_at_zero_weights_the_books_convention_too():
    note = rc.penalty(WP, 0 * WP, 0.01 * np.sign(WP), 1e-7, 1e-12)
    assert note == (
        "the objective with an L1 penalty, lambda = 0.01 (forward's loss + lambda * sum |w|), "
        "not for forward alone"
    )
    zeros = np.array([[0.0, -1.0], [2.0, 0.0]])
    book = 0.01 * np.where(zeros < 0, -1.0, 1.0)  # dL1[w < 0] = -1, +1 elsewhere (0 too)
    assert rc.penalty(zeros, 0 * zeros, book, 1e-7, 1e-12) == (
        "the objective with an L1 penalty, lambda = 0.01 (forward's loss + lambda * sum |w|)"
        + rc.BOOK_AT_ZERO
        + ", not for forward alone"
    )


def test_both_penalties_at_once_are_fitted_together():
    difference = 0.01 * np.sign(WP) + 1e-3 * 2 * WP
    assert rc.penalty(WP, 0 * WP, difference, 1e-7, 1e-12) == (
        "the objective with an L1+L2 penalty, lambda_L1 = 0.01, lambda_L2 = 0.001 "
        "(forward's loss + lambda_L1 * sum |w| + lambda_L2 * sum w^2), not for forward alone"
    )


def test_what_no_penalty_explains_is_not_called_one():
    # a negative lambda (the gradient of a reward), a difference of another shape of w,
    # a sum of penalties with one negative strength, and a residual over the bound
    assert rc.penalty(WP, 0 * WP, -5e-4 * 2 * WP, 1e-7, 1e-12) is None
    assert rc.penalty(WP, 0 * WP, 1e-3 * WP**3, 1e-7, 1e-12) is None
    assert rc.penalty(WP, 0 * WP, 0.01 * np.sign(WP) - 1e-3 * 2 * WP, 1e-7, 1e-12) is None
    off = 5e-4 * 2 * WP
    off[0, 0] += 1e-4  # bound 1e-12 + rtol * max|expected + fitted|, expected 2: 2e-7
    expected = np.full_like(WP, 2.0)
    assert rc.penalty(WP, expected, off, 1e-7, 1e-12) is None
    assert rc.penalty(WP, expected, off, 1e-4, 1e-12) is not None  # bound 2e-4: within it
    # an empty w: only the absolute tolerance bounds it, and nothing is fitted
    assert rc.penalty(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 2)), 1e-7, 1e-12) is None


def test_no_difference_is_no_penalty_and_a_residual_at_the_bound_is_within_it():
    assert rc.penalty(WP, 0 * WP, np.zeros_like(WP), 1e-7, 1e-12) is None  # lambda 0: no penalty
    # w = (1, 2, 3): L2's direction (2, 4, 6), lambda 0.5 exactly; the rest, (0.25, -0.5,
    # 0.25), is orthogonal to w and to L1's (1, 1, 1), so the residual is exactly 0.5: at
    # the bound (atol 0.5), accepted
    w, difference = np.array([[1.0, 2.0, 3.0]]), np.array([[1.25, 1.5, 3.25]])
    assert rc.penalty(w, 0 * w, difference, 0.0, 0.5) == (
        "the objective with an L2 penalty, lambda = 0.5 (forward's loss + lambda * sum w^2), "
        "not for forward alone"
    )
    assert rc.penalty(w, 0 * w, difference, 0.0, 0.4999) is None


def test_the_l1_fit_at_zero_is_tried_only_where_some_weight_is_zero():
    # all-zero weights: L2's direction is 0 and the table's L1 too; only the book's +1
    assert rc.penalty(np.zeros((2, 2)), np.zeros((2, 2)), np.full((2, 2), 0.5), 1e-7, 1e-12) == (
        "the objective with an L1 penalty, lambda = 0.5 (forward's loss + lambda * sum |w|)"
        + rc.BOOK_AT_ZERO
        + ", not for forward alone"
    )
    # without a zero, +1 everywhere is no L1 gradient of w
    assert rc.penalty(np.abs(WP), 0 * WP, np.full((2, 2), 0.5) + 1e-3 * WP, 1e-7, 1e-12) is None


def test_a_penalty_gradient_has_lambda_one_and_the_weights_shape():
    # the table's penalty kernels take w alone (lambda = 1 built in): what
    # mutation_equivalent.py says of _penalty_gradient's other entries rests on this
    assert rc_kernels("l2_penalty").args == ("w",) and rc_kernels("l1_penalty").args == ("w",)
    l2 = rc._penalty_gradient(rc_kernels("l2_penalty"), WP)
    assert l2.shape == (2, 2) and l2.tolist() == (2 * WP).tolist()
    l1 = rc._penalty_gradient(rc_kernels("l1_penalty"), WP)
    assert l1.tolist() == [[1.0, -1.0], [1.0, -1.0]]


def rc_kernels(op):
    from numeric.kernels import kernels

    return kernels(op)[1]


# ----- layer_ops: dropout and the norms, read off the object -----


def test_dropouts_mask_and_rate_are_read_off_its_output():
    from numeric.check import layer_ops

    x = np.array([[1.0, -2.0, 0.0], [4.0, 0.5, -1.0]])
    mask = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    fitted = layer_ops._mask_and_rate(x, mask * x / 0.75)  # rate 0.25
    assert fitted["r"] == pytest.approx(0.25, abs=1e-12)
    # x == 0 tells nothing: not kept, whatever the mask drew there
    assert fitted["m"].tolist() == [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]
    assert layer_ops._mask_and_rate(x, 0 * x) == {"m": pytest.approx(0 * x), "r": 0.0}
    assert layer_ops._mask_and_rate(x, 0.5 * x)["r"] == 0.0  # shrunk: no inverted dropout
    assert layer_ops._mask_and_rate(x, x)["r"] == 0.0


def test_dropout_is_recognised_with_its_rate_and_the_note_says_so():
    x = np.array([[1.0, -2.0, 3.0], [4.0, 0.5, -1.0]])
    mask = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    s = subject({"x": x}, hints=("dropout",))
    op, layout, note = rc.recognise(None, s, mask * x / 0.5)
    assert op == "dropout" and layout.fitted["r"] == pytest.approx(0.5)
    assert note.startswith("recognised as `dropout` from the names (its mask, rate = 0.5, read")
    op, _, note = rc.recognise(None, s, mask * x)
    assert note.startswith(
        "recognised as `dropout` from the names (its mask read off the output; not inverted: "
        "rate 0 in y = m x / (1 - r))"
    )
    g = np.ones_like(x)
    assert rc.truth("dropout", layout, s, g)["x"].tolist() == (mask / 0.5).tolist()


def test_the_norms_find_gamma_and_beta_by_name_or_suffix_and_width():
    from numeric.check import layer_ops

    arrays = {"x": X, "bn_gamma": np.ones(3), "gamma": np.ones(2), "bn_beta": np.zeros(3)}
    assert layer_ops._named(arrays, layer_ops.SCALES[0], 3) == "bn_gamma"
    assert layer_ops._named(arrays, layer_ops.SCALES[1], 3) == "bn_beta"
    assert layer_ops._named({"agamma": np.ones(3)}, ("gamma",), 3) is None
    assert layer_ops._named({"weights": np.ones(3), "W": np.ones(3)}, ("W", "weights"), 3) == "W"
    fits = layer_ops.layouts(rc.entries()["batch_norm"], arrays, Layout("x"), X)
    assert [f.fitted["epsilon"] for f in fits] == list(layer_ops.EPSILONS)
    assert (fits[0].weights, fits[0].biases) == ("bn_gamma", "bn_beta")
    assert layer_ops.layouts(rc.entries()["batch_norm"], arrays, Layout("x"), X[:1]) == []
    assert layer_ops.layouts(rc.entries()["batch_norm"], {"x": X[0]}, Layout("x"), X[0]) == []
    assert layer_ops.layouts(rc.entries()["batch_norm"], arrays, Layout("z"), X) == []
    assert layer_ops.describe(Layout("x")) == ""
    assert layer_ops.describe(fits[0]) == " (eps = 1e-05)"


def test_layer_norm_normalises_each_row_and_takes_gamma_over_the_features():
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, 0.25, -1.0])
    mean, var = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)
    out = gamma * (X - mean) / np.sqrt(var + 1e-3) + beta
    s = subject({"x": X, "gamma": gamma, "beta": beta}, (Layout("x"),), hints=("layer_norm",))
    op, layout, note = rc.recognise(None, s, out)
    assert op == "layer_norm" and note.startswith(
        "recognised as `layer_norm` from the names (eps = 0.001)"
    )
    from numeric.check import layer_ops

    found = layer_ops.inputs(rc.entries()["layer_norm"], X, {}, Layout("x"))
    assert found["N"] == 3 and found["gamma"].tolist() == [[1.0, 1.0, 1.0]]
    assert found["beta"].tolist() == [[0.0, 0.0, 0.0]]
    found = layer_ops.inputs(rc.entries()["batch_norm"], X, {}, Layout("x"))
    assert found["N"] == 2


# ----- sampling: inputs away from kinks, targets each loss expects -----


def test_layer_inputs_keep_away_from_zero_with_both_signs():
    from numeric.check import sampling

    x = sampling.layer_inputs((200, 5), np.random.default_rng(0))
    assert x.shape == (200, 5)
    assert 0.1 <= np.abs(x).min() < 0.2 and 1.9 < np.abs(x).max() <= 2.0  # the whole range
    assert (x < 0).any() and (x > 0).any()


def test_inputs_near_the_kink_are_moved_to_plus_or_minus_the_kink_and_counted():
    from numeric.check import sampling

    x = np.array([0.0, -5e-4, 5e-4, 1e-3, -0.5])
    moved, notes = sampling.away_from_kinks(x)
    assert moved.tolist() == [1e-3, -1e-3, 1e-3, 1e-3, -0.5]
    assert notes == ["3 inputs within 0.001 of 0 (ReLU's kink) moved to +-0.001"]
    assert x[0] == 0.0  # a copy
    assert sampling.away_from_kinks(np.array([0.5, -2.0]))[1] == []


def test_each_loss_gets_the_targets_its_table_entry_declares():
    from numeric.check import sampling

    def draw(op, labels=None):
        return sampling.loss_inputs(op, (6, 4), np.random.default_rng(3), labels)

    logits, indices = draw("softmax_cross_entropy")
    assert indices.shape == (6,) and indices.dtype.kind == "i" and np.abs(logits).max() < 6
    assert draw("softmax_cross_entropy", "onehot")[1].sum(axis=1).tolist() == [1.0] * 6
    p, t = draw("binary_cross_entropy")
    assert 0.05 <= p.min() and p.max() <= 0.95 and set(np.unique(t)) <= {0.0, 1.0}
    assert t.shape == (6, 4) and t.dtype == np.float64
    assert t.sum(axis=1).tolist() == [1.0, 2.0, 2.0, 3.0, 2.0, 2.0]  # independent 0/1, not one-hot
    p, t = draw("mean_squared_error")
    assert t.shape == (6, 4) and t.dtype == np.float64 and (t < 0).any() and (p < 0).any()
    p, t = draw("cross_entropy")  # one-hot targets declared: class indices, as nnfs
    assert np.allclose(p.sum(axis=1), 1.0) and t.shape == (6,)
    assert draw("cross_entropy", "onehot")[1].shape == (6, 4)
    p, t = draw(None)  # an unrecognised loss: probabilities and one-hot rows
    assert np.allclose(p.sum(axis=1), 1.0) and t.shape == (6, 4)
    # a softmax of small logits (scale 0.5): no probability near the clip at 0 or 1
    assert 0.08 < p.min() and p.max() < 0.67
    many = sampling.loss_inputs("softmax_cross_entropy", (60, 4), np.random.default_rng(0), None)
    assert sorted(set(many[1].tolist())) == [0, 1, 2, 3]  # class 0 included
    assert draw(None, "indices")[1].shape == (6,)
    assert draw("relu")[1].shape == (6, 4)  # not a loss: as an unrecognised one


# ----- randomness: a random forward checked with its randomness frozen -----


def test_frozen_puts_back_every_random_state_each_forward():
    from numeric.check.randomness import Frozen, draws_randomly

    class Dropout:
        def __init__(self):
            self.rng = np.random.default_rng(5)
            self.legacy = np.random.RandomState(6)

    layer, param = Dropout(), {"seed": 0, "rng": np.random.default_rng(7)}
    frozen = Frozen(layer, param)
    assert len(frozen.generators) == 3

    def forward():
        import random

        return np.array(
            [
                np.random.rand(),
                random.random(),
                layer.rng.random(),
                layer.legacy.rand(),
                param["rng"].random(),
            ]
        )

    frozen.reset()
    first = forward()
    frozen.reset()
    assert np.array_equal(forward(), first)
    assert draws_randomly(frozen, forward)  # without resets, two forwards differ
    assert frozen.active  # and resetting is on again
    assert not draws_randomly(frozen, lambda: np.ones(2))
    frozen.reset()
    assert np.array_equal(forward(), first)


def test_a_generator_held_twice_is_frozen_once_and_only_one_level_deep():
    from numeric.check.randomness import Frozen

    rng = np.random.default_rng(0)
    holder = SimpleNamespace(a=rng, b=rng, inner=SimpleNamespace(c=np.random.default_rng(1)))
    assert [g for g, _ in Frozen(holder, {"r": rng}, rng).generators] == [rng]
    seen = []
    Frozen(extra=((lambda: "state", seen.append),)).reset()
    assert seen == ["state"]


def test_outputs_differ_by_shape_or_value_and_nan_equals_nan():
    from numeric.check.randomness import differs

    assert not differs(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    assert differs(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    assert differs(np.ones(2), np.ones((1, 2)))
    assert differs(np.ones(2), np.ones(3))


# ----- subject: where a dense op is among positional arguments -----


def test_argument_layouts_put_weights_in_out_first_unless_the_style_says_out_in():
    from numeric.check.subject import argument_layouts

    arrays = {"x": X, "w": W, "b": B}
    assert argument_layouts(["x", "w", "b"], arrays) == (
        Layout("x", "w", "b"),
        Layout("x", "w", "b", weights_transposed=True),
    )
    assert argument_layouts(["x", "w"], arrays, out_in_first=True) == (
        Layout("x", "w", None, weights_transposed=True),
        Layout("x", "w", None),
    )
    assert argument_layouts(["x", "b"], arrays) == (Layout("x"),)
    assert argument_layouts(["b", "x"], arrays) == (Layout("b"),)
    assert argument_layouts(["x"], arrays) == (Layout("x"),)


# ----- styles.pick: which way of writing a backward a target is -----


def test_each_style_is_picked_from_the_targets_structure_and_anything_else_refused():
    from numeric.check.errors import CheckError
    from numeric.check.styles import cs231n, micrograd, objects, pick
    from tests.corpus.styles import cs231n_layers, micrograd_engine

    class Layer:
        def forward(self, inputs):
            self.output = inputs

        def backward(self, dvalues):
            self.dinputs = dvalues

    assert pick(micrograd_engine.Value) is micrograd  # a class: before the functions
    assert pick(cs231n_layers.affine_forward) is cs231n
    assert pick(Layer()) is objects
    with pytest.raises(CheckError) as refused:
        pick(Layer)  # the class, not an instance
    assert str(refused.value) == (
        "Layer: no forward to check (expected forward/backward methods, a forward function "
        "with its backward, a micrograd Value class or a torch Function); it has: backward, "
        "forward"
    )
    with pytest.raises(CheckError) as refused:
        pick(3.5)
    assert str(refused.value).startswith("float: no forward to check")
    assert "; it has: " in str(refused.value)  # its public methods, whatever they are


def test_a_random_error_is_not_excused_as_a_penalty_because_the_weights_are_large():
    # Was: the bound scaled with max|w|; with weights of 300 a random error of 0.7 % of
    # the gradient was "an L2 penalty, lambda = 4.4e-07" and the check passed.
    rng = np.random.default_rng(5)
    w = 300 * rng.standard_normal((4, 3))
    expected = rng.standard_normal((4, 3)) / 4
    error = 7e-3 * np.abs(expected).max() * rng.standard_normal((4, 3))
    assert rc.penalty(w, expected, error, 1e-5, 1e-10) is None
    assert rc.penalty(w, expected, 4.4e-7 * 2 * w, 1e-5, 1e-10) is not None  # a true L2


def test_the_penalty_fit_is_bounded_by_the_gradient_it_makes_not_by_its_parts():
    # expected = -fitted: the kernel's gradient plus the penalty is 0, so the bound is
    # atol alone; an error of 1e-6 is over it (with expected - fitted, or a floor of 1,
    # the bound would be 4e-4 or 0.1)
    fitted = 5e-4 * 2 * WP
    difference = fitted.copy()
    difference[0, 0] += 1e-6
    assert rc.penalty(WP, -fitted, difference, 0.1, 1e-12) is None
    assert rc.penalty(WP, -fitted, fitted, 0.1, 1e-12) is not None
