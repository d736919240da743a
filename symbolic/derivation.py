r"""``derive(name)``: an op's derivation as sections of steps, each proven, printable.

A derivation is what a teacher would hand out: sections, each a quantity and the
chain of equalities that computes it, every step with the rule it applies.

* An elementwise op: the definition, written with named closed forms (sigma, Phi,
  softplus); the walk of ``symbolic.steps`` from :math:`\frac{d}{dx} f(x)` by the
  textbook rules; the result named (:math:`\sigma(x)(1 - \sigma(x))`).
* Softmax, the losses and softmax + cross-entropy (``symbolic.index_steps``): index
  form over a symbolic class count, the Kronecker delta, the cases, the Jacobian.
* The dense layer (``symbolic.dense_steps``): matrix calculus with differentials and
  the trace, then the same gradients entry by entry.
* Last, "computed as": what the kernels evaluate (``exp(-logaddexp(0, -x))``, the
  form through the output ``y``, the row maximum subtracted), each rewrite proven
  equal to the result. The kernels are generated from ``symbolic.forms.derived``,
  and the tests hold the two to be the same expressions.

Every rendering first calls ``verify()``: a derivation that does not verify is an
error, never printed output.

>>> d = derive("sigmoid")
>>> d.result
(1 - sigma(x))*sigma(x)
>>> [step.reason for step in d.steps][-1]
"written through the output y = sigmoid(x): reuses the forward's result"
>>> all(proof.symbolic for proof in d.verify())
True
>>> print(derive("relu").latex())  # doctest: +ELLIPSIS
\begin{aligned}
y &= \max\left(0, x\right) && \text{definition} \\[1ex]
\frac{d \operatorname{relu}{\left(x \right)}}{d x} &= \frac{d}{d x} \max\left(0, x\right) ...
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import sympy as sp

from symbolic.derived import Derived, Obligation, Section, Step
from symbolic.ops import (
    Affine,
    Composed,
    Elementwise,
    Loss,
    Masked,
    Normalization,
    Penalty,
    Rowwise,
    op,
    w,
    x,
)
from symbolic.proof import NotEqual
from symbolic.verify import ScalarForm


class DerivationError(AssertionError):
    """A step of a derivation does not follow from the step before."""


@dataclass(frozen=True)
class StepProof:
    """How one step was proven: ``method`` as ``symbolic.proof`` names it; ``scope`` for
    which values it holds ("proven for all N", "checked for N = 1..3"...)."""

    quantity: sp.Basic
    number: int  # the step's index in its section
    reason: str
    method: str
    scope: str = ""

    @property
    def symbolic(self) -> bool:
        return "numeric" not in self.method

    @property
    def convention(self) -> bool:
        return "is a convention" in self.method


def _scope(section: Section, method: str) -> str:
    """For which values a step's proof holds, from its method and its section's checker."""
    if "numeric" in method:
        return "backed only by a numeric spot check (30 digits, random points)"
    both = re.search(r"^sums in closed form, for all N; written out for N = ([\d, ]+)", method)
    if both:  # batch and layer norm: proven for every N, and written out on small ones too
        sizes = [int(v) for v in both[1].split(",") if v.strip()]
        return f"proven for all N and checked for N = {sizes[0]}..{sizes[-1]}, every index"
    only = re.search(r"for (N = \d+)$", method)
    if only:
        return f"proven for {only[1]}"
    for words in ("for all N", "for any N"):
        if words in method:
            return "proven for all N"
    shapes = re.search(r"on (?:explicit )?shapes ([^:;]+)", method)
    if "for all shapes" in method:
        return "proven for all shapes" + (
            f" and checked entry by entry on shapes {shapes[1].strip()}" if shapes else ""
        )
    written = re.search(r"written out for N = ([\d, ]+)", method)
    if written:
        sizes = [int(v) for v in written[1].split(",") if v.strip()]
        return f"checked for N = {sizes[0]}..{sizes[-1]}, every index"
    if "entry by entry" in method and shapes:
        return f"checked entry by entry on shapes {shapes[1].strip()}"
    variables = sorted(section.steps[0].expr.free_symbols & {x, w}, key=str)
    return f"proven for all {variables[0] if variables else 'x'}"


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
                scope = _scope(section, method)
                proofs.append(StepProof(section.quantity, number, step.reason, method, scope))
        for obligation in self.obligations:
            try:
                obligation.prove()
            except NotEqual as error:
                raise DerivationError(
                    f"{self.name}: {obligation.claim} is false: {error}"
                ) from error
        return tuple(proofs)

    def summary(self) -> str:
        """How the steps were proven, in one sentence, after ``verify()``: how many steps
        hold for all values, how many were checked on explicit sizes or shapes only.

        >>> derive("sigmoid").summary()
        'Verified: 8 steps proven for all x.'
        """
        proofs = [proof for proof in self.verify() if proof.method != "definition"]
        counts: dict[str, int] = {}
        for proof in proofs:
            counts[proof.scope] = counts.get(proof.scope, 0) + 1
        parts = [f"{n} {'step' if n == 1 else 'steps'} {scope}" for scope, n in counts.items()]
        conventions = sum(proof.convention for proof in proofs)
        words = "; ".join(parts)
        if conventions:
            words += (
                f" ({conventions} {'sets' if conventions == 1 else 'set'} a convention at a kink)"
            )
        assumed = "; ".join(self.assumptions)
        return f"Verified: {words}." + (f" Assumed: {assumed}." if assumed else "")

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

    def __repr__(self) -> str:  # short, and the same in every process (notebook outputs)
        return (
            f"<Derivation of {self.name}: {len(self.sections)} sections, {len(self.steps)} steps>"
        )

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
        Masked: _masked,
        Normalization: _normalization,
    }[type(entry)]
    return dataclasses.replace(build(entry, derived), obligations=derived.obligations)


# ----- elementwise: the walk, then the chain's own steps -----


def _elementwise(entry: Elementwise, derived: Derived) -> Derivation:
    from symbolic.steps import elementwise_sections

    sections, result = elementwise_sections(entry, derived)
    return Derivation(name=entry.name, doc=entry.doc, sections=sections, result=result)


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


def _rowwise(entry: Rowwise, derived: Derived) -> Derivation:
    from symbolic.index_steps import softmax_sections

    sections, result = softmax_sections(entry)
    return Derivation(entry.name, entry.doc, sections, result, assumptions=derived.assumptions)


def _loss(entry: Loss, derived: Derived) -> Derivation:
    from symbolic.index_steps import loss_sections

    sections, result = loss_sections(entry, derived)
    return Derivation(entry.name, entry.doc, sections, result, assumptions=derived.assumptions)


def _composed(entry: Composed, derived: Derived) -> Derivation:
    from symbolic.index_steps import composed_sections

    sections, result = composed_sections(entry, derived)
    return Derivation(entry.name, entry.doc, sections, result, assumptions=derived.assumptions)


# ----- the dense layer: matrix calculus -----


def _affine(entry: Affine, derived: Derived) -> Derivation:
    from symbolic.dense_steps import entry_sections, matrix_sections

    sections = matrix_sections() + entry_sections()
    return Derivation(
        name=entry.name,
        doc=entry.doc,
        sections=sections,
        result=derived.backward.expr,
        assumptions=derived.assumptions,
    )


# ----- dropout: the mask a symbol; batch and layer norm: index form over a group -----


def _masked(entry: Masked, derived: Derived) -> Derivation:
    from symbolic.dropout import masked_sections

    sections = masked_sections(entry, derived)
    return Derivation(
        entry.name, entry.doc, sections, derived.backward.expr, assumptions=derived.assumptions
    )


def _normalization(entry: Normalization, derived: Derived) -> Derivation:
    from symbolic.norm_steps import results, sections

    return Derivation(
        entry.name,
        entry.doc,
        sections(entry)[0],
        results(entry),
        assumptions=derived.assumptions,
    )
