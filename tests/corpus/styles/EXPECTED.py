"""What a gradient checker must say about every entry of the styles corpus.

Each entry of ``ENTRIES`` is a dict:

``file``, ``name``
    the module beside this one and the class (nnfs, book, torch), forward function
    (cs231n) or ``Value`` (micrograd) in it.
``style``
    ``"nnfs"``, ``"book"``, ``"cs231n"``, ``"micrograd"`` or ``"torch"``.
``build``
    for a class to instantiate, a Python expression evaluated after
    ``np.random.seed(SEED)`` with ``np``, ``randn`` (``np.random.randn``) and the
    module's names in scope; ``None`` for functions, torch Functions and micrograd.
``inputs``
    the forward's array arguments in order, name -> (shape, distribution); the
    distributions are ``"randn"``, ``"randn_away"`` (standard normal, resampled where
    ``|x| < 0.05``, away from ReLU's kink), ``"unit"`` (uniform on (0.05, 0.95): a
    sigmoid's output) and ``"positive"`` (uniform on (0.5, 2)). micrograd: each name
    is an operand, and its shape is the number of points the op is evaluated at.
``labels``
    ``None``, or (argument name, kind, classes) with kind ``"indices"``, ``"onehot"``
    (classes wide), ``"binary"`` (0/1 of the prediction's shape) or ``"targets"``
    (standard normal, the prediction's shape).
``forward``, ``backward``
    the calls as text, with the input and label names above, ``g`` for the cotangent
    (an array of the output's shape; losses have none) and ``cache`` for what a
    cs231n forward returned second. ``expr`` replaces them for micrograd: an
    expression in the operands, on which ``.backward()`` is called.
``loss``
    True when the forward's output is a loss: its *mean* is checked (nnfs losses
    return per-sample values, the book's and cs231n's a scalar) and backward takes no
    cotangent. A cs231n loss returns ``(loss, dx)`` from the one call.
``gradients``
    the author's gradient name -> the array it is the gradient of (a forward argument
    or an attribute of the object). Names are the author's: an attribute backward
    stores (``dinputs``, ``dW``, ``d_inputs``); a gradient an object's backward
    *returns* is named by its ``return`` statement (``return dx``, ``return
    input_gradient``; ``.reshape(...)``, ``.copy()``, ``.T`` stripped), and where that
    is an expression, ``d`` + the forward parameter's name + `` (returned)``
    (``dinputs (returned)``); a gradient read off an SGD step backward takes on its
    own parameter, ``d`` + the parameter's name + `` (read off its SGD step)``. cs231n
    and torch: ``d`` + the forward parameter's name (``dx``, ``dw``, ``dgamma``,
    ``dinput``). micrograd: ``a.grad``. (The two suffixed forms are those of
    ``numeric/check/styles/objects.py``.)
``returned``
    the gradient names backward returns, in order (a single one: returned alone, not
    as a tuple); every other gradient is an attribute of the object, or
``sgd_step``
    gradient name -> (parameter attribute, learning rate): backward stepped that
    parameter in place; its gradient is (before - after) / learning rate.
``kind``, ``verdict``
    ``"correct"`` -> ``"pass"``: every gradient matches its finite differences (to
    1e-6 relative in float64, ``_verify.py``).
    ``"buggy"`` -> {gradient name: diagnosis keyword or None}: those gradients are
    wrong (more than 10% off, a wrong shape, or missing), every other one matches. A
    keyword is the start or a stable part of the diagnosis; None: no pattern to name,
    and none may be claimed. Keywords: ``missing``, ``wrong shape`` (``; transposed``
    when the values are the transpose), ``transposed``, ``wrong sign``,
    ``5x too large, the batch size``, ``5x too small, the batch size``,
    ``off by a constant factor: actual = C x expected``, ``off by a factor that
    differs per row`` (one factor per sample, as a per-sample loss gives),
    ``unchanged`` (backward passed the incoming gradient on as it was), ``ignores the
    incoming gradient`` (the result is the gradient for a cotangent of ones) and
    ``regularization``. These are the manifest's words; a checker may say the same
    thing in its own (``tests/test_check_styles.py`` maps them).
    ``"regularized"`` -> {gradient name: "regularization"}: the gradient is that of
    the forward plus exactly the term in ``regularization`` (the gradient of a
    penalty the loss adds, not part of forward); a checker should name the term, or
    subtract it and say so, never call it an unexplained error.
    ``"error"`` -> ``"exit2: ..."``: no verdict is possible; the CLI exits 2 with one
    line naming what follows the colon (which call raised what, or what is missing).
``why``, ``source``
    the mistake in words, and the real code it reproduces or follows.

The batch is 5, unlike any width, so "off by the batch size" is unambiguous.
"""

SEED = 0

ENTRIES = []


def _entry(file, name, style, kind, verdict, *, why="", source="", **how):
    ENTRIES.append(
        dict(
            file=file,
            name=name,
            style=style,
            build=how.get("build"),
            inputs=how["inputs"],
            labels=how.get("labels"),
            forward=how.get("forward"),
            backward=how.get("backward"),
            expr=how.get("expr"),
            loss=how.get("loss", False),
            gradients=how["gradients"],
            returned=how.get("returned", ()),
            regularization=how.get("regularization", {}),
            sgd_step=how.get("sgd_step", {}),
            kind=kind,
            verdict=verdict,
            why=why,
            source=source,
        )
    )


# ----- nnfs_variants.py -----

NNFS = "nnfs_variants.py"
DENSE_IN = {"inputs": ((5, 4), "randn")}
DENSE_GRADS = {"dinputs": "inputs", "dweights": "weights", "dbiases": "biases"}
ACT_IN = {"inputs": ((5, 3), "randn_away")}
LAYER = {"forward": "obj.forward(inputs)", "backward": "obj.backward(g)"}
NNFS_LOSS = {
    "forward": "obj.forward(y_pred, y_true)",
    "backward": "obj.backward(y_pred, y_true)",
    "loss": True,
    "gradients": {"dinputs": "y_pred"},
}

