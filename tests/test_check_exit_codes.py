"""``python -m numeric check`` per style: exit 0 right, 1 wrong, 2 no verdict, never 0 when
the checked code raised (``SystemExit(0)`` in forward or backward included), and one
line on stderr, no traceback. Run as a user runs it, in a subprocess."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

STYLES = Path(__file__).parent / "corpus" / "styles"
NO_TORCH = importlib.util.find_spec("torch") is None


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI in ``cwd``, which is also its HOME: the kernel cache stays out of the user's."""
    command = [sys.executable, "-m", "numeric", "check", *args]
    root = Path(__file__).resolve().parents[1]
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


AFFINE_SHAPES = ("--shape", "5,4", "--shape", "4,3", "--shape", "3")
LINEAR_SHAPES = ("--shape", "5,4", "--shape", "3,4", "--shape", "3")

VERDICTS = [
    ("nnfs", "nnfs_variants.py:Layer_Dense(4, 3)", (), 0),
    ("nnfs", "nnfs_variants.py:DenseColumns_AveragedGrads(4, 3)", (), 1),
    ("book", "book_layers.py:Affine(randn(4, 3), randn(3))", (), 0),
    ("book", "book_layers.py:SoftmaxWithLossNoBatchDiv", (), 1),
    ("cs231n", "cs231n_layers.py:affine_forward", AFFINE_SHAPES, 0),
    ("cs231n", "cs231n_buggy_affine_db.py:affine_forward", AFFINE_SHAPES, 1),
    ("cs231n", "cs231n_layers.py:softmax_loss", ("--shape", "5,3"), 0),
    ("cs231n", "cs231n_buggy_softmax.py:softmax_loss", ("--shape", "5,3"), 1),
    ("micrograd", "micrograd_engine.py:Value", (), 0),
    ("micrograd", "micrograd_buggy_tanh.py:Value", (), 1),
    ("torch", "torch_functions.py:MyLinear", LINEAR_SHAPES, 0),
    ("torch", "torch_functions.py:MyTanhWrongSign", ("--shape", "5,3"), 1),
]


@pytest.mark.parametrize("style, target, extra, code", VERDICTS, ids=[v[1] for v in VERDICTS])
def test_verdict_exit_codes(style, target, extra, code, tmp_path):
    if style == "torch" and NO_TORCH:
        pytest.skip("torch is not installed (an optional extra)")
    run = check(str(STYLES / target), *extra, cwd=tmp_path)
    assert run.returncode == code, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert ("wrong" in last) is (code == 1) and "Traceback" not in run.stderr


# Each style's code with exit() in the forward and SystemExit(0) in the backward.
RAISING = {
    "nnfs": (
        """
        import sys
        class Layer:
            def forward(self, inputs):
                {forward}
                self.output = inputs
            def backward(self, dvalues):
                {backward}
                self.dinputs = dvalues
        """,
        "Layer",
        (),
        "Layer.{method}",
    ),
    "book": (
        """
        import sys
        class Relu:
            def forward(self, x):
                {forward}
                self.mask = x <= 0
                return x * ~self.mask
            def backward(self, dout):
                {backward}
                dout[self.mask] = 0
                return dout
        """,
        "Relu",
        (),
        "Relu.{method}",
    ),
    "cs231n": (
        """
        import sys
        def relu_forward(x):
            {forward}
            return x * (x > 0), x
        def relu_backward(dout, cache):
            {backward}
            return dout * (cache > 0)
        """,
        "relu_forward",
        ("--shape", "5,3"),
        "relu_{method}",
    ),
    "micrograd": (
        """
        import sys
        class Value:
            def __init__(self, data, _children=()):
                self.data, self.grad = data, 0.0
                self._backward, self._prev = lambda: None, set(_children)
            def __add__(self, other):
                {forward}
                other = other if isinstance(other, Value) else Value(other)
                out = Value(self.data + other.data, (self, other))
                def _backward():
                    self.grad += out.grad
                    other.grad += out.grad
                out._backward = _backward
                return out
            def __mul__(self, other):
                other = other if isinstance(other, Value) else Value(other)
                out = Value(self.data * other.data, (self, other))
                def _backward():
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
                out._backward = _backward
                return out
            def backward(self):
                {backward}
                self.grad = 1.0
                for v in [self, *self._prev]:
                    v._backward()
        """,
        "Value",
        (),
        "Value.",
    ),
    "torch": (
        """
        import sys
        import torch
        class MyReLU(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                {forward}
                ctx.save_for_backward(x)
                return x.clamp(min=0)
            @staticmethod
            def backward(ctx, grad):
                {backward}
                (x,) = ctx.saved_tensors
                return grad * (x > 0)
        """,
        "MyReLU",
        ("--shape", "5,3"),
        "MyReLU.",
    ),
}
RAISES = [
    ("forward", "exit()", "SystemExit(None)"),
    ("backward", "raise SystemExit(0)", "SystemExit(0)"),
    ("backward", "sys.exit(0)", "SystemExit(0)"),
    ("forward", "raise KeyboardInterrupt", "KeyboardInterrupt"),
    ("backward", "raise ValueError('bad shape')", "ValueError: bad shape"),
]


@pytest.mark.parametrize("style", sorted(RAISING))
@pytest.mark.parametrize("method, statement, said", RAISES)
def test_code_that_raises_exits_2_naming_it(style, method, statement, said, tmp_path):
    if style == "torch" and NO_TORCH:
        pytest.skip("torch is not installed (an optional extra)")
    source, call, extra, where = RAISING[style]
    code = {"forward": "pass", "backward": "pass", method: statement}
    path = tmp_path / f"{style}_layer.py"
    path.write_text(textwrap.dedent(source).format(**code))
    run = check(f"{path}:{call}", *extra, cwd=tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert said in run.stderr and where.format(method=method) in run.stderr, run.stderr


@pytest.mark.parametrize(
    "source, target, message",
    [
        ("from os import system\n", "system", "'system' is not a class or function defined in"),
        ("from os import system\n", "system('echo hi')", "'system' is not a class or function"),
        ("class Layer:\n    pass\n", "Layer(__import__('os'))", "only literal arguments"),
        (
            "import subprocess\nPopen = subprocess.Popen\n",
            "Popen('ls')",
            "'Popen' is not a class or function defined in",
        ),
        ("def helper(x):\n    return x\n", "helper", "not a forward/backward pair"),
        (
            "class Loss:\n    def calculate(self, p, y):\n        return 0\n",
            "Loss",
            "Loss: no forward to check",
        ),
        ("raise SystemExit(0)\n", "Layer", "raised SystemExit(0)"),
    ],
)
def test_targets_that_are_not_checkable_are_refused_before_they_run(
    source, target, message, tmp_path
):
    path = tmp_path / "user.py"
    path.write_text(source)
    run = check(f"{path}:{target}", cwd=tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stderr and run.stderr.count("\n") == 1, run.stderr
    assert "hi" not in run.stdout
