"""The command lines under hostile and careless use: help and version, --out checked
before training, a run directory written whole, Ctrl-C at any moment (exit 130, one
line, the completed work saved), sizes bounded before allocation, a run that learnt
nothing given its own exit status. Each case runs in a fresh process."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from numeric import Model
from tests.test_model_files import bounded

FAST = ["--data", "spiral", "--hidden", "8", "--lr", "0.02", "--quiet"]


def numeric(*argv: str, memory: int = 1 << 30, timeout: float = 30.0, **kwargs):
    return bounded([sys.executable, "-m", "numeric", *argv], memory, timeout, **kwargs)


def one_line(text: str) -> str:
    assert "Traceback" not in text, text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def hidden(directory: Path) -> list[str]:
    """Temporary files and directories left beside or inside a run."""
    return sorted(p.name for p in directory.rglob(".*"))


# A run whose functions are patched to send SIGINT (a real signal, as Ctrl-C does)
# at a chosen moment; argv[1] says when, the rest are the train command's arguments.
CTRL_C = """
import os, signal, sys, time
import numeric.cli_train as cli
from numeric import Model, data

when, argv = sys.argv[1], sys.argv[2:]

def ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)  # the handler runs at the next bytecode; nothing raises in between

load, fit, write = data.load, Model.fit, cli._write

def slow_load(*args, **kwargs):
    ctrl_c()
    return load(*args, **kwargs)

def fit_until(self, *args, **kwargs):
    def on_step(epoch, step, loss):
        if epoch == 3 and step == 2:
            ctrl_c()
    return fit(self, *args, **kwargs, on_step=on_step)

def write_interrupted(out, model, history):
    ctrl_c()  # Ctrl-C as the save begins...
    write(out, model, history)
    ctrl_c()  # ... and again as it ends

if when == "loading":
    data.load = slow_load
elif when == "training":
    Model.fit = fit_until
elif when == "training, and twice while saving":
    Model.fit = fit_until
    cli._write = write_interrupted
elif when == "saving":
    cli._write = write_interrupted
sys.exit(cli.main(argv))
"""


def interrupted(tmp_path: Path, when: str, *argv: str):
    return bounded([sys.executable, "-c", CTRL_C, when, *argv], timeout=60, cwd=tmp_path)


# ----- python -m numeric -----


def test_help_lists_the_commands_one_line_each():
    # Was: a bare usage line.
    run = numeric("--help")
    assert run.returncode == 0 and run.stderr == ""
    lines = run.stdout.splitlines()
    assert "    train     train a dense classifier on local data" in lines
    assert "    check     check a hand-written backward against the derivation" in lines
    assert "    kernels   print the NumPy source generated for an op" in lines
    assert run.stdout.startswith("usage: python -m numeric [-h] [--version] COMMAND ...")


def test_version_and_mistakes():
    version = numeric("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("backprop-derived 0.1.0 (Python 3.")
    assert "NumPy 2." in version.stdout or "NumPy 1." in version.stdout
    nothing = numeric()
    assert nothing.returncode == 2 and "commands:" in nothing.stderr
    unknown = numeric("trian")
    assert unknown.returncode == 2
    assert (
        "invalid choice: 'trian' (choose from 'train', 'check', 'kernels', 'evaluate', 'plot')"
        in (unknown.stderr)
    )


def test_the_train_help_documents_the_exit_statuses():
    run = numeric("train", "--help")
    text = " ".join(run.stdout.split())
    assert run.returncode == 0
    assert "3 training ended at chance accuracy or its loss did not move" in text
    assert "130 Ctrl-C, at any moment" in text


# ----- --out checked before training -----


@pytest.mark.parametrize(
    "make, out, message",
    [
        (lambda d: (d / "a").write_text("x"), "a", "{d}/a: exists and is not a directory"),
        (lambda d: (d / "a").write_text("x"), "a/run", "{d}/a/run: {d}/a is not a directory"),
        (lambda d: None, "/proc/run", "/proc/run: cannot create a directory in /proc"),
        (
            lambda d: ((d / "b").mkdir(), (d / "b" / "thesis.tex").write_text("x")),
            "b",
            "{d}/b: holds 'thesis.tex', which is not from a run; the directory is replaced whole",
        ),
    ],
)
def test_a_bad_out_is_refused_before_training(tmp_path, make, out, message):
    # Was: a traceback after all epochs had trained; the run was lost.
    make(tmp_path)
    run = numeric("train", *FAST, "--epochs", "200", "--out", out, cwd=tmp_path)
    assert run.returncode == 2
    line = one_line(run.stderr)
    assert line.startswith(f"python -m numeric train: --out {message.format(d=tmp_path)}"), line
    assert run.stdout == ""  # nothing trained
    assert run.seconds < 10
    assert hidden(tmp_path) == []


# ----- the run directory, written whole -----


def test_a_second_run_replaces_the_first_whole(tmp_path):
    first = numeric("train", *FAST, "--epochs", "3", "--out", "run", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())["loss"]) == 3
    second = numeric("train", *FAST, "--epochs", "2", "--seed", "1", "--out", "run", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())["loss"]) == 2
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "curves.png",
        "gradient_flow.png",
        "history.json",
        "model.npz",
    ]
    assert hidden(tmp_path) == []
    assert oct((tmp_path / "run").stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


KILLED = """
import os, sys
import numeric.cli_train as cli
write = cli._write