_entry(
    NNFS,
    "Layer_Dense",
    "nnfs",
    "correct",
    "pass",
    build="Layer_Dense(4, 3)",
    inputs=DENSE_IN,
    gradients=DENSE_GRADS,
    **LAYER,
    why="the book's dense layer, regularisers at their default 0",
    source="Sentdex/nnfs_book Chapter_15/Ch15_Final.py",
)
_entry(
    NNFS,
    "Layer_Dense",
    "nnfs",
    "regularized",
    {"dweights": "regularization"},
    build="Layer_Dense(4, 3, weight_regularizer_l2=5e-4)",
    inputs=DENSE_IN,
    gradients=DENSE_GRADS,
    **LAYER,
    regularization={"dweights": "2 * 5e-4 * obj.weights"},
    why="dweights += 2 * l2 * weights (lambda 5e-4), as the book does in backward; with "
    "the book's 0.01 * randn weights the term is ~1e-5 next to entries ~1",
    source="Sentdex/nnfs_book Chapter_15/Ch15_Final.py (chapter 14's L2)",
)
_entry(
    NNFS,
    "Layer_Dense",
    "nnfs",
    "regularized",
    {"dweights": "regularization"},
    build="Layer_Dense(4, 3, weight_regularizer_l1=5e-4)",
    inputs=DENSE_IN,
    gradients=DENSE_GRADS,
    **LAYER,
    regularization={"dweights": "5e-4 * np.where(obj.weights < 0, -1.0, 1.0)"},
    why="dweights += l1 * dL1, dL1 = 1 where weights >= 0 and -1 elsewhere",
    source="Sentdex/nnfs_book Chapter_15/Ch15_Final.py (chapter 14's L1)",
)
_entry(
    NNFS,
    "Layer_Dense_ReturnsGradient",
    "nnfs",
    "correct",
    "pass",
    build="Layer_Dense_ReturnsGradient(4, 3)",
    inputs=DENSE_IN,
    gradients={"dinputs (returned)": "inputs", "dweights": "weights", "dbiases": "biases"},
    returned=("dinputs (returned)",),
    **LAYER,
    why="the input gradient is returned, not stored; dweights / dbiases are stored",
    source="learners' variants of the book's Layer_Dense",
)
_entry(
    NNFS,
    "DenseWb",
    "nnfs",
    "correct",
    "pass",
    build="DenseWb(4, 3)",
    inputs={"x": ((5, 4), "randn")},
    forward="obj.forward(x)",
    backward="obj.backward(g)",
    gradients={"dx": "x", "dW": "W", "db": "b"},
    returned=("dx",),
    why="W / b (b 1-D) and dW / db; dx both stored and returned",
    source="Senior2Projects/Neural_Network_Library lib/layers.py",
)
_entry(
    NNFS,
    "DenseWeightsBias",
    "nnfs",
    "correct",
    "pass",
    build="DenseWeightsBias(4, 3)",
    inputs=DENSE_IN,
    **LAYER,
    gradients={"d_inputs": "inputs", "dweights": "weights", "dbias": "bias"},
    why="weights / bias with dweights / dbias; the input gradient stored as d_inputs",
    source="learners' variants of the book's Layer_Dense",
)
_entry(
    NNFS,
    "DenseOutIn",
    "nnfs",
    "correct",
    "pass",
    build="DenseOutIn(4, 3)",
    inputs=DENSE_IN,
    gradients=DENSE_GRADS,
    **LAYER,
    why="weights stored (outputs, inputs) and used as inputs @ weights.T",
    source="Kowallskiy/neural-network-from-scratch f.py (weights (n_neurons, n_inputs))",
)
_entry(
    NNFS,
    "DenseOutIn_BookWeightGradient",
    "nnfs",
    "buggy",
    {"dweights": "wrong shape: expected (3, 4), got (4, 3); transposed"},
    build="DenseOutIn_BookWeightGradient(4, 3)",
    inputs=DENSE_IN,
    gradients=DENSE_GRADS,
    **LAYER,
    why="the book's inputs.T @ dvalues kept after storing the weights (outputs, inputs)",
    source="Kowallskiy/neural-network-from-scratch f.py",
)
_entry(
    NNFS,
    "DenseColumns",
    "nnfs",
    "correct",
    "pass",
    build="DenseColumns(4, 3)",
    inputs={"x": ((4, 5), "randn")},
    forward="obj.forward(x)",
    backward="obj.backward(g)",
    gradients={"dx (returned)": "x", "dW": "W", "db": "b"},
    returned=("dx (returned)",),
    why="inputs as (features, batch) columns: W @ x + b, b of shape (out, 1)",
    source="deeplearning.ai-style linear_forward / linear_backward copies",
)
_entry(
    NNFS,
    "DenseColumns_AveragedGrads",
    "nnfs",
    "buggy",
    {"dW": "5x too small, the batch size", "db": "5x too small, the batch size"},
    build="DenseColumns_AveragedGrads(4, 3)",
    inputs={"x": ((4, 5), "randn")},
    forward="obj.forward(x)",
    backward="obj.backward(g)",
    gradients={"dx (returned)": "x", "dW": "W", "db": "b"},
    returned=("dx (returned)",),
    why="dW and db divided by m in the layer (the course's convention: the loss "
    "gradient fed in is not averaged); dx is not, so the layer is inconsistent",
    source="deeplearning.ai linear_backward, e.g. mofeiyu/dnn dnn/train/layers/linear.py",
)
_entry(
    NNFS,
    "DenseLayerSGD",
    "nnfs",
    "correct",
    "pass",
    build="DenseLayerSGD(4, 3)",
    inputs={"input": ((5, 4), "randn")},
    forward="obj.forward(input)",
    backward="obj.backward(g, 0.1)",
    gradients={
        "input_gradient": "input",
        "dweights (read off its SGD step)": "weights",
        "dbias (read off its SGD step)": "bias",
    },
    returned=("input_gradient",),
    sgd_step={
        "dweights (read off its SGD step)": ("weights", 0.1),
        "dbias (read off its SGD step)": ("bias", 0.1),
    },
    why="backward(output_gradient, learning_rate) steps its own weights and bias and "
    "returns the input gradient, computed before the step; the weight and bias "
    "gradients are local variables, readable only off the step, and the weights must "
    "be put back before the differences",
    source="jakirvk18/neuralNetworkFromScratchDigitPrediction models/layers.py, "
    "manuellthimoty/Tumor-Detection-Optimization-using-FFT DenseLayer.py",
)
_entry(
    NNFS,
    "Layer_Dropout",
    "nnfs",
    "correct",
    "pass",
    build="Layer_Dropout(0.3)",
    inputs={"inputs": ((5, 3), "randn")},
    forward="obj.forward(inputs, training=True)",
    backward="obj.backward(g)",
    gradients={"dinputs": "inputs"},
    why="checked in training mode with the random state put back before every "
    "forward; with training=False forward sets no mask and backward fails",
    source="Sentdex/nnfs_book Chapter_15/Ch15_Final.py (training flag: chapter 19)",
)
_entry(
    NNFS,
    "Layer_Dropout_OutputsTypo",
    "nnfs",
    "error",
    "exit2: forward returned nothing and set no .output (it set .outputs)",
    build="Layer_Dropout_OutputsTypo(0.3)",
    inputs={"inputs": ((5, 3), "randn")},
    **LAYER,
    gradients={"dinputs": "inputs"},
    why="self.outputs for self.output",
    source="deepankargupta856/NeuralNetworkFromScratch layers/dropout.py",
)
_entry(
    NNFS,
    "Activation_ReLU_PassThrough",
    "nnfs",
    "buggy",
    {"dinputs": "unchanged"},
    build="Activation_ReLU_PassThrough()",
    inputs=ACT_IN,
    **LAYER,
    gradients={"dinputs": "inputs"},
    why="dinputs = dvalues: the zero side of the mask is lost",
)
_entry(
    NNFS,
    "Activation_Softmax_Identity",
    "nnfs",
    "buggy",
    {"dinputs": "unchanged"},
    build="Activation_Softmax_Identity()",
    inputs={"inputs": ((5, 3), "randn")},
    **LAYER,
    gradients={"dinputs": "inputs"},
    why="dinputs = dvalues.copy(), right only fused with a loss whose backward already "
    "returns p - y on the logits; wrong for the softmax alone",
)
_entry(
    NNFS,
    "Activation_Sigmoid_Identity",
    "nnfs",
    "buggy",
    {"dinputs": "unchanged"},
    build="Activation_Sigmoid_Identity()",
    inputs={"inputs": ((5, 3), "randn")},
    **LAYER,
    gradients={"dinputs": "inputs"},
    why="the same shortcut for a sigmoid paired with binary cross-entropy",
)
_entry(
    NNFS,
    "Activation_Sigmoid_IgnoresDvalues",
    "nnfs",
    "buggy",
    {"dinputs": "ignores the incoming gradient"},
    build="Activation_Sigmoid_IgnoresDvalues()",
    inputs={"inputs": ((5, 3), "randn")},
    **LAYER,
    gradients={"dinputs": "inputs"},
    why="dinputs = output * (1 - output): the local derivative, dvalues never used",
)
_entry(
    NNFS,
    "Activation_ReLU_CopyTypo",
    "nnfs",
    "error",
    "exit2: backward raised TypeError",
    build="Activation_ReLU_CopyTypo()",
    inputs=ACT_IN,
    **LAYER,
    gradients={"dinputs": "inputs"},
    why="dvalues.copy without the call, then item assignment on a method",
)
_entry(
    NNFS,
    "Activation_ReLU_DebugExit",
    "nnfs",
    "error",
    "exit2: forward raised SystemExit",
    build="Activation_ReLU_DebugExit()",
    inputs=ACT_IN,
    **LAYER,
    gradients={"dinputs": "inputs"},
    why="exit() left in forward: must not end the check with exit 0",
)
_entry(
    NNFS,
    "Activation_Sigmoid_StopInBackward",
    "nnfs",
    "error",
    "exit2: backward raised SystemExit(0)",
    build="Activation_Sigmoid_StopInBackward()",
    inputs={"inputs": ((5, 3), "randn")},
    **LAYER,
    gradients={"dinputs": "inputs"},
    why="raise SystemExit(0) after a correct dinputs: still no verdict, never exit 0",
)
_entry(
    NNFS,
    "Loss_MeanAbsoluteError",
    "nnfs",
    "buggy",
    {"dinputs": "wrong sign"},
    build="Loss_MeanAbsoluteError()",
    inputs={"y_pred": ((5, 3), "randn")},
    labels=("y_true", "targets", 3),
    **NNFS_LOSS,
    why="np.sign(y_true - dvalues): d|t - p|/dp is sign(p - t); the book's own code",
    source="the nnfs book's Loss_MeanAbsoluteError (chapter 17), in many public copies",
)
_entry(
    NNFS,
    "Loss_MeanAbsoluteError_Fixed",
    "nnfs",
    "correct",
    "pass",
    build="Loss_MeanAbsoluteError_Fixed()",
    inputs={"y_pred": ((5, 3), "randn")},
    labels=("y_true", "targets", 3),
    **NNFS_LOSS,
)
_entry(
    NNFS,
    "Loss_MeanSquaredError",
    "nnfs",
    "correct",
    "pass",
    build="Loss_MeanSquaredError()",
    inputs={"y_pred": ((5, 3), "randn")},
    labels=("y_true", "targets", 3),
    **NNFS_LOSS,
    source="the nnfs book's Loss_MeanSquaredError (chapter 17)",
)
_entry(
    NNFS,
    "Loss_RootMeanSquaredError",
    "nnfs",
    "buggy",
    {"dinputs": "off by a factor that differs per row"},
    build="Loss_RootMeanSquaredError()",
    inputs={"y_pred": ((5, 3), "randn")},
    labels=("y_true", "targets", 3),
    **NNFS_LOSS,
    why="MSE's gradient under an RMSE forward: off by 2 * rmse per sample, no one factor",
)
_entry(
    NNFS,
    "Loss_BinaryCrossentropy",
    "nnfs",
    "correct",
    "pass",
    build="Loss_BinaryCrossentropy()",
    inputs={"y_pred": ((5, 3), "unit")},
    labels=("y_true", "binary", 3),
    **NNFS_LOSS,
    source="the nnfs book's Loss_BinaryCrossentropy (chapter 16)",
)
_entry(
    NNFS,
    "Loss_BinaryCrossentropy_NotPerOutput",
    "nnfs",
    "buggy",
    {"dinputs": "off by a constant factor: actual = 3 x expected"},
    build="Loss_BinaryCrossentropy_NotPerOutput()",
    inputs={"y_pred": ((5, 3), "unit")},
    labels=("y_true", "binary", 3),
    **NNFS_LOSS,
    why="forward averages over the 3 outputs, backward does not divide by them",
)
_entry(
    NNFS,
    "Loss_MSE_CalculateOnly",
    "nnfs",
    "error",
    "exit2: Loss_MSE_CalculateOnly has no forward (it has backward and calculate)",
    build="Loss_MSE_CalculateOnly()",
    inputs={"y_pred": ((5, 3), "randn")},
    labels=("y_true", "targets", 3),
    **NNFS_LOSS,
    why="a loss with only calculate(output, y): nothing per-sample to differentiate "
    "by the nnfs protocol",
)

