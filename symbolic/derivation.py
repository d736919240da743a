r"""``derive(name)``: an op's derivation as a chain of steps, each proven, printable.

Built on ``symbolic.forms.derived(name)`` -- the same chains the NumPy kernels are
generated from. For an elementwise op the chain's first step (``diff``'s answer) is
reached from the definition by the rule-based walk of ``symbolic.steps``; then come
the chain's own steps (the convention at a kink, the form through the output
``y``). Index-form and matrix chains are shown as derived, with the definition
they start from and the quantity each is about.

Every rendering first calls ``verify()``: a derivation that does not verify is an
error, never printed output.

>>> d = derive("sigmoid")
>>> d.result
y*(1 - y)
>>> [step.reason for step in d.steps][-2:]
['written through the output y = f(x)', 'substitute y = sigmoid(x)']
>>> all(proof.symbolic for proof in d.verify())
True
>>> print(derive("relu").latex())  # doctest: +ELLIPSIS
\begin{aligned}
y &= \max\left(0, x\right) && \text{definition} \\[1ex]
\frac{d \operatorname{relu}{\left(x \right)}}{d x} &= \frac{d}{d x} \max\left(0, x\right) ...
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import sympy as sp

from symbolic.derived import Chain, Derived, Obligation, Step
from symbolic.ops import (
    OPS,
    Affine,
    B,
    Composed,
    Elementwise,
    Loss,
    N,
    Penalty,
    Rowwise,
    c,
    i,
    op,
    p,
    s,
    w,
    x,
    y,
    z,
)
from symbolic.ops import g as grad_out
from symbolic.proof import NotEqual
from symbolic.verify import Checker, IndexForm, MatrixForm, ScalarForm


class DerivationError(AssertionError):
    """A step of a derivation does not follow from the step before."""


@dataclass(frozen=True)
class Section:
    """``quantity = steps[0] = steps[1] = ...``; ``steps[0]`` is where it starts."""

    quantity: sp.Basic
    steps: tuple[Step, ...]
    checker: Checker


@dataclass(frozen=True)
class StepProof:
    """How one step was proven: ``method`` as ``symbolic.proof`` names it."""

    quantity: sp.Basic
    number: int  # the step's index in its section
    reason: str
    method: str

    @property
    def symbolic(self) -> bool:
        return not self.method.startswith("numeric")


@dataclass(frozen=True, eq=False)
class Derivation:
    """An op's derivation: sections of steps from definitions to the gradient."""

    name: str
    doc: str
    sections: tuple[Section, ...]
    result: Any  # the gradient; a tuple for several (the dense layer)
    assumptions: tuple[str, ...] = field(default=())
    # The derivation's other claims (the kernels' stable rewrites, sizes N = 1..4...),
    # proven by verify() after the steps.
    obligations: tuple[Obligation, ...] = field(default=())

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step of every section, in order."""
        return tuple(step for section in self.sections for step in section.steps)

    def verify(self) -> tuple[StepProof, ...]:
        """Prove every step equal to the one before; raise ``DerivationError`` if one is not.

        The outcome, proofs or failure, is computed once per object.
        """
        if isinstance(self._outcome, DerivationError):
            raise self._outcome
        return self._outcome

    @cached_property
    def _outcome(self) -> tuple[StepProof, ...] | DerivationError:
        try:
            return self._prove()
        except DerivationError as error:
            return error

    def _prove(self) -> tuple[StepProof, ...]:
        proofs = []
        for section in self.sections:
            first = section.steps[0]
            proofs.append(StepProof(section.quantity, 0, first.reason, "definition"))
            for number in range(1, len(section.steps)):
                before, step = section.steps[number - 1], section.steps[number]
                try:
                    method = section.checker.prove(before.expr, step.expr, step.given)
                except NotEqual as error:
                    raise DerivationError(
                        f"{self.name}: step {number} of {section.quantity} "
                        f"({step.reason}) does not follow from the step before: {error}"
                    ) from error
                except Exception as error:  # a step that cannot be checked is not proven
                    raise DerivationError(
                        f"{self.name}: step {number} of {section.quantity} "
                        f"({step.reason}) does not follow from the step before: it could "
                        f"not be checked ({type(error).__name__}: {error})"
                    ) from error
                proofs.append(StepProof(section.quantity, number, step.reason, method))
        for obligation in self.obligations:
            try:
                obligation.prove()
            except NotEqual as error:
                raise DerivationError(
                    f"{self.name}: {obligation.claim} is false: {error}"
                ) from error
        return tuple(proofs)

    def latex(self) -> str:
        """An amsmath ``aligned`` block, after ``verify()``."""
        from symbolic.latex import aligned

        self.verify()
        return aligned(self)

    def text(self) -> str:
        """Plain text, one step a line with its reason, after ``verify()``."""
        from symbolic.latex import text

        self.verify()
        return text(self)

    def markdown(self) -> str:
        """A Markdown section with display math, after ``verify()``."""
        from symbolic.latex import markdown

        self.verify()
        return markdown(self)

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$"

    def __str__(self) -> str:
        return self.text()


def derive(name: str) -> Derivation:
    """The step-by-step derivation of op ``name``; ``verify()`` proves it.

    >>> derive("dense").result[:2]
    (G*W.T, X.T*G)
    """
    return derivation_for(op(name))


@cache  # keyed by the table entry, as symbolic.forms caches its derivations
def derivation_for(entry: Any) -> Derivation:
    """The derivation of a table entry (an op defined at run time included)."""
    from symbolic.forms import derive_entry

    derived = derive_entry(entry)
    build = {
        Elementwise: _elementwise,
        Rowwise: _rowwise,
        Loss: _loss,
        Composed: _composed,
        Affine: _affine,
        Penalty: _penalty,
    }[type(entry)]
    return dataclasses.replace(build(entry, derived), obligations=derived.obligations)


# ----- elementwise: the walk, then the chain's own steps -----


def _elementwise(entry: Elementwise, derived: Derived) -> Derivation:
    from symbolic.elementwise import fix_heaviside, g
    from symbolic.steps import walk

    f = entry.expr.subs(dict(entry.params))
    chain = derived.chains[0]
    steps = walk(f, x)
    if steps[-1].expr != chain.steps[0].expr:
        steps.append(Step(chain.steps[0].expr, "simplify to SymPy diff's form"))
    before = chain.steps[0].expr
    for step in chain.steps[1:]:
        given = dict(step.given)
        if step.expr != before and step.expr == fix_heaviside(before, entry.h0):
            given["convention"] = f"Heaviside(0) = {entry.h0}"
        steps.append(Step(step.expr, step.reason, given))
        before = step.expr
    through_output = derived.backward.expr / g
    if y in through_output.free_symbols:
        steps.append(Step(through_output, f"substitute y = {entry.name}(x)", {y: f}))
    scalar = ScalarForm()
    return Derivation(
        name=entry.name,
        doc=entry.doc,
        sections=(
            Section(y, (Step(f, "definition"),), scalar),
            Section(sp.Derivative(sp.Function(entry.name)(x), x), tuple(steps), scalar),
        ),
        result=steps[-1].expr,
    )


# ----- weight penalties: the sum over a parameter array, then the walk of one term -----

R = sp.Symbol("R")  # the penalty, summed over a parameter array


def _penalty(entry: Penalty, derived: Derived) -> Derivation:
    from symbolic.steps import walk

    k, n = sp.Symbol("k", integer=True), sp.Symbol("n", integer=True, positive=True)
    elements = sp.IndexedBase("w", real=True)
    total = sp.Sum(entry.expr.subs(w, elements[k]), (k, 0, n - 1))
    chain = derived.chains[0]
    steps = walk(entry.expr, w)
    steps[0] = Step(steps[0].expr, "w_k occurs in one term of the sum; write w for w_k")
    if steps[-1].expr != chain.result:
        steps.append(Step(chain.result, "simplify to SymPy diff's form"))
    values = dict(entry.params)
    if values:  # the value the kernels are built with
        shown = ", ".join(f"{s.name.rstrip('_')} = {v:g}" for s, v in values.items())
        steps.append(Step(chain.result.subs(values), f"with {shown}", values))
    scalar = ScalarForm()
    return Derivation(
        name=entry.name,
        doc=entry.doc,
        sections=(
            Section(R, (Step(total, "definition: a sum over a parameter array"),), scalar),
            Section(sp.Derivative(R, elements[k]), tuple(steps), scalar),
        ),
        result=steps[-1].expr,
    )


# ----- index form: softmax, the losses, softmax + cross-entropy -----

ELL, L = sp.Symbol("ell"), sp.Symbol("L")  # one sample's loss, the batch's mean loss


def _jacobian(entry: Rowwise, chain: Chain) -> Section:
    start = Step(sp.Derivative(entry.expr, z[c]), "definition of s_i")
    return Section(sp.Derivative(s[i], z[c]), (start, *chain.steps), IndexForm())


def _per_sample_and_batch(
    steps: tuple[Step, ...], start: Step, wrt: sp.Indexed
) -> tuple[Section, Section]:
    """A gradient chain split where the batch mean (``/B``) enters: two quantities."""
    at = next(n for n, step in enumerate(steps) if B in step.expr.free_symbols)
    sample = Section(sp.Derivative(ELL, wrt), (start, *steps[:at]), IndexForm())
    per_sample = steps[at - 1].expr
    per_sample_gradient = sp.Derivative(ELL, wrt)
    mean = Step(
        sp.Mul(1 / B, per_sample_gradient, evaluate=False),
        "the batch loss L is the mean of B sample losses",
    )
    known = {per_sample_gradient: per_sample}
    # The chain's own reason for this step restates the mean; what it does is substitute.
    rest = tuple(
        Step(step.expr, "substitute the sample's gradient", {**step.given, **known})
        for step in steps[at:]
    )
    batch = Section(sp.Derivative(L, wrt), (mean, *rest), IndexForm())
    return sample, batch


def _rowwise(entry: Rowwise, derived: Derived) -> Derivation:
    forward, jacobian, backward = derived.chains
    s_i = s[i]
    vjp = backward.steps[0]
    chain_rule = Step(
        sp.Sum(grad_out[i] * sp.Derivative(s_i, z[c]), (i, 0, N - 1)),
        "chain rule, with g_i = dL/ds_i",
    )
    known = {sp.Derivative(s_i, z[c]): jacobian.result}
    substituted = Step(vjp.expr, "substitute ds_i/dz_c", known)
    return Derivation(
        name=entry.name,
        doc=entry.doc,
        sections=(
            Section(s_i, forward.steps, IndexForm()),
            _jacobian(entry, jacobian),
            Section(
                sp.Derivative(L, z[c]),
                (chain_rule, substituted, *backward.steps[1:]),
                IndexForm(),
            ),
        ),
        result=jacobian.result,
        assumptions=derived.assumptions,
    )


def _loss(entry: Loss, derived: Derived) -> Derivation:
    definition, gradient = derived.chains
    per_sample = definition.steps[0].expr
    start = Step(sp.Derivative(per_sample, p[c]), "definition")
    sample, batch = _per_sample_and_batch(gradient.steps, start, p[c])
    return Derivation(
        name=entry.name,
        doc=entry.doc,
        sections=(Section(ELL, definition.steps, IndexForm()), sample, batch),
        result=gradient.result,
        assumptions=derived.assumptions,
    )


def _composed(entry: Composed, derived: Derived) -> Derivation:
    loss, jacobian, gradient = derived.chains
    plain = loss.steps[0].expr
    start = Step(sp.Derivative(plain, z[c]), "definition")
    sample, batch = _per_sample_and_batch(gradient.steps, start, z[c])
    return Derivation(
        name=entry.name,
        doc=entry.doc,
        sections=(
            Section(ELL, loss.steps, IndexForm()),
            _jacobian(OPS[entry.activation], jacobian),
            sample,
            batch,
        ),
        result=gradient.result,
        assumptions=derived.assumptions,
    )


# ----- the dense layer: matrix calculus -----


def _affine(entry: Affine, derived: Derived) -> Derivation:
    definition, *gradients = derived.chains
    matrix = MatrixForm()
    sections = [Section(sp.Symbol("Y"), definition.steps, matrix)]
    for chain in gradients:
        wrt = chain.steps[0].expr.variables[0]
        sections.append(Section(sp.Derivative(L, wrt), chain.steps, matrix))
    return Derivation(
        name=entry.name,
        doc=entry.doc,
        sections=tuple(sections),
        result=tuple(chain.result for chain in gradients),
        assumptions=derived.assumptions,
    )
