"""nnfs-like objects with ``forward`` / ``backward``, in the variations real code has.

Style: "Neural Networks from Scratch in Python" (Kinsley & Kukiela) and the many
repositories written while reading it: ``forward(inputs)`` sets ``.output``,
``backward(dvalues)`` sets ``.dinputs``, ``.dweights``, ``.dbiases``. Learners' code
departs from the book in the ways gathered here: a backward that returns the input
gradient instead of storing it, other attribute names (``d_inputs``, ``dx``, ``W`` /
``dW``, ``bias`` / ``dbias``), weights stored (outputs, inputs), inputs as (features,
batch) columns, an SGD step inside ``backward``.

Real code read before writing this (none of it copied):

* Sentdex/nnfs_book ``Chapter_15/Ch15_Final.py``: ``Layer_Dense`` with
  ``weight_regularizer_l1/l2`` added into ``dweights`` in ``backward`` (``2 * l2 *
  weights``, ``l1 * dL1``), ``Layer_Dropout`` with ``np.random.binomial``, ``Loss.calculate``.
* the book's ``Loss_MeanAbsoluteError.backward``, ``np.sign(y_true - dvalues) / outputs``,
  as repeated in dozens of public copies: the sign is wrong (d|t - p|/dp = sign(p - t)).
* Kowallskiy/neural-network-from-scratch ``f.py`` (weights stored (n_neurons, n_inputs)),
  yeahia2508/ml_from_scratch ``ann/layer_dense.py`` (L2 added into the gradients),
  deepankargupta856/NeuralNetworkFromScratch ``layers/dropout.py`` (forward sets
  ``self.outputs``, so there is no ``.output``), jakirvk18/neuralNetworkFromScratchDigitPrediction
  ``models/layers.py`` and manuellthimoty/Tumor-Detection-Optimization-using-FFT
  ``DenseLayer.py`` (``backward(output_gradient, learning_rate)`` updates the weights and
  returns the input gradient), deeplearning.ai-style ``linear_backward`` copies (column
  batches, ``dW = dZ @ A_prev.T / m``).

Every class is plain NumPy; ``tests/corpus/styles/EXPECTED.py`` says what a checker
must report for each.
"""

import numpy as np

# ----- dense layers -----


class Layer_Dense:
    """The book's dense layer (chapter 14 on), regularisation gradients included."""

    def __init__(
        self,
        n_inputs,
        n_neurons,
        weight_regularizer_l1=0,
        weight_regularizer_l2=0,
        bias_regularizer_l1=0,
        bias_regularizer_l2=0,
    ):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))
        self.weight_regularizer_l1 = weight_regularizer_l1
        self.weight_regularizer_l2 = weight_regularizer_l2
        self.bias_regularizer_l1 = bias_regularizer_l1
        self.bias_regularizer_l2 = bias_regularizer_l2

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)

        # gradients of the regularisation terms the loss adds (not part of forward)
        if self.weight_regularizer_l1 > 0:
            dL1 = np.ones_like(self.weights)
            dL1[self.weights < 0] = -1
            self.dweights += self.weight_regularizer_l1 * dL1
        if self.weight_regularizer_l2 > 0:
            self.dweights += 2 * self.weight_regularizer_l2 * self.weights
        if self.bias_regularizer_l1 > 0:
            dL1 = np.ones_like(self.biases)
            dL1[self.biases < 0] = -1
            self.dbiases += self.bias_regularizer_l1 * dL1
        if self.bias_regularizer_l2 > 0:
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases

        self.dinputs = np.dot(dvalues, self.weights.T)


class Layer_Dense_ReturnsGradient:
    """Stores dweights / dbiases but returns the input gradient instead of storing it."""

    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases
        return self.output

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        return np.dot(dvalues, self.weights.T)


class DenseWb:
    """``W`` / ``b`` (b 1-D) with ``dW`` / ``db``; the input gradient stored as ``dx``."""

    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_in, n_out) * np.sqrt(2.0 / n_in)
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        self.dx = dout @ self.W.T
        return self.dx


