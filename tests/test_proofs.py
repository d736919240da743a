"""Every derivation's deferred proofs hold; a false claim fails."""

from __future__ import annotations

import dataclasses
from functools import partial

import pytest
import sympy as sp

from symbolic import OPS, derived
from symbolic.derived import Obligation
from symbolic.proof import NotEqual, prove_equal


def off_by_a_millionth(obligation: Obligation) -> Obligation:
    """The same obligation with its first derived expression times (1 + 1e-6): the claim
    made a little false, for the prover to refuse."""
    proof = obligation.prove
    args = list(proof.args)
    at = next(
        k
        for k, a in enumerate(args)
        if isinstance(a, sp.Basic) and not isinstance(a, sp.Symbol | sp.MatrixSymbol)
    )
    args[at] = args[at] * (1 + sp.Rational(1, 10**6))
    return Obligation(obligation.claim, partial(proof.func, *args, **proof.keywords))


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_obligation_is_proven_and_its_claim_a_millionth_off_is_not(name):
    """Proving raises on a false claim, so a passing proof alone could be one that proves
    nothing: the first obligation of each op, off by one part in a million, must fail."""
    derivation = derived(name)
    proven = derivation.prove()
    assert proven == [o.claim for o in derivation.obligations]
    if derivation.obligations:
        with pytest.raises(NotEqual):
            off_by_a_millionth(derivation.obligations[0]).prove()


def test_a_false_obligation_fails():
    x = sp.Symbol("x")
    broken = dataclasses.replace(
        derived("softmax"),
        obligations=(Obligation("x = x + 1", partial(prove_equal, x, x + 1)),),
    )
    with pytest.raises(NotEqual, match="differ"):
        broken.prove()


def test_index_form_results_are_checked_on_sizes():
    claims = " ".join(o.claim for o in derived("softmax_cross_entropy").obligations)
    assert "N = 1..4" in claims and "targets sum to one" in claims


def test_matrix_entries_are_sampled_not_skipped():
    # A matrix entry is neither a Symbol nor an Indexed; it must still get values.
    X, G = sp.MatrixSymbol("X", 2, 2), sp.MatrixSymbol("G", 2, 2)
    with pytest.raises(NotEqual, match="differ"):
        prove_equal(G[0, 0] * X[0, 0] * sp.exp(X[0, 1]), 2 * G[0, 0] * X[0, 0] * sp.exp(X[0, 1]))


def test_an_unknown_that_cannot_be_sampled_proves_nothing():
    f = sp.Function("f")
    x = sp.Symbol("x")
    with pytest.raises(NotEqual, match="could not be evaluated"):
        prove_equal(f(x) * sp.exp(sp.sin(x)) + sp.cos(f(x)) ** 3, sp.exp(sp.sin(x)) * f(x) ** 2)


def test_the_readme_states_the_sizes_the_claims_are_checked_on():
    """README: index-form results on N = 1..4, the softmax Jacobian on N = 1..3; the
    claims of every op say the same (it once said 1..4 for all)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    sentence = " ".join(readme.split("Each index-form result is also confirmed")[1].split()[:30])
    assert "N = 1..4 (the softmax Jacobian" in sentence and "on N = 1..3" in sentence
    sizes = {}
    for name in sorted(OPS):
        for obligation in derived(name).obligations:
            for found in re.findall(r"on N = (\d\.\.\d)", obligation.claim):
                jacobian = obligation.claim.startswith("the Jacobian in s")
                sizes.setdefault(found, set()).add(jacobian)
    assert sizes == {"1..4": {False}, "1..3": {True}}


def test_claims_on_sizes_are_checked_from_one_class_to_four():
    # Each of these is 0 on three of the sizes 1..4 and not on the fourth: a check that
    # skipped N = 1 (or N = 4) would pass one of them.
    from symbolic.ops import N
    from symbolic.vector import confirm_on_sizes

    for wrong_on in (1, 2, 3, 4):
        others = [n for n in (1, 2, 3, 4) if n != wrong_on]
        claim = sp.Mul(*[N - n for n in others])
        with pytest.raises(NotEqual):
            confirm_on_sizes(sp.Integer(0), claim)
    confirm_on_sizes(sp.Integer(0), sp.Mul(*[N - n for n in (1, 2, 3, 4)]))


@pytest.mark.parametrize("wrong_where", ["x < 0", "x > 1", "|x| < 1"])
def test_a_claim_wrong_on_part_of_the_line_only_is_refused_by_the_numbers(wrong_where):
    # SymPy cannot decide these Max claims, so the verdict rests on the random points:
    # one point, or points on one side only, would call them equal.
    x = sp.Symbol("x", real=True)
    excess = {"x < 0": sp.Max(0, -x), "x > 1": sp.Max(0, x - 1), "|x| < 1": sp.Max(0, 1 - abs(x))}
    with pytest.raises(NotEqual, match="differ: at x = "):
        prove_equal(x, x + excess[wrong_where])


def test_a_dense_gradient_right_only_for_a_batch_of_one_is_refused_entry_by_entry():
    # X^T 1 1^T G adds every sample's gradient to every other's: for one sample it is
    # X^T G, the right dL/dW; the check must go beyond 1 x 1 matrices to see it.
    from symbolic.matrix import G, W, X, _confirm, m

    _confirm(X.T * G, W)
    with pytest.raises(NotEqual):
        _confirm(X.T * sp.OneMatrix(m, m) * G, W)
