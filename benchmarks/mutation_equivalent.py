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

EQUIVALENT: dict[str, str] = {
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