# ----- found in real code in the blind trial (nnfs_variants.py, cs231n_inplace.py) -----

_entry(
    NNFS,
    "DenseDictGradients",
    "nnfs",
    "correct",
    "pass",
    build="DenseDictGradients(4, 3)",
    inputs={"input": ((5, 4), "randn")},
    forward="obj.forward(input)",
    backward="obj.backward(g)",
    gradients={
        "backward()['inputs']": "input",
        "backward()['weights']": "weights",
        "backward()['biases']": "biases",
    },
    why="gradients returned in a dict keyed by what they belong to",
    source="MauroAbidalCarrer/CNN_from_scratch src/layers.py",
)
_entry(
    NNFS,
    "DenseDictGradients_Averaged",
    "nnfs",
    "buggy",
    {"backward()['weights']": "5x too small, the batch size"},
    build="DenseDictGradients_Averaged(4, 3)",
    inputs={"input": ((5, 4), "randn")},
    forward="obj.forward(input)",
    backward="obj.backward(g)",
    gradients={
        "backward()['inputs']": "input",
        "backward()['weights']": "weights",
        "backward()['biases']": "biases",
    },
    why="the weights' gradient divided by the batch size once more",
    source="MauroAbidalCarrer/CNN_from_scratch src/layers.py (Linear)",
)
_entry(
    NNFS,
    "BinaryCrossentropy_TargetsFirst",
    "nnfs",
    "correct",
    "pass",
    build="BinaryCrossentropy_TargetsFirst()",
    inputs={"y_pred": ((5, 3), "unit")},
    labels=("y_true", "binary", 3),
    forward="obj.forward(y_true, y_pred)",
    backward="obj.backward(y_true, y_pred)",
    loss=True,
    gradients={"dy_pred (returned)": "y_pred"},
    why="forward(y_true, y_pred): the targets first",
    source="MauroAbidalCarrer/CNN_from_scratch src/losses.py",
)
_entry(
    NNFS,
    "BinaryCrossentropy_TargetsFirst_Summed",
    "nnfs",
    "buggy",
    {"dy_pred (returned)": "15x too large, the batch size times the number of outputs"},
    build="BinaryCrossentropy_TargetsFirst_Summed()",
    inputs={"y_pred": ((5, 3), "unit")},
    labels=("y_true", "binary", 3),
    forward="obj.forward(y_true, y_pred)",
    backward="obj.backward(y_true, y_pred)",
    loss=True,
    gradients={"dy_pred (returned)": "y_pred"},
    why="the gradient of the summed loss under a forward that means over both axes",
    source="MauroAbidalCarrer/CNN_from_scratch src/losses.py",
)
_entry(
    "cs231n_inplace.py",
    "softmax_loss",
    "cs231n",
    "correct",
    "pass",
    inputs={"x": ((5, 3), "randn")},
    labels=("y", "indices", 3),
    loss=True,
    forward="softmax_loss(x, y)",
    gradients={"dx": "x"},
    returned=("dx",),
    why="logits -= max on the caller's array: right, if the checker passes copies",
    source="AnirudhM1/CS231n-2022-Solutions assignment2/cs231n/layers.py",
)
_entry(
    "cs231n_inplace.py",
    "affine_forward_naive",
    "cs231n",
    "correct",
    "pass",
    inputs={"x": ((5, 4), "randn"), "w": ((4, 3), "randn"), "b": ((3,), "randn")},
    forward="affine_forward_naive(x, w, b)",
    backward="affine_backward_naive(g, cache)",
    gradients={"dx": "x", "dw": "w", "db": "b"},
    returned=("dx", "dw", "db"),
    why="the backward is affine_backward_naive, as conv_backward_naive in the assignment",
    source="cs231n assignment2 conv_forward_naive / conv_backward_naive naming",
)