def killed(out, model, history):
    write(out, model, history)
    os._exit(9)  # as kill -9 does: after every file is written, before the swap

cli._write = killed
cli.main(sys.argv[1:])
"""


def test_a_kill_while_writing_never_mixes_two_runs(tmp_path):
    # Was: a kill right after model.npz was replaced left it beside the previous
    # run's history and plots.
    first = numeric("train", *FAST, "--epochs", "3", "--out", "run", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    argv = [*FAST, "--epochs", "2", "--seed", "1", "--out", "run"]
    killed = bounded([sys.executable, "-c", KILLED, *argv], timeout=60, cwd=tmp_path)
    assert killed.returncode == 9
    after = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    assert after == before  # the previous run, whole
    assert [name.split("-")[0] for name in hidden(tmp_path)] == [".run.tmp"]
    again = numeric("train", *FAST, "--epochs", "2", "--out", "run", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert hidden(tmp_path) == []  # the dead run's directory is removed


KILLED_BETWEEN_RENAMES = """
import os, sys
import numeric.cli_train as cli
rename = os.rename
renames = []

def killed(source, target):
    renames.append(target)
    if len(renames) == 2:  # out is set aside; the new run is not in place yet
        os._exit(9)
    rename(source, target)

cli._exchange = lambda a, b: False  # as where renameat2 is missing
cli.os.rename = killed
cli.main(sys.argv[1:])
"""


def test_where_two_renames_are_needed_a_kill_between_them_loses_nothing(tmp_path):
    from numeric.cli_train import _remove_stale

    first = numeric("train", *FAST, "--epochs", "3", "--out", "run", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    argv = [*FAST, "--epochs", "2", "--seed", "1", "--out", "run"]
    killed = bounded(
        [sys.executable, "-c", KILLED_BETWEEN_RENAMES, *argv], timeout=60, cwd=tmp_path
    )
    assert killed.returncode == 9
    assert not (tmp_path / "run").exists()
    assert sorted(name.split("-")[0] for name in hidden(tmp_path)) == [".run.old", ".run.tmp"]
    _remove_stale(tmp_path / "run")  # what the next run does first
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()} == before
    assert hidden(tmp_path) == []


# ----- Ctrl-C at any moment: exit 130, one line, the completed work saved -----


def test_ctrl_c_while_loading_the_data_exits_130_in_one_line(tmp_path):
    run = interrupted(tmp_path, "loading", *FAST, "--out", "run")
    assert run.returncode == 130
    assert one_line(run.stderr) == "python -m numeric train: interrupted before training"
    assert not (tmp_path / "run").exists() and hidden(tmp_path) == []


def test_ctrl_c_while_training_saves_the_completed_epochs(tmp_path):
    run = interrupted(tmp_path, "training", *FAST, "--epochs", "5", "--out", "run")
    assert run.returncode == 130
    assert one_line(run.stderr).startswith(
        "python -m numeric train: interrupted after 2 complete epochs; saved them"
    )
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())["loss"]) == 2
    assert Model.load(tmp_path / "run" / "model.npz").dense_layers[0].weights.shape == (2, 8)
    assert hidden(tmp_path) == []


def test_a_second_ctrl_c_never_cuts_the_save_short(tmp_path):
    # Was: a traceback, and the save of the completed epochs lost.
    argv = [*FAST, "--epochs", "5", "--out", "run"]
    run = interrupted(tmp_path, "training, and twice while saving", *argv)
    assert run.returncode == 130
    assert "interrupted after 2 complete epochs; saved them" in one_line(run.stderr)
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())["loss"]) == 2
    assert hidden(tmp_path) == []


def test_ctrl_c_during_the_final_save_finishes_it_then_exits_130(tmp_path):
    # Was: a traceback, exit -2, and the finished run not saved.
    run = interrupted(tmp_path, "saving", *FAST, "--epochs", "3", "--out", "run")
    assert run.returncode == 130
    line = one_line(run.stderr)
    assert line.startswith("python -m numeric train: interrupted; the finished run was saved")
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())["loss"]) == 3
    assert len(list((tmp_path / "run").iterdir())) == 4
    assert hidden(tmp_path) == []


FAKE_COMMAND = """
import os, signal, sys, time, types
# Ctrl-C as in a terminal: a process started from a background job of a shell inherits
# SIGINT ignored, and Python then installs no KeyboardInterrupt handler at all
signal.signal(signal.SIGINT, signal.default_int_handler)
import numeric.__main__ as cli

