"""The torch style: a ``torch.autograd.Function`` subclass checked through ``F.apply``.

torch is not a test requirement: this file is skipped where it is not installed. The
last test shows that, torch installed, checking another style never imports it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.autograd import Function  # noqa: E402

from numeric.check.errors import CheckError, UserCodeError  # noqa: E402
from numeric.check.report import check_gradients  # noqa: E402
from numeric.check.styles import pick, torch_function  # noqa: E402
from numeric.check.subject import Options  # noqa: E402

SHAPE = (5, 3)  # batch 5, 3 features in
OUT = 4  # features out: weight (4, 3), so a transposed one has another shape


class MyReLU(Function):
    """The PyTorch tutorial's ReLU."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class MySigmoid(Function):
    @staticmethod
    def forward(ctx, input):
        output = 1 / (1 + torch.exp(-input))
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        (output,) = ctx.saved_tensors
        return grad_output * output * (1 - output)


class MySigmoidNoOneMinus(MySigmoid):
    @staticmethod
    def backward(ctx, grad_output):
        (output,) = ctx.saved_tensors
        return grad_output * output


class MyLinear(Function):
    """The "Extending PyTorch" docs' LinearFunction: weight stored (out, in)."""

    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class MyLinearTransposedWeight(MyLinear):
    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        return grad_output.mm(weight), input.t().mm(grad_output), grad_output.sum(0)


class MyLinearUnsummedBias(MyLinear):
    """The bias gradient left (batch, out): torch's engine sums it to (out,) itself."""

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        return grad_output.mm(weight), grad_output.t().mm(input), grad_output


class MyLinearNoBiasGradient(MyLinear):
    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        return grad_output.mm(weight), grad_output.t().mm(input)


class Scale(Function):
    """A float constant beside the tensor (ctx.z in the docs' example), no gradient for it."""

    @staticmethod
    def forward(ctx, x, z):
        ctx.z = z
        return x * z

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.z, None


class MulSeparate(Function):
    """forward without ctx, and setup_context: PyTorch 2's second way."""

    @staticmethod
    def forward(x, y):
        return x * y

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * y, grad_output * x


class SortWithIndices(Function):
    """Two outputs, the second integer and non-differentiable (the docs' example)."""

    @staticmethod
    def forward(ctx, x):
        values, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g_values, g_idx):
        (idx,) = ctx.saved_tensors
        grad = torch.zeros_like(g_values)
        grad.scatter_(-1, idx, g_values)
        return grad


class SquareAndCube(Function):
    """Two float outputs: checked flattened into one."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2, x**3

    @staticmethod
    def backward(ctx, g2, g3):
        (x,) = ctx.saved_tensors
        return 2 * x * g2 + 3 * x**2 * g3


class Dropout(Function):
    """A random mask drawn from torch's generator: frozen for the check."""

    @staticmethod
    def forward(ctx, x):
        mask = (torch.rand_like(x) > 0.5).to(x.dtype) * 2.0
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        return grad_output * mask