class DenseWeightsBias:
    """``weights`` / ``bias`` with ``dweights`` / ``dbias``; input gradient in ``d_inputs``."""

    def __init__(self, n_inputs, n_outputs):
        self.weights = np.random.uniform(-1, 1, (n_inputs, n_outputs)) / np.sqrt(n_inputs)
        self.bias = np.random.uniform(-0.1, 0.1, (1, n_outputs))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.matmul(inputs, self.weights) + self.bias

    def backward(self, dvalues):
        self.dweights = np.matmul(self.inputs.T, dvalues)
        self.dbias = dvalues.sum(axis=0, keepdims=True)
        self.d_inputs = np.matmul(dvalues, self.weights.T)


class DenseOutIn:
    """Weights stored (outputs, inputs), as ``torch.nn.Linear`` does: ``inputs @ W.T``."""

    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.1 * np.random.randn(n_neurons, n_inputs)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights.T + self.biases

    def backward(self, dvalues):
        self.dweights = dvalues.T @ self.inputs  # (outputs, inputs), like the weights
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights


class DenseOutIn_BookWeightGradient(DenseOutIn):
    """The book's ``inputs.T @ dvalues`` kept after storing the weights (outputs, inputs)."""

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues  # (inputs, outputs): the transpose
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights


class DenseColumns:
    """Inputs as (features, batch) columns: ``W @ x + b`` with ``b`` of shape (out, 1)."""

    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_out, n_in) * 0.1
        self.b = np.zeros((n_out, 1))

    def forward(self, x):
        self.x = x
        self.Z = self.W @ x + self.b
        return self.Z

    def backward(self, dZ):
        self.dW = dZ @ self.x.T
        self.db = np.sum(dZ, axis=1, keepdims=True)
        return self.W.T @ dZ


class DenseColumns_AveragedGrads(DenseColumns):
    """deeplearning.ai's ``linear_backward``: dW and db averaged over the batch here.

    Right only when the loss gradient fed in was not averaged; dx is not averaged,
    so the layer on its own has dW and db m times too small.
    """

    def backward(self, dZ):
        m = self.x.shape[1]
        self.dW = 1.0 / m * (dZ @ self.x.T)
        self.db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
        return self.W.T @ dZ


class DenseLayerSGD:
    """``backward(output_gradient, learning_rate)`` takes an SGD step on its own weights.

    The weight and bias gradients are local variables; only the input gradient,
    computed before the step, comes out.
    """

    def __init__(self, input_size, output_size):
        self.weights = np.random.randn(input_size, output_size) * 0.1
        self.bias = np.zeros((1, output_size))

    def forward(self, input):
        self.input = input
        return np.dot(input, self.weights) + self.bias

    def backward(self, output_gradient, learning_rate):
        input_gradient = np.dot(output_gradient, self.weights.T)
        weights_gradient = np.dot(self.input.T, output_gradient)
        bias_gradient = np.sum(output_gradient, axis=0, keepdims=True)
        self.weights -= learning_rate * weights_gradient
        self.bias -= learning_rate * bias_gradient
        return input_gradient


# ----- dropout -----


class Layer_Dropout:
    """The book's dropout (chapter 15, with chapter 19's ``training`` flag)."""

    def __init__(self, rate):
        self.rate = 1 - rate  # the book stores the keep rate

    def forward(self, inputs, training):
        self.inputs = inputs
        if not training:
            self.output = inputs.copy()
            return
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.output = inputs * self.binary_mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.binary_mask


class Layer_Dropout_OutputsTypo:
    """Forward stores ``self.outputs``: there is no ``.output`` and forward returns None."""

    def __init__(self, rate):
        self.rate = 1 - rate

    def forward(self, inputs):
        self.inputs = inputs
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.outputs = inputs * self.binary_mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.binary_mask


# ----- activations -----


class Activation_ReLU_PassThrough:
    """ReLU's slope taken as 1 everywhere: the gradient goes on unchanged, unmasked."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues


class Activation_Softmax_Identity:
    """Backward is the identity, meant to be fused with the loss's ``p - y``.

    Right inside a softmax + cross-entropy pair whose loss backward already returns
    the gradient on the logits; wrong for the softmax on its own.
    """

    def forward(self, inputs):
        self.inputs = inputs
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()


class Activation_Sigmoid_Identity:
    """Sigmoid whose backward is the identity, meant to pair with BCE's ``p - y``."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()