def main(argv):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1)

sys.modules["fake_command"] = types.SimpleNamespace(main=main)
cli.COMMANDS["kernels"] = ("fake_command", "main", "")
sys.exit(cli.main(["kernels"]))
"""


def test_ctrl_c_in_any_command_is_one_line_through_python_m_numeric():
    run = bounded([sys.executable, "-c", FAKE_COMMAND], timeout=60)
    assert run.returncode == 130
    assert one_line(run.stderr) == "python -m numeric: interrupted"


# ----- sizes bounded before allocation; other usage errors -----


def test_hidden_100000000_is_refused_before_anything_is_allocated():
    # Was: 30 s and 6 GB before a traceback.
    run = numeric("train", "--hidden", "100000000", "--quiet")
    assert run.returncode == 2
    assert one_line(run.stderr) == (
        "python -m numeric train: --hidden width 100,000,000 is more than 1,000,000"
    )
    assert run.seconds < 10 and run.peak_mb < 200, (run.seconds, run.peak_mb)


def test_a_network_past_the_parameter_bound_is_refused_before_its_weights_are_drawn():
    run = numeric("train", "--hidden", "5000,5000,5000", "--quiet")
    assert run.returncode == 2
    line = one_line(run.stderr)
    assert "a 64-5000-5000-5000-10 network has 50,385,010 parameters (0.4 GB of weights)" in line
    assert run.seconds < 10 and run.peak_mb < 300, (run.seconds, run.peak_mb)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "--epochs must be at least 1, got 0"),
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--seed", "-1"], "--seed must be at least 0, got -1"),
        (["--lr", "nan"], "Adam: learning_rate must be > 0 and finite, got nan"),
        (["--optimizer", "sgd", "--momentum", "10"], "SGD: momentum must be in [0, 1), got 10.0"),
        (["--hidden", "8,x"], "--hidden wants comma-separated integers, got '8,x'"),
        (["--hidden", ",".join(["2"] * 1001)], "--hidden gives 1001 layers; at most 1000"),
    ],
)
def test_usage_errors_are_one_line_before_training(argv, message):
    run = numeric("train", *FAST, *argv)
    assert run.returncode == 2
    assert one_line(run.stderr) == f"python -m numeric train: {message}"
    assert run.stdout == ""


# ----- a run that learnt nothing -----


def test_a_run_at_chance_accuracy_exits_3_with_the_warning(tmp_path):
    # Was: `train --lr 10` ended at chance accuracy with exit 0 and no word.
    argv = ["--data", "digits", "--epochs", "3", "--optimizer", "sgd", "--lr", "10", "--quiet"]
    run = numeric("train", *argv, "--out", "run", cwd=tmp_path)
    assert run.returncode == 3, run.stderr
    assert one_line(run.stderr).startswith("warning: training ended at chance accuracy: 0.0")
    assert run.stdout.strip().splitlines()[-1].startswith("test accuracy: 0.1")
    assert (tmp_path / "run" / "model.npz").exists()  # the outputs are written all the same
