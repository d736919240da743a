"""numeric/check/styles/micrograd.py: which classes are micrograd ``Value`` classes, which
of their methods are ops, and what each op's subject says. Each test names the
behaviour it protects; the engines are small ones written here (karpathy/micrograd's
``+``, ``*`` and a topological ``backward``). Run by ``python benchmarks/mutation.py``.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from numeric.check.errors import CheckError
from numeric.check.styles import micrograd
from numeric.check.subject import Layout, Options


class Value:
    """karpathy/micrograd's engine, + and * only (and tanh)."""

    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = _children

    def __add__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if id(v) not in seen:
                seen.add(id(v))
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def power(self, other):
    """micrograd's ``__pow__``, for a number or (here) a ``Value`` exponent."""
    e = other.data if isinstance(other, Value) else other
    out = type(self)(self.data**e, (self,))

    def _backward():
        self.grad += e * self.data ** (e - 1) * out.grad

    out._backward = _backward
    return out


class WithTanh(Value):
    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,))

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out


def options(seed: int = 0) -> Options:
    return Options(rng=np.random.default_rng(seed))


def names(cls) -> list[str]:
    with micrograd.subjects(cls, (), options()) as found:
        return [s.name for s in found]


# ----- which classes are Value classes -----


def ops_without_init() -> dict:
    """Value's operators and backward, for a class whose ``__init__`` is its own."""
    return {k: v for k, v in vars(Value).items() if k in ("__add__", "__mul__", "backward")}


def test_a_class_holding_data_and_grad_by_slots_or_annotations_is_accepted_unbuilt():
    def init(self, data, _children=()):  # sets nothing by name: its code reads no data
        raise SystemExit("never built by accepts")

    slots = type(
        "Slots", (), {"__init__": init, "__slots__": ("data", "grad"), **ops_without_init()}
    )
    annotated = type(
        "Annotated",
        (),
        {
            "__init__": init,
            "__slots__": "data",
            "__annotations__": {"grad": float},
            **ops_without_init(),
        },
    )
    only_data = type("OnlyData", (), {"__init__": init, "__slots__": "data", **ops_without_init()})
    assert micrograd.accepts(slots)
    assert micrograd.accepts(annotated)  # one slot, as a string, and an annotation
    assert not micrograd.accepts(only_data)  # no grad named: built, and it raises


def test_a_class_naming_neither_is_built_once_to_look_for_data_and_grad():
    def indirect(self, data, _children=()):
        vars(self).update(dict(data=data, grad=0.0, _backward=lambda: None, _prev=()))

    def no_grad(self, data, _children=()):
        vars(self).update(dict(data=data, _backward=lambda: None, _prev=()))

    def unbuildable(self, data, _children=()):
        vars(self).update(dict(data=data, grad=0.0))
        raise ValueError("no")

    for init, accepted in ((indirect, True), (no_grad, False), (unbuildable, False)):
        cls = type("Engine", (), {"__init__": init, **ops_without_init()})
        assert micrograd.accepts(cls) is accepted, init.__name__


def test_data_and_grad_named_in_any_classs_init_along_the_mro_are_enough():
    def names_both(self, data, _children=()):
        self.data = data
        self.grad = 1 / 0  # names exactly data and grad, then fails if built

    def names_nothing(self, data, _children=()):
        pass

    exact = type("Exact", (), {"__init__": names_both, **ops_without_init()})
    assert micrograd.accepts(exact)
    base = type("Base", (), {"__init__": names_nothing, **ops_without_init()})
    child = type("Child", (base,), {"__init__": names_both})
    assert micrograd.accepts(child)  # the base's __init__ names nothing: the child's count


