"""Independent references for every op of the table.

The reference forward is the op's *definition* from the table (not the stable
form the kernels evaluate), lambdified onto ``autograd.numpy``; HIPS autograd then
differentiates it with no help from SymPy. Finite differences use the generated
forward kernel itself.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import autograd.scipy.special
import numpy as np
from sympy import lambdify

from numeric.printer import KernelPrinter
from symbolic.arrays import array_symbol, to_arrays
from symbolic.ops import (
    Affine,
    B,
    Composed,
    Elementwise,
    Loss,
    Masked,
    N,
    Normalization,
    Penalty,
    Rowwise,
    mask,
    op,
    p,
    rate,
    t,
    w,
    x,
    z,
)


class _AutogradPrinter(KernelPrinter):
    """Special functions from ``autograd.scipy.special``, which autograd differentiates."""

    def _scipy_special(self, function, expr):
        return f"{function}({', '.join(self._print(arg) for arg in expr.args)})"


def _on_autograd(args, expr):
    special = {"erf": autograd.scipy.special.erf, "erfc": autograd.scipy.special.erfc}
    return lambdify(args, expr, modules=[{"numpy": anp, **special}, anp], printer=_AutogradPrinter)


def reference(name: str):
    """The definition as an autograd-differentiable function; ``name`` as ``op`` takes it."""
    entry = op(name)
    if isinstance(entry, Elementwise):
        return _on_autograd([x], entry.expr.subs(dict(entry.params)))
    if isinstance(entry, Rowwise):
        return _on_autograd([array_symbol(z)], to_arrays(entry.expr))
    if isinstance(entry, Loss):
        ps = array_symbol(p)
        per_sample = _on_autograd([ps, array_symbol(t), N], to_arrays(entry.expr / entry.per))
        return lambda pred, target: anp.mean(per_sample(pred, target, pred.shape[1]))
    if isinstance(entry, Composed):
        activation, loss = reference(entry.activation), reference(entry.loss)
        return lambda logits, target: loss(activation(logits), target)
    if isinstance(entry, Affine):
        return lambda X, W, b: anp.dot(X, W) + b
    if isinstance(entry, Penalty):
        term = _on_autograd([w], entry.expr.subs(dict(entry.params)))
        return lambda weights: anp.sum(term(weights))
    if isinstance(entry, Masked):
        return _on_autograd([x, mask, rate], entry.expr)
    if isinstance(entry, Normalization):  # the definition, written here: no SymPy in it
        axis = 0 if entry.axis == "batch" else -1

        def normalised(inputs, gamma, beta, eps):
            mean = anp.mean(inputs, axis=axis, keepdims=True)
            variance = anp.mean((inputs - mean) ** 2, axis=axis, keepdims=True)
            return gamma * (inputs - mean) / anp.sqrt(variance + eps) + beta

        return normalised
    raise TypeError(name)


# The derivative at the kink x = 0, as PyTorch computes it (torch.relu: 0; leaky_relu:
# negative_slope; elu: alpha, from its x <= 0 branch; abs, hence the L1 penalty: sign(0) =
# 0). Written as numbers, never read from the package: making LeakyReLU'(0) = 0 once
# passed a reference built from the package's own convention.
KINKS = {
    "relu": 0.0,
    "leaky_relu": 0.01,
    "leaky_relu(alpha=0.2)": 0.2,
    "elu": 1.0,
    "elu(alpha=0.5)": 0.5,
    "l1_penalty": 0.0,
    "l1_penalty(lambda_=0.0005)": 0.0,
}


def mp_derivative(f, value, digits: int = 40) -> float:
    """The derivative of the SymPy expression ``f`` of its one free symbol at ``value``,
    by mpmath's numerical differentiation at ``digits`` digits: no SymPy ``diff``, no
    rule of the package."""
    import mpmath

    (symbol,) = f.free_symbols
    fn = lambdify(symbol, f, modules="mpmath")
    with mpmath.workdps(digits):
        return float(mpmath.diff(fn, mpmath.mpf(value)))


def vjp(f, argnum: int, args: tuple, cotangent) -> np.ndarray:
    """``cotangent . d f(args) / d args[argnum]`` by autograd."""
    return autograd.grad(lambda *a: anp.sum(f(*a) * cotangent), argnum)(*args)


def finite_difference(f, args: tuple, argnum: int, cotangent, step: float) -> np.ndarray:
    """Central differences of ``sum(cotangent * f(args))`` w.r.t. ``args[argnum]`` (float64)."""
    args = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    target = args[argnum]
    grad = np.zeros_like(target)
    for index in np.ndindex(target.shape):
        saved = target[index]
        target[index] = saved + step
        up = np.sum(cotangent * f(*args))
        target[index] = saved - step
        down = np.sum(cotangent * f(*args))
        target[index] = saved
        grad[index] = (up - down) / (2 * step)
    return grad


__all__ = ["B", "KINKS", "finite_difference", "mp_derivative", "reference", "vjp"]
