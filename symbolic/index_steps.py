r"""The derivations of softmax, the losses and softmax + cross-entropy, line by line.

Index form over a symbolic class count ``N`` (``symbolic.vector`` derives the kernel
forms; this module writes the steps a teacher would):

* **softmax**: the quotient rule on :math:`s_i = e^{z_i}/\sum_j e^{z_j}`, the two cases
  :math:`i = c` and :math:`i \ne c`, the Jacobian :math:`J = \operatorname{diag}(s) - s s^\top`
  and the :math:`3 \times 3` matrix written out, then the vector-Jacobian product;
* **a loss**: the sum differentiated term by term, the Kronecker delta, then the
  middle lines (binary cross-entropy's common denominator, Huber's clip);
* **softmax + cross-entropy**: the log of the softmax, then the chain through the
  softmax Jacobian, :math:`-\frac{t_i}{s_i} s_i(\delta_{ic} - s_c)`; the targets'
  sum :math:`\sum_j t_j = 1` is stated in the reason of each step that uses it.

Each step is proven by ``symbolic.verify.IndexForm`` (for all ``N`` where SymPy gets
there, else written out for small ``N``), matrix steps by ``VectorForm`` below.

>>> from symbolic.ops import OPS, s, i, c
>>> sections, result = softmax_sections(OPS["softmax"])
>>> result
(KroneckerDelta(c, i) - s[c])*s[i]
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symbolic.derived import Section, Step
from symbolic.ops import EPS, OPS, B, N, c, g, i, j, p, s, t, z
from symbolic.proof import NotEqual, prove_equal
from symbolic.reasons import QUOTIENT, SUM, SUM_T, Label, Math, because

k = sp.Symbol("k", integer=True, nonnegative=True)
m = sp.Symbol("m", real=True)  # the shift of the max trick
ELL, L = sp.Symbol("ell"), sp.Symbol("L")  # one sample's loss, the batch's mean loss
S_VEC, G_VEC = sp.MatrixSymbol("s", N, 1), sp.MatrixSymbol("g", N, 1)
SIZES = (1, 2, 3, 4)
IN_RANGE = {"assume": "every index lies in 0..N-1"}


def substitute(expr: sp.Basic, given: Mapping) -> sp.Basic:
    """``expr`` with the substitutions a step assumes (the ``given`` keys that are SymPy
    expressions), matched exactly: ``subs`` would also rewrite a derivative it should not."""
    return expr.xreplace({key: value for key, value in given.items() if isinstance(key, sp.Basic)})


def softmax_of(index: sp.Symbol, inner: sp.Symbol = j) -> sp.Expr:
    r""":math:`e^{z_{index}} / \sum_{inner} e^{z_{inner}}`."""
    return sp.exp(z[index]) / sp.Sum(sp.exp(z[inner]), (inner, 0, N - 1))


def _outputs(*indices: sp.Symbol) -> dict:
    """``s[k]`` as the softmax, for each index given: the substitution a step assumes."""
    return {s[index]: softmax_of(index) for index in indices}


def _sum_t(index: sp.Symbol) -> sp.Sum:
    return sp.Sum(t[index], (index, 0, N - 1))


# ----- a checker for vectors and matrices over the N classes -----


def _as_indexed(expr: sp.Basic) -> sp.Basic:
    """Entries ``s[k, 0]`` of a column vector as ``s[k]``, the index form's names."""
    return expr.replace(
        lambda e: isinstance(e, MatrixElement) and e.parent.shape[1] == 1,
        lambda e: sp.IndexedBase(e.parent.name, real=True)[e.indices[0]],
    )


def _entry(expr: sp.Basic) -> sp.Basic:
    """The generic entry: ``[i, c]`` of an N x N matrix, ``[c, 0]`` of a column."""
    rows, cols = expr.shape
    return _as_indexed(expr[c, 0] if cols == 1 else expr[i, c])


