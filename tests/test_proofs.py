"""Every derivation's deferred proofs hold; a false claim fails."""

from __future__ import annotations

import dataclasses
from functools import partial

import pytest
import sympy as sp

from symbolic import OPS, derived
from symbolic.derived import Obligation
from symbolic.proof import NotEqual, prove_equal


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_obligation_is_proven(name):
    derivation = derived(name)
    assert derivation.prove() == [o.claim for o in derivation.obligations]


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
