"""numeric/check/styles/cs231n.py: cs231n's function pairs, ``out, cache = f_forward(...)``
and ``f_backward(dout, cache)``, and losses returning ``(loss, dx)``. Each test names the
behaviour it protects; the layers are written here (the affine layer and softmax loss of
the cs231n handouts), their wrong versions planted by hand. Run by
``python benchmarks/mutation.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric.check import check_gradients
from numeric.check.errors import CheckError
from numeric.check.styles import cs231n
from numeric.check.subject import Layout, Options

RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 3))
W = RNG.standard_normal((3, 2))
B = RNG.standard_normal(2)
LABELS = np.array([0, 2, 1, 2])


def affine_forward(x, w, b):
    return x @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def shifted_forward(x, w, b):  # its backward forgets to sum db over the batch
    return x @ w + b, (x, w, b)


def shifted_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.T @ dout, dout[0]


def leaky(x):
    return np.where(x > 0, x, 0.01 * x), x


def leaky_backward(dout, cache):
    return np.where(cache > 0, dout, 0.01 * dout)


def conv_forward_naive(x, w, b):
    return x @ w + b, (x, w, b)


def conv_backward_naive(dout, cache):
    return affine_backward(dout, cache)


def softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    dx = p.copy()
    dx[np.arange(len(y)), y] -= 1
    return loss, dx / len(y)


def softmax_loss_in_place(x, y):
    x -= x.max(axis=1, keepdims=True)  # moves the caller's array
    return softmax_loss(x, y)


def options(**given) -> Options:
    return Options(rng=np.random.default_rng(0), **given)


def one(forward, *args, **given):
    with cs231n.subjects(forward, args, options(**given)) as found:
        (subject,) = found
        return subject


# ----- finding the backward -----


def test_the_backward_is_found_by_name_in_the_forwards_module():
    assert cs231n.backward_of(affine_forward) is affine_backward
    assert cs231n.backward_of(conv_forward_naive) is conv_backward_naive
    assert cs231n.backward_of(leaky) is leaky_backward  # sigmoid -> sigmoid_backward
    assert cs231n.backward_of(softmax_loss) is None


def test_a_backward_name_bound_to_something_not_a_function_is_not_taken():
    def relu_forward(x):
        return np.maximum(x, 0), x

    relu_forward.__module__ = "no.such.module"
    assert cs231n.backward_of(relu_forward) is None
    global affine2_backward
    affine2_backward = "not a function"

    def affine2_forward(x, w, b):
        return affine_forward(x, w, b)

    try:
        assert cs231n.backward_of(affine2_forward) is None
    finally:
        del affine2_backward


def test_only_functions_are_this_styles():
    assert cs231n.accepts(affine_forward)
    assert not cs231n.accepts(np.maximum) and not cs231n.accepts(Options)


# ----- the subject -----


def test_an_affine_pair_is_one_subject_with_dx_dw_db_and_both_weight_layouts():
    s = one(affine_forward, X, W, B)
    assert s.name == "affine_forward"
    assert list(s.arrays) == ["x", "w", "b"]
    assert s.gradient_names == {"x": "dx", "w": "dw", "b": "db"}
    assert s.layouts == (Layout("x", "w", "b"), Layout("x", "w", "b", weights_transposed=True))
    assert s.parameters == ("w", "b") and s.blocking == {"x": 0}
    assert s.hints == ("dense",) and not s.loss and s.labels is None and not s.random
    assert s.setup == "float64, x (4, 3), w (3, 2), b (2,); dout ~ N(0, 1)"
    assert s.dtype == np.float64 and s.notes == []
    assert np.array_equal(s.forward(), X @ W + B)
    g = np.ones((4, 2))
    grads = s.backward(g)
    assert np.allclose(grads["b"], [4.0, 4.0]) and np.allclose(grads["w"], X.T @ g)


def test_the_arrays_are_copies_in_float64_and_the_backward_runs_in_the_authors_dtype():
    x32, w32, b32 = (a.astype(np.float32) for a in (X, W, B))
    seen = []

    def record_forward(x, w, b):
        seen.append(x.dtype)
        return affine_forward(x, w, b)

    def record_backward(dout, cache):
        return affine_backward(dout, cache)

    s = one(record_forward, x32, w32, b32, backward=record_backward)
    assert all(a.dtype == np.float64 for a in s.arrays.values())
    assert s.dtype == np.float32 and s.setup.startswith("float32, x (4, 3)")
    s.arrays["x"][0, 0] = 100.0  # the user's array stays as given
    assert x32[0, 0] == np.float32(X[0, 0])
    seen.clear()
    s.forward()
    assert seen == [np.float64]
    s.backward(np.ones((4, 2)))
    assert seen == [np.float64, np.float32]
    # integer arrays are no float arrays: a float16 one is checked in float64
    s = one(affine_forward, X.astype(np.float16), W.astype(np.float16), B.astype(np.float16))
    assert s.dtype == np.float64


def test_a_given_op_and_a_given_backward_are_used():
    s = one(shifted_forward, X, W, B, op="dense", backward=affine_backward)
    assert s.hints == ("dense",)
    assert np.allclose(s.backward(np.ones((4, 2)))["b"], [4.0, 4.0])
    assert one(leaky, X).hints == ()  # no table op in "leaky"
    assert one(conv_forward_naive, X, W, B).hints == ()  # "conv": none either


def test_an_unsummed_db_is_flagged_and_the_right_pair_passes():
    assert check_gradients(affine_forward, X, W, B)
    report = check_gradients(shifted_forward, X, W, B)
    assert report.wrong == ["db"]
    assert report.style == "cs231n" and report.op == "dense"


def test_a_loss_gives_its_gradient_with_the_loss_and_takes_the_labels():
    s = one(softmax_loss, X, LABELS)
    assert s.loss and s.labels is LABELS and list(s.arrays) == ["x"]
    assert s.setup == "float64, x (4, 3); the loss"
    assert s.hints == ("softmax_cross_entropy", "softmax")
    assert s.layouts == (Layout("x"),)
    grads = s.backward(np.ones(()))
    assert list(grads) == ["x"]
    assert check_gradients(softmax_loss, X, LABELS)


def test_a_forward_that_moves_its_input_in_place_is_checked_on_copies_and_noted():
    s = one(softmax_loss_in_place, X.copy(), LABELS)
    before = s.arrays["x"].copy()
    s.forward()
    assert np.array_equal(s.arrays["x"], before)
    assert s.notes == [
        "softmax_loss_in_place changes its argument `x` in place; the check passes copies"
    ]
    s.forward()  # noted once
    assert len(s.notes) == 1


def test_a_loss_gradient_returned_alone_is_matched_by_shape():
    arrays = {"x": X, "w": W}
    matched = cs231n._match(["x", "w"], arrays, [np.ones((3, 2))], True)
    assert list(matched) == ["w"]
    matched = cs231n._match(["x", "w"], arrays, [np.ones((9, 9))], True)
    assert matched == {}
    # two of one shape: the first unmatched argument takes each in turn
    same = {"a": X, "b": X.copy()}
    matched = cs231n._match(["a", "b", "c"], {**same, "c": W}, [X, 2 * X], True)
    assert list(matched) == ["a", "b"] and np.array_equal(matched["b"], 2 * X)
    # as many as the arguments, or a layer's: by order, whatever the shapes
    assert list(cs231n._match(["x", "w"], arrays, ["dx", "dw"], True)) == ["x", "w"]
    assert cs231n._match(["x", "w"], arrays, ["dx"], False) == {"x": "dx"}


# ----- refusals -----


def test_bad_calls_are_refused_with_one_clear_sentence():
    def refused(forward, *args):
        with pytest.raises(CheckError) as error:
            with cs231n.subjects(forward, args, options()):
                pass
        return str(error.value)

    assert refused(leaky, X, X) == "leaky takes 1 arguments, got 2"
    assert refused(leaky, LABELS) == "leaky: no float array among the arguments to check"

    def no_pair(x):
        return x * 2, x

    assert refused(no_pair, X) == (
        "no_pair returns (out, cache) but there is no no_pair_backward in its module: "
        "give backward="
    )

    def layer_forward(x):
        return x * 2, x

    assert refused(layer_forward, X) == (
        "layer_forward returns (out, cache) but there is no layer_backward in its module: give "
        "backward="
    )

    def single(x):
        return x

    assert "single must return (out, cache) or (loss, grad), got <class 'numpy.ndarray'>" == (
        refused(single, X)
    )

    def triple(x):
        return x, x, x

    assert refused(triple, X) == (
        "triple must return (out, cache) or (loss, grad), got <class 'tuple'>"
    )


# ----- the CLI's example arguments -----


def test_example_arguments_give_arrays_labels_and_a_param_dict_in_signature_order():
    def batchnorm_forward(x, gamma, beta, bn_param):
        return x, None

    args = cs231n.example_arguments(batchnorm_forward, [(4, 3), (3,), (3,)], RNG, None)
    assert [np.shape(a) for a in args[:3]] == [(4, 3), (3,), (3,)]
    assert args[3] == cs231n.PARAM and args[3] is not cs231n.PARAM
    for name in ("y", "labels", "t", "target", "targets"):
        loss = eval(f"lambda x, {name}: None")  # noqa: S307 - a signature with that name
        rng = np.random.default_rng(1)
        x, y = cs231n.example_arguments(loss, [(6, 4)], rng, None)
        assert x.shape == (6, 4) and y.shape == (6,) and y.dtype.kind == "i"
        assert 0 <= y.min() and y.max() <= 3
    x, y = cs231n.example_arguments(softmax_loss, [(6, 4)], np.random.default_rng(1), "onehot")
    assert y.shape == (6, 4) and y.sum(axis=1).tolist() == [1.0] * 6
    x2, y2 = cs231n.example_arguments(softmax_loss, [(6, 4)], np.random.default_rng(1), None)
    assert y.argmax(axis=1).tolist() == y2.tolist()


def test_example_arguments_stop_at_the_shapes_given_and_refuse_too_many():
    args = cs231n.example_arguments(affine_forward, [(4, 3)], RNG, None)
    assert len(args) == 1 and args[0].shape == (4, 3)
    with pytest.raises(CheckError) as refused:
        cs231n.example_arguments(leaky, [(4, 3), (3, 2)], RNG, None)
    assert str(refused.value) == "leaky takes fewer arrays than the 1 shapes given"
    assert cs231n.PARAM == {"mode": "train", "p": 0.5, "seed": 0, "stride": 1, "pad": 1,
                            "pool_height": 2, "pool_width": 2}  # fmt: skip


def test_a_backward_returning_fewer_gradients_than_arrays_has_the_rest_reported_missing():
    def short_forward(x, w, b):
        return x @ w + b, (x, w, b)

    def short_backward(dout, cache):
        x, w, b = cache
        return dout @ w.T  # dx alone

    report = check_gradients(short_forward, X, W, B, backward=short_backward)
    assert report.wrong == ["dw", "db"]
    assert report["dw"].diagnosis == "missing: backward neither set nor returned it"


def test_sampled_labels_cover_every_class_of_the_last_axis():
    y = cs231n.example_arguments(softmax_loss, [(40, 4)], np.random.default_rng(1), None)[1]
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]  # class 0 included
    # scores (batch, positions, classes): the classes are the last axis
    x, y = cs231n.example_arguments(softmax_loss, [(6, 2, 4)], np.random.default_rng(1), "onehot")
    assert x.shape == (6, 2, 4) and y.shape == (6, 4)