def test_classes_without_backward_add_mul_or_a_one_number_constructor_are_refused():
    class NoMul:
        def __init__(self, data):
            self.data, self.grad = data, 0.0

        def __add__(self, other):
            return self

        def backward(self):
            pass

    class TwoNumbers(Value):
        def __init__(self, data, label):
            super().__init__(data)

    class FromTorch(Value):
        pass

    FromTorch.__module__ = "torch.autograd"

    class FromNumpy(Value):
        pass

    FromNumpy.__module__ = "numpy.fake"
    assert not micrograd.accepts(FromNumpy)
    assert not micrograd.accepts(NoMul)
    assert not micrograd.accepts(TwoNumbers)
    assert not micrograd.accepts(FromTorch)
    assert not micrograd.accepts(len)  # a builtin: no signature to bind
    assert micrograd.accepts(Value)


def test_subjects_refuse_a_class_without_backward_or_without_grad_by_name():
    class NoBackward:
        def __init__(self, data):
            self.data, self.grad = data, 0.0

    class NoGrad(Value):
        def __init__(self, data, _children=()):
            self.data, self._prev, self._backward = data, _children, lambda: None

    with pytest.raises(CheckError) as refused:
        with micrograd.subjects(NoBackward, (), options()):
            pass
    assert str(refused.value) == "NoBackward has no backward method: not a micrograd Value class"
    with pytest.raises(CheckError) as refused:
        with micrograd.subjects(NoGrad, (), options()):
            pass
    assert str(refused.value) == "NoGrad(1.5) has no .grad: not a micrograd Value class"
    with pytest.raises(CheckError) as refused:
        with micrograd.subjects(Value, (1.0,), options()):
            pass
    assert str(refused.value) == (
        "Value: a micrograd Value class is checked at its own points; pass no arguments"
    )


# ----- which methods are ops -----


def test_the_ops_are_public_no_argument_methods_returning_a_node():
    class Methods(Value):
        def times(self, k):  # needs an argument: not an op
            return self * k

        def broken(self):  # fails on a plain positive number: not an op
            raise RuntimeError("no")

        def half(self):
            return self * 0.5

        def scaled(self, k=2.0, *rest, **more):  # every parameter optional
            return self * k

        def _hidden(self):
            return self * 3.0

        def item(self):  # a no-argument method that is not an op
            return self * 1.0

        def zero_grad(self):
            return self * 0.0

        def number(self):  # returns a float, not a node
            return self.data

        @staticmethod
        def helper():
            return Value(1.0)

        @property
        def double(self):
            return self * 2.0

    assert micrograd._unary_methods(Methods) == ["half", "scaled"]
    assert names(Methods) == [
        "a + b", "a + b (a, b < 0)", "a * b", "a * b (a, b < 0)",
        "a.half()", "a.half() (a < 0)", "a.scaled()", "a.scaled() (a < 0)",
        "a + a", "a * a", "a.half() + a", "a.scaled() + a",
        "neuron: w·x + b",  # no tanh, no relu: the neuron has no nonlinearity
    ]  # fmt: skip
    with micrograd.subjects(Methods, (), options()) as found:
        neuron = found[-1]
    x, w, b = (neuron.arrays[k] for k in "xwb")
    assert neuron.forward() == pytest.approx(float(w @ x + b), rel=1e-12)


def test_a_method_of_an_inherited_class_is_found_once_in_definition_order():
    class Child(WithTanh):
        def tanh(self):  # overridden: still one op, where the parent defined it
            return super().tanh()

        def twice(self):
            return self + self

    assert micrograd._unary_methods(Child) == ["tanh", "twice"]


def test_a_node_is_anything_with_data_grad_and_a_callable_backward():
    assert micrograd._is_value(SimpleNamespace(data=1.0, grad=0.0, backward=lambda: None))
    assert not micrograd._is_value(SimpleNamespace(data=1.0, grad=0.0, backward=None))
    assert not micrograd._is_value(SimpleNamespace(data=1.0, backward=lambda: None))
    assert not micrograd._is_value(SimpleNamespace(grad=0.0, backward=lambda: None))
    assert not micrograd._is_value(SimpleNamespace(data=1.0, grad=0.0))