@dataclass(frozen=True)
class VectorForm:
    """Matrices and vectors over the classes: their generic entry compared for all N
    (sums done, deltas collapsed), and every entry written out for N = 1..4; an explicit
    matrix (the 3 x 3 Jacobian) compared entry by entry."""

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        from symbolic.dense_steps import explicit, settled

        a, b_ = (substitute(e, given) for e in (previous, current))
        if not sp.sympify(a.shape[0]).free_symbols:  # explicit matrices
            left, right = (sp.Matrix(e.doit()) for e in (a, b_))
            for u, v in zip(left, right, strict=True):
                prove_equal(u, v)
            return f"entry by entry, for N = {a.shape[0]}"
        for n in SIZES:
            at = {N: sp.Integer(n)}
            left, right = (_as_indexed(explicit(e, at)).doit() for e in (a, b_))
            for u, v in zip(left, right, strict=True):
                if sp.expand(u - v) != 0:
                    raise NotEqual(f"{previous} and {current} differ for N = {n}: {u} and {v}")
        if sp.expand(settled(_entry(a)) - settled(_entry(b_))) == 0:
            return "the generic entry, doit and expand, for all N; written out for N = 1..4"
        return "written out for N = 1, 2, 3, 4 and every entry: expand"


@dataclass(frozen=True)
class IndexSteps:
    """Index formulas over the N classes: sums done and Kronecker deltas collapsed by
    SymPy for all N where it can (indices taken in range), else written out for
    N = 1..4 and every value of the free indices, ``s[k]`` as the softmax of ``z``.

    A step may assume that the targets sum to one (``given = {sum_j t_j: 1}``); written
    out, the last target is then one minus the others.
    """

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        from symbolic.dense_steps import settled

        a, b_ = (substitute(e, given) for e in (previous, current))
        # A derivative of s in z cannot be done before s is written in z.
        opaque = any(e.has(s) and e.has(sp.Derivative) for e in (a, b_))
        if not opaque and sp.expand(settled(a) - settled(b_)) == 0:
            return "doit, Kronecker deltas collapsed, for all N (indices in range)"
        targets = any(isinstance(key, sp.Sum) and key.function.has(t) for key in given)
        methods = set()
        for n in SIZES:
            free = sorted(_free_indices(a) | _free_indices(b_), key=str)
            for values in itertools.product(range(n), repeat=len(free)):
                at = dict(zip(free, values, strict=True))
                left, right = (_written_out(e, n, at, targets) for e in (a, b_))
                methods.add(_prove(left, right))
        sizes = ", ".join(map(str, SIZES))
        return f"written out for N = {sizes} and every index: {'; '.join(sorted(methods))}"


def _free_indices(expr: sp.Basic) -> set:
    """``i`` and ``c`` where they index something outside a sum over them."""
    bound = {limit[0] for total in expr.atoms(sp.Sum) for limit in total.limits}
    used = {v for atom in expr.atoms(sp.Indexed) for v in atom.indices}
    used |= {v for delta in expr.atoms(sp.KroneckerDelta) for v in delta.args[:2]}
    return (used - bound) & {i, c}


def _written_out(expr: sp.Basic, n: int, at: dict, targets: bool) -> sp.Basic:
    """``expr`` for ``n`` classes at the index values ``at``, every sum written out."""
    from symbolic.vector import in_range
    from symbolic.verify import softmax_outputs

    sized = expr.xreplace({N: sp.Integer(n), **{v: sp.Integer(k) for v, k in at.items()}})
    written = in_range(sized.doit().subs(softmax_outputs(n)).doit())
    if targets:
        written = written.subs(t[n - 1], 1 - sum(t[k] for k in range(n - 1)))
    return written


def _prove(left: sp.Basic, right: sp.Basic) -> str:
    """``prove_equal``, retried with logarithms expanded (every log here is of a positive
    quantity: an exponential, a probability); its method."""
    proof = prove_equal(left, right)
    if proof.symbolic:
        return proof.method
    expanded = prove_equal(sp.expand_log(left, force=True), sp.expand_log(right, force=True))
    return f"{expanded.method} after expand_log" if expanded.symbolic else proof.method