def inputs(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (5, 3) away from relu's kink, weight (4, 3), bias (4,)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 2.0, SHAPE) * rng.choice([-1.0, 1.0], SHAPE)
    return x, rng.standard_normal((OUT, SHAPE[1])), rng.standard_normal(OUT)


def worst(report) -> float:
    """The largest relative error of any comparison in the report."""
    return max(c.max_rel for g in report.gradients for c in g.comparisons)


# ----- recognising a Function -----


def test_accepts_function_subclasses_only():
    assert torch_function.accepts(MyReLU)
    assert not torch_function.accepts(Function)
    assert not torch_function.accepts(torch.nn.Linear)  # torch bases, not a Function
    assert not torch_function.accepts(MyReLU.apply)
    assert not torch_function.accepts(np.ndarray)
    assert pick(MyLinear) is torch_function


# ----- correct Functions pass -----


def test_relu_passes():
    x, _, _ = inputs()
    report = check_gradients(MyReLU, x)
    assert report and report.style == "torch_function" and report.op == "relu"
    assert [g.name for g in report.gradients] == ["dinput"]
    assert worst(report) < 1e-8  # measured 5.8e-11


def test_sigmoid_passes():
    x, _, _ = inputs()
    report = check_gradients(MySigmoid, x)
    assert report and report.op == "sigmoid"
    assert worst(report) < 1e-8


def test_linear_passes_against_differences_and_the_dense_kernel():
    report = check_gradients(MyLinear, *inputs())
    assert report and report.op == "dense"
    assert [g.name for g in report.gradients] == ["dinput", "dweight", "dbias"]
    assert [c.against for c in report["dweight"].comparisons] == [
        "the `dense` kernel",
        "finite differences",
    ]
    assert worst(report) < 1e-8  # measured 1.4e-10
    assert report.setup == "MyLinear.apply: float64, input (5, 3), weight (4, 3), bias (4,)"


def test_linear_without_its_optional_bias_passes():
    x, w, _ = inputs()
    report = check_gradients(MyLinear, x, w)
    assert report and [g.name for g in report.gradients] == ["dinput", "dweight"]


def test_tensors_and_float32_inputs_pass_in_float64():
    x, w, b = inputs()
    given = (torch.tensor(x, dtype=torch.float32), w.astype(np.float32), torch.tensor(b))
    report = check_gradients(MyLinear, *given)
    assert report and worst(report) < 1e-8
    assert report.setup.startswith(
        "MyLinear.apply: float64 (input, weight given in float32, converted)"
    )
    assert given[0].dtype == torch.float32 and given[1].dtype == np.float32  # left as given


def test_bias_gradient_torch_would_sum_passes_with_a_note():
    report = check_gradients(MyLinearUnsummedBias, *inputs())
    assert report
    assert "dbias returned as (5, 4), summed to (4,) as torch's engine does" in report.notes


def test_float_constant_is_passed_as_it_is():
    x, _, _ = inputs()
    report = check_gradients(Scale, x, 2.5)
    assert report and [g.name for g in report.gradients] == ["dx"]


def test_forward_without_ctx_names_every_parameter():
    x, w, _ = inputs()
    report = check_gradients(MulSeparate, x, x[::-1].copy())
    assert report and [g.name for g in report.gradients] == ["dx", "dy"]


def test_integer_second_output_is_left_out():
    x, _, _ = inputs()
    report = check_gradients(SortWithIndices, x)
    assert report and worst(report) < 1e-8


def test_two_float_outputs_are_checked_together():
    x, _, _ = inputs()
    with torch_function.subjects(SquareAndCube, (x,), Options(np.random.default_rng(0))) as found:
        (subject,) = found
        assert subject.forward().shape == (2 * x.size,)
    assert check_gradients(SquareAndCube, x)


def test_random_forward_is_frozen_and_torch_state_restored():
    x, _, _ = inputs()
    torch.manual_seed(7)
    before = torch.get_rng_state()
    report = check_gradients(Dropout, x)
    assert report
    assert any("random forward" in note for note in report.notes)
    assert torch.equal(torch.get_rng_state(), before)


# ----- wrong Functions are named -----


def test_transposed_weight_gradient_is_named_dweight():
    report = check_gradients(MyLinearTransposedWeight, *inputs())
    assert report.wrong == ["dweight"]
    assert report["dweight"].diagnosis == (
        "wrong shape: expected (4, 3), got (3, 4); transposed: actual = expected.T"
    )


def test_wrong_sigmoid_is_named_dinput():
    x, _, _ = inputs()
    report = check_gradients(MySigmoidNoOneMinus, x)
    assert report.wrong == ["dinput"]
    assert report["dinput"].comparisons[-1].max_rel > 0.1


def test_missing_gradient_is_reported_as_torch_would_refuse_it():
    report = check_gradients(MyLinearNoBiasGradient, *inputs())
    assert report.wrong == ["dbias"]
    assert "MyLinearNoBiasGradient.backward returned 2 gradients for 3 inputs (torch raises)" in (
        report.notes
    )


def test_errors_name_the_function_and_method():
    class Raises(MyReLU):
        @staticmethod
        def backward(ctx, grad_output):
            raise ValueError("not yet")

    x, _, _ = inputs()
    with pytest.raises(UserCodeError, match="Raises.backward raised ValueError: not yet"):
        check_gradients(Raises, x)
    with pytest.raises(CheckError, match="MyReLU: no float array or tensor"):
        check_gradients(MyReLU, np.arange(3))
    with pytest.raises(CheckError, match="MyLinear.forward needs weight"):
        check_gradients(MyLinear, x)
    with pytest.raises(CheckError, match="MyReLU.forward takes 1 arguments, got 2"):
        check_gradients(MyReLU, x, x)


# ----- torch stays optional -----


def test_torch_is_never_imported_for_another_style():
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        from numeric.check.report import check_gradients

        class Value:
            def __init__(self, data, _children=()):
                self.data, self.grad, self._prev = data, 0.0, _children
                self._backward = lambda: None

            def __add__(self, other):
                out = Value(self.data + other.data, (self, other))
                def _backward():
                    self.grad += out.grad
                    other.grad += out.grad
                out._backward = _backward
                return out

            def __mul__(self, other):
                out = Value(self.data * other.data, (self, other))
                def _backward():
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
                out._backward = _backward
                return out

            def backward(self):
                order, seen = [], set()
                def visit(v):
                    if v not in seen:
                        seen.add(v)
                        for child in v._prev:
                            visit(child)
                        order.append(v)
                visit(self)
                self.grad = 1.0
                for v in reversed(order):
                    v._backward()

        assert check_gradients(Value)
        assert "torch" not in sys.modules, "torch imported"
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


# ----- the styles corpus (tests/corpus/styles/torch_functions.py) -----

LINEAR = ((5, 4), (3, 4), (3,))  # input, weight (out, in), bias
ONE = ((5, 3),)
# (Function, input shapes, {wrong gradient: start of its diagnosis, or None: none claimed})
TORCH_CORPUS = [
    ("MyReLU", ONE, {}),
    ("MySigmoid", ONE, {}),
    ("MyExp", ONE, {}),
    ("MyLinear", LINEAR, {}),
    ("MyLinearWrongWeightGrad", LINEAR, {
        "dweight": "wrong shape: expected (3, 4), got (4, 3); transposed",
    }),
    ("MyLinearWrongWeightGrad", ((5, 3), (3, 3), (3,)), {"dweight": "transposed"}),
    ("MySigmoidWrong", ONE, {"dinput": None}),
    ("MyTanhWrongSign", ONE, {"dinput": "wrong sign"}),
    ("MySigmoidPlusTypo", ONE, {"dx": None}),
    ("MySigmoidReluBackward", ONE, {"dinput": "passes the incoming gradient through unchanged"}),
]  # fmt: skip


@pytest.mark.parametrize("name, shapes, wrong", TORCH_CORPUS, ids=[e[0] for e in TORCH_CORPUS])
def test_corpus_functions(name, shapes, wrong):
    from tests.corpus.styles import torch_functions

    rng = np.random.default_rng(0)
    # away from relu's kink: magnitudes in [0.1, 2]
    args = [rng.uniform(0.1, 2.0, s) * rng.choice([-1.0, 1.0], s) for s in shapes]
    report = check_gradients(getattr(torch_functions, name), *args)
    assert report.wrong == list(wrong)
    for gradient, diagnosis in wrong.items():
        found = report[gradient].diagnosis
        assert found is None if diagnosis is None else found.startswith(diagnosis)
    if not wrong:
        assert worst(report) < 1e-8  # measured at most 2.3e-10


def test_corpus_backward_that_raises_names_it():
    from tests.corpus.styles import torch_functions

    x = np.random.default_rng(0).standard_normal((5, 3))
    with pytest.raises(UserCodeError, match="MySigmoidUnpackCrash.backward raised ValueError"):
        check_gradients(torch_functions.MySigmoidUnpackCrash, x)