def test_a_method_is_callable_without_arguments_only_when_each_parameter_is_optional():
    def star(self, *args):
        pass

    def keywords(self, **kw):
        pass

    def defaults(self, a=1, *, b=2):
        pass

    def needs(self, a, b=2):
        pass

    def keyword_only(self, *, b):
        pass

    assert micrograd._no_argument(star) and micrograd._no_argument(keywords)
    assert micrograd._no_argument(defaults)
    assert not micrograd._no_argument(needs) and not micrograd._no_argument(keyword_only)
    assert not micrograd._no_argument(object())  # no signature at all


def test_the_neuron_takes_tanh_before_relu():
    class Both(WithTanh):
        def relu(self):
            return self

    assert names(Both)[-1] == "neuron: tanh(w·x + b)"


# ----- the subjects -----


def test_a_subject_says_where_it_runs_and_has_no_table_layout():
    with micrograd.subjects(WithTanh, (), options()) as found:
        by_name = {s.name: s for s in found}
    product = by_name["a * b"]
    assert product.setup == "WithTanh (micrograd) at a = 0.818, b = 1.281"
    assert product.layouts == (Layout(""),)
    neuron = by_name["neuron: tanh(w·x + b)"]
    assert neuron.setup == (
        "WithTanh (micrograd) at x = [-1.594  1.315  1.903], w = [1.724 0.504 1.786], b = -0.796"
    )
    assert by_name["a.tanh()"].setup == "WithTanh (micrograd) at a = 0.818"
    assert neuron.arrays["x"].dtype == np.float64 and neuron.arrays["b"].shape == ()
    # the neuron's gradient by hand: d tanh(w·x + b) = (1 - t^2) (x, w, 1)
    x, w, bias = (neuron.arrays[k] for k in "xwb")
    t = math.tanh(float(w @ x + bias))
    grads = neuron.backward(np.array(2.0))
    assert np.allclose(grads["x"], 2 * (1 - t**2) * w, rtol=1e-12, atol=0)
    assert np.allclose(grads["w"], 2 * (1 - t**2) * x, rtol=1e-12, atol=0)
    assert grads["b"] == pytest.approx(2 * (1 - t**2), rel=1e-12)


def test_a_leaf_without_a_gradient_is_reported_as_none():
    assert micrograd._grad(SimpleNamespace(grad=None)) is None
    assert micrograd._grad([SimpleNamespace(grad=1.0), SimpleNamespace(grad=None)]) is None
    both = micrograd._grad([SimpleNamespace(grad=1.0), SimpleNamespace(grad=2)])
    assert both.dtype == np.float64 and both.tolist() == [1.0, 2.0]
    assert micrograd._grad(SimpleNamespace()) is None
    assert micrograd._grad(SimpleNamespace(grad=3)).dtype == np.float64  # an int count

    class Forgets(Value):
        def __mul__(self, other):  # other's gradient never set: None
            other = other if isinstance(other, Value) else type(self)(other)
            out = type(self)(self.data * other.data, (self, other))
            other.grad = None

            def _backward():
                self.grad += other.data * out.grad

            out._backward = _backward
            return out

    with micrograd.subjects(Forgets, (), options()) as found:
        product = next(s for s in found if s.name == "a * b")
        grads = product.backward(np.ones(()))
    assert grads["b"] is None and grads["a"] == product.arrays["b"]


def test_an_op_giving_no_node_or_a_complex_number_is_refused_by_name():
    class Plain(Value):
        def __add__(self, other):
            return 3.0

    class Complex(Value):
        def root(self):
            return type(self)((-self.data) ** 0.5, (self,))

    with micrograd.subjects(Plain, (), options()) as found:
        add = next(s for s in found if s.name == "a + b")
        with pytest.raises(CheckError) as refused:
            add.forward()
        assert str(refused.value) == "a + b gave a float, not a Plain"
        with pytest.raises(CheckError, match="^a \\+ b gave a float, not a Plain$"):
            add.backward(np.ones(()))
    with micrograd.subjects(Complex, (), options()) as found:
        root = next(s for s in found if s.name == "a.root()")
        with pytest.raises(CheckError) as refused:
            root.forward()
    data = (-float(root.arrays["a"])) ** 0.5
    assert str(refused.value) == f"a.root() gave a complex number: {data}"