# ----- book_layers.py -----

BOOK = "book_layers.py"
BOOK_LAYER = {"forward": "obj.forward(x)", "backward": "obj.backward(g)"}
BOOK_X = {"x": ((5, 3), "randn")}
AFFINE = {"x": ((5, 4), "randn")}
AFFINE_GRADS = {"dx": "x", "dW": "W", "db": "b"}
BOOK_SRC = "oreilly-japan/deep-learning-from-scratch common/layers.py"
SOFTMAX_LOSS = {
    "forward": "obj.forward(x, t)",
    "backward": "obj.backward()",
    "loss": True,
    "gradients": {"dx": "x"},
    "returned": ("dx",),
}

_entry(
    BOOK,
    "MulLayer",
    "book",
    "correct",
    "pass",
    build="MulLayer()",
    inputs={"x": ((5, 3), "randn"), "y": ((5, 3), "randn")},
    forward="obj.forward(x, y)",
    backward="obj.backward(g)",
    gradients={"dx": "x", "dy": "y"},
    returned=("dx", "dy"),
    source="the book's chapter 5 layers/layer_naive.py",
)
_entry(
    BOOK,
    "AddLayer",
    "book",
    "correct",
    "pass",
    build="AddLayer()",
    inputs={"x": ((5, 3), "randn"), "y": ((5, 3), "randn")},
    forward="obj.forward(x, y)",
    backward="obj.backward(g)",
    gradients={"dx": "x", "dy": "y"},
    returned=("dx", "dy"),
)
_entry(
    BOOK,
    "Relu",
    "book",
    "correct",
    "pass",
    build="Relu()",
    inputs={"x": ((5, 3), "randn_away")},
    **BOOK_LAYER,
    gradients={"dx": "x"},
    returned=("dx",),
    source=BOOK_SRC,
    why="backward zeroes dout in place and returns it: the checker must hand it a copy "
    "of the cotangent and keep its own",
)
_entry(
    BOOK,
    "Sigmoid",
    "book",
    "correct",
    "pass",
    build="Sigmoid()",
    inputs=BOOK_X,
    **BOOK_LAYER,
    gradients={"dx": "x"},
    returned=("dx",),
    source=BOOK_SRC,
)
_entry(
    BOOK,
    "Affine",
    "book",
    "correct",
    "pass",
    build="Affine(randn(4, 3), randn(3))",
    inputs=AFFINE,
    **BOOK_LAYER,
    gradients=AFFINE_GRADS,
    returned=("dx",),
    source=BOOK_SRC,
)
_entry(
    BOOK,
    "Affine",
    "book",
    "correct",
    "pass",
    build="Affine(randn(4, 3), randn(3))",
    inputs={"x": ((5, 2, 2), "randn")},
    **BOOK_LAYER,
    gradients=AFFINE_GRADS,
    returned=("dx",),
    source=BOOK_SRC,
    why="a (5, 2, 2) input flattened to rows in forward, dx reshaped back",
)
_entry(
    BOOK,
    "SoftmaxWithLoss",
    "book",
    "correct",
    "pass",
    build="SoftmaxWithLoss()",
    inputs=BOOK_X,
    labels=("t", "indices", 3),
    **SOFTMAX_LOSS,
    source=BOOK_SRC + " and common/functions.py",
    why="backward(dout=1) ignores dout; the forward's log(y + 1e-7) makes p - t differ "
    "from the differences by about 1e-7 / p_t relative (see _verify.py)",
)
_entry(
    BOOK,
    "SoftmaxWithLoss",
    "book",
    "correct",
    "pass",
    build="SoftmaxWithLoss()",
    inputs=BOOK_X,
    labels=("t", "onehot", 3),
    **SOFTMAX_LOSS,
    source=BOOK_SRC,
    why="one-hot targets: the (y - t) / batch_size branch",
)
_entry(
    BOOK,
    "Dropout",
    "book",
    "correct",
    "pass",
    build="Dropout(0.5)",
    inputs=BOOK_X,
    forward="obj.forward(x, train_flg=True)",
    backward="obj.backward(g)",
    gradients={"dx (returned)": "x"},
    returned=("dx (returned)",),
    source=BOOK_SRC,
    why="np.random.rand mask; checked with train_flg=True and the random state put back "
    "before every forward (test mode scales instead and backward has no mask)",
)
_entry(
    BOOK,
    "BatchNormalization",
    "book",
    "correct",
    "pass",
    build="BatchNormalization(1 + 0.1 * randn(3), 0.1 * randn(3))",
    inputs=BOOK_X,
    forward="obj.forward(x, train_flg=True)",
    backward="obj.backward(g)",
    gradients={"dx": "x", "dgamma": "gamma", "dbeta": "beta"},
    returned=("dx",),
    source=BOOK_SRC,
    why="batch statistics (train_flg=True); running averages change "
    "at every forward and must not matter",
)
_entry(
    BOOK,
    "AffineTransposedDW",
    "book",
    "buggy",
    {"dW": "wrong shape: expected (4, 3), got (3, 4); transposed"},
    build="AffineTransposedDW(randn(4, 3), randn(3))",
    inputs=AFFINE,
    **BOOK_LAYER,
    gradients=AFFINE_GRADS,
    returned=("dx",),
    why="dW = dout.T @ x",
)
_entry(
    BOOK,
    "AffineTransposedDW",
    "book",
    "buggy",
    {"dW": "transposed"},
    build="AffineTransposedDW(randn(3, 3), randn(3))",
    inputs={"x": ((5, 3), "randn")},
    **BOOK_LAYER,
    gradients=AFFINE_GRADS,
    returned=("dx",),
    why="square W: the shape is right, the values are the transpose",
)
_entry(
    BOOK,
    "AffineNoSumDb",
    "book",
    "buggy",
    {"db": "wrong shape: expected (3,), got (5, 3)"},
    build="AffineNoSumDb(randn(4, 3), randn(3))",
    inputs=AFFINE,
    **BOOK_LAYER,
    gradients=AFFINE_GRADS,
    returned=("dx",),
    why="db = dout, not summed over the batch",
    source="seitamuro/Handmade_Backpropagation layers.py",
)
_entry(
    BOOK,
    "AffineLocalGrads",
    "book",
    "buggy",
    {"dW": "missing", "db": "missing"},
    build="AffineLocalGrads(randn(4, 3), randn(3))",
    inputs=AFFINE,
    **BOOK_LAYER,
    gradients=AFFINE_GRADS,
    returned=("dx",),
    why="dW and db are local variables; the attributes stay None",
    source="TaeSanKIM/python deep_learning/.../taesan/Affine.py",
)
_entry(
    BOOK,
    "ReluNoMask",
    "book",
    "buggy",
    {"dx": "unchanged"},
    build="ReluNoMask()",
    inputs={"x": ((5, 3), "randn_away")},
    **BOOK_LAYER,
    gradients={"dx": "x"},
    returned=("dx",),
    why="backward returns dout as it came",
)
_entry(
    BOOK,
    "SigmoidNoReturn",
    "book",
    "buggy",
    {"dx": "missing"},
    build="SigmoidNoReturn()",
    inputs=BOOK_X,
    **BOOK_LAYER,
    gradients={"dx": "x"},
    returned=("dx",),
    why="dx computed, backward returns None",
    source="bernard-choi/CS231n 2_Backpropagation_and_NN/Sigmoid.py",
)
_entry(
    BOOK,
    "SigmoidExpSign",
    "book",
    "buggy",
    {"dx": "wrong sign"},
    build="SigmoidExpSign()",
    inputs=BOOK_X,
    **BOOK_LAYER,
    gradients={"dx": "x"},
    returned=("dx",),
    why="forward 1 / (1 + exp(x)) is sigmoid(-x); the textbook backward has its sign wrong for it",
)
_entry(
    BOOK,
    "SoftmaxWithLossNoBatchDiv",
    "book",
    "buggy",
    {"dx": "5x too large, the batch size"},
    build="SoftmaxWithLossNoBatchDiv()",
    inputs=BOOK_X,
    labels=("t", "indices", 3),
    **SOFTMAX_LOSS,
    why="forward's mean over the batch, backward without / batch_size",
)
_entry(
    BOOK,
    "SoftmaxWithLossNoBatchDiv",
    "book",
    "buggy",
    {"dx": "5x too large, the batch size"},
    build="SoftmaxWithLossNoBatchDiv()",
    inputs=BOOK_X,
    labels=("t", "onehot", 3),
    **SOFTMAX_LOSS,
)
_entry(
    BOOK,
    "BatchNormalizationWrongBackward",
    "book",
    "buggy",
    {"dx": None},
    build="BatchNormalizationWrongBackward(1 + 0.1 * randn(3), 0.1 * randn(3))",
    inputs=BOOK_X,
    forward="obj.forward(x, train_flg=True)",
    backward="obj.backward(g)",
    gradients={"dx": "x", "dgamma": "gamma", "dbeta": "beta"},
    returned=("dx",),
    why="dx = gamma * dout / std: the batch mean and variance treated as constants",
)

