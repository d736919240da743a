"""The micrograd style: a ``Value`` class checked op by op, each op a Subject on 0-d arrays.

The engines are written here, karpathy/micrograd's way (composed ops: ``a - b`` is
``a + (-b)``, ``-a`` is ``a * -1``, ``a / b`` is ``a * b**-1``), each bug a subclass
that overrides one method; every op builds ``type(self)``, so a bug is used downstream.
The subjects are checked against central differences written here, and through
``check_gradients`` once the core runs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numeric.check.errors import CheckError, UserCodeError
from numeric.check.report import check_gradients
from numeric.check.styles import micrograd
from numeric.check.subject import Options
from tests.corpus.styles import (
    micrograd_buggy_mul,
    micrograd_buggy_overwrite,
    micrograd_buggy_tanh,
    micrograd_engine,
)

RTOL = 1e-6  # scalar central differences in float64 reach ~1e-9 here
STEP = 1e-6


class Value:
    """A scalar and its gradient (karpathy/micrograd's engine, with tanh, exp and log)."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, int | float), "only supporting int/float powers for now"
        out = type(self)(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = type(self)(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = type(self)(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    def zero_grad(self):  # a public no-argument method that is not an op
        self.grad = 0

    def __neg__(self):  # -self
        return self * -1

    def __radd__(self, other):  # other + self
        return self + other

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    def __rmul__(self, other):  # other * self
        return self * other

    def __truediv__(self, other):  # self / other
        return self * other**-1

    def __rtruediv__(self, other):  # other / self
        return other * self**-1


class ValueWrongMul(Value):
    """d(a*b)/db given as b instead of a: the classic copy-paste slip."""

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += other.data * out.grad

        out._backward = _backward
        return out


class ValueOverwrites(Value):
    """``=`` for ``+=`` in ``+`` and ``*``: a node used twice keeps only its last gradient."""

    def __add__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = out.grad
            other.grad = out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad

        out._backward = _backward
        return out


class ValueWrongTanh(Value):
    """tanh' taken as 1 - t instead of 1 - t**2."""

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t) * out.grad

        out._backward = _backward
        return out


def options(seed: int = 0) -> Options:
    return Options(rng=np.random.default_rng(seed))


def differences(subject) -> dict[str, np.ndarray]:
    """d out / d array by central differences, one element at a time (arrays restored)."""
    grads = {}
    for name, array in subject.arrays.items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = float(array[index])
            h = STEP * max(1.0, abs(saved))
            array[index] = saved + h
            up = subject.forward()
            array[index] = saved - h
            down = subject.forward()
            array[index] = saved
            grad[index] = (up - down) / (2 * h)
        grads[name] = grad
    return grads


def errors(subject) -> dict[str, float]:
    """Each gradient's max |author - differences| / max(|differences|, 1)."""
    expected = differences(subject)
    actual = subject.backward(np.ones(()))
    return {
        name: float(np.max(np.abs(actual[name] - expected[name])))
        / max(1.0, float(np.max(np.abs(expected[name]))))
        for name in expected
    }


def failing(cls) -> dict[str, list[str]]:
    """Subject name -> the gradients off by more than RTOL, for every subject of ``cls``."""
    with micrograd.subjects(cls, (), options()) as found:
        return {
            s.name: wrong for s in found if (wrong := [n for n, e in errors(s).items() if e > RTOL])
        }


def names(cls) -> list[str]:
    with micrograd.subjects(cls, (), options()) as found:
        return [s.name for s in found]


# ----- recognising a Value class -----


def test_accepts_value_classes_only():
    assert micrograd.accepts(Value)
    assert micrograd.accepts(ValueWrongTanh)
    assert not micrograd.accepts(Value(1.5))  # an instance, not the class
    assert not micrograd.accepts(float)  # + and *, no backward
    assert not micrograd.accepts(np.ndarray)

    class Layer:  # an nnfs-style class: backward, no arithmetic
        def forward(self, x):
            return x

        def backward(self, d):
            return d

    assert not micrograd.accepts(Layer)


def test_accepts_without_running_the_class():
    class Exploding(Value):
        def __init__(self, data, _children=(), _op=""):
            raise SystemExit("constructed")

    # data and grad are read off Value.__init__'s code: the class is never built
    assert micrograd.accepts(Exploding)


def test_refuses_a_class_it_cannot_build():
    class Broken(Value):
        def __init__(self, data, _children=(), _op=""):
            raise ValueError("no scalars today")

    with pytest.raises(UserCodeError, match=r"Broken.__init__ raised ValueError: no scalars"):
        with micrograd.subjects(Broken, (), options()):
            pass


def test_refuses_a_class_without_data():
    class Bare:
        def __init__(self, x):
            self.x = x

        def __add__(self, other):
            return self

        def __mul__(self, other):
            return self

        def backward(self):
            pass

    assert not micrograd.accepts(Bare)
    with pytest.raises(CheckError, match=r"Bare\(1.5\) has no .data"):
        with micrograd.subjects(Bare, (), options()):
            pass


def test_refuses_arguments():
    with pytest.raises(CheckError, match="pass no arguments"):
        with micrograd.subjects(Value, (np.ones(3),), options()):
            pass


# ----- the subjects -----


def test_one_subject_per_operation_and_point():
    assert names(Value) == [
        "a + b", "a + b (a, b < 0)", "2.0 + a", "2.0 + a (a < 0)",
        "a - b", "a - b (a, b < 0)", "2.0 - a", "2.0 - a (a < 0)",
        "a * b", "a * b (a, b < 0)", "2.0 * a", "2.0 * a (a < 0)",
        "a / b", "a / b (a, b < 0)", "2.0 / a", "2.0 / a (a < 0)",
        "a ** 3", "a ** 3 (a < 0)", "a ** 0.5",  # (-a) ** 0.5 is complex
        "-a", "-a (a < 0)",
        "a.relu()", "a.relu() (a < 0)", "a.tanh()", "a.tanh() (a < 0)",
        "a.exp()", "a.exp() (a < 0)", "a.log()",  # log(-a) raises: no negative point
        "a + a", "a * a", "a.relu() + a", "a.tanh() + a", "a.exp() + a", "a.log() + a",
        "neuron: tanh(w·x + b)",
    ]  # fmt: skip


def test_subjects_follow_the_protocol():
    with micrograd.subjects(Value, (), options()) as found:
        by_name = {s.name: s for s in found}
    product, neuron = by_name["a * b"], by_name["neuron: tanh(w·x + b)"]
    assert all(s.unit_cotangent for s in found)
    assert product.gradient_names == {"a": "a.grad", "b": "b.grad"}
    assert {k: v.shape for k, v in product.arrays.items()} == {"a": (), "b": ()}
    assert 0.5 <= product.arrays["a"] <= 1.0 < 1.25 <= product.arrays["b"] <= 2.0
    negative = by_name["a * b (a, b < 0)"].arrays
    assert -2.0 <= negative["b"] <= -1.25 < -1.0 <= negative["a"] <= -0.5
    assert {k: v.shape for k, v in neuron.arrays.items()} == {"x": (3,), "w": (3,), "b": ()}
    x, w, b = (neuron.arrays[k] for k in "xwb")
    assert 0.5 <= w @ x + b <= 1.0  # away from relu's kink, where tanh is steep
    out = product.forward()
    assert out.dtype == np.float64 and out.shape == ()
    assert out == product.arrays["a"] * product.arrays["b"]
    grads = product.backward(np.ones(()))
    assert grads == {"a": product.arrays["b"], "b": product.arrays["a"]}
    # the backward's gradients scale with the cotangent, as the chain rule says
    assert product.backward(np.array(3.0))["a"] == 3.0 * product.arrays["b"]


def test_forward_reads_the_arrays_current_contents():
    with micrograd.subjects(Value, (), options()) as found:
        tanh = next(s for s in found if s.name == "a.tanh()")
    tanh.arrays["a"][()] = 0.25
    assert tanh.forward() == math.tanh(0.25)
    assert tanh.backward(np.ones(()))["a"] == 1 - math.tanh(0.25) ** 2


def test_points_come_from_the_options_generator():
    with micrograd.subjects(Value, (), options(1)) as first:
        with micrograd.subjects(Value, (), options(1)) as again:
            with micrograd.subjects(Value, (), options(2)) as other:
                a = [float(s.arrays["a"]) for s in (first[0], again[0], other[0])]
    assert a[0] == a[1] != a[2]


def test_correct_engine_passes_every_operation():
    with micrograd.subjects(Value, (), options()) as found:
        worst = max(max(errors(s).values()) for s in found)
    assert worst < 1e-8  # measured 1.4e-10


def test_wrong_mul_is_named_where_it_shows():
    # b's gradient is wrong wherever b enters a product as the right operand: a * b,
    # a / b (a * b**-1), and the neuron (w * x); -a = a * -1 and 2.0 * a only move a.
    assert failing(ValueWrongMul) == {
        "a * b": ["b"],
        "a * b (a, b < 0)": ["b"],
        "a / b": ["b"],
        "a / b (a, b < 0)": ["b"],
        "neuron: tanh(w·x + b)": ["x"],
    }


def test_overwritten_gradient_fails_the_reused_node_only():
    assert failing(ValueOverwrites) == {"a + a": ["a"], "a * a": ["a"]}


def test_overwritten_gradient_in_a_method_fails_its_reuse_check_only():
    class TanhOverwrites(Value):
        def tanh(self):
            t = math.tanh(self.data)
            out = type(self)(t, (self,), "tanh")

            def _backward():
                self.grad = (1 - t**2) * out.grad  # the + closure gave a its 1 first

            out._backward = _backward
            return out

    assert failing(TanhOverwrites) == {"a.tanh() + a": ["a"]}


def test_wrong_tanh_fails_tanh_and_the_neuron():
    assert failing(ValueWrongTanh) == {
        "a.tanh()": ["a"],
        "a.tanh() (a < 0)": ["a"],
        "a.tanh() + a": ["a"],
        "neuron: tanh(w·x + b)": ["x", "w", "b"],
    }


def test_wrong_gradients_are_far_off():
    with micrograd.subjects(ValueWrongMul, (), options()) as found:
        product = next(s for s in found if s.name == "a * b")
        assert errors(product)["b"] > 0.1


def test_relu_neuron_when_there_is_no_tanh():
    class ReluOnly(Value):
        tanh = None

    assert names(ReluOnly)[-1] == "neuron: relu(w·x + b)"
    assert "a.tanh()" not in names(ReluOnly)
    assert not failing(ReluOnly)


def test_user_code_errors_name_the_operation():
    class BrokenBackward(Value):
        def exp(self):
            out = type(self)(math.exp(self.data), (self,), "exp")

            def _backward():
                raise ZeroDivisionError("oops")

            out._backward = _backward
            return out

    with micrograd.subjects(BrokenBackward, (), options()) as found:
        exp = next(s for s in found if s.name == "a.exp()")
        assert exp.forward() == math.exp(float(exp.arrays["a"]))
        said = r"BrokenBackward.backward \(in `a.exp\(\)`\) raised ZeroDivisionError"
        with pytest.raises(UserCodeError, match=said):
            exp.backward(np.ones(()))


def test_a_reflected_form_without_number_support_is_reported():
    # a re-implementation that assumes both operands are Values
    class NoNumbers(Value):
        def __rmul__(self, other):
            return type(self)(other.data * self.data)

    with micrograd.subjects(NoNumbers, (), options()) as found:
        reflected = next(s for s in found if s.name == "2.0 * a")
        with pytest.raises(UserCodeError, match="NoNumbers.__rmul__ raised AttributeError"):
            reflected.forward()


# ----- through check_gradients -----


def test_check_gradients_passes_a_correct_engine():
    report = check_gradients(Value)
    assert report.style == "micrograd"
    assert report and len(report.gradients) == 45
    worst = max(c.max_rel for g in report.gradients for c in g.comparisons)
    assert worst < 1e-8  # measured 1.4e-10


def test_check_gradients_names_the_operation_of_a_wrong_mul():
    report = check_gradients(ValueWrongMul)
    assert report.wrong == [
        "a * b: b.grad",
        "a * b (a, b < 0): b.grad",
        "a / b: b.grad",
        "a / b (a, b < 0): b.grad",
        "neuron: tanh(w·x + b): x.grad",
    ]
    assert report["a * b: b.grad"].comparisons[0].max_rel > 0.1


def test_check_gradients_catches_an_overwritten_gradient():
    report = check_gradients(ValueOverwrites)
    assert report.wrong == ["a + a: a.grad", "a * a: a.grad"]
    assert report["a + a: a.grad"].comparisons[0].max_rel == pytest.approx(0.5)


def test_check_gradients_catches_a_wrong_tanh():
    report = check_gradients(ValueWrongTanh)
    assert report.wrong == [
        "a.tanh(): a.grad",
        "a.tanh() (a < 0): a.grad",
        "a.tanh() + a: a.grad",
        "neuron: tanh(w·x + b): x.grad",
        "neuron: tanh(w·x + b): w.grad",
        "neuron: tanh(w·x + b): b.grad",
    ]
    assert "tanh(w·x + b)" in str(report)


# ----- the styles corpus (tests/corpus/styles) -----

NEURON = "neuron: tanh(w·x + b)"
CORPUS = [
    (micrograd_engine, []),
    (micrograd_buggy_mul, [
        "a * b: b.grad", "a * b (a, b < 0): b.grad", "a / b: b.grad",
        "a / b (a, b < 0): b.grad", f"{NEURON}: x.grad",
    ]),
    (micrograd_buggy_overwrite, ["a + a: a.grad"]),  # its = is in __add__ only
    (micrograd_buggy_tanh, [
        "a.tanh(): a.grad", "a.tanh() (a < 0): a.grad", "a.tanh() + a: a.grad",
        f"{NEURON}: x.grad", f"{NEURON}: w.grad", f"{NEURON}: b.grad",
    ]),
]  # fmt: skip


@pytest.mark.parametrize("module, wrong", CORPUS, ids=lambda v: getattr(v, "__name__", ""))
def test_corpus_engines(module, wrong):
    report = check_gradients(module.Value)
    assert len(report.gradients) == 48  # the engine above and a.sigmoid() at two points, reused
    assert report.wrong == wrong


def test_a_value_exponent_is_checked_where_the_class_takes_one():
    # karpathy/micrograd's later engine takes a Value exponent, and its backward used an
    # unimported math: found in real code, and it must not pass unchecked
    class ValuePower(Value):
        def __pow__(self, other):
            other = other if isinstance(other, Value) else type(self)(other)
            out = type(self)(self.data**other.data, (self, other), "**")

            def _backward():
                self.grad += other.data * self.data ** (other.data - 1) * out.grad
                other.grad += undefined_log(self.data) * out.grad  # noqa: F821

            out._backward = _backward
            return out

    with pytest.raises(UserCodeError, match=r"backward \(in `a (/|\*\*) b`\) raised NameError"):
        check_gradients(ValuePower)
    assert "a ** b" not in {s.name for s in micrograd.subjects(Value, (), options()).__enter__()}