# ----- softmax -----


def jacobian_section(entry: Any) -> tuple[Section, sp.Expr]:
    r""":math:`\partial s_i/\partial z_c` from the definition, by the quotient rule."""
    f, total = sp.exp(z[i]), sp.Sum(sp.exp(z[j]), (j, 0, N - 1))
    delta = sp.KroneckerDelta(i, c)
    result = s[i] * (delta - s[c])
    steps = (
        Step(sp.Derivative(entry.expr, z[c]), "definition of s_i"),
        because(
            (sp.Derivative(f, z[c]) * total - f * sp.Derivative(total, z[c])) / total**2,
            "quotient rule: ",
            QUOTIENT,
            " with ",
            ("f", f),
            ", ",
            ("g", total),
        ),
        because(
            (delta * f * total - f * sp.Sum(sp.KroneckerDelta(j, c) * sp.exp(z[j]), (j, 0, N - 1)))
            / total**2,
            "chain rule through exp: ",
            Math(
                "d e^(z_i)/dz_c = e^(z_i) delta_ic",
                r"\partial e^{z_i}/\partial z_c = e^{z_i}\delta_{ic}",
            ),
            ", and so for each term of the sum",
        ),
        Step(
            (delta * f * total - f * sp.exp(z[c])) / total**2,
            "the Kronecker delta keeps the term j = c of the sum",
            IN_RANGE,
        ),
        because(
            s[i] * delta - s[i] * s[c],
            "split the fraction; ",
            Math("s_k = e^(z_k) / sum_j e^(z_j)", r"s_k = e^{z_k} / \sum_j e^{z_j}"),
            given=_outputs(i, c),
        ),
        Step(result, "factor s_i"),
    )
    return Section(sp.Derivative(s[i], z[c]), steps, IndexSteps()), result


def case_sections(entry: Any) -> tuple[Section, Section]:
    r"""The Jacobian's two cases: :math:`i = c` on the diagonal, :math:`i \ne c` off it."""
    same = sp.KroneckerDelta(c, c, evaluate=False)
    diagonal = Section(
        sp.Derivative(s[c], z[c]),
        (
            Step(sp.Derivative(entry.expr.xreplace({i: c}), z[c]), "definition of s_c"),
            Step(s[c] * (same - s[c]), "the entry above with i = c", _outputs(c)),
            because(s[c] * (1 - s[c]), "case i = c: ", Math("delta_cc = 1", r"\delta_{cc} = 1")),
        ),
        IndexSteps(),
    )
    delta = sp.KroneckerDelta(i, c)
    off = Section(
        Label("ds_i/dz_c for i != c", r"\frac{\partial s_i}{\partial z_c}\Big|_{i \neq c}"),
        (
            Step(s[i] * (delta - s[c]), "the entry above"),
            because(
                -s[i] * s[c],
                "case i != c: ",
                Math("delta_ic = 0", r"\delta_{ic} = 0"),
                given={delta: 0},
            ),
        ),
        IndexSteps(),
    )
    return diagonal, off


