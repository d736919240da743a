"""Saved runs from the command line: ``python -m numeric evaluate`` gives the figures
``Model.evaluate`` gives on the same rows, ``python -m numeric plot`` redraws a
history.json, and bad input is one line on stderr with exit status 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from numeric import Adam, CategoricalCrossEntropy, Dense, Model, ReLU, Softmax, data
from numeric.cli_saved import evaluate_main, plot_main
from numeric.plots import check_history
from tests.test_data import write_mnist

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, Model, dict]:
    """A digits model trained briefly, saved, with its history."""
    X, y, _, _ = data.load("digits", seed=0)
    rng = np.random.default_rng(0)
    model = Model(
        [Dense(64, 32, rng=rng), ReLU(), Dense(32, 10, rng=rng), Softmax()],
        loss=CategoricalCrossEntropy(),
    )
    history = model.fit(X, y, epochs=3, optimizer=Adam(0.005), seed=0, validation_data=(X, y))
    path = tmp_path_factory.mktemp("run") / "model.npz"
    model.save(path)
    (path.parent / "history.json").write_text(json.dumps(history))
    return path, model, history


def command(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numeric", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("split", ["test", "train", "all"])
def test_evaluate_prints_what_model_evaluate_gives(saved, capsys, split):
    path, model, _ = saved
    assert evaluate_main([str(path), "--data", "digits", "--split", split]) == 0
    X_train, y_train, X_test, y_test = data.load("digits", seed=0)
    X, y = {
        "test": (X_test, y_test),
        "train": (X_train, y_train),
        "all": (np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])),
    }[split]
    scores = model.evaluate(X, y)
    assert capsys.readouterr().out == (
        f"digits {split} ({len(X)} samples): loss {scores['loss']:.4f}, "
        f"accuracy {scores['accuracy']:.4f}\n"
    )


def test_evaluate_in_a_fresh_process_and_on_mnist_files(saved, tmp_path):
    path, _, _ = saved
    done = command("evaluate", str(path))  # the default: --data digits --split test
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("digits test (359 samples): loss ")
    # a 784-input model on IDX files (float32 data, float64 model: converted)
    write_mnist(tmp_path / "mnist", gz=True, n_train=6, n_test=4)
    model = Model([Dense(784, 10, rng=0), Softmax()], loss=CategoricalCrossEntropy())
    model.save(tmp_path / "mnist.npz")
    assert (
        evaluate_main([str(tmp_path / "mnist.npz"), "--data", f"mnist:{tmp_path / 'mnist'}"]) == 0
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["missing.npz"], "missing.npz: no such model file"),
        (["{history}"], "not a zip archive"),
        (["{model}", "--data", "spiral"], "takes 64 features, but spiral has 2"),
        (["{model}", "--data", "cifar"], "unknown data set 'cifar'"),
        (["{model}", "--data", "mnist:/no/such/dir"], "not a directory holding the MNIST"),
    ],
)
def test_evaluate_refuses_in_one_line(saved, capsys, argv, message):
    path, _, _ = saved
    names = {"model": str(path), "history": str(path.parent / "history.json")}
    assert evaluate_main([a.format(**names) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m numeric evaluate: ") and err.count("\n") == 1, err
    assert message in err


def test_plot_redraws_the_curves_and_the_gradient_flow(saved, tmp_path):
    path, _, history = saved
    curves, flow = tmp_path / "again.png", tmp_path / "flow.png"
    done = command(
        "plot",
        str(path.parent / "history.json"),
        "--out",
        str(curves),
        "--gradient-flow",
        str(flow),
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout == f"wrote {curves}\nwrote {flow}\n"
    assert imread(curves).shape == (400, 1000, 4)  # loss and accuracy side by side, 100 dpi
    assert imread(flow).shape == (400, 600, 4)
    # the default name, in the current directory
    assert command("plot", str(path.parent / "history.json"), cwd=tmp_path).returncode == 0
    assert (tmp_path / "curves.png").is_file()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x98 not text", "is not JSON"),
        (b"[1, 2]", "a JSON object with a 'loss' list"),
        (b'{"loss": []}', "the history has 0 epochs"),
        (b'{"loss": [1, 2], "accuracy": [0.5]}', "'accuracy' must be a list of 2 values"),
        (b'{"loss": [1, NaN]}', "other than finite numbers"),
        (b'{"loss": [1], "grad_norm": [1]}', "'grad_norm' holds something other"),
    ],
)
def test_plot_refuses_a_bad_history_in_one_line(tmp_path, capsys, content, message):
    (tmp_path / "history.json").write_bytes(content)
    assert plot_main([str(tmp_path / "history.json"), "--out", str(tmp_path / "c.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m numeric plot: ") and err.count("\n") == 1, err
    assert message in err
    assert not (tmp_path / "c.png").exists()


def test_plot_refuses_a_bad_target_and_a_missing_file(saved, tmp_path, capsys):
    history = str(saved[0].parent / "history.json")
    for argv, message in (
        ([history, "--out", str(tmp_path / "c.jpg")], "give a name ending in .png"),
        ([history, "--out", str(tmp_path / "no" / "c.png")], "no such directory"),
        ([str(tmp_path / "none.json")], "no such history file"),
    ):
        assert plot_main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err


def test_no_traceback_from_either_command_in_a_fresh_process(tmp_path):
    (tmp_path / "history.json").write_text('{"loss": "oops"}')
    for argv in (
        ["evaluate", str(tmp_path / "history.json")],
        ["plot", str(tmp_path / "history.json")],
        ["evaluate"],
        ["plot", "--out"],
    ):
        done = command(*argv, cwd=tmp_path)
        assert done.returncode == 2, (argv, done.stderr)
        assert "Traceback" not in done.stderr and done.stdout == ""


def test_check_history_accepts_what_fit_returns(saved):
    check_history(saved[2])
    check_history({"loss": [0.5], "regularization_loss": [0.1], "data_loss": [0.4]})
    with pytest.raises(ValueError, match="'val_loss' must be a list of 3 values"):
        check_history({**saved[2], "val_loss": [1.0]})
