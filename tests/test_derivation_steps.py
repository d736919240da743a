"""The derivations as a teacher would hand them out (issue 12, points 1-7).

Each test names what it holds: the matrix calculus of the dense layer, softmax's cases
and Jacobian, the middle lines of the cross-entropy family, named closed forms with the
kernels' forms apart, reasons that state their rule, honest summaries, the network.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import sympy as sp

from symbolic import OPS, derive, derived, network
from symbolic.arrays import to_arrays
from symbolic.dense_steps import TraceForm, dX, trace_terms
from symbolic.derivation import DerivationError, _scope
from symbolic.matrix import G, W, X
from symbolic.named import Phi, phi, sigma, softplus
from symbolic.ops import EPS, Elementwise, N, c, i, j, p, s, t, x, z
from symbolic.proof import NotEqual, prove_equal
from tests.test_derivations import _broken

KERNEL_NODES = ("logaddexp", "expm1", "log1p", "ndtr")


def section(derivation, quantity, computed=False):
    """The index of the section about ``quantity`` (its text form), in the derivation or
    in its computed-as part."""
    for number, candidate in enumerate(derivation.sections):
        if str(candidate.quantity) == quantity and candidate.computed == computed:
            return number
    raise KeyError(quantity)


# ----- 1. the dense layer: differentials, the trace, the read-off; entry by entry -----


def test_dense_is_derived_with_differentials_and_the_trace_rules():
    derivation = derive("dense")
    reasons = [step.reason for step in derivation.steps]
    for rule in (
        "the change of Y",
        "chain rule, with G = dL/dY held fixed: dL = sum_rj G_rj dY_rj = tr(G^T dY)",
        "linearity of the trace: tr(A + B) = tr(A) + tr(B)",
        "cyclic rule: tr(ABC) = tr(CAB)",
        "transpose rule: (AB)^T = B^T A^T",
        "read off: dL = tr((dL/dX)^T dX)",
    ):
        assert any(reason.startswith(rule) for reason in reasons), rule
    differential = derivation.sections[section(derivation, "dY")].steps[-1].expr
    assert differential == dX * W + X * sp.MatrixSymbol("dW", *W.shape) + sp.OneMatrix(
        X.shape[0], 1
    ) * sp.MatrixSymbol("db", 1, W.shape[1])
    # Read off, the three gradients are the kernels' own expressions.
    read = [derivation.sections[section(derivation, f"Derivative(L, {v})")] for v in "XWb"]
    assert tuple(part.steps[-1].expr for part in read) == derived("dense").backward.expr
    assert derivation.result == derived("dense").backward.expr


def test_every_dense_step_is_proven_for_all_shapes_and_checked_on_explicit_ones():
    proofs = [proof for proof in derive("dense").verify() if proof.method != "definition"]
    assert len(proofs) >= 15
    assert {proof.scope for proof in proofs} == {
        "proven for all shapes and checked entry by entry on shapes 1x1·1x1, 2x3·3x4"
    }


def test_the_second_view_goes_entry_by_entry_with_kronecker_deltas():
    derivation = derive("dense")
    for name, product in (("X[p, q]", G * W.T), ("W[p, q]", X.T * G)):
        steps = derivation.sections[section(derivation, f"Derivative(L, {name})")].steps
        assert steps[1].expr.has(sp.KroneckerDelta)
        assert not steps[2].expr.has(sp.KroneckerDelta)
        assert steps[-1].expr.args[0] == product  # entry (p, q) of the product


def test_trace_terms_know_rotations_and_transposes_but_not_other_orders():
    A, B_, C = (sp.MatrixSymbol(name, 3, 3) for name in "ABC")
    assert trace_terms(sp.Trace(A * B_ * C)) == trace_terms(sp.Trace(C * A * B_))
    assert trace_terms(sp.Trace(A * B_ * C)) == trace_terms(sp.Trace((A * B_ * C).T))
    assert trace_terms(sp.Trace(A * B_ * C)) != trace_terms(sp.Trace(B_ * A * C))
    with pytest.raises(NotEqual):
        TraceForm().prove(sp.Trace(G.T * dX * W), 2 * sp.Trace(W * G.T * dX), {})


# ----- 2. softmax: the cases, the Jacobian, the 3 x 3 matrix, the VJP -----


def test_softmax_shows_both_cases_the_jacobian_and_the_3x3_matrix():
    derivation = derive("softmax")
    diagonal = derivation.sections[section(derivation, "Derivative(s[c], z[c])")]
    assert diagonal.steps[-1].expr == s[c] * (1 - s[c])
    off = derivation.sections[section(derivation, "ds_i/dz_c for i != c")]
    assert off.steps[-1].expr == -s[i] * s[c]
    jacobian = derivation.sections[section(derivation, "J = ds/dz")].steps[-1].expr
    column = sp.MatrixSymbol("s", N, 1)
    assert jacobian == sp.DiagMatrix(column) - column * column.T
    three = derivation.sections[section(derivation, "J for N = 3")].steps[-1].expr
    # An independent check: SymPy's Jacobian of the softmax of three logits.
    logits = sp.symbols("z0:3", real=True)
    softmax = sp.Matrix([sp.exp(v) / sum(map(sp.exp, logits)) for v in logits])
    outputs = {s[k]: softmax[k] for k in range(3)}
    difference = sp.Matrix(three).subs(outputs) - softmax.jacobian(logits)
    assert difference.applyfunc(sp.simplify) == sp.zeros(3, 3)


def test_the_softmax_vjp_ends_at_the_backward_kernel():
    derivation = derive("softmax")
    index = derivation.sections[section(derivation, "Derivative(L, z[c])")]
    assert to_arrays(index.steps[-1].expr) == derived("softmax").backward.expr
    vector = derivation.sections[section(derivation, "dL/dz")]
    assert isinstance(vector.steps[-1].expr, sp.HadamardProduct)


# ----- 3. the cross-entropy family: the middle lines, sum t = 1 where it is used -----


def test_binary_cross_entropy_shows_the_common_denominator():
    derivation = derive("binary_cross_entropy")
    steps = derivation.sections[section(derivation, "Derivative(ell, p[c])")].steps
    assert [step.reason for step in steps][-2] == "common denominator"
    assert derivation.result == (p[c] - t[c]) / (N * p[c] * (1 - p[c]))


def test_softmax_cross_entropy_shows_the_chain_through_the_jacobian():
    derivation = derive("softmax_cross_entropy")
    steps = derivation.sections[section(derivation, "Derivative(ell, z[c])")].steps
    middle = next(step for step in steps if step.reason.startswith("substitute ds_i/dz_c"))
    jacobian = s[i] * (sp.KroneckerDelta(i, c) - s[c])
    assert middle.expr.function.args == (-t[i] / s[i], jacobian)  # -t_i/s_i * s_i(d_ic - s_c)
    assert steps[-1].expr == s[c] - t[c]


def _uses_sum_of_targets(step) -> bool:
    return any(isinstance(key, sp.Sum) and key.function.has(t) for key in step.given)


def test_sum_t_is_one_is_stated_by_every_step_that_uses_it():
    derivation = derive("softmax_cross_entropy")
    users = [step for step in derivation.steps if _uses_sum_of_targets(step)]
    assert len(users) >= 2
    for step in users:
        assert "the targets" in step.reason and "sum_j t_j = 1" in step.reason, step.reason
    # The first use is in the loss, and no step before it assumes anything about t.
    first = derivation.steps.index(users[0])
    assert all(not step.given for step in derivation.steps[:first])


def test_without_sum_t_is_one_that_step_is_false_and_verify_says_so():
    derivation = derive("softmax_cross_entropy")
    number = next(
        n for n, s_ in enumerate(derivation.sections[0].steps) if _uses_sum_of_targets(s_)
    )
    steps = list(derivation.sections[0].steps)
    steps[number] = dataclasses.replace(steps[number], given={})
    sections = (dataclasses.replace(derivation.sections[0], steps=tuple(steps)),)
    broken = dataclasses.replace(derivation, sections=sections + derivation.sections[1:])
    with pytest.raises(DerivationError, match="does not follow"):
        broken.verify()


def test_the_loss_from_logits_needs_the_targets_to_sum_to_one():
    # The old "log of the softmax, shifted by m" step, with targets summing to 1.5.
    logits, targets, m = np.array([0.0, 1.0]), np.array([1.0, 0.5]), 1.0
    plain = -np.sum(targets * (logits - np.log(np.sum(np.exp(logits)))))
    shifted = np.sum(targets * (m - logits)) + np.log(np.sum(np.exp(logits - m)))
    assert plain != pytest.approx(shifted, abs=0.1)
    targets = targets / targets.sum()
    plain = -np.sum(targets * (logits - np.log(np.sum(np.exp(logits)))))
    shifted = np.sum(targets * (m - logits)) + np.log(np.sum(np.exp(logits - m)))
    assert plain == pytest.approx(shifted)


@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy", "huber"])
def test_a_loss_ends_at_its_kernel_in_what_it_computes(name):
    derivation = derive(name)
    backward = derivation.sections[section(derivation, "Derivative(L, p[c])", computed=True)]
    kernel = to_arrays(backward.steps[-1].expr)
    assert kernel == derived(name).backward.expr


# ----- 4. named closed forms; what the kernels compute apart -----


RESULTS = {
    "sigmoid": sigma(x) * (1 - sigma(x)),
    "tanh": sp.sech(x) ** 2,
    "softplus": sigma(x),
    "silu": sigma(x) + x * sigma(x) * (1 - sigma(x)),
    "gelu": x * phi(x) + Phi(x),
    "mish": x * sigma(x) * sp.sech(softplus(x)) ** 2 + sp.tanh(softplus(x)),
    "huber": sp.Max(-1, sp.Min(1, p[c] - t[c])) / N,
    "mean_squared_error": 2 * (p[c] - t[c]) / N,
}


@pytest.mark.parametrize("name", RESULTS)
def test_the_result_is_the_named_closed_form(name):
    assert derive(name).result == RESULTS[name]


def test_a_user_op_reaches_its_simplest_closed_form():
    from symbolic import define_activation, undefine
    from symbolic.derivation import derivation_for

    try:
        derivation = derivation_for(define_activation("test_softsign", "x/(1 + Abs(x))"))
        assert derivation.result == 1 / (1 + sp.Abs(x)) ** 2
        derivation.verify()
    finally:
        undefine("test_softsign")


@pytest.mark.parametrize("name", sorted(OPS))
def test_kernel_forms_appear_only_in_what_the_kernels_compute(name):
    derivation = derive(name)
    for part in derivation.sections:
        shown = " ".join(str(step.expr) for step in part.steps)
        if not part.computed:
            assert not any(node in shown for node in KERNEL_NODES), (name, shown)
            assert str(EPS) not in shown and "exp(Min(0, x))" not in shown
    computed = " ".join(
        str(step.expr) for p_ in derivation.sections if p_.computed for step in p_.steps
    )
    kernels = derived(name)
    for node in KERNEL_NODES:
        if node in str(kernels.forward.expr) + str(kernels.backward.expr):
            assert node in computed, (name, node)


def test_the_stable_rule_for_one_minus_erf_has_the_right_sign():
    from symbolic.stable import RULES, apply_rule

    rule = next(r for r in RULES if r.name.startswith("1 - erf"))
    for expr in (1 - sp.erf(x), 3 - 3 * sp.erf(x), 2 * sp.erf(x) - 2):
        rewritten = apply_rule(expr, rule)
        assert rewritten != expr
        rule.prove(rewritten, expr)


# ----- 5. reasons that state the rule; no no-op steps; true convention text -----


@pytest.mark.parametrize("name", [n for n, e in OPS.items() if isinstance(e, Elementwise)])
def test_every_rule_step_states_its_rule(name):
    derivation = derive(name)
    walk = derivation.sections[1].steps[1:]
    for step in walk:
        rule, _, statement = step.reason.partition(":")
        assert "=" in statement or rule.startswith("differentiate each piece"), step.reason


def test_the_quotient_rule_is_stated_with_its_f_and_g():
    reasons = [step.reason for step in derive("sigmoid").steps]
    assert "quotient rule: (f/g)' = (f'g - fg')/g^2 with f = 1, g = 1 + exp(-x)" in reasons
    latex = derive("sigmoid").latex()
    assert r"\frac{f'g - f g'}{g^{2}}" in latex and r"g = 1 + e^{- x}" in latex


@pytest.mark.parametrize("name", sorted(OPS))
def test_no_step_repeats_the_one_before_and_no_simplification_grows(name):
    for part in derive(name).sections:
        for before, step in zip(part.steps, part.steps[1:], strict=False):
            assert step.expr != before.expr, (name, step.reason)
            if re.match(r"simplif|one fraction", step.reason):
                assert sp.count_ops(step.expr) <= sp.count_ops(before.expr), (name, step.reason)


def test_conventions_at_a_kink_say_what_is_true():
    reasons = " ".join(step.reason for name in OPS for step in derive(name).steps)
    assert "-0" not in reasons
    relu = [step.reason for step in derive("relu").steps if step.reason.startswith("convention")]
    assert relu == [
        "convention at the kink x = 0: H(x) = 0 there, so the derivative there is 0, "
        "the slope from the left"
    ]
    leaky = [s_.reason for s_ in derive("leaky_relu").steps if s_.reason.startswith("convention")]
    assert "the derivative there is 0.01" in leaky[0]


# ----- 6. summaries that say for which values each step holds -----


@pytest.mark.parametrize("name", sorted(OPS))
def test_the_summary_counts_every_step_once(name):
    derivation = derive(name)
    proofs = [proof for proof in derivation.verify() if proof.method != "definition"]
    counted = sum(int(n) for n in re.findall(r"(\d+) steps? ", derivation.summary()))
    assert counted == len(proofs)


def test_summaries_name_what_was_proven_and_what_was_only_checked():
    assert derive("sigmoid").summary() == "Verified: 8 steps proven for all x."
    softmax = derive("softmax").summary()
    assert "proven for all N" in softmax and "checked for N = 1..4, every index" in softmax
    assert "proven for N = 3" in softmax  # the 3 x 3 matrix
    dense = derive("dense").summary()
    assert "proven for all shapes and checked entry by entry on shapes 1x1·1x1, 2x3·3x4" in dense
    assert "1 sets a convention at a kink" in derive("relu").summary()


def test_the_scope_of_a_method():
    elementwise = derive("sigmoid").sections[1]
    assert _scope(elementwise, "numeric: equal to 30 digits at 12 random points").startswith(
        "backed only by a numeric spot check"
    )
    assert _scope(elementwise, "written out for N = 1, 2, 3 and every index: expand") == (
        "checked for N = 1..3, every index"
    )
    assert _scope(elementwise, "doit and expand, for any N") == "proven for all N"
    assert _scope(elementwise, "simplify") == "proven for all x"


# ----- a broken step still fails verify, in every new kind of section -----

BROKEN = [
    ("dense", "dL", 3, 2 * sp.Trace(W * G.T * dX)),  # the cyclic step, doubled
    ("dense", "Derivative(L, W[p, q])", 2, 2 * sp.Sum(G[0, 0], (j, 0, 1))),
    ("softmax", "ds_i/dz_c for i != c", 1, s[i] * s[c]),  # the sign of -s_i s_c
    ("softmax", "J = ds/dz", 2, sp.DiagMatrix(sp.MatrixSymbol("s", N, 1))),
    ("softmax", "J for N = 3", 1, sp.ImmutableMatrix(sp.eye(3))),
    ("binary_cross_entropy", "Derivative(ell, p[c])", 5, (p[c] - t[c]) / (N * p[c])),
    ("huber", "Derivative(ell, p[c])", 6, sp.Max(-2, sp.Min(2, p[c] - t[c])) / N),
    ("softmax_cross_entropy", "ell", 3, sp.log(sp.Sum(sp.exp(z[j]), (j, 0, N - 1)))),
]


@pytest.mark.parametrize(("name", "quantity", "step", "wrong"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_step_in_a_new_section_fails_verify(name, quantity, step, wrong):
    derivation = derive(name)
    broken = _broken(derivation, section(derivation, quantity), step, wrong)
    with pytest.raises(DerivationError, match="does not follow"):
        broken.verify()


def test_a_broken_computed_step_fails_verify():
    derivation = derive("sigmoid")
    number = section(derivation, "Derivative(sigmoid(x), x)", computed=True)
    broken = _broken(derivation, number, 1, sp.Symbol("y", real=True) * (1 + sp.Symbol("y")))
    with pytest.raises(DerivationError, match="does not follow"):
        broken.verify()


# ----- 7. the whole network -----


def test_the_network_of_a_model_is_derived_link_by_link():
    from numeric import CategoricalCrossEntropy, Dense, Model, ReLU, Softmax

    model = Model(
        [Dense(6, 5), ReLU(), Dense(5, 4), ReLU(), Dense(4, 3), Softmax()],
        loss=CategoricalCrossEntropy(),
    )
    chain = network(model)
    assert [link.op for link in chain.links] == [
        "dense", "relu", "dense", "relu", "dense", "softmax_cross_entropy"
    ]  # fmt: skip
    text = chain.text()
    for line in (
        "Z1 = X W1 + 1 b1",
        "dense layer 1 (6 -> 5)",
        "S = softmax(Z3)",
        "dL/dZ3 = (S - T)/B",
        "dL/dW3, dL/db3 = A2^T dL/dZ3, 1^T dL/dZ3",
        "dL/dZ2 = dL/dA2 .* relu'(Z2)",
        "X --dense_1--> Z1 --relu--> A1",
        "dX <--dense_1-- dZ1",
    ):
        assert line in text, line
    assert "equals SymPy's derivative of the whole loss" in chain.verify()[-1]
    assert r"\circ" in chain.latex() and chain._repr_latex_().startswith("$$")


def test_a_network_without_softmax_cross_entropy_uses_each_link():
    chain = network(["dense", "tanh", "dense", "softmax"], loss="mean_squared_error")
    assert [link.op for link in chain.links][-2:] == ["softmax", "mean_squared_error"]
    assert "dL/dZ2 = S .* (dL/dS - RowSum(dL/dS .* S))" in chain.text()


def test_a_wrong_link_in_the_chain_is_caught(monkeypatch):
    import symbolic.chain as module

    chain = network(["dense", "relu", "dense", "softmax"], loss="cross_entropy")
    right = module._loss_gradient
    monkeypatch.setattr(module, "_loss_gradient", lambda *args: 2 * right(*args))
    with pytest.raises(AssertionError, match="SymPy's derivative of the whole loss"):
        module.check_chain(chain)


def test_a_network_needs_a_loss_and_layers():
    with pytest.raises(ValueError, match="needs a loss"):
        network(["dense", "relu"])
    with pytest.raises(ValueError, match="not a layer"):
        network(["dense", "mean_squared_error"], loss="cross_entropy")


def test_prove_equal_is_what_the_named_forms_rest_on():
    # sigma, phi, Phi and softplus are proven from their definitions, never assumed.
    assert prove_equal(sigma(x).doit(), 1 / (1 + sp.exp(-x)))
    assert prove_equal(sp.diff(Phi(x).doit(), x), phi(x).doit())


# ----- the README shows the derivations as they are printed -----

README = (__import__("pathlib").Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("name", ["sigmoid", "dense"])
def test_the_readme_shows_the_derivation_in_full_as_printed(name):
    command = f"$ python -m symbolic derive {name} --format text\n"
    assert command in README, f"the README does not show `{command.strip()}`"
    shown = README.split(command, 1)[1].split("```", 1)[0]
    assert shown == derive(name).text() + "\n"


def test_the_readmes_network_example_runs(capsys):
    block = README.split("### The whole network", 1)[1].split("```python\n", 1)[1]
    exec(compile(block.split("```", 1)[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "dense layer 1 (784 -> 128)" in printed and "dL/dZ3 = (S - T)/B" in printed