def matrix_sections(jacobian: sp.Expr) -> tuple[Section, Section]:
    r""":math:`J = \operatorname{diag}(s) - s s^\top`, then the 3 x 3 matrix written out."""
    entries = sp.Lambda((i, c), sp.Derivative(s[i], z[c]))
    J = sp.DiagMatrix(S_VEC) - S_VEC * S_VEC.T
    matrix = Section(
        Label("J = ds/dz", r"J = \frac{\partial s}{\partial z}"),
        (
            Step(sp.FunctionMatrix(N, N, entries), "the Jacobian: entry (i, c) is ds_i/dz_c"),
            Step(
                sp.FunctionMatrix(N, N, sp.Lambda((i, c), jacobian)),
                "the entries above",
                {sp.Derivative(s[i], z[c]): jacobian},
            ),
            because(
                J,
                "s_i delta_ic is entry (i, c) of ",
                Math("diag(s)", r"\operatorname{diag}(s)"),
                ", s_i s_c is entry (i, c) of the outer product ",
                Math("s s^T", r"s s^{\top}"),
            ),
        ),
        VectorForm(),
    )
    three = [s[0], s[1], s[2]]
    column = sp.ImmutableMatrix(three)
    diagonal = sp.ImmutableMatrix(3, 3, lambda a, b: three[a] if a == b else 0)
    outer = sp.MatMul(column, column.T, evaluate=False)
    written = sp.MatAdd(diagonal, sp.MatMul(-1, outer, evaluate=False), evaluate=False)
    cases = sp.ImmutableMatrix(3, 3, lambda a, b: s[a] * (1 - s[a]) if a == b else -s[a] * s[b])
    three_by_three = Section(
        Label("J for N = 3", r"J\big|_{N = 3}"),
        (
            Step(written, "diag(s) - s s^T for N = 3 classes"),
            Step(
                cases,
                "on the diagonal the case i = c, s_i(1 - s_i); off it the case i != c, -s_i s_c",
            ),
        ),
        VectorForm(),
    )
    return matrix, three_by_three


def vjp_sections(jacobian: sp.Expr) -> tuple[Section, Section]:
    r"""The backward pass: :math:`\partial L/\partial z_c = \sum_i g_i J_{ic}`, in index form
    and as vectors, :math:`J^\top g = s \circ (g - (s^\top g)\mathbf{1})`."""
    s_i = s[i]
    chain = sp.Sum(g[i] * sp.Derivative(s_i, z[c]), (i, 0, N - 1))
    substituted = sp.Sum(g[i] * jacobian, (i, 0, N - 1))
    collapsed = g[c] * s[c] - s[c] * sp.Sum(g[i] * s[i], (i, 0, N - 1))
    factored = s[c] * (g[c] - sp.Sum(g[i] * s[i], (i, 0, N - 1)))
    index = Section(
        sp.Derivative(L, z[c]),
        (
            because(
                chain,
                "chain rule: L depends on z_c through every s_i; ",
                Math("g_i = dL/ds_i", r"g_i = \partial L/\partial s_i"),
            ),
            Step(substituted, "substitute ds_i/dz_c", {sp.Derivative(s_i, z[c]): jacobian}),
            Step(collapsed, "the Kronecker delta keeps the term i = c", IN_RANGE),
            Step(factored, "factor s_c"),
        ),
        IndexSteps(),
    )
    J = sp.DiagMatrix(S_VEC) - S_VEC * S_VEC.T
    ones = sp.OneMatrix(N, 1)
    vector = Section(
        Label("dL/dz", r"\frac{\partial L}{\partial z}"),
        (
            Step(
                sp.MatMul(sp.Transpose(J), G_VEC, evaluate=False),
                "the same as vectors: entry c of J^T g",
            ),
            Step(J * G_VEC, "J is symmetric: diag(s)^T = diag(s), (s s^T)^T = s s^T"),
            Step(
                sp.HadamardProduct(S_VEC, G_VEC) - S_VEC * (S_VEC.T * G_VEC),
                "diag(s) g = s .* g, entry by entry; (s s^T) g = s (s^T g)",
            ),
            Step(
                sp.HadamardProduct(S_VEC, G_VEC - ones * (S_VEC.T * G_VEC)),
                "factor s: the kernel's s*(g - RowSum(g*s))",
            ),
        ),
        VectorForm(),
    )
    return index, vector


