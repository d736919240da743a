# ruff: noqa: E501 - the keys are mutated lines, as long as mutmut writes them
"""Mutants of benchmarks/mutation.py's modules that no test can kill, with the reason.

A mutant is equivalent when the mutated code computes the same results as the
original for every input the package can give it. Keyed by the mutated
function and the mutated line as mutmut writes it (``module.xǁClassǁmethod | line``),
not by mutmut's numbers, which change when the function does; a key that no longer
matches only removes its exemption.
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

_P_T_SYMBOL = (
    "the symbol put for p[j] or t[j] is printed by its name whatever its assumptions: the "
    "loss was built (and simplified) with the real p[j], t[j], and xreplace's rebuilding "
    "simplifies no further with fewer (checked: Max, Min, Piecewise, Abs, Heaviside, sign, "
    "floor, erf, sqrt((p - t)**2) print the same)"
)
_SHOWN_OPTIONS = (
    "every definition shown has options: the file's were checked (_definition) to hold "
    "exactly h0, or clip and targets, and definition() always writes them"
)
_SHOWN_NONE = (
    "_show is never given None: its callers pass the file's definition or definition() "
    "of an entry of the table, both dicts (the None branch is dead code)"
)

_MF_ZIP = "names is made from infos, one name per info: the two always have the same length"
_MF_PICKLE = (
    "_member has checked every member _array reads to be of a float ('f') or unicode ('U') "
    "dtype, which read_array reads without consulting allow_pickle (it matters for object "
    "dtypes only)"
)
_MF_TO_THE_END = (
    "_member has checked the member's zip size to be its .npy header plus exactly the data "
    "the header declares, and the zip stream ends at that size (ZipExtFile checks the CRC "
    "there): after read_array nothing is left, so the branch is never taken"
)
_MF_TEMPORARY = (
    "temporary is not None only from mkstemp's return (the file exists) until os.replace "
    "has renamed it away (then it is set to None): when the finally clause unlinks it, it "
    "exists, and missing_ok is never consulted"
)

_EINSUM_CASE = (
    "einsum's subscripts are any letters: IJ,IJ->I is the same row-wise contraction as ij,ij->i"
)
_OTHER_DTYPE = (
    "np.array_equal compares values after promotion, and both backward results are numeric "
    "(compare refused any gradient whose kind is not f, i or u before a diagnosis): float64 "
    "or the code's own dtype, the comparison with the float64 first result is the same"
)
_ALL_ZEROS = (
    "for an all-zero layer gradient the early return only saves work: it cannot be the "
    "incoming gradient (a standard normal draw, never within 1e-10 + rtol |g| of 0), and "
    "'all zeros' does not start with 'off by', so the same said is returned"
)

_RC_DTYPES = (
    "every style gives a subject the dtype float32 or float64 (objects and cs231n map any "
    "other result type to float64, micrograd and torch keep the default float64): both "
    "are keys of RTOL, so the test is always true"
)
_RC_NONE_DTYPE = "np.dtype(None) is float64"
_RC_NAMED = (
    "every style names the gradient of every array of its subject (cs231n and torch "
    "d<name> per float argument, micrograd <leaf>.grad per leaf, objects a key per input "
    "and parameter, state arrays left out of arrays since 0b85ac8): get's default is never read"
)
_RC_OTHER_SHAPE = (
    "this branch holds only an absent gradient or one of another shape, for which compare "
    "returns before the batch is read (it feeds diagnose, for same-shaped arrays only)"
)
_RC_VALUE_DTYPE = (
    "value (a numeric array: compare refused the others, so no reference) meets the "
    "float64 expected array in every use (value - expected, vdot, einsum, _close, "
    "array_equal compares values): its own dtype changes no figure"
)
_RC_MICROGRAD_ONLY = "only the micrograd style gives several subjects (one per operation)"
_RC_NO_CONVENTION = (
    _RC_MICROGRAD_ONLY + ", and they have no parameters: no penalty is fitted, so every "
    "convention is None, GradientCheck's default"
)

_STEPS_NAME = (
    "_name is only given node.func of a Function, Max or Min node: a class whose metaclass "
    "is SymPy's FunctionClass, which always has __name__ and whose str() is that __name__ "
    "(FunctionClass.__repr__ returns cls.__name__), so the default is never read and str(func) "
    "is the same name"
)
_STEPS_SUBS = (
    "SymPy's fdiff returns a Subs only around a Derivative (Function.fdiff of an undefined "
    "function at an argument that is not a symbol: Subs(Derivative(f(xi), xi), xi, arg); "
    "Derivative._subs likewise), so has(sp.Derivative) alone already finds it"
)
_STEPS_EQ = (
    "Eq(Derivative(g(u), u), g'(u)) is never decided when evaluated: SymPy does not evaluate an "
    "unevaluated Derivative to compare, and the difference's is_zero is unknown, so evaluating "
    "returns the same unevaluated Eq (measured: every op of the table and 30 other functions, "
    "Bessel, gamma, LambertW, erf, undefined ones, walk identically with evaluate=True)"
)

_OPTIMIZER_SLOTS = (
    "each parameter's state is written by the optimizer's own update (SGD: one velocity array, "
    "Adam: the (m, v) pair, RMSprop and Adagrad: a 1-tuple) or by optimizer_file.build from "
    "SLOTS, so it always holds as many arrays as SLOTS[kind] names: strict never fires"
)

_RG_GIVEN = "with an op given, recognise's note says 'given' itself and never reads the source _candidates returns"
_ASTYPE_NONE = "astype(None) is astype(float64) in NumPy"
_RG_PENALTY_W = "the table's penalty kernels take w alone (args ('w',), lambda = 1 built in; pinned in test_mutants_recognise): no other entry is read"
_RG_RCOND = "NumPy 2's lstsq default rcond is None (machine precision times the larger dimension), the value passed"
_RG_LAMBDA_0 = "a strength exactly 0 from the joint fit leaves the other penalty alone, with the same lambda and residual as its single fit, which the loop above has already accepted"
_RG_BOTH_PENALTIES = "both PENALTIES (l2_penalty, l1_penalty) are in the op table: the branch and the default are never reached"
_RG_FLOAT64 = (
    "w is a subject's array, float64 by the protocol, and the penalty kernels return float64 for it"
)
_RG_EMPTY = "an empty w gives a zero direction (norm 0), and the loop continues before the residual is taken"
_RG_L2_TWICE = "with L2's direction in both columns the joint fit spans L2 alone, which the single fit above has already tried with the same sign and residual"
_RG_LOSS_G = "the table's loss kernels take no cotangent (backward args (p, t, B, N), or (z, s, t, B, N) for softmax_cross_entropy): g is never read for a loss"
_RG_SIZES = "recognition ran the forward kernel on these very arrays, so the kernel's dweights has the array's size (W (in, out), or a gamma of the features' width found by _named)"
_MG_NEGATIVE_NONE = "None is as false as False: op.negative is only tested for truth"
_MG_HIGH = "uniform's default high is 1.0, the value written"
_MG_POINTS = "every point is drawn by rng.uniform (and b by a difference of float64 numbers): already float64"
_MG_ERRSTATE = "errstate(all=None) leaves NumPy's default (warn, and the warnings are ignored in the same block); an error raised instead becomes a CheckError, which also gives False, as a non-finite value does"
_MG_ZIP = "x and w are both drawn with NEURON_INPUTS elements: the lengths are always equal"
_MG_BIND = "binding checks the number of arguments only: any one value binds as 1.5 does"

_RG_KERNEL_FLOAT64 = "the kernels run on a subject's arrays, float64 by the protocol, and return float64 for them (NumPy kernels from lambdify)"
_CS_STEM = "the stem only feeds name_hints, which matches by containment: an unstripped '_forward', '_naive' or '_fast' adds letters that hold no table op or alias, alone or joined to the rest of the name, so the hints are the same"
_LAYER_DTYPE = (
    "the dtype only sets the arrays the constructor allocates (gamma and beta, and BatchNorm's "
    "running statistics), and restore then replaces every one of them (ARRAYS[kind]) with a "
    "copy of the file's array, which keeps the file's dtype; nothing else is made from it"
)
_STEPS_ONE_SYMBOL = (
    "Derivative(expr) with no variable differentiates with respect to expr's only free "
    "symbol: sp.Function(name)(x) has only x, so it is the same Derivative(f(x), x)"
)

_OR_RATES = (
    "rates is only tested for truth after the loss branch, and None is as false as the empty dict"
)
_OR_RESTORE = "writing the saved contents back into an array that still holds them changes nothing; a read-only array cannot have been changed in place"
_ON_CALL = "a call of a method not in RESHAPES leaves an attribute not in RESHAPES either, which is no name: None both ways"
_ON_DINPUTS = "for inputs == 'inputs', f'd{inputs}' is 'dinputs' itself"
_LO_PARAMS = "_kernel_args puts weights (biases) in params exactly when the layout has them: the default and the other branch give the same ones (zeros)"
_LO_GAMMA_SHAPE = "gamma and beta of shape (width,) or (1, width) broadcast alike against (batch, width) in the generated kernels, and truth reshapes dgamma to the array's own shape"
_NEGATIVE_RESHAPE = (
    "NumPy reads any negative size in reshape as the one unknown dimension, as it reads -1"
)

_DTYPE_NONE = "np.dtype(None) is float64, the dtype written"
_OB_NOT_TRANSPOSED = "without 2-D weights _transposed returns False (the same weights lookup), so transposed is False here and Layout's default"

_RA_COPY = "bit_generator.state is built afresh on each read and its setter copies the values into the generator: a shallow copy shares nothing that is later changed"

EQUIVALENT: dict[str, str] = {
    "numeric.check.randomness.x__generators | values = list(holder.values())": "a dict holder is never itself a generator: dropping it from the values it is searched among loses nothing",
    "numeric.check.randomness.x__generators | values = list(vars(holder).values())": "NumPy's Generator and RandomState have no __dict__, so a holder read through vars() is never itself a generator",
    "numeric.check.randomness.x__state | return copy.copy(generator.bit_generator.state)": _RA_COPY,
    "numeric.check.randomness.x__set_state | generator.bit_generator.state = copy.copy(state)": _RA_COPY,
    "numeric.check.randomness.x_draws_randomly | frozen.active = None": "frozen.active is only tested for truth, and None is as false as False",
    "numeric.check.styles.objects.x__dtype | return np.result_type(*dtypes) if dtypes else np.dtype(None)": _DTYPE_NONE,
    "numeric.check.styles.objects.x__subject | dtype = dtype if dtype in (np.float32, np.float64) else np.dtype(None)": _DTYPE_NONE,
    "numeric.check.styles.objects.x__layouts | return (Layout(inputs, inputs_transposed=None),)": _OB_NOT_TRANSPOSED,
    "numeric.check.styles.objects.x__layouts | return (Layout(inputs, ),)": _OB_NOT_TRANSPOSED,
    "numeric.check.styles.objects.x__subject | names.update(zip(returned, spoken, strict=False))": "strict=None, False or True, or none: the two sequences zipped have the same length (one returned name per returned input; one native array per input)",
    "numeric.check.styles.objects.x__subject | names.update(zip(returned, spoken, strict=None))": "strict=None, False or True, or none: the two sequences zipped have the same length (one returned name per returned input; one native array per input)",
    "numeric.check.styles.objects.x__subject | names.update(zip(returned, spoken, ))": "strict=None, False or True, or none: the two sequences zipped have the same length (one returned name per returned input; one native array per input)",
    "numeric.check.styles.objects.x__subject | arrays = {name: a.astype(np.float64) for name, a in zip(runner.inputs, native, strict=None)}": "strict=None, False or True, or none: the two sequences zipped have the same length (one returned name per returned input; one native array per input)",
    "numeric.check.styles.objects.x__subject | arrays = {name: a.astype(np.float64) for name, a in zip(runner.inputs, native, )}": "strict=None, False or True, or none: the two sequences zipped have the same length (one returned name per returned input; one native array per input)",
    "numeric.check.styles.objects.x__subject | arrays = {name: a.astype(np.float64) for name, a in zip(runner.inputs, native, strict=False)}": "strict=None, False or True, or none: the two sequences zipped have the same length (one returned name per returned input; one native array per input)",
    "numeric.check.styles.objects.x__subject | arrays = {name: a.astype(None) for name, a in zip(runner.inputs, native, strict=True)}": _ASTYPE_NONE,
    "numeric.check.styles.objects.x__subject | arrays.update({k: v.astype(None) for k, v in runner.params.items()})": _ASTYPE_NONE,
    "numeric.check.styles.objects.x__subject | labels64 = labels.astype(None) if floats else labels": _ASTYPE_NONE,
    'numeric.check.styles.objects.x__subject | returned = [n for n in runner.inputs if keys[n].startswith(RETURNED) and "XX[XX" not in keys[n]]': "a dict-returned input takes a spoken name here, but the loop below renames every <returned>[key] input backward()[key]: the names end the same",
    "numeric.check.sampling.x_layer_inputs | return rng.uniform(0.1, 2.0, shape) / rng.choice([-1.0, 1.0], shape)": "dividing by a sign of +-1 is multiplying by it",
    "numeric.check.sampling.x_loss_inputs | entry = entries().get(op) if (op) or True else None": "entries().get(None) is None: no op is named None",
    "numeric.check.sampling.x_loss_inputs | return rng.uniform(0.05, 0.95, shape), rng.integers(0, 2, shape).astype(None)": _ASTYPE_NONE,
    'numeric.check.sampling.x_loss_inputs | labels = "indices" if targets == "onehot" else "XXonehotXX"': "any label but 'indices' gives one-hot rows: the spelling of the other one is never compared",
    'numeric.check.sampling.x_loss_inputs | labels = "indices" if targets == "onehot" else "ONEHOT"': "any label but 'indices' gives one-hot rows: the spelling of the other one is never compared",
    "numeric.check.styles.object_runner.xǁRunnerǁbackward | rates = None": _OR_RATES,
    "numeric.check.styles.object_runner.xǁRunnerǁbackward | before = self.params[name].astype(None)": _ASTYPE_NONE,
    'numeric.check.styles.object_runner.xǁRunnerǁbackward | updates[f"{UPDATE}{name}"] = (before - value.astype(None)) / RATE': _ASTYPE_NONE,
    "numeric.check.styles.object_runner.xǁRunnerǁrestore | if array.flags.writeable or not np.array_equal(array, content, equal_nan=True):": _OR_RESTORE,
    "numeric.check.styles.object_runner.xǁRunnerǁrestore | if array.flags.writeable and not np.array_equal(array, content, equal_nan=None):": _OR_RESTORE,
    "numeric.check.styles.object_runner.xǁRunnerǁrestore | if array.flags.writeable and not np.array_equal(array, content, ):": _OR_RESTORE,
    "numeric.check.styles.object_runner.xǁRunnerǁrestore | if array.flags.writeable and not np.array_equal(array, content, equal_nan=False):": _OR_RESTORE,
    "numeric.check.styles.object_names.x__base_name | node = node.func if (node.func.attr in RESHAPES) or True else node": _ON_CALL,
    'numeric.check.styles.object_names.x_keys | names[inputs] = "dinputs" if (inputs == "inputs") and False else f"d{inputs}"': _ON_DINPUTS,
    'numeric.check.styles.object_names.x_keys | names[inputs] = "dinputs" if inputs == "XXinputsXX" else f"d{inputs}"': _ON_DINPUTS,
    'numeric.check.styles.object_names.x_keys | names[inputs] = "dinputs" if inputs == "INPUTS" else f"d{inputs}"': _ON_DINPUTS,
    'numeric.check.layer_ops.x_inputs | gamma = params.get("weights", ones).reshape(1, -1) if (layout.weights) or True else ones': _LO_PARAMS,
    'numeric.check.layer_ops.x_inputs | gamma = params.get("weights", None).reshape(1, -1) if layout.weights else ones': _LO_PARAMS,
    'numeric.check.layer_ops.x_inputs | gamma = params.get("weights", ).reshape(1, -1) if layout.weights else ones': _LO_PARAMS,
    'numeric.check.layer_ops.x_inputs | beta = params.get("biases", 0 * ones).reshape(1, -1) if (layout.biases) or True else 0 * ones': _LO_PARAMS,
    'numeric.check.layer_ops.x_inputs | beta = params.get("biases", None).reshape(1, -1) if layout.biases else 0 * ones': _LO_PARAMS,
    'numeric.check.layer_ops.x_inputs | beta = params.get("biases", ).reshape(1, -1) if layout.biases else 0 * ones': _LO_PARAMS,
    'numeric.check.layer_ops.x_inputs | beta = params.get("biases", 0 / ones).reshape(1, -1) if layout.biases else 0 * ones': _LO_PARAMS,
    'numeric.check.layer_ops.x_inputs | beta = params.get("biases", 1 * ones).reshape(1, -1) if layout.biases else 0 * ones': _LO_PARAMS,
    'numeric.check.layer_ops.x_inputs | gamma = params.get("weights", ones).reshape(-1) if layout.weights else ones': _LO_GAMMA_SHAPE,
    'numeric.check.layer_ops.x_inputs | beta = params.get("biases", 0 * ones).reshape(-1) if layout.biases else 0 * ones': _LO_GAMMA_SHAPE,
    'numeric.check.layer_ops.x_inputs | gamma = params.get("weights", ones).reshape(1, -2) if layout.weights else ones': _NEGATIVE_RESHAPE,
    'numeric.check.layer_ops.x_inputs | beta = params.get("biases", 0 * ones).reshape(1, -2) if layout.biases else 0 * ones': _NEGATIVE_RESHAPE,
    'numeric.check.layer_ops.x_inputs | beta = params.get("biases", 0 * ones).reshape(1, -1) if layout.biases else 0 / ones': "0 / ones is 0 * ones: zeros",
    "numeric.check.layer_ops.x__mask_and_rate | rate = 1 - 1 / scale if scale > 1 else 0.0": "at scale 1 the rate 1 - 1 / scale is 0, the value of the other branch",
    'numeric.check.layer_ops.x__mask_and_rate | return {"m": kept.astype(None), "r": rate}': _ASTYPE_NONE,
    'numeric.check.styles.cs231n.x__stem | return name.removesuffix("_forward").removesuffix("_naive").removeprefix("_fast")': _CS_STEM,
    'numeric.check.styles.cs231n.x__stem | return name.removesuffix("_forward").removeprefix("_naive").removesuffix("_fast")': _CS_STEM,
    'numeric.check.styles.cs231n.x__stem | return name.removeprefix("_forward").removesuffix("_naive").removesuffix("_fast")': _CS_STEM,
    'numeric.check.styles.cs231n.x__stem | return name.removesuffix("XX_forwardXX").removesuffix("_naive").removesuffix("_fast")': _CS_STEM,
    'numeric.check.styles.cs231n.x__stem | return name.removesuffix("_FORWARD").removesuffix("_naive").removesuffix("_fast")': _CS_STEM,
    'numeric.check.styles.cs231n.x__stem | return name.removesuffix("_forward").removesuffix("XX_naiveXX").removesuffix("_fast")': _CS_STEM,
    'numeric.check.styles.cs231n.x__stem | return name.removesuffix("_forward").removesuffix("_NAIVE").removesuffix("_fast")': _CS_STEM,
    'numeric.check.styles.cs231n.x__stem | return name.removesuffix("_forward").removesuffix("_naive").removesuffix("XX_fastXX")': _CS_STEM,
    'numeric.check.styles.cs231n.x__stem | return name.removesuffix("_forward").removesuffix("_naive").removesuffix("_FAST")': _CS_STEM,
    'numeric.check.styles.cs231n.x__is_labels | return isinstance(value, np.ndarray) and value.dtype.kind in "XXiuXX"': _KINDS,
    "numeric.check.styles.cs231n.x__match | return dict(zip(floats, grads, strict=None))": "strict=None and no strict are both zip's default, strict=False",
    "numeric.check.styles.cs231n.x__match | return dict(zip(floats, grads, ))": "strict=None and no strict are both zip's default, strict=False",
    "numeric.check.recognise.x__forward_error | expected = np.asarray(result[0], dtype=None)": _RG_KERNEL_FLOAT64,
    "numeric.check.recognise.x__forward_error | expected = np.asarray(result[0], )": _RG_KERNEL_FLOAT64,
    "numeric.check.recognise.x_kernel_values | name: np.asarray(grad, dtype=None)": _RG_KERNEL_FLOAT64,
    "numeric.check.recognise.x_kernel_values | name: np.asarray(grad, )": _RG_KERNEL_FLOAT64,
    "numeric.check.recognise.x_kernel_values | for name, grad in zip(GRADIENTS, grads, strict=None)": "strict=None and no strict are both zip's default, strict=False",
    "numeric.check.recognise.x_kernel_values | for name, grad in zip(GRADIENTS, grads, )": "strict=None and no strict are both zip's default, strict=False",
    'numeric.check.recognise.x__kernel_args | params["biases"] = arrays[layout.biases].reshape(1, -2)': "NumPy reads any negative size in reshape as the one unknown dimension, as it reads -1",
    "numeric.check.recognise.x_recognise | bound = FORWARD_RTOL * max(1.0, float(np.max(np.abs(out), initial=1.0)))": "max(1.0, ...) around it already floors the scale at 1: an initial of 1.0 changes nothing",
    'numeric.check.recognise.x__candidates | return [given], "XXgivenXX"': _RG_GIVEN,
    'numeric.check.recognise.x__candidates | return [given], "GIVEN"': _RG_GIVEN,
    "numeric.check.recognise.x__one_hot | return labels.astype(None).reshape(shape)": _ASTYPE_NONE,
    'numeric.check.recognise.x__one_hot | if labels.ndim == 1 and labels.dtype.kind in "XXiubXX" and shape[1] > 1:': _KINDS,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "XXxXX": w, "g": 1.0, "y": None, "lambda_": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "X": w, "g": 1.0, "y": None, "lambda_": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "XXgXX": 1.0, "y": None, "lambda_": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "G": 1.0, "y": None, "lambda_": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 2.0, "y": None, "lambda_": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 1.0, "XXyXX": None, "lambda_": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 1.0, "Y": None, "lambda_": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 1.0, "y": None, "XXlambda_XX": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 1.0, "y": None, "LAMBDA_": 1.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 1.0, "y": None, "lambda_": 2.0, "lam": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 1.0, "y": None, "lambda_": 1.0, "XXlamXX": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 1.0, "y": None, "lambda_": 1.0, "LAM": 1.0}': _RG_PENALTY_W,
    'numeric.check.recognise.x__penalty_gradient | values = {"w": w, "x": w, "g": 1.0, "y": None, "lambda_": 1.0, "lam": 2.0}': _RG_PENALTY_W,
    "numeric.check.recognise.x_penalty | (lam1, lam2), *_ = np.linalg.lstsq(basis, difference.ravel(), )": _RG_RCOND,
    "numeric.check.recognise.x_penalty | if lam1 >= 0 and lam2 > 0 and residual <= bound:": _RG_LAMBDA_0,
    "numeric.check.recognise.x_penalty | if lam1 > 0 and lam2 >= 0 and residual <= bound:": _RG_LAMBDA_0,
    "numeric.check.recognise.x_penalty | break": _RG_BOTH_PENALTIES,
    'numeric.check.recognise.x_penalty | l2 = next((d for label, d, _ in candidates if label == "L2"), )': _RG_BOTH_PENALTIES,
    "numeric.check.recognise.x_penalty | direction = np.asarray(_penalty_gradient(kernels(name)[1], w), dtype=None)": _RG_FLOAT64,
    "numeric.check.recognise.x_penalty | direction = np.asarray(_penalty_gradient(kernels(name)[1], w), )": _RG_FLOAT64,
    "numeric.check.recognise.x_penalty | residual = float(np.max(np.abs(difference - lam * direction), initial=None))": _RG_EMPTY,
    "numeric.check.recognise.x_penalty | residual = float(np.max(np.abs(difference - lam * direction), ))": _RG_EMPTY,
    'numeric.check.recognise.x_penalty | if label != "L1" and l2 is None:': _RG_L2_TWICE,
    "numeric.check.recognise.x_truth | g = np.full((len(x), 1), None)": _RG_LOSS_G,
    "numeric.check.recognise.x_truth | g = np.full((len(x), 2), 1.0 / len(x))": _RG_LOSS_G,
    "numeric.check.recognise.x_truth | g = np.full((len(x), 1), 1.0 * len(x))": _RG_LOSS_G,
    "numeric.check.recognise.x_truth | g = np.full((len(x), 1), 2.0 / len(x))": _RG_LOSS_G,
    "numeric.check.recognise.x_truth | back[layout.weights] = w.reshape(shape) if (w.size == int(np.prod(shape))) or True else w": _RG_SIZES,
    'numeric.check.styles.micrograd.x__operations | ops.append(Operation("a + a", ("a",), _twice(name, "+", None), negative=None))': _MG_NEGATIVE_NONE,
    'numeric.check.styles.micrograd.x__operations | ops.append(Operation("a * a", ("a",), _twice(name, "*", None), negative=None))': _MG_NEGATIVE_NONE,
    'numeric.check.styles.micrograd.x__operations | ops.append(Operation(f"a.{method}() + a", ("a",), _twice(name, "+", method), None))': _MG_NEGATIVE_NONE,
    'numeric.check.styles.micrograd.x__operations | ops.append(Operation("a ** b", ("a", "b"), _binary(name, "__pow__", "**"), None, True))': _MG_NEGATIVE_NONE,
    "numeric.check.styles.micrograd.x__points | x, w = rng.uniform(LOW, HIGH, size=(2, NEURON_INPUTS)) / signs": "dividing by a sign of +-1 is multiplying by it",
    "numeric.check.styles.micrograd.x__points | a, b = rng.uniform(LOW, size=2), rng.uniform(1.25, HIGH, size=2)": _MG_HIGH,
    'numeric.check.styles.micrograd.x__points | neuron = {"x": x, "w": w, "b": rng.uniform(0.5, ) - w @ x}': _MG_HIGH,
    "numeric.check.styles.micrograd.x__arrays | return {name: np.array(point[name], dtype=None) for name in op.inputs}": _MG_POINTS,
    "numeric.check.styles.micrograd.x__arrays | return {name: np.array(point[name], ) for name in op.inputs}": _MG_POINTS,
    'numeric.check.styles.micrograd.x__accepts_point | return value.shape == () and value.dtype.kind in "XXbiufXX" and bool(np.isfinite(value))': _KINDS,
    "numeric.check.styles.micrograd.x__accepts_point | with warnings.catch_warnings(), np.errstate(all=None):": _MG_ERRSTATE,
    'numeric.check.styles.micrograd.x__neuron | for wi, xi in zip(v["w"], v["x"], strict=None):': _MG_ZIP,
    'numeric.check.styles.micrograd.x__neuron | for wi, xi in zip(v["w"], v["x"], ):': _MG_ZIP,
    'numeric.check.styles.micrograd.x__neuron | for wi, xi in zip(v["w"], v["x"], strict=False):': _MG_ZIP,
    "numeric.check.styles.micrograd.x_accepts | inspect.signature(target).bind(None)": _MG_BIND,
    "numeric.check.styles.micrograd.x_accepts | inspect.signature(target).bind(2.5)": _MG_BIND,
    "numeric.check.styles.micrograd.x__unary_methods | result = call(None, getattr(value, method))": "the label only names the method in a CheckError that the next line catches and discards",
    'numeric.check.diagnose.x_compare | max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("INF")),': "float() reads INF as inf, whatever the case",
    'numeric.check.diagnose.x_compare | if actual.dtype.kind not in "XXfiuXX":': "a dtype kind is one character and no dtype's kind is X: the same kinds are in the string",
    "numeric.check.diagnose.x_compare | actual = actual.astype(None)": "astype(None) converts to NumPy's default dtype, float64, as astype(np.float64) does",
    'numeric.check.diagnose.x_diagnose | rows = np.einsum("IJ,IJ->I", actual, expected) / np.maximum(': _EINSUM_CASE,
    'numeric.check.diagnose.x_diagnose | np.einsum("IJ,IJ->I", expected, expected), 1e-300': _EINSUM_CASE,
    "numeric.check.diagnose.x_diagnose_more | other = np.asarray(s.backward((2.0 * g + 1.0).astype(s.dtype)).get(name), dtype=None)": _OTHER_DTYPE,
    "numeric.check.diagnose.x_diagnose_more | other = np.asarray(s.backward((2.0 * g + 1.0).astype(s.dtype)).get(name), )": _OTHER_DTYPE,
    'numeric.check.diagnose.x_diagnose_more | if not layer or said == "XXall zerosXX":': _ALL_ZEROS,
    'numeric.check.diagnose.x_diagnose_more | if not layer or said == "ALL ZEROS":': _ALL_ZEROS,
    'numeric.check.diagnose.x_diagnose_more | outputs = {"the number of outputs": first.shape[+1]} if s.loss and first.ndim == 2 else {}': "guarded by first.ndim == 2, where shape[1] is shape[-1]",
    'numeric.check.diagnose.x__used_twice | expression = s.name.removesuffix(negative).split("XX:XX")[0]': "only micrograd subjects (unit_cotangent) reach _used_twice, and the only ones named with a colon are its neurons, 'neuron: tanh(w·x + b)' (relu, or no activation): x, w and b each appear once in the whole name as in 'neuron', so none is used twice either way",
    "numeric.model_file.x__dense | layer = Dense(1, 1, rng=0, )": "the placeholder's float64 weights and biases are replaced by the file's arrays two lines below, and a Dense keeps no other dtype state (initialize takes its dtype from the weights)",
    "numeric.model_file.x__regularizers | raise _Bad(f\"layer {k} regularizers must map {', '.join(REGULARIZERS)} to numbers\"[:301])": "the message is at most 130 characters (k < 10,000 and the four fixed keywords): never cut at 300 or 301",
    'numeric.model_file.x__show | return "XXnothingXX"': _SHOWN_NONE,
    'numeric.model_file.x__show | return "NOTHING"': _SHOWN_NONE,
    'numeric.model_file.x__show | return f"{saved[\'formula\']!r}" + (f" ({extra})" if (extra) or True else "")': _SHOWN_OPTIONS,
    'numeric.model_file.x__show | return f"{saved[\'formula\']!r}" + (f" ({extra})" if extra else "XXXX")': _SHOWN_OPTIONS,
    "numeric.model_file.x_definition | summand = entry.expr.function if (isinstance(entry.expr, sp.Sum)) or True else entry.expr": "definition is given user-defined losses only (_define_entry skips built-ins; _redefine gets the names a file defines, built-ins refused before), and define_loss always makes a Sum over the outputs",
    'numeric.model_file.x_definition | plain = summand.xreplace({p[j]: sp.Symbol("p", real=None), t[j]: sp.Symbol("t", real=True)})': _P_T_SYMBOL,
    'numeric.model_file.x_definition | plain = summand.xreplace({p[j]: sp.Symbol("p", ), t[j]: sp.Symbol("t", real=True)})': _P_T_SYMBOL,
    'numeric.model_file.x_definition | plain = summand.xreplace({p[j]: sp.Symbol("p", real=False), t[j]: sp.Symbol("t", real=True)})': _P_T_SYMBOL,
    'numeric.model_file.x_definition | plain = summand.xreplace({p[j]: sp.Symbol("p", real=True), t[j]: sp.Symbol("t", real=None)})': _P_T_SYMBOL,
    'numeric.model_file.x_definition | plain = summand.xreplace({p[j]: sp.Symbol("p", real=True), t[j]: sp.Symbol("t", )})': _P_T_SYMBOL,
    'numeric.model_file.x_definition | plain = summand.xreplace({p[j]: sp.Symbol("p", real=True), t[j]: sp.Symbol("t", real=False)})': _P_T_SYMBOL,
    'numeric.model_file.x__redefine | warnings.simplefilter("ignore", )': "defining an op warns nothing but UnstableKernelWarning (define's only warnings.warn; NumPy's warnings are under errstate), so ignoring every category ignores the same",
    'numeric.model_file.x_architecture | if getattr(layer, "regularizers", ):  # the nnfs keywords, floats kept exactly': "every Dense has the regularizers property, so getattr's default is never used",
    "numeric.check.differences.x_gradient | abs(directional(evaluate, array, g, v) - float(np.vdot(v, grad))) < bound": "< or <= the bound: a directional difference exactly equal to the bound (a sum of rounded products) does not occur",
    'numeric.validate.x_as_batch | if array.dtype.kind in "XXbiuXX":': _KINDS,
    'numeric.validate.x_as_targets | if targets.ndim == 1 and targets.dtype.kind in "XXiuXX":': _KINDS,
    "numeric.validate.x_as_targets | targets = targets.astype(dtype, copy=None)": "astype's copy=None (NumPy 2: copy only if needed) is what copy=False does for astype",
    "numeric.validate.x_as_targets | off = np.abs(sums - 1) >= 1e-3": "> 1e-3 or >= 1e-3: no float32 or float64 row sum s has s - 1 exactly equal to the double 1e-3 (it is no multiple of their ulp)",
    "numeric.validate.x_check_probabilities | low, high = y_pred.min(initial=1.0), y_pred.max(initial=1.0)": "min's initial only matters for an empty batch, where 1.0 is as far from < 0 as 0.0",
    "symbolic.stable.x__exp_of_one_plus_exp | other = base.args[0] if (base.args[1] == 1) and False else base.args[1]": _ADD_ORDER,
    "symbolic.stable.x__exp_of_one_plus_exp | other = base.args[1] if base.args[1] == 1 else base.args[1]": _ADD_ORDER,
    "symbolic.stable.x__exp_of_one_plus_exp | other = base.args[0] if base.args[1] == 2 else base.args[1]": _ADD_ORDER,
    "symbolic.stable.x__sigmoid_products | if not (isinstance(factor, sp.Pow) and factor.exp.is_Integer and factor.exp <= 0):": _NO_POW_0,
    "symbolic.stable.x__sigmoid_products | if not (isinstance(factor, sp.Pow) and factor.exp.is_Integer and factor.exp < 1):": _NO_POW_0,
    "symbolic.stable.x__sigmoid_products | if ratio is not None and ratio.is_Integer and 0 <= ratio <= n:": "a ratio 0 needs a factor exp(0), which SymPy evaluates to 1 (not an exp)",
    "symbolic.stable.x__softplus | if None in exponents or exponents.count(None) == 2:": "None in exponents is already refused",
    "symbolic.stable.x__softplus | if None in exponents or exponents.count(1) == 2:": _TWO_ONES,
    "symbolic.stable.x__softplus | if None in exponents or exponents.count(0) == 3:": _TWO_ONES,
    "symbolic.stable.x_apply_rule | if not isinstance(expr, sp.Basic) and not expr.args:": "every node passed is a SymPy Basic; one with no arguments goes through the rule (which returns None for atoms) to the same return",
    "symbolic.stable.x_apply_rule | if all(new is old for new, old in zip(args, expr.args, strict=None)):": _ZIP,
    "symbolic.stable.x_apply_rule | if all(new is old for new, old in zip(args, expr.args, )):": _ZIP,
    "symbolic.stable.x_apply_rule | if all(new is old for new, old in zip(args, expr.args, strict=False)):": _ZIP,
    "symbolic.stable.x__breakpoints | break": "the condition True is always a Piecewise's last (SymPy drops the branches after it), so continue and break both end the loop",
    "symbolic.stable.x__breakpoints | elif isinstance(rhs, sp.Symbol) or lhs.is_number:": _REVERSED,
    "symbolic.stable.x__breakpoints | points.append(None)": _REVERSED,
    "symbolic.stable.x__clamp_branches | branches, changed = [], True": _REBUILT,
    "symbolic.stable.x__clamp_branches | return sp.Piecewise(*branches) if (changed) or True else None": _REBUILT,
    'symbolic.ops.xǁWithParamsǁwith_params | label = "XX, XX".join(f"{k}={float(v):g}" for k, v in values.items())': "the separator of the label's parameters: every parameterised entry has one parameter (alpha or lambda_), and a user-defined op has none, so the label never joins two",
    "numeric.losses.xǁLossǁforward | return self._forward(y_pred, self.targets(y_pred, y_true), None, classes)[:, 0]": _UNUSED_ARGUMENT
    + " (B: a per-sample loss is not divided by the batch)",
    "numeric.losses.xǁSoftmaxCrossEntropyǁbackward | return self.backward_from(None, self._softmax(logits), y_true)": _UNUSED_ARGUMENT
    + " (the logits: the gradient is (s - t) / B, from the softmax)",
    "numeric.losses.xǁSoftmaxCrossEntropyǁbackward_from | self.dinputs = self._backward(None, probabilities, targets, batch, classes)": _UNUSED_ARGUMENT
    + " (the logits: the gradient is (s - t) / B, from the softmax)",
    "numeric.losses.xǁSoftmaxCrossEntropyǁbackward_from | self.dinputs = self._backward(logits, probabilities, targets, batch, None)": _UNUSED_ARGUMENT
    + " (N: (s - t) / B)",
    "numeric.losses.xǁLossǁ__init__ | composed = None  # softmax + cross-entropy: takes logits": _COMPOSED,
    'numeric.losses.xǁLossǁ__init__ | composed = hasattr(None, "loss")  # softmax + cross-entropy: takes logits': _COMPOSED,
    'numeric.losses.xǁLossǁ__init__ | composed = hasattr(entry, "XXlossXX")  # softmax + cross-entropy: takes logits': _COMPOSED,
    'numeric.losses.xǁLossǁ__init__ | composed = hasattr(entry, "LOSS")  # softmax + cross-entropy: takes logits': _COMPOSED,
    "numeric.losses.xǁLossǁ__init__ | entry = op(entry.loss) if (composed) and False else entry  # a composed op's loss": _COMPOSED,
    'numeric.losses.xǁLossǁ__init__ | self.one_hot = getattr(entry, "targets", None) == "onehot"': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.one_hot = getattr(entry, "targets", ) == "onehot"': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.one_hot = getattr(entry, "targets", "XXonehotXX") == "onehot"': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.one_hot = getattr(entry, "targets", "ONEHOT") == "onehot"': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.binary = getattr(entry, "targets", None) == "binary"': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.binary = getattr(entry, "targets", ) == "binary"': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.binary = getattr(entry, "targets", "XXonehotXX") == "binary"': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.binary = getattr(entry, "targets", "ONEHOT") == "binary"': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.probabilities = bool(getattr(entry, "clip", None)) and not composed': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.probabilities = bool(getattr(entry, "clip", )) and not composed': _LOSS_FIELDS,
    'numeric.losses.xǁLossǁ__init__ | self.probabilities = bool(getattr(entry, "clip", True)) and not composed': _LOSS_FIELDS,
    "symbolic.stable.xǁndtrǁfdiff | def fdiff(self, argindex: int = 2) -> sp.Expr:": "SymPy always passes argindex; ndtr has one argument",
    'symbolic.stable.x_prove_on_each_side | xi = sp.Symbol("XXxiXX", positive=True)': _XI,
    'symbolic.stable.x_prove_on_each_side | xi = sp.Symbol("XI", positive=True)': _XI,
    "symbolic.stable.x_prove_on_each_side | at += [a + (b - a) / (1 + xi) for a, b in zip(points, points[1:], strict=None)]": "zip(points, points[1:]) with strict=None or no strict is strict=False",
    "symbolic.stable.x_prove_on_each_side | at += [a + (b - a) / (1 + xi) for a, b in zip(points, points[1:], )]": "zip(points, points[1:]) with strict=None or no strict is strict=False",
    "symbolic.stable.x_prove_on_each_side | at += [a + (b - a) / (2 + xi) for a, b in zip(points, points[1:], strict=False)]": "a + (b - a)/(2 + xi) is also strictly between the kinks a and b for every xi > 0, where each condition is decided the same way",
    "numeric.validate.x_as_targets | targets = targets.reshape(-1, )": "a 1-D array of labels for one output is made a column again two lines below (ndim == 1 and classes == 1)",
    "numeric.validate.x_as_targets | targets = targets.reshape(-2, 1)": "NumPy 2 reads any negative size in reshape as the one inferred (-2 as -1)",
    "numeric.validate.x_check_finite | row = int(np.argmax(bad.reshape(len(inputs), -2).any(axis=1)))": "NumPy 2 reads any negative size in reshape as the one inferred (-2 as -1)",
    "numeric.model_file.x__central_directory | data = file.read(None)": "the file was just positioned tail bytes before its end, so reading to the end reads the same tail bytes",
    "numeric.check.recognise.x_penalty | if lam1 >= 0 and lam2 > 0 and within((basis @ (lam1, lam2)).reshape(difference.shape)):": "lstsq gives a strength of exactly 0.0 only when the difference is explained by the other penalty alone, whose single fit ran first with the same residual test: it returned then, or the joint fit fails the same test",
    "numeric.check.recognise.x_penalty | if lam1 > 0 and lam2 >= 0 and within((basis @ (lam1, lam2)).reshape(difference.shape)):": "lstsq gives a strength of exactly 0.0 only when the difference is explained by the other penalty alone, whose single fit ran first with the same residual test: it returned then, or the joint fit fails the same test",
    "numeric.model_file.x__central_directory | zip64 = file.read(None)  # the record (56 bytes), then its locator (20)": "the file was positioned 76 bytes before the end record, which lies within the tail already read: reading on past 76 bytes only adds bytes after the two signatures and counts that are read",
    "numeric.model_file.x__central_directory | zip64 = file.read(77)  # the record (56 bytes), then its locator (20)": "the file was positioned 76 bytes before the end record, which lies within the tail already read: reading on past 76 bytes only adds bytes after the two signatures and counts that are read",
    "numeric.model_file.x__central_directory | file.seek(1)": "zipfile.ZipFile opened for reading seeks to the end record itself (_EndRecData) and to every member it reads: the position the file is left at is never used",
    "numeric.model_file.x__read_archive | members = dict(zip(names, infos, strict=None))": _MF_ZIP,
    "numeric.model_file.x__read_archive | members = dict(zip(names, infos, ))": _MF_ZIP,
    "numeric.model_file.x__read_archive | members = dict(zip(names, infos, strict=False))": _MF_ZIP,
    'numeric.model_file.x__read_archive | _member(archive, text, None, "text")': '_member reads the declared shape only for arrays: for kind "text" it compares the .npy header with (), not with this argument',
    'numeric.model_file.x__read_archive | arrays[name.removesuffix(".npy")] = array.astype(dtype, copy=None)': "astype's copy=None (NumPy 2: copy only if needed) is what copy=False does for astype",
    "numeric.model_file.x__array | array = np.lib.format.read_array(stream, allow_pickle=None)": _MF_PICKLE,
    "numeric.model_file.x__array | array = np.lib.format.read_array(stream, )": _MF_PICKLE,
    "numeric.model_file.x__array | array = np.lib.format.read_array(stream, allow_pickle=True)": _MF_PICKLE,
    "numeric.model_file.x__array | if stream.read(None):": _MF_TO_THE_END,
    "numeric.model_file.x__array | if stream.read(2):": _MF_TO_THE_END,
    "numeric.model_file.x__array | raise _Bad(None)": _MF_TO_THE_END,
    "numeric.model_file.x_save | Path(temporary).unlink(missing_ok=None)": _MF_TEMPORARY,
    "numeric.model_file.x_save | Path(temporary).unlink(missing_ok=False)": _MF_TEMPORARY,
    "numeric.check.report.x__tolerances | dtype = dtype if (dtype in RTOL) or True else np.dtype(np.float64)": _RC_DTYPES,
    "numeric.check.report.x__tolerances | dtype = dtype if dtype in RTOL else np.dtype(None)": _RC_NONE_DTYPE,
    "numeric.check.report.x__kernel_rtol | return KERNEL_RTOL[np.dtype(s.dtype) if (s.dtype in RTOL) or True else np.dtype(np.float64)]": _RC_DTYPES,
    "numeric.check.report.x__kernel_rtol | return KERNEL_RTOL[np.dtype(s.dtype) if s.dtype in RTOL else np.dtype(None)]": _RC_NONE_DTYPE,
    "numeric.check.report.x__compare_one | fd_rtol = max(rtol, RTOL[np.dtype(None)])": _RC_NONE_DTYPE,
    'numeric.check.report.x__compare_one | expected, how = None, "XXXX"': "how is read only when expected is not None (the random directions name themselves)",
    "numeric.check.report.x__cotangent | return rng.standard_normal(out.shape).astype(s.dtype).astype(None)": "astype(None) is astype(float64)",
    "numeric.check.report.x__check | expected_by_kernel = truth(found, layout, s, g) if (found) or True else {}": "recognise returns the layout None whenever it returns the op None, and truth returns {} for a None layout",
    "numeric.check.report.x__check | check = GradientCheck(s.gradient_names.get(name, None), tuple(comparisons))": _RC_NAMED,
    "numeric.check.report.x__check | check = GradientCheck(s.gradient_names.get(name), tuple(comparisons))": _RC_NAMED,
    "numeric.check.report.x__check | check = GradientCheck(s.gradient_names.get(name, ), tuple(comparisons))": _RC_NAMED,
    "numeric.check.report.x__batch | first = next(iter(s.arrays.values()), )": "_batch is called only while checking one of the subject's arrays (_compare_one, _explain), so s.arrays is never empty",
    "numeric.check.report.x__directional | return compare(actual, np.full(array.shape, np.nan), against, None, rtol, atol)": _RC_OTHER_SHAPE,
    "numeric.check.report.x__directional | return compare(actual, np.full(array.shape, np.nan), against, 2, rtol, atol)": _RC_OTHER_SHAPE,
    "numeric.check.report.x__directional | return Comparison(against, error < bound, error, relative)": "< or <= the bound: an error (a difference of a central difference and a dot product) exactly equal to the bound (atol plus a product of norms) does not occur",
    'numeric.check.report.x__directional | relative = error / scale if scale else (0.0 if error == 0 else float("INF"))': "float('INF') is float('inf')",
    "numeric.check.report.x__explain | value = np.asarray(value, dtype=None)": _RC_VALUE_DTYPE,
    "numeric.check.report.x__explain | value = np.asarray(value, )": _RC_VALUE_DTYPE,
    "numeric.check.report.x__explain | if reference is None or value is None and np.shape(value) != array.shape:": "a gradient absent or of another shape gets no comparison with an expected array (compare and _directional return before setting one), so reference is None and the first test already returns",
    'numeric.check.report.x_check_gradients | checks += [GradientCheck(f"{s.name}: {c.name}", c.comparisons, None) for c in part]': _RC_NO_CONVENTION,
    'numeric.check.report.x_check_gradients | checks += [GradientCheck(f"{s.name}: {c.name}", c.comparisons, ) for c in part]': _RC_NO_CONVENTION,
    "numeric.check.report.x_check_gradients | args, y_true = args[:2], args[1]  # check_gradients(loss, predictions, labels)": "the objects style reads only args[0] (the inputs or their shape): a second argument left in args is never read, and y_true is args[1] either way",
    'numeric.check.report.x_check_gradients | notes = [f"{s.name}: {note}" for note in more]': _RC_MICROGRAD_ONLY
    + ", and they have no notes (none of their own, not random, and recognise says nothing of a layout with no inputs): every more is empty",
    'numeric.check.report.x_check_gradients | setup = found[0].setup if (found) or True else ""': _RC_MICROGRAD_ONLY
    + ", always at least three (a + a, a * a, the neuron): found is never empty here",
    'numeric.check.report.x_check_gradients | setup = found[0].setup if found else "XXXX"': _RC_MICROGRAD_ONLY
    + ", always at least three (a + a, a * a, the neuron): found is never empty here",
    'symbolic.steps.x__name | return getattr(None, "__name__", str(func))': _STEPS_NAME,
    'symbolic.steps.x__name | return getattr(func, "__name__", None)': _STEPS_NAME,
    'symbolic.steps.x__name | return getattr(func, "__name__", )': _STEPS_NAME,
    'symbolic.steps.x__name | return getattr(func, "XX__name__XX", str(func))': _STEPS_NAME,
    'symbolic.steps.x__name | return getattr(func, "__NAME__", str(func))': _STEPS_NAME,
    'symbolic.steps.x__name | return getattr(func, "__name__", str(None))': _STEPS_NAME,
    "symbolic.steps.x__function | if outer.has(sp.Derivative, None):  # SymPy does not know it either": _STEPS_SUBS,
    "symbolic.steps.x__function | if outer.has(sp.Derivative, ):  # SymPy does not know it either": _STEPS_SUBS,
    "symbolic.steps.x__function | rule = sp.Eq(sp.Derivative(outer, u_), sp.diff(outer, u_), evaluate=None)": _STEPS_EQ,
    "symbolic.steps.x__function | rule = sp.Eq(sp.Derivative(outer, u_), sp.diff(outer, u_), )": _STEPS_EQ,
    "symbolic.steps.x__function | rule = sp.Eq(sp.Derivative(outer, u_), sp.diff(outer, u_), evaluate=True)": _STEPS_EQ,
    "numeric.optimizer_file.x_describe | for slot, array in zip(SLOTS[kind], _slots(kind, state[name]), strict=None):": _OPTIMIZER_SLOTS,
    "numeric.optimizer_file.x_describe | for slot, array in zip(SLOTS[kind], _slots(kind, state[name]), ):": _OPTIMIZER_SLOTS,
    "numeric.optimizer_file.x_describe | for slot, array in zip(SLOTS[kind], _slots(kind, state[name]), strict=False):": _OPTIMIZER_SLOTS,
    "numeric.layer_specs.x_build | dtype = None": _LAYER_DTYPE,
    'numeric.layer_specs.x_build | layer = BatchNorm(spec["features"], spec["momentum"], spec["eps"], dtype=None)': _LAYER_DTYPE,
    'numeric.layer_specs.x_build | layer = BatchNorm(spec["features"], spec["momentum"], spec["eps"], )': _LAYER_DTYPE,
    'numeric.layer_specs.x_build | layer = LayerNorm(spec["features"], spec["eps"], dtype=None)': _LAYER_DTYPE,
    'numeric.layer_specs.x_build | layer = LayerNorm(spec["features"], spec["eps"], )': _LAYER_DTYPE,
    "symbolic.steps.x_elementwise_sections | derivative = sp.Derivative(sp.Function(entry.name)(x), )": _STEPS_ONE_SYMBOL,
}