# ----- cs231n_layers.py and cs231n_buggy_*.py -----

CS = "cs231n_layers.py"
CS_SRC = "kaiweihuang/CS231n assignment2/cs231n/layers.py"
AFF = {"x": ((5, 4), "randn"), "w": ((4, 3), "randn"), "b": ((3,), "randn")}
AFF_GRADS = {"dx": "x", "dw": "w", "db": "b"}
AFF_CALLS = {
    "forward": "affine_forward(x, w, b)",
    "backward": "affine_backward(g, cache)",
    "returned": ("dx", "dw", "db"),
}
BN = {"x": ((5, 3), "randn"), "gamma": ((3,), "randn"), "beta": ((3,), "randn")}
BN_CALLS = {
    "forward": "batchnorm_forward(x, gamma, beta, {'mode': 'train'})",
    "backward": "batchnorm_backward(g, cache)",
    "gradients": {"dx": "x", "dgamma": "gamma", "dbeta": "beta"},
    "returned": ("dx", "dgamma", "dbeta"),
}
CS_LOSS = {
    "inputs": {"x": ((5, 3), "randn")},
    "labels": ("y", "indices", 3),
    "loss": True,
    "gradients": {"dx": "x"},
    "returned": ("dx",),
}

_entry(
    CS,
    "affine_forward",
    "cs231n",
    "correct",
    "pass",
    inputs=AFF,
    gradients=AFF_GRADS,
    **AFF_CALLS,
    source=CS_SRC,
)
_entry(
    CS,
    "affine_forward",
    "cs231n",
    "correct",
    "pass",
    inputs={"x": ((5, 2, 2), "randn"), "w": ((4, 3), "randn"), "b": ((3,), "randn")},
    gradients=AFF_GRADS,
    **AFF_CALLS,
    source=CS_SRC,
    why="x of shape (N, d1, d2) reshaped to rows; dx reshaped back",
)
_entry(
    CS,
    "relu_forward",
    "cs231n",
    "correct",
    "pass",
    inputs={"x": ((5, 3), "randn_away")},
    forward="relu_forward(x)",
    backward="relu_backward(g, cache)",
    gradients={"dx": "x"},
    returned=("dx",),
    source=CS_SRC,
)
_entry(
    CS,
    "sigmoid",
    "cs231n",
    "correct",
    "pass",
    inputs={"x": ((5, 3), "randn")},
    forward="sigmoid(x)",
    backward="sigmoid_backward(g, cache)",
    gradients={"dx": "x"},
    returned=("dx",),
    why="a forward not named *_forward: its backward is sigmoid_backward",
    source="the rnn handout's sigmoid helper, with a cache like the others",
)
_entry(
    CS,
    "batchnorm_forward",
    "cs231n",
    "correct",
    "pass",
    inputs=BN,
    **BN_CALLS,
    source=CS_SRC + "; Kratzert's staged backward",
)
_entry(
    CS,
    "dropout_forward",
    "cs231n",
    "correct",
    "pass",
    inputs={"x": ((5, 3), "randn")},
    forward="dropout_forward(x, {'mode': 'train', 'p': 0.6, 'seed': 123})",
    backward="dropout_backward(g, cache)",
    gradients={"dx": "x"},
    returned=("dx",),
    source=CS_SRC,
    why="seeded: the forward reseeds NumPy's global generator itself",
)
_entry(
    CS,
    "dropout_forward",
    "cs231n",
    "correct",
    "pass",
    inputs={"x": ((5, 3), "randn")},
    forward="dropout_forward(x, {'mode': 'train', 'p': 0.6})",
    backward="dropout_backward(g, cache)",
    gradients={"dx": "x"},
    returned=("dx",),
    source=CS_SRC,
    why="no seed: the checker must freeze the global random state",
)
_entry(
    CS,
    "svm_loss",
    "cs231n",
    "correct",
    "pass",
    **CS_LOSS,
    forward="svm_loss(x, y)",
    source="iznauy/conv_neuron_network loss_functions.py",
)
_entry(
    CS,
    "softmax_loss",
    "cs231n",
    "correct",
    "pass",
    **CS_LOSS,
    forward="softmax_loss(x, y)",
    source="hurricanelx/LxNet LxNet/Layers/Softmax.py",
)
_entry(
    "cs231n_buggy_batchnorm.py",
    "batchnorm_forward",
    "cs231n",
    "buggy",
    {"dx": None},
    inputs=BN,
    **BN_CALLS,
    why="dx = dout * gamma / sqrt(var + eps): the paths through mean and var forgotten",
)
_entry(
    "cs231n_buggy_affine.py",
    "affine_forward",
    "cs231n",
    "buggy",
    {"dw": "wrong shape: expected (4, 3), got (3, 4); transposed"},
    inputs=AFF,
    gradients=AFF_GRADS,
    **AFF_CALLS,
    why="dw = dout.T.dot(x)",
)
_entry(
    "cs231n_buggy_affine.py",
    "affine_forward",
    "cs231n",
    "buggy",
    {"dw": "transposed"},
    inputs={"x": ((5, 3), "randn"), "w": ((3, 3), "randn"), "b": ((3,), "randn")},
    gradients=AFF_GRADS,
    **AFF_CALLS,
    why="square w: right shape, transposed values",
)
_entry(
    "cs231n_buggy_affine_db.py",
    "affine_forward",
    "cs231n",
    "buggy",
    {"db": "wrong shape: expected (3,), got (5,)"},
    inputs=AFF,
    gradients=AFF_GRADS,
    **AFF_CALLS,
    why="db = np.sum(dout, axis=1)",
)
_entry(
    "cs231n_buggy_softmax.py",
    "softmax_loss",
    "cs231n",
    "buggy",
    {"dx": "5x too large, the batch size"},
    **CS_LOSS,
    forward="softmax_loss(x, y)",
    why="loss / N, dx not",
)
_entry(
    "cs231n_buggy_relu.py",
    "relu_forward",
    "cs231n",
    "buggy",
    {"dx": "wrong shape"},
    inputs={"x": ((5, 3), "randn_away")},
    forward="relu_forward(x)",
    backward="relu_backward(g, cache)",
    gradients={"dx": "x"},
    returned=("dx",),
    why="dout[x > 0]: a 1-D array of the kept elements, shape (k,) for a (5, 3) x",
)
_entry(
    "cs231n_buggy_dropout.py",
    "dropout_forward",
    "cs231n",
    "buggy",
    {"dx": "off by a constant factor: actual = 0.5 x expected"},
    inputs={"x": ((5, 3), "randn")},
    forward="dropout_forward(x, {'mode': 'train', 'p': 0.5})",
    backward="dropout_backward(g, cache)",
    gradients={"dx": "x"},
    returned=("dx",),
    why="forward scales by 1 / p, backward multiplies by the 0/1 mask alone",
)