def softmax_sections(entry: Any) -> tuple[tuple[Section, ...], sp.Expr]:
    """Softmax: definition, Jacobian, its cases and matrix, the VJP, computed as."""
    jacobian, result = jacobian_section(entry)
    shifted = entry.expr.xreplace({z[i]: z[i] - m, z[j]: z[j] - m})
    computed = Section(
        s[i],
        (
            Step(entry.expr, "the definition above"),
            Step(
                shifted,
                "multiply above and below by exp(-m); with m = max_j z_j every exponent is "
                "<= 0, so exp never overflows",
            ),
        ),
        IndexSteps(),
        computed=True,
    )
    return (
        Section(s[i], (Step(entry.expr, "definition"),), IndexSteps()),
        jacobian,
        *case_sections(entry),
        *matrix_sections(result),
        *vjp_sections(result),
        computed,
    ), result


# ----- the losses -----


def _term_by_term(expr: sp.Expr, wrt: sp.Indexed) -> sp.Expr:
    """``expr`` with ``d/dwrt`` taken inside each of its sums, unevaluated."""
    return expr.replace(
        lambda e: isinstance(e, sp.Sum),
        lambda e: sp.Sum(sp.Derivative(e.function, wrt), *e.limits),
    )


def _with_deltas(expr: sp.Expr) -> sp.Expr:
    r"""Each :math:`\partial f_j/\partial p_c` as :math:`f_j'(p_j)\,\delta_{jc}`."""
    return expr.replace(
        lambda e: isinstance(e, sp.Derivative),
        lambda e: sp.diff(e.expr, p[j]) * sp.KroneckerDelta(j, c),
    )


def _collapsed(expr: sp.Expr) -> sp.Expr:
    """Each sum over ``j`` with a Kronecker delta: the term ``j = c``."""
    return expr.replace(
        lambda e: isinstance(e, sp.Sum) and e.function.has(sp.KroneckerDelta),
        lambda e: e.function.subs(sp.KroneckerDelta(j, c), 1).xreplace({j: c}),
    )


@dataclass(frozen=True)
class ByCases:
    """A checker for steps that simplify at kinks: ``given["cases"] = (u, kinks)``, proven
    on each side of and at every kink of ``u = p_c - t_c`` (``p_c = t_c + u``)."""

    inner: Any

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        if "cases" not in given:
            return self.inner.prove(previous, current, given)
        kinks = given["cases"]
        u, xi = sp.Symbol("u", real=True), sp.Symbol("xi", positive=True)
        at = [kinks[0] - xi, kinks[-1] + xi, *kinks]
        at += [a + (b - a) / (1 + xi) for a, b in zip(kinks, kinks[1:], strict=False)]
        for value in at:
            left, right = (e.xreplace({p[c]: t[c] + u}).subs(u, value) for e in (previous, current))
            prove_equal(left, right)
        where = ", ".join(map(str, kinks))
        return f"on each side of, and at, p_c - t_c = {where}; for all N"


def _closing(entry: Any, expr: sp.Expr) -> list[Step]:
    """The middle lines after the delta: a common denominator, or the clip of Huber."""
    r = p[c] - t[c]
    if expr.has(sp.Heaviside, sp.Min):  # Huber: H(1 - |r|) min(1, |r|) = H(1 - |r|) |r|
        cases = {"cases": (-1, 0, 1)}
        collected = sp.factor(sp.together(expr))
        simpler = collected.replace(
            lambda e: isinstance(e, sp.Mul) and e.has(sp.Heaviside) and e.has(sp.Min),
            lambda e: e.replace(sp.Min, lambda *args: sp.Abs(r)),
        )
        if simpler == collected:
            return []
        return [
            Step(collected, "multiply out and collect sign(r), r = p_c - t_c"),
            Step(
                simpler,
                "where H(1 - |r|) is not 0, |r| <= 1 and min(1, |r|) = |r|: two terms cancel",
                cases,
            ),
            Step(
                sp.Max(-1, sp.Min(1, r)) / entry.per,
                "sign(r) min(1, |r|) is r clipped to [-1, 1]",
                cases,
            ),
        ]
    together = sp.together(expr)
    if sp.denom(together) == sp.denom(expr) or not sp.denom(together).has(p[c]):
        return []
    numerator, denominator = sp.fraction(together)
    expanded = sp.expand(numerator) / denominator
    steps = [Step(together, "common denominator")]
    if expanded != together:
        steps.append(Step(expanded, "expand the numerator: the products t_c p_c cancel"))
    return steps