def test_an_op_whose_data_is_an_int_is_read_as_float64():
    class IntRelu(WithTanh):
        def relu(self):
            out = type(self)(0 if self.data < 0 else self.data, (self,))  # an int 0

            def _backward():
                self.grad += (out.data > 0) * out.grad

            out._backward = _backward
            return out

    with micrograd.subjects(IntRelu, (), options()) as found:
        relu = next(s for s in found if s.name == "a.relu() (a < 0)")
    out = relu.forward()
    assert out.dtype == np.float64 and out == 0.0


def test_a_value_exponent_is_tried_only_where_the_forward_gives_a_finite_real_number():
    class Powers(Value):
        __pow__ = power

    class ArrayPowers(Powers):
        def __pow__(self, other):
            out = super().__pow__(other)
            if isinstance(other, Value):
                out.data = np.array([out.data, out.data])  # not a scalar
            return out

    class InfinitePowers(Powers):
        def __pow__(self, other):
            out = super().__pow__(other)
            if isinstance(other, Value):
                out.data = math.inf
            return out

    assert "a ** b" in names(Powers)
    assert "a ** b (a, b < 0)" not in names(Powers)  # only the positive point
    assert "a ** b" not in names(ArrayPowers)
    assert "a ** b" not in names(InfinitePowers)

    class NumberPowers(Powers):
        def __pow__(self, other):
            out = super().__pow__(other)
            return out.data if isinstance(other, Value) else out  # a plain float

    assert "a ** b" not in names(NumberPowers)
    assert names(Powers)[4:7] == ["a ** 3", "a ** 3 (a < 0)", "a ** 0.5"]


# ----- what a failing operation is called -----


class Fragile(WithTanh):
    """Every op written out (none composed), each raising when ``Fragile.broken`` names it."""

    broken = None

    def _fail(self, method):
        if type(self).broken == method:
            raise RuntimeError("planted")

    def __add__(self, other):
        self._fail("__add__")
        return super().__add__(other)

    def __mul__(self, other):
        self._fail("__mul__")
        return super().__mul__(other)

    def __rmul__(self, other):
        self._fail("__rmul__")
        return self * other

    def __pow__(self, other):
        self._fail("__pow__")
        return power(self, other)

    def __neg__(self):
        self._fail("__neg__")
        out = type(self)(-self.data, (self,))

        def _backward():
            self.grad -= out.grad

        out._backward = _backward
        return out

    def tanh(self):
        self._fail("tanh")
        return super().tanh()


@pytest.mark.parametrize(
    "subject, broken",
    [
        ("a + b", "__add__"),
        ("2.0 * a", "__rmul__"),
        ("a ** 3", "__pow__"),
        ("a ** b", "__pow__"),
        ("-a", "__neg__"),
        ("a.tanh()", "tanh"),
        ("a + a", "__add__"),
        ("a * a", "__mul__"),
        ("a.tanh() + a", "tanh"),
        ("a.tanh() + a", "__add__"),
        ("neuron: tanh(w·x + b)", "__mul__"),
        ("neuron: tanh(w·x + b)", "__add__"),
        ("neuron: tanh(w·x + b)", "tanh"),
    ],
)
def test_an_operation_that_raises_is_named_by_the_method_that_raised(subject, broken):
    with micrograd.subjects(Fragile, (), options()) as found:
        s = next(s for s in found if s.name == subject)
    Fragile.broken = broken
    try:
        with pytest.raises(CheckError) as raised:
            s.forward()
    finally:
        Fragile.broken = None
    assert str(raised.value) == f"Fragile.{broken} raised RuntimeError: planted"