# ----- micrograd_engine.py and micrograd_buggy_*.py -----

MG = "micrograd_engine.py"
MG_SRC = "karpathy/micrograd micrograd/engine.py"
AB = {"a": ((6,), "randn"), "b": ((6,), "randn_away")}
A = {"a": ((6,), "randn_away")}
APOS = {"a": ((6,), "positive")}


def _op(file, expr, inputs, kind="correct", verdict="pass", why="", source=MG_SRC):
    grads = {f"{name}.grad": name for name in inputs}
    _entry(
        file,
        "Value",
        "micrograd",
        kind,
        verdict,
        inputs=inputs,
        expr=expr,
        gradients=grads,
        why=why,
        source=source,
    )


for expr, inputs in [
    ("a + b", AB),
    ("a * b", AB),
    ("a - b", AB),
    ("a / b", AB),
    ("a ** 3", A),
    ("a ** -2", A),
    ("a ** 0.5", APOS),
    ("-a", A),
    ("2 + a", A),
    ("3 * a", A),
    ("2 - a", A),
    ("2 / a", A),
    ("a.relu()", A),
    ("a.tanh()", A),
    ("a.exp()", A),
    ("a.log()", APOS),
    ("a.sigmoid()", A),
    ("a + a", A),
    ("a * a", A),
    ("(a + b) * a", AB),
    ("(a * b + a).tanh()", AB),
    ("a.tanh() + a", A),
]:
    _op(MG, expr, inputs)

