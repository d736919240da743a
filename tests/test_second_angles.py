"""Second tests for behaviours that rested on one (issue 16): the atomic save and the
refusal of negative labels, each from another angle than tests/test_training.py
(``savez`` raising mid-save) and tests/test_bad_input.py (``fit`` refusing); and
constants the README documents (the digits' scaling, the clip bound), as numbers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from numeric import (
    CategoricalCrossEntropy,
    Dense,
    Model,
    ReLU,
    Softmax,
    SoftmaxCrossEntropy,
)


def model(seed):
    return Model(
        [Dense(4, 5, rng=seed), ReLU(), Dense(5, 3, rng=seed + 1), Softmax()],
        CategoricalCrossEntropy(),
    )


def weights(m):
    return [layer.weights.copy() for layer in m.layers if hasattr(layer, "weights")]


# ----- atomic save: what the rename sees, and a rename that fails -----


def test_the_file_renamed_into_place_is_complete_and_the_old_one_is_whole_until_then(
    tmp_path, monkeypatch
):
    path = tmp_path / "m.npz"
    old, new = model(0), model(10)
    old.save(path)
    real_replace, seen = os.replace, []

    def replace(source, target):
        # At the rename: the temporary beside the target holds the whole new model, and the
        # target is still the whole old one.
        assert os.path.dirname(source) == str(tmp_path) and target == path
        for a, b in zip(weights(Model.load(source)), weights(new), strict=True):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(weights(Model.load(target)), weights(old), strict=True):
            np.testing.assert_array_equal(a, b)
        seen.append(source)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    new.save(path)
    assert len(seen) == 1
    for a, b in zip(weights(Model.load(path)), weights(new), strict=True):
        np.testing.assert_array_equal(a, b)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_a_rename_that_fails_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    old = model(0)
    old.save(path)
    before = path.read_bytes()

    def refuse(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        model(10).save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_process_killed_while_saving_leaves_the_previous_file_loadable(tmp_path):
    """A real crash: a child killed (SIGKILL) from inside its write, after half the bytes."""
    path = tmp_path / "m.npz"
    model(0).save(path)
    before = path.read_bytes()
    code = textwrap.dedent(
        f"""
        import os, signal
        import numpy as np
        from numeric import CategoricalCrossEntropy, Dense, Model, Softmax
        m = Model([Dense(4, 300, rng=1), Dense(300, 3, rng=2), Softmax()],
                  CategoricalCrossEntropy())
        real = np.savez

        def savez(file, **arrays):
            file.write(b"PK\\x03\\x04 half a zip")
            file.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        np.savez = savez
        m.save({str(path)!r})
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert path.read_bytes() == before
    Model.load(path)  # and it loads
    # the killed writer's temporary is a hidden file beside it, never the target itself
    assert all(p.name.startswith(".m.npz.") for p in tmp_path.iterdir() if p != path)


# ----- negative labels: every entry point that takes labels -----


@pytest.mark.parametrize("loss", [CategoricalCrossEntropy(), SoftmaxCrossEntropy()])
def test_a_loss_refuses_a_negative_label_rather_than_read_the_last_class(loss):
    """NumPy would take -1 as the last class (np.eye(3)[-1]); the loss refuses it, in
    its value and in its gradient."""
    p = np.full((3, 3), 1 / 3)
    labels = np.array([0, -1, 2])
    for call in (loss.calculate, loss.backward):
        with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\), got -1 at index 1"):
            call(p, labels)


def test_evaluate_refuses_a_negative_label():
    with pytest.raises(ValueError, match=r"got -1 at index 2"):
        model(0).evaluate(np.ones((3, 4)), np.array([0, 1, -1]))


def test_the_cli_cannot_read_a_negative_label_from_an_idx_file(tmp_path):
    """Labels read from disk: MNIST's labels are uint8, so an int8 IDX label file (the
    only way to store -1) is refused whole, in one line naming the type."""
    from tests.test_data import idx_bytes, write_mnist

    arrays = write_mnist(tmp_path, gz=False, n_train=40, n_test=10)
    labels = arrays["train_labels"].astype(np.int8)
    labels[7] = -1
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels, 0x09))
    done = subprocess.run(
        [sys.executable, "-m", "numeric", "train", "--data", f"mnist:{tmp_path}", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "expected uint8 labels" in done.stderr and "got int8" in done.stderr


# ----- constants the README documents, written here as numbers -----


def test_digits_pixels_are_divided_by_16():
    """README: "pixels / 16 -> float64"; every pixel of sklearn's digits, in the split."""
    from sklearn.datasets import load_digits

    from numeric import data

    X, _, X_test, _ = data.load("digits")
    assert X.dtype == np.float64 and (len(X), len(X_test)) == (1438, 359)
    ours = np.concatenate([X, X_test]) * 16
    theirs = load_digits().data
    order = np.lexsort(ours.T[::-1]), np.lexsort(theirs.T[::-1])
    np.testing.assert_array_equal(ours[order[0]], theirs[order[1]])


@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy"])
def test_the_clip_bound_is_1e_minus_7(name):
    """README: predictions are clipped to [1e-7, 1 - 1e-7]; a confident wrong p = 0 costs
    -log(1e-7) = 16.11809565095832 (one output, float64)."""
    from numeric.kernels import kernels

    loss, _ = kernels(name)
    value = loss(np.array([[0.0]]), np.array([[1.0]]), 1, 1)
    assert value.item() == pytest.approx(16.11809565095832, rel=1e-12)