def loss_sections(entry: Any, derived: Any) -> tuple[tuple[Section, ...], sp.Expr]:
    """A loss: its definition, the gradient of one sample's loss, of the batch mean, and
    what the kernels compute (predictions clipped before a logarithm)."""
    per_sample = entry.expr / entry.per
    checker = ByCases(IndexSteps())
    inside = _term_by_term(per_sample, p[c])
    deltas = _with_deltas(inside)
    collapsed = _collapsed(deltas)
    sample = [
        Step(sp.Derivative(per_sample, p[c]), "definition"),
        because(inside, "sum rule: ", SUM, ", term by term"),
        because(
            deltas,
            "chain rule: p_j depends on p_c only when j = c, ",
            Math("dp_j/dp_c = delta_jc", r"\partial p_j/\partial p_c = \delta_{jc}"),
        ),
        Step(collapsed, "the Kronecker delta keeps the term j = c", IN_RANGE),
    ]
    sample += _closing(entry, collapsed)
    result = sample[-1].expr
    gradient = sp.Derivative(ELL, p[c])
    batch = [
        Step(
            sp.Mul(1 / B, gradient, evaluate=False),
            "the batch loss L is the mean of B sample losses",
        ),
        Step(result / B, "substitute the sample's gradient", {gradient: result}),
    ]
    sections = [
        Section(ELL, (Step(per_sample, "definition"),), checker),
        Section(gradient, tuple(sample), checker),
        Section(sp.Derivative(L, p[c]), tuple(batch), checker),
    ]
    sections += _loss_computed(entry, derived, per_sample, result / B, checker)
    return tuple(sections), result


def _loss_computed(
    entry: Any, derived: Any, per_sample: sp.Expr, result: sp.Expr, checker: Any
) -> list[Section]:
    """The kernels' forms of a loss: the gradient as diff wrote it, predictions clipped."""
    kernel = derived.chains[1].result  # the form the backward kernel is generated from
    eps = f"{float(EPS):.0e}".replace("e-0", "e-")
    clip = {"clip": f"equal for {eps} <= p_c <= 1 - {eps}, the range the clip keeps"}
    sections = []
    if entry.clip:
        clipped = per_sample.xreplace({p[j]: sp.Min(sp.Max(p[j], EPS), 1 - EPS)})
        sections.append(
            Section(
                ELL,
                (
                    Step(per_sample, "the definition above"),
                    Step(
                        clipped,
                        f"predictions clipped to [{eps}, 1 - {eps}], as the nnfs book: log "
                        "never sees 0; " + clip["clip"],
                        {sp.Min(sp.Max(p[j], EPS), 1 - EPS): p[j]},
                    ),
                ),
                checker,
                computed=True,
            )
        )
    steps = [Step(result, "the result above")]
    if kernel != result:
        steps.append(
            Step(
                kernel,
                "as SymPy's diff writes it, which the kernel evaluates",
                {"cases": (-1, 0, 1)} if kernel.has(sp.Heaviside) else {},
            )
        )
    if entry.clip:
        bounded = sp.Min(sp.Max(p[c], EPS), 1 - EPS)
        steps.append(
            Step(
                kernel.xreplace({p[c]: bounded}),
                "p_c clipped as in the loss; " + clip["clip"],
                {bounded: p[c]},
            )
        )
    if len(steps) > 1:
        sections.append(Section(sp.Derivative(L, p[c]), tuple(steps), checker, computed=True))
    return sections


# ----- softmax + cross-entropy -----


