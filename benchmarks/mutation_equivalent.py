"""Mutants of benchmarks/mutation.py's modules that no test can kill, with the reason.

A mutant is equivalent when the mutated code computes the same results as the
original for every input the package can give it. Keyed by mutmut's mutant name;
a name here no longer matching (the function changed) only removes its exemption.
"""

_COMPOSED = (
    "the one composed op (softmax_cross_entropy) has no targets or clip field, so read "
    "as itself it gives the flags of its loss, cross_entropy: one-hot, and no probability "
    "check (logits); Composed entries cannot be user-defined"
)
_LOSS_FIELDS = (
    "getattr's default is never read: the entry is a Loss (a dataclass whose targets and "
    "clip fields always exist) or, for a composed op, its Loss"
)
_UNUSED_ARGUMENT = "the generated kernel takes this argument but its expression does not read it"

_ADD_ORDER = (
    "SymPy puts the number first in an Add's arguments, so args[1] of 1 + exp(u) is never the 1"
)
_NO_POW_0 = "a Pow with exponent 0 does not exist in SymPy (u**0 evaluates to 1)"
_ZIP = "the two sequences zipped always have the same length (a node's arguments, rebuilt)"
_XI = "the name of a dummy symbol that is substituted and never printed"
_TWO_ONES = "an Add never holds 1 twice (1 + 1 evaluates to 2), nor exp(1) (that is E, not an exp)"
_REVERSED = (
    "SymPy writes a comparison of a number with a symbol with the symbol on the left "
    "(Lt(0, x) is x > 0), so this branch is never reached"
)
_REBUILT = (
    "returns an equal Piecewise instead of None when nothing was clamped; stable_steps "
    "compares the result with the input and records no step either way"
)

_KINDS = "a dtype kind is one character, and every kind in the string is still in it"

EQUIVALENT: dict[str, str] = {
    # numeric/check/differences.py
    "numeric.check.differences.x_gradient__mutmut_54": "< or <= the bound: a directional "
    "difference exactly equal to the bound (a sum of rounded products) does not occur",
    # numeric/validate.py
    "numeric.validate.x_as_batch__mutmut_6": _KINDS,
    "numeric.validate.x_as_targets__mutmut_12": _KINDS,
    "numeric.validate.x_as_targets__mutmut_69": "astype's copy=None (NumPy 2: copy only "
    "if needed) is what copy=False does for astype",
    "numeric.validate.x_as_targets__mutmut_80": "> 1e-3 or >= 1e-3: no float32 or float64 "
    "row sum s has s - 1 exactly equal to the double 1e-3 (it is no multiple of their ulp)",
    "numeric.validate.x_check_probabilities__mutmut_3": "min's initial only matters for an "
    "empty batch, where 1.0 is as far from < 0 as 0.0",
    # symbolic/stable.py
    "symbolic.stable.x__exp_of_one_plus_exp__mutmut_7": _ADD_ORDER,
    "symbolic.stable.x__exp_of_one_plus_exp__mutmut_9": _ADD_ORDER,
    "symbolic.stable.x__exp_of_one_plus_exp__mutmut_12": _ADD_ORDER,
    "symbolic.stable.x__sigmoid_products__mutmut_10": _NO_POW_0,
    "symbolic.stable.x__sigmoid_products__mutmut_11": _NO_POW_0,
    "symbolic.stable.x__sigmoid_products__mutmut_36": "a ratio 0 needs a factor exp(0), "
    "which SymPy evaluates to 1 (not an exp)",
    "symbolic.stable.x__softplus__mutmut_18": "None in exponents is already refused",
    "symbolic.stable.x__softplus__mutmut_19": _TWO_ONES,
    "symbolic.stable.x__softplus__mutmut_21": _TWO_ONES,
    "symbolic.stable.x_apply_rule__mutmut_1": "every node passed is a SymPy Basic; one with "
    "no arguments goes through the rule (which returns None for atoms) to the same return",
    "symbolic.stable.x_apply_rule__mutmut_18": _ZIP,
    "symbolic.stable.x_apply_rule__mutmut_21": _ZIP,
    "symbolic.stable.x_apply_rule__mutmut_22": _ZIP,
    "symbolic.stable.x__breakpoints__mutmut_3": "the condition True is always a Piecewise's "
    "last (SymPy drops the branches after it), so continue and break both end the loop",
    "symbolic.stable.x__breakpoints__mutmut_8": _REVERSED,
    "symbolic.stable.x__breakpoints__mutmut_9": _REVERSED,
    "symbolic.stable.x__clamp_branches__mutmut_13": _REBUILT,
    "symbolic.stable.x__clamp_branches__mutmut_50": _REBUILT,
    # symbolic/ops.py
    "symbolic.ops.xǁWithParamsǁwith_params__mutmut_19": "the separator of the label's "
    "parameters: every parameterised entry has one parameter (alpha or lambda_), and a "
    "user-defined op has none, so the label never joins two",
    # numeric/losses.py
    "numeric.losses.xǁLossǁ__init____mutmut_6": _COMPOSED,
    "numeric.losses.xǁLossǁ__init____mutmut_7": _COMPOSED,
    "numeric.losses.xǁLossǁ__init____mutmut_14": _COMPOSED,
    "numeric.losses.xǁLossǁ__init____mutmut_20": _LOSS_FIELDS,
    "numeric.losses.xǁLossǁ__init____mutmut_23": _LOSS_FIELDS,
    "numeric.losses.xǁLossǁ__init____mutmut_34": _LOSS_FIELDS,
    "numeric.losses.xǁLossǁ__init____mutmut_37": _LOSS_FIELDS,
    "numeric.losses.xǁLossǁ__init____mutmut_40": _LOSS_FIELDS,
    "numeric.losses.xǁLossǁ__init____mutmut_41": _LOSS_FIELDS,
    "numeric.losses.xǁLossǁ__init____mutmut_56": _LOSS_FIELDS,
    "numeric.losses.xǁLossǁforward__mutmut_6": _UNUSED_ARGUMENT
    + " (B: a per-sample loss is not divided by the batch)",
    "numeric.losses.xǁSoftmaxCrossEntropyǁbackward__mutmut_6": _UNUSED_ARGUMENT
    + " (the logits: the gradient is (s - t) / B, from the softmax)",
    "numeric.losses.xǁSoftmaxCrossEntropyǁbackward_from__mutmut_8": _UNUSED_ARGUMENT
    + " (the logits: the gradient is (s - t) / B, from the softmax)",
    "numeric.losses.xǁSoftmaxCrossEntropyǁbackward_from__mutmut_12": _UNUSED_ARGUMENT
    + " (N: (s - t) / B)",
}