MUL = "micrograd_buggy_mul.py"
_op(MUL, "a * b", AB, "buggy", {"b.grad": None}, "other.grad += other.data * out.grad")
_op(MUL, "a / b", AB, "buggy", {"b.grad": None}, "a * b**-1: b**-1 is the other side")
_op(MUL, "(a * b + a).tanh()", AB, "buggy", {"b.grad": None})
_op(MUL, "a * a", A, why="self and other are one node: a + a = 2a, right by accident")
_op(MUL, "-a", A, why="a * -1: a is the self side")
_op(MUL, "3 * a", A, why="__rmul__ makes it a * 3: a is the self side")
_op(MUL, "a + b", AB)

OVER = "micrograd_buggy_overwrite.py"
OVER_SRC = "QingZhou-YangHY/Micrograd engine.py; the bug of Karpathy's video"
_op(
    OVER,
    "a + a",
    A,
    "buggy",
    {"a.grad": "off by a constant factor: actual = 0.5 x expected"},
    "self.grad = out.grad, then other.grad = out.grad on the same node: 1, not 2",
    OVER_SRC,
)
_op(
    OVER,
    "(a + b) * a",
    AB,
    "buggy",
    {"a.grad": None},
    "the + closure runs after the * gave a its share, and overwrites it",
    OVER_SRC,
)
_op(OVER, "a + b", AB, source=OVER_SRC)
_op(OVER, "a * b", AB, source=OVER_SRC)
_op(
    OVER,
    "a.tanh() + a",
    A,
    source=OVER_SRC,
    why="a used twice, but the + closure runs first and the tanh one adds after it: hidden",
)
_op(
    OVER,
    "(a * b + a).tanh()",
    AB,
    source=OVER_SRC,
    why="a used twice, but the + closure runs before the * one adds: hidden",
)

TANH = "micrograd_buggy_tanh.py"
_op(TANH, "a.tanh()", A, "buggy", {"a.grad": None}, "(1 - t) for (1 - t**2)")
_op(TANH, "(a * b + a).tanh()", AB, "buggy", {"a.grad": None, "b.grad": None})
_op(TANH, "a.tanh() + a", A, "buggy", {"a.grad": None})
_op(TANH, "a * b", AB)
_op(TANH, "a.sigmoid()", A)