class Activation_Sigmoid_IgnoresDvalues:
    """Backward returns the local derivative and forgets to multiply by ``dvalues``."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = self.output * (1 - self.output)


class Activation_ReLU_CopyTypo:
    """``dvalues.copy`` without the call: backward raises TypeError on item assignment."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy
        self.dinputs[self.inputs <= 0] = 0


class Activation_ReLU_DebugExit:
    """A debugging ``exit()`` left in forward."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)
        print(self.output.shape)
        exit()

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Activation_Sigmoid_StopInBackward:
    """Backward stops the program with status 0 (a "stop here" left in)."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output
        raise SystemExit(0)


# ----- losses -----


class Loss:
    def calculate(self, output, y):
        sample_losses = self.forward(output, y)
        return np.mean(sample_losses)


class Loss_MeanAbsoluteError(Loss):
    """The book's MAE: its backward has the sign of ``y_true - y_pred``, the wrong one."""

    def forward(self, y_pred, y_true):
        return np.mean(np.abs(y_true - y_pred), axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = np.sign(y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


class Loss_MeanAbsoluteError_Fixed(Loss_MeanAbsoluteError):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -np.sign(y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


class Loss_MeanSquaredError(Loss):
    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


class Loss_RootMeanSquaredError(Loss):
    """RMSE per sample, with MSE's backward pasted in: the 1 / (2 * rmse) factor is lost."""

    def forward(self, y_pred, y_true):
        return np.sqrt(np.mean((y_true - y_pred) ** 2, axis=-1))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


class Loss_BinaryCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        sample_losses = -(
            y_true * np.log(y_pred_clipped) + (1 - y_true) * np.log(1 - y_pred_clipped)
        )
        return np.mean(sample_losses, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / clipped_dvalues - (1 - y_true) / (1 - clipped_dvalues)) / outputs
        self.dinputs = self.dinputs / samples


class Loss_BinaryCrossentropy_NotPerOutput(Loss_BinaryCrossentropy):
    """Forward averages over the outputs; backward does not divide by their number."""

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / clipped_dvalues - (1 - y_true) / (1 - clipped_dvalues))
        self.dinputs = self.dinputs / samples


class Loss_MSE_CalculateOnly:
    """Only ``calculate`` (the mean loss) and ``backward``: there is no ``forward``."""

    def calculate(self, output, y):
        return np.mean((y - output) ** 2)

    def backward(self, dvalues, y_true):
        self.dinputs = -2 * (y_true - dvalues) / dvalues.size


# ----- found in real code the checker had not seen (the blind trial) -----


class DenseDictGradients:
    """``backward`` returns its gradients in a dict keyed by what they belong to."""

    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.1 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, input):
        self.input = input
        return input @ self.weights + self.biases

    def backward(self, output_gradient):
        return {
            "inputs": output_gradient @ self.weights.T,
            "weights": self.input.T @ output_gradient,
            "biases": output_gradient.sum(axis=0, keepdims=True),
        }


class DenseDictGradients_Averaged(DenseDictGradients):
    def backward(self, output_gradient):
        grads = super().backward(output_gradient)
        grads["weights"] /= len(output_gradient)  # the batch mean taken twice
        return grads


class BinaryCrossentropy_TargetsFirst:
    """A loss written ``forward(y_true, y_pred)``: the targets come first."""

    def forward(self, y_true, y_pred):
        y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return np.mean(-(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred)), axis=-1)

    def backward(self, y_true, y_pred):
        y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
        outputs, samples = y_pred.shape[1], len(y_pred)
        return -(y_true / y_pred - (1 - y_true) / (1 - y_pred)) / outputs / samples


class BinaryCrossentropy_TargetsFirst_Summed(BinaryCrossentropy_TargetsFirst):
    def backward(self, y_true, y_pred):
        y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -(y_true / y_pred - (1 - y_true) / (1 - y_pred))  # no mean over either axis
