"""A micrograd-style scalar autograd ``Value``, correct.

Style: Karpathy's micrograd (``micrograd/engine.py``) and the re-implementations
people write while watching "The spelled-out intro to neural networks and
backpropagation": a ``Value`` holds ``data`` and ``grad``; every op builds an output
``Value`` whose ``_backward`` closure adds ``local derivative * out.grad`` into its
inputs' ``grad``; ``backward()`` sorts the graph topologically and runs the closures in
reverse after seeding ``self.grad = 1``. The gradient of an op's operand ``a`` is
``a.grad``.

Real code read before writing this (none of it copied): karpathy/micrograd
``micrograd/engine.py``; the re-implementations cukhoaimon/micrograd
``micrograd/engine.py``, shivendrra/axgrad ``axgrad/engine.py``, saagark/micrograd
``micrograd-py/engine.py``, inspiro-sk/micrograd ``backprop.py`` (tanh through
``math.exp``), QingZhou-YangHY/Micrograd ``engine.py`` (``=`` where ``+=`` belongs);
and the explanations of the ``+=`` bug on dev.to (shrsv, "Fixing a bug in micrograd
backprop") and lynx-cortex ("Replace += with = in _backward").
"""

import math


class Value:
    """A scalar and its gradient."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, int | float), "only int/float powers"
        out = Value(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * self.data ** (other - 1) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(0.0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += (1 / self.data) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1 - s) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