# ----- torch_functions.py (only where torch is installed) -----

TORCH = "torch_functions.py"
TORCH_DOCS = "Extending PyTorch notes (LinearFunction), e.g. Jxinmeng/nlp-xu pytorch/linear.py"
LINEAR = {"input": ((5, 4), "randn"), "weight": ((3, 4), "randn"), "bias": ((3,), "randn")}
LINEAR_GRADS = {"dinput": "input", "dweight": "weight", "dbias": "bias"}


def _fn(name, kind, verdict, inputs, why="", source=""):
    args = ", ".join(inputs)
    grads = {f"d{n}": n for n in inputs}
    _entry(
        TORCH,
        name,
        "torch",
        kind,
        verdict,
        inputs=inputs,
        forward=f"{name}.apply({args})",
        backward=f"{name}.backward(ctx, g)",
        gradients=grads,
        returned=tuple(grads),
        why=why,
        source=source,
    )


_fn(
    "MyReLU",
    "correct",
    "pass",
    {"input": ((5, 3), "randn_away")},
    source="qpzm/pytorch-tutorials PyTorchExamples/MyReLU.py",
)
_fn("MySigmoid", "correct", "pass", {"input": ((5, 3), "randn")})
_fn(
    "MyExp",
    "correct",
    "pass",
    {"i": ((5, 3), "randn")},
    source="the Function docstring's Exp (huangrt01/CS-Notes pytorch-autograd.py)",
)
_fn("MyLinear", "correct", "pass", LINEAR, source=TORCH_DOCS)
_fn(
    "MyLinearWrongWeightGrad",
    "buggy",
    {"dweight": "wrong shape: expected (3, 4), got (4, 3); transposed"},
    LINEAR,
    why="input.t().mm(grad_output); through autograd the engine itself raises "
    "RuntimeError (invalid gradient at index 1), so call backward directly",
)
_fn(
    "MyLinearWrongWeightGrad",
    "buggy",
    {"dweight": "transposed"},
    {"input": ((5, 3), "randn"), "weight": ((3, 3), "randn"), "bias": ((3,), "randn")},
    why="square weight: autograd accepts the shape, the values are the transpose",
)
_fn(
    "MySigmoidWrong",
    "buggy",
    {"dinput": None},
    {"input": ((5, 3), "randn")},
    why="grad_output * s: the (1 - s) factor is missing",
)
_fn(
    "MyTanhWrongSign",
    "buggy",
    {"dinput": "wrong sign"},
    {"input": ((5, 3), "randn")},
    why="t**2 - 1 for 1 - t**2",
)
_fn(
    "MySigmoidPlusTypo",
    "buggy",
    {"dx": None},
    {"x": ((5, 3), "randn")},
    why="output + (1 - output) * grad_output: not even linear in grad_output",
    source="pangbochen/pytorch_cookbook chapter3_2_extend_autograd.py",
)
_fn(
    "MySigmoidUnpackCrash",
    "error",
    "exit2: backward raised ValueError",
    {"x": ((5, 3), "randn")},
    why="output, _ = ctx.saved_tensors with one tensor saved",
    source="pangbochen/pytorch_cookbook chapter3_2_extend_autograd.py",
)
_fn(
    "MySigmoidReluBackward",
    "buggy",
    {"dinput": "unchanged"},
    {"input": ((5, 3), "randn")},
    why="ReLU's backward under a sigmoid forward: output < 0 never holds",
)

# ----- nnfs_norm_layers.py: batch norm, layer norm and dropout (issue 15) -----

NORM = "nnfs_norm_layers.py"
NORM_IN = {"inputs": ((6, 4), "randn")}
NORM_GRADS = {"dinputs": "inputs", "dgamma": "gamma", "dbeta": "beta"}
NORM_CALLS = {"forward": "obj.forward(inputs, training=True)", "backward": "obj.backward(g)"}
NORM_SRC = "cs231n batchnorm_backward_alt; Kratzert's staged batchnorm graph"
_entry(
    NORM,
    "Layer_BatchNorm",
    "nnfs",
    "correct",
    "pass",
    build="Layer_BatchNorm(4)",
    inputs=NORM_IN,
    **NORM_CALLS,
    gradients=NORM_GRADS,
    why="recognised as batch_norm (eps read off the forward), checked against its kernels",
    source=NORM_SRC,
)
_entry(
    NORM,
    "Layer_BatchNorm_NoMeanPath",
    "nnfs",
    "buggy",
    {"dinputs": None},
    build="Layer_BatchNorm_NoMeanPath(4)",
    inputs={"inputs": ((3, 4), "randn")},  # the lost term, mean(dxhat) / std, ~ 1/sqrt(N)
    **NORM_CALLS,
    gradients=NORM_GRADS,
    why="the - sum(dxhat) term of the path through the mean is missing",
)
_entry(
    NORM,
    "Layer_LayerNorm",
    "nnfs",
    "correct",
    "pass",
    build="Layer_LayerNorm(4)",
    inputs=NORM_IN,
    **NORM_CALLS,
    gradients=NORM_GRADS,
    why="recognised as layer_norm, checked against its kernels",
    source=NORM_SRC + ", over the features",
)
_entry(
    NORM,
    "Layer_LayerNorm_BatchAxis",
    "nnfs",
    "buggy",
    {"dinputs": None},
    build="Layer_LayerNorm_BatchAxis(4)",
    inputs=NORM_IN,
    **NORM_CALLS,
    gradients=NORM_GRADS,
    why="BatchNorm's backward (sums over axis 0) for a forward over axis 1",
)
_entry(
    NORM,
    "Layer_Dropout_UnscaledBackward",
    "nnfs",
    "buggy",
    {"dinputs": "off by a constant factor: actual = 0.7 x expected"},
    build="Layer_Dropout_UnscaledBackward(0.3)",
    inputs={"inputs": ((5, 3), "randn")},
    **NORM_CALLS,
    gradients={"dinputs": "inputs"},
    why="forward scales by 1 / keep, backward multiplies by the 0/1 mask alone",
)