def composed_sections(entry: Any, derived: Any) -> tuple[tuple[Section, ...], sp.Expr]:
    """Cross-entropy of the softmax: the loss from the logits, the chain through the
    softmax Jacobian, the batch mean, and what the kernels compute."""
    activation = OPS[entry.activation]
    jacobian, jacobian_result = jacobian_section(activation)
    checker = IndexSteps()
    log_sum = sp.log(sp.Sum(sp.exp(z[k]), (k, 0, N - 1)))
    plain = -sp.Sum(t[j] * sp.log(softmax_of(j, k)), (j, 0, N - 1))
    targets_sum = because(
        -sp.Sum(t[j] * z[j], (j, 0, N - 1)) + log_sum,
        "the targets of a sample sum to one: ",
        SUM_T,
        given={_sum_t(j): 1},
    )
    loss = Section(
        ELL,
        (
            Step(plain, "definition: cross-entropy of the softmax s_j = exp(z_j) / sum_k exp(z_k)"),
            because(
                -sp.Sum(t[j] * (z[j] - log_sum), (j, 0, N - 1)),
                "log of a quotient: ",
                Math("log(a/b) = log(a) - log(b)", r"\log\frac{a}{b} = \log a - \log b"),
                ", and ",
                Math("log(e^z_j) = z_j", r"\log e^{z_j} = z_j"),
            ),
            Step(
                -sp.Sum(t[j] * z[j], (j, 0, N - 1)) + _sum_t(j) * log_sum,
                "the log-sum does not depend on j: take it out of the sum",
            ),
            targets_sum,
        ),
        checker,
    )
    s_i = s[i]
    # -t_i/s_i times ds_i/dz_c, kept apart so that the reader sees s_i cancel
    chain = sp.Sum(sp.Mul(-t[i] / s_i, sp.Derivative(s_i, z[c]), evaluate=False), (i, 0, N - 1))
    through = sp.Sum(sp.Mul(-t[i] / s_i, jacobian_result, evaluate=False), (i, 0, N - 1))
    known = {sp.Derivative(s_i, z[c]): jacobian_result}
    gradient = sp.Derivative(ELL, z[c])
    sample = Section(
        gradient,
        (
            Step(sp.Derivative(plain, z[c]), "definition"),
            because(
                chain,
                "chain rule through s: ",
                Math("d ell/ds_i = -t_i/s_i", r"\partial \ell/\partial s_i = -t_i/s_i"),
                given=known,
            ),
            Step(through, "substitute ds_i/dz_c from above", known),
            Step(sp.Sum(-t[i] * (sp.KroneckerDelta(i, c) - s[c]), (i, 0, N - 1)), "s_i cancels"),
            Step(
                s[c] * _sum_t(i) - t[c],
                "the Kronecker delta keeps the term i = c; s_c does not depend on i",
                IN_RANGE,
            ),
            because(
                s[c] - t[c],
                "the targets of a sample sum to one: ",
                SUM_T,
                given={_sum_t(i): 1},
            ),
        ),
        checker,
    )
    result = s[c] - t[c]
    batch = Section(
        sp.Derivative(L, z[c]),
        (
            Step(
                sp.Mul(1 / B, gradient, evaluate=False),
                "the batch loss L is the mean of B sample losses",
            ),
            Step(result / B, "substitute the sample's gradient", {gradient: result}),
        ),
        checker,
    )
    from_logits = derived.chains[0].result  # the form the forward kernel evaluates
    computed = Section(
        ELL,
        (
            Step(targets_sum.expr, "the loss above"),
            because(
                from_logits,
                "shift by m = max_j z_j: ",
                Math(
                    "log sum_k e^(z_k) = m + log sum_k e^(z_k - m)",
                    r"\log\sum_k e^{z_k} = m + \log\sum_k e^{z_k - m}",
                ),
                ", and ",
                Math("m = sum_j t_j m", r"m = \sum_j t_j m"),
                " as the targets sum to one, ",
                SUM_T,
                "; both terms are >= 0, so nothing cancels",
                given={_sum_t(j): 1},
            ),
        ),
        checker,
        computed=True,
    )
    return (loss, jacobian, sample, batch, computed), result
